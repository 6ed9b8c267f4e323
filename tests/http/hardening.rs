//! What a black-box attack on the running service found, each as a test that
//! failed before its fix. The cheap cases run on the router (no socket, no
//! Redis); what needs sockets, a process or Redis runs for real.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use ticketgrab::domain::{Millis, OrgPath};
use ticketgrab::tokens::{MemberClaims, Minter, Role, now_secs};

use testkit::app::{assert_problem, spawn_app, spawn_app_flags, spawn_app_with};
use testkit::router::TestRouter;
use testkit::{card, redis_server::RedisServer};

/// A 16-digit card, as the issuer prints it.
const CARD_16: &str = "6217000010000048";

fn valid_16() -> String {
    ticketgrab::domain::with_check_digit(&CARD_16[..15])
}

// ---- 1. One card, one member, whatever zeros lead it -------------------------

#[tokio::test]
async fn leading_zeros_do_not_make_a_second_member_on_the_memory_store() {
    let r = TestRouter::new(&[]);
    r.create_open_event("park", &[("pass", 10)]).await;
    let station = r.station("bj");
    let card = valid_16();
    let mut codes = Vec::new();
    for zeros in ["", "0", "00", "000"] {
        let body = json!({"event": "park", "pool": "pass", "card": format!("{zeros}{card}")});
        let answer = r.post("/api/v1/station/issue", &station, body).await;
        let expected = if zeros.is_empty() {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        assert_eq!(answer.status, expected, "{zeros}: {}", answer.body);
        codes.push(answer.body["code"].clone());
    }
    // The app, with a token whose `sub` carries a zero in front.
    let token = r.tokens.member_claims(&MemberClaims {
        sub: format!("0{card}"),
        org: "bj/x".into(),
        groups: Vec::new(),
        iss: "12351".into(),
        exp: now_secs() + 600,
    });
    let answer = r
        .post(
            "/api/v1/events/park/reservations",
            &token,
            json!({"pool": "pass"}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    codes.push(answer.body["code"].clone());
    assert!(codes.iter().all(|c| *c == codes[0]), "{codes:?}");
    let audit = r.get("/api/v1/admin/events/park", &r.admin("bj")).await;
    assert_eq!(audit.body["pools"][0]["active"], 1);
}

#[tokio::test]
async fn leading_zeros_do_not_make_a_second_member_on_redis() {
    let app = spawn_app().await;
    app.create_open_event("park", &[("pass", 10)]).await;
    let station = app.station("bj");
    let card = valid_16();
    let mut codes = Vec::new();
    for zeros in ["", "0", "00", "000"] {
        let body = json!({"event": "park", "pool": "pass", "card": format!("{zeros}{card}")});
        let (status, r) = app.post("/api/v1/station/issue", &station, body).await;
        let expected = if zeros.is_empty() {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        assert_eq!(status, expected, "{zeros}: {r}");
        codes.push(r["code"].clone());
    }
    let token = app.tokens.member_claims(&MemberClaims {
        sub: format!("00{card}"),
        org: "bj/x".into(),
        groups: Vec::new(),
        iss: "12351".into(),
        exp: now_secs() + 600,
    });
    let (status, r) = app.grab(&token, "park", json!({"pool": "pass"})).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    codes.push(r["code"].clone());
    assert!(codes.iter().all(|c| *c == codes[0]), "{codes:?}");
    let (_, audit) = app
        .get("/api/v1/admin/events/park/audit", &app.admin("bj"))
        .await;
    assert_eq!(audit["ok"], true);
    assert_eq!(audit["pools"][0]["active"], 1);
}

// ---- 2. Idle sockets ---------------------------------------------------------

/// Reads until the server closes the connection or `within` passes; returns
/// what was read and whether it was closed.
fn read_until_closed(conn: &mut TcpStream, within: Duration) -> (String, bool) {
    conn.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let deadline = Instant::now() + within;
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while Instant::now() < deadline {
        match conn.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return (format!("{}<{e}>", String::from_utf8_lossy(&got)), true),
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_sockets_are_closed_and_cannot_starve_members() {
    let app = spawn_app_flags(&["--header-timeout-ms", "2500", "--max-connections", "200"]).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    // A member already connected (keep-alive) before the flood, who keeps
    // asking through it (every 100 ms, well inside the idle timeout).
    let member = reqwest::Client::builder().no_proxy().build().unwrap();
    let health = format!("{}/healthz", app.base);
    assert!(
        member
            .get(&health)
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let asking = {
        let (member, health) = (member.clone(), health.clone());
        tokio::spawn(async move {
            let mut statuses = Vec::new();
            loop {
                statuses.push(
                    member
                        .get(&health)
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                        .unwrap_or(0),
                );
                tokio::select! {
                    _ = &mut stop_rx => return statuses,
                    () = tokio::time::sleep(Duration::from_millis(100)) => {}
                }
            }
        })
    };

    // 260 sockets that send nothing, one with half a header, one trickling.
    let flood_addr = addr.clone();
    let (silent, mut half) = tokio::task::spawn_blocking(move || {
        let silent: Vec<TcpStream> = (0..260)
            .map(|_| TcpStream::connect(&flood_addr).unwrap())
            .collect();
        let mut half = TcpStream::connect(&flood_addr).unwrap();
        half.write_all(b"GET /healthz HTTP/1.1\r\nHo").unwrap();
        (silent, half)
    })
    .await
    .unwrap();
    let trickle_addr = addr.clone();
    let trickle = std::thread::spawn(move || {
        let mut conn = TcpStream::connect(&trickle_addr).unwrap();
        let started = Instant::now();
        for b in b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" {
            std::thread::sleep(Duration::from_millis(300));
            if conn.write_all(&[*b]).is_err() {
                return started.elapsed();
            }
        }
        started.elapsed()
    });
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Every silent socket ends closed: over the cap at once with a 503 and
    // Retry-After, under it by the header timeout.
    let (refused, timed_out, open) = tokio::task::spawn_blocking(move || {
        let mut silent = silent;
        let (mut refused, mut timed_out, mut open) = (Vec::new(), 0, 0);
        for conn in silent.iter_mut() {
            match read_until_closed(conn, Duration::from_secs(5)) {
                (got, true) if got.is_empty() => timed_out += 1,
                (got, true) => refused.push(got),
                (_, false) => open += 1,
            }
        }
        (refused, timed_out, open)
    })
    .await
    .unwrap();
    assert_eq!(open, 0, "silent sockets left open");
    assert!(
        refused.len() >= 50,
        "only {} of 260 over a cap of 200 were refused",
        refused.len()
    );
    assert!(
        refused
            .iter()
            .all(|r| r.starts_with("HTTP/1.1 503") && r.contains("retry-after: 1")),
        "{:?}",
        &refused[..1]
    );
    assert!(timed_out >= 150, "{timed_out} closed by the header timeout");
    let _ = stop_tx.send(());
    let statuses = asking.await.unwrap();
    assert!(statuses.len() >= 10, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 200),
        "the member was not answered: {statuses:?}"
    );
    let (_, half_closed) = read_until_closed(&mut half, Duration::from_secs(4));
    assert!(half_closed, "half a header is cut");
    let trickled = tokio::task::spawn_blocking(move || trickle.join().unwrap())
        .await
        .unwrap();
    assert!(
        trickled < Duration::from_secs(6),
        "a trickle is cut at the header timeout"
    );
    // Fresh connections are served again.
    let fresh = reqwest::Client::builder().no_proxy().build().unwrap();
    assert!(
        fresh
            .get(&health)
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );
}

// ---- 3 and 4 and 6: the process: shutdown, store warnings, help ---------------

struct Process {
    child: std::process::Child,
    base: String,
    output: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The real binary, `serve` with these flags; waits for it to listen.
fn start(flags: &[&str]) -> Process {
    let memory: &[&str] = if testkit::names_a_store(flags) {
        &[]
    } else {
        &["--memory"]
    };
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ticketgrab"))
        .arg("serve")
        .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
        .args(flags)
        .args(memory)
        // As the container image sets it: --memory still wins, and a
        // --data-dir flag overrides it.
        .env("TG_DATA_DIR", "/nonexistent/ticketgrab-data")
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the ticketgrab binary starts");
    let output = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    for pipe in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let (output, tx) = (output.clone(), tx.clone());
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line)
                    && let Some(addr) = v["fields"]["addr"].as_str()
                {
                    let _ = tx.send(addr.to_owned());
                }
                output.lock().unwrap().push_str(&(line + "\n"));
            }
        });
    }
    let addr = rx
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("no address logged: {}", output.lock().unwrap()));
    Process {
        child,
        base: format!("http://{addr}"),
        output,
    }
}

fn dev_minter() -> Minter {
    Minter::new(
        ticketgrab::config::DEV_MEMBER_SECRET,
        ticketgrab::config::DEV_STAFF_SECRET,
        "12351",
    )
}

fn sigterm(child: &std::process::Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_exit(
    child: &mut std::process::Child,
    within: Duration,
) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_streams_and_cuts_stuck_requests_within_the_grace() {
    let mut p = start(&["--shutdown-grace-ms", "2000"]);
    let admin = dev_minter().staff("a", Role::Admin, &OrgPath::parse("bj").unwrap(), 600);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut stream = client
        .get(format!("{}/api/v1/admin/stream", p.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    // A request whose body never finishes.
    let addr = p.base.trim_start_matches("http://").to_owned();
    let mut stuck = TcpStream::connect(&addr).unwrap();
    stuck
        .write_all(
            format!(
                "POST /api/v1/admin/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin}\r\n\
                 Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{{\"id\":"
            )
            .as_bytes(),
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    sigterm(&p.child);
    let status = wait_exit(&mut p.child, Duration::from_secs(6));
    assert!(
        status.is_some(),
        "still running {:?} after SIGTERM: {}",
        started.elapsed(),
        p.output.lock().unwrap()
    );
    // The stream ended rather than hanging.
    let rest = tokio::time::timeout(Duration::from_secs(2), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(rest.is_ok(), "the stream ended");
}

#[tokio::test]
async fn the_memory_store_warns_that_it_keeps_nothing_and_readyz_says_so() {
    let p = start(&[]);
    let ready: Value = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{}/readyz", p.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["store"], "memory");
    assert_eq!(ready["durable"], false);
    let log = p.output.lock().unwrap().clone();
    assert!(
        log.contains("WARN") && log.contains("NOT durable"),
        "no warning in: {log}"
    );
}

#[test]
fn a_redis_url_that_is_wrong_or_unreachable_stops_the_start() {
    for url in ["redis://127.0.0.1:1", "not a url", ""] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ticketgrab"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--store-timeout-ms",
                "500",
            ])
            .env("TG_REDIS_URL", url)
            .output()
            .unwrap();
        assert!(!out.status.success(), "started with TG_REDIS_URL={url:?}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("store"), "{url:?}: {said}");
    }
}

#[test]
fn help_shows_no_secret_and_says_the_memory_store_is_not_durable() {
    for args in [&["serve", "--help"][..], &["token", "--help"]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ticketgrab"))
            .args(args)
            .env("TG_MEMBER_SECRET", "s3cret-member-value")
            .env("TG_STAFF_SECRET", "s3cret-staff-value")
            .env("TG_CARD_SECRET", "s3cret-card-value")
            .env("TG_REDIS_URL", "redis://user:s3cret-redis@host:1")
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("TG_MEMBER_SECRET"), "{help}");
        assert!(!help.contains("s3cret"), "{args:?} shows a secret:\n{help}");
        if args[0] == "serve" {
            assert!(help.contains("NOT durable"), "{help}");
        }
    }
}

// ---- 5. No request value echoed ------------------------------------------------

#[tokio::test]
async fn a_card_in_a_bad_body_is_never_echoed() {
    let r = TestRouter::new(&[]);
    r.create_open_event("park", &[("pass", 5)]).await;
    let station = r.station("bj");
    let card = "6217000010000044449";
    for body in [
        format!(r#"{{"event": "park", "pool": "pass", "card": {card}}}"#),
        format!(r#"{{"event": "park", "pool": "pass", "card": "x", "{card}": 1}}"#),
        format!(r#"{{"event": "{card}", "pool": "pass", "card": "{card}"}}"#),
        format!(r#"{{"event": "park", "pool": "{card}x", "card": "{card}"}}"#),
    ] {
        let answer = r
            .send(
                Method::POST,
                "/api/v1/station/issue",
                Some(&station),
                Some(&body),
            )
            .await;
        assert!(answer.status.is_client_error(), "{}", answer.body);
        let text = answer.body.to_string();
        assert!(!text.contains(card), "echoed: {text}");
    }
    let answer = r
        .send(
            Method::POST,
            "/api/v1/station/issue",
            Some(&station),
            Some(&format!(
                r#"{{"event": "park", "pool": "pass", "card": {card}}}"#
            )),
        )
        .await;
    let detail = answer.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("`card`") && detail.contains("string"),
        "{detail}"
    );
}

// ---- 7. Readiness is cheap, and ops are limited per IP -------------------------

fn command_calls(redis: &RedisServer, commands: &[&str]) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut redis.conn())
        .unwrap();
    info.lines()
        .filter_map(|l| {
            let (name, rest) = l.strip_prefix("cmdstat_")?.split_once(':')?;
            commands.contains(&name).then_some(rest)
        })
        .filter_map(|rest| {
            rest.split(',')
                .next()?
                .strip_prefix("calls=")?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

#[tokio::test]
async fn readiness_costs_the_store_at_most_a_call_a_second() {
    let app = spawn_app().await;
    let redis = app.redis.as_ref().unwrap();
    let before = command_calls(redis, &["ping", "script|load", "evalsha", "eval"]);
    let started = Instant::now();
    for _ in 0..300 {
        let (status, _, body) = app
            .request(reqwest::Method::GET, "/readyz", None, None)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains(r#""store":"redis""#), "{body}");
    }
    let calls = command_calls(redis, &["ping", "script|load", "evalsha", "eval"]) - before;
    let seconds = started.elapsed().as_secs() + 1;
    assert!(
        calls <= 2 * seconds,
        "{calls} store calls for 300 probes in {seconds} s"
    );
}

#[tokio::test]
async fn ops_routes_are_behind_the_per_ip_limit() {
    let r = TestRouter::new(&["--ip-rate", "1", "--ip-burst", "2"]);
    for path in ["/healthz", "/readyz"] {
        let _ = r.send(Method::GET, path, None, None).await;
    }
    r.send(Method::GET, "/metrics", None, None)
        .await
        .problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

// ---- 8. Out of memory is an answer, not a broken connection -----------------------

#[tokio::test]
async fn redis_out_of_memory_answers_503_keeps_its_connections_and_is_not_ready() {
    let app = spawn_app().await;
    app.create_open_event("park", &[("pass", 100)]).await;
    let redis = app.redis.as_ref().unwrap();
    let connections = |r: &RedisServer| -> u64 {
        let info: String = redis::cmd("INFO")
            .arg("stats")
            .query(&mut r.conn())
            .unwrap();
        info.lines()
            .find_map(|l| l.strip_prefix("total_connections_received:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap()
    };
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory")
        .arg("1")
        .query(&mut redis.conn())
        .unwrap();
    let before = connections(redis);
    for n in 0..40 {
        let (status, headers, body) = app
            .request(
                reqwest::Method::POST,
                "/api/v1/events/park/reservations",
                Some(&app.member(n, "bj/x")),
                Some(json!({"pool": "pass"})),
            )
            .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(body.contains("store_unavailable"), "{body}");
        assert!(headers.contains_key("retry-after"));
    }
    // Two of these are this test's own INFO and CONFIG connections.
    let opened = connections(redis) - before;
    assert!(opened <= 4, "{opened} new connections for 40 refused grabs");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, _, _) = app
        .request(reqwest::Method::GET, "/readyz", None, None)
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory")
        .arg("0")
        .query(&mut redis.conn())
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, _, _) = app
        .request(reqwest::Method::GET, "/readyz", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.grab(&app.member(1, "bj/x"), "park", json!({"pool": "pass"}))
            .await
            .0,
        StatusCode::CREATED
    );
}

// ---- 10. A member's list asks only about recent events --------------------------

#[tokio::test]
async fn my_reservations_asks_the_store_about_recent_events_only() {
    let app = spawn_app().await;
    let now = Millis::now().0;
    let day = 24 * 3_600_000;
    for i in 0..12 {
        app.create_event(
            &format!("old-{i}"),
            "bj",
            &[("p", 5)],
            now - 90 * day,
            now - 60 * day,
        )
        .await;
    }
    app.create_open_event("park", &[("pass", 5)]).await;
    let me = app.member(1, "bj/x");
    assert_eq!(
        app.grab(&me, "park", json!({"pool": "pass"})).await.0,
        StatusCode::CREATED
    );
    let (status, first) = app.get("/api/v1/me/reservations", &me).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["reservations"].as_array().unwrap().len(), 1);
    let redis = app.redis.as_ref().unwrap();
    let before = command_calls(redis, &["evalsha"]);
    let (_, again) = app.get("/api/v1/me/reservations", &me).await;
    assert_eq!(again, first);
    let calls = command_calls(redis, &["evalsha"]) - before;
    assert!(
        calls <= 1,
        "{calls} scripts for one member's list of one recent event"
    );
}

// ---- 11. The live stream ends with its token ------------------------------------

#[tokio::test]
async fn the_admin_stream_ends_when_its_token_expires() {
    let app = spawn_app_with(&[]).await;
    let token = app
        .tokens
        .staff("a", Role::Admin, &OrgPath::parse("bj").unwrap(), 2);
    let mut stream = app
        .client
        .get(format!("{}/api/v1/admin/stream", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let ended = tokio::time::timeout(Duration::from_secs(6), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream outlived its token");
}

// ---- 12. Restock deltas ----------------------------------------------------------

#[tokio::test]
async fn a_restock_delta_that_overflows_or_passes_the_cap_is_refused() {
    let r = TestRouter::new(&[]);
    r.create_open_event("park", &[("pass", 5)]).await;
    let admin = r.admin("bj");
    let path = "/api/v1/admin/events/park/pools/pass/restock";
    r.post(path, &admin, json!({"delta": i64::MIN}))
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_request");
    let over = r.post(path, &admin, json!({"delta": 10_000_000})).await;
    let body = over.problem(StatusCode::CONFLICT, "above_limit");
    assert_eq!(body["total"], 5);
    let ok = r.post(path, &admin, json!({"delta": 9_999_995})).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    r.post(path, &admin, json!({"delta": 1}))
        .await
        .problem(StatusCode::CONFLICT, "above_limit");
}

#[tokio::test]
async fn a_restock_past_the_cap_is_refused_on_redis_too() {
    let app = spawn_app().await;
    app.create_open_event("park", &[("pass", 5)]).await;
    let path = "/api/v1/admin/events/park/pools/pass/restock";
    assert_problem(
        app.post(path, &app.admin("bj"), json!({"delta": 10_000_000}))
            .await,
        StatusCode::CONFLICT,
        "above_limit",
    );
}

// ---- 13. Request ids --------------------------------------------------------------

#[tokio::test]
async fn a_forged_request_id_is_replaced_and_a_safe_one_kept() {
    let app = spawn_app_flags(&[]).await;
    let send = |id: &'static str| {
        app.client
            .get(format!("{}/healthz", app.base))
            .header("x-request-id", id)
            .send()
    };
    let forged = send("1 staff=root action=close").await.unwrap();
    let echoed = forged.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        !echoed.contains(' ') && !echoed.contains("staff"),
        "{echoed}"
    );
    let safe = send("req-42.a_b").await.unwrap();
    assert_eq!(safe.headers()["x-request-id"], "req-42.a_b");
}

// ---- 14. JWT ----------------------------------------------------------------------

fn sign(claims: Value, header: Value) -> String {
    use base64::Engine as _;
    use hmac::Mac;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let signing = format!("{}.{}", b64(&header), b64(&claims));
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(
        ticketgrab::config::DEV_MEMBER_SECRET.as_bytes(),
    )
    .unwrap();
    mac.update(signing.as_bytes());
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing}.{sig}")
}

fn claims(extra: Value) -> Value {
    let mut c = json!({
        "sub": card(1).digits(), "org": "bj/x", "iss": "12351", "exp": now_secs() + 600,
    });
    c.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    c
}

#[tokio::test]
async fn member_tokens_are_held_to_nbf_lifetime_crit_and_audience() {
    let r = TestRouter::new(&[]);
    let hs256 = json!({"alg": "HS256", "typ": "JWT"});
    let status = |token: String| {
        let r = &r;
        async move { r.get("/api/v1/events", &token).await.status }
    };
    assert_eq!(
        status(sign(claims(json!({})), hs256.clone())).await,
        StatusCode::OK
    );
    let later = now_secs() + 3_600;
    assert_eq!(
        status(sign(claims(json!({"nbf": later})), hs256.clone())).await,
        StatusCode::UNAUTHORIZED,
        "not before"
    );
    assert_eq!(
        status(sign(
            claims(json!({"exp": now_secs() + 3 * 24 * 3600})),
            hs256.clone()
        ))
        .await,
        StatusCode::UNAUTHORIZED,
        "a lifetime over a day"
    );
    let crit = json!({"alg": "HS256", "typ": "JWT", "crit": ["exp"]});
    assert_eq!(
        status(sign(claims(json!({})), crit)).await,
        StatusCode::UNAUTHORIZED,
        "an unknown critical header"
    );
    assert_eq!(
        status(sign(claims(json!({"aud": "12351-app"})), hs256.clone())).await,
        StatusCode::OK,
        "aud is not checked when no audience is configured"
    );
    // The scheme's name is case-insensitive.
    let token = sign(claims(json!({})), hs256.clone());
    let answer = r.send(Method::GET, "/api/v1/events", None, None).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let lower = r
        .send_with_auth("/api/v1/events", &format!("bearer {token}"))
        .await;
    assert_eq!(lower, StatusCode::OK);

    let with_aud = TestRouter::new(&["--audience", "12351-app"]);
    let aud_status = |token: String| {
        let r = &with_aud;
        async move { r.get("/api/v1/events", &token).await.status }
    };
    assert_eq!(
        aud_status(sign(claims(json!({})), hs256.clone())).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        aud_status(sign(claims(json!({"aud": "other"})), hs256.clone())).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        aud_status(sign(claims(json!({"aud": "12351-app"})), hs256)).await,
        StatusCode::OK
    );
}

// ---- 15. Pages are not framed, sniffed or scripted from elsewhere --------------------

#[tokio::test]
async fn the_pages_send_csp_frame_and_nosniff_headers() {
    let app = spawn_app_flags(&[]).await;
    for page in ["/dashboard", "/app"] {
        let resp = app
            .client
            .get(format!("{}{page}", app.base))
            .send()
            .await
            .unwrap();
        let h = resp.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["x-content-type-options"], "nosniff");
    }
}

/// What hyper refuses before any handler runs is a problem document too:
/// a request that is not HTTP, an address too long, headers too large.
#[tokio::test]
async fn requests_hyper_cannot_read_get_problem_documents() {
    let app = spawn_app_flags(&["--memory"]).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let cases: Vec<(Vec<u8>, u16, &str)> = vec![
        (b"GARBAGE \x01\x02\r\n\r\n".to_vec(), 400, "invalid_request"),
        (
            format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000)).into_bytes(),
            414,
            "uri_too_long",
        ),
        (
            format!(
                "GET /healthz HTTP/1.1\r\nHost: x\r\n{}\r\n",
                (0..2_000)
                    .map(|i| format!("x-filler-{i}: {}\r\n", "b".repeat(300)))
                    .collect::<String>()
            )
            .into_bytes(),
            431,
            "headers_too_large",
        ),
    ];
    for (request, status, code) in cases {
        let addr = addr.clone();
        let answer = tokio::task::spawn_blocking(move || {
            let mut conn = TcpStream::connect(&addr).unwrap();
            let _ = conn.write_all(&request);
            read_until_closed(&mut conn, Duration::from_secs(5)).0
        })
        .await
        .unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        assert!(head.starts_with(&format!("HTTP/1.1 {status} ")), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/problem+json"),
            "{head}"
        );
        let body: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body:?}"));
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["status"], status);
    }
}
