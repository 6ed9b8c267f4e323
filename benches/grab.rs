//! The hot path: one grab as a handler runs it (card -> member key -> grab),
//! on the memory store and as one round trip to a local redis-server.
//!
//! cargo bench --bench grab
//!
//! The Redis benches start their own redis-server (Debian package `redis-server`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use ticketgrab::domain::{Choices, Seats};

use criterion::{Criterion, criterion_group, criterion_main};
use ticketgrab::Engine;
use ticketgrab::domain::{
    CardNumber, Channel, Event, EventId, MemberKeyer, Millis, OrgPath, Pool, PoolId,
    with_check_digit,
};
use ticketgrab::store::Grab;
use ticketgrab::store::{MemoryStore, RedisStore, RedisTarget, Store};

fn event(id: &str, total: i64) -> Event {
    let now = Millis::now().0;
    Event {
        id: EventId::parse(id).unwrap(),
        title: "bench".into(),
        org: OrgPath::parse("bj").unwrap(),
        opens_at: Millis(now - 1_000),
        closes_at: Millis(now + 86_400_000),
        price_fen: 500,
        max_seats: 1,
        hold_ms: 0,
        lottery: None,
        program: None,
        details: Default::default(),
        pools: vec![Pool {
            kept: Vec::new(),
            id: PoolId::parse("p").unwrap(),
            title: "p".into(),
            total,
            details: Default::default(),
        }],
    }
}

/// Grabs for fresh members, one after another, as the HTTP handler would.
fn bench_grabs(
    c: &mut Criterion,
    name: &str,
    rt: &tokio::runtime::Runtime,
    engine: Engine,
    event_id: &str,
) {
    let next = AtomicU64::new(0);
    let ev = EventId::parse(event_id).unwrap();
    let org = OrgPath::parse("bj/x").unwrap();
    let choices = [PoolId::parse("p").unwrap()];
    c.bench_function(name, |b| {
        b.to_async(rt).iter(|| {
            let n = next.fetch_add(1, Ordering::Relaxed);
            let card = CardNumber::parse(&with_check_digit(&format!("6217{n:014}"))).unwrap();
            let member = engine.member(&card);
            let (engine, ev, org, choices) = (&engine, &ev, &org, &choices);
            async move {
                let input = Grab {
                    groups: &[],
                    event: ev,
                    member: &member,
                    org: Some(org),
                    choices: &Choices::new(choices.to_vec()).unwrap(),
                    seats: Seats::ONE,
                    channel: Channel::App,
                };
                engine.grab(&input).await
            }
        })
    });
}

fn memory(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let engine = Engine::new(store, MemberKeyer::new(b"bench"));
    rt.block_on(engine.create_event(&event("mem", 10_000_000)))
        .unwrap();
    bench_grabs(c, "memory/grab", &rt, engine.clone(), "mem");
    // After the sell-out: the answer every late member gets.
    rt.block_on(engine.create_event(&event("gone", 1))).unwrap();
    bench_grabs(c, "memory/grab_sold_out", &rt, engine, "gone");
}

fn redis(c: &mut Criterion) {
    let server = testkit::RedisServer::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let target = RedisTarget::Single(server.url());
    let store: Arc<dyn Store> =
        Arc::new(RedisStore::new(&target, 4, Duration::from_secs(5)).unwrap());
    rt.block_on(async {
        for _ in 0..100 {
            if store.ping().await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server did not start");
    });
    let engine = Engine::new(store, MemberKeyer::new(b"bench"));
    rt.block_on(engine.create_event(&event("red", 10_000_000)))
        .unwrap();
    bench_grabs(c, "redis/grab_round_trip", &rt, engine.clone(), "red");
    rt.block_on(engine.create_event(&event("gone", 1))).unwrap();
    bench_grabs(c, "redis/grab_sold_out_round_trip", &rt, engine, "gone");
}

criterion_group!(benches, memory, redis);
criterion_main!(benches);
