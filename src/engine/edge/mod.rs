//! The edge's read model: each front end follows the log of every event it
//! sells and answers from memory what the store would answer — a sold-out
//! pool, a holder's retry, a member of another union, a paused or closed sale —
//! so the flood after a sell-out never reaches the store as scripts.
//!
//! How it stays exact: the model is always a consistent prefix of the event's
//! log, so its answer is the store's answer at that moment in the log. It
//! starts from the event's head (its figures and its log's end, read in one
//! step), takes in the holders a page at a time, then every entry after the
//! head, in order: each entry sets a ticket's whole state, so a holder that a
//! page showed later than the head ends where the log ends. Each step is
//! bounded, whatever the length of the history. It is used only while it is
//! current:
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
//! What it costs: an event is followed while it is open or opens within
//! `LEAD`, read every poll while grabs ask about it and every `QUIET_POLL`
//! when they stop (the first grab after the quiet goes to the store), left
//! after `IDLE`; a closed sale, or one that opens later, is not followed.
//!
//! Any answer that takes a ticket always goes to the store; so does a
//! holder's retry when the store confirms only what a replica holds
//! (`--redis-wait-replicas`, see `Edge::answer`).

mod model;
mod parts;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use self::model::{Model, Rest};
use crate::domain::Error;
use crate::domain::{EventId, Millis};
use crate::store::{Grab, Grabbed, Store};

/// A model not synced for this long is not used.
const STALE: Duration = Duration::from_secs(1);
/// Log entries read per call while catching up.
const BATCH: usize = 1000;
/// An event nobody grabbed for this long is no longer followed.
const IDLE: Duration = Duration::from_secs(600);
/// An event asked about within this long is read every `poll`; one asked
/// about less lately is read every `QUIET_POLL`, and is not used: the first
/// grab after the quiet goes to the store and wakes the follower.
const ACTIVE: Duration = Duration::from_secs(10);
const QUIET_POLL: Duration = Duration::from_secs(1);
/// A follower that cannot read waits twice as long after each failure, up
/// to this, with jitter: a store in trouble is not asked again every poll.
const BACKOFF_CAP: Duration = Duration::from_secs(5);
/// A sale that opens later than this is not followed until then.
const LEAD: Duration = Duration::from_secs(300);
/// A sale is followed until this long after its window ends.
const AFTER_CLOSE: Duration = Duration::from_secs(60);

pub struct Edge {
    store: Arc<dyn Store>,
    poll: Duration,
    /// Events followed or resting. A std mutex: held for a map lookup,
    /// never across an await.
    events: Mutex<HashMap<EventId, Tracked>>,
    /// Origin of the `last_asked` stamps.
    epoch: Instant,
}

enum Tracked {
    Following(Arc<Followed>),
    /// A sale that opens later than `LEAD`: not followed before this.
    Resting(Instant),
}

/// One followed event.
struct Followed {
    state: RwLock<State>,
    /// When a grab last asked about this event, ms after `Edge::epoch`.
    last_asked: AtomicU64,
    /// A quiet event was asked about again: read it now.
    wake: Notify,
}

#[derive(Default)]
struct State {
    /// `None` until the event's head is read.
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

    fn events(&self) -> std::sync::MutexGuard<'_, HashMap<EventId, Tracked>> {
        self.events.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn followed(&self, event: &EventId) -> Option<Arc<Followed>> {
        match self.events().get(event)? {
            Tracked::Following(f) => Some(f.clone()),
            Tracked::Resting(_) => None,
        }
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
        let now = self.stamp();
        let before = followed.last_asked.swap(now, Ordering::Relaxed);
        if Duration::from_millis(now.saturating_sub(before)) > ACTIVE {
            followed.wake.notify_one();
            return None;
        }
        let state = followed.state.read().unwrap_or_else(|p| p.into_inner());
        let answer = state.current(Instant::now())?.answer(grab, Millis::now())?;
        if answer.is_ok() && self.store.confirms_after_replication() {
            return None;
        }
        Some(answer)
    }

    /// The store answered a grab for `event`, so it exists: follow it from
    /// now on, unless it rests (opens later than `LEAD`).
    pub fn follow(self: &Arc<Self>, event: &EventId) {
        let followed = {
            let mut events = self.events();
            match events.get(event) {
                Some(Tracked::Following(_)) => return,
                Some(Tracked::Resting(until)) if Instant::now() < *until => return,
                _ => {}
            }
            let followed = Arc::new(Followed {
                state: RwLock::default(),
                last_asked: AtomicU64::new(self.stamp()),
                wake: Notify::new(),
            });
            events.insert(event.clone(), Tracked::Following(followed.clone()));
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
        let events = self.events();
        events
            .values()
            .filter(|t| matches!(t, Tracked::Following(_)))
            .count()
    }

    /// Stops following `id`; rests it until `until` when that is given.
    fn stop(&self, id: &EventId, until: Option<Millis>) {
        let mut events = self.events();
        match until {
            Some(at) => {
                let wait = u64::try_from(at.0 - Millis::now().0).unwrap_or(0);
                let until = Instant::now() + Duration::from_millis(wait);
                events.insert(id.clone(), Tracked::Resting(until));
            }
            None => {
                events.remove(id);
            }
        }
    }
}

/// Follows one event's log until the engine is dropped, the event is idle,
/// closed, far from opening, or turns out not to exist.
async fn follow_log(edge: Weak<Edge>, id: EventId, followed: Arc<Followed>, poll: Duration) {
    let mut failures = 0u32;
    loop {
        let wait = {
            let Some(edge) = edge.upgrade() else { return };
            let asked = edge
                .stamp()
                .saturating_sub(followed.last_asked.load(Ordering::Relaxed));
            let asked = Duration::from_millis(asked);
            if asked > IDLE {
                edge.stop(&id, None);
                return;
            }
            match catch_up(edge.store.as_ref(), &id, &followed).await {
                Ok(Rest::Follow) => {
                    failures = 0;
                    if asked < ACTIVE { poll } else { QUIET_POLL }
                }
                Ok(Rest::Until(at)) => return edge.stop(&id, Some(at)),
                Ok(Rest::Closed) | Err(Error::UnknownEvent) => return edge.stop(&id, None),
                Err(e) => {
                    if failures == 0 {
                        tracing::warn!(event = %id, error = %e, "read model cannot follow the log; grabs go to the store");
                    }
                    failures += 1;
                    tokio::time::sleep(backoff(poll, failures)).await;
                    continue;
                }
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = followed.wake.notified() => {}
        }
    }
}

/// The wait after the `failures`-th failure in a row: doubling from `poll`
/// up to `BACKOFF_CAP`, times a random 0.5–1.5, so front ends that failed
/// together do not all ask again together.
fn backoff(poll: Duration, failures: u32) -> Duration {
    let doubled = poll.saturating_mul(1 << failures.min(16)).min(BACKOFF_CAP);
    doubled.mul_f64(0.5 + rand::random::<f64>())
}

/// The model at the event's head, with its holders read a page at a time
/// (none for a sale that is not followed now, or a lottery's).
async fn start(store: &dyn Store, id: &EventId) -> Result<Model, Error> {
    let (view, end) = store.head(id).await?;
    let mut model = Model::start(view, end);
    if !model.needs_holders() || rest(&model) != Rest::Follow {
        return Ok(model);
    }
    let mut cursor = String::new();
    loop {
        let (page, next) = store.holders(id, &cursor).await?;
        page.into_iter().for_each(|r| model.hold(r));
        match next {
            Some(next) => cursor = next,
            None => return Ok(model),
        }
    }
}

fn rest(model: &Model) -> Rest {
    let ms = |d: Duration| d.as_millis() as i64;
    model.rest(Millis::now(), ms(LEAD), ms(AFTER_CLOSE))
}

/// Reads the log to its end (starting the model first if need be), marks
/// it synced, and says whether following still pays.
async fn catch_up(store: &dyn Store, id: &EventId, followed: &Followed) -> Result<Rest, Error> {
    let started = Instant::now();
    let pos = {
        let state = followed.state.read().unwrap_or_else(|p| p.into_inner());
        state.model.as_ref().map(|m| m.pos)
    };
    let mut pos = match pos {
        Some(pos) => pos,
        None => {
            let model = start(store, id).await?;
            let (pos, now) = (model.pos, rest(&model));
            followed
                .state
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .model = Some(model);
            if now != Rest::Follow {
                return Ok(now);
            }
            pos
        }
    };
    loop {
        let entries = store.log_after(id, pos, BATCH).await?;
        let at_end = entries.len() < BATCH;
        let mut state = followed.state.write().unwrap_or_else(|p| p.into_inner());
        let model = state.model.as_mut().expect("started above");
        for (at, entry) in entries {
            model.apply(at, entry);
        }
        pos = model.pos;
        if at_end {
            let now = rest(model);
            state.synced = Some(started);
            return Ok(now);
        }
    }
}
