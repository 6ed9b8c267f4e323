//! `ticketgrab verify-draw`: holds a published export to the rules and, in
//! v2, to the closing published before the public value existed. Each
//! failure is said in words; a forger who re-ran the rules on edited inputs
//! is caught by the entries' rules (one per member, seats in range, pools
//! of the sale) or by the closing digest its holder kept.

use std::collections::HashMap;

use super::close::Closing;
use super::draw::{self, ALGORITHM, ALGORITHM_V1, ALGORITHM_V3, Entry, Hash};
use super::export::{Export, ExportEntry};
use crate::domain::{MAX_SEATS, MemberKey, PoolId};

/// A verified export: whether it was held to a closing digest kept from the
/// close (else the caller should say that only the holder of one can be
/// sure the entries and stock are the ones fixed then).
#[derive(Debug, PartialEq, Eq)]
pub struct Verified {
    pub held_to_closing: bool,
}

fn hash(what: &str, hex_text: &str) -> Result<Hash, String> {
    let bytes = hex::decode(hex_text).map_err(|_| format!("{what} is not hex"))?;
    bytes
        .try_into()
        .map_err(|_| format!("{what} is not 32 bytes"))
}

/// Checks `export`; `kept` is the closing digest (hex) as published when
/// registration closed, if the caller kept it. `Ok` when everything
/// published is what the rules give; else every difference found.
pub fn verify(export: &Export, kept: Option<&str>) -> Result<Verified, Vec<String>> {
    // v3 is v2 with tiers: each entry's tickets in the program at the close.
    let (v2, tiered) = match export.algorithm.as_str() {
        ALGORITHM => (true, false),
        ALGORITHM_V3 => (true, true),
        ALGORITHM_V1 => (false, false),
        other => {
            return Err(vec![format!(
                "algorithm {other:?}: this verifier knows {ALGORITHM_V3}, {ALGORITHM} and {ALGORITHM_V1}"
            )]);
        }
    };
    let mut wrong = Vec::new();
    let seed = hash("seed", &export.seed).map_err(|e| vec![e])?;
    if hex::encode(draw::commitment(&seed)) != export.seed_commitment {
        wrong.push("the seed does not match the commitment published before the window".into());
    }
    let stock = stock(export, &mut wrong);
    let max_seats = match (&export.closing, v2) {
        (Some(c), true) => c.max_seats.min(MAX_SEATS),
        (None, true) => {
            wrong.push("a v2 export without the closing published at the close".into());
            MAX_SEATS
        }
        (_, false) => MAX_SEATS,
    };
    let entries = entries(export, &stock, max_seats, &mut wrong);
    if entries.iter().any(|e| e.earlier.is_some() != tiered) {
        wrong.push(if tiered {
            format!("a {ALGORITHM_V3} export has an entry without its earlier tickets")
        } else {
            format!("entries carry earlier tickets, which only {ALGORITHM_V3} draws by")
        });
    }
    if !wrong.is_empty() {
        return Err(wrong);
    }
    let again = if v2 {
        let closing = Closing::new(&export.event, &entries, max_seats, &stock);
        hold_to_closing(export, &closing, kept, &mut wrong);
        Export::new(
            &export.event,
            &seed,
            (&export.public_source, &export.public_value),
            max_seats,
            &stock,
            &entries,
        )
    } else {
        if kept.is_some() {
            wrong.push(format!(
                "a {ALGORITHM_V1} draw published no closing to hold it to"
            ));
        }
        Export::new_v1(
            &export.event,
            &seed,
            (&export.public_source, &export.public_value),
            &stock,
            &entries,
        )
    };
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
    if wrong.is_empty() {
        Ok(Verified {
            held_to_closing: kept.is_some(),
        })
    } else {
        Err(wrong)
    }
}

/// The pools' stock, each pool once and never negative.
fn stock(export: &Export, wrong: &mut Vec<String>) -> Vec<(PoolId, i64)> {
    let mut out: Vec<(PoolId, i64)> = Vec::new();
    for s in &export.stock {
        match PoolId::parse(&s.pool) {
            Ok(p) if out.iter().any(|(q, _)| *q == p) => {
                wrong.push(format!("pool {p} is listed twice in the stock"));
            }
            Ok(_) if s.seats < 0 => {
                wrong.push(format!("pool {} has {} seats", s.pool, s.seats));
            }
            Ok(p) => out.push((p, s.seats)),
            Err(_) => wrong.push(format!("pool {:?} is malformed", s.pool)),
        }
    }
    out
}

/// The entries as the rules allow them: one per member, 1 to `max_seats`
/// seats, choices among the sale's pools, each once.
fn entries(
    export: &Export,
    stock: &[(PoolId, i64)],
    max_seats: u8,
    wrong: &mut Vec<String>,
) -> Vec<Entry> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut out = Vec::with_capacity(export.entries.len());
    for e in &export.entries {
        *seen.entry(e.member.as_str()).or_default() += 1;
        let member = MemberKey::from_stored(&e.member);
        let choices: Result<Vec<PoolId>, _> = e.choices.iter().map(|c| PoolId::parse(c)).collect();
        let (Ok(member), Ok(choices)) = (member, choices) else {
            wrong.push(format!("entry {:?} is malformed", e.member));
            continue;
        };
        if !(1..=max_seats).contains(&e.seats) {
            wrong.push(format!(
                "entry {} asks for {} seats: an entry asks for 1 to {max_seats}",
                e.member, e.seats
            ));
        }
        if choices.is_empty() {
            wrong.push(format!("entry {} chose no pool", e.member));
        }
        for (i, c) in choices.iter().enumerate() {
            if !stock.iter().any(|(p, _)| p == c) {
                wrong.push(format!(
                    "entry {} chose {c}, not a pool of the sale",
                    e.member
                ));
            }
            if choices[..i].contains(c) {
                wrong.push(format!("entry {} chose {c} twice", e.member));
            }
        }
        out.push(Entry {
            member,
            choices,
            seats: e.seats,
            earlier: e.earlier,
        });
    }
    let mut twice: Vec<(&str, usize)> = seen.into_iter().filter(|(_, n)| *n > 1).collect();
    twice.sort();
    for (member, n) in twice {
        wrong.push(format!(
            "member {member} has {n} entries: the rules give a member one"
        ));
    }
    out
}

/// The export's entries and stock against its closing, and the closing
/// against the digest kept from the close.
fn hold_to_closing(export: &Export, again: &Closing, kept: Option<&str>, wrong: &mut Vec<String>) {
    let Some(published) = &export.closing else {
        return;
    };
    let again = again.published();
    if again.entries != published.entries {
        wrong.push(format!(
            "the export has {} entries; the closing published {}",
            again.entries, published.entries
        ));
    }
    if again.entries_digest != published.entries_digest {
        wrong.push("the entries are not the ones whose digest was published at the close".into());
    }
    for (now, then) in again.stock.iter().zip(&published.stock) {
        if now != then {
            wrong.push(format!(
                "pool {} gives {} seats; the closing published {} {}",
                now.pool, now.seats, then.pool, then.seats
            ));
        }
    }
    if again.stock.len() != published.stock.len() {
        wrong.push("the export's pools are not the ones the closing published".into());
    }
    if again.digest != published.digest {
        wrong.push("the closing's digest is not the digest of its lines".into());
    }
    if let Some(kept) = kept
        && !kept.trim().eq_ignore_ascii_case(&published.digest)
    {
        wrong.push(format!(
            "the closing digest kept from the close is {}, the export's is {}: the entries or the stock were changed after the close",
            kept.trim(),
            published.digest
        ));
    }
}

fn outcome(e: &ExportEntry) -> String {
    match (&e.won, e.waiting) {
        (Some(p), _) => format!("won {p}"),
        (None, Some(n)) => format!("waiting {n}"),
        (None, None) => "nothing".into(),
    }
}
