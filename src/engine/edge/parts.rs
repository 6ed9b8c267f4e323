//! A pool's kept parts (shares, allotments; docs/design/shares.md) as a
//! front end's read model follows them from the log: so "sold out" is
//! answered per member from memory (a member outside every part when
//! everyone's seats are gone, a part's member when theirs are gone too),
//! and the flood after everyone's seats are gone never reaches the store.
//!
//! Every count errs one way only: never fewer seats than the store has. A
//! seat given back whose part the model cannot tell counts for everyone and
//! for every part; a release near by the front end's clock is the store's
//! to decide. So the model may ask the store when it need not, and never
//! refuses a grab the store would take.

use crate::domain::{Group, Kept, Millis, OrgPath, Pool, PoolStats, candidates};

pub(super) struct PoolParts {
    defs: Vec<Kept>,
    /// Seats each part has left; `None` once released.
    left: Vec<Option<i64>>,
    /// Seats anyone may take.
    public: i64,
}

impl PoolParts {
    /// A pool's parts at the model's start; `None` for a pool without.
    pub(super) fn of(stats: &PoolStats, pool: &Pool) -> Option<Self> {
        (!pool.kept.is_empty()).then(|| Self {
            defs: pool.kept.clone(),
            left: stats
                .kept
                .iter()
                .map(|k| (!k.released).then_some(k.left))
                .collect(),
            public: stats.public(),
        })
    }

    fn slot(&mut self, part: u8) -> Option<&mut i64> {
        let i = usize::from(part).checked_sub(1)?;
        self.left.get_mut(i)?.as_mut()
    }

    /// `seats` taken from `part` (`None`: everyone's). A take from a part
    /// the model holds released changes nothing (never fewer seats).
    pub(super) fn take(&mut self, part: Option<u8>, seats: i64) {
        match part {
            None => self.public -= seats,
            Some(n) => {
                if let Some(left) = self.slot(n) {
                    *left -= seats;
                }
            }
        }
    }

    /// `seats` of a ticket of `part` given back: to the part while it is
    /// unreleased, else everyone's. `known` false: the model does not know
    /// the ticket's part, and every count gets them.
    pub(super) fn give_back(&mut self, part: Option<u8>, known: bool, seats: i64) {
        if !known {
            self.public += seats;
            for left in self.left.iter_mut().flatten() {
                *left += seats;
            }
            return;
        }
        match part.and_then(|n| self.slot(n)) {
            Some(left) => *left += seats,
            None => self.public += seats,
        }
    }

    /// A part released with what the store says it had left.
    pub(super) fn released(&mut self, part: u8, seats: i64) {
        if let Some(left) = usize::from(part)
            .checked_sub(1)
            .and_then(|i| self.left.get_mut(i))
        {
            *left = None;
        }
        self.public += seats;
    }

    /// Staff moved `seats` from part `from` to part `to` (0: everyone's).
    pub(super) fn moved(&mut self, from: u8, to: u8, seats: i64) {
        self.take(Some(from).filter(|n| *n > 0), seats);
        self.give_back(Some(to).filter(|n| *n > 0), true, seats);
    }

    /// A restock changes everyone's seats.
    pub(super) fn restocked(&mut self, delta: i64) {
        self.public += delta;
    }

    /// Whether a member of `org` in `groups` may find `seats` here at
    /// `now`, or only the store can tell (a part's release within `margin`
    /// of the front end's clock, or past it: the store releases it first).
    pub(super) fn may_take(
        &self,
        org: Option<&OrgPath>,
        groups: &[Group],
        seats: i64,
        now: Millis,
        margin: i64,
    ) -> bool {
        let near = self
            .defs
            .iter()
            .zip(&self.left)
            .any(|(k, left)| left.is_some() && k.release_at.0 - margin <= now.0);
        near || self.public >= seats
            || candidates(&self.defs, org, groups, now)
                .into_iter()
                .any(|i| self.left[i].is_some_and(|left| left >= seats))
    }
}
