//! The member register: an import of the federation's CSV, a chunk of rows
//! at a time, and what the register knows of a card.
//!
//! An import is incremental (a card not in it keeps its entry) and
//! idempotent (the same file twice gives the same register); a row with an
//! empty org takes its card out. A refused line changes nothing and is
//! reported by its number and masked card; a bad header refuses the whole
//! file before anything is written. Each chunk is one store write, so the
//! store is never held for longer than a chunk's (a couple of ms).

use std::collections::HashMap;

use super::Engine;
use crate::domain::{
    CardNumber, Error, MemberKey, Membership, REGISTER_CHUNK, RegisterRow, RowError,
    check_register_header, parse_register_line,
};

/// Refused lines an import's report lists (all are counted).
pub const MAX_LISTED_ERRORS: usize = 1000;

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Lines after the header, blank ones not counted.
    pub rows: u64,
    /// Rows that set a card's union and groups.
    pub set: u64,
    /// Of those, cards new to the register.
    pub added: u64,
    /// Cards taken out (rows with an empty org, for cards it knew).
    pub removed: u64,
    /// Lines refused; the first `MAX_LISTED_ERRORS` are in `errors`.
    pub refused: u64,
    pub errors: Vec<RowError>,
    /// Cards the register knows after the import.
    pub members: u64,
}

/// The rows of one store write, each member once (a later line wins).
#[derive(Default)]
struct Chunk {
    rows: Vec<RegisterRow>,
    at: HashMap<MemberKey, usize>,
}

impl Chunk {
    fn push(&mut self, row: RegisterRow) {
        match self.at.get(&row.member) {
            Some(&i) => self.rows[i] = row,
            None => {
                self.at.insert(row.member.clone(), self.rows.len());
                self.rows.push(row);
            }
        }
    }
}

impl Engine {
    /// Imports the register from CSV (`card,org,groups`): see the module doc.
    pub async fn import_register(&self, csv: &str) -> Result<ImportReport, Error> {
        let mut lines = csv.lines().zip(1u64..);
        let header = lines.next().map_or("", |(l, _)| l);
        check_register_header(header)?;
        let mut report = ImportReport::default();
        let mut chunk = Chunk::default();
        for (line, number) in lines {
            if line.trim().is_empty() {
                continue;
            }
            report.rows += 1;
            match parse_register_line(line) {
                Ok((card, entry)) => {
                    report.set += u64::from(entry.is_some());
                    chunk.push(RegisterRow {
                        member: self.keyer.key(&card),
                        entry,
                    });
                }
                Err((card, reason)) => {
                    report.refused += 1;
                    if report.errors.len() < MAX_LISTED_ERRORS {
                        let (line, card) = (number, card);
                        report.errors.push(RowError { line, card, reason });
                    }
                }
            }
            if chunk.rows.len() == REGISTER_CHUNK {
                self.write_chunk(std::mem::take(&mut chunk), &mut report)
                    .await?;
            }
        }
        self.write_chunk(chunk, &mut report).await?;
        report.members = self.store.register_len().await?;
        Ok(report)
    }

    async fn write_chunk(&self, chunk: Chunk, report: &mut ImportReport) -> Result<(), Error> {
        if chunk.rows.is_empty() {
            return Ok(());
        }
        let (added, removed) = self.store.register_write(&chunk.rows).await?;
        report.added += added;
        report.removed += removed;
        Ok(())
    }

    /// What the register knows of a card's member.
    pub async fn registered(&self, card: &CardNumber) -> Result<Option<Membership>, Error> {
        self.store.register_entry(&self.keyer.key(card)).await
    }

    /// How many cards the register knows.
    pub async fn register_len(&self) -> Result<u64, Error> {
        self.store.register_len().await
    }
}
