//! Journal version 2: records carry sequence numbers (a record repeated is
//! applied once), a damaged last record is cut but kept aside and named,
//! and a version 1 journal still opens and is written on.

use std::path::Path;

use super::durable::rebuild;
use super::durable_tests::{rebuilt, state};
use super::journal::{self, Journal};
use super::*;
use crate::domain::{EventId, StatusAction};

/// The journal of journal_tests.rs: an event and three grabs.
async fn small_journal(dir: &Path) {
    super::journal_tests::small_journal(dir).await;
}

fn frames(bytes: &[u8], header: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = header;
    while pos < bytes.len() {
        let end = journal::frame_end(bytes, pos).expect("a whole frame");
        out.push((pos, end));
        pos = end;
    }
    out
}

#[tokio::test]
async fn a_repeated_record_is_applied_once() {
    let dir = tempfile::tempdir().unwrap();
    small_journal(dir.path()).await;
    let path = dir.path().join("journal");
    let whole = rebuilt(dir.path());
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(journal::HEADER));
    // The last record (a grab) written twice, as a confused copy would.
    let (start, end) = *frames(&bytes, journal::HEADER.len()).last().unwrap();
    let again = bytes[start..end].to_vec();
    bytes.extend_from_slice(&again);
    std::fs::write(&path, &bytes).unwrap();
    let opened = Journal::open(dir.path(), |_| Ok(())).unwrap();
    assert_eq!(opened.repeats, 1);
    drop(opened);
    let store = MemoryStore::open(dir.path()).unwrap();
    assert!(state(&store) == whole, "the repeat was applied again");
    // The log holds the grab once (the audit's own check, without the audit).
    let id = EventId::parse("e").unwrap();
    let log = store.snapshot(&id).await.unwrap().log;
    let reserved = log
        .iter()
        .filter(|e| matches!(e.op, crate::store::LogOp::Reserved(_)));
    assert_eq!(reserved.count(), 3);
}

#[tokio::test]
async fn a_missing_record_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    small_journal(dir.path()).await;
    let path = dir.path().join("journal");
    let bytes = std::fs::read(&path).unwrap();
    let all = frames(&bytes, journal::HEADER.len());
    // The second record taken out: its sequence number is missing.
    let (start, end) = all[1];
    let mut gap = bytes[..start].to_vec();
    gap.extend_from_slice(&bytes[end..]);
    std::fs::write(&path, &gap).unwrap();
    let Err(err) = MemoryStore::open(dir.path()) else {
        panic!("a journal with a record missing opened");
    };
    assert!(err.to_string().contains("records are missing"), "{err}");
}

#[tokio::test]
async fn a_damaged_last_record_is_cut_kept_aside_and_named() {
    let dir = tempfile::tempdir().unwrap();
    small_journal(dir.path()).await;
    let path = dir.path().join("journal");
    let mut bytes = std::fs::read(&path).unwrap();
    let mut records = Journal::read(dir.path(), 1 << 20).unwrap();
    records.pop();
    let before = rebuild(records).unwrap();
    // A bit flips in the last record's last byte (its `at` field) after
    // it was written and confirmed.
    let (start, end) = *frames(&bytes, journal::HEADER.len()).last().unwrap();
    bytes[end - 1] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let opened = Journal::open(dir.path(), |_| Ok(())).unwrap();
    assert_eq!(opened.truncated as usize, end - start);
    let cut = opened.cut.as_ref().expect("the cut is kept");
    assert_eq!(std::fs::read(&cut.kept_in).unwrap(), bytes[start..end]);
    let says = |k: &str| {
        cut.says
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(says("event").as_deref(), Some("e"));
    assert_eq!(says("op").as_deref(), Some("reserved"));
    assert!(
        says("member").is_some() && says("code").is_some(),
        "{:?}",
        cut.says
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&cut.kept_in)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    drop(opened);
    let store = MemoryStore::open(dir.path()).unwrap();
    assert!(state(&store) == before);
}

/// A version 1 file: the same frames without sequence numbers.
fn as_version_1(bytes: &[u8]) -> Vec<u8> {
    let mut out = journal::HEADER_V1.to_vec();
    for (start, end) in frames(bytes, journal::HEADER.len()) {
        let payload = &bytes[start + 8..end];
        let seq_len = u32::from_le_bytes(payload[..4].try_into().unwrap()) as usize;
        let rest = &payload[4 + seq_len..];
        out.extend_from_slice(&(rest.len() as u32).to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(rest).to_le_bytes());
        out.extend_from_slice(rest);
    }
    out
}

#[tokio::test]
async fn a_version_1_journal_opens_and_is_written_on_in_its_version() {
    let dir = tempfile::tempdir().unwrap();
    small_journal(dir.path()).await;
    let whole = rebuilt(dir.path());
    let path = dir.path().join("journal");
    let old = as_version_1(&std::fs::read(&path).unwrap());
    std::fs::write(&path, &old).unwrap();
    let store = MemoryStore::open(dir.path()).unwrap();
    assert!(
        state(&store) == whole,
        "the version 1 journal rebuilds another state"
    );
    let id = EventId::parse("e").unwrap();
    store.set_status(&id, StatusAction::Pause).await.unwrap();
    drop(store);
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(journal::HEADER_V1));
    let store = MemoryStore::open(dir.path()).unwrap();
    assert_eq!(store.event(&id).await.unwrap().status, SaleStatus::Paused);
}
