//! The Redis store: every state change is one Lua script call (one round trip),
//! over a few shared multiplexed connections to one Redis or a Redis Cluster.
//!
//! - `conn.rs`: the connection of either kind, and the shared slots;
//!   `wire.rs` and `resp.rs`: our own connection to one Redis over TCP.
//! - `reply.rs`: turning script replies into outcomes and domain values.
//! - `ops.rs`: the `Store` interface, one method per script (`waiting.rs`:
//!   the waiting list's and the no-show release's).
//! - `batch.rs`: the grabs of one event that arrive together, as one call.
//! - here: the store and how it calls a script (timeouts, WAIT, reconnects).

mod batch;
mod conn;
mod drop;
mod follow;
mod kept;
mod log;
mod lottery;
mod lottery_meta;
mod ops;
mod paged;
mod ready;
mod register;
mod reply;
mod resp;
mod sales;
mod snapshot;
mod view;
mod waiting;
mod wire;

use std::sync::Arc;
use std::time::Duration;

use redis::{Script, Value};

use self::conn::Connections;
pub use self::conn::RedisTarget;
use self::reply::{Tag, list, outcome, text, texts};
use self::view::parse_view;
/// The store's own connection, public for `benches/client.rs`.
pub use self::wire::Wire;
use super::keys::SaleKeys;
use super::scripts::SCRIPTS;
use crate::domain::Error;
use crate::domain::{EventId, EventView, MAX_SEATS};
use crate::store::Find;

pub struct RedisStore {
    /// How the store calls Redis, shared with the grabs' batches.
    calls: Arc<Calls>,
    /// The grabs waiting for their event's call (`batch.rs`).
    grabs: batch::Grabs,
}

/// The connections and how a script is called on them.
struct Calls {
    /// Shared connections to one Redis or to a cluster.
    connections: Connections,
    /// With replica waits, the connections that carry changes and their
    /// `WAIT`s. Redis answers a connection's commands in order and `WAIT`
    /// holds its connection until the replicas answer (up to the wait's
    /// timeout while one is stalled): a read queued behind it, such as the
    /// read model's log read, would wait as long, and the model, not synced,
    /// would send the whole sold-out flood to the store.
    waits: Option<Connections>,
    /// Upper bound of one store call, connecting included: a stalled Redis becomes
    /// `Unavailable` (503) instead of a hung request.
    call_timeout: Duration,
    /// Replicas that must hold a change before it is confirmed (0: do not wait).
    wait_replicas: usize,
    /// Longest wait for them.
    wait_timeout: Duration,
    /// Where the sales met so far keep their keys (sales.rs).
    sales: sales::Sales,
}

/// Seat counts as script arguments, without a fresh string per grab.
const SEATS: [&str; MAX_SEATS as usize] = ["1", "2", "3", "4", "5", "6"];

/// How a redeem or lookup names its ticket, as script arguments.
fn find_args(find: &Find) -> [&str; 2] {
    match find {
        Find::Code(code) => ["code", code.as_str()],
        Find::Member(member) => ["member", member.as_str()],
    }
}

/// Every Redis failure as an engine error: corrupt data that a script refused
/// to touch, or "not now" (503 with Retry-After) for anything else.
fn store_error(e: redis::RedisError) -> Error {
    error_text(e.to_string())
}

/// [`store_error`] of an error's text (a grab's own error in a batch, which
/// Redis answers inside the call's reply).
fn error_text(msg: String) -> Error {
    if msg.contains("TG_CORRUPT") {
        Error::Corrupt(msg)
    } else {
        // Refused connections, timeouts, OOM, cluster reconfiguration, a busy
        // script: all mean "not now", and the caller answers 503 with Retry-After.
        Error::Unavailable(msg)
    }
}

impl RedisStore {
    /// Builds the pool; connections are opened on first use, so this succeeds
    /// while Redis is down and the service recovers by itself when it is back.
    /// `connections` multiplexed connections are shared by all requests.
    pub fn new(
        target: &RedisTarget,
        connections: usize,
        call_timeout: Duration,
    ) -> Result<Self, Error> {
        Ok(Self {
            calls: Arc::new(Calls {
                connections: Connections::new(target, connections, call_timeout)?,
                waits: None,
                call_timeout,
                wait_replicas: 0,
                wait_timeout: Duration::ZERO,
                sales: sales::Sales::default(),
            }),
            grabs: batch::Grabs::default(),
        })
    }

    /// Confirms a change only once `replicas` replicas hold it (Redis `WAIT`),
    /// so a failover cannot lose a confirmed ticket. The script and the WAIT
    /// travel as one pipeline to the event's master: still one round trip.
    pub fn with_replica_wait(mut self, replicas: usize, timeout: Duration) -> Self {
        let calls = Arc::get_mut(&mut self.calls).expect("set before the store is used");
        calls.wait_replicas = replicas;
        calls.wait_timeout = timeout;
        calls.waits = (replicas > 0).then(|| calls.connections.sibling());
        self
    }
}

impl Calls {
    /// Runs `call` on a shared connection within the call timeout. A failure of
    /// the connection itself (refused, dropped, timed out) retires the
    /// connections so the next calls reconnect; an error reply (out of memory,
    /// a busy script, ...) is Redis's answer on a healthy connection, and the
    /// connection is kept: reconnecting on every OOM reply would only add a
    /// storm of new connections to a Redis that is already struggling.
    async fn with_conn<T, F>(&self, call: impl FnOnce(conn::Conn) -> F) -> Result<T, Error>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        self.on(&self.connections, call).await
    }

    /// [`Calls::with_conn`] on one of the two sets of connections.
    async fn on<T, F>(
        &self,
        connections: &Connections,
        call: impl FnOnce(conn::Conn) -> F,
    ) -> Result<T, Error>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        let attempt = async {
            call(connections.get().await?).await.map_err(|e| {
                if e.is_io_error()
                    || e.is_connection_dropped()
                    || e.is_connection_refusal()
                    || e.is_timeout()
                    || e.is_unrecoverable_error()
                {
                    // Redis went away for both sets alike.
                    self.connections.broken();
                    if let Some(waits) = &self.waits {
                        waits.broken();
                    }
                }
                store_error(e)
            })
        };
        tokio::time::timeout(self.call_timeout, attempt)
            .await
            .map_err(|_| Error::Unavailable(format!("no answer within {:?}", self.call_timeout)))?
    }

    /// One script call on the event's ten keys: one round trip.
    async fn run(
        &self,
        script: &Script,
        event: &EventId,
        args: &[impl AsRef<str> + Sync],
    ) -> Result<Value, Error> {
        let cmd = &script_call(script, &*self.keys(event).await?, args);
        self.with_conn(|mut conn| async move {
            reloading!(script, conn, cmd.query_async(&mut conn).await)
        })
        .await
    }

    async fn query<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> Result<T, Error> {
        self.with_conn(|mut conn| async move { cmd.query_async(&mut conn).await })
            .await
    }

    /// Runs a state-changing script and turns refusals into errors; returns
    /// the success tag and its fields.
    async fn change(
        &self,
        script: &Script,
        event: &EventId,
        args: &[impl AsRef<str> + Sync],
    ) -> Result<(Tag, Vec<String>), Error> {
        outcome(event, texts(self.call(script, event, args).await?)?)
    }

    /// One script call that changes state: with the replicas' `WAIT` when the
    /// store confirms changes only once replicas hold them.
    async fn call(
        &self,
        script: &Script,
        event: &EventId,
        args: &[impl AsRef<str> + Sync],
    ) -> Result<Value, Error> {
        if self.wait_replicas == 0 {
            self.run(script, event, args).await
        } else {
            self.run_replicated(script, event, args).await
        }
    }

    /// `EVALSHA` + `WAIT` in one pipeline to the event's master; a change that
    /// too few replicas hold is not confirmed (503): it may be lost in a
    /// failover, and if it survives, the member's retry finds it.
    async fn run_replicated(
        &self,
        script: &Script,
        event: &EventId,
        args: &[impl AsRef<str> + Sync],
    ) -> Result<Value, Error> {
        let keys = self.keys(event).await?;
        let mut pipe = redis::pipe();
        pipe.add_command(script_call(script, &keys, args));
        pipe.cmd("WAIT")
            .arg(self.wait_replicas)
            .arg(self.wait_timeout.as_millis() as u64);
        let meta = keys.key("meta");
        let send = |mut conn: conn::Conn| {
            let (pipe, key) = (&pipe, &meta);
            async move {
                // An error reply of the script comes back as an element; make
                // it the call's error, so NOSCRIPT is retried and TG_CORRUPT
                // is recognised.
                reloading!(
                    script,
                    conn,
                    conn.pipeline_to_master(pipe, key).await.and_then(|r| {
                        r.into_iter()
                            .map(Value::extract_error)
                            .collect::<redis::RedisResult<Vec<Value>>>()
                    })
                )
            }
        };
        let connections = self.waits.as_ref().unwrap_or(&self.connections);
        let replies = self.on(connections, send).await?;
        let [value, acked] = <[Value; 2]>::try_from(replies)
            .map_err(|_| Error::Corrupt("WAIT pipeline reply".into()))?;
        let acked: i64 = text(&acked)?.parse().unwrap_or(0);
        if (acked as usize) < self.wait_replicas {
            return Err(Error::Unavailable(format!(
                "change held by {acked} of {} replicas",
                self.wait_replicas
            )));
        }
        Ok(value)
    }

    async fn read(&self, event: &EventId, args: &[&str]) -> Result<(EventView, Vec<Value>), Error> {
        let mut parts = list(self.run(&SCRIPTS.read, event, args).await?)?;
        if parts.len() < 5 {
            return Err(Error::UnknownEvent);
        }
        let rest = parts.split_off(5);
        let [meta, stock, total, cnt, now] = <[Value; 5]>::try_from(parts).expect("split at 5");
        let view = parse_view(
            event,
            texts(meta)?,
            texts(stock)?,
            texts(total)?,
            texts(cnt)?,
            text(&now)?,
        )?;
        Ok((view, rest))
    }
}

/// `EVALSHA` of `script` on the sale's keys, built in place: a
/// `ScriptInvocation` copies every key and argument into vectors of its own
/// and then into the command (some 25 allocations per grab, in a profile of
/// the grab path).
fn script_call(script: &Script, keys: &SaleKeys, args: &[impl AsRef<str>]) -> redis::Cmd {
    use super::keys::EVENT_KEYS;
    let mut cmd = redis::cmd("EVALSHA");
    let places = keys.places();
    cmd.arg(script.get_hash())
        .arg(EVENT_KEYS.len() + usize::from(places.is_some()));
    let mut key = String::with_capacity(64);
    for suffix in EVENT_KEYS {
        key.clear();
        keys.write(&mut key, suffix);
        cmd.arg(key.as_str());
    }
    if let Some(places) = places {
        cmd.arg(places);
    }
    for arg in args {
        cmd.arg(arg.as_ref());
    }
    cmd
}

/// `$send`, a script's call on `$conn`; when Redis lost its scripts (a
/// restart, `SCRIPT FLUSH`), loads `$script` and sends the call again, as
/// `invoke_async` would. A macro, not a function taking an async closure: the
/// closure's future borrowing the connection is not provably `Send`.
macro_rules! reloading {
    ($script:expr, $conn:ident, $send:expr) => {
        match $send {
            Err(e) if e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript) => {
                $script.load_async(&mut $conn).await?;
                $send
            }
            other => other,
        }
    };
}
use reloading;
