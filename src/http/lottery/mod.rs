//! Lottery sales (抽签) over HTTP: a member's entry (app), a walk-up entry
//! by card swipe (station), the public value and the draw (staff), and what
//! the draw publishes (anyone: the rules' values and the export that
//! `ticketgrab verify-draw` checks).

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::auth::{AdminAuth, MemberAuth, StaffAuth};
use super::dto::{GrabBody, ReservationDto, StationIssueBody};
use super::error::ApiError;
use super::json::ApiJson;
use super::params::{choices, event_param, owned_event, seats_param, walk_up};
use super::state::AppState;
use crate::domain::{Channel, Entered, EventId, EventView, Member, OrgPath};
use crate::domain::{Find, Grab};
use crate::lottery::export::Export;

mod dto;

pub use self::dto::PublicValueBody;
pub use super::dto::entry::{EntryDto, RegisteredDto};
pub use super::dto::published::{LotteryDto, SaleMode};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/events/{event}/entry",
            post(enter).get(my_entry).delete(withdraw),
        )
        .route("/events/{event}/lottery", get(lottery))
        .route("/events/{event}/lottery/export", get(lottery_export))
        .route("/station/enter", post(station_enter))
        .route(
            "/admin/events/{event}/lottery/public-value",
            post(public_value),
        )
        .route("/admin/events/{event}/lottery/draw", post(draw))
}

fn entered(event: &EventId, e: &Entered) -> Response {
    let status = if e.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let location = format!("/api/v1/events/{event}/entry");
    (
        status,
        [(header::LOCATION, location)],
        Json(EntryDto::new(event, &e.entry)),
    )
        .into_response()
}

async fn enter_as(
    s: &AppState,
    event: &EventId,
    member: &Member,
    org: Option<&OrgPath>,
    body: (Option<String>, Option<Vec<String>>, Option<i64>),
    channel: Channel,
) -> Result<Response, ApiError> {
    let choices = choices(body.0, body.1)?;
    let seats = seats_param("seats", body.2)?;
    s.limits.member_check(&member.key)?;
    let req = Grab {
        groups: &[],
        event,
        member,
        org,
        choices: &choices,
        seats,
        channel,
    };
    Ok(entered(event, &s.engine.enter(&req).await?))
}

/// Enter the lottery during its registration window, with ranked pools
/// and seats; entering again returns the same entry (200).
#[utoipa::path(post, path = "/api/v1/events/{event}/entry", tag = "member", security(("member" = [])),
    params(("event" = String, Path)), request_body = GrabBody,
    responses(
        (status = 201, description = "entered", body = EntryDto),
        (status = 200, description = "entered before: the same entry", body = EntryDto),
        (status = 400, description = "invalid_request or too_many_seats", body = super::dto::Problem),
        (status = 403, description = "not_eligible", body = super::dto::Problem),
        (status = 404, body = super::dto::Problem),
        (status = 409, description = "not_lottery, not_open, closed or paused", body = super::dto::Problem),
        (status = 429, body = super::dto::Problem), (status = 503, body = super::dto::Problem)))]
pub async fn enter(
    State(s): State<AppState>,
    auth: MemberAuth,
    Path(event): Path<String>,
    ApiJson(body): ApiJson<GrabBody>,
) -> Result<Response, ApiError> {
    let id = event_param(&event)?;
    let body = (body.pool, body.choices, body.seats);
    enter_as(&s, &id, &auth.member, Some(&auth.org), body, Channel::App).await
}

/// The member's entry; after the draw with its rank and result: the ticket
/// won, or the place on the waiting list.
#[utoipa::path(get, path = "/api/v1/events/{event}/entry", tag = "member", security(("member" = [])),
    params(("event" = String, Path)),
    responses((status = 200, body = EntryDto), (status = 404, body = super::dto::Problem)))]
pub async fn my_entry(
    State(s): State<AppState>,
    auth: MemberAuth,
    Path(event): Path<String>,
) -> Result<Json<EntryDto>, ApiError> {
    let id = event_param(&event)?;
    let key = &auth.member.key;
    let entry = s.engine.entry(&id, key).await?.ok_or(ApiError::NotFound)?;
    let mut dto = EntryDto::new(&id, &entry);
    // A winner holds a ticket; so does a loser no longer on the list, served
    // from it since the draw.
    let has_ticket = match (entry.rank, &entry.won) {
        (Some(_), Some(_)) => true,
        (Some(_), None) => {
            dto.waiting = s.engine.waiting(&id, key).await?.map(|w| (&w).into());
            dto.waiting.is_none()
        }
        (None, _) => false,
    };
    if has_ticket {
        let find = Find::Member(key.clone());
        dto.reservation = s
            .engine
            .lookup(&id, &find)
            .await?
            .map(|r| ReservationDto::from(&r));
    }
    Ok(Json(dto))
}

/// Withdraw the entry while the registration is open.
#[utoipa::path(delete, path = "/api/v1/events/{event}/entry", tag = "member", security(("member" = [])),
    params(("event" = String, Path)),
    responses((status = 204, description = "withdrawn"), (status = 404, body = super::dto::Problem),
        (status = 409, description = "closed or paused", body = super::dto::Problem),
        (status = 429, body = super::dto::Problem)))]
pub async fn withdraw(
    State(s): State<AppState>,
    auth: MemberAuth,
    Path(event): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = event_param(&event)?;
    s.limits.member_check(&auth.member.key)?;
    s.engine.withdraw(&id, &auth.member.key).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn lottery_view(s: &AppState, event: &str) -> Result<(EventId, EventView), ApiError> {
    let id = event_param(event)?;
    let view = s.engine.event(&id).await?;
    if view.event.lottery.is_none() {
        return Err(crate::Error::NotLottery.into());
    }
    Ok((id, view))
}

/// A lottery's rules and draw, for anyone: the commitment from creation,
/// the public value once entered, the seed and digests once drawn.
#[utoipa::path(get, path = "/api/v1/events/{event}/lottery", tag = "lottery",
    params(("event" = String, Path)),
    responses((status = 200, body = LotteryDto), (status = 404, body = super::dto::Problem),
        (status = 409, description = "not_lottery", body = super::dto::Problem)))]
pub async fn lottery(
    State(s): State<AppState>,
    Path(event): Path<String>,
) -> Result<Json<LotteryDto>, ApiError> {
    let (_, view) = lottery_view(&s, &event).await?;
    let mut dto = LotteryDto::of(&view).expect("a lottery");
    dto.closing = s.engine.closing(&view).await?;
    Ok(Json(dto))
}

/// Everything needed to re-run the draw, and its result: entries by member
/// key (never card numbers). `ticketgrab verify-draw <file>` checks it.
#[utoipa::path(get, path = "/api/v1/events/{event}/lottery/export", tag = "lottery",
    params(("event" = String, Path)),
    responses((status = 200, description = "the draw's export (see `ticketgrab verify-draw`)", content_type = "application/json"),
        (status = 404, body = super::dto::Problem),
        (status = 409, description = "not_drawn or not_lottery", body = super::dto::Problem)))]
pub async fn lottery_export(
    State(s): State<AppState>,
    Path(event): Path<String>,
) -> Result<Json<Export>, ApiError> {
    let id = event_param(&event)?;
    Ok(Json(s.engine.export(&id).await?))
}

/// A walk-up member entered by card swipe at a station the sale is for; the
/// member register checked as for `/station/issue` (`TG-Register` header).
#[utoipa::path(post, path = "/api/v1/station/enter", tag = "station", security(("staff" = [])),
    request_body = StationIssueBody,
    responses((status = 201, body = EntryDto), (status = 200, body = EntryDto),
        (status = 400, body = super::dto::Problem), (status = 403, body = super::dto::Problem),
        (status = 404, body = super::dto::Problem), (status = 409, body = super::dto::Problem)))]
pub async fn station_enter(
    State(s): State<AppState>,
    staff: StaffAuth,
    ApiJson(body): ApiJson<StationIssueBody>,
) -> Result<Response, ApiError> {
    let walk_up = walk_up(&s, &staff, &body.event, &body.card).await?;
    let (event, member, org) = (&walk_up.event, &walk_up.member, walk_up.org.as_ref());
    let parts = (body.pool, body.choices, body.seats);
    let answer = enter_as(&s, event, member, org, parts, Channel::Station).await?;
    if answer.status() == axum::http::StatusCode::CREATED {
        super::station::tally(&s, &staff, event, "entered", 1).await;
    }
    Ok(walk_up.told(answer))
}

/// Enter the public random value named at creation, once the registration
/// has closed. The same value again changes nothing.
#[utoipa::path(post, path = "/api/v1/admin/events/{event}/lottery/public-value", tag = "admin",
    security(("staff" = [])), params(("event" = String, Path)), request_body = PublicValueBody,
    responses((status = 200, body = LotteryDto), (status = 400, body = super::dto::Problem),
        (status = 404, body = super::dto::Problem),
        (status = 409, description = "draw_not_due (registration open), public_value_set or not_lottery", body = super::dto::Problem)))]
pub async fn public_value(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    Path(event): Path<String>,
    ApiJson(body): ApiJson<PublicValueBody>,
) -> Result<Json<LotteryDto>, ApiError> {
    let (id, _) = owned_event(&s, &staff, &event).await?;
    s.engine.set_public_value(&id, &body.value).await?;
    let (_, view) = lottery_view(&s, &event).await?;
    let mut dto = LotteryDto::of(&view).expect("a lottery");
    dto.closing = s.engine.closing(&view).await?;
    Ok(Json(dto))
}

/// Run the draw (or resume one that was interrupted): it runs in the
/// background; follow `written` and `phase` on the lottery. Once drawn,
/// again answers the published draw.
#[utoipa::path(post, path = "/api/v1/admin/events/{event}/lottery/draw", tag = "admin",
    security(("staff" = [])), params(("event" = String, Path)),
    responses((status = 202, description = "drawing", body = LotteryDto),
        (status = 200, description = "drawn already", body = LotteryDto),
        (status = 404, body = super::dto::Problem),
        (status = 409, description = "draw_not_due (before draw_at, or no public value), draw_running (another front end draws) or not_lottery", body = super::dto::Problem)))]
pub async fn draw(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    Path(event): Path<String>,
) -> Result<Response, ApiError> {
    let (id, view) = owned_event(&s, &staff, &event).await?;
    if view.event.lottery.is_none() {
        return Err(crate::Error::NotLottery.into());
    }
    let status = if view.draw.drawn_at.is_some() {
        StatusCode::OK
    } else {
        s.engine.start_draw(&id).await?;
        StatusCode::ACCEPTED
    };
    let (_, view) = lottery_view(&s, &event).await?;
    Ok((status, Json(LotteryDto::of(&view).expect("a lottery"))).into_response())
}
