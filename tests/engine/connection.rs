//! The store's own connection to one Redis (src/store/redis/wire.rs): what a
//! URL says (password, database), a login Redis refuses, a reply too large
//! for one read, and many calls in flight on one connection.

use std::sync::Arc;
use std::time::{Duration, Instant};

use testkit::redis_server::RedisServer;
use testkit::{card, event_id, open_event};
use ticketgrab::store::{RedisStore, RedisTarget, Store};
use ticketgrab::{Engine, Error};

use super::keyer;

fn engine_on(url: String, connections: usize) -> Engine {
    let target = RedisTarget::Single(url);
    let store: Arc<dyn Store> =
        Arc::new(RedisStore::new(&target, connections, Duration::from_secs(5)).unwrap());
    Engine::new(store, keyer())
}

async fn grab(engine: &Engine, event: &str, n: u64) -> Result<ticketgrab::store::Grabbed, Error> {
    super::grab_one(engine, event, n, "bj").await
}

/// A Redis that wants the password `s3cret` (of its `default` user).
fn with_password() -> RedisServer {
    RedisServer::start_as(
        &[
            "--save",
            "",
            "--appendonly",
            "no",
            "--requirepass",
            "s3cret",
        ],
        Some(("default", "s3cret")),
    )
}

#[tokio::test]
async fn the_password_and_the_database_of_the_url_are_used() {
    let redis = with_password();
    // A password without a user name (the `default` user), and database 3.
    let engine = engine_on(format!("redis://:s3cret@127.0.0.1:{}/3", redis.port), 2);
    engine
        .create_event(&open_event("e", &[("p", 5)]))
        .await
        .unwrap();
    assert!(grab(&engine, "e", 1).await.unwrap().new);
    let mut conn = redis.conn();
    let in_db = |conn: &mut redis::Connection, db: i64| -> i64 {
        let _: () = redis::cmd("SELECT").arg(db).query(conn).unwrap();
        redis::cmd("EXISTS").arg("tg:{e}:meta").query(conn).unwrap()
    };
    assert_eq!((in_db(&mut conn, 3), in_db(&mut conn, 0)), (1, 0));
}

#[tokio::test]
async fn a_refused_login_is_unavailable_at_once_not_a_hang() {
    let redis = with_password();
    let engine = engine_on(format!("redis://:wrong@127.0.0.1:{}", redis.port), 2);
    let started = Instant::now();
    let result = engine.create_event(&open_event("e", &[("p", 5)])).await;
    assert!(
        matches!(&result, Err(Error::Unavailable(m)) if m.contains("login")),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_calls_on_one_connection_each_get_their_own_answer() {
    let redis = RedisServer::start();
    let engine = Arc::new(engine_on(redis.url(), 1));
    engine
        .create_event(&open_event("e", &[("p", 3_000)]))
        .await
        .unwrap();
    // 3,000 grabs at once on one connection, then each member's retry: every
    // member is answered with their own ticket, never a neighbour's.
    let mut tasks = Vec::new();
    for n in 0..3_000u64 {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            let first = grab(&engine, "e", n).await.unwrap();
            let again = grab(&engine, "e", n).await.unwrap();
            assert!(first.new && !again.new);
            assert_eq!(first.reservation.code, again.reservation.code);
            assert_eq!(first.reservation.member, engine.member(&card(n)).key);
            first.reservation.code
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 3_000);
    // The whole event in one reply of some hundreds of kilobytes, which
    // arrives in many reads: all of it, and it balances.
    let snap = engine.snapshot(&event_id("e")).await.unwrap();
    assert_eq!(snap.reservations.len(), 3_000);
    let report = engine.audit(&event_id("e")).await.unwrap();
    assert!(report.ok, "{:?}", report.violations);
}
