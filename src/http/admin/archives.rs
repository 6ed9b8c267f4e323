//! Archives: archive a finished sale, list and download archives, and sum a
//! year of them. Staff see the archives of the sales their org owns.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::super::auth::AdminAuth;
use super::super::auth::StaffAuth;
use super::super::error::ApiError;
use super::super::params::{event_param, owned_event};
use super::super::state::AppState;
use crate::archive::{Header, YearSummary, beijing_year, path_of};
use crate::domain::{Error, Millis, OrgPath};

/// The archives staff may see.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ArchiveList {
    /// Without their definitions and lottery exports (download the file).
    pub archives: Vec<Header>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    /// A calendar year in Beijing time (2000 to 9999); this year when left out.
    #[param(minimum = 2000, maximum = 9999)]
    pub year: Option<i32>,
}

fn archives(s: &AppState) -> Result<&crate::engine::Archives, ApiError> {
    s.engine
        .archives()
        .ok_or_else(|| Error::Unavailable("no archive directory".into()).into())
}

fn owned(staff: &StaffAuth, h: &Header) -> bool {
    OrgPath::parse(&h.org).is_ok_and(|org| staff.owns(&org))
}

/// The header as listed: figures and summary, not the definition or the draw.
fn listed(mut h: Header) -> Header {
    h.definition.clear();
    h.lottery = None;
    h
}

/// Archives a finished sale: its whole state to one file (GET
/// `/admin/archives/{event}` downloads it), then its live state leaves the
/// store. 409 `not_archivable` says why not yet: the last show started less
/// than `--archive-min-age-days` ago, a ticket is held for payment, or a
/// waiting-list entry is in force. Archiving again finishes an archiving
/// that was interrupted, and answers the same.
#[utoipa::path(post, path = "/api/v1/admin/events/{event}/archive", tag = "admin", security(("staff" = [])),
    params(("event" = String, Path)),
    responses((status = 200, body = Header), (status = 400, body = crate::http::dto::Problem),
        (status = 404, body = crate::http::dto::Problem), (status = 409, body = crate::http::dto::Problem)))]
pub async fn archive(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    Path(event): Path<String>,
) -> Result<Json<Header>, ApiError> {
    let archives = archives(&s)?;
    let id = event_param(&event)?;
    let path = path_of(&archives.dir, &id);
    // A sale archived before is no longer in the store: its file says whose it is.
    match owned_event(&s, &staff, &event).await {
        Ok(_) => {}
        Err(ApiError::Engine(Error::UnknownEvent)) if path.exists() => {
            let header = crate::archive::read(&path, false)?.header;
            if !owned(&staff, &header) {
                return Err(ApiError::NotFound);
            }
        }
        Err(e) => return Err(e),
    }
    let header = s
        .engine
        .archive(&id, &archives.dir, archives.min_age_days)
        .await?;
    archives.headers(true)?;
    Ok(Json(listed(header)))
}

/// Every archive of the staff's org, by last show.
#[utoipa::path(get, path = "/api/v1/admin/archives", tag = "admin", security(("staff" = [])),
    responses((status = 200, body = ArchiveList)))]
pub async fn list_archives(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
) -> Result<Json<ArchiveList>, ApiError> {
    let all = archives(&s)?.headers(true)?;
    let archives = all
        .iter()
        .filter(|h| owned(&staff, h))
        .cloned()
        .map(listed)
        .collect();
    Ok(Json(ArchiveList { archives }))
}

/// One archive's file, as written (JSON lines: the header, each log entry,
/// the digest). `ticketgrab verify-archive <file>` checks it.
#[utoipa::path(get, path = "/api/v1/admin/archives/{event}", tag = "admin", security(("staff" = [])),
    params(("event" = String, Path)),
    responses((status = 200, content_type = "application/x-ndjson", body = String),
        (status = 400, body = crate::http::dto::Problem), (status = 404, body = crate::http::dto::Problem)))]
pub async fn download(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    Path(event): Path<String>,
) -> Result<Response, ApiError> {
    let archives = archives(&s)?;
    let path = path_of(&archives.dir, &event_param(&event)?);
    if !path.exists() {
        return Err(ApiError::NotFound);
    }
    let header = crate::archive::read(&path, false)?.header;
    if !owned(&staff, &header) {
        return Err(ApiError::NotFound);
    }
    let body = tokio::fs::read(&path)
        .await
        .map_err(|e| Error::Unavailable(format!("reading the archive: {e}")))?;
    let name = format!("attachment; filename=\"{event}.tgarchive\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        body,
    )
        .into_response())
}

/// A year of the org's archived sales summed: sales, tickets, seats,
/// distinct members reached, money.
#[utoipa::path(get, path = "/api/v1/admin/archives/summary", tag = "admin", security(("staff" = [])),
    params(YearQuery), responses((status = 200, body = YearSummary), (status = 400, body = crate::http::dto::Problem)))]
pub async fn summary(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    Query(q): Query<YearQuery>,
) -> Result<Json<YearSummary>, ApiError> {
    let year = q.year.unwrap_or_else(|| beijing_year(Millis::now().0));
    if !(2000..=9999).contains(&year) {
        return Err(Error::invalid("year must be between 2000 and 9999").into());
    }
    let dir = archives(&s)?.dir.clone();
    let summary = tokio::task::spawn_blocking(move || {
        crate::archive::year_summary(&dir, year, &|h| owned(&staff, h))
    })
    .await
    .map_err(|e| Error::Unavailable(format!("summing archives: {e}")))??;
    Ok(Json(summary))
}
