//! The audit of the waiting list.

use std::collections::HashSet;

use crate::domain::{MemberKey, SaleStatus};
use crate::store::Snapshot;

pub(super) fn check(snap: &Snapshot) -> Vec<String> {
    let mut violations = Vec::new();
    // The index is exactly the entries' own members.
    let mut index: Vec<String> = snap.waiting.iter().flat_map(|w| w.index()).collect();
    index.sort();
    index.dedup();
    if index != snap.waiting_index {
        violations.push(format!(
            "the waiting list's index has {} members, its {} entries give {}",
            snap.waiting_index.len(),
            snap.waiting.len(),
            index.len()
        ));
    }
    // Holding and waiting exclude each other.
    let holders: HashSet<&MemberKey> = snap
        .reservations
        .iter()
        .filter(|r| r.status.is_live())
        .map(|r| &r.member)
        .collect();
    for w in snap.waiting.iter().filter(|w| holders.contains(&w.member)) {
        violations.push(format!(
            "member {} holds a ticket and waits",
            w.member.as_str()
        ));
    }
    // Seats that came back went to the list first: no entry still in force
    // waits for seats a pool it ranks has free to anyone (on a sale staff closed,
    // nothing is served any more; while a lottery's draw is written, seats
    // given back wait for its end).
    let drawing = snap.view.draw.draw_id.is_some() && snap.view.draw.drawn_at.is_none();
    if snap.view.status != SaleStatus::Closed && !drawing {
        let now = snap.view.server_time;
        for w in snap.waiting.iter().filter(|w| now < w.cutoff) {
            let free = w.choices.iter().find(|c| {
                snap.view
                    .pools
                    .iter()
                    .any(|p| &p.id == *c && p.public() >= i64::from(w.seats))
            });
            if let Some(pool) = free {
                violations.push(format!(
                    "waiting entry {} wants {} seats and pool {pool} has them",
                    w.order, w.seats
                ));
            }
            // Nor for seats a kept part it may take from has.
            let kept = w.parts.iter().find(|(pool, n)| {
                snap.view.pools.iter().any(|p| {
                    &p.id == pool
                        && p.kept
                            .iter()
                            .any(|k| k.part == *n && !k.released && k.left >= i64::from(w.seats))
                })
            });
            if let Some((pool, n)) = kept {
                violations.push(format!(
                    "waiting entry {} wants {} seats and {pool} part {n} has them",
                    w.order, w.seats
                ));
            }
        }
    }
    violations
}
