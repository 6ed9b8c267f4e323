//! Events, their pools, and what the store reports about them.

use serde::Serialize;

use super::{EventId, Millis, OrgPath, PoolId};
use crate::error::Error;

/// Most pools one event may have (the theatre sale has 8 shows).
pub const MAX_POOLS: usize = 64;
/// Largest pool: well above the biggest real sale (25,000).
pub const MAX_POOL_TOTAL: i64 = 10_000_000;

/// A pool of identical tickets: one show, one park pass kind, one cinema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Pool {
    pub id: PoolId,
    pub title: String,
    /// Tickets at creation; restocks change the live total, not this.
    pub total: i64,
}

/// A sale as staff create it. Immutable once created, except for its status and
/// the pools' live totals and stock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    pub id: EventId,
    pub title: String,
    /// Members under this path may take part.
    pub org: OrgPath,
    pub opens_at: Millis,
    pub closes_at: Millis,
    pub price_fen: i64,
    pub pools: Vec<Pool>,
}

impl Event {
    /// Checks what the type system cannot: a sensible window, price and pools.
    pub fn validate(&self) -> Result<(), Error> {
        check_title("event title", &self.title)?;
        if self.opens_at >= self.closes_at {
            return Err(Error::invalid("opens_at must be before closes_at"));
        }
        if self.price_fen < 0 {
            return Err(Error::invalid("price_fen must not be negative"));
        }
        if self.pools.is_empty() || self.pools.len() > MAX_POOLS {
            return Err(Error::invalid(format!(
                "an event has 1 to {MAX_POOLS} pools"
            )));
        }
        for (i, pool) in self.pools.iter().enumerate() {
            check_title("pool title", &pool.title)?;
            if !(1..=MAX_POOL_TOTAL).contains(&pool.total) {
                return Err(Error::invalid(format!(
                    "pool {} total must be 1 to {MAX_POOL_TOTAL}",
                    pool.id
                )));
            }
            if self.pools[..i].iter().any(|p| p.id == pool.id) {
                return Err(Error::invalid(format!("pool {} appears twice", pool.id)));
            }
        }
        Ok(())
    }
}

fn check_title(what: &str, s: &str) -> Result<(), Error> {
    if s.trim().is_empty() || s.chars().count() > 200 || s.chars().any(char::is_control) {
        return Err(Error::invalid(format!(
            "{what} must be 1 to 200 printable characters"
        )));
    }
    Ok(())
}

/// Whether staff let the sale run. The time window is separate: an `open` sale
/// still refuses grabs before `opens_at` and after `closes_at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SaleStatus {
    Open,
    Paused,
    Closed,
}

impl SaleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Paused => "paused",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Error> {
        match s {
            "open" => Ok(Self::Open),
            "paused" => Ok(Self::Paused),
            "closed" => Ok(Self::Closed),
            _ => Err(Error::Corrupt(format!("unknown sale status {s:?}"))),
        }
    }
}

/// A staff action on a sale's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusAction {
    Pause,
    Resume,
    Close,
}

impl StatusAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::Close => "close",
        }
    }
}

/// Live numbers of one pool. `remaining + active + redeemed == total` always.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PoolStats {
    pub id: PoolId,
    pub title: String,
    pub total: i64,
    pub remaining: i64,
    pub active: i64,
    pub redeemed: i64,
    pub cancelled: i64,
}

/// An event with its live state, read in one atomic step from the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventView {
    pub event: Event,
    pub status: SaleStatus,
    pub pools: Vec<PoolStats>,
    /// The store's clock when this was read.
    pub server_time: Millis,
}

impl EventView {
    /// What a member sees as the sale's state at `server_time`.
    pub fn phase(&self) -> &'static str {
        match self.status {
            SaleStatus::Closed => "closed",
            _ if self.server_time >= self.event.closes_at => "closed",
            SaleStatus::Paused => "paused",
            _ if self.server_time < self.event.opens_at => "upcoming",
            _ if self.pools.iter().all(|p| p.remaining == 0) => "sold_out",
            _ => "open",
        }
    }
}
