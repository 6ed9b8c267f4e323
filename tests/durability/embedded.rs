//! SIGKILL of the service itself on the durable embedded store, three times
//! during a 20,000-ticket sale and once after it, each time restarted from
//! its journal: every ticket the API confirmed is there, for the same member
//! under the same code, and nothing is sold twice.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use testkit::app::TestApp;
use ticketgrab::config::Secrets;

const TICKETS: i64 = 20_000;
const MEMBERS: u64 = 26_000;
const CLIENTS: u64 = 200;

/// The service as a process of its own, on a fixed port and data directory.
struct Service {
    child: Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl Service {
    fn start(port: u16, dir: &std::path::Path) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_ticketgrab"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg(format!("--data-dir={}", dir.display()))
            .args(["--member-rate", "1000", "--member-burst", "1000"])
            .args(["--ip-rate", "0", "--log-format", "json"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the ticketgrab binary starts");
        Self {
            child,
            port,
            dir: dir.to_path_buf(),
        }
    }

    /// SIGKILL: no shutdown, no flush, nothing.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn restart(&mut self) {
        *self = Self::start(self.port, &self.dir);
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn wait_ready(app: &TestApp) {
    let started = Instant::now();
    loop {
        if let Ok(r) = app.client.get(format!("{}/readyz", app.base)).send().await
            && r.status() == StatusCode::OK
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the service did not come back"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// member -> the code the API confirmed (201, or 200 for a retry).
type Confirmed = Arc<Mutex<HashMap<u64, String>>>;

/// One member grabs until the service answers: a ticket or sold out. No
/// answer (the service is down, or died mid-request) means try again, as an
/// app does.
async fn grab_until_answered(app: &TestApp, m: u64, confirmed: &Confirmed) -> bool {
    let token = app.member(m, "bj/x");
    loop {
        let sent = app
            .client
            .post(format!("{}/api/v1/events/festival/reservations", app.base))
            .bearer_auth(&token)
            .json(&json!({"pool": "entry"}))
            .timeout(Duration::from_secs(10))
            .send()
            .await;
        let Ok(resp) = sent else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let status = resp.status();
        let Ok(body) = resp.json::<Value>().await else {
            continue;
        };
        match status {
            StatusCode::CREATED | StatusCode::OK => {
                let code = body["code"].as_str().unwrap().to_owned();
                let mut all = confirmed.lock().unwrap();
                if let Some(before) = all.insert(m, code.clone()) {
                    assert_eq!(before, code, "member {m} was confirmed two codes");
                }
                return true;
            }
            StatusCode::CONFLICT if body["code"] == "sold_out" => return false,
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => panic!("member {m}: {other} {body}"),
        }
    }
}

/// `members` members over `CLIENTS` concurrent clients; how many were told
/// sold out.
async fn crowd(
    app: Arc<TestApp>,
    members: impl Fn(u64) -> bool + Send + Sync + 'static,
    confirmed: Confirmed,
) -> u64 {
    let members = Arc::new(members);
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (app, confirmed, members) = (app.clone(), confirmed.clone(), members.clone());
        tasks.push(tokio::spawn(async move {
            let mut sold_out = 0;
            for m in (c..MEMBERS)
                .step_by(CLIENTS as usize)
                .filter(|m| members(*m))
            {
                if !grab_until_answered(&app, m, &confirmed).await {
                    sold_out += 1;
                }
            }
            sold_out
        }));
    }
    let mut sold_out = 0;
    for t in tasks {
        sold_out += t.await.unwrap();
    }
    sold_out
}

/// Tickets sold so far, when the service answers.
async fn sold(app: &TestApp) -> Option<i64> {
    let r = app
        .client
        .get(format!("{}/api/v1/events/festival", app.base))
        .bearer_auth(app.member(0, "bj/x"))
        .timeout(Duration::from_secs(2))
        .send()
        .await
        .ok()?;
    if r.status() != StatusCode::OK {
        return None;
    }
    let body: Value = r.json().await.ok()?;
    Some(TICKETS - body["pools"][0]["remaining"].as_i64()?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_the_service_three_times_mid_sale_loses_no_confirmed_ticket() {
    let _turn = crate::ONE_CROWD_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let port = testkit::free_port();
    let mut service = Service::start(port, dir.path());
    let secrets: Secrets = ticketgrab::config::Config::parse(&[]).unwrap().secrets;
    let app = Arc::new(TestApp::external(
        &format!("http://127.0.0.1:{port}"),
        secrets.minter(),
    ));
    wait_ready(&app).await;
    app.create_open_event("festival", &[("entry", TICKETS)])
        .await;

    let confirmed: Confirmed = Arc::default();
    let sale = tokio::spawn(crowd(app.clone(), |_| true, confirmed.clone()));
    let started = Instant::now();
    for at in [3_000, 9_000, 15_000] {
        while sold(&app).await.is_none_or(|n| n < at) {
            assert!(!sale.is_finished(), "the sale ended before {at} tickets");
            assert!(
                started.elapsed() < Duration::from_secs(240),
                "stuck before {at}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        service.kill();
        // Whatever the API confirmed so far must come back.
        let before: HashMap<u64, String> = confirmed.lock().unwrap().clone();
        service.restart();
        wait_ready(&app).await;
        let (_, audit) = app
            .post(
                "/api/v1/admin/events/festival/audit",
                &app.admin("bj"),
                json!({"confirmed": before.values().collect::<Vec<_>>()}),
            )
            .await;
        assert_eq!(audit["ok"], true, "after the kill at {at}: {audit}");
    }
    let sold_out = sale.await.unwrap();
    let confirmed = std::mem::take(&mut *confirmed.lock().unwrap());
    assert_eq!(confirmed.len() as i64, TICKETS, "every ticket sold");
    assert_eq!(sold_out, MEMBERS - TICKETS as u64);

    // Once more after the sale, then every holder asks again: the same code.
    service.kill();
    service.restart();
    wait_ready(&app).await;
    let again: Confirmed = Arc::default();
    let holders: Arc<HashMap<u64, String>> = Arc::new(confirmed.clone());
    let told_sold_out = crowd(
        app.clone(),
        {
            let holders = holders.clone();
            move |m| holders.contains_key(&m)
        },
        again.clone(),
    )
    .await;
    assert_eq!(told_sold_out, 0, "a holder was told sold out");
    assert_eq!(*again.lock().unwrap(), confirmed, "a holder's code changed");

    let (status, audit) = app
        .post(
            "/api/v1/admin/events/festival/audit",
            &app.admin("bj"),
            json!({"confirmed": confirmed.values().collect::<Vec<_>>()}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    assert_eq!(audit["ok"], true, "{audit}");
    assert_eq!(audit["pools"][0]["active"], TICKETS);
    assert_eq!(audit["pools"][0]["remaining"], 0);
    let mut codes: Vec<&String> = confirmed.values().collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len() as i64, TICKETS, "no code sold twice");
    eprintln!(
        "embedded kill test: {} tickets through 4 SIGKILLs in {:?}",
        confirmed.len(),
        started.elapsed()
    );
}
