//! The member register (会员名册): staff of the federation import it as CSV
//! and look a card up. Sensitive personal data: the admin role of a
//! federation (an org of one level, `bj`) only; every import and lookup is
//! logged with who did it and how many rows; it is never exported, and no
//! answer repeats a card number in full.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use serde::{Deserialize, Serialize};

use super::super::auth::{AdminAuth, StaffAuth};
use super::super::error::ApiError;
use super::super::json::ApiJson;
use super::super::params::card_param;
use super::super::state::AppState;
use crate::engine::ImportReport;

/// The import's route: under no deadline and load shedding's permit (a
/// million rows take seconds), with room for its body; the admin role only.
pub fn imports() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/admin/register", axum::routing::post(import_register))
        .layer(axum::extract::DefaultBodyLimit::max(REGISTER_BODY_LIMIT))
}

/// The largest import: a million rows of `card,org,groups` and room over.
pub const REGISTER_BODY_LIMIT: usize = 128 << 20;

/// How many cards the register knows.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RegisterSummary {
    pub members: u64,
}

/// A card to look up.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupBody {
    pub card: String,
}

/// What the register knows of a card.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LookupResult {
    /// `6217 **** **** 1234`
    pub card: String,
    pub known: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
}

/// The register is the federation's: its own staff, not a district's.
fn federation(staff: &StaffAuth) -> Result<(), ApiError> {
    if staff.org.as_str().contains('/') {
        return Err(ApiError::Forbidden(
            "the member register is the federation's: its staff only",
        ));
    }
    Ok(())
}

/// Imports the register: `text/csv` with the header `card,org,groups`
/// (groups separated by `;`); a row with an empty org takes the card out.
/// Incremental and idempotent. Refused lines are reported (line, masked
/// card, reason) and change nothing; a bad header refuses the whole file.
#[utoipa::path(post, path = "/api/v1/admin/register", tag = "admin", security(("staff" = [])),
    request_body(content = String, content_type = "text/csv",
        description = "card,org,groups — e.g. `6217000010000000001,bj/chaoyang/jianwai,hardship`"),
    responses((status = 200, body = ImportReport), (status = 400, body = super::super::dto::Problem),
        (status = 401, body = super::super::dto::Problem), (status = 403, body = super::super::dto::Problem),
        (status = 413, body = super::super::dto::Problem)))]
pub async fn import_register(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<ImportReport>, ApiError> {
    federation(&staff)?;
    let csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/csv"));
    if !csv {
        return Err(ApiError::BadRequest(
            "the register is sent as text/csv".into(),
        ));
    }
    let bytes = axum::body::to_bytes(body, REGISTER_BODY_LIMIT)
        .await
        .map_err(|_| ApiError::PayloadTooLarge)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| ApiError::BadRequest("the register must be UTF-8 text".into()))?;
    let started = std::time::Instant::now();
    let mut report = s.engine.import_register(text).await?;
    // Each line's reason in the request's language, as a problem's detail.
    if super::super::request_id::lang() == super::super::lang::Lang::Zh {
        for e in &mut report.errors {
            if let Some(zh) = crate::domain::reason_zh(&e.reason) {
                e.reason = zh;
            }
        }
    }
    tracing::info!(
        staff = %staff.id,
        rows = report.rows,
        set = report.set,
        added = report.added,
        removed = report.removed,
        refused = report.refused,
        ms = started.elapsed().as_millis() as u64,
        "the member register was imported"
    );
    Ok(Json(report))
}

/// How many cards the register knows.
#[utoipa::path(get, path = "/api/v1/admin/register/summary", tag = "admin", security(("staff" = [])),
    responses((status = 200, body = RegisterSummary), (status = 401, body = super::super::dto::Problem),
        (status = 403, body = super::super::dto::Problem)))]
pub async fn register_summary(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
) -> Result<Json<RegisterSummary>, ApiError> {
    federation(&staff)?;
    let members = s.engine.register_len().await?;
    Ok(Json(RegisterSummary { members }))
}

/// What the register knows of one card (logged: who looked it up).
#[utoipa::path(post, path = "/api/v1/admin/register/lookup", tag = "admin", security(("staff" = [])),
    request_body = LookupBody,
    responses((status = 200, body = LookupResult), (status = 400, body = super::super::dto::Problem),
        (status = 401, body = super::super::dto::Problem), (status = 403, body = super::super::dto::Problem)))]
pub async fn register_lookup(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    ApiJson(body): ApiJson<LookupBody>,
) -> Result<Json<LookupResult>, ApiError> {
    federation(&staff)?;
    let card = card_param(&body.card)?;
    let entry = s.engine.registered(&card).await?;
    tracing::info!(staff = %staff.id, card = %card.masked().as_str(), rows = 1, known = entry.is_some(),
        "a card was looked up in the member register");
    Ok(Json(LookupResult {
        card: card.masked().as_str().to_owned(),
        known: entry.is_some(),
        org: entry.as_ref().map(|e| e.org.as_str().to_owned()),
        groups: entry.map(|e| e.groups.iter().map(|g| g.as_str().to_owned()).collect()),
    }))
}
