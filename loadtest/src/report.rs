//! The rehearsal's report: figures, checks, JSON for machines and a
//! self-contained HTML page with SVG charts for people.

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
    pub ok: bool,
    pub redis_benchmark: String,
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

impl Report {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        scenario: Scenario,
        target: String,
        event: String,
        connections: usize,
        requests: u64,
        grab_phase: Duration,
        time_to_sell_out_ms: Option<u64>,
        time_to_last_answer_ms: Option<u64>,
        hist: &Histogram<u64>,
        answers: Answers,
        after_sale: Answers,
        ticket_times_ms: Vec<u64>,
        checks: Vec<Check>,
        audit: Value,
        ceiling: Option<Ceiling>,
        redis_ceiling: Option<RedisCeiling>,
        cpu: Vec<crate::cpu::CpuUse>,
    ) -> Self {
        let q = |x: f64| ms(hist.value_at_quantile(x));
        let curve = [
            0.0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999, 1.0,
        ]
        .iter()
        .map(|p| (p * 100.0, q(*p)))
        .collect();
        let throughput = requests as f64 / grab_phase.as_secs_f64().max(1e-9);
        let ok = checks.iter().all(|c| c.ok);
        let keys = ["meta", "stock", "total", "cnt", "res", "member", "log"]
            .map(|k| format!("'tg:{{{event}}}:{k}'"))
            .join(" ");
        Self {
            redis_benchmark: format!(
                "redis-benchmark -p <port> -c {connections} -n 300000 -r 2000000000 EVALSHA $(redis-cli -p <port> SCRIPT LOAD \"$(ticketgrab lua grab)\") 7 {keys} m__rand_int__ '6217 **** **** 1234' app c__rand_int__ bj/x {}",
                scenario.pools[0].id
            ),
            ratio_to_healthz: ceiling.as_ref().map(|c| throughput / c.rate),
            ratio_to_redis: redis_ceiling
                .as_ref()
                .filter(|r| r.rate > 0.0)
                .map(|r| throughput / r.rate),
            redis_ceiling,
            cpu,
            scenario,
            target,
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
            ok,
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
                .map(|c| format!("{} {:.2} cores", c.process, c.cores))
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
        if self.redis_ceiling.is_none() {
            let _ = writeln!(out, "redis ceiling: {}", self.redis_benchmark);
        }
        out
    }

    /// A self-contained page: no scripts, no fonts, no network.
    pub fn html(&self) -> String {
        let tickets = tickets_chart(
            &self.ticket_times_ms,
            self.time_to_last_answer_ms.unwrap_or(1),
        );
        let latency = latency_chart(&self.latency.curve);
        let rows: String = self
            .checks
            .iter()
            .map(|c| {
                format!(
                    "<tr><td class=\"{}\">{}</td><td>{}</td><td>{}</td></tr>",
                    if c.ok { "ok" } else { "fail" },
                    if c.ok { "ok" } else { "FAIL" },
                    esc(&c.name),
                    esc(&c.detail)
                )
            })
            .collect();
        format!(
            "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>ticketgrab rehearsal: {name}</title>\
             <style>body{{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#111}}\
             td,th{{padding:4px 8px;text-align:left}}.ok{{color:#065f46}}.fail{{color:#b91c1c;font-weight:bold}}\
             pre{{background:#f3f4f6;padding:1em;overflow-x:auto}}</style>\
             <h1>Rehearsal: {name}</h1><pre>{text}</pre>\
             <h2>Checks</h2><table>{rows}</table>\
             <h2>Tickets over time</h2>{tickets}<h2>Latency distribution</h2>{latency}</html>",
            name = esc(&self.scenario.name),
            text = esc(&self.text()),
        )
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const W: f64 = 800.0;
const H: f64 = 300.0;
const PAD: f64 = 50.0;

fn svg(body: &str, x_label: &str, y_label: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" role=\"img\">\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\
         <line x1=\"{PAD}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#333\"/><line x1=\"{PAD}\" y1=\"{PAD}\" x2=\"{PAD}\" y2=\"{b}\" stroke=\"#333\"/>\
         <text x=\"{mx}\" y=\"{ly}\" text-anchor=\"middle\" font-size=\"12\">{x_label}</text>\
         <text x=\"14\" y=\"{my}\" font-size=\"12\" transform=\"rotate(-90 14 {my})\" text-anchor=\"middle\">{y_label}</text>{body}</svg>",
        b = H - PAD,
        r = W - 10.0,
        mx = W / 2.0,
        ly = H - 10.0,
        my = H / 2.0,
    )
}

fn polyline(points: &[(f64, f64)], x_max: f64, y_max: f64, colour: &str) -> String {
    let pts: Vec<String> = points
        .iter()
        .map(|(x, y)| {
            let px = PAD + x / x_max.max(1e-9) * (W - PAD - 10.0);
            let py = H - PAD - y / y_max.max(1e-9) * (H - 2.0 * PAD);
            format!("{px:.1},{py:.1}")
        })
        .collect();
    format!(
        "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
        pts.join(" ")
    )
}

/// Axis ends: `x_end` under the right end of the x axis, `y_max` at the top.
fn ticks(x_end: &str, y_max: f64) -> String {
    format!(
        "<text x=\"{PAD}\" y=\"{b}\" font-size=\"11\">0</text><text x=\"{r}\" y=\"{b}\" font-size=\"11\" text-anchor=\"end\">{x_end}</text>\
         <text x=\"{l}\" y=\"{t}\" font-size=\"11\" text-anchor=\"end\">{y_max:.1}</text>",
        b = H - PAD + 14.0,
        r = W - 10.0,
        l = PAD - 4.0,
        t = PAD + 4.0
    )
}

fn tickets_chart(times_ms: &[u64], span_ms: u64) -> String {
    let x_max = span_ms.max(1) as f64 / 1000.0;
    let mut points = vec![(0.0, 0.0)];
    let step = (times_ms.len() / 400).max(1);
    for (i, t) in times_ms.iter().enumerate().step_by(step) {
        points.push((*t as f64 / 1000.0, (i + 1) as f64));
    }
    if let Some(last) = times_ms.last() {
        points.push((*last as f64 / 1000.0, times_ms.len() as f64));
    }
    let y_max = times_ms.len().max(1) as f64;
    svg(
        &(polyline(&points, x_max, y_max, "#2563eb") + &ticks(&format!("{x_max:.1} s"), y_max)),
        "seconds since the opening",
        "tickets granted",
    )
}

fn latency_chart(curve: &[(f64, f64)]) -> String {
    // x: percentile on a log scale of 1/(1-p), so the tail gets room.
    let xs: Vec<(f64, f64)> = curve
        .iter()
        .map(|(p, ms)| ((1.0 / (1.0 - (p / 100.0).min(0.99999))).log10(), *ms))
        .collect();
    let x_max = xs.iter().map(|p| p.0).fold(0.0, f64::max);
    let y_max = xs.iter().map(|p| p.1).fold(0.0, f64::max);
    let labels: String = xs
        .iter()
        .zip(curve)
        .filter(|(_, (p, _))| [50.0, 90.0, 99.0, 99.9].contains(p))
        .map(|((x, _), (p, _))| {
            format!(
                "<text x=\"{:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">p{p}</text>",
                PAD + x / x_max.max(1e-9) * (W - PAD - 10.0),
                H - PAD + 28.0
            )
        })
        .collect();
    svg(
        &(polyline(&xs, x_max, y_max, "#dc2626") + &ticks("", y_max) + &labels),
        "percentile",
        "latency (ms)",
    )
}

fn machine() -> String {
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
