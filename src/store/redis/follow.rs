//! What a read model reads on Redis: the event's head (read.lua "head"), its
//! holders a page at a time (HSCAN of the member hash, then HMGET of their
//! reservations), and the log after a position: each one step of bounded
//! cost however long the history.

use redis::Value;

use super::RedisStore;
use super::log::parse_log_entry;
use super::reply::{list, text};
use crate::domain::Error;
use crate::domain::{EventId, EventView, Reservation};
use crate::store::{LogEntry, LogPos};

/// Member-hash fields per HSCAN step: ~1 ms of Redis with their HMGET.
const HOLDERS_SCAN: usize = 1_000;

impl RedisStore {
    pub(super) async fn head_of(&self, event: &EventId) -> Result<(EventView, LogPos), Error> {
        let (view, rest) = self.calls.read(event, &["head"]).await?;
        let last = rest
            .into_iter()
            .next()
            .ok_or_else(|| Error::Corrupt("head reply has no log end".into()))?;
        let last = text(&last)?;
        let end = if last.is_empty() {
            LogPos::START
        } else {
            LogPos::parse(&last)?
        };
        Ok((view, end))
    }

    pub(super) async fn log_page(
        &self,
        event: &EventId,
        after: LogPos,
        max: usize,
    ) -> Result<Vec<(LogPos, LogEntry)>, Error> {
        // A plain XRANGE, not a script: every front end reads every entry,
        // and a script would turn each into Lua strings and back (a profile
        // put that at several µs of Redis per grab). Read-only, one key.
        let mut cmd = redis::cmd("XRANGE");
        cmd.arg(self.calls.keys(event).await?.key("log"))
            .arg(format!("({after}"))
            .arg("+")
            .arg("COUNT")
            .arg(max);
        let reply: Value = self.calls.query(cmd).await?;
        // Collected by hand: through `collect` into a `Result` the vector
        // has no size hint and grows by doubling (~1.5 % of a grab's CPU).
        let items = list(reply)?;
        let mut entries = Vec::with_capacity(items.len());
        for item in items {
            entries.push(parse_log_entry(item)?);
        }
        Ok(entries)
    }

    pub(super) async fn holders_page(
        &self,
        event: &EventId,
        cursor: &str,
    ) -> Result<(Vec<Reservation>, Option<String>), Error> {
        let cursor: u64 = if cursor.is_empty() {
            0
        } else {
            cursor
                .parse()
                .map_err(|_| Error::Invalid(format!("holders cursor {cursor:?}")))?
        };
        let keys = self.calls.keys(event).await?;
        let (res, member) = (keys.key("res"), keys.key("member"));
        let (next, flat): (u64, Vec<String>) = self
            .calls
            .query(
                redis::cmd("HSCAN")
                    .arg(&member)
                    .arg(cursor)
                    .arg("COUNT")
                    .arg(HOLDERS_SCAN)
                    .to_owned(),
            )
            .await?;
        // The hash also keeps waiting-list (`w:`) and lottery (`e:`) entries.
        let held: Vec<(&str, &str)> = flat
            .chunks_exact(2)
            .filter(|p| !p[0].starts_with("w:") && !p[0].starts_with("e:"))
            .map(|p| (p[0].as_str(), p[1].as_str()))
            .collect();
        let mut out = Vec::with_capacity(held.len());
        if !held.is_empty() {
            let mut cmd = redis::cmd("HMGET");
            cmd.arg(&res);
            for (_, code) in &held {
                cmd.arg(*code);
            }
            let records: Value = self.calls.query(cmd).await?;
            for ((_, code), record) in held.iter().zip(list(records)?) {
                // Gone between the two steps: the log tells what became of it.
                if matches!(record, Value::Nil) {
                    continue;
                }
                out.push(Reservation::from_record(event, code, &text(&record)?)?);
            }
        }
        Ok((out, (next != 0).then(|| next.to_string())))
    }
}
