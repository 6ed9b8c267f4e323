//! Programs over HTTP (issue 33): staff create a program and sales in it;
//! a member's cap holds across the app and a station, in both languages;
//! the member sees what they hold; staff see what the program reached and
//! export members' counts by member key, never a card.

use reqwest::StatusCode;
use serde_json::json;
use testkit::app::{assert_problem, event_body, spawn_app};
use testkit::card;
use ticketgrab::domain::Millis;

#[tokio::test]
async fn a_members_cap_holds_across_the_app_and_a_station() {
    let app = spawn_app().await;
    let admin = app.admin("bj");
    let now = Millis::now().0;
    let program = json!({
        "id": "puhui-2027", "title": "2027年市总普惠抢票", "org": "bj",
        "starts_at": Millis(now - 86_400_000).rfc3339(),
        "ends_at": Millis(now + 300 * 86_400_000).rfc3339(),
        "cap": 1, "draw_order": "fewer_wins_first",
    });
    let (status, created) = app
        .post("/api/v1/admin/programs", &admin, program.clone())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["cap"], 1);
    assert_problem(
        app.post("/api/v1/admin/programs", &admin, program.clone())
            .await,
        StatusCode::CONFLICT,
        "program_exists",
    );
    // Another union's staff may not make one for bj.
    let (status, _) = app
        .post(
            "/api/v1/admin/programs",
            &app.admin("bj/chaoyang"),
            json!({
                "id": "other", "title": "x", "org": "bj", "cap": 1,
                "starts_at": Millis(now).rfc3339(), "ends_at": Millis(now + 1000).rfc3339(),
            }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut zero = program.clone();
    zero["id"] = json!("zero");
    zero["cap"] = json!(0);
    let (status, _) = app.post("/api/v1/admin/programs", &admin, zero).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for (id, pools) in [("park", 10), ("cinema", 10)] {
        let mut body = event_body(id, "bj", &[("p", pools)], now - 1_000, now + 3_600_000);
        body["program"] = json!("puhui-2027");
        let (status, made) = app.post("/api/v1/admin/events", &admin, body).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        assert_eq!(made["program"], "puhui-2027");
    }
    let mut unknown = event_body("x", "bj", &[("p", 1)], now - 1_000, now + 3_600_000);
    unknown["program"] = json!("nope");
    let (status, _) = app.post("/api/v1/admin/events", &admin, unknown).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The member takes the program's one ticket in the app...
    let member = app.member(1, "bj/chaoyang");
    let (status, _) = app.grab(&member, "park", json!({"pool": "p"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, event) = app.get("/api/v1/events/cinema", &member).await;
    assert_eq!(event["program"], "puhui-2027");
    let (_, mine) = app.get("/api/v1/me/programs/puhui-2027", &member).await;
    assert_eq!(
        (mine["held"].as_u64(), mine["cap"].as_u64()),
        (Some(1), Some(1))
    );
    // ...and is refused the next one, in the app (Chinese by default) and at a station.
    let refused = assert_problem(
        app.grab(&member, "cinema", json!({"pool": "p"})).await,
        StatusCode::CONFLICT,
        "program_cap",
    );
    assert_eq!(
        (refused["held"].as_u64(), refused["cap"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(
        refused["detail"].as_str().unwrap().contains("最多 1 张"),
        "{refused}"
    );
    let station = app.station("bj");
    let issue = json!({"event": "cinema", "pool": "p", "card": card(1).digits()});
    let refused = assert_problem(
        app.post("/api/v1/station/issue", &station, issue).await,
        StatusCode::CONFLICT,
        "program_cap",
    );
    assert!(
        refused["detail"].as_str().unwrap().contains("this program"),
        "{refused}"
    );
    // Another member is served.
    let other = app.member(2, "bj/chaoyang");
    let (status, _) = app.grab(&other, "cinema", json!({"pool": "p"})).await;
    assert_eq!(status, StatusCode::CREATED);

    // Staff see the reach, and export counts by member key.
    let (status, report) = app.get("/api/v1/admin/programs/puhui-2027", &admin).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["reach"]["members_reached"], 2);
    assert_eq!(report["reach"]["places_differ"], 0);
    assert_eq!(report["reach"]["tickets_per_member"], json!([0, 2]));
    let sales = report["reach"]["sales"].as_array().unwrap();
    assert_eq!(sales.len(), 2);
    assert!(
        sales.iter().all(|s| s["first_time_share"] == 1.0),
        "{sales:?}"
    );
    let (_, list) = app.get("/api/v1/admin/programs", &admin).await;
    assert_eq!(list["programs"][0]["id"], "puhui-2027");
    let (_, theirs) = app.get("/api/v1/admin/programs", &app.admin("sh")).await;
    assert_eq!(theirs["programs"], json!([]));
    let (status, _) = app
        .get("/api/v1/admin/programs/puhui-2027", &app.admin("sh"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let csv = app
        .client
        .get(format!(
            "{}/api/v1/admin/programs/puhui-2027/members.csv",
            app.base
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "member_key,tickets,places");
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[1..].iter().all(|l| l.ends_with(",1,1")), "{csv}");
    assert!(
        !csv.contains(&card(1).digits()[..8]),
        "no card in the export"
    );
}
