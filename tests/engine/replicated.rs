//! With `--redis-wait-replicas`, a ticket is confirmed only once a replica
//! holds it, by the store and by the read model alike. The read model reads
//! the master's log, which can hold a ticket no replica has yet (its grab was
//! answered 503); confirming the member's retry from memory would confirm a
//! ticket that a failover loses (tests/durability/failover.rs saw one).

use std::sync::Arc;
use std::time::{Duration, Instant};

use testkit::open_event;
use testkit::redis_server::RedisServer;
use ticketgrab::store::{RedisStore, RedisTarget, Store};
use ticketgrab::{Engine, Error};

use super::{grab_one, keyer};

/// The longest a change waits for its replica: three times the read model's
/// `STALE` (1 s), so a model read stuck behind a `WAIT` would go stale.
const WAIT: Duration = Duration::from_secs(3);

/// Waits until the replica's link to its master is up and it holds all the
/// master has written.
fn in_sync(master: &RedisServer, replica: &RedisServer) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let (mut m, mut r) = (master.conn(), replica.conn());
    loop {
        let info: String = redis::cmd("INFO").arg("replication").query(&mut r).unwrap();
        let offset = |info: &str, key: &str| -> Option<i64> {
            info.lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().parse().ok())
        };
        let master_info: String = redis::cmd("INFO").arg("replication").query(&mut m).unwrap();
        let up = info.contains("master_link_status:up");
        let theirs = offset(&info, "slave_repl_offset:");
        let ours = offset(&master_info, "master_repl_offset:");
        if up && theirs.is_some() && theirs == ours {
            return;
        }
        assert!(Instant::now() < deadline, "the replica did not catch up");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_is_not_confirmed_from_memory_before_a_replica_holds_the_ticket() {
    let master = RedisServer::start();
    let replica_of = master.port.to_string();
    let replica = RedisServer::start_with(&[
        "--save",
        "",
        "--appendonly",
        "no",
        "--replicaof",
        "127.0.0.1",
        &replica_of,
    ]);
    in_sync(&master, &replica);
    let target = RedisTarget::Single(master.url());
    let store: Arc<dyn Store> = Arc::new(
        RedisStore::new(&target, 2, Duration::from_secs(5))
            .unwrap()
            // Long enough that a healthy replica's acknowledgement arrives
            // even with the whole suite running on two cores (200 ms did not
            // once in CI), and longer than the read model may go unsynced: a
            // stopped replica's grab waits it out, and the model must stay
            // current meanwhile.
            .with_replica_wait(1, WAIT),
    );
    let engine = Arc::new(Engine::new(store, keyer()).with_read_model(Duration::from_millis(10)));
    engine
        .create_event(&open_event("e", &[("p", 10)]))
        .await
        .unwrap();
    // The read model follows the event once the store has answered a grab.
    assert!(grab_one(&engine, "e", 1, "bj").await.unwrap().new);
    tokio::time::sleep(Duration::from_millis(100)).await;

    // The replica stops: a new ticket is on the master only, and not confirmed.
    replica.freeze(true);
    let first = grab_one(&engine, "e", 2, "bj").await;
    assert!(matches!(first, Err(Error::Unavailable(_))), "{first:?}");
    // The read model has read the master's log, ticket included, by now...
    tokio::time::sleep(Duration::from_millis(100)).await;
    // ...and still the member's retry is not confirmed while no replica has it.
    let retry = tokio::spawn({
        let engine = engine.clone();
        async move { grab_one(&engine, "e", 2, "bj").await }
    });
    // Answers that confirm nothing still come from memory, with the replica
    // still stopped and the retry's WAIT still out: the model's log reads do
    // not queue behind a WAIT (it holds its connection), so the model is kept
    // current. One of another union is told so at once.
    tokio::time::sleep(WAIT / 2).await;
    assert_eq!(
        grab_one(&engine, "e", 3, "sh").await.map(|g| g.new),
        Err(Error::NotEligible)
    );
    let retry = retry.await.unwrap();
    assert!(matches!(retry, Err(Error::Unavailable(_))), "{retry:?}");

    // Once the replica holds it, the retry is confirmed: the same ticket.
    replica.freeze(false);
    in_sync(&master, &replica);
    let confirmed = grab_one(&engine, "e", 2, "bj").await.unwrap();
    assert!(!confirmed.new);
}
