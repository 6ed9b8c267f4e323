//! A lean pipelined connection to one Redis over plain TCP, for the store's
//! every call (the hot path is a grab: one `EVALSHA`).
//!
//! One task owns the socket. Callers hand it a packed command and a oneshot;
//! it yields once (so the callers just woken by replies queue theirs too),
//! writes all the commands waiting at that moment in one write, reads the
//! replies in order and hands each to its caller. It does what the store
//! needs and no more: no RESP3, no pub/sub, no MULTI/EXEC, no TLS or unix
//! sockets (those URLs keep redis-rs's multiplexed connection, `conn.rs`).
//!
//! What it saves against redis-rs's `MultiplexedConnection`, measured in
//! BENCHMARKS.md §13: the `combine` reply parser (`resp.rs` instead), and a
//! layer of boxed sinks and streams per request.
//!
//! A broken socket fails every call in flight and every later one with an
//! I/O error, which makes the store reconnect (`Calls::with_conn`, mod.rs).

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

use redis::aio::ConnectionLike;
use redis::{Cmd, ErrorKind, Pipeline, RedisError, RedisFuture, RedisResult, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

use super::resp::{Scanner, parse};

/// Replies of one request: the first `skip` are read and dropped, the next
/// `keep` are answered.
struct Request {
    bytes: Vec<u8>,
    skip: usize,
    keep: usize,
    answer: oneshot::Sender<RedisResult<Vec<Value>>>,
}

/// A request written, waiting for its replies.
struct InFlight {
    skip: usize,
    keep: usize,
    got: Vec<Value>,
    answer: oneshot::Sender<RedisResult<Vec<Value>>>,
}

/// Commands written at once, at most (more wait for the next write).
const WRITE_BATCH: usize = 64 * 1024;

/// A handle on the connection; clones share it.
#[derive(Clone)]
pub struct Wire {
    requests: mpsc::UnboundedSender<Request>,
    db: i64,
    timeout: Duration,
}

/// The failure as each waiting call sees it: an I/O error (a reply that
/// cannot be read is one too), so the store reconnects.
fn lost(failure: &RedisError) -> RedisError {
    if failure.is_io_error() {
        failure.clone()
    } else {
        RedisError::from(io::Error::new(
            io::ErrorKind::ConnectionReset,
            failure.to_string(),
        ))
    }
}

fn closed() -> RedisError {
    RedisError::from(io::Error::new(
        io::ErrorKind::ConnectionReset,
        "the connection to Redis is closed",
    ))
}

impl Wire {
    /// Connects to `host:port`, logs in (`AUTH`) and selects `db` when the URL
    /// says so, then starts the connection's task. Every reply waits at most
    /// `timeout`.
    pub async fn connect(
        host: &str,
        port: u16,
        settings: &redis::RedisConnectionInfo,
        timeout: Duration,
    ) -> RedisResult<Self> {
        let connect = TcpStream::connect((host, port));
        let stream = tokio::time::timeout(timeout, connect)
            .await
            .map_err(|_| RedisError::from(io::Error::from(io::ErrorKind::TimedOut)))??;
        stream.set_nodelay(true)?;
        let (requests, queue) = mpsc::unbounded_channel();
        tokio::spawn(drive(stream, queue));
        let wire = Self {
            requests,
            db: settings.db(),
            timeout,
        };
        if let Some(password) = settings.password() {
            let mut auth = redis::cmd("AUTH");
            if let Some(user) = settings.username() {
                auth.arg(user);
            }
            auth.arg(password);
            wire.call(auth.get_packed_command(), 0, 1)
                .await?
                .into_iter()
                .try_for_each(|v| v.extract_error().map(drop))
                .map_err(|e| {
                    RedisError::from((
                        ErrorKind::AuthenticationFailed,
                        "Redis refused the login",
                        e.to_string(),
                    ))
                })?;
        }
        if settings.db() != 0 {
            let select = redis::cmd("SELECT").arg(settings.db()).get_packed_command();
            for v in wire.call(select, 0, 1).await? {
                v.extract_error()?;
            }
        }
        Ok(wire)
    }

    /// Sends packed commands and waits for their replies.
    async fn call(&self, bytes: Vec<u8>, skip: usize, keep: usize) -> RedisResult<Vec<Value>> {
        if skip + keep == 0 {
            return Ok(Vec::new());
        }
        let (answer, reply) = oneshot::channel();
        let request = Request {
            bytes,
            skip,
            keep,
            answer,
        };
        self.requests.send(request).map_err(|_| closed())?;
        match tokio::time::timeout(self.timeout, reply).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(closed()),
            Err(_) => Err(RedisError::from(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no reply from Redis within {:?}", self.timeout),
            ))),
        }
    }
}

impl ConnectionLike for Wire {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move {
            let mut replies = self.call(cmd.get_packed_command(), 0, 1).await?;
            replies.pop().ok_or_else(closed)
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(async move {
            if pipeline.is_transaction() {
                return Err(RedisError::from((
                    ErrorKind::Client,
                    "MULTI/EXEC is not sent over this connection",
                )));
            }
            self.call(pipeline.get_packed_pipeline(), offset, count)
                .await
        })
    }

    fn get_db(&self) -> i64 {
        self.db
    }
}

/// The connection's task: writes what callers send, answers them in order.
/// Ends when every handle is gone or the socket fails; then the calls still
/// waiting get an I/O error.
async fn drive(stream: TcpStream, mut queue: mpsc::UnboundedReceiver<Request>) {
    let (mut read, mut write) = stream.into_split();
    let mut waiting: VecDeque<InFlight> = VecDeque::new();
    let mut out: Vec<u8> = Vec::with_capacity(WRITE_BATCH);
    let mut input: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut scanner = Scanner::default();
    let failure: RedisError = loop {
        tokio::select! {
            request = queue.recv() => {
                let Some(mut request) = request else { return };
                // Let the callers woken by the last replies queue theirs too:
                // fewer, larger writes for Redis to read.
                tokio::task::yield_now().await;
                loop {
                    out.append(&mut request.bytes);
                    waiting.push_back(InFlight {
                        skip: request.skip,
                        keep: request.keep,
                        got: Vec::with_capacity(request.keep),
                        answer: request.answer,
                    });
                    if out.len() >= WRITE_BATCH {
                        break;
                    }
                    match queue.try_recv() {
                        Ok(next) => request = next,
                        Err(_) => break,
                    }
                }
                if let Err(e) = write.write_all(&out).await {
                    break e.into();
                }
                out.clear();
            }
            read_result = read.read_buf(&mut input) => {
                match read_result {
                    Ok(0) => break closed(),
                    Err(e) => break e.into(),
                    Ok(_) => {}
                }
                if let Err(e) = answer(&mut input, &mut scanner, &mut waiting) {
                    break e;
                }
            }
        }
    };
    for call in waiting {
        let _ = call.answer.send(Err(lost(&failure)));
    }
    // Calls queued after the failure find the channel closed when they send,
    // or get this answer when their reply sender is dropped here.
    queue.close();
    while let Ok(request) = queue.try_recv() {
        let _ = request.answer.send(Err(closed()));
    }
}

/// Hands every complete reply in `input` to the call it belongs to.
fn answer(
    input: &mut Vec<u8>,
    scanner: &mut Scanner,
    waiting: &mut VecDeque<InFlight>,
) -> RedisResult<()> {
    let mut start = 0;
    while let Some(len) = scanner.reply_len(&input[start..])? {
        let (value, _) = parse(&input[start..start + len], 0)?;
        start += len;
        let Some(call) = waiting.front_mut() else {
            return Err(RedisError::from((
                ErrorKind::Parse,
                "a reply nobody asked for",
            )));
        };
        if call.skip > 0 {
            call.skip -= 1;
        } else {
            call.got.push(value);
        }
        if call.skip == 0 && call.got.len() == call.keep {
            let call = waiting.pop_front().expect("front was there");
            // The caller may have given up (its timeout): nobody to tell.
            let _ = call.answer.send(Ok(call.got));
        }
    }
    input.drain(..start);
    Ok(())
}
