//! The answer of `/readyz`, reused while it says "ready".

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::Error;
use crate::engine::Engine;

/// How long a "ready" answer is reused.
const READY_TTL: Duration = Duration::from_secs(1);

/// When the store last answered ready.
///
/// Only "ready" is reused: a crowd of probes against a healthy store costs it
/// one call a second. "Not ready" is asked again on every probe, so the
/// balancer sees a recovery at once; while the store is down or out of memory
/// that costs one refused call per probe (no script is compiled, unlike the
/// SCRIPT LOADs of before), and probes are under the per-IP limit.
#[derive(Default)]
pub struct Readiness {
    /// A std mutex: held to read or write one instant, never across an await.
    ready_at: Mutex<Option<Instant>>,
}

impl Readiness {
    /// Whether the store can take a change now (reachable, not out of memory).
    pub async fn check(&self, engine: &Engine) -> Result<(), Error> {
        let lock = || self.ready_at.lock().unwrap_or_else(|p| p.into_inner());
        if lock().is_some_and(|at| at.elapsed() < READY_TTL) {
            return Ok(());
        }
        let answer = engine.ping().await;
        *lock() = answer.is_ok().then(Instant::now);
        answer
    }
}
