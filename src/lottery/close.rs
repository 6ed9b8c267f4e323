//! The closing of a lottery's registration (`ticketgrab-draw-v2`): what the
//! service publishes once no entry can change and before the public value
//! exists, so that anyone who keeps it can hold the draw's export to it.
//!
//! Its digest is SHA-256 of these lines, each ending in `\n`:
//! `ticketgrab-close-v2`, `event\t<id>`, `entries\t<count>`,
//! `entries_digest\t<hex>`, `max_seats\t<n>`, then one `pool\t<id>\t<seats>`
//! per pool in the sale's order. The draw seed hashes it (draw.rs), so the
//! draw is a function of the closing, the seed and the public value only.
//! A `fewer_wins_first` program's lottery closes by v3: `ticketgrab-close-v3`
//! first, its entries' digest over their tiers (each member's tickets in the
//! program at the close), and the line `order\tfewer_wins_first` last.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::draw::{self, Draw, Entry, Hash, entries_digest};
use crate::domain::PoolId;

/// What was fixed at the close of registration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closing {
    pub event: String,
    pub entries: u64,
    pub entries_digest: Hash,
    /// Seats an entry may ask for, 1 to this.
    pub max_seats: u8,
    /// Each pool's seats to give, in the sale's order.
    pub stock: Vec<(PoolId, i64)>,
    /// v3: the entries carry their tiers (`earlier`) and are drawn fewest
    /// first (`fewer_wins_first`).
    pub tiered: bool,
}

impl Closing {
    pub fn new(event: &str, entries: &[Entry], max_seats: u8, stock: &[(PoolId, i64)]) -> Self {
        Self {
            event: event.to_owned(),
            entries: entries.len() as u64,
            entries_digest: entries_digest(entries),
            max_seats,
            stock: stock.to_vec(),
            tiered: entries.iter().any(|e| e.earlier.is_some()),
        }
    }

    /// The draw by the v2 rules: entries ranked under SHA-256(seed ‖ len ‖
    /// public value ‖ this closing's digest), then each given the first of
    /// its choices its seats fit in this closing's stock (draw.rs).
    /// Entries with the same member more than once are the caller's error.
    pub fn draw(&self, entries: &[Entry], seed: &Hash, public_value: &str) -> Draw {
        let seed = draw::draw_seed(seed, public_value, &self.digest());
        draw::ranked(entries, &self.stock, self.entries_digest, seed)
    }

    pub fn digest(&self) -> Hash {
        let mut h = Sha256::new();
        let version = if self.tiered { 3 } else { 2 };
        h.update(format!(
            "ticketgrab-close-v{version}\nevent\t{}\nentries\t{}\nentries_digest\t{}\nmax_seats\t{}\n",
            self.event,
            self.entries,
            hex::encode(self.entries_digest),
            self.max_seats
        ));
        for (pool, seats) in &self.stock {
            h.update(format!("pool\t{pool}\t{seats}\n"));
        }
        if self.tiered {
            h.update("order\tfewer_wins_first\n");
        }
        h.finalize().into()
    }

    /// As published (in the lottery's page and in the export).
    pub fn published(&self) -> Published {
        Published {
            entries: self.entries,
            entries_digest: hex::encode(self.entries_digest),
            max_seats: self.max_seats,
            stock: self
                .stock
                .iter()
                .map(|(p, n)| PoolStock {
                    pool: p.to_string(),
                    seats: *n,
                })
                .collect(),
            digest: hex::encode(self.digest()),
            order: self.tiered.then(|| "fewer_wins_first".to_owned()),
        }
    }
}

/// A pool's seats to give, as published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolStock {
    pub pool: String,
    pub seats: i64,
}

/// The closing as published: keep `digest` when registration closes, and
/// give it to `ticketgrab verify-draw --closing` after the draw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Published {
    /// How many entries the draw is of.
    pub entries: u64,
    /// Hex: SHA-256 of the entries sorted by member key (draw.rs).
    pub entries_digest: String,
    pub max_seats: u8,
    /// Each pool's seats to give.
    #[schema(value_type = Vec<Object>)]
    pub stock: Vec<PoolStock>,
    /// Hex: SHA-256 of the closing's lines (close.rs): the one value to keep.
    pub digest: String,
    /// `fewer_wins_first` (v3): entries drawn by fewest tickets in the
    /// program at the close, then by rank; absent in v2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_follows_the_published_lines() {
        let pool = |p: &str| PoolId::parse(p).unwrap();
        let c = Closing {
            event: "theatre".into(),
            entries: 2,
            entries_digest: [3u8; 32],
            max_seats: 2,
            stock: vec![(pool("s1"), 5), (pool("s2"), 7)],
            tiered: false,
        };
        let text = format!(
            "ticketgrab-close-v2\nevent\ttheatre\nentries\t2\nentries_digest\t{}\nmax_seats\t2\npool\ts1\t5\npool\ts2\t7\n",
            hex::encode([3u8; 32])
        );
        assert_eq!(c.digest(), <Hash>::from(Sha256::digest(text.as_bytes())));
        let mut more = c.clone();
        more.stock[0].1 += 50;
        assert_ne!(more.digest(), c.digest());
        let tiered = Closing { tiered: true, ..c };
        let text = format!(
            "ticketgrab-close-v3\nevent\ttheatre\nentries\t2\nentries_digest\t{}\nmax_seats\t2\npool\ts1\t5\npool\ts2\t7\norder\tfewer_wins_first\n",
            hex::encode([3u8; 32])
        );
        assert_eq!(
            tiered.digest(),
            <Hash>::from(Sha256::digest(text.as_bytes()))
        );
    }
}
