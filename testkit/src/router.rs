//! The router on the memory store, without a socket: requests go in with
//! `tower::ServiceExt::oneshot`. For the cheap cases of HTTP behaviour
//! (errors, auth, validation); what needs Redis or a socket uses `app`.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::Value;
use ticketgrab::config::Config;
use ticketgrab::domain::Millis;
use ticketgrab::tokens::{Minter, Role};
use tower::ServiceExt;

use crate::app::event_body;

pub struct TestRouter {
    router: ticketgrab::http::Front,
    pub tokens: Minter,
}

/// An answer: status, content type, and the body as JSON (Null if it is not).
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
    pub headers: axum::http::HeaderMap,
}

impl TestRouter {
    /// The router of a memory-store service with these extra flags.
    pub fn new(flags: &[&str]) -> Self {
        let mut all = vec![
            "--ip-rate",
            "0",
            "--member-rate",
            "1000",
            "--member-burst",
            "1000",
        ];
        all.extend(flags);
        if !crate::names_a_store(flags) {
            all.push("--memory");
        }
        let config = Config::parse(&all).expect("test flags parse");
        let state = ticketgrab::startup::state(&config).expect("state builds");
        Self {
            router: ticketgrab::http::app(state),
            tokens: config.secrets.minter(),
        }
    }

    /// The n-th test member's token, valid an hour.
    pub fn member(&self, n: u64, org: &str) -> String {
        crate::member_token(&self.tokens, n, org)
    }

    pub fn admin(&self, org: &str) -> String {
        crate::staff_token(&self.tokens, Role::Admin, org)
    }

    pub fn station(&self, org: &str) -> String {
        crate::staff_token(&self.tokens, Role::Station, org)
    }

    /// A station token with its own staff id (another desk).
    pub fn station_as(&self, id: &str, org: &str) -> String {
        let org = ticketgrab::domain::OrgPath::parse(org).expect("a valid org");
        self.tokens.staff(id, Role::Station, &org, 3600)
    }

    /// Sends one request with a raw body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Answer {
        let bearer = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = bearer
            .iter()
            .map(|b| (header::AUTHORIZATION.as_str(), b.as_str()))
            .collect();
        self.send_with_headers(method, path, &headers, body).await
    }

    /// Sends one request with these headers and a raw JSON body.
    pub async fn send_with_headers(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let typed = headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
        if body.is_some() && !typed {
            req = req.header(header::CONTENT_TYPE, "application/json");
        }
        let req = req
            .body(Body::from(body.unwrap_or_default().to_owned()))
            .expect("a valid request");
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .expect("a body");
        Answer {
            status,
            content_type,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    /// A GET with this exact `Authorization` header value; the status.
    pub async fn send_with_auth(&self, path: &str, authorization: &str) -> StatusCode {
        let req = Request::builder()
            .uri(path)
            .header(header::AUTHORIZATION, authorization)
            .body(Body::empty())
            .expect("a valid request");
        self.router
            .clone()
            .oneshot(req)
            .await
            .expect("infallible")
            .status()
    }

    /// A GET whose answer is not JSON (a CSV export): its body as text;
    /// panics unless it is 200.
    pub async fn text(&self, path: &str, token: &str) -> String {
        let req = Request::builder()
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .expect("a valid request");
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        assert_eq!(resp.status(), StatusCode::OK, "GET {path}");
        let bytes = axum::body::to_bytes(resp.into_body(), 16 << 20)
            .await
            .expect("a body");
        String::from_utf8(bytes.to_vec()).expect("UTF-8")
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.send(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(token), Some(&body.to_string()))
            .await
    }

    /// Creates an event under `bj` open between the two instants.
    pub async fn create_event(&self, id: &str, pools: &[(&str, i64)], opens: i64, closes: i64) {
        let answer = self
            .post(
                "/api/v1/admin/events",
                &self.admin("bj"),
                event_body(id, "bj", pools, opens, closes),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    }

    /// Creates an event under `bj`, open from a second ago for an hour.
    pub async fn create_open_event(&self, id: &str, pools: &[(&str, i64)]) {
        let now = Millis::now().0;
        self.create_event(id, pools, now - 1_000, now + 3_600_000)
            .await;
    }
}

impl Answer {
    /// Asserts a problem document with this status and code; returns the body.
    pub fn problem(&self, status: StatusCode, code: &str) -> &Value {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.content_type, "application/problem+json");
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        assert_eq!(self.body["status"], status.as_u16());
        &self.body
    }
}
