//! The draw of a lottery sale (抽签), as a pure function anyone can re-run:
//! from the secret seed (published after the draw, its SHA-256 before the
//! window opened), a public random value that did not exist when the window
//! closed, and the entries, it gives every entry a rank and a result.
//!
//! `ticketgrab-draw-v2` (`Closing::draw`, close.rs):
//! - `entries_digest` = SHA-256 of the entries sorted by member key, each as
//!   the line `<member key>\t<choice>,<choice>...\t<seats>\n`;
//! - at the close of registration the service publishes the closing
//!   (close.rs): the entries' count and digest, each pool's stock and the
//!   seats an entry may ask for, and its digest `closing_digest`;
//! - `draw_seed` = SHA-256(seed ‖ u32 big-endian length of the public value ‖
//!   the public value's UTF-8 bytes ‖ closing_digest);
//! - an entry's rank key = HMAC-SHA256(draw_seed, member key), and entries are
//!   drawn in ascending rank key order (a tie, never seen at 256 bits, by
//!   member key);
//! - in that order each entry gets the first of its choices with its seats
//!   still free; the others go to the waiting list, in that order.
//!
//! `ticketgrab-draw-v3`, a lottery of a program whose draws favour those who
//! have not won (`fewer_wins_first`): as v2, but each entry carries
//! `earlier`, the member's tickets in the program's sales at the close of
//! registration (close.rs: published with the closing), its digest line is
//! `<member key>\t<choices>\t<seats>\t<earlier>\n`, and entries are drawn
//! by fewest `earlier` first, then by rank key: within a tier the HMAC rank
//! decides as in v2.
//!
//! `ticketgrab-draw-v1` (`draw_v1`, for exports made before v2) is the same
//! but for the draw seed, which hashes `entries_digest` where v2 hashes the
//! closing's digest: nothing bound the stock, and nothing was published
//! between the close and the draw to hold the entries to.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::domain::{MemberKey, PoolId};

/// The name and version of the rules above, published with every draw.
pub const ALGORITHM: &str = "ticketgrab-draw-v2";
/// The rules of draws made before v2; their exports still verify.
pub const ALGORITHM_V1: &str = "ticketgrab-draw-v1";
/// The rules of a `fewer_wins_first` program's draws.
pub const ALGORITHM_V3: &str = "ticketgrab-draw-v3";

pub type Hash = [u8; 32];

/// One member's entry: ranked pools and seats, all from one pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub member: MemberKey,
    pub choices: Vec<PoolId>,
    pub seats: u8,
    /// v3: the member's tickets in the program at the close (their tier).
    pub earlier: Option<u32>,
}

impl From<&crate::domain::LotteryEntry> for Entry {
    /// The draw's view of a stored entry: who, which pools, how many seats.
    fn from(e: &crate::domain::LotteryEntry) -> Self {
        Self {
            member: e.member.clone(),
            choices: e.choices.clone(),
            seats: e.seats,
            earlier: None,
        }
    }
}

/// What the draw gave one entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Result {
    Won(PoolId),
    /// On the waiting list at this place (1 is next).
    Waiting(u32),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drawn {
    pub member: MemberKey,
    /// 1 for the first drawn.
    pub rank: u32,
    pub result: Result,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draw {
    pub entries_digest: Hash,
    pub draw_seed: Hash,
    /// Every entry, in rank order.
    pub drawn: Vec<Drawn>,
}

/// What is published before the window opens: SHA-256 of the seed (the
/// domain's rule, `domain::seed_commitment`).
pub fn commitment(seed: &Hash) -> Hash {
    crate::domain::seed_commitment(seed)
}

/// The digest of the entries, whatever order they come in.
pub fn entries_digest(entries: &[Entry]) -> Hash {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.member.cmp(&b.member));
    let mut h = Sha256::new();
    for e in sorted {
        let choices: Vec<&str> = e.choices.iter().map(PoolId::as_str).collect();
        let earlier = e.earlier.map(|n| format!("\t{n}")).unwrap_or_default();
        h.update(format!(
            "{}\t{}\t{}{earlier}\n",
            e.member.as_str(),
            choices.join(","),
            e.seats
        ));
    }
    h.finalize().into()
}

/// The draw seed: of the closing's digest in v2, of the entries' digest in v1.
pub fn draw_seed(seed: &Hash, public_value: &str, digest: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update(seed);
    h.update((public_value.len() as u32).to_be_bytes());
    h.update(public_value.as_bytes());
    h.update(digest);
    h.finalize().into()
}

pub fn rank_key(draw_seed: &Hash, member: &MemberKey) -> Hash {
    let mut mac = Hmac::<Sha256>::new_from_slice(draw_seed).expect("HMAC takes any key");
    mac.update(member.as_str().as_bytes());
    mac.finalize().into_bytes().into()
}

/// The draw by the v1 rules.
pub fn draw_v1(
    entries: &[Entry],
    stock: &[(PoolId, i64)],
    seed: &Hash,
    public_value: &str,
) -> Draw {
    let digest = entries_digest(entries);
    ranked(
        entries,
        stock,
        digest,
        draw_seed(seed, public_value, &digest),
    )
}

/// Ranks the entries by their rank keys under `draw_seed` and walks them.
pub(super) fn ranked(
    entries: &[Entry],
    stock: &[(PoolId, i64)],
    entries_digest: Hash,
    draw_seed: Hash,
) -> Draw {
    // v3: fewest earlier tickets first; v1 and v2 have none (one tier).
    let mut order: Vec<((u32, Hash), &Entry)> = entries
        .iter()
        .map(|e| ((e.earlier.unwrap_or(0), rank_key(&draw_seed, &e.member)), e))
        .collect();
    order.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.member.cmp(&b.1.member)));
    let mut left: Vec<(PoolId, i64)> = stock.to_vec();
    let mut waiting = 0;
    let drawn = order
        .into_iter()
        .enumerate()
        .map(|(i, (_, e))| {
            let seats = i64::from(e.seats);
            let won = e.choices.iter().find_map(|c| {
                let pool = left.iter_mut().find(|(p, n)| p == c && *n >= seats)?;
                pool.1 -= seats;
                Some(c.clone())
            });
            let result = match won {
                Some(pool) => Result::Won(pool),
                None => {
                    waiting += 1;
                    Result::Waiting(waiting)
                }
            };
            Drawn {
                member: e.member.clone(),
                rank: i as u32 + 1,
                result,
            }
        })
        .collect();
    Draw {
        entries_digest,
        draw_seed,
        drawn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CardNumber, MemberKeyer, with_check_digit};

    fn member(n: u64) -> MemberKey {
        let card = CardNumber::parse(&with_check_digit(&format!("621700000000{n:06}"))).unwrap();
        MemberKeyer::new(b"draw tests").key(&card)
    }

    fn pool(p: &str) -> PoolId {
        PoolId::parse(p).unwrap()
    }

    /// The walk of the draw under this seed and public value (v1's seed:
    /// what these tests hold is the ranking and the walk, the same in v2).
    fn draw(entries: &[Entry], stock: &[(PoolId, i64)], seed: &Hash, public_value: &str) -> Draw {
        draw_v1(entries, stock, seed, public_value)
    }

    /// A small random crowd: ranked choices over three shows, 1–2 seats.
    fn crowd(n: u64, salt: u64) -> Vec<Entry> {
        (0..n)
            .map(|i| {
                let r = (i * 2_654_435_761 + salt) % 97;
                let mut choices = vec![pool(["a", "b", "c"][(r % 3) as usize])];
                if r.is_multiple_of(2) {
                    choices.push(pool(["b", "c", "a"][(r % 3) as usize]));
                }
                Entry {
                    member: member(i),
                    choices,
                    seats: 1 + (r % 2) as u8,
                    earlier: None,
                }
            })
            .collect()
    }

    fn stock() -> Vec<(PoolId, i64)> {
        vec![(pool("a"), 10), (pool("b"), 7), (pool("c"), 5)]
    }

    #[test]
    fn the_draw_is_a_function_of_seed_public_value_and_entries_not_their_order() {
        let seed = [7u8; 32];
        let entries = crowd(60, 1);
        let first = draw(&entries, &stock(), &seed, "drand round 1000");
        let mut shuffled = entries.clone();
        shuffled.reverse();
        shuffled.swap(3, 40);
        assert_eq!(draw(&shuffled, &stock(), &seed, "drand round 1000"), first);
        // Another seed or public value: another order.
        assert_ne!(
            draw(&entries, &stock(), &[8u8; 32], "drand round 1000").drawn,
            first.drawn
        );
        assert_ne!(
            draw(&entries, &stock(), &seed, "drand round 1001").drawn,
            first.drawn
        );
    }

    #[test]
    fn any_single_changed_entry_changes_the_digest() {
        let entries = crowd(30, 2);
        let digest = entries_digest(&entries);
        for i in 0..entries.len() {
            let mut changed = entries.clone();
            changed[i].seats = 3 - changed[i].seats;
            assert_ne!(entries_digest(&changed), digest, "seats of {i}");
            let mut changed = entries.clone();
            changed[i].choices.reverse();
            if changed[i].choices != entries[i].choices {
                assert_ne!(entries_digest(&changed), digest, "choices of {i}");
            }
            let mut changed = entries.clone();
            changed[i].member = member(1_000 + i as u64);
            assert_ne!(entries_digest(&changed), digest, "member of {i}");
            let mut fewer = entries.clone();
            fewer.remove(i);
            assert_ne!(entries_digest(&fewer), digest, "without {i}");
        }
    }

    #[test]
    fn every_entry_is_ranked_once_and_no_seat_is_given_twice() {
        for salt in 0..20 {
            let entries = crowd(40, salt);
            let d = draw(&entries, &stock(), &[salt as u8; 32], "public");
            let ranks: Vec<u32> = d.drawn.iter().map(|x| x.rank).collect();
            assert_eq!(ranks, (1..=40).collect::<Vec<_>>());
            let seats = |m: &MemberKey| entries.iter().find(|e| &e.member == m).unwrap();
            for (p, total) in stock() {
                let given: i64 = d
                    .drawn
                    .iter()
                    .filter(|x| x.result == Result::Won(p.clone()))
                    .map(|x| i64::from(seats(&x.member).seats))
                    .sum();
                assert!(given <= total, "pool {p}: {given} of {total}");
            }
            // The waiting list is the losers in rank order, numbered from 1.
            let waiting: Vec<u32> = d
                .drawn
                .iter()
                .filter_map(|x| match x.result {
                    Result::Waiting(n) => Some(n),
                    Result::Won(_) => None,
                })
                .collect();
            assert_eq!(waiting, (1..=waiting.len() as u32).collect::<Vec<_>>());
            // A loser found none of their choices with their seats free
            // when their turn came: checked by replaying the walk.
            let mut left = stock();
            for x in &d.drawn {
                let e = seats(&x.member);
                let fits = e.choices.iter().find(|c| {
                    left.iter()
                        .any(|(p, n)| p == *c && *n >= i64::from(e.seats))
                });
                match (&x.result, fits) {
                    (Result::Won(p), Some(c)) => {
                        assert_eq!(p, c);
                        left.iter_mut().find(|(q, _)| q == p).unwrap().1 -= i64::from(e.seats);
                    }
                    (Result::Waiting(_), None) => {}
                    other => panic!("{other:?}"),
                }
            }
        }
    }

    #[test]
    fn the_commitment_and_the_seeds_follow_the_published_formulas() {
        // SHA-256 of 32 zero bytes, a known value.
        assert_eq!(
            hex::encode(commitment(&[0u8; 32])),
            "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"
        );
        let digest = [1u8; 32];
        let mut by_hand = Sha256::new();
        by_hand.update([2u8; 32]);
        by_hand.update([0, 0, 0, 2]);
        by_hand.update(b"ab");
        by_hand.update(digest);
        assert_eq!(
            draw_seed(&[2u8; 32], "ab", &digest),
            <Hash>::from(by_hand.finalize())
        );
    }
}
