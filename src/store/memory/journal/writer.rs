//! The journal's writer thread (group commit), and making a new file's
//! directory entry durable.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use super::dir::private_file;
use super::frames::HEADER;
use super::{Durable, Journal, Rotation, Shared, Ticket};
use crate::domain::Error;

/// The writer thread: writes what gathered, fsyncs, tells the waiters.
pub(super) fn write_loop(mut file: File, shared: &Shared) {
    let mut spare = Vec::new();
    loop {
        let taken = {
            let mut p = shared
                .pending
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            while p.buf.is_empty() && p.rotate.is_none() && !p.stopping {
                p = shared
                    .wake
                    .wait(p)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            if p.buf.is_empty() && p.rotate.is_none() {
                return;
            }
            (
                std::mem::replace(&mut p.buf, std::mem::take(&mut spare)),
                p.appended,
                p.rotate.take(),
            )
        };
        let (mut buf, upto, rotate) = taken;
        let written = match rotate {
            None => file.write_all(&buf).and_then(|()| file.sync_data()),
            // The records before the compaction's boundary end the old file
            // (whole and synced before the new one exists); the rest begin
            // the new one.
            Some(Rotation { at, path }) => file
                .write_all(&buf[..at])
                .and_then(|()| file.sync_data())
                .and_then(|()| {
                    let mut next = private_file(&path)?;
                    next.write_all(HEADER)?;
                    next.sync_all()?;
                    sync_dir(path.parent().unwrap_or(Path::new(".")))?;
                    file = next;
                    file.write_all(&buf[at..])?;
                    file.sync_data()
                }),
        };
        match written {
            Ok(()) => shared.durable.send_modify(|d| {
                d.upto = upto;
                d.syncs += 1;
            }),
            Err(e) => {
                // What was written may be torn; the next start cuts it off.
                // Until then nothing more is confirmed.
                tracing::error!(error = %e, "the journal cannot be written: every change now answers 503 until the service is restarted");
                shared.durable.send_modify(|d| {
                    d.failed = Some(format!("the journal cannot be written: {e}"))
                });
                return;
            }
        }
        buf.clear();
        spare = buf;
    }
}

/// Makes a new file's directory entry durable.
pub(super) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// What the writer has made durable, as the store's calls wait for it.
impl Journal {
    /// Whether the journal can still be written (false after a write or
    /// fsync failed: nothing more is confirmed until a restart).
    pub fn check(&self) -> Result<(), Error> {
        match &self.shared.durable.borrow().failed {
            None => Ok(()),
            Some(why) => Err(Error::Unavailable(why.clone())),
        }
    }

    /// How many fsyncs the journal made since it was opened.
    pub fn syncs(&self) -> u64 {
        self.shared.durable.borrow().syncs
    }

    /// Waits until everything up to `ticket` is on disk.
    pub async fn durable(&self, ticket: Ticket) -> Result<(), Error> {
        let done = |d: &Durable| d.upto >= ticket.0 || d.failed.is_some();
        if !done(&self.shared.durable.borrow()) {
            let mut rx = self.shared.durable.subscribe();
            // The sender lives as long as `self`.
            let _ = rx.wait_for(done).await;
        }
        match &self.shared.durable.borrow().failed {
            None => Ok(()),
            Some(why) => Err(Error::Unavailable(why.clone())),
        }
    }
}
