//! The embedded store: the same rules as the Lua scripts, in-process under one
//! lock. It is the default when no Redis is configured, and the reference model
//! the Redis store is compared against.
//!
//! Each method mirrors one script in `lua/` check for check, in the same order,
//! so that both stores give the same answer to the same sequence of calls.
//!
//! Opened on a data directory ([`MemoryStore::open`]) it is durable: the log
//! entries each change writes go to a journal (journal/) and are fsynced
//! before the call answers, and the state is rebuilt from them at start
//! (replay.rs). [`MemoryStore::new`] keeps nothing (`--memory`).

mod changes;
mod compact;
mod data;
mod draw;
mod durable;
mod holds;
mod journal;
mod kept;
mod log;
mod lottery;
mod ops;
mod paged;
mod programs;
mod reads;
mod register;
mod release;
mod replay;
mod take;
mod tallies;
mod waiting;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::domain::{EventId, Millis};
use data::EventData;
use journal::Journal;
#[cfg(test)]
use journal::Record;
// What the tests below take from here (`use super::*`).
#[cfg(test)]
use {
    super::{Find, Grab, Join, LogEntry, Store},
    crate::domain::{Code, Error, Event, SaleStatus},
};

pub use journal::{decode_event, event_fields};

/// The state a sale's log makes when replayed by the embedded store's rules
/// onto its definition: what `verify-archive` compares an archive with.
pub fn replayed(
    event: &crate::domain::Event,
    log: Vec<crate::domain::LogEntry>,
    now: Millis,
) -> Result<crate::domain::Snapshot, crate::domain::Error> {
    let mut data = EventData::new(event);
    for entry in log {
        data.apply(entry)?;
    }
    Ok(data.snapshot(now))
}

/// Events by id. A std `Mutex` rather than tokio's: it is never held across an
/// `.await`, every critical section is a few map operations, and a std mutex is
/// cheaper (the reasoning of mini-redis's `Db`).
pub struct MemoryStore {
    events: Mutex<HashMap<EventId, EventData>>,
    /// The store's clock (the wall clock; tests step it).
    clock: Clock,
    /// Where every change is kept (`MemoryStore::open`); `None`: nowhere,
    /// everything is lost when the process ends.
    journal: Option<Journal>,
    /// Programs by id, each with its members' places (programs.rs). Locked
    /// after `events`, never before.
    programs: Mutex<programs::Programs>,
    /// The member register (register.rs). Locked on its own, never with
    /// `events` or `programs`.
    register: Mutex<register::Register>,
    /// One compaction at a time (compact.rs).
    compacting: tokio::sync::Mutex<()>,
}

/// The embedded store's hash maps. Their keys are member keys (HMAC
/// outputs), codes (drawn by the service) and payment ids (from signed
/// notifications): no client chooses them, so the faster foldhash serves
/// where std's SipHash was a tenth of the time of rebuilding a journal.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A clock: the current time in ms. The wall clock can step back (NTP); the
/// store must then give sane answers, never panic.
pub type Clock = Arc<dyn Fn() -> Millis + Send + Sync>;

impl Default for MemoryStore {
    fn default() -> Self {
        Self::with_clock(Arc::new(Millis::now))
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store on another clock.
    pub fn with_clock(clock: Clock) -> Self {
        Self {
            events: Mutex::default(),
            clock,
            journal: None,
            programs: Mutex::default(),
            register: Mutex::default(),
            compacting: tokio::sync::Mutex::new(()),
        }
    }

    fn now(&self) -> Millis {
        (self.clock)()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<EventId, EventData>> {
        // A panic while holding the lock cannot leave half a change behind: every
        // method checks everything before its first write, as the scripts do.
        self.events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod compact_tests;
#[cfg(test)]
mod durable_tests;
#[cfg(test)]
mod journal_tests;
#[cfg(test)]
mod journal_v2_tests;
#[cfg(test)]
mod tests;
