//! The paged read on Redis: each part a SCAN page (HSCAN of the reservation
//! and member hashes, ZSCAN of the hold and waiting indexes), and read.lua
//! "reread" for the last step: each one bounded, so auditing or exporting a
//! big sale never blocks Redis for the sale's other callers.

use redis::Value;

use super::RedisStore;
use super::reply::{code, int, list, pairs, text, texts};
use crate::domain::{
    Code, Error, EventId, LotteryEntry, MAX_TAIL, MemberKey, MemberState, Millis, Part,
    Reservation, WaitEntry,
};
use crate::store::{LogPos, Reread, StatePage};

/// Fields per SCAN step (~1 ms of Redis).
const SCAN: usize = 1_000;

fn opt(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

impl RedisStore {
    pub(super) async fn page_of(
        &self,
        event: &EventId,
        part: Part,
        cursor: &str,
    ) -> Result<(StatePage, Option<String>), Error> {
        let cursor: u64 = match cursor {
            "" => 0,
            c => c
                .parse()
                .map_err(|_| Error::Invalid(format!("page cursor {c:?}")))?,
        };
        let keys = self.calls.keys(event).await?;
        let [res, member, holds, waitq] = ["res", "member", "holds", "waitq"].map(|s| keys.key(s));
        let (scan, key) = match part {
            Part::Reservations => ("HSCAN", res),
            Part::Members => ("HSCAN", member),
            Part::Holds => ("ZSCAN", holds),
            Part::WaitIndex => ("ZSCAN", waitq),
        };
        let (next, flat): (u64, Vec<String>) = self
            .calls
            .query(
                redis::cmd(scan)
                    .arg(key)
                    .arg(cursor)
                    .arg("COUNT")
                    .arg(SCAN)
                    .to_owned(),
            )
            .await?;
        let mut page = StatePage::default();
        for (k, v) in pairs(&flat) {
            match part {
                Part::Reservations => page
                    .reservations
                    .push(Reservation::from_record(event, k, v)?),
                Part::Members => {
                    if let Some(m) = k.strip_prefix("w:") {
                        page.waiting
                            .push(WaitEntry::from_record(MemberKey::from_stored(m)?, v)?);
                    } else if let Some(m) = k.strip_prefix("e:") {
                        page.entries
                            .push(LotteryEntry::from_record(MemberKey::from_stored(m)?, v)?);
                    } else {
                        page.members.push((MemberKey::from_stored(k)?, code(v)?));
                    }
                }
                Part::Holds => page.holds.push((code(k)?, Millis(int(v)?))),
                Part::WaitIndex => page.waiting_index.push(k.to_owned()),
            }
        }
        Ok((page, (next != 0).then(|| next.to_string())))
    }

    pub(super) async fn reread_of(
        &self,
        event: &EventId,
        since: LogPos,
        codes: &[Code],
        members: &[MemberKey],
    ) -> Result<Option<Reread>, Error> {
        let (since, max, n) = (
            since.to_string(),
            MAX_TAIL.to_string(),
            codes.len().to_string(),
        );
        let mut args: Vec<&str> = vec!["reread", &since, &max, &n];
        args.extend(codes.iter().map(Code::as_str));
        args.extend(members.iter().map(MemberKey::as_str));
        let (view, rest) = self.calls.read(event, &args).await?;
        let mut rest = rest.into_iter();
        let end = text(&rest.next().ok_or_else(|| corrupt("no log end"))?)?;
        if end == "behind" {
            return Ok(None);
        }
        let end = if end.is_empty() {
            LogPos::START
        } else {
            LogPos::parse(&end)?
        };
        let (by_code, by_member) = (
            list(rest.next().ok_or_else(|| corrupt("no codes"))?)?,
            list(rest.next().ok_or_else(|| corrupt("no members"))?)?,
        );
        let mut out = Reread {
            view,
            end,
            codes: Vec::new(),
            members: Vec::new(),
        };
        for item in by_code {
            let [c, record, by] =
                <[String; 3]>::try_from(texts(item)?).map_err(|_| corrupt("code item"))?;
            let r = opt(&record)
                .map(|r| Reservation::from_record(event, &c, r))
                .transpose()?;
            let by = opt(&by).map(|b| int(b).map(Millis)).transpose()?;
            out.codes.push((code(&c)?, r, by));
        }
        for item in by_member {
            let parts = list(item)?;
            let [m, c, w, e, index] =
                <[Value; 5]>::try_from(parts).map_err(|_| corrupt("member item"))?;
            let member = MemberKey::from_stored(&text(&m)?)?;
            let (c, w, e) = (text(&c)?, text(&w)?, text(&e)?);
            out.members.push(MemberState {
                code: opt(&c).map(code).transpose()?,
                waiting: opt(&w)
                    .map(|w| WaitEntry::from_record(member.clone(), w))
                    .transpose()?,
                entry: opt(&e)
                    .map(|e| LotteryEntry::from_record(member.clone(), e))
                    .transpose()?,
                index: texts(index)?,
                member,
            });
        }
        Ok(Some(out))
    }
}

fn corrupt(what: &str) -> Error {
    Error::Corrupt(format!("reread reply: {what}"))
}
