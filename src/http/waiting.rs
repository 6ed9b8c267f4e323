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

use super::auth::MemberAuth;
use super::dto::{WaitBody, WaitingDto};
use super::error::ApiError;
use super::json::ApiJson;
use super::params::{choices, event_param, seats_param};
use super::state::AppState;
use crate::domain::{Channel, Millis};
use crate::domain::{Grab, Join};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/events/{event}/waiting",
        post(join).get(my_waiting).delete(leave),
    )
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
    s.limits.member_check(&auth.member.key)?;
    let req = Join {
        grab: Grab {
            groups: &auth.groups,
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
pub async fn my_waiting(
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
    s.limits.member_check(&auth.member.key)?;
    s.engine.leave_waiting(&id, &auth.member.key).await?;
    Ok(StatusCode::NO_CONTENT)
}
