//! The report as a self-contained HTML page with SVG charts, for people.

use super::Report;

impl Report {
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
