//! The read model takes in the log: each entry changes the model as the
//! script that wrote it changed the event (a child of model.rs, whose
//! fields it reads).

use super::{Held, Model};
use crate::domain::{Code, MemberKey, Millis, PoolId, Reservation, Status};
use crate::store::{LogEntry, LogOp, LogPos, Made};

impl Model {
    /// Takes in the next entry of the log, as the script that wrote it changed
    /// the event.
    pub fn apply(&mut self, pos: LogPos, entry: LogEntry) {
        let at = entry.at;
        match entry.op {
            // Only at creation, which the seed already holds.
            LogOp::Created { .. } => {}
            // A grab, a waiting member given seats that came back, or a
            // lottery's winner: a reservation like any.
            LogOp::Reserved(ticket)
            | LogOp::Assigned { ticket, .. }
            | LogOp::Won { ticket, .. } => {
                let Made {
                    code,
                    pool,
                    member,
                    channel,
                    card,
                    seats,
                    pay_by,
                    part,
                } = ticket;
                self.add_stock(&pool, -i64::from(seats));
                if let Some(parts) = self.parts_of(&pool) {
                    parts.take(part, i64::from(seats));
                }
                let status = if pay_by.is_some() {
                    Status::Held
                } else {
                    Status::Active
                };
                let reservation = card.map(|card| {
                    Box::new(Reservation {
                        event: self.event.clone(),
                        code: code.clone(),
                        pool,
                        seats,
                        status,
                        channel,
                        member: member.clone(),
                        card,
                        created_at: at,
                        redeemed_at: None,
                        cancelled_at: None,
                        pay_by,
                        part,
                    })
                });
                let held = Held {
                    code,
                    status,
                    pay_by,
                    reservation,
                };
                self.held.insert(member, held);
            }
            LogOp::NoShow {
                code,
                pool,
                member,
                seats,
            } => self.seats_back(&pool, seats, &member, &code, Status::NoShow, at),
            // Joining or leaving the list changes no stock and no ticket, nor
            // do a lottery's entries and the draw's own steps.
            LogOp::Waiting { .. }
            | LogOp::Drawn { .. }
            | LogOp::Left { .. }
            | LogOp::Entered { .. }
            | LogOp::Withdrawn { .. }
            | LogOp::PublicValue { .. }
            | LogOp::DrawBegun { .. }
            | LogOp::Tallied { .. } => {}
            // Kept parts' own changes: their seats are among the unsold.
            LogOp::Released { pool, part, seats } => {
                if let Some(parts) = self.parts_of(&pool) {
                    parts.released(part, seats);
                }
            }
            LogOp::Moved {
                pool,
                from,
                to,
                seats,
            } => {
                if let Some(parts) = self.parts_of(&pool) {
                    parts.moved(from, to, seats);
                }
            }
            LogOp::DrawDone { .. } => self.fair_pending = false,
            LogOp::Cancelled {
                code,
                pool,
                member,
                seats,
            } => self.seats_back(&pool, seats, &member, &code, Status::Cancelled, at),
            LogOp::Redeemed { code, member, .. } => {
                self.set_ticket(&member, &code, Status::Redeemed, at);
            }
            LogOp::Paid {
                code,
                pool,
                member,
                seats,
                late,
                ..
            } => {
                if late {
                    self.add_stock(&pool, -i64::from(seats));
                    // A late payment takes everyone's seats.
                    if let Some(parts) = self.parts_of(&pool) {
                        parts.take(None, i64::from(seats));
                    }
                }
                self.set_ticket(&member, &code, Status::Active, at);
            }
            LogOp::Expired {
                code,
                pool,
                member,
                seats,
            } => self.seats_back(&pool, seats, &member, &code, Status::Expired, at),
            LogOp::RefundDue { .. } => {}
            LogOp::Restocked { pool, delta } => {
                self.add_stock(&pool, delta);
                if let Some(parts) = self.parts_of(&pool) {
                    parts.restocked(delta);
                }
            }
            LogOp::Status(status) => self.status = status,
        }
        self.pos = pos;
    }

    /// A ticket's seats come back to its pool, and the ticket is `status`
    /// (cancelled, expired, no-show).
    fn seats_back(
        &mut self,
        pool: &PoolId,
        seats: u8,
        member: &MemberKey,
        code: &Code,
        status: Status,
        at: Millis,
    ) {
        self.add_stock(pool, i64::from(seats));
        // The ticket's part, if the model knows the ticket whole.
        let (known, part) = match self.held.get(member).filter(|h| &h.code == code) {
            Some(Held {
                reservation: Some(r),
                ..
            }) => (true, r.part),
            _ => (false, None),
        };
        if let Some(parts) = self.parts_of(pool) {
            parts.give_back(part, known, i64::from(seats));
        }
        self.set_ticket(member, code, status, at);
    }

    fn parts_of(&mut self, pool: &PoolId) -> Option<&mut super::super::parts::PoolParts> {
        self.parts
            .iter_mut()
            .find(|(p, _)| p == pool)
            .map(|(_, parts)| parts)
    }

    fn add_stock(&mut self, pool: &PoolId, delta: i64) {
        if let Some((_, n)) = self.stock.iter_mut().find(|(p, _)| p == pool) {
            *n += delta;
        }
    }

    fn set_ticket(&mut self, member: &MemberKey, code: &Code, status: Status, at: Millis) {
        let Some(held) = self.held.get_mut(member).filter(|h| &h.code == code) else {
            return;
        };
        held.status = status;
        if let Some(r) = &mut held.reservation {
            r.status = status;
            match status {
                Status::Cancelled | Status::Expired | Status::NoShow => r.cancelled_at = Some(at),
                Status::Redeemed => r.redeemed_at = Some(at),
                // Paid: a late payment revives an expired hold, with the
                // public's seats.
                Status::Active => {
                    r.part = r.part.filter(|_| r.cancelled_at.is_none());
                    r.cancelled_at = None;
                }
                Status::Held => {}
            }
        }
    }
}
