//! Test support shared by the integration test crates: real redis-server
//! processes on free loopback ports, and helpers to build cards and events.
#![allow(dead_code)] // each test crate uses its own part of this module

pub mod app;
pub mod cluster;
pub mod redis_server;

use ticketgrab::domain::{
    CardNumber, Event, EventId, Millis, OrgPath, Pool, PoolId, with_check_digit,
};

/// The n-th test card: a valid 19-digit union card number.
pub fn card(n: u64) -> CardNumber {
    CardNumber::parse(&with_check_digit(&format!("6217{n:014}")))
        .expect("generated cards are valid")
}

pub fn pool_id(s: &str) -> PoolId {
    PoolId::parse(s).unwrap()
}

pub fn event_id(s: &str) -> EventId {
    EventId::parse(s).unwrap()
}

/// An event for members under `bj`, open from a second ago for an hour.
pub fn open_event(id: &str, pools: &[(&str, i64)]) -> Event {
    let now = Millis::now().0;
    event_between(id, pools, Millis(now - 1_000), Millis(now + 3_600_000))
}

pub fn event_between(
    id: &str,
    pools: &[(&str, i64)],
    opens_at: Millis,
    closes_at: Millis,
) -> Event {
    Event {
        id: event_id(id),
        title: format!("Test sale {id}"),
        org: OrgPath::parse("bj").unwrap(),
        opens_at,
        closes_at,
        price_fen: 500,
        pools: pools
            .iter()
            .map(|(p, total)| Pool {
                id: pool_id(p),
                title: format!("Pool {p}"),
                total: *total,
            })
            .collect(),
    }
}
