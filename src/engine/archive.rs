//! Archiving a finished sale: its whole state written to one file, checked,
//! then its live state removed from the store (archive/, lua/drop.lua). Each
//! step can be run again: after a crash at any point, archiving the sale
//! again finishes the job and changes nothing that was done.

use std::path::Path;

use super::Engine;
use crate::archive::{FORMAT, Header, figures, path_of, write};
use crate::domain::{Error, EventId, Millis, Status};
use crate::store::memory::event_fields;

const DAY_MS: i64 = 86_400_000;
/// Writes of the archive when the sale keeps changing under it.
const ATTEMPTS: usize = 5;

impl Engine {
    /// Archives `event` into `dir` when its last show started at least
    /// `min_age_days` ago and it holds no hold and no waiting entry in
    /// force (lapsed entries go with it); returns the archive's header.
    pub async fn archive(
        &self,
        event: &EventId,
        dir: &Path,
        min_age_days: u64,
    ) -> Result<Header, Error> {
        let path = path_of(dir, event);
        let view = match self.store.event(event).await {
            // Archived before, maybe not yet out of the sale index.
            Err(Error::UnknownEvent) if path.exists() => {
                let header = crate::archive::read(&path, false)?.header;
                return match self.store.drop_event(event, end_of(&header)?).await {
                    Ok(_) | Err(Error::UnknownEvent) => Ok(header),
                    Err(e) => Err(e),
                };
            }
            other => other?,
        };
        let def = view.event;
        let now = Millis::now();
        let due = def.last_show().0 + min_age_days as i64 * DAY_MS;
        if now.0 < due {
            return Err(Error::NotArchivable(format!(
                "its last show starts or started at {}; archives wait {min_age_days} days after it",
                def.last_show().beijing()
            )));
        }
        // Holds past their deadline are expired first, as the sweeper would.
        while self.expire_holds(event, 1000).await? == 1000 {}
        for _ in 0..ATTEMPTS {
            let header = self.write_archive(event, dir).await?;
            match self.store.drop_event(event, end_of(&header)?).await {
                Ok(true) | Err(Error::UnknownEvent) => {
                    self.forget(event);
                    return Ok(header);
                }
                // Changed since it was read: read and write it again.
                Ok(false) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::Unavailable(
            "the sale kept changing while it was archived; try again".into(),
        ))
    }

    /// The archive's file written as the sale is now (after the checks that
    /// no hold and no waiting entry is in force); the sale stays. What
    /// `archive` does before it removes the sale.
    pub async fn write_archive(&self, event: &EventId, dir: &Path) -> Result<Header, Error> {
        let snap = self.snapshot(event).await?;
        let def = snap.view.event.clone();
        let now = Millis::now();
        if snap.reservations.iter().any(|r| r.status == Status::Held) {
            return Err(Error::NotArchivable(
                "a ticket is still held for payment".into(),
            ));
        }
        if snap.waiting.iter().any(|w| w.cutoff > now) {
            return Err(Error::NotArchivable(
                "a waiting-list entry is still in force".into(),
            ));
        }
        let lottery = match self.export(event).await {
            Ok(export) => {
                Some(serde_json::to_value(export).map_err(|e| Error::Corrupt(e.to_string()))?)
            }
            Err(Error::NotDrawn | Error::NotLottery) => None,
            Err(e) => return Err(e),
        };
        let (pools, summary) = figures(&snap);
        let header = Header {
            format: FORMAT.to_owned(),
            event: def.id.to_string(),
            title: def.title.clone(),
            org: def.org.as_str().to_owned(),
            opens_at: def.opens_at.0,
            closes_at: def.closes_at.0,
            last_show: def.last_show().0,
            archived_at: now.0,
            pruned_at: None,
            status: snap.view.status.as_str().to_owned(),
            pools,
            summary,
            definition: event_fields(&def),
            log_end: snap.log_end.to_string(),
            entries: snap.log.len() as u64,
            lottery,
        };
        let (dir, written) = (dir.to_owned(), header.clone());
        tokio::task::spawn_blocking(move || write(&dir, &written, &snap.log))
            .await
            .map_err(|e| Error::Unavailable(format!("writing the archive: {e}")))??;
        Ok(header)
    }
}

/// The log position an archive ends at.
fn end_of(header: &Header) -> Result<crate::domain::LogPos, Error> {
    crate::domain::LogPos::parse(&header.log_end)
}
