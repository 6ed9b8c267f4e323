//! The member register over HTTP: the federation's staff import it as CSV
//! (a district's may not), a station is refused a card the register puts in
//! another union and told when a card is not in it, and no answer repeats a
//! card number.

use axum::http::{Method, StatusCode};
use serde_json::json;
use ticketgrab::domain::Millis;

use testkit::app::event_body;
use testkit::card;
use testkit::router::{Answer, TestRouter};

async fn import(r: &TestRouter, token: &str, csv: &str) -> Answer {
    import_in(r, token, csv, "en").await
}

async fn import_in(r: &TestRouter, token: &str, csv: &str, lang: &str) -> Answer {
    let bearer = format!("Bearer {token}");
    let headers = [
        ("authorization", bearer.as_str()),
        ("content-type", "text/csv; charset=utf-8"),
        ("accept-language", lang),
    ];
    r.send_with_headers(Method::POST, "/api/v1/admin/register", &headers, Some(csv))
        .await
}

fn register() -> String {
    format!(
        "card,org,groups\n{},bj/chaoyang/jianwai,hardship\n{},bj/dongcheng,\n{}9,bj,\n",
        card(1).digits(),
        card(2).digits(),
        card(3).digits(),
    )
}

#[tokio::test]
async fn the_federation_imports_and_looks_up_its_register() {
    let r = TestRouter::new(&[]);
    let admin = r.admin("bj");
    let answer = import(&r, &admin, &register()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["rows"], 3);
    assert_eq!(answer.body["added"], 2);
    assert_eq!(answer.body["members"], 2);
    assert_eq!(answer.body["errors"][0]["line"], 4);
    let text = answer.body.to_string();
    assert!(!text.contains(card(3).digits()), "{text}");
    let reason = &answer.body["errors"][0]["reason"];
    assert_eq!(reason, "card number must have 16 to 19 digits");
    // In Chinese, each line's reason too.
    let zh = import_in(&r, &admin, &register(), "zh-CN").await;
    assert_eq!(zh.body["errors"][0]["reason"], "卡号应为16至19位数字。");

    let summary = r.get("/api/v1/admin/register/summary", &admin).await;
    assert_eq!(summary.body, json!({"members": 2}));
    let found = r
        .post(
            "/api/v1/admin/register/lookup",
            &admin,
            json!({"card": card(1).digits()}),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.body["known"], true);
    assert_eq!(found.body["org"], "bj/chaoyang/jianwai");
    assert_eq!(found.body["groups"], json!(["hardship"]));
    assert_eq!(found.body["card"], card(1).masked().as_str());
    let unknown = r
        .post(
            "/api/v1/admin/register/lookup",
            &admin,
            json!({"card": card(5).digits()}),
        )
        .await;
    assert_eq!(unknown.body["known"], false);
}

#[tokio::test]
async fn only_the_federation_s_admins_touch_the_register_and_only_as_csv() {
    let r = TestRouter::new(&[]);
    import(&r, &r.admin("bj/chaoyang"), &register())
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    import(&r, &r.station("bj"), &register())
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    r.get("/api/v1/admin/register/summary", &r.admin("bj/haidian"))
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    let admin = r.admin("bj");
    r.post("/api/v1/admin/register", &admin, json!({"card": "1"}))
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_request");
    import(&r, &admin, "card;org;groups\n")
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_request");
    let summary = r.get("/api/v1/admin/register/summary", &admin).await;
    assert_eq!(summary.body, json!({"members": 0}));
}

#[tokio::test]
async fn a_station_checks_a_card_the_register_knows_and_says_when_it_does_not() {
    let r = TestRouter::new(&[]);
    let now = Millis::now().0;
    let sale = event_body(
        "chaoyang",
        "bj/chaoyang",
        &[("p", 5)],
        now - 1_000,
        now + 3_600_000,
    );
    let created = r.post("/api/v1/admin/events", &r.admin("bj"), sale).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    import(&r, &r.admin("bj"), &register()).await;
    let station = r.station("bj/chaoyang");
    let issue = |n: u64| json!({"event": "chaoyang", "pool": "p", "card": card(n).digits()});

    // Card 2 is Dongcheng's: refused, the sale's union named.
    let refused = r.post("/api/v1/station/issue", &station, issue(2)).await;
    let problem = refused.problem(StatusCode::FORBIDDEN, "not_eligible");
    assert_eq!(problem["org"], "bj/chaoyang");
    assert_eq!(problem["register"], "known");
    // Card 1 is Jianwai's, under Chaoyang: issued, the register known.
    let issued = r.post("/api/v1/station/issue", &station, issue(1)).await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);
    assert_eq!(issued.headers["tg-register"], "known");
    assert!(!issued.body.to_string().contains("hardship"));
    // Card 7 is not in the register: the station vouches, and is told.
    let vouched = r.post("/api/v1/station/issue", &station, issue(7)).await;
    assert_eq!(vouched.status, StatusCode::CREATED, "{}", vouched.body);
    assert_eq!(vouched.headers["tg-register"], "unknown");

    // The register changes; a ticket already held is still redeemed.
    let moved = format!("card,org,groups\n{},bj/haidian,\n", card(1).digits());
    import(&r, &r.admin("bj"), &moved).await;
    let redeem = json!({"event": "chaoyang", "card": card(1).digits()});
    let redeemed = r.post("/api/v1/station/redeem", &station, redeem).await;
    assert_eq!(redeemed.status, StatusCode::OK, "{}", redeemed.body);
}
