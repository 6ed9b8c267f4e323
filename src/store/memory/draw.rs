//! A lottery's draw in the embedded store, in the order of checks of
//! `lua/lottery.lua`: started or resumed under a lease, the entries read in
//! pages, batches of results, publication.

use super::EventData;
use crate::domain::Error;
use crate::domain::{LotteryEntry, Member, Millis, PoolId, WaitEntry};
use crate::store::{Begun, Drawer, DrawnEntry, LogOp, Made};

impl EventData {
    fn begun(&self) -> Begun {
        Begun {
            draw_id: self.draw.draw_id.clone().unwrap_or_default(),
            stock: self.draw.stock.clone(),
            entries: self.draw.entries,
            done: self.draw.drawn_at.is_some(),
        }
    }

    /// The lease is free for `owner`: theirs, or nobody's, or run out.
    fn check_lease(&self, owner: &str, now: Millis) -> Result<(), Error> {
        match &self.lease.0 {
            Some((holder, until)) if holder != owner && now < *until => Err(Error::DrawRunning),
            _ => Ok(()),
        }
    }

    /// Mirrors lua/lottery.lua's begin.
    pub(super) fn begin_draw(&mut self, d: &Drawer<'_>, now: Millis) -> Result<Begun, Error> {
        let (draw_at, fair) = {
            let l = self.lottery_only()?;
            (l.draw_at, l.is_fair())
        };
        if self.draw.drawn_at.is_some() {
            return Ok(self.begun());
        }
        if now < draw_at {
            return Err(Error::DrawNotDue("before_draw_at"));
        }
        if self.draw.public_value.is_none() && !fair {
            return Err(Error::DrawNotDue("no_public_value"));
        }
        self.check_lease(d.owner, now)?;
        // writes
        if self.draw.draw_id.is_none() {
            self.draw.draw_id = Some(d.draw_id.to_owned());
            self.draw.stock = self
                .pools
                .iter()
                .map(|p| (p.id.clone(), p.remaining))
                .collect();
        }
        let until = Millis(now.0 + d.lease_ms);
        self.lease.0 = Some((d.owner.to_owned(), until));
        self.log(
            now,
            LogOp::DrawBegun {
                draw: self.draw.draw_id.clone().expect("set above"),
                stock: self.draw.stock.clone(),
                owner: d.owner.to_owned(),
                until,
            },
        );
        Ok(self.begun())
    }

    /// Pages of 10,000 entries, in member key order: the cursor is the
    /// number of entries before the page.
    pub(super) fn entries_page(&self, cursor: u64) -> (Vec<LotteryEntry>, u64) {
        const PAGE: usize = 10_000;
        let from = usize::try_from(cursor).unwrap_or(usize::MAX);
        let page: Vec<LotteryEntry> = self
            .entries
            .values()
            .skip(from)
            .take(PAGE)
            .cloned()
            .collect();
        let next = if from + page.len() < self.entries.len() {
            (from + page.len()) as u64
        } else {
            0
        };
        (page, next)
    }

    /// The draw's runner, checked: the draw in force, and the lease theirs.
    fn check_drawer(&self, d: &Drawer<'_>, now: Millis) -> Result<(), Error> {
        self.lottery_only()?;
        if self.draw.draw_id.as_deref() != Some(d.draw_id) {
            return Err(Error::DrawRunning);
        }
        self.check_lease(d.owner, now)
    }

    /// Mirrors lua/lottery.lua's write.
    pub(super) fn write_draw(
        &mut self,
        d: &Drawer<'_>,
        batch: &[DrawnEntry],
        now: Millis,
    ) -> Result<usize, Error> {
        self.check_drawer(d, now)?;
        if self.draw.drawn_at.is_some() {
            return Ok(0);
        }
        let cutoff = self.event.drawn_waiting_cutoff().ok_or(Error::NotLottery)?;
        // Every check first: each entry exists, and the seats won fit.
        let mut need: Vec<(PoolId, i64)> = Vec::new();
        for x in batch {
            let e = self.entries.get(&x.member).ok_or_else(|| {
                Error::Corrupt(format!(
                    "draw result for {} who did not enter",
                    x.member.as_str()
                ))
            })?;
            let unranked = |e: &LotteryEntry| LotteryEntry {
                rank: None,
                won: None,
                ..e.clone()
            };
            if unranked(e) != unranked(&x.entry) {
                return Err(Error::Corrupt(format!(
                    "the entry of {} is not the one drawn",
                    x.member.as_str()
                )));
            }
            if let (None, Some(pool)) = (e.rank, &x.won) {
                match need.iter_mut().find(|(p, _)| p == pool) {
                    Some((_, n)) => *n += i64::from(e.seats),
                    None => need.push((pool.clone(), i64::from(e.seats))),
                }
            }
        }
        for (pool, n) in &need {
            let left = self
                .pools
                .iter()
                .find(|p| &p.id == pool)
                .map(|p| p.remaining);
            if left.is_none_or(|left| left < *n) {
                return Err(Error::Corrupt(format!(
                    "the draw gives {n} seats of {pool}, which has {left:?}"
                )));
            }
        }
        // writes
        self.lease.0 = Some((d.owner.to_owned(), Millis(now.0 + d.lease_ms)));
        let mut written = 0;
        for x in batch {
            let e = self.entries.get_mut(&x.member).expect("checked");
            if e.rank.is_some() {
                continue;
            }
            e.rank = Some(x.rank);
            e.won = x.won.clone();
            let e = e.clone();
            self.put_result(&e, &x.code, cutoff, now);
            written += 1;
        }
        self.draw.written += written as i64;
        Ok(written)
    }

    /// A drawn entry's ticket or waiting-list place, logged.
    fn put_result(
        &mut self,
        e: &LotteryEntry,
        code: &crate::domain::Code,
        cutoff: Millis,
        now: Millis,
    ) {
        let code = self.free_code(code);
        let rank = e.rank.expect("drawn");
        match &e.won {
            Some(pool) => {
                let member = Member {
                    key: e.member.clone(),
                    card: e.card.clone(),
                };
                let ticket = Made::from(&self.new_ticket(
                    &code,
                    (pool, None),
                    e.seats,
                    e.channel,
                    &member,
                    now,
                ));
                self.log(now, LogOp::Won { ticket, rank });
            }
            None => {
                let w = WaitEntry {
                    member: e.member.clone(),
                    order: u64::from(rank),
                    choices: e.choices.clone(),
                    seats: e.seats,
                    cutoff,
                    card: e.card.clone(),
                    channel: e.channel,
                    joined_at: now,
                    code: code.clone(),
                    parts: Vec::new(),
                };
                self.log(
                    now,
                    LogOp::Drawn {
                        member: w.member.clone(),
                        order: w.order,
                        code,
                    },
                );
                self.put_waiting(w);
            }
        }
    }

    /// Mirrors lua/lottery.lua's finish.
    pub(super) fn finish_draw(
        &mut self,
        d: &Drawer<'_>,
        digest: &str,
        draw_seed: &str,
        now: Millis,
    ) -> Result<(), Error> {
        self.check_drawer(d, now)?;
        if self.draw.drawn_at.is_some() {
            return Ok(());
        }
        if self.draw.written != self.draw.entries {
            return Err(Error::Corrupt(format!(
                "{} of {} results written",
                self.draw.written, self.draw.entries
            )));
        }
        // writes
        self.lease.0 = None;
        self.draw.drawn_at = Some(now);
        self.draw.entries_digest = Some(digest.to_owned());
        self.draw.draw_seed = Some(draw_seed.to_owned());
        self.log(
            now,
            LogOp::DrawDone {
                entries_digest: digest.to_owned(),
                draw_seed: draw_seed.to_owned(),
            },
        );
        // Seats given back while the draw was written go to the waiting
        // list now, in draw order.
        let pools: Vec<PoolId> = self.pools.iter().map(|p| p.id.clone()).collect();
        for pool in &pools {
            self.serve_waiting(pool, now);
        }
        Ok(())
    }
}
