//! Lottery sales (抽签, issue 13). So far the draw itself, a pure function
//! with its published rules (`draw.rs`); the sale mode, entries in the
//! stores, the routes and `ticketgrab verify-draw` build on it.

pub mod draw;
