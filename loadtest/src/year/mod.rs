//! The `year` rehearsal (issue 33, 普惠 over a year): twelve monthly sales
//! for one crowd — park-, cinema-, theatre- and umbrella-shaped, races and
//! lotteries, eight shows for the theatre — of whom ~40% try each month and
//! 20% are "fast" (their grabs go first in every race), with about a tenth
//! of the crowd's worth of tickets a month. The same crowd and seed run
//! twice: without program rules, and as one program with a cap and
//! `fewer_wins_first`. The report says, per run, how many members the year
//! reached against a reference allocator's bound, the Gini coefficient of
//! tickets per member, the fast group's share, and every check (no
//! oversell, the cap never exceeded, audits ok, every draw verifies).

pub mod measure;
pub mod sales;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::bail;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use ticketgrab::domain::{MemberKey, MemberKeyer, Millis, OrgPath};
use ticketgrab::tokens::Role;

use self::measure::{RunReport, Tried, YearReport, gini, reach_bound};
use self::sales::{Answer, Caller, Staff};
use crate::crowd::{card_for, member_ip, member_org};
use crate::target::Target;

/// What to rehearse.
pub struct YearOptions {
    pub members: usize,
    pub seed: u64,
    pub connections: usize,
    /// The program run's cap.
    pub cap: u32,
    /// Percent of the crowd that is fast (first in every race): 20 in the
    /// issue's year; 0 shows what speed alone costs the reach.
    pub fast_percent: u64,
    /// The races' fair window in seconds (issue 34; 0: plain races):
    /// every grab inside it registers, the registrations are drawn at its
    /// end (fewest tickets first in the program run), then the race.
    pub fair_window_secs: i64,
}

/// A month's sale: its shape, its pools, whether it is drawn.
struct Shape {
    name: &'static str,
    pools: usize,
    lottery: bool,
}

const fn shape(name: &'static str, pools: usize, lottery: bool) -> Shape {
    Shape {
        name,
        pools,
        lottery,
    }
}

/// The year: seven races and five lotteries.
const MONTHS: [Shape; 12] = [
    shape("park", 1, false),
    shape("cinema", 2, false),
    shape("theatre", 8, true),
    shape("umbrella", 1, false),
    shape("park", 1, true),
    shape("cinema", 2, false),
    shape("theatre", 8, false),
    shape("umbrella", 1, true),
    shape("park", 1, false),
    shape("cinema", 2, true),
    shape("theatre", 8, true),
    shape("umbrella", 1, false),
];

/// Share of the crowd that tries each month.
const TRIES: f64 = 0.4;

/// A month as the crowd meets it, the same in both runs.
struct Month {
    /// Who tries, fast members first, each with their ranked pools.
    tries: Vec<(usize, Vec<String>)>,
    /// Each pool's tickets.
    pools: Vec<(String, i64)>,
}

fn mix(mut x: u64) -> u64 {
    // splitmix64: a member's fixed draw of "fast" from the seed.
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn months(members: usize, seed: u64, fast: &[bool]) -> Vec<Month> {
    let tickets = (members / 10).max(MONTHS.len()) as i64;
    MONTHS
        .iter()
        .enumerate()
        .map(|(m, s)| {
            let mut rng = StdRng::seed_from_u64(seed.wrapping_add(m as u64));
            let ids: Vec<String> = (1..=s.pools).map(|i| format!("p{i}")).collect();
            let per = tickets / s.pools as i64;
            let pools = ids
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    (
                        p.clone(),
                        per + i64::from(i == 0) * (tickets - per * s.pools as i64),
                    )
                })
                .collect();
            let ranked = if s.lottery { 3.min(s.pools) } else { s.pools };
            let mut tries: Vec<(usize, Vec<String>)> = Vec::new();
            for i in 0..members {
                if !rng.random_bool(TRIES) {
                    continue;
                }
                let mut choices = ids.clone();
                for k in (1..choices.len()).rev() {
                    choices.swap(k, rng.random_range(0..=k));
                }
                choices.truncate(ranked);
                tries.push((i, choices));
            }
            // Each month's crowd arrives in its own order, the fast first in
            // every race (a stable sort keeps the rest's order).
            for k in (1..tries.len()).rev() {
                tries.swap(k, rng.random_range(0..=k));
            }
            tries.sort_by_key(|(i, _)| !fast[*i]);
            Month { tries, pools }
        })
        .collect()
}

/// Rehearses the year twice on `target`: without program rules, then as a
/// program with `opts.cap` and `fewer_wins_first`.
pub async fn rehearse(target: &Target, opts: &YearOptions) -> anyhow::Result<YearReport> {
    let minter = target.minter();
    let staff = Staff {
        client: reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(opts.connections)
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(60))
            .build()?,
        base: target.base.clone(),
        admin: minter.staff("rehearsal", Role::Admin, &OrgPath::parse("bj")?, 12 * 3600),
        connections: opts.connections,
    };
    let run = rand::rng().random_range(0..10_000u32);
    let org = member_org();
    let keyer = MemberKeyer::new(target.secrets.card_secret.as_bytes());
    let mut callers = Vec::with_capacity(opts.members);
    let mut index: HashMap<MemberKey, usize> = HashMap::with_capacity(opts.members);
    for i in 0..opts.members {
        let card = card_for(run, i as u64);
        index.insert(keyer.key(&card), i);
        callers.push(Caller {
            authorization: format!("Bearer {}", minter.member(&card, &org, 12 * 3600)),
            ip: member_ip(i as u64),
        });
    }
    let fast: Vec<bool> = (0..opts.members)
        .map(|i| mix(opts.seed ^ i as u64) % 100 < opts.fast_percent)
        .collect();
    let months = months(opts.members, opts.seed, &fast);
    let crowd = Crowd {
        callers: &callers,
        index: &index,
        fast: &fast,
        months: &months,
        run,
        fair_window_secs: opts.fair_window_secs,
    };
    let plain = crowd.run_one(&staff, "plain", None).await?;
    let program = crowd.run_one(&staff, "program", Some(opts.cap)).await?;
    let ok = plain.checks.iter().chain(&program.checks).all(|c| c.1);
    Ok(YearReport {
        members: opts.members,
        seed: opts.seed,
        months: MONTHS.len(),
        fast_members: fast.iter().filter(|f| **f).count(),
        runs: vec![plain, program],
        ok,
    })
}

struct Crowd<'a> {
    callers: &'a [Caller],
    index: &'a HashMap<MemberKey, usize>,
    fast: &'a [bool],
    months: &'a [Month],
    run: u32,
    fair_window_secs: i64,
}

impl Crowd<'_> {
    async fn run_one(
        &self,
        staff: &Staff,
        name: &str,
        cap: Option<u32>,
    ) -> anyhow::Result<RunReport> {
        let started = Instant::now();
        let program = format!("y{}-{name}", self.run);
        if let Some(cap) = cap {
            let now = Millis::now().0;
            let (status, made) = staff
                .post(
                    "/api/v1/admin/programs",
                    &json!({
                        "id": program, "title": "年度普惠抢票", "org": "bj", "cap": cap,
                        "draw_order": "fewer_wins_first",
                        "starts_at": Millis(now - 86_400_000).rfc3339(),
                        "ends_at": Millis(now + 400 * 86_400_000).rfc3339(),
                    }),
                )
                .await?;
            if status != 201 {
                bail!("creating the program: {status} {made}");
            }
        }
        let members = self.callers.len();
        let mut held = vec![0u32; members];
        let mut checks = Vec::new();
        let (mut errors, mut oversold, mut audits_failed, mut unverified) = (0, 0, 0, 0);
        for (m, (month, s)) in self.months.iter().zip(&MONTHS).enumerate() {
            let id = format!("y{}-{name}-m{}-{}", self.run, m + 1, s.name);
            let stock: i64 = month.pools.iter().map(|(_, n)| n).sum();
            let window = s
                .lottery
                .then(|| Duration::from_millis(1_200 + month.tries.len() as u64 * 2 / 3));
            // A race with a fair window is drawn too, by the service itself.
            let fair = (!s.lottery && self.fair_window_secs > 0).then_some(self.fair_window_secs);
            let closes = staff
                .create(
                    &id,
                    cap.map(|_| program.as_str()),
                    &month.pools,
                    window,
                    fair,
                )
                .await?;
            let (path, seats) = if s.lottery {
                (format!("/api/v1/events/{id}/entry"), json!(1))
            } else {
                (format!("/api/v1/events/{id}/reservations"), json!(1))
            };
            let calls = month
                .tries
                .iter()
                .map(|(i, choices)| {
                    let body = json!({"choices": choices, "seats": seats}).to_string();
                    (self.callers[*i].clone(), body)
                })
                .collect();
            let answers = staff.crowd(&path, calls).await;
            errors += answers.iter().filter(|a| **a == Answer::Error).count();
            let mut given = 0;
            if s.lottery || fair.is_some() {
                let (export, verified) = if fair.is_some() {
                    staff.drawn(&id, None).await?
                } else {
                    staff.draw(&id, closes).await?
                };
                unverified += usize::from(!verified);
                for e in export.entries.iter().filter(|e| e.won.is_some()) {
                    let key = MemberKey::from_stored(&e.member)?;
                    let Some(i) = self.index.get(&key) else {
                        bail!("{id}: a winner who is not of the crowd");
                    };
                    held[*i] += 1;
                    given += 1;
                }
                // After a fair window's draw, the race: tickets sold to
                // grabs that came after the window.
                for ((i, _), a) in month.tries.iter().zip(&answers) {
                    if *a == Answer::Yes && fair.is_some() {
                        held[*i] += 1;
                        given += 1;
                    }
                }
            } else {
                for ((i, _), a) in month.tries.iter().zip(&answers) {
                    if *a == Answer::Yes {
                        held[*i] += 1;
                        given += 1;
                    }
                }
            }
            oversold += usize::from(given > stock);
            audits_failed += usize::from(!staff.audit_ok(&id).await?);
        }
        checks.push((
            "no answer but a ticket, an entry, sold out or the cap".into(),
            errors == 0,
            format!("{errors} other answers"),
        ));
        checks.push((
            "no sale gave more tickets than it had".into(),
            oversold == 0,
            format!("{oversold} oversold sales"),
        ));
        checks.push((
            "every sale's audit is ok".into(),
            audits_failed == 0,
            format!("{audits_failed} failed"),
        ));
        checks.push((
            "every draw verifies against the closing kept".into(),
            unverified == 0,
            format!("{unverified} did not"),
        ));
        let most = held.iter().copied().max().unwrap_or(0);
        if let Some(cap) = cap {
            checks.push((
                "no member over the cap".into(),
                most <= cap,
                format!("most held: {most} of {cap}"),
            ));
            let (_, report) = staff
                .get(&format!("/api/v1/admin/programs/{program}"))
                .await?;
            let reached = held.iter().filter(|n| **n > 0).count();
            let server = report["reach"]["members_reached"].as_u64().unwrap_or(0) as usize;
            checks.push((
                "the program's reach as staff see it is the crowd's".into(),
                server == reached,
                format!("{server} on the server, {reached} counted here"),
            ));
            let differ = report["reach"]["places_differ"].as_u64();
            checks.push((
                "the store's places are what the sales' logs add up to".into(),
                differ == Some(0),
                format!("{differ:?} members differ"),
            ));
        }
        let tried: Vec<Tried> = self
            .months
            .iter()
            .map(|m| Tried {
                members: m.tries.iter().map(|(i, _)| *i).collect(),
                tickets: m.pools.iter().map(|(_, n)| *n as usize).sum(),
            })
            .collect();
        let tickets: usize = held.iter().map(|n| *n as usize).sum();
        let fast_tickets: usize = held
            .iter()
            .zip(self.fast)
            .filter(|(_, f)| **f)
            .map(|(n, _)| *n as usize)
            .sum();
        let members_reached = held.iter().filter(|n| **n > 0).count();
        let bound = reach_bound(members, &tried, cap.unwrap_or(2));
        Ok(RunReport {
            name: name.into(),
            cap,
            members_reached,
            reach_bound: bound,
            reach_ratio: members_reached as f64 / bound.max(1) as f64,
            gini: gini(&held),
            fast_share: fast_tickets as f64 / tickets.max(1) as f64,
            tickets,
            tickets_per_member: RunReport::histogram(&held),
            seconds: started.elapsed().as_secs_f64(),
            checks,
        })
    }
}
