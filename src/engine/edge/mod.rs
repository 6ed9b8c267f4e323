//! The edge's read model: each front end follows the log of every event it
//! sells and answers from memory what the store would answer — a sold-out
//! pool, a holder's retry, a member of another union, a paused or closed sale —
//! so the flood after a sell-out never reaches the store as scripts.
//!
//! How it stays exact: the model is always a consistent prefix of the event's
//! log (seeded from an atomic snapshot, then every entry after it, in order),
//! so its answer is the store's answer at that moment in the log. It is used
//! only while it is current:
//! - every `poll` it reads the entries logged since; a read that started at
//!   `t` and reached the end makes the model hold everything logged before `t`
//!   (`synced`); a model not synced for `STALE` (the store is unreachable, the
//!   log unreadable) is not used, and grabs go to the store;
//! - a change made through this engine (cancel, redeem, restock, status) is
//!   already in the log when it returns, so the model is not used until a
//!   read that started after it has been applied: the member who cancels and
//!   grabs again on the same front end never sees the state before.
//!
//! The one window where the answer can differ from the store's is a change
//! made through another front end, for at most one poll plus one round trip
//! (measured in BENCHMARKS.md): a ticket returned there is still `sold_out`
//! here, and a member who just took a ticket there and retries here with
//! other pools (whose stock is gone) is told `sold_out`. A retry with the same
//! pools nearly always reaches the store: until the model has read the
//! member's ticket it still counts the stock that ticket came from (unless
//! that stock had itself just come back, also unseen).
//!
//! Any answer that takes a ticket always goes to the store; so does a
//! holder's retry when the store confirms only what a replica holds
//! (`--redis-wait-replicas`, see `Edge::answer`).

mod model;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use self::model::Model;
use crate::domain::Error;
use crate::domain::{EventId, Millis};
use crate::store::{Grab, Grabbed, Store};

/// A model not synced for this long is not used.
const STALE: Duration = Duration::from_secs(1);
/// Log entries read per call while catching up.
const BATCH: usize = 1000;
/// An event nobody grabbed for this long is no longer followed.
const IDLE: Duration = Duration::from_secs(600);

pub struct Edge {
    store: Arc<dyn Store>,
    poll: Duration,
    /// Followed events. A std mutex: held for a map lookup, never across an await.
    events: Mutex<HashMap<EventId, Arc<Followed>>>,
    /// Origin of the `last_asked` stamps.
    epoch: Instant,
}

/// One followed event.
struct Followed {
    state: RwLock<State>,
    /// When a grab last asked about this event, ms after `Edge::epoch`.
    last_asked: AtomicU64,
}

#[derive(Default)]
struct State {
    /// `None` until the first snapshot is read.
    model: Option<Model>,
    /// Start of the last read that reached the end of the log.
    synced: Option<Instant>,
    /// The last change made through this engine.
    changed: Option<Instant>,
}

impl State {
    fn current(&self, now: Instant) -> Option<&Model> {
        let synced = self.synced?;
        let fresh = now.saturating_duration_since(synced) < STALE;
        let saw_own_changes = self.changed.is_none_or(|c| synced > c);
        (fresh && saw_own_changes).then_some(self.model.as_ref()?)
    }
}

impl Edge {
    pub fn new(store: Arc<dyn Store>, poll: Duration) -> Arc<Self> {
        Arc::new(Self {
            store,
            poll,
            events: Mutex::default(),
            epoch: Instant::now(),
        })
    }

    fn events(&self) -> std::sync::MutexGuard<'_, HashMap<EventId, Arc<Followed>>> {
        self.events.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn followed(&self, event: &EventId) -> Option<Arc<Followed>> {
        self.events().get(event).cloned()
    }

    fn stamp(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// The store's answer from memory, or `None`: ask the store.
    ///
    /// A holder's retry is answered from memory only when the store confirms
    /// changes as it makes them. With `--redis-wait-replicas` the log read here
    /// (from the master) may hold a ticket that no replica has yet: its grab
    /// was answered 503, and confirming it now, from memory, would confirm a
    /// ticket a failover can lose. The store answers such a retry after its
    /// own `WAIT`.
    pub fn answer(&self, grab: &Grab<'_>) -> Option<Result<Grabbed, Error>> {
        let followed = self.followed(grab.event)?;
        followed.last_asked.store(self.stamp(), Ordering::Relaxed);
        let state = followed.state.read().unwrap_or_else(|p| p.into_inner());
        let answer = state.current(Instant::now())?.answer(grab, Millis::now())?;
        if answer.is_ok() && self.store.confirms_after_replication() {
            return None;
        }
        Some(answer)
    }

    /// The store answered a grab for `event`, so it exists: follow it from now on.
    pub fn follow(self: &Arc<Self>, event: &EventId) {
        let followed = {
            let mut events = self.events();
            if events.contains_key(event) {
                return;
            }
            let followed = Arc::new(Followed {
                state: RwLock::default(),
                last_asked: AtomicU64::new(self.stamp()),
            });
            events.insert(event.clone(), followed.clone());
            followed
        };
        tokio::spawn(follow_log(
            Arc::downgrade(self),
            event.clone(),
            followed,
            self.poll,
        ));
    }

    /// A change was made through this engine: the model is not used until it
    /// has read the log past it.
    pub fn changed(&self, event: &EventId) {
        if let Some(followed) = self.followed(event) {
            let mut state = followed.state.write().unwrap_or_else(|p| p.into_inner());
            state.changed = Some(Instant::now());
        }
    }

    /// How many events are followed now.
    pub fn followed_events(&self) -> usize {
        self.events().len()
    }
}

/// Follows one event's log until the engine is dropped, the event is idle, or
/// it turns out not to exist.
async fn follow_log(edge: Weak<Edge>, id: EventId, followed: Arc<Followed>, poll: Duration) {
    let mut ticker = tokio::time::interval(poll);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        ticker.tick().await;
        let Some(edge) = edge.upgrade() else { return };
        let idle = edge
            .stamp()
            .saturating_sub(followed.last_asked.load(Ordering::Relaxed));
        if Duration::from_millis(idle) > IDLE {
            edge.events().remove(&id);
            return;
        }
        match catch_up(edge.store.as_ref(), &id, &followed).await {
            Ok(()) => failing = false,
            Err(Error::UnknownEvent) => {
                edge.events().remove(&id);
                return;
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(event = %id, error = %e, "read model cannot follow the log; grabs go to the store");
                }
                failing = true;
            }
        }
    }
}

/// Reads the log to its end (or seeds the model), and marks it synced.
async fn catch_up(store: &dyn Store, id: &EventId, followed: &Followed) -> Result<(), Error> {
    let started = Instant::now();
    let pos = {
        let state = followed.state.read().unwrap_or_else(|p| p.into_inner());
        state.model.as_ref().map(|m| m.pos)
    };
    let Some(mut pos) = pos else {
        let model = Model::seed(store.snapshot(id).await?);
        let mut state = followed.state.write().unwrap_or_else(|p| p.into_inner());
        state.model = Some(model);
        state.synced = Some(started);
        return Ok(());
    };
    loop {
        let entries = store.log_after(id, pos, BATCH).await?;
        let at_end = entries.len() < BATCH;
        let mut state = followed.state.write().unwrap_or_else(|p| p.into_inner());
        let model = state.model.as_mut().expect("seeded above");
        for (at, entry) in entries {
            model.apply(at, entry);
        }
        pos = model.pos;
        if at_end {
            state.synced = Some(started);
            return Ok(());
        }
    }
}
