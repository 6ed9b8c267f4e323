//! A sale with a long history costs a front end what the sale is, not what
//! its past was (issue 32): the read model starts from the event's head and
//! pages of holders, never the whole log, and follows only sales that are
//! open or about to open.

use std::sync::Arc;
use std::time::Duration;

use redis::AsyncCommands;
use testkit::redis_server::RedisServer;
use testkit::{event_between, event_id, open_event};
use ticketgrab::domain::Millis;
use ticketgrab::store::Store;
use ticketgrab::{Engine, Error};

use super::read_model::{Front, SETTLE};
use super::{Harness, keyer};

/// More holders than one page of either store (1,000).
const HOLDERS: u64 = 2_500;

/// `n` members (cards 0..n) take one ticket each in pool `p` of `event`,
/// through an engine without a read model, a few hundred at a time.
async fn hand_out(store: &Arc<dyn Store>, event: &str, n: u64) {
    let engine = Engine::new(store.clone(), keyer());
    for chunk in (0..n).collect::<Vec<_>>().chunks(250) {
        let grabs = chunk
            .iter()
            .map(|&i| super::grab_one(&engine, event, i, "bj/x"));
        for got in futures_util::future::join_all(grabs).await {
            assert!(got.unwrap().new);
        }
    }
}

/// A front end that starts on a sold-out sale with thousands of holders
/// answers every holder's retry, and everyone else's sold out, from memory.
async fn a_new_front_end_knows_every_holder(h: Harness) {
    h.store
        .create_event(&open_event("big", &[("p", HOLDERS as i64)]))
        .await
        .unwrap();
    hand_out(&h.store, "big", HOLDERS).await;
    let front = Front::over(&h.store);
    assert_eq!(
        front.grab("big", HOLDERS, "bj/x").await,
        Err(Error::SoldOut)
    );
    tokio::time::sleep(SETTLE * 3).await;
    let asked = front.store_grabs();
    for n in 0..HOLDERS {
        let retry = front.grab("big", n, "bj/x").await.unwrap();
        assert!(!retry.new, "card {n}'s retry is their ticket");
    }
    for n in HOLDERS..HOLDERS + 50 {
        assert_eq!(front.grab("big", n, "bj/x").await, Err(Error::SoldOut));
    }
    assert_eq!(front.store_grabs(), asked, "all answered from memory");
}

#[tokio::test]
async fn a_new_front_end_knows_every_holder_on_memory() {
    a_new_front_end_knows_every_holder(super::memory()).await;
}

#[tokio::test]
async fn a_new_front_end_knows_every_holder_on_redis() {
    a_new_front_end_knows_every_holder(super::redis()).await;
}

#[tokio::test]
async fn a_new_front_end_knows_every_holder_on_cluster() {
    a_new_front_end_knows_every_holder(super::cluster()).await;
}

/// A sale that opens in an hour, or that closed, is not followed: its
/// grabs go to the store, and the front end holds nothing for it.
#[tokio::test]
async fn sales_far_from_opening_and_closed_sales_are_not_followed() {
    let h = super::memory();
    let front = Front::over(&h.store);
    let now = Millis::now().0;
    for n in 0..20 {
        let id = format!("later{n}");
        let later = event_between(
            &id,
            &[("p", 5)],
            Millis(now + 3_600_000),
            Millis(now + 7_200_000),
        );
        h.store.create_event(&later).await.unwrap();
        let over = format!("over{n}");
        let closed = event_between(
            &over,
            &[("p", 5)],
            Millis(now - 7_200_000),
            Millis(now - 3_600_000),
        );
        h.store.create_event(&closed).await.unwrap();
    }
    for round in 0..3 {
        for n in 0..20 {
            let later = front.grab(&format!("later{n}"), round, "bj/x").await;
            assert!(matches!(later, Err(Error::NotOpen { .. })), "{later:?}");
            let closed = front.grab(&format!("over{n}"), round, "bj/x").await;
            assert_eq!(closed, Err(Error::Closed));
        }
        tokio::time::sleep(SETTLE).await;
        assert_eq!(front.engine.followed_events(), 0);
    }
    // A sale about to open is followed, and answered from memory.
    let soon = event_between(
        "soon",
        &[("p", 5)],
        Millis(now + 60_000),
        Millis(now + 120_000),
    );
    h.store.create_event(&soon).await.unwrap();
    assert!(matches!(
        front.grab("soon", 0, "bj/x").await,
        Err(Error::NotOpen { .. })
    ));
    tokio::time::sleep(SETTLE).await;
    assert_eq!(front.engine.followed_events(), 1);
}

/// Appends `n` copies of the event's last log entry (a real one, which the
/// read model takes in and the audit replays), 10,000 per pipeline.
async fn lengthen_log(server: &RedisServer, event: &str, n: usize) {
    let client = redis::Client::open(server.url()).unwrap();
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    let key = ticketgrab::store::keys::log_key(&event_id(event));
    let last: Vec<(String, Vec<String>)> = redis::cmd("XREVRANGE")
        .arg(&key)
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(1)
        .query_async(&mut con)
        .await
        .unwrap();
    let fields = &last[0].1;
    let mut left = n;
    while left > 0 {
        let mut pipe = redis::pipe();
        for _ in 0..left.min(10_000) {
            let cmd = pipe.cmd("XADD").arg(&key).arg("*");
            for f in fields {
                cmd.arg(f);
            }
            cmd.ignore();
        }
        let () = pipe.query_async(&mut con).await.unwrap();
        left = left.saturating_sub(10_000);
    }
    let len: usize = con.xlen(&key).await.unwrap();
    assert!(len > n);
}

/// The longest call Redis logged since the last reset, in µs.
pub async fn longest_call(server: &RedisServer) -> u64 {
    let client = redis::Client::open(server.url()).unwrap();
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    let log: Vec<redis::Value> = redis::cmd("SLOWLOG")
        .arg("GET")
        .arg(1000)
        .query_async(&mut con)
        .await
        .unwrap();
    log.iter()
        .filter_map(|e| match e {
            redis::Value::Array(parts) => match parts.get(2) {
                Some(redis::Value::Int(us)) => Some(*us as u64),
                _ => None,
            },
            _ => None,
        })
        .max()
        .unwrap_or(0)
}

pub async fn reset_slowlog(server: &RedisServer) {
    let client = redis::Client::open(server.url()).unwrap();
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    let () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("slowlog-log-slower-than")
        .arg(1000)
        .query_async(&mut con)
        .await
        .unwrap();
    let () = redis::cmd("SLOWLOG")
        .arg("RESET")
        .query_async(&mut con)
        .await
        .unwrap();
}

/// A sale whose log has 100,000 entries: a grab through a new front end,
/// then through another (a restart), never makes Redis run a long call,
/// and each front end answers from memory once it follows.
#[tokio::test]
async fn a_long_log_is_never_read_whole_to_follow_a_sale() {
    let h = super::redis();
    let server = h.redis.as_ref().unwrap();
    h.store
        .create_event(&open_event("long", &[("p", 100)]))
        .await
        .unwrap();
    hand_out(&h.store, "long", 100).await;
    lengthen_log(server, "long", 100_000).await;
    reset_slowlog(server).await;
    for _restart in 0..2 {
        let front = Front::over(&h.store);
        assert_eq!(front.grab("long", 500, "bj/x").await, Err(Error::SoldOut));
        tokio::time::sleep(SETTLE * 3).await;
        let asked = front.store_grabs();
        assert!(!front.grab("long", 7, "bj/x").await.unwrap().new);
        assert_eq!(front.grab("long", 501, "bj/x").await, Err(Error::SoldOut));
        assert_eq!(front.store_grabs(), asked, "answered from memory");
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let longest = longest_call(server).await;
    assert!(
        longest < 50_000,
        "the longest Redis call took {longest} µs (the whole log would be ~1 s)"
    );
}

/// Sales a year apart: the lists, the member's tickets, the sweeper and the
/// gauges ask the store about the live ones only.
#[tokio::test]
async fn what_runs_per_call_and_per_second_asks_about_live_sales_only() {
    let h = super::memory();
    let front = Front::over(&h.store);
    let day = 86_400_000;
    let now = Millis::now().0;
    // Priced sales that hold tickets for payment, but one free one.
    let window = |id: &str, from: i64, to: i64| {
        let mut e = event_between(id, &[("p", 5)], Millis(from), Millis(to));
        e.price_fen = 500;
        e.hold_ms = 60_000;
        e
    };
    let mut free = window("free-now", now - 60_000, now + day);
    (free.price_fen, free.hold_ms) = (0, 0);
    for e in [
        window("last-year", now - 365 * day, now - 364 * day),
        window("last-week", now - 8 * day, now - 7 * day),
        window("yesterday", now - 2 * day, now - day / 2),
        window("now", now - 60_000, now + day),
        window("next-month", now + 30 * day, now + 31 * day),
        free,
    ] {
        h.store.create_event(&e).await.unwrap();
    }
    assert!(front.grab("now", 1, "bj/x").await.unwrap().new);
    assert!(front.grab("free-now", 1, "bj/x").await.unwrap().new);
    let engine = &front.engine;
    let ids = |views: Vec<ticketgrab::domain::EventView>| -> Vec<String> {
        views.into_iter().map(|v| v.event.id.to_string()).collect()
    };
    assert_eq!(
        ids(engine.live_events().await.unwrap()),
        ["last-week", "yesterday", "free-now", "now", "next-month"]
    );
    assert_eq!(
        ids(engine.selling_events().await.unwrap()),
        ["free-now", "now"]
    );
    let mut swept: Vec<String> = engine
        .swept_events()
        .await
        .unwrap()
        .iter()
        .map(|e| e.to_string())
        .collect();
    swept.sort();
    assert_eq!(swept, ["now", "yesterday"]);
    let lookups = || {
        front
            .metrics
            .store_latency
            .with_label_values(&["lookup"])
            .get_sample_count()
    };
    let before = lookups();
    let member = engine.member(&testkit::card(1));
    let mine = engine.member_reservations(&member.key).await.unwrap();
    assert_eq!(mine.len(), 2);
    assert_eq!(
        lookups() - before,
        4,
        "one lookup per sale that opened and closed less than 30 days ago"
    );
}
