//! Events, their pools, and what the store reports about them.

use serde::Serialize;

use super::{
    Details, DrawState, EventId, Lottery, LotteryPhase, MAX_TITLE_CHARS, Millis, OrgPath, PoolId,
    ProgramId,
};
use crate::domain::Error;

/// Most pools one event may have (the theatre sale has 8 shows).
pub const MAX_POOLS: usize = 64;
/// Largest pool: well above the biggest real sale (25,000).
pub const MAX_POOL_TOTAL: i64 = 10_000_000;
/// Most seats one reservation may hold (a family: "2 per card", a parent
/// with children). An event allows 1 to this many; 1 unless it says more.
pub const MAX_SEATS: u8 = 6;
/// A priced sale's payment hold unless staff set another.
pub const DEFAULT_HOLD_MINUTES: i64 = 15;
/// The longest payment hold: a day.
pub const MAX_HOLD_MS: i64 = 24 * 3600 * 1000;

/// A pool of identical tickets: one show, one park pass kind, one cinema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Pool {
    pub id: PoolId,
    pub title: String,
    /// Tickets at creation; restocks change the live total, not this.
    pub total: i64,
    /// Its English title, show time, place, notes; unset ones are the event's.
    pub details: Details,
    /// Seats kept for a group or a union until a time (domain/parts.rs):
    /// shares, then allotments. Empty: all of it public.
    pub kept: Vec<super::Kept>,
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
    /// Seats one reservation may hold (1 to [`MAX_SEATS`]). Stock, counts
    /// and the audit are in seats.
    pub max_seats: u8,
    /// How long a new reservation is held for payment, in ms; 0: no hold
    /// (free sales, or paid at the counter): a grab is a ticket at once.
    pub hold_ms: i64,
    /// Its English title, show time, place and how to use a ticket.
    pub details: Details,
    pub pools: Vec<Pool>,
    /// A lottery sale (`opens_at..closes_at` is the registration); `None`:
    /// a race, first come first served.
    pub lottery: Option<Lottery>,
    /// The program whose cap its tickets count under (programs.rs); `None`:
    /// a sale on its own, whose keys carry its own id as their hash tag.
    pub program: Option<ProgramId>,
}

/// The highest price a ticket may have: 10,000 yuan (a typo's extra zeros
/// are refused, not charged).
pub const MAX_PRICE_FEN: i64 = 1_000_000;

impl Event {
    /// Checks what the type system cannot: a sensible window, price and pools.
    /// When the sale's last show starts: the latest `starts_at` of the
    /// event and its pools, or its close when none says. After it nothing of
    /// the sale is due any more; a finished sale's age counts from it.
    pub fn last_show(&self) -> Millis {
        let starts = self.pools.iter().filter_map(|p| p.details.starts_at);
        starts
            .chain(self.details.starts_at)
            .max()
            .unwrap_or(self.closes_at)
            .max(self.closes_at)
    }

    /// A lottery sale: its tickets are drawn, never grabbed (a race with a
    /// fair window is a race).
    pub fn is_lottery_sale(&self) -> bool {
        self.lottery.as_ref().is_some_and(|l| !l.is_fair())
    }

    /// A race's fair window: its draw's rules, and the window's end.
    pub fn fair_window(&self) -> Option<(&Lottery, Millis)> {
        let l = self.lottery.as_ref().filter(|l| l.is_fair())?;
        Some((l, Millis(self.opens_at.0 + l.fair_window_ms)))
    }

    /// When a draw's registration closes: a fair window's end, else the
    /// sale's close.
    pub fn registration_closes(&self) -> Millis {
        self.fair_window().map_or(self.closes_at, |(_, end)| end)
    }

    /// Until when a drawn entry without seats waits for a returned seat: a
    /// fair window's, until the race closes; a lottery's, `waiting_cutoff`.
    pub fn drawn_waiting_cutoff(&self) -> Option<Millis> {
        let l = self.lottery.as_ref()?;
        Some(if l.is_fair() {
            self.closes_at
        } else {
            l.waiting_cutoff(self.details.starts_at)
        })
    }

    pub fn validate(&self) -> Result<(), Error> {
        check_title("event title", &self.title)?;
        self.details.validate("event", self.opens_at)?;
        if self.opens_at >= self.closes_at {
            return Err(Error::invalid("opens_at must be before closes_at"));
        }
        if self.price_fen < 0 {
            return Err(Error::invalid("price_fen must not be negative"));
        }
        if self.price_fen > MAX_PRICE_FEN {
            return Err(Error::invalid(format!(
                "price_fen must be at most {MAX_PRICE_FEN}"
            )));
        }
        if !(1..=MAX_SEATS).contains(&self.max_seats) {
            return Err(Error::invalid(format!(
                "max_seats must be 1 to {MAX_SEATS}"
            )));
        }
        if !(0..=MAX_HOLD_MS).contains(&self.hold_ms) {
            return Err(Error::invalid("a payment hold lasts at most a day"));
        }
        if self.hold_ms > 0 && self.price_fen == 0 {
            return Err(Error::invalid(
                "a free sale has nothing to pay: no payment hold",
            ));
        }
        if let Some(l) = &self.lottery {
            l.validate(self.opens_at, self.closes_at)?;
        }
        if self.pools.is_empty() || self.pools.len() > MAX_POOLS {
            return Err(Error::invalid(format!(
                "an event has 1 to {MAX_POOLS} pools"
            )));
        }
        for (i, pool) in self.pools.iter().enumerate() {
            check_title("pool title", &pool.title)?;
            pool.details
                .validate(&format!("pool {}", pool.id), self.opens_at)?;
            if !(1..=MAX_POOL_TOTAL).contains(&pool.total) {
                return Err(Error::invalid(format!(
                    "pool {} total must be 1 to {MAX_POOL_TOTAL}",
                    pool.id
                )));
            }
            if self.pools[..i].iter().any(|p| p.id == pool.id) {
                return Err(Error::invalid(format!("pool {} appears twice", pool.id)));
            }
            super::parts::check_pool(pool, self)?;
        }
        Ok(())
    }
}

pub(super) fn check_title(what: &str, s: &str) -> Result<(), Error> {
    if s.trim().is_empty() || s.chars().count() > MAX_TITLE_CHARS || s.chars().any(char::is_control)
    {
        return Err(Error::invalid(format!(
            "{what} must be 1 to {MAX_TITLE_CHARS} printable characters"
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

/// Live numbers of one pool, in seats (a reservation holds one or more).
/// `remaining + held + active + redeemed == total` always.
/// The one shape of a pool's figures: the store reports it, the audit checks
/// it, and staff see it as it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PoolStats {
    #[schema(value_type = String)]
    pub id: PoolId,
    pub title: String,
    /// Live total: tickets at creation plus restocks.
    pub total: i64,
    /// Unsold seats.
    pub remaining: i64,
    /// Held for payment.
    pub held: i64,
    pub active: i64,
    pub redeemed: i64,
    pub cancelled: i64,
    /// Holds that expired unpaid (their seats went back).
    pub expired: i64,
    /// Paid tickets not used, released by staff (their seats went back).
    pub no_show: i64,
    /// Waiting-list entries that rank this pool (one entry may rank several).
    pub waiting: i64,
    /// Lottery entries that rank this pool (0 in a race).
    pub entries: i64,
    /// Its kept parts (shares, allotments) in the order of the pool's
    /// `kept`: seats each has left of `remaining` until its release. Staff
    /// see them with their definitions (the admin view's `parts`).
    #[serde(skip)]
    pub kept: Vec<super::PartLeft>,
}

/// Where a sale stands at a moment, as members see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Upcoming,
    Open,
    Paused,
    SoldOut,
    Closed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upcoming => "upcoming",
            Self::Open => "open",
            Self::Paused => "paused",
            Self::SoldOut => "sold_out",
            Self::Closed => "closed",
        }
    }
}

/// The one rule of the sale window, used by every store and by the event view
/// (and written once more, in the same order, in `lua/grab.lua`): closed by
/// staff, then past `closes_at`, then paused, then before `opens_at`. A paused
/// sale past its close is closed: resuming it could not reopen it. Never
/// answers `SoldOut`; stock is the caller's to look at.
pub fn sale_phase(status: SaleStatus, opens_at: Millis, closes_at: Millis, now: Millis) -> Phase {
    if status == SaleStatus::Closed || now >= closes_at {
        Phase::Closed
    } else if status == SaleStatus::Paused {
        Phase::Paused
    } else if now < opens_at {
        Phase::Upcoming
    } else {
        Phase::Open
    }
}

/// An event with its live state, read in one atomic step from the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventView {
    pub event: Event,
    pub status: SaleStatus,
    pub pools: Vec<PoolStats>,
    /// The store's clock when this was read.
    pub server_time: Millis,
    /// A lottery's entries and draw (empty in a race).
    pub draw: DrawState,
}

impl EventView {
    /// What a member sees as the sale's state at `server_time`.
    pub fn phase(&self) -> Phase {
        match sale_phase(
            self.status,
            self.event.opens_at,
            self.event.closes_at,
            self.server_time,
        ) {
            Phase::Open
                if !self.event.is_lottery_sale() && self.pools.iter().all(|p| p.remaining == 0) =>
            {
                Phase::SoldOut
            }
            phase => phase,
        }
    }

    /// Where a lottery stands at `server_time`; `None` in a race.
    pub fn lottery_phase(&self) -> Option<LotteryPhase> {
        self.event.lottery.as_ref()?;
        let closes = self.event.registration_closes();
        Some(if self.draw.drawn_at.is_some() {
            LotteryPhase::Drawn
        } else if self.draw.draw_id.is_some() {
            LotteryPhase::Drawing
        } else {
            match sale_phase(self.status, self.event.opens_at, closes, self.server_time) {
                Phase::Upcoming => LotteryPhase::Upcoming,
                Phase::Closed => LotteryPhase::AwaitingDraw,
                _ => LotteryPhase::Registering,
            }
        })
    }
}

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
