//! Admin routes: create and run sales, export, audit, and the live stream.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::Stream;

use super::auth::AdminAuth;
use super::dto::{
    AdminEventDto, AdminEventList, ConfirmedBody, CreateEventBody, RestockBody, RestockResult,
    StatusResult,
};
use super::error::ApiError;
use super::json::ApiJson;
use super::params::owned_event;
use super::state::AppState;
use crate::domain::{Event, EventId, Millis, OrgPath, Pool, PoolId, StatusAction};

/// Room for the codes of a 25,000-ticket sale and more.
const CONFIRMED_BODY_LIMIT: usize = 4 << 20;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/events", post(create).get(list))
        .route("/admin/events/{event}", get(detail))
        .route("/admin/events/{event}/pools/{pool}/restock", post(restock))
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
}

fn bad(e: crate::Error) -> ApiError {
    ApiError::BadRequest(e.to_string())
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
    let event = Event {
        id: EventId::parse(&body.id).map_err(bad)?,
        title: body.title,
        org: OrgPath::parse(&body.org).map_err(bad)?,
        opens_at: Millis::from_datetime(body.opens_at),
        closes_at: Millis::from_datetime(body.closes_at),
        price_fen: body.price_fen,
        pools: body
            .pools
            .into_iter()
            .map(|p| {
                Ok(Pool {
                    id: PoolId::parse(&p.id).map_err(bad)?,
                    title: p.title,
                    total: p.total,
                })
            })
            .collect::<Result<_, ApiError>>()?,
    };
    if !staff.owns(&event.org) {
        return Err(ApiError::Forbidden("the event's org is outside yours"));
    }
    s.engine.create_event(&event).await?;
    let view = s.engine.event(&event.id).await?;
    let location = format!("/api/v1/admin/events/{}", event.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(AdminEventDto::new(&view, None)),
    )
        .into_response())
}

async fn owned_events(
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
        let rate = s.engine.grab_rate(&v.event.id).await.ok();
        events.push(AdminEventDto::new(v, rate));
    }
    Ok(AdminEventList {
        events,
        server_time: server_time.to_datetime(),
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

async fn set_status(
    s: &AppState,
    staff: &super::auth::StaffAuth,
    event: &str,
    action: StatusAction,
) -> Result<Json<StatusResult>, ApiError> {
    let (id, _) = owned_event(s, staff, event).await?;
    let status = s.engine.set_status(&id, action).await?;
    tracing::info!(event = %id, staff = %staff.id, action = action.as_str(), "sale status changed");
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

/// All reservations as CSV, cards masked.
#[utoipa::path(get, path = "/api/v1/admin/events/{event}/reservations.csv", tag = "admin", security(("staff" = [])),
    params(("event" = String, Path)), responses((status = 200, content_type = "text/csv", body = String)))]
pub async fn export(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    Path(event): Path<String>,
) -> Result<Response, ApiError> {
    let (id, _) = owned_event(&s, &staff, &event).await?;
    let snapshot = s.engine.snapshot(&id).await?;
    let mut csv =
        String::from("code,pool,status,channel,card,created_at,redeemed_at,cancelled_at\n");
    let time = |t: Option<Millis>| t.map(Millis::rfc3339).unwrap_or_default();
    for r in &snapshot.reservations {
        // Every field is from a fixed alphabet (codes, slugs, masked digits, times):
        // nothing needs quoting.
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            r.code,
            r.pool,
            r.status.as_str(),
            r.channel.as_str(),
            r.card.as_str(),
            r.created_at.rfc3339(),
            time(r.redeemed_at),
            time(r.cancelled_at)
        ));
    }
    let disposition = format!("attachment; filename=\"{id}-reservations.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        csv,
    )
        .into_response())
}

/// Checks stock + active + redeemed == total per pool, one live reservation per
/// member, and the log stream against the state.
#[utoipa::path(get, path = "/api/v1/admin/events/{event}/audit", tag = "admin", security(("staff" = [])),
    params(("event" = String, Path)), responses((status = 200, body = crate::audit::AuditReport)))]
pub async fn audit(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    Path(event): Path<String>,
) -> Result<Json<crate::audit::AuditReport>, ApiError> {
    let (id, _) = owned_event(&s, &staff, &event).await?;
    Ok(Json(s.engine.audit(&id).await?))
}

/// The audit, plus: every ticket in `confirmed` (codes that members were told
/// they hold) must still be in the store. After a failover this is what shows
/// lost tickets.
#[utoipa::path(post, path = "/api/v1/admin/events/{event}/audit", tag = "admin", security(("staff" = [])),
    params(("event" = String, Path)), request_body = ConfirmedBody, responses((status = 200, body = crate::audit::AuditReport)))]
pub async fn audit_confirmed(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    Path(event): Path<String>,
    ApiJson(body): ApiJson<ConfirmedBody>,
) -> Result<Json<crate::audit::AuditReport>, ApiError> {
    let (id, _) = owned_event(&s, &staff, &event).await?;
    let codes = body
        .confirmed
        .iter()
        .map(|c| crate::domain::Code::parse(c).map_err(bad))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(s.engine.audit_confirmed(&id, &codes).await?))
}

/// Server-sent events: `stats` with every event of the staff member's org, sent
/// each second when anything changed (and as a heartbeat every 15 s).
#[utoipa::path(get, path = "/api/v1/admin/stream", tag = "admin", security(("staff" = [])),
    responses((status = 200, content_type = "text/event-stream", body = AdminEventList)))]
pub async fn stream(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let stream = async_stream::stream! {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut last = String::new();
        let mut quiet = 0;
        loop {
            tick.tick().await;
            let Ok(list) = owned_events(&s, &staff).await else {
                yield Ok(SseEvent::default().event("error").data("store unavailable"));
                continue;
            };
            // Compare without the clock, so an idle sale sends nothing new.
            let fingerprint = serde_json::to_string(&list.events.iter().map(|e| (&e.pools, &e.sale_status, &e.status, &e.grabs_per_second)).collect::<Vec<_>>()).unwrap_or_default();
            quiet += 1;
            if fingerprint != last || quiet >= 15 {
                last = fingerprint;
                quiet = 0;
                let data = serde_json::to_string(&list).unwrap_or_default();
                yield Ok(SseEvent::default().event("stats").data(data));
            }
        }
    };
    Sse::new(stream).keep_alive(KeepAlive::default())
}
