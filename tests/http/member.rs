//! The member's side: browse, grab, retry, cancel, grab again.

use reqwest::StatusCode;
use serde_json::{Value, json};
use ticketgrab::domain::Millis;

use testkit::app::{TestApp, assert_problem, spawn_app};

/// The park sale (400 passes) and a member of Hepingjie's union.
async fn park() -> (TestApp, String) {
    let app = spawn_app().await;
    app.create_open_event("park", &[("pass", 400)]).await;
    let me = app.member(1, "bj/chaoyang/hepingjie");
    (app, me)
}

#[tokio::test]
async fn a_member_sees_the_open_sale_with_its_stock_and_the_server_clock() {
    let (app, me) = park().await;
    let (status, list) = app.get("/api/v1/events", &me).await;
    assert_eq!(status, StatusCode::OK);
    let event = &list["events"][0];
    assert_eq!(
        (event["id"].as_str(), event["status"].as_str()),
        (Some("park"), Some("open"))
    );
    assert_eq!(event["pools"][0]["remaining"], 400);
    assert!(list["server_time"].is_string());
}

#[tokio::test]
async fn a_retried_grab_returns_the_same_ticket_listed_with_its_qr_code() {
    let (app, me) = park().await;
    let (status, first) = app.grab(&me, "park", json!({"pool": "pass"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(first["status"], "active");
    assert_eq!(first["channel"], "app");
    assert!(
        first["card"]
            .as_str()
            .unwrap()
            .starts_with("6217 **** **** ")
    );
    let code = first["code"].as_str().unwrap().to_owned();

    let (status, again) = app.grab(&me, "park", json!({"pool": "pass"})).await;
    assert_eq!(status, StatusCode::OK, "a retry returns the same ticket");
    assert_eq!(again, first);

    let (status, mine) = app.get("/api/v1/me/reservations", &me).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine["reservations"][0]["code"], code.as_str());
    let (status, mut one) = app
        .get(&format!("/api/v1/me/reservations/park/{code}"), &me)
        .await;
    // The lookup says what the ticket is, beside what the grab answered.
    let said = one.as_object_mut().unwrap();
    assert_eq!(said.remove("event_title"), Some(json!("Sale park")));
    assert_eq!(said.remove("pool_title"), Some(json!("Pool pass")));
    assert_eq!((status, &one), (StatusCode::OK, &first));
    let (_, headers, svg) = app
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/me/reservations/park/{code}/qr.svg"),
            Some(&me),
            None,
        )
        .await;
    assert_eq!(headers["content-type"], "image/svg+xml");
    assert!(svg.contains("<svg"));
}

#[tokio::test]
async fn another_member_can_neither_see_nor_cancel_my_ticket() {
    let (app, me) = park().await;
    let (_, first) = app.grab(&me, "park", json!({"pool": "pass"})).await;
    let code = first["code"].as_str().unwrap();
    let other = app.member(2, "bj/chaoyang/hepingjie");
    assert_problem(
        app.get(&format!("/api/v1/me/reservations/park/{code}"), &other)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_problem(
        app.delete(&format!("/api/v1/me/reservations/park/{code}"), &other)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[tokio::test]
async fn a_cancelled_ticket_goes_back_and_its_holder_may_grab_again() {
    let (app, me) = park().await;
    let (_, first) = app.grab(&me, "park", json!({"pool": "pass"})).await;
    let code = first["code"].as_str().unwrap();
    let (status, cancelled) = app
        .delete(&format!("/api/v1/me/reservations/park/{code}"), &me)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cancelled["status"], "cancelled");
    assert!(cancelled["cancelled_at"].is_string());
    assert_problem(
        app.delete(&format!("/api/v1/me/reservations/park/{code}"), &me)
            .await,
        StatusCode::CONFLICT,
        "cancelled",
    );
    let (_, event) = app.get("/api/v1/events/park", &me).await;
    assert_eq!(event["pools"][0]["remaining"], 400, "the ticket went back");
    // Its record stays readable, but it has no QR code to show any more.
    let (status, record) = app
        .get(&format!("/api/v1/me/reservations/park/{code}"), &me)
        .await;
    assert_eq!(
        (status, &record["status"]),
        (StatusCode::OK, &json!("cancelled"))
    );
    assert_problem(
        app.get(&format!("/api/v1/me/reservations/park/{code}/qr.svg"), &me)
            .await,
        StatusCode::CONFLICT,
        "cancelled",
    );

    let (status, second) = app.grab(&me, "park", json!({"pool": "pass"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(second["code"], first["code"]);
}

#[tokio::test]
async fn ranked_choices_take_the_first_show_with_seats() {
    let app = spawn_app().await;
    app.create_open_event("theatre", &[("show-1", 1), ("show-2", 1), ("show-3", 1)])
        .await;
    let pools: Vec<String> = {
        let mut out = Vec::new();
        for n in 0..3 {
            let (status, r) = app
                .grab(
                    &app.member(n, "bj/x"),
                    "theatre",
                    json!({"choices": ["show-3", "show-1", "show-2"]}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED);
            out.push(r["pool"].as_str().unwrap().to_owned());
        }
        out
    };
    assert_eq!(pools, ["show-3", "show-1", "show-2"]);
    assert_problem(
        app.grab(
            &app.member(9, "bj/x"),
            "theatre",
            json!({"choices": ["show-1", "show-2"]}),
        )
        .await,
        StatusCode::CONFLICT,
        "sold_out",
    );
}

#[tokio::test]
async fn sold_out_after_n_tickets_with_n_plus_k_members() {
    let app = spawn_app().await;
    app.create_open_event("umbrella", &[("u", 20)]).await;
    let mut tasks = Vec::new();
    let app = std::sync::Arc::new(app);
    for n in 0..35 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            app.grab(&app.member(n, "bj/x"), "umbrella", json!({"pool": "u"}))
                .await
        }));
    }
    let mut created = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => assert_eq!(body["code"], "sold_out"),
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!(created, 20);
    let (_, event) = app
        .get("/api/v1/events/umbrella", &app.member(0, "bj/x"))
        .await;
    assert_eq!(
        (
            event["pools"][0]["remaining"].as_i64(),
            event["status"].as_str()
        ),
        (Some(0), Some("sold_out"))
    );
}

#[tokio::test]
async fn before_the_opening_the_answer_is_not_open_with_server_time() {
    let app = spawn_app().await;
    let now = Millis::now().0;
    app.create_event("later", "bj", &[("p", 5)], now + 60_000, now + 120_000)
        .await;
    let body = assert_problem(
        app.grab(&app.member(1, "bj/x"), "later", json!({"pool": "p"}))
            .await,
        StatusCode::CONFLICT,
        "not_open",
    );
    let opens_at =
        chrono::DateTime::parse_from_rfc3339(body["opens_at"].as_str().unwrap()).unwrap();
    let server_time =
        chrono::DateTime::parse_from_rfc3339(body["server_time"].as_str().unwrap()).unwrap();
    assert!(server_time < opens_at);
    assert!((server_time.timestamp_millis() - now).abs() < 5_000);
    let (_, event) = app
        .get("/api/v1/events/later", &app.member(1, "bj/x"))
        .await;
    assert_eq!(event["status"], "upcoming");
}

#[tokio::test]
async fn members_outside_the_events_org_may_not_grab_or_see_it_listed() {
    let app = spawn_app().await;
    let now = Millis::now().0;
    app.create_event(
        "street",
        "bj/chaoyang",
        &[("p", 5)],
        now - 1_000,
        now + 60_000,
    )
    .await;
    let outsider = app.member(1, "bj/dongcheng/longtan");
    assert_problem(
        app.grab(&outsider, "street", json!({"pool": "p"})).await,
        StatusCode::FORBIDDEN,
        "not_eligible",
    );
    let (_, list) = app.get("/api/v1/events", &outsider).await;
    assert_eq!(list["events"], json!([]));
    let insider = app.member(2, "bj/chaoyang/hepingjie");
    assert_eq!(
        app.grab(&insider, "street", json!({"pool": "p"})).await.0,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn bad_grab_requests_get_invalid_request_and_change_nothing() {
    let app = spawn_app().await;
    app.create_open_event("park", &[("pass", 10)]).await;
    let me = app.member(1, "bj/x");
    for body in [
        json!({}),
        json!({"pool": "pass", "choices": ["pass"]}),
        json!({"pool": 7}),
        json!({"pool": "nope"}),
        json!({"choices": []}),
        json!({"choices": ["pass", "pass"]}),
        json!({"pool": "pass", "extra": 1}),
    ] {
        assert_problem(
            app.grab(&me, "park", body).await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        );
    }
    let (status, headers, body) = app
        .request(
            reqwest::Method::POST,
            "/api/v1/events/park/reservations",
            Some(&me),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(headers["content-type"], "application/problem+json");
    let malformed = app
        .client
        .post(format!("{}/api/v1/events/park/reservations", app.base))
        .bearer_auth(&me)
        .header("content-type", "application/json")
        .body("{\"pool\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let problem: Value = malformed.json().await.unwrap();
    assert_eq!(problem["code"], "invalid_request");
    assert_problem(
        app.grab(&me, "no-such-event", json!({"pool": "pass"}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_problem(
        app.grab(&me, "BAD{id}", json!({"pool": "pass"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let (_, event) = app.get("/api/v1/events/park", &me).await;
    assert_eq!(event["pools"][0]["remaining"], 10);
}
