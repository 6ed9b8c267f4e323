//! Archives of finished sales: one self-contained file per sale (JSON
//! lines: a header with the definition, the final figures and the lottery's
//! published draw; then every log entry; then a digest of all of it), which
//! `ticketgrab verify-archive` checks by replaying the log with the
//! embedded store's rules. The engine writes one before a sale's live state
//! leaves the store (engine/archive.rs); staff list and download them, and
//! sum a year of them (summary.rs).

mod file;
mod summary;
mod verify;

use serde::{Deserialize, Serialize};

pub use file::{Read, path_of, read, write};
pub use summary::{YearSummary, beijing_year, list, prune, year_summary};
pub use verify::{replay, verify};

use crate::domain::{Snapshot, Status};

/// The first field of every archive's header.
pub const FORMAT: &str = "ticketgrab-archive-1";

/// An archive's first line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Header {
    pub format: String,
    pub event: String,
    pub title: String,
    pub org: String,
    /// ms since the epoch, as everywhere in the API.
    pub opens_at: i64,
    pub closes_at: i64,
    /// When the sale's last show started (the age of an archive counts from it).
    pub last_show: i64,
    pub archived_at: i64,
    /// Set when the retention period took the members out: from then on the
    /// archive holds counts only (no log, no lottery entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pruned_at: Option<i64>,
    /// The sale's status when archived.
    pub status: String,
    pub pools: Vec<PoolFigures>,
    pub summary: Summary,
    /// The definition, as (field, value) pairs (the journal's encoding).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Vec<String>>)]
    pub definition: Vec<(String, String)>,
    /// The stream id (or the embedded store's position) of the last entry.
    pub log_end: String,
    /// Log entries that follow the header.
    pub entries: u64,
    /// The lottery's published export (`GET .../lottery/export`), if drawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub lottery: Option<serde_json::Value>,
}

/// One pool's final figures, in seats.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PoolFigures {
    pub pool: String,
    pub total: i64,
    pub remaining: i64,
    pub held: i64,
    pub active: i64,
    pub redeemed: i64,
    pub cancelled: i64,
    pub expired: i64,
    pub no_show: i64,
}

/// What a sale gave: tickets kept (active, redeemed or released as a
/// no-show), their seats, the members who kept one, and the money.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Summary {
    pub tickets: i64,
    pub seats: i64,
    pub members: i64,
    pub paid_fen: i64,
    pub refund_due_fen: i64,
}

/// Whether a ticket in this state was given to its member for good.
fn kept(status: Status) -> bool {
    matches!(status, Status::Active | Status::Redeemed | Status::NoShow)
}

/// The final figures and the summary of a sale's state.
pub fn figures(snap: &Snapshot) -> (Vec<PoolFigures>, Summary) {
    let pools = snap
        .view
        .pools
        .iter()
        .map(|p| PoolFigures {
            pool: p.id.to_string(),
            total: p.total,
            remaining: p.remaining,
            held: p.held,
            active: p.active,
            redeemed: p.redeemed,
            cancelled: p.cancelled,
            expired: p.expired,
            no_show: p.no_show,
        })
        .collect();
    let kept_ones: Vec<_> = snap
        .reservations
        .iter()
        .filter(|r| kept(r.status))
        .collect();
    let members: std::collections::HashSet<_> = kept_ones.iter().map(|r| &r.member).collect();
    let mut summary = Summary {
        tickets: kept_ones.len() as i64,
        seats: kept_ones.iter().map(|r| i64::from(r.seats)).sum(),
        members: members.len() as i64,
        ..Summary::default()
    };
    for entry in &snap.log {
        match &entry.op {
            crate::domain::LogOp::Paid { amount, .. } => summary.paid_fen += amount,
            crate::domain::LogOp::RefundDue { amount, .. } => summary.refund_due_fen += amount,
            _ => {}
        }
    }
    (pools, summary)
}

/// The members who kept a ticket (for a year's distinct count).
pub fn members_kept(snap: &Snapshot) -> impl Iterator<Item = &str> {
    snap.reservations
        .iter()
        .filter(|r| kept(r.status))
        .map(|r| r.member.as_str())
}
