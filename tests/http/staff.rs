//! Stations and admins: walk-up issue, redeem, and running a sale.

use reqwest::StatusCode;
use serde_json::json;
use ticketgrab::domain::Millis;

use testkit::app::{TestApp, assert_problem, event_body, spawn_app, spawn_app_with};
use testkit::card;

#[tokio::test]
async fn station_issues_by_card_and_redeems_once() {
    let app = spawn_app().await;
    app.create_open_event("festival", &[("walk-up", 5)]).await;
    let station = app.station("bj");
    let typed = format!("{} {}", &card(1).digits()[..4], &card(1).digits()[4..]);
    let (status, issued) = app
        .post(
            "/api/v1/station/issue",
            &station,
            json!({"event": "festival", "pool": "walk-up", "card": typed}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    assert_eq!(issued["channel"], "station");
    // The same member on the app gets the same ticket: one per member across channels.
    let (status, via_app) = app
        .grab(
            &app.member(1, "bj/x"),
            "festival",
            json!({"pool": "walk-up"}),
        )
        .await;
    assert_eq!(
        (status, via_app["code"].clone()),
        (StatusCode::OK, issued["code"].clone())
    );
    let (status, again) = app
        .post(
            "/api/v1/station/issue",
            &station,
            json!({"event": "festival", "pool": "walk-up", "card": card(1).digits()}),
        )
        .await;
    assert_eq!(
        (status, again["code"].clone()),
        (StatusCode::OK, issued["code"].clone())
    );

    let (status, redeemed) = app
        .post(
            "/api/v1/station/redeem",
            &station,
            json!({"event": "festival", "code": issued["code"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(redeemed["status"], "redeemed");
    let first_at = redeemed["redeemed_at"].clone();
    let second = assert_problem(
        app.post(
            "/api/v1/station/redeem",
            &station,
            json!({"event": "festival", "code": issued["code"]}),
        )
        .await,
        StatusCode::CONFLICT,
        "already_redeemed",
    );
    assert_eq!(second["redeemed_at"], first_at);
    let by_card = assert_problem(
        app.post(
            "/api/v1/station/redeem",
            &station,
            json!({"event": "festival", "card": card(1).digits()}),
        )
        .await,
        StatusCode::CONFLICT,
        "already_redeemed",
    );
    assert_eq!(by_card["reservation"]["code"], issued["code"]);
    // A redeemed ticket cannot be cancelled.
    let code = issued["code"].as_str().unwrap();
    assert_problem(
        app.delete(
            &format!("/api/v1/me/reservations/festival/{code}"),
            &app.member(1, "bj/x"),
        )
        .await,
        StatusCode::CONFLICT,
        "already_redeemed",
    );

    assert_problem(
        app.post(
            "/api/v1/station/issue",
            &station,
            json!({"event": "festival", "pool": "walk-up", "card": "6217 0000 0000 0000 001"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
    assert_problem(
        app.post(
            "/api/v1/station/redeem",
            &station,
            json!({"event": "festival", "code": "ZZZZZZZZZZZZ"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_problem(
        app.post(
            "/api/v1/station/redeem",
            &station,
            json!({"event": "festival"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
}

/// The body that creates the cinema sale: `bj/chaoyang`, screen-1 (3) and
/// screen-2 (2), open from a second ago for an hour.
fn cinema_body() -> serde_json::Value {
    let now = Millis::now().0;
    event_body(
        "cinema",
        "bj/chaoyang",
        &[("screen-1", 3), ("screen-2", 2)],
        now - 1_000,
        now + 3_600_000,
    )
}

/// The cinema sale for `bj/chaoyang`: screen-1 (3) and screen-2 (2), open now;
/// with `grabs` members taking ranked tickets (screen-1 first). Returns the
/// admin token.
async fn cinema(app: &TestApp, grabs: u64) -> String {
    let admin = app.admin("bj");
    let (status, created) = app
        .post("/api/v1/admin/events", &admin, cinema_body())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    for n in 0..grabs {
        assert_eq!(
            app.grab(
                &app.member(n, "bj/chaoyang/x"),
                "cinema",
                json!({"choices": ["screen-1", "screen-2"]})
            )
            .await
            .0,
            StatusCode::CREATED
        );
    }
    admin
}

async fn grab_screen_2(app: &TestApp, n: u64) -> (StatusCode, serde_json::Value) {
    app.grab(
        &app.member(n, "bj/chaoyang"),
        "cinema",
        json!({"pool": "screen-2"}),
    )
    .await
}

#[tokio::test]
async fn an_admin_creates_a_sale_once_and_a_taken_id_is_exists() {
    let app = spawn_app().await;
    let admin = app.admin("bj");
    let body = cinema_body();
    let (status, created) = app.post("/api/v1/admin/events", &admin, body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["pools"][1]["remaining"], 2);
    assert_problem(
        app.post("/api/v1/admin/events", &admin, body).await,
        StatusCode::CONFLICT,
        "exists",
    );
    let now = Millis::now().0;
    let invalid = event_body("bad", "bj", &[("p", 0)], now, now + 1);
    assert_problem(
        app.post("/api/v1/admin/events", &admin, invalid).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
}

#[tokio::test]
async fn restock_adds_and_withdraws_unsold_tickets_but_never_below_zero() {
    let app = spawn_app().await;
    let admin = cinema(&app, 4).await;
    let restock = |pool: &str, delta: i64| {
        let path = format!("/api/v1/admin/events/cinema/pools/{pool}/restock");
        let admin = admin.clone();
        let app = &app;
        async move { app.post(&path, &admin, json!({"delta": delta})).await }
    };
    let (status, r) = restock("screen-2", 5).await;
    assert_eq!(
        (status, r["remaining"].as_i64(), r["total"].as_i64()),
        (StatusCode::OK, Some(6), Some(7))
    );
    let below = assert_problem(
        restock("screen-2", -7).await,
        StatusCode::CONFLICT,
        "below_zero",
    );
    assert_eq!(below["remaining"], 6);
    assert_problem(
        restock("nope", 1).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
    assert_problem(
        restock("screen-2", 0).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
}

#[tokio::test]
async fn a_paused_sale_refuses_grabs_until_it_is_resumed() {
    let app = spawn_app().await;
    let admin = cinema(&app, 1).await;
    let (status, paused) = app
        .post("/api/v1/admin/events/cinema/pause", &admin, json!({}))
        .await;
    assert_eq!(
        (status, paused["sale_status"].as_str()),
        (StatusCode::OK, Some("paused"))
    );
    assert_problem(
        grab_screen_2(&app, 10).await,
        StatusCode::CONFLICT,
        "paused",
    );
    assert_eq!(
        app.post("/api/v1/admin/events/cinema/resume", &admin, json!({}))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(grab_screen_2(&app, 10).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn the_admin_view_counts_tickets_per_pool_and_grabs_per_second() {
    let app = spawn_app().await;
    let admin = cinema(&app, 4).await;
    assert_eq!(grab_screen_2(&app, 10).await.0, StatusCode::CREATED);
    let (status, detail) = app.get("/api/v1/admin/events/cinema", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["pools"][0]["active"], 3);
    assert_eq!(detail["grabs_per_second"].as_array().unwrap().len(), 60);
    assert_eq!(
        detail["grabs_per_second"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .sum::<u64>(),
        5
    );
    let (_, list) = app.get("/api/v1/admin/events", &admin).await;
    assert_eq!(list["events"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_closed_sale_refuses_grabs_and_cannot_be_resumed() {
    let app = spawn_app().await;
    let admin = cinema(&app, 1).await;
    assert_eq!(
        app.post("/api/v1/admin/events/cinema/close", &admin, json!({}))
            .await
            .0,
        StatusCode::OK
    );
    assert_problem(
        grab_screen_2(&app, 11).await,
        StatusCode::CONFLICT,
        "closed",
    );
    assert_problem(
        app.post("/api/v1/admin/events/cinema/resume", &admin, json!({}))
            .await,
        StatusCode::CONFLICT,
        "closed",
    );
}

#[tokio::test]
async fn the_export_lists_every_ticket_with_a_masked_card_only() {
    let app = spawn_app().await;
    let admin = cinema(&app, 5).await;
    let (status, headers, csv) = app
        .request(
            reqwest::Method::GET,
            "/api/v1/admin/events/cinema/reservations.csv",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "code,pool,seats,status,channel,card,created_at,redeemed_at,cancelled_at,pay_by,paid_fen,refund_due_fen,refund_payments"
    );
    assert_eq!(lines.len(), 6);
    assert!(lines[1..].iter().all(|l| l.contains(",6217 **** **** ")));
    assert!(
        !csv.contains(card(0).digits()),
        "the export holds no raw card"
    );
}

#[tokio::test]
async fn the_audit_of_a_sale_with_grabs_and_a_restock_is_ok() {
    let app = spawn_app().await;
    let admin = cinema(&app, 4).await;
    let (status, _) = app
        .post(
            "/api/v1/admin/events/cinema/pools/screen-2/restock",
            &admin,
            json!({"delta": 5}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, audit) = app.get("/api/v1/admin/events/cinema/audit", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(audit["ok"], true, "{audit}");
    assert_eq!(audit["pools"][1]["total"], 7);
}

#[tokio::test]
async fn the_stream_sends_stats_that_move_during_a_sale() {
    let app = spawn_app().await;
    app.create_open_event("live", &[("p", 50)]).await;
    let resp = app
        .client
        .get(format!("{}/api/v1/admin/stream", app.base))
        .bearer_auth(app.admin("bj"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut stream = resp.bytes_stream();
    use futures_util::StreamExt;
    let mut seen = String::new();
    let mut remaining_values = std::collections::BTreeSet::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut n = 0;
    while remaining_values.len() < 2 && tokio::time::Instant::now() < deadline {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = seen.find("\n\n") {
            let frame: String = seen.drain(..end + 2).collect();
            if let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) {
                let stats: serde_json::Value = serde_json::from_str(data).unwrap();
                remaining_values.insert(
                    stats["events"][0]["pools"][0]["remaining"]
                        .as_i64()
                        .unwrap(),
                );
                // Tickets sell between frames.
                for _ in 0..3 {
                    app.grab(&app.member(n, "bj/x"), "live", json!({"pool": "p"}))
                        .await;
                    n += 1;
                }
            }
        }
    }
    assert!(
        remaining_values.len() >= 2,
        "stats did not move: {remaining_values:?}"
    );
}

#[tokio::test]
async fn a_sale_says_what_its_tickets_are_and_members_see_it_on_each_ticket() {
    let app = spawn_app().await;
    let now = Millis::now().0;
    let mut body = event_body(
        "theatre",
        "bj",
        &[("show-1", 5), ("show-2", 5)],
        now - 1_000,
        now + 3_600_000,
    );
    body["title_en"] = json!("Children's theatre");
    body["venue"] = json!("北京儿童艺术剧院");
    body["starts_at"] = json!(Millis(now + 86_400_000).rfc3339());
    body["notes"] = json!("请提前20分钟入场");
    body["pools"][0]["title_en"] = json!("Show 1");
    body["pools"][0]["starts_at"] = json!(Millis(now + 2 * 86_400_000).rfc3339());
    body["pools"][1]["venue"] = json!("东城分场");
    let admin = app.admin("bj");
    let (status, created) = app.post("/api/v1/admin/events", &admin, body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["title_en"], "Children's theatre");
    assert_eq!(created["pools"][0]["title_en"], "Show 1");
    assert_eq!(created["pools"][0]["remaining"], 5);
    assert!(created["pools"][1].get("title_en").is_none());

    // Members see both titles, and each pool's own show time.
    let member = app.member(1, "bj/x");
    let (_, seen) = app.get("/api/v1/events/theatre", &member).await;
    assert_eq!(seen["venue"], "北京儿童艺术剧院");
    assert_eq!(seen["pools"][0]["starts_at"], body["pools"][0]["starts_at"]);
    // A grab's answer stays lean; the member's tickets say it all, the
    // pool's own words before the event's.
    let (status, grabbed) = app
        .grab(&member, "theatre", json!({"pool": "show-2"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(grabbed.get("event_title").is_none(), "{grabbed}");
    let (_, mine) = app.get("/api/v1/me/reservations", &member).await;
    let ticket = &mine["reservations"][0];
    assert_eq!(
        (
            &ticket["event_title"],
            &ticket["event_title_en"],
            &ticket["pool_title"]
        ),
        (
            &json!("Sale theatre"),
            &json!("Children's theatre"),
            &json!("Pool show-2")
        )
    );
    assert_eq!(ticket["venue"], "东城分场");
    assert_eq!(ticket["starts_at"], body["starts_at"]);
    assert_eq!(ticket["notes"], "请提前20分钟入场");
    let path = format!(
        "/api/v1/me/reservations/theatre/{}",
        grabbed["code"].as_str().unwrap()
    );
    let (_, one) = app.get(&path, &member).await;
    assert_eq!(one["venue"], "东城分场");

    // Bad words change nothing: a blank venue, a show before its sale.
    for (field, value) in [
        ("venue", json!("  ")),
        ("starts_at", json!(Millis(now - 60_000).rfc3339())),
    ] {
        let mut bad = event_body("bad", "bj", &[("p", 1)], now, now + 60_000);
        bad[field] = value;
        assert_problem(
            app.post("/api/v1/admin/events", &admin, bad).await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        );
    }
    assert_eq!(
        app.get("/api/v1/admin/events/bad", &admin).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn staff_pick_a_union_from_those_under_theirs_and_see_what_was_refused() {
    let app = spawn_app_with(&["--member-rate", "1", "--member-burst", "1"]).await;
    let now = Millis::now().0;
    app.create_event(
        "street",
        "bj/chaoyang/newstreet",
        &[("p", 5)],
        now - 1_000,
        now + 60_000,
    )
    .await;
    let (status, list) = app
        .get("/api/v1/admin/orgs", &app.admin("bj/chaoyang"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let paths: Vec<&str> = list["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths[0], "bj/chaoyang", "the staff's own first");
    assert!(paths.contains(&"bj/chaoyang/hepingjie"));
    assert!(
        paths.contains(&"bj/chaoyang/newstreet"),
        "a union only a sale names"
    );
    assert!(
        !paths
            .iter()
            .any(|p| *p == "bj" || p.starts_with("bj/haidian")),
        "{paths:?}"
    );
    assert_eq!(list["orgs"][0]["name"], "朝阳区总工会");
    // Stations do not create sales.
    assert_eq!(
        app.get("/api/v1/admin/orgs", &app.station("bj")).await.0,
        StatusCode::FORBIDDEN
    );

    let member = app.member(1, "bj/chaoyang");
    let mut limited = 0;
    for _ in 0..5 {
        limited += u64::from(
            app.grab(&member, "street", json!({"pool": "p"})).await.0
                == StatusCode::TOO_MANY_REQUESTS,
        );
    }
    assert!(limited > 0);
    let (_, events) = app.get("/api/v1/admin/events", &app.admin("bj")).await;
    assert_eq!(
        events["refused"]["rate_limited"], limited,
        "{}",
        events["refused"]
    );
    assert_eq!(events["refused"]["server_errors"], 0);
}
