//! The audit: checks an event's snapshot against the rules that must hold at
//! every moment. It runs on a [`Snapshot`], so both stores are audited by the
//! same code, and it reports every violation it finds rather than stopping at
//! the first: after a fault, staff need the whole picture.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

mod kept;
mod replay;
mod waiting;

use crate::domain::{Code, MemberKey, Millis, PoolId, PoolStats, Status};
use crate::store::Snapshot;

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
    /// `remaining >= 0`, and `remaining` + the seats of the pool's held,
    /// active and redeemed reservations `== total`.
    pub balanced: bool,
}

#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
struct Counts {
    held: i64,
    active: i64,
    redeemed: i64,
    cancelled: i64,
    expired: i64,
    no_show: i64,
}

impl Counts {
    fn add(&mut self, status: Status, n: i64) {
        match status {
            Status::Held => self.held += n,
            Status::Active => self.active += n,
            Status::Redeemed => self.redeemed += n,
            Status::Cancelled => self.cancelled += n,
            Status::Expired => self.expired += n,
            Status::NoShow => self.no_show += n,
        }
    }
}

pub fn audit(snap: &Snapshot) -> AuditReport {
    let mut violations = Vec::new();
    let mut pools = Vec::new();

    // The reservations themselves, in seats per pool and status.
    let mut recount: HashMap<&PoolId, Counts> = HashMap::new();
    for r in &snap.reservations {
        recount
            .entry(&r.pool)
            .or_default()
            .add(r.status, i64::from(r.seats));
    }

    // 1. Every pool balances, in seats: stock + the seats of its held, active
    //    and redeemed reservations == total, stock >= 0. The reservations, not
    //    the counters: Redis does not count active seats but works them out
    //    from the same sum (lua/lib.lua `count_seats`), so only the records
    //    can tell a seat that left the stock without a ticket.
    for p in &snap.view.pools {
        let c = recount.get(&p.id).copied().unwrap_or_default();
        let balanced = p.remaining >= 0 && p.remaining + c.held + c.active + c.redeemed == p.total;
        if !balanced {
            violations.push(format!(
                "pool {}: remaining {} + held {} + active {} + redeemed {} (reservations) != total {}",
                p.id, p.remaining, c.held, c.active, c.redeemed, p.total
            ));
        }
        pools.push(PoolAudit {
            stats: p.clone(),
            balanced,
        });
    }

    // 2. The counters agree with the reservations (their seats).
    for p in &snap.view.pools {
        let counted = recount.remove(&p.id).unwrap_or_default();
        let stored = Counts {
            held: p.held,
            active: p.active,
            redeemed: p.redeemed,
            cancelled: p.cancelled,
            expired: p.expired,
            no_show: p.no_show,
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

    // 5. The waiting list: its index, nobody both waiting and holding, and
    //    nobody left waiting for seats that are free.
    violations.extend(waiting::check(snap));
    violations.extend(kept::check(snap));

    // 6. The log, replayed, gives the same state.
    violations.extend(replay::replay_log(snap));

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
