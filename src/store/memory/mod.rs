//! The embedded store: the same rules as the Lua scripts, in-process under one
//! lock. It is the default when no Redis is configured, and the reference model
//! the Redis store is compared against.
//!
//! Each method mirrors one script in `lua/` check for check, in the same order,
//! so that both stores give the same answer to the same sequence of calls.

mod changes;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use super::{Find, Grab, Grabbed, LogEntry, LogOp, Restocked, Snapshot, Store};
use crate::domain::{
    Code, Event, EventId, EventView, MemberKey, Millis, PoolId, PoolStats, Reservation, SaleStatus,
    StatusAction,
};
use crate::error::Error;

/// Events by id. A std `Mutex` rather than tokio's: it is never held across an
/// `.await`, every critical section is a few map operations, and a std mutex is
/// cheaper (the reasoning of mini-redis's `Db`).
#[derive(Default)]
pub struct MemoryStore {
    events: Mutex<HashMap<EventId, EventData>>,
}

struct EventData {
    event: Event,
    status: SaleStatus,
    /// Live numbers, in the event's pool order.
    pools: Vec<PoolStats>,
    reservations: HashMap<Code, Reservation>,
    /// Each member's latest reservation code.
    members: HashMap<MemberKey, Code>,
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
        let now = Millis::now();
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
                    active: 0,
                    redeemed: 0,
                    cancelled: 0,
                })
                .collect(),
            reservations: HashMap::new(),
            members: HashMap::new(),
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
        self.with_event(id, |data| Ok(data.view(Millis::now())))
    }

    async fn grab(&self, req: &Grab<'_>, code: &Code) -> Result<Grabbed, Error> {
        self.with_event(req.event, |data| data.grab(req, code))
    }

    async fn cancel(
        &self,
        event: &EventId,
        member: &MemberKey,
        code: &Code,
    ) -> Result<Reservation, Error> {
        self.with_event(event, |data| data.cancel(member, code))
    }

    async fn redeem(&self, event: &EventId, find: &Find) -> Result<Reservation, Error> {
        self.with_event(event, |data| data.redeem(find))
    }

    async fn restock(
        &self,
        event: &EventId,
        pool: &PoolId,
        delta: i64,
    ) -> Result<Restocked, Error> {
        self.with_event(event, |data| data.restock(pool, delta))
    }

    async fn set_status(&self, event: &EventId, action: StatusAction) -> Result<SaleStatus, Error> {
        self.with_event(event, |data| data.set_status(action))
    }

    async fn lookup(&self, event: &EventId, find: &Find) -> Result<Option<Reservation>, Error> {
        self.with_event(event, |data| Ok(data.find(find).cloned()))
    }

    async fn grab_rate(&self, event: &EventId) -> Result<Vec<u32>, Error> {
        self.with_event(event, |data| {
            let now = Millis::now().0;
            let mut counts = vec![0; 60];
            for entry in data.log.iter().rev().take_while(|e| now - e.at.0 < 60_000) {
                if matches!(entry.op, LogOp::Reserved { .. }) {
                    let bucket = 59 - ((now - entry.at.0) / 1000) as usize;
                    counts[bucket] += 1;
                }
            }
            Ok(counts)
        })
    }

    async fn snapshot(&self, event: &EventId) -> Result<Snapshot, Error> {
        self.with_event(event, |data| {
            let mut reservations: Vec<Reservation> = data.reservations.values().cloned().collect();
            reservations.sort_by(|a, b| a.code.cmp(&b.code));
            let mut members: Vec<(MemberKey, Code)> = data
                .members
                .iter()
                .map(|(m, c)| (m.clone(), c.clone()))
                .collect();
            members.sort();
            Ok(Snapshot {
                view: data.view(Millis::now()),
                reservations,
                members,
                log: data.log.clone(),
            })
        })
    }

    async fn ping(&self) -> Result<(), Error> {
        Ok(())
    }
}
