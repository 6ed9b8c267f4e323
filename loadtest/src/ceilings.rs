//! The machine's ceilings, measured in the same run as the rehearsal: the HTTP
//! ceiling (`GET /healthz` with the same connections and request count) and
//! the Redis ceiling (redis-benchmark running the same grab script).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Context;
use hdrhistogram::Histogram;
use reqwest::StatusCode;
use serde_json::json;
use ticketgrab::domain::Millis;

use crate::report::{Ceiling, RedisCeiling};

/// The same number of requests with the same connections against /healthz.
pub async fn healthz(
    client: &reqwest::Client,
    base: &str,
    connections: usize,
    requests: u64,
) -> anyhow::Result<Ceiling> {
    let left = Arc::new(AtomicU64::new(requests.max(1)));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..connections {
        let (client, left, url) = (client.clone(), left.clone(), format!("{base}/healthz"));
        workers.push(tokio::spawn(async move {
            let mut hist =
                Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
            while left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
            {
                let t = Instant::now();
                if client.get(&url).send().await.is_ok() {
                    let _ = hist.record(t.elapsed().as_micros() as u64);
                }
            }
            hist
        }));
    }
    let mut all = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    for w in workers {
        all.add(w.await?)?;
    }
    let secs = started.elapsed().as_secs_f64();
    Ok(Ceiling {
        requests,
        seconds: secs,
        rate: requests as f64 / secs,
        p50_ms: all.value_at_quantile(0.5) as f64 / 1000.0,
        p99_ms: all.value_at_quantile(0.99) as f64 / 1000.0,
    })
}

/// redis-benchmark running the grab script with the same connections on a
/// fresh event of 10,000,000 tickets (so every call is a real grab).
pub async fn redis(
    client: &reqwest::Client,
    base: &str,
    admin: &str,
    server_bin: &std::path::Path,
    port: u16,
    connections: usize,
) -> anyhow::Result<RedisCeiling> {
    let event = format!("ceiling-{}", Millis::now().0);
    let now = Millis::now().0;
    let create = json!({
        "id": event, "title": "redis ceiling", "org": "bj", "opens_at": Millis(now - 1000).rfc3339(),
        "closes_at": Millis(now + 3_600_000).rfc3339(), "price_fen": 0,
        "pools": [{"id": "p", "title": "p", "total": 10_000_000}],
    });
    let resp = client
        .post(format!("{base}/api/v1/admin/events"))
        .bearer_auth(admin)
        .json(&create)
        .send()
        .await?;
    anyhow::ensure!(
        resp.status() == StatusCode::CREATED,
        "creating the ceiling event: {}",
        resp.status()
    );
    // The script and key names as the server's own CLI prints them: the
    // harness speaks to the service only through HTTP and its binary.
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(server_bin).args(args).output();
        match out {
            Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).into_owned()),
            Ok(o) => Err(anyhow::anyhow!(
                "ticketgrab {args:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            )),
            Err(e) => Err(anyhow::anyhow!("ticketgrab {args:?}: {e}")),
        }
    };
    let script = cli(&["lua", "grab"])?;
    let port_s = port.to_string();
    let load = tokio::process::Command::new("redis-cli")
        .args(["-p", &port_s, "SCRIPT", "LOAD", &script])
        .output()
        .await
        .context("redis-cli (apt-get install -y redis-tools)")?;
    let sha = String::from_utf8(load.stdout)?.trim().to_owned();
    let keys: Vec<String> = cli(&["keys", &event])?.lines().map(str::to_owned).collect();
    let requests = 200_000u64;
    let mut args: Vec<String> = [
        "-p",
        &port_s,
        "-c",
        &connections.to_string(),
        "-n",
        &requests.to_string(),
        "-r",
        "2000000000",
        "-q",
        "EVALSHA",
        &sha,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(keys.len().to_string());
    args.extend(keys);
    args.extend(
        [
            "m__rand_int__",
            "6217 **** **** 1234",
            "app",
            "c__rand_int__",
            "bj/x",
            "1",
            "p",
        ]
        .map(String::from),
    );
    let out = tokio::process::Command::new("redis-benchmark")
        .args(&args)
        .output()
        .await
        .context("redis-benchmark (apt-get install -y redis-tools)")?;
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "\n");
    let last = text
        .lines()
        .rev()
        .find(|l| l.contains("requests per second"))
        .unwrap_or_default()
        .to_owned();
    let rate = last
        .split(": ")
        .last()
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0);
    Ok(RedisCeiling {
        command: format!("redis-benchmark {}", args.join(" ")),
        rate,
        summary: last,
    })
}
