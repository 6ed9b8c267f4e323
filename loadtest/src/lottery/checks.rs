//! The lottery rehearsal's checks, from what it found.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use ticketgrab::lottery::export::{Export, verify};

/// What the rehearsal found, to be judged.
pub(super) struct Found<'a> {
    pub members: u64,
    pub entries_accepted: u64,
    pub entry_errors: u64,
    pub export: &'a Export,
    pub created: &'a Value,
    pub published: &'a Value,
    pub audit: &'a Value,
    pub killed_after: Option<i64>,
    pub draw_seconds: f64,
    /// The closing digest read from the lottery's page after the close,
    /// before the public value was entered.
    pub closing_kept: Option<&'a str>,
}

pub(super) struct Judged {
    pub checks: Vec<(String, bool, String)>,
    pub won: u64,
    pub waiting: u64,
    pub seats_won: i64,
    pub seats: i64,
}

pub(super) fn judge(f: &Found<'_>) -> Judged {
    let Found {
        members,
        entries_accepted,
        entry_errors,
        export,
        created,
        published,
        audit,
        killed_after,
        draw_seconds,
        closing_kept,
    } = *f;
    let mut checks = Vec::new();
    let mut check =
        |name: &str, ok: bool, detail: String| checks.push((name.to_owned(), ok, detail));
    check(
        "every member entered",
        entries_accepted == members && entry_errors == 0,
        format!("{entries_accepted} of {} ({entry_errors} refused)", members),
    );
    let n = export.entries.len();
    let ranks: HashSet<u32> = export.entries.iter().map(|e| e.rank).collect();
    check(
        "every entry ranked once",
        n as u64 == entries_accepted
            && ranks.len() == n
            && ranks.iter().all(|r| (1..=n as u32).contains(r)),
        format!("{n} entries, {} distinct ranks", ranks.len()),
    );
    let stock: HashMap<&str, i64> = export
        .stock
        .iter()
        .map(|s| (s.pool.as_str(), s.seats))
        .collect();
    let mut given: HashMap<&str, i64> = HashMap::new();
    for e in &export.entries {
        if let Some(p) = &e.won {
            *given.entry(p.as_str()).or_default() += i64::from(e.seats);
        }
    }
    let over: Vec<String> = given
        .iter()
        .filter(|(p, n)| **n > stock.get(*p).copied().unwrap_or(0))
        .map(|(p, n)| format!("{p}: {n}"))
        .collect();
    check(
        "no seat given twice",
        over.is_empty(),
        if over.is_empty() {
            "every pool within its seats".into()
        } else {
            over.join(", ")
        },
    );
    let won = export.entries.iter().filter(|e| e.won.is_some()).count() as u64;
    let waiting = export
        .entries
        .iter()
        .filter(|e| e.waiting.is_some())
        .count() as u64;
    check(
        "winners + waiting == entries",
        won + waiting == n as u64,
        format!("{won} + {waiting} of {n}"),
    );
    let verified = verify(export, closing_kept);
    check(
        "verify-draw accepts the export",
        verified.is_ok(),
        match &verified {
            Ok(_) => {
                "the published result is the rules' result, held to the closing kept at the close"
                    .into()
            }
            Err(wrong) => wrong.iter().take(3).cloned().collect::<Vec<_>>().join("; "),
        },
    );
    check(
        "the commitment published at creation is the seed's",
        created["lottery"]["seed_commitment"] == published["seed_commitment"],
        "seed_commitment unchanged".into(),
    );
    check(
        "audit",
        audit["ok"] == true,
        if audit["ok"] == true {
            "ok".into()
        } else {
            audit["violations"].to_string()
        },
    );
    if let Some(k) = killed_after {
        check(
            "killed mid-draw, resumed with the rules' result",
            k > 0 && (k as usize) < n && verified.is_ok(),
            format!("killed after {k} of {n} results"),
        );
    }
    check(
        "drawn and written within 10 s",
        killed_after.is_some() || draw_seconds <= 10.0,
        format!("{draw_seconds:.2} s"),
    );
    Judged {
        checks,
        won,
        waiting,
        seats_won: given.values().sum(),
        seats: stock.values().sum(),
    }
}

/// The members (by index in the crowd of run `run`) the export says won:
/// the export names member keys, which the cards give under the service's
/// card secret.
pub(super) fn winners(export: &Export, card_secret: &[u8], run: u32, members: u64) -> Vec<usize> {
    let keyer = ticketgrab::domain::MemberKeyer::new(card_secret);
    let won: std::collections::HashSet<&str> = export
        .entries
        .iter()
        .filter(|e| e.won.is_some())
        .map(|e| e.member.as_str())
        .collect();
    (0..members)
        .filter(|i| won.contains(keyer.member(&crate::crowd::card_for(run, *i)).key.as_str()))
        .map(|i| i as usize)
        .collect()
}
