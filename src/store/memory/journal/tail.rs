//! A journal's last record that cannot be read: cut off at start (a torn
//! write never was confirmed), but a record damaged after its write may have
//! been, so its bytes are kept in a file beside the journal and what they
//! say is reported.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::dir::private_file;
use super::writer::sync_dir;

/// A tail cut off the journal at start, kept beside it.
#[derive(Debug)]
pub struct Cut {
    pub kept_in: PathBuf,
    /// What the tail names (its sale, the member or code), when readable.
    pub says: Vec<(String, String)>,
}

/// Copies the journal's bytes from `end` to a file of their own in `dir`
/// (0600): a cut record may have been confirmed, and staff can look.
pub(super) fn keep_cut(
    dir: &Path,
    file: &mut File,
    end: usize,
    version: u8,
) -> std::io::Result<Cut> {
    use std::io::Read;
    file.seek(SeekFrom::Start(end as u64))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let kept_in = dir.join(format!("journal.cut-{}", crate::domain::Millis::now().0));
    let mut out = private_file(&kept_in)?;
    out.write_all(&bytes)?;
    out.sync_all()?;
    sync_dir(dir)?;
    Ok(Cut {
        kept_in,
        says: readable_tail(&bytes, version),
    })
}

/// What a cut-off tail says, when enough of it is there: the kind of
/// record, its sale, and the operation, member or ticket code it names (its
/// checksum is not asked).
fn readable_tail(bytes: &[u8], version: u8) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    // As many whole strings as there are after the frame's head.
    let mut rest = bytes.get(8..).unwrap_or_default();
    while let Some(len) = rest.get(..4) {
        let len = u32::from_le_bytes(len.try_into().expect("4 bytes")) as usize;
        match rest
            .get(4..4 + len)
            .and_then(|s| std::str::from_utf8(s).ok())
        {
            Some(s) => fields.push(s),
            None => break,
        }
        rest = &rest[4 + len..];
    }
    let skip = usize::from(version >= 2);
    let mut out = Vec::new();
    if let (Some(kind), Some(id)) = (fields.get(skip), fields.get(skip + 1)) {
        out.push(("record".to_owned(), (*kind).to_owned()));
        out.push(("event".to_owned(), (*id).to_owned()));
        for pair in fields.get(skip + 2..).unwrap_or_default().chunks_exact(2) {
            if matches!(pair[0], "op" | "member" | "code") {
                out.push((pair[0].to_owned(), pair[1].to_owned()));
            }
        }
    }
    out
}
