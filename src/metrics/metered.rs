//! The store as the metrics see it: every call timed and counted by
//! operation and outcome (`MeteredStore::timed`).

use async_trait::async_trait;

use crate::store::{Part, Reread, StatePage};

use super::MeteredStore;
use crate::domain::Error;
use crate::domain::{
    Code, Entered, Event, EventId, EventView, LotteryEntry, MemberKey, Membership, Millis, Move,
    PoolId, Program, ProgramId, RegisterRow, Reservation, SaleStatus, StationDay, StatusAction,
    Taken, Waiting,
};
use crate::store::{
    Begun, Drawer, DrawnEntry, Find, Grab, Grabbed, Join, LogEntry, LogPos, Payment, Released,
    Restocked, Snapshot, Store,
};

#[async_trait]
impl Store for MeteredStore {
    async fn create_event(&self, event: &Event) -> Result<(), Error> {
        self.timed("create_event", self.inner.create_event(event))
            .await
    }
    async fn create_program(&self, program: &Program) -> Result<(), Error> {
        self.timed("create_program", self.inner.create_program(program))
            .await
    }
    async fn programs(&self) -> Result<Vec<Program>, Error> {
        self.timed("programs", self.inner.programs()).await
    }
    async fn places(&self, program: &ProgramId, member: &MemberKey) -> Result<u32, Error> {
        self.timed("places", self.inner.places(program, member))
            .await
    }
    async fn places_page(
        &self,
        program: &ProgramId,
        cursor: &str,
    ) -> Result<crate::domain::PlacesPage, Error> {
        self.timed("places_page", self.inner.places_page(program, cursor))
            .await
    }
    async fn register_write(&self, rows: &[RegisterRow]) -> Result<(u64, u64), Error> {
        self.timed("register_write", self.inner.register_write(rows))
            .await
    }
    async fn register_entry(&self, member: &MemberKey) -> Result<Option<Membership>, Error> {
        self.timed("register_entry", self.inner.register_entry(member))
            .await
    }
    async fn register_len(&self) -> Result<u64, Error> {
        self.timed("register_len", self.inner.register_len()).await
    }
    async fn event_ids(&self) -> Result<Vec<EventId>, Error> {
        self.timed("event_ids", self.inner.event_ids()).await
    }
    async fn event(&self, id: &EventId) -> Result<EventView, Error> {
        self.timed("event", self.inner.event(id)).await
    }
    async fn grab(&self, req: &Grab<'_>, code: &Code) -> Result<Grabbed, Error> {
        self.timed("grab", self.inner.grab(req, code)).await
    }
    async fn take(&self, req: &Grab<'_>, code: &Code, arrived: Millis) -> Result<Taken, Error> {
        self.timed("take", self.inner.take(req, code, arrived))
            .await
    }
    async fn cancel(
        &self,
        event: &EventId,
        member: &MemberKey,
        code: &Code,
    ) -> Result<Reservation, Error> {
        self.timed("cancel", self.inner.cancel(event, member, code))
            .await
    }
    async fn redeem(&self, event: &EventId, find: &Find) -> Result<Reservation, Error> {
        self.timed("redeem", self.inner.redeem(event, find)).await
    }
    async fn pay(
        &self,
        event: &EventId,
        code: &Code,
        payment: &str,
        amount: i64,
    ) -> Result<Payment, Error> {
        self.timed("pay", self.inner.pay(event, code, payment, amount))
            .await
    }
    async fn expire_holds(&self, event: &EventId, max: usize) -> Result<usize, Error> {
        self.timed("expire", self.inner.expire_holds(event, max))
            .await
    }
    async fn restock(
        &self,
        event: &EventId,
        pool: &PoolId,
        delta: i64,
    ) -> Result<Restocked, Error> {
        self.timed("restock", self.inner.restock(event, pool, delta))
            .await
    }
    async fn move_seats(&self, event: &EventId, m: &Move) -> Result<(i64, i64), Error> {
        self.timed("move", self.inner.move_seats(event, m)).await
    }
    async fn join_waiting(&self, req: &Join<'_>, code: &Code) -> Result<Waiting, Error> {
        self.timed("join_waiting", self.inner.join_waiting(req, code))
            .await
    }
    async fn leave_waiting(&self, event: &EventId, member: &MemberKey) -> Result<(), Error> {
        self.timed("leave_waiting", self.inner.leave_waiting(event, member))
            .await
    }
    async fn waiting(&self, event: &EventId, member: &MemberKey) -> Result<Option<Waiting>, Error> {
        self.timed("waiting", self.inner.waiting(event, member))
            .await
    }
    async fn release_unredeemed(&self, event: &EventId, pool: &PoolId) -> Result<Released, Error> {
        self.timed("release", self.inner.release_unredeemed(event, pool))
            .await
    }
    async fn set_status(&self, event: &EventId, action: StatusAction) -> Result<SaleStatus, Error> {
        self.timed("set_status", self.inner.set_status(event, action))
            .await
    }
    async fn lookup(&self, event: &EventId, find: &Find) -> Result<Option<Reservation>, Error> {
        self.timed("lookup", self.inner.lookup(event, find)).await
    }
    async fn grab_rate(&self, event: &EventId) -> Result<Vec<u32>, Error> {
        self.timed("grab_rate", self.inner.grab_rate(event)).await
    }
    async fn tally(
        &self,
        event: &EventId,
        station: &str,
        day: &str,
        what: &str,
        n: i64,
    ) -> Result<(), Error> {
        self.timed("tally", self.inner.tally(event, station, day, what, n))
            .await
    }
    async fn tallies(
        &self,
        event: &EventId,
        station: &str,
        day: &str,
    ) -> Result<StationDay, Error> {
        self.timed("tallies", self.inner.tallies(event, station, day))
            .await
    }
    async fn paid_with(&self, event: &EventId, code: &Code) -> Result<Option<String>, Error> {
        self.timed("paid_with", self.inner.paid_with(event, code))
            .await
    }
    async fn snapshot(&self, event: &EventId) -> Result<Snapshot, Error> {
        self.timed("snapshot", self.inner.snapshot(event)).await
    }
    async fn head(&self, event: &EventId) -> Result<(EventView, LogPos), Error> {
        self.timed("head", self.inner.head(event)).await
    }
    async fn holders(
        &self,
        event: &EventId,
        cursor: &str,
    ) -> Result<(Vec<Reservation>, Option<String>), Error> {
        self.timed("holders", self.inner.holders(event, cursor))
            .await
    }
    async fn state_page(
        &self,
        event: &EventId,
        part: Part,
        cursor: &str,
    ) -> Result<(StatePage, Option<String>), Error> {
        self.timed("state_page", self.inner.state_page(event, part, cursor))
            .await
    }
    async fn reread(
        &self,
        event: &EventId,
        since: LogPos,
        codes: &[Code],
        members: &[MemberKey],
    ) -> Result<Option<Reread>, Error> {
        self.timed("reread", self.inner.reread(event, since, codes, members))
            .await
    }
    async fn drop_event(&self, event: &EventId, end: LogPos) -> Result<bool, Error> {
        self.timed("drop_event", self.inner.drop_event(event, end))
            .await
    }
    async fn log_after(
        &self,
        event: &EventId,
        after: LogPos,
        max: usize,
    ) -> Result<Vec<(LogPos, LogEntry)>, Error> {
        self.timed("log_after", self.inner.log_after(event, after, max))
            .await
    }
    async fn enter(&self, req: &Grab<'_>) -> Result<Entered, Error> {
        self.timed("enter", self.inner.enter(req)).await
    }
    async fn withdraw(&self, event: &EventId, member: &MemberKey) -> Result<(), Error> {
        self.timed("withdraw", self.inner.withdraw(event, member))
            .await
    }
    async fn entry(
        &self,
        event: &EventId,
        member: &MemberKey,
    ) -> Result<Option<LotteryEntry>, Error> {
        self.timed("entry", self.inner.entry(event, member)).await
    }
    async fn set_public_value(&self, event: &EventId, value: &str) -> Result<(), Error> {
        self.timed("public_value", self.inner.set_public_value(event, value))
            .await
    }
    async fn begin_draw(&self, event: &EventId, drawer: &Drawer<'_>) -> Result<Begun, Error> {
        self.timed("begin_draw", self.inner.begin_draw(event, drawer))
            .await
    }
    async fn entries(
        &self,
        event: &EventId,
        cursor: u64,
    ) -> Result<(Vec<LotteryEntry>, u64), Error> {
        self.timed("entries", self.inner.entries(event, cursor))
            .await
    }
    async fn write_draw(
        &self,
        event: &EventId,
        drawer: &Drawer<'_>,
        batch: &[DrawnEntry],
    ) -> Result<usize, Error> {
        self.timed("write_draw", self.inner.write_draw(event, drawer, batch))
            .await
    }
    async fn finish_draw(
        &self,
        event: &EventId,
        drawer: &Drawer<'_>,
        entries_digest: &str,
        draw_seed: &str,
    ) -> Result<(), Error> {
        let finish = self
            .inner
            .finish_draw(event, drawer, entries_digest, draw_seed);
        self.timed("finish_draw", finish).await
    }
    async fn ping(&self) -> Result<(), Error> {
        self.timed("ping", self.inner.ping()).await
    }
    async fn prepare(&self) -> Result<(), Error> {
        self.timed("prepare", self.inner.prepare()).await
    }
    fn confirms_after_replication(&self) -> bool {
        self.inner.confirms_after_replication()
    }
}
