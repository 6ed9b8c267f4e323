//! Durability: the service on deploy/redis/redis.conf with its own ACL user,
//! Redis killed with SIGKILL mid-sale and restarted from its AOF, a cluster
//! master killed mid-sale with and without waiting for a replica, and the
//! service itself killed mid-sale on the durable embedded store.

mod crash;
mod deploy;
mod embedded;
mod failover;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use testkit::app::TestApp;

/// The crowd tests (SIGKILLs and failovers mid-sale, 200 clients each) take
/// turns: run at once on two cores they starve each other's stores past
/// their timeouts, which is a test of the machine, not of the service.
pub static ONE_CROWD_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// deploy/redis/redis.conf, as shipped.
pub fn durable_conf() -> String {
    format!("{}/deploy/redis/redis.conf", env!("CARGO_MANIFEST_DIR"))
}

/// What a crowd of members was told, while it grabbed.
#[derive(Default)]
pub struct Told {
    /// member -> ticket code from a 201 or 200
    pub tickets: HashMap<u64, String>,
    pub sold_out: u64,
    /// 503 answers (with their code) while the store was down
    pub unavailable: HashMap<String, u64>,
}

/// `members` members grab through `tasks` concurrent clients until each has a
/// ticket or `sold_out`, honouring Retry-After (shortened to `retry_after_cap`)
/// on 503. Returns when all are done, or panics after `deadline`.
pub async fn crowd(
    app: Arc<TestApp>,
    event: &str,
    pool: &str,
    members: u64,
    tasks: u64,
    retry_after_cap: Duration,
    deadline: Duration,
) -> Arc<Mutex<Told>> {
    let told = Arc::new(Mutex::new(Told::default()));
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let (app, told, event, pool) =
            (app.clone(), told.clone(), event.to_owned(), pool.to_owned());
        handles.push(tokio::spawn(async move {
            let mut m = t;
            while m < members {
                let token = app.member(m, "bj/x");
                loop {
                    assert!(
                        started.elapsed() < deadline,
                        "the sale did not finish within {deadline:?}"
                    );
                    let (status, headers, body) = app
                        .request(
                            reqwest::Method::POST,
                            &format!("/api/v1/events/{event}/reservations"),
                            Some(&token),
                            Some(json!({"pool": pool})),
                        )
                        .await;
                    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                    match status {
                        StatusCode::CREATED | StatusCode::OK => {
                            told.lock()
                                .unwrap()
                                .tickets
                                .insert(m, body["code"].as_str().unwrap().to_owned());
                            break;
                        }
                        StatusCode::CONFLICT if body["code"] == "sold_out" => {
                            told.lock().unwrap().sold_out += 1;
                            break;
                        }
                        StatusCode::SERVICE_UNAVAILABLE => {
                            let retry: u64 =
                                headers["retry-after"].to_str().unwrap().parse().unwrap();
                            assert_eq!(headers["content-type"], "application/problem+json");
                            *told
                                .lock()
                                .unwrap()
                                .unavailable
                                .entry(body["code"].as_str().unwrap_or("?").to_owned())
                                .or_default() += 1;
                            tokio::time::sleep(Duration::from_secs(retry).min(retry_after_cap))
                                .await;
                        }
                        other => panic!("member {m}: {other} {body}"),
                    }
                }
                m += tasks;
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    told
}

/// The confirmed codes as the audit's `confirmed` list, and its answer.
pub async fn audit_confirmed(app: &TestApp, event: &str, told: &Told) -> Value {
    let codes: Vec<&String> = told.tickets.values().collect();
    let (status, audit) = app
        .post(
            &format!("/api/v1/admin/events/{event}/audit"),
            &app.admin("bj"),
            json!({"confirmed": codes}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    audit
}
