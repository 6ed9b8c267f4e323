//! The front door: every request goes to the router, except a grab, which
//! takes its own lane.
//!
//! Why a lane: in a big sale nine answers in ten are grabs, most of them
//! answered from memory after the sell-out, and a profile of such an answer
//! put a third of its CPU in the layers around the handler (each `from_fn`
//! middleware clones the service below it and boxes a future, the nest
//! rewrites the URI, the router looks the path up and clones the route),
//! not in the answer itself. The lane calls the very same steps, in the same
//! order (steps.rs: request id and language, latency, the problem safety
//! net, the per-IP limit, load shedding and the timeout), then the body
//! limit, the member's token and body (the handler's own extractors) and the
//! engine's grab (see [`grab`]). The route stays in the router too: for the OpenAPI
//! document, and for an event id written with percent escapes, which the
//! lane leaves to the router's decoding (`tests/http/lane.rs` holds the two
//! to the same answers).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use futures_util::future::Either;

use super::auth::MemberAuth;
use super::dto::GrabBody;
use super::json::ApiJson;
use super::steps::{Guards, around, guarded};
use super::{AppState, member};

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

type GrabFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<B> tower::Service<axum::http::Request<B>> for Front
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<axum::routing::future::RouteFuture<Infallible>, GrabFuture>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: axum::http::Request<B>) -> Self::Future {
        let mut req = req.map(Body::new);
        match grabbed_event(&req) {
            Some(event) => {
                let (state, peer) = (self.state.clone(), self.peer);
                Either::Right(Box::pin(grab(state, peer, event, req).map(Ok)))
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

/// The steps of steps.rs around the grab handler, as the router runs them
/// for the API's routes.
fn grab(
    s: AppState,
    peer: Option<SocketAddr>,
    event: String,
    req: Request,
) -> impl Future<Output = Response> {
    let limits = s.limits.clone();
    let state = s.clone();
    around(s, Some(GRAB_ROUTE), req, move |req| {
        guarded(limits, Guards::API, peer, req, move |req| {
            handle(state, event, req)
        })
    })
}

/// The handler with its extractors, in the order axum runs them.
async fn handle(s: AppState, event: String, req: Request) -> Response {
    let (mut parts, body) = req.into_parts();
    let auth = match MemberAuth::from_request_parts(&mut parts, &s).await {
        Ok(auth) => auth,
        Err(e) => return e.into_response(),
    };
    let limited = Body::new(http_body_util::Limited::new(body, s.body_limit));
    let req = Request::from_parts(parts, limited);
    let body = match ApiJson::<GrabBody>::from_request(req, &s).await {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    member::answer_grab(&s, &auth, &event, body.0)
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
        let handler = size_of_answer(|s: AppState, e: String, r: Request| handle(s, e, r));
        eprintln!("the lane's future is {lane} bytes, the handler's {handler}");
        assert!(
            lane < handler + 1536,
            "the lane's future is {lane} bytes, the handler's {handler}"
        );
    }
}
