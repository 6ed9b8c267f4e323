//! A race with a fair window over HTTP, two front ends on one Redis: grabs
//! inside the window are 202 registrations (app and station), a grab after
//! it waits (503 draw_pending), the draw runs by itself with nobody
//! pressing a button, is published at the lottery's routes and verifies,
//! and then the sale is a race again.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use ticketgrab::domain::Millis;
use ticketgrab::lottery::export::{Export, verify};

use testkit::app::{TestApp, assert_problem, event_body, spawn_app, spawn_app_on};
use testkit::card;

fn fair_body(id: &str, seats: i64, window_secs: i64, opens: i64, closes: i64) -> Value {
    let mut body = event_body(id, "bj", &[("p", seats)], opens, closes);
    body["fair_window_secs"] = json!(window_secs);
    body
}

async fn lottery(app: &TestApp, event: &str) -> Value {
    let (status, body) = app
        .get(&format!("/api/v1/events/{event}/lottery"), "")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn grabs_in_the_window_register_the_draw_runs_by_itself_then_the_race_goes_on() {
    let first = spawn_app().await;
    let url = first.redis.as_ref().expect("on Redis").url();
    let second = spawn_app_on(&url, &[]).await;
    let admin = first.admin("bj");
    let now = Millis::now().0;
    let (opens, closes) = (now - 500, now + 3_600_000);

    // Refused: a window too long, one past the close, one on a lottery.
    for (bad, why) in [
        (fair_body("bad", 4, 601, opens, closes), "too long"),
        (
            fair_body("bad", 4, 10, opens, opens + 5_000),
            "past the close",
        ),
        (
            {
                let mut b = fair_body("bad", 4, 10, opens, closes);
                b["mode"] = json!("lottery");
                b["draw_at"] = b["closes_at"].clone();
                b["public_source"] = json!("drand");
                b
            },
            "a lottery",
        ),
    ] {
        let got = first.post("/api/v1/admin/events", &admin, bad).await;
        assert_eq!(got.0, StatusCode::BAD_REQUEST, "{why}: {}", got.1);
        assert_problem(got, StatusCode::BAD_REQUEST, "invalid_request");
    }
    let (status, created) = first
        .post(
            "/api/v1/admin/events",
            &admin,
            fair_body("cinema", 4, 2, opens, closes),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["mode"], "race");
    assert_eq!(created["lottery"]["fair_window_secs"], 2);
    assert_eq!(created["lottery"]["phase"], "registering");
    assert_eq!(created["lottery"]["public_source"], "");
    assert!(
        created["lottery"].get("seed").is_none(),
        "the seed is secret"
    );

    // Six members through either front end, and a walk-up at a station.
    for n in 0..6u64 {
        let app = if n % 2 == 0 { &first } else { &second };
        let (status, body) = app
            .grab(&app.member(n, "bj/x"), "cinema", json!({"pool": "p"}))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        assert_eq!(body["result"], "registered");
        assert_eq!(body["new"], true);
        assert_eq!(body["entry"]["result"], "entered");
    }
    let (status, again) = second
        .grab(&second.member(0, "bj/x"), "cinema", json!({"pool": "p"}))
        .await;
    assert_eq!(
        (status, &again["new"]),
        (StatusCode::ACCEPTED, &json!(false))
    );
    let walk_up = json!({"event": "cinema", "pool": "p", "card": card(99).digits()});
    let (status, body) = first
        .post("/api/v1/station/issue", &first.station("bj"), walk_up)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(lottery(&first, "cinema").await["entries"], 7);

    // After the window, until the draw is published: wait and retry.
    let window_end = opens + 2_000;
    while Millis::now().0 < window_end + 50 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, headers, body) = first
        .request(
            Method::POST,
            "/api/v1/events/cinema/reservations",
            Some(&first.member(50, "bj/x")),
            Some(json!({"pool": "p"})),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("draw_pending"), "{body}");
    assert!(headers.contains_key("retry-after"));

    // Nobody draws it: the front ends do, at its time (one of them).
    let deadline = Millis::now().0 + 30_000;
    let drawn = loop {
        let l = lottery(&second, "cinema").await;
        if l["phase"] == "drawn" {
            break l;
        }
        assert!(Millis::now().0 < deadline, "not drawn: {l}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(drawn["written"], 7);
    assert!(drawn["seed"].is_string() && drawn["closing"].is_object());
    let (status, export) = first.get("/api/v1/events/cinema/lottery/export", "").await;
    assert_eq!(status, StatusCode::OK, "{export}");
    let export: Export = serde_json::from_value(export).unwrap();
    assert_eq!(
        (export.public_value.as_str(), export.entries.len()),
        ("", 7)
    );
    let kept = drawn["closing"]["digest"].as_str().unwrap();
    assert!(
        verify(&export, Some(kept)).is_ok(),
        "{:?}",
        verify(&export, Some(kept))
    );

    // Each member's result; winners' repeat grab is their ticket.
    let mut won = 0;
    for n in 0..6u64 {
        let token = first.member(n, "bj/x");
        let (status, entry) = first.get("/api/v1/events/cinema/entry", &token).await;
        assert_eq!(status, StatusCode::OK, "{entry}");
        if entry["result"] == "won" {
            won += 1;
            let (status, ticket) = first.grab(&token, "cinema", json!({"pool": "p"})).await;
            assert_eq!(status, StatusCode::OK, "{ticket}");
        } else {
            assert_eq!(entry["result"], "waiting", "{entry}");
            assert!(entry["waiting"].is_object(), "{entry}");
        }
    }
    assert!(
        (3..=4).contains(&won),
        "{won} of six won 4 seats with the walk-up"
    );
    // Sold out now, answered as any race: once the front end's read model
    // has read the draw, from memory, with no store call.
    let got = second
        .grab(&second.member(60, "bj/x"), "cinema", json!({"pool": "p"}))
        .await;
    assert_problem(got, StatusCode::CONFLICT, "sold_out");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = second.store_calls("take").await + second.store_calls("grab").await;
    for n in 61..81u64 {
        let got = second
            .grab(&second.member(n, "bj/x"), "cinema", json!({"pool": "p"}))
            .await;
        assert_problem(got, StatusCode::CONFLICT, "sold_out");
    }
    let again = second.store_calls("take").await + second.store_calls("grab").await;
    assert_eq!(again, asked, "the sold-out answers came from the store");
}
