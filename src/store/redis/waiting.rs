//! The waiting list and the no-show release on Redis (`lua/wait.lua`,
//! `lua/release.lua`): the `Store` methods of `ops.rs` call these.

use redis::Value;

use super::RedisStore;
use super::SEATS;
use super::reply::{int, texts, waiting};
use crate::domain::Error;
use crate::domain::{EventId, MemberKey, OrgPath, PoolId, Waiting};
use crate::store::scripts::SCRIPTS;
use crate::store::{Join, Released};

impl RedisStore {
    pub(super) async fn join(&self, req: &Join<'_>, code: &str) -> Result<Waiting, Error> {
        let grab = &req.grab;
        let cutoff = req.cutoff.map(|c| c.0.to_string()).unwrap_or_default();
        let mut args = vec![
            "join",
            grab.member.key.as_str(),
            grab.member.card.as_str(),
            grab.channel.as_str(),
            code,
            grab.org.map_or("", OrgPath::as_str),
            SEATS[usize::from(grab.seats.get()) - 1],
            &cutoff,
        ];
        args.extend(grab.choices.iter().map(PoolId::as_str));
        let (_, fields) = self.calls.change(&SCRIPTS.wait, grab.event, &args).await?;
        waiting(&fields)
    }

    pub(super) async fn leave(&self, event: &EventId, member: &MemberKey) -> Result<(), Error> {
        self.calls
            .change(&SCRIPTS.wait, event, &["leave", member.as_str()])
            .await
            .map(|_| ())
    }

    /// lua/pay.lua's `c:<code>` field of the event's `pays` hash.
    pub(super) async fn payment_of(
        &self,
        event: &EventId,
        code: &crate::domain::Code,
    ) -> Result<Option<String>, Error> {
        let mut pays = String::new();
        crate::store::keys::write_key(&mut pays, event, "pays");
        let field = format!("c:{code}");
        self.calls
            .query(redis::cmd("HGET").arg(pays).arg(field).to_owned())
            .await
    }

    pub(super) async fn waiting_of(
        &self,
        event: &EventId,
        member: &MemberKey,
    ) -> Result<Option<Waiting>, Error> {
        let (_, rest) = self
            .calls
            .read(event, &["waiting", member.as_str()])
            .await?;
        let found = texts(rest.into_iter().next().unwrap_or(Value::Nil))?;
        if found.is_empty() {
            Ok(None)
        } else {
            waiting(&found).map(Some)
        }
    }

    pub(super) async fn release(&self, event: &EventId, pool: &PoolId) -> Result<Released, Error> {
        let (_, fields) = self
            .calls
            .change(&SCRIPTS.release, event, &[pool.as_str()])
            .await?;
        match &fields[..] {
            [reservations, seats] => Ok(Released {
                reservations: int(reservations)?,
                seats: int(seats)?,
            }),
            _ => Err(Error::Corrupt(format!("release reply {fields:?}"))),
        }
    }
}
