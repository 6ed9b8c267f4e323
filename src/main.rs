//! The ticketgrab binary: `serve` (the default, with `--demo` when run with no
//! arguments), `token` to mint development tokens, `pay` to send a signed
//! payment notification, `lua` to print a script, `keys` to print an event's
//! Redis keys, `verify-draw` to check a lottery's published draw, `archive`
//! and `verify-archive` for finished sales.

use clap::{Parser, Subcommand};

/// mimalloc: a request allocates and frees dozens of small objects, and
/// glibc's malloc/free were ~15% of the server's CPU in a profile of the
/// sold-out path (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use ticketgrab::config::{Config, LogFormat, Secrets, StoreKind};
use ticketgrab::domain::{CardNumber, OrgPath};
use ticketgrab::startup::{App, shutdown_signal};
use ticketgrab::tokens::Role;

#[derive(Parser)]
#[command(
    name = "ticketgrab",
    version,
    about = "Reservation backend for union-card ticket grabs"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service (with no subcommand at all: `serve`, and `--demo`
    /// too when no TG_*_SECRET is set). Without
    /// --redis-url or --redis-cluster it keeps everything in the embedded
    /// store's journal in --data-dir (./ticketgrab-data); --memory keeps
    /// nothing.
    Serve(Box<Config>),
    /// Mint a development token from the configured secrets.
    Token {
        #[command(subcommand)]
        kind: TokenKind,
        #[command(flatten)]
        secrets: Box<Secrets>,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 24 * 3600, global = true)]
        ttl: u64,
    },
    /// Send a payment notification signed as the payment provider signs
    /// it: the simulator for demos and tests. Prints the service's answer.
    Pay {
        /// The service, `http://host:port` (plain HTTP: a local simulator).
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        #[arg(long)]
        event: String,
        /// The ticket's code.
        #[arg(long)]
        code: String,
        /// Fen paid (the sale's price × the ticket's seats).
        #[arg(long)]
        amount: i64,
        /// The provider's payment id; send the same one again to replay a
        /// notification. Default: a fresh one.
        #[arg(long)]
        payment_id: Option<String>,
        #[arg(long, env = "TG_PAYMENT_SECRET", hide_env_values = true, default_value = ticketgrab::config::DEV_PAYMENT_SECRET, hide_default_value = true)]
        payment_secret: String,
    },
    /// Make a test card number: these 15 to 18 digits with their Luhn
    /// check digit appended (every card number's last digit is one; the
    /// station and tokens refuse a number whose check digit is wrong).
    Card {
        /// 15 to 18 digits, e.g. 621700000000000009.
        digits: String,
    },
    /// Print a Lua script exactly as the service sends it to Redis.
    Lua {
        /// create, grab, cancel, redeem, pay, expire, restock, status or read
        name: String,
    },
    /// Print the Redis keys of an event, one per line, in the order the
    /// scripts take them (for redis-benchmark and redis-cli).
    Keys {
        /// The event id.
        event: String,
        /// The program the sale belongs to: its keys carry the program's
        /// hash tag, and the program's places come eleventh.
        #[arg(long)]
        program: Option<String>,
    },
    /// Re-run a lottery's draw from its published export and say whether the
    /// published result is the one the rules give (exit 1 when it is not).
    VerifyDraw {
        /// The export (JSON) as published after the draw.
        export: std::path::PathBuf,
        /// The closing digest as published when registration closed (GET
        /// /api/v1/events/<id>/lottery, `closing.digest`), kept since: holds
        /// the export's entries and stock to what was fixed then.
        #[arg(long)]
        closing: Option<String>,
    },
    /// Check an archive (GET /api/v1/admin/archives/<id>, or the file in
    /// --archive-dir): its digest, and its log replayed to its figures and
    /// through the audit (exit 1 when anything differs).
    VerifyArchive {
        /// The archive file.
        file: std::path::PathBuf,
    },
    /// Archive a finished sale of the store the flags name (as `serve` opens
    /// it) into --archive-dir, then remove its live state; run again to
    /// finish one that was interrupted. With the embedded store, use the
    /// admin route while the service runs (one process per data directory).
    Archive {
        /// The event id.
        event: String,
        #[command(flatten)]
        config: Box<Config>,
    },
}

#[derive(Subcommand)]
enum TokenKind {
    /// A member token: the card number and the member's union.
    Member {
        #[arg(long)]
        card: String,
        #[arg(long)]
        org: String,
    },
    /// A staff token.
    Staff {
        #[arg(long)]
        id: String,
        #[arg(long, value_parser = ["admin", "station"])]
        role: String,
        #[arg(long)]
        org: String,
    },
}

/// A failure is one line on stderr and exit code 1, never a stack trace
/// (anyhow prints one for `main`'s error when RUST_BACKTRACE is set).
fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    match Cli::parse().command {
        None => {
            // The README's first command: the demo, on a machine where
            // nothing is configured. With a real secret set it is a real
            // sale: no demo sales, no printed tokens, no demo pay button.
            let mut config = Config::parse(&[])?;
            config.demo |= !config.secrets.any_configured();
            serve(config)
        }
        Some(Command::Serve(config)) => serve(*config),
        Some(Command::Token { kind, secrets, ttl }) => {
            let minter = secrets.minter();
            let token = match kind {
                TokenKind::Member { card, org } => {
                    minter.member(&CardNumber::parse(&card)?, &OrgPath::parse(&org)?, ttl)
                }
                TokenKind::Staff { id, role, org } => {
                    let role = if role == "admin" {
                        Role::Admin
                    } else {
                        Role::Station
                    };
                    minter.staff(&id, role, &OrgPath::parse(&org)?, ttl)
                }
            };
            println!("{token}");
            Ok(())
        }
        Some(Command::Pay {
            url,
            event,
            code,
            amount,
            payment_id,
            payment_secret,
        }) => {
            let notice = ticketgrab::payments::Notice {
                payment_id: payment_id
                    .unwrap_or_else(|| format!("sim-{}", ticketgrab::domain::Code::random())),
                event,
                code,
                amount_fen: amount,
            };
            let (status, answer) = send_notice(&url, &notice, &payment_secret)?;
            println!("{answer}");
            anyhow::ensure!(
                (200..300).contains(&status),
                "the service answered {status}"
            );
            Ok(())
        }
        Some(Command::Card { digits }) => {
            anyhow::ensure!(
                (15..=18).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()),
                "give 15 to 18 digits; the check digit is appended"
            );
            let card = CardNumber::parse(&ticketgrab::domain::with_check_digit(&digits))?;
            println!("{}", card.digits());
            Ok(())
        }
        Some(Command::Lua { name }) => {
            let source = ticketgrab::store::scripts::source(&name).ok_or_else(|| {
                let names: Vec<_> = ticketgrab::store::scripts::names().collect();
                anyhow::anyhow!("no script {name:?}; scripts: {}", names.join(", "))
            })?;
            print!("{source}");
            Ok(())
        }
        Some(Command::VerifyDraw { export, closing }) => {
            ticketgrab::commands::verify_draw(&export, closing.as_deref())
        }
        Some(Command::VerifyArchive { file }) => ticketgrab::commands::verify_archive(&file),
        Some(Command::Archive { event, config }) => {
            init_logging(config.log_format);
            ticketgrab::commands::archive(&config, &event)
        }
        Some(Command::Keys { event, program }) => {
            let event = ticketgrab::domain::EventId::parse(&event)?;
            let program = program
                .map(|p| ticketgrab::domain::ProgramId::parse(&p))
                .transpose()?;
            for key in ticketgrab::store::keys::SaleKeys::new(&event, program.as_ref()).all() {
                println!("{key}");
            }
            Ok(())
        }
    }
}

/// Posts a signed notification to `url` over plain HTTP/1.1; the status and
/// the body of the answer.
fn send_notice(
    url: &str,
    notice: &ticketgrab::payments::Notice,
    secret: &str,
) -> anyhow::Result<(u16, String)> {
    use std::io::{Read, Write};
    let host = url
        .strip_prefix("http://")
        .ok_or_else(|| anyhow::anyhow!("--url must be http://host:port"))?
        .trim_end_matches('/');
    let body = serde_json::to_string(notice)?;
    let signature = ticketgrab::payments::Signer::new(secret).sign(body.as_bytes());
    let mut stream = std::net::TcpStream::connect(host)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    write!(
        stream,
        "POST /api/v1/payments/notify HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         {}: {signature}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        ticketgrab::payments::SIGNATURE_HEADER,
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("not an HTTP answer"))?;
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Ok((status, body.to_owned()))
}

fn serve(config: Config) -> anyhow::Result<()> {
    init_logging(config.log_format);
    let runtime = tokio::runtime::Runtime::new()?;
    let started = std::time::Instant::now();
    let served = runtime.block_on(async {
        if config.secrets.are_dev_defaults() {
            tracing::warn!("using development secrets: set TG_MEMBER_SECRET, TG_STAFF_SECRET, TG_CARD_SECRET and TG_PAYMENT_SECRET");
        }
        match config.store_kind() {
            StoreKind::Memory => tracing::warn!(
                "store: embedded, in memory only (--memory), NOT durable: every event and \
                 ticket is lost when this process stops or restarts, and event ids can be \
                 created again; leave out --memory for the durable embedded store"
            ),
            StoreKind::Embedded => tracing::info!(
                data_dir = %config.data_dir.display(),
                "store: embedded, durable: every change is fsynced to the journal in the data \
                 directory before it is confirmed"
            ),
            StoreKind::Redis | StoreKind::RedisCluster => {}
        }
        if config.demo {
            tracing::warn!("mode: DEMO: demo sales, printed tokens and the demo pay button (POST .../pay) are live; never sell real tickets this way");
        } else {
            tracing::info!("mode: production: no demo sales, no printed tokens, no demo pay button");
        }
        let app = App::build(&config).await?;
        tracing::info!(addr = %app.local_addr(), store = config.store_kind().as_str(), "ticketgrab listening");
        if let Some(tokens) = &app.demo_tokens {
            println!("\n{tokens}");
        }
        app.run_until_stopped(shutdown_signal()).await
    });
    // Whatever still waits on a blocking thread (a file watch, a sleeping
    // sweep) is not worth a second of the operator's time: the journal was
    // closed with the store, and every confirmed change is on disk.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    match &served {
        Ok(()) => tracing::info!(uptime_secs = started.elapsed().as_secs(), "stopped"),
        Err(e) => tracing::error!(error = %e, "stopped with an error"),
    }
    served
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn"));
    // Colour only on a terminal: a log redirected to a file stays plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()));
    match format {
        LogFormat::Plain => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
