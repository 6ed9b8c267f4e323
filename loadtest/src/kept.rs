//! Reserved shares and allotments in a rehearsal (`cinema-shares`): a
//! hardship share, the districts' allotments and a street union's station
//! allotment on the sale's pools; the crowd's unions and groups (the app's
//! tokens say them, the register says the walk-ups'); after the sale, each
//! part's fill and the checks that no part gave more than its members could
//! have taken.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};
use ticketgrab::domain::{Group, OrgPath};

use crate::fairness::Group as Crowd;
use crate::report::Check;
use crate::scenario::KeptPlan;

/// The sixteen district unions of Beijing.
pub const DISTRICTS: [&str; 16] = [
    "dongcheng",
    "xicheng",
    "chaoyang",
    "haidian",
    "fengtai",
    "shijingshan",
    "mentougou",
    "fangshan",
    "tongzhou",
    "shunyi",
    "changping",
    "daxing",
    "huairou",
    "pinggu",
    "miyun",
    "yanqing",
];

/// The street union whose service station serves the walk-ups.
pub const STATION_UNION: &str = "bj/dongcheng/longtan";

impl KeptPlan {
    /// Member `i`'s union: a district's street (the 17th of every 17: none
    /// of the districts); a walk-up is the station's street union's.
    pub fn org(&self, i: u64, group: Crowd) -> OrgPath {
        let path = match (group, i % 17) {
            (Crowd::Station, _) => STATION_UNION.to_owned(),
            (_, 16) => "bj/rehearsal".to_owned(),
            (_, d) => format!("bj/{}/rehearsal", DISTRICTS[d as usize]),
        };
        OrgPath::parse(&path).expect("a valid org")
    }

    pub fn hardship(&self, i: u64) -> bool {
        i.is_multiple_of(self.hardship_every)
    }

    pub fn groups(&self, i: u64) -> Vec<Group> {
        let hardship = Group::parse("hardship").expect("a valid group");
        if self.hardship(i) {
            vec![hardship]
        } else {
            Vec::new()
        }
    }

    /// A pool's shares and allotments in the create body, released
    /// `release_after_secs` after `opens_ms`.
    pub fn add_to(&self, pool: &mut Value, opens_ms: i64) {
        let at = ticketgrab::domain::Millis(opens_ms + self.release_after_secs * 1000).rfc3339();
        pool["shares"] =
            json!([{"group": "hardship", "seats": self.hardship_seats, "release_at": at}]);
        // Longtan lies in Dongcheng: Dongcheng's allotment is its other streets'.
        let mut allotments: Vec<Value> = DISTRICTS[1..]
            .iter()
            .map(|d| json!({"org": format!("bj/{d}"), "seats": self.district_seats}))
            .collect();
        allotments.push(json!({"org": STATION_UNION, "seats": self.station_seats}));
        pool["allotments"] = json!(allotments);
        pool["allotments_release_at"] = json!(at);
    }

    /// The register's rows for the walk-ups (`card,org,groups`), so the
    /// station takes from its union's allotment and the hardship share.
    pub fn register(&self, walk_ups: impl Iterator<Item = (u64, String)>) -> String {
        let mut csv = String::from("card,org,groups\n");
        for (i, card) in walk_ups {
            let groups = if self.hardship(i) { "hardship" } else { "" };
            let _ = writeln!(csv, "{card},{STATION_UNION},{groups}");
        }
        csv
    }
}

/// Each part's fill, and the checks: the audit holds them, and no part gave
/// more seats than its members who hold a ticket.
pub fn report(
    plan: &KeptPlan,
    sale: &Value,
    holders: impl Iterator<Item = (u64, Crowd)>,
) -> (Vec<Check>, String) {
    // Who holds a ticket, per part they may take from.
    let mut members: BTreeMap<String, i64> = BTreeMap::new();
    for (i, group) in holders {
        let org = plan.org(i, group);
        if plan.hardship(i) {
            *members.entry("hardship".into()).or_default() += 1;
        }
        for d in DISTRICTS[1..]
            .iter()
            .map(|d| format!("bj/{d}"))
            .chain([STATION_UNION.to_owned()])
        {
            if org.is_within(&OrgPath::parse(&d).expect("a valid org")) {
                *members.entry(d).or_default() += 1;
            }
        }
    }
    let mut checks = Vec::new();
    let mut text = String::from("kept parts (seats taken / kept, released after the sale):\n");
    let mut over = Vec::new();
    for pool in sale["pools"].as_array().into_iter().flatten() {
        for part in pool["parts"].as_array().into_iter().flatten() {
            let who = part["group"]
                .as_str()
                .or(part["org"].as_str())
                .unwrap_or("?")
                .to_owned();
            let (seats, left) = (
                part["seats"].as_i64().unwrap_or(0),
                part["left"].as_i64().unwrap_or(0),
            );
            let taken = seats - left;
            let _ = writeln!(
                text,
                "  {} {who}: {taken} / {seats} ({:.0}%)",
                part["name"].as_str().unwrap_or("?"),
                100.0 * taken as f64 / seats.max(1) as f64
            );
            if left < 0 || taken > members.get(&who).copied().unwrap_or(0) {
                over.push(format!("{who}: {taken} taken, {left} left"));
            }
        }
    }
    checks.push(Check::new(
        "no part gave more than its members hold, none below zero",
        over.is_empty(),
        if over.is_empty() {
            "every part".into()
        } else {
            over.join("; ")
        },
    ));
    (checks, text)
}
