//! The member register in the embedded store: member key → their union and
//! groups, beside the events. An import writes it a chunk at a time under its
//! own lock (never the events'), each chunk one journal record; a station's
//! lookup reads one entry.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::MutexGuard;

use super::MemoryStore;
use super::journal::Ticket;
use crate::domain::{Error, MemberKey, Membership, RegisterRow};

/// The register: what it knows of each member it knows. Ordered, so that a
/// compaction copies it out a chunk at a time.
pub(super) type Register = BTreeMap<MemberKey, Membership>;

/// Writes `rows` into `register`: entries added (new members), entries
/// removed.
pub(super) fn write_rows(register: &mut Register, rows: &[RegisterRow]) -> (u64, u64) {
    let (mut added, mut removed) = (0, 0);
    for row in rows {
        match &row.entry {
            Some(entry) => {
                if register.insert(row.member.clone(), entry.clone()).is_none() {
                    added += 1;
                }
            }
            None => {
                if register.remove(&row.member).is_some() {
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
            .range((from, Bound::Unbounded))
            .take(n)
            .map(|(member, entry)| RegisterRow {
                member: member.clone(),
                entry: Some(entry.clone()),
            })
            .collect()
    }
}
