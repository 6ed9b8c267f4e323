//! Lottery sales (抽签, issue 13): the draw itself, a pure function with
//! its published rules (`draw.rs`); what a draw publishes with its check
//! (`export.rs`, `ticketgrab verify-draw`); and running a draw against a
//! store, resumably (`run.rs`). The sale mode is `domain::Lottery`; the
//! entries and results live in the stores (`lua/lottery.lua`).

pub mod close;
pub mod draw;
pub mod export;
pub mod run;
pub mod verify;
