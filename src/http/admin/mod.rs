//! Admin routes: create and run sales, export, audit, and the live stream.

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub mod archives;
pub mod dto;
pub mod orgs;
pub mod parts;
pub mod programs;
pub mod register;
pub mod reports;
pub mod stream;

use self::dto::{
    AdminEventDto, AdminEventList, CreateEventBody, ReleaseResult, RestockBody, RestockResult,
    StatusResult,
};
use self::reports::{audit, audit_confirmed, export};
use self::stream::stream;
use super::auth::AdminAuth;
use super::error::ApiError;
use super::json::ApiJson;
use super::params::{bad_request as bad, owned_event, seats_param};
use super::state::AppState;
use crate::domain::{Event, EventId, Millis, OrgPath, Pool, PoolId, ProgramId, StatusAction};

/// Room for the codes of a 25,000-ticket sale and more.
const CONFIRMED_BODY_LIMIT: usize = 4 << 20;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/events", post(create).get(list))
        .route("/admin/events/{event}", get(detail))
        .route("/admin/events/{event}/pools/{pool}/restock", post(restock))
        .route(
            "/admin/events/{event}/pools/{pool}/move",
            post(parts::move_seats),
        )
        .route(
            "/admin/events/{event}/pools/{pool}/release-unredeemed",
            post(release_unredeemed),
        )
        .route("/admin/events/{event}/pause", post(pause))
        .route("/admin/events/{event}/resume", post(resume))
        .route("/admin/events/{event}/close", post(close))
        .route("/admin/events/{event}/reservations.csv", get(export))
        .route(
            "/admin/events/{event}/audit",
            get(audit)
                .post(audit_confirmed)
                .layer(DefaultBodyLimit::max(CONFIRMED_BODY_LIMIT)),
        )
        .route("/admin/stream", get(stream))
        .route("/admin/orgs", get(orgs::orgs))
        .route("/admin/events/{event}/archive", post(archives::archive))
        .route("/admin/archives", get(archives::list_archives))
        .route("/admin/archives/summary", get(archives::summary))
        .route("/admin/archives/{event}", get(archives::download))
        .route(
            "/admin/programs",
            post(programs::create_program).get(programs::list_programs),
        )
        .route("/admin/programs/{program}", get(programs::program_detail))
        .route("/admin/register/summary", get(register::register_summary))
        .route("/admin/register/lookup", post(register::register_lookup))
        .route(
            "/admin/programs/{program}/members.csv",
            get(programs::program_members_csv),
        )
}

/// A sale's payment hold in minutes: as given (0 to a day), else 15 for a
/// priced sale and none for a free one.
fn hold_minutes(given: Option<i64>, price_fen: i64) -> Result<i64, ApiError> {
    match given {
        None if price_fen > 0 => Ok(crate::domain::DEFAULT_HOLD_MINUTES),
        None => Ok(0),
        Some(m) if (0..=24 * 60).contains(&m) => Ok(m),
        Some(_) => Err(ApiError::BadRequest(
            "hold_minutes must be 0 to 1440".into(),
        )),
    }
}

/// Create a sale; 409 `exists` if the id is taken.
#[utoipa::path(post, path = "/api/v1/admin/events", tag = "admin", security(("staff" = [])),
    request_body = CreateEventBody,
    responses((status = 201, body = AdminEventDto), (status = 400, body = super::dto::Problem),
        (status = 403, body = super::dto::Problem), (status = 409, body = super::dto::Problem)))]
pub async fn create(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    ApiJson(body): ApiJson<CreateEventBody>,
) -> Result<Response, ApiError> {
    let details = body.details();
    let lottery = body.lottery().map_err(|e| ApiError::BadRequest(e.into()))?;
    let event = Event {
        lottery,
        program: body
            .program
            .as_deref()
            .map(ProgramId::parse)
            .transpose()
            .map_err(bad)?,
        id: EventId::parse(&body.id).map_err(bad)?,
        title: body.title,
        details,
        org: OrgPath::parse(&body.org).map_err(bad)?,
        opens_at: Millis::from_datetime(body.opens_at),
        closes_at: Millis::from_datetime(body.closes_at),
        price_fen: body.price_fen,
        max_seats: seats_param("max_seats", body.max_seats)?.get(),
        hold_ms: hold_minutes(body.hold_minutes, body.price_fen)? * 60_000,
        pools: body
            .pools
            .into_iter()
            .map(|p| {
                Ok(Pool {
                    kept: p.kept().map_err(bad)?,
                    id: PoolId::parse(&p.id).map_err(bad)?,
                    details: p.details(),
                    title: p.title,
                    total: p.total,
                })
            })
            .collect::<Result<_, ApiError>>()?,
    };
    if !staff.owns(&event.org) {
        return Err(ApiError::Forbidden("the event's org is outside yours"));
    }
    if let Some(p) = &event.program {
        match s.engine.program(p).await {
            Ok(program) if !staff.owns(&program.org) => {
                return Err(ApiError::Forbidden("the program's org is outside yours"));
            }
            Ok(_) => {}
            Err(crate::domain::Error::UnknownProgram) => {
                return Err(ApiError::BadRequest("no such program".into()));
            }
            Err(e) => return Err(e.into()),
        }
    }
    match s.engine.create_event(&event).await {
        Err(crate::domain::Error::UnknownProgram) => {
            return Err(ApiError::BadRequest("no such program".into()));
        }
        other => other?,
    }
    let view = s.engine.event(&event.id).await?;
    let location = format!("/api/v1/admin/events/{}", event.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(AdminEventDto::new(&view, None)),
    )
        .into_response())
}

pub(crate) async fn owned_events(
    s: &AppState,
    staff: &super::auth::StaffAuth,
) -> Result<AdminEventList, ApiError> {
    let views = s.engine.events().await?;
    let server_time = views
        .iter()
        .map(|v| v.server_time)
        .max()
        .unwrap_or_else(Millis::now);
    let mut events = Vec::new();
    for v in views.iter().filter(|v| staff.owns(&v.event.org)) {
        // The last minute's grabs: none outside the window (give or take a
        // minute), so only a sale selling now costs a read.
        let selling = v.event.opens_at.0 - 60_000 <= server_time.0
            && server_time.0 <= v.event.closes_at.0 + 60_000;
        let rate = if selling {
            s.engine.grab_rate(&v.event.id).await.ok()
        } else {
            Some(vec![0; 60])
        };
        events.push(AdminEventDto::new(v, rate));
    }
    Ok(AdminEventList {
        events,
        server_time: server_time.to_datetime(),
        refused: s.metrics.refusals(),
    })
}

/// Events in the staff member's org, with per-pool stats.
#[utoipa::path(get, path = "/api/v1/admin/events", tag = "admin", security(("staff" = [])),
    responses((status = 200, body = AdminEventList)))]
pub async fn list(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
) -> Result<Json<AdminEventList>, ApiError> {
    Ok(Json(owned_events(&s, &staff).await?))
}

/// Per pool: total, remaining, active, redeemed, cancelled; and grabs per second
/// over the last minute.
#[utoipa::path(get, path = "/api/v1/admin/events/{event}", tag = "admin", security(("staff" = [])),
    params(("event" = String, Path)),
    responses((status = 200, body = AdminEventDto), (status = 404, body = super::dto::Problem)))]
pub async fn detail(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    Path(event): Path<String>,
) -> Result<Json<AdminEventDto>, ApiError> {
    let (id, view) = owned_event(&s, &staff, &event).await?;
    Ok(Json(AdminEventDto::new(
        &view,
        Some(s.engine.grab_rate(&id).await?),
    )))
}

/// Add stock (delta > 0) or withdraw unsold stock (delta < 0; never below 0: 409 below_zero).
#[utoipa::path(post, path = "/api/v1/admin/events/{event}/pools/{pool}/restock", tag = "admin",
    security(("staff" = [])), params(("event" = String, Path), ("pool" = String, Path)),
    request_body = RestockBody,
    responses((status = 200, body = RestockResult), (status = 400, body = super::dto::Problem),
        (status = 404, body = super::dto::Problem), (status = 409, body = super::dto::Problem)))]
pub async fn restock(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    Path((event, pool)): Path<(String, String)>,
    ApiJson(body): ApiJson<RestockBody>,
) -> Result<Json<RestockResult>, ApiError> {
    let (id, _) = owned_event(&s, &staff, &event).await?;
    let pool = PoolId::parse(&pool).map_err(bad)?;
    let r = s.engine.restock(&id, &pool, body.delta).await?;
    Ok(Json(RestockResult {
        pool: pool.to_string(),
        remaining: r.remaining,
        total: r.total,
    }))
}

/// Release the seats of a pool's paid tickets nobody used, once the session
/// has begun: they become `no_show`, and their seats go to the waiting list
/// first, then to walk-ups at the station and the app.
#[utoipa::path(post, path = "/api/v1/admin/events/{event}/pools/{pool}/release-unredeemed", tag = "admin",
    security(("staff" = [])), params(("event" = String, Path), ("pool" = String, Path)),
    responses((status = 200, body = ReleaseResult), (status = 400, body = super::dto::Problem),
        (status = 404, body = super::dto::Problem),
        (status = 409, description = "not_open: the sale has not begun", body = super::dto::Problem)))]
pub async fn release_unredeemed(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    Path((event, pool)): Path<(String, String)>,
) -> Result<Json<ReleaseResult>, ApiError> {
    let (id, _) = owned_event(&s, &staff, &event).await?;
    let pool = PoolId::parse(&pool).map_err(bad)?;
    let r = s.engine.release_unredeemed(&id, &pool).await?;
    let view = s.engine.event(&id).await?;
    let remaining = view
        .pools
        .iter()
        .find(|p| p.id == pool)
        .map_or(0, |p| p.remaining);
    Ok(Json(ReleaseResult {
        pool: pool.to_string(),
        released: r.reservations,
        seats: r.seats,
        remaining,
    }))
}

async fn set_status(
    s: &AppState,
    staff: &super::auth::StaffAuth,
    event: &str,
    action: StatusAction,
) -> Result<Json<StatusResult>, ApiError> {
    let (id, _) = owned_event(s, staff, event).await?;
    let status = s.engine.set_status(&id, action).await?;
    let request = crate::http::request_id::current().map(|r| r.to_string());
    tracing::info!(event = %id, staff = %staff.id, action = action.as_str(), request = ?request, "sale status changed");
    Ok(Json(StatusResult {
        event: id.to_string(),
        sale_status: status.as_str().to_owned(),
    }))
}

/// Stop grabbing now.
#[utoipa::path(post, path = "/api/v1/admin/events/{event}/pause", tag = "admin", security(("staff" = [])),
    params(("event" = String, Path)), responses((status = 200, body = StatusResult), (status = 409, body = super::dto::Problem)))]
pub async fn pause(
    State(s): State<AppState>,
    AdminAuth(a): AdminAuth,
    Path(e): Path<String>,
) -> Result<Json<StatusResult>, ApiError> {
    set_status(&s, &a, &e, StatusAction::Pause).await
}

/// Let grabbing go on.
#[utoipa::path(post, path = "/api/v1/admin/events/{event}/resume", tag = "admin", security(("staff" = [])),
    params(("event" = String, Path)), responses((status = 200, body = StatusResult), (status = 409, body = super::dto::Problem)))]
pub async fn resume(
    State(s): State<AppState>,
    AdminAuth(a): AdminAuth,
    Path(e): Path<String>,
) -> Result<Json<StatusResult>, ApiError> {
    set_status(&s, &a, &e, StatusAction::Resume).await
}

/// End the sale for good.
#[utoipa::path(post, path = "/api/v1/admin/events/{event}/close", tag = "admin", security(("staff" = [])),
    params(("event" = String, Path)), responses((status = 200, body = StatusResult)))]
pub async fn close(
    State(s): State<AppState>,
    AdminAuth(a): AdminAuth,
    Path(e): Path<String>,
) -> Result<Json<StatusResult>, ApiError> {
    set_status(&s, &a, &e, StatusAction::Close).await
}
