//! The durable embedded store under the shared suites: a store that is
//! closed and rebuilt from its journal after every call, and must come back
//! as it was, every event's snapshot equal (the conformance cases and the
//! differential test run on it).

use async_trait::async_trait;
use ticketgrab::store::{Part, Reread, StatePage};
use tokio::sync::Mutex;

use ticketgrab::Error;
use ticketgrab::domain::{
    Code, Entered, EventId, EventView, LotteryEntry, MemberKey, PoolId, Reservation, SaleStatus,
    StatusAction, Waiting,
};
use ticketgrab::store::{
    Begun, Drawer, DrawnEntry, Find, Grab, Grabbed, Join, LogEntry, LogPos, MemoryStore, Payment,
    Released, Restocked, Snapshot, Store,
};

use super::state;

/// The embedded store on a journal in a temporary directory, reopened from
/// the journal after every call.
pub struct Reopening {
    dir: tempfile::TempDir,
    store: Mutex<Option<MemoryStore>>,
}

impl Reopening {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::open(dir.path()).unwrap();
        Self {
            dir,
            store: Mutex::new(Some(store)),
        }
    }

    /// Runs `f` on the store, then closes it, reopens it from the journal,
    /// and checks that nothing changed.
    async fn call<T>(&self, f: impl AsyncFnOnce(&MemoryStore) -> T) -> T {
        let mut guard = self.store.lock().await;
        let store = guard.take().expect("a store");
        let out = f(&store).await;
        let before = everything(&store).await;
        drop(store);
        let store = MemoryStore::open(self.dir.path()).expect("the journal reopens");
        let after = everything(&store).await;
        assert!(
            before == after,
            "the store rebuilt from its journal differs:\nbefore {before:#?}\nafter {after:#?}"
        );
        *guard = Some(store);
        out
    }
}

/// Every event's snapshot, by id, the read time blanked.
async fn everything(store: &MemoryStore) -> Vec<Snapshot> {
    let mut ids = store.event_ids().await.unwrap();
    ids.sort();
    let mut all = Vec::new();
    for id in ids {
        all.push(state(store.snapshot(&id).await.unwrap()));
    }
    all
}

#[async_trait]
impl Store for Reopening {
    async fn create_event(&self, event: &ticketgrab::domain::Event) -> Result<(), Error> {
        self.call(async |s| s.create_event(event).await).await
    }
    async fn event_ids(&self) -> Result<Vec<EventId>, Error> {
        self.call(async |s| s.event_ids().await).await
    }
    async fn create_program(&self, program: &ticketgrab::domain::Program) -> Result<(), Error> {
        self.call(async |s| s.create_program(program).await).await
    }
    async fn programs(&self) -> Result<Vec<ticketgrab::domain::Program>, Error> {
        self.call(async |s| s.programs().await).await
    }
    async fn places(
        &self,
        program: &ticketgrab::domain::ProgramId,
        member: &MemberKey,
    ) -> Result<u32, Error> {
        self.call(async |s| s.places(program, member).await).await
    }
    async fn places_page(
        &self,
        program: &ticketgrab::domain::ProgramId,
        cursor: &str,
    ) -> Result<ticketgrab::domain::PlacesPage, Error> {
        self.call(async |s| s.places_page(program, cursor).await)
            .await
    }
    async fn event(&self, id: &EventId) -> Result<EventView, Error> {
        self.call(async |s| s.event(id).await).await
    }
    async fn register_write(
        &self,
        rows: &[ticketgrab::domain::RegisterRow],
    ) -> Result<(u64, u64), Error> {
        self.call(async |s| s.register_write(rows).await).await
    }
    async fn register_entry(
        &self,
        member: &MemberKey,
    ) -> Result<Option<ticketgrab::domain::Membership>, Error> {
        self.call(async |s| s.register_entry(member).await).await
    }
    async fn register_len(&self) -> Result<u64, Error> {
        self.call(async |s| s.register_len().await).await
    }
    async fn grab(
        &self,
        req: &Grab<'_>,
        code: &ticketgrab::domain::Code,
    ) -> Result<Grabbed, Error> {
        self.call(async |s| s.grab(req, code).await).await
    }
    async fn take(
        &self,
        req: &Grab<'_>,
        code: &ticketgrab::domain::Code,
        arrived: ticketgrab::domain::Millis,
    ) -> Result<ticketgrab::domain::Taken, Error> {
        self.call(async |s| s.take(req, code, arrived).await).await
    }
    async fn cancel(
        &self,
        event: &EventId,
        member: &MemberKey,
        code: &ticketgrab::domain::Code,
    ) -> Result<ticketgrab::domain::Reservation, Error> {
        self.call(async |s| s.cancel(event, member, code).await)
            .await
    }
    async fn redeem(
        &self,
        event: &EventId,
        find: &Find,
    ) -> Result<ticketgrab::domain::Reservation, Error> {
        self.call(async |s| s.redeem(event, find).await).await
    }
    async fn pay(
        &self,
        event: &EventId,
        code: &ticketgrab::domain::Code,
        payment: &str,
        amount: i64,
    ) -> Result<Payment, Error> {
        self.call(async |s| s.pay(event, code, payment, amount).await)
            .await
    }
    async fn expire_holds(&self, event: &EventId, max: usize) -> Result<usize, Error> {
        self.call(async |s| s.expire_holds(event, max).await).await
    }
    async fn join_waiting(
        &self,
        req: &Join<'_>,
        code: &ticketgrab::domain::Code,
    ) -> Result<Waiting, Error> {
        self.call(async |s| s.join_waiting(req, code).await).await
    }
    async fn leave_waiting(&self, event: &EventId, member: &MemberKey) -> Result<(), Error> {
        self.call(async |s| s.leave_waiting(event, member).await)
            .await
    }
    async fn waiting(&self, event: &EventId, member: &MemberKey) -> Result<Option<Waiting>, Error> {
        self.call(async |s| s.waiting(event, member).await).await
    }
    async fn release_unredeemed(&self, event: &EventId, pool: &PoolId) -> Result<Released, Error> {
        self.call(async |s| s.release_unredeemed(event, pool).await)
            .await
    }
    async fn move_seats(
        &self,
        event: &EventId,
        m: &ticketgrab::domain::Move,
    ) -> Result<(i64, i64), Error> {
        self.call(async |s| s.move_seats(event, m).await).await
    }

    async fn restock(
        &self,
        event: &EventId,
        pool: &PoolId,
        delta: i64,
    ) -> Result<Restocked, Error> {
        self.call(async |s| s.restock(event, pool, delta).await)
            .await
    }
    async fn set_status(&self, event: &EventId, action: StatusAction) -> Result<SaleStatus, Error> {
        self.call(async |s| s.set_status(event, action).await).await
    }
    async fn lookup(
        &self,
        event: &EventId,
        find: &Find,
    ) -> Result<Option<ticketgrab::domain::Reservation>, Error> {
        self.call(async |s| s.lookup(event, find).await).await
    }
    async fn grab_rate(&self, event: &EventId) -> Result<Vec<u32>, Error> {
        self.call(async |s| s.grab_rate(event).await).await
    }
    async fn tally(
        &self,
        event: &EventId,
        station: &str,
        day: &str,
        what: &str,
        n: i64,
    ) -> Result<(), Error> {
        self.call(async |s| s.tally(event, station, day, what, n).await)
            .await
    }
    async fn tallies(
        &self,
        event: &EventId,
        station: &str,
        day: &str,
    ) -> Result<ticketgrab::domain::StationDay, Error> {
        self.call(async |s| s.tallies(event, station, day).await)
            .await
    }
    async fn paid_with(
        &self,
        event: &EventId,
        code: &ticketgrab::domain::Code,
    ) -> Result<Option<String>, Error> {
        self.call(async |s| s.paid_with(event, code).await).await
    }
    async fn snapshot(&self, event: &EventId) -> Result<Snapshot, Error> {
        self.call(async |s| s.snapshot(event).await).await
    }
    async fn head(&self, event: &EventId) -> Result<(EventView, LogPos), Error> {
        self.call(async |s| s.head(event).await).await
    }
    async fn holders(
        &self,
        event: &EventId,
        cursor: &str,
    ) -> Result<(Vec<Reservation>, Option<String>), Error> {
        self.call(async |s| s.holders(event, cursor).await).await
    }
    async fn state_page(
        &self,
        event: &EventId,
        part: Part,
        cursor: &str,
    ) -> Result<(StatePage, Option<String>), Error> {
        self.call(async |s| s.state_page(event, part, cursor).await)
            .await
    }
    async fn reread(
        &self,
        event: &EventId,
        since: LogPos,
        codes: &[Code],
        members: &[MemberKey],
    ) -> Result<Option<Reread>, Error> {
        self.call(async |s| s.reread(event, since, codes, members).await)
            .await
    }
    async fn drop_event(&self, event: &EventId, end: LogPos) -> Result<bool, Error> {
        self.call(async |s| s.drop_event(event, end).await).await
    }
    async fn log_after(
        &self,
        event: &EventId,
        after: LogPos,
        max: usize,
    ) -> Result<Vec<(LogPos, LogEntry)>, Error> {
        self.call(async |s| s.log_after(event, after, max).await)
            .await
    }
    async fn enter(&self, req: &Grab<'_>) -> Result<Entered, Error> {
        self.call(async |s| s.enter(req).await).await
    }
    async fn withdraw(&self, event: &EventId, member: &MemberKey) -> Result<(), Error> {
        self.call(async |s| s.withdraw(event, member).await).await
    }
    async fn entry(
        &self,
        event: &EventId,
        member: &MemberKey,
    ) -> Result<Option<LotteryEntry>, Error> {
        self.call(async |s| s.entry(event, member).await).await
    }
    async fn set_public_value(&self, event: &EventId, value: &str) -> Result<(), Error> {
        self.call(async |s| s.set_public_value(event, value).await)
            .await
    }
    async fn begin_draw(&self, event: &EventId, drawer: &Drawer<'_>) -> Result<Begun, Error> {
        self.call(async |s| s.begin_draw(event, drawer).await).await
    }
    async fn entries(
        &self,
        event: &EventId,
        cursor: u64,
    ) -> Result<(Vec<LotteryEntry>, u64), Error> {
        self.call(async |s| s.entries(event, cursor).await).await
    }
    async fn write_draw(
        &self,
        event: &EventId,
        drawer: &Drawer<'_>,
        batch: &[DrawnEntry],
    ) -> Result<usize, Error> {
        self.call(async |s| s.write_draw(event, drawer, batch).await)
            .await
    }
    async fn finish_draw(
        &self,
        event: &EventId,
        drawer: &Drawer<'_>,
        digest: &str,
        draw_seed: &str,
    ) -> Result<(), Error> {
        self.call(async |s| s.finish_draw(event, drawer, digest, draw_seed).await)
            .await
    }
    async fn ping(&self) -> Result<(), Error> {
        self.call(async |s| s.ping().await).await
    }
}
