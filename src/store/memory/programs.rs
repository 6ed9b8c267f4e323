//! Programs in the embedded store: each program's places by member, shared
//! by its sales. A sale of a program holds the program's [`Tally`]; every
//! change of the sale counts the places its log entries took and gave back
//! (`domain::place_delta`), live and at replay alike, so a store rebuilt
//! from its journal counts what the store that wrote it counted. An
//! archived sale's places stay counted: they are the program's, not the
//! sale's.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::journal::Ticket;
use super::{EventData, Map, MemoryStore};
use crate::domain::{Error, Event, MemberKey, Program, ProgramId, place_delta};

/// The store's programs by id.
pub(super) type Programs = Map<ProgramId, Tally>;

/// Members' places in a program per page of [`MemoryStore::places_page_of`].
const PAGE: usize = 1000;

/// A program and its members' places, shared by its sales. Locked only
/// under the store's lock (which orders every change), so never contended.
#[derive(Clone, Debug)]
pub(super) struct Tally(Arc<Mutex<ProgramData>>);

#[derive(Debug, PartialEq)]
pub(super) struct ProgramData {
    pub(super) program: Program,
    /// Places by member; a member with none is absent. Ordered for pages.
    pub(super) places: BTreeMap<MemberKey, u32>,
}

impl PartialEq for Tally {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || *self.lock() == *other.lock()
    }
}

impl Tally {
    pub(super) fn new(program: Program) -> Self {
        Self(Arc::new(Mutex::new(ProgramData {
            program,
            places: BTreeMap::new(),
        })))
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, ProgramData> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl ProgramData {
    fn add(&mut self, member: &MemberKey, delta: i64) {
        let n = self.places.get(member).copied().unwrap_or(0);
        let n = (i64::from(n) + delta).max(0) as u32;
        if n == 0 {
            self.places.remove(member);
        } else {
            self.places.insert(member.clone(), n);
        }
    }
}

impl EventData {
    /// `ProgramCap` when the member holds the program's cap of places, of
    /// which `giving_back` this very change gives back first (a grab over
    /// the member's own expired hold). Nothing outside a program.
    pub(super) fn check_cap(&self, member: &MemberKey, giving_back: u32) -> Result<(), Error> {
        let Some(tally) = &self.tally else {
            return Ok(());
        };
        let data = tally.lock();
        let held = data.places.get(member).copied().unwrap_or(0);
        let held = held.saturating_sub(giving_back);
        if held >= data.program.cap {
            return Err(Error::ProgramCap {
                held,
                cap: data.program.cap,
            });
        }
        Ok(())
    }

    /// Counts the place a log entry takes or gives back (EventData::log).
    pub(super) fn count_place(&self, op: &crate::domain::LogOp) {
        if let (Some(tally), Some((member, delta))) = (&self.tally, place_delta(op)) {
            tally.lock().add(member, delta);
        }
    }

    /// Counts the places of the log entries from `from` on (a replay, which
    /// puts entries in place without `EventData::log`).
    pub(super) fn count_places(&self, from: usize) {
        if self.tally.is_none() {
            return;
        }
        for entry in self.log.after(from) {
            self.count_place(&entry.op);
        }
    }
}

impl MemoryStore {
    pub(super) fn program_map(&self) -> MutexGuard<'_, Programs> {
        self.programs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The tally a new sale of `event.program` counts under, checked:
    /// `UnknownProgram`, or the program does not admit the sale.
    pub(super) fn tally_for(programs: &Programs, event: &Event) -> Result<Option<Tally>, Error> {
        let Some(id) = &event.program else {
            return Ok(None);
        };
        let tally = programs.get(id).ok_or(Error::UnknownProgram)?;
        tally.lock().program.admits(event)?;
        Ok(Some(tally.clone()))
    }

    /// Creates a program (under the store's lock, so that the journal has
    /// it before any sale of it).
    pub(super) fn create_program_in(
        &self,
        program: &Program,
    ) -> (Result<(), Error>, Option<Ticket>) {
        let _events = self.lock();
        let mut programs = self.program_map();
        if programs.contains_key(&program.id) {
            return (
                Err(Error::ProgramExists),
                self.journal.as_ref().map(|j| j.seen()),
            );
        }
        let ticket = self.journal.as_ref().map(|j| j.append_program(program));
        programs.insert(program.id.clone(), Tally::new(program.clone()));
        (Ok(()), ticket)
    }

    pub(super) fn program_list(&self) -> Vec<Program> {
        let programs = self.program_map();
        let mut out: Vec<Program> = programs
            .values()
            .map(|t| t.lock().program.clone())
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    pub(super) fn places_of(&self, id: &ProgramId, member: &MemberKey) -> Result<u32, Error> {
        let programs = self.program_map();
        let tally = programs.get(id).ok_or(Error::UnknownProgram)?;
        Ok(tally.lock().places.get(member).copied().unwrap_or(0))
    }

    /// Up to a page of members' places after `cursor` ("" first), ordered by
    /// member key; the next cursor, `None` after the last page.
    pub(super) fn places_page_of(
        &self,
        id: &ProgramId,
        cursor: &str,
    ) -> Result<crate::domain::PlacesPage, Error> {
        let programs = self.program_map();
        let tally = programs.get(id).ok_or(Error::UnknownProgram)?;
        let data = tally.lock();
        let after = match cursor {
            "" => std::ops::Bound::Unbounded,
            c => std::ops::Bound::Excluded(
                MemberKey::from_stored(c).map_err(|_| Error::invalid("bad cursor"))?,
            ),
        };
        let page: Vec<(MemberKey, u32)> = data
            .places
            .range((after, std::ops::Bound::Unbounded))
            .take(PAGE)
            .map(|(m, n)| (m.clone(), *n))
            .collect();
        let next = (page.len() == PAGE).then(|| page[PAGE - 1].0.as_str().to_owned());
        Ok((page, next))
    }
}
