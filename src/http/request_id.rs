//! Every request's id (`X-Request-Id`): the client's when it is a short token
//! of safe characters, else a fresh one; echoed on the response, and known to
//! every log line written while the request runs (`current`).
//!
//! One middleware instead of tower-http's trace, set-id and propagate-id
//! layers: a profile showed the per-request span of the trace layer (its
//! fields formatted by the log subscriber whether or not anything is logged)
//! and the layers around it at ~4 µs of a ~33 µs sold-out answer.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method};
use axum::response::Response;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Longest client request id that is kept.
const MAX_REQUEST_ID: usize = 64;

/// What a log line written during a request says about it.
#[derive(Clone, Debug)]
pub struct RequestTag {
    pub id: HeaderValue,
    pub method: Method,
    /// The path, never the query: no card number reaches a log line.
    pub path: String,
    /// The language problem documents are written in.
    pub lang: super::lang::Lang,
}

impl std::fmt::Display for RequestTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let id = self.id.to_str().unwrap_or("-");
        write!(f, "{} {} request_id={id}", self.method, self.path)
    }
}

tokio::task_local! {
    static CURRENT: RequestTag;
}

/// The request being served by this task, if any.
pub fn current() -> Option<RequestTag> {
    CURRENT.try_with(Clone::clone).ok()
}

/// The language of the request being served (English outside a request).
pub fn lang() -> super::lang::Lang {
    CURRENT
        .try_with(|tag| tag.lang)
        .unwrap_or(super::lang::Lang::En)
}

/// Keeps a client's `X-Request-Id` only when it is one short token of safe
/// characters: a request id goes into log lines, so a forged one (`1
/// staff=root action=close`) must not be able to write fields there.
fn client_id(req: &Request) -> Option<HeaderValue> {
    let mut ids = req.headers().get_all(REQUEST_ID).iter();
    let (id, None) = (ids.next()?, ids.next()) else {
        return None;
    };
    let b = id.as_bytes();
    let safe = !b.is_empty()
        && b.len() <= MAX_REQUEST_ID
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':'));
    safe.then(|| id.clone())
}

/// A fresh id: 128 random bits in the UUID text form, from the thread's
/// generator (tower-http's `MakeRequestUuid` makes a `getrandom` system call
/// per request).
fn fresh_id() -> HeaderValue {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let n: u128 = rand::random();
    let mut text = [b'-'; 36];
    let mut shift = 128;
    for (i, c) in text.iter_mut().enumerate() {
        if !matches!(i, 8 | 13 | 18 | 23) {
            shift -= 4;
            *c = HEX[((n >> shift) & 0xf) as usize];
        }
    }
    HeaderValue::from_bytes(&text).expect("hex and hyphens are a valid header value")
}

/// Step 1 of steps.rs. First: the request's id, set on the request, and
/// its tag.
pub fn begin(req: &mut Request) -> (HeaderValue, RequestTag) {
    let id = client_id(req).unwrap_or_else(fresh_id);
    req.headers_mut().insert(REQUEST_ID, id.clone());
    let accept = req
        .headers()
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let tag = RequestTag {
        id: id.clone(),
        method: req.method().clone(),
        path: req.uri().path().to_owned(),
        lang: super::lang::negotiate(accept, req.uri().path()),
    };
    (id, tag)
}

/// Then: serves `answer` with `tag` as the current request.
pub fn scope<F: Future>(tag: RequestTag, answer: F) -> impl Future<Output = F::Output> {
    CURRENT.scope(tag, answer)
}

/// Within the scope, once answered: the debug line (RUST_LOG=debug only).
pub fn served(response: &Response, started: std::time::Instant) {
    CURRENT.with(|tag| {
        tracing::debug!(request = %tag, status = response.status().as_u16(),
            micros = started.elapsed().as_micros() as u64, "request served");
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_id_has_the_uuid_form() {
        let id = fresh_id();
        let text = id.to_str().unwrap();
        assert_eq!(text.len(), 36);
        assert_eq!(text.matches('-').count(), 4);
        assert_ne!(fresh_id(), id);
    }
}
