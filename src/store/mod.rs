//! The Store interface: where the atomic decisions happen.
//!
//! Each method is one atomic step. The Redis store runs each as ONE Lua script
//! (see `lua/`); the memory store runs the same rules under one lock and is the
//! model the Redis store is compared against in `tests/engine/differential.rs`.
//! Both stores decide the sale window with `domain::sale_phase` (the Lua script
//! spells the same order).

pub mod keys;
mod log;
pub mod memory;
pub mod redis;
pub mod scripts;

use async_trait::async_trait;

use crate::domain::Error;
use crate::domain::{
    Channel, Code, Entered, Event, EventId, EventView, LotteryEntry, MAX_SEATS, Member, MemberKey,
    Millis, OrgPath, PoolId, Reservation, SaleStatus, StatusAction, WaitEntry, Waiting,
};

pub use self::log::{LogEntry, LogOp, LogPos, Made};
pub use self::memory::MemoryStore;
pub use self::redis::{RedisStore, RedisTarget};

/// What a grab asks for, from the HTTP handler through the engine to the store:
/// everything but the fresh code, which the engine draws per attempt. The store
/// decides which pool (if any) and whether the member already holds a ticket.
#[derive(Clone, Debug)]
pub struct Grab<'a> {
    pub event: &'a EventId,
    pub member: &'a Member,
    /// The member's union; `None` when a station vouches for a walk-up member.
    pub org: Option<&'a OrgPath>,
    /// Pools in order of preference; the first with `seats` left wins.
    pub choices: &'a [PoolId],
    /// Seats wanted, all from one pool (1 to the event's `max_seats`).
    pub seats: u8,
    pub channel: Channel,
}

impl Grab<'_> {
    /// 1 to [`MAX_SEATS`] seats, or an invalid request: both stores check
    /// it first. (Whether the event allows that many is the store's answer.)
    pub fn check_seats(&self) -> Result<(), Error> {
        if (1..=MAX_SEATS).contains(&self.seats) {
            Ok(())
        } else {
            Err(Error::invalid(format!("seats must be 1 to {MAX_SEATS}")))
        }
    }
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

#[async_trait]
pub trait Store: Send + Sync {
    /// Creates an event; `EventExists` if its id is taken.
    async fn create_event(&self, event: &Event) -> Result<(), Error>;
    /// Every event id, in no particular order.
    async fn event_ids(&self) -> Result<Vec<EventId>, Error>;
    /// The event with its live stats; `UnknownEvent` if there is none.
    async fn event(&self, id: &EventId) -> Result<EventView, Error>;
    /// Checks then takes one ticket under the fresh `code`; see `lua/grab.lua`
    /// for the order of checks.
    async fn grab(&self, req: &Grab<'_>, code: &Code) -> Result<Grabbed, Error>;
    /// Gives the member's ticket back to its pool.
    async fn cancel(
        &self,
        event: &EventId,
        member: &MemberKey,
        code: &Code,
    ) -> Result<Reservation, Error>;
    /// Marks a ticket used (a held one is `NotPaid`, or `HoldExpired` past
    /// its `pay_by`).
    async fn redeem(&self, event: &EventId, find: &Find) -> Result<Reservation, Error>;
    /// A payment provider's notification that `amount` fen were paid for
    /// the ticket `code`, under the provider's `payment` id: idempotent by
    /// that id. See `lua/pay.lua`.
    async fn pay(
        &self,
        event: &EventId,
        code: &Code,
        payment: &str,
        amount: i64,
    ) -> Result<Payment, Error>;
    /// Expires up to `max` holds past their `pay_by` (the store's clock);
    /// returns how many. Idempotent: any number of sweepers may run it.
    async fn expire_holds(&self, event: &EventId, max: usize) -> Result<usize, Error>;
    /// Puts a member whose choices are sold out on the waiting list, with
    /// the code their ticket will have; see `lua/wait.lua`.
    async fn join_waiting(&self, req: &Join<'_>, code: &Code) -> Result<Waiting, Error>;
    /// Takes the member off the waiting list; `NotFound` if not on it.
    async fn leave_waiting(&self, event: &EventId, member: &MemberKey) -> Result<(), Error>;
    /// The member's waiting-list entry, if any (also one past its cutoff,
    /// until it is removed).
    async fn waiting(&self, event: &EventId, member: &MemberKey) -> Result<Option<Waiting>, Error>;
    /// Releases the seats of a pool's paid, unused tickets (they become
    /// `no_show`) to the waiting list, then the public. See `lua/release.lua`.
    async fn release_unredeemed(&self, event: &EventId, pool: &PoolId) -> Result<Released, Error>;
    /// Adds (`delta > 0`) or withdraws (`delta < 0`) unsold tickets.
    async fn restock(&self, event: &EventId, pool: &PoolId, delta: i64)
    -> Result<Restocked, Error>;
    /// Pauses, resumes or closes the sale; returns the status now in force.
    async fn set_status(&self, event: &EventId, action: StatusAction) -> Result<SaleStatus, Error>;
    /// One reservation; `Ok(None)` if the event exists but the reservation does not.
    async fn lookup(&self, event: &EventId, find: &Find) -> Result<Option<Reservation>, Error>;
    /// Tickets reserved in each of the last 60 seconds of the store's clock,
    /// oldest first.
    async fn grab_rate(&self, event: &EventId) -> Result<Vec<u32>, Error>;
    /// The whole event, atomically.
    async fn snapshot(&self, event: &EventId) -> Result<Snapshot, Error>;
    /// Up to `max` log entries after `after`, oldest first, each with its
    /// position. Read-only and cheap when there is nothing new: the front
    /// ends' read models poll it.
    async fn log_after(
        &self,
        event: &EventId,
        after: LogPos,
        max: usize,
    ) -> Result<Vec<(LogPos, LogEntry)>, Error>;
    /// Enters the member in a lottery (`req.choices` ranked), or returns the
    /// entry they made before. See `lua/lottery.lua`.
    async fn enter(&self, req: &Grab<'_>) -> Result<Entered, Error>;
    /// Withdraws the member's entry while the registration is open.
    async fn withdraw(&self, event: &EventId, member: &MemberKey) -> Result<(), Error>;
    /// The member's entry (with its rank and pool once drawn), if any.
    async fn entry(
        &self,
        event: &EventId,
        member: &MemberKey,
    ) -> Result<Option<LotteryEntry>, Error>;
    /// Staff enter the public random value, once, after the close.
    async fn set_public_value(&self, event: &EventId, value: &str) -> Result<(), Error>;
    /// Starts the draw, or resumes it (then `drawer.draw_id` is replaced by
    /// the id in force); `DrawRunning` while another runner's lease holds.
    async fn begin_draw(&self, event: &EventId, drawer: &Drawer<'_>) -> Result<Begun, Error>;
    /// A page of the lottery's entries after `cursor` (0: the first); the
    /// next cursor, 0 after the last page. Pages may repeat an entry.
    async fn entries(
        &self,
        event: &EventId,
        cursor: u64,
    ) -> Result<(Vec<LotteryEntry>, u64), Error>;
    /// Writes a batch of results of the draw `drawer.draw_id` (renewing the
    /// lease): entries written before are skipped. Returns how many it wrote.
    async fn write_draw(
        &self,
        event: &EventId,
        drawer: &Drawer<'_>,
        batch: &[DrawnEntry],
    ) -> Result<usize, Error>;
    /// Publishes the draw once every result is written.
    async fn finish_draw(
        &self,
        event: &EventId,
        drawer: &Drawer<'_>,
        entries_digest: &str,
        draw_seed: &str,
    ) -> Result<(), Error>;
    /// Ready to take a change now: reachable and not out of memory. Cheap;
    /// /readyz calls it (at most once a second).
    async fn ping(&self) -> Result<(), Error>;
    /// Whether a change is confirmed only once replicas hold it (Redis
    /// `WAIT`). Then nobody may confirm a ticket from what was read of the
    /// master: it can hold a ticket that no replica has yet, which a
    /// failover loses (the read model asks the store instead).
    fn confirms_after_replication(&self) -> bool {
        false
    }
    /// Once, at start: reachable, and whatever it loads up front loaded. A
    /// configured store that fails this stops the start.
    async fn prepare(&self) -> Result<(), Error> {
        self.ping().await
    }
}
