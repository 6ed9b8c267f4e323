//! Parsing the event's log stream (XRANGE entries) into typed entries.

use redis::Value;

use super::reply::{list, text, texts};
use crate::error::Error;
use crate::store::{LogEntry, LogPos};

/// One XRANGE entry, `[id, [field, value, ...]]`, as a typed log entry and
/// its position.
pub fn parse_log_entry(entry: Value) -> Result<(LogPos, LogEntry), Error> {
    let mut parts = list(entry)?.into_iter();
    let (Some(id), Some(fields)) = (parts.next(), parts.next()) else {
        return Err(Error::Corrupt("log entry has the wrong shape".into()));
    };
    let pos = LogPos::parse(&text(&id)?)?;
    let fields = texts(fields)?;
    let f: Vec<&str> = fields.iter().map(String::as_str).collect();
    Ok((pos, LogEntry::from_fields(&f)?))
}
