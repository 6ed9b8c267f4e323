//! One keep-alive HTTP/1.1 connection of the grab phase, written by hand.
//!
//! Why not reqwest here: the harness shares the machine's two cores with the
//! server, and every µs it spends per request is a µs the server does not
//! get. Through reqwest a grab cost the harness ~29 µs (BENCHMARKS §7): the
//! URL parsed again, a header map built, the pool's lock, hyper's
//! connection task woken through a channel. A worker here owns its
//! connection, writes the request's bytes in one call and parses the answer
//! in place (`httparse`), as wrk does. Plain `http://` only, like the
//! harness's reqwest build (no TLS).

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Where requests go: `host:port` and the path prefix of a base URL.
#[derive(Clone, Debug)]
pub struct Origin {
    /// `host:port`, for connecting and for the `Host` header.
    pub authority: String,
    /// The base URL's path, without a trailing slash ("" for none).
    pub prefix: String,
}

impl Origin {
    /// `http://host[:port][/prefix]`.
    pub fn parse(base: &str) -> anyhow::Result<Self> {
        let rest = base
            .strip_prefix("http://")
            .ok_or_else(|| anyhow::anyhow!("the harness speaks plain http:// only: {base}"))?;
        let (authority, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        anyhow::ensure!(!authority.is_empty(), "no host in {base}");
        let authority = if authority.contains(':') {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        let prefix = prefix.trim_end_matches('/');
        Ok(Self {
            authority,
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("/{prefix}")
            },
        })
    }
}

/// An answer's status, `Retry-After` (seconds) and body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<f64>,
    pub body: Vec<u8>,
}

/// A keep-alive connection, opened on first use and again after a failure.
pub struct Wire {
    origin: Origin,
    stream: Option<TcpStream>,
    /// Bytes read and not yet used.
    buf: Vec<u8>,
    /// The request being written.
    out: Vec<u8>,
}

/// Largest answer head the harness accepts.
const MAX_HEAD: usize = 16 * 1024;

impl Wire {
    pub fn new(origin: Origin) -> Self {
        Self {
            origin,
            stream: None,
            buf: Vec::with_capacity(4096),
            out: Vec::with_capacity(1024),
        }
    }

    /// `POST <prefix><path>` with these extra header lines (`name: value`)
    /// and a JSON body. A connection that was reused and fails before any
    /// byte of the answer (the server closed it while idle) is opened again
    /// and the request sent once more, as an HTTP client's pool does.
    pub async fn post_json(
        &mut self,
        path: &str,
        headers: &[(&str, &[u8])],
        body: &[u8],
    ) -> io::Result<Reply> {
        self.out.clear();
        let out = &mut self.out;
        out.extend_from_slice(b"POST ");
        out.extend_from_slice(self.origin.prefix.as_bytes());
        out.extend_from_slice(path.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\nhost: ");
        out.extend_from_slice(self.origin.authority.as_bytes());
        for (name, value) in headers {
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
        }
        out.extend_from_slice(b"\r\ncontent-type: application/json\r\ncontent-length: ");
        out.extend_from_slice(body.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n\r\n");
        out.extend_from_slice(body);
        let reused = self.stream.is_some();
        match self.exchange().await {
            Err(Fresh::Stale) if reused => self.exchange().await.map_err(Fresh::into_io),
            other => other.map_err(Fresh::into_io),
        }
    }

    /// Opens the connection now, if it is not open.
    pub async fn connect(&mut self) -> io::Result<()> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(&self.origin.authority).await?;
            stream.set_nodelay(true)?;
            self.stream = Some(stream);
            self.buf.clear();
        }
        Ok(())
    }

    /// Drops the connection (after a timeout: half an exchange may be on it).
    pub fn reset(&mut self) {
        self.stream = None;
    }

    async fn exchange(&mut self) -> Result<Reply, Fresh> {
        self.connect().await?;
        let result = self.write_and_read().await;
        if !matches!(result, Ok((_, true))) {
            // Failed, or the server said it closes: start afresh next time.
            self.stream = None;
        }
        result.map(|(reply, _)| reply)
    }

    /// The answer, and whether the connection stays open.
    async fn write_and_read(&mut self) -> Result<(Reply, bool), Fresh> {
        let stream = self.stream.as_mut().expect("connected above");
        stream
            .write_all(&self.out)
            .await
            .map_err(|_| Fresh::Stale)?;
        let mut got_any = false;
        loop {
            if let Some(head) = parse(&self.buf)? {
                let end = head.len + head.body_len;
                if self.buf.len() >= end {
                    let body = self.buf[head.len..end].to_vec();
                    self.buf.drain(..end);
                    let reply = Reply {
                        status: head.status,
                        retry_after: head.retry_after,
                        body,
                    };
                    return Ok((reply, head.keep_alive));
                }
            } else if self.buf.len() > MAX_HEAD {
                return Err(Fresh::Io(invalid("answer head too large")));
            }
            if self.buf.capacity() - self.buf.len() < 1024 {
                self.buf.reserve(4096);
            }
            // Into the buffer's spare room: no zeroed chunk per read.
            let n = stream.read_buf(&mut self.buf).await;
            match n {
                Ok(0) | Err(_) if !got_any => return Err(Fresh::Stale),
                Ok(0) => return Err(Fresh::Io(invalid("connection closed mid-answer"))),
                Err(e) => return Err(Fresh::Io(e)),
                Ok(_) => got_any = true,
            }
        }
    }
}

/// What an answer's head says.
struct Head {
    /// Bytes of the head itself.
    len: usize,
    status: u16,
    body_len: usize,
    retry_after: Option<f64>,
    /// The connection stays open (no `connection: close`).
    keep_alive: bool,
}

/// The answer's head; `None` while it is incomplete.
fn parse(buf: &[u8]) -> Result<Option<Head>, Fresh> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    let head = match response.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(Fresh::Io(invalid(&e.to_string()))),
    };
    let status = response.code.unwrap_or(0);
    let (mut length, mut retry_after, mut keep) = (None, None, true);
    for h in response.headers.iter() {
        let value = std::str::from_utf8(h.value).unwrap_or("").trim();
        if h.name.eq_ignore_ascii_case("content-length") {
            length = value.parse::<usize>().ok();
        } else if h.name.eq_ignore_ascii_case("retry-after") {
            retry_after = value.parse::<f64>().ok();
        } else if h.name.eq_ignore_ascii_case("connection") {
            keep = !value.eq_ignore_ascii_case("close");
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(Fresh::Io(invalid("chunked answers are not read here")));
        }
    }
    let body_len = length.ok_or_else(|| Fresh::Io(invalid("an answer without content-length")))?;
    Ok(Some(Head {
        len: head,
        status,
        body_len,
        retry_after,
        keep_alive: keep,
    }))
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// Why an exchange failed: `Stale` before any byte of the answer (worth one
/// more try on a fresh connection), or anything else.
enum Fresh {
    Stale,
    Io(io::Error),
}

impl From<io::Error> for Fresh {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

impl Fresh {
    fn into_io(self) -> io::Error {
        match self {
            Self::Stale => io::Error::new(io::ErrorKind::ConnectionReset, "connection closed"),
            Self::Io(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_gives_its_authority_and_prefix() {
        let o = Origin::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            (o.authority.as_str(), o.prefix.as_str()),
            ("127.0.0.1:8080", "")
        );
        let o = Origin::parse("http://tickets.example/sale/").unwrap();
        assert_eq!(
            (o.authority.as_str(), o.prefix.as_str()),
            ("tickets.example:80", "/sale")
        );
        assert!(Origin::parse("https://tickets.example").is_err());
    }

    #[test]
    fn an_answer_is_read_once_its_head_and_body_are_in() {
        let full = b"HTTP/1.1 409 Conflict\r\ncontent-length: 4\r\nretry-after: 2\r\n\r\nbody";
        assert!(
            parse(&full[..20]).ok().unwrap().is_none(),
            "head incomplete"
        );
        let head = parse(full).ok().unwrap().unwrap();
        assert_eq!(
            (
                head.status,
                head.body_len,
                head.retry_after,
                head.keep_alive
            ),
            (409, 4, Some(2.0), true)
        );
        assert_eq!(&full[head.len..], b"body");
        let close = b"HTTP/1.1 503 x\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        assert!(!parse(close).ok().unwrap().unwrap().keep_alive);
        let chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
        assert!(parse(chunked).is_err());
    }
}
