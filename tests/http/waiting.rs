//! The waiting list (候补) over HTTP: join a sold-out sale, see one's place,
//! get the ticket someone gave back, leave; staff release no-shows to it. On
//! the router of a memory-store service.

use axum::http::{Method, StatusCode};
use serde_json::json;
use ticketgrab::domain::Millis;

use testkit::router::TestRouter;

#[tokio::test]
async fn a_member_waits_and_gets_the_ticket_another_gives_back() {
    let r = TestRouter::new(&[]);
    r.create_open_event("park", &[("p", 1)]).await;
    let (one, two, three) = (
        r.member(1, "bj/x"),
        r.member(2, "bj/x"),
        r.member(3, "bj/x"),
    );
    let held = r
        .post(
            "/api/v1/events/park/reservations",
            &one,
            json!({"pool": "p"}),
        )
        .await;
    assert_eq!(held.status, StatusCode::CREATED);
    // A sold-out pool: member 2 joins; a second join says so, with the entry.
    let joined = r
        .post("/api/v1/events/park/waiting", &two, json!({"pool": "p"}))
        .await;
    assert_eq!(joined.status, StatusCode::CREATED, "{}", joined.body);
    assert_eq!(
        (
            joined.body["position"].clone(),
            joined.body["ahead"].clone()
        ),
        (json!(1), json!(0))
    );
    let again = r
        .post("/api/v1/events/park/waiting", &two, json!({"pool": "p"}))
        .await;
    assert_eq!(
        again.problem(StatusCode::CONFLICT, "already_waiting")["waiting"]["position"],
        1
    );
    r.post("/api/v1/events/park/waiting", &one, json!({"pool": "p"}))
        .await
        .problem(StatusCode::CONFLICT, "already_holding");
    let third = r
        .post("/api/v1/events/park/waiting", &three, json!({"pool": "p"}))
        .await;
    assert_eq!(third.body["position"], 2);
    let event = r.get("/api/v1/events/park", &one).await;
    assert_eq!(event.body["pools"][0]["waiting"], 2);
    // Member 1 gives the ticket back: it is member 2's, not the public's.
    let code = held.body["code"].as_str().unwrap();
    let cancelled = r
        .send(
            Method::DELETE,
            &format!("/api/v1/me/reservations/park/{code}"),
            Some(&one),
            None,
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK);
    r.post(
        "/api/v1/events/park/reservations",
        &r.member(4, "bj/x"),
        json!({"pool": "p"}),
    )
    .await
    .problem(StatusCode::CONFLICT, "sold_out");
    let mine = r.get("/api/v1/me/reservations", &two).await;
    assert_eq!(
        mine.body["reservations"][0]["status"], "active",
        "{}",
        mine.body
    );
    r.get("/api/v1/events/park/waiting", &two)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        r.get("/api/v1/events/park/waiting", &three).await.body["position"],
        1
    );
    // Member 3 leaves.
    let left = r
        .send(
            Method::DELETE,
            "/api/v1/events/park/waiting",
            Some(&three),
            None,
        )
        .await;
    assert_eq!(left.status, StatusCode::NO_CONTENT);
    r.send(
        Method::DELETE,
        "/api/v1/events/park/waiting",
        Some(&three),
        None,
    )
    .await
    .problem(StatusCode::NOT_FOUND, "not_found");
    let audit = r
        .get("/api/v1/admin/events/park/audit", &r.admin("bj"))
        .await;
    assert_eq!(audit.body["ok"], true, "{}", audit.body);
}

#[tokio::test]
async fn joining_refuses_what_it_should_and_changes_nothing() {
    let r = TestRouter::new(&[]);
    r.create_open_event("park", &[("p", 2)]).await;
    let two = r.member(2, "bj/x");
    r.post("/api/v1/events/park/waiting", &two, json!({"pool": "p"}))
        .await
        .problem(StatusCode::CONFLICT, "not_sold_out");
    r.post(
        "/api/v1/events/park/reservations",
        &r.member(1, "bj/x"),
        json!({"pool": "p"}),
    )
    .await;
    r.post(
        "/api/v1/events/park/reservations",
        &r.member(3, "bj/x"),
        json!({"pool": "p"}),
    )
    .await;
    let past = Millis(Millis::now().0 - 60_000).rfc3339();
    let bad = r
        .post(
            "/api/v1/events/park/waiting",
            &two,
            json!({"pool": "p", "cutoff": past}),
        )
        .await;
    assert!(bad.problem(StatusCode::BAD_REQUEST, "bad_cutoff")["closes_at"].is_string());
    for body in [
        json!({}),
        json!({"pool": "p", "choices": ["p"]}),
        json!({"pool": "p", "seats": 0}),
        json!({"pool": "p", "cutoff": "tomorrow"}),
        json!({"pool": "p", "extra": 1}),
    ] {
        r.post("/api/v1/events/park/waiting", &two, body)
            .await
            .problem(StatusCode::BAD_REQUEST, "invalid_request");
    }
    r.post(
        "/api/v1/events/park/waiting",
        &r.member(5, "sh/x"),
        json!({"pool": "p"}),
    )
    .await
    .problem(StatusCode::FORBIDDEN, "not_eligible");
    r.post("/api/v1/events/nope/waiting", &two, json!({"pool": "p"}))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        r.get("/api/v1/events/park", &two).await.body["pools"][0]["waiting"],
        0
    );
}

#[tokio::test]
async fn staff_release_no_shows_to_the_waiting_list() {
    let r = TestRouter::new(&[]);
    r.create_open_event("show", &[("p", 2)]).await;
    let admin = r.admin("bj");
    let mut codes = Vec::new();
    for n in 1..=2 {
        let g = r
            .post(
                "/api/v1/events/show/reservations",
                &r.member(n, "bj/x"),
                json!({"pool": "p"}),
            )
            .await;
        codes.push(g.body["code"].as_str().unwrap().to_owned());
    }
    r.post(
        "/api/v1/station/redeem",
        &r.station("bj"),
        json!({"event": "show", "code": codes[0]}),
    )
    .await;
    let waiter = r.member(3, "bj/x");
    r.post("/api/v1/events/show/waiting", &waiter, json!({"pool": "p"}))
        .await;
    // Station staff may not release; admins may.
    r.post(
        "/api/v1/admin/events/show/pools/p/release-unredeemed",
        &r.station("bj"),
        json!({}),
    )
    .await
    .problem(StatusCode::FORBIDDEN, "forbidden");
    let released = r
        .post(
            "/api/v1/admin/events/show/pools/p/release-unredeemed",
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(released.status, StatusCode::OK, "{}", released.body);
    assert_eq!(
        released.body,
        json!({"pool": "p", "released": 1, "seats": 1, "remaining": 0})
    );
    let detail = r.get("/api/v1/admin/events/show", &admin).await;
    let pool = &detail.body["pools"][0];
    assert_eq!(
        (
            pool["no_show"].clone(),
            pool["active"].clone(),
            pool["waiting"].clone()
        ),
        (json!(1), json!(1), json!(0))
    );
    let mine = r.get("/api/v1/me/reservations", &waiter).await;
    assert_eq!(mine.body["reservations"][0]["status"], "active");
    r.post(
        "/api/v1/station/redeem",
        &r.station("bj"),
        json!({"event": "show", "code": codes[1]}),
    )
    .await
    .problem(StatusCode::CONFLICT, "no_show");
    r.post(
        "/api/v1/admin/events/show/pools/ghost/release-unredeemed",
        &admin,
        json!({}),
    )
    .await
    .problem(StatusCode::BAD_REQUEST, "invalid_request");
}

/// An entry past its cutoff is no one's place: the member's own look says
/// not waiting, and a closed race counts none waiting.
#[tokio::test]
async fn a_lapsed_entry_counts_nowhere_and_is_not_a_place() {
    let r = TestRouter::new(&[]);
    let now = Millis::now().0;
    r.create_event("park", &[("p", 1)], now - 1_000, now + 1_500)
        .await;
    let (one, two, three) = (
        r.member(1, "bj/x"),
        r.member(2, "bj/x"),
        r.member(3, "bj/x"),
    );
    r.post(
        "/api/v1/events/park/reservations",
        &one,
        json!({"pool": "p"}),
    )
    .await;
    let soon = Millis(now + 800).rfc3339();
    let joined = r
        .post(
            "/api/v1/events/park/waiting",
            &two,
            json!({"pool": "p", "cutoff": soon}),
        )
        .await;
    assert_eq!(joined.status, StatusCode::CREATED, "{}", joined.body);
    r.post("/api/v1/events/park/waiting", &three, json!({"pool": "p"}))
        .await;
    assert_eq!(
        r.get("/api/v1/events/park", &one).await.body["pools"][0]["waiting"],
        2
    );
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
    // Member 2's cutoff passed: not waiting, whatever the list still holds.
    r.get("/api/v1/events/park/waiting", &two)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        r.get("/api/v1/events/park/waiting", &three).await.status,
        StatusCode::OK
    );
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    // Closed: every entry of a race has lapsed.
    assert_eq!(
        r.get("/api/v1/events/park", &one).await.body["pools"][0]["waiting"],
        0
    );
    r.get("/api/v1/events/park/waiting", &three)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

/// Releasing no-shows before the show begins would void valid tickets:
/// refused until the pool's start time.
#[tokio::test]
async fn no_shows_are_not_released_before_the_show_begins() {
    let r = TestRouter::new(&[]);
    let now = Millis::now().0;
    let mut body =
        testkit::app::event_body("show", "bj", &[("p", 3)], now - 1_000, now + 3_600_000);
    body["pools"][0]["starts_at"] = json!(Millis(now + 7_200_000).rfc3339());
    let created = r.post("/api/v1/admin/events", &r.admin("bj"), body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    r.post(
        "/api/v1/events/show/reservations",
        &r.member(1, "bj/x"),
        json!({"pool": "p"}),
    )
    .await;
    let early = r
        .post(
            "/api/v1/admin/events/show/pools/p/release-unredeemed",
            &r.admin("bj"),
            json!({}),
        )
        .await;
    assert!(early.problem(StatusCode::CONFLICT, "not_open")["opens_at"].is_string());
    let still = r.get("/api/v1/admin/events/show", &r.admin("bj")).await;
    assert_eq!(still.body["pools"][0]["active"], 1, "{}", still.body);
}
