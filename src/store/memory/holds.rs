//! The payment holds of the embedded store: expiry (lua/lib.lua's
//! `expire_hold`, lua/expire.lua) and payments (lua/pay.lua), in the scripts'
//! order of checks.

use super::EventData;
use crate::domain::Error;
use crate::domain::{Code, Millis, Reservation, Status};
use crate::store::{LogOp, Payment, PaymentOutcome};

impl EventData {
    /// Expires the held reservation `code` at `now`: its seats go back.
    /// Mirrors `expire_hold` of lua/lib.lua; returns the expired reservation.
    pub(super) fn expire(&mut self, code: &Code, now: Millis) -> Reservation {
        let r = self.reservations.get_mut(code).expect("a held reservation");
        r.status = Status::Expired;
        r.cancelled_at = Some(now);
        let out = r.clone();
        if let Some(by) = out.pay_by {
            self.holds.remove(&(by, code.clone()));
        }
        let seats = i64::from(out.seats);
        if let Some(stats) = self.pool_mut(&out.pool) {
            stats.remaining += seats;
            stats.held -= seats;
            stats.expired += seats;
        }
        self.count_part(&out.pool, out.part, -seats);
        self.log(
            now,
            LogOp::Expired {
                code: code.clone(),
                pool: out.pool.clone(),
                member: out.member.clone(),
                seats: out.seats,
            },
        );
        self.serve_part(&out.pool, out.part, now);
        self.serve_waiting(&out.pool, now);
        out
    }

    /// Mirrors lua/expire.lua: up to `max` holds past their pay_by, soonest first.
    pub(super) fn expire_due(&mut self, max: usize, now: Millis) -> usize {
        let released = self.release_due(now);
        let due: Vec<Code> = self
            .holds
            .iter()
            .take_while(|(by, _)| *by <= now)
            .take(max)
            .map(|(_, c)| c.clone())
            .collect();
        for code in &due {
            self.expire(code, now);
        }
        due.len() + released
    }

    /// Mirrors lua/pay.lua.
    pub(super) fn pay(
        &mut self,
        code: &Code,
        payment: &str,
        amount: i64,
        now: Millis,
    ) -> Result<Payment, Error> {
        if let Some((paid_code, paid_amount, outcome)) = self.payments.get(payment) {
            if paid_code != code || *paid_amount != amount {
                return Err(Error::PaymentConflict);
            }
            let reservation = self.reservations.get(code).ok_or(Error::NotFound)?.clone();
            return Ok(Payment {
                outcome: *outcome,
                reservation,
            });
        }
        let r = self.reservations.get(code).ok_or(Error::NotFound)?;
        let seats = i64::from(r.seats);
        let due = self.event.price_fen * seats;
        if amount != due {
            return Err(Error::PaymentMismatch { due });
        }
        let expire_first = r.status == Status::Held && r.pay_by.is_some_and(|by| now >= by);
        // writes
        self.release_due(now);
        // A hold past its pay_by expires first: its seats go to the waiting
        // list, and the payment then finds seats or not like any late one.
        if expire_first {
            self.expire(code, now);
        }
        let r = &self.reservations[code];
        let (mut outcome, mut late) = (PaymentOutcome::RefundDue, false);
        if r.status == Status::Held {
            outcome = PaymentOutcome::Paid;
        } else if r.status == Status::Expired {
            // A late payment takes the public's seats (its own may have
            // gone back to a kept part: that part's seats stay kept).
            let free = self.public_free(&r.pool);
            if self.members.get(&r.member) == Some(code)
                && !self.waiting_by_member.contains_key(&r.member)
                && free >= seats
                && self.check_cap(&r.member, 0).is_ok()
            {
                (outcome, late) = (PaymentOutcome::Paid, true);
            }
        }
        if outcome == PaymentOutcome::Paid {
            let r = self.reservations.get_mut(code).expect("found above");
            r.status = Status::Active;
            r.cancelled_at = None;
            if late {
                r.part = None;
            }
            let r = r.clone();
            if !late && let Some(by) = r.pay_by {
                self.holds.remove(&(by, code.clone()));
            }
            let stats = self
                .pool_mut(&r.pool)
                .ok_or_else(|| Error::Corrupt(format!("no pool {}", r.pool)))?;
            if late {
                stats.remaining -= seats;
                stats.expired -= seats;
            } else {
                stats.held -= seats;
            }
            stats.active += seats;
            self.log(
                now,
                LogOp::Paid {
                    code: code.clone(),
                    pool: r.pool.clone(),
                    member: r.member.clone(),
                    seats: r.seats,
                    payment: payment.to_owned(),
                    amount,
                    late,
                },
            );
        } else {
            self.log(
                now,
                LogOp::RefundDue {
                    code: code.clone(),
                    payment: payment.to_owned(),
                    amount,
                },
            );
        }
        if outcome == PaymentOutcome::Paid {
            self.paid_by.insert(code.clone(), payment.to_owned());
        }
        self.payments
            .insert(payment.to_owned(), (code.clone(), amount, outcome));
        Ok(Payment {
            outcome,
            reservation: self.reservations[code].clone(),
        })
    }
}
