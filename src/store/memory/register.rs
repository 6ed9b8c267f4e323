//! The member register in the embedded store: member key → their union and
//! groups, beside the events. An import writes it a chunk at a time under its
//! own lock (never the events'), each chunk one journal record; a station's
//! lookup reads one entry.

use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;
use std::sync::{Arc, MutexGuard};

use super::MemoryStore;
use super::journal::Ticket;
use crate::domain::{Error, MemberKey, Membership, RegisterRow};

/// The register: what it knows of each member it knows, ordered so that a
/// compaction copies it out a chunk at a time. Members share their entries:
/// a federation's million cards have a few hundred distinct unions and
/// groups, so each is kept once (`shared`) and each member holds a pointer
/// to it (a million cards took ~135 MB as copies; BENCHMARKS.md §24).
#[derive(Default)]
pub(super) struct Register {
    entries: BTreeMap<MemberKey, Arc<Membership>>,
    /// Every distinct entry ever written (few; never shrinks).
    shared: HashSet<Arc<Membership>>,
}

impl Register {
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(super) fn get(&self, member: &MemberKey) -> Option<&Membership> {
        self.entries.get(member).map(|e| &**e)
    }

    fn shared(&mut self, entry: &Membership) -> Arc<Membership> {
        if let Some(e) = self.shared.get(entry) {
            return e.clone();
        }
        let e = Arc::new(entry.clone());
        self.shared.insert(e.clone());
        e
    }
}

/// Writes `rows` into `register`: entries added (new members), entries
/// removed.
pub(super) fn write_rows(register: &mut Register, rows: &[RegisterRow]) -> (u64, u64) {
    let (mut added, mut removed) = (0, 0);
    for row in rows {
        match &row.entry {
            Some(entry) => {
                let entry = register.shared(entry);
                if register.entries.insert(row.member.clone(), entry).is_none() {
                    added += 1;
                }
            }
            None => {
                if register.entries.remove(&row.member).is_some() {
                    removed += 1;
                }
            }
        }
    }
    (added, removed)
}

impl MemoryStore {
    pub(super) fn register_map(&self) -> MutexGuard<'_, Register> {
        self.register
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Writes a chunk of the register and journals it as one record.
    pub(super) async fn register_write_in(
        &self,
        rows: &[RegisterRow],
    ) -> Result<(u64, u64), Error> {
        let (out, ticket): (_, Option<Ticket>) = {
            let mut register = self.register_map();
            let ticket = self.journal.as_ref().map(|j| j.append_register(rows));
            (write_rows(&mut register, rows), ticket)
        };
        self.settle(ticket).await?;
        Ok(out)
    }

    pub(super) async fn register_entry_of(
        &self,
        member: &MemberKey,
    ) -> Result<Option<Membership>, Error> {
        let (entry, ticket) = {
            let register = self.register_map();
            let ticket = self.journal.as_ref().map(|j| j.seen());
            (register.get(member).cloned(), ticket)
        };
        self.settle(ticket).await?;
        Ok(entry)
    }

    /// The whole register, a chunk at a time (a compaction's snapshot).
    pub(super) fn register_chunk(&self, after: Option<&MemberKey>, n: usize) -> Vec<RegisterRow> {
        let from = after.map_or(Bound::Unbounded, Bound::Excluded);
        self.register_map()
            .entries
            .range((from, Bound::Unbounded))
            .take(n)
            .map(|(member, entry)| RegisterRow {
                member: member.clone(),
                entry: Some(Membership::clone(entry)),
            })
            .collect()
    }
}
