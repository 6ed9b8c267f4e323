//! The embedded store: the same rules as the Lua scripts, in-process under one
//! lock. It is the default when no Redis is configured, and the reference model
//! the Redis store is compared against.
//!
//! Each method mirrors one script in `lua/` check for check, in the same order,
//! so that both stores give the same answer to the same sequence of calls.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use super::{Find, Grab, Grabbed, LogEntry, LogOp, Restocked, Snapshot, Store};
use crate::domain::{
    Code, Event, EventId, EventView, MemberKey, Millis, Phase, PoolId, PoolStats, Reservation,
    SaleStatus, Status, StatusAction, sale_phase,
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
        self.with_event(req.event, |data| {
            if let Some(p) = req.choices.iter().find(|p| data.pool_mut(p).is_none()) {
                return Err(Error::UnknownPool(p.to_string()));
            }
            if req.org.is_some_and(|org| !org.is_within(&data.event.org)) {
                return Err(Error::NotEligible);
            }
            if let Some(held) = data.find(&Find::Member(req.member.key.clone()))
                && held.status.is_live()
            {
                return Ok(Grabbed {
                    reservation: held.clone(),
                    new: false,
                });
            }
            let now = Millis::now();
            let (opens_at, closes_at) = (data.event.opens_at, data.event.closes_at);
            match sale_phase(data.status, opens_at, closes_at, now) {
                Phase::Closed => return Err(Error::Closed),
                Phase::Paused => return Err(Error::Paused),
                Phase::Upcoming => {
                    return Err(Error::NotOpen {
                        opens_at,
                        server_time: now,
                    });
                }
                Phase::Open | Phase::SoldOut => {}
            }
            let pool = req
                .choices
                .iter()
                .find(|p| data.pools.iter().any(|s| &s.id == *p && s.remaining > 0))
                .ok_or(Error::SoldOut)?;
            if data.reservations.contains_key(code) {
                return Err(Error::CodeTaken);
            }
            // writes
            let stats = data.pool_mut(pool).expect("pool checked above");
            stats.remaining -= 1;
            stats.active += 1;
            let reservation = Reservation {
                event: req.event.clone(),
                code: code.clone(),
                pool: pool.clone(),
                status: Status::Active,
                channel: req.channel,
                member: req.member.key.clone(),
                card: req.member.card.clone(),
                created_at: now,
                redeemed_at: None,
                cancelled_at: None,
            };
            data.reservations.insert(code.clone(), reservation.clone());
            data.members.insert(req.member.key.clone(), code.clone());
            data.log(
                now,
                LogOp::Reserved {
                    code: code.clone(),
                    pool: pool.clone(),
                    member: req.member.key.clone(),
                    channel: req.channel,
                },
            );
            Ok(Grabbed {
                reservation,
                new: true,
            })
        })
    }

    async fn cancel(
        &self,
        event: &EventId,
        member: &MemberKey,
        code: &Code,
    ) -> Result<Reservation, Error> {
        self.with_event(event, |data| {
            let r = data
                .reservations
                .get(code)
                .filter(|r| &r.member == member)
                .ok_or(Error::NotFound)?;
            match r.status {
                Status::Redeemed => return Err(Error::AlreadyRedeemed(Box::new(r.clone()))),
                Status::Cancelled => return Err(Error::Cancelled(Box::new(r.clone()))),
                Status::Active => {}
            }
            let now = Millis::now();
            let pool = r.pool.clone();
            // writes
            let r = data.reservations.get_mut(code).expect("found above");
            r.status = Status::Cancelled;
            r.cancelled_at = Some(now);
            let out = r.clone();
            let stats = data
                .pool_mut(&pool)
                .ok_or_else(|| Error::Corrupt(format!("no pool {pool}")))?;
            stats.remaining += 1;
            stats.active -= 1;
            stats.cancelled += 1;
            data.log(
                now,
                LogOp::Cancelled {
                    code: code.clone(),
                    pool,
                    member: member.clone(),
                },
            );
            Ok(out)
        })
    }

    async fn redeem(&self, event: &EventId, find: &Find) -> Result<Reservation, Error> {
        self.with_event(event, |data| {
            let r = data.find(find).ok_or(Error::NotFound)?;
            match r.status {
                Status::Redeemed => return Err(Error::AlreadyRedeemed(Box::new(r.clone()))),
                Status::Cancelled => return Err(Error::Cancelled(Box::new(r.clone()))),
                Status::Active => {}
            }
            let now = Millis::now();
            let code = r.code.clone();
            // writes
            let r = data.reservations.get_mut(&code).expect("found above");
            r.status = Status::Redeemed;
            r.redeemed_at = Some(now);
            let out = r.clone();
            let stats = data
                .pool_mut(&out.pool)
                .ok_or_else(|| Error::Corrupt(format!("no pool {}", out.pool)))?;
            stats.active -= 1;
            stats.redeemed += 1;
            data.log(
                now,
                LogOp::Redeemed {
                    code,
                    pool: out.pool.clone(),
                    member: out.member.clone(),
                },
            );
            Ok(out)
        })
    }

    async fn restock(
        &self,
        event: &EventId,
        pool: &PoolId,
        delta: i64,
    ) -> Result<Restocked, Error> {
        self.with_event(event, |data| {
            let stats = data
                .pool_mut(pool)
                .ok_or_else(|| Error::UnknownPool(pool.to_string()))?;
            if stats.remaining + delta < 0 {
                return Err(Error::BelowZero {
                    remaining: stats.remaining,
                });
            }
            // writes
            stats.remaining += delta;
            stats.total += delta;
            let out = Restocked {
                remaining: stats.remaining,
                total: stats.total,
            };
            data.log(
                Millis::now(),
                LogOp::Restocked {
                    pool: pool.clone(),
                    delta,
                },
            );
            Ok(out)
        })
    }

    async fn set_status(&self, event: &EventId, action: StatusAction) -> Result<SaleStatus, Error> {
        self.with_event(event, |data| {
            let target = match action {
                StatusAction::Pause => SaleStatus::Paused,
                StatusAction::Resume => SaleStatus::Open,
                StatusAction::Close => SaleStatus::Closed,
            };
            if data.status == SaleStatus::Closed && target != SaleStatus::Closed {
                return Err(Error::Closed);
            }
            if data.status != target {
                data.status = target;
                data.log(Millis::now(), LogOp::Status(target));
            }
            Ok(target)
        })
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
