//! The parts of a paged read of an event's state: what the audit and the
//! export read a bounded step at a time, never the whole event at once
//! (`Store::state_page`, `Store::reread`, `engine/paged.rs`).

use super::{Code, EventView, LogPos, LotteryEntry, MemberKey, Millis, Reservation, WaitEntry};

/// A part of an event's state, read a page at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Reservations,
    /// The member index, the waiting list's entries and a lottery's
    /// entries (one hash on Redis).
    Members,
    Holds,
    /// The waiting list's index (`WaitEntry::index` of every entry).
    WaitIndex,
}

impl Part {
    pub const ALL: [Part; 4] = [
        Part::Reservations,
        Part::Members,
        Part::Holds,
        Part::WaitIndex,
    ];
}

/// One page of a part (the fields of other parts stay empty).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatePage {
    pub reservations: Vec<Reservation>,
    pub members: Vec<(MemberKey, Code)>,
    pub waiting: Vec<WaitEntry>,
    pub entries: Vec<LotteryEntry>,
    pub holds: Vec<(Code, Millis)>,
    pub waiting_index: Vec<String>,
}

/// What a member is in an event at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct MemberState {
    pub member: MemberKey,
    /// The member index's code.
    pub code: Option<Code>,
    pub waiting: Option<WaitEntry>,
    pub entry: Option<LotteryEntry>,
    /// Of the index strings of `waiting`, those the list's index holds.
    pub index: Vec<String>,
}

/// Codes and members read again at one moment, with the event's view and
/// its log's end then (`Store::reread`).
#[derive(Clone, Debug, PartialEq)]
pub struct Reread {
    pub view: EventView,
    pub end: LogPos,
    /// Each code's reservation and hold deadline (`None`: none).
    pub codes: Vec<(Code, Option<Reservation>, Option<Millis>)>,
    pub members: Vec<MemberState>,
}

/// The most log entries a reread reads after its `since` position: past
/// them it answers `None`, and the reader catches up with the log first.
pub const MAX_TAIL: usize = 2_000;
