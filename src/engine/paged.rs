//! An event's whole state as at one moment of its log, read in bounded steps
//! (each page, each log batch and each reread is one short store call), so
//! an audit or an export of a sale with hundreds of thousands of tickets
//! never blocks the store for the sale's members.
//!
//! How it stays consistent: the log's end `P` is read first, then every
//! part a page at a time (each item as it was at some moment after `P`),
//! then the log to its end. Every item an entry after `P` names (a code, a
//! member) may have changed since its page was read, so it is read again,
//! a thousand at a time, by `Store::reread`, which also reads — in the same
//! atomic step — every item the log names after the previous step's end.
//! After the last step every item is as it was at that step's end `R`:
//! those no entry after `P` names have not changed since `P`, the others
//! were read after their last change. The view is `R`'s, and the log ends
//! at `R`. One thing is weaker than the atomic snapshot: an index string
//! of the waiting list that a page showed for a member read again is
//! dropped, not checked (a stale one of such a member is not seen).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::Engine;
use crate::domain::{
    Code, Error, EventId, LogEntry, LogPos, LotteryEntry, MemberKey, Millis, Part, Reread,
    Reservation, Snapshot, StatePage, WaitEntry,
};

/// Log entries per read.
const BATCH: usize = 1000;
/// Codes (and as many members) read again per step.
const CHUNK: usize = 1000;

#[derive(Default)]
struct Parts {
    reservations: BTreeMap<Code, Reservation>,
    members: BTreeMap<MemberKey, Code>,
    waiting: BTreeMap<MemberKey, WaitEntry>,
    entries: BTreeMap<MemberKey, LotteryEntry>,
    holds: BTreeMap<Code, Millis>,
    /// The waiting list's index strings by the member they end with.
    index: HashMap<String, BTreeSet<String>>,
}

/// The member an index string ends with (`WaitEntry::index`).
fn indexed_member(s: &str) -> &str {
    s.rsplit('|').next().unwrap_or(s)
}

impl Parts {
    fn add(&mut self, page: StatePage) {
        for r in page.reservations {
            self.reservations.insert(r.code.clone(), r);
        }
        self.members.extend(page.members);
        for w in page.waiting {
            self.waiting.insert(w.member.clone(), w);
        }
        for e in page.entries {
            self.entries.insert(e.member.clone(), e);
        }
        self.holds.extend(page.holds);
        for s in page.waiting_index {
            let member = indexed_member(&s).to_owned();
            self.index.entry(member).or_default().insert(s);
        }
    }

    fn set<K: Ord, V>(map: &mut BTreeMap<K, V>, k: K, v: Option<V>) {
        match v {
            Some(v) => map.insert(k, v),
            None => map.remove(&k),
        };
    }

    fn reread(&mut self, r: Reread) {
        for (code, reservation, pay_by) in r.codes {
            Self::set(&mut self.reservations, code.clone(), reservation);
            Self::set(&mut self.holds, code, pay_by);
        }
        for m in r.members {
            Self::set(&mut self.members, m.member.clone(), m.code);
            Self::set(&mut self.waiting, m.member.clone(), m.waiting);
            Self::set(&mut self.entries, m.member.clone(), m.entry);
            let index: BTreeSet<String> = m.index.into_iter().collect();
            self.index.insert(m.member.as_str().to_owned(), index);
        }
    }
}

/// What the log entries name: codes and members whose state they changed.
#[derive(Default)]
struct Named {
    codes: BTreeSet<Code>,
    members: BTreeSet<MemberKey>,
}

impl Named {
    fn note(&mut self, entry: &LogEntry) -> Result<(), Error> {
        for (name, value) in entry.fields() {
            match name {
                "code" => {
                    self.codes.insert(Code::parse(&value)?);
                }
                "member" => {
                    self.members.insert(MemberKey::from_stored(&value)?);
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn take(&mut self) -> (Vec<Code>, Vec<MemberKey>) {
        let take = |n: usize| n.min(CHUNK);
        let codes: Vec<Code> = (0..take(self.codes.len()))
            .filter_map(|_| self.codes.pop_first())
            .collect();
        let members = (0..take(self.members.len()))
            .filter_map(|_| self.members.pop_first())
            .collect();
        (codes, members)
    }

    fn is_empty(&self) -> bool {
        self.codes.is_empty() && self.members.is_empty()
    }
}

impl Engine {
    /// The event's whole state at one moment of its log, in bounded steps
    /// (see the module's comment).
    pub async fn snapshot(&self, event: &EventId) -> Result<Snapshot, Error> {
        let store = self.store.as_ref();
        let (_, start) = store.head(event).await?;
        let mut parts = Parts::default();
        for part in Part::ALL {
            let mut cursor = String::new();
            loop {
                let (page, next) = store.state_page(event, part, &cursor).await?;
                parts.add(page);
                match next {
                    Some(next) => cursor = next,
                    None => break,
                }
            }
        }
        let mut log = Vec::new();
        let mut named = Named::default();
        let mut pos = self
            .read_log(
                event,
                LogPos::START,
                None,
                &mut log,
                Some(start),
                &mut named,
            )
            .await?;
        loop {
            let (codes, members) = named.take();
            let Some(r) = store.reread(event, pos, &codes, &members).await? else {
                // Far behind the log: catch up with it first.
                named.codes.extend(codes);
                named.members.extend(members);
                pos = self
                    .read_log(event, pos, None, &mut log, Some(start), &mut named)
                    .await?;
                continue;
            };
            let (view, end) = (r.view.clone(), r.end);
            parts.reread(r);
            // What the entries up to `end` named was read at `end` above.
            pos = self
                .read_log(event, pos, Some(end), &mut log, None, &mut named)
                .await?;
            if named.is_empty() {
                return Ok(snapshot_of(view, parts, log, end));
            }
        }
    }

    /// Reads the log after `pos` to its end (or to `until`), noting what the
    /// entries after `noted_after` name (none when `None`); returns where it
    /// stopped.
    async fn read_log(
        &self,
        event: &EventId,
        mut pos: LogPos,
        until: Option<LogPos>,
        log: &mut Vec<LogEntry>,
        noted_after: Option<LogPos>,
        named: &mut Named,
    ) -> Result<LogPos, Error> {
        loop {
            let entries = self.store.log_after(event, pos, BATCH).await?;
            let at_end = entries.len() < BATCH;
            for (at, entry) in entries {
                if until.is_some_and(|u| at > u) {
                    return Ok(pos);
                }
                if noted_after.is_some_and(|after| at > after) {
                    named.note(&entry)?;
                }
                log.push(entry);
                pos = at;
            }
            if at_end || until == Some(pos) {
                return Ok(pos);
            }
        }
    }
}

fn snapshot_of(
    view: crate::domain::EventView,
    parts: Parts,
    log: Vec<LogEntry>,
    end: LogPos,
) -> Snapshot {
    let mut holds: Vec<(Code, Millis)> = parts.holds.into_iter().collect();
    holds.sort();
    let mut waiting: Vec<WaitEntry> = parts.waiting.into_values().collect();
    waiting.sort_by_key(|w| w.order);
    let mut waiting_index: Vec<String> = parts.index.into_values().flatten().collect();
    waiting_index.sort();
    Snapshot {
        view,
        reservations: parts.reservations.into_values().collect(),
        members: parts.members.into_iter().collect(),
        holds,
        waiting,
        waiting_index,
        entries: parts.entries.into_values().collect(),
        log,
        log_end: end,
    }
}
