//! What goes over the wire: request bodies and response documents, with their
//! OpenAPI schemas. Times are RFC 3339 UTC; member keys never leave the server.

pub mod entry;
mod list;
pub mod published;
pub use list::EventList;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{Details, EventView, Group, OrgPath, Phase, Reservation, Waiting};

fn time(m: crate::domain::Millis) -> DateTime<Utc> {
    m.to_datetime()
}

/// What a ticket says beyond the numbers; only those set are sent. On a
/// pool, unset ones are its event's.
#[derive(Serialize, ToSchema)]
pub struct DetailsDto {
    /// The title in English (`title` is Chinese).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    /// Where the ticket is used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    /// When the show starts (not the sale's opening).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    /// How to use the ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl From<&Details> for DetailsDto {
    fn from(d: &Details) -> Self {
        Self {
            title_en: d.title_en.clone(),
            venue: d.venue.clone(),
            starts_at: d.starts_at.map(time),
            notes: d.notes.clone(),
        }
    }
}

/// A pool as members see it.
#[derive(Serialize, ToSchema)]
pub struct PoolDto {
    pub id: String,
    pub title: String,
    pub total: i64,
    /// Unsold seats the caller may take: everyone's, and those kept for the
    /// caller's groups and union (never said which).
    pub remaining: i64,
    /// Members waiting for returned seats of this pool (候补).
    pub waiting: i64,
    /// A lottery's entries that rank this pool (0 in a race).
    pub entries: i64,
    #[serde(flatten)]
    pub details: DetailsDto,
}

/// An event as members see it.
#[derive(Serialize, ToSchema)]
pub struct EventDto {
    pub id: String,
    /// In Chinese; `title_en` in English, when staff gave one.
    pub title: String,
    #[serde(flatten)]
    pub details: DetailsDto,
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
    /// race (grab from `opens_at`) or lottery (enter until `closes_at`,
    /// drawn at `lottery.draw_at`).
    pub mode: published::SaleMode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lottery: Option<published::LotteryDto>,
    /// The program (普惠) whose cap its tickets count under: what the
    /// member holds of it is at `GET /api/v1/me/programs/{program}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
}

impl EventDto {
    /// `member`: the caller's union and groups, whose kept seats count in
    /// the pools' `remaining` (`None`: a station's list, every unsold seat:
    /// its walk-ups may be anyone's).
    pub fn new(v: &EventView, eligible: bool, member: Option<(&OrgPath, &[Group])>) -> Self {
        Self {
            id: v.event.id.to_string(),
            title: v.event.title.clone(),
            details: (&v.event.details).into(),
            org: v.event.org.as_str().to_owned(),
            opens_at: time(v.event.opens_at),
            closes_at: time(v.event.closes_at),
            status: v.phase(),
            price_fen: v.event.price_fen,
            max_seats: v.event.max_seats,
            pools: v
                .pools
                .iter()
                .zip(&v.event.pools)
                .map(|(p, pool)| PoolDto {
                    id: p.id.to_string(),
                    title: p.title.clone(),
                    total: p.total,
                    remaining: member.map_or(p.remaining, |(org, groups)| {
                        p.takeable(pool, org, groups, v.server_time)
                    }),
                    waiting: p.waiting,
                    entries: p.entries,
                    details: (&pool.details).into(),
                })
                .collect(),
            server_time: time(v.server_time),
            eligible,
            mode: published::SaleMode::of(v),
            lottery: published::LotteryDto::of(v),
            program: v.event.program.as_ref().map(ToString::to_string),
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
    /// On a member's list: the ticket was paid and given back, so its
    /// payment is due back ("refund in progress"); absent otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refund_due: bool,
    /// On a member's list: the sale was archived (finished, its live state
    /// gone); the line is the ticket's history, read from the archive.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub archived: bool,
    /// What the ticket says, on a member's list and a lookup of one ticket
    /// (not on a grab's answer, which the page that grabbed can word
    /// itself): the sale's and the pool's titles, in Chinese and, when
    /// staff gave them, in English; the place, the show's start and how to
    /// use it (the pool's own, else the event's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_title_en: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_title_en: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl ReservationDto {
    /// With what the ticket says, from its event.
    pub fn described(mut self, event: &crate::domain::Event) -> Self {
        self.event_title = Some(event.title.clone());
        self.event_title_en = event.details.title_en.clone();
        if let Some(pool) = event.pools.iter().find(|p| p.id.as_str() == self.pool) {
            let says = pool.details.over(&event.details);
            self.pool_title = Some(pool.title.clone());
            self.pool_title_en = says.title_en;
            self.venue = says.venue;
            self.starts_at = says.starts_at.map(time);
            self.notes = says.notes;
        }
        self
    }
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
            refund_due: false,
            archived: false,
            event_title: None,
            event_title_en: None,
            pool_title: None,
            pool_title_en: None,
            venue: None,
            starts_at: None,
            notes: None,
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

/// Joining the waiting list: the pools one wants (one, or ranked choices),
/// seats, and until when (default: the sale's close).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitBody {
    pub pool: Option<String>,
    pub choices: Option<Vec<String>>,
    /// Seats, all from one pool (default 1; at most the event's `max_seats`).
    #[serde(default, deserialize_with = "super::json::optional_whole_number")]
    pub seats: Option<i64>,
    /// Stop waiting after this (in the future, at most the sale's close).
    pub cutoff: Option<DateTime<Utc>>,
}

/// A member's place on an event's waiting list.
#[derive(Serialize, ToSchema)]
pub struct WaitingDto {
    /// Ranked pools; the first with `seats` free when seats come back wins.
    pub choices: Vec<String>,
    pub seats: u8,
    pub cutoff: DateTime<Utc>,
    pub joined_at: DateTime<Utc>,
    /// 1 for the head of the list: `ahead` + 1.
    pub position: u64,
    /// Entries ahead (they may want other pools or more seats).
    pub ahead: u64,
}

impl From<&Waiting> for WaitingDto {
    fn from(w: &Waiting) -> Self {
        Self {
            choices: w.entry.choices.iter().map(ToString::to_string).collect(),
            seats: w.entry.seats,
            cutoff: w.entry.cutoff.to_datetime(),
            joined_at: w.entry.joined_at.to_datetime(),
            position: w.ahead + 1,
            ahead: w.ahead,
        }
    }
}

/// An error: `application/problem+json`.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// Stable and machine-readable: sold_out, not_open, rate_limited, ...
    /// The same in every language.
    pub code: String,
    /// In the request's language (`Accept-Language`; member routes default
    /// to Chinese), as is `title`.
    pub detail: String,
    /// The English detail, beside a Chinese one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_en: Option<String>,
}
