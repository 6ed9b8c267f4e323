//! Programs (普惠): a year of sales for the same members under one cap. A
//! program's `cap` is the most tickets a member may hold across all of its
//! sales; a ticket counts once whatever its seats, while it is live or used
//! (held, active, redeemed, no_show), and a lottery entry holds a place until
//! its draw is published. [`place_delta`] is that rule over the log: both
//! stores count by it, and the audit recounts by it.

use serde::{Deserialize, Serialize};

use super::event::check_title;
use super::{Error, Event, LogOp, MemberKey, Millis, OrgPath, ProgramId};

/// The most tickets a program's cap may allow a member.
pub const MAX_CAP: u32 = 100;

/// A page of members' places in a program, and the next page's cursor
/// (`None` after the last).
pub type PlacesPage = (Vec<(MemberKey, u32)>, Option<String>);

/// The order of a program's lottery draws.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrawOrder {
    /// The HMAC rank alone, as outside programs.
    #[default]
    Rank,
    /// Members with fewer tickets in the program (counted at the close)
    /// first; within a tier, the HMAC rank.
    FewerWinsFirst,
}

impl DrawOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rank => "rank",
            Self::FewerWinsFirst => "fewer_wins_first",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "rank" => Some(Self::Rank),
            "fewer_wins_first" => Some(Self::FewerWinsFirst),
            _ => None,
        }
    }
}

/// A program as staff created it. Immutable once created: its sales copy
/// its cap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub id: ProgramId,
    pub title: String,
    /// Its sales are for this union or unions under it.
    pub org: OrgPath,
    pub starts_at: Millis,
    pub ends_at: Millis,
    pub cap: u32,
    pub draw_order: DrawOrder,
}

impl Program {
    pub fn validate(&self) -> Result<(), Error> {
        check_title("program title", &self.title)?;
        if self.starts_at >= self.ends_at {
            return Err(Error::invalid("starts_at must be before ends_at"));
        }
        if !(1..=MAX_CAP).contains(&self.cap) {
            return Err(Error::invalid(format!("cap must be 1 to {MAX_CAP}")));
        }
        Ok(())
    }

    /// Whether `event` may be one of this program's sales: its org within
    /// the program's, its window within the program's.
    pub fn admits(&self, event: &Event) -> Result<(), Error> {
        if !event.org.is_within(&self.org) {
            return Err(Error::invalid(format!(
                "a sale of program {} is for {} or a union under it",
                self.id,
                self.org.as_str()
            )));
        }
        if event.opens_at < self.starts_at || event.closes_at > self.ends_at {
            return Err(Error::invalid(format!(
                "a sale of program {} opens and closes within the program's dates",
                self.id
            )));
        }
        Ok(())
    }

    /// As the stores keep it (a Redis hash's one field, a journal record).
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "id": self.id.as_str(),
            "title": self.title,
            "org": self.org.as_str(),
            "starts_at": self.starts_at.0,
            "ends_at": self.ends_at.0,
            "cap": self.cap,
            "draw_order": self.draw_order.as_str(),
        })
        .to_string()
    }

    pub fn from_json(s: &str) -> Result<Self, Error> {
        let corrupt = || Error::Corrupt(format!("program record {s:?}"));
        let v: serde_json::Value = serde_json::from_str(s).map_err(|_| corrupt())?;
        let text = |k: &str| v[k].as_str().ok_or_else(corrupt);
        let num = |k: &str| v[k].as_i64().ok_or_else(corrupt);
        Ok(Self {
            id: ProgramId::parse(text("id")?).map_err(|_| corrupt())?,
            title: text("title")?.to_owned(),
            org: OrgPath::parse(text("org")?).map_err(|_| corrupt())?,
            starts_at: Millis(num("starts_at")?),
            ends_at: Millis(num("ends_at")?),
            cap: u32::try_from(num("cap")?).map_err(|_| corrupt())?,
            draw_order: DrawOrder::parse(text("draw_order")?).ok_or_else(corrupt)?,
        })
    }
}

/// What a log entry does to a member's tickets (not places: a lottery
/// entry is no ticket until won): the count `fewer_wins_first` draws by.
pub fn ticket_delta(op: &LogOp) -> Option<(&MemberKey, i64)> {
    match op {
        LogOp::Won { ticket, .. } => Some((&ticket.member, 1)),
        LogOp::Entered { .. } | LogOp::Withdrawn { .. } | LogOp::Drawn { .. } => None,
        other => place_delta(other),
    }
}

/// What a log entry does to a member's places under a program's cap: a new
/// ticket (a grab, an assignment, a late payment reviving an expired hold)
/// or a lottery entry takes one; a cancelled or expired ticket, a withdrawn
/// entry or one drawn without seats gives it back; a won entry turns its
/// place into the ticket (no change).
pub fn place_delta(op: &LogOp) -> Option<(&MemberKey, i64)> {
    match op {
        LogOp::Reserved(t) | LogOp::Assigned { ticket: t, .. } => Some((&t.member, 1)),
        LogOp::Paid {
            member, late: true, ..
        } => Some((member, 1)),
        LogOp::Entered { member, .. } => Some((member, 1)),
        LogOp::Expired { member, .. }
        | LogOp::Cancelled { member, .. }
        | LogOp::Withdrawn { member }
        | LogOp::Drawn { member, .. } => Some((member, -1)),
        _ => None,
    }
}
