//! Engine and store tests. Those marked Redis start their own redis-server.

/// Runs each listed case (`cases::<name>(Harness)`) on the memory store, the
/// durable embedded store (rebuilt from its journal after every call), a
/// real Redis and a Redis Cluster.
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod on_memory {
            $(#[tokio::test] async fn $case() { super::cases::$case(crate::memory()).await })*
        }
        mod on_durable {
            $(#[tokio::test] async fn $case() { super::cases::$case(crate::durable()).await })*
        }
        mod on_redis {
            $(#[tokio::test] async fn $case() { super::cases::$case(crate::redis()).await })*
        }
        mod on_cluster {
            $(#[tokio::test] async fn $case() { super::cases::$case(crate::cluster()).await })*
        }
    };
}

mod archive;
mod batch;
mod concurrency;
mod conformance;
mod connection;
mod differential;
mod durable;
mod fair;
mod history;
mod kept;
mod kept_flood;
mod lottery;
mod lottery_differential;
mod paged;
mod program_race;
mod programs;
mod read_model;
mod register;
mod replicated;
mod scripts;
mod sweeper;
mod waiting;
mod waiting_crowd;

use std::sync::Arc;
use std::time::Duration;
use ticketgrab::domain::{Choices, Seats};

use testkit::cluster::RedisCluster;
use testkit::redis_server::RedisServer;
use ticketgrab::Engine;
use ticketgrab::domain::{MemberKeyer, Millis};
use ticketgrab::store::{MemoryStore, RedisStore, RedisTarget, Snapshot, Store};

/// An engine over a store, holding the Redis process(es) (if any) alive.
pub struct Harness {
    pub engine: Engine,
    pub store: Arc<dyn Store>,
    pub redis: Option<RedisServer>,
    pub cluster: Option<RedisCluster>,
}

impl Harness {
    fn new(
        store: Arc<dyn Store>,
        redis: Option<RedisServer>,
        cluster: Option<RedisCluster>,
    ) -> Self {
        Self {
            engine: Engine::new(store.clone(), keyer()),
            store,
            redis,
            cluster,
        }
    }
}

pub fn keyer() -> MemberKeyer {
    MemberKeyer::new(b"test secret")
}

pub fn memory() -> Harness {
    Harness::new(Arc::new(MemoryStore::new()), None, None)
}

/// The durable embedded store, closed and rebuilt from its journal after
/// every call (durable.rs).
pub fn durable() -> Harness {
    Harness::new(Arc::new(durable::Reopening::new()), None, None)
}

pub fn redis_store(server: &RedisServer, connections: usize) -> Arc<dyn Store> {
    let target = RedisTarget::Single(server.url());
    Arc::new(RedisStore::new(&target, connections, Duration::from_secs(5)).unwrap())
}

pub fn redis() -> Harness {
    let server = RedisServer::start();
    Harness::new(redis_store(&server, 8), Some(server), None)
}

pub fn cluster_store(cluster: &RedisCluster) -> Arc<dyn Store> {
    let target = RedisTarget::Cluster(cluster.urls());
    Arc::new(RedisStore::new(&target, 4, Duration::from_secs(5)).unwrap())
}

/// A 3-master Redis Cluster.
pub fn cluster() -> Harness {
    let cluster = RedisCluster::start(3, 0);
    Harness::new(cluster_store(&cluster), None, Some(cluster))
}

/// Card `n`'s grab of one seat in pool `p` of `event`, from the app, as a
/// member of `org`.
pub async fn grab_one(
    engine: &Engine,
    event: &str,
    n: u64,
    org: &str,
) -> Result<ticketgrab::store::Grabbed, ticketgrab::Error> {
    let member = engine.member(&testkit::card(n));
    let org = ticketgrab::domain::OrgPath::parse(org).unwrap();
    engine
        .grab(&ticketgrab::store::Grab {
            groups: &[],
            event: &testkit::event_id(event),
            member: &member,
            org: Some(&org),
            choices: &Choices::one(testkit::pool_id("p")),
            seats: Seats::ONE,
            channel: ticketgrab::domain::Channel::App,
        })
        .await
}

/// A snapshot with its read time blanked, for before/after comparisons.
pub fn state(mut snap: Snapshot) -> Snapshot {
    snap.view.server_time = Millis(0);
    snap
}
