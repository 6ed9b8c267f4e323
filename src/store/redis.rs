//! The Redis store: every state change is one Lua script call (one round trip),
//! through a deadpool-redis pool to one Redis or to a Redis Cluster.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use deadpool_redis::{PoolConfig, Runtime, Timeouts};
use redis::{Script, Value};
use tracing::instrument;

use super::keys::{EVENT_INDEX, event_keys};
use super::scripts::SCRIPTS;
use super::{Find, GrabRequest, Grabbed, LogEntry, LogOp, Restocked, Snapshot, Store};
use crate::domain::{
    Channel, Code, Event, EventId, EventView, MemberKey, Millis, OrgPath, Pool, PoolId, PoolStats,
    Reservation, SaleStatus, StatusAction,
};
use crate::error::Error;

/// Where Redis is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedisTarget {
    /// One Redis, `redis://[user:password@]host:port`.
    Single(String),
    /// Seed nodes of a Redis Cluster.
    Cluster(Vec<String>),
}

/// Connections to either kind of Redis deployment.
enum Backend {
    Single(Shared<deadpool_redis::Pool>),
    Cluster(Shared<deadpool_redis::cluster::Pool>),
}

pub struct RedisStore {
    /// Connections to one Redis or to a cluster.
    pool: Backend,
    /// Upper bound of one store call, connecting included: a stalled Redis becomes
    /// `Unavailable` (503) instead of a hung request.
    call_timeout: Duration,
    /// Replicas that must hold a change before it is confirmed (0: do not wait).
    wait_replicas: usize,
    /// Longest wait for them.
    wait_timeout: Duration,
}

/// Makes connections: the deadpool-redis pool of either kind.
trait Factory: Send + Sync {
    type Conn: redis::aio::ConnectionLike + Clone + Send + Sync;
    /// A new connection whose replies may take up to `timeout`.
    fn fresh(&self, timeout: Duration) -> impl Future<Output = Result<Self::Conn, Error>> + Send;
}

impl Factory for deadpool_redis::Pool {
    type Conn = redis::aio::MultiplexedConnection;
    async fn fresh(&self, timeout: Duration) -> Result<Self::Conn, Error> {
        let conn = self
            .get()
            .await
            .map_err(|e| Error::Unavailable(e.to_string()))?;
        let mut conn = deadpool_redis::Connection::take(conn);
        // redis-rs gives up on a reply after 500 ms by default, which deadpool-redis
        // does not let us configure; our own call timeout is the one that counts.
        conn.set_response_timeout(timeout);
        Ok(conn)
    }
}

impl Factory for deadpool_redis::cluster::Pool {
    type Conn = redis::cluster_async::ClusterConnection;
    async fn fresh(&self, _timeout: Duration) -> Result<Self::Conn, Error> {
        let conn = self
            .get()
            .await
            .map_err(|e| Error::Unavailable(e.to_string()))?;
        Ok(deadpool_redis::cluster::Connection::take(conn))
    }
}

/// A few multiplexed connections shared by every request.
///
/// Why not check a connection out of the pool per call: deadpool-redis verifies
/// each checkout with `UNWATCH` + `PING`, a second round trip that would double
/// the cost of a grab (design rule 2: one round trip per grab). A multiplexed
/// connection already carries any number of concurrent requests, so the pool
/// serves as the factory (with its create timeout) and each slot keeps its
/// connection until a call fails; then every slot reconnects on its next use,
/// which is how the store recovers by itself after Redis restarts.
struct Shared<F: Factory> {
    factory: F,
    slots: Vec<std::sync::Mutex<Option<F::Conn>>>,
    next: AtomicUsize,
    /// Reply timeout of each connection.
    timeout: Duration,
}

impl<F: Factory> Shared<F> {
    fn new(factory: F, size: usize, timeout: Duration) -> Self {
        let slots = (0..size.max(1)).map(|_| Default::default()).collect();
        Self {
            factory,
            slots,
            next: AtomicUsize::new(0),
            timeout,
        }
    }

    fn slot(&self, i: usize) -> std::sync::MutexGuard<'_, Option<F::Conn>> {
        self.slots[i].lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn conn(&self) -> Result<F::Conn, Error> {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len();
        if let Some(conn) = self.slot(i).clone() {
            return Ok(conn);
        }
        let conn = self.factory.fresh(self.timeout).await?;
        *self.slot(i) = Some(conn.clone());
        Ok(conn)
    }

    /// Forgets every connection after a failure, so the next calls reconnect.
    /// A failure nearly always means Redis went away, and then every connection
    /// is dead: forgetting only the one that failed would fail one more request
    /// per connection after Redis is back.
    fn broken(&self) {
        for i in 0..self.slots.len() {
            *self.slot(i) = None;
        }
    }
}

/// Runs `$body` with `$conn` bound to a shared connection of either kind; a
/// failure that may mean a broken connection retires it.
macro_rules! with_conn {
    ($store:expr, $conn:ident => $body:expr) => {
        match &$store.pool {
            Backend::Single(shared) => {
                let mut $conn = shared.conn().await?;
                let result = $body;
                if matches!(result, Err(Error::Unavailable(_))) {
                    shared.broken();
                }
                result
            }
            Backend::Cluster(shared) => {
                let mut $conn = shared.conn().await?;
                let result = $body;
                if matches!(result, Err(Error::Unavailable(_))) {
                    shared.broken();
                }
                result
            }
        }
    };
}

fn store_error(e: redis::RedisError) -> Error {
    let msg = e.to_string();
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
        let mut pool_config = PoolConfig::new(connections.max(1));
        pool_config.timeouts = Timeouts {
            wait: Some(call_timeout),
            create: Some(call_timeout),
            recycle: Some(call_timeout),
        };
        let bad = |e: &dyn std::fmt::Display| Error::invalid(format!("redis configuration: {e}"));
        let pool = match target {
            RedisTarget::Single(url) => {
                let mut cfg = deadpool_redis::Config::from_url(url.clone());
                cfg.pool = Some(pool_config);
                let pool = cfg
                    .create_pool(Some(Runtime::Tokio1))
                    .map_err(|e| bad(&e))?;
                Backend::Single(Shared::new(pool, connections, call_timeout))
            }
            RedisTarget::Cluster(urls) => {
                let mut cfg = deadpool_redis::cluster::Config::from_urls(urls.clone());
                cfg.pool = Some(pool_config);
                let pool = cfg
                    .create_pool(Some(Runtime::Tokio1))
                    .map_err(|e| bad(&e))?;
                Backend::Cluster(Shared::new(pool, connections, call_timeout))
            }
        };
        Ok(Self {
            pool,
            call_timeout,
            wait_replicas: 0,
            wait_timeout: Duration::ZERO,
        })
    }

    /// Confirms a change only once `replicas` replicas hold it (Redis `WAIT`),
    /// so a failover cannot lose a confirmed ticket. The script and the WAIT
    /// travel as one pipeline to the event's master: still one round trip.
    pub fn with_replica_wait(mut self, replicas: usize, timeout: Duration) -> Self {
        self.wait_replicas = replicas;
        self.wait_timeout = timeout;
        self
    }

    async fn with_timeout<T>(
        &self,
        fut: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        tokio::time::timeout(self.call_timeout, fut)
            .await
            .map_err(|_| Error::Unavailable(format!("no answer within {:?}", self.call_timeout)))?
    }

    /// One script call on the event's seven keys: one round trip.
    async fn run(&self, script: &Script, event: &EventId, args: &[&str]) -> Result<Value, Error> {
        let mut invocation = script.prepare_invoke();
        for key in event_keys(event) {
            invocation.key(key);
        }
        for arg in args {
            invocation.arg(*arg);
        }
        self.with_timeout(async {
            with_conn!(self, conn => invocation.invoke_async(&mut conn).await.map_err(store_error))
        })
        .await
    }

    async fn query<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> Result<T, Error> {
        self.with_timeout(async {
            with_conn!(self, conn => cmd.query_async(&mut conn).await.map_err(store_error))
        })
        .await
    }

    /// Runs a state-changing script and turns refusal tags into errors; returns
    /// the success tag and its fields.
    async fn change(
        &self,
        script: &Script,
        event: &EventId,
        args: &[&str],
    ) -> Result<(String, Vec<String>), Error> {
        let reply = if self.wait_replicas == 0 {
            self.run(script, event, args).await?
        } else {
            self.run_replicated(script, event, args).await?
        };
        refusal(event, texts(reply)?)
    }

    /// `EVALSHA` + `WAIT` in one pipeline to the event's master; a change that
    /// too few replicas hold is not confirmed (503): it may be lost in a
    /// failover, and if it survives, the member's retry finds it.
    async fn run_replicated(
        &self,
        script: &Script,
        event: &EventId,
        args: &[&str],
    ) -> Result<Value, Error> {
        let keys = event_keys(event);
        let mut pipe = redis::pipe();
        pipe.cmd("EVALSHA")
            .arg(script.get_hash())
            .arg(7)
            .arg(&keys[..])
            .arg(args);
        pipe.cmd("WAIT")
            .arg(self.wait_replicas)
            .arg(self.wait_timeout.as_millis() as u64);
        let replies = self
            .with_timeout(async {
                let first = self.pipeline_to_master(&pipe, &keys[0]).await;
                match first {
                    Err(e)
                        if e.kind()
                            == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript) =>
                    {
                        self.load(script).await?;
                        self.pipeline_to_master(&pipe, &keys[0])
                            .await
                            .map_err(store_error)
                    }
                    other => other.map_err(store_error),
                }
            })
            .await?;
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

    /// Sends a pipeline to the master of `key`'s slot. On a cluster the route is
    /// explicit: left to itself, redis-rs sends `WAIT` to every master and
    /// reports the smallest answer.
    async fn pipeline_to_master(
        &self,
        pipe: &redis::Pipeline,
        key: &str,
    ) -> redis::RedisResult<Vec<Value>> {
        let replies = self.send_pipeline(pipe, key).await?;
        // An error reply of the script comes back as an element; make it the
        // call's error, so NOSCRIPT is retried and TG_CORRUPT is recognised.
        replies.into_iter().map(Value::extract_error).collect()
    }

    async fn send_pipeline(
        &self,
        pipe: &redis::Pipeline,
        key: &str,
    ) -> redis::RedisResult<Vec<Value>> {
        use redis::cluster_routing::{Route, SingleNodeRoutingInfo, SlotAddr};
        let broken = || redis::RedisError::from((redis::ErrorKind::Io, "no connection"));
        match &self.pool {
            Backend::Single(shared) => {
                let mut conn = shared.conn().await.map_err(|_| broken())?;
                let result = pipe.query_async(&mut conn).await;
                if result.is_err() {
                    shared.broken();
                }
                result
            }
            Backend::Cluster(shared) => {
                let mut conn = shared.conn().await.map_err(|_| broken())?;
                let route =
                    SingleNodeRoutingInfo::SpecificNode(Route::with_key(key, SlotAddr::Master));
                let result = conn.route_pipeline(pipe.clone(), 0, 2, route).await;
                if result.is_err() {
                    shared.broken();
                }
                result
            }
        }
    }

    /// Loads a script on every master.
    async fn load(&self, script: &Script) -> Result<(), Error> {
        with_conn!(self, conn => script.load_async(&mut conn).await.map(|_| ()).map_err(store_error))
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

#[async_trait]
impl Store for RedisStore {
    #[instrument(skip_all, fields(event = %event.id))]
    async fn create_event(&self, event: &Event) -> Result<(), Error> {
        let mut args = vec![
            event.title.clone(),
            event.org.as_str().to_owned(),
            event.opens_at.0.to_string(),
            event.closes_at.0.to_string(),
            event.price_fen.to_string(),
        ];
        for pool in &event.pools {
            args.extend([
                pool.id.to_string(),
                pool.title.clone(),
                pool.total.to_string(),
            ]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let created = self.change(&SCRIPTS.create, &event.id, &args).await;
        // The index is a global key, so it cannot be written by the event's script
        // in a cluster. Adding it after the script (also when the event exists)
        // heals a crash between the two steps on the next attempt.
        if matches!(created, Ok(_) | Err(Error::EventExists)) {
            self.query::<()>(
                redis::cmd("SADD")
                    .arg(EVENT_INDEX)
                    .arg(event.id.as_str())
                    .to_owned(),
            )
            .await?;
        }
        created.map(|_| ())
    }

    async fn event_ids(&self) -> Result<Vec<EventId>, Error> {
        let ids: Vec<String> = self
            .query(redis::cmd("SMEMBERS").arg(EVENT_INDEX).to_owned())
            .await?;
        ids.iter()
            .map(|id| {
                EventId::parse(id).map_err(|_| Error::Corrupt(format!("bad event id {id:?}")))
            })
            .collect()
    }

    #[instrument(skip_all, fields(event = %id))]
    async fn event(&self, id: &EventId) -> Result<EventView, Error> {
        Ok(self.read(id, &["stats"]).await?.0)
    }

    #[instrument(skip_all, fields(event = %req.event))]
    async fn grab(&self, req: &GrabRequest<'_>) -> Result<Grabbed, Error> {
        let mut args = vec![
            req.member.key.as_str(),
            req.member.card.0.as_str(),
            req.channel.as_str(),
            req.code.as_str(),
            req.org.map_or("", OrgPath::as_str),
        ];
        args.extend(req.choices.iter().map(PoolId::as_str));
        let (tag, fields) = self.change(&SCRIPTS.grab, req.event, &args).await?;
        Ok(Grabbed {
            reservation: reservation(req.event, &fields)?,
            new: tag == "reserved",
        })
    }

    #[instrument(skip_all, fields(event = %event))]
    async fn cancel(
        &self,
        event: &EventId,
        member: &MemberKey,
        code: &Code,
    ) -> Result<Reservation, Error> {
        let (_, fields) = self
            .change(&SCRIPTS.cancel, event, &[code.as_str(), member.as_str()])
            .await?;
        reservation(event, &fields)
    }

    #[instrument(skip_all, fields(event = %event))]
    async fn redeem(&self, event: &EventId, find: &Find) -> Result<Reservation, Error> {
        let (_, fields) = self
            .change(&SCRIPTS.redeem, event, &find_args(find))
            .await?;
        reservation(event, &fields)
    }

    #[instrument(skip_all, fields(event = %event, pool = %pool, delta))]
    async fn restock(
        &self,
        event: &EventId,
        pool: &PoolId,
        delta: i64,
    ) -> Result<Restocked, Error> {
        let (_, fields) = self
            .change(
                &SCRIPTS.restock,
                event,
                &[pool.as_str(), &delta.to_string()],
            )
            .await?;
        match &fields[..] {
            [remaining, total] => Ok(Restocked {
                remaining: int(remaining)?,
                total: int(total)?,
            }),
            _ => Err(Error::Corrupt(format!("restock reply {fields:?}"))),
        }
    }

    #[instrument(skip_all, fields(event = %event, action = action.as_str()))]
    async fn set_status(&self, event: &EventId, action: StatusAction) -> Result<SaleStatus, Error> {
        let (_, fields) = self
            .change(&SCRIPTS.status, event, &[action.as_str()])
            .await?;
        SaleStatus::parse(fields.first().map_or("", String::as_str))
    }

    #[instrument(skip_all, fields(event = %event))]
    async fn lookup(&self, event: &EventId, find: &Find) -> Result<Option<Reservation>, Error> {
        let [by, value] = find_args(find);
        let (_, rest) = self.read(event, &["lookup", by, value]).await?;
        let found = texts(rest.into_iter().next().unwrap_or(Value::Nil))?;
        if found.is_empty() {
            Ok(None)
        } else {
            reservation(event, &found).map(Some)
        }
    }

    #[instrument(skip_all, fields(event = %event))]
    async fn grab_rate(&self, event: &EventId) -> Result<Vec<u32>, Error> {
        let (_, rest) = self.read(event, &["rate"]).await?;
        texts(rest.into_iter().next().unwrap_or(Value::Nil))?
            .iter()
            .map(|n| {
                n.parse()
                    .map_err(|_| Error::Corrupt(format!("bad count {n:?}")))
            })
            .collect()
    }

    #[instrument(skip_all, fields(event = %event))]
    async fn snapshot(&self, event: &EventId) -> Result<Snapshot, Error> {
        let (view, rest) = self.read(event, &["full"]).await?;
        let [res, members, log] = <[Value; 3]>::try_from(rest)
            .map_err(|_| Error::Corrupt("snapshot reply has the wrong shape".into()))?;
        let mut reservations = pairs(&texts(res)?)
            .map(|(code, record)| Reservation::from_record(event, code, record))
            .collect::<Result<Vec<_>, _>>()?;
        reservations.sort_by(|a, b| a.code.cmp(&b.code));
        let mut members = pairs(&texts(members)?)
            .map(|(m, c)| Ok((MemberKey::from_stored(m)?, code(c)?)))
            .collect::<Result<Vec<_>, Error>>()?;
        members.sort();
        let log = list(log)?
            .into_iter()
            .map(parse_log_entry)
            .collect::<Result<_, _>>()?;
        Ok(Snapshot {
            view,
            reservations,
            members,
            log,
        })
    }

    async fn ping(&self) -> Result<(), Error> {
        self.with_timeout(async {
            with_conn!(self, conn => {
                redis::cmd("PING").query_async::<()>(&mut conn).await.map_err(store_error)?;
                for script in SCRIPTS.all() {
                    script.load_async(&mut conn).await.map_err(store_error)?;
                }
                Ok(())
            })
        })
        .await
    }
}

fn find_args(find: &Find) -> [&str; 2] {
    match find {
        Find::Code(code) => ["code", code.as_str()],
        Find::Member(member) => ["member", member.as_str()],
    }
}

/// Maps the scripts' refusal tags to errors; passes success tags through.
fn refusal(event: &EventId, reply: Vec<String>) -> Result<(String, Vec<String>), Error> {
    let mut it = reply.into_iter();
    let tag = it
        .next()
        .ok_or_else(|| Error::Corrupt("empty script reply".into()))?;
    let fields: Vec<String> = it.collect();
    let field = |i: usize| fields.get(i).cloned().unwrap_or_default();
    Err(match tag.as_str() {
        "no_event" => Error::UnknownEvent,
        "no_pool" => Error::UnknownPool(field(0)),
        "not_eligible" => Error::NotEligible,
        "closed" => Error::Closed,
        "paused" => Error::Paused,
        "sold_out" => Error::SoldOut,
        "code_taken" => Error::CodeTaken,
        "not_found" => Error::NotFound,
        "exists" => Error::EventExists,
        "not_open" => Error::NotOpen {
            opens_at: Millis(int(&field(0))?),
            server_time: Millis(int(&field(1))?),
        },
        "below_zero" => Error::BelowZero {
            remaining: int(&field(0))?,
        },
        "already_redeemed" => Error::AlreadyRedeemed(Box::new(reservation(event, &fields)?)),
        "was_cancelled" => Error::Cancelled(Box::new(reservation(event, &fields)?)),
        _ => return Ok((tag, fields)),
    })
}

fn reservation(event: &EventId, fields: &[String]) -> Result<Reservation, Error> {
    match fields {
        [code, record, ..] => Reservation::from_record(event, code, record),
        _ => Err(Error::Corrupt(format!("reservation reply {fields:?}"))),
    }
}

fn code(s: &str) -> Result<Code, Error> {
    Code::parse(s).map_err(|_| Error::Corrupt(format!("bad code {s:?}")))
}

fn int(s: &str) -> Result<i64, Error> {
    s.parse()
        .map_err(|_| Error::Corrupt(format!("expected an integer, got {s:?}")))
}

fn text(v: &Value) -> Result<String, Error> {
    match v {
        Value::BulkString(b) => {
            String::from_utf8(b.clone()).map_err(|_| Error::Corrupt("non-UTF-8 reply".into()))
        }
        Value::SimpleString(s) => Ok(s.clone()),
        Value::Int(i) => Ok(i.to_string()),
        other => Err(Error::Corrupt(format!("expected a string, got {other:?}"))),
    }
}

fn list(v: Value) -> Result<Vec<Value>, Error> {
    match v {
        Value::Array(items) | Value::Set(items) => Ok(items),
        Value::Nil => Ok(Vec::new()),
        other => Err(Error::Corrupt(format!("expected an array, got {other:?}"))),
    }
}

fn texts(v: Value) -> Result<Vec<String>, Error> {
    list(v)?.iter().map(text).collect()
}

/// A flat HGETALL reply as (field, value) pairs.
fn pairs(flat: &[String]) -> impl Iterator<Item = (&str, &str)> {
    flat.chunks_exact(2).map(|c| (c[0].as_str(), c[1].as_str()))
}

fn map_of(flat: Vec<String>) -> HashMap<String, String> {
    let mut map = HashMap::with_capacity(flat.len() / 2);
    let mut it = flat.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        map.insert(k, v);
    }
    map
}

fn parse_view(
    id: &EventId,
    meta: Vec<String>,
    stock: Vec<String>,
    total: Vec<String>,
    cnt: Vec<String>,
    now: String,
) -> Result<EventView, Error> {
    let meta = map_of(meta);
    let (stock, total, cnt) = (map_of(stock), map_of(total), map_of(cnt));
    let get = |m: &HashMap<String, String>, k: &str| {
        m.get(k)
            .cloned()
            .ok_or_else(|| Error::Corrupt(format!("event {id} misses {k}")))
    };
    let num = |m: &HashMap<String, String>, k: &str| get(m, k).and_then(|v| int(&v));
    let mut pools = Vec::new();
    let mut stats = Vec::new();
    for pool in get(&meta, "pools")?.split(',') {
        let pool_id =
            PoolId::parse(pool).map_err(|_| Error::Corrupt(format!("bad pool id {pool:?}")))?;
        let title = get(&meta, &format!("ptitle:{pool}"))?;
        pools.push(Pool {
            id: pool_id.clone(),
            title: title.clone(),
            total: num(&meta, &format!("ptotal:{pool}"))?,
        });
        stats.push(PoolStats {
            id: pool_id,
            title,
            total: num(&total, pool)?,
            remaining: num(&stock, pool)?,
            active: num(&cnt, &format!("active:{pool}"))?,
            redeemed: num(&cnt, &format!("redeemed:{pool}"))?,
            cancelled: num(&cnt, &format!("cancelled:{pool}"))?,
        });
    }
    let org = get(&meta, "org")?;
    Ok(EventView {
        event: Event {
            id: id.clone(),
            title: get(&meta, "title")?,
            org: OrgPath::parse(&org).map_err(|_| Error::Corrupt(format!("bad org {org:?}")))?,
            opens_at: Millis(num(&meta, "opens")?),
            closes_at: Millis(num(&meta, "closes")?),
            price_fen: num(&meta, "price")?,
            pools,
        },
        status: SaleStatus::parse(&get(&meta, "status")?)?,
        pools: stats,
        server_time: Millis(int(&now)?),
    })
}

/// One XRANGE entry, `[id, [field, value, ...]]`, as a typed log entry.
fn parse_log_entry(entry: Value) -> Result<LogEntry, Error> {
    let mut parts = list(entry)?.into_iter();
    let (Some(_id), Some(fields)) = (parts.next(), parts.next()) else {
        return Err(Error::Corrupt("log entry has the wrong shape".into()));
    };
    let f = map_of(texts(fields)?);
    let get = |k: &str| {
        f.get(k)
            .map(String::as_str)
            .ok_or_else(|| Error::Corrupt(format!("log entry misses {k}: {f:?}")))
    };
    let pool = || {
        get("pool")
            .and_then(|p| PoolId::parse(p).map_err(|_| Error::Corrupt(format!("bad pool {p:?}"))))
    };
    let member = || get("member").and_then(MemberKey::from_stored);
    let op = match get("op")? {
        "created" => LogOp::Created {
            pool: pool()?,
            delta: int(get("delta")?)?,
        },
        "restocked" => LogOp::Restocked {
            pool: pool()?,
            delta: int(get("delta")?)?,
        },
        "reserved" => LogOp::Reserved {
            code: code(get("code")?)?,
            pool: pool()?,
            member: member()?,
            channel: match get("channel")? {
                "station" => Channel::Station,
                _ => Channel::App,
            },
        },
        "cancelled" => LogOp::Cancelled {
            code: code(get("code")?)?,
            pool: pool()?,
            member: member()?,
        },
        "redeemed" => LogOp::Redeemed {
            code: code(get("code")?)?,
            pool: pool()?,
            member: member()?,
        },
        "paused" => LogOp::Status(SaleStatus::Paused),
        "resumed" => LogOp::Status(SaleStatus::Open),
        "closed" => LogOp::Status(SaleStatus::Closed),
        other => return Err(Error::Corrupt(format!("unknown log op {other:?}"))),
    };
    Ok(LogEntry {
        at: Millis(int(get("at")?)?),
        op,
    })
}
