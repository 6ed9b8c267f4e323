//! Programs (普惠): create and list them, see what one reached, export its
//! members' counts. Staff see the programs their org owns.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::super::auth::{AdminAuth, StaffAuth};
use super::super::error::ApiError;
use super::super::json::ApiJson;
use super::super::params::{bad_request as bad, program_param};
use super::super::state::AppState;
use crate::domain::{DrawOrder, Error, Millis, OrgPath, Program, ProgramId};
use crate::engine::Reach;

/// A new program.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProgramBody {
    /// `a-z`, `0-9`, `-`, `_`, 1 to 40 characters.
    pub id: String,
    pub title: String,
    /// Its sales are for this union or unions under it.
    pub org: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The most tickets a member may hold across its sales (1 to 100).
    #[serde(deserialize_with = "crate::http::json::whole_number")]
    pub cap: i64,
    /// `rank` (default): draws by the HMAC rank alone; `fewer_wins_first`:
    /// members with fewer tickets in the program first.
    pub draw_order: Option<String>,
}

/// A program as staff see it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProgramDto {
    pub id: String,
    pub title: String,
    pub org: String,
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: DateTime<Utc>,
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: DateTime<Utc>,
    pub cap: u32,
    pub draw_order: String,
}

impl From<&Program> for ProgramDto {
    fn from(p: &Program) -> Self {
        Self {
            id: p.id.to_string(),
            title: p.title.clone(),
            org: p.org.as_str().to_owned(),
            starts_at: p.starts_at.to_datetime(),
            ends_at: p.ends_at.to_datetime(),
            cap: p.cap,
            draw_order: p.draw_order.as_str().to_owned(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProgramList {
    pub programs: Vec<ProgramDto>,
}

/// One program and what it reached.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProgramReport {
    pub program: ProgramDto,
    pub reach: Reach,
}

/// The program, if it is one the staff's org owns (else 404, as if there
/// were none).
async fn owned_program(
    s: &AppState,
    staff: &StaffAuth,
    id: &str,
) -> Result<std::sync::Arc<Program>, ApiError> {
    let id = program_param(id)?;
    let program = s.engine.program(&id).await?;
    if !staff.owns(&program.org) {
        return Err(Error::UnknownProgram.into());
    }
    Ok(program)
}

/// Creates a program; 409 `program_exists` if the id is taken.
#[utoipa::path(post, path = "/api/v1/admin/programs", tag = "admin", security(("staff" = [])),
    request_body = CreateProgramBody,
    responses((status = 201, body = ProgramDto), (status = 400, body = crate::http::dto::Problem),
        (status = 403, body = crate::http::dto::Problem), (status = 409, body = crate::http::dto::Problem)))]
pub async fn create_program(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    ApiJson(body): ApiJson<CreateProgramBody>,
) -> Result<Response, ApiError> {
    let draw_order = match body.draw_order.as_deref() {
        None => DrawOrder::Rank,
        Some(o) => DrawOrder::parse(o)
            .ok_or_else(|| ApiError::BadRequest("draw_order is rank or fewer_wins_first".into()))?,
    };
    let program = Program {
        id: ProgramId::parse(&body.id).map_err(bad)?,
        title: body.title,
        org: OrgPath::parse(&body.org).map_err(bad)?,
        starts_at: Millis::from_datetime(body.starts_at),
        ends_at: Millis::from_datetime(body.ends_at),
        cap: u32::try_from(body.cap)
            .map_err(|_| ApiError::BadRequest("cap must be 1 to 100".into()))?,
        draw_order,
    };
    if !staff.owns(&program.org) {
        return Err(ApiError::Forbidden("the program's org is outside yours"));
    }
    s.engine.create_program(&program).await?;
    Ok((StatusCode::CREATED, Json(ProgramDto::from(&program))).into_response())
}

/// The programs of the staff's org, by id.
#[utoipa::path(get, path = "/api/v1/admin/programs", tag = "admin", security(("staff" = [])),
    responses((status = 200, body = ProgramList)))]
pub async fn list_programs(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
) -> Result<Json<ProgramList>, ApiError> {
    let programs = s.engine.programs().await?;
    Ok(Json(ProgramList {
        programs: programs
            .iter()
            .filter(|p| staff.owns(&p.org))
            .map(ProgramDto::from)
            .collect(),
    }))
}

/// One program and what it reached: members reached, tickets per member,
/// each sale's share of first-time winners.
#[utoipa::path(get, path = "/api/v1/admin/programs/{program}", tag = "admin", security(("staff" = [])),
    params(("program" = String, Path)),
    responses((status = 200, body = ProgramReport), (status = 400, body = crate::http::dto::Problem),
        (status = 404, body = crate::http::dto::Problem)))]
pub async fn program_detail(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    Path(program): Path<String>,
) -> Result<Json<ProgramReport>, ApiError> {
    let program = owned_program(&s, &staff, &program).await?;
    let counted = s.engine.reach(&program.id).await?;
    Ok(Json(ProgramReport {
        program: ProgramDto::from(&*program),
        reach: counted.reach,
    }))
}

/// Its members' counts by member key (never a card): tickets kept across
/// its sales, and places held under the cap now (tickets, and lottery
/// entries until their draw).
#[utoipa::path(get, path = "/api/v1/admin/programs/{program}/members.csv", tag = "admin", security(("staff" = [])),
    params(("program" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 400, body = crate::http::dto::Problem), (status = 404, body = crate::http::dto::Problem)))]
pub async fn program_members_csv(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    Path(program): Path<String>,
) -> Result<Response, ApiError> {
    let program = owned_program(&s, &staff, &program).await?;
    let counted = s.engine.reach(&program.id).await?;
    let mut places = std::collections::BTreeMap::new();
    let mut cursor = String::new();
    loop {
        let (page, next) = s.engine.store().places_page(&program.id, &cursor).await?;
        places.extend(page);
        match next {
            Some(n) => cursor = n,
            None => break,
        }
    }
    let mut rows: Vec<(&str, u32, u32)> = counted
        .tickets
        .iter()
        .map(|(m, n)| (m.as_str(), *n, places.get(m).copied().unwrap_or(0)))
        .collect();
    rows.extend(
        places
            .iter()
            .filter(|(m, _)| !counted.tickets.contains_key(*m))
            .map(|(m, n)| (m.as_str(), 0, *n)),
    );
    rows.sort();
    let mut csv = String::from("member_key,tickets,places\n");
    for (m, t, p) in rows {
        csv.push_str(&format!("{m},{t},{p}\n"));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-members.csv\"", program.id),
            ),
        ],
        csv,
    )
        .into_response())
}
