//! The one encoding of a log entry: the fields and values of a Redis stream
//! entry, which the embedded store's journal keeps too.

use super::{LogEntry, LogOp};
use crate::domain::{
    Channel, Code, DrawState, LeftReason, MaskedCard, MemberKey, Millis, PoolId, SaleStatus,
    parse_seats,
};
use crate::error::Error;

/// A value of a log entry that cannot be right.
fn corrupt(what: &str, v: &str) -> Error {
    Error::Corrupt(format!("bad {what} {v:?} in a log entry"))
}

fn int(v: &str) -> Result<i64, Error> {
    v.parse().map_err(|_| corrupt("integer", v))
}

impl LogEntry {
    /// The entry as the fields and values a script writes to the stream
    /// (`op` first, `at` last; absent values are left out, as the scripts do).
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        fn seats_of(n: u8) -> (&'static str, String) {
            ("seats", n.to_string())
        }
        let moved = |op: &'static str, code: &Code, pool: &PoolId, member: &MemberKey, seats| {
            vec![
                ("op", op.to_owned()),
                ("code", code.to_string()),
                ("pool", pool.to_string()),
                ("member", member.as_str().to_owned()),
                seats_of(seats),
            ]
        };
        let mut f = match &self.op {
            LogOp::Created { pool, delta } | LogOp::Restocked { pool, delta } => {
                let op = if matches!(self.op, LogOp::Created { .. }) {
                    "created"
                } else {
                    "restocked"
                };
                vec![
                    ("op", op.to_owned()),
                    ("pool", pool.to_string()),
                    ("delta", delta.to_string()),
                ]
            }
            LogOp::Reserved {
                code,
                pool,
                member,
                channel,
                card,
                seats,
                pay_by,
            } => {
                let mut f = vec![
                    ("op", "reserved".to_owned()),
                    ("code", code.to_string()),
                    ("pool", pool.to_string()),
                    ("member", member.as_str().to_owned()),
                    ("channel", channel.as_str().to_owned()),
                ];
                if let Some(card) = card {
                    f.push(("card", card.as_str().to_owned()));
                }
                f.push(seats_of(*seats));
                if let Some(by) = pay_by {
                    f.push(("pay_by", by.0.to_string()));
                }
                f
            }
            LogOp::Paid {
                code,
                pool,
                member,
                seats,
                payment,
                amount,
                late,
            } => {
                let mut f = moved("paid", code, pool, member, *seats);
                f.extend([
                    ("payment", payment.clone()),
                    ("amount", amount.to_string()),
                    ("late", if *late { "1" } else { "0" }.to_owned()),
                ]);
                f
            }
            LogOp::Expired {
                code,
                pool,
                member,
                seats,
            } => moved("expired", code, pool, member, *seats),
            LogOp::Cancelled {
                code,
                pool,
                member,
                seats,
            } => moved("cancelled", code, pool, member, *seats),
            LogOp::Redeemed {
                code,
                pool,
                member,
                seats,
            } => moved("redeemed", code, pool, member, *seats),
            LogOp::NoShow {
                code,
                pool,
                member,
                seats,
            } => moved("no_show", code, pool, member, *seats),
            LogOp::RefundDue {
                code,
                payment,
                amount,
            } => vec![
                ("op", "refund_due".to_owned()),
                ("code", code.to_string()),
                ("payment", payment.clone()),
                ("amount", amount.to_string()),
            ],
            LogOp::Status(s) => vec![(
                "op",
                match s {
                    SaleStatus::Paused => "paused",
                    SaleStatus::Open => "resumed",
                    SaleStatus::Closed => "closed",
                }
                .to_owned(),
            )],
            LogOp::Waiting {
                member,
                order,
                choices,
                seats,
                cutoff,
                channel,
                card,
                code,
            } => {
                let pools: Vec<&str> = choices.iter().map(PoolId::as_str).collect();
                let mut f = vec![
                    ("op", "waiting".to_owned()),
                    ("member", member.as_str().to_owned()),
                    ("order", order.to_string()),
                    seats_of(*seats),
                    ("pools", pools.join(",")),
                    ("cutoff", cutoff.0.to_string()),
                    ("channel", channel.as_str().to_owned()),
                    ("card", card.as_str().to_owned()),
                ];
                if let Some(code) = code {
                    f.push(("code", code.to_string()));
                }
                f
            }
            LogOp::Left { member, reason } => vec![
                ("op", "left".to_owned()),
                ("member", member.as_str().to_owned()),
                ("reason", reason.as_str().to_owned()),
            ],
            LogOp::Assigned {
                code,
                pool,
                member,
                channel,
                card,
                seats,
                pay_by,
                order,
            } => vec![
                ("op", "assigned".to_owned()),
                ("code", code.to_string()),
                ("pool", pool.to_string()),
                ("member", member.as_str().to_owned()),
                ("channel", channel.as_str().to_owned()),
                ("card", card.as_str().to_owned()),
                seats_of(*seats),
                (
                    "pay_by",
                    pay_by.map(|by| by.0.to_string()).unwrap_or_default(),
                ),
                ("order", order.to_string()),
            ],
            LogOp::Entered {
                member,
                choices,
                seats,
                card,
                channel,
            } => {
                let pools: Vec<&str> = choices.iter().map(PoolId::as_str).collect();
                vec![
                    ("op", "entered".to_owned()),
                    ("member", member.as_str().to_owned()),
                    ("pools", pools.join(",")),
                    seats_of(*seats),
                    ("card", card.as_str().to_owned()),
                    ("channel", channel.as_str().to_owned()),
                ]
            }
            LogOp::Withdrawn { member } => vec![
                ("op", "withdrawn".to_owned()),
                ("member", member.as_str().to_owned()),
            ],
            LogOp::PublicValue { value } => {
                vec![("op", "public_value".to_owned()), ("value", value.clone())]
            }
            LogOp::DrawBegun {
                draw,
                stock,
                owner,
                until,
            } => {
                let stock = DrawState {
                    stock: stock.clone(),
                    ..DrawState::default()
                };
                vec![
                    ("op", "draw_begun".to_owned()),
                    ("draw", draw.clone()),
                    ("stock", stock.stock_text()),
                    ("owner", owner.clone()),
                    ("until", until.0.to_string()),
                ]
            }
            LogOp::Won {
                code,
                pool,
                member,
                channel,
                card,
                seats,
                pay_by,
                rank,
            } => vec![
                ("op", "won".to_owned()),
                ("code", code.to_string()),
                ("pool", pool.to_string()),
                ("member", member.as_str().to_owned()),
                ("channel", channel.as_str().to_owned()),
                ("card", card.as_str().to_owned()),
                seats_of(*seats),
                (
                    "pay_by",
                    pay_by.map(|by| by.0.to_string()).unwrap_or_default(),
                ),
                ("rank", rank.to_string()),
            ],
            LogOp::Drawn {
                member,
                order,
                code,
            } => vec![
                ("op", "drawn".to_owned()),
                ("member", member.as_str().to_owned()),
                ("order", order.to_string()),
                ("code", code.to_string()),
            ],
            LogOp::DrawDone {
                entries_digest,
                draw_seed,
            } => vec![
                ("op", "draw_done".to_owned()),
                ("digest", entries_digest.clone()),
                ("draw_seed", draw_seed.clone()),
            ],
        };
        f.push(("at", self.at.0.to_string()));
        f
    }

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
                code: code()?,
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
            },
            "left" => LogOp::Left {
                member: member()?,
                reason: LeftReason::parse(get("reason")?)
                    .ok_or_else(|| corrupt("reason", get("reason").unwrap_or_default()))?,
            },
            "assigned" => LogOp::Assigned {
                code: code()?,
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
                code: code()?,
                pool: pool()?,
                member: member()?,
                channel: channel()?,
                card: MaskedCard::from_stored(get("card")?)?,
                seats: seats()?,
                pay_by: match get("pay_by")? {
                    "" => None,
                    by => Some(Millis(int(by)?)),
                },
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
