//! Redis key names. A sale's keys carry one hash tag, so every script
//! touches one cluster slot: its own id, `tg:{<event>}:<suffix>`, or, for a
//! sale of a program, the program's id, `tg:{<program>}:<event>:<suffix>`,
//! so that one script sees the program's places (`tg:{<program>}:places`)
//! beside the sale: one slot per program, programs spread over masters.
//! The global keys (the indexes, which sale is in which program) are
//! touched by staff operations and, once per sale and front end, by the
//! lookup of a sale's keys; never by a grab.

use crate::domain::{EventId, ProgramId};

/// The set of all event ids.
pub const EVENT_INDEX: &str = "tg:events";
/// The member register (会员名册): hash, member key -> entry as
/// `Membership::to_stored` writes it. Global: staff imports write it, a
/// station's front end reads one entry; no script touches it.
pub const REGISTER: &str = "tg:register";
/// The set of all program ids.
pub const PROGRAM_INDEX: &str = "tg:programs";
/// Hash: event id -> its program's id, or "" for a sale outside programs.
/// Written once, when the sale is created (the first creation takes the
/// id); sales created before programs are in the event index only.
pub const SALE_PROGRAMS: &str = "tg:sale-program";

/// The event's log stream, for a sale outside programs.
pub fn log_key(event: &EventId) -> String {
    SaleKeys::new(event, None).key("log")
}

/// What tells an event's ten keys apart, in the order `lua/lib.lua` expects them.
pub const EVENT_KEYS: [&str; 10] = [
    "meta", "stock", "total", "cnt", "res", "member", "log", "holds", "pays", "waitq",
];

/// The ten keys of a sale outside programs, in the order `lua/lib.lua` expects.
pub fn event_keys(event: &EventId) -> [String; 10] {
    let keys = SaleKeys::new(event, None);
    EVENT_KEYS.map(|suffix| keys.key(suffix))
}

/// A program's definition: a hash whose one field `def` holds it as JSON.
pub fn program_key(program: &ProgramId) -> String {
    format!("tg:{{{program}}}:program")
}

/// A program's places by member (lua/lib.lua's PLACES).
pub fn places_key(program: &ProgramId) -> String {
    format!("tg:{{{program}}}:places")
}

/// Where one sale's keys are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaleKeys {
    /// `tg:{<event>}:` or `tg:{<program>}:<event>:`.
    prefix: String,
    /// The program's places, for a sale of a program: the eleventh key.
    places: Option<String>,
}

impl SaleKeys {
    pub fn new(event: &EventId, program: Option<&ProgramId>) -> Self {
        match program {
            None => Self {
                prefix: format!("tg:{{{event}}}:"),
                places: None,
            },
            Some(p) => Self {
                prefix: format!("tg:{{{p}}}:{event}:"),
                places: Some(places_key(p)),
            },
        }
    }

    /// Appends the key of `suffix` (one of [`EVENT_KEYS`]) to `out`.
    pub fn write(&self, out: &mut String, suffix: &str) {
        out.push_str(&self.prefix);
        out.push_str(suffix);
    }

    pub fn key(&self, suffix: &str) -> String {
        let mut key = String::with_capacity(self.prefix.len() + suffix.len());
        self.write(&mut key, suffix);
        key
    }

    /// The program's places key, for a sale of a program.
    pub fn places(&self) -> Option<&str> {
        self.places.as_deref()
    }

    /// Every key a script gets, in lua/lib.lua's order: the ten, and the
    /// program's places for a sale of a program.
    pub fn all(&self) -> Vec<String> {
        let mut keys: Vec<String> = EVENT_KEYS.iter().map(|s| self.key(s)).collect();
        keys.extend(self.places.clone());
        keys
    }
}
