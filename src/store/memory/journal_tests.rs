//! The journal's file: a torn tail is cut at any byte, damage in the middle
//! stops the start, one process per directory, ids stay taken.

use crate::domain::{Choices, Seats};
use std::path::Path;

use super::durable::rebuild;
use super::durable_tests::{event, member, rebuilt, state};
use super::*;
use crate::domain::{Channel, EventId, PoolId, StatusAction};

/// A small journal: an event and a few changes, the last one a grab.
pub(super) async fn small_journal(dir: &Path) {
    let store = MemoryStore::open(dir).unwrap();
    let mut e = event("e", &[("p", 5)], 0, 0);
    let now = Millis::now().0;
    (e.opens_at, e.closes_at) = (Millis(now - 1_000), Millis(now + 3_600_000));
    store.create_event(&e).await.unwrap();
    for n in 0..3 {
        let m = member(n);
        let grab = Grab {
            groups: &[],
            event: &e.id,
            member: &m,
            org: None,
            choices: &Choices::one(PoolId::parse("p").unwrap()),
            seats: Seats::ONE,
            channel: Channel::Station,
        };
        store.grab(&grab, &Code::random()).await.unwrap();
    }
}

/// Where each frame of a journal file starts.
fn frame_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut pos = journal::HEADER.len();
    while pos < bytes.len() {
        starts.push(pos);
        pos = journal::frame_end(bytes, pos).expect("a whole frame");
    }
    starts
}

#[tokio::test]
async fn a_journal_cut_at_any_byte_of_its_last_record_loads_the_state_before_it() {
    let dir = tempfile::tempdir().unwrap();
    small_journal(dir.path()).await;
    let bytes = std::fs::read(dir.path().join("journal")).unwrap();
    let last = *frame_starts(&bytes).last().unwrap();
    let mut records = Journal::read(dir.path(), 1 << 20).unwrap();
    records.pop();
    let before = rebuild(records).unwrap();
    let whole = rebuilt(dir.path());
    for cut in last..=bytes.len() {
        let torn = tempfile::tempdir().unwrap();
        std::fs::write(torn.path().join("journal"), &bytes[..cut]).unwrap();
        let n = Journal::read(torn.path(), 7).unwrap().len();
        assert_eq!(
            n,
            if cut == bytes.len() { 5 } else { 4 },
            "cut at {cut}, chunks of 7"
        );
        let store = MemoryStore::open(torn.path()).unwrap();
        let expected = if cut == bytes.len() { &whole } else { &before };
        assert!(state(&store) == *expected, "cut at byte {cut}");
        drop(store);
        let len = std::fs::metadata(torn.path().join("journal"))
            .unwrap()
            .len();
        let kept = if cut == bytes.len() { cut } else { last };
        assert_eq!(
            len as usize, kept,
            "the torn tail is cut off (cut at {cut})"
        );
    }
    // A store opened on a cut journal goes on writing after its last record.
    let torn = tempfile::tempdir().unwrap();
    std::fs::write(torn.path().join("journal"), &bytes[..bytes.len() - 3]).unwrap();
    let store = MemoryStore::open(torn.path()).unwrap();
    let id = EventId::parse("e").unwrap();
    store.set_status(&id, StatusAction::Pause).await.unwrap();
    drop(store);
    let store = MemoryStore::open(torn.path()).unwrap();
    assert_eq!(store.event(&id).await.unwrap().status, SaleStatus::Paused);
    assert_eq!(store.snapshot(&id).await.unwrap().reservations.len(), 2);
}

#[tokio::test]
async fn a_zero_filled_tail_is_torn_but_damage_in_the_middle_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    small_journal(dir.path()).await;
    let path = dir.path().join("journal");
    let bytes = std::fs::read(&path).unwrap();
    // A crash can leave the end of the file zero-filled.
    let mut zeros = bytes.clone();
    zeros.extend([0; 4096]);
    std::fs::write(&path, &zeros).unwrap();
    for chunk in [5, 64, 1 << 20] {
        assert_eq!(
            Journal::read(dir.path(), chunk).unwrap().len(),
            5,
            "chunks of {chunk}"
        );
    }
    let store = MemoryStore::open(dir.path()).unwrap();
    let id = EventId::parse("e").unwrap();
    assert_eq!(store.snapshot(&id).await.unwrap().reservations.len(), 3);
    drop(store);
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    // One flipped byte in the second record: the records after it are whole.
    let second = frame_starts(&bytes)[1];
    let mut damaged = bytes.clone();
    damaged[second + 12] ^= 0x20;
    std::fs::write(&path, &damaged).unwrap();
    let Err(err) = MemoryStore::open(dir.path()) else {
        panic!("a damaged journal loaded");
    };
    let said = err.to_string();
    assert!(
        said.contains(&format!("damaged at byte {second}")),
        "{said}"
    );
    for chunk in [5, 64, 1 << 20] {
        let said = Journal::read(dir.path(), chunk).unwrap_err().to_string();
        assert!(
            said.contains(&format!("damaged at byte {second}")),
            "chunks of {chunk}: {said}"
        );
    }
    // Nothing was cut: the operator still has every byte.
    assert_eq!(std::fs::read(&path).unwrap(), damaged);
    // Another program's file is not a journal.
    std::fs::write(&path, b"hello, not a journal").unwrap();
    assert!(MemoryStore::open(dir.path()).is_err());
    // A header torn by a crash at the very start: an empty journal.
    std::fs::write(&path, &journal::HEADER[..5]).unwrap();
    let store = MemoryStore::open(dir.path()).unwrap();
    assert!(store.event_ids().await.unwrap().is_empty());
    // ... which takes records, and opens again with them.
    let e = event("after", &[("p", 5)], 0, 0);
    store.create_event(&e).await.unwrap();
    drop(store);
    assert!(std::fs::read(&path).unwrap().starts_with(journal::HEADER));
    let store = MemoryStore::open(dir.path()).unwrap();
    assert_eq!(store.event_ids().await.unwrap(), vec![e.id.clone()]);
}

#[tokio::test]
async fn one_process_per_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::open(dir.path()).unwrap();
    let Err(err) = MemoryStore::open(dir.path()) else {
        panic!("a second store opened the same directory");
    };
    assert!(err.to_string().contains("in use"), "{err}");
    drop(store);
    assert!(MemoryStore::open(dir.path()).is_ok());
}

/// The lock is the directory's own: deleting files in it, or replacing the
/// journal by a copy (as compaction replaces files), lets no second writer in.
#[tokio::test]
async fn no_file_deleted_or_replaced_lets_a_second_process_write_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    small_journal(dir.path()).await;
    let store = MemoryStore::open(dir.path()).unwrap();
    let journal = dir.path().join("journal");
    let copy = dir.path().join("journal.copy");
    std::fs::copy(&journal, &copy).unwrap();
    std::fs::rename(&copy, &journal).unwrap();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path != journal {
            std::fs::remove_file(path).unwrap();
        }
    }
    let Err(err) = MemoryStore::open(dir.path()) else {
        panic!("a second store opened the directory once its files were replaced");
    };
    assert!(err.to_string().contains("in use"), "{err}");
    drop(store);
}

/// The journal holds a lottery's seed until its draw: the directory and its
/// files are the service user's alone, even when found open to others.
#[tokio::test]
async fn the_data_directory_and_journal_are_private_to_the_service_user() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let fresh = parent.path().join("fresh");
    drop(MemoryStore::open(&fresh).unwrap());
    assert_eq!(mode(&fresh), 0o700);
    assert_eq!(mode(&fresh.join("journal")), 0o600);
    // Found world-readable (an older build, or made by hand): made private.
    let old = parent.path().join("old");
    small_journal(&old).await;
    let open = std::fs::Permissions::from_mode(0o755);
    std::fs::set_permissions(&old, open).unwrap();
    std::fs::set_permissions(old.join("journal"), std::fs::Permissions::from_mode(0o644)).unwrap();
    drop(MemoryStore::open(&old).unwrap());
    assert_eq!(mode(&old), 0o700);
    assert_eq!(mode(&old.join("journal")), 0o600);
}

#[tokio::test]
async fn an_event_id_cannot_be_created_again_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    small_journal(dir.path()).await;
    let store = MemoryStore::open(dir.path()).unwrap();
    let e = event("e", &[("p", 5)], 0, 0);
    assert_eq!(store.create_event(&e).await, Err(Error::EventExists));
}
