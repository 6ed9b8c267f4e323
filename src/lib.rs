//! ticketgrab: the reservation backend for union-card ticket grabs (抢票).
//!
//! A union federation puts a fixed stock of tickets on sale at a set minute and
//! card-holding members race for them. Every grab is one atomic step in the
//! store: no ticket is sold twice, none is lost, and a member holds at most one
//! live reservation per event.
//!
//! # Layout
//!
//! - [`domain`]: valid-by-construction types: card numbers, member keys, ids,
//!   events, reservations; the one error type of the engine and the stores,
//!   and the one table of outcomes (`domain/outcome.rs`).
//! - [`engine`]: the rules above the store: input checks, codes, queries.
//! - [`store`]: the `Store` interface and its two implementations, Redis (Lua
//!   scripts in `lua/`) and memory (the embedded default and the reference model).
//! - [`audit`]: checks an event's snapshot: balances, one ticket per member, the
//!   hold index, the waiting list, the log, and (given them) the codes members
//!   were told they hold.
//! - [`lottery`]: lottery sales (抽签): the verifiable draw, its export and
//!   its check (`verify-draw`), and the runner that writes a draw in batches.
//! - [`http`]: the axum front end: routes, auth, limits, problem+json errors.
//! - [`web`]: the staff dashboard and the member page, compiled in.
//! - [`metrics`]: the Prometheus registry and a store decorator timing calls.
//! - [`config`]: flags and `TG_*` environment variables.
//! - [`startup`]: builds the app from its config on a bound listener.
//! - [`server`]: the accept loop: connection cap, header timeout, bounded
//!   graceful shutdown.
//! - [`tokens`]: token claims and minting.
//! - [`payments`]: signed payment notifications (checked, and simulated).
//! - [`demo`]: the demo sales and tokens of `cargo run`.

pub mod archive;
pub mod audit;
pub mod domain;
pub mod engine;
pub mod lottery;
pub mod store;

pub use domain::Error;
pub use engine::Engine;
pub mod commands;
pub mod config;
pub mod demo;
pub mod http;
pub mod metrics;
pub mod payments;
mod problem_io;
pub mod server;
pub mod startup;
pub mod tokens;
pub mod upkeep;
pub mod web;
