//! The no-show release of the embedded store, in the order of
//! `lua/release.lua`.

use super::EventData;
use crate::domain::Error;
use crate::domain::{Code, Millis, PoolId, Status};
use crate::store::{LogOp, Released};

impl EventData {
    /// Mirrors lua/release.lua.
    pub(super) fn release(&mut self, pool: &PoolId, now: Millis) -> Result<Released, Error> {
        if self.pool_mut(pool).is_none() {
            return Err(Error::UnknownPool(pool.to_string()));
        }
        if now < self.event.opens_at {
            return Err(Error::NotOpen {
                opens_at: self.event.opens_at,
                server_time: now,
            });
        }
        let mut codes: Vec<Code> = self
            .reservations
            .values()
            .filter(|r| &r.pool == pool && r.status == Status::Active)
            .map(|r| r.code.clone())
            .collect();
        codes.sort();
        // writes
        self.release_due(now);
        let mut seats = 0;
        // The kept parts its tickets' seats went back to, served in part order.
        let mut touched = std::collections::BTreeSet::new();
        for code in &codes {
            let r = self.reservations.get_mut(code).expect("listed above");
            r.status = Status::NoShow;
            r.cancelled_at = Some(now);
            let (member, n, part) = (r.member.clone(), r.seats, r.part);
            seats += i64::from(n);
            if self.count_part(pool, part, -i64::from(n)) {
                touched.extend(part);
            }
            self.log(
                now,
                LogOp::NoShow {
                    code: code.clone(),
                    pool: pool.clone(),
                    member,
                    seats: n,
                },
            );
        }
        if seats > 0 {
            let stats = self.pool_mut(pool).expect("checked above");
            stats.remaining += seats;
            stats.active -= seats;
            stats.no_show += seats;
            for part in touched {
                self.serve_part(pool, Some(part), now);
            }
            self.serve_waiting(pool, now);
        }
        Ok(Released {
            reservations: codes.len() as i64,
            seats,
        })
    }
}
