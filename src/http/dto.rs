//! What goes over the wire: request bodies and response documents, with their
//! OpenAPI schemas. Times are RFC 3339 UTC; member keys never leave the server.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{EventView, Phase, PoolStats, Reservation};

fn time(m: crate::domain::Millis) -> DateTime<Utc> {
    m.to_datetime()
}

/// A pool as members see it.
#[derive(Serialize, ToSchema)]
pub struct PoolDto {
    pub id: String,
    pub title: String,
    pub total: i64,
    pub remaining: i64,
    /// Members waiting for returned seats of this pool (候补).
    pub waiting: i64,
}

/// An event as members see it.
#[derive(Serialize, ToSchema)]
pub struct EventDto {
    pub id: String,
    pub title: String,
    pub org: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    /// upcoming, open, paused, sold_out or closed, at `server_time`.
    pub status: Phase,
    pub price_fen: i64,
    /// Seats one reservation may hold (a grab's `seats`, 1 to this).
    pub max_seats: u8,
    /// Figures in seats.
    pub pools: Vec<PoolDto>,
    /// The store's clock: count down to `opens_at` from this, not from the phone's clock.
    pub server_time: DateTime<Utc>,
    /// Whether the caller may grab in this event.
    pub eligible: bool,
}

impl EventDto {
    pub fn new(v: &EventView, eligible: bool) -> Self {
        Self {
            id: v.event.id.to_string(),
            title: v.event.title.clone(),
            org: v.event.org.as_str().to_owned(),
            opens_at: time(v.event.opens_at),
            closes_at: time(v.event.closes_at),
            status: v.phase(),
            price_fen: v.event.price_fen,
            max_seats: v.event.max_seats,
            pools: v
                .pools
                .iter()
                .map(|p| PoolDto {
                    id: p.id.to_string(),
                    title: p.title.clone(),
                    total: p.total,
                    remaining: p.remaining,
                    waiting: p.waiting,
                })
                .collect(),
            server_time: time(v.server_time),
            eligible,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EventList {
    pub events: Vec<EventDto>,
    pub server_time: DateTime<Utc>,
}

impl EventList {
    /// The events `keep` lets through, as members see them, at the store's
    /// latest clock reading among them (now, if there are none).
    pub fn of(views: &[EventView], keep: impl Fn(&EventView) -> bool) -> Self {
        let server_time = views
            .iter()
            .map(|v| v.server_time)
            .max()
            .unwrap_or_else(crate::domain::Millis::now);
        Self {
            events: views
                .iter()
                .filter(|v| keep(v))
                .map(|v| EventDto::new(v, true))
                .collect(),
            server_time: time(server_time),
        }
    }
}

/// A ticket.
#[derive(Serialize, ToSchema)]
pub struct ReservationDto {
    pub event: String,
    /// Short, random, unguessable (60 bits); shown at the station.
    pub code: String,
    pub pool: String,
    /// Seats it holds (admits this many people; redeemed all at once).
    pub seats: u8,
    /// held (waiting for payment until `pay_by`), active, redeemed,
    /// cancelled or expired (a hold not paid in time).
    pub status: String,
    /// A hold's deadline for payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay_by: Option<DateTime<Utc>>,
    /// app or station.
    pub channel: String,
    /// Masked: `6217 **** **** 1234`.
    pub card: String,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redeemed_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl From<&Reservation> for ReservationDto {
    fn from(r: &Reservation) -> Self {
        Self {
            event: r.event.to_string(),
            code: r.code.to_string(),
            pool: r.pool.to_string(),
            seats: r.seats,
            status: r.status.as_str().to_owned(),
            pay_by: r.pay_by.map(time),
            channel: r.channel.as_str().to_owned(),
            card: r.card.as_str().to_owned(),
            created_at: time(r.created_at),
            redeemed_at: r.redeemed_at.map(time),
            cancelled_at: r.cancelled_at.map(time),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReservationList {
    pub reservations: Vec<ReservationDto>,
}

/// A grab: one pool, or ranked choices (the first with `seats` left wins).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrabBody {
    pub pool: Option<String>,
    pub choices: Option<Vec<String>>,
    /// Seats, all from one pool (default 1; at most the event's `max_seats`).
    #[serde(default, deserialize_with = "super::json::optional_whole_number")]
    pub seats: Option<i64>,
}

/// A walk-up grab by card swipe at a station.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StationIssueBody {
    pub event: String,
    pub pool: Option<String>,
    pub choices: Option<Vec<String>>,
    /// Seats, all from one pool (default 1; at most the event's `max_seats`).
    #[serde(default, deserialize_with = "super::json::optional_whole_number")]
    pub seats: Option<i64>,
    /// The swiped or typed card number.
    pub card: String,
}

/// Redeem by ticket code or by card.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemBody {
    pub event: String,
    pub code: Option<String>,
    pub card: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePoolBody {
    pub id: String,
    pub title: String,
    #[serde(deserialize_with = "super::json::whole_number")]
    pub total: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEventBody {
    pub id: String,
    pub title: String,
    pub org: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    #[serde(deserialize_with = "super::json::whole_number")]
    pub price_fen: i64,
    /// Seats one reservation may hold, 1 to 6 (default 1; 2 for "a parent
    /// with a child"). Pool totals are in seats.
    #[serde(default, deserialize_with = "super::json::optional_whole_number")]
    pub max_seats: Option<i64>,
    /// Minutes a new ticket of a priced sale is held for payment (1 to
    /// 1440; default 15 when `price_fen` > 0). 0: no hold, a ticket at once
    /// (paid at the counter). A free sale has no hold.
    #[serde(default, deserialize_with = "super::json::optional_whole_number")]
    pub hold_minutes: Option<i64>,
    pub pools: Vec<CreatePoolBody>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestockBody {
    /// Tickets to add (> 0) or unsold tickets to withdraw (< 0).
    #[serde(deserialize_with = "super::json::whole_number")]
    pub delta: i64,
}

/// An event with per-pool stats, for staff.
#[derive(Serialize, ToSchema)]
pub struct AdminEventDto {
    pub id: String,
    pub title: String,
    pub org: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    /// upcoming, open, paused, sold_out or closed, at `server_time`.
    pub status: Phase,
    /// What staff set: open, paused or closed.
    pub sale_status: String,
    pub price_fen: i64,
    pub max_seats: u8,
    /// Minutes a new ticket is held for payment (0: none).
    pub hold_minutes: i64,
    /// Every figure of each pool, in seats, as the store reports it.
    pub pools: Vec<PoolStats>,
    pub server_time: DateTime<Utc>,
    /// Tickets reserved in each of the last 60 seconds, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grabs_per_second: Option<Vec<u32>>,
}

impl AdminEventDto {
    pub fn new(v: &EventView, grabs_per_second: Option<Vec<u32>>) -> Self {
        Self {
            id: v.event.id.to_string(),
            title: v.event.title.clone(),
            org: v.event.org.as_str().to_owned(),
            opens_at: time(v.event.opens_at),
            closes_at: time(v.event.closes_at),
            status: v.phase(),
            sale_status: v.status.as_str().to_owned(),
            price_fen: v.event.price_fen,
            max_seats: v.event.max_seats,
            hold_minutes: v.event.hold_ms / 60_000,
            pools: v.pools.clone(),
            server_time: time(v.server_time),
            grabs_per_second,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AdminEventList {
    pub events: Vec<AdminEventDto>,
    pub server_time: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct RestockResult {
    pub pool: String,
    pub remaining: i64,
    pub total: i64,
}

/// What releasing a pool's unused tickets did.
#[derive(Serialize, ToSchema)]
pub struct ReleaseResult {
    pub pool: String,
    /// Paid, unused tickets now `no_show`, and their seats (given to the
    /// waiting list first, then walk-ups and the app).
    pub released: i64,
    pub seats: i64,
    /// Unsold seats after the waiting list was served.
    pub remaining: i64,
}

#[derive(Serialize, ToSchema)]
pub struct StatusResult {
    pub event: String,
    /// open, paused or closed.
    pub sale_status: String,
}

/// Codes that members were told they hold.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmedBody {
    pub confirmed: Vec<String>,
}

/// An error: `application/problem+json`.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// Stable and machine-readable: sold_out, not_open, rate_limited, ...
    pub code: String,
    pub detail: String,
}
