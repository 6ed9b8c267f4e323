//! Domain types. Identifiers, card numbers, masked cards and member keys can
//! only be built valid, through `parse` or a checked constructor, so the
//! engine and the stores never see a malformed id or card. `Event` and `Pool`
//! are plain data with public fields, checked as a whole by
//! [`Event::validate`] before any store sees them; `Millis` is any instant.
//! The error type and the one table of outcomes live here too, at the bottom:
//! the domain needs nothing above it.

mod ascii;
mod card;
mod details;
mod error;
mod event;
mod ids;
mod log;
mod lottery;
mod outcome;
mod paged;
mod parts;
mod program;
mod reasons;
mod register;
mod requests;
mod reservation;
mod time;
mod waiting;

pub use card::{
    CardNumber, MaskedCard, Member, MemberKey, MemberKeyer, luhn_valid, with_check_digit,
};
pub use details::{Details, MAX_NOTES_CHARS, MAX_TITLE_CHARS};
pub use error::{Error, Problem};
pub use event::{
    DEFAULT_HOLD_MINUTES, Event, EventView, MAX_HOLD_MS, MAX_POOL_TOTAL, MAX_POOLS, MAX_SEATS,
    Phase, Pool, PoolStats, SaleStatus, StatusAction, sale_phase,
};
pub use ids::{Code, EventId, OrgPath, PoolId, ProgramId};
pub use log::{LogEntry, LogOp, LogPos, Made};
pub use lottery::{
    DrawState, Entered, FAIR_DRAW_GRACE_MS, Lottery, LotteryEntry, LotteryPhase,
    MAX_FAIR_WINDOW_MS, MAX_PUBLIC_CHARS, WAITING_AFTER_DRAW_MS, check_public, seed_commitment,
};
pub use outcome::{Outcome, Row};
pub use paged::{MAX_TAIL, MemberState, Part, Reread, StatePage};
pub use parts::{Kept, KeptFor, MAX_KEPT, PartLeft, candidates, check_kept};
pub use program::{DrawOrder, MAX_CAP, PlacesPage, Program, place_delta, ticket_delta};
pub use reasons::reason_zh;
pub use register::{
    Group, MAX_GROUPS, Membership, REGISTER_CHUNK, REGISTER_HEADER, RegisterRow, RowError,
    check_register_header, parse_register_line,
};
pub use requests::{
    Begun, Choices, Drawer, DrawnEntry, Find, Grab, Grabbed, Join, MAX_CHOICES, Move, Payment,
    PaymentId, PaymentOutcome, Released, Restocked, Seats, Snapshot, StationDay, TALLIED, Taken,
};
pub use reservation::{Channel, Reservation, Status, parse_part, parse_seats};
pub use time::Millis;
pub use waiting::{LeftReason, WaitEntry, Waiting, parse_parts, parts_text};
