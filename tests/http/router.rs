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
