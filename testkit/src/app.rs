//! `spawn_app()`: the real server on port 0 against a test-started Redis, and a
//! `TestApp` with one method per thing a client does.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use ticketgrab::config::Config;
use ticketgrab::domain::Millis;
use ticketgrab::startup::App;
use ticketgrab::tokens::{Minter, Role};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::redis_server::RedisServer;

pub struct TestApp {
    pub base: String,
    /// Signs tokens with the app's secrets.
    pub tokens: Minter,
    pub redis: Option<RedisServer>,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    pub server: Option<JoinHandle<anyhow::Result<()>>>,
    /// The app's archive directory, when the test did not name one.
    pub archives: Option<tempfile::TempDir>,
}

/// Generous limits so only the tests about limits meet them.
const TEST_FLAGS: &[&str] = &[
    "--listen",
    "127.0.0.1:0",
    "--member-rate",
    "1000",
    "--member-burst",
    "1000",
    "--ip-rate",
    "0",
];

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// The app on a fresh Redis, with extra flags.
pub async fn spawn_app_with(flags: &[&str]) -> TestApp {
    let redis = RedisServer::start();
    let mut app = spawn_app_on(&redis.url(), flags).await;
    app.redis = Some(redis);
    app
}

/// Another process of the service on the same Redis.
pub async fn spawn_app_on(redis_url: &str, flags: &[&str]) -> TestApp {
    let mut all = vec!["--redis-url", redis_url];
    all.extend(flags);
    spawn_app_flags(&all).await
}

/// The service with these flags; without a store among them, the embedded
/// store in memory (`--memory`).
pub async fn spawn_app_flags(flags: &[&str]) -> TestApp {
    let mut all: Vec<&str> = TEST_FLAGS.to_vec();
    all.extend(["--store-timeout-ms", "1000"]);
    all.extend(flags);
    if !crate::names_a_store(flags) {
        all.push("--memory");
    }
    let archives = (!flags.contains(&"--archive-dir")).then(|| tempfile::tempdir().unwrap());
    let archive_dir = archives.as_ref().map(|d| d.path().display().to_string());
    if let Some(dir) = &archive_dir {
        all.extend(["--archive-dir", dir]);
    }
    let config = Config::parse(&all).expect("test flags parse");
    let app = App::build(&config).await.expect("app builds");
    let base = format!("http://{}", app.local_addr());
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    TestApp {
        base,
        tokens: config.secrets.minter(),
        redis: None,
        client: reqwest::Client::builder().no_proxy().build().unwrap(),
        stop: Some(stop),
        server: Some(server),
        archives,
    }
}

impl TestApp {
    /// A client of a server running elsewhere (another process) at `base`,
    /// whose tokens `tokens` signs.
    pub fn external(base: &str, tokens: Minter) -> Self {
        Self {
            base: base.to_owned(),
            tokens,
            redis: None,
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
            stop: None,
            server: None,
            archives: None,
        }
    }

    /// The n-th test member's token, valid an hour.
    pub fn member(&self, n: u64, org: &str) -> String {
        crate::member_token(&self.tokens, n, org)
    }

    pub fn admin(&self, org: &str) -> String {
        crate::staff_token(&self.tokens, Role::Admin, org)
    }

    pub fn station(&self, org: &str) -> String {
        crate::staff_token(&self.tokens, Role::Station, org)
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, reqwest::header::HeaderMap, String) {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request reaches the server");
        let (status, headers) = (resp.status(), resp.headers().clone());
        (status, headers, resp.text().await.unwrap())
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        decode(self.request(Method::GET, path, Some(token), None).await)
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        decode(
            self.request(Method::POST, path, Some(token), Some(body))
                .await,
        )
    }

    pub async fn delete(&self, path: &str, token: &str) -> (StatusCode, Value) {
        decode(self.request(Method::DELETE, path, Some(token), None).await)
    }

    /// Creates an event for `bj` that is open now, with `pools` as (id, total).
    pub async fn create_open_event(&self, id: &str, pools: &[(&str, i64)]) {
        let now = Millis::now().0;
        self.create_event(id, "bj", pools, now - 1_000, now + 3_600_000)
            .await;
    }

    pub async fn create_event(
        &self,
        id: &str,
        org: &str,
        pools: &[(&str, i64)],
        opens_ms: i64,
        closes_ms: i64,
    ) {
        let (status, body) = self
            .post(
                "/api/v1/admin/events",
                &self.admin("bj"),
                event_body(id, org, pools, opens_ms, closes_ms),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    pub async fn grab(&self, token: &str, event: &str, body: Value) -> (StatusCode, Value) {
        self.post(&format!("/api/v1/events/{event}/reservations"), token, body)
            .await
    }

    pub async fn metrics(&self) -> String {
        self.client
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Store calls of kind `op` (`grab`, `cancel`, ...) the service has made,
    /// from its /metrics.
    pub async fn store_calls(&self, op: &str) -> u64 {
        let prefix = format!("tg_store_call_duration_seconds_count{{op=\"{op}\"}}");
        self.metrics()
            .await
            .lines()
            .find(|l| l.starts_with(&prefix))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
            .unwrap_or(0)
    }

    /// Graceful stop: in-flight requests finish first.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }
}

/// The body as JSON; every error must be problem+json, with Retry-After on 429 and 503.
pub fn decode(
    (status, headers, body): (StatusCode, reqwest::header::HeaderMap, String),
) -> (StatusCode, Value) {
    if status.is_client_error() || status.is_server_error() {
        assert_eq!(
            headers.get("content-type").map(|v| v.to_str().unwrap()),
            Some("application/problem+json"),
            "{status}: {body}"
        );
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            let secs: u64 = headers
                .get("retry-after")
                .expect("Retry-After")
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(secs >= 1);
        }
    }
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

pub fn event_body(
    id: &str,
    org: &str,
    pools: &[(&str, i64)],
    opens_ms: i64,
    closes_ms: i64,
) -> Value {
    json!({
        "id": id,
        "title": format!("Sale {id}"),
        "org": org,
        "opens_at": Millis(opens_ms).rfc3339(),
        "closes_at": Millis(closes_ms).rfc3339(),
        "price_fen": 500,
        // Paid at the counter: tickets at once (tests of holds set their own).
        "hold_minutes": 0,
        "pools": pools.iter().map(|(p, n)| json!({"id": p, "title": format!("Pool {p}"), "total": n})).collect::<Vec<_>>(),
    })
}

/// Asserts a problem document with `status` and `code`; returns it.
pub fn assert_problem(got: (StatusCode, Value), status: StatusCode, code: &str) -> Value {
    assert_eq!(got.0, status, "body: {}", got.1);
    assert_eq!(got.1["code"], code, "body: {}", got.1);
    assert_eq!(got.1["status"], status.as_u16());
    got.1
}
