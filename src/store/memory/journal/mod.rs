//! The embedded store's journal: every state change, appended to one file in
//! the data directory and fsynced before the answer leaves, and read back at
//! start.
//!
//! A record is an event's creation or one entry of an event's log, in the
//! log's one encoding (`LogEntry::fields`): the journal *is* the log the store
//! keeps anyway, so nothing is written twice and nothing needs compacting
//! (the store keeps its whole log in memory, as Redis keeps the stream).
//!
//! The file: a header line, then one frame per record (frames.rs).
//!
//! Group commit: changes append their frames to a shared buffer under the
//! store's lock; one writer thread writes what has gathered and fsyncs it
//! (`fdatasync`), so many concurrent changes share one fsync. Each call then
//! waits until the journal is durable up to everything it saw — reads too, so
//! no answer shows a change that a crash could still take back (the promise
//! of Redis with `appendfsync always`).

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use tokio::sync::watch;

use crate::domain::Error;
use crate::domain::{Event, EventId};
use crate::store::LogEntry;

mod dir;
mod frames;

#[allow(unused_imports)]
pub(in crate::store::memory) use dir::private_file;
use dir::{Locked, lock_dir};

#[cfg(test)]
use frames::decode_frames;
use frames::{HEADER as FILE_HEADER, encode_event, encode_log, load};
#[cfg(test)]
pub(super) use frames::{HEADER, frame_end};

const JOURNAL: &str = "journal";

/// One record of the journal.
#[derive(Debug, PartialEq)]
pub enum Record {
    Event(Event),
    Log(EventId, LogEntry),
}

/// The journal opened, and what [`Journal::open`] found.
pub struct Opened {
    pub journal: Journal,
    /// The file's size as found.
    pub bytes: u64,
    /// Bytes cut off a torn tail (0: the file ended cleanly).
    pub truncated: u64,
}

/// The open journal: appends, the writer thread, the directory's lock.
pub struct Journal {
    shared: Arc<Shared>,
    writer: Option<JoinHandle<()>>,
    path: PathBuf,
    /// The data directory itself, locked while the journal is open: one
    /// process per directory, whatever happens to the files inside it.
    _lock: File,
}

struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
    durable: watch::Sender<Durable>,
}

#[derive(Default)]
struct Pending {
    buf: Vec<u8>,
    /// Records appended since the journal was opened.
    appended: u64,
    stopping: bool,
}

/// How far the journal is on disk.
#[derive(Clone, Debug, Default)]
struct Durable {
    /// Records written and fsynced.
    upto: u64,
    /// Fsyncs so far (each one for a batch of records).
    syncs: u64,
    /// Set when a write or fsync failed: nothing more is confirmed.
    failed: Option<String>,
}

/// How far the journal had come when a call read or changed the state: the
/// call's answer may leave once the journal is durable up to here.
#[derive(Clone, Copy, Debug)]
pub struct Ticket(u64);

impl Journal {
    /// Opens (creating if need be) the journal in `dir`, takes the
    /// directory's lock, and hands every record to `apply`, in order. A torn
    /// tail (a crash in the middle of a write) is cut off; damage before the
    /// end is an error, and so is an error of `apply`.
    pub fn open(
        dir: &Path,
        apply: impl FnMut(Record) -> Result<(), Error>,
    ) -> Result<Opened, Error> {
        let io = |what: &str, e: std::io::Error| {
            Error::Unavailable(format!("{what} {}: {e}", dir.display()))
        };
        let lock = lock_dir(dir).map_err(|e| match e {
            Locked::Busy => Error::Unavailable(format!(
                "the data directory {} is in use by another ticketgrab process",
                dir.display()
            )),
            Locked::Io(what, e) => io(what, e),
        })?;
        let path = dir.join(JOURNAL);
        let mut file = private_file(&path).map_err(|e| io("opening the journal in", e))?;
        let size = file
            .metadata()
            .map_err(|e| io("reading the journal in", e))?
            .len();
        let end = load(&mut file, &path, apply)?;
        let truncated = size - end as u64;
        if truncated > 0 {
            file.set_len(end as u64)
                .and_then(|()| file.sync_all())
                .map_err(|e| io("truncating the journal in", e))?;
        }
        // Appends go after the last whole record (reading left the file's
        // position at its old end).
        file.seek(SeekFrom::Start(end as u64))
            .map_err(|e| io("opening the journal in", e))?;
        if end == 0 {
            // A new journal (or one whose header a crash tore).
            file.write_all(FILE_HEADER)
                .and_then(|()| file.sync_all())
                .map_err(|e| io("writing the journal in", e))?;
            sync_dir(dir).map_err(|e| io("syncing", e))?;
        }
        let shared = Arc::new(Shared {
            pending: Mutex::default(),
            wake: Condvar::new(),
            durable: watch::channel(Durable::default()).0,
        });
        let writer = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("tg-journal".into())
                .spawn(move || write_loop(file, &shared))
                .map_err(|e| io("starting the journal writer for", e))?
        };
        Ok(Opened {
            journal: Journal {
                shared,
                writer: Some(writer),
                path,
                _lock: lock,
            },
            bytes: size,
            truncated,
        })
    }

    /// The records of the journal in `dir` without opening it for writing
    /// (a torn tail is left out, not cut off), read `chunk` bytes at a time.
    #[cfg(test)]
    pub fn read(dir: &Path, chunk: usize) -> Result<Vec<Record>, Error> {
        let path = dir.join(JOURNAL);
        let mut file = File::open(&path)
            .map_err(|e| Error::Unavailable(format!("reading {}: {e}", path.display())))?;
        let mut records = Vec::new();
        decode_frames(&mut file, &path, chunk, |r| {
            records.push(r);
            true
        })?;
        Ok(records)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.shared
            .pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Appends an event's creation and its first log entries. Called under
    /// the store's lock, so the journal's order is the store's order.
    pub fn append_event<'a>(
        &self,
        event: &Event,
        log: impl IntoIterator<Item = &'a LogEntry>,
    ) -> Ticket {
        let mut p = self.pending();
        encode_event(&mut p.buf, event);
        p.appended += 1;
        for entry in log {
            encode_log(&mut p.buf, &event.id, entry);
            p.appended += 1;
        }
        self.shared.wake.notify_one();
        Ticket(p.appended)
    }

    /// Appends log entries of one event (under the store's lock).
    pub fn append_log<'a>(
        &self,
        event: &EventId,
        log: impl IntoIterator<Item = &'a LogEntry>,
    ) -> Ticket {
        let mut p = self.pending();
        let before = p.appended;
        for entry in log {
            encode_log(&mut p.buf, event, entry);
            p.appended += 1;
        }
        if p.appended > before {
            self.shared.wake.notify_one();
        }
        Ticket(p.appended)
    }

    /// Where the journal is now: a read waits for this before answering.
    pub fn seen(&self) -> Ticket {
        Ticket(self.pending().appended)
    }

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

impl Drop for Journal {
    /// Writes what is pending, then stops the writer.
    fn drop(&mut self) {
        self.pending().stopping = true;
        self.shared.wake.notify_one();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// The writer thread: writes what gathered, fsyncs, tells the waiters.
fn write_loop(mut file: File, shared: &Shared) {
    let mut spare = Vec::new();
    loop {
        let (mut buf, upto) = {
            let mut p = shared
                .pending
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            while p.buf.is_empty() && !p.stopping {
                p = shared
                    .wake
                    .wait(p)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            if p.buf.is_empty() {
                return;
            }
            (
                std::mem::replace(&mut p.buf, std::mem::take(&mut spare)),
                p.appended,
            )
        };
        match file.write_all(&buf).and_then(|()| file.sync_data()) {
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
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}
