//! The one error type of the engine and the stores.
//!
//! Every variant is an answer a member or staff can act on, except
//! `Unavailable` and `Corrupt`, which are the store's problems. The HTTP layer
//! maps each to a status and a stable problem `code` (see `http/error.rs`).

use crate::domain::{Millis, Reservation};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Bad input: a card number, id, pool list or amount that cannot be right.
    #[error("{0}")]
    Invalid(String),
    #[error("no such event")]
    UnknownEvent,
    /// The pool is not part of the event.
    #[error("event has no pool {0:?}")]
    UnknownPool(String),
    /// No such reservation, or not the caller's.
    #[error("no such reservation")]
    NotFound,
    /// The member's union is outside the event's org.
    #[error("this sale is for members of another union")]
    NotEligible,
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
    /// A withdrawal larger than the unsold stock.
    #[error("only {remaining} unsold tickets can be withdrawn")]
    BelowZero { remaining: i64 },
    #[error("an event with this id exists")]
    EventExists,
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

impl Error {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::Invalid(msg.into())
    }
}
