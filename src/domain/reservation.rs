//! Reservations and the one-line record form the stores keep them in.

use serde::Serialize;

use super::{Code, EventId, MaskedCard, MemberKey, Millis, PoolId};
use crate::domain::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Seats held for payment until `pay_by` (priced sales with a hold).
    Held,
    Active,
    Redeemed,
    Cancelled,
    /// A hold that was not paid by its `pay_by`; its seats went back.
    Expired,
    /// Paid and not used when staff released the session's unused seats
    /// (`release-unredeemed`); its seats went back.
    NoShow,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Held => "held",
            Self::Active => "active",
            Self::Redeemed => "redeemed",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
            Self::NoShow => "no_show",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "held" => Self::Held,
            "active" => Self::Active,
            "redeemed" => Self::Redeemed,
            "cancelled" => Self::Cancelled,
            "expired" => Self::Expired,
            "no_show" => Self::NoShow,
            _ => return None,
        })
    }

    /// A live reservation holds seats: held for payment, active, or used.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Held | Self::Active | Self::Redeemed)
    }
}

/// Where a grab came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    App,
    Station,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::App => "app",
            Self::Station => "station",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "app" => Some(Self::App),
            "station" => Some(Self::Station),
            _ => None,
        }
    }
}

/// One member's ticket for one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reservation {
    pub event: EventId,
    pub code: Code,
    pub pool: PoolId,
    /// Seats it holds, all in `pool` (1 to the event's `max_seats`).
    pub seats: u8,
    pub status: Status,
    pub channel: Channel,
    /// Who holds it; never shown to clients.
    pub member: MemberKey,
    pub card: MaskedCard,
    pub created_at: Millis,
    pub redeemed_at: Option<Millis>,
    /// When it was cancelled, or (an expired hold) when it expired, or (a
    /// no-show) when its seats were released.
    pub cancelled_at: Option<Millis>,
    /// A held reservation's deadline for payment (kept once paid or expired).
    pub pay_by: Option<Millis>,
    /// The kept part of its pool its seats came from (a share or an
    /// allotment, numbered from 1 in the pool's `kept`); `None`: the public
    /// stock. Seats given back before that part's release return to it.
    pub part: Option<u8>,
}

impl Reservation {
    /// The record as both stores keep it, and as `lua/lib.lua` encodes it:
    /// `pool|status|channel|member|card|created|redeemed|cancelled|seats|pay_by[|part]`,
    /// times in ms, absent times empty; `part` only for seats from a kept part. None of the fields can contain `|`: pools
    /// and members are slugs and hex, cards are masked digits. Records written
    /// before family seats end at `cancelled` (one seat), those before payment
    /// holds at `seats`.
    pub fn to_record(&self) -> String {
        let opt = |t: Option<Millis>| t.map(|m| m.0.to_string()).unwrap_or_default();
        let record = format!(
            "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
            self.pool,
            self.status.as_str(),
            self.channel.as_str(),
            self.member.as_str(),
            self.card.as_str(),
            self.created_at.0,
            opt(self.redeemed_at),
            opt(self.cancelled_at),
            self.seats,
            opt(self.pay_by),
        );
        match self.part {
            Some(n) => format!("{record}|{n}"),
            None => record,
        }
    }

    /// Parses a record written by [`Reservation::to_record`] or a Lua script.
    pub fn from_record(event: &EventId, code: &str, record: &str) -> Result<Self, Error> {
        let corrupt = || Error::Corrupt(format!("bad reservation record for {code}: {record:?}"));
        let f: Vec<&str> = record.split('|').collect();
        let (fields, seats, pay_by) = match f.len() {
            8 => (&f[..], 1, ""),
            9 => (&f[..8], parse_seats(f[8]).ok_or_else(corrupt)?, ""),
            10 | 11 => (&f[..8], parse_seats(f[8]).ok_or_else(corrupt)?, f[9]),
            _ => return Err(corrupt()),
        };
        let part = match f.get(10) {
            None | Some(&"") => None,
            Some(n) => Some(parse_part(n).ok_or_else(corrupt)?),
        };
        let [
            pool,
            status,
            channel,
            member,
            card,
            created,
            redeemed,
            cancelled,
        ] = fields[..]
        else {
            return Err(corrupt());
        };
        let time = |s: &str| s.parse::<i64>().map(Millis).map_err(|_| corrupt());
        let opt_time = |s: &str| {
            if s.is_empty() {
                Ok(None)
            } else {
                time(s).map(Some)
            }
        };
        Ok(Self {
            event: event.clone(),
            code: Code::parse(code).map_err(|_| corrupt())?,
            pool: PoolId::parse(pool).map_err(|_| corrupt())?,
            seats,
            status: Status::parse(status).ok_or_else(corrupt)?,
            channel: Channel::parse(channel).ok_or_else(corrupt)?,
            member: MemberKey::from_stored(member)?,
            card: MaskedCard::from_stored(card).map_err(|_| corrupt())?,
            created_at: time(created)?,
            redeemed_at: opt_time(redeemed)?,
            cancelled_at: opt_time(cancelled)?,
            pay_by: opt_time(pay_by)?,
            part,
        })
    }
}

/// A stored part number: 1 to [`MAX_KEPT`](super::MAX_KEPT).
pub fn parse_part(s: &str) -> Option<u8> {
    s.parse::<u8>()
        .ok()
        .filter(|n| (1..=super::MAX_KEPT).contains(&usize::from(*n)))
}

/// A stored seat count: 1 to [`MAX_SEATS`](super::MAX_SEATS).
pub fn parse_seats(s: &str) -> Option<u8> {
    s.parse::<u8>()
        .ok()
        .filter(|n| (1..=super::MAX_SEATS).contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_round_trips() {
        let r = Reservation {
            event: EventId::parse("e").unwrap(),
            code: Code::random(),
            pool: PoolId::parse("p1").unwrap(),
            seats: 2,
            status: Status::Redeemed,
            channel: Channel::Station,
            member: MemberKey::from_stored(&"ab".repeat(16)).unwrap(),
            card: MaskedCard::from_stored("6217 **** **** 1234").unwrap(),
            created_at: Millis(1_700_000_000_123),
            redeemed_at: Some(Millis(1_700_000_001_000)),
            cancelled_at: None,
            pay_by: Some(Millis(1_700_000_900_000)),
            part: None,
        };
        let kept = Reservation {
            part: Some(3),
            ..r.clone()
        };
        let back = Reservation::from_record(&r.event, r.code.as_str(), &kept.to_record()).unwrap();
        assert_eq!(back, kept);
        for bad in ["0", "33", "x"] {
            let record = format!("{}|{bad}", r.to_record());
            assert!(Reservation::from_record(&r.event, r.code.as_str(), &record).is_err());
        }
        let back = Reservation::from_record(&r.event, r.code.as_str(), &r.to_record()).unwrap();
        assert_eq!(back, r);
        assert!(Reservation::from_record(&r.event, r.code.as_str(), "p1|active").is_err());
        // A record from before family seats holds one seat; a bad count is corrupt.
        let before_holds = r.to_record().rsplit_once('|').unwrap().0.to_string();
        let back = Reservation::from_record(&r.event, r.code.as_str(), &before_holds).unwrap();
        assert_eq!((back.seats, back.pay_by), (2, None));
        let old = before_holds.rsplit_once('|').unwrap().0.to_string();
        let back = Reservation::from_record(&r.event, r.code.as_str(), &old).unwrap();
        assert_eq!(back.seats, 1);
        for bad in ["0", "7", "x", "2|2|2|2"] {
            let record = format!("{old}|{bad}");
            assert!(Reservation::from_record(&r.event, r.code.as_str(), &record).is_err());
        }
    }
}
