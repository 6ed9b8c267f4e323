//! The Lua scripts, compiled into the binary.

use std::sync::LazyLock;

use redis::Script;

/// Shared helpers and key names, prepended to every script.
const LIB: &str = include_str!("../../lua/lib.lua");

/// Each script: name, shebang flags, body.
const FILES: [(&str, &str, &str); 15] = [
    ("create", "", include_str!("../../lua/create.lua")),
    ("grab", "", GRAB),
    ("cancel", "", include_str!("../../lua/cancel.lua")),
    ("redeem", "", include_str!("../../lua/redeem.lua")),
    ("pay", "", include_str!("../../lua/pay.lua")),
    ("expire", "", include_str!("../../lua/expire.lua")),
    ("restock", "", include_str!("../../lua/restock.lua")),
    ("move", "", include_str!("../../lua/move.lua")),
    ("wait", "", include_str!("../../lua/wait.lua")),
    ("release", "", include_str!("../../lua/release.lua")),
    ("status", "", include_str!("../../lua/status.lua")),
    ("tally", "", include_str!("../../lua/tally.lua")),
    ("lottery", "", include_str!("../../lua/lottery.lua")),
    ("drop", "", include_str!("../../lua/drop.lua")),
    (
        "read",
        " flags=no-writes",
        include_str!("../../lua/read.lua"),
    ),
];

/// One grab: a script of its own, and the function `grabs` calls per grab.
const GRAB: &str = include_str!("../../lua/grab.lua");
/// The grabs of one call: grab.lua as the function `grab`, run per grab.
const GRABS: &str = include_str!("../../lua/grabs.lua");

/// The full source of the named script as Redis runs it: the shebang (so Redis
/// checks memory before the script starts, not half-way), the prelude, the body.
/// `ticketgrab lua <name>` prints it, so `redis-benchmark` can run exactly the
/// script the service runs. `grabs` is grab.lua wrapped as a function
/// (its ARGV a parameter) and called once per grab by grabs.lua.
pub fn source(name: &str) -> Option<String> {
    if name == "grabs" {
        return Some(format!(
            "#!lua\n{LIB}\nlocal function grab(ARGV)\n{GRAB}\nend\n\n{GRABS}"
        ));
    }
    FILES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, flags, body)| format!("#!lua{flags}\n{LIB}\n{body}"))
}

/// Names of all scripts.
pub fn names() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(n, _, _)| *n).chain(["grabs"])
}

/// All scripts of the store, hashed once per process.
pub struct Scripts {
    pub create: Script,
    pub grab: Script,
    /// Several grabs of one event in one call (what the store sends for two
    /// or more; one alone goes as `grab`).
    pub grabs: Script,
    pub cancel: Script,
    pub redeem: Script,
    pub pay: Script,
    pub expire: Script,
    pub restock: Script,
    /// Seats moved between a pool's kept parts (`move` is a keyword).
    pub moves: Script,
    pub wait: Script,
    pub release: Script,
    pub status: Script,
    pub tally: Script,
    pub lottery: Script,
    pub drop: Script,
    pub read: Script,
}

fn load(name: &str) -> Script {
    Script::new(&source(name).expect("every script name is in FILES"))
}

pub static SCRIPTS: LazyLock<Scripts> = LazyLock::new(|| Scripts {
    create: load("create"),
    grab: load("grab"),
    grabs: load("grabs"),
    cancel: load("cancel"),
    redeem: load("redeem"),
    pay: load("pay"),
    expire: load("expire"),
    restock: load("restock"),
    moves: load("move"),
    wait: load("wait"),
    release: load("release"),
    status: load("status"),
    tally: load("tally"),
    lottery: load("lottery"),
    drop: load("drop"),
    read: load("read"),
});

impl Scripts {
    pub fn all(&self) -> [&Script; 16] {
        [
            &self.create,
            &self.grab,
            &self.grabs,
            &self.cancel,
            &self.redeem,
            &self.pay,
            &self.expire,
            &self.restock,
            &self.moves,
            &self.wait,
            &self.release,
            &self.status,
            &self.tally,
            &self.lottery,
            &self.drop,
            &self.read,
        ]
    }
}
