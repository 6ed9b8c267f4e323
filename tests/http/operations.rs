//! Operations: limits, overload, a Redis that dies and comes back, the sold-out
//! fast path, metrics, graceful shutdown, logs, and the OpenAPI document.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use testkit::app::{assert_problem, spawn_app, spawn_app_on, spawn_app_with};
use testkit::card;

/// Counts of store grab calls, read from /metrics.
fn redis_cli(app: &testkit::app::TestApp, args: &[&str]) {
    let mut conn = app.redis.as_ref().unwrap().conn();
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    let _: redis::Value = cmd.query(&mut conn).unwrap();
}

#[tokio::test]
async fn a_member_over_the_rate_limit_gets_429_with_retry_after() {
    let app = spawn_app_with(&["--member-rate", "1", "--member-burst", "2"]).await;
    app.create_open_event("park", &[("pass", 5)]).await;
    let me = app.member(1, "bj/x");
    assert_eq!(
        app.grab(&me, "park", json!({"pool": "pass"})).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        app.grab(&me, "park", json!({"pool": "pass"})).await.0,
        StatusCode::OK
    );
    assert_problem(
        app.grab(&me, "park", json!({"pool": "pass"})).await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    );
    // Someone else is not affected.
    assert_eq!(
        app.grab(&app.member(2, "bj/x"), "park", json!({"pool": "pass"}))
            .await
            .0,
        StatusCode::CREATED
    );
    assert!(
        app.metrics()
            .await
            .contains("tg_rate_limited_total{scope=\"member\"} 1")
    );
}

#[tokio::test]
async fn an_ip_over_its_limit_gets_429_and_forwarded_for_counts_only_from_trusted_proxies() {
    let app = spawn_app_with(&[
        "--ip-rate",
        "1",
        "--ip-burst",
        "2",
        "--trusted-proxies",
        "127.0.0.1",
    ])
    .await;
    let me = app.member(1, "bj/x");
    let from = |ip: &'static str| {
        let req = app
            .client
            .get(format!("{}/api/v1/events", app.base))
            .bearer_auth(&me);
        req.header("x-forwarded-for", ip)
    };
    assert_eq!(
        from("203.0.113.1").send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        from("203.0.113.1").send().await.unwrap().status(),
        StatusCode::OK
    );
    let limited = from("203.0.113.1").send().await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    // The proxy (127.0.0.1) is trusted, so another client behind it has its own budget.
    assert_eq!(
        from("203.0.113.2").send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_oversized_body_gets_413_problem_json() {
    let app = spawn_app().await;
    app.create_open_event("park", &[("pass", 5)]).await;
    let huge = json!({"pool": "x".repeat(10_000)});
    assert_problem(
        app.grab(&app.member(1, "bj/x"), "park", huge).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
}

#[tokio::test]
async fn overload_is_shed_with_503_and_slow_requests_time_out_with_503() {
    let app =
        Arc::new(spawn_app_with(&["--max-in-flight", "1", "--request-timeout-ms", "400"]).await);
    app.create_open_event("park", &[("pass", 5)]).await;
    // Redis stalls every client for a while: the first grab holds the only slot.
    redis_cli(&app, &["CLIENT", "PAUSE", "1500"]);
    let first = {
        let app = app.clone();
        tokio::spawn(async move {
            app.grab(&app.member(1, "bj/x"), "park", json!({"pool": "pass"}))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_problem(
        app.grab(&app.member(2, "bj/x"), "park", json!({"pool": "pass"}))
            .await,
        StatusCode::SERVICE_UNAVAILABLE,
        "overloaded",
    );
    assert_problem(
        first.await.unwrap(),
        StatusCode::SERVICE_UNAVAILABLE,
        "overloaded",
    );
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("tg_shed_total{reason=\"overloaded\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("tg_shed_total{reason=\"timeout\"} 1"));
}

#[tokio::test]
async fn redis_stopped_mid_sale_answers_503_then_recovers_by_itself() {
    let mut app = spawn_app().await;
    app.create_open_event("park", &[("pass", 50)]).await;
    let me = app.member(1, "bj/x");
    let (status, held) = app.grab(&me, "park", json!({"pool": "pass"})).await;
    assert_eq!(status, StatusCode::CREATED);

    app.redis.as_mut().unwrap().kill();
    let started = Instant::now();
    assert_problem(
        app.grab(&app.member(2, "bj/x"), "park", json!({"pool": "pass"}))
            .await,
        StatusCode::SERVICE_UNAVAILABLE,
        "store_unavailable",
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered without hanging"
    );
    assert_problem(
        app.get("/api/v1/events", &me).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "store_unavailable",
    );
    let (status, _, _) = app
        .request(reqwest::Method::GET, "/readyz", None, None)
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (status, _, _) = app
        .request(reqwest::Method::GET, "/healthz", None, None)
        .await;
    assert_eq!(status, StatusCode::OK, "the process itself is fine");

    // Redis was in-memory for this test, so it comes back empty: recovery is
    // about the connection, which the crash tests of the durable setup extend.
    app.redis.as_mut().unwrap().restart();
    app.create_open_event("park", &[("pass", 50)]).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = app.grab(&me, "park", json!({"pool": "pass"})).await;
        if status == StatusCode::CREATED {
            assert_ne!(body["code"], held["code"]);
            break;
        }
        assert!(Instant::now() < deadline, "no recovery: {status} {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, _, _) = app
        .request(reqwest::Method::GET, "/readyz", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        app.metrics()
            .await
            .contains("tg_store_errors_total{kind=\"unavailable\",op=\"grab\"}")
    );
}

#[tokio::test]
async fn after_the_sell_out_the_flood_is_answered_from_memory_with_the_stores_answers() {
    let app = spawn_app().await;
    app.create_open_event("umbrella", &[("u", 3)]).await;
    let mut codes = Vec::new();
    for n in 0..3 {
        let (status, body) = app
            .grab(&app.member(n, "bj/x"), "umbrella", json!({"pool": "u"}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        codes.push(body["code"].clone());
    }
    assert_problem(
        app.grab(&app.member(3, "bj/x"), "umbrella", json!({"pool": "u"}))
            .await,
        StatusCode::CONFLICT,
        "sold_out",
    );
    // The read model reads the log every 20 ms; give it ten times that.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = app.store_calls("grab").await;
    for n in 4..104 {
        assert_problem(
            app.grab(&app.member(n, "bj/x"), "umbrella", json!({"pool": "u"}))
                .await,
            StatusCode::CONFLICT,
            "sold_out",
        );
    }
    for (n, code) in codes.iter().enumerate() {
        let (status, body) = app
            .grab(
                &app.member(n as u64, "bj/x"),
                "umbrella",
                json!({"pool": "u"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "a holder's retry gets the ticket");
        assert_eq!(&body["code"], code);
        assert_eq!(body["status"], "active");
    }
    assert_problem(
        app.grab(&app.member(500, "sh/x"), "umbrella", json!({"pool": "u"}))
            .await,
        StatusCode::FORBIDDEN,
        "not_eligible",
    );
    assert_problem(
        app.grab(
            &app.member(501, "bj/x"),
            "umbrella",
            json!({"pool": "nope"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
    assert_eq!(
        app.store_calls("grab").await,
        before,
        "the flood after the sell-out never reached Redis"
    );
    // A cancel through this process makes the ticket grabbable here at once.
    let (_, mine) = app
        .get("/api/v1/me/reservations", &app.member(0, "bj/x"))
        .await;
    let code = mine["reservations"][0]["code"].as_str().unwrap();
    assert_eq!(
        app.delete(
            &format!("/api/v1/me/reservations/umbrella/{code}"),
            &app.member(0, "bj/x")
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        app.grab(&app.member(200, "bj/x"), "umbrella", json!({"pool": "u"}))
            .await
            .0,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_ticket_returned_on_another_process_is_grabbable_within_a_second() {
    let first = spawn_app().await;
    let second = spawn_app_on(&first.redis.as_ref().unwrap().url(), &[]).await;
    first.create_open_event("umbrella", &[("u", 1)]).await;
    assert_eq!(
        first
            .grab(&first.member(0, "bj/x"), "umbrella", json!({"pool": "u"}))
            .await
            .0,
        StatusCode::CREATED
    );
    assert_problem(
        second
            .grab(&second.member(1, "bj/x"), "umbrella", json!({"pool": "u"}))
            .await,
        StatusCode::CONFLICT,
        "sold_out",
    );
    let (status, _) = first
        .post(
            "/api/v1/admin/events/umbrella/pools/u/restock",
            &first.admin("bj"),
            json!({"delta": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let returned = Instant::now();
    loop {
        let (status, body) = second
            .grab(&second.member(1, "bj/x"), "umbrella", json!({"pool": "u"}))
            .await;
        if status == StatusCode::CREATED {
            break;
        }
        assert_eq!(body["code"], "sold_out");
        assert!(
            returned.elapsed() < Duration::from_secs(1),
            "still sold out after a second"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn metrics_export_grabs_latency_stock_limits_and_store_calls() {
    let app = spawn_app().await;
    app.create_open_event("park", &[("pass", 5)]).await;
    app.grab(&app.member(1, "bj/x"), "park", json!({"pool": "pass"}))
        .await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let metrics = app.metrics().await;
    for needle in [
        "tg_grabs_total{event=\"park\",outcome=\"reserved\"} 1",
        "tg_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/v1/events/{event}/reservations\",status=\"201\"",
        "tg_pool_remaining{event=\"park\",pool=\"pass\"} 4",
        "tg_store_call_duration_seconds_count{op=\"grab\"} 1",
    ] {
        assert!(metrics.contains(needle), "missing {needle} in\n{metrics}");
    }
}

#[tokio::test]
async fn shutdown_lets_grabs_in_flight_finish() {
    let mut app = spawn_app().await;
    app.create_open_event("park", &[("pass", 50)]).await;
    let (base, client) = (app.base.clone(), app.client.clone());
    let tokens: Vec<String> = (0..20).map(|n| app.member(n, "bj/x")).collect();
    redis_cli(&app, &["CLIENT", "PAUSE", "800"]);
    let mut grabs = Vec::new();
    for token in tokens {
        let (base, client) = (base.clone(), client.clone());
        grabs.push(tokio::spawn(async move {
            client
                .post(format!("{base}/api/v1/events/park/reservations"))
                .bearer_auth(token)
                .json(&json!({"pool": "pass"}))
                .send()
                .await
                .map(|r| r.status())
        }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.stop().await;
    for g in grabs {
        assert_eq!(
            g.await.unwrap().expect("answered, not cut off"),
            StatusCode::CREATED
        );
    }
}

#[tokio::test]
async fn logs_hold_no_card_number() {
    let redis = testkit::redis_server::RedisServer::start();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ticketgrab"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--redis-url",
            &redis.url(),
        ])
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut lines = Vec::new();
    let addr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the server logs its address");
        lines.push(line.clone());
        if let Ok(v) = serde_json::from_str::<Value>(&line)
            && let Some(addr) = v["fields"]["addr"].as_str()
        {
            break addr.to_owned();
        }
    };
    let auth = ticketgrab::config::Secrets {
        member_secret: ticketgrab::config::DEV_MEMBER_SECRET.into(),
        staff_secret: ticketgrab::config::DEV_STAFF_SECRET.into(),
        card_secret: ticketgrab::config::DEV_CARD_SECRET.into(),
        payment_secret: ticketgrab::config::DEV_PAYMENT_SECRET.into(),
        issuer: "12351".into(),
        audience: None,
        member_token_max_secs: 24 * 3600,
        staff_token_max_secs: 24 * 3600,
        jwks: None,
    }
    .minter();
    let org = ticketgrab::domain::OrgPath::parse("bj").unwrap();
    let admin = auth.staff("a", ticketgrab::tokens::Role::Admin, &org, 600);
    let member = auth.member(&card(7), &org, 600);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let now = ticketgrab::domain::Millis::now().0;
    let body = testkit::app::event_body("logged", "bj", &[("p", 5)], now - 1000, now + 60_000);
    let base = format!("http://{addr}");
    assert_eq!(
        client
            .post(format!("{base}/api/v1/admin/events"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    client
        .post(format!("{base}/api/v1/events/logged/reservations"))
        .bearer_auth(&member)
        .json(&json!({"pool": "p"}))
        .send()
        .await
        .unwrap();
    client
        .post(format!("{base}/api/v1/station/issue"))
        .bearer_auth(&admin)
        .json(&json!({"event": "logged", "pool": "p", "card": card(8).digits()}))
        .send()
        .await
        .unwrap();
    client
        .post(format!("{base}/api/v1/station/redeem"))
        .bearer_auth(&admin)
        .json(&json!({"event": "logged", "card": card(8).digits()}))
        .send()
        .await
        .unwrap();
    client
        .post(format!("{base}/api/v1/station/issue"))
        .bearer_auth(&admin)
        .json(&json!({"event": "logged", "pool": "p", "card": "6217000000000000001"}))
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    child.kill().unwrap();
    let _ = child.wait();
    while let Ok(line) = rx.recv_timeout(Duration::from_millis(500)) {
        lines.push(line);
    }
    let all = lines.join("\n");
    assert!(
        all.contains("/api/v1/station/issue"),
        "requests were logged:\n{all}"
    );
    for digits in [card(7).digits(), card(8).digits(), "6217000000000000001"] {
        assert!(!all.contains(digits), "card number in the logs");
    }
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let app = spawn_app().await;
    let (status, doc) = app.get("/api/v1/openapi.json", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for (method, path) in [
        ("get", "/api/v1/events"),
        ("get", "/api/v1/events/{event}"),
        ("post", "/api/v1/events/{event}/reservations"),
        ("get", "/api/v1/me/reservations"),
        ("get", "/api/v1/me/reservations/{event}/{code}"),
        ("delete", "/api/v1/me/reservations/{event}/{code}"),
        ("get", "/api/v1/me/reservations/{event}/{code}/qr.svg"),
        ("post", "/api/v1/station/issue"),
        ("post", "/api/v1/station/redeem"),
        ("post", "/api/v1/admin/events"),
        ("get", "/api/v1/admin/events"),
        ("get", "/api/v1/admin/events/{event}"),
        ("post", "/api/v1/admin/events/{event}/pools/{pool}/restock"),
        ("post", "/api/v1/admin/events/{event}/pause"),
        ("post", "/api/v1/admin/events/{event}/resume"),
        ("post", "/api/v1/admin/events/{event}/close"),
        ("get", "/api/v1/admin/events/{event}/reservations.csv"),
        ("get", "/api/v1/admin/events/{event}/audit"),
        ("get", "/api/v1/admin/stream"),
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("get", "/metrics"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["securitySchemes"]["member"].is_object());
}

#[test]
fn a_bad_argument_is_one_line_on_stderr_not_a_stack_trace() {
    let out = Command::new(env!("CARGO_BIN_EXE_ticketgrab"))
        .args(["token", "member", "--card", "123", "--org", "bj"])
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: card number"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn logs_written_to_a_file_carry_no_colour_codes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ticketgrab"))
        .args(["serve", "--listen", "127.0.0.1:0", "--memory"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(first.contains("WARN"), "{first}");
    assert!(!first.contains('\u{1b}'), "an escape code in {first:?}");
}

/// `ticketgrab serve` started in `dir` with JSON logs and no store flag;
/// returns it, its base URL and its log lines up to "listening".
fn serve_in(dir: &std::path::Path) -> (std::process::Child, String, Vec<Value>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ticketgrab"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line: Value = serde_json::from_str(&line.unwrap()).unwrap();
        let listening = line["fields"]["message"] == "ticketgrab listening";
        lines.push(line);
        if listening {
            let addr = lines.last().unwrap()["fields"]["addr"]
                .as_str()
                .unwrap()
                .to_owned();
            return (child, format!("http://{addr}"), lines);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the service stopped before listening: {lines:?}");
}

#[tokio::test]
async fn by_default_the_embedded_store_keeps_sales_in_ticketgrab_data_across_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base, lines) = serve_in(dir.path());
    // The start log names the store and the directory.
    let store = lines
        .iter()
        .find(|l| l["fields"]["data_dir"].is_string())
        .unwrap_or_else(|| panic!("no line names the data directory: {lines:?}"));
    assert_eq!(store["fields"]["data_dir"], "ticketgrab-data");
    assert!(dir.path().join("ticketgrab-data/journal").exists());
    let app = testkit::app::TestApp::external(
        &base,
        ticketgrab::config::Config::parse(&[])
            .unwrap()
            .secrets
            .minter(),
    );
    let (_, ready) = app.get("/readyz", "").await;
    assert_eq!(ready["store"], "embedded");
    assert_eq!(ready["durable"], true);
    app.create_open_event("umbrella", &[("u", 500)]).await;
    let me = app.member(1, "bj/x");
    let (status, ticket) = app.grab(&me, "umbrella", json!({"pool": "u"})).await;
    assert_eq!(status, StatusCode::CREATED, "{ticket}");

    child.kill().unwrap();
    child.wait().unwrap();
    let (mut child, base, _) = serve_in(dir.path());
    let app = testkit::app::TestApp::external(&base, app.tokens);
    // The sale and the ticket are there; the id cannot be taken again.
    let (status, again) = app.grab(&me, "umbrella", json!({"pool": "u"})).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["code"], ticket["code"]);
    let (status, created) = app
        .post(
            "/api/v1/admin/events",
            &app.admin("bj"),
            testkit::app::event_body("umbrella", "bj", &[("u", 500)], 0, 1),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{created}");
    assert_eq!(created["code"], "exists");
    child.kill().unwrap();
    child.wait().unwrap();
}
