//! Reading a whole event (read.lua "full") into a `Snapshot`.

use redis::Value;

use super::log::parse_log_entry;
use super::reply::{code, int, list, pairs, texts};
use crate::domain::Error;
use crate::domain::{EventId, EventView, LotteryEntry, MemberKey, Millis, Reservation, WaitEntry};
use crate::store::{LogPos, Snapshot};

/// The parts after the view: reservations, the member hash, the log, the
/// hold index and the waiting list's index.
pub(super) fn snapshot_of(
    event: &EventId,
    view: EventView,
    rest: Vec<Value>,
) -> Result<Snapshot, Error> {
    let [res, members, log, holds, waitq] = <[Value; 5]>::try_from(rest)
        .map_err(|_| Error::Corrupt("snapshot reply has the wrong shape".into()))?;
    let mut reservations = pairs(&texts(res)?)
        .map(|(code, record)| Reservation::from_record(event, code, record))
        .collect::<Result<Vec<_>, _>>()?;
    reservations.sort_by(|a, b| a.code.cmp(&b.code));
    // The member hash also holds the waiting list's entries, as
    // w:<member>, and a lottery's, as e:<member>.
    let member_fields = texts(members)?;
    let mut members = Vec::new();
    let mut waiting = Vec::new();
    let mut entries = Vec::new();
    for (m, value) in pairs(&member_fields) {
        if let Some(m) = m.strip_prefix("w:") {
            waiting.push(WaitEntry::from_record(MemberKey::from_stored(m)?, value)?);
        } else if let Some(m) = m.strip_prefix("e:") {
            entries.push(LotteryEntry::from_record(
                MemberKey::from_stored(m)?,
                value,
            )?);
        } else {
            members.push((MemberKey::from_stored(m)?, code(value)?));
        }
    }
    members.sort();
    entries.sort_by(|a, b| a.member.cmp(&b.member));
    waiting.sort_by_key(|e| e.order);
    let mut waiting_index = texts(waitq)?;
    waiting_index.sort();
    let log = list(log)?
        .into_iter()
        .map(parse_log_entry)
        .collect::<Result<Vec<_>, _>>()?;
    let log_end = log.last().map_or(LogPos::START, |(pos, _)| *pos);
    let mut holds = pairs(&texts(holds)?)
        .map(|(c, by)| Ok((code(c)?, Millis(int(by)?))))
        .collect::<Result<Vec<_>, Error>>()?;
    holds.sort();
    Ok(Snapshot {
        view,
        reservations,
        members,
        holds,
        waiting,
        waiting_index,
        entries,
        log: log.into_iter().map(|(_, entry)| entry).collect(),
        log_end,
    })
}
