//! HTTP behaviour that needs no Redis and no socket: errors, auth and
//! validation, on the router of a memory-store service.

use axum::http::{Method, StatusCode};
use serde_json::json;
use ticketgrab::domain::Millis;

use testkit::router::TestRouter;

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let r = TestRouter::new(&[]);
    r.send(Method::GET, "/nowhere", None, None)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem() {
    let r = TestRouter::new(&[]);
    r.send(
        Method::PUT,
        "/api/v1/events",
        Some(&r.member(1, "bj/x")),
        None,
    )
    .await
    .problem(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test]
async fn a_grab_without_a_token_is_unauthenticated() {
    let r = TestRouter::new(&[]);
    r.create_open_event("park", &[("pass", 5)]).await;
    let body = json!({"pool": "pass"}).to_string();
    r.send(
        Method::POST,
        "/api/v1/events/park/reservations",
        None,
        Some(&body),
    )
    .await
    .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn a_member_token_on_an_admin_route_is_unauthenticated() {
    let r = TestRouter::new(&[]);
    r.get("/api/v1/admin/events", &r.member(1, "bj/x"))
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn station_staff_on_an_admin_route_are_forbidden() {
    let r = TestRouter::new(&[]);
    r.get("/api/v1/admin/events", &r.station("bj"))
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn an_admin_cannot_create_an_event_outside_their_org() {
    let r = TestRouter::new(&[]);
    let now = Millis::now().0;
    let body = testkit::app::event_body("far", "sh", &[("p", 1)], now, now + 60_000);
    r.post("/api/v1/admin/events", &r.admin("bj"), body)
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn malformed_json_is_invalid_request() {
    let r = TestRouter::new(&[]);
    r.create_open_event("park", &[("pass", 5)]).await;
    let token = r.member(1, "bj/x");
    for body in ["{", r#"{"pool": 7}"#, r#"{"pool": "pass", "extra": 1}"#] {
        r.send(
            Method::POST,
            "/api/v1/events/park/reservations",
            Some(&token),
            Some(body),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_request");
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_payload_too_large() {
    let r = TestRouter::new(&["--body-limit", "400"]);
    r.create_open_event("park", &[("pass", 5)]).await;
    let body = json!({"choices": vec!["pass"; 200]}).to_string();
    r.send(
        Method::POST,
        "/api/v1/events/park/reservations",
        Some(&r.member(1, "bj/x")),
        Some(&body),
    )
    .await
    .problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

#[tokio::test]
async fn a_grab_for_an_unknown_pool_is_invalid_request_and_an_unknown_event_not_found() {
    let r = TestRouter::new(&[]);
    r.create_open_event("park", &[("pass", 5)]).await;
    let token = r.member(1, "bj/x");
    r.post(
        "/api/v1/events/park/reservations",
        &token,
        json!({"pool": "nope"}),
    )
    .await
    .problem(StatusCode::BAD_REQUEST, "invalid_request");
    r.post(
        "/api/v1/events/nope/reservations",
        &token,
        json!({"pool": "pass"}),
    )
    .await
    .problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_member_of_another_union_is_not_eligible() {
    let r = TestRouter::new(&[]);
    r.create_open_event("park", &[("pass", 5)]).await;
    r.post(
        "/api/v1/events/park/reservations",
        &r.member(1, "sh/x"),
        json!({"pool": "pass"}),
    )
    .await
    .problem(StatusCode::FORBIDDEN, "not_eligible");
}

#[tokio::test]
async fn a_station_issue_with_a_bad_card_is_invalid_request() {
    let r = TestRouter::new(&[]);
    r.create_open_event("park", &[("pass", 5)]).await;
    let body = json!({"event": "park", "pool": "pass", "card": "6217000000000000001"});
    r.post("/api/v1/station/issue", &r.station("bj"), body)
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn a_paused_sale_past_its_close_is_closed_to_a_grab_and_to_the_event_view() {
    let r = TestRouter::new(&[]);
    let now = Millis::now().0;
    r.create_event("late", &[("p", 5)], now - 7_200_000, now - 3_600_000)
        .await;
    let admin = r.admin("bj");
    let paused = r
        .post("/api/v1/admin/events/late/pause", &admin, json!({}))
        .await;
    assert_eq!(paused.status, StatusCode::OK, "{}", paused.body);
    let member = r.member(1, "bj/x");
    r.post(
        "/api/v1/events/late/reservations",
        &member,
        json!({"pool": "p"}),
    )
    .await
    .problem(StatusCode::CONFLICT, "closed");
    let view = r.get("/api/v1/events/late", &member).await;
    assert_eq!(view.body["status"], "closed");
}

#[tokio::test]
async fn a_first_grab_is_201_and_a_retry_200_with_the_same_ticket() {
    let r = TestRouter::new(&[]);
    r.create_open_event("park", &[("pass", 5)]).await;
    let token = r.member(1, "bj/x");
    let first = r
        .post(
            "/api/v1/events/park/reservations",
            &token,
            json!({"pool": "pass"}),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = r
        .post(
            "/api/v1/events/park/reservations",
            &token,
            json!({"pool": "pass"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["code"], first.body["code"]);
}

#[tokio::test]
async fn a_family_sale_sells_seats_and_says_how_many_a_ticket_admits() {
    let r = TestRouter::new(&[]);
    let now = Millis::now().0;
    let mut body = testkit::app::event_body(
        "theatre",
        "bj",
        &[("show-1", 5)],
        now - 1_000,
        now + 3_600_000,
    );
    body["max_seats"] = json!(2);
    let created = r
        .post("/api/v1/admin/events", &r.admin("bj"), body.clone())
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["max_seats"], 2);
    let event = r.get("/api/v1/events/theatre", &r.member(1, "bj/x")).await;
    assert_eq!(event.body["max_seats"], 2);
    let path = "/api/v1/events/theatre/reservations";
    // Two seats as a whole number in any spelling JSON allows.
    let two = r
        .post(
            path,
            &r.member(1, "bj/x"),
            json!({"pool": "show-1", "seats": 2.0}),
        )
        .await;
    assert_eq!(two.status, StatusCode::CREATED, "{}", two.body);
    assert_eq!(two.body["seats"], 2);
    let more = r
        .post(
            path,
            &r.member(2, "bj/x"),
            json!({"pool": "show-1", "seats": 3}),
        )
        .await;
    assert_eq!(
        more.problem(StatusCode::BAD_REQUEST, "too_many_seats")["max_seats"],
        2
    );
    for bad in [json!(0), json!(7), json!(1.5), json!("2"), json!(-1)] {
        r.post(
            path,
            &r.member(2, "bj/x"),
            json!({"pool": "show-1", "seats": bad}),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_request");
    }
    let station = r
        .post(
            "/api/v1/station/issue",
            &r.station("bj"),
            json!({"event": "theatre", "pool": "show-1", "seats": 2,
                   "card": testkit::card(3).digits()}),
        )
        .await;
    assert_eq!(station.status, StatusCode::CREATED, "{}", station.body);
    assert_eq!(station.body["seats"], 2);
    let pools = r.get("/api/v1/admin/events/theatre", &r.admin("bj")).await;
    assert_eq!(pools.body["pools"][0]["remaining"], 1);
    assert_eq!(pools.body["pools"][0]["active"], 4);
    // An event allows 1 to 6 seats per ticket.
    for bad in [0, 7] {
        body["id"] = json!(format!("bad-{bad}"));
        body["max_seats"] = json!(bad);
        r.post("/api/v1/admin/events", &r.admin("bj"), body.clone())
            .await
            .problem(StatusCode::BAD_REQUEST, "invalid_request");
    }
}

/// A late member's grab of the sold-out park pass, with this Accept-Language.
async fn sold_out_in(r: &TestRouter, lang: Option<&str>) -> testkit::router::Answer {
    let token = format!("Bearer {}", r.member(2, "bj/x"));
    let mut headers = vec![("authorization", token.as_str())];
    if let Some(l) = lang {
        headers.push(("accept-language", l));
    }
    r.send_with_headers(
        Method::POST,
        "/api/v1/events/park/reservations",
        &headers,
        Some(r#"{"pool": "pass"}"#),
    )
    .await
}

/// Problem documents speak the member's language: Chinese by default on the
/// member routes, as Accept-Language asks anywhere; the code never changes.
#[tokio::test]
async fn problems_are_in_the_requests_language_with_the_same_code() {
    let r = TestRouter::new(&[]);
    r.create_open_event("park", &[("pass", 1)]).await;
    r.post(
        "/api/v1/events/park/reservations",
        &r.member(1, "bj/x"),
        json!({"pool": "pass"}),
    )
    .await;
    let default = sold_out_in(&r, None).await;
    assert_eq!(
        default.problem(StatusCode::CONFLICT, "sold_out")["detail"],
        "票已抢完。"
    );
    assert_eq!(default.body["title"], "已抢完");
    assert_eq!(default.body["detail_en"], "sold out");
    let english = sold_out_in(&r, Some("en-GB,en;q=0.9,zh;q=0.5")).await;
    assert_eq!(
        english.problem(StatusCode::CONFLICT, "sold_out")["detail"],
        "sold out"
    );
    assert!(english.body.get("detail_en").is_none());
    // Staff routes answer in English unless asked otherwise.
    let missing = r.get("/api/v1/admin/events/nope", &r.admin("bj")).await;
    assert_eq!(
        missing.problem(StatusCode::NOT_FOUND, "not_found")["title"],
        "Not Found"
    );
    let zh = r
        .send_with_headers(
            Method::GET,
            "/api/v1/admin/events/nope",
            &[
                ("authorization", &format!("Bearer {}", r.admin("bj"))),
                ("accept-language", "zh-CN"),
            ],
            None,
        )
        .await;
    assert_eq!(
        zh.problem(StatusCode::NOT_FOUND, "not_found")["detail"],
        "找不到该活动或票。"
    );
    // Bad JSON on a member route: the reason in Chinese, and in English.
    let token = format!("Bearer {}", r.member(3, "bj/x"));
    let bad = r
        .send_with_headers(
            Method::POST,
            "/api/v1/events/park/reservations",
            &[("authorization", token.as_str())],
            Some("{not json"),
        )
        .await;
    assert_eq!(
        bad.problem(StatusCode::BAD_REQUEST, "invalid_request")["detail"],
        "请求内容不是有效的 JSON，请检查后重试。"
    );
    assert_eq!(bad.body["detail_en"], "the body is not valid JSON");
}

/// The pages' words for every problem code come from the server's one table
/// of outcomes: served as /assets/outcomes.js with every code, loaded by every
/// page before common.js, and no page script keeps a table of its own.
#[tokio::test]
async fn the_pages_read_the_one_table_of_outcomes() {
    let r = TestRouter::new(&[]);
    let script = r.text("/assets/outcomes.js", "").await;
    let (_, table) = script
        .split_once("window.TG_OUTCOMES = ")
        .expect("the table's assignment");
    let table: serde_json::Value =
        serde_json::from_str(table.trim().trim_end_matches(';')).expect("the table is JSON");
    for outcome in ticketgrab::domain::Outcome::ALL {
        let row = &table[outcome.code()];
        let zh = row[0].as_str().unwrap_or_default();
        let en = row[1].as_str().unwrap_or_default();
        assert!(
            !zh.is_ascii() && !en.is_empty(),
            "{}: {row}",
            outcome.code()
        );
    }
    for page in ["/app", "/dashboard", "/station"] {
        let html = r.text(page, "").await;
        let table = html.find("/assets/outcomes.js");
        let common = html.find("/assets/common.js");
        assert!(
            table.zip(common).is_some_and(|(t, c)| t < c),
            "{page} must load /assets/outcomes.js before common.js"
        );
    }
    // No page script spells an outcome's words itself (a copy would drift).
    for asset in [
        "common",
        "app",
        "station",
        "dashboard",
        "dashboard-lottery",
        "lottery",
    ] {
        let js = r.text(&format!("/assets/{asset}.js"), "").await;
        for outcome in ticketgrab::domain::Outcome::ALL {
            let words = &table[outcome.code()];
            for w in [&words[0], &words[1]] {
                let w = w.as_str().unwrap();
                assert!(
                    !js.contains(w),
                    "{asset}.js spells {:?} itself: {w}",
                    outcome.code()
                );
            }
        }
    }
}
