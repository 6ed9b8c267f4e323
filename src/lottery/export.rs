//! What a lottery publishes after its draw, and its check: the export holds
//! every input of the draw (the seed, its commitment, the public value, the
//! seats of each pool, every entry by member key — never a card number) and
//! the published result; [`verify`] re-runs the rules of `draw.rs` on the
//! inputs and compares. `ticketgrab verify-draw <export.json>` runs it.

use serde::{Deserialize, Serialize};

use super::draw::{self, ALGORITHM, Drawn, Entry, Hash};
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
    /// Hex: SHA-256(seed ‖ len ‖ public value ‖ entries digest).
    pub draw_seed: String,
    /// Seats each pool had to give.
    pub stock: Vec<PoolStock>,
    /// Every entry with its published rank and result, in rank order.
    pub entries: Vec<ExportEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolStock {
    pub pool: String,
    pub seats: i64,
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
}

impl Export {
    /// The export of a draw made by the rules.
    pub fn new(
        event: &str,
        seed: &Hash,
        public_source: &str,
        public_value: &str,
        stock: &[(PoolId, i64)],
        entries: &[Entry],
    ) -> Self {
        let d = draw::draw(entries, stock, seed, public_value);
        let by_member: std::collections::HashMap<&MemberKey, &Entry> =
            entries.iter().map(|e| (&e.member, e)).collect();
        Self {
            algorithm: ALGORITHM.into(),
            event: event.into(),
            seed: hex::encode(seed),
            seed_commitment: hex::encode(draw::commitment(seed)),
            public_source: public_source.into(),
            public_value: public_value.into(),
            entries_digest: hex::encode(d.entries_digest),
            draw_seed: hex::encode(d.draw_seed),
            stock: stock
                .iter()
                .map(|(p, n)| PoolStock {
                    pool: p.to_string(),
                    seats: *n,
                })
                .collect(),
            entries: d
                .drawn
                .iter()
                .map(|x| published(x, by_member[&x.member]))
                .collect(),
        }
    }
}

impl Export {
    /// The export of a draw as the store holds it: every entry with the
    /// rank and pool written for it (a loser's place counted in rank
    /// order). `verify` then says whether the stored result is the rules'.
    pub fn stored(
        event: &Event,
        draw: &DrawState,
        entries: &[LotteryEntry],
    ) -> Result<Self, Error> {
        let lottery = event.lottery.as_ref().ok_or(Error::NotLottery)?;
        let (Some(public_value), Some(digest), Some(draw_seed)) =
            (&draw.public_value, &draw.entries_digest, &draw.draw_seed)
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
            });
        }
        Ok(Self {
            algorithm: ALGORITHM.into(),
            event: event.id.to_string(),
            seed: hex::encode(lottery.seed),
            seed_commitment: hex::encode(lottery.commitment()),
            public_source: lottery.public_source.clone(),
            public_value: public_value.clone(),
            entries_digest: digest.clone(),
            draw_seed: draw_seed.clone(),
            stock: draw
                .stock
                .iter()
                .map(|(p, n)| PoolStock {
                    pool: p.to_string(),
                    seats: *n,
                })
                .collect(),
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
    }
}

fn hash(what: &str, hex_text: &str) -> Result<Hash, String> {
    let bytes = hex::decode(hex_text).map_err(|_| format!("{what} is not hex"))?;
    bytes
        .try_into()
        .map_err(|_| format!("{what} is not 32 bytes"))
}

/// Re-runs the draw from the export's inputs. `Ok(())` when everything
/// published is what the rules give; else every difference found, in words.
pub fn verify(export: &Export) -> Result<(), Vec<String>> {
    let mut wrong = Vec::new();
    if export.algorithm != ALGORITHM {
        return Err(vec![format!(
            "algorithm {:?}: this verifier knows {ALGORITHM}",
            export.algorithm
        )]);
    }
    let seed = match hash("seed", &export.seed) {
        Ok(s) => s,
        Err(e) => return Err(vec![e]),
    };
    if hex::encode(draw::commitment(&seed)) != export.seed_commitment {
        wrong.push("the seed does not match the commitment published before the window".into());
    }
    let mut entries = Vec::with_capacity(export.entries.len());
    for e in &export.entries {
        let member = MemberKey::from_stored(&e.member);
        let choices: Result<Vec<PoolId>, _> = e.choices.iter().map(|c| PoolId::parse(c)).collect();
        match (member, choices) {
            (Ok(member), Ok(choices)) => entries.push(Entry {
                member,
                choices,
                seats: e.seats,
            }),
            _ => wrong.push(format!("entry {:?} is malformed", e.member)),
        }
    }
    let mut stock = Vec::new();
    for s in &export.stock {
        match PoolId::parse(&s.pool) {
            Ok(p) => stock.push((p, s.seats)),
            Err(_) => wrong.push(format!("pool {:?} is malformed", s.pool)),
        }
    }
    if !wrong.is_empty() {
        return Err(wrong);
    }
    let again = Export::new(
        &export.event,
        &seed,
        &export.public_source,
        &export.public_value,
        &stock,
        &entries,
    );
    if again.entries_digest != export.entries_digest {
        wrong.push("the entries digest is not the digest of the entries".into());
    }
    if again.draw_seed != export.draw_seed {
        wrong.push("the draw seed is not the one the rules give".into());
    }
    let mut published: Vec<&ExportEntry> = export.entries.iter().collect();
    published.sort_by_key(|e| e.rank);
    for (want, got) in again.entries.iter().zip(published) {
        if want != got {
            wrong.push(format!(
                "rank {}: the rules give {} {}, published {} {}",
                want.rank,
                want.member,
                outcome(want),
                got.member,
                outcome(got)
            ));
        }
    }
    if wrong.is_empty() { Ok(()) } else { Err(wrong) }
}

fn outcome(e: &ExportEntry) -> String {
    match (&e.won, e.waiting) {
        (Some(p), _) => format!("won {p}"),
        (None, Some(n)) => format!("waiting {n}"),
        (None, None) => "nothing".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CardNumber, MemberKeyer, with_check_digit};

    fn export() -> Export {
        let keyer = MemberKeyer::new(b"export tests");
        let pool = |p: &str| PoolId::parse(p).unwrap();
        let entries: Vec<Entry> = (0..30u64)
            .map(|n| Entry {
                member: keyer.key(
                    &CardNumber::parse(&with_check_digit(&format!("621700000000{n:06}"))).unwrap(),
                ),
                choices: if n % 3 == 0 {
                    vec![pool("show-1"), pool("show-2")]
                } else {
                    vec![pool("show-2")]
                },
                seats: 1 + (n % 2) as u8,
            })
            .collect();
        Export::new(
            "theatre",
            &[9u8; 32],
            "drand round 5000000",
            "a1b2c3",
            &[(pool("show-1"), 6), (pool("show-2"), 8)],
            &entries,
        )
    }

    #[test]
    fn a_faithful_export_verifies_also_after_a_round_trip_through_json() {
        let e = export();
        assert_eq!(verify(&e), Ok(()));
        let back: Export = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(verify(&back), Ok(()));
        assert!(e.entries.iter().any(|x| x.won.is_some()));
        assert!(e.entries.iter().any(|x| x.waiting.is_some()));
    }

    #[test]
    fn any_tampering_is_found_and_named() {
        let check = |change: &dyn Fn(&mut Export), words: &str| {
            let mut e = export();
            change(&mut e);
            let found = verify(&e).unwrap_err();
            assert!(
                found.iter().any(|f| f.contains(words)),
                "{words}: {found:?}"
            );
        };
        check(&|e| e.seed = hex::encode([1u8; 32]), "commitment");
        check(&|e| e.public_value.push('0'), "draw seed");
        check(&|e| e.entries_digest = hex::encode([0u8; 32]), "digest");
        // A winner swapped for a loser, the ranks kept.
        check(
            &|e| {
                let loser = e.entries.iter().position(|x| x.waiting.is_some()).unwrap();
                let (a, b) = (e.entries[0].clone(), e.entries[loser].clone());
                e.entries[0].won = b.won.clone();
                e.entries[0].waiting = b.waiting;
                e.entries[loser].won = a.won;
                e.entries[loser].waiting = a.waiting;
            },
            "rank 1",
        );
        // An entry left out changes the digest, and so every rank.
        check(
            &|e| {
                e.entries.pop();
            },
            "draw seed",
        );
        check(&|e| e.algorithm = "v0".into(), "algorithm");
    }
}
