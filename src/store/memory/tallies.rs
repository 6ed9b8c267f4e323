//! A station's tallies of its day (issued, entered, redeemed, taken at the
//! counter), and an event's creation: the embedded store's smaller changes.

use super::journal::{Journal, Ticket};
use super::{EventData, MemoryStore};
use crate::domain::{Error, Event, Millis, StationDay};
use crate::store::LogOp;

impl MemoryStore {
    /// Creates `event` (its pools' stock logged as `created`) unless its id
    /// is taken; the journal's ticket to wait for before answering.
    pub(super) fn create(&self, event: &Event) -> (Result<(), Error>, Option<Ticket>) {
        let mut events = self.lock();
        // The program first, then the id: the Redis store's order.
        let tally = match MemoryStore::tally_for(&self.program_map(), event) {
            Ok(tally) => tally,
            Err(e) => return (Err(e), self.journal.as_ref().map(Journal::seen)),
        };
        if events.contains_key(&event.id) {
            return (
                Err(Error::EventExists),
                self.journal.as_ref().map(Journal::seen),
            );
        }
        let now = self.now();
        let mut data = EventData::new(event);
        data.tally = tally;
        for p in &event.pools {
            data.log(
                now,
                LogOp::Created {
                    pool: p.id.clone(),
                    delta: p.total,
                },
            );
        }
        let ticket = self
            .journal
            .as_ref()
            .map(|j| j.append_event(event, data.log.iter()));
        events.insert(event.id.clone(), data);
        (Ok(()), ticket)
    }
}

/// The key of a station's tally of `what` on `day` (lua/tally.lua's `pays`
/// field, without its `t:`).
pub(super) fn tally_key(station: &str, day: &str, what: &str) -> String {
    format!("{station}|{day}|{what}")
}

impl EventData {
    /// Mirrors lua/tally.lua.
    pub(super) fn tally(
        &mut self,
        station: &str,
        day: &str,
        what: &str,
        n: i64,
        now: Millis,
    ) -> Result<(), Error> {
        *self
            .tallies
            .entry(tally_key(station, day, what))
            .or_default() += n;
        self.log(
            now,
            LogOp::Tallied {
                station: station.to_owned(),
                day: day.to_owned(),
                what: what.to_owned(),
                n,
            },
        );
        Ok(())
    }

    pub(super) fn tallies(&self, station: &str, day: &str) -> StationDay {
        let get = |what| {
            self.tallies
                .get(&tally_key(station, day, what))
                .copied()
                .unwrap_or(0)
        };
        StationDay {
            issued: get("issued"),
            entered: get("entered"),
            redeemed: get("redeemed"),
            taken_fen: get("taken"),
        }
    }
}
