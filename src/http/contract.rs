//! What the OpenAPI document must say that the handlers' annotations do not:
//! the rules the server checks (slug patterns, lengths, ranges, "exactly one
//! of"), that every error is `application/problem+json` and which errors any
//! route can give, and the shape of a server-sent event. Schemathesis fuzzes
//! the server from this document in CI (`.ci/schemathesis/run.sh`), so a rule
//! the server checks and the document does not say fails there.
//!
//! Two rules JSON Schema cannot say are in the descriptions and in the
//! fuzzer's hooks: a card number's Luhn check digit (format `union-card`) and,
//! when creating an event, `opens_at` before `closes_at` and pool ids unique.

use serde_json::{Map, Value, json};

use crate::domain::{MAX_NOTES_CHARS, MAX_POOL_TOTAL, MAX_POOLS, MAX_SEATS, MAX_TITLE_CHARS};
use crate::engine::{MAX_AMOUNT_FEN, MAX_CHOICES};

/// `EventId::parse`: a slug of at most 40.
const EVENT_ID: &str = "^[a-z0-9][a-z0-9_-]{0,39}$";
/// `PoolId::parse`: a slug of at most 32.
const POOL_ID: &str = "^[a-z0-9][a-z0-9_-]{0,31}$";
/// `OrgPath::parse`: one to three slugs of at most 32, joined by `/`.
const ORG: &str = "^[a-z0-9][a-z0-9_-]{0,31}(/[a-z0-9][a-z0-9_-]{0,31}){0,2}$";
/// `Code::parse`: 12 characters of Crockford base32, either case.
const CODE: &str = "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{12}$";
/// `check_title`: no control character, and not only white space.
const TITLE: &str =
    "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$";
/// `Details::validate`'s notes: as a title, and line breaks allowed.
const NOTES: &str = "^[^\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f]*$";
/// `CardNumber::parse`: 16 to 19 digits after any leading zeros, at most 64
/// digits in all; ASCII or full-width digits; spaces (also U+3000) and hyphens
/// (also U+FF0D) anywhere. One alternative per length, since the leading zeros
/// allowed depend on it.
fn card_pattern() -> String {
    let sep = r"[ \u3000\uff0d-]*";
    let alternatives: Vec<String> = (16..=19)
        .map(|n| {
            format!(
                r"(?:[0\uff10]{sep}){{0,{zeros}}}[1-9\uff11-\uff19]{sep}(?:[0-9\uff10-\uff19]{sep}){{{rest}}}",
                zeros = 64 - n,
                rest = n - 1
            )
        })
        .collect();
    format!("^{sep}(?:{})$", alternatives.join("|"))
}

pub fn tighten(doc: &mut Value) {
    for (path, item) in object(&mut doc["paths"]) {
        for (_, op) in object(item) {
            errors(path, op);
            let params = op.get_mut("parameters").and_then(Value::as_array_mut);
            for param in params.into_iter().flatten() {
                if let Some(p) = slug_pattern(param["name"].as_str().unwrap_or_default()) {
                    param["schema"]["pattern"] = json!(p);
                }
            }
        }
    }
    let schemas = &mut doc["components"]["schemas"];
    schemas["LookupBody"]["properties"]["card"] = card(false);
    grab_choices(&mut schemas["GrabBody"]);
    grab_choices(&mut schemas["StationIssueBody"]);
    grab_choices(&mut schemas["WaitBody"]);
    let issue = &mut schemas["StationIssueBody"]["properties"];
    issue["event"]["pattern"] = json!(EVENT_ID);
    issue["card"] = card(false);
    let redeem = &mut schemas["RedeemBody"];
    redeem["properties"]["event"]["pattern"] = json!(EVENT_ID);
    redeem["properties"]["code"]["pattern"] = json!(CODE);
    redeem["properties"]["card"] = card(true);
    redeem["oneOf"] = exactly_one_of("code", "string", "card", "string");
    let event = &mut schemas["CreateEventBody"];
    event["description"] = json!(
        "A new sale. Also checked: `opens_at` is before `closes_at`, pool ids are unique, \
         a free sale (`price_fen` 0) has no payment hold, and no `starts_at` (the \
         event's or a pool's) is before `opens_at`."
    );
    let p = &mut event["properties"];
    p["id"]["pattern"] = json!(EVENT_ID);
    p["title"] = title();
    details(p);
    p["org"]["pattern"] = json!(ORG);
    p["price_fen"]["minimum"] = json!(0);
    seats(&mut p["max_seats"]);
    p["hold_minutes"]["minimum"] = json!(0);
    p["hold_minutes"]["maximum"] = json!(24 * 60);
    p["pools"]["minItems"] = json!(1);
    p["pools"]["maxItems"] = json!(MAX_POOLS);
    let mut source = title();
    source["type"] = json!(["string", "null"]);
    p["public_source"] = source;
    event["description"] = json!(format!(
        "{} A lottery (`mode` lottery) needs `draw_at` (not before `closes_at`) and \
         `public_source`; a race has neither.",
        event["description"].as_str().unwrap_or_default()
    ));
    event["if"] = json!({ "required": ["mode"], "properties": { "mode": { "const": "lottery" } } });
    event["then"] = json!({
        "required": ["draw_at", "public_source"],
        "properties": { "draw_at": { "type": "string" }, "public_source": { "type": "string" } }
    });
    event["else"] = json!({
        "properties": { "draw_at": { "type": "null" }, "public_source": { "type": "null" } }
    });
    schemas["PublicValueBody"]["properties"]["value"] = title();
    let program = &mut schemas["CreateProgramBody"];
    program["description"] = json!(
        "A new program. Also checked: `starts_at` is before `ends_at`; the staff's org \
         holds `org`."
    );
    let p = &mut program["properties"];
    p["id"]["pattern"] = json!(EVENT_ID);
    p["title"] = title();
    p["org"]["pattern"] = json!(ORG);
    p["cap"]["minimum"] = json!(1);
    p["cap"]["maximum"] = json!(crate::domain::MAX_CAP);
    p["draw_order"] =
        json!({ "type": ["string", "null"], "enum": ["rank", "fewer_wins_first", null] });
    schemas["CreateEventBody"]["properties"]["program"]["pattern"] = json!(EVENT_ID);
    let pool = &mut schemas["CreatePoolBody"]["properties"];
    pool["id"]["pattern"] = json!(POOL_ID);
    pool["title"] = title();
    details(pool);
    pool["total"]["minimum"] = json!(1);
    pool["total"]["maximum"] = json!(MAX_POOL_TOTAL);
    pool["shares"]["maxItems"] = json!(crate::domain::MAX_KEPT);
    pool["allotments"]["maxItems"] = json!(crate::domain::MAX_KEPT);
    schemas["CreatePoolBody"]["description"] = json!(
        "A pool. Also checked: its shares and allotments keep at least a seat each and \
         no more than `total` together, each group and union once, allotments for unions \
         under the sale's org and none within another, `allotments_release_at` with \
         allotments only, every release after `opens_at` and by `closes_at`, none on a \
         lottery or fair window."
    );
    let share = &mut schemas["ShareBody"]["properties"];
    share["group"]["pattern"] = json!("^[a-z][a-z0-9_]{0,31}$");
    share["seats"]["minimum"] = json!(1);
    share["seats"]["maximum"] = json!(MAX_POOL_TOTAL);
    let moved = &mut schemas["MoveBody"]["properties"];
    moved["from"]["pattern"] = json!("^(public|[sa][1-9][0-9]?)$");
    moved["to"]["pattern"] = json!("^(public|[sa][1-9][0-9]?)$");
    moved["seats"]["minimum"] = json!(1);
    moved["seats"]["maximum"] = json!(MAX_POOL_TOTAL);
    let allotment = &mut schemas["AllotmentBody"]["properties"];
    allotment["org"]["pattern"] = json!(ORG);
    allotment["seats"]["minimum"] = json!(1);
    allotment["seats"]["maximum"] = json!(MAX_POOL_TOTAL);
    let delta = &mut schemas["RestockBody"]["properties"]["delta"];
    delta["minimum"] = json!(-MAX_POOL_TOTAL);
    delta["maximum"] = json!(MAX_POOL_TOTAL);
    delta["not"] = json!({ "const": 0 });
    schemas["ConfirmedBody"]["properties"]["confirmed"]["items"]["pattern"] = json!(CODE);
    let notice = &mut schemas["Notice"];
    notice["description"] = json!(
        "A payment notification. Signed: the X-Payment-Signature header is sha256=<hex \
         HMAC-SHA256 of the body under the shared payment secret>, else 401."
    );
    let n = &mut notice["properties"];
    n["payment_id"]["pattern"] = json!("^[A-Za-z0-9_-]{1,64}$");
    n["event"]["pattern"] = json!(EVENT_ID);
    n["code"]["pattern"] = json!(CODE);
    n["amount_fen"]["minimum"] = json!(0);
    n["amount_fen"]["maximum"] = json!(MAX_AMOUNT_FEN);
    event_stream(doc);
}

fn object(v: &mut Value) -> impl Iterator<Item = (&String, &mut Value)> {
    v.as_object_mut().into_iter().flat_map(Map::iter_mut)
}

fn slug_pattern(param: &str) -> Option<&'static str> {
    match param {
        "event" | "program" => Some(EVENT_ID),
        "pool" => Some(POOL_ID),
        "code" => Some(CODE),
        _ => None,
    }
}

/// Every error answer is problem+json; and the errors any route can give are
/// listed: a malformed path or body (400), a missing or wrong token (401,
/// 403), an unknown event (404), a body over the limit (413), a rate limit
/// (429), overload or an unreachable store (503).
fn errors(path: &str, op: &mut Value) {
    let api = path.starts_with("/api/");
    let secured = op.get("security").is_some();
    let body = op.get("requestBody").is_some();
    let responses = &mut op["responses"];
    for (status, applies, words) in [
        (
            "400",
            api,
            "invalid_request: a malformed path, parameter or body",
        ),
        (
            "401",
            secured,
            "unauthenticated: no token, or a bad or expired one",
        ),
        (
            "403",
            secured,
            "forbidden: the token's role or org does not allow it",
        ),
        ("404", api, "not_found"),
        ("413", body, "payload_too_large"),
        ("429", true, "rate_limited, with Retry-After"),
        (
            "503",
            true,
            "overloaded or store_unavailable, with Retry-After",
        ),
    ] {
        if applies && responses.get(status).is_none() {
            responses[status] = json!({ "description": words });
        }
    }
    for (status, response) in object(responses) {
        if status.starts_with('4') || status.starts_with('5') {
            response["content"] = json!({
                "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } }
            });
        }
    }
}

/// A grab names one pool or ranked choices, never both.
fn grab_choices(body: &mut Value) {
    let p = &mut body["properties"];
    p["pool"]["pattern"] = json!(POOL_ID);
    let choices = &mut p["choices"];
    choices["items"]["pattern"] = json!(POOL_ID);
    choices["minItems"] = json!(1);
    choices["maxItems"] = json!(MAX_CHOICES);
    choices["uniqueItems"] = json!(true);
    seats(&mut p["seats"]);
    p["seats"]["description"] = json!(
        "Seats, all from one pool (default 1). More than the event's `max_seats` is \
         400 `too_many_seats` (with `max_seats`); a pool with fewer seats left is passed over."
    );
    let mut one_of = exactly_one_of("pool", "string", "choices", "array");
    // The branch repeats the list's rules: a generator that builds a body
    // from one branch must not list a pool twice either.
    let rules = p["choices"].clone();
    one_of[1]["properties"]["choices"] = rules;
    body["oneOf"] = one_of;
}

/// `a` (of type `ta`) or `b` (of type `tb`); the other absent or null.
fn exactly_one_of(a: &str, ta: &str, b: &str, tb: &str) -> Value {
    let branch = |given: &str, t: &str, other: &str| {
        json!({
            "required": [given],
            "properties": { given: { "type": t }, other: { "type": "null" } }
        })
    };
    json!([branch(a, ta, b), branch(b, tb, a)])
}

/// A seat count: 1 to [`MAX_SEATS`].
fn seats(v: &mut Value) {
    v["minimum"] = json!(1);
    v["maximum"] = json!(MAX_SEATS);
}

fn title() -> Value {
    json!({ "type": "string", "minLength": 1, "maxLength": MAX_TITLE_CHARS, "pattern": TITLE })
}

/// What tickets say (`Details`): optional, each checked when given.
fn details(p: &mut Value) {
    let text = |max: usize, pattern: &str, description: &Value| {
        json!({ "type": ["string", "null"], "minLength": 1, "maxLength": max,
                "pattern": pattern, "description": description })
    };
    for (name, max, pattern) in [
        ("title_en", MAX_TITLE_CHARS, TITLE),
        ("venue", MAX_TITLE_CHARS, TITLE),
        ("notes", MAX_NOTES_CHARS, NOTES),
    ] {
        let description = p[name]["description"].clone();
        p[name] = text(max, pattern, &description);
    }
}

fn card(nullable: bool) -> Value {
    json!({
        "type": if nullable { json!(["string", "null"]) } else { json!("string") },
        "format": "union-card",
        "pattern": card_pattern(),
        "description": "A union card number: 16 to 19 digits (leading zeros do not count) \
            ending in a valid Luhn check digit; spaces, hyphens and full-width digits \
            are accepted.",
    })
}

/// `/admin/stream` sends `stats` events whose data is the admin event list.
fn event_stream(doc: &mut Value) {
    let content = &mut doc["paths"]["/api/v1/admin/stream"]["get"]["responses"]["200"]["content"];
    content["text/event-stream"]["schema"] = json!({
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": { "const": "stats" },
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": { "$ref": "#/components/schemas/AdminEventList" }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CardNumber, with_check_digit};

    /// The card pattern accepts what `CardNumber::parse` accepts, Luhn aside.
    #[test]
    fn the_card_pattern_matches_the_parser() {
        let pattern = regex::Regex::new(&card_pattern()).unwrap();
        let card = with_check_digit("621700000000001");
        let zeros = |n: usize| "0".repeat(n);
        for (text, ok) in [
            (card.clone(), true),
            (format!("{} {}", &card[..4], &card[4..]), true),
            (format!("{}{card}", zeros(48)), true),
            (format!("{}{card}", zeros(49)), false),
            (format!("- {card}"), true),
            ("\u{ff16}\u{ff12}".to_owned() + &card[2..], true),
            (card[..15].to_owned(), false),
            (format!("{card}123"), true),
            (format!("{card}1234"), false),
            (format!("{card}x"), false),
        ] {
            let parsed = CardNumber::parse(&text).is_ok()
                || CardNumber::parse(&text).is_err_and(|e| e.to_string().contains("check digit"));
            assert_eq!(pattern.is_match(&text), ok, "pattern on {text:?}");
            assert_eq!(parsed, ok, "parser on {text:?}");
        }
    }
}
