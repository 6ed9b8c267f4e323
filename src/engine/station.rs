//! A station's day: what it issued, entered, redeemed and took at its
//! counter, tallied in each sale's store (lua/tally.lua) so that every
//! screen and front end reads the same figures, by Beijing day.

use super::Engine;
use crate::domain::{Error, EventId, Millis, StationDay};

/// Beijing's calendar day now, `2026-12-07`.
pub fn beijing_day() -> String {
    Millis::now().beijing()[..10].to_owned()
}

impl Engine {
    /// Adds `n` to `station`'s tally of `what` today in `event`.
    pub async fn tally(
        &self,
        event: &EventId,
        station: &str,
        what: &str,
        n: i64,
    ) -> Result<(), Error> {
        self.store
            .tally(event, station, &beijing_day(), what, n)
            .await
    }

    /// `station`'s figures today over `events`.
    pub async fn station_day(
        &self,
        events: &[EventId],
        station: &str,
    ) -> Result<StationDay, Error> {
        let day = beijing_day();
        let each = futures_util::future::join_all(
            events.iter().map(|e| self.store.tallies(e, station, &day)),
        )
        .await;
        let mut total = StationDay::default();
        for figures in each {
            total.add(figures?);
        }
        Ok(total)
    }
}
