//! Programs (普惠): sales under one cap per member (domain/program.rs).

use std::collections::HashMap;
use std::sync::Arc;

use super::Engine;
use crate::domain::{Error, MemberKey, Program, ProgramId};

impl Engine {
    /// Creates a program; `ProgramExists` if its id is taken.
    pub async fn create_program(&self, program: &Program) -> Result<(), Error> {
        program.validate()?;
        self.store.create_program(program).await
    }

    /// Every program, ordered by id.
    pub async fn programs(&self) -> Result<Vec<Program>, Error> {
        self.store.programs().await
    }

    /// One program; `UnknownProgram` if there is none. Read from the store
    /// once: a program never changes.
    pub async fn program(&self, id: &ProgramId) -> Result<Arc<Program>, Error> {
        if let Some(p) = self.known_programs().get(id) {
            return Ok(p.clone());
        }
        let mut known = HashMap::new();
        for p in self.store.programs().await? {
            known.insert(p.id.clone(), Arc::new(p));
        }
        let found = known.get(id).cloned().ok_or(Error::UnknownProgram);
        *self.known_programs() = known;
        found
    }

    fn known_programs(&self) -> std::sync::MutexGuard<'_, HashMap<ProgramId, Arc<Program>>> {
        self.programs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The member's places under the program's cap.
    pub async fn places(&self, program: &ProgramId, member: &MemberKey) -> Result<u32, Error> {
        self.store.places(program, member).await
    }
}
