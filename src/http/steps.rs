//! The steps around every answer, each written once and in one order. The
//! router's middleware and the grab's own lane (lane.rs) call the same two
//! functions, so a step added here reaches both; tests/http/lane.rs holds
//! the two ways to the same answers, overload, timeouts and metrics included.
//!
//! Outermost first:
//! 1. the request's id and language (request_id.rs), echoed on the answer;
//! 2. the latency metric, by route, method and status ([`observe`]);
//! 3. the problem safety net: every error answer is problem+json
//!    ([`as_problem`]);
//! 4. the per-IP limit ([`limits::peer_refusal`]), on routes that have it;
//! 5. load shedding and the request timeout ([`limits::admit`],
//!    [`limits::timed_out`]), on routes that have them;
//!
//! then the body limit, the extractors and the handler. Steps 1–3 are
//! [`around`], 4–5 [`guarded`]. Each takes the answer below it as a closure,
//! not as a future: a future handed over as an argument is kept twice in
//! the caller's state, and the lane's future is boxed per request.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use futures_util::future::{Either, lazy, ready};

use super::error::ApiError;
use super::limits::{self, Limits};
use super::request_id::{self, REQUEST_ID};
use super::{AppState, as_problem};

/// Steps 1–3 around `answer`. `route` names the route in the latency
/// metric; `None`: the route the router matched ([`label`]), and no
/// observation when it matched none.
pub fn around<F, Fut>(
    s: AppState,
    route: Option<&'static str>,
    mut req: Request,
    answer: F,
) -> impl Future<Output = Response> + use<F, Fut>
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let (id, tag) = request_id::begin(&mut req);
    let started = Instant::now();
    let method = req.method().clone();
    // Combinators rather than an async block: the request is kept once, in
    // the first state of `flatten`, which the answer's future then reuses.
    let answered = lazy(move |_| answer(req)).flatten();
    request_id::scope(
        tag,
        answered.map(move |response| {
            let matched = response.extensions().get::<RouteLabel>();
            if let Some(route) = route.or(matched.map(|m| m.0.as_str())) {
                observe(&s, route, &method, &response, started);
            }
            let mut response = with_length(as_problem(response));
            request_id::served(&response, started);
            response.headers_mut().insert(REQUEST_ID, id);
            response
        }),
    )
}

/// Which of steps 4–5 a route has.
#[derive(Clone, Copy, Debug)]
pub struct Guards {
    pub ip_limit: bool,
    pub shed: bool,
}

impl Guards {
    /// The API: members, waiting lists, lotteries, stations, staff.
    pub const API: Guards = Guards {
        ip_limit: true,
        shed: true,
    };
    /// Payment notifications come from a few addresses in bursts, each
    /// proven by its signature: the per-IP limit would hold a paid ticket
    /// back past its pay_by. Load shedding still applies.
    pub const PAYMENTS: Guards = Guards {
        ip_limit: false,
        shed: true,
    };
    /// The member register's import: one staff request that takes seconds
    /// for a million rows, so under no deadline and never shed.
    pub const IMPORTS: Guards = Guards {
        ip_limit: true,
        shed: false,
    };
    /// Health, readiness and metrics: cheap, never shed.
    pub const OPS: Guards = Guards {
        ip_limit: true,
        shed: false,
    };
}

/// Steps 4–5 around `answer`, for a request from `peer`. They run when
/// the future is first polled: inside step 1's scope, so a refusal is
/// written in the request's language.
pub fn guarded<F, Fut>(
    limits: Arc<Limits>,
    guards: Guards,
    peer: Option<SocketAddr>,
    req: Request,
    answer: F,
) -> impl Future<Output = Response> + use<F, Fut>
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    lazy(move |_| {
        if guards.ip_limit
            && let Some(refused) = limits::peer_refusal(&limits, peer, req.headers())
        {
            return Either::Left(ready(refused));
        }
        let (permit, timeout) = if guards.shed {
            match limits::admit(&limits) {
                Some(permit) => (Some(permit), limits.request_timeout),
                None => return Either::Left(ready(ApiError::Overloaded.into_response())),
            }
        } else {
            // No deadline (tokio's timeout takes an unreachable one as none).
            (None, Duration::MAX)
        };
        let answered = tokio::time::timeout(timeout, answer(req));
        Either::Right(answered.map(move |answered| {
            drop(permit);
            answered.unwrap_or_else(|_| limits::timed_out(&limits))
        }))
    })
    .flatten()
}

/// The router's steps 1–3: around everything it serves.
pub async fn outer(State(s): State<AppState>, req: Request, next: Next) -> Response {
    around(s, None, req, |req| next.run(req)).await
}

/// The router's steps 4–5, for one group of routes.
pub async fn guard(
    State((limits, guards)): State<(Arc<Limits>, Guards)>,
    req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    guarded(limits, guards, peer, req, |req| next.run(req)).await
}

/// The route the router matched, as the latency metric names it.
#[derive(Clone)]
struct RouteLabel(MatchedPath);

/// Marks the router's answers with the route they matched, for step 2.
pub async fn label(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(req).await;
    if let Some(route) = route {
        response.extensions_mut().insert(RouteLabel(route));
    }
    response
}

/// Step 2: how long an answer took, under its route's label.
fn observe(s: &AppState, route: &str, method: &Method, response: &Response, started: Instant) {
    s.metrics
        .http_latency
        .with_label_values(&[route, method.as_str(), response.status().as_str()])
        .observe(started.elapsed().as_secs_f64());
}

/// `Content-Length` from a body of known size, as axum's routes set it
/// (hyper would write the same on the wire; this keeps the lane and the
/// router alike for clients that do not go through hyper, the tests'
/// `oneshot`).
fn with_length(mut response: Response) -> Response {
    use http_body::Body as _;
    if !response.headers().contains_key(header::CONTENT_LENGTH)
        && let Some(size) = response.body().size_hint().exact()
    {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    }
    response
}
