//! The test kit of ticketgrab, for its tests, benches and load harness:
//!
//! - [`redis_server`]: a real `redis-server` on a free loopback port, killed on drop;
//!   [`free_port`].
//! - [`cluster`]: a real 3-master Redis Cluster (with replicas when asked).
//! - [`app`]: `spawn_app()`, the real service on port 0, and a `TestApp` with
//!   one method per thing a client does.
//! - [`router`]: the router on the memory store, requests by `oneshot`, no socket.
//! - here: test cards and events.
//!
//! A missing `redis-server` fails the test with the Debian package to install.

pub mod app;
pub mod cluster;
pub mod redis_server;
pub mod router;

pub use redis_server::{RedisServer, free_port};

use ticketgrab::domain::{
    CardNumber, Event, EventId, Millis, OrgPath, Pool, PoolId, with_check_digit,
};

/// Whether server flags choose a store (Redis, a data directory, memory).
pub fn names_a_store(flags: &[&str]) -> bool {
    flags.iter().any(|f| {
        ["--redis-url", "--redis-cluster", "--data-dir", "--memory"]
            .iter()
            .any(|s| f.starts_with(s))
    })
}

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
        max_seats: 1,
        hold_ms: 0,
        details: Default::default(),
        pools: pools
            .iter()
            .map(|(p, total)| Pool {
                kept: Vec::new(),
                id: pool_id(p),
                title: format!("Pool {p}"),
                total: *total,
                details: Default::default(),
            })
            .collect(),
        lottery: None,
        program: None,
    }
}

/// A lottery for members under `bj`: registration open from a second ago
/// until `closes_in_ms`, drawn from its close, its public value named
/// "drand round 1".
pub fn lottery_event(id: &str, pools: &[(&str, i64)], closes_in_ms: i64) -> Event {
    let now = Millis::now().0;
    let closes = Millis(now + closes_in_ms);
    Event {
        lottery: Some(ticketgrab::domain::Lottery::new(
            closes,
            "drand round 1".into(),
        )),
        ..event_between(id, pools, Millis(now - 1_000), closes)
    }
}

/// A race whose fair window opened a moment ago and ends in `window_ms`,
/// drawn `grace_ms` after its end (the service's grace is 5 s; tests
/// wait less); it closes in an hour.
pub fn fair_event(id: &str, pools: &[(&str, i64)], window_ms: i64, grace_ms: i64) -> Event {
    let now = Millis::now().0;
    let opens = Millis(now - 100);
    let mut lottery = ticketgrab::domain::Lottery::fair(opens, window_ms + 100);
    lottery.draw_at = Millis(now + window_ms + grace_ms);
    Event {
        lottery: Some(lottery),
        ..event_between(id, pools, opens, Millis(now + 3_600_000))
    }
}

/// A program for members under `bj` that allows `cap` tickets a member,
/// from a day ago for a year.
pub fn program(id: &str, cap: u32) -> ticketgrab::domain::Program {
    let now = Millis::now().0;
    ticketgrab::domain::Program {
        id: ticketgrab::domain::ProgramId::parse(id).unwrap(),
        title: format!("Test program {id}"),
        org: OrgPath::parse("bj").unwrap(),
        starts_at: Millis(now - 86_400_000),
        ends_at: Millis(now + 365 * 86_400_000),
        cap,
        draw_order: ticketgrab::domain::DrawOrder::Rank,
    }
}

/// An open sale of `program` (see [`open_event`]).
pub fn program_sale(id: &str, program: &str, pools: &[(&str, i64)]) -> Event {
    Event {
        program: Some(ticketgrab::domain::ProgramId::parse(program).unwrap()),
        ..open_event(id, pools)
    }
}

/// The n-th test member's token (card `card(n)`), valid an hour.
pub fn member_token(minter: &ticketgrab::tokens::Minter, n: u64, org: &str) -> String {
    minter.member(&card(n), &OrgPath::parse(org).unwrap(), 3600)
}

/// A staff token of this role for this org, valid an hour.
pub fn staff_token(
    minter: &ticketgrab::tokens::Minter,
    role: ticketgrab::tokens::Role,
    org: &str,
) -> String {
    let id = match role {
        ticketgrab::tokens::Role::Admin => "admin-1",
        ticketgrab::tokens::Role::Station => "station-1",
    };
    minter.staff(id, role, &OrgPath::parse(org).unwrap(), 3600)
}
