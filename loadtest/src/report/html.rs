//! The report as a self-contained HTML page with SVG charts, for people.

use super::Report;

impl Report {
    /// A self-contained page: no scripts, no fonts, no network. The facts of
    /// the run, the checks once (as a table), then the charts: every ticket,
    /// the sell-out zoomed in, latency and answers by code over time.
    pub fn html(&self) -> String {
        let span = self.time_to_last_answer_ms.unwrap_or(1);
        let tickets = tickets_chart(&self.ticket_times_ms, span);
        let sell_out = match self.time_to_sell_out_ms {
            Some(ms) if ms > 0 && ms * 4 < span => format!(
                "<h2>The sell-out, zoomed: its first {}</h2>{}",
                if ms < 1_000 {
                    format!("{ms} ms")
                } else {
                    format!("{:.2} s", ms as f64 / 1000.0)
                },
                tickets_chart(&self.ticket_times_ms, ms)
            ),
            _ => String::new(),
        };
        let over_time = latency_over_time(&self.timeline, self.slice_ms);
        let by_code = answers_over_time(&self.timeline, self.slice_ms);
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
        let who_wins = self.fairness.as_ref().map(|f| f.html()).unwrap_or_default();
        let facts: String = self
            .facts()
            .iter()
            .map(|(k, v)| format!("<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v)))
            .collect();
        format!(
            "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>ticketgrab rehearsal: {name}</title>\
             <style>body{{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#111}}\
             td,th{{padding:4px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}}th{{white-space:nowrap}}\
             .ok{{color:#065f46}}.fail{{color:#b91c1c;font-weight:bold}}svg{{max-width:100%;height:auto}}\
             .legend span{{margin-right:1em}}</style>\
             <h1>Rehearsal: {name} {verdict}</h1><table>{facts}</table>\
             <h2>Checks</h2><table>{rows}</table>{who_wins}\
             <h2>Tickets over time</h2>{tickets}{sell_out}\
             <h2>Latency over time</h2>{over_time}<h2>Answers by code over time</h2>{by_code}\
             <h2>Latency distribution</h2>{latency}</html>",
            name = esc(&self.scenario.name),
            verdict = if self.ok {
                "— all checks passed"
            } else {
                "— CHECKS FAILED"
            },
        )
    }

    /// The run's figures and settings, one line each (wrapped, never cut).
    fn facts(&self) -> Vec<(&'static str, String)> {
        let secs =
            |v: Option<u64>| v.map_or("-".to_owned(), |v| format!("{:.2} s", v as f64 / 1000.0));
        let count = |a: &super::Answers| {
            a.iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let l = &self.latency;
        let mut facts = vec![
            ("date", self.date.clone()),
            ("target", self.target.clone()),
            ("server", self.server.clone()),
            ("machine", self.machine.clone()),
            (
                "scenario",
                format!(
                    "{}: {} tickets, {} members, {} connections",
                    self.scenario.name,
                    self.scenario.stock(),
                    self.scenario.members,
                    self.connections
                ),
            ),
            ("time to sell out", secs(self.time_to_sell_out_ms)),
            ("time to last answer", secs(self.time_to_last_answer_ms)),
            (
                "requests",
                format!(
                    "{} in {:.2} s = {:.0} req/s",
                    self.requests, self.grab_phase_s, self.throughput_rps
                ),
            ),
            (
                "latency",
                format!(
                    "p50 {:.2} ms, p90 {:.2}, p99 {:.2}, p99.9 {:.2}, max {:.2}",
                    l.p50_ms, l.p90_ms, l.p99_ms, l.p999_ms, l.max_ms
                ),
            ),
            ("answers", count(&self.answers)),
        ];
        if !self.after_sale.is_empty() {
            facts.push(("after the sale", count(&self.after_sale)));
        }
        if let (Some(c), Some(r)) = (&self.ceiling, self.ratio_to_healthz) {
            facts.push((
                "ceiling /healthz",
                format!(
                    "{:.0} req/s (p99 {:.2} ms); grabs reach {r:.2} of it",
                    c.rate, c.p99_ms
                ),
            ));
        }
        if let (Some(c), Some(r)) = (&self.redis_ceiling, self.ratio_to_redis) {
            facts.push((
                "ceiling redis grab",
                format!(
                    "{:.0} req/s ({}); grabs reach {r:.2} of it",
                    c.rate, c.command
                ),
            ));
        } else if let Some(by_hand) = &self.redis_benchmark {
            facts.push(("redis ceiling, by hand", by_hand.clone()));
        }
        for c in &self.cpu {
            facts.push((
                "cpu during the grab",
                format!(
                    "{} {:.2} cores ({:.1} µs per answer)",
                    c.process, c.cores, c.us_per_answer
                ),
            ));
        }
        facts
    }
}

/// Colours for lines, in order; a legend names them.
const COLOURS: &[&str] = &[
    "#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2", "#be185d", "#4b5563",
];

fn legend(names: &[String]) -> String {
    let items: String = names
        .iter()
        .zip(COLOURS.iter().cycle())
        .map(|(n, c)| format!("<span style=\"color:{c}\">■ {}</span>", esc(n)))
        .collect();
    format!("<p class=\"legend\">{items}</p>")
}

fn latency_over_time(slices: &[super::Slice], width_ms: u64) -> String {
    let x = |i: usize| (i as u64 * width_ms) as f64 / 1000.0;
    let x_max = x(slices.len());
    let y_max = slices.iter().map(|s| s.p99_ms).fold(0.0, f64::max);
    let line = |f: fn(&super::Slice) -> f64, colour| {
        let points: Vec<(f64, f64)> = slices
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.answers.is_empty())
            .map(|(i, s)| (x(i), f(s)))
            .collect();
        polyline(&points, x_max, y_max, colour)
    };
    svg(
        &(line(|s| s.p50_ms, COLOURS[0])
            + &line(|s| s.p99_ms, COLOURS[1])
            + &ticks(&seconds(x_max), y_max)),
        &format!("seconds since the opening ({width_ms} ms slices)"),
        "latency (ms)",
    ) + &legend(&["p50".into(), "p99".into()])
}

fn answers_over_time(slices: &[super::Slice], width_ms: u64) -> String {
    let x = |i: usize| (i as u64 * width_ms) as f64 / 1000.0;
    let x_max = x(slices.len());
    let per_s = |n: u64| n as f64 * 1000.0 / width_ms.max(1) as f64;
    let mut codes: Vec<String> = slices
        .iter()
        .flat_map(|s| s.answers.keys().cloned())
        .collect();
    codes.sort();
    codes.dedup();
    let y_max = slices
        .iter()
        .flat_map(|s| s.answers.values().map(|n| per_s(*n)))
        .fold(0.0, f64::max);
    let lines: String = codes
        .iter()
        .zip(COLOURS.iter().cycle())
        .map(|(code, colour)| {
            let points: Vec<(f64, f64)> = slices
                .iter()
                .enumerate()
                .map(|(i, s)| (x(i), per_s(s.answers.get(code).copied().unwrap_or(0))))
                .collect();
            polyline(&points, x_max, y_max, colour)
        })
        .collect();
    svg(
        &(lines + &ticks(&seconds(x_max), y_max)),
        &format!("seconds since the opening ({width_ms} ms slices)"),
        "answers per second",
    ) + &legend(&codes)
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

/// "0.13 s" under a second, "4.2 s" above.
fn seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{s:.2} s")
    } else {
        format!("{s:.1} s")
    }
}

/// Axis ends: `x_end` under the right end of the x axis, `y_max` at the top
/// (whole numbers as such).
fn ticks(x_end: &str, y_max: f64) -> String {
    let top = if y_max.fract() == 0.0 {
        format!("{y_max:.0}")
    } else {
        format!("{y_max:.1}")
    };
    format!(
        "<text x=\"{PAD}\" y=\"{b}\" font-size=\"11\">0</text><text x=\"{r}\" y=\"{b}\" font-size=\"11\" text-anchor=\"end\">{x_end}</text>\
         <text x=\"{l}\" y=\"{t}\" font-size=\"11\" text-anchor=\"end\">{top}</text>",
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
        &(polyline(&points, x_max, y_max, "#2563eb") + &ticks(&seconds(x_max), y_max)),
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
