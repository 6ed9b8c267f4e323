//! The archives of a directory: their list, a year of them summed, and the
//! retention that takes the members out of old ones.

use std::collections::HashSet;
use std::path::Path;

use serde::Serialize;

use super::{Header, read};
use crate::domain::{Error, EventId, Millis};

/// The headers of every archive in `dir`, by last show then event. A file
/// whose header cannot be read is left out of the list with a warning in
/// the log (`verify-archive` says what is wrong with it): one damaged file
/// does not hide the others.
pub fn list(dir: &Path) -> Result<Vec<Header>, Error> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => {
            return Err(Error::Unavailable(format!(
                "reading {}: {e}",
                dir.display()
            )));
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "tgarchive") {
            match read(&path, false) {
                Ok(archive) => out.push(archive.header),
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "an archive's header cannot be read; left out of the list")
                }
            }
        }
    }
    out.sort_by(|a, b| (a.last_show, &a.event).cmp(&(b.last_show, &b.event)));
    Ok(out)
}

/// A year of archived sales (by their last show's Beijing year).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct YearSummary {
    pub year: i32,
    pub sales: i64,
    pub tickets: i64,
    pub seats: i64,
    /// Distinct members who kept a ticket, across the year's archives that
    /// still hold their members.
    pub members_reached: i64,
    /// Members of archives whose members the retention took out, counted
    /// once per sale (they may repeat across those sales).
    pub members_in_pruned_sales: i64,
    pub paid_fen: i64,
    pub refund_due_fen: i64,
}

/// The Beijing calendar year of a moment.
pub fn beijing_year(at: i64) -> i32 {
    use chrono::Datelike;
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).expect("a valid offset");
    Millis(at).to_datetime().with_timezone(&beijing).year()
}

/// Sums the archives of `year` in `dir`, replaying each one that still
/// holds its members to count each member once.
pub fn year_summary(
    dir: &Path,
    year: i32,
    which: &dyn Fn(&Header) -> bool,
) -> Result<YearSummary, Error> {
    let mut out = YearSummary {
        year,
        ..YearSummary::default()
    };
    let mut members: HashSet<String> = HashSet::new();
    let headers = list(dir)?;
    for header in headers
        .into_iter()
        .filter(|h| which(h) && beijing_year(h.last_show) == year)
    {
        out.sales += 1;
        out.tickets += header.summary.tickets;
        out.seats += header.summary.seats;
        out.paid_fen += header.summary.paid_fen;
        out.refund_due_fen += header.summary.refund_due_fen;
        if header.pruned_at.is_some() {
            out.members_in_pruned_sales += header.summary.members;
            continue;
        }
        let path = super::path_of(dir, &EventId::parse(&header.event)?);
        let snap = super::verify::replay(&read(&path, true)?)?;
        members.extend(super::members_kept(&snap).map(str::to_owned));
    }
    out.members_reached = members.len() as i64;
    Ok(out)
}

/// Takes the members out of every archive whose last show is more than
/// `days` days before `now`: the file keeps its header (figures, summary,
/// the lottery's published draw without its entries) and loses its log.
/// Returns the events pruned.
pub fn prune(dir: &Path, days: u64, now: Millis) -> Result<Vec<String>, Error> {
    let horizon = now.0 - (days as i64) * 86_400_000;
    let mut pruned = Vec::new();
    for mut header in list(dir)? {
        if header.pruned_at.is_some() || header.last_show >= horizon {
            continue;
        }
        header.pruned_at = Some(now.0);
        header.entries = 0;
        if let Some(serde_json::Value::Object(export)) = &mut header.lottery {
            export.remove("entries");
        }
        super::write(dir, &header, &[])?;
        pruned.push(header.event);
    }
    Ok(pruned)
}
