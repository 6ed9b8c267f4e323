//! The embedded store's journal: every state change, appended to one file in
//! the data directory and fsynced before the answer leaves, and read back at
//! start.
//!
//! A record is an event's creation, one entry of its log (`LogEntry::fields`:
//! the journal *is* the log), a program's, or a chunk of the member register.
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
use crate::domain::{Event, EventId, MemberKey, Program, ProgramId, RegisterRow};
use crate::store::LogEntry;

mod compact;
mod dir;
mod events;
mod frames;
mod tail;
mod wire;
mod writer;

use compact::{Layout, load_whole, sequenced};
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
    /// A program was created.
    Program(Program),
    /// A program's places at a compaction's boundary: replayed after the
    /// snapshot's events, they replace what those events counted.
    Places(ProgramId, Vec<(MemberKey, u32)>),
    /// A chunk of the member register (an import's, or a snapshot's copy).
    Register(Vec<RegisterRow>),
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
    /// The file written to now (it changes when a compaction starts).
    path: Mutex<PathBuf>,
    dir: PathBuf,
    /// The generation of that file (0: `journal`; g: `journal.<g>`).
    generation: std::sync::atomic::AtomicU64,
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
    /// The next record's sequence number is `seq_offset + appended + 1`
    /// (records number from 1 in each file); `None` for a version 1 file.
    seq_offset: Option<i64>,
    /// A compaction began: the bytes of `buf` before `at` go to the file
    /// written now, the rest to a new file at `path` (compact.rs).
    rotate: Option<Rotation>,
}

struct Rotation {
    at: usize,
    path: PathBuf,
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
        // The newest whole snapshot, then the journals from its generation
        // on (compact.rs); the last of them is the one written to.
        let layout = Layout::find(dir).map_err(|e| io("listing", e))?;
        let mut apply = apply;
        let mut repeats = 0u64;
        if let Some(snapshot) = &layout.snapshot {
            load_whole(snapshot, &mut apply, &mut repeats)?;
        }
        let (generation, path) = layout.active();
        for earlier in &layout.journals[..layout.journals.len().saturating_sub(1)] {
            load_whole(&earlier.1, &mut apply, &mut repeats)?;
        }
        let mut file = private_file(&path).map_err(|e| io("opening the journal in", e))?;
        let size = file
            .metadata()
            .map_err(|e| io("reading the journal in", e))?
            .len();
        let mut last = 0u64;
        let found = load(&mut file, &path, |read| {
            sequenced(&path, read, &mut last, &mut repeats, &mut apply)
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
        // What a finished compaction left behind, now that all is loaded.
        layout
            .remove_stale()
            .map_err(|e| io("removing old files in", e))?;
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending {
                seq_offset: (version >= 2).then_some(last as i64),
                ..Pending::default()
            }),
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
                path: Mutex::new(path),
                dir: dir.to_owned(),
                generation: std::sync::atomic::AtomicU64::new(generation),
                _lock: lock,
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

    /// The file written to now.
    pub fn path(&self) -> PathBuf {
        self.path.lock().unwrap_or_else(|p| p.into_inner()).clone()
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

    /// Appends a program's creation (under the store's lock).
    pub fn append_program(&self, program: &Program) -> Ticket {
        self.append_one(|buf, seq| frames::encode_program(buf, seq, program))
    }

    /// Appends an archived event's removal (under the store's lock).
    pub fn append_drop(&self, event: &EventId) -> Ticket {
        self.append_one(|buf, seq| encode_drop(buf, seq, event))
    }

    /// Appends a chunk of the register (under the register's lock).
    pub fn append_register(&self, rows: &[RegisterRow]) -> Ticket {
        self.append_one(|buf, seq| frames::encode_register(buf, seq, rows))
    }

    fn append_one(&self, encode: impl FnOnce(&mut Vec<u8>, Option<u64>)) -> Ticket {
        let mut p = self.pending();
        let seq = self.seq(&p);
        encode(&mut p.buf, seq);
        p.appended += 1;
        self.shared.wake.notify_one();
        Ticket(p.appended)
    }

    /// The next record's sequence number (version 2 files).
    fn seq(&self, p: &Pending) -> Option<u64> {
        p.seq_offset
            .map(|offset| (offset + p.appended as i64 + 1) as u64)
    }

    /// Where the journal is now: a read waits for this before answering.
    pub fn seen(&self) -> Ticket {
        Ticket(self.pending().appended)
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
