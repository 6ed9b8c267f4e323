//! The rehearsal: create the sale, open connections, release every member at
//! the opening, behave like the app, then check and measure.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use hdrhistogram::Histogram;
use indicatif::{ProgressBar, ProgressStyle};
use rand::Rng;
use reqwest::StatusCode;
use serde_json::{Value, json};
use ticketgrab::domain::{CardNumber, Millis, OrgPath, with_check_digit};
use ticketgrab::tokens::Role;
use tokio::sync::mpsc;

use crate::cpu::CpuMeter;
use crate::report::{Answers, Ceiling, Check, RedisCeiling, Report};
use crate::scenario::Scenario;
use crate::target::Target;

/// How the crowd behaves.
#[derive(Clone, Debug)]
pub struct Options {
    /// HTTP requests in flight at once (connections, opened beforehand).
    pub connections: usize,
    /// Time from creating the sale to its opening, for warming up.
    pub lead: Duration,
    /// Also measure GET /healthz with the same connections and request count.
    pub ceiling: bool,
    /// Show the live progress bar.
    pub progress: bool,
}

/// One member of the crowd.
struct Member {
    index: usize,
    token: String,
    /// Ranked pools.
    body: Value,
    /// Their X-Forwarded-For address.
    ip: String,
    attempts: u32,
}

/// Live counters for the progress bar and the report.
#[derive(Default)]
struct Live {
    sent: AtomicU64,
    tickets: AtomicU64,
    sold_out: AtomicU64,
    errors: AtomicU64,
    finished: AtomicUsize,
}

/// Everything recorded during the grab phase.
struct Recorded {
    latency_us: Histogram<u64>,
    answers: Answers,
    /// member index -> codes they were given
    codes: HashMap<usize, Vec<String>>,
    /// (ms since the opening, ticket granted) for the chart
    ticket_times: Vec<u64>,
    /// ms since the opening of each member's final answer
    final_times: Vec<u64>,
    first_sold_out_ms: Option<u64>,
}

fn card_for(run: u32, i: u64) -> CardNumber {
    CardNumber::parse(&with_check_digit(&format!("6219{run:04}{i:010}")))
        .expect("generated cards are valid")
}

pub async fn rehearse(
    target: &Target,
    scenario: &Scenario,
    opts: &Options,
) -> anyhow::Result<Report> {
    let auth = target.secrets.minter();
    let org = OrgPath::parse("bj")?;
    let admin = auth.staff("rehearsal", Role::Admin, &org, 6 * 3600);
    let station = auth.staff("rehearsal-station", Role::Station, &org, 6 * 3600);
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(opts.connections)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()?;

    // The crowd: a card and a token each.
    let run: u32 = rand::rng().random_range(0..10_000);
    let member_org = OrgPath::parse("bj/rehearsal")?;
    let pool_ids: Vec<String> = scenario.pools.iter().map(|p| p.id.clone()).collect();
    let mut rng = rand::rng();
    let members: Vec<Member> = (0..scenario.members)
        .map(|i| {
            let token = auth.member(&card_for(run, i), &member_org, 6 * 3600);
            let body = if scenario.ranked <= 1 {
                json!({"pool": pool_ids[i as usize % pool_ids.len()]})
            } else {
                let mut ids = pool_ids.clone();
                for k in (1..ids.len()).rev() {
                    ids.swap(k, rng.random_range(0..=k));
                }
                ids.truncate(scenario.ranked);
                json!({"choices": ids})
            };
            let ip = format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
            Member {
                index: i as usize,
                token,
                body,
                ip,
                attempts: 0,
            }
        })
        .collect();

    // The sale, opening after the lead time by the server's clock.
    let event = format!("{}-{}-{run}", scenario.name, Millis::now().0 / 1000);
    let now = Millis::now().0;
    let create = json!({
        "id": event, "title": format!("Rehearsal {}", scenario.name), "org": "bj",
        "opens_at": Millis(now + opts.lead.as_millis() as i64).rfc3339(),
        "closes_at": Millis(now + 3_600_000).rfc3339(), "price_fen": 0,
        "pools": scenario.pools.iter().map(|p| json!({"id": p.id, "title": p.id, "total": p.total})).collect::<Vec<_>>(),
    });
    let resp = client
        .post(format!("{}/api/v1/admin/events", target.base))
        .bearer_auth(&admin)
        .json(&create)
        .send()
        .await?;
    if resp.status() != StatusCode::CREATED {
        bail!(
            "creating the sale failed: {} {}",
            resp.status(),
            resp.text().await.unwrap_or_default()
        );
    }
    let created: Value = resp.json().await?;
    let opens_at: chrono::DateTime<chrono::Utc> =
        created["opens_at"].as_str().context("opens_at")?.parse()?;
    let server_time: chrono::DateTime<chrono::Utc> = created["server_time"]
        .as_str()
        .context("server_time")?
        .parse()?;
    let until_open = (opens_at - server_time).to_std().unwrap_or_default();
    let opening = tokio::time::Instant::now() + until_open;

    // Connections opened beforehand.
    let warm: Vec<_> = (0..opts.connections)
        .map(|_| {
            let (client, url) = (client.clone(), format!("{}/healthz", target.base));
            tokio::spawn(async move { client.get(url).send().await.map(|r| r.status()) })
        })
        .collect();
    for w in warm {
        w.await??;
    }

    let live = Arc::new(Live::default());
    let recorded = Arc::new(Mutex::new(Recorded {
        latency_us: Histogram::new_with_bounds(1, 60_000_000, 3)?,
        answers: Answers::default(),
        codes: HashMap::new(),
        ticket_times: Vec::new(),
        final_times: Vec::new(),
        first_sold_out_ms: None,
    }));
    let total = members.len();
    let (queue_tx, queue_rx) = mpsc::unbounded_channel::<Member>();
    for m in members {
        queue_tx.send(m).expect("queue open");
    }
    let queue_rx = Arc::new(tokio::sync::Mutex::new(queue_rx));
    let grab_url = format!("{}/api/v1/events/{event}/reservations", target.base);

    let bar = progress_bar(opts.progress, total as u64);
    let ticker = {
        let (bar, live) = (bar.clone(), live.clone());
        tokio::spawn(async move {
            let mut last = (Instant::now(), 0);
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let sent = live.sent.load(Ordering::Relaxed);
                let rate = (sent - last.1) as f64 / last.0.elapsed().as_secs_f64();
                last = (Instant::now(), sent);
                bar.set_position(live.finished.load(Ordering::Relaxed) as u64);
                bar.set_message(format!(
                    "sent {sent}  tickets {}  sold-out {}  errors {}  {rate:.0} req/s",
                    live.tickets.load(Ordering::Relaxed),
                    live.sold_out.load(Ordering::Relaxed),
                    live.errors.load(Ordering::Relaxed)
                ));
            }
        })
    };

    tokio::time::sleep_until(opening).await;
    let started = Instant::now();
    let cpu = CpuMeter::start(&[
        ("server", target.server_pid),
        ("redis", target.redis_pid),
        ("harness", Some(std::process::id())),
    ]);
    let mut workers = Vec::new();
    for _ in 0..opts.connections {
        let (client, queue_rx, queue_tx) = (client.clone(), queue_rx.clone(), queue_tx.clone());
        let (live, recorded, url) = (live.clone(), recorded.clone(), grab_url.clone());
        workers.push(tokio::spawn(async move {
            loop {
                if live.finished.load(Ordering::Relaxed) >= total {
                    return;
                }
                let next = tokio::time::timeout(Duration::from_millis(50), async {
                    queue_rx.lock().await.recv().await
                })
                .await;
                let Ok(Some(mut member)) = next else { continue };
                member.attempts += 1;
                let sent_at = Instant::now();
                let result = client
                    .post(&url)
                    .bearer_auth(&member.token)
                    .header("x-forwarded-for", &member.ip)
                    .json(&member.body)
                    .send()
                    .await;
                live.sent.fetch_add(1, Ordering::Relaxed);
                let (status, retry_after, body) = match result {
                    Ok(r) => {
                        let status = r.status();
                        let retry = r
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok()?.parse::<f64>().ok());
                        (
                            Some(status),
                            retry,
                            r.json::<Value>().await.unwrap_or(Value::Null),
                        )
                    }
                    Err(_) => (None, None, Value::Null),
                };
                let elapsed_us = sent_at.elapsed().as_micros() as u64;
                let at_ms = started.elapsed().as_millis() as u64;
                let code = body["code"].as_str().unwrap_or("").to_owned();
                let label = match status {
                    Some(s) => format!(
                        "{} {}",
                        s.as_u16(),
                        if s.is_success() { "ticket" } else { &code }
                    ),
                    None => "transport error".into(),
                };
                let outcome = {
                    let mut rec = recorded.lock().expect("not poisoned");
                    let _ = rec.latency_us.record(elapsed_us.max(1));
                    *rec.answers.entry(label).or_default() += 1;
                    match status {
                        Some(StatusCode::CREATED | StatusCode::OK) => {
                            let c = body["code"].as_str().unwrap_or_default().to_owned();
                            rec.codes.entry(member.index).or_default().push(c);
                            rec.ticket_times.push(at_ms);
                            rec.final_times.push(at_ms);
                            "ticket"
                        }
                        Some(StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE) => {
                            "retry"
                        }
                        Some(StatusCode::CONFLICT) if code == "not_open" => "retry",
                        Some(StatusCode::CONFLICT) if code == "sold_out" || code == "closed" => {
                            rec.first_sold_out_ms.get_or_insert(at_ms);
                            rec.final_times.push(at_ms);
                            "final"
                        }
                        None if member.attempts < 5 => "retry",
                        _ => {
                            rec.final_times.push(at_ms);
                            "error"
                        }
                    }
                };
                match outcome {
                    "ticket" => {
                        live.tickets.fetch_add(1, Ordering::Relaxed);
                        live.finished.fetch_add(1, Ordering::Relaxed);
                    }
                    "final" => {
                        live.sold_out.fetch_add(1, Ordering::Relaxed);
                        live.finished.fetch_add(1, Ordering::Relaxed);
                    }
                    "error" => {
                        live.errors.fetch_add(1, Ordering::Relaxed);
                        live.finished.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        // As the app does: wait Retry-After with jitter, then again.
                        let base = retry_after.unwrap_or(0.2).max(0.05);
                        let wait =
                            Duration::from_secs_f64(base * rand::rng().random_range(1.0..1.5));
                        let queue_tx = queue_tx.clone();
                        tokio::spawn(async move {
                            tokio::time::sleep(wait).await;
                            let _ = queue_tx.send(member);
                        });
                    }
                }
            }
        }));
    }
    for w in workers {
        w.await?;
    }
    let grab_phase = started.elapsed();
    let cpu = cpu.stop();
    ticker.abort();
    bar.finish_and_clear();

    let recorded = Arc::try_unwrap(recorded)
        .map_err(|_| anyhow::anyhow!("workers still hold the record"))?
        .into_inner()?;
    let sent = live.sent.load(Ordering::Relaxed);

    // After the sale: some holders cancel, some redeem at a station.
    let holders: Vec<(&usize, &String)> = recorded
        .codes
        .iter()
        .filter_map(|(m, c)| c.first().map(|c| (m, c)))
        .collect();
    let n_cancel = (holders.len() as f64 * scenario.cancel_share).round() as usize;
    let n_redeem = ((holders.len() as f64 * scenario.redeem_share).round() as usize)
        .min(holders.len() - n_cancel);
    let mut after = Answers::default();
    for (i, (_, code)) in holders.iter().enumerate().take(n_cancel + n_redeem) {
        let resp = if i < n_cancel {
            let m = *holders[i].0 as u64;
            let token = auth.member(&card_for(run, m), &member_org, 600);
            client
                .delete(format!(
                    "{}/api/v1/me/reservations/{event}/{code}",
                    target.base
                ))
                .bearer_auth(token)
                .send()
                .await?
        } else {
            client
                .post(format!("{}/api/v1/station/redeem", target.base))
                .bearer_auth(&station)
                .json(&json!({"event": event, "code": code}))
                .send()
                .await?
        };
        let label = format!(
            "{} {}",
            if i < n_cancel { "cancel" } else { "redeem" },
            resp.status().as_u16()
        );
        *after.entry(label).or_default() += 1;
    }

    let audit: Value = client
        .get(format!("{}/api/v1/admin/events/{event}/audit", target.base))
        .bearer_auth(&admin)
        .send()
        .await?
        .json()
        .await?;

    let ceiling = if opts.ceiling {
        Some(ceiling(&client, &target.base, opts.connections, sent).await?)
    } else {
        None
    };
    let redis_ceiling = match (opts.ceiling, target.redis_port, &target.server_bin) {
        (true, Some(port), Some(bin)) => {
            Some(redis_ceiling(&client, &target.base, &admin, bin, port, opts.connections).await?)
        }
        _ => None,
    };

    // Checks.
    let stock = scenario.stock();
    let mut owners: HashMap<&String, HashSet<usize>> = HashMap::new();
    for (member, codes) in &recorded.codes {
        for code in codes {
            owners.entry(code).or_default().insert(*member);
        }
    }
    let shared_codes = owners.values().filter(|m| m.len() > 1).count();
    let two_codes = recorded
        .codes
        .values()
        .filter(|c| c.iter().collect::<HashSet<_>>().len() > 1)
        .count();
    let tickets = owners.len() as i64;
    let demand_exceeds = scenario.members as i64 > stock;
    let errors = live.errors.load(Ordering::Relaxed);
    let checks = vec![
        Check::new(
            "every ticket code is unique",
            shared_codes == 0,
            format!("{shared_codes} codes given to more than one member"),
        ),
        Check::new(
            "no member got two tickets",
            two_codes == 0,
            format!("{two_codes} members with two codes"),
        ),
        Check::new(
            "tickets <= stock",
            tickets <= stock,
            format!("{tickets} of {stock}"),
        ),
        Check::new(
            "tickets == stock when demand exceeds it",
            !demand_exceeds || scenario.ranked > 1 || tickets == stock,
            format!("{tickets} of {stock}, {} members", scenario.members),
        ),
        Check::new(
            "every member got a final answer",
            recorded.final_times.len() == total,
            format!("{} of {total}", recorded.final_times.len()),
        ),
        Check::new(
            "no errors",
            errors == 0,
            format!("{errors} members ended on an error"),
        ),
        Check::new(
            "the server's audit is ok",
            audit["ok"] == true,
            audit["violations"].to_string(),
        ),
    ];

    let ticket_times = {
        let mut t = recorded.ticket_times.clone();
        t.sort_unstable();
        t
    };
    let sold_out_ms = (tickets >= stock)
        .then(|| ticket_times.last().copied())
        .flatten();
    Ok(Report::new(
        scenario.clone(),
        target.base.clone(),
        event,
        opts.connections,
        sent,
        grab_phase,
        sold_out_ms,
        recorded.final_times.iter().max().copied(),
        &recorded.latency_us,
        recorded.answers,
        after,
        ticket_times,
        checks,
        audit,
        ceiling,
        redis_ceiling,
        cpu,
    ))
}

/// redis-benchmark running the grab script with the same connections on a
/// fresh event of 10,000,000 tickets (so every call is a real grab).
async fn redis_ceiling(
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
        "7",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(keys);
    args.extend(
        [
            "m__rand_int__",
            "6217 **** **** 1234",
            "app",
            "c__rand_int__",
            "bj/x",
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

fn progress_bar(show: bool, total: u64) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} members answered  {msg}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar
}

/// The same number of requests with the same connections against /healthz.
async fn ceiling(
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
