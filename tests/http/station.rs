//! The station's own answers: which sales a street station serves, tickets
//! redeemed as their QR codes are scanned, and problems that say which thing
//! is wrong. On the router of a memory-store service.

use axum::http::StatusCode;
use serde_json::{Value, json};
use ticketgrab::domain::Millis;

use testkit::app::event_body;
use testkit::card;
use testkit::router::TestRouter;

/// A city-wide sale (`bj`) and one for Chaoyang's members only.
async fn two_sales(r: &TestRouter) {
    let now = Millis::now().0;
    for (id, org) in [("city", "bj"), ("chaoyang", "bj/chaoyang")] {
        let answer = r
            .post(
                "/api/v1/admin/events",
                &r.admin("bj"),
                event_body(id, org, &[("p", 5)], now - 1_000, now + 3_600_000),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    }
}

fn issue(event: &str, n: u64) -> Value {
    json!({"event": event, "pool": "p", "card": card(n).digits()})
}

#[tokio::test]
async fn a_street_station_serves_the_city_wide_sale_and_its_own_union_s() {
    let r = TestRouter::new(&[]);
    two_sales(&r).await;
    let hepingjie = r.station("bj/chaoyang/hepingjie");
    let listed = r.get("/api/v1/station/events", &hepingjie).await;
    assert_eq!(listed.status, StatusCode::OK);
    let ids: Vec<&str> = listed.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    for event in ["city", "chaoyang"] {
        let answer = r
            .post("/api/v1/station/issue", &hepingjie, issue(event, 1))
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    }
    // Haidian's station serves the city-wide sale, not Chaoyang's.
    let haidian = r.station("bj/haidian");
    let listed = r.get("/api/v1/station/events", &haidian).await;
    assert_eq!(listed.body["events"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["events"][0]["id"], "city");
    r.post("/api/v1/station/issue", &haidian, issue("chaoyang", 2))
        .await
        .problem(StatusCode::FORBIDDEN, "outside_org");
    r.post("/api/v1/station/issue", &haidian, issue("nope", 2))
        .await
        .problem(StatusCode::NOT_FOUND, "unknown_event");
    let redeem = json!({"event": "chaoyang", "card": card(1).digits()});
    r.post("/api/v1/station/redeem", &haidian, redeem)
        .await
        .problem(StatusCode::FORBIDDEN, "outside_org");
}

#[tokio::test]
async fn a_scanned_qr_code_redeems_its_ticket_and_only_at_its_own_sale() {
    let r = TestRouter::new(&[]);
    two_sales(&r).await;
    let station = r.station("bj");
    let ticket = r
        .post("/api/v1/station/issue", &station, issue("city", 7))
        .await;
    let code = ticket.body["code"].as_str().unwrap().to_owned();
    let scanned = format!("TG1:city:{code}\n");
    let wrong = json!({"event": "chaoyang", "code": scanned});
    let answer = r.post("/api/v1/station/redeem", &station, wrong).await;
    answer.problem(StatusCode::BAD_REQUEST, "invalid_request");
    let redeem = json!({"event": "city", "code": scanned});
    let used = r
        .post("/api/v1/station/redeem", &station, redeem.clone())
        .await;
    assert_eq!(used.status, StatusCode::OK, "{}", used.body);
    assert_eq!(
        (&used.body["code"], &used.body["status"]),
        (&json!(code), &json!("redeemed"))
    );
    let again = r.post("/api/v1/station/redeem", &station, redeem).await;
    assert!(
        again
            .problem(StatusCode::CONFLICT, "already_redeemed")
            .get("redeemed_at")
            .is_some()
    );
    // A code nobody holds, typed or scanned, is no such ticket.
    for code in ["ZZZZZZZZZZZZ", "TG1:city:ZZZZZZZZZZZZ"] {
        r.post(
            "/api/v1/station/redeem",
            &station,
            json!({"event": "city", "code": code}),
        )
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    }
}

/// A priced sale's walk-up pays at the counter: the ticket is issued paid,
/// recorded with the station's id and the price × seats, in the export and
/// the audit; an unpaid hold (an app grab) is paid at the counter the same
/// way, then redeemed.
#[tokio::test]
async fn the_counter_records_what_it_takes_for_a_priced_sale() {
    let r = TestRouter::new(&[]);
    let now = Millis::now().0;
    let mut cinema = event_body("cinema", "bj", &[("p", 5)], now - 1_000, now + 3_600_000);
    cinema["max_seats"] = json!(2);
    cinema["hold_minutes"] = json!(15);
    let created = r.post("/api/v1/admin/events", &r.admin("bj"), cinema).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let station = r.station("bj/chaoyang");
    let mut walkup = issue("cinema", 7);
    walkup["seats"] = json!(2);
    let issued = r.post("/api/v1/station/issue", &station, walkup).await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);
    assert_eq!(issued.body["status"], "active", "{}", issued.body);
    let walkup_code = issued.body["code"].as_str().unwrap().to_owned();

    // An app grab, unpaid: the gate refuses it until the counter takes the money.
    let me = r.member(8, "bj/x");
    let held = r
        .post(
            "/api/v1/events/cinema/reservations",
            &me,
            json!({"pool": "p"}),
        )
        .await;
    let held_code = held.body["code"].as_str().unwrap().to_owned();
    let gate = json!({"event": "cinema", "code": held_code});
    r.post("/api/v1/station/redeem", &station, gate.clone())
        .await
        .problem(StatusCode::CONFLICT, "not_paid");
    let paid = r.post("/api/v1/station/pay", &station, gate.clone()).await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.body);
    assert_eq!(paid.body["status"], "active");
    assert_eq!(paid.body["event_title"], "Sale cinema");
    let used = r.post("/api/v1/station/redeem", &station, gate).await;
    assert_eq!(used.status, StatusCode::OK, "{}", used.body);

    let csv = r
        .text(
            "/api/v1/admin/events/cinema/reservations.csv",
            &r.admin("bj"),
        )
        .await;
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let row = |code: &str| -> Vec<String> {
        let line = csv.lines().find(|l| l.starts_with(code)).unwrap();
        line.split(',').map(str::to_owned).collect()
    };
    let walkup_row = row(&walkup_code);
    assert_eq!(walkup_row[col("channel")], "station");
    assert_eq!(walkup_row[col("paid_fen")], "1000");
    assert_eq!(row(&held_code)[col("paid_fen")], "500");
    let log = r
        .get("/api/v1/admin/events/cinema/audit", &r.admin("bj"))
        .await;
    assert_eq!(log.body["ok"], true, "{}", log.body);
}

/// A station's day comes from the server, per station: what it issued,
/// entered, redeemed and took at its counter; another station's are its own.
#[tokio::test]
async fn each_station_reads_its_own_day_from_the_server() {
    let r = TestRouter::new(&[]);
    let now = Millis::now().0;
    let mut cinema = event_body("cinema", "bj", &[("p", 9)], now - 1_000, now + 3_600_000);
    cinema["hold_minutes"] = json!(15);
    let created = r.post("/api/v1/admin/events", &r.admin("bj"), cinema).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let (desk, other) = (
        r.station("bj/chaoyang"),
        r.station_as("desk-2", "bj/haidian"),
    );
    let mut codes = Vec::new();
    for n in [1, 2] {
        let issued = r
            .post("/api/v1/station/issue", &desk, issue("cinema", n))
            .await;
        assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);
        codes.push(issued.body["code"].as_str().unwrap().to_owned());
    }
    // Again for the same card: the same ticket, not counted twice.
    assert_eq!(
        r.post("/api/v1/station/issue", &desk, issue("cinema", 1))
            .await
            .status,
        StatusCode::OK
    );
    let gate = json!({"event": "cinema", "code": codes[0]});
    assert_eq!(
        r.post("/api/v1/station/redeem", &desk, gate).await.status,
        StatusCode::OK
    );
    assert_eq!(
        r.post("/api/v1/station/issue", &other, issue("cinema", 3))
            .await
            .status,
        StatusCode::CREATED
    );
    let day = r.get("/api/v1/station/today", &desk).await;
    assert_eq!(day.status, StatusCode::OK, "{}", day.body);
    assert_eq!(
        (
            day.body["issued"].clone(),
            day.body["redeemed"].clone(),
            day.body["taken_fen"].clone()
        ),
        (json!(2), json!(1), json!(1000)),
        "{}",
        day.body
    );
    assert_eq!(day.body["day"], Millis::now().beijing()[..10]);
    let theirs = r.get("/api/v1/station/today", &other).await;
    assert_eq!(
        (
            theirs.body["issued"].clone(),
            theirs.body["redeemed"].clone()
        ),
        (json!(1), json!(0))
    );
}
