//! `ticketgrab verify-archive`: an archive checked against itself. The
//! digest and the count of entries; the log replayed by the embedded
//! store's rules onto the definition gives the archived figures and
//! summary, and passes the audit; the lottery's export verifies.

use std::path::Path;

use super::file::Read;
use super::{figures, read};
use crate::audit::audit;
use crate::domain::{Error, EventId, Millis, Snapshot};

/// The state the archive's log makes.
pub fn replay(archive: &Read) -> Result<Snapshot, Error> {
    let h = &archive.header;
    let flat: Vec<&str> = h
        .definition
        .iter()
        .flat_map(|(k, v)| [k.as_str(), v.as_str()])
        .collect();
    let event = crate::store::memory::decode_event(EventId::parse(&h.event)?, &flat)
        .ok_or_else(|| Error::Invalid("the archive's definition does not read as a sale".into()))?;
    crate::store::memory::replayed(&event, archive.log.clone(), Millis(h.archived_at))
}

/// Every difference found; `Ok` with the header's event when none.
pub fn verify(path: &Path) -> Result<String, Vec<String>> {
    let archive = read(path, true).map_err(|e| vec![e.to_string()])?;
    let mut problems = archive.problems.clone();
    let h = &archive.header;
    for p in &h.pools {
        if p.remaining + p.held + p.active + p.redeemed != p.total {
            problems.push(format!("pool {}: the figures do not balance", p.pool));
        }
    }
    if h.pruned_at.is_none() {
        match replay(&archive) {
            Err(e) => problems.push(format!("the log does not replay: {e}")),
            Ok(snap) => {
                let (pools, summary) = figures(&snap);
                if pools != h.pools {
                    problems.push(format!(
                        "the log gives pools {pools:?}, the header {:?}",
                        h.pools
                    ));
                }
                if summary != h.summary {
                    problems.push(format!(
                        "the log gives {summary:?}, the header {:?}",
                        h.summary
                    ));
                }
                if snap.view.status.as_str() != h.status {
                    problems.push(format!(
                        "the log ends {:?}, the header says {}",
                        snap.view.status, h.status
                    ));
                }
                problems.extend(
                    audit(&snap)
                        .violations
                        .into_iter()
                        .map(|v| format!("audit: {v}")),
                );
            }
        }
        if let Some(export) = &h.lottery {
            match serde_json::from_value::<crate::lottery::export::Export>(export.clone()) {
                Err(e) => problems.push(format!("the lottery's export does not read: {e}")),
                Ok(export) => {
                    if let Err(e) = crate::lottery::verify::verify(&export, None) {
                        problems.extend(e.into_iter().map(|p| format!("lottery: {p}")));
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(h.event.clone())
    } else {
        Err(problems)
    }
}
