//! The journal's file format: frames `len: u32 LE | crc32: u32 LE |
//! payload`, the payload a list of strings (`len: u32 LE | UTF-8 bytes`):
//! `"event", id, field, value, ...` or `"log", event id, field, value, ...`
//! (a log entry's fields as `LogEntry::fields` writes them). Writing a
//! record, and reading a file back a chunk at a time: whole frames, a torn
//! tail, damage.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::Record;
use crate::domain::Error;
use crate::domain::{Details, Event, EventId, Lottery, Millis, OrgPath, Pool, PoolId};
use crate::store::LogEntry;

/// The first bytes of a journal file: its format and version.
pub(crate) const HEADER: &[u8] = b"ticketgrab journal 1\n";
/// The largest record we write is a few KB (an event of 64 pools); a frame
/// claiming more than this is damage, not a record.
const MAX_FRAME: usize = 1 << 20;

/// Appends one frame whose payload `fill` writes.
fn put_frame(buf: &mut Vec<u8>, fill: impl FnOnce(&mut Vec<u8>)) {
    let start = buf.len();
    buf.extend_from_slice(&[0; 8]);
    fill(buf);
    let len = (buf.len() - start - 8) as u32;
    let crc = crc32fast::hash(&buf[start + 8..]);
    buf[start..start + 4].copy_from_slice(&len.to_le_bytes());
    buf[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

fn put(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
    buf.extend_from_slice(s.as_bytes());
}

pub(super) fn encode_log(buf: &mut Vec<u8>, event: &EventId, entry: &LogEntry) {
    put_frame(buf, |b| {
        put(b, "log");
        put(b, event.as_str());
        for (k, v) in entry.fields() {
            put(b, k);
            put(b, &v);
        }
    });
}

pub(super) fn encode_event(buf: &mut Vec<u8>, event: &Event) {
    put_frame(buf, |b| {
        put(b, "event");
        put(b, event.id.as_str());
        for (k, v) in [
            ("title", event.title.clone()),
            ("org", event.org.as_str().to_owned()),
            ("opens_at", event.opens_at.0.to_string()),
            ("closes_at", event.closes_at.0.to_string()),
            ("price_fen", event.price_fen.to_string()),
            ("max_seats", event.max_seats.to_string()),
            ("hold_ms", event.hold_ms.to_string()),
        ] {
            put(b, k);
            put(b, &v);
        }
        for (k, v) in event.details.fields() {
            put(b, k);
            put(b, &v);
        }
        for (k, v) in event.lottery.iter().flat_map(Lottery::fields) {
            put(b, &format!("lottery_{k}"));
            put(b, &v);
        }
        for pool in &event.pools {
            for (k, v) in [
                ("pool", pool.id.as_str()),
                ("pool_title", &pool.title),
                ("pool_total", &pool.total.to_string()),
            ] {
                put(b, k);
                put(b, v);
            }
            for (k, v) in pool.details.fields() {
                put(b, &format!("pool_{k}"));
                put(b, &v);
            }
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

/// Decodes every record of the journal `file` (read from its start, a chunk
/// at a time) in order, handing each to `emit` (which answers false to
/// stop); returns the file offset where the last whole frame ends.
pub(super) fn decode_frames(
    file: &mut impl Read,
    path: &Path,
    chunk: usize,
    mut emit: impl FnMut(Record) -> bool,
) -> Result<usize, Error> {
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
    if !buf.starts_with(HEADER) {
        // A new file, or a crash while its header was written.
        if HEADER.starts_with(&buf) {
            return Ok(0);
        }
        return Err(damaged(0, "not a ticketgrab journal, or another version"));
    }
    let mut pos = HEADER.len();
    loop {
        match frame(&buf, pos) {
            Frame::Whole(payload, next) => {
                let mut fields = Vec::with_capacity(32);
                let record = strings(payload, &mut fields)
                    .and_then(|()| decode(&fields))
                    .ok_or_else(|| damaged(base + pos, "a record that cannot be read"))?;
                if !emit(record) {
                    return Ok(base + pos);
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
            _ if pos == buf.len() && eof => return Ok(base + pos),
            _ => {
                if !eof {
                    fill(&mut buf, true)?;
                }
                // A torn tail ends the file: no whole frame follows it. A
                // whole frame after damage means the damage is in the middle.
                if (pos + 1..buf.len()).any(|p| matches!(frame(&buf, p), Frame::Whole(..))) {
                    return Err(damaged(base + pos, "a record fails its checksum"));
                }
                return Ok(base + pos);
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
    mut apply: impl FnMut(Record) -> Result<(), Error>,
) -> Result<usize, Error> {
    const BATCH: usize = 4096;
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Record>>(16);
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
                Ok::<usize, Error>(end)
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

fn decode(s: &[&str]) -> Option<Record> {
    let (&kind, rest) = s.split_first()?;
    let (&id, fields) = rest.split_first()?;
    let id = EventId::parse(id).ok()?;
    match kind {
        "log" => Some(Record::Log(id, LogEntry::from_fields(fields).ok()?)),
        "event" => decode_event(id, fields).map(Record::Event),
        _ => None,
    }
}

fn decode_event(id: EventId, fields: &[&str]) -> Option<Event> {
    let mut org = None;
    let mut event = Event {
        id,
        title: String::new(),
        org: OrgPath::parse("bj").ok()?,
        opens_at: Millis(0),
        closes_at: Millis(0),
        price_fen: 0,
        max_seats: 1,
        hold_ms: 0,
        details: Details::default(),
        pools: Vec::new(),
        lottery: None,
    };
    let mut lottery = Vec::new();
    for pair in fields.chunks_exact(2) {
        let (k, v) = (pair[0], pair[1]);
        if let Some(name) = k.strip_prefix("lottery_") {
            lottery.push((name, v));
            continue;
        }
        match k {
            "title" => event.title = v.to_owned(),
            "org" => org = Some(OrgPath::parse(v).ok()?),
            "opens_at" => event.opens_at = Millis(v.parse().ok()?),
            "closes_at" => event.closes_at = Millis(v.parse().ok()?),
            "price_fen" => event.price_fen = v.parse().ok()?,
            "max_seats" => event.max_seats = v.parse().ok()?,
            "hold_ms" => event.hold_ms = v.parse().ok()?,
            "pool" => event.pools.push(Pool {
                id: PoolId::parse(v).ok()?,
                title: String::new(),
                total: 0,
                details: Details::default(),
            }),
            "pool_title" => event.pools.last_mut()?.title = v.to_owned(),
            "pool_total" => event.pools.last_mut()?.total = v.parse().ok()?,
            _ => {
                let (details, name) = match k.strip_prefix("pool_") {
                    Some(name) => (&mut event.pools.last_mut()?.details, name),
                    None => (&mut event.details, k),
                };
                // Ok(false): a field a later version added, not ours to know.
                details.set(name, v).ok()?;
            }
        }
    }
    event.org = org?;
    event.lottery =
        Lottery::from_fields(|k| lottery.iter().find(|(n, _)| *n == k).map(|(_, v)| *v)).ok()?;
    event.validate().ok()?;
    Some(event)
}
