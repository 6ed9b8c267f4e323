//! A lottery sale (抽签) over HTTP, on the router of a memory-store service:
//! staff create it, members enter from the app and at a station, one
//! withdraws, staff enter the public value and draw, and everyone can read
//! the published values and an export that `ticketgrab verify-draw` accepts.

use std::process::Command;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use ticketgrab::domain::Millis;

use testkit::router::TestRouter;

fn at(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms).unwrap().to_rfc3339()
}

#[tokio::test]
async fn a_lottery_is_entered_drawn_published_and_verified() {
    let r = TestRouter::new(&[]);
    let admin = r.admin("bj");
    let now = Millis::now().0;
    let closes = now + 1_500;
    let body = json!({
        "id": "theatre", "title": "儿童剧《小马过河》", "org": "bj",
        "opens_at": at(now - 1_000), "closes_at": at(closes), "price_fen": 0,
        "max_seats": 2, "mode": "lottery", "draw_at": at(closes),
        "public_source": "drand round 5000000",
        "pools": [{"id": "s1", "title": "第1场", "total": 3}, {"id": "s2", "title": "第2场", "total": 2}]
    });
    let created = r.post("/api/v1/admin/events", &admin, body.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["mode"], "lottery");
    let commitment = created.body["lottery"]["seed_commitment"].clone();
    assert_eq!(commitment.as_str().unwrap().len(), 64);
    assert!(
        created.body["lottery"].get("seed").is_none(),
        "the seed is secret"
    );
    // A lottery needs its draw and source; a race takes neither.
    let mut half = body.clone();
    half["id"] = json!("half");
    half.as_object_mut().unwrap().remove("public_source");
    r.post("/api/v1/admin/events", &admin, half)
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_request");

    // Members enter; a grab is refused; entering again is the same entry.
    let path = "/api/v1/events/theatre/entry";
    for n in 0..8u64 {
        let token = r.member(n, "bj/x");
        let choices = if n % 2 == 0 {
            json!(["s1", "s2"])
        } else {
            json!(["s2"])
        };
        let seats = 1 + (n % 2);
        let e = r
            .post(path, &token, json!({"choices": choices, "seats": seats}))
            .await;
        assert_eq!(e.status, StatusCode::CREATED, "{}", e.body);
        assert_eq!(e.body["result"], "entered");
        assert_eq!(e.body["member_key_short"].as_str().unwrap().len(), 8);
    }
    let one = r.member(1, "bj/x");
    let again = r.post(path, &one, json!({"pool": "s1"})).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["choices"], json!(["s2"]));
    r.post(
        "/api/v1/events/theatre/reservations",
        &one,
        json!({"pool": "s1"}),
    )
    .await
    .problem(StatusCode::CONFLICT, "lottery_sale");
    // A walk-up at a station enters by card swipe.
    let station = r.station("bj");
    let walk_up = r
        .post(
            "/api/v1/station/enter",
            &station,
            json!({"event": "theatre", "pool": "s1", "card": testkit::card(50).digits()}),
        )
        .await;
    assert_eq!(walk_up.status, StatusCode::CREATED, "{}", walk_up.body);
    assert_eq!(walk_up.body["channel"], "station");
    // One withdraws.
    let seven = r.member(7, "bj/x");
    let gone = r.send(Method::DELETE, path, Some(&seven), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    r.get(path, &seven)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    let lottery = r.get("/api/v1/events/theatre/lottery", &one).await;
    assert_eq!(lottery.body["entries"], 8, "{}", lottery.body);
    assert_eq!(lottery.body["phase"], "registering");
    assert!(lottery.body.get("closing").is_none(), "{}", lottery.body);
    let event = r.get("/api/v1/events/theatre", &one).await;
    assert_eq!(event.body["pools"][1]["entries"], 7, "{}", event.body);

    // Too early for the public value and the draw.
    let pv = "/api/v1/admin/events/theatre/lottery/public-value";
    let draw = "/api/v1/admin/events/theatre/lottery/draw";
    let early = r.post(pv, &admin, json!({"value": "9f"})).await;
    assert_eq!(
        early.problem(StatusCode::CONFLICT, "draw_not_due")["reason"],
        "registration_open"
    );
    while Millis::now().0 <= closes {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    r.post(path, &r.member(60, "bj/x"), json!({"pool": "s1"}))
        .await
        .problem(StatusCode::CONFLICT, "closed");
    // The close publishes what the draw will be of; an observer keeps its
    // digest. The stock is fixed with it.
    let closed = r.get("/api/v1/events/theatre/lottery", &one).await;
    let closing = closed.body["closing"].clone();
    assert_eq!(closing["entries"], 8, "{}", closed.body);
    assert_eq!(
        closing["stock"],
        json!([{"pool": "s1", "seats": 3}, {"pool": "s2", "seats": 2}])
    );
    let kept = closing["digest"].as_str().unwrap().to_owned();
    r.post(
        "/api/v1/admin/events/theatre/pools/s1/restock",
        &admin,
        json!({"delta": 50}),
    )
    .await
    .problem(StatusCode::CONFLICT, "stock_fixed");
    r.post(draw, &admin, json!({}))
        .await
        .problem(StatusCode::CONFLICT, "draw_not_due");
    let set = r.post(pv, &admin, json!({"value": "9f3a2c"})).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(set.body["public_value"], "9f3a2c");
    r.post(pv, &admin, json!({"value": "other"}))
        .await
        .problem(StatusCode::CONFLICT, "public_value_set");

    // The draw runs in the background; it is published when done.
    let started = r.post(draw, &admin, json!({})).await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.body);
    let mut published = Value::Null;
    for _ in 0..100 {
        let l = r.get("/api/v1/events/theatre/lottery", &one).await;
        if l.body["phase"] == "drawn" {
            published = l.body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(published["written"], 8, "{published}");
    assert_eq!(published["seed_commitment"], commitment);
    assert_eq!(published["seed"].as_str().unwrap().len(), 64);
    let again = r.post(draw, &admin, json!({})).await;
    assert_eq!(again.status, StatusCode::OK);

    // Each member sees their result: a ticket, or a place on the list.
    let (mut won, mut waiting) = (0, 0);
    for n in 0..7u64 {
        let e = r.get(path, &r.member(n, "bj/x")).await;
        assert!(e.body["rank"].as_u64().unwrap() >= 1, "{}", e.body);
        match e.body["result"].as_str().unwrap() {
            "won" => {
                won += 1;
                assert_eq!(e.body["reservation"]["status"], "active", "{}", e.body);
            }
            "waiting" => {
                waiting += 1;
                assert!(e.body["waiting"]["position"].as_u64().unwrap() >= 1);
            }
            other => panic!("{other}: {}", e.body),
        }
    }
    assert!(won >= 1 && waiting >= 1, "{won} won, {waiting} waiting");

    // The export verifies.
    let export = r.get("/api/v1/events/theatre/lottery/export", &one).await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.body["entries"].as_array().unwrap().len(), 8);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.json");
    std::fs::write(&file, export.body.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ticketgrab"))
        .arg("verify-draw")
        .arg(&file)
        .args(["--closing", &kept])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let audit = r.get("/api/v1/admin/events/theatre/audit", &admin).await;
    assert_eq!(audit.body["ok"], true, "{}", audit.body);
}
