//! Lottery sales (抽签, issue 13). So far the draw itself, a pure function
//! with its published rules (`draw.rs`), and what a draw publishes with its
//! check (`export.rs`, `ticketgrab verify-draw`); the sale mode, entries in
//! the stores and the routes build on them.

pub mod draw;
pub mod export;
