//! What goes over the wire for lottery sales: the published lottery, a
//! member's entry with its result, the public value staff enter.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
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
    pub(super) fn new(event: &EventId, e: &LotteryEntry) -> Self {
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

/// The public value, entered by staff after the close.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicValueBody {
    /// 1 to 200 printable characters, exactly as the source published it.
    pub value: String,
}
