//! The rules of a ticket grab, above any store: input checks, fresh codes,
//! and operations composed from the store's atomic steps. Knows nothing of HTTP.

mod archive;
mod archived;
pub use archived::{ArchivedTicket, Archives};
mod edge;
mod fair;
mod live;
pub use live::LISTED_AFTER_CLOSE;
pub use reach::{Counted, Reach, SaleReach};
mod lottery;
mod paged;
mod programs;
mod reach;
mod refunds;
mod register;
pub use register::{ImportReport, MAX_LISTED_ERRORS};
mod station;
mod tiers;
pub use station::beijing_day;
mod waiting;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use self::edge::Edge;
use crate::audit::{AuditReport, audit};
use crate::domain::Error;
use crate::domain::{
    CardNumber, Code, Event, EventId, EventView, MAX_POOL_TOTAL, Member, MemberKey, MemberKeyer,
    Move, PaymentId, PoolId, Reservation, SaleStatus, StatusAction,
};
pub use crate::domain::{Find, Grab, Grabbed, Payment, Restocked, Snapshot};
use crate::store::Store;

/// The largest payment the store takes (well above any ticket's price x seats).
pub const MAX_AMOUNT_FEN: i64 = 1_000_000_000;
pub use crate::domain::MAX_CHOICES;
/// Fresh codes to draw before giving up (60-bit codes: a second is rare).
pub(crate) const CODE_ATTEMPTS: usize = 4;

/// A race's waiting list lapses at its close (no entry's cutoff is later;
/// the store drops lapsed entries as it meets them): a closed race counts
/// none waiting. A lottery's losers wait past its close, to their cutoff.
fn without_lapsed(mut view: EventView) -> EventView {
    if !view.event.is_lottery_sale() && view.server_time >= view.event.closes_at {
        for pool in &mut view.pools {
            pool.waiting = 0;
        }
    }
    view
}

/// The engine, cheap to clone and share between tasks.
#[derive(Clone)]
pub struct Engine {
    store: Arc<dyn Store>,
    keyer: MemberKeyer,
    /// The read model that answers from memory what the store would answer;
    /// `None` asks the store every time.
    edge: Option<Arc<Edge>>,
    /// Each event as created (never changes): which events a member's list
    /// asks about, what their tickets say. A std mutex: held for a lookup.
    definitions: Arc<std::sync::Mutex<HashMap<EventId, Arc<Event>>>>,
    /// This engine's name as a lottery draw's runner, and the draws it runs.
    owner: String,
    drawing: Arc<std::sync::Mutex<std::collections::HashSet<EventId>>>,
    /// Each closed lottery's closing, as first computed here.
    closings: Arc<std::sync::Mutex<HashMap<EventId, crate::lottery::close::Published>>>,
    /// Where archives are kept (`with_archives`).
    archives: Option<Arc<Archives>>,
    /// Each `fewer_wins_first` lottery's tiers, as first counted here.
    tiers: Arc<std::sync::Mutex<HashMap<EventId, tiers::Tiers>>>,
    /// Races whose fair window's draw this engine saw published.
    fair_done: Arc<std::sync::Mutex<std::collections::HashSet<EventId>>>,
    /// Each program as created (never changes), as first read here.
    programs: Arc<std::sync::Mutex<HashMap<crate::domain::ProgramId, Arc<crate::domain::Program>>>>,
}

impl Engine {
    pub fn new(store: Arc<dyn Store>, keyer: MemberKeyer) -> Self {
        Self {
            store,
            keyer,
            edge: None,
            definitions: Arc::default(),
            owner: hex::encode(rand::random::<[u8; 8]>()),
            drawing: Arc::default(),
            closings: Arc::default(),
            archives: None,
            programs: Arc::default(),
            tiers: Arc::default(),
            fair_done: Arc::default(),
        }
    }

    /// Answers grabs from a read model of each event's log, read every
    /// `poll`, whenever its answer is the store's (see `edge`).
    pub fn with_read_model(mut self, poll: Duration) -> Self {
        self.edge = Some(Edge::new(self.store.clone(), poll));
        self
    }

    /// Events whose log this engine follows now.
    pub fn followed_events(&self) -> usize {
        self.edge.as_ref().map_or(0, |e| e.followed_events())
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The stored identity of a card holder.
    pub fn member(&self, card: &CardNumber) -> Member {
        self.keyer.member(card)
    }

    pub async fn create_event(&self, event: &Event) -> Result<(), Error> {
        event.validate()?;
        self.store.create_event(event).await?;
        // Known from now on (a fair window's draw is this engine's to start).
        self.learn(event.clone());
        Ok(())
    }

    /// Takes one ticket from the first listed pool with stock, or returns the
    /// member's live reservation unchanged.
    pub async fn grab(&self, input: &Grab<'_>) -> Result<Grabbed, Error> {
        let Some(edge) = &self.edge else {
            return self.grab_from_store(input).await;
        };
        if let Some(answer) = edge.answer(input) {
            return answer;
        }
        let result = self.grab_from_store(input).await;
        let made = matches!(result, Ok(Grabbed { new: true, .. }));
        self.after_grab(input.event, result.as_ref().map(|_| ()), made);
        result
    }

    /// What the read model learns from a grab the store answered (`made`:
    /// a new ticket).
    fn after_grab(&self, event: &EventId, result: Result<(), &Error>, made: bool) {
        let Some(edge) = &self.edge else { return };
        // The store answered about the event, so it exists: follow its log
        // (not a closed sale's: nothing it says will change).
        if !matches!(
            result,
            Err(Error::UnknownEvent | Error::Closed | Error::Unavailable(_) | Error::Corrupt(_))
        ) {
            edge.follow(event);
        }
        // A ticket made here: until the model has read past it, this
        // member's retry could be told "sold out".
        if made {
            edge.changed(event);
        }
    }

    async fn grab_from_store(&self, input: &Grab<'_>) -> Result<Grabbed, Error> {
        for _ in 0..CODE_ATTEMPTS {
            match self.store.grab(input, &Code::random()).await {
                Err(Error::CodeTaken) => continue,
                other => return other,
            }
        }
        Err(Error::Unavailable(
            "could not draw an unused reservation code".into(),
        ))
    }

    /// A member gives their ticket back.
    pub async fn cancel(
        &self,
        event: &EventId,
        member: &MemberKey,
        code: &Code,
    ) -> Result<Reservation, Error> {
        let result = self.store.cancel(event, member, code).await;
        self.changed(event);
        result
    }

    /// Whatever a change answered, it may have been made: the read model
    /// waits until it has read the log past it.
    fn changed(&self, event: &EventId) {
        if let Some(edge) = &self.edge {
            edge.changed(event);
        }
    }

    pub async fn redeem(&self, event: &EventId, find: &Find) -> Result<Reservation, Error> {
        let result = self.store.redeem(event, find).await;
        self.changed(event);
        result
    }

    /// A payment provider's notification (see `Store::pay`): idempotent by
    /// the provider's `payment` id (1 to 64 letters, digits, `-`, `_`).
    pub async fn pay(
        &self,
        event: &EventId,
        code: &Code,
        payment: &PaymentId,
        amount: i64,
    ) -> Result<Payment, Error> {
        if !(0..=MAX_AMOUNT_FEN).contains(&amount) {
            return Err(Error::invalid(format!(
                "amount_fen must be 0 to {MAX_AMOUNT_FEN}"
            )));
        }
        let result = self.store.pay(event, code, payment.as_str(), amount).await;
        self.changed(event);
        result
    }

    /// Expires up to `max` holds of the event that are past their pay_by.
    pub async fn expire_holds(&self, event: &EventId, max: usize) -> Result<usize, Error> {
        let n = self.store.expire_holds(event, max).await?;
        if n > 0 {
            self.changed(event);
        }
        Ok(n)
    }

    /// Staff move seats between a pool's kept parts (or a part and
    /// everyone's seats): 1 to the largest pool's seats, between two parts.
    pub async fn move_seats(&self, event: &EventId, m: &Move) -> Result<(i64, i64), Error> {
        if !(1..=MAX_POOL_TOTAL).contains(&m.seats) || m.from == m.to {
            return Err(Error::invalid(format!(
                "seats must be 1 to {MAX_POOL_TOTAL}, moved between two parts"
            )));
        }
        let result = self.store.move_seats(event, m).await;
        self.changed(event);
        result
    }

    pub async fn restock(
        &self,
        event: &EventId,
        pool: &PoolId,
        delta: i64,
    ) -> Result<Restocked, Error> {
        // unsigned_abs: `abs` of i64::MIN overflows.
        if delta == 0 || delta.unsigned_abs() > MAX_POOL_TOTAL.unsigned_abs() {
            return Err(Error::invalid(format!(
                "delta must be non-zero and at most {MAX_POOL_TOTAL} either way"
            )));
        }
        let result = self.store.restock(event, pool, delta).await;
        self.changed(event);
        result
    }

    pub async fn set_status(
        &self,
        event: &EventId,
        action: StatusAction,
    ) -> Result<SaleStatus, Error> {
        let result = self.store.set_status(event, action).await;
        self.changed(event);
        result
    }

    pub async fn event(&self, id: &EventId) -> Result<EventView, Error> {
        self.store.event(id).await.map(without_lapsed)
    }

    /// Every event, sorted by opening time then id.
    pub async fn events(&self) -> Result<Vec<EventView>, Error> {
        let ids = self.store.event_ids().await?;
        self.views(ids.iter()).await
    }

    /// One reservation; `NotFound` when there is none.
    pub async fn reservation(&self, event: &EventId, find: &Find) -> Result<Reservation, Error> {
        self.store.lookup(event, find).await?.ok_or(Error::NotFound)
    }

    /// The reservation `find` names, if there is one.
    pub async fn lookup(&self, event: &EventId, find: &Find) -> Result<Option<Reservation>, Error> {
        self.store.lookup(event, find).await
    }

    /// Whether the store can take a change now (reachable, not out of memory).
    pub async fn ping(&self) -> Result<(), Error> {
        self.store.ping().await
    }

    pub async fn grab_rate(&self, event: &EventId) -> Result<Vec<u32>, Error> {
        self.store.grab_rate(event).await
    }

    pub async fn audit(&self, event: &EventId) -> Result<AuditReport, Error> {
        Ok(audit(&self.snapshot(event).await?))
    }

    /// The audit, plus a check that every ticket in `confirmed` is still held.
    pub async fn audit_confirmed(
        &self,
        event: &EventId,
        confirmed: &[Code],
    ) -> Result<AuditReport, Error> {
        let snapshot = self.snapshot(event).await?;
        let mut report = audit(&snapshot);
        report
            .violations
            .extend(crate::audit::missing_confirmed(&snapshot, confirmed));
        report.ok = report.violations.is_empty();
        Ok(report)
    }
}
