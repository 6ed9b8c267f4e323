//! What a year measures (普惠): members reached, the reach of a reference
//! allocator on the same crowd, the Gini coefficient of tickets per member,
//! the fast group's share of all tickets; and the report that puts the two
//! runs side by side (text, JSON, HTML with a chart).

use serde::Serialize;

/// One month as the crowd met it: who tried (member indexes) and the tickets.
pub struct Tried {
    pub members: Vec<usize>,
    pub tickets: usize,
}

/// The reach of the reference allocator: each month, the sale's tickets to
/// the members who tried, fewest tickets so far first (ties in the order
/// they tried), never over `cap`. The reference a run's reach is measured
/// against; greedy month by month, it is not a strict bound: a run whose
/// draws break ties otherwise (by rank) may reach a few more (issue 34's
/// year with fair windows: 97,371 of 97,358).
pub fn reach_bound(members: usize, months: &[Tried], cap: u32) -> usize {
    let mut held = vec![0u32; members];
    for month in months {
        let mut order: Vec<usize> = month.members.clone();
        order.sort_by_key(|m| held[*m]);
        let mut left = month.tickets;
        for m in order {
            if left == 0 {
                break;
            }
            if held[m] < cap {
                held[m] += 1;
                left -= 1;
            }
        }
    }
    held.iter().filter(|n| **n > 0).count()
}

/// The Gini coefficient of `tickets` (one value per member, zeros too): 0
/// when everyone holds the same, near 1 when a few hold everything.
pub fn gini(tickets: &[u32]) -> f64 {
    let n = tickets.len() as f64;
    let total: f64 = tickets.iter().map(|t| f64::from(*t)).sum();
    if tickets.is_empty() || total == 0.0 {
        return 0.0;
    }
    let mut sorted = tickets.to_vec();
    sorted.sort_unstable();
    let weighted: f64 = sorted
        .iter()
        .enumerate()
        .map(|(i, t)| (i as f64 + 1.0) * f64::from(*t))
        .sum();
    2.0 * weighted / (n * total) - (n + 1.0) / n
}

/// One run of the year.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    /// `plain` (no program rules) or `program` (cap and fewer_wins_first).
    pub name: String,
    pub cap: Option<u32>,
    pub members_reached: usize,
    pub reach_bound: usize,
    /// members_reached / reach_bound.
    pub reach_ratio: f64,
    pub gini: f64,
    pub fast_share: f64,
    pub tickets: usize,
    /// `[k]`: members holding k tickets (all members, zeros too).
    pub tickets_per_member: Vec<usize>,
    pub seconds: f64,
    /// (check, passed, what was found).
    pub checks: Vec<(String, bool, String)>,
}

/// The year's report: both runs of the same crowd and seed.
#[derive(Clone, Debug, Serialize)]
pub struct YearReport {
    pub members: usize,
    pub seed: u64,
    pub months: usize,
    pub fast_members: usize,
    pub runs: Vec<RunReport>,
    pub ok: bool,
}

impl RunReport {
    pub fn histogram(tickets: &[u32]) -> Vec<usize> {
        let most = tickets.iter().copied().max().unwrap_or(0) as usize;
        let mut out = vec![0; most + 1];
        for t in tickets {
            out[*t as usize] += 1;
        }
        out
    }
}

impl YearReport {
    pub fn text(&self) -> String {
        let mut out = format!(
            "year: {} members ({} fast), {} monthly sales, seed {}\n",
            self.members, self.fast_members, self.months, self.seed
        );
        for r in &self.runs {
            out.push_str(&format!(
                "  {:8} reached {:>7} of bound {:>7} ({:.3}) · gini {:.3} · fast share {:.3} · {} tickets · {:.0} s\n",
                r.name, r.members_reached, r.reach_bound, r.reach_ratio, r.gini, r.fast_share,
                r.tickets, r.seconds
            ));
            out.push_str(&format!(
                "           tickets per member: {:?}\n",
                r.tickets_per_member
            ));
            for (check, ok, found) in &r.checks {
                out.push_str(&format!(
                    "           [{}] {check}: {found}\n",
                    if *ok { "ok" } else { "FAILED" }
                ));
            }
        }
        out.push_str(if self.ok {
            "all checks passed\n"
        } else {
            "CHECKS FAILED\n"
        });
        out
    }

    /// The runs side by side: reach against the bound, and tickets per member.
    pub fn html(&self) -> String {
        let bar = |x: f64, w: f64, h: f64, colour: &str| {
            format!(
                "<rect x='{x:.1}' y='{:.1}' width='{w:.1}' height='{h:.1}' fill='{colour}'/>",
                200.0 - h
            )
        };
        let most = self
            .runs
            .iter()
            .map(|r| r.reach_bound.max(r.members_reached))
            .max()
            .unwrap_or(1)
            .max(1) as f64;
        let mut reach = String::new();
        for (i, r) in self.runs.iter().enumerate() {
            let x = 40.0 + i as f64 * 160.0;
            reach.push_str(&bar(
                x,
                50.0,
                180.0 * r.members_reached as f64 / most,
                "#2b6cb0",
            ));
            reach.push_str(&bar(
                x + 55.0,
                50.0,
                180.0 * r.reach_bound as f64 / most,
                "#a0aec0",
            ));
            reach.push_str(&format!(
                "<text x='{x}' y='218'>{} ({:.2})</text>",
                r.name, r.reach_ratio
            ));
        }
        let widest = self
            .runs
            .iter()
            .map(|r| r.tickets_per_member.len())
            .max()
            .unwrap_or(1);
        let tallest = self
            .runs
            .iter()
            .flat_map(|r| r.tickets_per_member.iter().skip(1))
            .copied()
            .max()
            .unwrap_or(1)
            .max(1) as f64;
        let mut hist = String::new();
        for (i, r) in self.runs.iter().enumerate() {
            let colour = if i == 0 { "#c05621" } else { "#2f855a" };
            for (k, n) in r.tickets_per_member.iter().enumerate().skip(1) {
                let x = 40.0 + (k - 1) as f64 * (360.0 / widest as f64) + i as f64 * 14.0;
                hist.push_str(&bar(x, 12.0, 180.0 * *n as f64 / tallest, colour));
            }
        }
        let rows: String = self.runs.iter().map(|r| format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{}</td></tr>",
            r.name, r.members_reached, r.reach_bound, r.reach_ratio, r.gini, r.fast_share,
            if r.checks.iter().all(|c| c.1) { "ok" } else { "FAILED" })).collect();
        format!(
            "<!doctype html><meta charset='utf-8'><title>ticketgrab year</title>\
             <h1>A year of sales: {} members, {} sales</h1>\
             <table border='1' cellpadding='4'><tr><th>run</th><th>members reached</th><th>reach bound</th>\
             <th>reached / bound</th><th>Gini</th><th>fast share</th><th>checks</th></tr>{rows}</table>\
             <h2>Members reached (blue) against the reference allocator's bound (grey)</h2>\
             <svg width='400' height='230'>{reach}</svg>\
             <h2>Members by tickets held (1, 2, …): plain (orange), program (green)</h2>\
             <svg width='420' height='210'>{hist}</svg>",
            self.members, self.months
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_is_zero_for_equals_and_high_for_a_few_holders() {
        assert_eq!(gini(&[1, 1, 1, 1]), 0.0);
        assert!((gini(&[0, 0, 0, 4]) - 0.75).abs() < 1e-9);
        assert_eq!(gini(&[0, 0]), 0.0);
    }

    #[test]
    fn the_reference_allocator_gives_the_fewest_first_under_the_cap() {
        let months = [
            Tried {
                members: vec![0, 1, 2],
                tickets: 2,
            },
            Tried {
                members: vec![0, 1, 2],
                tickets: 2,
            },
            Tried {
                members: vec![0, 1],
                tickets: 2,
            },
        ];
        // Month 1: 0 and 1; month 2: 2 first, then 0; month 3: 1 (one), 0 at the cap of 2.
        assert_eq!(reach_bound(4, &months, 2), 3);
        assert_eq!(reach_bound(4, &months[..1], 1), 2);
    }
}
