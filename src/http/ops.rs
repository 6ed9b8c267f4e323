//! Operations: liveness, readiness and metrics. They sit behind the per-IP
//! limit like the API, and readiness is cached for a second, so probes cannot
//! make the store busy.

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

/// How long one readiness answer is reused.
const READY_TTL: Duration = Duration::from_secs(1);

/// The last readiness answer and when it was found.
#[derive(Default)]
pub struct Readiness {
    /// A std mutex: held to read or write the answer, never across an await.
    last: Mutex<Option<(Instant, Result<(), String>)>>,
}

impl Readiness {
    /// Whether the store can take a change now (reachable, not out of
    /// memory), asking it at most once per second.
    pub async fn check(&self, store: &dyn Store) -> Result<(), Error> {
        if let Some((at, answer)) = &*self.last.lock().unwrap_or_else(|p| p.into_inner())
            && at.elapsed() < READY_TTL
        {
            return answer.clone().map_err(Error::Unavailable);
        }
        let answer = store.ping().await;
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some((
            Instant::now(),
            answer.as_ref().map(|_| ()).map_err(ToString::to_string),
        ));
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
