//! Archives over HTTP (issue 32): staff archive a finished sale, list and
//! download it; the download verifies with `ticketgrab verify-archive`; the
//! year's summary counts it; a member's list keeps the ticket, marked
//! archived; and a sale not finished long enough is refused, changing
//! nothing.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::json;
use testkit::app::{assert_problem, spawn_app_flags};
use ticketgrab::domain::Millis;

#[tokio::test]
async fn staff_archive_a_finished_sale_and_the_member_keeps_the_line() {
    let app = spawn_app_flags(&["--archive-min-age-days", "0"]).await;
    let admin = app.admin("bj");
    let now = Millis::now().0;
    app.create_event("short", "bj", &[("p", 10)], now - 1_000, now + 1_200)
        .await;
    app.create_event("later", "bj", &[("p", 10)], now - 1_000, now + 3_600_000)
        .await;
    let member = app.member(1, "bj/x");
    let (status, _) = app.grab(&member, "short", json!({"pool": "p"})).await;
    assert_eq!(status, StatusCode::CREATED);
    // Not over yet: refused, nothing changes.
    let refused = app
        .post("/api/v1/admin/events/later/archive", &admin, json!({}))
        .await;
    assert_problem(refused, StatusCode::CONFLICT, "not_archivable");
    tokio::time::sleep(std::time::Duration::from_millis(1_300)).await;
    let (status, header) = app
        .post("/api/v1/admin/events/short/archive", &admin, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{header}");
    assert_eq!(header["summary"]["tickets"], 1);
    assert_eq!(header["summary"]["members"], 1);
    let (status, _) = app.get("/api/v1/admin/events/short", &admin).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = app.get("/api/v1/admin/archives", &admin).await;
    assert_eq!(list["archives"][0]["event"], "short");
    // Another org's staff do not see it.
    let (_, theirs) = app.get("/api/v1/admin/archives", &app.admin("sh")).await;
    assert_eq!(theirs["archives"], json!([]));
    // The member's list keeps the ticket, marked archived.
    let (_, mine) = app.get("/api/v1/me/reservations", &member).await;
    let line = &mine["reservations"][0];
    assert_eq!(
        (line["event"].as_str(), line["archived"].as_bool()),
        (Some("short"), Some(true))
    );
    // The download is the file, and it verifies.
    let file = app
        .client
        .get(format!("{}/api/v1/admin/archives/short", app.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    let bytes = file.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short.tgarchive");
    std::fs::write(&path, &bytes).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ticketgrab"))
        .arg("verify-archive")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok: the archive of short"));
    let year = ticketgrab::archive::beijing_year(now);
    let (_, summary) = app
        .get(
            &format!("/api/v1/admin/archives/summary?year={year}"),
            &admin,
        )
        .await;
    assert_eq!(
        (
            summary["sales"].as_i64(),
            summary["members_reached"].as_i64()
        ),
        (Some(1), Some(1))
    );
    // Archiving again answers the same.
    let (status, again) = app
        .post("/api/v1/admin/events/short/archive", &admin, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["archived_at"], header["archived_at"]);
}
