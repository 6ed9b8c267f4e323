//! Configuration from flags and `TG_*` environment variables, with defaults that
//! run out of the box: 127.0.0.1:8080, the durable embedded store in
//! `./ticketgrab-data`, development secrets (with a warning).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::store::RedisTarget;

/// Development secrets: fine for `cargo run`, refused nowhere, but warned about.
pub const DEV_MEMBER_SECRET: &str = "dev-member-secret-change-me";
pub const DEV_STAFF_SECRET: &str = "dev-staff-secret-change-me";
pub const DEV_CARD_SECRET: &str = "dev-card-secret-change-me";
pub const DEV_PAYMENT_SECRET: &str = "dev-payment-secret-change-me";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Plain,
    Json,
}

/// The secrets: of member tokens, of staff tokens, and of member keys.
#[derive(Args, Clone, Debug)]
pub struct Secrets {
    /// HS256 secret of member tokens (the 12351 app's identity service).
    #[arg(long, env = "TG_MEMBER_SECRET", hide_env_values = true, default_value = DEV_MEMBER_SECRET, hide_default_value = true)]
    pub member_secret: String,

    /// HS256 secret of staff tokens.
    #[arg(long, env = "TG_STAFF_SECRET", hide_env_values = true, default_value = DEV_STAFF_SECRET, hide_default_value = true)]
    pub staff_secret: String,

    /// HMAC secret that turns card numbers into member keys. Changing it makes
    /// existing reservations unreachable by card.
    #[arg(long, env = "TG_CARD_SECRET", hide_env_values = true, default_value = DEV_CARD_SECRET, hide_default_value = true)]
    pub card_secret: String,

    /// HMAC-SHA256 secret shared with the payment provider: notifications
    /// to /api/v1/payments/notify are signed with it.
    #[arg(long, env = "TG_PAYMENT_SECRET", hide_env_values = true, default_value = DEV_PAYMENT_SECRET, hide_default_value = true)]
    pub payment_secret: String,

    /// The identity services' public keys, a JWK Set file (ES256, RS256,
    /// EdDSA; each key with its `kid` and `alg`): member and staff tokens
    /// are then checked with them alone, never HS256, so this service holds
    /// no key that can mint a token. Read again when it changes.
    #[arg(long, env = "TG_JWKS")]
    pub jwks: Option<PathBuf>,

    /// Expected `iss` of member tokens.
    #[arg(long, env = "TG_ISSUER", default_value = "12351")]
    pub issuer: String,

    /// Required `aud` of member and staff tokens. Unset: `aud` is not checked
    /// (a token may carry one or none), so an identity service that starts
    /// adding one locks nobody out.
    #[arg(long, env = "TG_AUDIENCE")]
    pub audience: Option<String>,

    /// Longest lifetime a member token may claim: `exp` further ahead than
    /// this is refused (a stolen long-lived token is worth less).
    #[arg(long, env = "TG_MEMBER_TOKEN_MAX_SECS", default_value_t = 24 * 3600)]
    pub member_token_max_secs: u64,

    /// Longest lifetime a staff token may claim.
    #[arg(long, env = "TG_STAFF_TOKEN_MAX_SECS", default_value_t = 24 * 3600)]
    pub staff_token_max_secs: u64,
}

impl Secrets {
    pub fn are_dev_defaults(&self) -> bool {
        // With a key set, the token secrets are not used.
        let tokens = self.jwks.is_none()
            && (self.member_secret == DEV_MEMBER_SECRET || self.staff_secret == DEV_STAFF_SECRET);
        tokens || self.card_secret == DEV_CARD_SECRET || self.payment_secret == DEV_PAYMENT_SECRET
    }

    /// Whether any secret of a real sale is set (not left at its development
    /// default): then the binary started with no arguments runs production,
    /// not the demo.
    pub fn any_configured(&self) -> bool {
        self.jwks.is_some()
            || self.member_secret != DEV_MEMBER_SECRET
            || self.staff_secret != DEV_STAFF_SECRET
            || self.card_secret != DEV_CARD_SECRET
            || self.payment_secret != DEV_PAYMENT_SECRET
    }

    /// Signs tokens with these secrets.
    pub fn minter(&self) -> crate::tokens::Minter {
        crate::tokens::Minter::new(&self.member_secret, &self.staff_secret, &self.issuer)
    }
}

/// Settings of `ticketgrab serve`.
#[derive(Args, Clone, Debug)]
pub struct Config {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "TG_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Redis URL, e.g. redis://ticketgrab:pw@127.0.0.1:6379. Without it (and
    /// without --redis-cluster) the embedded store is used, kept in
    /// --data-dir. A URL that is set but cannot be parsed or reached stops
    /// the start.
    #[arg(long, env = "TG_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// Where the embedded store keeps its journal: every change is written
    /// and fsynced there before it is confirmed, and read back at start. One
    /// process per directory.
    #[arg(long, env = "TG_DATA_DIR", default_value = "ticketgrab-data")]
    pub data_dir: PathBuf,

    /// Where finished sales are archived (one file each; see README). With
    /// several front ends, a volume they all share: each lists it, and a
    /// member's list reads the archives of recent sales from it.
    #[arg(long, env = "TG_ARCHIVE_DIR", default_value = "ticketgrab-archives")]
    pub archive_dir: PathBuf,

    /// Days after its last show starts before a sale may be archived (0 for
    /// rehearsals).
    #[arg(long, env = "TG_ARCHIVE_MIN_AGE_DAYS", default_value_t = 30)]
    pub archive_min_age_days: u64,

    /// Days after a sale's last show that its archive keeps member keys;
    /// after them it keeps counts only.
    #[arg(long, env = "TG_ARCHIVE_RETENTION_DAYS", default_value_t = 365)]
    pub archive_retention_days: u64,

    /// The embedded store compacts its data directory (a snapshot of the live
    /// sales, then the journal since) once its journal passes this many MiB,
    /// checked every minute, without stopping grabs.
    #[arg(long, env = "TG_COMPACT_JOURNAL_MB", default_value_t = 256)]
    pub compact_journal_mb: u64,

    /// The embedded store in memory only, NOT durable: every event and
    /// ticket is lost when the process stops. For tests and demos.
    /// --data-dir (or TG_DATA_DIR, as the container image sets it) is then
    /// not used.
    #[arg(long, env = "TG_MEMORY")]
    pub memory: bool,

    /// Redis Cluster seed nodes, comma-separated redis:// URLs.
    #[arg(
        long,
        env = "TG_REDIS_CLUSTER",
        hide_env_values = true,
        value_delimiter = ',',
        conflicts_with = "redis_url"
    )]
    pub redis_cluster: Vec<String>,

    /// Multiplexed Redis connections shared by all requests (as many again,
    /// for changes and their WAITs, with --redis-wait-replicas).
    #[arg(long, env = "TG_REDIS_CONNECTIONS", default_value_t = 4)]
    pub redis_connections: usize,

    /// Confirm a change only when this many replicas hold it (Redis WAIT), so a
    /// failover cannot lose a confirmed ticket; 0 does not wait.
    #[arg(long, env = "TG_REDIS_WAIT_REPLICAS", default_value_t = 0)]
    pub redis_wait_replicas: usize,

    /// Longest wait for those replicas before answering 503 store_unavailable.
    #[arg(long, env = "TG_REDIS_WAIT_TIMEOUT_MS", default_value_t = 500)]
    pub redis_wait_timeout_ms: u64,

    /// Longest wait for one store call before answering 503 store_unavailable.
    #[arg(long, env = "TG_STORE_TIMEOUT_MS", default_value_t = 2000)]
    pub store_timeout_ms: u64,

    #[command(flatten)]
    pub secrets: Secrets,

    /// Grabs and cancels per second allowed to one member (sustained).
    #[arg(long, env = "TG_MEMBER_RATE", default_value_t = 2)]
    pub member_rate: u32,

    /// Burst of grabs and cancels one member may make at once.
    #[arg(long, env = "TG_MEMBER_BURST", default_value_t = 5)]
    pub member_burst: u32,

    /// API requests per second allowed to one client IP (sustained); 0 disables.
    #[arg(long, env = "TG_IP_RATE", default_value_t = 200)]
    pub ip_rate: u32,

    /// Burst of API requests one client IP may make at once.
    #[arg(long, env = "TG_IP_BURST", default_value_t = 400)]
    pub ip_burst: u32,

    /// Proxies whose X-Forwarded-For is believed (comma-separated IPs).
    #[arg(long, env = "TG_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpAddr>,

    /// API requests handled at once; more are shed with 503 overloaded.
    #[arg(long, env = "TG_MAX_IN_FLIGHT", default_value_t = 4096)]
    pub max_in_flight: usize,

    /// Longest time one API request may take before 503.
    #[arg(long, env = "TG_REQUEST_TIMEOUT_MS", default_value_t = 5000)]
    pub request_timeout_ms: u64,

    /// Largest request body in bytes (413 above).
    #[arg(long, env = "TG_BODY_LIMIT", default_value_t = 4096)]
    pub body_limit: usize,

    /// How often each followed event's log is read into the read model that
    /// answers from memory what the store would (sold out, a holder's retry,
    /// not eligible, paused, closed). A ticket returned on another instance is
    /// grabbable here within about this time. 0 turns the read model off:
    /// every grab asks the store.
    #[arg(long, env = "TG_EDGE_POLL_MS", default_value_t = 20)]
    pub edge_poll_ms: u64,

    /// Longest wait for a request's headers, and for the next request on an
    /// idle keep-alive connection; then the connection is closed.
    #[arg(long, env = "TG_HEADER_TIMEOUT_MS", default_value_t = 5000)]
    pub header_timeout_ms: u64,

    /// Most client connections open at once; more are answered 503 and closed
    /// at once. Kept below the process's open-file limit.
    #[arg(long, env = "TG_MAX_CONNECTIONS", default_value_t = 2048)]
    pub max_connections: usize,

    /// After SIGTERM or ctrl-c: how long requests in flight may take to finish
    /// before every connection is cut. Live streams end at once.
    #[arg(long, env = "TG_SHUTDOWN_GRACE_MS", default_value_t = 10_000)]
    pub shutdown_grace_ms: u64,

    /// Log format.
    #[arg(long, env = "TG_LOG_FORMAT", value_enum, default_value_t = LogFormat::Plain)]
    pub log_format: LogFormat,

    /// Create the demo sales (opening `--demo-opens-in` seconds after start),
    /// print tokens, and open the demo's pay button. The binary with no
    /// arguments at all runs the demo only when no secret is set.
    #[arg(long, env = "TG_DEMO")]
    pub demo: bool,

    /// Seconds from start until the demo sales open (0: open at once).
    #[arg(long, env = "TG_DEMO_OPENS_IN", default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub demo_opens_in: u64,
}

impl Config {
    /// The configuration of `ticketgrab serve` with these flags (and the
    /// environment); a later flag overrides an earlier one.
    pub fn parse(flags: &[&str]) -> Result<Self, clap::Error> {
        #[derive(clap::Parser)]
        #[command(args_override_self = true)]
        struct Wrapper {
            #[command(flatten)]
            config: Config,
        }
        let args = std::iter::once("ticketgrab").chain(flags.iter().copied());
        <Wrapper as clap::Parser>::try_parse_from(args).map(|w| w.config)
    }

    /// Which store the service keeps its state in, by name.
    pub fn store_kind(&self) -> StoreKind {
        match self.redis_target() {
            Some(RedisTarget::Single(_)) => StoreKind::Redis,
            Some(RedisTarget::Cluster(_)) => StoreKind::RedisCluster,
            None if self.memory => StoreKind::Memory,
            None => StoreKind::Embedded,
        }
    }

    pub fn redis_target(&self) -> Option<RedisTarget> {
        if !self.redis_cluster.is_empty() {
            Some(RedisTarget::Cluster(self.redis_cluster.clone()))
        } else {
            self.redis_url.clone().map(RedisTarget::Single)
        }
    }

    pub fn store_timeout(&self) -> Duration {
        Duration::from_millis(self.store_timeout_ms)
    }
}

/// Which store a configuration runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    /// The embedded store, durable in its data directory (the default).
    Embedded,
    /// The embedded store in memory only (`--memory`): nothing is kept.
    Memory,
    Redis,
    RedisCluster,
}

impl StoreKind {
    /// Its name, as /readyz and the start log say it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Embedded => "embedded",
            Self::Memory => "memory",
            Self::Redis => "redis",
            Self::RedisCluster => "redis-cluster",
        }
    }

    /// Whether a confirmed change survives a restart of the service.
    pub fn durable(self) -> bool {
        self != Self::Memory
    }
}
