//! The embedded store: the same rules as the Lua scripts, in-process under one
//! lock. It is the default when no Redis is configured, and the reference model
//! the Redis store is compared against.
//!
//! Each method mirrors one script in `lua/` check for check, in the same order,
//! so that both stores give the same answer to the same sequence of calls.

mod changes;
mod holds;
mod reads;
mod release;
mod waiting;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use super::{
    Find, Grab, Grabbed, Join, LogEntry, LogOp, LogPos, Payment, PaymentOutcome, Released,
    Restocked, Snapshot, Store,
};
use crate::domain::{
    Code, Event, EventId, EventView, MemberKey, Millis, PoolId, PoolStats, Reservation, SaleStatus,
    StatusAction, WaitEntry, Waiting,
};
use crate::error::Error;

/// Events by id. A std `Mutex` rather than tokio's: it is never held across an
/// `.await`, every critical section is a few map operations, and a std mutex is
/// cheaper (the reasoning of mini-redis's `Db`).
pub struct MemoryStore {
    events: Mutex<HashMap<EventId, EventData>>,
    /// The store's clock (the wall clock; tests step it).
    clock: Clock,
}

/// A clock: the current time in ms. The wall clock can step back (NTP); the
/// store must then give sane answers, never panic.
pub type Clock = Arc<dyn Fn() -> Millis + Send + Sync>;

impl Default for MemoryStore {
    fn default() -> Self {
        Self::with_clock(Arc::new(Millis::now))
    }
}

struct EventData {
    event: Event,
    status: SaleStatus,
    /// Live numbers, in the event's pool order.
    pools: Vec<PoolStats>,
    reservations: HashMap<Code, Reservation>,
    /// Each member's latest reservation code.
    members: HashMap<MemberKey, Code>,
    /// Held reservations by `pay_by`, as the Redis store's sorted set.
    holds: BTreeSet<(Millis, Code)>,
    /// Payment notifications by the provider's id: the ticket, the amount,
    /// and what it did.
    payments: HashMap<String, (Code, i64, PaymentOutcome)>,
    /// The waiting list by order, each member's order, the last order given.
    waiting: BTreeMap<u64, WaitEntry>,
    waiting_by_member: HashMap<MemberKey, u64>,
    wseq: u64,
    log: Vec<LogEntry>,
}

impl EventData {
    fn pool_mut(&mut self, id: &PoolId) -> Option<&mut PoolStats> {
        self.pools.iter_mut().find(|p| &p.id == id)
    }

    fn view(&self, now: Millis) -> EventView {
        let mut pools = self.pools.clone();
        for p in &mut pools {
            p.waiting = self
                .waiting
                .values()
                .filter(|w| w.choices.contains(&p.id))
                .count() as i64;
        }
        EventView {
            event: self.event.clone(),
            status: self.status,
            pools,
            server_time: now,
        }
    }

    fn find(&self, find: &Find) -> Option<&Reservation> {
        let code = match find {
            Find::Code(code) => code,
            Find::Member(member) => self.members.get(member)?,
        };
        self.reservations.get(code)
    }

    fn log(&mut self, at: Millis, op: LogOp) {
        self.log.push(LogEntry { at, op });
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

    fn with_event<T>(
        &self,
        id: &EventId,
        f: impl FnOnce(&mut EventData) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut events = self.lock();
        let data = events.get_mut(id).ok_or(Error::UnknownEvent)?;
        f(data)
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn create_event(&self, event: &Event) -> Result<(), Error> {
        let mut events = self.lock();
        if events.contains_key(&event.id) {
            return Err(Error::EventExists);
        }
        let now = self.now();
        let mut data = EventData {
            event: event.clone(),
            status: SaleStatus::Open,
            pools: event
                .pools
                .iter()
                .map(|p| PoolStats {
                    id: p.id.clone(),
                    title: p.title.clone(),
                    total: p.total,
                    remaining: p.total,
                    held: 0,
                    active: 0,
                    redeemed: 0,
                    cancelled: 0,
                    expired: 0,
                    no_show: 0,
                    waiting: 0,
                })
                .collect(),
            reservations: HashMap::new(),
            members: HashMap::new(),
            holds: BTreeSet::new(),
            payments: HashMap::new(),
            waiting: BTreeMap::new(),
            waiting_by_member: HashMap::new(),
            wseq: 0,
            log: Vec::new(),
        };
        for p in &event.pools {
            data.log(
                now,
                LogOp::Created {
                    pool: p.id.clone(),
                    delta: p.total,
                },
            );
        }
        events.insert(event.id.clone(), data);
        Ok(())
    }

    async fn event_ids(&self) -> Result<Vec<EventId>, Error> {
        Ok(self.lock().keys().cloned().collect())
    }

    async fn event(&self, id: &EventId) -> Result<EventView, Error> {
        self.with_event(id, |data| Ok(data.view(self.now())))
    }

    async fn grab(&self, req: &Grab<'_>, code: &Code) -> Result<Grabbed, Error> {
        req.check_seats()?;
        self.with_event(req.event, |data| data.grab(req, code, self.now()))
    }

    async fn cancel(
        &self,
        event: &EventId,
        member: &MemberKey,
        code: &Code,
    ) -> Result<Reservation, Error> {
        self.with_event(event, |data| data.cancel(member, code, self.now()))
    }

    async fn redeem(&self, event: &EventId, find: &Find) -> Result<Reservation, Error> {
        self.with_event(event, |data| data.redeem(find, self.now()))
    }

    async fn pay(
        &self,
        event: &EventId,
        code: &Code,
        payment: &str,
        amount: i64,
    ) -> Result<Payment, Error> {
        self.with_event(event, |data| data.pay(code, payment, amount, self.now()))
    }

    async fn expire_holds(&self, event: &EventId, max: usize) -> Result<usize, Error> {
        self.with_event(event, |data| Ok(data.expire_due(max, self.now())))
    }

    async fn restock(
        &self,
        event: &EventId,
        pool: &PoolId,
        delta: i64,
    ) -> Result<Restocked, Error> {
        self.with_event(event, |data| data.restock(pool, delta, self.now()))
    }

    async fn join_waiting(&self, req: &Join<'_>, code: &Code) -> Result<Waiting, Error> {
        req.grab.check_seats()?;
        self.with_event(req.grab.event, |data| data.join(req, code, self.now()))
    }

    async fn leave_waiting(&self, event: &EventId, member: &MemberKey) -> Result<(), Error> {
        self.with_event(event, |data| data.leave(member, self.now()))
    }

    async fn waiting(&self, event: &EventId, member: &MemberKey) -> Result<Option<Waiting>, Error> {
        self.with_event(event, |data| Ok(data.waiting_of(member)))
    }

    async fn release_unredeemed(&self, event: &EventId, pool: &PoolId) -> Result<Released, Error> {
        self.with_event(event, |data| data.release(pool, self.now()))
    }

    async fn set_status(&self, event: &EventId, action: StatusAction) -> Result<SaleStatus, Error> {
        self.with_event(event, |data| data.set_status(action, self.now()))
    }

    async fn lookup(&self, event: &EventId, find: &Find) -> Result<Option<Reservation>, Error> {
        self.with_event(event, |data| Ok(data.find(find).cloned()))
    }

    async fn grab_rate(&self, event: &EventId) -> Result<Vec<u32>, Error> {
        self.with_event(event, |data| Ok(data.grab_rate(self.now())))
    }

    async fn snapshot(&self, event: &EventId) -> Result<Snapshot, Error> {
        self.with_event(event, |data| Ok(data.snapshot(self.now())))
    }

    async fn log_after(
        &self,
        event: &EventId,
        after: LogPos,
        max: usize,
    ) -> Result<Vec<(LogPos, LogEntry)>, Error> {
        self.with_event(event, |data| Ok(data.log_after(after, max)))
    }

    async fn ping(&self) -> Result<(), Error> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
