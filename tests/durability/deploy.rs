//! deploy/: what can be checked on this machine (no container engine here):
//! nginx accepts its config, the Grafana dashboard queries only metrics the
//! service exports, the compose file mounts files that exist, and the image
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
    let _ = nginx.kill();
    let _ = nginx.wait();
    let answer = answer.expect("nginx answered");
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
}

/// Metric names in a PromQL expression, histogram suffixes removed.
fn metric_names(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = expr;
    while let Some(i) = rest.find("tg_") {
        let name: String = rest[i..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        rest = &rest[i + name.len()..];
        let base = ["_bucket", "_sum", "_count"]
            .iter()
            .fold(name.clone(), |n, s| {
                n.strip_suffix(s).map_or(n.clone(), str::to_owned)
            });
        names.push(base);
    }
    names
}

#[tokio::test]
async fn every_metric_the_dashboard_queries_is_exported() {
    let dashboard: Value = serde_json::from_str(
        &std::fs::read_to_string(deploy("grafana/dashboards/ticketgrab.json")).unwrap(),
    )
    .unwrap();
    let queried: BTreeSet<String> = dashboard["panels"]
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
        .flat_map(|e| metric_names(&e))
        .collect();
    assert!(queried.len() >= 6, "{queried:?}");
    let app = spawn_app().await;
    app.create_open_event("m", &[("p", 5)]).await;
    app.grab(&app.member(1, "bj/x"), "m", json!({"pool": "p"}))
        .await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let metrics = app.metrics().await;
    let exported: BTreeSet<String> = metrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    let missing: Vec<&String> = queried.difference(&exported).collect();
    assert!(
        missing.is_empty(),
        "the dashboard queries metrics /metrics does not export: {missing:?}"
    );
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
