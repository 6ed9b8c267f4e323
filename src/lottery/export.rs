//! What a lottery publishes after its draw, and its check: the export holds
//! every input of the draw (the seed, its commitment, the public value, the
//! closing published when registration closed, the seats of each pool,
//! every entry by member key — never a card number) and the published
//! result; [`verify`] checks the entries against the rules (one per member,
//! seats in range, pools of the sale), the inputs against the closing and
//! the closing against the digest its holder kept, re-runs the rules of
//! `draw.rs` and compares. `ticketgrab verify-draw <export.json> --closing
//! <digest>` runs it.

use serde::{Deserialize, Serialize};

pub use super::close::PoolStock;
use super::close::{Closing, Published};
use super::draw::{self, ALGORITHM, ALGORITHM_V1, ALGORITHM_V3, Drawn, Entry, Hash};
pub use super::verify::verify;
use crate::domain::Error;
use crate::domain::{DrawState, Event, LotteryEntry, MemberKey, PoolId};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Export {
    pub algorithm: String,
    pub event: String,
    /// Hex: the secret seed, published after the draw.
    pub seed: String,
    /// Hex: SHA-256 of the seed, published when the sale was created.
    pub seed_commitment: String,
    /// Named at creation, known only after the window closed ("drand round N").
    pub public_source: String,
    pub public_value: String,
    /// Hex: SHA-256 of the sorted entries.
    pub entries_digest: String,
    /// Hex: SHA-256(seed ‖ len ‖ public value ‖ closing digest) in v2 (the
    /// entries digest in v1).
    pub draw_seed: String,
    /// v2: what was published at the close of registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing: Option<Published>,
    /// Seats each pool had to give.
    pub stock: Vec<PoolStock>,
    /// Every entry with its published rank and result, in rank order.
    pub entries: Vec<ExportEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportEntry {
    pub member: String,
    pub choices: Vec<String>,
    pub seats: u8,
    pub rank: u32,
    /// The pool won, or none: then `waiting` is the place on the list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub won: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting: Option<u32>,
    /// v3: the member's tickets in the program at the close (the tier
    /// drawn by: fewest first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earlier: Option<u32>,
}

impl Export {
    /// The export of a draw made by the v2 rules, of a sale whose entries
    /// ask for 1 to `max_seats` seats.
    pub fn new(
        event: &str,
        seed: &Hash,
        (public_source, public_value): (&str, &str),
        max_seats: u8,
        stock: &[(PoolId, i64)],
        entries: &[Entry],
    ) -> Self {
        let closing = Closing::new(event, entries, max_seats, stock);
        let d = closing.draw(entries, seed, public_value);
        let mut out = Self::of(
            event,
            seed,
            (public_source, public_value),
            stock,
            entries,
            &d,
        );
        if closing.tiered {
            out.algorithm = ALGORITHM_V3.into();
        }
        out.closing = Some(closing.published());
        out
    }

    /// The export of a draw made by the v1 rules (before the closing was
    /// published).
    pub fn new_v1(
        event: &str,
        seed: &Hash,
        (public_source, public_value): (&str, &str),
        stock: &[(PoolId, i64)],
        entries: &[Entry],
    ) -> Self {
        let d = draw::draw_v1(entries, stock, seed, public_value);
        let mut out = Self::of(
            event,
            seed,
            (public_source, public_value),
            stock,
            entries,
            &d,
        );
        out.algorithm = ALGORITHM_V1.into();
        out
    }

    fn of(
        event: &str,
        seed: &Hash,
        (public_source, public_value): (&str, &str),
        stock: &[(PoolId, i64)],
        entries: &[Entry],
        d: &draw::Draw,
    ) -> Self {
        // The first of a member's entries, as the rules rank a member once.
        let mut by_member: std::collections::HashMap<&MemberKey, &Entry> = Default::default();
        for e in entries {
            by_member.entry(&e.member).or_insert(e);
        }
        Self {
            algorithm: ALGORITHM.into(),
            event: event.into(),
            seed: hex::encode(seed),
            seed_commitment: hex::encode(draw::commitment(seed)),
            public_source: public_source.into(),
            public_value: public_value.into(),
            entries_digest: hex::encode(d.entries_digest),
            draw_seed: hex::encode(d.draw_seed),
            closing: None,
            stock: pool_stock(stock),
            entries: d
                .drawn
                .iter()
                .map(|x| published(x, by_member[&x.member]))
                .collect(),
        }
    }
}

fn pool_stock(stock: &[(PoolId, i64)]) -> Vec<PoolStock> {
    stock
        .iter()
        .map(|(p, n)| PoolStock {
            pool: p.to_string(),
            seats: *n,
        })
        .collect()
}

impl Export {
    /// The export of a draw as the store holds it: every entry with the
    /// rank and pool written for it (a loser's place counted in rank
    /// order). `verify` then says whether the stored result is the rules'.
    /// `tiers`: each entrant's tickets in the program at the close, for a
    /// `fewer_wins_first` program's lottery (v3).
    pub fn stored(
        event: &Event,
        draw: &DrawState,
        entries: &[LotteryEntry],
        tiers: Option<&std::collections::HashMap<MemberKey, u32>>,
    ) -> Result<Self, Error> {
        let lottery = event.lottery.as_ref().ok_or(Error::NotLottery)?;
        // A race's fair window is drawn with no public value: the empty one.
        let none = String::new();
        let public_value = match &draw.public_value {
            None if lottery.is_fair() => Some(&none),
            value => value.as_ref(),
        };
        let (Some(public_value), Some(digest), Some(draw_seed)) =
            (public_value, &draw.entries_digest, &draw.draw_seed)
        else {
            return Err(Error::NotDrawn);
        };
        let mut ranked: Vec<&LotteryEntry> = entries.iter().collect();
        ranked.sort_by_key(|e| e.rank);
        let mut waiting = 0;
        let mut out = Vec::with_capacity(ranked.len());
        for e in ranked {
            let rank = e.rank.ok_or_else(|| {
                Error::Corrupt("a drawn lottery has an entry without a rank".into())
            })?;
            let place = e.won.is_none().then(|| {
                waiting += 1;
                waiting
            });
            out.push(ExportEntry {
                member: e.member.as_str().into(),
                choices: e.choices.iter().map(ToString::to_string).collect(),
                seats: e.seats,
                rank,
                won: e.won.as_ref().map(ToString::to_string),
                waiting: place,
                earlier: tiers.map(|t| t.get(&e.member).copied().unwrap_or(0)),
            });
        }
        // Which rules drew it: the stored draw seed is v2's, of the
        // closing, unless the draw was made before v2.
        let inputs: Vec<Entry> = entries
            .iter()
            .map(|e| Entry {
                earlier: tiers.map(|t| t.get(&e.member).copied().unwrap_or(0)),
                ..Entry::from(e)
            })
            .collect();
        let closing = Closing::new(event.id.as_str(), &inputs, event.max_seats, &draw.stock);
        let v2 = hex::encode(draw::draw_seed(
            &lottery.seed,
            public_value,
            &closing.digest(),
        ));
        let (algorithm, closing) = if &v2 == draw_seed {
            let algorithm = if closing.tiered {
                ALGORITHM_V3
            } else {
                ALGORITHM
            };
            (algorithm, Some(closing.published()))
        } else {
            (ALGORITHM_V1, None)
        };
        Ok(Self {
            algorithm: algorithm.into(),
            closing,
            event: event.id.to_string(),
            seed: hex::encode(lottery.seed),
            seed_commitment: hex::encode(lottery.commitment()),
            public_source: lottery.public_source.clone(),
            public_value: public_value.clone(),
            entries_digest: digest.clone(),
            draw_seed: draw_seed.clone(),
            stock: pool_stock(&draw.stock),
            entries: out,
        })
    }
}

fn published(x: &Drawn, e: &Entry) -> ExportEntry {
    let (won, waiting) = match &x.result {
        draw::Result::Won(p) => (Some(p.to_string()), None),
        draw::Result::Waiting(n) => (None, Some(*n)),
    };
    ExportEntry {
        member: x.member.as_str().into(),
        choices: e.choices.iter().map(ToString::to_string).collect(),
        seats: e.seats,
        rank: x.rank,
        won,
        waiting,
        earlier: e.earlier,
    }
}

#[cfg(test)]
#[path = "export_tests.rs"]
mod tests;
