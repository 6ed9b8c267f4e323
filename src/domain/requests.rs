//! What the store interface is asked and answers: a grab, a waiting-list
//! join, a payment, a snapshot, ... Below the store and the HTTP front end
//! alike, so neither reaches into the other for them. The values a request
//! carries are valid by construction ([`Seats`], [`Choices`], [`PaymentId`]):
//! parsed once at the edge, never checked again.

use super::{
    Channel, Code, Error, EventId, EventView, LogEntry, LogPos, LotteryEntry, MAX_SEATS, Member,
    MemberKey, Millis, OrgPath, PoolId, Reservation, WaitEntry,
};

/// What a station did on one Beijing day, as its tallies say: tickets
/// issued, lottery entries taken, tickets redeemed, fen taken at its counter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct StationDay {
    pub issued: i64,
    pub entered: i64,
    pub redeemed: i64,
    pub taken_fen: i64,
}

impl StationDay {
    pub fn add(&mut self, other: StationDay) {
        self.issued += other.issued;
        self.entered += other.entered;
        self.redeemed += other.redeemed;
        self.taken_fen += other.taken_fen;
    }
}

/// The things a station tallies (lua/tally.lua's `what`).
pub const TALLIED: [&str; 4] = ["issued", "entered", "redeemed", "taken"];

/// Most pools one request may rank.
pub const MAX_CHOICES: usize = 16;

/// Seats of one request: 1 to [`MAX_SEATS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Seats(u8);

impl Seats {
    pub const ONE: Seats = Seats(1);

    /// `n` seats, or an invalid request naming `field` (`seats`, `max_seats`).
    pub fn new(field: &str, n: i64) -> Result<Self, Error> {
        u8::try_from(n)
            .ok()
            .filter(|n| (1..=MAX_SEATS).contains(n))
            .map(Seats)
            .ok_or_else(|| Error::invalid(format!("{field} must be 1 to {MAX_SEATS}")))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl std::fmt::Display for Seats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Pools in order of preference: 1 to [`MAX_CHOICES`], none listed twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choices(Vec<PoolId>);

impl Choices {
    pub fn new(pools: Vec<PoolId>) -> Result<Self, Error> {
        if pools.is_empty() || pools.len() > MAX_CHOICES {
            return Err(Error::invalid(format!("choose 1 to {MAX_CHOICES} pools")));
        }
        if pools
            .iter()
            .enumerate()
            .any(|(i, p)| pools[..i].contains(p))
        {
            return Err(Error::invalid("a pool is listed twice in choices"));
        }
        Ok(Self(pools))
    }

    /// One pool.
    pub fn one(pool: PoolId) -> Self {
        Self(vec![pool])
    }
}

impl std::ops::Deref for Choices {
    type Target = [PoolId];

    fn deref(&self) -> &[PoolId] {
        &self.0
    }
}

/// A payment provider's id for one payment: 1 to 64 letters, digits, `-`
/// and `_` (it is stored and logged as it is).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PaymentId(String);

impl PaymentId {
    pub fn parse(id: &str) -> Result<Self, Error> {
        let ok = (1..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(id.to_owned()))
        } else {
            Err(Error::invalid(
                "payment_id must be 1 to 64 letters, digits, '-' or '_'",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PaymentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a grab asks for, from the HTTP handler through the engine to the store:
/// everything but the fresh code, which the engine draws per attempt. The store
/// decides which pool (if any) and whether the member already holds a ticket.
#[derive(Clone, Debug)]
pub struct Grab<'a> {
    pub event: &'a EventId,
    pub member: &'a Member,
    /// The member's union; `None` when a station vouches for a walk-up member.
    pub org: Option<&'a OrgPath>,
    /// The member's groups (the token's `groups`, or the register's at a
    /// station): which shares they may take from (domain/parts.rs).
    pub groups: &'a [super::Group],
    /// Pools in order of preference; the first with `seats` left wins.
    pub choices: &'a Choices,
    /// Seats wanted, all from one pool (whether the event allows that many
    /// is the store's answer).
    pub seats: Seats,
    pub channel: Channel,
}

/// Joining an event's waiting list: a grab's choices, seats and member
/// (`grab.choices` ranked), until `cutoff` (`None`: the sale's close).
#[derive(Clone, Debug)]
pub struct Join<'a> {
    pub grab: Grab<'a>,
    pub cutoff: Option<Millis>,
}

/// What releasing a pool's unused tickets did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Released {
    /// Active reservations that became `no_show`.
    pub reservations: i64,
    /// Their seats, given back (to the waiting list first).
    pub seats: i64,
}

/// The result of a successful grab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grabbed {
    pub reservation: Reservation,
    /// False when the member already held this reservation (a retry).
    pub new: bool,
}

/// What a grab that reached a front end at a known moment answers: a
/// ticket, or, inside a race's fair window before its draw, a registration
/// in that draw (`Store::take`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Taken {
    Ticket(Grabbed),
    Registered(super::Entered),
}

/// How to find a reservation: by its code, or as a member's latest one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Find {
    Code(Code),
    Member(MemberKey),
}

/// What a payment notification did to its reservation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// The hold is paid: the ticket is active (also a late payment that
    /// found its seats free again).
    Paid,
    /// The money must go back: the hold expired and its seats are gone, the
    /// ticket was cancelled, or it was paid already.
    RefundDue,
}

impl PaymentOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Paid => "paid",
            Self::RefundDue => "refund_due",
        }
    }
}

/// The answer to a payment notification (the same for a repeat of it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    pub outcome: PaymentOutcome,
    pub reservation: Reservation,
}

/// A pool after a restock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Restocked {
    pub remaining: i64,
    pub total: i64,
}

/// Seats staff move between a pool's kept parts: the pool, from which part
/// to which (a part's number from 1; 0: everyone's seats), how many.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move {
    pub pool: PoolId,
    pub from: u8,
    pub to: u8,
    pub seats: i64,
}

/// Who runs a lottery's draw: the draw's id (kept by a resumed draw), the
/// runner, and how long the runner holds the draw without a word. A runner
/// silent past its lease (killed) may be replaced, and the new one resumes
/// the same draw.
#[derive(Clone, Copy, Debug)]
pub struct Drawer<'a> {
    pub draw_id: &'a str,
    pub owner: &'a str,
    pub lease_ms: i64,
}

/// A draw started or resumed: its id, the seats each pool had to give when it
/// first started, the entries, and whether it is published already.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Begun {
    pub draw_id: String,
    pub stock: Vec<(PoolId, i64)>,
    pub entries: i64,
    pub done: bool,
}

/// One entry's result, to be written: its rank, the pool won (none: onto the
/// waiting list at its rank), and the code its ticket (or waiting entry) gets;
/// with the entry as the draw read it (a store checks it is the one it holds,
/// and Redis takes its fields from here rather than decode them again).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawnEntry {
    pub member: MemberKey,
    pub rank: u32,
    pub won: Option<PoolId>,
    pub code: Code,
    pub entry: LotteryEntry,
}

/// Everything about one event, read in one atomic step: the input of the audit
/// and of the CSV export. Reservations are sorted by code, members by key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub view: EventView,
    pub reservations: Vec<Reservation>,
    /// The member index: each member's latest reservation code.
    pub members: Vec<(MemberKey, Code)>,
    /// Held reservations by their `pay_by` (what the sweeper expires), by code.
    pub holds: Vec<(Code, Millis)>,
    /// The waiting list, by order.
    pub waiting: Vec<WaitEntry>,
    /// The waiting list's index as stored (`WaitEntry::index` of every
    /// entry), sorted.
    pub waiting_index: Vec<String>,
    /// A lottery's entries (with their results once drawn), by member key.
    pub entries: Vec<LotteryEntry>,
    pub log: Vec<LogEntry>,
    /// Where the log ends: following it from here misses nothing and
    /// repeats nothing of this snapshot.
    pub log_end: LogPos,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_values_are_valid_by_construction() {
        assert_eq!(Seats::new("seats", 6).map(Seats::get), Ok(6));
        for n in [0, 7, -1, 256] {
            assert!(Seats::new("seats", n).is_err(), "{n}");
        }
        let pool = |p: &str| PoolId::parse(p).unwrap();
        assert!(Choices::new(vec![]).is_err());
        assert!(Choices::new(vec![pool("a"), pool("a")]).is_err());
        assert!(Choices::new((0..=MAX_CHOICES).map(|i| pool(&format!("p{i}"))).collect()).is_err());
        assert_eq!(Choices::new(vec![pool("a"), pool("b")]).unwrap().len(), 2);
        assert!(PaymentId::parse("wx-4200_01").is_ok());
        for bad in ["", "a b", "é", &"x".repeat(65)] {
            assert!(PaymentId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
