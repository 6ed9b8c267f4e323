//! The HTTP front end: thin handlers over the engine. JSON in, JSON out, errors
//! as problem+json with a stable `code`.

pub mod admin;
pub mod auth;
pub mod contract;
pub mod dto;
pub mod error;
pub mod json;
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
pub mod readiness;
pub mod request_id;
pub mod state;
pub mod station;
pub mod verified;
pub mod waiting;

use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use serde_json::Value;

use self::error::{ApiError, PROBLEM_JSON, problem};
pub use self::lane::Front;
pub use self::state::AppState;

/// The whole application, ready to serve or to `oneshot` in tests: the
/// router, with the grab's own lane in front (`lane.rs`).
pub fn app(state: AppState) -> Front {
    Front::new(router(state.clone()), state)
}

/// Every route, with its layers.
fn router(state: AppState) -> Router {
    let shed =
        |router: Router<AppState>| {
            router.layer(DefaultBodyLimit::max(state.body_limit)).layer(
                middleware::from_fn_with_state(state.limits.clone(), limits::shed_and_timeout),
            )
        };
    let api = shed(
        Router::new()
            .merge(member::router())
            .merge(waiting::router())
            .merge(lottery::router())
            .merge(station::router())
            .merge(admin::router()),
    )
    .layer(middleware::from_fn_with_state(
        state.limits.clone(),
        limits::ip_limit,
    ));
    // The payment provider sends its notifications from a few addresses, in
    // bursts (a sale's holds are paid within minutes), each proven by its
    // signature: the per-IP limit would hold a paid ticket back past its
    // pay_by. Load shedding still applies.
    let payments = shed(payments::router());
    Router::new()
        .nest("/api/v1", api.merge(payments))
        .merge(ops::router().layer(middleware::from_fn_with_state(
            state.limits.clone(),
            limits::ip_limit,
        )))
        .merge(openapi::router())
        .merge(crate::web::router())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            record_latency,
        ))
        .fallback(|| async { ApiError::NotFound })
        .layer(middleware::from_fn(problem_safety_net))
        .layer(middleware::from_fn(request_id::request_ids))
        .with_state(state)
}

/// Observes the latency of every matched route.
async fn record_latency(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    let method = req.method().clone();
    timed(&s, route, &method, next.run(req)).await
}

/// Observes how long `answer` takes, under a route's label.
pub(crate) async fn timed(
    s: &AppState,
    route: &str,
    method: &Method,
    answer: impl Future<Output = Response>,
) -> Response {
    let started = Instant::now();
    let response = answer.await;
    observe(s, route, method, &response, started);
    response
}

/// What [`timed`] records once a response is there.
pub(crate) fn observe(
    s: &AppState,
    route: &str,
    method: &Method,
    response: &Response,
    started: Instant,
) {
    s.metrics
        .http_latency
        .with_label_values(&[route, method.as_str(), response.status().as_str()])
        .observe(started.elapsed().as_secs_f64());
}

/// Turns any error response that is not yet problem+json (405 from the router,
/// 413 from a body limit, ...) into one, so every error body has the same shape.
async fn problem_safety_net(req: Request, next: Next) -> Response {
    as_problem(next.run(req).await)
}

/// What [`problem_safety_net`] does to a response.
pub(crate) fn as_problem(response: Response) -> Response {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == PROBLEM_JSON);
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let (status, code) = match status {
        StatusCode::UNAUTHORIZED => (status, "unauthenticated"),
        StatusCode::FORBIDDEN => (status, "forbidden"),
        StatusCode::NOT_FOUND => (status, "not_found"),
        StatusCode::METHOD_NOT_ALLOWED => (status, "method_not_allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => (status, "payload_too_large"),
        StatusCode::TOO_MANY_REQUESTS => (status, "rate_limited"),
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => {
            (StatusCode::SERVICE_UNAVAILABLE, "overloaded")
        }
        s if s.is_client_error() => (StatusCode::BAD_REQUEST, "invalid_request"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    };
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .or((status == StatusCode::SERVICE_UNAVAILABLE).then_some(1));
    problem(
        status,
        code,
        status.canonical_reason().unwrap_or("error"),
        Value::Null,
        retry_after,
    )
}
