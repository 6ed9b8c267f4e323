//! The waiting list of the embedded store, in the order of `lua/wait.lua`
//! and lib.lua's `serve_waiting` (the no-show release: release.rs).

use super::EventData;
use crate::domain::Error;
use crate::domain::{
    Code, LeftReason, MAX_SEATS, Member, MemberKey, Millis, PoolId, SaleStatus, Status, WaitEntry,
    Waiting,
};
use crate::store::{Find, Join, LogOp, Made};

/// Crockford base32 as `Code` uses it, for `free_code`.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl EventData {
    /// The member's entry with the entries ahead of it.
    pub(super) fn waiting_of(&self, member: &MemberKey) -> Option<Waiting> {
        let order = *self.waiting_by_member.get(member)?;
        Some(Waiting {
            entry: self.waiting[&order].clone(),
            ahead: self.waiting.range(..order).count() as u64,
        })
    }

    /// The member's entry as a read shows it at `now`: the entries ahead
    /// that have not lapsed, each one's cutoff read when there are at most
    /// `LIVE_AHEAD_READ` ahead (lua/read.lua's `live_ahead`).
    pub(super) fn waiting_at(&self, member: &MemberKey, now: Millis) -> Option<Waiting> {
        const LIVE_AHEAD_READ: u64 = 200;
        let mut w = self.waiting_of(member)?;
        if w.ahead <= LIVE_AHEAD_READ {
            w.ahead = self
                .waiting
                .range(..w.entry.order)
                .filter(|(_, e)| e.cutoff > now)
                .count() as u64;
        }
        Some(w)
    }

    /// Mirrors lua/wait.lua's join.
    pub(super) fn join(
        &mut self,
        req: &Join<'_>,
        code: &Code,
        now: Millis,
    ) -> Result<Waiting, Error> {
        let grab = &req.grab;
        if self.event.is_lottery_sale() {
            return Err(Error::LotterySale);
        }
        self.check_request(grab)?;
        self.release_due(now);
        let member = &grab.member.key;
        let mut stale = None;
        if let Some(held) = self.find(&Find::Member(member.clone())) {
            if held.status == Status::Held && held.pay_by.is_some_and(|by| now >= by) {
                stale = Some(held.code.clone());
            } else if held.status.is_live() {
                return Err(Error::AlreadyHolding(Box::new(held.clone())));
            }
        }
        let lapsed = match self.waiting_of(member) {
            Some(w) if now < w.entry.cutoff => return Err(Error::AlreadyWaiting(Box::new(w))),
            Some(_) => true,
            None => false,
        };
        self.check_window(now)?;
        if self.fair_pending() {
            return Err(Error::DrawPending);
        }
        self.check_cap(member, u32::from(stale.is_some()))?;
        let closes_at = self.event.closes_at;
        let cutoff = req.cutoff.unwrap_or(closes_at);
        if cutoff <= now || cutoff > closes_at {
            return Err(Error::BadCutoff { closes_at });
        }
        if let Some((pool, _)) = self.choose_for(grab, now) {
            return Err(Error::NotSoldOut(pool.to_string()));
        }
        if self.reservations.contains_key(code) {
            return Err(Error::CodeTaken);
        }
        // writes
        if let Some(stale) = stale {
            self.expire(&stale, now);
            if let Some((pool, _)) = self.choose_for(grab, now) {
                return Err(Error::NotSoldOut(pool.to_string()));
            }
        }
        if lapsed {
            self.drop_waiting(member, Some(LeftReason::Lapsed), now);
        }
        self.wseq += 1;
        let entry = WaitEntry {
            member: member.clone(),
            order: self.wseq,
            choices: grab.choices.to_vec(),
            seats: grab.seats.get(),
            cutoff,
            card: grab.member.card.clone(),
            channel: grab.channel,
            joined_at: now,
            code: code.clone(),
            parts: self.eligible(grab, now),
        };
        self.log(
            now,
            LogOp::Waiting {
                member: member.clone(),
                order: entry.order,
                choices: entry.choices.clone(),
                seats: entry.seats,
                cutoff,
                channel: entry.channel,
                card: entry.card.clone(),
                code: Some(code.clone()),
                parts: entry.parts.clone(),
            },
        );
        self.put_waiting(entry);
        Ok(self.waiting_of(member).expect("just joined"))
    }

    /// Mirrors lua/wait.lua's leave.
    pub(super) fn leave(&mut self, member: &MemberKey, now: Millis) -> Result<(), Error> {
        let w = self.waiting_of(member).ok_or(Error::NotFound)?;
        // writes
        let reason = if now >= w.entry.cutoff {
            LeftReason::Lapsed
        } else {
            LeftReason::Left
        };
        self.drop_waiting(member, Some(reason), now);
        Ok(())
    }

    /// Removes a member's entry; logs `left` unless it was served (`None`).
    /// Mirrors lib.lua's `drop_waiting`.
    pub(super) fn drop_waiting(
        &mut self,
        member: &MemberKey,
        reason: Option<LeftReason>,
        now: Millis,
    ) {
        if let Some(order) = self.waiting_by_member.remove(member)
            && let Some(entry) = self.waiting.remove(&order)
        {
            self.count_waiting(&entry, -1);
        }
        if let Some(reason) = reason {
            self.log(
                now,
                LogOp::Left {
                    member: member.clone(),
                    reason,
                },
            );
        }
    }

    /// An entry in place on the list (a join, a drawn lottery entry, or as
    /// the journal tells it).
    pub(super) fn put_waiting(&mut self, entry: WaitEntry) {
        self.wseq = self.wseq.max(entry.order);
        self.waiting_by_member
            .insert(entry.member.clone(), entry.order);
        self.count_waiting(&entry, 1);
        if let Some(replaced) = self.waiting.insert(entry.order, entry) {
            self.count_waiting(&replaced, -1);
        }
    }

    fn count_waiting(&mut self, entry: &WaitEntry, delta: i64) {
        // Once per pool, as the view counted (choices never repeat a pool).
        for (i, pool) in entry.choices.iter().enumerate() {
            if entry.choices[..i].contains(pool) {
                continue;
            }
            *self.waiting_per_pool.entry(pool.clone()).or_default() += delta;
        }
    }

    /// Mirrors lib.lua's `free_code`.
    pub(super) fn free_code(&self, code: &Code) -> Code {
        let mut code = code.as_str().as_bytes().to_vec();
        while self
            .reservations
            .contains_key(&Code::parse(std::str::from_utf8(&code).expect("ascii")).expect("a code"))
        {
            let last = code.last_mut().expect("12 characters");
            let i = CODE_ALPHABET
                .iter()
                .position(|c| c == last)
                .expect("alphabet");
            *last = CODE_ALPHABET[(i + 1) % 32];
        }
        Code::parse(std::str::from_utf8(&code).expect("ascii")).expect("a code")
    }

    /// Everyone's seats came back to `pool`: lib.lua's `serve_waiting`.
    pub(super) fn serve_waiting(&mut self, pool: &PoolId, now: Millis) {
        self.serve(pool, None, now);
    }

    /// Seats came back to kept part `part` of `pool` (`None`: nothing to
    /// do): lib.lua's `serve_part`.
    pub(super) fn serve_part(&mut self, pool: &PoolId, part: Option<u8>, now: Millis) {
        if part.is_some() {
            self.serve(pool, part, now);
        }
    }

    /// Mirrors lib.lua's `serve`: everyone's seats of `pool` (`part` None)
    /// to the entries that rank it, or a part's to the entries that may
    /// take from it, in order.
    fn serve(&mut self, pool: &PoolId, part: Option<u8>, now: Millis) {
        // While a lottery is drawn, its stock is the draw's.
        if self.waiting.is_empty() || self.status == SaleStatus::Closed || self.drawing() {
            return;
        }
        let key = part.map(|n| (pool.clone(), n));
        loop {
            let free = match part {
                None => self.public_free(pool),
                Some(n) => self
                    .pools
                    .iter()
                    .find(|p| &p.id == pool)
                    .and_then(|p| p.kept.iter().find(|k| k.part == n && !k.released))
                    .map_or(0, |k| k.left),
            }
            .min(i64::from(MAX_SEATS));
            let fits = |w: &&WaitEntry| match &key {
                None => w.choices.contains(pool),
                Some(k) => w.parts.contains(k),
            } && i64::from(w.seats) <= free;
            let Some(w) = self.waiting.values().find(fits).cloned() else {
                return;
            };
            if now >= w.cutoff {
                self.drop_waiting(&w.member, Some(LeftReason::Lapsed), now);
                continue;
            }
            // A member who reached the program's cap elsewhere leaves the list.
            if self.check_cap(&w.member, 0).is_err() {
                self.drop_waiting(&w.member, Some(LeftReason::ProgramCap), now);
                continue;
            }
            // Everyone's seats: the first of the entry's ranked pools with them.
            let take = match part {
                Some(_) => pool.clone(),
                None => self
                    .first_free(&w.choices, w.seats)
                    .unwrap_or_else(|| pool.clone()),
            };
            let code = self.free_code(&w.code);
            self.drop_waiting(&w.member, None, now);
            let member = Member {
                key: w.member.clone(),
                card: w.card.clone(),
            };
            let ticket = Made::from(&self.new_ticket(
                &code,
                (&take, part),
                w.seats,
                w.channel,
                &member,
                now,
            ));
            self.log(
                now,
                LogOp::Assigned {
                    ticket,
                    order: w.order,
                },
            );
        }
    }
}
