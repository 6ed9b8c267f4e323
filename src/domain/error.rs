//! The one error type of the engine and the stores.
//!
//! Every variant is an answer a member or staff can act on, except
//! `Unavailable` and `Corrupt`, which are the store's problems. Each variant is
//! one [`Outcome`] of the table in outcome.rs: its word ([`Error::code`]) is
//! the tag a Lua script replies with, the `outcome` label of the metrics, the
//! word in the logs, and (through [`Error::problem`]) the status and `code` of
//! the problem document.

use super::{Millis, Outcome, Reservation, Status, Waiting};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Bad input: a card number, id, pool list or amount that cannot be right.
    #[error("{0}")]
    Invalid(String),
    #[error("no such event")]
    UnknownEvent,
    /// The pool is not part of the event. The message does not repeat the
    /// pool's id: it came from the request.
    #[error("the event has no such pool")]
    UnknownPool(String),
    /// No such reservation, or not the caller's.
    #[error("no such reservation")]
    NotFound,
    /// The member's union is outside the event's org.
    #[error("this sale is for members of another union")]
    NotEligible,
    /// More seats than the event lets one reservation hold.
    #[error("this sale allows at most {max} seats per reservation")]
    TooManySeats { max: u8 },
    #[error("sold out")]
    SoldOut,
    #[error("the sale has not opened yet")]
    NotOpen {
        opens_at: Millis,
        server_time: Millis,
    },
    #[error("the sale is closed")]
    Closed,
    #[error("the sale is paused")]
    Paused,
    /// Redeem or cancel of a ticket that was already used; carries it.
    #[error("ticket already redeemed")]
    AlreadyRedeemed(Box<Reservation>),
    /// Redeem or cancel of a ticket that was cancelled; carries it.
    #[error("ticket was cancelled")]
    Cancelled(Box<Reservation>),
    /// Redeem or cancel of a ticket released as a no-show; carries it.
    #[error("this ticket was not used in time and its seats were released")]
    NoShow(Box<Reservation>),
    /// A held reservation, not paid yet: it cannot be used at the gate.
    #[error("this ticket is not paid yet")]
    NotPaid(Box<Reservation>),
    /// A hold past its `pay_by`: it expired and its seats went back.
    #[error("the payment hold expired")]
    HoldExpired(Box<Reservation>),
    /// A payment whose amount is not the ticket's price × seats; carries
    /// the amount due. Nothing changed: the provider refunds it.
    #[error("the amount paid is not the amount due ({due} fen)")]
    PaymentMismatch { due: i64 },
    /// A payment id seen before with another ticket or amount.
    #[error("this payment id was used for another payment")]
    PaymentConflict,
    /// Joining the waiting list while holding a ticket; carries it.
    #[error("you hold a ticket for this sale")]
    AlreadyHolding(Box<Reservation>),
    /// Joining the waiting list twice; carries the entry.
    #[error("you are on the waiting list already")]
    AlreadyWaiting(Box<Waiting>),
    /// Joining the waiting list when one of the choices has the seats: grab
    /// them instead. The message does not repeat the pool id.
    #[error("seats are free in a pool you chose: grab them")]
    NotSoldOut(String),
    /// A waiting-list cutoff in the past or after the sale's close.
    #[error("the cutoff must be in the future and no later than the sale's close")]
    BadCutoff { closes_at: Millis },
    /// A withdrawal larger than the unsold stock.
    #[error("only {remaining} unsold tickets can be withdrawn")]
    BelowZero { remaining: i64 },
    /// A restock that would take a pool's total above the largest pool.
    #[error("the pool holds {total} tickets; a pool holds at most {max}")]
    AboveLimit { total: i64, max: i64 },
    #[error("an event with this id exists")]
    EventExists,
    /// The member holds `held` places of the program's `cap` (tickets, and
    /// lottery entries until their draw).
    #[error("you hold {held} of this program's {cap} tickets")]
    ProgramCap { held: u32, cap: u32 },
    #[error("no such program")]
    UnknownProgram,
    #[error("a program with this id exists")]
    ProgramExists,
    /// A grab or a waiting-list join on a lottery sale: enter its draw.
    #[error("this sale is a lottery: enter the draw instead")]
    LotterySale,
    /// A lottery step (an entry, a draw) on a sale that is a race.
    #[error("this sale is not a lottery")]
    NotLottery,
    /// The public value before the registration closed, or the draw before
    /// its time or without the public value.
    #[error("the draw is not due: {0}")]
    DrawNotDue(&'static str),
    /// Another public value was entered already; carries it.
    #[error("another public value was entered already")]
    PublicValueSet(String),
    /// A grab on a race with a fair window, after the window and before its
    /// draw is published: the window's registrations come first.
    #[error("the fair window's registrations are being drawn; retry shortly")]
    DrawPending,
    /// Another front end is drawing this lottery now.
    #[error("this lottery is being drawn")]
    DrawRunning,
    /// A restock of a lottery between the close of registration and the
    /// draw's publication: the stock was published with the closing.
    #[error(
        "a lottery's stock is fixed from the close of registration until its draw is published"
    )]
    StockFixed,
    /// Seats moved from or to a kept part that was released (its seats
    /// are everyone's now).
    #[error("this share or allotment was released")]
    PartReleased,
    /// Archiving a sale that is not finished long enough, or that still
    /// holds a hold or a waiting entry in force; says which.
    #[error("not archivable yet: {0}")]
    NotArchivable(String),
    /// The draw's published values or export, before the draw.
    #[error("this lottery has not been drawn yet")]
    NotDrawn,
    /// The random code is already used in the event; the engine draws another.
    #[error("reservation code collision")]
    CodeTaken,
    /// The store cannot be reached or did not answer in time.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The store holds data the rules forbid; nothing was changed.
    #[error("store corrupt: {0}")]
    Corrupt(String),
}

/// How an HTTP front end answers an error: status and the problem `code` of
/// the contract (the outcome table's `problem` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Problem {
    pub status: u16,
    pub code: &'static str,
}

impl Error {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::Invalid(msg.into())
    }

    /// The refusal for a ticket that was given back (cancelled, its hold
    /// expired, released as a no-show), or `None` when it was not: such a
    /// ticket can be neither cancelled, redeemed nor shown as a code.
    pub fn given_back(r: &Reservation) -> Option<Self> {
        let refusal = match r.status {
            Status::Cancelled => Self::Cancelled,
            Status::Expired => Self::HoldExpired,
            Status::NoShow => Self::NoShow,
            Status::Held | Status::Active | Status::Redeemed => return None,
        };
        Some(refusal(Box::new(r.clone())))
    }

    /// The outcome this error is, in the one table (src/domain/outcome.rs).
    pub fn outcome(&self) -> Outcome {
        use Outcome as O;
        match self {
            Self::Invalid(_) => O::InvalidRequest,
            Self::UnknownEvent => O::UnknownEvent,
            Self::UnknownPool(_) => O::UnknownPool,
            Self::NotFound => O::NotFound,
            Self::NotEligible => O::NotEligible,
            Self::TooManySeats { .. } => O::TooManySeats,
            Self::SoldOut => O::SoldOut,
            Self::NotOpen { .. } => O::NotOpen,
            Self::Closed => O::Closed,
            Self::Paused => O::Paused,
            Self::AlreadyRedeemed(_) => O::AlreadyRedeemed,
            Self::Cancelled(_) => O::Cancelled,
            Self::NotPaid(_) => O::NotPaid,
            Self::NoShow(_) => O::NoShow,
            Self::HoldExpired(_) => O::HoldExpired,
            Self::PaymentMismatch { .. } => O::PaymentMismatch,
            Self::PaymentConflict => O::PaymentConflict,
            Self::AlreadyHolding(_) => O::AlreadyHolding,
            Self::AlreadyWaiting(_) => O::AlreadyWaiting,
            Self::NotSoldOut(_) => O::NotSoldOut,
            Self::BadCutoff { .. } => O::BadCutoff,
            Self::BelowZero { .. } => O::BelowZero,
            Self::AboveLimit { .. } => O::AboveLimit,
            Self::EventExists => O::Exists,
            Self::ProgramCap { .. } => O::ProgramCap,
            Self::UnknownProgram => O::UnknownProgram,
            Self::ProgramExists => O::ProgramExists,
            Self::LotterySale => O::LotterySale,
            Self::NotLottery => O::NotLottery,
            Self::DrawNotDue(_) => O::DrawNotDue,
            Self::PublicValueSet(_) => O::PublicValueSet,
            Self::DrawPending => O::DrawPending,
            Self::DrawRunning => O::DrawRunning,
            Self::StockFixed => O::StockFixed,
            Self::PartReleased => O::PartReleased,
            Self::NotDrawn => O::NotDrawn,
            Self::NotArchivable(_) => O::NotArchivable,
            Self::CodeTaken => O::CodeTaken,
            Self::Unavailable(_) => O::StoreUnavailable,
            Self::Corrupt(_) => O::Internal,
        }
    }

    /// The outcome's one word.
    pub fn code(&self) -> &'static str {
        self.outcome().code()
    }

    /// The HTTP answer: status and problem code.
    pub fn problem(&self) -> Problem {
        let row = self.outcome().row();
        Problem {
            status: row.status,
            code: row.problem.code(),
        }
    }

    /// The store's problems: logged in full, never shown in detail to clients.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            Self::Unavailable(_) | Self::Corrupt(_) | Self::CodeTaken
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_folds_unknown_event_and_pool_into_its_coarse_codes() {
        assert_eq!(Error::UnknownEvent.code(), "unknown_event");
        assert_eq!(Error::UnknownEvent.problem().code, "not_found");
        assert_eq!(
            Error::UnknownPool("p".into()).problem().code,
            "invalid_request"
        );
        assert_eq!(
            Error::SoldOut.problem(),
            Problem {
                status: 409,
                code: "sold_out"
            }
        );
        assert_eq!(Error::CodeTaken.problem().status, 503);
    }
}
