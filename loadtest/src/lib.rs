//! ticketgrab-load: rehearse a ticket grab against a ticketgrab server and
//! measure it against the machine's ceilings.
//!
//! # Layout
//!
//! - [`scenario`]: the real sales by name (park, cinema, theatre, umbrella) and
//!   custom ones from flags or TOML.
//! - [`target`]: a running server, or one started here (`--spawn`), with its own
//!   redis-server when asked.
//! - [`run`]: the rehearsal in order, from the steps below.
//! - [`crowd`]: members (card, token, choices, address), the sale, warm connections.
//! - [`grab`]: the grab phase: one worker per connection, answers read as the
//!   app reads them (Retry-After with jitter), until everyone has a final answer.
//! - [`wire`]: a worker's own keep-alive HTTP/1.1 connection for the grabs
//!   (written by hand: the harness shares the cores with the server).
//! - [`checks`]: cancels and redeems after the sale, and the rules checked.
//! - [`ceilings`]: /healthz and redis-benchmark of the grab script, same run.
//! - [`cpu`]: CPU time of server, Redis and harness over the grab phase.
//! - [`report`]: figures, checks, JSON, and an HTML page with SVG charts.
//! - [`lottery`]: a lottery sale instead: entries, the draw (killed and
//!   resumed on request), and the published draw checked.

pub mod ceilings;
pub mod checks;
pub mod cpu;
pub mod crowd;
pub mod fairness;
pub mod grab;
pub mod kept;
pub mod lottery;
pub mod paid;
pub mod report;
pub mod run;
pub mod scenario;
pub mod target;
pub mod wire;
pub mod year;
