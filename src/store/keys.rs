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

/// The ten keys of an event in the order `lua/lib.lua` expects them.
pub fn event_keys(event: &EventId) -> [String; 10] {
    [
        "meta", "stock", "total", "cnt", "res", "member", "log", "holds", "pays", "waitq",
    ]
    .map(|k| format!("tg:{{{event}}}:{k}"))
}
