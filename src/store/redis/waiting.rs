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
        let groups = super::lottery::groups_arg(grab.groups);
        let mut args = vec![
            "join",
            grab.member.key.as_str(),
            grab.member.card.as_str(),
            grab.channel.as_str(),
            code,
            grab.org.map_or("", OrgPath::as_str),
            SEATS[usize::from(grab.seats.get()) - 1],
            &cutoff,
            &groups,
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
        let pays = self.calls.keys(event).await?.key("pays");
        let field = format!("c:{code}");
        self.calls
            .query(redis::cmd("HGET").arg(pays).arg(field).to_owned())
            .await
    }

    /// One reservation, by code or as a member's latest (read.lua `lookup`).
    pub(super) async fn lookup_in(
        &self,
        event: &EventId,
        find: &crate::store::Find,
    ) -> Result<Option<crate::domain::Reservation>, Error> {
        let [by, value] = super::find_args(find);
        let (_, rest) = self.calls.read(event, &["lookup", by, value]).await?;
        let found = texts(rest.into_iter().next().unwrap_or(Value::Nil))?;
        if found.is_empty() {
            Ok(None)
        } else {
            super::reply::reservation(event, &found).map(Some)
        }
    }

    /// Tickets reserved in each of the last 60 seconds (read.lua `rate`).
    pub(super) async fn rate_of(&self, event: &EventId) -> Result<Vec<u32>, Error> {
        let (_, rest) = self.calls.read(event, &["rate"]).await?;
        texts(rest.into_iter().next().unwrap_or(Value::Nil))?
            .iter()
            .map(|n| {
                n.parse()
                    .map_err(|_| Error::Corrupt(format!("bad count {n:?}")))
            })
            .collect()
    }

    /// lua/tally.lua: `[station, day, what]` plus `n`.
    pub(super) async fn add_tally(
        &self,
        event: &EventId,
        [station, day, what]: [&str; 3],
        n: i64,
    ) -> Result<(), Error> {
        let n = n.to_string();
        self.calls
            .change(
                &crate::store::scripts::SCRIPTS.tally,
                event,
                &[station, day, what, &n],
            )
            .await
            .map(|_| ())
    }

    /// A station's tallies of a day: the `pays` hash's `t:` fields.
    pub(super) async fn tallies_of(
        &self,
        event: &EventId,
        station: &str,
        day: &str,
    ) -> Result<crate::domain::StationDay, Error> {
        let pays = self.calls.keys(event).await?.key("pays");
        let mut cmd = redis::cmd("HMGET");
        cmd.arg(pays);
        for what in crate::domain::TALLIED {
            cmd.arg(format!("t:{station}|{day}|{what}"));
        }
        let got: Vec<Option<i64>> = self.calls.query(cmd).await?;
        let n = |i: usize| got.get(i).copied().flatten().unwrap_or(0);
        Ok(crate::domain::StationDay {
            issued: n(0),
            entered: n(1),
            redeemed: n(2),
            taken_fen: n(3),
        })
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
