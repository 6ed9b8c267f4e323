//! A small rehearsal against a spawned server and redis-server: the report's
//! checks pass and its figures are consistent.

use std::path::PathBuf;
use std::time::Duration;

use ticketgrab_load::run::{Options, rehearse};
use ticketgrab_load::scenario::{Paid, PoolSpec, Scenario};
use ticketgrab_load::target::Target;

mod common;
use common::ticketgrab_binary;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_rehearsal_on_redis_passes_its_checks() {
    let target = Target::spawn(&ticketgrab_binary(), true, &[])
        .await
        .unwrap();
    let scenario = Scenario {
        name: "small".into(),
        pools: vec![
            PoolSpec {
                id: "show-1".into(),
                total: 60,
            },
            PoolSpec {
                id: "show-2".into(),
                total: 40,
            },
        ],
        members: 400,
        ranked: 2,
        cancel_share: 0.1,
        redeem_share: 0.2,
        paid: None,
        lottery: false,
        fair_window_secs: 0,
        one_seat: false,
        kept: None,
    };
    let opts = Options {
        shares: ticketgrab_load::fairness::Shares::default(),
        connections: 32,
        lead: Duration::from_millis(1500),
        ceiling: true,
        progress: false,
    };
    let report = rehearse(&target, &scenario, &opts).await.unwrap();
    assert!(report.ok, "{}", report.text());
    assert_eq!(
        report.ticket_times_ms.len(),
        100,
        "members ranked every show, so all 100 seats sold"
    );
    assert_eq!(report.answers.get("201 ticket"), Some(&100));
    assert_eq!(report.answers.get("409 sold_out"), Some(&300));
    assert_eq!(report.after_sale.get("cancel 200"), Some(&10));
    assert_eq!(report.after_sale.get("redeem 200"), Some(&20));
    assert!(report.time_to_sell_out_ms.is_some());
    assert!(report.time_to_last_answer_ms >= report.time_to_sell_out_ms);
    assert!(
        report.latency.p50_ms <= report.latency.p99_ms
            && report.latency.p99_ms <= report.latency.max_ms
    );
    assert!(report.ceiling.as_ref().unwrap().rate > 0.0);
    // The cost of an answer, per process: the server's CPU over the grab
    // phase divided by the answers it gave.
    let server = report.cpu.iter().find(|c| c.process == "server").unwrap();
    let expected = server.cpu_seconds * 1e6 / report.requests as f64;
    assert!((server.us_per_answer - expected).abs() < 1e-6);
    assert!(report.text().contains("µs/answer"), "{}", report.text());
    assert_eq!(report.audit["ok"], true);
    // Every answer is in the timeline once, in its slice.
    let in_slices: u64 = report
        .timeline
        .iter()
        .flat_map(|s| s.answers.values())
        .sum();
    assert_eq!(in_slices, report.answers.values().sum::<u64>());
    let html = report.html();
    // For a person to look at, beside the browser tests' screenshots.
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/browser");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("rehearsal-small.html"), &html).unwrap();
    let zoomed = html.contains("The sell-out, zoomed");
    assert_eq!(html.matches("<svg").count(), 4 + usize::from(zoomed));
    for part in [
        "Latency over time",
        "Answers by code over time",
        "201 ticket",
        "<th>date</th>",
    ] {
        assert!(html.contains(part), "the report lacks {part}");
    }
    assert!(
        html.contains("<th>server</th><td>ticketgrab serve "),
        "the server's settings"
    );
    // The checks once, as a table; no preformatted block to cut lines off.
    assert!(!html.contains("<pre"));
    for c in &report.checks {
        let name = c
            .name
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;");
        assert_eq!(
            html.matches(&format!("<td>{name}</td>")).count(),
            1,
            "{name}"
        );
    }
    assert!(
        serde_json::to_string(&report)
            .unwrap()
            .contains("\"checks\"")
    );
}

/// A priced sale with a one-minute hold (the shortest a sale may have, so
/// this takes a minute): unpaid holds expire into the waiting list, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_paid_rehearsal_serves_the_waiting_list_in_order() {
    let target = Target::spawn(&ticketgrab_binary(), true, &[])
        .await
        .unwrap();
    let scenario = Scenario {
        name: "small-paid".into(),
        pools: vec![PoolSpec {
            id: "screening".into(),
            total: 100,
        }],
        members: 300,
        ranked: 1,
        cancel_share: 0.0,
        redeem_share: 0.0,
        paid: Some(Paid {
            price_fen: 500,
            hold_minutes: 1,
            never_pay_share: 0.1,
            pay_within_ms: 5_000,
            waiting_share: 0.5,
        }),
        lottery: false,
        fair_window_secs: 0,
        one_seat: false,
        kept: None,
    };
    let opts = Options {
        shares: ticketgrab_load::fairness::Shares::default(),
        connections: 32,
        lead: Duration::from_millis(1500),
        ceiling: false,
        progress: false,
    };
    let report = rehearse(&target, &scenario, &opts).await.unwrap();
    assert!(report.ok, "{}", report.text());
    assert_eq!(report.answers.get("201 ticket"), Some(&100));
    assert_eq!(report.after_sale.get("join 201"), Some(&100));
    assert_eq!(report.after_sale.get("pay 200 paid"), Some(&90));
    assert_eq!(report.after_sale.get("assigned pay 200 paid"), Some(&10));
    assert_eq!(report.audit["ok"], true);
}

/// A lottery of 20,000 entries over 8 shows on Redis, the server killed
/// (SIGKILL) while the draw writes its results and started again: the
/// resumed draw publishes the result the rules give, and every check passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lottery_killed_mid_draw_resumes_with_the_rules_result() {
    let mut target = Target::spawn(&ticketgrab_binary(), true, &[])
        .await
        .unwrap();
    let scenario = Scenario {
        members: 20_000,
        ..ticketgrab_load::scenario::named("theatre-lottery").unwrap()
    };
    let report =
        ticketgrab_load::lottery::rehearse(&mut target, &scenario, 64, true, &Default::default())
            .await
            .unwrap();
    assert!(report.ok, "{}", report.text());
    let killed = report.killed_after.expect("killed");
    assert!(killed > 0 && killed < 20_000, "{}", report.text());
    assert_eq!(report.won + report.waiting, 20_000);
    assert!(
        report.seats_won <= report.seats && report.seats_won > 2_900,
        "{}",
        report.text()
    );
    assert!(report.longest_redis_ms.is_some());
}

/// The `year` rehearsal in small (issue 33): twelve monthly sales for 1,500
/// members, without and with program rules, on Redis; every check passes
/// (no oversell, the cap never exceeded, audits ok, every draw verifies),
/// and the program's rules reach more members, more evenly, and leave the
/// fast group a smaller share.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_year_reaches_more_members_with_program_rules() {
    let target = Target::spawn(&ticketgrab_binary(), true, &[])
        .await
        .unwrap();
    let opts = ticketgrab_load::year::YearOptions {
        members: 1_500,
        seed: 7,
        connections: 32,
        cap: 2,
        fast_percent: 20,
        fair_window_secs: 0,
    };
    let report = ticketgrab_load::year::rehearse(&target, &opts)
        .await
        .unwrap();
    assert!(report.ok, "{}", report.text());
    let (plain, program) = (&report.runs[0], &report.runs[1]);
    assert_eq!(
        (plain.tickets, program.tickets),
        (1_800, 1_800),
        "{}",
        report.text()
    );
    assert_eq!(plain.reach_bound, program.reach_bound);
    assert!(
        program.members_reached > plain.members_reached,
        "{}",
        report.text()
    );
    assert!(
        program.gini < plain.gini && program.fast_share < plain.fast_share,
        "{}",
        report.text()
    );
    assert!(program.tickets_per_member.len() <= 3, "{}", report.text());
    let json: serde_json::Value = serde_json::to_value(&report).unwrap();
    for field in ["members_reached", "reach_bound", "gini", "fast_share"] {
        assert!(json["runs"][1][field].is_number(), "{field}");
    }
}
