//! Engine and store tests. Those marked Redis start their own redis-server.

#[path = "../support/mod.rs"]
mod support;

mod concurrency;
mod conformance;
mod differential;
mod scripts;

use std::sync::Arc;
use std::time::Duration;

use support::redis_server::RedisServer;
use ticketgrab::Engine;
use ticketgrab::domain::{MemberKeyer, Millis};
use ticketgrab::store::{MemoryStore, RedisStore, RedisTarget, Snapshot, Store};

/// An engine over a store, holding the Redis process (if any) alive.
pub struct Harness {
    pub engine: Engine,
    pub store: Arc<dyn Store>,
    pub redis: Option<RedisServer>,
}

pub fn keyer() -> MemberKeyer {
    MemberKeyer::new(b"test secret")
}

pub fn memory() -> Harness {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    Harness {
        engine: Engine::new(store.clone(), keyer()),
        store,
        redis: None,
    }
}

pub fn redis_store(server: &RedisServer, pool_size: usize) -> Arc<dyn Store> {
    Arc::new(
        RedisStore::new(
            &RedisTarget::Single(server.url()),
            pool_size,
            Duration::from_secs(5),
        )
        .unwrap(),
    )
}

pub fn redis() -> Harness {
    let server = RedisServer::start();
    let store = redis_store(&server, 8);
    Harness {
        engine: Engine::new(store.clone(), keyer()),
        store,
        redis: Some(server),
    }
}

/// A snapshot with its read time blanked, for before/after comparisons.
pub fn state(mut snap: Snapshot) -> Snapshot {
    snap.view.server_time = Millis(0);
    snap
}
