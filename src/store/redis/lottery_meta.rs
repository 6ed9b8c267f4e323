//! A lottery's fields in an event's meta hash: its rules (`l:`, written by
//! create.lua) and where its draw stands (`lv:`, lua/lottery.lua). Apart
//! from the replies' parsing, which reads them with the rest of the event.

use std::collections::HashMap;

use crate::domain::Error;
use crate::domain::{DrawState, Event, Lottery, Millis};

fn int(s: &str) -> Result<i64, Error> {
    s.parse()
        .map_err(|_| Error::Corrupt(format!("bad number {s:?} in a lottery's fields")))
}

/// A lottery's live state: `lv:` meta fields (see lua/lottery.lua) and the
/// entry count.
pub(super) fn draw_state(
    meta: &HashMap<String, String>,
    cnt: &HashMap<String, String>,
) -> Result<DrawState, Error> {
    let text = |k: &str| meta.get(k).cloned();
    let num = |m: &HashMap<String, String>, k: &str| m.get(k).map_or(Ok(0), |v| int(v));
    Ok(DrawState {
        entries: num(cnt, "entries")?,
        public_value: text("lv:public_value"),
        draw_id: text("lv:draw"),
        stock: DrawState::parse_stock(meta.get("lv:stock").map_or("", String::as_str))?,
        written: num(meta, "lv:written")?,
        drawn_at: meta
            .get("lv:drawn_at")
            .map(|v| int(v))
            .transpose()?
            .map(Millis),
        entries_digest: text("lv:digest"),
        draw_seed: text("lv:draw_seed"),
    })
}

/// The meta fields of a lottery's rules, as field, value, ...: `l:<name>`.
pub(super) fn lottery_fields(event: &Event) -> Vec<String> {
    event
        .lottery
        .iter()
        .flat_map(Lottery::fields)
        .flat_map(|(k, v)| [format!("l:{k}"), v])
        .collect()
}
