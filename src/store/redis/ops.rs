//! The `Store` interface on Redis: each method is one script call.

use async_trait::async_trait;

use crate::store::{Part, Reread, StatePage};
use tracing::instrument;

use super::lottery::grab_args;
use super::reply::{Tag, int, reservation};
use super::{RedisStore, find_args};
use crate::domain::Error;
use crate::domain::{
    Code, Entered, Event, EventId, EventView, LotteryEntry, MAX_POOL_TOTAL, MemberKey, Membership,
    Millis, Move, PoolId, Program, ProgramId, RegisterRow, Reservation, SaleStatus, StationDay,
    StatusAction, Taken, Waiting,
};
use crate::store::keys::EVENT_INDEX;
use crate::store::scripts::SCRIPTS;
use crate::store::{
    Begun, Drawer, DrawnEntry, Find, Grab, Grabbed, Join, LogEntry, LogPos, Payment,
    PaymentOutcome, Released, Restocked, Snapshot, Store,
};

#[async_trait]
impl Store for RedisStore {
    #[instrument(level = "debug", skip_all, fields(event = %event.id))]
    async fn create_event(&self, event: &Event) -> Result<(), Error> {
        self.create(event).await
    }

    async fn create_program(&self, program: &Program) -> Result<(), Error> {
        self.create_program_in(program).await
    }

    async fn programs(&self) -> Result<Vec<Program>, Error> {
        self.program_list().await
    }

    async fn places(&self, program: &ProgramId, member: &MemberKey) -> Result<u32, Error> {
        self.places_of(program, member).await
    }

    async fn register_write(&self, rows: &[RegisterRow]) -> Result<(u64, u64), Error> {
        self.register_write_in(rows).await
    }

    async fn register_entry(&self, member: &MemberKey) -> Result<Option<Membership>, Error> {
        self.register_entry_of(member).await
    }

    async fn register_len(&self) -> Result<u64, Error> {
        self.register_len_of().await
    }

    async fn places_page(
        &self,
        program: &ProgramId,
        cursor: &str,
    ) -> Result<crate::domain::PlacesPage, Error> {
        self.places_page_of(program, cursor).await
    }

    async fn event_ids(&self) -> Result<Vec<EventId>, Error> {
        let ids: Vec<String> = self
            .calls
            .query(redis::cmd("SMEMBERS").arg(EVENT_INDEX).to_owned())
            .await?;
        ids.iter()
            .map(|id| {
                EventId::parse(id).map_err(|_| Error::Corrupt(format!("bad event id {id:?}")))
            })
            .collect()
    }

    #[instrument(level = "debug", skip_all, fields(event = %id))]
    async fn event(&self, id: &EventId) -> Result<EventView, Error> {
        Ok(self.calls.read(id, &["stats"]).await?.0)
    }

    #[instrument(level = "debug", skip_all, fields(event = %req.event))]
    async fn grab(&self, req: &Grab<'_>, code: &Code) -> Result<Grabbed, Error> {
        let args = grab_args(req, code, "");
        let (tag, fields) = self.grabs.grab(&self.calls, req.event, args).await?;
        Ok(Grabbed {
            reservation: reservation(req.event, &fields)?,
            new: tag == Tag::Reserved,
        })
    }

    #[instrument(level = "debug", skip_all, fields(event = %req.event))]
    async fn take(&self, req: &Grab<'_>, code: &Code, arrived: Millis) -> Result<Taken, Error> {
        self.take_stamped(req, code, arrived).await
    }

    #[instrument(level = "debug", skip_all, fields(event = %event))]
    async fn cancel(
        &self,
        event: &EventId,
        member: &MemberKey,
        code: &Code,
    ) -> Result<Reservation, Error> {
        let (_, fields) = self
            .calls
            .change(&SCRIPTS.cancel, event, &[code.as_str(), member.as_str()])
            .await?;
        reservation(event, &fields)
    }

    #[instrument(level = "debug", skip_all, fields(event = %event))]
    async fn redeem(&self, event: &EventId, find: &Find) -> Result<Reservation, Error> {
        let (_, fields) = self
            .calls
            .change(&SCRIPTS.redeem, event, &find_args(find))
            .await?;
        reservation(event, &fields)
    }

    #[instrument(level = "debug", skip_all, fields(event = %event))]
    async fn pay(
        &self,
        event: &EventId,
        code: &Code,
        payment: &str,
        amount: i64,
    ) -> Result<Payment, Error> {
        let amount = amount.to_string();
        let (_, fields) = self
            .calls
            .change(&SCRIPTS.pay, event, &[code.as_str(), payment, &amount])
            .await?;
        let outcome = match fields.first().map(String::as_str) {
            Some("paid") => PaymentOutcome::Paid,
            Some("refund_due") => PaymentOutcome::RefundDue,
            other => return Err(Error::Corrupt(format!("payment outcome {other:?}"))),
        };
        Ok(Payment {
            outcome,
            reservation: reservation(event, &fields[1..])?,
        })
    }

    #[instrument(level = "debug", skip_all, fields(event = %event))]
    async fn expire_holds(&self, event: &EventId, max: usize) -> Result<usize, Error> {
        let (_, fields) = self
            .calls
            .change(&SCRIPTS.expire, event, &[&max.to_string()])
            .await?;
        let n = fields.first().map(|n| int(n)).transpose()?.unwrap_or(0);
        usize::try_from(n).map_err(|_| Error::Corrupt(format!("expired {n} holds")))
    }

    #[instrument(level = "debug", skip_all, fields(event = %req.grab.event))]
    async fn join_waiting(&self, req: &Join<'_>, code: &Code) -> Result<Waiting, Error> {
        self.join(req, code.as_str()).await
    }

    async fn leave_waiting(&self, event: &EventId, member: &MemberKey) -> Result<(), Error> {
        self.leave(event, member).await
    }

    async fn waiting(&self, event: &EventId, member: &MemberKey) -> Result<Option<Waiting>, Error> {
        self.waiting_of(event, member).await
    }

    #[instrument(level = "debug", skip_all, fields(event = %event, pool = %pool))]
    async fn release_unredeemed(&self, event: &EventId, pool: &PoolId) -> Result<Released, Error> {
        self.release(event, pool).await
    }

    async fn move_seats(&self, event: &EventId, m: &Move) -> Result<(i64, i64), Error> {
        self.move_in(event, m).await
    }

    #[instrument(level = "debug", skip_all, fields(event = %event, pool = %pool, delta))]
    async fn restock(
        &self,
        event: &EventId,
        pool: &PoolId,
        delta: i64,
    ) -> Result<Restocked, Error> {
        let (_, fields) = self
            .calls
            .change(
                &SCRIPTS.restock,
                event,
                &[
                    pool.as_str(),
                    &delta.to_string(),
                    &MAX_POOL_TOTAL.to_string(),
                ],
            )
            .await?;
        match &fields[..] {
            [remaining, total] => Ok(Restocked {
                remaining: int(remaining)?,
                total: int(total)?,
            }),
            _ => Err(Error::Corrupt(format!("restock reply {fields:?}"))),
        }
    }

    #[instrument(level = "debug", skip_all, fields(event = %event, action = action.as_str()))]
    async fn set_status(&self, event: &EventId, action: StatusAction) -> Result<SaleStatus, Error> {
        let (_, fields) = self
            .calls
            .change(&SCRIPTS.status, event, &[action.as_str()])
            .await?;
        SaleStatus::parse(fields.first().map_or("", String::as_str))
    }

    #[instrument(level = "debug", skip_all, fields(event = %event))]
    async fn lookup(&self, event: &EventId, find: &Find) -> Result<Option<Reservation>, Error> {
        self.lookup_in(event, find).await
    }

    async fn paid_with(&self, event: &EventId, code: &Code) -> Result<Option<String>, Error> {
        self.payment_of(event, code).await
    }
    async fn tally(&self, e: &EventId, at: &str, d: &str, w: &str, n: i64) -> Result<(), Error> {
        self.add_tally(e, [at, d, w], n).await
    }
    async fn tallies(&self, e: &EventId, at: &str, day: &str) -> Result<StationDay, Error> {
        self.tallies_of(e, at, day).await
    }

    #[instrument(level = "debug", skip_all, fields(event = %event))]
    async fn grab_rate(&self, event: &EventId) -> Result<Vec<u32>, Error> {
        self.rate_of(event).await
    }

    #[instrument(level = "debug", skip_all, fields(event = %event))]
    async fn snapshot(&self, event: &EventId) -> Result<Snapshot, Error> {
        let (view, rest) = self.calls.read(event, &["full"]).await?;
        super::snapshot::snapshot_of(event, view, rest)
    }

    async fn head(&self, event: &EventId) -> Result<(EventView, LogPos), Error> {
        self.head_of(event).await
    }

    async fn holders(
        &self,
        event: &EventId,
        cursor: &str,
    ) -> Result<(Vec<Reservation>, Option<String>), Error> {
        self.holders_page(event, cursor).await
    }

    async fn state_page(
        &self,
        event: &EventId,
        part: Part,
        cursor: &str,
    ) -> Result<(StatePage, Option<String>), Error> {
        self.page_of(event, part, cursor).await
    }

    async fn reread(
        &self,
        event: &EventId,
        since: LogPos,
        codes: &[Code],
        members: &[MemberKey],
    ) -> Result<Option<Reread>, Error> {
        self.reread_of(event, since, codes, members).await
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
        self.log_page(event, after, max).await
    }

    /// A tiny script that is not `no-writes` (refused when out of memory).
    async fn enter(&self, req: &Grab<'_>) -> Result<Entered, Error> {
        self.enter_lottery(req).await
    }

    async fn withdraw(&self, event: &EventId, member: &MemberKey) -> Result<(), Error> {
        self.withdraw_entry(event, member).await
    }

    async fn entry(
        &self,
        event: &EventId,
        member: &MemberKey,
    ) -> Result<Option<LotteryEntry>, Error> {
        self.entry_of(event, member).await
    }

    async fn set_public_value(&self, event: &EventId, value: &str) -> Result<(), Error> {
        self.public_value(event, value).await
    }

    async fn begin_draw(&self, event: &EventId, drawer: &Drawer<'_>) -> Result<Begun, Error> {
        self.begin(event, drawer).await
    }

    async fn entries(
        &self,
        event: &EventId,
        cursor: u64,
    ) -> Result<(Vec<LotteryEntry>, u64), Error> {
        self.entry_page(event, cursor).await
    }

    async fn write_draw(
        &self,
        event: &EventId,
        drawer: &Drawer<'_>,
        batch: &[DrawnEntry],
    ) -> Result<usize, Error> {
        self.write(event, drawer, batch).await
    }

    async fn finish_draw(
        &self,
        event: &EventId,
        drawer: &Drawer<'_>,
        entries_digest: &str,
        draw_seed: &str,
    ) -> Result<(), Error> {
        self.finish(event, drawer, entries_digest, draw_seed).await
    }

    async fn ping(&self) -> Result<(), Error> {
        self.ready().await
    }

    /// Reachable, every script loaded (a later NOSCRIPT reloads its one).
    async fn prepare(&self) -> Result<(), Error> {
        self.load_scripts().await
    }

    fn confirms_after_replication(&self) -> bool {
        self.calls.wait_replicas > 0
    }
}
