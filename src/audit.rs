//! The audit: checks an event's snapshot against the rules that must hold at
//! every moment. It runs on a [`Snapshot`], so both stores are audited by the
//! same code, and it reports every violation it finds rather than stopping at
//! the first: after a fault, staff need the whole picture.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::domain::{Code, MemberKey, Millis, PoolId, PoolStats, SaleStatus, Status};
use crate::store::{LogOp, Snapshot};

/// The audit's answer: `ok` when `violations` is empty. It is also the HTTP
/// answer of the audit routes, hence the schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditReport {
    pub ok: bool,
    pub pools: Vec<PoolAudit>,
    pub violations: Vec<String>,
}

/// One pool's figures as the store holds them, and whether they balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PoolAudit {
    #[serde(flatten)]
    pub stats: PoolStats,
    /// `remaining + held + active + redeemed == total` and `remaining >= 0`.
    pub balanced: bool,
}

#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
struct Counts {
    held: i64,
    active: i64,
    redeemed: i64,
    cancelled: i64,
    expired: i64,
}

impl Counts {
    fn add(&mut self, status: Status, n: i64) {
        match status {
            Status::Held => self.held += n,
            Status::Active => self.active += n,
            Status::Redeemed => self.redeemed += n,
            Status::Cancelled => self.cancelled += n,
            Status::Expired => self.expired += n,
        }
    }
}

pub fn audit(snap: &Snapshot) -> AuditReport {
    let mut violations = Vec::new();
    let mut pools = Vec::new();

    // 1. Every pool balances, in seats: stock + held + active + redeemed == total,
    //    stock >= 0.
    for p in &snap.view.pools {
        let balanced = p.remaining >= 0 && p.remaining + p.held + p.active + p.redeemed == p.total;
        if !balanced {
            violations.push(format!(
                "pool {}: remaining {} + held {} + active {} + redeemed {} != total {}",
                p.id, p.remaining, p.held, p.active, p.redeemed, p.total
            ));
        }
        pools.push(PoolAudit {
            stats: p.clone(),
            balanced,
        });
    }

    // 2. The counters agree with the reservations themselves (their seats).
    let mut recount: HashMap<&PoolId, Counts> = HashMap::new();
    for r in &snap.reservations {
        recount
            .entry(&r.pool)
            .or_default()
            .add(r.status, i64::from(r.seats));
    }
    for p in &snap.view.pools {
        let counted = recount.remove(&p.id).unwrap_or_default();
        let stored = Counts {
            held: p.held,
            active: p.active,
            redeemed: p.redeemed,
            cancelled: p.cancelled,
            expired: p.expired,
        };
        if counted != stored {
            violations.push(format!(
                "pool {}: counters {stored:?} but reservations give {counted:?}",
                p.id
            ));
        }
    }
    for (pool, counts) in recount {
        violations.push(format!("{counts:?} reservations in unknown pool {pool}"));
    }

    // 3. At most one live reservation per member, and the member index points at it.
    let index: HashMap<&MemberKey, &Code> = snap.members.iter().map(|(m, c)| (m, c)).collect();
    let mut live: HashMap<&MemberKey, Vec<&Code>> = HashMap::new();
    for r in snap.reservations.iter().filter(|r| r.status.is_live()) {
        live.entry(&r.member).or_default().push(&r.code);
        if index.get(&r.member) != Some(&&r.code) {
            violations.push(format!(
                "reservation {} is live but not the member's indexed one",
                r.code
            ));
        }
    }
    for (member, codes) in live.iter().filter(|(_, codes)| codes.len() > 1) {
        violations.push(format!(
            "member {} holds {} live reservations: {codes:?}",
            member.as_str(),
            codes.len()
        ));
    }

    // 4. The hold index is exactly the held reservations, by their pay_by.
    let mut holds: Vec<(&Code, Millis)> = snap
        .reservations
        .iter()
        .filter(|r| r.status == Status::Held)
        .map(|r| (&r.code, r.pay_by.unwrap_or(Millis(0))))
        .collect();
    holds.sort();
    let indexed: Vec<(&Code, Millis)> = snap.holds.iter().map(|(c, by)| (c, *by)).collect();
    if holds != indexed {
        violations.push(format!(
            "the hold index {indexed:?} is not the held reservations {holds:?}"
        ));
    }

    // 5. The log, replayed, gives the same state.
    violations.extend(replay_log(snap));

    AuditReport {
        ok: violations.is_empty(),
        pools,
        violations,
    }
}

/// Tickets that were confirmed to members (by the HTTP answers, the load harness,
/// or a front-end's records) but that the store no longer holds at all. Their
/// status is not compared: a confirmed ticket may since have been cancelled or
/// redeemed, and both leave it in the store. The store's own state and log
/// cannot show such a loss — a failover loses a ticket and its log entry
/// together — so this is the check that makes it visible.
pub fn missing_confirmed(snap: &Snapshot, confirmed: &[Code]) -> Vec<String> {
    let held: HashSet<&Code> = snap.reservations.iter().map(|r| &r.code).collect();
    confirmed
        .iter()
        .filter(|code| !held.contains(code))
        .map(|code| format!("confirmed ticket {code} is missing from the store (lost ticket)"))
        .collect()
}

/// Replays the log and compares what it implies with the stored state.
fn replay_log(snap: &Snapshot) -> Vec<String> {
    let mut violations = Vec::new();
    let mut totals: HashMap<&PoolId, i64> = HashMap::new();
    // code -> (pool, member, seats, status) as the log tells it
    let mut tickets: HashMap<&Code, (&PoolId, &MemberKey, u8, Status)> = HashMap::new();
    let mut status = SaleStatus::Open;
    for entry in &snap.log {
        match &entry.op {
            LogOp::Created { pool, delta } | LogOp::Restocked { pool, delta } => {
                *totals.entry(pool).or_default() += delta;
            }
            LogOp::Reserved {
                code,
                pool,
                member,
                seats,
                pay_by,
                ..
            } => {
                let status = if pay_by.is_some() {
                    Status::Held
                } else {
                    Status::Active
                };
                if tickets
                    .insert(code, (pool, member, *seats, status))
                    .is_some()
                {
                    violations.push(format!("log reserves {code} twice"));
                }
            }
            LogOp::Cancelled { code, seats, .. }
            | LogOp::Redeemed { code, seats, .. }
            | LogOp::Paid { code, seats, .. }
            | LogOp::Expired { code, seats, .. } => {
                // Which moves each entry may make.
                let (to, from): (Status, &[Status]) = match &entry.op {
                    LogOp::Cancelled { .. } => (Status::Cancelled, &[Status::Active, Status::Held]),
                    LogOp::Redeemed { .. } => (Status::Redeemed, &[Status::Active]),
                    LogOp::Paid { late: false, .. } => (Status::Active, &[Status::Held]),
                    LogOp::Paid { late: true, .. } => (Status::Active, &[Status::Expired]),
                    _ => (Status::Expired, &[Status::Held]),
                };
                match tickets.get_mut(code) {
                    Some(t) if from.contains(&t.3) && t.2 == *seats => t.3 = to,
                    Some(t) if from.contains(&t.3) => violations.push(format!(
                        "log moves {code} to {to:?} with {seats} seats; it holds {}",
                        t.2
                    )),
                    Some(t) => {
                        violations.push(format!("log moves {code} from {:?} to {to:?}", t.3))
                    }
                    None => violations.push(format!("log {to:?} {code} before it was reserved")),
                }
            }
            LogOp::RefundDue { code, .. } => {
                if !tickets.contains_key(code) {
                    violations.push(format!("log refunds {code} before it was reserved"));
                }
            }
            LogOp::Status(s) => status = *s,
        }
    }
    for p in &snap.view.pools {
        let logged = totals.get(&p.id).copied().unwrap_or(0);
        if logged != p.total {
            violations.push(format!(
                "pool {}: log gives total {logged}, store holds {}",
                p.id, p.total
            ));
        }
    }
    if status != snap.view.status {
        violations.push(format!(
            "log ends with status {status:?}, store holds {:?}",
            snap.view.status
        ));
    }
    for r in &snap.reservations {
        match tickets.remove(&r.code) {
            Some((pool, member, seats, st))
                if *pool == r.pool && *member == r.member && seats == r.seats && st == r.status => {
            }
            Some(t) => violations.push(format!(
                "reservation {}: log says {t:?}, store says {:?} {} seats {:?}",
                r.code, r.pool, r.seats, r.status
            )),
            None => violations.push(format!("reservation {} has no log entry", r.code)),
        }
    }
    for code in tickets.keys() {
        violations.push(format!(
            "log reserves {code} but the store has no such reservation (lost ticket)"
        ));
    }
    violations
}
