//! Who wins, in small (issue 34): one crowd of 3,000 members for 600
//! tickets, 30% on slow phones (each request 300 ms later) and 10% walking
//! up to a station, rehearsed as a race, with a fair window, and as a
//! lottery. The race leaves the slow group (almost) nothing; the window and
//! the lottery give it the fast group's chance; every check passes (no
//! oversell, audits ok, the window's draw published and verified).

use std::time::Duration;

use ticketgrab_load::fairness::{Fairness, Group, Shares};
use ticketgrab_load::run::{Options, rehearse};
use ticketgrab_load::scenario::{PoolSpec, Scenario};
use ticketgrab_load::target::Target;

mod common;
use common::ticketgrab_binary;

fn crowd() -> Shares {
    Shares {
        slow: 0.3,
        slow_rtt: Duration::from_millis(300),
        station: 0.1,
        station_delay: Duration::from_millis(300),
    }
}

fn scenario(name: &str, fair_window_secs: i64, lottery: bool) -> Scenario {
    Scenario {
        name: name.into(),
        pools: vec![PoolSpec {
            id: "screening".into(),
            total: 600,
        }],
        members: 3_000,
        ranked: 1,
        cancel_share: 0.0,
        redeem_share: 0.0,
        paid: None,
        lottery,
        fair_window_secs,
        one_seat: true,
        kept: None,
    }
}

/// The slow group's ratio to the fast one, and that every group is there.
fn slow_ratio(f: &Fairness) -> f64 {
    for g in [Group::Fast, Group::Slow, Group::Station] {
        assert!(f.members.get(&g).is_some_and(|n| *n > 0), "{}", f.text());
    }
    f.slow_fast_ratio.as_ref().expect("a ratio").value
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_race_favours_speed_the_window_and_the_lottery_do_not() {
    let target = Target::spawn(&ticketgrab_binary(), true, &[])
        .await
        .unwrap();
    let opts = |shares| Options {
        shares,
        connections: 64,
        lead: Duration::from_millis(1500),
        ceiling: false,
        progress: false,
    };

    // The three ways at once (a lottery's rehearsal has a server of its
    // own): CI's time, and none of them measures speed.
    let mut second = Target::spawn(&ticketgrab_binary(), true, &[])
        .await
        .unwrap();
    let (race_scenario, window_scenario, lottery_scenario) = (
        scenario("fair-race", 0, false),
        scenario("fair-window", 4, false),
        scenario("fair-lottery", 0, true),
    );
    let (shares, race_opts, window_opts) = (crowd(), opts(crowd()), opts(crowd()));
    let (race, window, lottery) = tokio::join!(
        rehearse(&target, &race_scenario, &race_opts),
        rehearse(&target, &window_scenario, &window_opts),
        ticketgrab_load::lottery::rehearse(&mut second, &lottery_scenario, 64, false, &shares),
    );
    let (race, window, lottery) = (race.unwrap(), window.unwrap(), lottery.unwrap());
    eprintln!("race:\n{}", race.text());
    assert!(race.ok, "{}", race.text());
    let raced = race.fairness.as_ref().unwrap();
    assert_eq!(raced.tickets.values().sum::<u64>(), 600, "{}", race.text());
    assert!(slow_ratio(raced) < 0.5, "{}", race.text());

    eprintln!("fair window:\n{}", window.text());
    assert!(window.ok, "{}", window.text());
    let fair = window.fairness.as_ref().unwrap();
    assert_eq!(fair.tickets.values().sum::<u64>(), 600, "{}", window.text());
    // 600 of 3,000: the slow group's ratio is 1 give or take ~0.1 (95%);
    // these bounds are ~3.5 standard errors wide.
    let r = slow_ratio(fair);
    assert!((0.7..=1.4).contains(&r), "{}", window.text());
    assert!(
        window
            .answers
            .get("202 registered")
            .is_some_and(|n| *n == 3_000),
        "{}",
        window.text()
    );

    eprintln!("lottery:\n{}", lottery.text());
    assert!(lottery.ok, "{}", lottery.text());
    let r = slow_ratio(&lottery.fairness);
    assert!((0.7..=1.4).contains(&r), "{}", lottery.text());
}

/// A small `cinema-shares`: seats kept for hardship members, fifteen
/// districts and the station's street union, whose walk-ups come after the
/// app's crowd. The parts hold (the audit and the harness's own check), the
/// station's allotment serves its walk-ups although the app's crowd came
/// first, and the report says each part's fill.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_seats_reach_hardship_members_each_district_and_the_station_s_walk_ups() {
    let target = Target::spawn(&ticketgrab_binary(), true, &[])
        .await
        .unwrap();
    let mut scenario = ticketgrab_load::scenario::named("cinema-shares").unwrap();
    scenario.members = 2_000;
    scenario.pools[0].total = 400;
    let plan = scenario.kept.as_mut().unwrap();
    (plan.hardship_seats, plan.district_seats, plan.station_seats) = (30, 10, 40);
    let opts = Options {
        shares: Shares {
            slow: 0.0,
            slow_rtt: Duration::ZERO,
            station: 0.05,
            station_delay: Duration::from_millis(1_500),
        },
        connections: 64,
        lead: Duration::from_millis(1500),
        ceiling: false,
        progress: false,
    };
    let report = rehearse(&target, &scenario, &opts).await.unwrap();
    assert!(report.ok, "{}", report.text());
    let text = report.text();
    assert!(text.contains("s1 hardship: 30 / 30 (100%)"), "{text}");
    assert!(
        text.contains("a16 bj/dongcheng/longtan: 40 / 40 (100%)"),
        "{text}"
    );
    let f = report.fairness.as_ref().unwrap();
    // Every walk-up came after the app's crowd had taken everyone's seats,
    // and the station's allotment still served 40 of them.
    assert!(
        f.tickets.get(&Group::Station).is_some_and(|n| *n >= 40),
        "{}",
        f.text()
    );
}
