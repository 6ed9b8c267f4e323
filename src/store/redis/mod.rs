//! The Redis store: every state change is one Lua script call (one round trip),
//! over a few shared multiplexed connections to one Redis or a Redis Cluster.
//!
//! - `conn.rs`: the connection of either kind, and the shared slots.
//! - `reply.rs`: turning script replies into outcomes and domain values.
//! - here: the store itself, one method per script.

mod conn;
mod reply;

use std::time::Duration;

use async_trait::async_trait;
use redis::{Script, Value};
use tracing::instrument;

use self::conn::Connections;
pub use self::conn::RedisTarget;
use self::reply::{
    code, int, list, outcome, pairs, parse_log_entry, parse_view, reservation, text, texts,
};
use super::keys::{EVENT_INDEX, event_keys};
use super::scripts::SCRIPTS;
use super::{Find, Grab, Grabbed, Restocked, Snapshot, Store};
use crate::domain::{
    Code, Event, EventId, EventView, MemberKey, OrgPath, PoolId, Reservation, SaleStatus,
    StatusAction,
};
use crate::error::Error;

pub struct RedisStore {
    /// Shared connections to one Redis or to a cluster.
    connections: Connections,
    /// Upper bound of one store call, connecting included: a stalled Redis becomes
    /// `Unavailable` (503) instead of a hung request.
    call_timeout: Duration,
    /// Replicas that must hold a change before it is confirmed (0: do not wait).
    wait_replicas: usize,
    /// Longest wait for them.
    wait_timeout: Duration,
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
        Ok(Self {
            connections: Connections::new(target, connections, call_timeout)?,
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

    /// Runs `call` on a shared connection within the call timeout; a failure
    /// that may mean a broken connection retires the connections.
    async fn with_conn<T, F>(&self, call: impl FnOnce(conn::Conn) -> F) -> Result<T, Error>
    where
        F: Future<Output = Result<T, Error>>,
    {
        let attempt = async {
            let result = call(self.connections.get().await?).await;
            if matches!(result, Err(Error::Unavailable(_))) {
                self.connections.broken();
            }
            result
        };
        tokio::time::timeout(self.call_timeout, attempt)
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
        self.with_conn(|mut conn| async move {
            invocation
                .invoke_async(&mut conn)
                .await
                .map_err(store_error)
        })
        .await
    }

    async fn query<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> Result<T, Error> {
        self.with_conn(
            |mut conn| async move { cmd.query_async(&mut conn).await.map_err(store_error) },
        )
        .await
    }

    /// Runs a state-changing script and turns refusals into errors; returns
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
        outcome(event, texts(reply)?)
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
        let send = |mut conn: conn::Conn| {
            let (pipe, key) = (&pipe, &keys[0]);
            async move {
                let replies = conn.pipeline_to_master(pipe, key).await;
                // An error reply of the script comes back as an element; make it
                // the call's error, so NOSCRIPT is retried and TG_CORRUPT is
                // recognised.
                let replies = replies.and_then(|r| {
                    r.into_iter()
                        .map(Value::extract_error)
                        .collect::<redis::RedisResult<Vec<Value>>>()
                });
                match replies {
                    Err(e)
                        if e.kind()
                            == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript) =>
                    {
                        script.load_async(&mut conn).await.map_err(store_error)?;
                        conn.pipeline_to_master(pipe, key)
                            .await
                            .and_then(|r| r.into_iter().map(Value::extract_error).collect())
                            .map_err(store_error)
                    }
                    other => other.map_err(store_error),
                }
            }
        };
        let replies = self.with_conn(send).await?;
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
    async fn grab(&self, req: &Grab<'_>, code: &Code) -> Result<Grabbed, Error> {
        let mut args = vec![
            req.member.key.as_str(),
            req.member.card.as_str(),
            req.channel.as_str(),
            code.as_str(),
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
        self.with_conn(|mut conn| async move {
            redis::cmd("PING")
                .query_async::<()>(&mut conn)
                .await
                .map_err(store_error)?;
            for script in SCRIPTS.all() {
                script.load_async(&mut conn).await.map_err(store_error)?;
            }
            Ok(())
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
