//! The lottery rehearsal (`--scenario theatre-lottery`): the crowd enters a
//! lottery during its registration window, staff enter the public value and
//! run the draw, and the harness checks what it published — every entry
//! ranked once, no seat given twice, winners and waiting members adding up to
//! the entries, and `verify-draw`'s rules accepting the export. With
//! `--kill-mid-draw` the server is killed (SIGKILL) while the draw writes its
//! results and started again; the draw is resumed and must give the result
//! the rules give.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rand::Rng;
use serde_json::{Value, json};
use ticketgrab::domain::{Millis, OrgPath};
use ticketgrab::lottery::export::Export;
use ticketgrab::tokens::Role;

mod checks;
mod enter;
mod report;

use self::enter::{Entry, enter_all};
pub use self::report::LotteryReport;
use crate::cpu::{CpuMeter, CpuUse};
use crate::crowd::{card_for, member_ip, member_org};
use crate::fairness::{Fairness, Group, Shares};
use crate::scenario::Scenario;
use crate::target::Target;

async fn json_of(r: reqwest::Response) -> anyhow::Result<(u16, Value)> {
    let status = r.status().as_u16();
    Ok((status, r.json().await.unwrap_or(Value::Null)))
}

pub async fn rehearse(
    target: &mut Target,
    scenario: &Scenario,
    connections: usize,
    kill_mid_draw: bool,
    shares: &Shares,
) -> anyhow::Result<LotteryReport> {
    if kill_mid_draw && target.server_pid.is_none() {
        bail!("--kill-mid-draw needs --spawn (the harness restarts the server it started)");
    }
    let minter = target.minter();
    let admin = minter.staff("rehearsal", Role::Admin, &OrgPath::parse("bj")?, 6 * 3600);
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(connections)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()?;
    let base = target.base.clone();
    let run: u32 = rand::rng().random_range(0..10_000);
    let event = format!("{}-{run}", scenario.name);
    // The window: long enough for the crowd to enter at a few thousand a
    // second, then the draw at its close.
    let now = Millis::now().0;
    let closes = now + 8_000 + scenario.members as i64 / 4;
    let pools: Vec<Value> = scenario
        .pools
        .iter()
        .map(|p| json!({"id": p.id, "title": format!("第{}场", p.id), "title_en": p.id, "total": p.total}))
        .collect();
    let body = json!({
        "id": event, "title": "儿童剧（抽签）", "title_en": "Children's theatre (lottery)",
        "org": "bj", "opens_at": Millis(now - 1_000).rfc3339(), "closes_at": Millis(closes).rfc3339(),
        "price_fen": 0, "max_seats": 2, "mode": "lottery", "draw_at": Millis(closes).rfc3339(),
        "public_source": "drand round 5000000", "pools": pools,
    });
    let (status, created) = json_of(
        client
            .post(format!("{base}/api/v1/admin/events"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
            .await?,
    )
    .await?;
    if status != 201 {
        bail!("creating the lottery: {status} {created}");
    }

    // The crowd: ranked shows, 1 or 2 seats (one for a race's crowd); the
    // walk-ups enter at a station, by card.
    let org = member_org();
    let ids: Vec<String> = scenario.pools.iter().map(|p| p.id.clone()).collect();
    let mut rng = rand::rng();
    let station = minter.staff(
        "rehearsal-station",
        Role::Station,
        &OrgPath::parse("bj")?,
        6 * 3600,
    );
    let groups: Vec<Group> = (0..scenario.members).map(|i| shares.group(i)).collect();
    let members: Vec<Entry> = (0..scenario.members)
        .map(|i| {
            let mut choices = ids.clone();
            for k in (1..choices.len()).rev() {
                choices.swap(k, rng.random_range(0..=k));
            }
            choices.truncate(scenario.ranked.max(1));
            let seats = if scenario.one_seat {
                1
            } else {
                1 + rng.random_range(0..2)
            };
            let mut body = json!({"choices": choices, "seats": seats});
            let card = card_for(run, i);
            let (url, token) = if groups[i as usize] == Group::Station {
                body["event"] = json!(event);
                body["card"] = json!(card.digits());
                (format!("{base}/api/v1/station/enter"), station.clone())
            } else {
                let url = format!("{base}/api/v1/events/{event}/entry");
                (url, minter.member(&card, &org, 6 * 3600))
            };
            (
                url,
                format!("Bearer {token}"),
                member_ip(i),
                body.to_string(),
            )
        })
        .collect();
    let processes = |t: &Target| {
        [
            ("server", t.server_pid),
            ("redis", t.redis_pid),
            ("harness", Some(std::process::id())),
        ]
    };
    let cpu = CpuMeter::start(&processes(target));
    let started = Instant::now();
    let (entries_sent, entries_accepted, entry_errors) =
        enter_all(&client, members, connections).await;
    let enter_seconds = started.elapsed().as_secs_f64();
    let enter_cpu: Vec<CpuUse> = cpu
        .stop()
        .into_iter()
        .map(|u| u.per_answer(entries_accepted))
        .collect();

    // After the close: the public value, then the draw.
    while Millis::now().0 <= closes + 50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // What an observer keeps at the close, before the public value exists.
    let (_, closed) = json_of(
        client
            .get(format!("{base}/api/v1/events/{event}/lottery"))
            .send()
            .await?,
    )
    .await?;
    let closing_kept = closed["closing"]["digest"].as_str().map(str::to_owned);
    let admin_url = format!("{base}/api/v1/admin/events/{event}/lottery");
    let (status, answer) = json_of(
        client
            .post(format!("{admin_url}/public-value"))
            .bearer_auth(&admin)
            .json(&json!({"value": format!("rehearsal {run}")}))
            .send()
            .await?,
    )
    .await?;
    if status != 200 {
        bail!("entering the public value: {status} {answer}");
    }
    let mut redis = target.redis_conn();
    if let Some(conn) = redis.as_mut() {
        redis::cmd("CONFIG")
            .arg("SET")
            .arg("slowlog-log-slower-than")
            .arg(5_000)
            .exec(conn)?;
        redis::cmd("SLOWLOG").arg("RESET").exec(conn)?;
    }
    let cpu = CpuMeter::start(&processes(target)[..2]);
    let draw_started = Instant::now();
    let draw = |client: reqwest::Client, base: String| {
        let (admin, event) = (admin.clone(), event.clone());
        async move {
            let r = client
                .post(format!("{base}/api/v1/admin/events/{event}/lottery/draw"))
                .bearer_auth(&admin)
                .send()
                .await?;
            json_of(r).await
        }
    };
    let (status, answer) = draw(client.clone(), base.clone()).await?;
    if status != 202 && status != 200 {
        bail!("starting the draw: {status} {answer}");
    }
    let lottery_url = format!("{base}/api/v1/events/{event}/lottery");
    let state = |client: reqwest::Client| {
        let url = lottery_url.clone();
        async move { json_of(client.get(url).send().await?).await.map(|(_, v)| v) }
    };
    let mut killed_after = None;
    if kill_mid_draw {
        // Kill it once some results, not all, are written.
        let written = loop {
            let l = state(client.clone()).await?;
            let w = l["written"].as_i64().unwrap_or(0);
            if w > 0 || l["phase"] == "drawn" {
                break w;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        target.kill_and_restart().await?;
        killed_after = Some(written);
        // The new process resumes the draw once the dead one's lease ran out.
        loop {
            let (status, answer) = draw(client.clone(), target.base.clone()).await?;
            match status {
                200 | 202 => break,
                409 if answer["code"] == "draw_running" => {
                    tokio::time::sleep(Duration::from_millis(500)).await
                }
                _ => bail!("resuming the draw: {status} {answer}"),
            }
        }
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let published = loop {
        let l = state(client.clone()).await?;
        if l["phase"] == "drawn" {
            break l;
        }
        if Instant::now() > deadline {
            bail!("the draw did not finish within 120 s: {l}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let draw_seconds = draw_started.elapsed().as_secs_f64();
    let results = published["entries"].as_u64().unwrap_or(0);
    let draw_cpu: Vec<CpuUse> = if killed_after.is_some() {
        Vec::new()
    } else {
        cpu.stop()
            .into_iter()
            .map(|u| u.per_answer(results))
            .collect()
    };
    // The longest call, and what it was (the command and, for a script,
    // the action it was given: its 5th argument after the ten keys' count).
    let (longest_redis_ms, longest_redis_call) = match redis.as_mut() {
        Some(conn) => {
            let text = |v: &redis::Value| match v {
                redis::Value::BulkString(b) => {
                    String::from_utf8_lossy(b).chars().take(24).collect()
                }
                redis::Value::SimpleString(s) => s.clone(),
                _ => String::new(),
            };
            let log: Vec<(i64, String)> = redis::cmd("SLOWLOG")
                .arg("GET")
                .arg(1_000)
                .query::<Vec<redis::Value>>(conn)?
                .into_iter()
                .filter_map(|v| match v {
                    redis::Value::Array(parts) => match (parts.get(2), parts.get(3)) {
                        (Some(redis::Value::Int(us)), Some(redis::Value::Array(args))) => {
                            let name = [0usize, 13]
                                .iter()
                                .filter_map(|i| args.get(*i).map(text))
                                .collect::<Vec<_>>()
                                .join(" ");
                            Some((*us, name))
                        }
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            let (us, call) = log
                .into_iter()
                .max_by_key(|(us, _)| *us)
                .unwrap_or_default();
            (Some(us as f64 / 1000.0), Some(call))
        }
        None => (None, None),
    };

    let export: Export = client
        .get(format!("{lottery_url}/export"))
        .send()
        .await?
        .json()
        .await
        .context("reading the export")?;
    let (_, audit) = json_of(
        client
            .get(format!("{base}/api/v1/admin/events/{event}/audit"))
            .bearer_auth(&admin)
            .send()
            .await?,
    )
    .await?;
    let judged = checks::judge(&checks::Found {
        members: scenario.members,
        entries_accepted,
        entry_errors,
        export: &export,
        created: &created,
        published: &published,
        audit: &audit,
        killed_after,
        draw_seconds,
        closing_kept: closing_kept.as_deref(),
    });
    let (checks, won, waiting, seats_won, seats) = (
        judged.checks,
        judged.won,
        judged.waiting,
        judged.seats_won,
        judged.seats,
    );
    let ok = checks.iter().all(|c| c.1);
    let card_secret = target.secrets.card_secret.as_bytes();
    let holders = checks::winners(&export, card_secret, run, scenario.members);
    let fairness = Fairness::measure(shares, &groups, holders.into_iter());
    Ok(LotteryReport {
        scenario: scenario.name.clone(),
        entries_sent,
        entries_accepted,
        entry_errors,
        enter_seconds,
        entries_per_second: entries_accepted as f64 / enter_seconds.max(1e-9),
        draw_seconds,
        killed_after,
        longest_redis_ms,
        longest_redis_call,
        won,
        waiting,
        seats_won,
        seats,
        enter_cpu,
        draw_cpu,
        checks,
        ok,
        fairness,
    })
}
