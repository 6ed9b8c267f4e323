//! Payment holds over HTTP: a priced sale's grab is a hold with a deadline,
//! the provider's signed notification pays it, and every wrong notification
//! is refused without changing anything. On the router of a memory-store
//! service.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use ticketgrab::config::DEV_PAYMENT_SECRET;
use ticketgrab::domain::Millis;
use ticketgrab::payments::Signer;

use testkit::app::event_body;
use testkit::router::{Answer, TestRouter};

/// A sale at `price_fen` with the default hold, or `hold_minutes` if given.
async fn sale(r: &TestRouter, id: &str, price_fen: i64, hold_minutes: Option<i64>) -> Answer {
    let now = Millis::now().0;
    let mut body = event_body(id, "bj", &[("p", 5)], now - 1_000, now + 3_600_000);
    body["price_fen"] = json!(price_fen);
    body["max_seats"] = json!(2);
    match hold_minutes {
        Some(m) => body["hold_minutes"] = json!(m),
        None => {
            body.as_object_mut().unwrap().remove("hold_minutes");
        }
    }
    r.post("/api/v1/admin/events", &r.admin("bj"), body).await
}

/// Sends a notification signed with `secret`.
async fn notify(r: &TestRouter, body: &Value, secret: Option<&str>) -> Answer {
    let raw = body.to_string();
    let signature = secret.map(|s| Signer::new(s).sign(raw.as_bytes()));
    r.send_with_headers(
        Method::POST,
        "/api/v1/payments/notify",
        &[("x-payment-signature", signature.as_deref().unwrap_or(""))],
        Some(&raw),
    )
    .await
}

#[tokio::test]
async fn a_priced_sale_holds_the_ticket_until_the_signed_payment_arrives() {
    let r = TestRouter::new(&[]);
    let created = sale(&r, "cinema", 500, None).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["hold_minutes"], 15);
    let member = r.member(1, "bj/x");
    let hold = r
        .post(
            "/api/v1/events/cinema/reservations",
            &member,
            json!({"pool": "p", "seats": 2}),
        )
        .await;
    assert_eq!(hold.status, StatusCode::CREATED, "{}", hold.body);
    assert_eq!(hold.body["status"], "held");
    let created_at =
        chrono::DateTime::parse_from_rfc3339(hold.body["created_at"].as_str().unwrap()).unwrap();
    let pay_by =
        chrono::DateTime::parse_from_rfc3339(hold.body["pay_by"].as_str().unwrap()).unwrap();
    assert_eq!((pay_by - created_at).num_minutes(), 15);
    let code = hold.body["code"].as_str().unwrap();
    // Not usable at the gate before it is paid.
    r.post(
        "/api/v1/station/redeem",
        &r.station("bj"),
        json!({"event": "cinema", "code": code}),
    )
    .await
    .problem(StatusCode::CONFLICT, "not_paid");

    let notice = json!({"payment_id": "wx-1", "event": "cinema", "code": code, "amount_fen": 1000});
    for secret in [None, Some("not-the-secret")] {
        notify(&r, &notice, secret)
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    let short = json!({"payment_id": "wx-1", "event": "cinema", "code": code, "amount_fen": 500});
    let mismatch = notify(&r, &short, Some(DEV_PAYMENT_SECRET)).await;
    assert_eq!(
        mismatch.problem(StatusCode::CONFLICT, "payment_mismatch")["amount_due_fen"],
        1000
    );
    let extra =
        json!({"payment_id": "wx-1", "event": "cinema", "code": code, "amount_fen": 1000, "x": 1});
    notify(&r, &extra, Some(DEV_PAYMENT_SECRET))
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_request");
    let still = r
        .get(&format!("/api/v1/me/reservations/cinema/{code}"), &member)
        .await;
    assert_eq!(still.body["status"], "held", "nothing changed");

    let paid = notify(&r, &notice, Some(DEV_PAYMENT_SECRET)).await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.body);
    assert_eq!(
        (&paid.body["result"], &paid.body["reservation"]["status"]),
        (&json!("paid"), &json!("active"))
    );
    let again = notify(&r, &notice, Some(DEV_PAYMENT_SECRET)).await;
    assert_eq!(
        again.body, paid.body,
        "the same notification, the same answer"
    );
    let twice = json!({"payment_id": "wx-2", "event": "cinema", "code": code, "amount_fen": 1000});
    assert_eq!(
        notify(&r, &twice, Some(DEV_PAYMENT_SECRET)).await.body["result"],
        "refund_due"
    );
    let used = r
        .post(
            "/api/v1/station/redeem",
            &r.station("bj"),
            json!({"event": "cinema", "code": code}),
        )
        .await;
    assert_eq!(used.status, StatusCode::OK, "{}", used.body);
    let pools = r.get("/api/v1/admin/events/cinema", &r.admin("bj")).await;
    let p = &pools.body["pools"][0];
    assert_eq!(
        (&p["remaining"], &p["held"], &p["redeemed"]),
        (&json!(3), &json!(0), &json!(2))
    );
}

#[tokio::test]
async fn hold_minutes_are_checked_and_zero_sells_tickets_at_once() {
    let r = TestRouter::new(&[]);
    sale(&r, "free", 0, Some(5))
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_request");
    sale(&r, "long", 500, Some(24 * 60 + 1))
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_request");
    let counter = sale(&r, "counter", 500, Some(0)).await;
    assert_eq!(counter.body["hold_minutes"], 0);
    let ticket = r
        .post(
            "/api/v1/events/counter/reservations",
            &r.member(1, "bj/x"),
            json!({"pool": "p"}),
        )
        .await;
    assert_eq!(
        (ticket.status, &ticket.body["status"]),
        (StatusCode::CREATED, &json!("active"))
    );
    assert!(ticket.body.get("pay_by").is_none());
}

#[tokio::test]
async fn the_pay_button_pays_only_in_demo_mode_and_only_your_own_hold() {
    for demo in [false, true] {
        let r = TestRouter::new(if demo { &["--demo"] } else { &[] });
        sale(&r, "cinema", 500, None).await;
        let hold = r
            .post(
                "/api/v1/events/cinema/reservations",
                &r.member(1, "bj/x"),
                json!({"pool": "p"}),
            )
            .await;
        let path = format!(
            "/api/v1/me/reservations/cinema/{}/pay",
            hold.body["code"].as_str().unwrap()
        );
        if !demo {
            r.post(&path, &r.member(1, "bj/x"), json!({}))
                .await
                .problem(StatusCode::NOT_FOUND, "not_found");
            continue;
        }
        r.post(&path, &r.member(2, "bj/x"), json!({}))
            .await
            .problem(StatusCode::NOT_FOUND, "not_found");
        let paid = r.post(&path, &r.member(1, "bj/x"), json!({})).await;
        assert_eq!(paid.status, StatusCode::OK, "{}", paid.body);
        assert_eq!(paid.body["reservation"]["status"], "active");
    }
}

// Two workers: the simulator is a blocking child process, and the server runs
// in this test's runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_payment_simulator_signs_as_the_provider_does_on_redis() {
    let app = testkit::app::spawn_app().await;
    let now = Millis::now().0;
    let mut body = event_body("cinema", "bj", &[("p", 5)], now - 1_000, now + 3_600_000);
    body.as_object_mut().unwrap().remove("hold_minutes");
    let (status, created) = app
        .post("/api/v1/admin/events", &app.admin("bj"), body)
        .await;
    assert_eq!(status, 201, "{created}");
    let (_, hold) = app
        .grab(&app.member(1, "bj/x"), "cinema", json!({"pool": "p"}))
        .await;
    assert_eq!(hold["status"], "held");
    let code = hold["code"].as_str().unwrap();
    let pay = |amount: &str, id: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ticketgrab"))
            .args([
                "pay", "--url", &app.base, "--event", "cinema", "--code", code,
            ])
            .args(["--amount", amount, "--payment-id", id])
            .env("TG_PAYMENT_SECRET", DEV_PAYMENT_SECRET)
            .output()
            .unwrap()
    };
    let wrong = pay("400", "sim-1");
    assert_eq!(wrong.status.code(), Some(1));
    let answer: Value = serde_json::from_slice(&wrong.stdout).unwrap();
    assert_eq!(answer["code"], "payment_mismatch");
    let paid = pay("500", "sim-1");
    assert!(
        paid.status.success(),
        "{}",
        String::from_utf8_lossy(&paid.stderr)
    );
    let answer: Value = serde_json::from_slice(&paid.stdout).unwrap();
    assert_eq!(
        (&answer["result"], &answer["reservation"]["status"]),
        (&json!("paid"), &json!("active"))
    );
    let (_, audit) = app
        .get("/api/v1/admin/events/cinema/audit", &app.admin("bj"))
        .await;
    assert_eq!(audit["ok"], true, "{audit}");
}

/// A provider pays a sale's holds in a burst, from one address: the per-IP
/// limit, which stops a member's phone at its burst, must not hold a paid
/// ticket back past its pay_by (the notifications are proven by signature).
#[tokio::test]
async fn a_burst_of_notifications_from_one_address_is_not_rate_limited() {
    let r = TestRouter::new(&["--ip-burst", "5", "--ip-rate", "1"]);
    let now = Millis::now().0;
    let mut body = event_body("cinema", "bj", &[("p", 30)], now - 1_000, now + 3_600_000);
    body["price_fen"] = json!(500);
    body.as_object_mut().unwrap().remove("hold_minutes");
    // Staff and members come from the same (unknown) address here: they meet
    // the per-IP limit; the member limit is per member, so each grabs once.
    let mut codes = Vec::new();
    let mut limited = 0;
    for n in 0..30 {
        let created = if n == 0 {
            r.post("/api/v1/admin/events", &r.admin("bj"), body.clone())
                .await
        } else {
            r.post(
                "/api/v1/events/cinema/reservations",
                &r.member(n, "bj/x"),
                json!({"pool": "p"}),
            )
            .await
        };
        match created.status {
            StatusCode::CREATED if n > 0 => {
                codes.push(created.body["code"].as_str().unwrap().to_owned())
            }
            StatusCode::CREATED => {}
            StatusCode::TOO_MANY_REQUESTS => limited += 1,
            other => panic!("{other}: {}", created.body),
        }
    }
    assert!(limited > 0, "the per-IP limit applies to member routes");
    assert!(!codes.is_empty());
    for (i, code) in codes.iter().enumerate() {
        let notice = json!({"payment_id": format!("wx-{i}"), "event": "cinema", "code": code, "amount_fen": 500});
        let answer = notify(&r, &notice, Some(DEV_PAYMENT_SECRET)).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "notification {i}: {}",
            answer.body
        );
        assert_eq!(answer.body["result"], "paid");
    }
}

/// Finance settles from the export: what each ticket paid, and what must go
/// back with the provider's payment ids to refund.
#[tokio::test]
async fn the_export_shows_payments_and_refunds_due_with_their_payment_ids() {
    let r = TestRouter::new(&[]);
    assert_eq!(
        sale(&r, "cinema", 500, None).await.status,
        StatusCode::CREATED
    );
    let (one, two) = (r.member(1, "bj/x"), r.member(2, "bj/x"));
    let kept = r
        .post(
            "/api/v1/events/cinema/reservations",
            &one,
            json!({"pool": "p"}),
        )
        .await;
    let given_back = r
        .post(
            "/api/v1/events/cinema/reservations",
            &two,
            json!({"pool": "p"}),
        )
        .await;
    let (kept, given_back) = (
        kept.body["code"].as_str().unwrap().to_owned(),
        given_back.body["code"].as_str().unwrap().to_owned(),
    );
    let cancel = format!("/api/v1/me/reservations/cinema/{given_back}");
    assert_eq!(
        r.send(Method::DELETE, &cancel, Some(&two), None)
            .await
            .status,
        StatusCode::OK
    );
    for (id, code) in [("wx-kept", &kept), ("wx-late", &given_back)] {
        let notice = json!({"payment_id": id, "event": "cinema", "code": code, "amount_fen": 500});
        assert_eq!(
            notify(&r, &notice, Some(DEV_PAYMENT_SECRET)).await.status,
            StatusCode::OK
        );
    }
    // Paid, then given back: the payment is due back, with its id.
    let three = r.member(3, "bj/x");
    let regretted = r
        .post(
            "/api/v1/events/cinema/reservations",
            &three,
            json!({"pool": "p"}),
        )
        .await;
    let regretted = regretted.body["code"].as_str().unwrap().to_owned();
    let notice =
        json!({"payment_id": "wx-regret", "event": "cinema", "code": regretted, "amount_fen": 500});
    assert_eq!(
        notify(&r, &notice, Some(DEV_PAYMENT_SECRET)).await.status,
        StatusCode::OK
    );
    let cancel = format!("/api/v1/me/reservations/cinema/{regretted}");
    assert_eq!(
        r.send(Method::DELETE, &cancel, Some(&three), None)
            .await
            .status,
        StatusCode::OK
    );
    // The member sees the refund under way; a ticket kept owes nothing.
    let mine = r.get("/api/v1/me/reservations", &three).await;
    assert_eq!(
        mine.body["reservations"][0]["refund_due"], true,
        "{}",
        mine.body
    );
    let kept_list = r.get("/api/v1/me/reservations", &one).await;
    assert!(
        kept_list.body["reservations"][0]
            .get("refund_due")
            .is_none(),
        "{}",
        kept_list.body
    );
    let csv = r
        .text(
            "/api/v1/admin/events/cinema/reservations.csv",
            &r.admin("bj"),
        )
        .await;
    let row = |code: &str| -> Vec<String> {
        let line = csv
            .lines()
            .find(|l| l.starts_with(code))
            .expect("a row per ticket");
        line.split(',').map(str::to_owned).collect()
    };
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (kept_row, back_row) = (row(&kept), row(&given_back));
    assert_eq!(kept_row[col("status")], "active");
    assert_eq!(kept_row[col("paid_fen")], "500");
    assert_eq!(kept_row[col("refund_due_fen")], "0");
    assert!(
        !kept_row[col("pay_by")].is_empty(),
        "a hold's deadline is kept"
    );
    assert_eq!(back_row[col("status")], "cancelled");
    assert_eq!(back_row[col("paid_fen")], "0");
    assert_eq!(back_row[col("refund_due_fen")], "500");
    assert_eq!(back_row[col("refund_payments")], "wx-late");
    let regret_row = row(&regretted);
    assert_eq!(regret_row[col("status")], "cancelled");
    assert_eq!(regret_row[col("paid_fen")], "500");
    assert_eq!(regret_row[col("refund_due_fen")], "500");
    assert_eq!(regret_row[col("refund_payments")], "wx-regret");
    let audit = r
        .get("/api/v1/admin/events/cinema/audit", &r.admin("bj"))
        .await;
    assert_eq!(audit.body["ok"], true, "{}", audit.body);
}

/// A flood of notifications without a valid signature from one address is
/// limited (429 with Retry-After); a signed one still goes through.
#[tokio::test]
async fn unsigned_notifications_are_limited_per_address_and_signed_ones_are_not() {
    let r = TestRouter::new(&[]);
    assert_eq!(
        sale(&r, "cinema", 500, None).await.status,
        StatusCode::CREATED
    );
    let me = r.member(1, "bj/x");
    let hold = r
        .post(
            "/api/v1/events/cinema/reservations",
            &me,
            json!({"pool": "p"}),
        )
        .await;
    let code = hold.body["code"].as_str().unwrap().to_owned();
    let notice = json!({"payment_id": "wx-1", "event": "cinema", "code": code, "amount_fen": 500});
    let mut statuses = Vec::new();
    for _ in 0..60 {
        let answer = notify(&r, &notice, Some("a forger's guess")).await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(
                answer.headers.contains_key("retry-after"),
                "429 without Retry-After"
            );
        }
        statuses.push(answer.status);
    }
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert!(
        limited >= 30 && refused >= 20 && limited + refused == 60,
        "{statuses:?}"
    );
    let paid = notify(&r, &notice, Some(DEV_PAYMENT_SECRET)).await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.body);
    assert_eq!(paid.body["result"], "paid");
}
