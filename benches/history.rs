//! Costs that must not grow with the past (issue 32), each measured on a
//! real redis-server (started here) or the embedded store:
//!
//!   cargo bench --bench history -- many-sales 1000 upcoming|open
//!       the release binary against Redis; N sales each poked by one grab;
//!       the front end's RSS and Redis's commands per second while idle
//!       (TG_BIN=<path> measures another build of the binary)
//!   cargo bench --bench history -- long-log 1000000
//!       one sale with N log entries: a grab through a new front end, then
//!       through another (a restart): Redis's longest call and PING's worst
//!       latency meanwhile; then the same for one whole read (the read
//!       model's first step before this issue)
//!   cargo bench --bench history -- views-waiting 200000
//!       the embedded store, one sale with N waiting: grabs on another sale
//!       while 20 views a second of the first run; the grabs' p50/p99
//!   cargo bench --bench history -- audit-busy 20000 200000
//!       a race of N seats sold and a lottery of M entries; grabs on a third
//!       sale while each is audited (paged) and read whole (as before):
//!       Redis's longest call and the grabs' p99 during each
//!   cargo bench --bench history -- year 12 20000 [--no-archive]
//!       a year of sales of N tickets each on Redis and on the embedded
//!       store, each archived when over: Redis's used_memory, the data
//!       directory's bytes and its reopening time after each month

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use testkit::app::TestApp;
use testkit::redis_server::RedisServer;
use testkit::{card, event_between, event_id, open_event, pool_id};
use ticketgrab::domain::{Channel, Choices, Join, MemberKeyer, Millis, OrgPath, Seats};
use ticketgrab::store::{Grab, MemoryStore, RedisStore, RedisTarget, Store};
use ticketgrab::{Engine, Error};

fn redis_store(redis: &RedisServer) -> Arc<dyn Store> {
    Arc::new(
        RedisStore::new(
            &RedisTarget::Single(redis.url()),
            4,
            Duration::from_secs(30),
        )
        .unwrap(),
    )
}

fn conn(redis: &RedisServer) -> redis::Connection {
    redis::Client::open(redis.url())
        .unwrap()
        .get_connection()
        .unwrap()
}

fn info(redis: &RedisServer, section: &str, field: &str) -> u64 {
    let text: String = redis::cmd("INFO")
        .arg(section)
        .query(&mut conn(redis))
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

fn slowlog_reset(redis: &RedisServer) {
    let mut c = conn(redis);
    let () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("slowlog-log-slower-than")
        .arg(1000)
        .query(&mut c)
        .unwrap();
    let () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("slowlog-max-len")
        .arg(10000)
        .query(&mut c)
        .unwrap();
    let () = redis::cmd("SLOWLOG").arg("RESET").query(&mut c).unwrap();
}

/// The longest call since the reset, in ms, and its command.
fn slowlog_max(redis: &RedisServer) -> (f64, String) {
    let log: Vec<redis::Value> = redis::cmd("SLOWLOG")
        .arg("GET")
        .arg(10000)
        .query(&mut conn(redis))
        .unwrap();
    let mut worst = (0.0, String::new());
    for e in log {
        if let redis::Value::Array(p) = e
            && let (Some(redis::Value::Int(us)), Some(redis::Value::Array(args))) =
                (p.get(2), p.get(3))
            && *us as f64 / 1000.0 > worst.0
        {
            let name = match args.first() {
                Some(redis::Value::BulkString(b)) => String::from_utf8_lossy(b).into_owned(),
                _ => String::new(),
            };
            worst = (*us as f64 / 1000.0, name);
        }
    }
    worst
}

/// PING every 10 ms until `stop`; the worst round trip in ms.
fn ping_sampler(redis: &RedisServer, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<f64> {
    let mut c = conn(redis);
    std::thread::spawn(move || {
        let mut worst: f64 = 0.0;
        while !stop.load(Ordering::Relaxed) {
            let t = Instant::now();
            let _: String = redis::cmd("PING").query(&mut c).unwrap();
            worst = worst.max(t.elapsed().as_secs_f64() * 1000.0);
            std::thread::sleep(Duration::from_millis(10));
        }
        worst
    })
}

fn grab_input<'a>(
    event: &'a ticketgrab::domain::EventId,
    member: &'a ticketgrab::domain::Member,
    org: &'a OrgPath,
    choices: &'a Choices,
) -> Grab<'a> {
    Grab {
        groups: &[],
        event,
        member,
        org: Some(org),
        choices,
        seats: Seats::ONE,
        channel: Channel::App,
    }
}

/// Cards `from..to` grab in `event` through `engine`, `tasks` at a time.
async fn crowd(engine: &Engine, event: &str, from: u64, to: u64, tasks: u64) {
    let per = (to - from).div_ceil(tasks);
    let runs = (0..tasks).map(|t| {
        let engine = engine.clone();
        let event = event_id(event);
        tokio::spawn(async move {
            let (org, choices) = (OrgPath::parse("bj/x").unwrap(), Choices::one(pool_id("p")));
            for n in (from + t * per)..(from + (t + 1) * per).min(to) {
                let member = engine.member(&card(n));
                let _ = engine
                    .grab(&grab_input(&event, &member, &org, &choices))
                    .await;
            }
        })
    });
    for r in runs.collect::<Vec<_>>() {
        r.await.unwrap();
    }
}

/// Grabs on `event` by fresh cards, in 4 tasks, until `stop`; each one's ms.
fn grab_load(
    engine: &Engine,
    event: &str,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Vec<f64>> {
    let engine = engine.clone();
    let event = event_id(event);
    tokio::spawn(async move {
        let tasks = (0..4u64).map(|t| {
            let (engine, event, stop) = (engine.clone(), event.clone(), stop.clone());
            tokio::spawn(async move {
                let (org, choices) = (OrgPath::parse("bj/x").unwrap(), Choices::one(pool_id("p")));
                let mut out = Vec::new();
                let mut n = 50_000_000 + t * 10_000_000;
                while !stop.load(Ordering::Relaxed) {
                    let member = engine.member(&card(n));
                    n += 1;
                    let t0 = Instant::now();
                    let _ = engine
                        .grab(&grab_input(&event, &member, &org, &choices))
                        .await;
                    out.push(t0.elapsed().as_secs_f64() * 1000.0);
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                out
            })
        });
        let mut all = Vec::new();
        for t in tasks.collect::<Vec<_>>() {
            all.extend(t.await.unwrap());
        }
        all
    })
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn engine(store: &Arc<dyn Store>) -> Engine {
    Engine::new(store.clone(), MemberKeyer::new(b"bench"))
        .with_read_model(Duration::from_millis(20))
}

fn vm_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn many_sales(n: usize, kind: &str) {
    let redis = RedisServer::start();
    let bin =
        std::env::var("TG_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_ticketgrab").to_owned());
    let port = testkit::redis_server::free_port();
    let mut server: Child = Command::new(&bin)
        .args([
            "serve",
            "--redis-url",
            &redis.url(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .args([
            "--member-rate",
            "1000000",
            "--member-burst",
            "1000000",
            "--ip-rate",
            "1000000",
            "--ip-burst",
            "1000000",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let minter = ticketgrab::config::Config::parse(&["--memory"])
        .unwrap()
        .secrets
        .minter();
    let app = TestApp::external(&base, minter);
    for _ in 0..200 {
        if app
            .client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss0 = vm_rss_kb(server.id());
    let now = Millis::now().0;
    let (opens, closes) = if kind == "open" {
        (now - 1_000, now + 3_600_000)
    } else {
        (now + 3_600_000, now + 7_200_000)
    };
    for i in 0..n {
        app.create_event(&format!("s{i}"), "bj", &[("p", 20_000)], opens, closes)
            .await;
    }
    let member = app.member(1, "bj/x");
    for i in 0..n {
        let _ = app
            .grab(&member, &format!("s{i}"), json!({"pool": "p"}))
            .await;
    }
    let rss_busy = vm_rss_kb(server.id());
    // Quiet: past the read model's 10 s of activity.
    tokio::time::sleep(Duration::from_secs(15)).await;
    let c0 = info(&redis, "stats", "total_commands_processed");
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let per_s = (info(&redis, "stats", "total_commands_processed") - c0) as f64
        / t0.elapsed().as_secs_f64();
    let rss1 = vm_rss_kb(server.id());
    let (_, list) = app.get("/api/v1/admin/events", &app.admin("bj")).await;
    let t = Instant::now();
    let _ = app.get("/api/v1/admin/events", &app.admin("bj")).await;
    let list_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!(
        "many-sales {n} {kind}: rss before {} MB, after the pokes {} MB, idle {} MB ({:.1} KB per sale); \
         redis {per_s:.0} commands/s idle; admin list {list_ms:.0} ms ({} sales) [{bin}]",
        rss0 / 1024,
        rss_busy / 1024,
        rss1 / 1024,
        (rss1 as f64 - rss0 as f64) / n as f64,
        list["events"].as_array().map_or(0, |a| a.len())
    );
    let _ = server.kill();
    let _ = server.wait();
}

async fn long_log(entries: usize) {
    let redis = RedisServer::start();
    let store = redis_store(&redis);
    store
        .create_event(&open_event("long", &[("p", 100)]))
        .await
        .unwrap();
    crowd(
        &Engine::new(store.clone(), MemberKeyer::new(b"bench")),
        "long",
        0,
        100,
        4,
    )
    .await;
    // Copies of the last entry (a real one) to the length asked.
    let mut c = conn(&redis);
    let key = ticketgrab::store::keys::log_key(&event_id("long"));
    let last: Vec<(String, Vec<String>)> = redis::cmd("XREVRANGE")
        .arg(&key)
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(1)
        .query(&mut c)
        .unwrap();
    let mut left = entries;
    while left > 0 {
        let mut pipe = redis::pipe();
        for _ in 0..left.min(10_000) {
            let cmd = pipe.cmd("XADD").arg(&key).arg("*");
            for f in &last[0].1 {
                cmd.arg(f);
            }
            cmd.ignore();
        }
        let () = pipe.query(&mut c).unwrap();
        left = left.saturating_sub(10_000);
    }
    let len: usize = redis::cmd("XLEN").arg(&key).query(&mut c).unwrap();
    for (what, whole) in [
        ("grab, restart, grab", false),
        ("one whole read (before)", true),
    ] {
        slowlog_reset(&redis);
        let stop = Arc::new(AtomicBool::new(false));
        let sampler = ping_sampler(&redis, stop.clone());
        let t = Instant::now();
        if whole {
            store.snapshot(&event_id("long")).await.unwrap();
        } else {
            for _ in 0..2 {
                let front = engine(&store);
                let member = front.member(&card(500));
                let (org, choices) = (OrgPath::parse("bj/x").unwrap(), Choices::one(pool_id("p")));
                let _ = front
                    .grab(&grab_input(&event_id("long"), &member, &org, &choices))
                    .await;
                tokio::time::sleep(Duration::from_millis(500)).await;
                assert_eq!(front.followed_events(), 1);
            }
        }
        let took = t.elapsed();
        stop.store(true, Ordering::Relaxed);
        let ping = sampler.join().unwrap();
        let (longest, cmd) = slowlog_max(&redis);
        println!(
            "long-log {len} entries, {what}: longest Redis call {longest:.1} ms ({cmd}), worst PING {ping:.1} ms, took {:.0} ms, used_memory {} MB",
            took.as_secs_f64() * 1000.0,
            info(&redis, "memory", "used_memory") >> 20
        );
    }
}

async fn views_waiting(n: u64) {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    store
        .create_event(&open_event("full", &[("p", 1)]))
        .await
        .unwrap();
    store
        .create_event(&open_event("other", &[("p", 10_000_000)]))
        .await
        .unwrap();
    let plain = Engine::new(store.clone(), MemberKeyer::new(b"bench"));
    crowd(&plain, "full", 0, 1, 1).await;
    let (org, choices) = (OrgPath::parse("bj/x").unwrap(), Choices::one(pool_id("p")));
    for i in 1..=n {
        let member = plain.member(&card(i));
        plain
            .join_waiting(&Join {
                grab: grab_input(&event_id("full"), &member, &org, &choices),
                cutoff: None,
            })
            .await
            .unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let grabs = grab_load(&plain, "other", stop.clone());
    let viewer = {
        let (store, stop) = (store.clone(), stop.clone());
        tokio::spawn(async move {
            let mut out = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                store.event(&event_id("full")).await.unwrap();
                out.push(t.elapsed().as_secs_f64() * 1000.0);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            out
        })
    };
    tokio::time::sleep(Duration::from_secs(10)).await;
    stop.store(true, Ordering::Relaxed);
    let (mut g, mut v) = (grabs.await.unwrap(), viewer.await.unwrap());
    println!(
        "views-waiting {n}: {} grabs p50 {:.3} ms p99 {:.3} ms max {:.1} ms; {} views p50 {:.3} ms p99 {:.3} ms",
        g.len(),
        pct(&mut g, 0.5),
        pct(&mut g, 0.99),
        pct(&mut g, 1.0),
        v.len(),
        pct(&mut v, 0.5),
        pct(&mut v, 0.99)
    );
}

async fn audit_busy(seats: u64, entries: u64) {
    let redis = RedisServer::start();
    let store = redis_store(&redis);
    let plain = Engine::new(store.clone(), MemberKeyer::new(b"bench"));
    let now = Millis::now().0;
    store
        .create_event(&open_event("race", &[("p", seats as i64)]))
        .await
        .unwrap();
    store
        .create_event(&open_event("other", &[("p", 10_000_000)]))
        .await
        .unwrap();
    crowd(&plain, "race", 0, seats, 32).await;
    let mut lottery = open_event("draw", &[("p", 1000)]);
    lottery.lottery = Some(ticketgrab::domain::Lottery {
        draw_at: Millis(now + 3_600_000),
        public_source: "bench".into(),
        seed: [7; 32],
        fair_window_ms: 0,
    });
    let lottery_ok = store.create_event(&lottery).await.is_ok();
    if lottery_ok {
        let per = entries.div_ceil(32);
        let runs = (0..32u64).map(|t| {
            let plain = plain.clone();
            tokio::spawn(async move {
                let (org, choices) = (OrgPath::parse("bj/x").unwrap(), Choices::one(pool_id("p")));
                for n in (t * per)..((t + 1) * per).min(entries) {
                    let member = plain.member(&card(10_000_000 + n));
                    plain
                        .enter(&grab_input(&event_id("draw"), &member, &org, &choices))
                        .await
                        .unwrap();
                }
            })
        });
        for r in runs.collect::<Vec<_>>() {
            r.await.unwrap();
        }
    }
    let sales: &[(&str, &str)] = if lottery_ok {
        &[("race", "race"), ("draw", "lottery")]
    } else {
        &[("race", "race")]
    };
    let log_len = |e: &str| -> usize {
        redis::cmd("XLEN")
            .arg(ticketgrab::store::keys::log_key(&event_id(e)))
            .query(&mut conn(&redis))
            .unwrap()
    };
    for (id, what) in sales {
        for (how, paged) in [("paged audit", true), ("whole read (before)", false)] {
            let stop = Arc::new(AtomicBool::new(false));
            let load = grab_load(&plain, "other", stop.clone());
            tokio::time::sleep(Duration::from_millis(500)).await;
            slowlog_reset(&redis);
            let t = Instant::now();
            if paged {
                let report = plain.audit(&event_id(id)).await.unwrap();
                assert!(report.ok, "{:?}", report.violations);
            } else {
                ticketgrab::audit::audit(&store.snapshot(&event_id(id)).await.unwrap());
            }
            let took = t.elapsed().as_secs_f64() * 1000.0;
            tokio::time::sleep(Duration::from_millis(200)).await;
            stop.store(true, Ordering::Relaxed);
            let mut g = load.await.unwrap();
            let (longest, cmd) = slowlog_max(&redis);
            println!(
                "audit-busy {what} ({} log entries), {how}: took {took:.0} ms, longest Redis call {longest:.1} ms ({cmd}); \
                 grabs meanwhile {} p50 {:.2} ms p99 {:.2} ms max {:.1} ms",
                log_len(id),
                g.len(),
                pct(&mut g, 0.5),
                pct(&mut g, 0.99),
                pct(&mut g, 1.0)
            );
        }
    }
}

async fn year(months: usize, tickets: u64, archive: bool) {
    let redis = RedisServer::start();
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let archives = tempfile::tempdir().unwrap();
    let r_store = redis_store(&redis);
    let r_engine = Engine::new(r_store.clone(), MemberKeyer::new(b"bench"));
    let mut m_store = Arc::new(MemoryStore::open(dirs.0.path()).unwrap());
    println!(
        "year: {months} sales of {tickets} tickets, {} (columns: month, tickets sold on Redis and on the \
         embedded store, Redis used_memory MB while selling and after the month, Redis keys, data dir MB, reopen ms)",
        if archive {
            "each archived when over"
        } else {
            "none archived"
        }
    );
    for month in 0..months {
        let id = format!("month-{month:02}");
        let now = Millis::now().0;
        let sale = event_between(
            &id,
            &[("p", tickets as i64)],
            Millis(now - 1000),
            Millis(now + 6_000),
        );
        let m_dyn: Arc<dyn Store> = m_store.clone();
        let m_engine = Engine::new(m_dyn.clone(), MemberKeyer::new(b"bench"));
        for (store, engine) in [(&r_store, &r_engine), (&m_dyn, &m_engine)] {
            store.create_event(&sale).await.unwrap();
            crowd(engine, &id, 0, tickets, 32).await;
        }
        let selling = info(&redis, "memory", "used_memory") as f64 / 1048576.0;
        let sold = |v: ticketgrab::domain::EventView| v.pools.iter().map(|p| p.active).sum::<i64>();
        let sold = (
            sold(r_store.event(&event_id(&id)).await.unwrap()),
            sold(m_dyn.event(&event_id(&id)).await.unwrap()),
        );
        tokio::time::sleep(Duration::from_millis(
            (now + 6_100 - Millis::now().0).max(0) as u64,
        ))
        .await;
        if archive {
            for engine in [&r_engine, &m_engine] {
                engine
                    .archive(&event_id(&id), archives.path(), 0)
                    .await
                    .unwrap();
            }
            m_store.compact().await.unwrap();
        }
        // A restart each month: the embedded store reopened from its files.
        drop(m_engine);
        drop(m_dyn);
        let store = Arc::try_unwrap(m_store).ok().expect("the only handle");
        drop(store);
        let t = Instant::now();
        m_store = Arc::new(MemoryStore::open(dirs.0.path()).unwrap());
        let reopen = t.elapsed().as_secs_f64() * 1000.0;
        let bytes: u64 = std::fs::read_dir(dirs.0.path())
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        let keys: u64 = redis::cmd("DBSIZE").query(&mut conn(&redis)).unwrap();
        println!(
            "year {:>2} {:>6} {:>6} {selling:>8.1} {:>8.1} {:>6} {:>8.1} {:>7.0}",
            month + 1,
            sold.0,
            sold.1,
            info(&redis, "memory", "used_memory") as f64 / 1048576.0,
            keys,
            bytes as f64 / 1048576.0,
            reopen
        );
    }
    let _ = Error::Closed;
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--bench"))
        .collect();
    let num = |i: usize, d: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    match args.first().map(String::as_str) {
        Some("many-sales") => {
            many_sales(num(1, 1000) as usize, args.get(2).map_or("upcoming", |s| s)).await
        }
        Some("long-log") => long_log(num(1, 1_000_000) as usize).await,
        Some("views-waiting") => views_waiting(num(1, 200_000)).await,
        Some("audit-busy") => audit_busy(num(1, 20_000), num(2, 200_000)).await,
        Some("year") => {
            year(
                num(1, 12) as usize,
                num(2, 20_000),
                !args.iter().any(|a| a == "--no-archive"),
            )
            .await
        }
        _ => eprintln!(
            "cargo bench --bench history -- many-sales|long-log|views-waiting|audit-busy|year ..."
        ),
    }
}
