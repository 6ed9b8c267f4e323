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
            && (now >= self.event.closes_at || self.status == SaleStatus::Closed)
    }

    /// Where members may enter or withdraw: the sale window, and no draw.
    fn check_registration(&self, now: Millis) -> Result<(), Error> {
        self.check_window(now)?;
        if self.draw.draw_id.is_some() {
            return Err(Error::Closed);
        }
        Ok(())
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
        Ok(Entered { entry, new: true })
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
        self.lottery_only()?;
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
