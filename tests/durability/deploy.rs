//! deploy/: what can be checked on this machine (no container engine here):
//! nginx accepts its config, Prometheus its config and alert rules (and the
//! rules fire as meant), the Grafana dashboard and the alerts query only
//! metrics the service or the real redis_exporter export and never sum a
//! gauge every instance reports, the exporter's Redis user reads health and
//! nothing more, the compose file mounts files that exist, and the image
//! runs as a non-root user.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use testkit::app::spawn_app;

fn deploy(path: &str) -> String {
    format!("{}/deploy/{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn nginx_accepts_the_shipped_config() {
    // nginx -t resolves upstream host names; the compose names become loopback.
    let dir = tempfile::tempdir().unwrap();
    let conf = std::fs::read_to_string(deploy("nginx/nginx.conf"))
        .unwrap()
        .replace("ticketgrab-1", "127.0.0.1")
        .replace("ticketgrab-2", "127.0.0.2");
    let path = dir.path().join("nginx.conf");
    std::fs::write(&path, conf).unwrap();
    let out = Command::new("nginx")
        .arg("-t")
        .arg("-c")
        .arg(&path)
        .arg("-p")
        .arg(dir.path())
        .arg("-g")
        .arg(format!("error_log {}/error.log;", dir.path().display()))
        .output()
        .unwrap_or_else(|e| {
            panic!("nginx is not available ({e}): install the Debian package `nginx-light`")
        });
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && said.contains("test is successful"),
        "{said}"
    );
}

#[test]
fn the_shipped_nginx_does_not_publish_metrics() {
    // The real nginx with the shipped config on a free port: /metrics is 404
    // there, whatever the instances behind it answer.
    let dir = tempfile::tempdir().unwrap();
    let port = testkit::free_port();
    let conf = std::fs::read_to_string(deploy("nginx/nginx.conf"))
        .unwrap()
        .replace("ticketgrab-1", "127.0.0.1")
        .replace("ticketgrab-2", "127.0.0.2")
        .replace("listen 80;", &format!("listen 127.0.0.1:{port};"))
        .replace(
            "pid /tmp/nginx.pid;",
            &format!("pid {}/nginx.pid;", dir.path().display()),
        );
    let path = dir.path().join("nginx.conf");
    std::fs::write(&path, conf).unwrap();
    let mut nginx = Command::new("nginx")
        .arg("-c")
        .arg(&path)
        .arg("-p")
        .arg(dir.path())
        .arg("-g")
        .arg(format!(
            "daemon off; error_log {}/error.log;",
            dir.path().display()
        ))
        // Not the test's own output: a process holding it open keeps a
        // reader of `cargo test` waiting.
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("nginx is not available ({e}): install the Debian package `nginx-light`")
        });
    let answer = (0..100).find_map(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        use std::io::{Read, Write};
        conn.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .ok()?;
        let mut out = String::new();
        conn.read_to_string(&mut out).ok()?;
        Some(out)
    });
    // SIGTERM, not SIGKILL: the master then stops its workers, which a
    // killed master leaves running (and serving) behind it.
    let _ = Command::new("kill")
        .args(["-TERM", &nginx.id().to_string()])
        .status();
    let _ = nginx.wait();
    let answer = answer.expect("nginx answered");
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
}

/// The metrics a query reads: ours (`tg_*`, histograms by their base
/// name), redis_exporter's (`redis_*`) and Prometheus's `up`.
fn metric_names(expr: &str) -> Vec<String> {
    let word = regex::Regex::new(r"\b(tg_|redis_)[a-z0-9_]+|\bup\{").unwrap();
    word.find_iter(expr)
        .map(|m| {
            let name = m.as_str().trim_end_matches('{');
            if name.starts_with("tg_") {
                ["_bucket", "_sum", "_count"]
                    .iter()
                    .fold(name.to_owned(), |n, s| {
                        n.strip_suffix(s).map_or(n.clone(), str::to_owned)
                    })
            } else {
                name.to_owned()
            }
        })
        .collect()
}

/// Every query of the Grafana dashboard and the alert rules.
fn queries() -> Vec<String> {
    let dashboard: Value = serde_json::from_str(
        &std::fs::read_to_string(deploy("grafana/dashboards/ticketgrab.json")).unwrap(),
    )
    .unwrap();
    let mut exprs: Vec<String> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            p["targets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["expr"].as_str().unwrap().to_owned())
        })
        .collect();
    let alerts = std::fs::read_to_string(deploy("prometheus/alerts.yml")).unwrap();
    exprs.extend(
        alerts
            .lines()
            .filter_map(|l| l.trim().strip_prefix("expr: "))
            .map(str::to_owned),
    );
    exprs
}

/// /metrics of a service that sold a ticket.
async fn service_metrics() -> String {
    let app = spawn_app().await;
    app.create_open_event("m", &[("p", 5)]).await;
    app.grab(&app.member(1, "bj/x"), "m", json!({"pool": "p"}))
        .await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    app.metrics().await
}

fn exported(metrics: &str, kind: Option<&str>) -> BTreeSet<String> {
    metrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter(|l| kind.is_none_or(|k| l.split_whitespace().nth(1) == Some(k)))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn every_metric_the_dashboard_and_the_alerts_query_is_exported() {
    let queried: BTreeSet<String> = queries().iter().flat_map(|e| metric_names(e)).collect();
    assert!(queried.len() >= 10, "{queried:?}");
    let ours = exported(&service_metrics().await, None);
    let redis = redis_exporter_metrics();
    let theirs = exported(&redis, None);
    let missing: Vec<&String> = queried
        .iter()
        .filter(|m| {
            if m.starts_with("tg_") {
                !ours.contains(*m)
            } else if m.starts_with("redis_") {
                !theirs.contains(*m)
            } else {
                // Prometheus's own series of each target.
                m.as_str() != "up"
            }
        })
        .collect();
    assert!(
        missing.is_empty(),
        "queried but exported by neither the service nor redis_exporter: {missing:?}"
    );
}

/// Every instance reports the same stock (they read one Redis): a query that
/// sums `tg_pool_remaining` over instances shows it twice with two. So a
/// gauge of ours is read only through `max` or `min`, by labels without
/// `instance`, before anything else touches it.
#[tokio::test]
async fn no_query_sums_a_gauge_that_every_instance_reports() {
    let gauges = exported(&service_metrics().await, Some("gauge"));
    assert!(gauges.contains("tg_pool_remaining"), "{gauges:?}");
    let wrapped = regex::Regex::new(r"(\w+)\s*(?:by\s*\(([^)]*)\))?\s*\(\s*$").unwrap();
    let mut read = 0;
    for expr in queries() {
        for gauge in &gauges {
            for (at, _) in expr.match_indices(gauge.as_str()) {
                read += 1;
                let around = wrapped.captures(&expr[..at]);
                let ok = around.as_ref().is_some_and(|c| {
                    ["max", "min"].contains(&&c[1])
                        && !c.get(2).is_some_and(|by| by.as_str().contains("instance"))
                });
                assert!(
                    ok,
                    "{expr}: read {gauge} through max/min by labels without instance"
                );
            }
        }
    }
    assert!(read >= 3, "the dashboard and alerts read the stock gauge");
    // The check bites: the dashboard's old stock query fails it.
    let old = "sum by (event, pool) (max by (event, pool, instance) (tg_pool_remaining))";
    let at = old.find("tg_pool_remaining").unwrap();
    let c = wrapped.captures(&old[..at]).unwrap();
    assert!(c[2].contains("instance"));
}

#[test]
fn prometheus_accepts_its_config_and_alert_rules() {
    let out = Command::new("promtool")
        .args(["check", "config"])
        .arg(deploy("prometheus/prometheus.yml"))
        .output()
        .unwrap_or_else(|e| {
            panic!("promtool is not available ({e}): install the Debian package `prometheus`")
        });
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("6 rules found"), "{said}");
    // The rules at work: two instances report the same stock; the sold-out
    // alert fires once per pool, not per instance, and only at zero.
    let dir = tempfile::tempdir().unwrap();
    let tests = dir.path().join("alerts_test.yml");
    std::fs::write(
        &tests,
        format!(
            r#"rule_files: ["{}"]
evaluation_interval: 15s
tests:
  - interval: 15s
    input_series:
      - series: 'tg_pool_remaining{{instance="a", event="park", pool="pass"}}'
        values: "3 1 0 0"
      - series: 'tg_pool_remaining{{instance="b", event="park", pool="pass"}}'
        values: "3 1 0 0"
      - series: 'tg_pool_remaining{{instance="a", event="park", pool="gift"}}'
        values: "9 9 9 9"
    alert_rule_test:
      - eval_time: 15s
        alertname: TicketgrabSoldOut
        exp_alerts: []
      - eval_time: 45s
        alertname: TicketgrabSoldOut
        exp_alerts:
          - exp_labels: {{ severity: info, event: park, pool: pass }}
            exp_annotations:
              summary: "park / pass has no tickets left"
"#,
            deploy("prometheus/alerts.yml")
        ),
    )
    .unwrap();
    let out = Command::new("promtool")
        .args(["test", "rules"])
        .arg(&tests)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The real redis_exporter (Debian's `prometheus-redis-exporter`) against a
/// Redis on the shipped redis.conf, as its `monitor` user: its /metrics.
fn redis_exporter_metrics() -> String {
    let redis = testkit::redis_server::RedisServer::start_as(
        &[&crate::durable_conf()],
        Some(("default", "admin-change-me")),
    );
    let port = testkit::free_port();
    let mut exporter = Command::new("prometheus-redis-exporter")
        .arg("-redis.addr")
        .arg(format!("redis://127.0.0.1:{}", redis.port))
        .args(["-redis.user", "monitor", "-redis.password", "monitor-change-me"])
        .arg("-web.listen-address")
        .arg(format!("127.0.0.1:{port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "redis_exporter is not available ({e}): install the Debian package `prometheus-redis-exporter`"
            )
        });
    let started = std::time::Instant::now();
    let metrics = loop {
        let got = std::net::TcpStream::connect(("127.0.0.1", port))
            .ok()
            .and_then(|mut s| {
                use std::io::{Read, Write};
                s.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").ok()?;
                let mut body = String::new();
                s.read_to_string(&mut body).ok()?;
                Some(body)
            });
        if let Some(body) = got.filter(|b| b.contains("redis_up")) {
            break body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "redis_exporter did not answer"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = exporter.kill();
    let _ = exporter.wait();
    metrics
}

#[test]
fn redis_exporter_reads_redis_health_as_the_monitor_user_and_nothing_more() {
    let metrics = redis_exporter_metrics();
    // A command its ACL refuses would show as a scrape error with its message.
    for line in [
        "redis_up 1",
        "redis_aof_enabled 1",
        r#"redis_exporter_last_scrape_error{err=""} 0"#,
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "no `{line}` in:\n{metrics}"
        );
    }
    // The monitor user reads no key and writes nothing.
    let redis = testkit::redis_server::RedisServer::start_as(
        &[&crate::durable_conf()],
        Some(("default", "admin-change-me")),
    );
    let mut monitor = redis::Client::open(redis.url_as("monitor", "monitor-change-me"))
        .unwrap()
        .get_connection()
        .unwrap();
    for cmd in [
        &["GET", "tg:{e}:meta"][..],
        &["SET", "x", "1"],
        &["FLUSHALL"],
    ] {
        let mut c = redis::cmd(cmd[0]);
        for a in &cmd[1..] {
            c.arg(*a);
        }
        let refused = c.query::<redis::Value>(&mut monitor).unwrap_err();
        assert!(
            refused.to_string().to_lowercase().contains("noperm"),
            "{cmd:?}: {refused}"
        );
    }
}

/// The integration user reads every sale's log but not the lottery's seed,
/// on the shipped ACL with the service writing as `ticketgrab`.
#[tokio::test]
async fn the_reader_user_reads_the_log_but_never_a_lotterys_seed() {
    use reqwest::StatusCode;
    use serde_json::json;
    let redis = testkit::redis_server::RedisServer::start_as(
        &[&crate::durable_conf()],
        Some(("default", "admin-change-me")),
    );
    let app =
        testkit::app::spawn_app_on(&redis.url_as("ticketgrab", "ticketgrab-change-me"), &[]).await;
    let now = ticketgrab::domain::Millis::now().0;
    let at = |ms: i64| ticketgrab::domain::Millis(ms).rfc3339();
    let (status, created) = app
        .post(
            "/api/v1/admin/events",
            &app.admin("bj"),
            json!({
                "id": "theatre", "title": "儿童剧", "org": "bj",
                "opens_at": at(now - 1_000), "closes_at": at(now + 3_600_000), "price_fen": 0,
                "mode": "lottery", "draw_at": at(now + 3_600_000),
                "public_source": "drand round 5000000",
                "pools": [{"id": "s1", "title": "第1场", "total": 3}]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let me = app.member(1, "bj/x");
    let (status, entered) = app
        .post(
            "/api/v1/events/theatre/entry",
            &me,
            json!({"choices": ["s1"]}),
        )
        .await;
    assert!(status.is_success(), "{entered}");

    let mut reader = redis::Client::open(redis.url_as("reader", "reader-change-me"))
        .unwrap()
        .get_connection()
        .unwrap();
    let log: Vec<redis::Value> = redis::cmd("XRANGE")
        .arg("tg:{theatre}:log")
        .arg("-")
        .arg("+")
        .query(&mut reader)
        .unwrap();
    assert!(
        log.len() >= 2,
        "the reader sees the creation and the entry: {log:?}"
    );
    let text = format!("{log:?}");
    assert!(!text.contains("seed\""), "the log carries no seed: {text}");
    let sales: Vec<String> = redis::cmd("SMEMBERS")
        .arg("tg:events")
        .query(&mut reader)
        .unwrap();
    assert_eq!(sales, vec!["theatre".to_owned()]);
    for cmd in [
        &["HGET", "tg:{theatre}:meta", "l:seed"][..],
        &["HGETALL", "tg:{theatre}:meta"],
        &["DUMP", "tg:{theatre}:meta"],
        &["SCAN", "0"],
        &["XADD", "tg:{theatre}:log", "*", "op", "forged"],
        &[
            "EVAL",
            "return redis.call('HGET', KEYS[1], 'l:seed')",
            "1",
            "tg:{theatre}:meta",
        ],
    ] {
        let mut c = redis::cmd(cmd[0]);
        for a in &cmd[1..] {
            c.arg(*a);
        }
        let refused = c.query::<redis::Value>(&mut reader).unwrap_err();
        assert!(
            refused.to_string().to_lowercase().contains("noperm"),
            "{cmd:?}: {refused}"
        );
    }
}

#[test]
fn the_compose_file_mounts_what_exists_and_the_image_runs_as_non_root() {
    let compose = std::fs::read_to_string(deploy("compose.yaml")).unwrap();
    let mounts: Vec<&str> = compose
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- ./"))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert!(mounts.len() >= 5, "{mounts:?}");
    for m in mounts {
        assert!(
            Path::new(&deploy(m)).exists(),
            "compose.yaml mounts deploy/{m}, which does not exist"
        );
    }
    let dockerfile = std::fs::read_to_string(deploy("Dockerfile")).unwrap();
    assert!(
        dockerfile
            .lines()
            .filter(|l| l.starts_with("FROM "))
            .count()
            >= 2,
        "the Dockerfile is multi-stage"
    );
    let user = dockerfile
        .lines()
        .filter_map(|l| l.strip_prefix("USER "))
        .next_back()
        .expect("a USER line");
    assert!(
        !["root", "0"].contains(&user.trim()),
        "the image runs as {user}"
    );
    let prometheus = std::fs::read_to_string(deploy("prometheus/prometheus.yml")).unwrap();
    for service in ["ticketgrab-1:8080", "ticketgrab-2:8080"] {
        assert!(
            prometheus.contains(service) && compose.contains(service.split(':').next().unwrap()),
            "{service}"
        );
    }
}
