//! The state changes of the embedded store, one per Lua script and in the
//! script's order of checks: everything is checked before the first write.

use super::EventData;
use crate::domain::Error;
use crate::domain::{
    Channel, Code, MAX_POOL_TOTAL, Member, MemberKey, Millis, Phase, PoolId, Reservation,
    SaleStatus, Status, StatusAction, sale_phase,
};
use crate::store::{Find, Grab, LogOp, Restocked};

impl EventData {
    /// What a grab and a waiting-list join check first, in this order:
    /// the pools, the seats, the member's union.
    pub(super) fn check_request(&mut self, req: &Grab<'_>) -> Result<(), Error> {
        if let Some(p) = req.choices.iter().find(|p| self.pool_mut(p).is_none()) {
            return Err(Error::UnknownPool(p.to_string()));
        }
        if req.seats.get() > self.event.max_seats {
            return Err(Error::TooManySeats {
                max: self.event.max_seats,
            });
        }
        if req.org.is_some_and(|org| !org.is_within(&self.event.org)) {
            return Err(Error::NotEligible);
        }
        Ok(())
    }

    /// The sale window's refusal at `now`, if any (`domain::sale_phase`).
    pub(super) fn check_window(&self, now: Millis) -> Result<(), Error> {
        let (opens_at, closes_at) = (self.event.opens_at, self.event.closes_at);
        match sale_phase(self.status, opens_at, closes_at, now) {
            Phase::Closed => Err(Error::Closed),
            Phase::Paused => Err(Error::Paused),
            Phase::Upcoming => Err(Error::NotOpen {
                opens_at,
                server_time: now,
            }),
            Phase::Open | Phase::SoldOut => Ok(()),
        }
    }

    /// A new ticket of `seats` seats from `pool` for `member` (checked
    /// already): held until `pay_by` on a sale with payment holds when it
    /// comes from the app (a walk-up at a station pays at the counter),
    /// active otherwise. The caller logs it. A grab and a waiting-list
    /// assignment both make one.
    pub(super) fn new_ticket(
        &mut self,
        code: &Code,
        (pool, part): (&PoolId, Option<u8>),
        seats: u8,
        channel: Channel,
        member: &Member,
        now: Millis,
    ) -> Reservation {
        // A priced sale holds every new ticket until it is paid (a station
        // pays its walk-ups' at the counter at once).
        let hold = self.event.hold_ms;
        let pay_by = (hold > 0).then(|| Millis(now.0 + hold));
        self.put_ticket(code, pool, seats, channel, member, now, pay_by, part)
    }

    /// Puts a ticket made at `now` (by [`EventData::new_ticket`], or as the
    /// journal tells it) in place: held until `pay_by` if it has one, else
    /// active; the pool's figures and the indexes follow.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn put_ticket(
        &mut self,
        code: &Code,
        pool: &PoolId,
        seats: u8,
        channel: Channel,
        member: &Member,
        now: Millis,
        pay_by: Option<Millis>,
        part: Option<u8>,
    ) -> Reservation {
        let status = if pay_by.is_some() {
            Status::Held
        } else {
            Status::Active
        };
        let stats = self.pool_mut(pool).expect("a pool of the event");
        stats.remaining -= i64::from(seats);
        if status == Status::Held {
            stats.held += i64::from(seats);
        } else {
            stats.active += i64::from(seats);
        }
        let reservation = Reservation {
            event: self.event.id.clone(),
            code: code.clone(),
            pool: pool.clone(),
            seats,
            status,
            channel,
            member: member.key.clone(),
            card: member.card.clone(),
            created_at: now,
            redeemed_at: None,
            cancelled_at: None,
            pay_by,
            part,
        };
        self.count_part(pool, part, i64::from(seats));
        if let Some(by) = pay_by {
            self.holds.insert((by, code.clone()));
        }
        self.reservations.insert(code.clone(), reservation.clone());
        self.members.insert(member.key.clone(), code.clone());
        reservation
    }

    /// Mirrors lua/cancel.lua.
    pub(super) fn cancel(
        &mut self,
        member: &MemberKey,
        code: &Code,
        now: Millis,
    ) -> Result<Reservation, Error> {
        let r = self
            .reservations
            .get(code)
            .filter(|r| &r.member == member)
            .ok_or(Error::NotFound)?;
        if let Some(refused) = Error::given_back(r) {
            return Err(refused);
        }
        if r.status == Status::Redeemed {
            return Err(Error::AlreadyRedeemed(Box::new(r.clone())));
        }
        let (pool, seats, from, part) = (r.pool.clone(), r.seats, r.status, r.part);
        let pay_by = r.pay_by;
        let late = from == Status::Held && pay_by.is_some_and(|by| now >= by);
        // writes
        self.release_due(now);
        if late {
            return Err(Error::HoldExpired(Box::new(self.expire(code, now))));
        }
        if let Some(by) = pay_by.filter(|_| from == Status::Held) {
            self.holds.remove(&(by, code.clone()));
        }
        let r = self.reservations.get_mut(code).expect("found above");
        r.status = Status::Cancelled;
        r.cancelled_at = Some(now);
        let out = r.clone();
        let stats = self
            .pool_mut(&pool)
            .ok_or_else(|| Error::Corrupt(format!("no pool {pool}")))?;
        stats.remaining += i64::from(seats);
        if from == Status::Held {
            stats.held -= i64::from(seats);
        } else {
            stats.active -= i64::from(seats);
        }
        stats.cancelled += i64::from(seats);
        self.count_part(&pool, part, -i64::from(seats));
        self.log(
            now,
            LogOp::Cancelled {
                code: code.clone(),
                pool: pool.clone(),
                member: member.clone(),
                seats,
            },
        );
        // A paid ticket given back: its payment is due back to the member.
        if from == Status::Active
            && let Some(payment) = self.paid_by.get(code).cloned()
        {
            let amount = self.payments.get(&payment).map_or(0, |p| p.1);
            self.log(
                now,
                LogOp::RefundDue {
                    code: code.clone(),
                    payment,
                    amount,
                },
            );
        }
        self.serve_part(&pool, part, now);
        self.serve_waiting(&pool, now);
        Ok(out)
    }

    /// Mirrors lua/redeem.lua.
    pub(super) fn redeem(&mut self, find: &Find, now: Millis) -> Result<Reservation, Error> {
        let r = self.find(find).ok_or(Error::NotFound)?;
        if let Some(refused) = Error::given_back(r) {
            return Err(refused);
        }
        match r.status {
            Status::Redeemed => return Err(Error::AlreadyRedeemed(Box::new(r.clone()))),
            Status::Held if r.pay_by.is_some_and(|by| now < by) => {
                return Err(Error::NotPaid(Box::new(r.clone())));
            }
            _ => {}
        }
        let code = r.code.clone();
        // writes
        if r.status == Status::Held {
            return Err(Error::HoldExpired(Box::new(self.expire(&code, now))));
        }
        let r = self.reservations.get_mut(&code).expect("found above");
        r.status = Status::Redeemed;
        r.redeemed_at = Some(now);
        let out = r.clone();
        let stats = self
            .pool_mut(&out.pool)
            .ok_or_else(|| Error::Corrupt(format!("no pool {}", out.pool)))?;
        stats.active -= i64::from(out.seats);
        stats.redeemed += i64::from(out.seats);
        self.log(
            now,
            LogOp::Redeemed {
                code,
                pool: out.pool.clone(),
                member: out.member.clone(),
                seats: out.seats,
            },
        );
        Ok(out)
    }

    /// Mirrors lua/restock.lua.
    pub(super) fn restock(
        &mut self,
        pool: &PoolId,
        delta: i64,
        now: Millis,
    ) -> Result<Restocked, Error> {
        self.release_due(now);
        let drawing = self.drawing();
        let sealed = self.stock_fixed(now);
        let stats = self
            .pool_mut(pool)
            .ok_or_else(|| Error::UnknownPool(pool.to_string()))?;
        if drawing {
            return Err(Error::DrawRunning);
        }
        if sealed {
            return Err(Error::StockFixed);
        }
        // Kept parts' seats are not the restock's to take away.
        let public = stats.public();
        if public + delta < 0 {
            return Err(Error::BelowZero { remaining: public });
        }
        if stats.total + delta > MAX_POOL_TOTAL {
            return Err(Error::AboveLimit {
                total: stats.total,
                max: MAX_POOL_TOTAL,
            });
        }
        // writes
        stats.remaining += delta;
        stats.total += delta;
        let total = stats.total;
        self.log(
            now,
            LogOp::Restocked {
                pool: pool.clone(),
                delta,
            },
        );
        if delta > 0 {
            self.serve_waiting(pool, now);
        }
        let remaining = self.pool_mut(pool).map_or(0, |p| p.remaining);
        Ok(Restocked { remaining, total })
    }

    /// Mirrors lua/status.lua.
    pub(super) fn set_status(
        &mut self,
        action: StatusAction,
        now: Millis,
    ) -> Result<SaleStatus, Error> {
        let target = match action {
            StatusAction::Pause => SaleStatus::Paused,
            StatusAction::Resume => SaleStatus::Open,
            StatusAction::Close => SaleStatus::Closed,
        };
        if self.status == SaleStatus::Closed && target != SaleStatus::Closed {
            return Err(Error::Closed);
        }
        if self.status != target {
            self.status = target;
            self.log(now, LogOp::Status(target));
        }
        Ok(target)
    }
}
