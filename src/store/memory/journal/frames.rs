//! The journal's file format: frames `len: u32 LE | crc32: u32 LE |
//! payload`, the payload a list of strings (`len: u32 LE | UTF-8 bytes`):
//! `seq, "event", id, field, value, ...` or `seq, "log", event id, field,
//! value, ...` (a log entry's fields as `LogEntry::fields` writes them),
//! or `seq, "drop", event id` (an archived event leaves the store), or
//! `seq, "register", "-", member key, entry, ...` (a chunk of the member
//! register; the entry "" when the member left it;
//! `seq` the record's sequence number, 1 up, in version 2 only: a version 1
//! journal, which has none, still opens and is written on in its version).
//! Writing a record, and reading a file back a chunk at a time: whole
//! frames, a torn tail, damage.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::Record;
use super::wire::{put, put_frame, put_seq};
use crate::domain::Error;
use crate::domain::{EventId, MemberKey, Membership, Program, ProgramId, RegisterRow};
use crate::store::LogEntry;

/// The first bytes of a journal file: its format and version (2: records
/// carry sequence numbers).
pub(crate) const HEADER: &[u8] = b"ticketgrab journal 2\n";
/// The header of a journal written before sequence numbers.
pub(crate) const HEADER_V1: &[u8] = b"ticketgrab journal 1\n";
/// The largest record we write is a few KB (an event of 64 pools); a frame
/// claiming more than this is damage, not a record.
const MAX_FRAME: usize = 1 << 20;

pub(super) fn encode_log(buf: &mut Vec<u8>, seq: Option<u64>, event: &EventId, entry: &LogEntry) {
    put_frame(buf, |b| {
        put_seq(b, seq);
        put(b, "log");
        put(b, event.as_str());
        for (k, v) in entry.fields() {
            put(b, k);
            put(b, &v);
        }
    });
}

pub(super) fn encode_drop(buf: &mut Vec<u8>, seq: Option<u64>, event: &EventId) {
    put_frame(buf, |b| {
        put_seq(b, seq);
        put(b, "drop");
        put(b, event.as_str());
    });
}

/// A program's creation: its definition as one field.
pub(super) fn encode_program(buf: &mut Vec<u8>, seq: Option<u64>, program: &Program) {
    put_frame(buf, |b| {
        put_seq(b, seq);
        put(b, "program");
        put(b, program.id.as_str());
        put(b, "def");
        put(b, &program.to_json());
    });
}

/// A program's places as a compaction found them (its archived sales'
/// count too, which no log in the snapshot holds any more).
pub(super) fn encode_places(
    buf: &mut Vec<u8>,
    seq: Option<u64>,
    program: &ProgramId,
    places: &[(MemberKey, u32)],
) {
    put_frame(buf, |b| {
        put_seq(b, seq);
        put(b, "places");
        put(b, program.as_str());
        for (member, n) in places {
            put(b, member.as_str());
            put(b, &n.to_string());
        }
    });
}

/// A chunk of the member register: member key and entry as stored, "" for
/// a member who left it.
pub(super) fn encode_register(buf: &mut Vec<u8>, seq: Option<u64>, rows: &[RegisterRow]) {
    put_frame(buf, |b| {
        put_seq(b, seq);
        put(b, "register");
        put(b, "-");
        for row in rows {
            put(b, row.member.as_str());
            put(
                b,
                &row.entry
                    .as_ref()
                    .map_or(String::new(), Membership::to_stored),
            );
        }
    });
}

/// Where the frame at `pos` ends, when a whole one is there (for tests).
#[cfg(test)]
pub(crate) fn frame_end(bytes: &[u8], pos: usize) -> Option<usize> {
    match frame(bytes, pos) {
        Frame::Whole(_, next) => Some(next),
        _ => None,
    }
}

/// The strings of a payload, into `out`.
fn strings<'a>(mut payload: &'a [u8], out: &mut Vec<&'a str>) -> Option<()> {
    while !payload.is_empty() {
        let len = u32::from_le_bytes(payload.get(..4)?.try_into().ok()?) as usize;
        let s = payload.get(4..4 + len)?;
        out.push(std::str::from_utf8(s).ok()?);
        payload = &payload[4 + len..];
    }
    Some(())
}

/// Bytes read from the journal at a time when loading.
const CHUNK: usize = 4 << 20;

/// Whether a frame starts at `pos` of what has been read so far.
enum Frame<'a> {
    Whole(&'a [u8], usize),
    /// Not all of it read yet (or, at the end of the file, torn).
    Partial,
    /// A length no record has, or a checksum that does not match.
    Bad,
}

fn frame(bytes: &[u8], pos: usize) -> Frame<'_> {
    let Some(head) = bytes.get(pos..pos + 8) else {
        return Frame::Partial;
    };
    let len = u32::from_le_bytes(head[..4].try_into().expect("4 bytes")) as usize;
    let crc = u32::from_le_bytes(head[4..].try_into().expect("4 bytes"));
    if len == 0 || len > MAX_FRAME {
        return Frame::Bad;
    }
    match bytes.get(pos + 8..pos + 8 + len) {
        None => Frame::Partial,
        Some(payload) if crc32fast::hash(payload) == crc => Frame::Whole(payload, pos + 8 + len),
        Some(_) => Frame::Bad,
    }
}

/// A record as read: its sequence number (version 2), where its frame
/// starts, and the record.
pub(super) struct Read1 {
    pub seq: Option<u64>,
    pub at: usize,
    pub record: Record,
}

/// What reading a journal found: where its last whole frame ends, and its
/// version (1 or 2; 2 for a new file).
#[derive(Clone, Copy, Debug)]
pub(super) struct Found {
    pub end: usize,
    pub version: u8,
}

/// Decodes every record of the journal `file` (read from its start, a chunk
/// at a time) in order, handing each to `emit` (which answers false to
/// stop); returns where the last whole frame ends and the file's version.
pub(super) fn decode_frames(
    file: &mut impl Read,
    path: &Path,
    chunk: usize,
    mut emit: impl FnMut(Read1) -> bool,
) -> Result<Found, Error> {
    let damaged = |at: usize, what: &str| {
        Error::Corrupt(format!(
            "the journal {} is damaged at byte {at} ({what}); it was not loaded. \
             Restore the data directory from a backup",
            path.display()
        ))
    };
    let io = |e: std::io::Error| Error::Unavailable(format!("reading {}: {e}", path.display()));
    // buf holds the file from offset `base`; `eof`: all of it is in.
    let mut buf: Vec<u8> = Vec::with_capacity(chunk.min(CHUNK) + 4096);
    let (mut base, mut eof) = (0, false);
    let mut fill = |buf: &mut Vec<u8>, all: bool| -> Result<bool, Error> {
        let want = if all { usize::MAX } else { chunk };
        let got = file
            .by_ref()
            .take(want as u64)
            .read_to_end(buf)
            .map_err(io)?;
        Ok(all || got < want)
    };
    while !eof && buf.len() < HEADER.len() {
        eof |= fill(&mut buf, false)?;
    }
    let version = if buf.starts_with(HEADER) {
        2
    } else if buf.starts_with(HEADER_V1) {
        1
    } else if HEADER.starts_with(&buf) {
        // A new file, or a crash while its header was written.
        return Ok(Found { end: 0, version: 2 });
    } else {
        return Err(damaged(0, "not a ticketgrab journal, or another version"));
    };
    let found = |end| Found { end, version };
    let mut pos = HEADER.len();
    loop {
        match frame(&buf, pos) {
            Frame::Whole(payload, next) => {
                let mut fields = Vec::with_capacity(32);
                let (seq, record) = strings(payload, &mut fields)
                    .and_then(|()| decode(&fields, version))
                    .ok_or_else(|| damaged(base + pos, "a record that cannot be read"))?;
                let at = base + pos;
                if !emit(Read1 { seq, at, record }) {
                    return Ok(found(at));
                }
                pos = next;
            }
            Frame::Partial if !eof => {
                // Keep the part of a frame read so far; read on.
                buf.drain(..pos);
                base += pos;
                pos = 0;
                eof |= fill(&mut buf, false)?;
            }
            _ if pos == buf.len() && eof => return Ok(found(base + pos)),
            _ => {
                if !eof {
                    fill(&mut buf, true)?;
                }
                // A torn tail ends the file: no whole frame follows it. A
                // whole frame after damage means the damage is in the middle.
                if (pos + 1..buf.len()).any(|p| matches!(frame(&buf, p), Frame::Whole(..))) {
                    return Err(damaged(base + pos, "a record fails its checksum"));
                }
                return Ok(found(base + pos));
            }
        }
    }
}

/// Reads the records of `file` on a thread of their own and applies them on
/// this one, in order, as they come: start-up takes about the longer of the
/// two rather than their sum. Returns where the last whole frame ends.
pub(super) fn load(
    file: &mut File,
    path: &Path,
    mut apply: impl FnMut(Read1) -> Result<(), Error>,
) -> Result<Found, Error> {
    const BATCH: usize = 4096;
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Read1>>(16);
        let reader = std::thread::Builder::new()
            .name("tg-journal-read".into())
            .spawn_scoped(scope, move || {
                let mut batch = Vec::with_capacity(BATCH);
                let end = decode_frames(file, path, CHUNK, |record| {
                    batch.push(record);
                    if batch.len() == BATCH {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                        // Closed: the applier stopped at an error.
                        return tx.send(full).is_ok();
                    }
                    true
                })?;
                let _ = tx.send(batch);
                Ok::<Found, Error>(end)
            })
            .map_err(|e| Error::Unavailable(format!("starting the journal reader: {e}")))?;
        for batch in rx {
            for record in batch {
                apply(record)?;
            }
        }
        reader.join().expect("the journal reader does not panic")
    })
}

fn decode(s: &[&str], version: u8) -> Option<(Option<u64>, Record)> {
    let (seq, s) = if version >= 2 {
        let (&seq, rest) = s.split_first()?;
        (Some(seq.parse::<u64>().ok()?), rest)
    } else {
        (None, s)
    };
    let (&kind, rest) = s.split_first()?;
    let (&id, fields) = rest.split_first()?;
    match (kind, fields) {
        ("program", ["def", def]) => {
            return Some((seq, Record::Program(Program::from_json(def).ok()?)));
        }
        ("places", pairs) if pairs.len() % 2 == 0 => {
            let places = pairs
                .chunks_exact(2)
                .map(|p| Some((MemberKey::from_stored(p[0]).ok()?, p[1].parse().ok()?)))
                .collect::<Option<Vec<_>>>()?;
            return Some((seq, Record::Places(ProgramId::parse(id).ok()?, places)));
        }
        ("register", pairs) if id == "-" && pairs.len() % 2 == 0 => {
            let rows = pairs
                .chunks_exact(2)
                .map(|p| {
                    Some(RegisterRow {
                        member: MemberKey::from_stored(p[0]).ok()?,
                        entry: match p[1] {
                            "" => None,
                            s => Some(Membership::from_stored(s).ok()?),
                        },
                    })
                })
                .collect::<Option<Vec<_>>>()?;
            return Some((seq, Record::Register(rows)));
        }
        _ => {}
    }
    let id = EventId::parse(id).ok()?;
    let record = match kind {
        "log" => Record::Log(id, LogEntry::from_fields(fields).ok()?),
        "event" => super::events::decode_event(id, fields).map(Record::Event)?,
        "drop" if fields.is_empty() => Record::Dropped(id),
        _ => return None,
    };
    Some((seq, record))
}
