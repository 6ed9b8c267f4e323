//! The state every handler may use.

use std::sync::Arc;

use super::auth::Auth;
use super::limits::Limits;
use super::readiness::Readiness;
use crate::engine::Engine;
use crate::metrics::Metrics;

/// What every handler may use: one `Arc`, so the copy every extractor and
/// middleware takes is one reference count, not one per part (a profile showed
/// the clone and drop of the parts at 3% of a sold-out answer). Extractors take
/// the part they need (`FromRef`), so auth does not depend on this type.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl axum::extract::FromRef<AppState> for Arc<Auth> {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

/// The parts of [`AppState`].
pub struct Shared {
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
    /// Which store serves, reported by /readyz.
    pub store_kind: crate::config::StoreKind,
    /// Checks payment notifications (and, in demo mode, signs the pay button's).
    pub payments: crate::payments::Signer,
    /// Demo mode: the member page's pay button is live.
    pub demo: bool,
    /// The durable embedded store, when it serves: compacted in the
    /// background once its journal passes `compact_bytes`.
    pub embedded: Option<Arc<crate::store::MemoryStore>>,
    pub compact_bytes: u64,
}
