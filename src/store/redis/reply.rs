//! Parsing what the scripts reply: outcomes, event views, reservations,
//! waiting-list entries (log entries: log.rs). Pure functions over
//! `redis::Value`; no connection in sight.

use std::collections::HashMap;

use redis::Value;

use crate::domain::Outcome;
use crate::domain::{
    Code, EventId, MemberKey, Millis, Reservation, WaitEntry, Waiting, parse_seats,
};

use crate::domain::Error;

/// A script's reply tag: a success (`ok`, `reserved`, `existing`), or the
/// outcome word of a refusal (src/domain/outcome.rs). Compared once, here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    Ok,
    Reserved,
    Existing,
    /// A fair window's registration (grab.lua).
    Registered,
}

/// Splits a script's reply into a success (its tag and fields) or the
/// refusal it names.
pub fn outcome(event: &EventId, reply: Vec<String>) -> Result<(Tag, Vec<String>), Error> {
    let mut it = reply.into_iter();
    let tag = it
        .next()
        .ok_or_else(|| Error::Corrupt("empty script reply".into()))?;
    let fields: Vec<String> = it.collect();
    match tag.as_str() {
        "ok" => Ok((Tag::Ok, fields)),
        "reserved" => Ok((Tag::Reserved, fields)),
        "existing" => Ok((Tag::Existing, fields)),
        "registered" => Ok((Tag::Registered, fields)),
        _ => Err(refusal(event, &tag, &fields)?),
    }
}

/// The error a refusal tag names: the one place a word becomes an error
/// again. Every outcome of the table is matched, so a new row must say here
/// whether a script may answer with it.
fn refusal(event: &EventId, tag: &str, fields: &[String]) -> Result<Error, Error> {
    use Outcome as O;
    let field = |i: usize| fields.get(i).cloned().unwrap_or_default();
    let ticket = || reservation(event, fields).map(Box::new);
    let outcome = Outcome::from_code(tag)
        .ok_or_else(|| Error::Corrupt(format!("unknown script reply {tag:?}")))?;
    Ok(match outcome {
        O::UnknownEvent => Error::UnknownEvent,
        O::UnknownPool => Error::UnknownPool(field(0)),
        O::NotEligible => Error::NotEligible,
        O::Closed => Error::Closed,
        O::Paused => Error::Paused,
        O::SoldOut => Error::SoldOut,
        O::TooManySeats => Error::TooManySeats {
            max: parse_seats(&field(0))
                .ok_or_else(|| Error::Corrupt(format!("bad max_seats {:?}", field(0))))?,
        },
        O::CodeTaken => Error::CodeTaken,
        O::NotPaid => Error::NotPaid(ticket()?),
        O::NoShow => Error::NoShow(ticket()?),
        O::HoldExpired => Error::HoldExpired(ticket()?),
        O::PaymentMismatch => Error::PaymentMismatch {
            due: int(&field(0))?,
        },
        O::PaymentConflict => Error::PaymentConflict,
        O::NotFound => Error::NotFound,
        O::Exists => Error::EventExists,
        O::NotOpen => Error::NotOpen {
            opens_at: Millis(int(&field(0))?),
            server_time: Millis(int(&field(1))?),
        },
        O::BelowZero => Error::BelowZero {
            remaining: int(&field(0))?,
        },
        O::AboveLimit => Error::AboveLimit {
            total: int(&field(0))?,
            max: int(&field(1))?,
        },
        O::AlreadyRedeemed => Error::AlreadyRedeemed(ticket()?),
        O::Cancelled => Error::Cancelled(ticket()?),
        O::AlreadyHolding => Error::AlreadyHolding(ticket()?),
        O::AlreadyWaiting => Error::AlreadyWaiting(Box::new(waiting(fields)?)),
        O::NotSoldOut => Error::NotSoldOut(field(0)),
        O::BadCutoff => Error::BadCutoff {
            closes_at: Millis(int(&field(0))?),
        },
        O::LotterySale => Error::LotterySale,
        O::NotLottery => Error::NotLottery,
        O::DrawNotDue => Error::DrawNotDue(match field(0).as_str() {
            "registration_open" => "registration_open",
            "before_draw_at" => "before_draw_at",
            "no_public_value" => "no_public_value",
            other => return Err(Error::Corrupt(format!("draw_not_due {other:?}"))),
        }),
        O::PublicValueSet => Error::PublicValueSet(field(0)),
        O::DrawPending => Error::DrawPending,
        O::DrawRunning => Error::DrawRunning,
        O::StockFixed => Error::StockFixed,
        O::PartReleased => Error::PartReleased,
        O::NotDrawn => Error::NotDrawn,
        O::ProgramCap => Error::ProgramCap {
            held: int(&field(0))?.try_into().unwrap_or(u32::MAX),
            cap: int(&field(1))?.try_into().unwrap_or(u32::MAX),
        },
        // Checked by the engine or the HTTP layer, never by a script.
        O::InvalidRequest
        | O::NotArchivable
        | O::UnknownProgram
        | O::ProgramExists
        | O::StoreUnavailable
        | O::Internal
        | O::Unauthenticated
        | O::Forbidden
        | O::OutsideOrg
        | O::MethodNotAllowed
        | O::PayloadTooLarge
        | O::UriTooLong
        | O::HeadersTooLarge
        | O::RateLimited
        | O::Overloaded => {
            return Err(Error::Corrupt(format!("script reply {tag:?}")));
        }
    })
}

pub fn reservation(event: &EventId, fields: &[String]) -> Result<Reservation, Error> {
    match fields {
        [code, record, ..] => Reservation::from_record(event, code, record),
        _ => Err(Error::Corrupt(format!("reservation reply {fields:?}"))),
    }
}

/// A waiting-list reply: member key, entry record, entries ahead.
pub fn waiting(fields: &[String]) -> Result<Waiting, Error> {
    match fields {
        [member, record, ahead, ..] => Ok(Waiting {
            entry: WaitEntry::from_record(MemberKey::from_stored(member)?, record)?,
            ahead: u64::try_from(int(ahead)?)
                .map_err(|_| Error::Corrupt(format!("ahead {ahead}")))?,
        }),
        _ => Err(Error::Corrupt(format!("waiting reply {fields:?}"))),
    }
}

pub fn code(s: &str) -> Result<Code, Error> {
    Code::parse(s).map_err(|_| Error::Corrupt(format!("bad code {s:?}")))
}

pub fn int(s: &str) -> Result<i64, Error> {
    s.parse()
        .map_err(|_| Error::Corrupt(format!("expected an integer, got {s:?}")))
}

pub fn text(v: &Value) -> Result<String, Error> {
    match v {
        Value::BulkString(b) => {
            String::from_utf8(b.clone()).map_err(|_| Error::Corrupt("non-UTF-8 reply".into()))
        }
        Value::SimpleString(s) => Ok(s.clone()),
        Value::Int(i) => Ok(i.to_string()),
        other => Err(Error::Corrupt(format!("expected a string, got {other:?}"))),
    }
}

/// A string reply read in place (a stream's ids and fields are always bulk
/// strings).
pub fn text_ref(v: &Value) -> Result<&str, Error> {
    match v {
        Value::BulkString(b) => {
            std::str::from_utf8(b).map_err(|_| Error::Corrupt("non-UTF-8 reply".into()))
        }
        Value::SimpleString(s) => Ok(s),
        other => Err(Error::Corrupt(format!("expected a string, got {other:?}"))),
    }
}

pub fn list(v: Value) -> Result<Vec<Value>, Error> {
    match v {
        Value::Array(items) | Value::Set(items) => Ok(items),
        Value::Nil => Ok(Vec::new()),
        other => Err(Error::Corrupt(format!("expected an array, got {other:?}"))),
    }
}

pub fn texts(v: Value) -> Result<Vec<String>, Error> {
    list(v)?.iter().map(text).collect()
}

/// A flat HGETALL reply as (field, value) pairs.
pub fn pairs(flat: &[String]) -> impl Iterator<Item = (&str, &str)> {
    flat.chunks_exact(2).map(|c| (c[0].as_str(), c[1].as_str()))
}

pub fn map_of(flat: Vec<String>) -> HashMap<String, String> {
    let mut map = HashMap::with_capacity(flat.len() / 2);
    let mut it = flat.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        map.insert(k, v);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_word_is_the_code_of_the_error_it_names() {
        let event = EventId::parse("e").unwrap();
        let record = "p1|redeemed|app|0123456789abcdef0123456789abcdef|6217 **** **** 1234|1|2|";
        let with_ticket = ["7K2M9QX4T1ZB".to_owned(), record.to_owned()];
        // Every outcome of the table: a script's word comes back as the
        // error it names; the engine's and the HTTP layer's own are corrupt
        // replies from a script.
        let not_a_script_word = "invalid_request not_archivable unknown_program program_exists store_unavailable internal unauthenticated \
            forbidden outside_org method_not_allowed payload_too_large uri_too_long \
            headers_too_large rate_limited overloaded";
        for tag in Outcome::ALL.iter().map(|o| o.code()) {
            if not_a_script_word.split_whitespace().any(|w| w == tag) {
                assert!(matches!(refusal(&event, tag, &[]), Err(Error::Corrupt(_))));
                continue;
            }
            let fields: Vec<String> = match tag {
                "not_open" => vec!["1".into(), "2".into()],
                "below_zero" | "too_many_seats" => vec!["3".into()],
                "above_limit" | "program_cap" => vec!["3".into(), "4".into()],
                "already_redeemed" | "cancelled" | "not_paid" | "hold_expired" | "no_show"
                | "already_holding" => with_ticket.to_vec(),
                "already_waiting" => vec![
                    "0123456789abcdef0123456789abcdef".into(),
                    "0000000000000003|1|99|p1|6217 **** **** 1234|app|5|7K2M9QX4T1ZB".into(),
                    "2".into(),
                ],
                "bad_cutoff" => vec!["99".into()],
                "draw_not_due" => vec!["no_public_value".into()],
                "payment_mismatch" => vec!["500".into()],
                _ => vec!["p1".into()],
            };
            let error = refusal(&event, tag, &fields).unwrap();
            assert_eq!(error.code(), tag);
        }
        assert!(matches!(
            refusal(&event, "nonsense", &[]),
            Err(Error::Corrupt(_))
        ));
        assert!(outcome(&event, vec!["ok".into()]).is_ok());
    }
}
