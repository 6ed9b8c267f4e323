//! Compaction's files: a snapshot of the live state (`snapshot.<g>`: every
//! live event's record and its log, as journal records) and the journal
//! since (`journal.<g>`), generation `g`. Generation 0 is the plain
//! `journal` with no snapshot. A compaction from `g` to `g+1`:
//!
//! 1. the writer switches to `journal.<g+1>` at a record boundary (the
//!    store's state at that boundary is the snapshot's);
//! 2. `snapshot.<g+1>` is written beside, as `.tmp`, fsynced, renamed;
//! 3. the files of generations before `g+1` are removed.
//!
//! At start the newest whole snapshot is loaded, then every journal from its
//! generation on: a crash at any step loads either the old snapshot and all
//! the journals since, or the new snapshot and the journal since it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use super::dir::private_file;
use super::events::encode_event;
use super::frames::{HEADER, Read1, encode_log, load};
use super::writer::sync_dir;
use super::{JOURNAL, Journal, Record, Rotation};
use crate::domain::{Error, Event, EventId, MemberKey, Program, ProgramId};
use crate::store::LogEntry;

const SNAPSHOT: &str = "snapshot";

fn journal_name(generation: u64) -> String {
    if generation == 0 {
        JOURNAL.to_owned()
    } else {
        format!("{JOURNAL}.{generation}")
    }
}

/// The files of a data directory, by generation.
pub(super) struct Layout {
    dir: PathBuf,
    /// The newest whole snapshot's generation and path.
    pub snapshot: Option<PathBuf>,
    base: u64,
    /// The journals of generation `base` and later, oldest first.
    pub journals: Vec<(u64, PathBuf)>,
    /// Files of older generations, and unfinished snapshots.
    stale: Vec<PathBuf>,
}

impl Layout {
    pub fn find(dir: &Path) -> std::io::Result<Self> {
        let (mut snapshots, mut journals, mut tmp) = (Vec::new(), Vec::new(), Vec::new());
        for entry in std::fs::read_dir(dir)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            let generation = |prefix: &str| -> Option<u64> {
                name.strip_prefix(prefix)?.strip_prefix('.')?.parse().ok()
            };
            if name == JOURNAL {
                journals.push(0);
            } else if let Some(g) = generation(JOURNAL) {
                journals.push(g);
            } else if let Some(g) = generation(SNAPSHOT) {
                snapshots.push(g);
            } else if name.starts_with(SNAPSHOT) && name.ends_with(".tmp") {
                tmp.push(dir.join(&name));
            }
        }
        let base = snapshots.iter().copied().max().unwrap_or(0);
        journals.sort_unstable();
        let mut stale = tmp;
        stale.extend(
            snapshots
                .iter()
                .filter(|g| **g < base)
                .map(|g| dir.join(format!("{SNAPSHOT}.{g}"))),
        );
        stale.extend(
            journals
                .iter()
                .filter(|g| **g < base)
                .map(|g| dir.join(journal_name(*g))),
        );
        Ok(Self {
            dir: dir.to_owned(),
            snapshot: (base > 0).then(|| dir.join(format!("{SNAPSHOT}.{base}"))),
            base,
            journals: journals
                .into_iter()
                .filter(|g| *g >= base)
                .map(|g| (g, dir.join(journal_name(g))))
                .collect(),
            stale,
        })
    }

    /// The journal written to: the newest, or the base generation's new one.
    pub fn active(&self) -> (u64, PathBuf) {
        self.journals
            .last()
            .cloned()
            .unwrap_or_else(|| (self.base, self.dir.join(journal_name(self.base))))
    }

    pub fn remove_stale(&self) -> std::io::Result<()> {
        for path in &self.stale {
            match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        if !self.stale.is_empty() {
            sync_dir(&self.dir)?;
        }
        Ok(())
    }
}

/// Applies a record read with its sequence number: the next is applied, a
/// repeat is skipped (and counted), a gap is damage.
pub(super) fn sequenced(
    path: &Path,
    read: Read1,
    last: &mut u64,
    repeats: &mut u64,
    apply: &mut impl FnMut(Record) -> Result<(), Error>,
) -> Result<(), Error> {
    match read.seq {
        None => apply(read.record),
        Some(seq) if seq == *last + 1 => {
            *last = seq;
            apply(read.record)
        }
        Some(seq) if seq <= *last => {
            *repeats += 1;
            tracing::warn!(journal = %path.display(), seq, byte = read.at, "a record of the journal appears again: not applied twice");
            Ok(())
        }
        Some(seq) => Err(Error::Corrupt(format!(
            "the journal {} is damaged at byte {}: record {seq} follows record {last} \
             (records are missing); it was not loaded. Restore the data directory from a backup",
            path.display(),
            read.at
        ))),
    }
}

/// Loads a file that was whole when the next one began (a snapshot, or a
/// journal before the one written to): a torn end is damage here.
pub(super) fn load_whole(
    path: &Path,
    apply: &mut impl FnMut(Record) -> Result<(), Error>,
    repeats: &mut u64,
) -> Result<(), Error> {
    let mut file = File::open(path)
        .map_err(|e| Error::Unavailable(format!("opening {}: {e}", path.display())))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut last = 0;
    let found = load(&mut file, path, |read| {
        sequenced(path, read, &mut last, repeats, apply)
    })?;
    if found.end as u64 != size {
        return Err(Error::Corrupt(format!(
            "{} ends in a torn record at byte {}, but it was whole when the next file began; \
             it was not loaded. Restore the data directory from a backup",
            path.display(),
            found.end
        )));
    }
    Ok(())
}

/// A snapshot being written (as `.tmp` until `finish`).
pub struct SnapshotWriter {
    out: BufWriter<File>,
    seq: u64,
    buf: Vec<u8>,
    tmp: PathBuf,
    path: PathBuf,
    dir: PathBuf,
}

fn io(what: &str, path: &Path) -> impl Fn(std::io::Error) -> Error {
    let path = path.display().to_string();
    let what = what.to_owned();
    move |e| Error::Unavailable(format!("{what} {path}: {e}"))
}

impl SnapshotWriter {
    pub fn event(&mut self, event: &Event) -> Result<(), Error> {
        self.seq += 1;
        encode_event(&mut self.buf, Some(self.seq), event);
        self.flush_buf()
    }

    pub fn log<'a>(
        &mut self,
        event: &EventId,
        entries: impl IntoIterator<Item = &'a LogEntry>,
    ) -> Result<(), Error> {
        for entry in entries {
            self.seq += 1;
            encode_log(&mut self.buf, Some(self.seq), event, entry);
        }
        self.flush_buf()
    }

    pub fn program(&mut self, program: &Program) -> Result<(), Error> {
        self.seq += 1;
        super::frames::encode_program(&mut self.buf, Some(self.seq), program);
        self.flush_buf()
    }

    pub fn places(
        &mut self,
        program: &ProgramId,
        places: &[(MemberKey, u32)],
    ) -> Result<(), Error> {
        self.seq += 1;
        super::frames::encode_places(&mut self.buf, Some(self.seq), program, places);
        self.flush_buf()
    }

    /// A chunk of the register as the snapshot copies it.
    pub fn register(&mut self, rows: &[crate::domain::RegisterRow]) -> Result<(), Error> {
        self.seq += 1;
        super::frames::encode_register(&mut self.buf, Some(self.seq), rows);
        self.flush_buf()
    }

    fn flush_buf(&mut self) -> Result<(), Error> {
        self.out
            .write_all(&self.buf)
            .map_err(io("writing", &self.tmp))?;
        self.buf.clear();
        Ok(())
    }

    /// Makes the snapshot whole on disk and puts it in place.
    pub fn finish(self) -> Result<(), Error> {
        let file = self
            .out
            .into_inner()
            .map_err(|e| io("writing", &self.tmp)(e.into_error()))?;
        file.sync_all().map_err(io("syncing", &self.tmp))?;
        std::fs::rename(&self.tmp, &self.path).map_err(io("renaming", &self.tmp))?;
        sync_dir(&self.dir).map_err(io("syncing", &self.dir))
    }
}

impl Journal {
    /// Begins a compaction (under the store's lock, so the records appended
    /// so far are exactly the state now): the writer goes on in a new file
    /// from here; returns its generation and the snapshot to write.
    pub fn rotate(&self) -> Result<(u64, SnapshotWriter), Error> {
        let generation = self.generation.load(Ordering::SeqCst) + 1;
        let path = self.dir.join(format!("{SNAPSHOT}.{generation}"));
        let tmp = self.dir.join(format!("{SNAPSHOT}.{generation}.tmp"));
        let mut out = BufWriter::new(private_file(&tmp).map_err(io("creating", &tmp))?);
        out.write_all(HEADER).map_err(io("writing", &tmp))?;
        {
            let mut p = self.pending();
            if p.rotate.is_some() {
                return Err(Error::Unavailable("a compaction is under way".into()));
            }
            let at = p.buf.len();
            let next = self.dir.join(journal_name(generation));
            p.rotate = Some(Rotation {
                at,
                path: next.clone(),
            });
            p.seq_offset = Some(-(p.appended as i64));
            *self.path.lock().unwrap_or_else(|e| e.into_inner()) = next;
        }
        self.generation.store(generation, Ordering::SeqCst);
        self.shared.wake.notify_one();
        Ok((
            generation,
            SnapshotWriter {
                out,
                seq: 0,
                buf: Vec::new(),
                tmp,
                path,
                dir: self.dir.clone(),
            },
        ))
    }

    /// A rotation the writer has not switched files for yet.
    pub fn rotating(&self) -> bool {
        self.pending().rotate.is_some()
    }

    /// After `snapshot.<generation>` is in place: removes the files of the
    /// generations before it.
    pub fn retire(&self, generation: u64) -> Result<(), Error> {
        let layout = Layout::find(&self.dir).map_err(io("listing", &self.dir))?;
        debug_assert!(layout.base >= generation);
        layout
            .remove_stale()
            .map_err(io("removing old files in", &self.dir))
    }
}
