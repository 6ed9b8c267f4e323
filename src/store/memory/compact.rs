//! Compacting the embedded store's data directory: a snapshot of the live
//! state (each live event's definition and log) plus the journal since,
//! written beside the running store without stopping it (journal/compact.rs
//! has the files and their crash safety). Start-up then reads the sales that
//! are live, not the ones archived since the last compaction.

use super::MemoryStore;
use crate::domain::{Error, EventId, LogEntry};

/// Log entries copied out per hold of the store's lock.
const CHUNK: usize = 4096;

impl MemoryStore {
    /// Compacts the data directory; the new generation, or `None` for a
    /// store that keeps nothing (`--memory`). Grabs go on meanwhile: the
    /// store's lock is held to mark the boundary, then for one chunk of one
    /// event's log at a time.
    pub async fn compact(&self) -> Result<Option<u64>, Error> {
        let Some(journal) = &self.journal else {
            return Ok(None);
        };
        let _one = self.compacting.lock().await;
        // The writer switches files at its next wake-up: a compaction right
        // after another waits for it (else its rotation would be refused).
        while journal.rotating() {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        let (generation, mut snapshot, cut, programs) = {
            let events = self.lock();
            let (generation, snapshot) = journal.rotate()?;
            // The programs and their places at the boundary: the places
            // count archived sales too, whose logs the snapshot leaves out.
            let programs: Vec<(crate::domain::Program, Vec<(crate::domain::MemberKey, u32)>)> =
                self.program_map()
                    .values()
                    .map(|t| {
                        let data = t.lock();
                        let places = data.places.iter().map(|(m, n)| (m.clone(), *n)).collect();
                        (data.program.clone(), places)
                    })
                    .collect();
            let cut: Vec<(EventId, crate::domain::Event, usize)> = events
                .iter()
                .map(|(id, data)| (id.clone(), data.event.clone(), data.log.len()))
                .collect();
            (generation, snapshot, cut, programs)
        };
        for (program, _) in &programs {
            snapshot.program(program)?;
        }
        for (id, event, len) in cut {
            snapshot.event(&event)?;
            let mut at = 0;
            while at < len {
                let chunk: Vec<LogEntry> = {
                    let events = self.lock();
                    // Archived since the boundary: its removal is in the new
                    // journal, after whatever part of it is here.
                    let Some(data) = events.get(&id) else { break };
                    data.log
                        .after(at)
                        .take(CHUNK.min(len - at))
                        .cloned()
                        .collect()
                };
                at += chunk.len();
                snapshot.log(&id, &chunk)?;
            }
        }
        // The register, a chunk per hold of its lock. A chunk copied after a
        // change of the new journal holds it already; replaying the change
        // onto it gives the same entry (a write sets, it never adds).
        let mut after = None;
        loop {
            let rows = self.register_chunk(after.as_ref(), crate::domain::REGISTER_CHUNK);
            let Some(last) = rows.last() else { break };
            after = Some(last.member.clone());
            snapshot.register(&rows)?;
        }
        // After the events: replayed last, they replace what the events counted.
        for (program, places) in &programs {
            snapshot.places(&program.id, places)?;
        }
        tokio::task::spawn_blocking(move || snapshot.finish())
            .await
            .map_err(|e| Error::Unavailable(format!("writing the snapshot: {e}")))??;
        journal.retire(generation)?;
        Ok(Some(generation))
    }

    /// The size of the journal written to now, in bytes (0 without one).
    pub fn journal_bytes(&self) -> u64 {
        self.journal_path()
            .and_then(|p| std::fs::metadata(p).ok())
            .map_or(0, |m| m.len())
    }
}
