//! Operations: liveness, readiness and metrics. They sit behind the per-IP
//! limit like the API, and a "ready" answer is reused for a second, so probes
//! cannot make the store busy.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};

use super::error::ApiError;
use super::state::AppState;
use crate::error::Error;
use crate::store::Store;

/// How long a "ready" answer is reused.
const READY_TTL: Duration = Duration::from_secs(1);

/// When the store last answered ready.
///
/// Only "ready" is reused: a crowd of probes against a healthy store costs it
/// one call a second. "Not ready" is asked again on every probe, so the
/// balancer sees a recovery at once; while the store is down or out of memory
/// that costs one refused call per probe (no script is compiled, unlike the
/// SCRIPT LOADs of before), and probes are under the per-IP limit.
#[derive(Default)]
pub struct Readiness {
    /// A std mutex: held to read or write one instant, never across an await.
    ready_at: Mutex<Option<Instant>>,
}

impl Readiness {
    /// Whether the store can take a change now (reachable, not out of memory).
    pub async fn check(&self, store: &dyn Store) -> Result<(), Error> {
        let lock = || self.ready_at.lock().unwrap_or_else(|p| p.into_inner());
        if lock().is_some_and(|at| at.elapsed() < READY_TTL) {
            return Ok(());
        }
        let answer = store.ping().await;
        *lock() = answer.is_ok().then(Instant::now);
        answer
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, body = Object)))]
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The store is reachable and can take a change; names the store kind
/// (`memory` is not durable).
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses((status = 200, body = Object), (status = 503, body = super::dto::Problem)))]
pub async fn readyz(State(s): State<AppState>) -> Result<Json<Value>, ApiError> {
    s.ready.check(s.engine.store()).await?;
    Ok(Json(json!({
        "status": "ready",
        "store": s.store_kind,
        "durable": s.store_kind != "memory",
    })))
}

/// Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "ops", responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        s.metrics.render(),
    )
}
