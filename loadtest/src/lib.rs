//! ticketgrab-load: rehearse a ticket grab against a ticketgrab server and
//! measure it against the machine's ceilings.
//!
//! # Layout
//!
//! - [`scenario`]: the real sales by name (park, cinema, theatre, umbrella) and
//!   custom ones from flags or TOML.
//! - [`target`]: a running server, or one started here (`--spawn`), with its own
//!   redis-server when asked.
//! - [`run`]: the rehearsal: open connections, release everyone at the opening,
//!   behave like the app (Retry-After with jitter), then check.
//! - [`cpu`]: CPU time of server, Redis and harness over the grab phase.
//! - [`report`]: figures, checks, JSON, and an HTML page with SVG charts.

pub mod cpu;
pub mod report;
pub mod run;
pub mod scenario;
pub mod target;
