//! The rehearsal's report: figures, checks, text and JSON for machines; the
//! HTML page with its SVG charts is `report/html.rs`.

mod html;
mod timeline;

pub use timeline::{Sample, Slice};

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;
use serde_json::Value;

use crate::scenario::Scenario;

/// Answers by "status code" label.
pub type Answers = BTreeMap<String, u64>;

#[derive(Serialize, Clone, Debug)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

impl Check {
    pub fn new(name: &str, ok: bool, detail: String) -> Self {
        Self {
            name: name.into(),
            ok,
            detail,
        }
    }
}

/// /healthz with the same tool, connections and request count.
#[derive(Serialize, Clone, Debug)]
pub struct Ceiling {
    pub requests: u64,
    pub seconds: f64,
    pub rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// redis-benchmark of the grab script with the same connections.
#[derive(Serialize, Clone, Debug)]
pub struct RedisCeiling {
    pub command: String,
    pub rate: f64,
    pub summary: String,
}

#[derive(Serialize, Clone, Debug)]
pub struct Latency {
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    /// (percentile, ms) for the distribution chart.
    pub curve: Vec<(f64, f64)>,
}

#[derive(Serialize, Clone, Debug)]
pub struct Report {
    pub scenario: Scenario,
    pub target: String,
    /// How the server was started (its command line), when the harness started it.
    pub server: String,
    pub event: String,
    pub connections: usize,
    pub machine: String,
    pub date: String,
    pub requests: u64,
    pub grab_phase_s: f64,
    /// From the opening to the last ticket, when the stock ran out.
    pub time_to_sell_out_ms: Option<u64>,
    /// From the opening until every member had a final answer.
    pub time_to_last_answer_ms: Option<u64>,
    pub throughput_rps: f64,
    pub latency: Latency,
    pub answers: Answers,
    pub after_sale: Answers,
    /// Ms since the opening at which each ticket was granted, sorted.
    pub ticket_times_ms: Vec<u64>,
    pub checks: Vec<Check>,
    pub audit: Value,
    pub ceiling: Option<Ceiling>,
    /// throughput / ceiling.rate.
    pub ratio_to_healthz: Option<f64>,
    pub redis_ceiling: Option<RedisCeiling>,
    /// throughput / redis_ceiling.rate.
    pub ratio_to_redis: Option<f64>,
    /// CPU use of each process during the grab phase.
    pub cpu: Vec<crate::cpu::CpuUse>,
    /// Answers over time, in slices of `slice_ms` from the opening.
    pub slice_ms: u64,
    pub timeline: Vec<Slice>,
    pub ok: bool,
    /// How to measure the Redis ceiling by hand, on a Redis run (none on
    /// the embedded store: it has no Redis to measure).
    pub redis_benchmark: Option<String>,
    /// Who won, by group (fast, slow, station walk-ups).
    pub fairness: Option<crate::fairness::Fairness>,
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// What a rehearsal measured, before it becomes a report.
pub struct Measurements {
    pub scenario: Scenario,
    pub target: String,
    pub server: String,
    pub event: String,
    pub connections: usize,
    pub requests: u64,
    pub grab_phase: Duration,
    pub time_to_sell_out_ms: Option<u64>,
    pub time_to_last_answer_ms: Option<u64>,
    pub latency_us: Histogram<u64>,
    pub answers: Answers,
    pub after_sale: Answers,
    pub ticket_times_ms: Vec<u64>,
    pub checks: Vec<Check>,
    pub audit: Value,
    pub ceiling: Option<Ceiling>,
    pub redis_ceiling: Option<RedisCeiling>,
    /// Whether the sale ran on Redis (else the embedded store).
    pub on_redis: bool,
    pub cpu: Vec<crate::cpu::CpuUse>,
    pub samples: Vec<Sample>,
    pub fairness: Option<crate::fairness::Fairness>,
}

impl Report {
    pub fn new(m: Measurements) -> Self {
        let Measurements {
            scenario,
            target,
            server,
            event,
            connections,
            requests,
            grab_phase,
            time_to_sell_out_ms,
            time_to_last_answer_ms,
            latency_us: hist,
            answers,
            after_sale,
            ticket_times_ms,
            checks,
            audit,
            ceiling,
            redis_ceiling,
            on_redis,
            cpu,
            samples,
            fairness,
        } = m;
        let (slice_ms, timeline) = timeline::slices(&samples, 60);
        let q = |x: f64| ms(hist.value_at_quantile(x));
        let curve = [
            0.0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999, 1.0,
        ]
        .iter()
        .map(|p| (p * 100.0, q(*p)))
        .collect();
        let throughput = requests as f64 / grab_phase.as_secs_f64().max(1e-9);
        let ok = checks.iter().all(|c| c.ok);
        // The keys as the server's CLI names them (the harness does not know
        // the store's layout).
        let keys = format!("$(ticketgrab keys {event} | wc -l) $(ticketgrab keys {event})");
        Self {
            redis_benchmark: on_redis.then(|| format!(
                "redis-benchmark -p <port> -c {connections} -n 300000 -r 2000000000 EVALSHA $(redis-cli -p <port> SCRIPT LOAD \"$(ticketgrab lua grab)\") {keys} m__rand_int__ '6217 **** **** 1234' app c__rand_int__ bj/x 1 '' {}",
                scenario.pools[0].id
            )),
            ratio_to_healthz: ceiling.as_ref().map(|c| throughput / c.rate),
            ratio_to_redis: redis_ceiling
                .as_ref()
                .filter(|r| r.rate > 0.0)
                .map(|r| throughput / r.rate),
            redis_ceiling,
            cpu: cpu.into_iter().map(|c| c.per_answer(requests)).collect(),
            scenario,
            target,
            server,
            event,
            connections,
            machine: machine(),
            date: chrono::Utc::now().to_rfc3339(),
            requests,
            grab_phase_s: grab_phase.as_secs_f64(),
            time_to_sell_out_ms,
            time_to_last_answer_ms,
            throughput_rps: throughput,
            latency: Latency {
                p50_ms: q(0.5),
                p90_ms: q(0.9),
                p99_ms: q(0.99),
                p999_ms: q(0.999),
                max_ms: ms(hist.max()),
                curve,
            },
            answers,
            after_sale,
            ticket_times_ms,
            checks,
            audit,
            ceiling,
            slice_ms,
            timeline,
            ok,
            fairness,
        }
    }

    /// The summary printed at the end of a run.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let opt =
            |v: Option<u64>| v.map_or("-".to_owned(), |v| format!("{:.2} s", v as f64 / 1000.0));
        let _ = writeln!(
            out,
            "scenario {}: {} tickets, {} members, {} connections ({})",
            self.scenario.name,
            self.scenario.stock(),
            self.scenario.members,
            self.connections,
            self.machine
        );
        let _ = writeln!(
            out,
            "time to sell out      {}",
            opt(self.time_to_sell_out_ms)
        );
        let _ = writeln!(
            out,
            "time to last answer   {}",
            opt(self.time_to_last_answer_ms)
        );
        let _ = writeln!(
            out,
            "requests              {} in {:.2} s = {:.0} req/s",
            self.requests, self.grab_phase_s, self.throughput_rps
        );
        let l = &self.latency;
        let _ = writeln!(
            out,
            "latency ms            p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
            l.p50_ms, l.p90_ms, l.p99_ms, l.p999_ms, l.max_ms
        );
        if let (Some(c), Some(r)) = (&self.ceiling, self.ratio_to_healthz) {
            let _ = writeln!(
                out,
                "ceiling /healthz      {:.0} req/s (p50 {:.2} ms, p99 {:.2} ms); grabs reach {:.2} of it",
                c.rate, c.p50_ms, c.p99_ms, r
            );
        }
        if let (Some(c), Some(r)) = (&self.redis_ceiling, self.ratio_to_redis) {
            let _ = writeln!(
                out,
                "ceiling redis grab    {:.0} req/s (redis-benchmark, same connections); grabs reach {r:.2} of it",
                c.rate
            );
        }
        if !self.cpu.is_empty() {
            let cpu: Vec<String> = self
                .cpu
                .iter()
                .map(|c| {
                    format!(
                        "{} {:.2} cores ({:.1} µs/answer)",
                        c.process, c.cores, c.us_per_answer
                    )
                })
                .collect();
            let _ = writeln!(out, "cpu during the grab   {}", cpu.join(", "));
        }
        let _ = writeln!(
            out,
            "answers               {}",
            self.answers
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !self.after_sale.is_empty() {
            let _ = writeln!(
                out,
                "after the sale        {}",
                self.after_sale
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        for c in &self.checks {
            let _ = writeln!(
                out,
                "[{}] {} ({})",
                if c.ok { " ok " } else { "FAIL" },
                c.name,
                c.detail
            );
        }
        if let (None, Some(by_hand)) = (&self.redis_ceiling, &self.redis_benchmark) {
            let _ = writeln!(out, "redis ceiling: {by_hand}");
        }
        if let Some(f) = &self.fairness {
            out.push_str(&f.text());
        }
        out
    }
}

pub(crate) fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or("? GiB".to_owned(), |kb| {
            format!("{:.0} GiB", kb as f64 / 1024.0 / 1024.0)
        });
    format!("{cores} cores, {mem}")
}
