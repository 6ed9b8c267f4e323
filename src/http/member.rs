//! Member routes: browse events, grab, see and cancel one's tickets.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::auth::MemberAuth;
use super::dto::entry::RegisteredDto;
use super::dto::{EventDto, EventList, GrabBody, ReservationDto, ReservationList};
use super::error::ApiError;
use super::json::ApiJson;
use super::params::{choices, code_param, event_param, record_grab, seats_param};
use super::state::AppState;
use crate::domain::Channel;
use crate::domain::{EventId, Find, Grab, Millis, Taken};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/events", get(list_events))
        .route("/events/{event}", get(get_event))
        .route("/events/{event}/reservations", post(grab))
        .route("/me/reservations", get(my_reservations))
        .route(
            "/me/reservations/{event}/{code}",
            get(my_reservation).delete(cancel),
        )
        .route("/me/reservations/{event}/{code}/qr.svg", get(qr))
}

/// Events the member may take part in: open, upcoming, or closed less than
/// 30 days ago.
#[utoipa::path(get, path = "/api/v1/events", tag = "member", security(("member" = [])),
    responses((status = 200, body = EventList), (status = 401, body = super::dto::Problem)))]
pub async fn list_events(
    State(s): State<AppState>,
    auth: MemberAuth,
) -> Result<Json<EventList>, ApiError> {
    let views = s.engine.live_events().await?;
    let member = Some((&auth.org, auth.groups.as_slice()));
    Ok(Json(EventList::of(&views, member, |v| {
        auth.org.is_within(&v.event.org)
    })))
}

/// One event, with whether the member may grab in it.
#[utoipa::path(get, path = "/api/v1/events/{event}", tag = "member", security(("member" = [])),
    params(("event" = String, Path)),
    responses((status = 200, body = EventDto), (status = 404, body = super::dto::Problem)))]
pub async fn get_event(
    State(s): State<AppState>,
    auth: MemberAuth,
    Path(event): Path<String>,
) -> Result<Json<EventDto>, ApiError> {
    let view = s.engine.event(&event_param(&event)?).await?;
    let eligible = auth.org.is_within(&view.event.org);
    let member = Some((&auth.org, auth.groups.as_slice()));
    Ok(Json(EventDto::new(&view, eligible, member)))
}

/// Grab a ticket: 201 with a new reservation, or 200 with the one already
/// held. On a race with a fair window (`fair_window_secs`), a grab inside
/// the window is 202 `registered` for the window's draw instead, and one
/// after it is 503 `draw_pending` (Retry-After) until the draw is published.
#[utoipa::path(post, path = "/api/v1/events/{event}/reservations", tag = "member", security(("member" = [])),
    params(("event" = String, Path)), request_body = GrabBody,
    responses(
        (status = 201, description = "a new ticket", body = ReservationDto),
        (status = 200, description = "the ticket the member already holds", body = ReservationDto),
        (status = 202, description = "registered for a fair window's draw (only on a sale with fair_window_secs); Retry-After: seconds until the draw", body = RegisteredDto,
            example = json!({"result": "registered", "new": true,
                "entry": {"event": "cinema", "choices": ["screening"], "seats": 1, "entered_at": "2027-03-01T02:00:03.412Z",
                    "channel": "app", "member_key_short": "3f1c9a0e", "result": "entered"},
                "window_ends_at": "2027-03-01T02:00:30Z", "draw_at": "2027-03-01T02:00:35Z"})),
        (status = 400, body = super::dto::Problem), (status = 403, body = super::dto::Problem),
        (status = 404, body = super::dto::Problem),
        (status = 409, description = "sold_out, not_open, closed or paused", body = super::dto::Problem),
        (status = 429, body = super::dto::Problem),
        (status = 503, description = "overloaded, store_unavailable, or draw_pending (a fair window's draw is running)", body = super::dto::Problem)))]
pub async fn grab(
    State(s): State<AppState>,
    auth: MemberAuth,
    Path(event): Path<String>,
    ApiJson(body): ApiJson<GrabBody>,
) -> Result<Response, ApiError> {
    answer_grab(&s, &auth, &event, body).await
}

/// A grab, once its token and body are read: the route above and the grab's
/// lane (lane.rs) both answer with this.
pub async fn answer_grab(
    s: &AppState,
    auth: &MemberAuth,
    event: &str,
    body: GrabBody,
) -> Result<Response, ApiError> {
    // The grab's arrival, by this front end's clock: inside a fair window
    // it is a registration, however long the store takes to write it.
    let arrived = Millis::now();
    let event = event_param(event)?;
    let choices = choices(body.pool, body.choices)?;
    let seats = seats_param("seats", body.seats)?;
    s.limits.member_check(&auth.member.key)?;
    let input = Grab {
        groups: &auth.groups,
        event: &event,
        member: &auth.member,
        org: Some(&auth.org),
        choices: &choices,
        seats,
        channel: Channel::App,
    };
    let result = s.engine.take(&input, arrived).await;
    record_grab(s, &event, &result);
    match result? {
        Taken::Ticket(g) => reservation_created(g),
        Taken::Registered(e) => registered(s, &event, &e).await,
    }
}

/// 202 for a registration in a fair window's draw (app or station), with
/// Retry-After: the seconds until the draw starts, and one for its writing
/// (the result is at the `Location` then; asking sooner changes nothing).
pub async fn registered(
    s: &AppState,
    event: &EventId,
    e: &crate::domain::Entered,
) -> Result<Response, ApiError> {
    let def = s.engine.definition(event).await?;
    let location = format!("/api/v1/events/{event}/entry");
    let draw_at = def.lottery.as_ref().map_or(0, |l| l.draw_at.0);
    let wait = ((draw_at - Millis::now().0).max(0) / 1000 + 1).to_string();
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location), (header::RETRY_AFTER, wait)],
        Json(RegisteredDto::new(&def, e)),
    )
        .into_response())
}

/// 201 + Location for a new ticket, 200 for the one already held.
pub fn reservation_created(g: crate::domain::Grabbed) -> Result<Response, ApiError> {
    let r = &g.reservation;
    let status = if g.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let location = format!("/api/v1/me/reservations/{}/{}", r.event, r.code);
    Ok((
        status,
        [(header::LOCATION, location)],
        Json(ReservationDto::from(r)),
    )
        .into_response())
}

/// The member's reservations across events, newest first.
#[utoipa::path(get, path = "/api/v1/me/reservations", tag = "member", security(("member" = [])),
    responses((status = 200, body = ReservationList)))]
pub async fn my_reservations(
    State(s): State<AppState>,
    auth: MemberAuth,
) -> Result<Json<ReservationList>, ApiError> {
    let list = s.engine.member_reservations(&auth.member.key).await?;
    let mut reservations = Vec::with_capacity(list.len());
    for r in &list {
        // Known to the engine already (it listed the event): no store call.
        let event = s.engine.definition(&r.event).await?;
        let mut dto = ReservationDto::from(r).described(&event);
        dto.refund_due = s.engine.refund_due(r).await?;
        reservations.push(dto);
    }
    // An archive directory that cannot be read leaves the archived lines
    // out (logged), not the member's whole list.
    let archived = s.engine.archived_tickets(&auth.member.key).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "archived tickets cannot be read; the member's list leaves them out");
        Vec::new()
    });
    for t in archived {
        let mut dto = ReservationDto::from(&t.reservation).described(&t.event);
        dto.refund_due = t.refund_due;
        dto.archived = true;
        reservations.push(dto);
    }
    reservations.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    Ok(Json(ReservationList { reservations }))
}

pub(crate) async fn own_reservation(
    s: &AppState,
    auth: &MemberAuth,
    event: &str,
    code: &str,
) -> Result<crate::domain::Reservation, ApiError> {
    let r = s
        .engine
        .reservation(&event_param(event)?, &Find::Code(code_param(code)?))
        .await?;
    if r.member != auth.member.key {
        return Err(ApiError::NotFound);
    }
    Ok(r)
}

/// One of the member's reservations.
#[utoipa::path(get, path = "/api/v1/me/reservations/{event}/{code}", tag = "member", security(("member" = [])),
    params(("event" = String, Path), ("code" = String, Path)),
    responses((status = 200, body = ReservationDto), (status = 404, body = super::dto::Problem)))]
pub async fn my_reservation(
    State(s): State<AppState>,
    auth: MemberAuth,
    Path((event, code)): Path<(String, String)>,
) -> Result<Json<ReservationDto>, ApiError> {
    let r = own_reservation(&s, &auth, &event, &code).await?;
    let event = s.engine.definition(&r.event).await?;
    Ok(Json(ReservationDto::from(&r).described(&event)))
}

/// The ticket as a QR code to show at a station. It encodes `TG1:<event>:<code>`.
/// A ticket given back (cancelled, its hold expired, released as a no-show)
/// has none: a code on the member's screen would look like a ticket.
#[utoipa::path(get, path = "/api/v1/me/reservations/{event}/{code}/qr.svg", tag = "member", security(("member" = [])),
    params(("event" = String, Path), ("code" = String, Path)),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 404, body = super::dto::Problem),
        (status = 409, description = "cancelled, hold_expired or no_show: the ticket was given back", body = super::dto::Problem)))]
pub async fn qr(
    State(s): State<AppState>,
    auth: MemberAuth,
    Path((event, code)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let r = own_reservation(&s, &auth, &event, &code).await?;
    if let Some(refused) = crate::Error::given_back(&r) {
        return Err(refused.into());
    }
    let payload = format!("TG1:{}:{}", r.event, r.code);
    let svg = qrcode::QrCode::new(payload.as_bytes())
        .map_err(|e| ApiError::BadRequest(e.to_string()))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .build();
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "private, max-age=60"),
        ],
        svg,
    )
        .into_response())
}

/// Cancel: the ticket goes back to its pool.
#[utoipa::path(delete, path = "/api/v1/me/reservations/{event}/{code}", tag = "member", security(("member" = [])),
    params(("event" = String, Path), ("code" = String, Path)),
    responses((status = 200, body = ReservationDto), (status = 404, body = super::dto::Problem),
        (status = 409, description = "already_redeemed or cancelled", body = super::dto::Problem),
        (status = 429, body = super::dto::Problem)))]
pub async fn cancel(
    State(s): State<AppState>,
    auth: MemberAuth,
    Path((event, code)): Path<(String, String)>,
) -> Result<Json<ReservationDto>, ApiError> {
    let (event, code) = (event_param(&event)?, code_param(&code)?);
    s.limits.member_check(&auth.member.key)?;
    let r = s.engine.cancel(&event, &auth.member.key, &code).await?;
    Ok(Json(ReservationDto::from(&r)))
}
