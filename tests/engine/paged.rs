//! The paged snapshot (engine/paged.rs) that the audit and the export read:
//! the same state as the store's atomic snapshot when nothing moves, a
//! consistent one while grabs run (the audit finds nothing wrong then, and
//! finds a stock field changed by hand), and no long Redis call.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use testkit::{card, event_id, open_event, pool_id};
use ticketgrab::domain::{Channel, Choices, OrgPath, Seats};
use ticketgrab::store::{Grab, Join};
use ticketgrab::{Engine, Error};

use super::{Harness, state};

/// Cards `from..to` act on pool `p` of `event`: most grab, some of those
/// give the ticket back, and those who find it sold out join the waiting
/// list (cards ending in 7 wait, and leave again when they end in 77).
async fn act(engine: &Engine, event: &str, from: u64, to: u64) {
    let org = OrgPath::parse("bj/x").unwrap();
    let choices = Choices::one(pool_id("p"));
    for n in from..to {
        let member = engine.member(&card(n));
        let grab = Grab {
            groups: &[],
            event: &event_id(event),
            member: &member,
            org: Some(&org),
            choices: &choices,
            seats: Seats::ONE,
            channel: Channel::App,
        };
        match engine.grab(&grab).await {
            Ok(got) if n % 5 == 0 => {
                let r = got.reservation;
                engine.cancel(&r.event, &r.member, &r.code).await.unwrap();
            }
            Ok(_) => {}
            Err(Error::SoldOut) if n % 10 == 7 => {
                engine
                    .join_waiting(&Join { grab, cutoff: None })
                    .await
                    .unwrap();
                if n % 100 == 77 {
                    engine
                        .leave_waiting(&event_id(event), &member.key)
                        .await
                        .unwrap();
                }
            }
            Err(Error::SoldOut) => {}
            Err(e) => panic!("card {n}: {e:?}"),
        }
    }
}

async fn quiet_snapshot_is_the_atomic_one(h: Harness) {
    h.store
        .create_event(&open_event("s", &[("p", 1_500)]))
        .await
        .unwrap();
    let tasks = (0..4).map(|k| act(&h.engine, "s", k * 600, (k + 1) * 600));
    futures_util::future::join_all(tasks).await;
    let paged = h.engine.snapshot(&event_id("s")).await.unwrap();
    let atomic = h.store.snapshot(&event_id("s")).await.unwrap();
    assert!(paged.reservations.len() > 1_000, "more than a page");
    assert!(!paged.waiting.is_empty());
    assert_eq!(state(paged), state(atomic));
    let report = h.engine.audit(&event_id("s")).await.unwrap();
    assert!(report.ok, "{:?}", report.violations);
}

#[tokio::test]
async fn quiet_snapshot_is_the_atomic_one_on_memory() {
    quiet_snapshot_is_the_atomic_one(super::memory()).await;
}

#[tokio::test]
async fn quiet_snapshot_is_the_atomic_one_on_redis() {
    quiet_snapshot_is_the_atomic_one(super::redis()).await;
}

#[tokio::test]
async fn quiet_snapshot_is_the_atomic_one_on_cluster() {
    quiet_snapshot_is_the_atomic_one(super::cluster()).await;
}

/// Audits, one after another, while four tasks grab, give back, wait and
/// leave: every audit is clean. Returns how many began while they ran.
async fn audit_while_busy(h: &Harness, event: &str, members: u64) -> usize {
    h.store
        .create_event(&open_event(event, &[("p", members as i64 * 3 / 4)]))
        .await
        .unwrap();
    let busy = Arc::new(AtomicBool::new(true));
    let auditor = {
        let (engine, busy) = (h.engine.clone(), busy.clone());
        let event = event_id(event);
        tokio::spawn(async move {
            let mut audits = 0;
            while busy.load(Ordering::Relaxed) {
                let report = engine.audit(&event).await.unwrap();
                assert!(report.ok, "audit {audits}: {:?}", report.violations);
                audits += 1;
            }
            audits
        })
    };
    let quarter = members / 4;
    let tasks = (0..4).map(|k| act(&h.engine, event, k * quarter, (k + 1) * quarter));
    futures_util::future::join_all(tasks).await;
    busy.store(false, Ordering::Relaxed);
    auditor.await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn audits_during_a_sale_are_clean_on_memory() {
    let h = super::memory();
    let audits = audit_while_busy(&h, "busy", 20_000).await;
    assert!(audits >= 2, "{audits} audits");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn audits_during_a_sale_are_clean_on_redis() {
    let h = super::redis();
    let audits = audit_while_busy(&h, "busy", 4_000).await;
    assert!(audits >= 2, "{audits} audits");
}

/// A stock field changed by hand while grabs run is found, and no Redis
/// call of the audits took long.
#[tokio::test]
async fn the_paged_audit_finds_a_stock_changed_by_hand_without_long_calls() {
    let h = super::redis();
    let server = h.redis.as_ref().unwrap();
    h.store
        .create_event(&open_event("tamper", &[("p", 6_000)]))
        .await
        .unwrap();
    act(&h.engine, "tamper", 0, 3_000).await;
    super::history::reset_slowlog(server).await;
    let grabs = {
        let engine = h.engine.clone();
        tokio::spawn(async move { act(&engine, "tamper", 3_000, 5_000).await })
    };
    let client = redis::Client::open(server.url()).unwrap();
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    let key = ticketgrab::store::keys::event_keys(&event_id("tamper"))[1].clone();
    let () = redis::cmd("HINCRBY")
        .arg(&key)
        .arg("p")
        .arg(1)
        .query_async(&mut con)
        .await
        .unwrap();
    let report = h.engine.audit(&event_id("tamper")).await.unwrap();
    grabs.await.unwrap();
    assert!(!report.ok);
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.starts_with("pool p: remaining")),
        "{:?}",
        report.violations
    );
    let longest = super::history::longest_call(server).await;
    assert!(longest < 50_000, "the longest Redis call took {longest} µs");
}
