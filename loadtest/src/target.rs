//! Where the rehearsal runs: a server that is already running, or one this
//! harness starts (`--spawn`), with a redis-server of its own when asked.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use ticketgrab::config::Secrets;

/// A running ticketgrab and the secrets to sign tokens for it.
pub struct Target {
    pub base: String,
    pub secrets: Secrets,
    /// Processes started here, stopped on drop (server first).
    children: Vec<Child>,
    _dir: Option<PathBuf>,
    pub redis_port: Option<u16>,
    pub server_pid: Option<u32>,
    pub redis_pid: Option<u32>,
    /// The ticketgrab binary started here; its CLI prints the grab script and
    /// the event's key names for the redis-benchmark ceiling.
    pub server_bin: Option<PathBuf>,
    /// The redis-server started here (killed on drop, after the server).
    redis: Option<testkit::RedisServer>,
    /// How the server was started, for the report (its secrets are not here:
    /// they travel in the environment).
    pub settings: String,
    /// The identity service's private key (PEM, ES256, kid `es256-a`) when
    /// the server checks tokens with `--jwks` instead of HS256.
    pub token_key: Option<PathBuf>,
    /// The server's binary and arguments, to start it again after a kill.
    server_cmd: Option<(PathBuf, Vec<String>)>,
}

impl Drop for Target {
    fn drop(&mut self) {
        for child in self.children.iter_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(dir) = &self._dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn random_secret() -> String {
    (0..32)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

/// The server binary: `--server-bin`, else `ticketgrab` next to this binary.
pub fn server_binary(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    let me = std::env::current_exe()?;
    for dir in me.ancestors().skip(1).take(3) {
        let candidate = dir.join("ticketgrab");
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    bail!(
        "cannot find the ticketgrab binary next to {}; build it (cargo build --release) or pass --server-bin",
        me.display()
    )
}

impl Target {
    /// A server someone else runs.
    pub fn external(base: &str, secrets: Secrets) -> Self {
        Self {
            token_key: None,
            base: base.trim_end_matches('/').to_owned(),
            secrets,
            children: Vec::new(),
            _dir: None,
            redis_port: None,
            server_pid: None,
            redis_pid: None,
            server_bin: None,
            redis: None,
            settings: format!("started elsewhere; the harness knows only its address {base}"),
            server_cmd: None,
        }
    }

    /// Starts ticketgrab (and redis-server when `with_redis`) on free ports.
    /// Member IPs arrive in X-Forwarded-For from 127.0.0.1, which the server
    /// trusts, so its per-IP limit applies per simulated member.
    pub async fn spawn(
        server_bin: &Path,
        with_redis: bool,
        extra_args: &[String],
    ) -> anyhow::Result<Self> {
        let secrets = Secrets {
            member_secret: random_secret(),
            staff_secret: random_secret(),
            card_secret: random_secret(),
            payment_secret: random_secret(),
            issuer: "12351".into(),
            audience: None,
            member_token_max_secs: 24 * 3600,
            staff_token_max_secs: 24 * 3600,
            jwks: None,
        };
        let dir = std::env::temp_dir().join(format!("ticketgrab-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let mut target = Self::external("", secrets);
        target._dir = Some(dir.clone());
        target.server_bin = Some(server_bin.to_path_buf());
        let mut args: Vec<String> = vec![
            "serve".into(),
            "--trusted-proxies".into(),
            "127.0.0.1".into(),
        ];
        if with_redis {
            let redis = testkit::RedisServer::start();
            let port = redis.port;
            target.redis_pid = redis.pid();
            target.redis = Some(redis);
            args.extend(["--redis-url".into(), format!("redis://127.0.0.1:{port}")]);
        }
        let port = testkit::free_port();
        args.extend(["--listen".into(), format!("127.0.0.1:{port}")]);
        args.extend(extra_args.iter().cloned());
        let given: Vec<&str> = extra_args.iter().map(String::as_str).collect();
        if !with_redis && !testkit::names_a_store(&given) {
            args.push("--memory".into());
        }
        target.server_cmd = Some((server_bin.to_path_buf(), args.clone()));
        let child = target.start_server()?;
        target.server_pid = Some(child.id());
        target.settings = format!(
            "ticketgrab {}{}",
            args.join(" "),
            if with_redis {
                " (its own redis-server, default settings)"
            } else {
                ""
            }
        );
        // The server goes first on drop, then Redis.
        target.children.insert(0, child);
        target.base = format!("http://127.0.0.1:{port}");
        target.wait_ready().await?;
        Ok(target)
    }

    fn start_server(&self) -> anyhow::Result<Child> {
        let (bin, args) = self
            .server_cmd
            .as_ref()
            .context("the harness did not start this server")?;
        let dir = self
            ._dir
            .as_ref()
            .context("a spawned server has a directory")?;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("server.log"))?;
        Command::new(bin)
            .args(args)
            .env("TG_MEMBER_SECRET", &self.secrets.member_secret)
            .env("TG_STAFF_SECRET", &self.secrets.staff_secret)
            .env("TG_CARD_SECRET", &self.secrets.card_secret)
            .env("TG_PAYMENT_SECRET", &self.secrets.payment_secret)
            .env("RUST_LOG", "warn")
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))
    }

    /// Kills the server (SIGKILL: no chance to finish anything), starts it
    /// again with the same flags and waits until it is ready.
    pub async fn kill_and_restart(&mut self) -> anyhow::Result<()> {
        let mut old = self.children.remove(0);
        let killed = old.kill();
        old.wait()?;
        killed?;
        let child = self.start_server()?;
        self.server_pid = Some(child.id());
        self.children.insert(0, child);
        self.wait_ready().await
    }

    /// Mints the run's tokens as the server checks them: HS256 under the
    /// run's secrets, or ES256 with the identity service's key.
    pub fn minter(&self) -> ticketgrab::tokens::Minter {
        match &self.token_key {
            None => self.secrets.minter(),
            Some(pem) => {
                let pem = std::fs::read(pem).expect("the harness's token key is readable");
                let key = jsonwebtoken::EncodingKey::from_ec_pem(&pem).expect("an ES256 key");
                ticketgrab::tokens::Minter::signed_by(
                    key,
                    jsonwebtoken::Algorithm::ES256,
                    "es256-a",
                    &self.secrets.issuer,
                )
            }
        }
    }

    /// A connection to the redis-server started here, if any.
    pub fn redis_conn(&self) -> Option<redis::Connection> {
        self.redis.as_ref().map(|r| r.conn())
    }

    async fn wait_ready(&self) -> anyhow::Result<()> {
        let client = reqwest::Client::builder().no_proxy().build()?;
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(r) = client.get(format!("{}/readyz", self.base)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!(
            "the server at {} did not become ready within 20 s",
            self.base
        )
    }
}
