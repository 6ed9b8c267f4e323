//! The sold-out cache of the engine.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::{EventId, PoolId};

/// Remembers which pools were sold out, so that the flood of grabs after a
/// sell-out is answered from memory and never reaches the store as a script.
///
/// A mark is trusted for `ttl`; after that, one grab goes to the store to look
/// again while the others keep the cached answer, so a ticket returned on
/// another process (cancel, restock) is grabbable here within about `ttl`.
/// Returns through this engine clear the event's marks at once.
///
/// The price: a member who already holds a ticket and grabs again after the
/// sell-out is answered `sold_out` rather than with their ticket (the store is
/// not asked); their ticket is unchanged and listed under their reservations.
pub struct SoldOutCache {
    ttl: Duration,
    /// (event, pool) -> when the store last said the pool was empty. A std mutex:
    /// held for one map lookup, never across an await.
    marks: Mutex<HashMap<(EventId, PoolId), Instant>>,
}

impl SoldOutCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            marks: Mutex::new(HashMap::new()),
        }
    }

    fn marks(&self) -> std::sync::MutexGuard<'_, HashMap<(EventId, PoolId), Instant>> {
        self.marks.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// True when every choice is known to be sold out. When a mark is stale the
    /// caller is chosen to ask the store, and the mark is renewed so the others
    /// keep answering from memory meanwhile.
    pub(super) fn answer_from_memory(&self, event: &EventId, choices: &[PoolId]) -> bool {
        let mut marks = self.marks();
        let now = Instant::now();
        let mut stale = None;
        for pool in choices {
            match marks.get(&(event.clone(), pool.clone())) {
                None => return false,
                Some(at) if now.duration_since(*at) >= self.ttl => stale = Some(pool),
                Some(_) => {}
            }
        }
        match stale {
            Some(pool) => {
                marks.insert((event.clone(), pool.clone()), now);
                false
            }
            None => true,
        }
    }

    pub(super) fn mark(&self, event: &EventId, choices: &[PoolId]) {
        let now = Instant::now();
        let mut marks = self.marks();
        for pool in choices {
            marks.insert((event.clone(), pool.clone()), now);
        }
    }

    pub(super) fn unmark(&self, event: &EventId, choices: &[PoolId]) {
        let mut marks = self.marks();
        for pool in choices {
            marks.remove(&(event.clone(), pool.clone()));
        }
    }

    pub(super) fn clear(&self, event: &EventId) {
        self.marks().retain(|(e, _), _| e != event);
    }
}
