//! The store's own Redis connection (src/store/redis/wire.rs) against
//! redis-rs's multiplexed connection, in one process on one redis-server:
//! the grab script for fresh members, 64 calls in flight, the two clients
//! in alternating rounds (the machine's speed drifts between rounds; both
//! see the same drift). Prints the CPU per call of this process (the
//! client) and of Redis, from /proc, per round and as medians.
//!
//! cargo bench --bench client [-- rounds calls]     (default 6 20000)
//!
//! Starts its own redis-server (Debian package `redis-server`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::aio::ConnectionLike;
use testkit::redis_server::RedisServer;
use testkit::{event_id, open_event};
use ticketgrab::store::keys::event_keys;
use ticketgrab::store::redis::Wire;
use ticketgrab::store::scripts::SCRIPTS;
use ticketgrab::store::{RedisStore, RedisTarget, Store};

const IN_FLIGHT: u64 = 64;

/// CPU seconds (user + system) of a process so far.
fn cpu_secs(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name, which is in parentheses.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let (user, sys): (f64, f64) = (f[11].parse().unwrap(), f[12].parse().unwrap());
    if std::env::var("SPLIT").is_ok() && pid == "self" {
        eprintln!("   user {user} sys {sys} ticks");
    }
    (user + sys) / 100.0
}

/// `calls` grabs of fresh members through `conn`, `IN_FLIGHT` at a time.
async fn grabs<C>(conn: C, calls: u64, next: &Arc<AtomicU64>) -> Duration
where
    C: ConnectionLike + Clone + Send + 'static,
{
    let keys = event_keys(&event_id("bench"));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..IN_FLIGHT {
        let (mut conn, keys, next) = (conn.clone(), keys.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..calls / IN_FLIGHT {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let reply: Vec<String> = redis::cmd("EVALSHA")
                    .arg(SCRIPTS.grab.get_hash())
                    .arg(keys.len())
                    .arg(&keys[..])
                    .arg(format!("m{n}"))
                    .arg("6217 **** **** 1234")
                    .arg("app")
                    .arg(format!("C{n:011}"))
                    .arg("bj/x")
                    .arg(1)
                    .arg("")
                    .arg("")
                    .arg("p")
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                assert_eq!(reply[0], "reserved");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    started.elapsed()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let rounds: usize = args.first().map_or(6, |a| a.parse().unwrap());
    let calls: u64 = args.get(1).map_or(20_000, |a| a.parse().unwrap());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let redis = RedisServer::start();
    let redis_pid = redis.pid().unwrap().to_string();
    let url = redis.url();
    rt.block_on(async {
        let target = RedisTarget::Single(url.clone());
        let store = RedisStore::new(&target, 1, Duration::from_secs(5)).unwrap();
        store
            .create_event(&open_event("bench", &[("p", 100_000_000)]))
            .await
            .unwrap();
        let info: redis::ConnectionInfo = redis::IntoConnectionInfo::into_connection_info(url.as_str()).unwrap();
        let ours = Wire::connect("127.0.0.1", redis.port, info.redis_settings(), Duration::from_secs(5))
            .await
            .unwrap();
        let mut theirs = redis::Client::open(url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        SCRIPTS.grab.prepare_invoke().load_async(&mut theirs).await.unwrap();
        let next = Arc::new(AtomicU64::new(0));
        // Warm both up.
        grabs(ours.clone(), 2_000, &next).await;
        grabs(theirs.clone(), 2_000, &next).await;
        println!(
            "== {} cores, {} calls per round, {IN_FLIGHT} in flight, one connection each",
            std::thread::available_parallelism().unwrap(),
            calls
        );
        let (mut client, mut server) = ([Vec::new(), Vec::new()], [Vec::new(), Vec::new()]);
        for round in 0..rounds {
            for (i, name) in ["ours", "redis-rs"].into_iter().enumerate() {
                if std::env::var("ONLY").is_ok_and(|o| o != name) {
                    continue;
                }
                let (c0, r0) = (cpu_secs("self"), cpu_secs(&redis_pid));
                let took = if i == 0 {
                    grabs(ours.clone(), calls, &next).await
                } else {
                    grabs(theirs.clone(), calls, &next).await
                };
                let per = |d: f64| d * 1e6 / calls as f64;
                let (c, r) = (per(cpu_secs("self") - c0), per(cpu_secs(&redis_pid) - r0));
                println!(
                    "round {round} {name:8}: {:7.0} calls/s, client CPU {c:5.1} µs/call, Redis CPU {r:5.1} µs/call",
                    calls as f64 / took.as_secs_f64()
                );
                client[i].push(c);
                server[i].push(r);
            }
        }
        if client[0].is_empty() || client[1].is_empty() {
            return;
        }
        let (co, ct) = (median(client[0].clone()), median(client[1].clone()));
        let (ro, rt) = (median(server[0].clone()), median(server[1].clone()));
        println!("median client CPU per call: ours {co:.1} µs, redis-rs {ct:.1} µs (ours / redis-rs {:.2})", co / ct);
        println!("median Redis CPU per call:  ours {ro:.1} µs, redis-rs {rt:.1} µs (ours / redis-rs {:.2})", ro / rt);
    });
}
