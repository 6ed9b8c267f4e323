//! The one error type of the HTTP layer and its problem+json form.
//!
//! Every error response is `application/problem+json` with a stable `code`
//! (the table in docs/API.md). An engine error's status and code come from
//! `Error::problem` (src/error.rs); internal failures are logged by
//! `into_response` with the request's span, never shown in detail to clients.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::dto::ReservationDto;
use super::lang::Lang;
use crate::domain::{Error, Outcome};

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug)]
pub enum ApiError {
    /// An engine or store answer; mapped by `Error`'s variant.
    Engine(Error),
    /// 400 invalid_request: malformed JSON, wrong types, bad ids or cards.
    BadRequest(String),
    /// 401 unauthenticated: missing, forged, expired or wrong-kind token.
    Unauthenticated(&'static str),
    /// 403 forbidden: the role may not do this.
    Forbidden(&'static str),
    /// 404 not_found.
    NotFound,
    /// 404 unknown_event: staff named an event that does not exist.
    UnknownEvent,
    /// 403 outside_org: the event exists, but not for this staff member's union.
    OutsideOrg,
    /// 403 not_eligible at a station: the member register puts the card
    /// outside the sale's union (named).
    NotEligibleFor(crate::domain::OrgPath),
    /// 413 payload_too_large.
    PayloadTooLarge,
    /// 429 rate_limited, with Retry-After in seconds.
    RateLimited { retry_after: u64 },
    /// 503 overloaded (load shed or request timeout), with Retry-After.
    Overloaded,
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        Self::Engine(e)
    }
}

/// Seconds a client should wait after a 503.
const RETRY_AFTER_UNAVAILABLE: u64 = 1;

impl ApiError {
    /// The outcome (status, code and words: src/domain/outcome.rs), detail
    /// and extra members of the problem document.
    fn parts(&self) -> (Outcome, String, Value) {
        use Outcome as O;
        let none = Value::Null;
        match self {
            Self::BadRequest(m) => (O::InvalidRequest, m.clone(), none),
            Self::Unauthenticated(m) => (O::Unauthenticated, (*m).into(), none),
            Self::Forbidden(m) => (O::Forbidden, (*m).into(), none),
            Self::NotFound => (O::NotFound, "no such resource".into(), none),
            // Unfolded: the station's routes tell an unknown sale apart.
            Self::UnknownEvent => (O::UnknownEvent, "no such event".into(), none),
            Self::OutsideOrg => (
                O::OutsideOrg,
                "this sale is not for your union's members".into(),
                none,
            ),
            Self::NotEligibleFor(org) => (
                O::NotEligible,
                format!(
                    "this sale is for members of {}; the member register puts this card in another union",
                    org.as_str()
                ),
                json!({ "org": org.as_str(), "register": "known" }),
            ),
            Self::PayloadTooLarge => (O::PayloadTooLarge, "request body too large".into(), none),
            Self::RateLimited { .. } => (
                O::RateLimited,
                "too many requests; retry later".into(),
                none,
            ),
            Self::Overloaded => (
                O::Overloaded,
                "the service is busy; retry shortly".into(),
                none,
            ),
            Self::Engine(e) => {
                let detail = match e {
                    Error::Unavailable(_) | Error::CodeTaken => {
                        "the ticket store is unavailable; retry shortly".into()
                    }
                    Error::Corrupt(_) => "internal error; staff have been alerted".into(),
                    _ => e.to_string(),
                };
                (e.outcome().row().problem, detail, engine_extra(e))
            }
        }
    }

    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after } => Some(*retry_after),
            Self::Overloaded => Some(RETRY_AFTER_UNAVAILABLE),
            Self::Engine(e) if e.problem().status == 503 => Some(RETRY_AFTER_UNAVAILABLE),
            _ => None,
        }
    }
}

/// A problem document for `outcome`, as every error body is: its status and
/// code, and its title and detail in the request's language.
pub fn problem(outcome: Outcome, detail: &str, extra: Value, retry_after: Option<u64>) -> Response {
    let row = outcome.row();
    let status = StatusCode::from_u16(row.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let code = row.code;
    // Written by hand rather than through a `json!` map: every refused grab
    // of a flood ends here. Strings are escaped into the body in place.
    // In the request's language (src/http/lang.rs); the code stays.
    let (title, zh_detail) = match super::request_id::lang() {
        // An invalid request says why, in Chinese when the reason is known.
        Lang::Zh if outcome == Outcome::InvalidRequest => (
            row.title_zh,
            Some(std::borrow::Cow::Owned(
                match crate::domain::reason_zh(detail) {
                    Some(zh) => zh,
                    None => format!("请求有误：{detail}"),
                },
            )),
        ),
        Lang::Zh => (
            row.title_zh,
            Some(outcome.detail_zh(|name| extra[name].to_string())),
        ),
        Lang::En => (status.canonical_reason().unwrap_or("Error"), None),
    };
    let mut body = String::with_capacity(256);
    body.push_str("{\"type\":\"https://ticketgrab.example/problems/");
    push_json_text(&mut body, code);
    body.push_str("\",\"title\":");
    push_json_str(&mut body, title);
    body.push_str(",\"status\":");
    body.push_str(status.as_str());
    body.push_str(",\"code\":");
    push_json_str(&mut body, code);
    body.push_str(",\"detail\":");
    match &zh_detail {
        Some(zh) => {
            push_json_str(&mut body, zh);
            body.push_str(",\"detail_en\":");
            push_json_str(&mut body, detail);
        }
        None => push_json_str(&mut body, detail),
    }
    if let Value::Object(extra) = extra {
        for (key, value) in extra {
            body.push(',');
            push_json_str(&mut body, &key);
            body.push(':');
            body.push_str(&value.to_string());
        }
    }
    body.push('}');
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if let Some(secs) = retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// `s` as a JSON string, quotes included.
fn push_json_str(body: &mut String, s: &str) {
    body.push('"');
    push_json_text(body, s);
    body.push('"');
}

/// `s` escaped as the inside of a JSON string (RFC 8259: the quote, the
/// backslash and the control characters; what serde_json escapes).
fn push_json_text(body: &mut String, s: &str) {
    use std::fmt::Write as _;
    let mut rest = s;
    while let Some(at) = rest.find(|c: char| c == '"' || c == '\\' || c < ' ') {
        body.push_str(&rest[..at]);
        let c = rest[at..].chars().next().expect("found at `at`");
        match c {
            '"' => body.push_str("\\\""),
            '\\' => body.push_str("\\\\"),
            '\n' => body.push_str("\\n"),
            '\r' => body.push_str("\\r"),
            '\t' => body.push_str("\\t"),
            c => {
                let _ = write!(body, "\\u{:04x}", u32::from(c));
            }
        }
        rest = &rest[at + c.len_utf8()..];
    }
    body.push_str(rest);
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (outcome, detail, extra) = self.parts();
        if let Self::Engine(e) = &self
            && e.is_internal()
        {
            // The detail stays in the log, not in the response; a store
            // that keeps failing (a full disk) is a line every 10 s with
            // the count of refusals left out, not a line per request.
            static REPEATS: super::throttle::Throttle =
                super::throttle::Throttle::new(std::time::Duration::from_secs(10));
            if let Some(left_out) = REPEATS.allow() {
                let request = super::request_id::current();
                tracing::error!(code = e.code(), error = %e, request = ?request.map(|r| r.to_string()), left_out, "store failure");
            }
        }
        problem(outcome, &detail, extra, self.retry_after())
    }
}

/// The extra members an engine error carries: the ticket, the opening time, ...
fn engine_extra(e: &Error) -> Value {
    let reservation =
        |r: &crate::domain::Reservation| json!({ "reservation": ReservationDto::from(r) });
    match e {
        Error::NotOpen {
            opens_at,
            server_time,
        } => json!({ "opens_at": opens_at, "server_time": server_time }),
        Error::AlreadyRedeemed(r) => {
            let mut extra = reservation(r);
            extra["redeemed_at"] = json!(r.redeemed_at);
            extra
        }
        Error::Cancelled(r) => reservation(r),
        Error::BelowZero { remaining } => json!({ "remaining": remaining }),
        Error::TooManySeats { max } => json!({ "max_seats": max }),
        Error::PaymentMismatch { due } => json!({ "amount_due_fen": due }),
        Error::NotPaid(r) | Error::HoldExpired(r) | Error::NoShow(r) | Error::AlreadyHolding(r) => {
            reservation(r)
        }
        Error::AlreadyWaiting(w) => json!({
            "waiting": super::dto::WaitingDto::from(&**w)
        }),
        Error::NotSoldOut(pool) => json!({ "pool": pool }),
        Error::BadCutoff { closes_at } => json!({ "closes_at": closes_at }),
        Error::AboveLimit { total, max } => json!({ "total": total, "max": max }),
        Error::DrawNotDue(why) => json!({ "reason": why }),
        Error::NotArchivable(why) => json!({ "reason": why }),
        Error::ProgramCap { held, cap } => json!({ "held": held, "cap": cap }),
        Error::PublicValueSet(value) => json!({ "public_value": value }),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_json() {
        let texts = [
            "plain",
            "",
            "a \"quoted\" word",
            "back\\slash",
            "line\nbreak\r\ttab",
            "\u{0}\u{8}\u{c}\u{1f} controls",
            "已售罄：本活动的票已经抢完了。",
            "\"",
        ];
        for text in texts {
            let mut body = String::new();
            push_json_str(&mut body, text);
            let back: String = serde_json::from_str(&body).expect(&body);
            assert_eq!(back, text, "{body}");
        }
    }
}
