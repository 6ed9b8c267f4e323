//! A pool's kept parts as staff see them: each share's group and each
//! allotment's union, its seats at creation, its release time, and what it
//! has left (docs/design/shares.md). Members never see these.

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{Error, Kept, KeptFor, Move, Pool, PoolId, PoolStats};
use crate::http::auth::AdminAuth;
use crate::http::error::ApiError;
use crate::http::json::ApiJson;
use crate::http::params::{bad_request as bad, owned_event};
use crate::http::state::AppState;

/// One kept part of a pool.
#[derive(Serialize, ToSchema)]
pub struct PartDto {
    /// Its number in the pool (shares first, then allotments), as the log's
    /// `part` says it.
    pub part: u8,
    /// `s1`, `s2`… for shares, `a1`, `a2`… for allotments.
    pub name: String,
    /// The group a share keeps its seats for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The union an allotment keeps its seats for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// Seats kept at creation.
    pub seats: i64,
    pub release_at: DateTime<Utc>,
    /// Seats it has left (0 once released: they are everyone's then).
    pub left: i64,
    pub released: bool,
}

/// The parts of `pool` with its live figures.
pub fn parts_of(stats: &PoolStats, pool: &Pool) -> Vec<PartDto> {
    pool.kept
        .iter()
        .zip(&stats.kept)
        .enumerate()
        .map(|(i, (k, left))| {
            let (group, org) = match &k.rule {
                KeptFor::Group(g) => (Some(g.as_str().to_owned()), None),
                KeptFor::Org(o) => (None, Some(o.as_str().to_owned())),
            };
            PartDto {
                part: left.part,
                name: Kept::name(&pool.kept, i),
                group,
                org,
                seats: k.seats,
                release_at: k.release_at.to_datetime(),
                left: left.left,
                released: left.released,
            }
        })
        .collect()
}

/// Seats to move: from a part (`s1`, `a2`…, or `public` for everyone's
/// seats) to another.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    pub from: String,
    pub to: String,
    #[serde(deserialize_with = "crate::http::json::whole_number")]
    pub seats: i64,
}

/// What a move did: what the two parts have left.
#[derive(Serialize, ToSchema)]
pub struct MoveResult {
    pub pool: String,
    pub from: String,
    pub to: String,
    pub seats: i64,
    pub from_left: i64,
    pub to_left: i64,
}

/// Move seats between a pool's shares and allotments, or between one and
/// everyone's seats (those go to the waiting list first): one step, logged.
#[utoipa::path(post, path = "/api/v1/admin/events/{event}/pools/{pool}/move", tag = "admin",
    security(("staff" = [])), params(("event" = String, Path), ("pool" = String, Path)),
    request_body = MoveBody,
    responses((status = 200, body = MoveResult), (status = 400, body = crate::http::dto::Problem),
        (status = 404, body = crate::http::dto::Problem),
        (status = 409, description = "below_zero: fewer seats left in `from`; part_released: \
            `from` or `to` was released", body = crate::http::dto::Problem)))]
pub async fn move_seats(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    Path((event, pool)): Path<(String, String)>,
    ApiJson(body): ApiJson<MoveBody>,
) -> Result<Json<MoveResult>, ApiError> {
    let (id, view) = owned_event(&s, &staff, &event).await?;
    let pool = PoolId::parse(&pool).map_err(bad)?;
    let def = view
        .event
        .pools
        .iter()
        .find(|p| p.id == pool)
        .ok_or_else(|| ApiError::from(Error::UnknownPool(pool.to_string())))?;
    // A part by its name (`public`: 0); the number the log says.
    let part = |name: &str| -> Result<u8, ApiError> {
        if name == "public" {
            return Ok(0);
        }
        (0..def.kept.len())
            .find(|i| Kept::name(&def.kept, *i) == name)
            .map(|i| u8::try_from(i + 1).expect("at most MAX_KEPT parts"))
            .ok_or_else(|| {
                bad(Error::invalid(format!(
                    "pool {pool} has no part {name:?} (public, s1…, a1…)"
                )))
            })
    };
    let m = Move {
        pool: pool.clone(),
        from: part(&body.from)?,
        to: part(&body.to)?,
        seats: body.seats,
    };
    let (from_left, to_left) = s.engine.move_seats(&id, &m).await?;
    tracing::info!(staff = %staff.id, event = %id, pool = %pool, from = %body.from,
        to = %body.to, seats = m.seats, "seats moved between kept parts");
    Ok(Json(MoveResult {
        pool: pool.to_string(),
        from: body.from,
        to: body.to,
        seats: m.seats,
        from_left,
        to_left,
    }))
}
