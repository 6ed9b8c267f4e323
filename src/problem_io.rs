//! hyper answers a request it cannot parse (400), an address too long (414)
//! or headers too large (431) by itself, with an empty body, before any
//! handler runs. This wrapper of a connection's socket recognises those
//! answers as hyper writes them (a 4xx head with `content-length: 0`, which
//! no answer of ours ever is: every error body is a problem document) and
//! writes a problem+json answer of the same status in their place. hyper
//! closes the connection after them.

use std::io::IoSlice;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::domain::Outcome;

/// The problem answer for hyper's own answer with this head, if it is one.
fn replacement(head: &[u8]) -> Option<Vec<u8>> {
    let (outcome, reason) = match head.get(..13)? {
        b"HTTP/1.1 400 " => (Outcome::InvalidRequest, "Bad Request"),
        b"HTTP/1.1 414 " => (Outcome::UriTooLong, "URI Too Long"),
        b"HTTP/1.1 431 " => (Outcome::HeadersTooLarge, "Request Header Fields Too Large"),
        _ => return None,
    };
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")?;
    let lower = head[..end].to_ascii_lowercase();
    if !lower.windows(19).any(|w| w == b"\r\ncontent-length: 0") {
        return None;
    }
    let row = outcome.row();
    let detail = match outcome {
        Outcome::UriTooLong => "the request line is too long",
        Outcome::HeadersTooLarge => "the request headers are too large",
        _ => "the request is not well-formed HTTP/1.1",
    };
    let body = format!(
        "{{\"type\":\"https://ticketgrab.example/problems/{code}\",\"title\":\"{reason}\",\
         \"status\":{status},\"code\":\"{code}\",\"detail\":\"{detail}\"}}",
        code = row.code,
        status = row.status,
    );
    Some(
        format!(
            "HTTP/1.1 {} {reason}\r\ncontent-type: application/problem+json\r\n\
             connection: close\r\ncontent-length: {}\r\n\r\n{body}",
            row.status,
            body.len()
        )
        .into_bytes(),
    )
}

/// A socket whose hyper-made error answers become problem documents.
pub struct ProblemIo<S> {
    inner: S,
    /// A replacement answer still to be written (hyper was told its own
    /// bytes were written).
    pending: Vec<u8>,
}

impl<S> ProblemIo<S> {
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            pending: Vec::new(),
        }
    }
}

impl<S: AsyncWrite + Unpin> ProblemIo<S> {
    /// Writes what is pending; ready once none is.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        while !self.pending.is_empty() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending))?;
            if n == 0 {
                return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()));
            }
            self.pending.drain(..n);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for ProblemIo<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ProblemIo<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        ready!(self.drain(cx))?;
        if let Some(answer) = replacement(buf) {
            self.pending = answer;
            // hyper's bytes count as written; ours go out in their place.
            let _ = self.drain(cx)?;
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        ready!(self.drain(cx))?;
        if let Some(first) = bufs.iter().find(|b| !b.is_empty())
            && let Some(answer) = replacement(first)
        {
            self.pending = answer;
            let _ = self.drain(cx)?;
            return Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_empty_error_heads_are_replaced() {
        let hyper_own =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let answer = String::from_utf8(replacement(hyper_own).unwrap()).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 "), "{head}");
        assert!(head.contains("application/problem+json"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["code"], "headers_too_large");
        // Our own answers carry a body, and 200s are never touched.
        assert!(replacement(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 120\r\n\r\n{").is_none());
        assert!(replacement(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
    }
}
