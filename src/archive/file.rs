//! An archive file: written whole to a temporary name, fsynced and renamed
//! into place (a crash leaves the old file or the new, never half of one),
//! read back line by line, its digest checked.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Header;
use crate::domain::{Error, EventId, LogEntry};

/// The last line.
#[derive(Serialize, Deserialize)]
struct Trailer {
    digest: String,
    entries: u64,
}

/// Where the archive of `event` lives in `dir`.
pub fn path_of(dir: &Path, event: &EventId) -> PathBuf {
    dir.join(format!("{event}.tgarchive"))
}

fn io(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::Unavailable(format!("{what} {}: {e}", path.display()))
}

/// Writes the archive: the header, each entry's fields, the digest of both.
pub fn write(dir: &Path, header: &Header, log: &[LogEntry]) -> Result<PathBuf, Error> {
    std::fs::create_dir_all(dir).map_err(|e| io("creating", dir, e))?;
    let event = EventId::parse(&header.event)?;
    let path = path_of(dir, &event);
    let tmp = dir.join(format!(".{event}.tgarchive.tmp"));
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| io("creating", &tmp, e))?;
    let mut out = Hashing {
        inner: BufWriter::new(file),
        hash: Sha256::new(),
    };
    let failed = |e| io("writing", &tmp, e);
    line(&mut out, header).map_err(failed)?;
    for entry in log {
        let fields: Vec<String> = entry
            .fields()
            .into_iter()
            .flat_map(|(k, v)| [k.to_owned(), v])
            .collect();
        line(&mut out, &fields).map_err(failed)?;
    }
    let trailer = Trailer {
        digest: hex::encode(out.hash.clone().finalize()),
        entries: log.len() as u64,
    };
    let mut inner = out.inner;
    serde_json::to_writer(&mut inner, &trailer).map_err(|e| io("writing", &tmp, e.into()))?;
    inner.write_all(b"\n").map_err(|e| io("writing", &tmp, e))?;
    let file = inner
        .into_inner()
        .map_err(|e| io("writing", &tmp, e.into_error()))?;
    file.sync_all().map_err(|e| io("syncing", &tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| io("renaming", &tmp, e))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io("syncing", dir, e))?;
    Ok(path)
}

/// A writer that hashes what goes through it.
struct Hashing {
    inner: BufWriter<File>,
    hash: Sha256,
}

impl Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// One value as one JSON line.
fn line<T: Serialize>(out: &mut Hashing, value: &T) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")
}

/// An archive as read: its header, its entries, and what is wrong with the
/// file itself (digest, count, lines that do not parse).
pub struct Read {
    pub header: Header,
    pub log: Vec<LogEntry>,
    pub problems: Vec<String>,
}

/// Reads an archive; `with_log: false` reads the header only.
pub fn read(path: &Path, with_log: bool) -> Result<Read, Error> {
    let file = File::open(path).map_err(|e| io("opening", path, e))?;
    let mut lines = BufReader::new(file).lines();
    let bad = |what: String| Error::Invalid(format!("{}: {what}", path.display()));
    let first = lines
        .next()
        .ok_or_else(|| bad("empty".into()))?
        .map_err(|e| io("reading", path, e))?;
    let header: Header = serde_json::from_str(&first).map_err(|e| bad(format!("header: {e}")))?;
    if header.format != super::FORMAT {
        return Err(bad(format!(
            "format {:?}, not {}",
            header.format,
            super::FORMAT
        )));
    }
    let mut read = Read {
        header,
        log: Vec::new(),
        problems: Vec::new(),
    };
    if !with_log {
        return Ok(read);
    }
    let mut hash = Sha256::new();
    hash.update(first.as_bytes());
    hash.update(b"\n");
    let mut trailer = None;
    for (n, line) in lines.enumerate() {
        let line = line.map_err(|e| io("reading", path, e))?;
        if trailer.is_some() {
            read.problems
                .push(format!("line {} follows the digest", n + 2));
            break;
        }
        if line.starts_with('{') {
            trailer = Some(
                serde_json::from_str::<Trailer>(&line)
                    .map_err(|e| bad(format!("digest line: {e}")))?,
            );
            continue;
        }
        hash.update(line.as_bytes());
        hash.update(b"\n");
        let fields: Vec<String> =
            serde_json::from_str(&line).map_err(|e| bad(format!("line {}: {e}", n + 2)))?;
        let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
        match LogEntry::from_fields(&refs) {
            Ok(entry) => read.log.push(entry),
            Err(e) => read.problems.push(format!("line {}: {e}", n + 2)),
        }
    }
    match trailer {
        None => read
            .problems
            .push("no digest line: the file is cut short".into()),
        Some(t) => {
            if t.digest != hex::encode(hash.finalize()) {
                read.problems
                    .push("the digest does not match the contents".into());
            }
            if t.entries != read.header.entries || t.entries != read.log.len() as u64 {
                read.problems.push(format!(
                    "{} entries read, the header says {}, the digest line {}",
                    read.log.len(),
                    read.header.entries,
                    t.entries
                ));
            }
        }
    }
    Ok(read)
}
