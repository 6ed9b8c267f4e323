//! The HTTP server loop: accepting connections under a cap, serving each with
//! a header-read timeout, and shutting down within a bounded grace.
//!
//! Why not `axum::serve`: it has no header-read timeout, no idle timeout and no
//! connection cap, so a few hundred silent sockets can exhaust the process's
//! file descriptors and stall everyone. Here each connection is served by
//! hyper's HTTP/1 server with a timer: a client must send a request's headers
//! within `header_timeout`, and an idle keep-alive connection is closed after
//! the same time (hyper starts that timer whenever it waits for a request
//! head). HTTP/1 only: members reach the service through the app or a
//! balancer, both HTTP/1.1, and HTTP/2's preface detection would wait on a
//! silent socket with no timeout.

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::domain::Outcome;

/// How the server treats connections.
#[derive(Clone, Copy, Debug)]
pub struct ConnLimits {
    /// Longest wait for a request's headers (and for the next request on an
    /// idle keep-alive connection).
    pub header_timeout: Duration,
    /// Most connections at once.
    pub max_connections: usize,
    /// Longest time requests in flight may take after shutdown begins.
    pub grace: Duration,
}

/// What a connection over the cap gets before it is closed: a complete
/// answer, so a client knows to come back, at the cost of one write. The
/// outcome table's `overloaded` row, written once.
static REFUSAL: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let row = Outcome::Overloaded.row();
    let (status, code) = (row.status, row.code);
    let body = format!(
        "{{\"type\":\"https://ticketgrab.example/problems/{code}\",\"title\":\"Service Unavailable\",\
         \"status\":{status},\"code\":\"{code}\",\"detail\":\"busy\"}}"
    );
    format!(
        "HTTP/1.1 {status} Service Unavailable\r\ncontent-type: application/problem+json\r\n\
         retry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
});

/// The soft limit of open files of this process, from /proc (Linux).
pub fn open_file_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// The connection cap that fits the open-file limit: room is kept for the
/// listener, Redis connections, logs and the like.
pub fn fitting_cap(wanted: usize, file_limit: Option<usize>) -> usize {
    const RESERVED: usize = 64;
    match file_limit {
        Some(limit) if wanted + RESERVED > limit => limit.saturating_sub(RESERVED).max(1),
        _ => wanted.max(1),
    }
}

/// Serves `router` on `listener` until `shutdown` resolves. Then it stops
/// accepting, tells `stopping` (streams end), lets requests in flight finish
/// for up to `limits.grace`, and cuts whatever is left.
pub async fn serve(
    listener: TcpListener,
    router: crate::http::Front,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()>,
    stopping: Arc<watch::Sender<bool>>,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors or the like: the cap should
                        // prevent it; do not spin while it lasts.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Ok(permit) = permits.clone().try_acquire_owned() else {
                    connections.spawn(refuse(stream));
                    continue;
                };
                let conn = serve_one(stream, peer, router.clone(), limits, stopping.subscribe());
                connections.spawn(async move {
                    conn.await;
                    drop(permit);
                });
            }
        }
    }
    drop(listener);
    // send_replace: stored even when no receiver is left to see it.
    stopping.send_replace(true);
    let drained = tokio::time::timeout(limits.grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            left = connections.len(),
            grace = ?limits.grace,
            "shutdown grace over: cutting the connections left"
        );
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
    Ok(())
}

async fn serve_one(
    stream: TcpStream,
    peer: SocketAddr,
    router: crate::http::Front,
    limits: ConnLimits,
    mut stopping: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let service = router.for_peer(peer);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    // hyper's own 400/414/431 answers leave as problem documents.
    let io = TokioIo::new(crate::problem_io::ProblemIo::new(stream));
    let conn = builder.serve_connection(io, TowerToHyperService::new(service));
    tokio::pin!(conn);
    let stop = async {
        // The guard `wait_for` returns is dropped here, not held across awaits.
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    tokio::select! {
        _ = conn.as_mut() => {}
        () = stop => {
            // Finish the request in flight, take no new one on this connection.
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// Answers 503 and closes, without waiting on a slow client.
async fn refuse(mut stream: TcpStream) {
    let _ = tokio::time::timeout(Duration::from_millis(100), stream.write_all(&REFUSAL)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_is_a_complete_problem_answer() {
        let text = std::str::from_utf8(&REFUSAL).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["code"], "overloaded");
        assert!(head.starts_with("HTTP/1.1 503 "), "{head}");
    }

    #[test]
    fn the_connection_cap_stays_below_the_file_limit() {
        assert_eq!(fitting_cap(2048, Some(256)), 192);
        assert_eq!(fitting_cap(2048, Some(65_536)), 2048);
        assert_eq!(fitting_cap(2048, None), 2048);
        assert_eq!(fitting_cap(10, Some(20)), 1);
    }
}
