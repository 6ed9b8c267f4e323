//! A JSON extractor whose rejections are problem documents like every other
//! error: 400 invalid_request for malformed bodies, 413 when too large.
//!
//! The rejection says what was wrong in our words — where, and what was
//! expected — and never repeats a value or a key from the request: a card
//! number sent as a JSON number, or as the name of an unknown field, must not
//! come back in an error body or reach a log.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::error::ApiError;

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::PayloadTooLarge)
            }
            Err(rejection) => Err(ApiError::BadRequest(in_our_words(&rejection))),
        }
    }
}

fn in_our_words(rejection: &JsonRejection) -> String {
    use std::error::Error as _;
    match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            "the body must be JSON (Content-Type: application/json)".into()
        }
        JsonRejection::JsonSyntaxError(_) => "the body is not valid JSON".into(),
        JsonRejection::JsonDataError(e) => {
            // serde_json's message, e.g. "invalid type: integer `6217...`,
            // expected a string at line 1 column 30", holds the value. Keep
            // only what was expected (our own schema's words) and the place.
            let source = e.source().map(ToString::to_string).unwrap_or_default();
            describe_data_error(&source)
        }
        _ => "the body could not be read".into(),
    }
}

/// Our words for a serde data error: which field (by path, from our schema),
/// what was expected, and the position; no value of the request.
fn describe_data_error(serde: &str) -> String {
    // axum prefixes the field path: "card: invalid type: ...". Paths name our
    // fields, except an unknown field's own name, which is never a path.
    let (path, message) = match serde.split_once(": ") {
        Some((path, rest)) if is_path(path) => (Some(path), rest),
        _ => (None, serde),
    };
    let at = message
        .rfind(" at line ")
        .map(|i| &message[i + 1..])
        .filter(|pos| pos.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' '));
    let what = if message.starts_with("unknown field") {
        let allowed = message
            .split_once("expected one of ")
            .map(|(_, list)| list.split(" at line ").next().unwrap_or(list))
            .filter(|list| is_field_list(list));
        match allowed {
            Some(list) => format!("a field this request does not take; it takes {list}"),
            None => "a field this request does not take".into(),
        }
    } else if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
        .filter(|f| is_path(f))
    {
        format!("the field `{field}` is missing")
    } else if let Some(expected) = message.split_once(", expected ").map(|(_, e)| e) {
        let expected = expected.split(" at line ").next().unwrap_or(expected);
        if expected.len() <= 60 && !expected.bytes().any(|b| b.is_ascii_digit()) {
            format!("a value of the wrong type or form; expected {expected}")
        } else {
            "a value of the wrong type or form".into()
        }
    } else {
        "a value of the wrong type or form".into()
    };
    let mut out = String::from("the body has ");
    out.push_str(&what);
    if let Some(path) = path {
        out.push_str(&format!(" (at `{path}`)"));
    }
    if let Some(at) = at {
        out.push_str(&format!(" {at}"));
    }
    out
}

/// A field path as serde_path_to_error spells it from our own schema:
/// `card`, `pools[0].total`, `.` for the whole body.
fn is_path(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b == b'_'
                || b == b'.'
                || b == b'['
                || b == b']'
                || b.is_ascii_digit()
        })
        && !s.bytes().all(|b| b.is_ascii_digit())
        && s.bytes().filter(u8::is_ascii_digit).count() <= 4
}

/// "`event`, `pool`, `choices`, `card`": names of our own fields only.
fn is_field_list(s: &str) -> bool {
    s.split(", ").all(|f| {
        f.len() >= 2 && f.starts_with('`') && f.ends_with('`') && is_path(&f[1..f.len() - 1])
    })
}

/// An integer field that also takes a JSON number with a zero fraction
/// (`171.0`, `1e3`): JSON Schema's `integer`, which the OpenAPI document
/// promises and some clients send. `171.5` is still refused.
pub fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    struct Whole;
    impl serde::de::Visitor<'_> for Whole {
        type Value = i64;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number")
        }

        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }

        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(|_| E::custom("a whole number in range"))
        }

        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<i64, E> {
            // Within ±2^53 every whole f64 is exact and fits an i64.
            if v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0 {
                Ok(v as i64)
            } else {
                Err(E::invalid_type(serde::de::Unexpected::Float(v), &self))
            }
        }
    }
    d.deserialize_any(Whole)
}

/// [`whole_number`] for an optional field (with `#[serde(default)]`).
pub fn optional_whole_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<i64>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Whole(#[serde(deserialize_with = "whole_number")] i64);
    Ok(<Option<Whole> as serde::Deserialize>::deserialize(d)?.map(|Whole(n)| n))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARD: &str = "6217000010000044449";

    #[test]
    fn an_integer_field_takes_a_whole_float_and_refuses_a_fraction() {
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(deserialize_with = "whole_number")]
            n: i64,
        }
        let n = |json: &str| serde_json::from_str::<Body>(json).map(|b| b.n).ok();
        assert_eq!(n(r#"{"n": 171}"#), Some(171));
        assert_eq!(n(r#"{"n": -171.0}"#), Some(-171));
        assert_eq!(n(r#"{"n": 1e3}"#), Some(1000));
        assert_eq!(n(r#"{"n": 171.5}"#), None);
        assert_eq!(n(r#"{"n": 1e300}"#), None);
        assert_eq!(n(r#"{"n": "171"}"#), None);
    }

    #[test]
    fn a_card_sent_as_a_number_is_not_repeated() {
        let serde =
            format!("card: invalid type: integer `{CARD}`, expected a string at line 1 column 40");
        let ours = describe_data_error(&serde);
        assert!(!ours.contains(CARD), "{ours}");
        assert_eq!(
            ours,
            "the body has a value of the wrong type or form; expected a string (at `card`) at line 1 column 40"
        );
    }

    #[test]
    fn an_unknown_field_is_not_named_but_the_known_ones_are() {
        let serde = format!(
            "unknown field `{CARD}`, expected one of `event`, `pool`, `choices`, `card` at line 1 column 30"
        );
        let ours = describe_data_error(&serde);
        assert!(!ours.contains(CARD), "{ours}");
        assert!(
            ours.contains("it takes `event`, `pool`, `choices`, `card`"),
            "{ours}"
        );
    }

    #[test]
    fn a_missing_field_is_named() {
        let ours = describe_data_error("missing field `card` at line 1 column 2");
        assert!(ours.contains("the field `card` is missing"), "{ours}");
    }
}
