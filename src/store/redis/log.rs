//! Parsing the event's log stream (XRANGE entries) into typed entries.

use redis::Value;

use super::reply::{list, text_ref};
use crate::domain::Error;
use crate::store::{LogEntry, LogPos};

/// One XRANGE entry, `[id, [field, value, ...]]`, as a typed log entry and
/// its position.
pub fn parse_log_entry(entry: Value) -> Result<(LogPos, LogEntry), Error> {
    let mut parts = list(entry)?.into_iter();
    let (Some(id), Some(fields)) = (parts.next(), parts.next()) else {
        return Err(Error::Corrupt("log entry has the wrong shape".into()));
    };
    let pos = LogPos::parse(text_ref(&id)?)?;
    // Every front end reads every entry: the fields are read where the reply
    // holds them, not copied into a String each.
    let fields = list(fields)?;
    let mut f = Vec::with_capacity(fields.len());
    for field in &fields {
        f.push(text_ref(field)?);
    }
    Ok((pos, LogEntry::from_fields(&f)?))
}
