//! `ticketgrab-load`: one command to rehearse a sale.
//!
//!     ticketgrab-load --scenario park --spawn --redis --ceiling
//!     ticketgrab-load --scenario cinema --url http://lb:8080 --member-secret ... --staff-secret ...

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use ticketgrab::config::Secrets;
use ticketgrab_load::run::{Options, rehearse};
use ticketgrab_load::scenario::{PoolSpec, Scenario, named};
use ticketgrab_load::target::{Target, server_binary};

#[derive(Parser)]
#[command(
    name = "ticketgrab-load",
    version,
    about = "Rehearse a ticket grab and measure it"
)]
struct Cli {
    /// A named sale: park, cinema, cinema-paid, theatre, theatre-lottery or
    /// umbrella; or `year`: twelve monthly sales for one crowd, run without
    /// and with program rules (a cap and fewer_wins_first), measuring reach.
    #[arg(long, conflicts_with = "config")]
    scenario: Option<String>,
    /// A TOML file describing the sale (name, members, ranked, [[pools]] id/total).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Custom: tickets per pool (with --pools).
    #[arg(long)]
    stock: Option<i64>,
    /// Custom: number of pools.
    #[arg(long, default_value_t = 1)]
    pools: usize,
    /// Override the number of members.
    #[arg(long)]
    members: Option<u64>,
    /// Pools each member ranks.
    #[arg(long)]
    ranked: Option<usize>,
    /// Share of ticket holders who cancel after the sale (0..1).
    #[arg(long)]
    cancel_share: Option<f64>,
    /// Share of ticket holders who redeem at a station after the sale (0..1).
    #[arg(long)]
    redeem_share: Option<f64>,

    /// A running server; needs its secrets (same flags and env as the server).
    #[arg(long, conflicts_with = "spawn")]
    url: Option<String>,
    #[command(flatten)]
    secrets: Secrets,
    /// Start a ticketgrab server here for the rehearsal.
    #[arg(long)]
    spawn: bool,
    /// With --spawn: start a redis-server too (otherwise the server's
    /// embedded store, in memory unless --durable).
    #[arg(long, requires = "spawn")]
    redis: bool,
    /// With --spawn and without --redis: the durable embedded store, its
    /// journal in the run's temporary directory (removed after the run).
    #[arg(long, requires = "spawn", conflicts_with = "redis")]
    durable: bool,
    /// With --spawn: member and staff tokens signed ES256 by an identity
    /// service's private key (the repository's test key) and checked by the
    /// server with `--jwks`, instead of HS256 under shared secrets.
    #[arg(long, requires = "spawn")]
    es256_tokens: bool,
    /// With --spawn: the ticketgrab binary (default: next to this one).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// With --spawn: extra flags for the server, e.g. --server-arg=--member-rate=5.
    #[arg(long = "server-arg", allow_hyphen_values = true)]
    server_args: Vec<String>,

    /// Requests in flight at once (connections opened before the opening).
    #[arg(long, default_value_t = 256)]
    connections: usize,
    /// Milliseconds from creating the sale to its opening.
    #[arg(long, default_value_t = 3000)]
    lead_ms: u64,
    /// Also run the same load against /healthz: the HTTP ceiling of this machine.
    #[arg(long)]
    ceiling: bool,
    /// Where to write report.json and report.html.
    #[arg(long, default_value = "target/rehearsal")]
    out: PathBuf,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// `year`: the crowd's seed (who tries each month, who is fast).
    #[arg(long, default_value_t = 2027)]
    seed: u64,
    /// `year`: the program run's cap.
    #[arg(long, default_value_t = 2)]
    cap: u32,
    /// `year`: percent of the crowd that is fast (first in every race).
    #[arg(long, default_value_t = 20)]
    fast_percent: u64,
    /// Who wins: the share of the crowd (0..1) on slow phones, each of whose
    /// requests leaves `--slow-rtt-ms` later than a fast member's.
    #[arg(long, default_value_t = 0.0)]
    slow_share: f64,
    #[arg(long, default_value_t = 300)]
    slow_rtt_ms: u64,
    /// The share of the crowd (0..1) that walks up to a station: grabbed
    /// (or entered) through the station route by card, `--station-delay-ms`
    /// after the opening (a swipe at the counter).
    #[arg(long, default_value_t = 0.0)]
    station_share: f64,
    #[arg(long, default_value_t = 2000)]
    station_delay_ms: u64,
    /// A race with a fair window of this many seconds: every grab inside it
    /// is registered, and the registrations are drawn at its end.
    #[arg(long, default_value_t = 0)]
    fair_window_secs: i64,
    /// Run the scenario as a lottery sale (the same crowd, one seat each):
    /// entries in a registration window, then the draw.
    #[arg(long)]
    as_lottery: bool,
    /// A lottery: SIGKILL the server while the draw writes its results,
    /// start it again and resume the draw (needs --spawn, with --redis or
    /// --durable: a store that outlives the process).
    #[arg(long)]
    kill_mid_draw: bool,
}

fn scenario(cli: &Cli) -> anyhow::Result<Scenario> {
    let mut s = match (&cli.scenario, &cli.config, cli.stock) {
        (Some(name), _, _) => named(name).ok_or_else(|| {
            anyhow::anyhow!(
                "no scenario {name:?}: park, cinema, cinema-paid, theatre, theatre-lottery, umbrella"
            )
        })?,
        (None, Some(path), _) => Scenario::from_toml(&std::fs::read_to_string(path)?)?,
        (None, None, Some(stock)) => Scenario {
            name: "custom".into(),
            pools: (1..=cli.pools.max(1))
                .map(|i| PoolSpec {
                    id: format!("p{i}"),
                    total: stock,
                })
                .collect(),
            members: stock as u64 * 3,
            ranked: 1,
            cancel_share: 0.0,
            redeem_share: 0.0,
            paid: None,
            lottery: false,
            fair_window_secs: 0,
            one_seat: false,
            kept: None,
        },
        _ => anyhow::bail!("give --scenario, --config or --stock"),
    };
    if let Some(m) = cli.members {
        s.members = m;
    }
    if let Some(r) = cli.ranked {
        anyhow::ensure!(
            (1..=s.pools.len()).contains(&r),
            "--ranked must be 1 to the number of pools"
        );
        s.ranked = r;
    }
    anyhow::ensure!(
        (0..=600).contains(&cli.fair_window_secs),
        "--fair-window-secs must be 0 to 600"
    );
    anyhow::ensure!(
        !(cli.as_lottery && cli.fair_window_secs > 0),
        "--as-lottery and --fair-window-secs are two ways of one sale: give one"
    );
    s.fair_window_secs = cli.fair_window_secs;
    if cli.as_lottery {
        s.lottery = true;
        s.one_seat = true;
    }
    s.cancel_share = cli.cancel_share.unwrap_or(s.cancel_share).clamp(0.0, 1.0);
    s.redeem_share = cli.redeem_share.unwrap_or(s.redeem_share).clamp(0.0, 1.0);
    Ok(s)
}

fn shares(cli: &Cli) -> ticketgrab_load::fairness::Shares {
    let slow = cli.slow_share.clamp(0.0, 1.0);
    ticketgrab_load::fairness::Shares {
        slow,
        slow_rtt: Duration::from_millis(cli.slow_rtt_ms),
        station: cli.station_share.clamp(0.0, 1.0 - slow),
        station_delay: Duration::from_millis(cli.station_delay_ms),
    }
}

/// The `year` rehearsal: both runs, the report written and printed.
async fn year(cli: &Cli) -> anyhow::Result<()> {
    let target = match &cli.url {
        Some(url) => Target::external(url, cli.secrets.clone()),
        None if cli.spawn => {
            let mut args = cli.server_args.clone();
            // A draw's audit and the program's reach read whole sales.
            args.extend([
                "--store-timeout-ms=60000".into(),
                "--request-timeout-ms=60000".into(),
            ]);
            Target::spawn(&server_binary(cli.server_bin.as_deref())?, cli.redis, &args).await?
        }
        None => anyhow::bail!("give --url of a running server, or --spawn"),
    };
    let opts = ticketgrab_load::year::YearOptions {
        members: cli.members.unwrap_or(100_000) as usize,
        seed: cli.seed,
        connections: cli.connections.max(1),
        cap: cli.cap.max(1),
        fast_percent: cli.fast_percent.min(100),
        fair_window_secs: cli.fair_window_secs.clamp(0, 600),
    };
    let report = ticketgrab_load::year::rehearse(&target, &opts).await?;
    let json = serde_json::to_string_pretty(&report)?;
    written(
        cli,
        &json,
        &report.html(),
        &report.text(),
        report.ok,
        target,
    )
}

/// Writes report.json and report.html in `--out`, prints the text, and
/// exits non-zero when a check failed (the target stopped first).
fn written(
    cli: &Cli,
    json: &str,
    html: &str,
    text: &str,
    ok: bool,
    target: Target,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(&cli.out)?;
    std::fs::write(cli.out.join("report.json"), json)?;
    std::fs::write(cli.out.join("report.html"), html)?;
    print!("{text}");
    println!("report: {}", cli.out.join("report.html").display());
    drop(target);
    if !ok {
        std::process::exit(1);
    }
    Ok(())
}

/// One thread: the harness shares the machine with the server, and on two
/// cores a second runtime thread mostly parks and wakes (a profile put the
/// kernel's task switches at 16% of the harness's CPU); one thread keeps
/// up with the server (BENCHMARKS §12).
#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if cli.scenario.as_deref() == Some("year") {
        return year(&cli).await;
    }
    let scenario = scenario(&cli)?;
    let mut target = match &cli.url {
        Some(url) => Target::external(url, cli.secrets.clone()),
        None if cli.spawn => {
            let mut args = cli.server_args.clone();
            if scenario.lottery {
                // The audit after a draw of 200,000 entries is one atomic
                // read of every entry, ticket and log line: seconds, not
                // the 2 s a sale's calls get.
                args.extend([
                    "--store-timeout-ms=60000".into(),
                    "--request-timeout-ms=60000".into(),
                ]);
            }
            if cli.durable {
                // Inside the run's own directory, which goes when the run does.
                let dir = std::env::temp_dir()
                    .join(format!("ticketgrab-load-{}", std::process::id()))
                    .join("data");
                args.push(format!("--data-dir={}", dir.display()));
            }
            let fixtures =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/jwks");
            if cli.es256_tokens {
                let all: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(fixtures.join("public.json"))?)?;
                let keys = std::env::temp_dir()
                    .join(format!("ticketgrab-load-jwks-{}.json", std::process::id()));
                std::fs::write(
                    &keys,
                    serde_json::json!({"keys": [all["es256-a"]]}).to_string(),
                )?;
                args.push(format!("--jwks={}", keys.display()));
            }
            let mut target =
                Target::spawn(&server_binary(cli.server_bin.as_deref())?, cli.redis, &args).await?;
            if cli.es256_tokens {
                target.token_key = Some(fixtures.join("es256-a.pem"));
            }
            target
        }
        None => anyhow::bail!("give --url of a running server, or --spawn"),
    };
    if scenario.lottery {
        anyhow::ensure!(
            !cli.kill_mid_draw || cli.redis || cli.durable,
            "--kill-mid-draw needs a store that outlives the server: --redis or --durable"
        );
        let report = ticketgrab_load::lottery::rehearse(
            &mut target,
            &scenario,
            cli.connections.max(1),
            cli.kill_mid_draw,
            &shares(&cli),
        )
        .await?;
        std::fs::create_dir_all(&cli.out)?;
        std::fs::write(
            cli.out.join("report.json"),
            serde_json::to_string_pretty(&report)?,
        )?;
        print!("{}", report.text());
        drop(target);
        if !report.ok {
            std::process::exit(1);
        }
        return Ok(());
    }
    let opts = Options {
        shares: shares(&cli),
        connections: cli.connections.max(1),
        lead: Duration::from_millis(cli.lead_ms),
        ceiling: cli.ceiling,
        progress: !cli.quiet,
    };
    let report = rehearse(&target, &scenario, &opts).await?;
    let json = serde_json::to_string_pretty(&report)?;
    written(
        &cli,
        &json,
        &report.html(),
        &report.text(),
        report.ok,
        target,
    )
}
