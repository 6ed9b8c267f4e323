//! The waiting list (候补): a member whose pools are sold out waits for seats
//! that come back, in join order.

use serde::Serialize;

use super::{Channel, Code, MaskedCard, MemberKey, Millis, PoolId, parse_seats};
use crate::domain::Error;

/// One member's place on an event's waiting list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitEntry {
    pub member: MemberKey,
    /// Served first is the lowest: join order (a lottery's draw order).
    pub order: u64,
    /// Seats wanted, all from one pool.
    pub choices: Vec<PoolId>,
    pub seats: u8,
    /// Past this the entry is skipped and removed.
    pub cutoff: Millis,
    pub card: MaskedCard,
    pub channel: Channel,
    pub joined_at: Millis,
    /// The code the ticket gets when the entry is served (drawn at join, never
    /// shown before).
    pub code: Code,
    /// The kept parts (pool, part number) its member may take from, as at
    /// join: seats given back to one of them come to its entries first.
    pub parts: Vec<(PoolId, u8)>,
}

/// Kept parts as the waiting list writes them: `pool#n,pool#n`.
pub fn parts_text(parts: &[(PoolId, u8)]) -> String {
    let all: Vec<String> = parts.iter().map(|(p, n)| format!("{p}#{n}")).collect();
    all.join(",")
}

/// Reads [`parts_text`] back ("" is none).
pub fn parse_parts(s: &str) -> Result<Vec<(PoolId, u8)>, Error> {
    let corrupt = || Error::Corrupt(format!("bad kept parts {s:?}"));
    s.split(',')
        .filter(|one| !one.is_empty())
        .map(|one| {
            let (pool, n) = one.split_once('#').ok_or_else(corrupt)?;
            let pool = PoolId::parse(pool).map_err(|_| corrupt())?;
            Ok((pool, super::parse_part(n).ok_or_else(corrupt)?))
        })
        .collect()
}

/// An entry with the number of entries ahead of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub entry: WaitEntry,
    pub ahead: u64,
}

/// Why an entry left the list (log entries `left`; an entry served leaves
/// with its `assigned` entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeftReason {
    /// The member left.
    Left,
    /// Past its cutoff.
    Lapsed,
    /// The member grabbed a ticket themselves.
    GotTicket,
    /// The member reached the cap of the sale's program elsewhere.
    ProgramCap,
}

impl LeftReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Left => "left",
            Self::Lapsed => "lapsed",
            Self::GotTicket => "got_ticket",
            Self::ProgramCap => "program_cap",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "left" => Self::Left,
            "lapsed" => Self::Lapsed,
            "got_ticket" => Self::GotTicket,
            "program_cap" => Self::ProgramCap,
            _ => return None,
        })
    }
}

impl WaitEntry {
    /// The place as a fixed-width key: the list's index sorts by it.
    pub fn order_key(&self) -> String {
        format!("{:016}", self.order)
    }

    /// The record both stores keep (`lua/lib.lua`):
    /// `order|seats|cutoff|pools|card|channel|joined|code[|parts]`.
    pub fn to_record(&self) -> String {
        let pools: Vec<&str> = self.choices.iter().map(PoolId::as_str).collect();
        let parts = match &self.parts[..] {
            [] => String::new(),
            parts => format!("|{}", parts_text(parts)),
        };
        format!(
            "{}|{}|{}|{}|{}|{}|{}|{}{parts}",
            self.order_key(),
            self.seats,
            self.cutoff.0,
            pools.join(","),
            self.card.as_str(),
            self.channel.as_str(),
            self.joined_at.0,
            self.code,
        )
    }

    pub fn from_record(member: MemberKey, record: &str) -> Result<Self, Error> {
        let corrupt = || Error::Corrupt(format!("bad waiting entry {record:?}"));
        let f: Vec<&str> = record.split('|').collect();
        let (f, parts) = match f.len() {
            9 => (&f[..8], parse_parts(f[8])?),
            _ => (&f[..], Vec::new()),
        };
        let [order, seats, cutoff, pools, card, channel, joined, code] = f[..] else {
            return Err(corrupt());
        };
        let num = |s: &str| s.parse::<i64>().map_err(|_| corrupt());
        Ok(Self {
            member,
            order: order.parse().map_err(|_| corrupt())?,
            choices: pools
                .split(',')
                .map(|p| PoolId::parse(p).map_err(|_| corrupt()))
                .collect::<Result<_, _>>()?,
            seats: parse_seats(seats).ok_or_else(corrupt)?,
            cutoff: Millis(num(cutoff)?),
            card: MaskedCard::from_stored(card).map_err(|_| corrupt())?,
            channel: Channel::parse(channel).ok_or_else(corrupt)?,
            joined_at: Millis(num(joined)?),
            code: Code::parse(code).map_err(|_| corrupt())?,
            parts,
        })
    }

    /// The entry's members of the list's index (`lua/lib.lua` KEYS, waitq):
    /// one for the queue, one per ranked pool, one per kept part its
    /// member may take from.
    pub fn index(&self) -> Vec<String> {
        let (order, member) = (self.order_key(), self.member.as_str());
        let mut out = vec![format!("q|{order}|{member}")];
        for pool in &self.choices {
            out.push(format!("p|{pool}|{}|{order}|{member}", self.seats));
        }
        for (pool, n) in &self.parts {
            out.push(format!("k|{pool}#{n}|{}|{order}|{member}", self.seats));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_records_round_trip() {
        let member = MemberKey::from_stored(&"ab".repeat(16)).unwrap();
        let e = WaitEntry {
            member: member.clone(),
            order: 42,
            choices: vec![PoolId::parse("s1").unwrap(), PoolId::parse("s2").unwrap()],
            seats: 2,
            cutoff: Millis(1_700_000_900_000),
            card: MaskedCard::from_stored("6217 **** **** 1234").unwrap(),
            channel: Channel::App,
            joined_at: Millis(1_700_000_000_000),
            code: Code::random(),
            parts: Vec::new(),
        };
        let kept = WaitEntry {
            parts: vec![
                (PoolId::parse("s1").unwrap(), 2),
                (PoolId::parse("s2").unwrap(), 1),
            ],
            ..e.clone()
        };
        assert!(kept.to_record().ends_with("|s1#2,s2#1"));
        assert_eq!(
            WaitEntry::from_record(member.clone(), &kept.to_record()).unwrap(),
            kept
        );
        assert_eq!(kept.index().len(), 5);
        assert!(e.to_record().starts_with("0000000000000042|2|"));
        assert_eq!(
            WaitEntry::from_record(member.clone(), &e.to_record()).unwrap(),
            e
        );
        assert!(WaitEntry::from_record(member, "1|2|3").is_err());
        assert_eq!(e.index().len(), 3);
    }
}
