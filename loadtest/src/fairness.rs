//! Who wins: the crowd split into a fast group, a slow group (each of their
//! requests leaves `slow_rtt` later, as a slow phone's on a poor connection
//! would) and station walk-ups (through the station route, each after a
//! card swipe's delay). The report gives tickets per 1,000 members of each
//! group, and each group's ratio to the fast one with a 95% confidence
//! interval.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

/// A member's group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Fast,
    Slow,
    Station,
}

impl Group {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fast => "fast",
            Self::Slow => "slow",
            Self::Station => "station",
        }
    }
}

/// How the crowd is split, and how late each group's requests leave.
#[derive(Clone, Debug, Default)]
pub struct Shares {
    /// Share of the crowd behind `slow_rtt` (0..1).
    pub slow: f64,
    pub slow_rtt: Duration,
    /// Share of the crowd that walks up to a station (0..1).
    pub station: f64,
    pub station_delay: Duration,
}

/// A number in [0, 1) fixed by the member's index: the same member is in
/// the same group in every run (the three ways of one sale see one crowd).
fn uniform(i: u64) -> f64 {
    // splitmix64
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

impl Shares {
    pub fn group(&self, i: u64) -> Group {
        let u = uniform(i);
        if u < self.station {
            Group::Station
        } else if u < self.station + self.slow {
            Group::Slow
        } else {
            Group::Fast
        }
    }

    /// How much later than a fast member's each request of `g` leaves.
    pub fn delay(&self, g: Group) -> Duration {
        match g {
            Group::Fast => Duration::ZERO,
            Group::Slow => self.slow_rtt,
            Group::Station => self.station_delay,
        }
    }

    /// Whether any member is outside the fast group.
    pub fn split(&self) -> bool {
        self.slow > 0.0 || self.station > 0.0
    }
}

/// One group's ratio to the fast group, with its 95% confidence interval
/// (the log of a ratio of two proportions is near normal: Katz's method;
/// a group with no ticket counts half a ticket for the interval).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Ratio {
    pub value: f64,
    pub ci95: [f64; 2],
}

pub fn ratio(tickets: u64, members: u64, fast_tickets: u64, fast_members: u64) -> Option<Ratio> {
    if members == 0 || fast_members == 0 || fast_tickets == 0 {
        return None;
    }
    let (x1, n1) = (tickets as f64, members as f64);
    let (x2, n2) = (fast_tickets as f64, fast_members as f64);
    let value = (x1 / n1) / (x2 / n2);
    let x1c = x1.max(0.5);
    let se = ((1.0 / x1c - 1.0 / n1) + (1.0 / x2 - 1.0 / n2))
        .max(0.0)
        .sqrt();
    let centre = ((x1c / n1) / (x2 / n2)).ln();
    Some(Ratio {
        value,
        ci95: [(centre - 1.96 * se).exp(), (centre + 1.96 * se).exp()],
    })
}

/// What a fair window's opening cost: registrations written, at what rate
/// (from the first 202 to the last), and from the draw's time to its
/// publication (the draw starts within a second of its time: the service
/// checks every second).
#[derive(Clone, Debug, Serialize)]
pub struct Window {
    pub secs: i64,
    pub registrations: u64,
    pub registrations_per_s: Option<f64>,
    pub draw_s: Option<f64>,
}

/// The measurement, in the report's JSON.
#[derive(Clone, Debug, Serialize)]
pub struct Fairness {
    pub slow_rtt_ms: u64,
    pub station_delay_ms: u64,
    /// Members and tickets of each group present.
    pub members: BTreeMap<Group, u64>,
    pub tickets: BTreeMap<Group, u64>,
    pub tickets_per_1000: BTreeMap<Group, f64>,
    /// The slow group's tickets per member over the fast group's.
    pub slow_fast_ratio: Option<Ratio>,
    /// The station walk-ups' over the fast group's.
    pub station_fast_ratio: Option<Ratio>,
    /// A race with a fair window: what its opening cost.
    pub window: Option<Window>,
}

impl Fairness {
    /// `groups[i]`: member i's group; `holders`: the members who hold a
    /// ticket at the end (each once).
    pub fn measure(
        shares: &Shares,
        groups: &[Group],
        holders: impl Iterator<Item = usize>,
    ) -> Self {
        let mut members: BTreeMap<Group, u64> = BTreeMap::new();
        for g in groups {
            *members.entry(*g).or_default() += 1;
        }
        let mut tickets: BTreeMap<Group, u64> = members.keys().map(|g| (*g, 0)).collect();
        for i in holders {
            *tickets.entry(groups[i]).or_default() += 1;
        }
        let per_1000 = members
            .iter()
            .map(|(g, n)| (*g, tickets[g] as f64 * 1000.0 / *n as f64))
            .collect();
        let count = |m: &BTreeMap<Group, u64>, g| m.get(&g).copied().unwrap_or(0);
        let against_fast = |g| {
            ratio(
                count(&tickets, g),
                count(&members, g),
                count(&tickets, Group::Fast),
                count(&members, Group::Fast),
            )
        };
        Self {
            slow_rtt_ms: shares.slow_rtt.as_millis() as u64,
            station_delay_ms: shares.station_delay.as_millis() as u64,
            window: None,
            slow_fast_ratio: against_fast(Group::Slow),
            station_fast_ratio: against_fast(Group::Station),
            members,
            tickets,
            tickets_per_1000: per_1000,
        }
    }

    /// The report page's table (plain words and numbers: nothing to escape).
    pub fn html(&self) -> String {
        let rows: String = self
            .members
            .iter()
            .map(|(g, n)| {
                format!(
                    "<tr><th>{}</th><td>{n}</td><td>{}</td><td>{:.1}</td></tr>",
                    g.as_str(),
                    self.tickets[g],
                    self.tickets_per_1000[g]
                )
            })
            .collect();
        let ratio = |name: &str, r: &Option<Ratio>| {
            r.as_ref().map_or(String::new(), |r| {
                format!(
                    "<p>{name}: {:.3} (95% CI {:.3}–{:.3})</p>",
                    r.value, r.ci95[0], r.ci95[1]
                )
            })
        };
        format!(
            "<h2>Who wins</h2><p>slow: each request {} ms later; station walk-ups: {} ms later</p>\
             <table><tr><th>group</th><th>members</th><th>tickets</th><th>per 1,000</th></tr>{rows}</table>{}{}",
            self.slow_rtt_ms,
            self.station_delay_ms,
            ratio("slow / fast", &self.slow_fast_ratio),
            ratio("station / fast", &self.station_fast_ratio)
        )
    }

    pub fn text(&self) -> String {
        let mut out = format!(
            "who wins (slow: +{} ms a request; station: +{} ms):\n",
            self.slow_rtt_ms, self.station_delay_ms
        );
        for (g, n) in &self.members {
            let _ = writeln!(
                out,
                "  {:<8} {:>8} members {:>7} tickets {:>8.1} per 1,000",
                g.as_str(),
                n,
                self.tickets[g],
                self.tickets_per_1000[g]
            );
        }
        if let Some(w) = &self.window {
            let _ = writeln!(
                out,
                "  fair window {} s: {} registrations ({} a second), drawn {} after its time",
                w.secs,
                w.registrations,
                w.registrations_per_s
                    .map_or("?".into(), |r| format!("{r:.0}")),
                w.draw_s.map_or("?".into(), |s| format!("{s:.2} s")),
            );
        }
        for (name, r) in [
            ("slow/fast", &self.slow_fast_ratio),
            ("station/fast", &self.station_fast_ratio),
        ] {
            if let Some(r) = r {
                let _ = writeln!(
                    out,
                    "  {name} ratio {:.3} (95% CI {:.3}–{:.3})",
                    r.value, r.ci95[0], r.ci95[1]
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_follow_the_shares_and_the_ratio_has_an_interval() {
        let shares = Shares {
            slow: 0.3,
            station: 0.1,
            ..Shares::default()
        };
        let groups: Vec<Group> = (0..100_000).map(|i| shares.group(i)).collect();
        let share = |g| groups.iter().filter(|x| **x == g).count() as f64 / 100_000.0;
        assert!((share(Group::Slow) - 0.3).abs() < 0.01);
        assert!((share(Group::Station) - 0.1).abs() < 0.01);
        assert_eq!(shares.group(7), shares.group(7));
        // Equal chances: the ratio is 1 and its interval holds it.
        let even = ratio(300, 3_000, 700, 7_000).unwrap();
        assert!((even.value - 1.0).abs() < 1e-9);
        assert!(even.ci95[0] < 1.0 && even.ci95[1] > 1.0);
        // None at all: 0, with an interval below 1.
        let none = ratio(0, 3_000, 700, 7_000).unwrap();
        assert_eq!(none.value, 0.0);
        assert!(none.ci95[1] < 0.1);
        assert!(ratio(5, 10, 0, 10).is_none());
        let f = Fairness::measure(&shares, &groups[..10], [0usize, 1].into_iter());
        assert_eq!(f.tickets.values().sum::<u64>(), 2);
        assert!(f.text().contains("per 1,000"));
    }
}
