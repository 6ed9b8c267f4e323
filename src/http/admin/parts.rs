//! A pool's kept parts as staff see them: each share's group and each
//! allotment's union, its seats at creation, its release time, and what it
//! has left (docs/design/shares.md). Members never see these.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{Kept, KeptFor, Pool, PoolStats};

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
