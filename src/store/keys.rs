//! Redis key names. Every key of an event carries the event id as its hash tag,
//! `tg:{<event>}:...`, so every script touches one cluster slot. The only global
//! key is the event index, touched by staff operations, never by a grab.

use crate::domain::EventId;

/// The set of all event ids.
pub const EVENT_INDEX: &str = "tg:events";

/// The event's log stream (the last of `event_keys`).
pub fn log_key(event: &EventId) -> String {
    format!("tg:{{{event}}}:log")
}

/// What tells an event's ten keys apart, in the order `lua/lib.lua` expects them.
pub const EVENT_KEYS: [&str; 10] = [
    "meta", "stock", "total", "cnt", "res", "member", "log", "holds", "pays", "waitq",
];

/// The ten keys of an event in the order `lua/lib.lua` expects them.
pub fn event_keys(event: &EventId) -> [String; 10] {
    EVENT_KEYS.map(|suffix| {
        let mut key = String::new();
        write_key(&mut key, event, suffix);
        key
    })
}

/// Appends the key `tg:{<event>}:<suffix>` to `out`.
pub fn write_key(out: &mut String, event: &EventId, suffix: &str) {
    out.push_str("tg:{");
    out.push_str(event.as_str());
    out.push_str("}:");
    out.push_str(suffix);
}
