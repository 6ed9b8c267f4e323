//! What the harness's tests share.

use std::path::PathBuf;
use std::process::Command;

use ticketgrab_load::target::server_binary;

/// The ticketgrab binary of this build, built if `cargo test` did not build it.
pub fn ticketgrab_binary() -> PathBuf {
    if let Ok(bin) = server_binary(None) {
        return bin;
    }
    let status = Command::new(env!("CARGO"))
        .args(["build", "-p", "ticketgrab", "--bin", "ticketgrab"])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building ticketgrab failed");
    server_binary(None).expect("ticketgrab was just built")
}
