//! The state every handler may use.

use std::sync::Arc;

use super::auth::Auth;
use super::limits::Limits;
use super::readiness::Readiness;
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
    /// Turns true when shutdown begins: live streams end.
    pub stopping: Arc<tokio::sync::watch::Sender<bool>>,
    /// The cached answer of /readyz.
    pub ready: Arc<Readiness>,
    /// `memory`, `redis` or `redis-cluster`, reported by /readyz.
    pub store_kind: &'static str,
}
