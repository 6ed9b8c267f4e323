//! Writing a journal frame: `len: u32 LE | crc32: u32 LE | payload`, the
//! payload a list of strings (`len: u32 LE | UTF-8 bytes`), a version 2
//! record's sequence number first.

/// Appends one frame whose payload `fill` writes.
pub(super) fn put_frame(buf: &mut Vec<u8>, fill: impl FnOnce(&mut Vec<u8>)) {
    let start = buf.len();
    buf.extend_from_slice(&[0; 8]);
    fill(buf);
    let len = (buf.len() - start - 8) as u32;
    let crc = crc32fast::hash(&buf[start + 8..]);
    buf[start..start + 4].copy_from_slice(&len.to_le_bytes());
    buf[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

pub(super) fn put(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
    buf.extend_from_slice(s.as_bytes());
}

/// Puts a version 2 record's sequence number first.
pub(super) fn put_seq(buf: &mut Vec<u8>, seq: Option<u64>) {
    if let Some(seq) = seq {
        put(buf, &seq.to_string());
    }
}
