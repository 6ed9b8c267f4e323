//! A member's entry in a draw — a lottery's, or a race's fair window's
//! registration — with its result once drawn, as it goes over the wire.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{EventId, LotteryEntry};
use crate::http::dto::{ReservationDto, WaitingDto};

/// A member's lottery entry and, once drawn, its result.
#[derive(Serialize, ToSchema)]
pub struct EntryDto {
    pub event: String,
    /// Ranked pools; all seats from one.
    pub choices: Vec<String>,
    pub seats: u8,
    pub entered_at: DateTime<Utc>,
    /// app or station.
    pub channel: String,
    /// The first 8 hex digits of the member's key: find your line in the
    /// export with it (the export has keys, never card numbers).
    pub member_key_short: String,
    /// entered (not drawn yet), won or waiting.
    pub result: String,
    /// The place drawn, 1 first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub won: Option<String>,
    /// The ticket won (a hold to pay on a priced sale).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservation: Option<ReservationDto>,
    /// The place on the waiting list, for an entry drawn without seats
    /// (absent once it left the list: given a ticket, or lapsed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting: Option<WaitingDto>,
}

impl EntryDto {
    pub fn new(event: &EventId, e: &LotteryEntry) -> Self {
        Self {
            event: event.to_string(),
            choices: e.choices.iter().map(ToString::to_string).collect(),
            seats: e.seats,
            entered_at: e.entered_at.to_datetime(),
            channel: e.channel.as_str().to_owned(),
            member_key_short: e.member.as_str()[..8].to_owned(),
            result: match (e.rank, &e.won) {
                (None, _) => "entered",
                (Some(_), Some(_)) => "won",
                (Some(_), None) => "waiting",
            }
            .to_owned(),
            rank: e.rank,
            won: e.won.as_ref().map(ToString::to_string),
            reservation: None,
            waiting: None,
        }
    }
}

/// A grab inside a race's fair window: registered for the window's draw
/// (202). The same registration comes back to a repeat; the result is at
/// `GET /api/v1/events/{event}/entry` once the draw is published.
#[derive(Serialize, ToSchema)]
pub struct RegisteredDto {
    /// Always `registered`.
    #[schema(example = "registered")]
    pub result: String,
    /// False for a repeat: the registration made before.
    pub new: bool,
    pub entry: EntryDto,
    /// When the window ends: every grab that reached the service before
    /// it is in the draw, however fast.
    pub window_ends_at: DateTime<Utc>,
    /// When the draw starts (its results follow within seconds).
    pub draw_at: DateTime<Utc>,
}

impl RegisteredDto {
    pub fn new(event: &crate::domain::Event, e: &crate::domain::Entered) -> Self {
        let (rules, ends) = event
            .fair_window()
            .map_or((None, event.closes_at), |(l, end)| (Some(l.draw_at), end));
        Self {
            result: "registered".into(),
            new: e.new,
            entry: EntryDto::new(&event.id, &e.entry),
            window_ends_at: ends.to_datetime(),
            draw_at: rules.unwrap_or(ends).to_datetime(),
        }
    }
}
