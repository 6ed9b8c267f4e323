//! An event's log: its entries (one per state change, the audit trail the
//! front ends' read models follow) and positions in it.
//!
//! An entry has one encoding, as fields and values: the Redis stream entry a
//! script writes (`XADD ... op reserved code ...`), and the embedded store's
//! journal record. [`LogEntry::fields`] writes it, [`LogEntry::from_fields`]
//! reads it back, for both stores.

mod fields;
mod parse;

use crate::domain::Error;
use crate::domain::{
    Channel, Code, LeftReason, MaskedCard, MemberKey, Millis, PoolId, Reservation, SaleStatus,
};

/// A place in an event's log: after the entry with this id (a Redis stream id,
/// `ms-seq`; the memory store counts entries in `seq`). `LogPos::START` is
/// before the first entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogPos {
    pub ms: u64,
    pub seq: u64,
}

impl LogPos {
    pub const START: LogPos = LogPos { ms: 0, seq: 0 };

    /// The embedded store's position after the first `n` entries.
    pub fn after_entries(n: usize) -> Self {
        Self {
            ms: 0,
            seq: n as u64,
        }
    }

    /// A stream id, `ms-seq`.
    pub fn parse(id: &str) -> Result<Self, Error> {
        let bad = || Error::Corrupt(format!("bad log id {id:?}"));
        let (ms, seq) = id.split_once('-').ok_or_else(bad)?;
        Ok(Self {
            ms: ms.parse().map_err(|_| bad())?,
            seq: seq.parse().map_err(|_| bad())?,
        })
    }
}

impl std::fmt::Display for LogPos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// One entry of an event's log (the Redis stream `tg:{E}:log`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub at: Millis,
    pub op: LogOp,
}

/// What every entry that makes a ticket carries, whoever made it: a grab
/// (`Reserved`), seats that came back to a waiting member (`Assigned`), a
/// lottery's winner (`Won`). The read model, the replays, the audit and the
/// journal read one of these, whichever entry it came in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Made {
    pub code: Code,
    pub pool: PoolId,
    pub member: MemberKey,
    pub channel: Channel,
    /// The member's masked card; `None` only in `Reserved` entries written
    /// before the log carried it.
    pub card: Option<MaskedCard>,
    /// Seats taken (entries from before family seats: 1).
    pub seats: u8,
    /// A hold's deadline for payment; `None`: a ticket at once.
    pub pay_by: Option<Millis>,
    /// The kept part its seats came from (numbered from 1; the log's
    /// `part`), `None` for the public stock. Never the part's group or union.
    pub part: Option<u8>,
}

impl From<&Reservation> for Made {
    /// What the log says of a ticket just made.
    fn from(r: &Reservation) -> Self {
        Self {
            code: r.code.clone(),
            pool: r.pool.clone(),
            member: r.member.clone(),
            channel: r.channel,
            card: Some(r.card.clone()),
            seats: r.seats,
            pay_by: r.pay_by,
            part: r.part,
        }
    }
}

impl LogOp {
    /// The ticket this entry made, if it made one.
    pub fn made(&self) -> Option<&Made> {
        match self {
            Self::Reserved(ticket) | Self::Assigned { ticket, .. } | Self::Won { ticket, .. } => {
                Some(ticket)
            }
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogOp {
    Created {
        pool: PoolId,
        delta: i64,
    },
    /// A grab made a ticket.
    Reserved(Made),
    /// A hold paid (`late`: after it had expired, its seats taken again).
    Paid {
        code: Code,
        pool: PoolId,
        member: MemberKey,
        seats: u8,
        payment: String,
        amount: i64,
        late: bool,
    },
    /// A hold not paid by its `pay_by`; its seats went back.
    Expired {
        code: Code,
        pool: PoolId,
        member: MemberKey,
        seats: u8,
    },
    /// A payment to give back (the hold expired and its seats were gone, or
    /// the ticket was cancelled or paid already).
    RefundDue {
        code: Code,
        payment: String,
        amount: i64,
    },
    Cancelled {
        code: Code,
        pool: PoolId,
        member: MemberKey,
        /// Seats given back (entries from before family seats: 1).
        seats: u8,
    },
    Redeemed {
        code: Code,
        pool: PoolId,
        member: MemberKey,
        /// Seats used (entries from before family seats: 1).
        seats: u8,
    },
    Restocked {
        pool: PoolId,
        delta: i64,
    },
    Status(SaleStatus),
    /// A station's tally of its Beijing day: `n` more tickets issued, entries
    /// taken, tickets redeemed, or fen taken at its counter (`what`).
    Tallied {
        station: String,
        day: String,
        what: String,
        n: i64,
    },
    /// A member joined the waiting list.
    Waiting {
        member: MemberKey,
        order: u64,
        choices: Vec<PoolId>,
        seats: u8,
        cutoff: Millis,
        channel: Channel,
        card: MaskedCard,
        /// The code the ticket gets when the entry is served; `None` in
        /// entries written before the log carried it.
        code: Option<Code>,
        /// The kept parts the member may take from (numbers, never whose).
        parts: Vec<(PoolId, u8)>,
    },
    /// A member's entry left the waiting list unserved.
    Left {
        member: MemberKey,
        reason: LeftReason,
    },
    /// Seats that came back went to the waiting entry at `order`: a new
    /// reservation (a hold, with `pay_by`, on a sale with holds), like
    /// `Reserved`. The 12351 app's backend follows these to tell the member.
    Assigned {
        ticket: Made,
        order: u64,
    },
    /// What was left of a kept part (a share or an allotment) went to the
    /// public stock at its release time: once per part, `seats` may be 0.
    Released {
        pool: PoolId,
        part: u8,
        seats: i64,
    },
    /// Staff moved `seats` from one kept part of the pool to another, or
    /// between one and everyone's (part 0).
    Moved {
        pool: PoolId,
        from: u8,
        to: u8,
        seats: i64,
    },
    /// A paid ticket not used, released by staff; its seats went back.
    NoShow {
        code: Code,
        pool: PoolId,
        member: MemberKey,
        seats: u8,
    },
    /// A member entered a lottery.
    Entered {
        member: MemberKey,
        choices: Vec<PoolId>,
        seats: u8,
        card: MaskedCard,
        channel: Channel,
    },
    /// A member withdrew their lottery entry.
    Withdrawn {
        member: MemberKey,
    },
    /// Staff entered the lottery's public random value.
    PublicValue {
        value: String,
    },
    /// The draw `draw` started or resumed, by `owner`, who holds it until
    /// `until` (renewed by each batch, unlogged); with the seats it had to
    /// give when it first started.
    DrawBegun {
        draw: String,
        stock: Vec<(PoolId, i64)>,
        owner: String,
        until: Millis,
    },
    /// An entry drawn at `rank` won seats: a new reservation, like
    /// `Reserved` (a hold, with `pay_by`, on a priced sale). An entry drawn
    /// without seats is a `Waiting` entry whose order is its rank.
    Won {
        ticket: Made,
        rank: u32,
    },
    /// An entry drawn at `order` (its rank) without seats went onto the
    /// waiting list: its ranked pools, seats, card and channel are its
    /// entry's (`Entered`), its cutoff the lottery's; `code` is its ticket's
    /// when served. (A join is `Waiting`; this is its compact form, one per
    /// loser of a draw of 200,000.)
    Drawn {
        member: MemberKey,
        order: u64,
        code: Code,
    },
    /// Every result of the draw is written: the draw is published.
    DrawDone {
        entries_digest: String,
        draw_seed: String,
    },
}

#[cfg(test)]
mod tests;
