//! The durable embedded store's start-up: how long `MemoryStore::open` takes
//! to rebuild a journal of 1,000,000 changes (10 sales of 100,000 tickets:
//! 80,000 grabs each, 10,000 of them given back and 10,000 used at the gate).
//!
//! cargo bench --bench journal
//!
//! The journal is written once through the store itself (1,000 grabs in
//! flight, so they share fsyncs), then opened again and again.
//! `TG_BENCH_KEEP=<dir>` keeps a copy, to time the real binary's start on it:
//!   target/release/ticketgrab serve --data-dir <dir> --listen 127.0.0.1:0

use std::sync::Arc;
use std::time::{Duration, Instant};
use ticketgrab::domain::{Choices, Seats};

use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::StreamExt;
use ticketgrab::domain::{
    CardNumber, Channel, Code, Event, EventId, MemberKeyer, Millis, OrgPath, Pool, PoolId,
    with_check_digit,
};
use ticketgrab::store::{Find, Grab, MemoryStore, Store};

// The service's allocator, as `ticketgrab serve` opens the store.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EVENTS: u64 = 10;
const GRABS: u64 = 80_000;
const GIVEN_BACK: u64 = 10_000;
const USED: u64 = 10_000;

fn event(n: u64) -> Event {
    let now = Millis::now().0;
    Event {
        id: EventId::parse(&format!("sale-{n}")).unwrap(),
        title: format!("第{n}场 Sale {n}"),
        org: OrgPath::parse("bj").unwrap(),
        opens_at: Millis(now - 1_000),
        closes_at: Millis(now + 86_400_000),
        price_fen: 0,
        max_seats: 1,
        hold_ms: 0,
        lottery: None,
        program: None,
        details: Default::default(),
        pools: vec![Pool {
            kept: Vec::new(),
            id: PoolId::parse("p").unwrap(),
            title: "票 Ticket".into(),
            total: 100_000,
            details: Default::default(),
        }],
    }
}

/// Writes the journal: returns how many log entries it holds.
async fn write_journal(dir: &std::path::Path) -> u64 {
    let store = Arc::new(MemoryStore::open(dir).unwrap());
    let keyer = MemberKeyer::new(b"bench");
    let pool = PoolId::parse("p").unwrap();
    let mut changes = 0;
    for n in 0..EVENTS {
        let e = event(n);
        store.create_event(&e).await.unwrap();
        changes += 1;
        let members: Vec<_> = (0..GRABS)
            .map(|m| {
                let card = with_check_digit(&format!("6217{n:04}{m:010}"));
                keyer.member(&CardNumber::parse(&card).unwrap())
            })
            .collect();
        let codes: Vec<Code> = futures_util::stream::iter(&members)
            .map(|m| {
                let (store, id, pool) = (store.clone(), e.id.clone(), pool.clone());
                async move {
                    let grab = Grab {
                        groups: &[],
                        event: &id,
                        member: m,
                        org: None,
                        choices: &Choices::one(pool.clone()),
                        seats: Seats::ONE,
                        channel: Channel::Station,
                    };
                    store
                        .grab(&grab, &Code::random())
                        .await
                        .unwrap()
                        .reservation
                        .code
                }
            })
            .buffer_unordered(1_000)
            .collect()
            .await;
        changes += GRABS;
        let back = futures_util::stream::iter(0..GIVEN_BACK as usize)
            .map(|i| {
                let (store, id) = (store.clone(), e.id.clone());
                let (key, code) = (members[i].key.clone(), codes[i].clone());
                async move {
                    // A member's code is the one the grab answered with.
                    let mine = store.lookup(&id, &Find::Member(key.clone())).await.unwrap();
                    let code = mine.map_or(code, |r| r.code);
                    store.cancel(&id, &key, &code).await.unwrap();
                }
            })
            .buffer_unordered(1_000)
            .count();
        back.await;
        let used = futures_util::stream::iter(GIVEN_BACK as usize..(GIVEN_BACK + USED) as usize)
            .map(|i| {
                let (store, id, key) = (store.clone(), e.id.clone(), members[i].key.clone());
                async move {
                    store.redeem(&id, &Find::Member(key)).await.unwrap();
                }
            })
            .buffer_unordered(1_000)
            .count();
        used.await;
        changes += GIVEN_BACK + USED;
    }
    changes
}

fn bench_open(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let changes = rt.block_on(write_journal(dir.path()));
    // TG_BENCH_KEEP=<dir>: a copy of the journal to start the real binary on.
    if let Ok(keep) = std::env::var("TG_BENCH_KEEP") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::copy(dir.path().join("journal"), format!("{keep}/journal")).unwrap();
    }
    let bytes = std::fs::metadata(dir.path().join("journal")).unwrap().len();
    eprintln!(
        "journal: {changes} changes, {:.1} MB, written in {:.1} s",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let mut group = c.benchmark_group("journal");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("open 1,000,000 changes", |b| {
        // The open alone: each store is dropped (its lock released) after
        // its time is taken.
        b.iter_custom(|iters| {
            let mut took = Duration::ZERO;
            for _ in 0..iters {
                let started = Instant::now();
                let store = MemoryStore::open(dir.path()).unwrap();
                took += started.elapsed();
                drop(store);
            }
            took
        })
    });
    group.finish();
    // What was rebuilt is what was written; and how the time divides.
    let _ = tracing_subscriber::fmt().try_init();
    let store = MemoryStore::open(dir.path()).unwrap();
    let view = rt.block_on(store.event(&event(0).id)).unwrap();
    assert_eq!(view.pools[0].active, (GRABS - GIVEN_BACK - USED) as i64);
    assert_eq!(view.pools[0].redeemed, USED as i64);
}

criterion_group!(benches, bench_open);
criterion_main!(benches);
