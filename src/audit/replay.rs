//! The audit's replay of an event's log.

use std::collections::HashMap;

use crate::domain::{Code, MemberKey, PoolId, SaleStatus, Status};
use crate::store::{LogOp, Made, Snapshot};

/// Replays the log and compares what it implies with the stored state.
pub(super) fn replay_log(snap: &Snapshot) -> Vec<String> {
    let mut violations = Vec::new();
    let mut totals: HashMap<&PoolId, i64> = HashMap::new();
    // code -> (pool, member, seats, status) as the log tells it
    let mut tickets: HashMap<&Code, (&PoolId, &MemberKey, u8, Status)> = HashMap::new();
    let mut status = SaleStatus::Open;
    // member -> order of their waiting-list entry
    let mut waiting: HashMap<&MemberKey, u64> = HashMap::new();
    // code -> the payment that paid it; payments due back
    let mut paid_by: HashMap<&Code, &str> = HashMap::new();
    let mut refunds: std::collections::HashSet<&str> = Default::default();
    for entry in &snap.log {
        match &entry.op {
            LogOp::Paid { code, payment, .. } => {
                paid_by.insert(code, payment);
            }
            LogOp::RefundDue { payment, .. } => {
                refunds.insert(payment);
            }
            _ => {}
        }
        match &entry.op {
            LogOp::Waiting { member, order, .. } | LogOp::Drawn { member, order, .. } => {
                if waiting.insert(member, *order).is_some() {
                    violations.push(format!(
                        "log puts {} on the waiting list twice",
                        member.as_str()
                    ));
                }
            }
            LogOp::Left { member, .. } => {
                if waiting.remove(member).is_none() {
                    violations.push(format!(
                        "log takes {} off a waiting list they are not on",
                        member.as_str()
                    ));
                }
            }
            LogOp::Created { pool, delta } | LogOp::Restocked { pool, delta } => {
                *totals.entry(pool).or_default() += delta;
            }
            // A ticket comes to be: grabbed, or handed to a waiting entry
            // (which then leaves the list).
            LogOp::Reserved(ticket)
            | LogOp::Assigned { ticket, .. }
            | LogOp::Won { ticket, .. } => {
                let Made {
                    code,
                    pool,
                    member,
                    seats,
                    pay_by,
                    ..
                } = ticket;
                if let LogOp::Assigned { order, .. } = &entry.op
                    && waiting.remove(member) != Some(*order)
                {
                    violations.push(format!(
                        "log assigns {code} to waiting entry {order} of {}, which is not waiting",
                        member.as_str()
                    ));
                }
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
            | LogOp::NoShow { code, seats, .. }
            | LogOp::Expired { code, seats, .. } => {
                // Which moves each entry may make.
                let (to, from): (Status, &[Status]) = match &entry.op {
                    LogOp::Cancelled { .. } => (Status::Cancelled, &[Status::Active, Status::Held]),
                    LogOp::Redeemed { .. } => (Status::Redeemed, &[Status::Active]),
                    LogOp::Paid { late: false, .. } => (Status::Active, &[Status::Held]),
                    LogOp::Paid { late: true, .. } => (Status::Active, &[Status::Expired]),
                    LogOp::NoShow { .. } => (Status::NoShow, &[Status::Active]),
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
            // A lottery's entries and the draw's steps move no seat (its
            // winners are `Won` above, its losers `Waiting`); nor does a
            // station's tally.
            LogOp::Entered { .. }
            | LogOp::Withdrawn { .. }
            | LogOp::PublicValue { .. }
            | LogOp::DrawBegun { .. }
            | LogOp::DrawDone { .. }
            | LogOp::Released { .. }
            | LogOp::Moved { .. }
            | LogOp::Tallied { .. } => {}
        }
    }
    // The money balances: a paid ticket that was given back has its payment
    // due back (what was paid = what is kept + refunds due).
    for (code, t) in &tickets {
        if t.3 == Status::Cancelled
            && let Some(payment) = paid_by.get(code)
            && !refunds.contains(payment)
        {
            violations.push(format!(
                "{code} was paid (payment {payment}) and cancelled, but no refund is due"
            ));
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
    let stored: HashMap<&MemberKey, u64> =
        snap.waiting.iter().map(|w| (&w.member, w.order)).collect();
    if stored != waiting {
        violations.push(format!(
            "the log leaves {} on the waiting list, the store {}",
            waiting.len(),
            stored.len()
        ));
    }
    violations
}
