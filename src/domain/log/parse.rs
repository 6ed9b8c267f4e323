//! Reading a log entry back from its fields and values, as a script or
//! [`LogEntry::fields`] wrote them (fields.rs).

use super::{LogEntry, LogOp, Made};
use crate::domain::Error;
use crate::domain::{
    Channel, Code, DrawState, LeftReason, MaskedCard, MemberKey, Millis, PoolId, SaleStatus,
    parse_seats,
};

/// A value of a log entry that cannot be right.
fn corrupt(what: &str, v: &str) -> Error {
    Error::Corrupt(format!("bad {what} {v:?} in a log entry"))
}

fn int(v: &str) -> Result<i64, Error> {
    v.parse().map_err(|_| corrupt("integer", v))
}

impl LogEntry {
    /// Reads an entry from its fields and values, `[field, value, ...]`, as
    /// [`LogEntry::fields`] or a script wrote them.
    pub fn from_fields(f: &[&str]) -> Result<LogEntry, Error> {
        // A handful of fields: a scan, not a map (every front end's read model
        // parses every entry of the log).
        let field = |k: &str| {
            f.chunks_exact(2)
                .find(|pair| pair[0] == k)
                .map(|pair| pair[1])
        };
        let get = |k: &str| {
            field(k).ok_or_else(|| Error::Corrupt(format!("log entry misses {k}: {f:?}")))
        };
        let pool = || get("pool").and_then(|p| PoolId::parse(p).map_err(|_| corrupt("pool", p)));
        let code = || get("code").and_then(|c| Code::parse(c).map_err(|_| corrupt("code", c)));
        let member = || get("member").and_then(MemberKey::from_stored);
        // Entries written before family seats have no count: one seat.
        let seats = || match field("seats") {
            None => Ok(1),
            Some(n) => parse_seats(n).ok_or_else(|| corrupt("seats", n)),
        };
        let order = || get("order").and_then(|o| o.parse::<u64>().map_err(|_| corrupt("order", o)));
        let channel =
            || get("channel").and_then(|c| Channel::parse(c).ok_or_else(|| corrupt("channel", c)));
        let pools = || -> Result<Vec<PoolId>, Error> {
            get("pools")?
                .split(',')
                .map(|p| PoolId::parse(p).map_err(|_| corrupt("pool", p)))
                .collect()
        };
        // A ticket made, in any entry that makes one. `reserved` entries
        // are read as they were written over time: a card and `pay_by` only
        // when there are, any channel but the station's as the app's.
        let made = |reserved: bool| -> Result<Made, Error> {
            Ok(Made {
                code: code()?,
                pool: pool()?,
                member: member()?,
                channel: match (reserved, get("channel")?) {
                    (true, "station") => Channel::Station,
                    (true, _) => Channel::App,
                    (false, _) => channel()?,
                },
                card: match field("card") {
                    None if reserved => None,
                    _ => Some(MaskedCard::from_stored(get("card")?)?),
                },
                seats: seats()?,
                part: field("part")
                    .map(|n| crate::domain::parse_part(n).ok_or_else(|| corrupt("part", n)))
                    .transpose()?,
                pay_by: match field("pay_by") {
                    None if reserved => None,
                    _ => match get("pay_by")? {
                        "" => None,
                        by => Some(Millis(int(by)?)),
                    },
                },
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
            "reserved" => LogOp::Reserved(made(true)?),
            "paid" => LogOp::Paid {
                code: code()?,
                pool: pool()?,
                member: member()?,
                seats: seats()?,
                payment: get("payment")?.to_owned(),
                amount: int(get("amount")?)?,
                late: get("late")? == "1",
            },
            "expired" => LogOp::Expired {
                code: code()?,
                pool: pool()?,
                member: member()?,
                seats: seats()?,
            },
            "refund_due" => LogOp::RefundDue {
                code: code()?,
                payment: get("payment")?.to_owned(),
                amount: int(get("amount")?)?,
            },
            "cancelled" => LogOp::Cancelled {
                code: code()?,
                pool: pool()?,
                member: member()?,
                seats: seats()?,
            },
            "redeemed" => LogOp::Redeemed {
                code: code()?,
                pool: pool()?,
                member: member()?,
                seats: seats()?,
            },
            "waiting" => LogOp::Waiting {
                member: member()?,
                order: order()?,
                choices: pools()?,
                seats: seats()?,
                cutoff: Millis(int(get("cutoff")?)?),
                channel: channel()?,
                card: MaskedCard::from_stored(get("card")?)?,
                code: field("code").map(|_| code()).transpose()?,
                parts: crate::domain::parse_parts(field("parts").unwrap_or_default())?,
            },
            "released" => LogOp::Released {
                pool: pool()?,
                part: get("part")
                    .and_then(|n| crate::domain::parse_part(n).ok_or_else(|| corrupt("part", n)))?,
                seats: int(get("seats")?)?,
            },
            "moved" => {
                let part = |k: &str| {
                    get(k).and_then(|n| match n {
                        "0" => Ok(0),
                        n => crate::domain::parse_part(n).ok_or_else(|| corrupt(k, n)),
                    })
                };
                LogOp::Moved {
                    pool: pool()?,
                    from: part("from")?,
                    to: part("to")?,
                    seats: int(get("seats")?)?,
                }
            }
            "left" => LogOp::Left {
                member: member()?,
                reason: LeftReason::parse(get("reason")?)
                    .ok_or_else(|| corrupt("reason", get("reason").unwrap_or_default()))?,
            },
            "assigned" => LogOp::Assigned {
                ticket: made(false)?,
                order: order()?,
            },
            "no_show" => LogOp::NoShow {
                code: code()?,
                pool: pool()?,
                member: member()?,
                seats: seats()?,
            },
            "entered" => LogOp::Entered {
                member: member()?,
                choices: pools()?,
                seats: seats()?,
                card: MaskedCard::from_stored(get("card")?)?,
                channel: channel()?,
            },
            "withdrawn" => LogOp::Withdrawn { member: member()? },
            "tallied" => LogOp::Tallied {
                station: get("station")?.to_owned(),
                day: get("day")?.to_owned(),
                what: get("what")?.to_owned(),
                n: int(get("n")?)?,
            },
            "public_value" => LogOp::PublicValue {
                value: get("value")?.to_owned(),
            },
            "draw_begun" => LogOp::DrawBegun {
                draw: get("draw")?.to_owned(),
                stock: DrawState::parse_stock(get("stock")?)?,
                owner: get("owner")?.to_owned(),
                until: Millis(int(get("until")?)?),
            },
            "won" => LogOp::Won {
                ticket: made(false)?,
                rank: get("rank")?
                    .parse()
                    .map_err(|_| corrupt("rank", get("rank").unwrap_or_default()))?,
            },
            "drawn" => LogOp::Drawn {
                member: member()?,
                order: order()?,
                code: code()?,
            },
            "draw_done" => LogOp::DrawDone {
                entries_digest: get("digest")?.to_owned(),
                draw_seed: get("draw_seed")?.to_owned(),
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
}
