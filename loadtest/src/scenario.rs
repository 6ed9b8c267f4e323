//! What to rehearse: the real sales (README) by name, or custom ones.

use serde::Deserialize;

/// A sale to rehearse and the crowd that comes for it.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
pub struct Scenario {
    pub name: String,
    /// Pools as (id, tickets).
    pub pools: Vec<PoolSpec>,
    /// Distinct members, each with their own card and token.
    pub members: u64,
    /// Shows each member ranks (1 = every member grabs one pool).
    #[serde(default = "one")]
    pub ranked: usize,
    /// Share of ticket holders who cancel after the sale.
    #[serde(default)]
    pub cancel_share: f64,
    /// Share of ticket holders who redeem at a station after the sale.
    #[serde(default)]
    pub redeem_share: f64,
    /// A priced sale with payment holds, and a waiting list.
    #[serde(default)]
    pub paid: Option<Paid>,
    /// A lottery (抽签): members enter with `ranked` shows and 1 or 2 seats,
    /// then the draw (`lottery.rs`) instead of a race.
    #[serde(default)]
    pub lottery: bool,
    /// A race's fair window in seconds (0: none): grabs inside it are
    /// registrations, drawn at its end.
    #[serde(default)]
    pub fair_window_secs: i64,
    /// A lottery of the race's crowd: one seat each (else 1 or 2).
    #[serde(default)]
    pub one_seat: bool,
    /// Seats kept on every pool for hardship members, the districts and a
    /// station's street union (kept.rs); the crowd gets unions and groups.
    #[serde(default)]
    pub kept: Option<KeptPlan>,
}

/// A priced sale: tickets are holds until paid; some holders never pay, the
/// rest pay within a random delay; some of those who found it sold out join
/// the waiting list, and get the seats of the holds that expire.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
pub struct Paid {
    pub price_fen: i64,
    /// The sale's `hold_minutes` (1 to 1440).
    pub hold_minutes: i64,
    /// Share of holders who never pay (their holds expire).
    pub never_pay_share: f64,
    /// The others pay after a random delay up to this.
    pub pay_within_ms: u64,
    /// Share of the members told `sold_out` who join the waiting list.
    pub waiting_share: f64,
}

/// What a sale keeps, on each of its pools (its helpers: kept.rs).
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
pub struct KeptPlan {
    /// One member in `hardship_every` is in `hardship`.
    pub hardship_every: u64,
    pub hardship_seats: i64,
    /// Each district union's allotment.
    pub district_seats: i64,
    /// The station's street union's allotment, for its walk-ups.
    pub station_seats: i64,
    /// Every part is released this long after the opening.
    pub release_after_secs: i64,
}

#[derive(Clone, Debug, Deserialize, serde::Serialize)]
pub struct PoolSpec {
    pub id: String,
    pub total: i64,
}

fn one() -> usize {
    1
}

fn single(name: &str, pool: &str, total: i64, members: u64) -> Scenario {
    Scenario {
        name: name.into(),
        pools: vec![PoolSpec {
            id: pool.into(),
            total,
        }],
        members,
        ranked: 1,
        cancel_share: 0.0,
        redeem_share: 0.0,
        paid: None,
        lottery: false,
        fair_window_secs: 0,
        one_seat: false,
        kept: None,
    }
}

/// The named scenarios: park, cinema, cinema-paid, cinema-shares, theatre,
/// theatre-lottery, umbrella.
pub fn named(name: &str) -> Option<Scenario> {
    Some(match name {
        "park" => single("park", "pass", 400, 50_000),
        "cinema" => single("cinema", "screening", 20_000, 200_000),
        "umbrella" => single("umbrella", "umbrella", 500, 10_000),
        // The 5-yuan blockbuster as it really sells: a 1-minute hold to pay,
        // one holder in ten never pays, 30,000 of the 40,000 too late wait.
        "cinema-paid" => Scenario {
            paid: Some(Paid {
                price_fen: 500,
                hold_minutes: 1,
                never_pay_share: 0.1,
                pay_within_ms: 30_000,
                waiting_share: 0.75,
            }),
            ..single("cinema-paid", "screening", 20_000, 60_000)
        },
        "theatre" => Scenario {
            name: "theatre".into(),
            pools: (1..=8)
                .map(|i| PoolSpec {
                    id: format!("show-{i}"),
                    total: 375,
                })
                .collect(),
            members: 30_000,
            ranked: 3,
            cancel_share: 0.0,
            redeem_share: 0.0,
            paid: None,
            lottery: false,
            fair_window_secs: 0,
            one_seat: false,
            kept: None,
        },
        // The 5-yuan cinema with 500 seats kept for hardship members, each
        // district's allotment and a street union's for its station's
        // walk-ups, released an hour after the opening (issue 35).
        "cinema-shares" => Scenario {
            kept: Some(KeptPlan {
                hardship_every: 20,
                hardship_seats: 500,
                district_seats: 500,
                station_seats: 200,
                release_after_secs: 3_600,
            }),
            ..single("cinema-shares", "screening", 20_000, 60_000)
        },
        // The theatre as a lottery: 200,000 families enter for 3,000 seats.
        "theatre-lottery" => Scenario {
            name: "theatre-lottery".into(),
            members: 200_000,
            lottery: true,
            ..named("theatre")?
        },
        _ => return None,
    })
}

impl Scenario {
    pub fn stock(&self) -> i64 {
        self.pools.iter().map(|p| p.total).sum()
    }

    pub fn from_toml(text: &str) -> anyhow::Result<Self> {
        let s: Self = toml::from_str(text)?;
        anyhow::ensure!(
            !s.pools.is_empty() && s.members > 0,
            "a scenario needs pools and members"
        );
        anyhow::ensure!(
            (1..=s.pools.len()).contains(&s.ranked),
            "ranked must be 1 to the number of pools"
        );
        if let Some(p) = &s.paid {
            anyhow::ensure!(
                p.price_fen > 0 && (1..=1440).contains(&p.hold_minutes),
                "a paid sale needs a price and 1 to 1440 minutes to pay"
            );
            anyhow::ensure!(
                (0.0..=1.0).contains(&p.never_pay_share) && (0.0..=1.0).contains(&p.waiting_share),
                "shares are 0 to 1"
            );
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_custom_sale_reads_from_toml_and_bad_ones_are_refused() {
        let s = Scenario::from_toml(
            "name = \"district\"\nmembers = 900\nranked = 2\ncancel_share = 0.1\n\
             [[pools]]\nid = \"a\"\ntotal = 100\n[[pools]]\nid = \"b\"\ntotal = 50\n",
        )
        .unwrap();
        assert_eq!(
            (s.stock(), s.members, s.ranked, s.redeem_share),
            (150, 900, 2, 0.0)
        );
        assert!(
            Scenario::from_toml(
                "name = \"x\"\nmembers = 10\nranked = 3\n[[pools]]\nid = \"a\"\ntotal = 1\n"
            )
            .is_err()
        );
        assert!(Scenario::from_toml("name = \"x\"\nmembers = 10\npools = []\n").is_err());
        assert_eq!(named("cinema").unwrap().stock(), 20_000);
        assert_eq!(named("theatre").unwrap().stock(), 3_000);
        assert!(named("opera").is_none());
        let paid = named("cinema-paid").unwrap();
        assert_eq!((paid.stock(), paid.members), (20_000, 60_000));
        assert!(paid.paid.is_some());
    }
}
