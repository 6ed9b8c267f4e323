//! Connections to one Redis or to a Redis Cluster, behind one type.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use deadpool_redis::{PoolConfig, Runtime, Timeouts};
use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{Route, SingleNodeRoutingInfo, SlotAddr};
use redis::{Cmd, IntoConnectionInfo, Pipeline, RedisFuture, Value};

use super::wire::Wire;
use crate::domain::Error;

/// Where Redis is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedisTarget {
    /// One Redis, `redis://[user:password@]host:port`.
    Single(String),
    /// Seed nodes of a Redis Cluster.
    Cluster(Vec<String>),
}

/// A connection to either kind of deployment. All kinds are multiplexed:
/// one connection carries any number of concurrent requests.
#[derive(Clone)]
pub enum Conn {
    /// One Redis over plain TCP: our own connection (`wire.rs`).
    Wire(Wire),
    /// One Redis over TLS or a unix socket: redis-rs's.
    Single(MultiplexedConnection),
    Cluster(ClusterConnection),
}

impl Conn {
    /// Sends a pipeline to the master of `key`'s slot. On a cluster the route
    /// is explicit: left to itself, redis-rs sends `WAIT` to every master and
    /// reports the smallest answer.
    pub async fn pipeline_to_master(
        &mut self,
        pipe: &Pipeline,
        key: &str,
    ) -> redis::RedisResult<Vec<Value>> {
        match self {
            Self::Wire(c) => pipe.query_async(c).await,
            Self::Single(c) => pipe.query_async(c).await,
            Self::Cluster(c) => {
                let route =
                    SingleNodeRoutingInfo::SpecificNode(Route::with_key(key, SlotAddr::Master));
                c.route_pipeline(pipe.clone(), 0, 2, route).await
            }
        }
    }
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Wire(c) => c.req_packed_command(cmd),
            Self::Single(c) => c.req_packed_command(cmd),
            Self::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Wire(c) => c.req_packed_commands(pipeline, offset, count),
            Self::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Self::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Wire(c) => c.get_db(),
            Self::Single(c) => c.get_db(),
            Self::Cluster(c) => c.get_db(),
        }
    }
}

/// How connections are opened: our own for one Redis over plain TCP, else
/// the deadpool-redis pool of either kind (used only to open connections).
#[derive(Clone)]
enum Factory {
    Wire {
        host: String,
        port: u16,
        settings: redis::RedisConnectionInfo,
    },
    Single(deadpool_redis::Pool),
    Cluster(deadpool_redis::cluster::Pool),
}

impl Factory {
    async fn open(&self, timeout: Duration) -> Result<Conn, Error> {
        let unavailable = |e: deadpool_redis::PoolError| Error::Unavailable(e.to_string());
        Ok(match self {
            Self::Wire {
                host,
                port,
                settings,
            } => Conn::Wire(
                Wire::connect(host, *port, settings, timeout)
                    .await
                    .map_err(|e| Error::Unavailable(e.to_string()))?,
            ),
            Self::Single(pool) => {
                let mut conn =
                    deadpool_redis::Connection::take(pool.get().await.map_err(unavailable)?);
                // redis-rs gives up on a reply after 500 ms by default, which
                // deadpool-redis does not let us configure; our own call timeout
                // is the one that counts.
                conn.set_response_timeout(timeout);
                Conn::Single(conn)
            }
            // The cluster client keeps its own reply timeout; the store's call
            // timeout bounds every call on top of it.
            Self::Cluster(pool) => Conn::Cluster(deadpool_redis::cluster::Connection::take(
                pool.get().await.map_err(unavailable)?,
            )),
        })
    }
}

/// A few multiplexed connections shared by every request.
///
/// Why not check a connection out of the pool per call: deadpool-redis verifies
/// each checkout with `UNWATCH` + `PING`, a second round trip that would double
/// the cost of a grab (a grab is one round trip). A multiplexed connection
/// already carries any number of concurrent requests, so the pool serves as
/// the factory (with its create timeout) and each slot keeps its connection
/// until a call fails; then every slot reconnects on its next use, which is how
/// the store recovers by itself after Redis restarts.
pub struct Connections {
    factory: Factory,
    slots: Vec<std::sync::Mutex<Option<Conn>>>,
    next: AtomicUsize,
    /// Reply timeout of each connection.
    timeout: Duration,
}

impl Connections {
    /// Builds the pool; connections are opened on first use, so this succeeds
    /// while Redis is down. Only a malformed target is an error.
    pub fn new(target: &RedisTarget, size: usize, timeout: Duration) -> Result<Self, Error> {
        let mut pool_config = PoolConfig::new(size.max(1));
        pool_config.timeouts = Timeouts {
            wait: Some(timeout),
            create: Some(timeout),
            recycle: Some(timeout),
        };
        let bad = |e: &dyn std::fmt::Display| Error::invalid(format!("redis configuration: {e}"));
        let factory = match target {
            RedisTarget::Single(url) => {
                let info = url.as_str().into_connection_info().map_err(|e| bad(&e))?;
                if let redis::ConnectionAddr::Tcp(host, port) = info.addr() {
                    Factory::Wire {
                        host: host.clone(),
                        port: *port,
                        settings: info.redis_settings().clone(),
                    }
                } else {
                    let mut cfg = deadpool_redis::Config::from_url(url.clone());
                    cfg.pool = Some(pool_config);
                    Factory::Single(
                        cfg.create_pool(Some(Runtime::Tokio1))
                            .map_err(|e| bad(&e))?,
                    )
                }
            }
            RedisTarget::Cluster(urls) => {
                let mut cfg = deadpool_redis::cluster::Config::from_urls(urls.clone());
                cfg.pool = Some(pool_config);
                Factory::Cluster(
                    cfg.create_pool(Some(Runtime::Tokio1))
                        .map_err(|e| bad(&e))?,
                )
            }
        };
        Ok(Self {
            factory,
            slots: (0..size.max(1)).map(|_| Default::default()).collect(),
            next: AtomicUsize::new(0),
            timeout,
        })
    }

    /// As many connections again, to the same Redis, opened on first use.
    pub fn sibling(&self) -> Self {
        Self {
            factory: self.factory.clone(),
            slots: (0..self.slots.len()).map(|_| Default::default()).collect(),
            next: AtomicUsize::new(0),
            timeout: self.timeout,
        }
    }

    fn slot(&self, i: usize) -> std::sync::MutexGuard<'_, Option<Conn>> {
        // A std mutex: held for a clone of the connection, never across an await.
        self.slots[i].lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The next shared connection, opened if it is not yet.
    pub async fn get(&self) -> Result<Conn, Error> {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len();
        if let Some(conn) = self.slot(i).clone() {
            return Ok(conn);
        }
        let conn = self.factory.open(self.timeout).await?;
        *self.slot(i) = Some(conn.clone());
        Ok(conn)
    }

    /// Forgets every connection after a failure, so the next calls reconnect.
    /// A failure nearly always means Redis went away, and then every connection
    /// is dead: forgetting only the one that failed would fail one more request
    /// per connection after Redis is back.
    pub fn broken(&self) {
        for i in 0..self.slots.len() {
            *self.slot(i) = None;
        }
    }
}
