//! The front door: every request goes to the router, except a grab, which
//! takes its own lane.
//!
//! Why a lane: in a big sale nine answers in ten are grabs, most of them
//! answered from memory after the sell-out, and a profile of such an answer
//! put a third of its CPU in the layers around the handler (each `from_fn`
//! middleware clones the service below it and boxes a future, the nest
//! rewrites the URI, the router looks the path up and clones the route),
//! not in the answer itself. The lane runs the very same steps, in the same
//! order, as plain function calls: request id and language
//! ([`request_id::with_request_id`]), the problem safety net ([`as_problem`]),
//! the latency metric ([`super::timed`]), the per-IP limit ([`peer_refusal`]),
//! load shedding and the timeout ([`super::limits::shed`]), the body limit,
//! the member's token and body (the handler's own extractors), and then the
//! handler itself ([`member::grab`]); written out as one future (see
//! [`grab`]). The route stays in the router too: for the OpenAPI
//! document, and for an event id written with percent escapes, which the
//! lane leaves to the router's decoding (`tests/http/lane.rs` holds the two
//! to the same answers).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Request, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use futures_util::future::Either;

use super::auth::MemberAuth;
use super::dto::GrabBody;
use super::error::ApiError;
use super::json::ApiJson;
use super::limits::{admit, peer_refusal, timed_out};
use super::request_id::{self, REQUEST_ID};
use super::{AppState, as_problem, member, observe};

/// The grab's route, as the router names it in the latency metric.
pub const GRAB_ROUTE: &str = "/api/v1/events/{event}/reservations";

/// The whole application as one service: the router, and the grab's lane.
#[derive(Clone)]
pub struct Front {
    router: Router,
    state: AppState,
    /// The connection's peer, when serving one (`for_peer`): the router's
    /// requests get it as `ConnectInfo`, the lane takes it as it is.
    peer: Option<SocketAddr>,
}

impl Front {
    pub fn new(router: Router, state: AppState) -> Self {
        Self {
            router,
            state,
            peer: None,
        }
    }

    /// The service for one connection from `peer`.
    pub fn for_peer(mut self, peer: SocketAddr) -> Self {
        self.peer = Some(peer);
        self
    }
}

type Lane = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<B> tower::Service<axum::http::Request<B>> for Front
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<axum::routing::future::RouteFuture<Infallible>, Lane>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: axum::http::Request<B>) -> Self::Future {
        let mut req = req.map(Body::new);
        match grabbed_event(&req) {
            Some(event) => {
                let (state, peer) = (self.state.clone(), self.peer);
                Either::Right(Box::pin(
                    async move { Ok(grab(state, peer, event, req).await) },
                ))
            }
            None => {
                if let Some(peer) = self.peer {
                    req.extensions_mut().insert(ConnectInfo(peer));
                }
                Either::Left(self.router.call(req))
            }
        }
    }
}

/// The event of `POST /api/v1/events/{event}/reservations`, when the id has
/// no percent escape (the router decodes those).
fn grabbed_event(req: &Request) -> Option<String> {
    if req.method() != Method::POST {
        return None;
    }
    let event = req
        .uri()
        .path()
        .strip_prefix("/api/v1/events/")?
        .strip_suffix("/reservations")?;
    let plain = !event.is_empty() && !event.contains(['/', '%']);
    plain.then(|| event.to_owned())
}

/// The router's layers around the grab handler, in the router's order,
/// written out as one future: each layer's helper that takes the future
/// below it as an argument keeps it twice in its own state (the argument,
/// and the moved copy it awaits), so nested they made the lane's future
/// 9.5 KB, allocated and copied per request.
async fn grab(s: AppState, peer: Option<SocketAddr>, event: String, mut req: Request) -> Response {
    let (id, tag) = request_id::begin(&mut req);
    let mut response = request_id::scope(tag, async {
        let started = Instant::now();
        let method = req.method().clone();
        let response = match peer_refusal(&s.limits, peer, req.headers()) {
            Some(refused) => refused,
            None => match admit(&s.limits) {
                None => ApiError::Overloaded.into_response(),
                Some(_permit) => {
                    let timeout = s.limits.request_timeout;
                    match tokio::time::timeout(timeout, handle(&s, event, req)).await {
                        Ok(response) => response,
                        Err(_) => timed_out(&s.limits),
                    }
                }
            },
        };
        observe(&s, GRAB_ROUTE, &method, &response, started);
        let response = with_length(as_problem(response));
        request_id::served(&response, started);
        response
    })
    .await;
    response.headers_mut().insert(REQUEST_ID, id);
    response
}

/// `Content-Length` from a body of known size, as the router's routes set it
/// (hyper would write the same on the wire; this keeps the two alike for
/// clients that do not go through hyper, the tests' `oneshot`).
fn with_length(mut response: Response) -> Response {
    use http_body::Body as _;
    if !response
        .headers()
        .contains_key(axum::http::header::CONTENT_LENGTH)
        && let Some(size) = response.body().size_hint().exact()
    {
        response.headers_mut().insert(
            axum::http::header::CONTENT_LENGTH,
            axum::http::HeaderValue::from(size),
        );
    }
    response
}

/// The handler with its extractors, in the order axum runs them.
async fn handle(s: &AppState, event: String, req: Request) -> Response {
    let (mut parts, body) = req.into_parts();
    let auth = match MemberAuth::from_request_parts(&mut parts, s).await {
        Ok(auth) => auth,
        Err(e) => return e.into_response(),
    };
    let limited = Body::new(http_body_util::Limited::new(body, s.body_limit));
    let req = Request::from_parts(parts, limited);
    let body = match ApiJson::<GrabBody>::from_request(req, s).await {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    member::grab(State(s.clone()), auth, Path(event), body)
        .await
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(path: &str) -> Request {
        Request::post(path).body(Body::empty()).unwrap()
    }

    #[test]
    fn only_a_plain_grab_takes_the_lane() {
        let event = |req: Request| grabbed_event(&req);
        assert_eq!(
            event(post("/api/v1/events/park/reservations")).as_deref(),
            Some("park")
        );
        assert_eq!(event(post("/api/v1/events/p%61rk/reservations")), None);
        assert_eq!(event(post("/api/v1/events//reservations")), None);
        assert_eq!(event(post("/api/v1/events/a/b/reservations")), None);
        assert_eq!(event(post("/api/v1/events/park/reservations/")), None);
        assert_eq!(event(post("/api/v1/events/park")), None);
        let get = Request::get("/api/v1/events/park/reservations")
            .body(Body::empty())
            .unwrap();
        assert_eq!(event(get), None);
    }

    /// The lane's future is boxed for every grab: a wrapper that takes the
    /// future below it as an argument would keep it twice (9.5 KB before
    /// the lane was written as one future; the handler's own is ~2 KB).
    #[test]
    fn the_lane_future_stays_small() {
        fn size_of_answer<F, Fut>(_: F) -> usize
        where
            F: FnOnce(AppState, String, Request) -> Fut,
        {
            std::mem::size_of::<Fut>()
        }
        let lane = size_of_answer(|s: AppState, e: String, r: Request| grab(s, None, e, r));
        let handler =
            size_of_answer(
                |s: AppState, e: String, r: Request| async move { handle(&s, e, r).await },
            );
        assert!(
            lane < handler + 1536,
            "the lane's future is {lane} bytes, the handler's {handler}"
        );
    }
}
