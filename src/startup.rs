//! Builds the application from its configuration: the store, the engine, the
//! router and the background tasks, on a bound listener, so tests can bind
//! port 0 and run the real thing.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::domain::{MemberKeyer, Millis};
use crate::engine::Engine;
use crate::http::auth::Auth;
use crate::http::limits::{KeyedLimit, Limits};
use crate::http::readiness::Readiness;
use crate::http::state::Shared;
use crate::http::{AppState, app};
use crate::metrics::{MeteredStore, Metrics};
use crate::server;
use crate::store::{MemoryStore, RedisStore, Store};

/// A built application, bound but not yet serving.
pub struct App {
    listener: TcpListener,
    pub state: AppState,
    /// How the server treats connections.
    limits: server::ConnLimits,
    /// When the demo sales open and their tokens, when `--demo` was given.
    pub demo_tokens: Option<String>,
}

/// Everything the router needs, built from the configuration: the store, the
/// engine, auth, limits and metrics. No socket: tests hand it to
/// `http::app` and `oneshot` requests at it.
pub fn state(config: &Config) -> anyhow::Result<AppState> {
    let metrics = Arc::new(Metrics::new());
    let mut embedded = None;
    let store: Arc<dyn Store> = match config.redis_target() {
        Some(target) => Arc::new(
            RedisStore::new(&target, config.redis_connections, config.store_timeout())
                .context("configuring the Redis store")?
                .with_replica_wait(
                    config.redis_wait_replicas,
                    Duration::from_millis(config.redis_wait_timeout_ms),
                ),
        ),
        None if config.memory => Arc::new(MemoryStore::new()),
        None => {
            let opened = Arc::new(MemoryStore::open(&config.data_dir).with_context(|| {
                format!(
                    "opening the embedded store in {}",
                    config.data_dir.display()
                )
            })?);
            embedded = Some(opened.clone());
            opened
        }
    };
    let store: Arc<dyn Store> = Arc::new(MeteredStore::new(store, metrics.clone()));
    let keyer = MemberKeyer::new(config.secrets.card_secret.as_bytes());
    let mut engine = Engine::new(store, keyer.clone());
    engine = engine.with_archives(crate::engine::Archives::new(
        config.archive_dir.clone(),
        config.archive_min_age_days,
        config.archive_retention_days,
    ));
    if config.edge_poll_ms > 0 {
        engine = engine.with_read_model(Duration::from_millis(config.edge_poll_ms));
    }
    let limits = Limits {
        member: KeyedLimit::new(config.member_rate, config.member_burst),
        ip: KeyedLimit::new(config.ip_rate, config.ip_burst),
        unsigned: KeyedLimit::new(UNSIGNED_RATE, UNSIGNED_BURST),
        trusted_proxies: config.trusted_proxies.clone(),
        in_flight: Arc::new(Semaphore::new(config.max_in_flight.max(1))),
        request_timeout: Duration::from_millis(config.request_timeout_ms),
        metrics: metrics.clone(),
    };
    Ok(AppState::new(Shared {
        engine,
        auth: Arc::new(Auth::new(&config.secrets, keyer).map_err(anyhow::Error::msg)?),
        limits: Arc::new(limits),
        metrics,
        body_limit: config.body_limit,
        stopping: Arc::new(tokio::sync::watch::channel(false).0),
        ready: Arc::new(Readiness::default()),
        store_kind: config.store_kind(),
        payments: crate::payments::Signer::new(&config.secrets.payment_secret),
        demo: config.demo,
        embedded,
        compact_bytes: config.compact_journal_mb.saturating_mul(1 << 20),
    }))
}

/// Payment notifications without a valid signature allowed per client
/// address (per second, at once): a provider's own retries of a notification
/// it signed wrongly fit; a flood does not. Signed ones are not limited.
const UNSIGNED_RATE: u32 = 5;
const UNSIGNED_BURST: u32 = 20;

/// Holds expired per script call of the sweeper.
const SWEEP_BATCH: usize = 100;

/// Expires unpaid holds past their pay_by in every event, every second, until
/// shutdown begins. The store's expire script is idempotent, so every front
/// end runs one; and the scripts that touch a hold expire it themselves when
/// it is due, so a late sweep never lets a late payment or redeem through.
pub async fn sweep_holds(engine: Engine, mut stopping: tokio::sync::watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stopping.changed() => return,
        }
        let Ok(ids) = engine.swept_events().await else {
            continue;
        };
        for id in ids {
            loop {
                match engine.expire_holds(&id, SWEEP_BATCH).await {
                    Ok(n) if n == SWEEP_BATCH => {}
                    Ok(_) | Err(crate::Error::UnknownEvent) => break,
                    Err(e) => {
                        tracing::debug!(event = %id, error = %e, "hold sweep failed");
                        break;
                    }
                }
            }
        }
    }
}

impl App {
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let state = state(config)?;
        // A store that is configured but cannot be reached is a mistake to
        // fix now, not a service that silently answers 503 (or, worse, a
        // fallback that keeps nothing).
        state.engine.store().prepare().await.with_context(|| {
            format!(
                "the {} store is not reachable",
                config.store_kind().as_str()
            )
        })?;
        if !config.demo {
            let demo = crate::demo::found_in(&state.engine.events().await?);
            if !demo.is_empty() {
                let names: Vec<&str> = demo.iter().map(|id| id.as_str()).collect();
                anyhow::bail!(
                    "this is a production start (secrets are set and --demo is not given), \
                     but the {} store holds the demo sales {}: their tickets were given out \
                     with printed tokens. To run a real sale, {}\n\
                     (or start with --demo to keep running the demo)",
                    config.store_kind().as_str(),
                    names.join(", "),
                    crate::demo::removal(config, &demo)
                );
            }
        }
        let file_limit = server::open_file_limit();
        let max_connections = server::fitting_cap(config.max_connections, file_limit);
        if max_connections < config.max_connections {
            tracing::warn!(
                wanted = config.max_connections,
                max_connections,
                file_limit,
                "connection cap lowered to fit the open-file limit"
            );
        }
        let limits = server::ConnLimits {
            header_timeout: Duration::from_millis(config.header_timeout_ms),
            max_connections,
            grace: Duration::from_millis(config.shutdown_grace_ms),
        };
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("binding {}", config.listen))?;
        if let Some(jwks) = state.auth.jwks() {
            tracing::info!(kids = ?jwks.kids(), "tokens: checked with the key set's public keys only (no HS256)");
            jwks.watch();
        }
        tokio::spawn(sweep_holds(
            state.engine.clone(),
            state.stopping.subscribe(),
        ));
        let mut app = Self {
            listener,
            state,
            limits,
            demo_tokens: None,
        };
        if config.demo {
            let opens_in = i64::try_from(config.demo_opens_in).unwrap_or(0) * 1_000;
            let opens_at = Millis(Millis::now().0 + opens_in);
            let (ids, created) = crate::demo::create_sales(&app.state.engine, opens_at)
                .await
                .context("creating the demo sales")?;
            tracing::info!(events = ids.len(), created, opens_at = %opens_at.rfc3339(), "demo sales ready");
            let base = format!("http://{}", app.local_addr());
            let when = if created == ids.len() {
                format!("Demo sales open in {} s.", config.demo_opens_in)
            } else {
                format!(
                    "Demo sales: {} kept from the data directory {} (with their tickets), {created} new.",
                    ids.len() - created,
                    config.data_dir.display()
                )
            };
            let tokens = crate::demo::tokens(&config.secrets.minter(), &base);
            app.demo_tokens = Some(format!("{when} Tokens (valid 24 h):\n{tokens}"));
        }
        Ok(app)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` resolves; then live streams end, requests in
    /// flight get the grace period to finish, and the rest are cut.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let background = spawn_background(&self.state);
        let stopping = self.state.stopping.clone();
        let router = app(self.state);
        let served = server::serve(self.listener, router, self.limits, shutdown, stopping).await;
        for task in background {
            task.abort();
        }
        served.context("serving HTTP")
    }
}

/// Keeps the remaining-stock gauges fresh and the rate limiters small (and
/// the store's upkeep going: upkeep.rs). The
/// gauges of the sales selling now are read every second, every live sale's
/// every minute (a sale's stock moves only while it sells, or by a restock).
fn spawn_background(state: &AppState) -> Vec<JoinHandle<()>> {
    let gauges = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            for second in 0u64.. {
                tick.tick().await;
                if second % 60 == 0 {
                    if let Ok(views) = state.engine.live_events().await {
                        state.metrics.only_remaining(&views);
                    }
                } else if let Ok(views) = state.engine.selling_events().await {
                    views.iter().for_each(|v| state.metrics.set_remaining(v));
                }
            }
        })
    };
    let limiters = {
        let limits = state.limits.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                limits.member.forget_idle();
                limits.ip.forget_idle();
            }
        })
    };
    let mut tasks = vec![gauges, limiters];
    tasks.extend(crate::upkeep::spawn(state));
    tasks
}

/// Resolves on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
