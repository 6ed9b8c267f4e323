//! Compaction (compact.rs, journal/compact.rs): stopped after each of its
//! steps (as a kill -9 would leave the files), the data directory reopens to
//! the state the store had; an archived sale leaves the files; grabs go on
//! while it runs.

use std::sync::atomic::{AtomicI64, Ordering};

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::durable_tests::{T0, event, random_step, state, stepped};
use super::*;
use crate::domain::LogPos;

#[derive(Clone, Copy, Debug)]
enum Stop {
    /// The writer went on in `journal.1`; no snapshot written.
    AfterRotate,
    /// `snapshot.1.tmp` half written.
    MidSnapshot,
    /// `snapshot.1` in place; the old files not removed yet.
    BeforeRetire,
    Done,
}

fn files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("journal") || n.starts_with("snapshot"))
        .collect();
    names.sort();
    names
}

async fn compact_until(store: &MemoryStore, stop: Stop) {
    let journal = store.journal.as_ref().unwrap();
    if let Stop::Done = stop {
        assert_eq!(store.compact().await.unwrap(), Some(1));
        return;
    }
    let (generation, mut snapshot, cut) = {
        let events = store.lock();
        let (g, w) = journal.rotate().unwrap();
        let cut: Vec<(Event, Vec<LogEntry>)> = events
            .values()
            .map(|d| (d.event.clone(), d.log.to_vec()))
            .collect();
        (g, w, cut)
    };
    assert_eq!(generation, 1);
    match stop {
        Stop::AfterRotate => {}
        Stop::MidSnapshot => {
            let (event, log) = &cut[0];
            snapshot.event(event).unwrap();
            snapshot.log(&event.id, &log[..log.len() / 2]).unwrap();
        }
        _ => {
            for (event, log) in &cut {
                snapshot.event(event).unwrap();
                snapshot.log(&event.id, log).unwrap();
            }
            snapshot.finish().unwrap();
            return;
        }
    }
    drop(snapshot);
}

#[tokio::test]
async fn compaction_stopped_after_any_step_reopens_to_the_same_state() {
    for stop in [
        Stop::AfterRotate,
        Stop::MidSnapshot,
        Stop::BeforeRetire,
        Stop::Done,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let t = Arc::new(AtomicI64::new(T0));
        let store = MemoryStore::open_with_clock(dir.path(), stepped(&t)).unwrap();
        let events = [
            event("free", &[("p1", 3), ("p2", 2)], 0, 0),
            event("paid", &[("p1", 3), ("p2", 1)], 500, 1_000),
        ];
        for e in &events {
            store.create_event(e).await.unwrap();
        }
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..200 {
            random_step(&store, &mut rng, &events).await;
            t.fetch_add(100, Ordering::SeqCst);
        }
        compact_until(&store, stop).await;
        // The store goes on, in the new journal.
        for _ in 0..100 {
            random_step(&store, &mut rng, &events).await;
            t.fetch_add(100, Ordering::SeqCst);
        }
        let before = state(&store);
        drop(store);
        let store = MemoryStore::open_with_clock(dir.path(), stepped(&t)).unwrap();
        assert!(
            state(&store) == before,
            "{stop:?}: reopened to another state"
        );
        let expected = match stop {
            Stop::AfterRotate | Stop::MidSnapshot => vec!["journal", "journal.1"],
            Stop::BeforeRetire | Stop::Done => vec!["journal.1", "snapshot.1"],
        };
        assert_eq!(files(dir.path()), expected, "{stop:?}");
        // And it compacts again from there.
        let next = store.compact().await.unwrap().unwrap();
        random_step(&store, &mut rng, &events).await;
        let before = state(&store);
        drop(store);
        let store = MemoryStore::open_with_clock(dir.path(), stepped(&t)).unwrap();
        assert!(
            state(&store) == before,
            "{stop:?}: reopened to another state after generation {next}"
        );
        assert_eq!(
            files(dir.path()),
            [format!("journal.{next}"), format!("snapshot.{next}")]
        );
    }
}

#[tokio::test]
async fn an_archived_sale_leaves_the_files_at_the_next_compaction() {
    let dir = tempfile::tempdir().unwrap();
    let t = Arc::new(AtomicI64::new(T0));
    let store = MemoryStore::open_with_clock(dir.path(), stepped(&t)).unwrap();
    let events = [
        event("kept", &[("p1", 3)], 0, 0),
        event("gone", &[("p1", 3)], 0, 0),
    ];
    for e in &events {
        store.create_event(e).await.unwrap();
    }
    let mut rng = StdRng::seed_from_u64(3);
    for _ in 0..300 {
        random_step(&store, &mut rng, &events).await;
    }
    let end = LogPos::after_entries(store.lock()[&events[1].id].log.len());
    assert!(store.drop_event(&events[1].id, end).await.unwrap());
    let bytes = |dir: &std::path::Path| -> u64 {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum()
    };
    let before = bytes(dir.path());
    store.compact().await.unwrap();
    assert!(
        bytes(dir.path()) < before * 3 / 4,
        "the archived sale's records are gone"
    );
    for name in files(dir.path()) {
        let text = std::fs::read(dir.path().join(&name)).unwrap();
        assert!(
            !text.windows(4).any(|w| w == b"gone"),
            "{name} still names the archived sale"
        );
    }
    let kept = state(&store);
    drop(store);
    let store = MemoryStore::open(dir.path()).unwrap();
    assert!(state(&store) == kept);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn grabs_go_on_while_the_store_compacts() {
    let dir = tempfile::tempdir().unwrap();
    let t = Arc::new(AtomicI64::new(T0));
    let store = Arc::new(MemoryStore::open_with_clock(dir.path(), stepped(&t)).unwrap());
    let events = [
        event("a", &[("p1", 5), ("p2", 5)], 0, 0),
        event("b", &[("p1", 5)], 500, 1_000),
    ];
    for e in &events {
        store.create_event(e).await.unwrap();
    }
    let busy = (0..4u64).map(|seed| {
        let (store, events) = (store.clone(), events.clone());
        tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed);
            for _ in 0..500 {
                random_step(&store, &mut rng, &events).await;
            }
        })
    });
    let busy: Vec<_> = busy.collect();
    for _ in 0..3 {
        store.compact().await.unwrap();
    }
    for task in busy {
        task.await.unwrap();
    }
    let before = state(&store);
    drop(store);
    let store = MemoryStore::open_with_clock(dir.path(), stepped(&t)).unwrap();
    assert!(state(&store) == before);
}

/// A program's places outlive its archived sale: counted in a compaction's
/// snapshot (the sale's log is gone from it) and back after a restart, with
/// the cap still refusing.
#[tokio::test]
async fn a_programs_places_survive_archiving_compaction_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let t = Arc::new(AtomicI64::new(T0));
    let store = MemoryStore::open_with_clock(dir.path(), stepped(&t)).unwrap();
    let program = crate::domain::Program {
        id: crate::domain::ProgramId::parse("year").unwrap(),
        title: "year".into(),
        org: crate::domain::OrgPath::parse("bj").unwrap(),
        starts_at: crate::domain::Millis(0),
        ends_at: crate::domain::Millis(T0 + 10_000_000),
        cap: 1,
        draw_order: crate::domain::DrawOrder::Rank,
    };
    store.create_program(&program).await.unwrap();
    let mut sales = [
        event("a", &[("p1", 5)], 0, 0),
        event("b", &[("p1", 5)], 0, 0),
    ];
    for sale in &mut sales {
        sale.program = Some(program.id.clone());
        store.create_event(sale).await.unwrap();
    }
    let member = crate::domain::MemberKeyer::new(b"k")
        .member(&crate::domain::CardNumber::parse("6217000000000000012").unwrap());
    let (a, b) = (sales[0].id.clone(), sales[1].id.clone());
    let choices = crate::domain::Choices::one(crate::domain::PoolId::parse("p1").unwrap());
    let grab = |event| Grab {
        groups: &[],
        event,
        member: &member,
        org: None,
        choices: &choices,
        seats: crate::domain::Seats::ONE,
        channel: crate::domain::Channel::Station,
    };
    store.grab(&grab(&a), &Code::random()).await.unwrap();
    let end = LogPos::after_entries(store.lock()[&a].log.len());
    assert!(store.drop_event(&a, end).await.unwrap());
    store.compact().await.unwrap();
    drop(store);
    let store = MemoryStore::open_with_clock(dir.path(), stepped(&t)).unwrap();
    assert_eq!(store.places(&program.id, &member.key).await.unwrap(), 1);
    assert_eq!(
        store.grab(&grab(&b), &Code::random()).await.unwrap_err(),
        Error::ProgramCap { held: 1, cap: 1 }
    );
    assert_eq!(store.programs().await.unwrap(), vec![program]);
}

/// Rows for cards `from..to` of `org` (`None`: taken out).
fn register_rows(from: u64, to: u64, org: Option<&str>) -> Vec<crate::domain::RegisterRow> {
    let keyer = crate::domain::MemberKeyer::new(b"compact-test");
    (from..to)
        .map(|n| crate::domain::RegisterRow {
            member: keyer.key(&testkit_card(n)),
            entry: org.map(|o| {
                crate::domain::Membership::new(crate::domain::OrgPath::parse(o).unwrap(), vec![])
                    .unwrap()
            }),
        })
        .collect()
}

fn testkit_card(n: u64) -> crate::domain::CardNumber {
    let digits = crate::domain::with_check_digit(&format!("6217{n:014}"));
    crate::domain::CardNumber::parse(&digits).unwrap()
}

#[tokio::test]
async fn the_register_survives_compaction_with_changes_made_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::open(dir.path()).unwrap();
    let chunk = crate::domain::REGISTER_CHUNK as u64;
    for at in (0..3 * chunk).step_by(chunk as usize) {
        store
            .register_write(&register_rows(at, at + chunk, Some("bj/chaoyang")))
            .await
            .unwrap();
    }
    // Changes land while the snapshot is written: a move and a removal.
    let (compacted, _) = tokio::join!(store.compact(), async {
        store
            .register_write(&register_rows(5, 10, Some("bj/haidian")))
            .await
            .unwrap();
        store
            .register_write(&register_rows(0, 5, None))
            .await
            .unwrap();
    });
    assert_eq!(compacted.unwrap(), Some(1));
    let before: Vec<_> = store.register_chunk(None, usize::MAX);
    drop(store);
    let store = MemoryStore::open(dir.path()).unwrap();
    assert_eq!(store.register_chunk(None, usize::MAX), before);
    assert_eq!(store.register_len().await.unwrap(), 3 * chunk - 5);
    let moved = &register_rows(7, 8, None)[0].member;
    let entry = store.register_entry(moved).await.unwrap().unwrap();
    assert_eq!(entry.org.as_str(), "bj/haidian");
}
