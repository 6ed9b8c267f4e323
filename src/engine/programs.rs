//! Programs (普惠): sales under one cap per member (domain/program.rs).

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

    /// One program; `UnknownProgram` if there is none.
    pub async fn program(&self, id: &ProgramId) -> Result<Program, Error> {
        self.store
            .programs()
            .await?
            .into_iter()
            .find(|p| &p.id == id)
            .ok_or(Error::UnknownProgram)
    }

    /// The member's places under the program's cap.
    pub async fn places(&self, program: &ProgramId, member: &MemberKey) -> Result<u32, Error> {
        self.store.places(program, member).await
    }
}
