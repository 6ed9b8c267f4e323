//! Token attacks: each must be refused without touching anything.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::json;
use ticketgrab::config::{DEV_MEMBER_SECRET, DEV_STAFF_SECRET};
use ticketgrab::domain::{Millis, OrgPath};
use ticketgrab::tokens::{MemberClaims, Minter};

use testkit::app::{assert_problem, spawn_app};
use testkit::card;

fn claims(exp: i64, iss: &str) -> MemberClaims {
    MemberClaims {
        sub: card(1).digits().to_owned(),
        org: "bj/x".into(),
        groups: Vec::new(),
        iss: iss.into(),
        exp: exp as u64,
    }
}

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

#[tokio::test]
async fn forged_expired_and_misdirected_tokens_are_refused() {
    let app = spawn_app().await;
    app.create_open_event("park", &[("pass", 5)]).await;
    let later = Millis::now().0 / 1000 + 3600;
    let grab = json!({"pool": "pass"});
    let alg_none = format!(
        "{}.{}.",
        b64(r#"{"alg":"none","typ":"JWT"}"#),
        b64(&serde_json::to_string(&claims(later, "12351")).unwrap())
    );
    let other_alg = jsonwebtoken::encode(
        &Header::new(Algorithm::HS384),
        &claims(later, "12351"),
        &EncodingKey::from_secret(DEV_MEMBER_SECRET.as_bytes()),
    )
    .unwrap();
    let wrong_secret = Minter::new("not the secret", DEV_STAFF_SECRET, "12351").member(
        &card(1),
        &OrgPath::parse("bj/x").unwrap(),
        3600,
    );
    let expired = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(later - 7200, "12351"),
        &EncodingKey::from_secret(DEV_MEMBER_SECRET.as_bytes()),
    )
    .unwrap();
    let wrong_issuer = Minter::new(DEV_MEMBER_SECRET, DEV_STAFF_SECRET, "someone-else").member(
        &card(1),
        &OrgPath::parse("bj/x").unwrap(),
        3600,
    );
    let bad_card = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &MemberClaims {
            sub: "6217000000000000001".into(),
            ..claims(later, "12351")
        },
        &EncodingKey::from_secret(DEV_MEMBER_SECRET.as_bytes()),
    )
    .unwrap();
    let staff_on_member_route = app.admin("bj");
    for (what, token) in [
        ("alg none", alg_none),
        ("HS384", other_alg),
        ("wrong secret", wrong_secret),
        ("expired", expired),
        ("wrong issuer", wrong_issuer),
        ("bad card", bad_card),
        ("staff token", staff_on_member_route),
        ("garbage", "not.a.token".into()),
    ] {
        let got = app.grab(&token, "park", grab.clone()).await;
        assert_eq!(got.0, StatusCode::UNAUTHORIZED, "{what}: {}", got.1);
        assert_problem(got, StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    let (status, headers, _) = app
        .request(reqwest::Method::GET, "/api/v1/events", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers["content-type"], "application/problem+json");
    let (_, event) = app.get("/api/v1/events/park", &app.member(1, "bj/x")).await;
    assert_eq!(event["pools"][0]["remaining"], 5, "nothing was taken");
}

#[tokio::test]
async fn staff_reach_only_their_role_and_their_org() {
    let app = spawn_app().await;
    let now = Millis::now().0;
    app.create_event(
        "chaoyang-sale",
        "bj/chaoyang",
        &[("p", 5)],
        now - 1_000,
        now + 60_000,
    )
    .await;
    let member = app.member(1, "bj/chaoyang");
    assert_problem(
        app.get("/api/v1/admin/events", &member).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
    assert_problem(
        app.post(
            "/api/v1/station/redeem",
            &member,
            json!({"event": "chaoyang-sale", "code": "ZZZZZZZZZZZZ"}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
    let station = app.station("bj/chaoyang");
    assert_problem(
        app.get("/api/v1/admin/events", &station).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_problem(
        app.post(
            "/api/v1/admin/events/chaoyang-sale/pause",
            &station,
            json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let other_org = app.admin("bj/haidian");
    assert_problem(
        app.get("/api/v1/admin/events/chaoyang-sale", &other_org)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_problem(
        app.post(
            "/api/v1/admin/events/chaoyang-sale/pause",
            &other_org,
            json!({}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_problem(
        app.get("/api/v1/admin/events/chaoyang-sale/audit", &other_org)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let (_, list) = app.get("/api/v1/admin/events", &other_org).await;
    assert_eq!(list["events"], json!([]));
    let other_station = app.station("bj/haidian");
    assert_problem(
        app.post(
            "/api/v1/station/issue",
            &other_station,
            json!({"event": "chaoyang-sale", "pool": "p", "card": card(3).digits()}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "outside_org",
    );
    let body = testkit::app::event_body("mine", "bj/chaoyang", &[("p", 1)], now, now + 60_000);
    assert_problem(
        app.post("/api/v1/admin/events", &other_org, body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let (_, detail) = app
        .get(
            "/api/v1/admin/events/chaoyang-sale",
            &app.admin("bj/chaoyang"),
        )
        .await;
    assert_eq!(detail["sale_status"], "open", "nothing was paused");
}

/// Each refusal says why, so a member or a support call can tell an expired
/// sign-in from a forged or mangled token.
#[tokio::test]
async fn each_refused_token_says_why() {
    let app = spawn_app().await;
    let sign = |c: &MemberClaims, secret: &str| {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            c,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    };
    let now = Millis::now().0 / 1000;
    let cases = [
        (
            sign(&claims(now - 3_600, "12351"), DEV_MEMBER_SECRET),
            "has expired",
        ),
        (
            sign(&claims(now + 600, "12351"), "someone else's secret"),
            "signature does not verify",
        ),
        (
            sign(&claims(now + 600, "elsewhere"), DEV_MEMBER_SECRET),
            "issuer",
        ),
        ("x".repeat(5_000), "too long"),
        ("not-a-token".to_owned(), "not a JWT"),
    ];
    for (token, words) in cases {
        let got = app.get("/api/v1/me/reservations", &token).await;
        let body = assert_problem(got, StatusCode::UNAUTHORIZED, "unauthenticated");
        let detail = body["detail_en"]
            .as_str()
            .or(body["detail"].as_str())
            .unwrap_or_default();
        assert!(detail.contains(words), "{words}: {body}");
    }
}
