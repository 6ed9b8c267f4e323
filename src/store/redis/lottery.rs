//! Lottery sales on Redis (`lua/lottery.lua`): the `Store` methods of
//! `ops.rs` call these.

use super::RedisStore;
use super::SEATS;
use super::reply::{Tag, int, reservation, texts};
use crate::domain::Error;
use crate::domain::{
    Code, DrawState, Entered, EventId, Grabbed, LotteryEntry, MemberKey, Millis, OrgPath, PoolId,
    Taken, check_public,
};
use crate::store::scripts::SCRIPTS;
use crate::store::{Begun, Drawer, DrawnEntry, Grab};

/// Entries read per HSCAN step.
const SCAN_COUNT: usize = 5_000;

fn entry_of(member: &str, record: &str) -> Result<LotteryEntry, Error> {
    LotteryEntry::from_record(MemberKey::from_stored(member)?, record)
}

/// grab.lua's ARGV for `req` under `code`, stamped `arrived` (ms; "" for
/// none). Owned: the event's lane (batch.rs) sends them from its own task.
pub(super) fn grab_args(req: &Grab<'_>, code: &Code, arrived: &str) -> Vec<String> {
    let seats = SEATS[usize::from(req.seats.get()) - 1];
    let org = req.org.map_or("", OrgPath::as_str);
    let (key, card) = (req.member.key.as_str(), req.member.card.as_str());
    let groups = groups_arg(req.groups);
    let fixed = [
        key,
        card,
        req.channel.as_str(),
        code.as_str(),
        org,
        seats,
        arrived,
        &groups,
    ];
    fixed
        .into_iter()
        .chain(req.choices.iter().map(PoolId::as_str))
        .map(str::to_owned)
        .collect()
}

/// A member's groups as the scripts take them: `;`-joined ("" for none).
pub(super) fn groups_arg(groups: &[crate::domain::Group]) -> String {
    let names: Vec<&str> = groups.iter().map(crate::domain::Group::as_str).collect();
    names.join(";")
}

impl RedisStore {
    /// `Store::take`: a grab stamped with its arrival, in the event's lane
    /// like any grab (so registrations are batched as grabs are).
    pub(super) async fn take_stamped(
        &self,
        req: &Grab<'_>,
        code: &Code,
        arrived: Millis,
    ) -> Result<Taken, Error> {
        let args = grab_args(req, code, &arrived.0.to_string());
        let (tag, fields) = self.grabs.grab(&self.calls, req.event, args).await?;
        Ok(match (tag, &fields[..]) {
            (Tag::Registered, [new, member, record]) => Taken::Registered(Entered {
                entry: entry_of(member, record)?,
                new: new == "new",
            }),
            (Tag::Registered, other) => {
                return Err(Error::Corrupt(format!("registered reply {other:?}")));
            }
            (tag, _) => Taken::Ticket(Grabbed {
                reservation: reservation(req.event, &fields)?,
                new: tag == Tag::Reserved,
            }),
        })
    }

    async fn lottery(&self, event: &EventId, args: &[&str]) -> Result<Vec<String>, Error> {
        Ok(self.calls.change(&SCRIPTS.lottery, event, args).await?.1)
    }

    pub(super) async fn enter_lottery(&self, req: &Grab<'_>) -> Result<Entered, Error> {
        let mut args = vec![
            "enter",
            req.member.key.as_str(),
            req.member.card.as_str(),
            req.channel.as_str(),
            req.org.map_or("", OrgPath::as_str),
            SEATS[usize::from(req.seats.get()) - 1],
        ];
        args.extend(req.choices.iter().map(PoolId::as_str));
        match &self.lottery(req.event, &args).await?[..] {
            [new, member, record] => Ok(Entered {
                entry: entry_of(member, record)?,
                new: new == "new",
            }),
            other => Err(Error::Corrupt(format!("enter reply {other:?}"))),
        }
    }

    pub(super) async fn withdraw_entry(
        &self,
        event: &EventId,
        member: &MemberKey,
    ) -> Result<(), Error> {
        self.lottery(event, &["withdraw", member.as_str()])
            .await
            .map(|_| ())
    }

    pub(super) async fn entry_of(
        &self,
        event: &EventId,
        member: &MemberKey,
    ) -> Result<Option<LotteryEntry>, Error> {
        let (_, rest) = self.calls.read(event, &["entry", member.as_str()]).await?;
        let found = texts(rest.into_iter().next().unwrap_or(redis::Value::Nil))?;
        match &found[..] {
            [] => Ok(None),
            [member, record] => entry_of(member, record).map(Some),
            other => Err(Error::Corrupt(format!("entry reply {other:?}"))),
        }
    }

    pub(super) async fn public_value(&self, event: &EventId, value: &str) -> Result<(), Error> {
        check_public("public_value", value)?;
        self.lottery(event, &["public_value", value])
            .await
            .map(|_| ())
    }

    pub(super) async fn begin(&self, event: &EventId, d: &Drawer<'_>) -> Result<Begun, Error> {
        let lease = d.lease_ms.to_string();
        match &self
            .lottery(event, &["begin", d.draw_id, d.owner, &lease])
            .await?[..]
        {
            [draw_id, stock, entries, done] => Ok(Begun {
                draw_id: draw_id.clone(),
                stock: DrawState::parse_stock(stock)?,
                entries: int(entries)?,
                done: done == "1",
            }),
            other => Err(Error::Corrupt(format!("begin reply {other:?}"))),
        }
    }

    /// A page of entries: HSCAN of the member hash for `e:` fields. Read
    /// after the close only (the draw), when no entry changes any more.
    pub(super) async fn entry_page(
        &self,
        event: &EventId,
        cursor: u64,
    ) -> Result<(Vec<LotteryEntry>, u64), Error> {
        let key = self.calls.keys(event).await?.key("member");
        let (next, flat): (u64, Vec<String>) = self
            .calls
            .query(
                redis::cmd("HSCAN")
                    .arg(key)
                    .arg(cursor)
                    .arg("MATCH")
                    .arg("e:*")
                    .arg("COUNT")
                    .arg(SCAN_COUNT)
                    .to_owned(),
            )
            .await?;
        let mut out = Vec::with_capacity(flat.len() / 2);
        for pair in flat.chunks_exact(2) {
            let member = pair[0]
                .strip_prefix("e:")
                .ok_or_else(|| Error::Corrupt(format!("entry field {:?}", pair[0])))?;
            out.push(entry_of(member, &pair[1])?);
        }
        Ok((out, next))
    }

    pub(super) async fn write(
        &self,
        event: &EventId,
        d: &Drawer<'_>,
        batch: &[DrawnEntry],
    ) -> Result<usize, Error> {
        let lease = d.lease_ms.to_string();
        // Each entry's own text: its rank, its record unranked, seats, pools.
        let texts: Vec<[String; 4]> = batch
            .iter()
            .map(|x| {
                let unranked = LotteryEntry {
                    rank: None,
                    won: None,
                    ..x.entry.clone()
                };
                let pools: Vec<&str> = x.entry.choices.iter().map(PoolId::as_str).collect();
                [
                    x.rank.to_string(),
                    unranked.to_record(),
                    x.entry.seats.to_string(),
                    pools.join(","),
                ]
            })
            .collect();
        let mut args = vec!["write", d.draw_id, d.owner, &lease];
        for (x, [rank, record, seats, pools]) in batch.iter().zip(&texts) {
            args.extend([
                x.member.as_str(),
                rank,
                x.won.as_ref().map_or("", PoolId::as_str),
                x.code.as_str(),
                record,
                seats,
                pools,
                x.entry.card.as_str(),
                x.entry.channel.as_str(),
            ]);
        }
        match &self.lottery(event, &args).await?[..] {
            [n] => Ok(int(n)? as usize),
            other => Err(Error::Corrupt(format!("write reply {other:?}"))),
        }
    }

    pub(super) async fn finish(
        &self,
        event: &EventId,
        d: &Drawer<'_>,
        digest: &str,
        draw_seed: &str,
    ) -> Result<(), Error> {
        self.lottery(event, &["finish", d.draw_id, d.owner, digest, draw_seed])
            .await
            .map(|_| ())
    }
}
