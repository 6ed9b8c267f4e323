//! The one encoding of a log entry: the fields and values of a Redis stream
//! entry, which the embedded store's journal keeps too (parse.rs reads it).

use super::{LogEntry, LogOp, Made};
use crate::domain::{Code, DrawState, MemberKey, PoolId, SaleStatus};

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
            LogOp::Reserved(ticket) => {
                let mut f = ticket.fields("reserved");
                if ticket.pay_by.is_none() {
                    f.pop();
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
                parts,
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
                if !parts.is_empty() {
                    f.push(("parts", crate::domain::parts_text(parts)));
                }
                f
            }
            LogOp::Released { pool, part, seats } => vec![
                ("op", "released".to_owned()),
                ("pool", pool.to_string()),
                ("part", part.to_string()),
                ("seats", seats.to_string()),
            ],
            LogOp::Moved {
                pool,
                from,
                to,
                seats,
            } => vec![
                ("op", "moved".to_owned()),
                ("pool", pool.to_string()),
                ("from", from.to_string()),
                ("to", to.to_string()),
                ("seats", seats.to_string()),
            ],
            LogOp::Left { member, reason } => vec![
                ("op", "left".to_owned()),
                ("member", member.as_str().to_owned()),
                ("reason", reason.as_str().to_owned()),
            ],
            LogOp::Assigned { ticket, order } => {
                let mut f = ticket.fields("assigned");
                f.push(("order", order.to_string()));
                f
            }
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
            LogOp::Tallied {
                station,
                day,
                what,
                n,
            } => vec![
                ("op", "tallied".to_owned()),
                ("station", station.clone()),
                ("day", day.clone()),
                ("what", what.clone()),
                ("n", n.to_string()),
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
            LogOp::Won { ticket, rank } => {
                let mut f = ticket.fields("won");
                f.push(("rank", rank.to_string()));
                f
            }
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
}

impl Made {
    /// The fields of a ticket made, as every entry that makes one writes
    /// them: `op`, the ticket, and `pay_by` last (empty for a ticket at
    /// once; a `reserved` entry leaves it out instead). A card is left out
    /// only by `reserved` entries from before the log carried it.
    fn fields(&self, op: &'static str) -> Vec<(&'static str, String)> {
        let mut f = vec![
            ("op", op.to_owned()),
            ("code", self.code.to_string()),
            ("pool", self.pool.to_string()),
            ("member", self.member.as_str().to_owned()),
            ("channel", self.channel.as_str().to_owned()),
        ];
        if let Some(card) = &self.card {
            f.push(("card", card.as_str().to_owned()));
        }
        f.push(("seats", self.seats.to_string()));
        if let Some(n) = self.part {
            f.push(("part", n.to_string()));
        }
        f.push((
            "pay_by",
            self.pay_by.map(|by| by.0.to_string()).unwrap_or_default(),
        ));
        f
    }
}
