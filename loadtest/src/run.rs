//! The rehearsal: create the sale, open connections, release every member at
//! the opening, behave like the app, then check and measure. Each step lives
//! in its own module; this one puts them in order.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rand::Rng;
use serde_json::Value;
use ticketgrab::domain::OrgPath;
use ticketgrab::tokens::Role;

use crate::checks::{Staff, after_sale, checks, tickets};
use crate::cpu::CpuMeter;
use crate::fairness::{Fairness, Group, Shares};
use crate::grab::Live;
use crate::report::{Measurements, Report};
use crate::scenario::Scenario;
use crate::target::Target;
use crate::{ceilings, crowd, grab, paid};

/// How the crowd behaves.
#[derive(Clone, Debug)]
pub struct Options {
    /// HTTP requests in flight at once (connections, opened beforehand).
    pub connections: usize,
    /// Time from creating the sale to its opening, for warming up.
    pub lead: Duration,
    /// Also measure GET /healthz with the same connections and request count.
    pub ceiling: bool,
    /// Show the live progress bar.
    pub progress: bool,
    /// The crowd's groups: who is slow, who walks up to a station.
    pub shares: Shares,
}

pub async fn rehearse(
    target: &Target,
    scenario: &Scenario,
    opts: &Options,
) -> anyhow::Result<Report> {
    let minter = target.minter();
    let org = OrgPath::parse("bj")?;
    let admin = minter.staff("rehearsal", Role::Admin, &org, 6 * 3600);
    let station = minter.staff("rehearsal-station", Role::Station, &org, 6 * 3600);
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(opts.connections)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()?;
    let base = target.base.as_str();

    let run: u32 = rand::rng().random_range(0..10_000);
    let event = crowd::event_id(scenario, run);
    let members = crowd::build(&minter, scenario, run, &opts.shares, (&event, &station));
    let bodies: Vec<bytes::Bytes> = members.iter().map(|m| m.body.clone()).collect();
    let groups: Vec<Group> = members.iter().map(|m| m.group).collect();
    let total = members.len();
    let sale = crowd::create_sale(&client, base, &admin, scenario, opts.lead, event).await?;
    // The walk-ups' cards in the register: the station takes from their
    // union's allotment and, for hardship members, the share.
    if let Some(plan) = &scenario.kept {
        let walk_ups = groups
            .iter()
            .enumerate()
            .filter(|(_, g)| **g == Group::Station);
        let csv = plan.register(
            walk_ups.map(|(i, _)| (i as u64, crowd::card_for(run, i as u64).digits().to_owned())),
        );
        let resp = client
            .post(format!("{base}/api/v1/admin/register"))
            .bearer_auth(&admin)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await?;
        anyhow::ensure!(
            resp.status().is_success(),
            "the register import failed: {}",
            resp.status()
        );
    }
    crowd::warm_up(&client, base, opts.connections).await?;
    let wires = grab::connect(base, opts.connections).await?;

    let live = Arc::new(Live::default());
    let (bar, ticker) = grab::progress(opts.progress, total as u64, live.clone());
    tokio::time::sleep_until(sale.opening).await;
    let cpu = CpuMeter::start(&[
        ("server", target.server_pid),
        ("redis", target.redis_pid),
        ("harness", Some(std::process::id())),
    ]);
    let started = std::time::Instant::now();
    let path = format!("/api/v1/events/{}/reservations", sale.event);
    let recorded = grab::run(wires, path, members, live.clone(), &opts.shares).await?;
    let grab_phase = started.elapsed();
    let cpu = cpu.stop();
    ticker.abort();
    bar.finish_and_clear();
    let sent = live.sent.load(Ordering::Relaxed);

    let staff = Staff {
        client: &client,
        base,
        event: &sale.event,
        station: &station,
        minter: &minter,
        run,
    };
    let mut after = after_sale(&staff, scenario, &recorded).await?;
    let paid_run = match &scenario.paid {
        Some(paid) => {
            let inputs = paid::Inputs {
                admin: &admin,
                bodies: &bodies,
                secret: &target.secrets.payment_secret,
                connections: opts.connections,
                opening: sale.opening,
            };
            Some(paid::after_grab(&staff, paid, &recorded, &inputs).await?)
        }
        None => None,
    };
    if let Some(p) = &paid_run {
        after.extend(p.answers.clone());
    }
    let audit: Value = client
        .get(format!("{base}/api/v1/admin/events/{}/audit", sale.event))
        .bearer_auth(&admin)
        .send()
        .await?
        .json()
        .await?;

    let ceiling = if opts.ceiling {
        Some(ceilings::healthz(&client, base, opts.connections, sent).await?)
    } else {
        None
    };
    let redis_ceiling = match (opts.ceiling, target.redis_port, &target.server_bin) {
        (true, Some(port), Some(bin)) => {
            Some(ceilings::redis(&client, base, &admin, bin, port, opts.connections).await?)
        }
        _ => None,
    };

    let errors = live.errors.load(Ordering::Relaxed);
    let mut checks = checks(scenario, &recorded, total, errors, &audit);
    // Who holds a ticket as the grab phase ends, by group.
    let mut fairness = Fairness::measure(&opts.shares, &groups, recorded.codes.keys().copied());
    if scenario.fair_window_secs > 0 {
        let registered = recorded.answers.get("202 registered").copied();
        let (more, mut window) =
            crate::checks::window_checks(&client, base, &sale.event, registered).await?;
        checks.extend(more);
        // The registrations' rate: from the first 202 to the last.
        let times: Vec<u32> = recorded
            .samples
            .iter()
            .filter(|s| s.2 == "202 registered")
            .map(|s| s.0)
            .collect();
        if let (Some(first), Some(last)) = (times.iter().min(), times.iter().max())
            && last > first
        {
            let span = f64::from(last - first) / 1000.0;
            window.registrations_per_s = Some(window.registrations as f64 / span);
        }
        fairness.window = Some(window);
    }
    checks.extend(paid_run.map(|p| p.checks).unwrap_or_default());
    if let Some(plan) = &scenario.kept {
        let sale_now: Value = client
            .get(format!("{base}/api/v1/admin/events/{}", sale.event))
            .bearer_auth(&admin)
            .send()
            .await?
            .json()
            .await?;
        let holders = recorded.codes.keys().map(|i| (*i as u64, groups[*i]));
        let (more, text) = crate::kept::report(plan, &sale_now, holders);
        checks.extend(more);
        checks.push(crate::report::Check::new("kept parts filled", true, text));
    }
    let mut ticket_times = recorded.ticket_times.clone();
    ticket_times.sort_unstable();
    let sold_out_ms = (tickets(&recorded) >= scenario.stock())
        .then(|| ticket_times.last().copied())
        .flatten();
    Ok(Report::new(Measurements {
        scenario: scenario.clone(),
        target: target.base.clone(),
        server: target.settings.clone(),
        event: sale.event,
        connections: opts.connections,
        requests: sent,
        grab_phase,
        time_to_sell_out_ms: sold_out_ms,
        time_to_last_answer_ms: recorded.final_times.iter().max().copied(),
        latency_us: recorded.latency_us,
        answers: recorded.answers,
        after_sale: after,
        ticket_times_ms: ticket_times,
        checks,
        audit,
        ceiling,
        redis_ceiling,
        on_redis: target.redis_port.is_some(),
        cpu,
        samples: recorded.samples,
        fairness: Some(fairness),
    }))
}
