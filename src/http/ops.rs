//! Operations: liveness, readiness and metrics. They sit behind the per-IP
//! limit like the API, and a "ready" answer is reused for a second, so probes
//! cannot make the store busy.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};

use super::error::ApiError;
use super::state::AppState;

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
/// (`memory`, the embedded store run with `--memory`, is not durable).
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses((status = 200, body = Object), (status = 503, body = super::dto::Problem)))]
pub async fn readyz(State(s): State<AppState>) -> Result<Json<Value>, ApiError> {
    s.ready.check(&s.engine).await?;
    Ok(Json(json!({
        "status": "ready",
        "store": s.store_kind.as_str(),
        "durable": s.store_kind.durable(),
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
