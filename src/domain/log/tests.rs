//! The log's one encoding, read back: every kind of entry.

use super::{LogEntry, LogOp, Made};
use crate::domain::{Channel, Code, LeftReason, MaskedCard, MemberKey, Millis, PoolId, SaleStatus};

#[test]
fn every_kind_of_entry_reads_back_as_written() {
    let code = Code::parse("7K2M9QX4T1ZB").unwrap();
    let pool = PoolId::parse("show-1").unwrap();
    let member = MemberKey::from_stored(&"ab".repeat(16)).unwrap();
    let card = MaskedCard::from_stored("6217 **** **** 1234").unwrap();
    let ops = vec![
        LogOp::Created {
            pool: pool.clone(),
            delta: 400,
        },
        LogOp::Restocked {
            pool: pool.clone(),
            delta: -3,
        },
        LogOp::Reserved(Made {
            code: code.clone(),
            pool: pool.clone(),
            member: member.clone(),
            channel: Channel::Station,
            card: Some(card.clone()),
            seats: 2,
            pay_by: Some(Millis(1_800_000_000_000)),
            part: None,
        }),
        LogOp::Reserved(Made {
            code: code.clone(),
            pool: pool.clone(),
            member: member.clone(),
            channel: Channel::App,
            card: None,
            seats: 1,
            pay_by: None,
            part: None,
        }),
        // Seats from a kept part, at once and held.
        LogOp::Reserved(Made {
            code: code.clone(),
            pool: pool.clone(),
            member: member.clone(),
            channel: Channel::App,
            card: Some(card.clone()),
            seats: 1,
            pay_by: None,
            part: Some(2),
        }),
        LogOp::Reserved(Made {
            code: code.clone(),
            pool: pool.clone(),
            member: member.clone(),
            channel: Channel::Station,
            card: Some(card.clone()),
            seats: 3,
            pay_by: Some(Millis(1_800_000_000_000)),
            part: Some(1),
        }),
        LogOp::Released {
            pool: pool.clone(),
            part: 3,
            seats: 0,
        },
        LogOp::Moved {
            pool: pool.clone(),
            from: 2,
            to: 0,
            seats: 7,
        },
        LogOp::Paid {
            code: code.clone(),
            pool: pool.clone(),
            member: member.clone(),
            seats: 2,
            payment: "wx-42".into(),
            amount: 1_000,
            late: true,
        },
        LogOp::Expired {
            code: code.clone(),
            pool: pool.clone(),
            member: member.clone(),
            seats: 3,
        },
        LogOp::RefundDue {
            code: code.clone(),
            payment: "wx-43".into(),
            amount: 500,
        },
        LogOp::Cancelled {
            code: code.clone(),
            pool: pool.clone(),
            member: member.clone(),
            seats: 1,
        },
        LogOp::Redeemed {
            code: code.clone(),
            pool: pool.clone(),
            member: member.clone(),
            seats: 2,
        },
        LogOp::NoShow {
            code: code.clone(),
            pool: pool.clone(),
            member: member.clone(),
            seats: 4,
        },
        LogOp::Status(SaleStatus::Paused),
        LogOp::Status(SaleStatus::Open),
        LogOp::Status(SaleStatus::Closed),
        LogOp::Tallied {
            station: "chaoyang-desk-1".into(),
            day: "2026-12-07".into(),
            what: "taken".into(),
            n: 1_000,
        },
        LogOp::Waiting {
            member: member.clone(),
            order: 17,
            choices: vec![pool.clone(), PoolId::parse("show-2").unwrap()],
            seats: 2,
            cutoff: Millis(1_800_000_100_000),
            channel: Channel::App,
            card: card.clone(),
            code: Some(code.clone()),
            parts: vec![(pool.clone(), 1), (PoolId::parse("show-2").unwrap(), 3)],
        },
        LogOp::Left {
            member: member.clone(),
            reason: LeftReason::GotTicket,
        },
        LogOp::Assigned {
            ticket: Made {
                code: code.clone(),
                pool: pool.clone(),
                member: member.clone(),
                channel: Channel::App,
                card: Some(card.clone()),
                seats: 2,
                pay_by: None,
                part: None,
            },
            order: 17,
        },
        LogOp::Entered {
            member: member.clone(),
            choices: vec![pool.clone(), PoolId::parse("show-2").unwrap()],
            seats: 2,
            card: card.clone(),
            channel: Channel::Station,
        },
        LogOp::Withdrawn {
            member: member.clone(),
        },
        LogOp::PublicValue {
            value: "drand round 5000000: 9f3a…".into(),
        },
        LogOp::DrawBegun {
            draw: "0123456789abcdef".into(),
            stock: vec![(pool.clone(), 300), (PoolId::parse("show-2").unwrap(), 0)],
            owner: "9a8b7c6d5e4f3a2b".into(),
            until: Millis(1_800_000_015_000),
        },
        LogOp::Won {
            ticket: Made {
                code,
                pool,
                member,
                channel: Channel::App,
                card: Some(card),
                seats: 1,
                pay_by: Some(Millis(1_800_000_000_000)),
                part: None,
            },
            rank: 3,
        },
        LogOp::Drawn {
            member: MemberKey::from_stored(&"ef".repeat(16)).unwrap(),
            order: 199_998,
            code: Code::random(),
        },
        LogOp::DrawDone {
            entries_digest: "ab".repeat(32),
            draw_seed: "cd".repeat(32),
        },
    ];
    for op in ops {
        let entry = LogEntry {
            at: Millis(1_799_999_999_999),
            op,
        };
        let fields = entry.fields();
        let flat: Vec<&str> = fields.iter().flat_map(|(k, v)| [*k, v.as_str()]).collect();
        assert_eq!(LogEntry::from_fields(&flat).unwrap(), entry, "{flat:?}");
    }
    assert!(LogEntry::from_fields(&["op", "reserved", "at", "1"]).is_err());
    assert!(LogEntry::from_fields(&["op", "teleported", "at", "1"]).is_err());
}
