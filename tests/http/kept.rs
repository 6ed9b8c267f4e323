//! Reserved shares and allotments over HTTP: staff set them on a pool and
//! see them live, a member's token's `groups` and union take from them, a
//! station's walk-up by the register, a member sees what they may take and
//! never whose seats they are; bad parts are refused and change nothing.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use ticketgrab::domain::{Group, Millis, OrgPath};

use testkit::app::event_body;
use testkit::card;
use testkit::router::TestRouter;

/// A sale `id` for all of `bj` with pool `p`: 1 seat for everyone, 2 for
/// `hardship` and 1 for Chaoyang's allotment, released in an hour.
fn sale(id: &str) -> Value {
    let now = Millis::now().0;
    let mut body = event_body(id, "bj", &[("p", 4)], now - 1_000, now + 7_200_000);
    let later = Millis(now + 3_600_000).rfc3339();
    body["pools"][0]["shares"] = json!([{"group": "hardship", "seats": 2, "release_at": later}]);
    body["pools"][0]["allotments"] = json!([{"org": "bj/chaoyang", "seats": 1}]);
    body["pools"][0]["allotments_release_at"] = json!(later);
    body
}

fn token_in(r: &TestRouter, n: u64, org: &str, groups: &[&str]) -> String {
    let groups: Vec<Group> = groups.iter().map(|g| Group::parse(g).unwrap()).collect();
    r.tokens
        .member_in(&card(n), &OrgPath::parse(org).unwrap(), &groups, 3_600)
}

async fn grab(r: &TestRouter, token: &str) -> (StatusCode, Value) {
    let a = r
        .post("/api/v1/events/k/reservations", token, json!({"pool": "p"}))
        .await;
    (a.status, a.body)
}

#[tokio::test]
async fn members_take_their_parts_and_see_only_what_they_may_take() {
    let r = TestRouter::new(&[]);
    let admin = r.admin("bj");
    let created = r.post("/api/v1/admin/events", &admin, sale("k")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let parts = &created.body["pools"][0]["parts"];
    assert_eq!(parts[0]["name"], "s1");
    assert_eq!(parts[0]["group"], "hardship");
    assert_eq!(parts[1]["name"], "a1");
    assert_eq!(parts[1]["org"], "bj/chaoyang");
    assert_eq!(parts[1]["left"], 1);

    let hardship = token_in(&r, 1, "bj/haidian", &["hardship"]);
    let plain = r.member(2, "bj/haidian");
    let chaoyang = r.member(3, "bj/chaoyang/jianwai");
    let remaining = |body: &Value| body["pools"][0]["remaining"].clone();
    let seen = r.get("/api/v1/events/k", &hardship).await;
    assert_eq!(remaining(&seen.body), 3, "everyone's and the share");
    assert_eq!(remaining(&r.get("/api/v1/events/k", &plain).await.body), 1);
    assert_eq!(
        remaining(&r.get("/api/v1/events/k", &chaoyang).await.body),
        2
    );

    let (status, ticket) = grab(&r, &hardship).await;
    assert_eq!(status, StatusCode::CREATED, "{ticket}");
    let text = ticket.to_string();
    assert!(
        !text.contains("hardship") && !text.contains("part"),
        "{text}"
    );
    assert_eq!(grab(&r, &plain).await.0, StatusCode::CREATED);
    // Everyone's seat is gone: the next Haidian member is sold out, while
    // Chaoyang's allotment still has its seat.
    let (status, body) = grab(&r, &r.member(4, "bj/haidian")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("sold_out"))
    );
    assert_eq!(grab(&r, &chaoyang).await.0, StatusCode::CREATED);
    let list = r.get("/api/v1/events", &r.member(5, "bj/haidian")).await;
    assert_eq!(list.body["events"][0]["pools"][0]["remaining"], 0);

    // A walk-up the register puts in `hardship` takes the share's last seat.
    let csv = format!(
        "card,org,groups\n{},bj/dongcheng,hardship\n",
        card(6).digits()
    );
    let bearer = format!("Bearer {admin}");
    let headers = [
        ("authorization", bearer.as_str()),
        ("content-type", "text/csv"),
    ];
    r.send_with_headers(Method::POST, "/api/v1/admin/register", &headers, Some(&csv))
        .await;
    let station = r.station("bj");
    let issue = |n: u64| json!({"event": "k", "pool": "p", "card": card(n).digits()});
    let issued = r.post("/api/v1/station/issue", &station, issue(6)).await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);
    let refused = r.post("/api/v1/station/issue", &station, issue(7)).await;
    refused.problem(StatusCode::CONFLICT, "sold_out");

    let view = r.get("/api/v1/admin/events/k", &admin).await;
    let parts = &view.body["pools"][0]["parts"];
    assert_eq!(
        (parts[0]["left"].clone(), parts[1]["left"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(view.body["pools"][0]["remaining"], 0);
    let audit = r.get("/api/v1/admin/events/k/audit", &admin).await;
    assert_eq!(audit.body["ok"], true, "{}", audit.body);
}

#[tokio::test]
async fn bad_parts_and_bad_groups_are_refused() {
    let r = TestRouter::new(&[]);
    let admin = r.admin("bj");
    let refused = |mut body: Value, edit: &dyn Fn(&mut Value)| {
        edit(&mut body["pools"][0]);
        body
    };
    let cases: Vec<Value> = vec![
        refused(sale("b1"), &|p| p["allotments_release_at"] = Value::Null),
        refused(sale("b2"), &|p| p["shares"][0]["seats"] = json!(9)),
        refused(sale("b3"), &|p| {
            p["allotments"][0]["org"] = json!("sh/pudong")
        }),
        refused(sale("b4"), &|p| p["shares"][0]["group"] = json!("Hardship")),
        refused(sale("b5"), &|p| {
            p["shares"][0]["release_at"] = json!("2020-01-01T00:00:00Z")
        }),
        refused(sale("b6"), &|p| {
            p["allotments"] = json!([]);
        }),
    ];
    for body in cases {
        let answer = r.post("/api/v1/admin/events", &admin, body.clone()).await;
        answer.problem(StatusCode::BAD_REQUEST, "invalid_request");
        let id = body["id"].as_str().unwrap();
        let gone = r.get(&format!("/api/v1/admin/events/{id}"), &admin).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND, "{id} was made");
    }
    // A token naming a group no name can be: refused, not ignored.
    let claims = ticketgrab::tokens::MemberClaims {
        sub: card(1).digits().to_owned(),
        org: "bj/x".into(),
        groups: vec!["Not A Group".into()],
        iss: "12351".into(),
        exp: Millis::now().0 as u64 / 1000 + 600,
    };
    let token = r.tokens.member_claims(&claims);
    let answer = r.get("/api/v1/events", &token).await;
    answer.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn the_contract_describes_shares_and_allotments() {
    let r = TestRouter::new(&[]);
    let doc = r.get("/api/v1/openapi.json", "").await.body;
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["ShareBody"]["properties"]["seats"]["minimum"], 1);
    assert!(
        schemas["ShareBody"]["required"].is_array(),
        "{}",
        schemas["ShareBody"]
    );
    assert!(schemas["AllotmentBody"]["required"].is_array());
    assert!(schemas["PartDto"]["properties"]["left"].is_object());
    let pool = &schemas["CreatePoolBody"]["properties"];
    assert!(pool["shares"]["items"].is_object(), "{pool}");
}

#[tokio::test]
async fn staff_move_seats_between_allotments() {
    let r = TestRouter::new(&[]);
    let admin = r.admin("bj");
    let now = Millis::now().0;
    let mut body = event_body("m", "bj", &[("p", 10)], now - 1_000, now + 7_200_000);
    body["pools"][0]["allotments"] =
        json!([{"org": "bj/chaoyang", "seats": 4}, {"org": "bj/haidian", "seats": 2}]);
    body["pools"][0]["allotments_release_at"] = json!(Millis(now + 3_600_000).rfc3339());
    let created = r.post("/api/v1/admin/events", &admin, body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let url = "/api/v1/admin/events/m/pools/p/move";
    let moved = r
        .post(url, &admin, json!({"from": "a1", "to": "a2", "seats": 3}))
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(
        (
            moved.body["from_left"].clone(),
            moved.body["to_left"].clone()
        ),
        (json!(1), json!(5))
    );
    let back = r
        .post(
            url,
            &admin,
            json!({"from": "a2", "to": "public", "seats": 1}),
        )
        .await;
    assert_eq!(back.body["to_left"], 5, "everyone's: 4 + 1");
    r.post(url, &admin, json!({"from": "a1", "to": "a2", "seats": 2}))
        .await
        .problem(StatusCode::CONFLICT, "below_zero");
    r.post(url, &admin, json!({"from": "a3", "to": "a2", "seats": 1}))
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_request");
    r.post(url, &admin, json!({"from": "a1", "to": "a1", "seats": 1}))
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_request");
    r.post(url, &admin, json!({"from": "a1", "to": "a2", "seats": 0}))
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_request");
    r.post(
        url,
        &r.station("bj"),
        json!({"from": "a1", "to": "a2", "seats": 1}),
    )
    .await
    .problem(StatusCode::FORBIDDEN, "forbidden");
    let view = r.get("/api/v1/admin/events/m", &admin).await;
    let parts = &view.body["pools"][0]["parts"];
    assert_eq!(
        (parts[0]["left"].clone(), parts[1]["left"].clone()),
        (json!(1), json!(4))
    );
    let audit = r.get("/api/v1/admin/events/m/audit", &admin).await;
    assert_eq!(audit.body["ok"], true, "{}", audit.body);
}
