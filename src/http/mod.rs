//! The HTTP front end: thin handlers over the engine. JSON in, JSON out, errors
//! as problem+json with a stable `code`.

pub mod admin;
pub mod auth;
pub mod contract;
pub mod dto;
pub mod error;
pub mod json;
pub mod jwks;
pub mod lane;
pub mod lang;
pub mod limits;
pub mod lottery;
pub mod member;
pub mod member_token;
pub mod openapi;
pub mod ops;
pub mod params;
pub mod payments;
pub mod programs;
pub mod readiness;
pub mod request_id;
pub mod state;
pub mod station;
pub mod steps;
pub mod throttle;
pub mod verified;
pub mod waiting;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::middleware::{self};
use axum::response::Response;
use serde_json::Value;

use self::error::{ApiError, PROBLEM_JSON, problem};
pub use self::lane::Front;
pub use self::state::AppState;
use self::steps::Guards;
use crate::domain::Outcome;

/// The whole application, ready to serve or to `oneshot` in tests: the
/// router, with the grab's own lane in front (`lane.rs`).
pub fn app(state: AppState) -> Front {
    Front::new(router(state.clone()), state)
}

/// Every route, with its layers: the steps of steps.rs, in their order.
fn router(state: AppState) -> Router {
    let guard = |guards: Guards| {
        middleware::from_fn_with_state((state.limits.clone(), guards), steps::guard)
    };
    let body_limit = DefaultBodyLimit::max(state.body_limit);
    let api = Router::new()
        .merge(member::router())
        .merge(programs::router())
        .merge(waiting::router())
        .merge(lottery::router())
        .merge(station::router())
        .merge(admin::router())
        .layer(body_limit)
        .layer(guard(Guards::API));
    let payments = payments::router()
        .layer(body_limit)
        .layer(guard(Guards::PAYMENTS));
    let imports = admin::register::imports().layer(guard(Guards::IMPORTS));
    Router::new()
        .nest("/api/v1", api.merge(payments).merge(imports))
        .merge(ops::router().layer(guard(Guards::OPS)))
        .merge(openapi::router())
        .merge(crate::web::router())
        .route_layer(middleware::from_fn(steps::label))
        .fallback(|| async { ApiError::NotFound })
        .layer(middleware::from_fn_with_state(state.clone(), steps::outer))
        .with_state(state)
}

/// Turns any error response that is not yet problem+json (405 from the router,
/// 413 from a body limit, ...) into one, so every error body has the same shape
/// (the problem safety net, a step of steps.rs).
pub(crate) fn as_problem(response: Response) -> Response {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == PROBLEM_JSON);
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    use Outcome as O;
    let outcome = match status {
        StatusCode::UNAUTHORIZED => O::Unauthenticated,
        StatusCode::FORBIDDEN => O::Forbidden,
        StatusCode::NOT_FOUND => O::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => O::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => O::PayloadTooLarge,
        StatusCode::URI_TOO_LONG => O::UriTooLong,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => O::HeadersTooLarge,
        StatusCode::TOO_MANY_REQUESTS => O::RateLimited,
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => O::Overloaded,
        s if s.is_client_error() => O::InvalidRequest,
        _ => O::Internal,
    };
    let status = StatusCode::from_u16(outcome.row().status).unwrap_or(status);
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .or((status == StatusCode::SERVICE_UNAVAILABLE).then_some(1));
    problem(
        outcome,
        status.canonical_reason().unwrap_or("error"),
        Value::Null,
        retry_after,
    )
}
