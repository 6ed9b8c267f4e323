//! RESP2 replies read by hand for `wire.rs`: where one reply ends (resumable,
//! so a large reply that arrives in many reads is scanned once, not once per
//! read), and the reply as a `redis::Value`, the type the rest of the store
//! reads. Redis answers RESP2 unless a client asks for RESP3 (`HELLO 3`),
//! which `wire.rs` never does.
//!
//! Why by hand: redis-rs parses with `combine`, and in a profile of grabs
//! (BENCHMARKS.md §13) its parser took ~9 % of the server's CPU for replies
//! of a few short strings. Error replies are rare and carry redis-rs's own
//! error kinds (NOSCRIPT, ...), so they are handed to its parser unchanged.

use redis::{ErrorKind, RedisError, RedisResult, Value};

/// Finds where one reply ends, across reads: the position reached and the
/// element counts of the arrays still open. Reset after each reply.
#[derive(Default)]
pub struct Scanner {
    pos: usize,
    open: Vec<i64>,
}

fn protocol(what: &'static str) -> RedisError {
    RedisError::from((ErrorKind::Parse, "bad reply from Redis", what.to_owned()))
}

/// The line starting at `at` (without its type byte): its text and the
/// position after its CRLF, or `None` if it has not fully arrived.
fn line(buf: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let rest = buf.get(at + 1..)?;
    let cr = rest.windows(2).position(|w| w == b"\r\n")?;
    Some((&rest[..cr], at + 1 + cr + 2))
}

fn number(text: &[u8]) -> RedisResult<i64> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| protocol("a length or integer that is not a number"))
}

impl Scanner {
    /// The length of the first reply in `buf` once all of it is there, else
    /// `None` (call again with the same buffer, grown by the next read).
    pub fn reply_len(&mut self, buf: &[u8]) -> RedisResult<Option<usize>> {
        while let Some(&kind) = buf.get(self.pos) {
            let Some((text, next)) = line(buf, self.pos) else {
                return Ok(None);
            };
            match kind {
                b'+' | b'-' | b':' => self.pos = next,
                b'$' => {
                    let len = number(text)?;
                    if len < 0 {
                        self.pos = next;
                    } else {
                        let end = next + len as usize + 2;
                        if buf.len() < end {
                            return Ok(None);
                        }
                        self.pos = end;
                    }
                }
                b'*' => {
                    self.pos = next;
                    let n = number(text)?;
                    if n > 0 {
                        self.open.push(n);
                        continue;
                    }
                }
                _ => return Err(protocol("an unknown reply type")),
            }
            // One element is complete: close the arrays it completes.
            loop {
                match self.open.last_mut() {
                    None => {
                        let len = self.pos;
                        self.pos = 0;
                        return Ok(Some(len));
                    }
                    Some(left) => {
                        *left -= 1;
                        if *left > 0 {
                            break;
                        }
                        self.open.pop();
                    }
                }
            }
        }
        Ok(None)
    }
}

/// The reply that `buf` starts with, all of it there (`Scanner` said so),
/// and the position after it.
pub fn parse(buf: &[u8], at: usize) -> RedisResult<(Value, usize)> {
    let Some((text, next)) = line(buf, at) else {
        return Err(protocol("a reply cut short"));
    };
    Ok(match buf[at] {
        b'+' if text == b"OK" => (Value::Okay, next),
        b'+' => (
            Value::SimpleString(String::from_utf8_lossy(text).into_owned()),
            next,
        ),
        b':' => (Value::Int(number(text)?), next),
        b'$' => {
            let len = number(text)?;
            if len < 0 {
                (Value::Nil, next)
            } else {
                let end = next + len as usize;
                let body = buf.get(next..end).ok_or_else(|| protocol("a short bulk"))?;
                (Value::BulkString(body.to_vec()), end + 2)
            }
        }
        b'*' => {
            let n = number(text)?;
            if n < 0 {
                (Value::Nil, next)
            } else {
                let mut items = Vec::with_capacity(n as usize);
                let mut pos = next;
                for _ in 0..n {
                    let (item, after) = parse(buf, pos)?;
                    items.push(item);
                    pos = after;
                }
                (Value::Array(items), pos)
            }
        }
        // redis-rs's own parser, for its error kinds and texts.
        b'-' => (redis::parse_redis_value(&buf[at..next])?, next),
        _ => return Err(protocol("an unknown reply type")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replies of every kind the store gets, nested as scripts answer.
    const REPLIES: &[&[u8]] = &[
        b"+OK\r\n",
        b"+PONG\r\n",
        b":-42\r\n",
        b"$-1\r\n",
        b"*-1\r\n",
        b"$0\r\n\r\n",
        b"$4\r\na\r\nb\r\n",
        b"*0\r\n",
        b"-NOSCRIPT No matching script. Please use EVAL.\r\n",
        b"-TG_CORRUPT tg:{e}:cnt is a string\r\n",
        b"*3\r\n$8\r\nreserved\r\n$12\r\n7K2M9QX4T1ZB\r\n$5\r\np|a|b\r\n",
        b"*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$2\r\nop\r\n$7\r\ncreated\r\n*0\r\n",
        b"*4\r\n:1\r\n*1\r\n*1\r\n$1\r\nx\r\n$-1\r\n-ERR inside\r\n",
    ];

    #[test]
    fn every_reply_reads_as_redis_rs_reads_it() {
        for reply in REPLIES {
            let mut s = Scanner::default();
            assert_eq!(s.reply_len(reply).unwrap(), Some(reply.len()), "{reply:?}");
            let (value, end) = parse(reply, 0).unwrap();
            assert_eq!(end, reply.len());
            assert_eq!(value, redis::parse_redis_value(reply).unwrap(), "{reply:?}");
        }
    }

    #[test]
    fn a_reply_cut_anywhere_is_found_only_once_all_of_it_arrived() {
        // All replies back to back, arriving in pieces cut at every point.
        let stream: Vec<u8> = REPLIES.concat();
        for cut in 0..stream.len() {
            let mut s = Scanner::default();
            let mut buf = stream[..cut].to_vec();
            let mut seen = Vec::new();
            let mut fed = cut;
            loop {
                match s.reply_len(&buf).unwrap() {
                    Some(len) => {
                        seen.push(buf.drain(..len).collect::<Vec<u8>>());
                    }
                    None if fed < stream.len() => {
                        // The next read: a few bytes more.
                        let more = (fed + 3).min(stream.len());
                        buf.extend_from_slice(&stream[fed..more]);
                        fed = more;
                    }
                    None => break,
                }
            }
            assert!(buf.is_empty(), "cut at {cut}: {buf:?} left");
            let seen: Vec<&[u8]> = seen.iter().map(Vec::as_slice).collect();
            assert_eq!(seen, REPLIES, "cut at {cut}");
        }
    }

    #[test]
    fn garbage_is_a_parse_error_not_a_hang() {
        for bad in [&b"?what\r\n"[..], b"$x\r\n", b"*1\r\n!oops\r\n"] {
            let mut s = Scanner::default();
            let err = s.reply_len(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Parse, "{bad:?}");
        }
    }
}
