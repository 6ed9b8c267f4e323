//! Rebuilding the embedded store from its journal: each log entry applied to
//! an event's state does what the change that wrote it did (changes.rs,
//! holds.rs, waiting.rs, release.rs), without deciding anything again. The
//! unit tests and the durable conformance suite check that a store rebuilt
//! from its journal equals the store that wrote it, after every change.

use super::EventData;
use crate::domain::Error;
use crate::domain::{Code, LotteryEntry, Member, Millis, Reservation, Status, WaitEntry};
use crate::store::{LogEntry, LogOp, Made, PaymentOutcome};

impl EventData {
    /// Applies one entry of this event's log, as written by the store.
    pub(super) fn apply(&mut self, entry: LogEntry) -> Result<(), Error> {
        let at = entry.at;
        let corrupt = |what: String| Error::Corrupt(format!("journal: {what}"));
        match &entry.op {
            // The event's record made the pools.
            LogOp::Created { .. } => {}
            LogOp::Reserved(ticket) => self.reserve(ticket, at)?,
            LogOp::Assigned { ticket, .. } => {
                self.drop_waiting(&ticket.member, None, at);
                self.reserve(ticket, at)?;
            }
            LogOp::Paid {
                code,
                payment,
                amount,
                late,
                ..
            } => {
                let r = self.ticket(code)?;
                r.status = Status::Active;
                r.cancelled_at = None;
                if *late {
                    r.part = None;
                }
                let (pool, seats, pay_by) = (r.pool.clone(), i64::from(r.seats), r.pay_by);
                if !late && let Some(by) = pay_by {
                    self.holds.remove(&(by, code.clone()));
                }
                let stats = self
                    .pool_mut(&pool)
                    .ok_or_else(|| corrupt(format!("no pool {pool}")))?;
                if *late {
                    stats.remaining -= seats;
                    stats.expired -= seats;
                } else {
                    stats.held -= seats;
                }
                stats.active += seats;
                self.paid_by.insert(code.clone(), payment.clone());
                self.payments.insert(
                    payment.clone(),
                    (code.clone(), *amount, PaymentOutcome::Paid),
                );
            }
            // A payment that came to be refunded (its notification's own
            // answer), or (a cancel's) one that paid: the latter keeps its
            // record, as cancel.lua leaves it.
            LogOp::RefundDue {
                code,
                payment,
                amount,
            } => {
                self.payments
                    .entry(payment.clone())
                    .or_insert_with(|| (code.clone(), *amount, PaymentOutcome::RefundDue));
            }
            LogOp::Expired { code, .. }
            | LogOp::Cancelled { code, .. }
            | LogOp::Redeemed { code, .. }
            | LogOp::NoShow { code, .. } => {
                let r = self.ticket(code)?;
                let (from, pool, seats, pay_by, part) =
                    (r.status, r.pool.clone(), r.seats, r.pay_by, r.part);
                let to = match entry.op {
                    LogOp::Expired { .. } => Status::Expired,
                    LogOp::Cancelled { .. } => Status::Cancelled,
                    LogOp::Redeemed { .. } => Status::Redeemed,
                    _ => Status::NoShow,
                };
                r.status = to;
                if to == Status::Redeemed {
                    r.redeemed_at = Some(at);
                } else {
                    r.cancelled_at = Some(at);
                }
                if from == Status::Held
                    && let Some(by) = pay_by
                {
                    self.holds.remove(&(by, code.clone()));
                }
                let stats = self
                    .pool_mut(&pool)
                    .ok_or_else(|| corrupt(format!("no pool {pool}")))?;
                let seats = i64::from(seats);
                if from == Status::Held {
                    stats.held -= seats;
                } else {
                    stats.active -= seats;
                }
                match to {
                    Status::Redeemed => stats.redeemed += seats,
                    Status::Expired => stats.expired += seats,
                    Status::Cancelled => stats.cancelled += seats,
                    _ => stats.no_show += seats,
                }
                if to != Status::Redeemed {
                    stats.remaining += seats;
                    self.count_part(&pool, part, -seats);
                }
            }
            LogOp::Released { pool, part, .. } => {
                self.mark_released(pool, *part);
            }
            LogOp::Moved {
                pool,
                from,
                to,
                seats,
            } => {
                self.count_part(pool, Some(*from).filter(|n| *n > 0), *seats);
                self.count_part(pool, Some(*to).filter(|n| *n > 0), -seats);
            }
            LogOp::Restocked { pool, delta } => {
                let stats = self
                    .pool_mut(pool)
                    .ok_or_else(|| corrupt(format!("no pool {pool}")))?;
                stats.remaining += delta;
                stats.total += delta;
            }
            LogOp::Status(status) => self.status = *status,
            LogOp::Tallied {
                station,
                day,
                what,
                n,
            } => {
                *self
                    .tallies
                    .entry(super::tallies::tally_key(station, day, what))
                    .or_default() += n;
            }
            LogOp::Waiting {
                member,
                order,
                choices,
                seats,
                cutoff,
                channel,
                card,
                code,
                parts,
            } => {
                let code = code
                    .clone()
                    .ok_or_else(|| corrupt(format!("waiting entry {order} without a code")))?;
                self.put_waiting(WaitEntry {
                    member: member.clone(),
                    order: *order,
                    choices: choices.clone(),
                    seats: *seats,
                    cutoff: *cutoff,
                    card: card.clone(),
                    channel: *channel,
                    joined_at: at,
                    code,
                    parts: parts.clone(),
                });
            }
            LogOp::Left { member, .. } => self.drop_waiting(member, None, at),
            LogOp::Entered {
                member,
                choices,
                seats,
                card,
                channel,
            } => self.put_entry(LotteryEntry {
                member: member.clone(),
                choices: choices.clone(),
                seats: *seats,
                card: card.clone(),
                channel: *channel,
                entered_at: at,
                rank: None,
                won: None,
            }),
            LogOp::Withdrawn { member } => self.remove_entry(member),
            LogOp::PublicValue { value } => self.draw.public_value = Some(value.clone()),
            LogOp::DrawBegun {
                draw,
                stock,
                owner,
                until,
            } => {
                self.draw.draw_id = Some(draw.clone());
                self.draw.stock = stock.clone();
                self.lease.0 = Some((owner.clone(), *until));
            }
            LogOp::Won { ticket, rank } => {
                let member = &ticket.member;
                let e = self
                    .entries
                    .get_mut(member)
                    .ok_or_else(|| corrupt(format!("{} won without an entry", member.as_str())))?;
                e.rank = Some(*rank);
                e.won = Some(ticket.pool.clone());
                self.draw.written += 1;
                self.reserve(ticket, at)?;
            }
            LogOp::Drawn {
                member,
                order,
                code,
            } => {
                let cutoff = self
                    .event
                    .drawn_waiting_cutoff()
                    .ok_or_else(|| corrupt("a draw's result in a race".into()))?;
                let e = self.entries.get_mut(member).ok_or_else(|| {
                    corrupt(format!("{} drawn without an entry", member.as_str()))
                })?;
                e.rank = Some(*order as u32);
                self.draw.written += 1;
                let w = WaitEntry {
                    member: member.clone(),
                    order: *order,
                    choices: e.choices.clone(),
                    seats: e.seats,
                    cutoff,
                    card: e.card.clone(),
                    channel: e.channel,
                    joined_at: at,
                    code: code.clone(),
                    parts: Vec::new(),
                };
                self.put_waiting(w);
            }
            LogOp::DrawDone {
                entries_digest,
                draw_seed,
            } => {
                self.draw.drawn_at = Some(at);
                self.draw.entries_digest = Some(entries_digest.clone());
                self.draw.draw_seed = Some(draw_seed.clone());
            }
        }
        self.log.push(entry);
        Ok(())
    }

    /// A new reservation, as `new_ticket` made it.
    /// A ticket made, by any entry that makes one. Every entry the
    /// embedded store writes carries the member's card.
    fn reserve(&mut self, t: &Made, at: Millis) -> Result<(), Error> {
        if self.pool_mut(&t.pool).is_none() {
            return Err(Error::Corrupt(format!("journal: no pool {}", t.pool)));
        }
        let card = t.card.clone().ok_or_else(|| {
            Error::Corrupt(format!("journal: {} reserved without a card", t.code))
        })?;
        let member = Member {
            key: t.member.clone(),
            card,
        };
        self.put_ticket(
            &t.code, &t.pool, t.seats, t.channel, &member, at, t.pay_by, t.part,
        );
        Ok(())
    }

    fn ticket(&mut self, code: &Code) -> Result<&mut Reservation, Error> {
        self.reservations.get_mut(code).ok_or_else(|| {
            Error::Corrupt(format!("journal: {code} changed before it was reserved"))
        })
    }
}
