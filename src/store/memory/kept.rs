//! Kept parts of a pool in the embedded store (docs/design/shares.md):
//! which part a grab takes from, seats given back, and the release of what
//! a part has left at its time, in the order of lua/lib.lua's `choose`,
//! `give_back` and `release_due`.

use super::EventData;
use crate::domain::{Group, Kept, Millis, OrgPath, PoolId, candidates};
use crate::store::LogOp;

impl EventData {
    /// The pool's kept parts as defined at creation (none: a plain pool).
    fn kept_of(&self, pool: &PoolId) -> &[Kept] {
        self.event
            .pools
            .iter()
            .find(|p| &p.id == pool)
            .map_or(&[], |p| p.kept.as_slice())
    }

    /// Seats of `pool` anyone may take (`PoolStats::public`).
    pub(super) fn public_free(&self, pool: &PoolId) -> i64 {
        self.pools
            .iter()
            .find(|p| &p.id == pool)
            .map_or(0, |p| p.public())
    }

    /// The first of `choices` with `seats` free to anyone, for a waiting
    /// entry (which takes the public's seats only).
    pub(super) fn first_free(&self, choices: &[PoolId], seats: u8) -> Option<PoolId> {
        choices
            .iter()
            .find(|p| self.public_free(p) >= i64::from(seats))
            .cloned()
    }

    /// Where a grab of `seats` by a member of `org` in `groups` takes them
    /// from: in the order of `choices`, each pool's parts the member may
    /// take from (`domain::candidates`), then its public stock. Parts due
    /// for release are released before (`release_due`), so an unreleased
    /// part is one whose time has not come.
    pub(super) fn choose(
        &self,
        choices: &[PoolId],
        seats: u8,
        org: Option<&OrgPath>,
        groups: &[Group],
        now: Millis,
    ) -> Option<(PoolId, Option<u8>)> {
        let seats = i64::from(seats);
        for pool in choices {
            let Some(stats) = self.pools.iter().find(|p| &p.id == pool) else {
                continue;
            };
            for i in candidates(self.kept_of(pool), org, groups, now) {
                let part = &stats.kept[i];
                if !part.released && part.left >= seats {
                    return Some((pool.clone(), Some(part.part)));
                }
            }
            if stats.public() >= seats {
                return Some((pool.clone(), None));
            }
        }
        None
    }

    /// [`EventData::choose`] for a grab's member, choices and seats.
    pub(super) fn choose_for(
        &self,
        req: &crate::store::Grab<'_>,
        now: Millis,
    ) -> Option<(PoolId, Option<u8>)> {
        self.choose(req.choices, req.seats.get(), req.org, req.groups, now)
    }

    /// The kept parts of a join's pools its member may take from (lib.lua
    /// `kept().eligible`): per pool, as `choose` tries them.
    pub(super) fn eligible(&self, req: &crate::store::Grab<'_>, now: Millis) -> Vec<(PoolId, u8)> {
        let mut out = Vec::new();
        for pool in req.choices.iter() {
            for i in candidates(self.kept_of(pool), req.org, req.groups, now) {
                out.push((
                    pool.clone(),
                    u8::try_from(i + 1).expect("at most MAX_KEPT parts"),
                ));
            }
        }
        out
    }

    /// Seats taken from (negative: given back to) a part, whose figures
    /// follow; `None` or a released part: the public's (nothing to count).
    /// Whether it counted (the part was unreleased).
    pub(super) fn count_part(&mut self, pool: &PoolId, part: Option<u8>, taken: i64) -> bool {
        let Some(n) = part else { return false };
        if let Some(stats) = self.pool_mut(pool)
            && let Some(k) = stats.kept.iter_mut().find(|k| k.part == n && !k.released)
        {
            k.left -= taken;
            return true;
        }
        false
    }

    /// The earliest release time of a part not yet released.
    pub(super) fn next_release(&self) -> Option<Millis> {
        self.event
            .pools
            .iter()
            .zip(&self.pools)
            .flat_map(|(p, s)| p.kept.iter().zip(&s.kept))
            .filter(|(_, left)| !left.released)
            .map(|(k, _)| k.release_at)
            .min()
    }

    /// Releases every part whose time has come, once each, in the event's
    /// pool order and each pool's part order: what it has left goes to the
    /// public stock, the waiting list first. Returns the parts released.
    /// Every change that touches a pool's stock runs it first, and the
    /// sweeper too (`expire_due`): a lagging sweeper changes nothing.
    pub(super) fn release_due(&mut self, now: Millis) -> usize {
        if self.next_release().is_none_or(|at| at > now) {
            return 0;
        }
        let mut due = Vec::new();
        for (p, s) in self.event.pools.iter().zip(&self.pools) {
            for (k, left) in p.kept.iter().zip(&s.kept) {
                if !left.released && k.release_at <= now {
                    due.push((p.id.clone(), left.part));
                }
            }
        }
        for (pool, part) in &due {
            let seats = self.mark_released(pool, *part);
            self.log(
                now,
                LogOp::Released {
                    pool: pool.clone(),
                    part: *part,
                    seats,
                },
            );
            self.serve_waiting(pool, now);
        }
        due.len()
    }

    /// Mirrors lua/move.lua: `seats` from part `from` of `pool` to part `to`
    /// (0: everyone's), both unreleased; returns what each has left after.
    pub(super) fn move_seats(
        &mut self,
        pool: &PoolId,
        (from, to): (u8, u8),
        seats: i64,
        now: Millis,
    ) -> Result<(i64, i64), crate::domain::Error> {
        use crate::domain::Error;
        self.release_due(now);
        let stats = self
            .pools
            .iter()
            .find(|p| &p.id == pool)
            .ok_or_else(|| Error::UnknownPool(pool.to_string()))?;
        let left = |n: u8| match n {
            0 => Some(stats.public()),
            n => stats
                .kept
                .iter()
                .find(|k| k.part == n && !k.released)
                .map(|k| k.left),
        };
        let (Some(has), Some(_)) = (left(from), left(to)) else {
            return Err(Error::PartReleased);
        };
        if has < seats {
            return Err(Error::BelowZero { remaining: has });
        }
        // writes
        self.count_part(pool, Some(from).filter(|n| *n > 0), seats);
        self.count_part(pool, Some(to).filter(|n| *n > 0), -seats);
        self.log(
            now,
            LogOp::Moved {
                pool: pool.clone(),
                from,
                to,
                seats,
            },
        );
        if to == 0 {
            self.serve_waiting(pool, now);
        } else {
            self.serve_part(pool, Some(to), now);
        }
        let stats = self
            .pools
            .iter()
            .find(|p| &p.id == pool)
            .expect("found above");
        let left = |n: u8| match n {
            0 => stats.public(),
            n => stats
                .kept
                .iter()
                .find(|k| k.part == n)
                .map_or(0, |k| k.left),
        };
        Ok((left(from), left(to)))
    }

    /// Marks a part released (its seats are the public's now); returns the
    /// seats it had left. The journal's replay makes the same change.
    pub(super) fn mark_released(&mut self, pool: &PoolId, part: u8) -> i64 {
        let Some(stats) = self.pool_mut(pool) else {
            return 0;
        };
        let Some(k) = stats.kept.iter_mut().find(|k| k.part == part) else {
            return 0;
        };
        k.released = true;
        std::mem::take(&mut k.left)
    }
}
