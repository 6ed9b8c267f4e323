//! The Store interface: where the atomic decisions happen.
//!
//! Each method is one atomic step. The Redis store runs each as ONE Lua script
//! (see `lua/`); the memory store runs the same rules under one lock and is the
//! model the Redis store is compared against in `tests/engine/differential.rs`.
//! Both stores decide the sale window with `domain::sale_phase` (the Lua script
//! spells the same order).

pub mod keys;
pub mod memory;
pub mod redis;
pub mod scripts;

use async_trait::async_trait;

use crate::domain::Error;
use crate::domain::{
    Code, Entered, Event, EventId, EventView, LotteryEntry, MemberKey, Membership, Millis, Move,
    PoolId, Program, ProgramId, RegisterRow, Reservation, SaleStatus, StationDay, StatusAction,
    Waiting,
};
// The requests and answers of the interface live in the domain, below the
// store and the HTTP front end alike; re-exported where the stores use them.
pub use crate::domain::{
    Begun, Drawer, DrawnEntry, Find, Grab, Grabbed, Join, LogEntry, LogOp, LogPos, Made, Part,
    Payment, PaymentOutcome, Released, Reread, Restocked, Snapshot, StatePage, Taken,
};

pub use self::memory::MemoryStore;
pub use self::redis::{RedisStore, RedisTarget};

#[async_trait]
pub trait Store: Send + Sync {
    /// Creates an event; `EventExists` if its id is taken.
    async fn create_event(&self, event: &Event) -> Result<(), Error>;
    /// Creates a program (programs.rs in the domain); `ProgramExists` if
    /// its id is taken. A sale joins it at its creation (`Event::program`):
    /// `UnknownProgram` if there is none, `Invalid` if it does not admit it.
    async fn create_program(&self, program: &Program) -> Result<(), Error>;
    /// Every program, ordered by id.
    async fn programs(&self) -> Result<Vec<Program>, Error>;
    /// The member's places under the program's cap: tickets live or used in
    /// its sales (archived ones too) and lottery entries until their draw.
    async fn places(&self, program: &ProgramId, member: &MemberKey) -> Result<u32, Error>;
    /// A page of the members with places in the program, from `cursor`
    /// ("" first); the next page's cursor, `None` after the last. One
    /// bounded step; a member whose places changed meanwhile may be on a
    /// page as they were at any moment.
    async fn places_page(
        &self,
        program: &ProgramId,
        cursor: &str,
    ) -> Result<crate::domain::PlacesPage, Error>;
    /// Every event id, in no particular order.
    async fn event_ids(&self) -> Result<Vec<EventId>, Error>;
    /// The event with its live stats; `UnknownEvent` if there is none.
    async fn event(&self, id: &EventId) -> Result<EventView, Error>;
    /// Checks then takes one ticket under the fresh `code`; see `lua/grab.lua`
    /// for the order of checks.
    async fn grab(&self, req: &Grab<'_>, code: &Code) -> Result<Grabbed, Error>;
    /// A grab that reached a front end at `arrived` (its clock): on a race
    /// with a fair window before its draw is published, a registration in
    /// the draw when `arrived` is inside the window and the draw has not
    /// started, else `DrawPending`; otherwise exactly `grab`.
    async fn take(&self, req: &Grab<'_>, code: &Code, arrived: Millis) -> Result<Taken, Error>;
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
    /// Moves seats between kept parts of a pool (lua/move.lua): answers
    /// what the two have left after; `PartReleased` if either was released,
    /// `BelowZero` if `from` has fewer.
    async fn move_seats(&self, event: &EventId, m: &Move) -> Result<(i64, i64), Error>;
    /// Pauses, resumes or closes the sale; returns the status now in force.
    async fn set_status(&self, event: &EventId, action: StatusAction) -> Result<SaleStatus, Error>;
    /// One reservation; `Ok(None)` if the event exists but the reservation does not.
    async fn lookup(&self, event: &EventId, find: &Find) -> Result<Option<Reservation>, Error>;
    /// Adds `n` to `station`'s tally of `what` (one of `domain::TALLIED`) on
    /// the Beijing `day` (`2026-12-07`); logged `tallied`.
    async fn tally(
        &self,
        event: &EventId,
        station: &str,
        day: &str,
        what: &str,
        n: i64,
    ) -> Result<(), Error>;
    /// `station`'s tallies of `day` in this event.
    async fn tallies(&self, event: &EventId, station: &str, day: &str)
    -> Result<StationDay, Error>;
    /// The provider's id of the payment that paid this ticket, if one did
    /// (a cancel makes it due back: the member's list says so).
    async fn paid_with(&self, event: &EventId, code: &Code) -> Result<Option<String>, Error>;
    /// Tickets reserved in each of the last 60 seconds of the store's clock,
    /// oldest first.
    async fn grab_rate(&self, event: &EventId) -> Result<Vec<u32>, Error>;
    /// The whole event, atomically.
    async fn snapshot(&self, event: &EventId) -> Result<Snapshot, Error>;
    /// The event's figures and the position of its log's last entry, in one
    /// atomic step of bounded cost (no reservation, no log entry): where a
    /// read model starts following, whatever the length of the history.
    async fn head(&self, event: &EventId) -> Result<(EventView, LogPos), Error>;
    /// A page of the event's ticket holders (each member's latest ticket)
    /// from `cursor` ("" for the first page); the cursor of the next page,
    /// `None` after the last. Each page is one bounded step. A holder who
    /// holds the same ticket from the first page to the last is returned
    /// (maybe twice); one whose ticket changed meanwhile may be returned as
    /// it was at any moment, or not at all: the log tells what changed.
    async fn holders(
        &self,
        event: &EventId,
        cursor: &str,
    ) -> Result<(Vec<Reservation>, Option<String>), Error>;
    /// A page of one part of the event's state from `cursor` ("" first);
    /// the next page's cursor, `None` after the last. One bounded step. An
    /// item present and unchanged from the first page to the last is on
    /// some page (maybe twice); one that changed meanwhile may be on a page
    /// as it was at any moment, or on none: the log names what changed.
    async fn state_page(
        &self,
        event: &EventId,
        part: Part,
        cursor: &str,
    ) -> Result<(StatePage, Option<String>), Error>;
    /// In one atomic step: the event's view and its log's end, the `codes`
    /// and `members` given, and every code and member that the log entries
    /// after `since` name. `None` when more than `MAX_TAIL` entries follow
    /// `since`. Bounded by the items given (`engine/paged.rs` gives at most
    /// a few thousand) and the tail.
    async fn reread(
        &self,
        event: &EventId,
        since: LogPos,
        codes: &[Code],
        members: &[MemberKey],
    ) -> Result<Option<Reread>, Error>;
    /// Removes the sale's live state (its keys, its place in the index) in
    /// one step that blocks nothing for long, if its log still ends at
    /// `end` (the archive's end): `false` when it moved on since.
    /// `UnknownEvent` when it is gone already (a resumed archiving).
    async fn drop_event(&self, event: &EventId, end: LogPos) -> Result<bool, Error>;
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
    /// Writes a chunk of the member register: each row names its member
    /// once, at most `REGISTER_CHUNK` rows. Entries added (members new to
    /// the register) and removed. Never touches a sale.
    async fn register_write(&self, rows: &[RegisterRow]) -> Result<(u64, u64), Error>;
    /// What the register knows of a member.
    async fn register_entry(&self, member: &MemberKey) -> Result<Option<Membership>, Error>;
    /// How many members the register knows.
    async fn register_len(&self) -> Result<u64, Error>;
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
