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
mod data;
mod draw;
mod durable;
mod holds;
mod journal;
mod log;
mod lottery;
mod reads;
mod release;
mod replay;
mod tallies;
mod waiting;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use super::{
    Begun, Drawer, DrawnEntry, Find, Grab, Grabbed, Join, LogEntry, LogPos, Payment, Released,
    Restocked, Snapshot, Store,
};
use crate::domain::Error;
use crate::domain::{
    Code, Entered, Event, EventId, EventView, LotteryEntry, MemberKey, Millis, PoolId, Reservation,
    SaleStatus, StationDay, StatusAction, Waiting,
};
use data::EventData;
use journal::Journal;
#[cfg(test)]
use journal::Record;

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

#[async_trait]
impl Store for MemoryStore {
    async fn create_event(&self, event: &Event) -> Result<(), Error> {
        let (out, ticket) = self.create(event);
        self.settle(ticket).await?;
        out
    }

    async fn event_ids(&self) -> Result<Vec<EventId>, Error> {
        let (ids, ticket) = {
            let events = self.lock();
            let ids = events.keys().cloned().collect();
            (ids, self.journal.as_ref().map(Journal::seen))
        };
        self.settle(ticket).await?;
        Ok(ids)
    }

    async fn event(&self, id: &EventId) -> Result<EventView, Error> {
        self.with_event(id, |data| Ok(data.view(self.now()))).await
    }

    async fn grab(&self, req: &Grab<'_>, code: &Code) -> Result<Grabbed, Error> {
        self.with_event(req.event, |data| data.grab(req, code, self.now()))
            .await
    }

    async fn cancel(
        &self,
        event: &EventId,
        member: &MemberKey,
        code: &Code,
    ) -> Result<Reservation, Error> {
        self.with_event(event, |data| data.cancel(member, code, self.now()))
            .await
    }

    async fn redeem(&self, event: &EventId, find: &Find) -> Result<Reservation, Error> {
        self.with_event(event, |data| data.redeem(find, self.now()))
            .await
    }

    async fn pay(
        &self,
        event: &EventId,
        code: &Code,
        payment: &str,
        amount: i64,
    ) -> Result<Payment, Error> {
        self.with_event(event, |data| data.pay(code, payment, amount, self.now()))
            .await
    }

    async fn expire_holds(&self, event: &EventId, max: usize) -> Result<usize, Error> {
        self.with_event(event, |data| Ok(data.expire_due(max, self.now())))
            .await
    }

    async fn restock(
        &self,
        event: &EventId,
        pool: &PoolId,
        delta: i64,
    ) -> Result<Restocked, Error> {
        self.with_event(event, |data| data.restock(pool, delta, self.now()))
            .await
    }

    async fn join_waiting(&self, req: &Join<'_>, code: &Code) -> Result<Waiting, Error> {
        self.with_event(req.grab.event, |data| data.join(req, code, self.now()))
            .await
    }

    async fn leave_waiting(&self, event: &EventId, member: &MemberKey) -> Result<(), Error> {
        self.with_event(event, |data| data.leave(member, self.now()))
            .await
    }

    async fn waiting(&self, event: &EventId, member: &MemberKey) -> Result<Option<Waiting>, Error> {
        self.with_event(event, |data| Ok(data.waiting_at(member, self.now())))
            .await
    }

    async fn release_unredeemed(&self, event: &EventId, pool: &PoolId) -> Result<Released, Error> {
        self.with_event(event, |data| data.release(pool, self.now()))
            .await
    }

    async fn set_status(&self, event: &EventId, action: StatusAction) -> Result<SaleStatus, Error> {
        self.with_event(event, |data| data.set_status(action, self.now()))
            .await
    }

    async fn lookup(&self, event: &EventId, find: &Find) -> Result<Option<Reservation>, Error> {
        self.with_event(event, |data| Ok(data.find(find).cloned()))
            .await
    }

    async fn paid_with(&self, event: &EventId, code: &Code) -> Result<Option<String>, Error> {
        self.with_event(event, |data| Ok(data.paid_by.get(code).cloned()))
            .await
    }

    async fn tally(
        &self,
        event: &EventId,
        station: &str,
        day: &str,
        what: &str,
        n: i64,
    ) -> Result<(), Error> {
        self.with_event(event, |data| data.tally(station, day, what, n, self.now()))
            .await
    }

    async fn tallies(
        &self,
        event: &EventId,
        station: &str,
        day: &str,
    ) -> Result<StationDay, Error> {
        self.with_event(event, |data| Ok(data.tallies(station, day)))
            .await
    }

    async fn grab_rate(&self, event: &EventId) -> Result<Vec<u32>, Error> {
        self.with_event(event, |data| Ok(data.grab_rate(self.now())))
            .await
    }

    async fn snapshot(&self, event: &EventId) -> Result<Snapshot, Error> {
        self.with_event(event, |data| Ok(data.snapshot(self.now())))
            .await
    }

    async fn head(&self, event: &EventId) -> Result<(EventView, LogPos), Error> {
        self.with_event(event, |data| Ok(data.head(self.now())))
            .await
    }

    async fn holders(
        &self,
        event: &EventId,
        cursor: &str,
    ) -> Result<(Vec<Reservation>, Option<String>), Error> {
        self.with_event(event, |data| data.holders(cursor)).await
    }

    async fn log_after(
        &self,
        event: &EventId,
        after: LogPos,
        max: usize,
    ) -> Result<Vec<(LogPos, LogEntry)>, Error> {
        self.with_event(event, |data| Ok(data.log_after(after, max)))
            .await
    }

    async fn enter(&self, req: &Grab<'_>) -> Result<Entered, Error> {
        self.with_event(req.event, |data| data.enter(req, self.now()))
            .await
    }

    async fn withdraw(&self, event: &EventId, member: &MemberKey) -> Result<(), Error> {
        self.with_event(event, |data| data.withdraw(member, self.now()))
            .await
    }

    async fn entry(
        &self,
        event: &EventId,
        member: &MemberKey,
    ) -> Result<Option<LotteryEntry>, Error> {
        self.with_event(event, |data| Ok(data.entries.get(member).cloned()))
            .await
    }

    async fn set_public_value(&self, event: &EventId, value: &str) -> Result<(), Error> {
        crate::domain::check_public("public_value", value)?;
        self.with_event(event, |data| data.set_public_value(value, self.now()))
            .await
    }

    async fn begin_draw(&self, event: &EventId, drawer: &Drawer<'_>) -> Result<Begun, Error> {
        self.with_event(event, |data| data.begin_draw(drawer, self.now()))
            .await
    }

    async fn entries(
        &self,
        event: &EventId,
        cursor: u64,
    ) -> Result<(Vec<LotteryEntry>, u64), Error> {
        self.with_event(event, |data| Ok(data.entries_page(cursor)))
            .await
    }

    async fn write_draw(
        &self,
        event: &EventId,
        drawer: &Drawer<'_>,
        batch: &[DrawnEntry],
    ) -> Result<usize, Error> {
        self.with_event(event, |data| data.write_draw(drawer, batch, self.now()))
            .await
    }

    async fn finish_draw(
        &self,
        event: &EventId,
        drawer: &Drawer<'_>,
        entries_digest: &str,
        draw_seed: &str,
    ) -> Result<(), Error> {
        self.with_event(event, |data| {
            data.finish_draw(drawer, entries_digest, draw_seed, self.now())
        })
        .await
    }

    /// Ready unless the journal can no longer be written.
    async fn ping(&self) -> Result<(), Error> {
        self.journal.as_ref().map_or(Ok(()), Journal::check)
    }
}

#[cfg(test)]
mod durable_tests;
#[cfg(test)]
mod journal_tests;
#[cfg(test)]
mod journal_v2_tests;
#[cfg(test)]
mod tests;
