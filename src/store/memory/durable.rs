//! The embedded store made durable: opened on a data directory, rebuilt
//! from the journal there, and answering only once the journal holds what a
//! call saw.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::journal::{Journal, Record, Ticket};
use super::programs::{Programs, Tally};
use super::register::{Register, write_rows};
use super::{Clock, EventData, MemoryStore};
use crate::domain::Error;
use crate::domain::{EventId, LogPos, Millis};

impl MemoryStore {
    /// The durable store in `dir`: rebuilt from the journal there (created
    /// if there is none), and keeping every change in it before answering.
    /// One process per directory.
    pub fn open(dir: &Path) -> Result<Self, Error> {
        Self::open_with_clock(dir, Arc::new(Millis::now))
    }

    /// [`MemoryStore::open`] on another clock.
    pub fn open_with_clock(dir: &Path, clock: Clock) -> Result<Self, Error> {
        let started = std::time::Instant::now();
        let mut events = HashMap::new();
        let mut programs = Programs::default();
        let mut register = Register::default();
        let mut records = 0u64;
        let opened = Journal::open(dir, |record| {
            records += 1;
            match record {
                Record::Register(rows) => {
                    write_rows(&mut register, &rows);
                    Ok(())
                }
                record => rebuild_one(&mut events, &mut programs, record),
            }
        })?;
        if let Some(cut) = &opened.cut {
            // A torn write was never confirmed; but a last record damaged
            // after it was written (a bit flip, a bad sector) may have been.
            let says: Vec<String> = cut.says.iter().map(|(k, v)| format!("{k}={v}")).collect();
            tracing::warn!(
                journal = %opened.journal.path().display(),
                bytes = opened.truncated,
                kept_in = %cut.kept_in.display(),
                says = %if says.is_empty() { "nothing readable".to_owned() } else { says.join(" ") },
                "cut an unreadable last record off the journal: it MAY HAVE BEEN CONFIRMED \
                 (a torn write never was; a record damaged after its write was); its bytes are kept \
                 in the file named, with the sale and member they name when readable"
            );
        }
        if opened.repeats > 0 {
            tracing::warn!(
                journal = %opened.journal.path().display(),
                repeats = opened.repeats,
                "records of the journal appeared twice and were applied once"
            );
        }
        tracing::info!(
            journal = %opened.journal.path().display(),
            records,
            bytes = opened.bytes,
            events = events.len(),
            ms = started.elapsed().as_millis() as u64,
            "the embedded store is rebuilt from its journal"
        );
        Ok(Self {
            events: Mutex::new(events),
            clock,
            journal: Some(opened.journal),
            programs: Mutex::new(programs),
            register: Mutex::new(register),
            compacting: tokio::sync::Mutex::new(()),
        })
    }

    /// The journal's fsyncs since the store was opened (0 without one).
    pub fn journal_syncs(&self) -> u64 {
        self.journal.as_ref().map_or(0, Journal::syncs)
    }

    /// The journal's file, when the store keeps one.
    pub fn journal_path(&self) -> Option<std::path::PathBuf> {
        self.journal.as_ref().map(Journal::path)
    }

    /// Runs one change (or read) of an event under the lock, journals the
    /// log entries it wrote, and answers once they — and everything before
    /// them — are on disk.
    pub(super) async fn with_event<T>(
        &self,
        id: &EventId,
        f: impl FnOnce(&mut EventData) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let (out, ticket) = {
            let mut events = self.lock();
            let data = events.get_mut(id).ok_or(Error::UnknownEvent)?;
            let before = data.log.len();
            let out = f(data);
            let ticket = self
                .journal
                .as_ref()
                .map(|j| j.append_log(id, data.log.after(before)));
            (out, ticket)
        };
        self.settle(ticket).await?;
        out
    }

    /// Removes an archived event whose log still ends at `end`.
    pub(super) async fn drop_of(&self, id: &EventId, end: LogPos) -> Result<bool, Error> {
        let (gone, ticket) = {
            let mut events = self.lock();
            let data = events.get(id).ok_or(Error::UnknownEvent)?;
            if LogPos::after_entries(data.log.len()) != end {
                return Ok(false);
            }
            let ticket = self.journal.as_ref().map(|j| j.append_drop(id));
            (events.remove(id), ticket)
        };
        // Freed outside the lock: a long log takes a while to free.
        drop(gone);
        self.settle(ticket).await?;
        Ok(true)
    }

    /// Waits until the journal holds everything the call saw.
    pub(super) async fn settle(&self, ticket: Option<Ticket>) -> Result<(), Error> {
        match (&self.journal, ticket) {
            (Some(journal), Some(ticket)) => journal.durable(ticket).await,
            _ => Ok(()),
        }
    }
}

/// Applies one record of a journal to the events it has made so far.
pub(super) fn rebuild_one(
    events: &mut HashMap<EventId, EventData>,
    programs: &mut Programs,
    record: Record,
) -> Result<(), Error> {
    match record {
        Record::Event(event) => {
            if events.contains_key(&event.id) {
                return Err(Error::Corrupt(format!(
                    "journal: event {} created twice",
                    event.id
                )));
            }
            let mut data = EventData::new(&event);
            if let Some(id) = &event.program {
                let tally = programs.get(id).ok_or_else(|| {
                    Error::Corrupt(format!("journal: event {} before its program", event.id))
                })?;
                data.tally = Some(tally.clone());
            }
            events.insert(event.id, data);
            Ok(())
        }
        Record::Program(program) => {
            if programs.contains_key(&program.id) {
                return Err(Error::Corrupt(format!(
                    "journal: program {} created twice",
                    program.id
                )));
            }
            programs.insert(program.id.clone(), Tally::new(program));
            Ok(())
        }
        Record::Places(id, places) => {
            let tally = programs
                .get(&id)
                .ok_or_else(|| Error::Corrupt(format!("journal: places of no program {id}")))?;
            tally.lock().places = places.into_iter().filter(|(_, n)| *n > 0).collect();
            Ok(())
        }
        Record::Dropped(id) => {
            events.remove(&id);
            Ok(())
        }
        // The register is no event's: the store's opening applies it.
        Record::Register(_) => Ok(()),
        Record::Log(id, entry) => {
            let data = events.get_mut(&id).ok_or_else(|| {
                Error::Corrupt(format!("journal: an entry of {id} before its event"))
            })?;
            let before = data.log.len();
            data.apply(entry)?;
            data.count_places(before);
            Ok(())
        }
    }
}

/// The events a journal's records make.
#[cfg(test)]
pub(super) fn rebuild(records: Vec<Record>) -> Result<HashMap<EventId, EventData>, Error> {
    let mut events = HashMap::new();
    let mut programs = Programs::default();
    for record in records {
        rebuild_one(&mut events, &mut programs, record)?;
    }
    Ok(events)
}
