//! The embedded store: the same rules as the Lua scripts, in-process under one
//! lock. It is the default when no Redis is configured, and the reference model
//! the Redis store is compared against.
//!
//! Each method mirrors one script in `lua/` check for check, in the same order,
//! so that both stores give the same answer to the same sequence of calls.

mod changes;
mod holds;
mod reads;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use super::{
    Find, Grab, Grabbed, LogEntry, LogOp, LogPos, Payment, PaymentOutcome, Restocked, Snapshot,
    Store,
};
use crate::domain::{
    Code, Event, EventId, EventView, MemberKey, Millis, PoolId, PoolStats, Reservation, SaleStatus,
    StatusAction,
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
    log: Vec<LogEntry>,
}

impl EventData {
    fn pool_mut(&mut self, id: &PoolId) -> Option<&mut PoolStats> {
        self.pools.iter_mut().find(|p| &p.id == id)
    }

    fn view(&self, now: Millis) -> EventView {
        EventView {
            event: self.event.clone(),
            status: self.status,
            pools: self.pools.clone(),
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
                })
                .collect(),
            reservations: HashMap::new(),
            members: HashMap::new(),
            holds: BTreeSet::new(),
            payments: HashMap::new(),
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
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};

    use super::*;
    use crate::domain::{
        CardNumber, Channel, EventId, MemberKeyer, OrgPath, Pool, PoolId, with_check_digit,
    };

    #[tokio::test]
    async fn a_clock_that_steps_back_after_a_grab_gives_answers_not_a_panic() {
        let t = Arc::new(AtomicI64::new(1_800_000_000_000));
        let clock = t.clone();
        let store = MemoryStore::with_clock(Arc::new(move || Millis(clock.load(Ordering::SeqCst))));
        let id = EventId::parse("e").unwrap();
        let pool = PoolId::parse("p").unwrap();
        let now = t.load(Ordering::SeqCst);
        let event = Event {
            id: id.clone(),
            title: "e".into(),
            org: OrgPath::parse("bj").unwrap(),
            opens_at: Millis(now - 60_000),
            closes_at: Millis(now + 3_600_000),
            price_fen: 0,
            max_seats: 1,
            hold_ms: 0,
            pools: vec![Pool {
                id: pool.clone(),
                title: "p".into(),
                total: 5,
            }],
        };
        store.create_event(&event).await.unwrap();
        let card = CardNumber::parse(&with_check_digit("621700000000000001")).unwrap();
        let member = MemberKeyer::new(b"k").member(&card);
        let grab = Grab {
            event: &id,
            member: &member,
            org: None,
            choices: std::slice::from_ref(&pool),
            seats: 1,
            channel: Channel::Station,
        };
        store.grab(&grab, &Code::random()).await.unwrap();
        // NTP steps the clock back 10 s.
        t.fetch_sub(10_000, Ordering::SeqCst);
        let rate = store.grab_rate(&id).await.unwrap();
        assert_eq!(rate.iter().sum::<u32>(), 1);
        assert_eq!(rate[59], 1);
        assert_eq!(store.event(&id).await.unwrap().pools[0].remaining, 4);
        assert!(store.snapshot(&id).await.is_ok());
    }
}
