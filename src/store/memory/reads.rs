//! The reads of the embedded store: the event's view, one reservation, the
//! snapshot, the grab rate, the log after a position.

use std::ops::Bound;

use super::EventData;
use crate::domain::{Code, Error, EventView, MemberKey, Millis, Reservation};
use crate::store::{Find, LogEntry, LogOp, LogPos, Snapshot};

/// Holders per page (`Store::holders`): a page is cloned under the store's
/// lock, so it stays short (~0.3 ms).
const HOLDERS_PAGE: usize = 1000;

/// The position after the first `n` entries of a log.
fn position(n: usize) -> LogPos {
    LogPos::after_entries(n)
}

impl EventData {
    pub(super) fn view(&self, now: Millis) -> EventView {
        let mut pools = self.pools.clone();
        for p in &mut pools {
            p.waiting = self.waiting_per_pool.get(&p.id).copied().unwrap_or(0);
        }
        EventView {
            event: self.event.clone(),
            status: self.status,
            pools,
            server_time: now,
            draw: self.draw.clone(),
        }
    }

    pub(super) fn find(&self, find: &Find) -> Option<&Reservation> {
        let code = match find {
            Find::Code(code) => code,
            Find::Member(member) => self.members.get(member)?,
        };
        self.reservations.get(code)
    }

    pub(super) fn snapshot(&self, now: Millis) -> Snapshot {
        let mut reservations: Vec<Reservation> = self.reservations.values().cloned().collect();
        reservations.sort_by(|a, b| a.code.cmp(&b.code));
        let mut members: Vec<(MemberKey, Code)> = self
            .members
            .iter()
            .map(|(m, c)| (m.clone(), c.clone()))
            .collect();
        members.sort();
        let mut holds: Vec<(Code, Millis)> =
            self.holds.iter().map(|(at, c)| (c.clone(), *at)).collect();
        holds.sort();
        let waiting: Vec<_> = self.waiting.values().cloned().collect();
        let mut waiting_index: Vec<String> = waiting.iter().flat_map(|w| w.index()).collect();
        waiting_index.sort();
        waiting_index.dedup();
        Snapshot {
            view: self.view(now),
            reservations,
            members,
            holds,
            waiting,
            waiting_index,
            entries: self.entries.values().cloned().collect(),
            log: self.log.to_vec(),
            log_end: position(self.log.len()),
        }
    }

    /// The view and the log's end, without a reservation or a log entry.
    pub(super) fn head(&self, now: Millis) -> (EventView, LogPos) {
        (self.view(now), position(self.log.len()))
    }

    /// Up to `HOLDERS_PAGE` holders after the member key `cursor`, in key
    /// order: a holder present throughout is on some page.
    pub(super) fn holders(
        &self,
        cursor: &str,
    ) -> Result<(Vec<Reservation>, Option<String>), Error> {
        let from = if cursor.is_empty() {
            Bound::Unbounded
        } else {
            Bound::Excluded(MemberKey::from_stored(cursor)?)
        };
        let mut page = Vec::with_capacity(HOLDERS_PAGE.min(self.members.len()));
        let mut last = None;
        for (member, code) in self.members.range((from, Bound::Unbounded)) {
            if page.len() == HOLDERS_PAGE {
                return Ok((page, last));
            }
            if let Some(r) = self.reservations.get(code) {
                page.push(r.clone());
            }
            last = Some(member.as_str().to_owned());
        }
        Ok((page, None))
    }

    /// Tickets reserved in each of the last 60 seconds before `now`.
    pub(super) fn grab_rate(&self, now: Millis) -> Vec<u32> {
        let now = now.0;
        let mut counts = vec![0; 60];
        // Newest first, back to a minute ago. An entry stamped after `now`
        // (the clock stepped back since) is counted in the newest second.
        for entry in self.log.iter().rev().take_while(|e| now - e.at.0 < 60_000) {
            if matches!(entry.op, LogOp::Reserved { .. } | LogOp::Assigned { .. }) {
                let age = ((now - entry.at.0).max(0) / 1000) as usize;
                counts[59 - age.min(59)] += 1;
            }
        }
        counts
    }

    pub(super) fn log_after(&self, after: LogPos, max: usize) -> Vec<(LogPos, LogEntry)> {
        let from = usize::try_from(after.seq).unwrap_or(usize::MAX);
        self.log
            .after(from)
            .take(max)
            .enumerate()
            .map(|(i, e)| (position(from + i + 1), e.clone()))
            .collect()
    }
}
