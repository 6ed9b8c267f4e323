//! The state every handler may use.

use std::sync::Arc;

use super::auth::Auth;
use super::limits::Limits;
use crate::engine::Engine;
use crate::metrics::Metrics;

/// What every handler may use. Extractors take the part they need
/// (`FromRef`), so auth and limits do not depend on this type.
#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    pub engine: Engine,
    pub auth: Arc<Auth>,
    pub limits: Arc<Limits>,
    pub metrics: Arc<Metrics>,
    /// Largest request body in bytes.
    pub body_limit: usize,
}
