//! Parsing the event's log stream (XRANGE entries) into typed entries.

use redis::Value;

use super::reply::{code, int, list, text, texts};
use crate::domain::{
    Channel, LeftReason, MaskedCard, MemberKey, Millis, PoolId, SaleStatus, parse_seats,
};
use crate::error::Error;
use crate::store::{LogEntry, LogOp, LogPos};

/// One XRANGE entry, `[id, [field, value, ...]]`, as a typed log entry and
/// its position.
pub fn parse_log_entry(entry: Value) -> Result<(LogPos, LogEntry), Error> {
    let mut parts = list(entry)?.into_iter();
    let (Some(id), Some(fields)) = (parts.next(), parts.next()) else {
        return Err(Error::Corrupt("log entry has the wrong shape".into()));
    };
    let pos = LogPos::parse(&text(&id)?)?;
    // A handful of fields: a scan, not a map (every front end's read model
    // parses every entry of the log).
    let f = texts(fields)?;
    let field = |k: &str| {
        f.chunks_exact(2)
            .find(|pair| pair[0] == k)
            .map(|pair| pair[1].as_str())
    };
    let get =
        |k: &str| field(k).ok_or_else(|| Error::Corrupt(format!("log entry misses {k}: {f:?}")));
    let pool = || {
        get("pool")
            .and_then(|p| PoolId::parse(p).map_err(|_| Error::Corrupt(format!("bad pool {p:?}"))))
    };
    let member = || get("member").and_then(MemberKey::from_stored);
    // Entries written before family seats have no count: one seat.
    let seats = || match field("seats") {
        None => Ok(1),
        Some(n) => parse_seats(n).ok_or_else(|| Error::Corrupt(format!("bad seats {n:?}"))),
    };
    let order = || {
        get("order").and_then(|o| {
            o.parse::<u64>()
                .map_err(|_| Error::Corrupt(format!("bad order {o:?}")))
        })
    };
    let channel = || {
        get("channel").and_then(|c| {
            Channel::parse(c).ok_or_else(|| Error::Corrupt(format!("bad channel {c:?}")))
        })
    };
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
            card: field("card").map(MaskedCard::from_stored).transpose()?,
            seats: seats()?,
            pay_by: field("pay_by").map(int).transpose()?.map(Millis),
        },
        "paid" => LogOp::Paid {
            code: code(get("code")?)?,
            pool: pool()?,
            member: member()?,
            seats: seats()?,
            payment: get("payment")?.to_owned(),
            amount: int(get("amount")?)?,
            late: get("late")? == "1",
        },
        "expired" => LogOp::Expired {
            code: code(get("code")?)?,
            pool: pool()?,
            member: member()?,
            seats: seats()?,
        },
        "refund_due" => LogOp::RefundDue {
            code: code(get("code")?)?,
            payment: get("payment")?.to_owned(),
            amount: int(get("amount")?)?,
        },
        "cancelled" => LogOp::Cancelled {
            code: code(get("code")?)?,
            pool: pool()?,
            member: member()?,
            seats: seats()?,
        },
        "redeemed" => LogOp::Redeemed {
            code: code(get("code")?)?,
            pool: pool()?,
            member: member()?,
            seats: seats()?,
        },
        "waiting" => LogOp::Waiting {
            member: member()?,
            order: order()?,
            choices: get("pools")?
                .split(',')
                .map(|p| PoolId::parse(p).map_err(|_| Error::Corrupt(format!("bad pool {p:?}"))))
                .collect::<Result<_, _>>()?,
            seats: seats()?,
            cutoff: Millis(int(get("cutoff")?)?),
            channel: channel()?,
            card: MaskedCard::from_stored(get("card")?)?,
        },
        "left" => LogOp::Left {
            member: member()?,
            reason: LeftReason::parse(get("reason")?)
                .ok_or_else(|| Error::Corrupt(format!("bad reason in {f:?}")))?,
        },
        "assigned" => LogOp::Assigned {
            code: code(get("code")?)?,
            pool: pool()?,
            member: member()?,
            channel: channel()?,
            card: MaskedCard::from_stored(get("card")?)?,
            seats: seats()?,
            pay_by: match get("pay_by")? {
                "" => None,
                by => Some(Millis(int(by)?)),
            },
            order: order()?,
        },
        "no_show" => LogOp::NoShow {
            code: code(get("code")?)?,
            pool: pool()?,
            member: member()?,
            seats: seats()?,
        },
        "paused" => LogOp::Status(SaleStatus::Paused),
        "resumed" => LogOp::Status(SaleStatus::Open),
        "closed" => LogOp::Status(SaleStatus::Closed),
        other => return Err(Error::Corrupt(format!("unknown log op {other:?}"))),
    };
    Ok((
        pos,
        LogEntry {
            at: Millis(int(get("at")?)?),
            op,
        },
    ))
}
