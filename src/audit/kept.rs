//! The audit of kept parts (shares, allotments; docs/design/shares.md):
//! replayed from the log, each part keeps what it was given at creation,
//! less what was taken from it, plus what came back before its release; it
//! is never below zero, is released once with what it had left, and is
//! never taken from after; together they keep no more than the pool's
//! unsold seats.

use std::collections::HashMap;

use crate::domain::{Code, PartLeft, PoolId};
use crate::store::{LogOp, Snapshot};

pub(super) fn check(snap: &Snapshot) -> Vec<String> {
    let mut violations = Vec::new();
    let mut parts: HashMap<(&PoolId, u8), PartLeft> = HashMap::new();
    for pool in &snap.view.event.pools {
        for p in PartLeft::at_creation(&pool.kept) {
            parts.insert((&pool.id, p.part), p);
        }
    }
    // code -> (pool, part) of each ticket made from a part
    let mut from: HashMap<&Code, (&PoolId, u8)> = HashMap::new();
    for entry in &snap.log {
        let (key, seats) = match &entry.op {
            LogOp::Reserved(t)
            | LogOp::Assigned { ticket: t, .. }
            | LogOp::Won { ticket: t, .. } => {
                let Some(n) = t.part else { continue };
                from.insert(&t.code, (&t.pool, n));
                ((&t.pool, n), -i64::from(t.seats))
            }
            LogOp::Cancelled { code, seats, .. }
            | LogOp::Expired { code, seats, .. }
            | LogOp::NoShow { code, seats, .. } => match from.get(code).copied() {
                Some(key) => (key, i64::from(*seats)),
                None => continue,
            },
            // A late payment takes the public's seats.
            LogOp::Paid {
                code, late: true, ..
            } => {
                from.remove(code);
                continue;
            }
            LogOp::Released { pool, part, seats } => {
                match parts.get_mut(&(pool, *part)) {
                    None => {
                        violations.push(format!("log releases {pool} part {part}, which is not"))
                    }
                    Some(p) if p.released => {
                        violations.push(format!("log releases {pool} part {part} twice"))
                    }
                    Some(p) => {
                        if p.left != *seats {
                            violations.push(format!(
                                "log releases {seats} seats of {pool} part {part}, which had {}",
                                p.left
                            ));
                        }
                        p.released = true;
                        p.left = 0;
                    }
                }
                continue;
            }
            LogOp::Moved {
                pool,
                from,
                to,
                seats,
            } => {
                for (n, delta) in [(*from, -*seats), (*to, *seats)] {
                    if n == 0 {
                        continue;
                    }
                    match parts.get_mut(&(pool, n)) {
                        None => violations
                            .push(format!("log moves seats of {pool} part {n}, which is not")),
                        Some(p) if p.released => violations.push(format!(
                            "log moves seats of {pool} part {n} after its release"
                        )),
                        Some(p) => {
                            p.left += delta;
                            if p.left < 0 {
                                violations.push(format!("log moves {pool} part {n} below zero"));
                            }
                        }
                    }
                }
                continue;
            }
            _ => continue,
        };
        let Some(p) = parts.get_mut(&key) else {
            violations.push(format!("log uses {} part {}, which is not", key.0, key.1));
            continue;
        };
        if p.released {
            // Given back after the release: the public's (nothing to count);
            // taken after it: a seat given outside its part's time.
            if seats < 0 {
                violations.push(format!(
                    "log takes from {} part {} after its release",
                    key.0, key.1
                ));
            }
            continue;
        }
        p.left += seats;
        if p.left < 0 {
            violations.push(format!("log takes {} part {} below zero", key.0, key.1));
        }
    }
    for pool in &snap.view.pools {
        let kept: i64 = pool
            .kept
            .iter()
            .filter(|k| !k.released)
            .map(|k| k.left)
            .sum();
        if kept > pool.remaining {
            violations.push(format!(
                "pool {}: its parts keep {kept} seats, it has {} unsold",
                pool.id, pool.remaining
            ));
        }
        for k in &pool.kept {
            match parts.get(&(&pool.id, k.part)) {
                Some(p) if p == k => {}
                Some(p) => violations.push(format!(
                    "pool {} part {}: the log gives {} left (released {}), the store holds {} (released {})",
                    pool.id, k.part, p.left, p.released, k.left, k.released
                )),
                None => violations.push(format!("pool {} has a part {} it was not given", pool.id, k.part)),
            }
        }
        let defined = parts.keys().filter(|(p, _)| *p == &pool.id).count();
        if defined != pool.kept.len() {
            violations.push(format!(
                "pool {}: {defined} parts defined, the store holds {}",
                pool.id,
                pool.kept.len()
            ));
        }
    }
    for r in &snap.reservations {
        let logged = from.get(&r.code).map(|(_, n)| *n);
        if logged != r.part {
            violations.push(format!(
                "reservation {}: the log gives part {logged:?}, the store {:?}",
                r.code, r.part
            ));
        }
    }
    violations
}
