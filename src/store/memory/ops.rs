//! The `Store` interface on the embedded store: each method runs one
//! change (or read) of one event under the store's lock (`with_event`),
//! mirroring one script of `lua/`.

use async_trait::async_trait;

use super::MemoryStore;
use super::journal::Journal;
use crate::domain::Error;
use crate::domain::{
    Code, Entered, Event, EventId, EventView, LotteryEntry, MemberKey, Membership, Millis, Move,
    PoolId, Program, ProgramId, RegisterRow, Reservation, SaleStatus, StationDay, StatusAction,
    Taken, Waiting,
};
use crate::store::{
    Begun, Drawer, DrawnEntry, Find, Grab, Grabbed, Join, LogEntry, LogPos, Part, Payment,
    Released, Reread, Restocked, Snapshot, StatePage, Store,
};

#[async_trait]
impl Store for MemoryStore {
    async fn create_event(&self, event: &Event) -> Result<(), Error> {
        let (out, ticket) = self.create(event);
        self.settle(ticket).await?;
        out
    }

    async fn create_program(&self, program: &Program) -> Result<(), Error> {
        let (out, ticket) = self.create_program_in(program);
        self.settle(ticket).await?;
        out
    }

    async fn programs(&self) -> Result<Vec<Program>, Error> {
        Ok(self.program_list())
    }

    async fn places(&self, program: &ProgramId, member: &MemberKey) -> Result<u32, Error> {
        self.places_of(program, member)
    }

    async fn register_write(&self, rows: &[RegisterRow]) -> Result<(u64, u64), Error> {
        self.register_write_in(rows).await
    }

    async fn register_entry(&self, member: &MemberKey) -> Result<Option<Membership>, Error> {
        self.register_entry_of(member).await
    }

    async fn register_len(&self) -> Result<u64, Error> {
        Ok(self.register_map().len() as u64)
    }

    async fn places_page(
        &self,
        program: &ProgramId,
        cursor: &str,
    ) -> Result<crate::domain::PlacesPage, Error> {
        self.places_page_of(program, cursor)
    }

    async fn event_ids(&self) -> Result<Vec<EventId>, Error> {
        let (ids, ticket) = {
            let events = self.lock();
            let ids = events.keys().cloned().collect();
            (ids, self.journal.as_ref().map(Journal::seen))
        };
        self.settle(ticket).await?;
        Ok(ids)
    }

    async fn event(&self, id: &EventId) -> Result<EventView, Error> {
        self.with_event(id, |data| Ok(data.view(self.now()))).await
    }

    async fn grab(&self, req: &Grab<'_>, code: &Code) -> Result<Grabbed, Error> {
        self.with_event(req.event, |data| data.grab(req, code, self.now()))
            .await
    }

    async fn take(&self, req: &Grab<'_>, code: &Code, arrived: Millis) -> Result<Taken, Error> {
        self.with_event(req.event, |data| {
            data.take(req, code, self.now(), Some(arrived))
        })
        .await
    }

    async fn cancel(
        &self,
        event: &EventId,
        member: &MemberKey,
        code: &Code,
    ) -> Result<Reservation, Error> {
        self.with_event(event, |data| data.cancel(member, code, self.now()))
            .await
    }

    async fn redeem(&self, event: &EventId, find: &Find) -> Result<Reservation, Error> {
        self.with_event(event, |data| data.redeem(find, self.now()))
            .await
    }

    async fn pay(
        &self,
        event: &EventId,
        code: &Code,
        payment: &str,
        amount: i64,
    ) -> Result<Payment, Error> {
        self.with_event(event, |data| data.pay(code, payment, amount, self.now()))
            .await
    }

    async fn expire_holds(&self, event: &EventId, max: usize) -> Result<usize, Error> {
        self.with_event(event, |data| Ok(data.expire_due(max, self.now())))
            .await
    }

    async fn restock(
        &self,
        event: &EventId,
        pool: &PoolId,
        delta: i64,
    ) -> Result<Restocked, Error> {
        self.with_event(event, |data| data.restock(pool, delta, self.now()))
            .await
    }

    async fn move_seats(&self, event: &EventId, m: &Move) -> Result<(i64, i64), Error> {
        self.with_event(event, |data| {
            data.move_seats(&m.pool, (m.from, m.to), m.seats, self.now())
        })
        .await
    }

    async fn join_waiting(&self, req: &Join<'_>, code: &Code) -> Result<Waiting, Error> {
        self.with_event(req.grab.event, |data| data.join(req, code, self.now()))
            .await
    }

    async fn leave_waiting(&self, event: &EventId, member: &MemberKey) -> Result<(), Error> {
        self.with_event(event, |data| data.leave(member, self.now()))
            .await
    }

    async fn waiting(&self, event: &EventId, member: &MemberKey) -> Result<Option<Waiting>, Error> {
        self.with_event(event, |data| Ok(data.waiting_at(member, self.now())))
            .await
    }

    async fn release_unredeemed(&self, event: &EventId, pool: &PoolId) -> Result<Released, Error> {
        self.with_event(event, |data| data.release(pool, self.now()))
            .await
    }

    async fn set_status(&self, event: &EventId, action: StatusAction) -> Result<SaleStatus, Error> {
        self.with_event(event, |data| data.set_status(action, self.now()))
            .await
    }

    async fn lookup(&self, event: &EventId, find: &Find) -> Result<Option<Reservation>, Error> {
        self.with_event(event, |data| Ok(data.find(find).cloned()))
            .await
    }

    async fn paid_with(&self, event: &EventId, code: &Code) -> Result<Option<String>, Error> {
        self.with_event(event, |data| Ok(data.paid_by.get(code).cloned()))
            .await
    }

    async fn tally(
        &self,
        event: &EventId,
        station: &str,
        day: &str,
        what: &str,
        n: i64,
    ) -> Result<(), Error> {
        self.with_event(event, |data| data.tally(station, day, what, n, self.now()))
            .await
    }

    async fn tallies(
        &self,
        event: &EventId,
        station: &str,
        day: &str,
    ) -> Result<StationDay, Error> {
        self.with_event(event, |data| Ok(data.tallies(station, day)))
            .await
    }

    async fn grab_rate(&self, event: &EventId) -> Result<Vec<u32>, Error> {
        self.with_event(event, |data| Ok(data.grab_rate(self.now())))
            .await
    }

    async fn snapshot(&self, event: &EventId) -> Result<Snapshot, Error> {
        self.with_event(event, |data| Ok(data.snapshot(self.now())))
            .await
    }

    async fn head(&self, event: &EventId) -> Result<(EventView, LogPos), Error> {
        self.with_event(event, |data| Ok(data.head(self.now())))
            .await
    }

    async fn holders(
        &self,
        event: &EventId,
        cursor: &str,
    ) -> Result<(Vec<Reservation>, Option<String>), Error> {
        self.with_event(event, |data| data.holders(cursor)).await
    }

    async fn state_page(
        &self,
        event: &EventId,
        part: Part,
        cursor: &str,
    ) -> Result<(StatePage, Option<String>), Error> {
        self.with_event(event, |data| data.state_page(part, cursor))
            .await
    }

    async fn reread(
        &self,
        event: &EventId,
        since: LogPos,
        codes: &[Code],
        members: &[MemberKey],
    ) -> Result<Option<Reread>, Error> {
        let now = self.now();
        self.with_event(event, |data| data.reread(since, codes, members, now))
            .await
    }

    async fn drop_event(&self, event: &EventId, end: LogPos) -> Result<bool, Error> {
        self.drop_of(event, end).await
    }

    async fn log_after(
        &self,
        event: &EventId,
        after: LogPos,
        max: usize,
    ) -> Result<Vec<(LogPos, LogEntry)>, Error> {
        self.with_event(event, |data| Ok(data.log_after(after, max)))
            .await
    }

    async fn enter(&self, req: &Grab<'_>) -> Result<Entered, Error> {
        self.with_event(req.event, |data| data.enter(req, self.now()))
            .await
    }

    async fn withdraw(&self, event: &EventId, member: &MemberKey) -> Result<(), Error> {
        self.with_event(event, |data| data.withdraw(member, self.now()))
            .await
    }

    async fn entry(
        &self,
        event: &EventId,
        member: &MemberKey,
    ) -> Result<Option<LotteryEntry>, Error> {
        self.with_event(event, |data| Ok(data.entries.get(member).cloned()))
            .await
    }

    async fn set_public_value(&self, event: &EventId, value: &str) -> Result<(), Error> {
        crate::domain::check_public("public_value", value)?;
        self.with_event(event, |data| data.set_public_value(value, self.now()))
            .await
    }

    async fn begin_draw(&self, event: &EventId, drawer: &Drawer<'_>) -> Result<Begun, Error> {
        self.with_event(event, |data| data.begin_draw(drawer, self.now()))
            .await
    }

    async fn entries(
        &self,
        event: &EventId,
        cursor: u64,
    ) -> Result<(Vec<LotteryEntry>, u64), Error> {
        self.with_event(event, |data| Ok(data.entries_page(cursor)))
            .await
    }

    async fn write_draw(
        &self,
        event: &EventId,
        drawer: &Drawer<'_>,
        batch: &[DrawnEntry],
    ) -> Result<usize, Error> {
        self.with_event(event, |data| data.write_draw(drawer, batch, self.now()))
            .await
    }

    async fn finish_draw(
        &self,
        event: &EventId,
        drawer: &Drawer<'_>,
        entries_digest: &str,
        draw_seed: &str,
    ) -> Result<(), Error> {
        self.with_event(event, |data| {
            data.finish_draw(drawer, entries_digest, draw_seed, self.now())
        })
        .await
    }

    /// Ready unless the journal can no longer be written.
    async fn ping(&self) -> Result<(), Error> {
        self.journal.as_ref().map_or(Ok(()), Journal::check)
    }
}
