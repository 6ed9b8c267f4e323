//! Lottery sales in the embedded store, in the order of checks of
//! `lua/lottery.lua`: entries and the public value (the draw: draw.rs).

use super::EventData;
use crate::domain::Error;
use crate::domain::{Entered, LotteryEntry, MemberKey, Millis, Phase, SaleStatus, sale_phase};
use crate::store::{Grab, LogOp};

impl EventData {
    pub(super) fn lottery_only(&self) -> Result<&crate::domain::Lottery, Error> {
        self.event.lottery.as_ref().ok_or(Error::NotLottery)
    }

    /// A draw has started and is not published: the stock is the draw's,
    /// nothing else may give seats (lib.lua's `serve_waiting` waits too).
    pub(super) fn drawing(&self) -> bool {
        self.draw.draw_id.is_some() && self.draw.drawn_at.is_none()
    }

    /// A lottery from the close of registration until its draw is
    /// published: its stock is the one published with the closing.
    pub(super) fn stock_fixed(&self, now: Millis) -> bool {
        self.event.lottery.is_some()
            && self.draw.drawn_at.is_none()
            && (now >= self.event.registration_closes() || self.status == SaleStatus::Closed)
    }

    /// A race's fair window whose draw is not published: its grabs are
    /// registrations or `DrawPending`.
    pub(super) fn fair_pending(&self) -> bool {
        self.event.fair_window().is_some() && self.draw.drawn_at.is_none()
    }

    /// Where members may enter or withdraw: the registration's window (a
    /// fair window ends before the sale), and no draw.
    fn check_registration(&self, now: Millis) -> Result<(), Error> {
        let (opens_at, closes) = (self.event.opens_at, self.event.registration_closes());
        match sale_phase(self.status, opens_at, closes, now) {
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
        if self.draw.draw_id.is_some() {
            return Err(Error::Closed);
        }
        Ok(())
    }

    /// Mirrors lua/grab.lua's fair window, after the sale window's checks: a
    /// grab stamped inside the window, before the draw starts, registers;
    /// any other waits for the draw (`DrawPending`).
    pub(super) fn register(
        &mut self,
        req: &Grab<'_>,
        now: Millis,
        arrived: Option<Millis>,
    ) -> Result<Entered, Error> {
        let end = self.event.registration_closes();
        let inside = arrived.is_some_and(|at| at >= self.event.opens_at && at < end);
        if !inside || self.draw.draw_id.is_some() {
            return Err(Error::DrawPending);
        }
        self.check_cap(&req.member.key, 0)?;
        // writes
        Ok(self.new_entry(req, now))
    }

    /// Mirrors lua/lottery.lua's enter.
    pub(super) fn enter(&mut self, req: &Grab<'_>, now: Millis) -> Result<Entered, Error> {
        self.lottery_only()?;
        self.check_request(req)?;
        if let Some(entry) = self.entries.get(&req.member.key) {
            return Ok(Entered {
                entry: entry.clone(),
                new: false,
            });
        }
        self.check_registration(now)?;
        // An entry holds a place under the program's cap until its draw.
        self.check_cap(&req.member.key, 0)?;
        // writes
        Ok(self.new_entry(req, now))
    }

    /// A new entry, written and logged (lib.lua `write_entry`).
    fn new_entry(&mut self, req: &Grab<'_>, now: Millis) -> Entered {
        let entry = LotteryEntry {
            member: req.member.key.clone(),
            choices: req.choices.to_vec(),
            seats: req.seats.get(),
            card: req.member.card.clone(),
            channel: req.channel,
            entered_at: now,
            rank: None,
            won: None,
        };
        self.put_entry(entry.clone());
        self.log(
            now,
            LogOp::Entered {
                member: entry.member.clone(),
                choices: entry.choices.clone(),
                seats: entry.seats,
                card: entry.card.clone(),
                channel: entry.channel,
            },
        );
        Entered { entry, new: true }
    }

    /// An entry in place, with the counters (also as the journal tells it).
    pub(super) fn put_entry(&mut self, entry: LotteryEntry) {
        for p in &entry.choices {
            if let Some(stats) = self.pool_mut(p) {
                stats.entries += 1;
            }
        }
        self.entries.insert(entry.member.clone(), entry);
        self.draw.entries = self.entries.len() as i64;
    }

    pub(super) fn remove_entry(&mut self, member: &MemberKey) {
        if let Some(entry) = self.entries.remove(member) {
            for p in &entry.choices {
                if let Some(stats) = self.pool_mut(p) {
                    stats.entries -= 1;
                }
            }
        }
        self.draw.entries = self.entries.len() as i64;
    }

    /// Mirrors lua/lottery.lua's withdraw.
    pub(super) fn withdraw(&mut self, member: &MemberKey, now: Millis) -> Result<(), Error> {
        self.lottery_only()?;
        if !self.entries.contains_key(member) {
            return Err(Error::NotFound);
        }
        self.check_registration(now)?;
        // writes
        self.remove_entry(member);
        self.log(
            now,
            LogOp::Withdrawn {
                member: member.clone(),
            },
        );
        Ok(())
    }

    /// Mirrors lua/lottery.lua's public_value.
    pub(super) fn set_public_value(&mut self, value: &str, now: Millis) -> Result<(), Error> {
        // A fair window has no public value.
        if self.lottery_only()?.is_fair() {
            return Err(Error::NotLottery);
        }
        let (opens, closes) = (self.event.opens_at, self.event.closes_at);
        if sale_phase(self.status, opens, closes, now) != Phase::Closed {
            return Err(Error::DrawNotDue("registration_open"));
        }
        match &self.draw.public_value {
            Some(v) if v == value => return Ok(()),
            Some(v) => return Err(Error::PublicValueSet(v.clone())),
            None => {}
        }
        // writes
        self.draw.public_value = Some(value.to_owned());
        self.log(
            now,
            LogOp::PublicValue {
                value: value.to_owned(),
            },
        );
        Ok(())
    }
}
