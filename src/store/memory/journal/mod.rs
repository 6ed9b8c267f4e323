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
mod events;
mod frames;
mod tail;
mod wire;
mod writer;

#[allow(unused_imports)]
pub(in crate::store::memory) use dir::private_file;
use dir::{Locked, lock_dir};
pub use tail::Cut;
use tail::keep_cut;
use writer::{sync_dir, write_loop};

use events::encode_event;
pub use events::{decode_event, event_fields};
#[cfg(test)]
use frames::decode_frames;
#[cfg(test)]
pub(super) use frames::{HEADER, HEADER_V1, frame_end};
use frames::{HEADER as FILE_HEADER, encode_drop, encode_log, load};

const JOURNAL: &str = "journal";

/// One record of the journal.
#[derive(Debug, PartialEq)]
pub enum Record {
    Event(Event),
    Log(EventId, LogEntry),
    /// The event was archived: it and its log leave the store.
    Dropped(EventId),
}

/// The journal opened, and what [`Journal::open`] found.
pub struct Opened {
    pub journal: Journal,
    /// The file's size as found.
    pub bytes: u64,
    /// Bytes cut off a torn tail (0: the file ended cleanly).
    pub truncated: u64,
    /// Where the cut bytes were kept, and what they say when readable.
    pub cut: Option<Cut>,
    /// Records found a second time and not applied again.
    pub repeats: u64,
}

/// The open journal: appends, the writer thread, the directory's lock.
pub struct Journal {
    shared: Arc<Shared>,
    writer: Option<JoinHandle<()>>,
    path: PathBuf,
    /// The data directory itself, locked while the journal is open: one
    /// process per directory, whatever happens to the files inside it.
    _lock: File,
    /// The sequence number of the last record read at open (0: none), when
    /// the file is of version 2; `None` for a version 1 file.
    seq_base: Option<u64>,
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
        // Records carry sequence numbers (version 2): the next is the one
        // after the last; one seen before is a repeat and is not applied
        // again; a gap is damage.
        let mut apply = apply;
        let (mut last, mut repeats) = (0u64, 0u64);
        let found = load(&mut file, &path, |read| match read.seq {
            None => apply(read.record),
            Some(seq) if seq == last + 1 => {
                last = seq;
                apply(read.record)
            }
            Some(seq) if seq <= last => {
                repeats += 1;
                tracing::warn!(journal = %path.display(), seq, byte = read.at, "a record of the journal appears again: not applied twice");
                Ok(())
            }
            Some(seq) => Err(Error::Corrupt(format!(
                "the journal {} is damaged at byte {}: record {seq} follows record {last} \
                 (records are missing); it was not loaded. Restore the data directory from a backup",
                path.display(),
                read.at
            ))),
        })?;
        let end = found.end;
        let truncated = size - end as u64;
        let mut cut = None;
        if truncated > 0 {
            cut = Some(
                keep_cut(dir, &mut file, end, found.version)
                    .map_err(|e| io("keeping the cut tail in", e))?,
            );
            file.set_len(end as u64)
                .and_then(|()| file.sync_all())
                .map_err(|e| io("truncating the journal in", e))?;
        }
        // Appends go after the last whole record (reading left the file's
        // position at its old end).
        file.seek(SeekFrom::Start(end as u64))
            .map_err(|e| io("opening the journal in", e))?;
        let version = if end == 0 { 2 } else { found.version };
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
                seq_base: (version >= 2).then_some(last),
            },
            bytes: size,
            truncated,
            cut,
            repeats,
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
            records.push(r.record);
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
        let seq = self.seq(&p);
        encode_event(&mut p.buf, seq, event);
        p.appended += 1;
        for entry in log {
            let seq = self.seq(&p);
            encode_log(&mut p.buf, seq, &event.id, entry);
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
            let seq = self.seq(&p);
            encode_log(&mut p.buf, seq, event, entry);
            p.appended += 1;
        }
        if p.appended > before {
            self.shared.wake.notify_one();
        }
        Ticket(p.appended)
    }

    /// Appends an archived event's removal (under the store's lock).
    pub fn append_drop(&self, event: &EventId) -> Ticket {
        let mut p = self.pending();
        let seq = self.seq(&p);
        encode_drop(&mut p.buf, seq, event);
        p.appended += 1;
        self.shared.wake.notify_one();
        Ticket(p.appended)
    }

    /// The next record's sequence number (version 2 files).
    fn seq(&self, p: &Pending) -> Option<u64> {
        self.seq_base.map(|base| base + p.appended + 1)
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
