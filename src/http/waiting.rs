//! The waiting list (候补) for members: join when the pools one wants are sold
//! out, see one's place, leave. Seats that come back are handed out by the
//! store in the same step; an assigned member finds the ticket among their
//! reservations (and the event's log says so, for the app's notifications).

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::MemberAuth;
use super::error::ApiError;
use super::json::ApiJson;
use super::params::{choices, event_param, seats_param};
use super::state::AppState;
use crate::domain::{Channel, Millis, Waiting};
use crate::store::{Grab, Join};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/events/{event}/waiting",
        post(join).get(mine).delete(leave),
    )
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

/// Join the waiting list of a sold-out event.
#[utoipa::path(post, path = "/api/v1/events/{event}/waiting", tag = "member", security(("member" = [])),
    params(("event" = String, Path)), request_body = WaitBody,
    responses(
        (status = 201, description = "on the list", body = WaitingDto),
        (status = 400, description = "invalid_request, too_many_seats or bad_cutoff", body = super::dto::Problem),
        (status = 403, body = super::dto::Problem), (status = 404, body = super::dto::Problem),
        (status = 409, description = "already_waiting (with `waiting`), already_holding (with the `reservation`), not_sold_out (with the `pool` to grab), not_open, closed or paused", body = super::dto::Problem),
        (status = 429, body = super::dto::Problem), (status = 503, body = super::dto::Problem)))]
pub async fn join(
    State(s): State<AppState>,
    auth: MemberAuth,
    Path(event): Path<String>,
    ApiJson(body): ApiJson<WaitBody>,
) -> Result<Response, ApiError> {
    let id = event_param(&event)?;
    let choices = choices(body.pool, body.choices)?;
    let seats = seats_param("seats", body.seats)?;
    s.limits.member_check(auth.member.key.as_str())?;
    let req = Join {
        grab: Grab {
            event: &id,
            member: &auth.member,
            org: Some(&auth.org),
            choices: &choices,
            seats,
            channel: Channel::App,
        },
        cutoff: body.cutoff.map(Millis::from_datetime),
    };
    let w = s.engine.join_waiting(&req).await?;
    let location = format!("/api/v1/events/{id}/waiting");
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(WaitingDto::from(&w)),
    )
        .into_response())
}

/// The member's place on the event's waiting list; 404 when not on it (also
/// after being given a ticket: see `/api/v1/me/reservations`).
#[utoipa::path(get, path = "/api/v1/events/{event}/waiting", tag = "member", security(("member" = [])),
    params(("event" = String, Path)),
    responses((status = 200, body = WaitingDto), (status = 404, body = super::dto::Problem)))]
pub async fn mine(
    State(s): State<AppState>,
    auth: MemberAuth,
    Path(event): Path<String>,
) -> Result<Json<WaitingDto>, ApiError> {
    let id = event_param(&event)?;
    let w = s.engine.waiting(&id, &auth.member.key).await?;
    w.map(|w| Json(WaitingDto::from(&w)))
        .ok_or(ApiError::NotFound)
}

/// Leave the waiting list.
#[utoipa::path(delete, path = "/api/v1/events/{event}/waiting", tag = "member", security(("member" = [])),
    params(("event" = String, Path)),
    responses((status = 204, description = "off the list"), (status = 404, body = super::dto::Problem),
        (status = 429, body = super::dto::Problem)))]
pub async fn leave(
    State(s): State<AppState>,
    auth: MemberAuth,
    Path(event): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = event_param(&event)?;
    s.limits.member_check(auth.member.key.as_str())?;
    s.engine.leave_waiting(&id, &auth.member.key).await?;
    Ok(StatusCode::NO_CONTENT)
}
