//! What the lottery rehearsal reports, in text and JSON.

use serde::Serialize;

use crate::cpu::CpuUse;

/// What the rehearsal measured and found.
#[derive(Debug, Serialize)]
pub struct LotteryReport {
    pub scenario: String,
    pub entries_sent: u64,
    pub entries_accepted: u64,
    pub entry_errors: u64,
    pub enter_seconds: f64,
    pub entries_per_second: f64,
    /// From POST draw to the draw published (with the restart, if killed).
    pub draw_seconds: f64,
    /// Results the draw had written when the server was killed.
    pub killed_after: Option<i64>,
    /// The longest single Redis command or script during the draw (SLOWLOG,
    /// 5 ms threshold), in ms; `None` without a Redis of the harness's own.
    pub longest_redis_ms: Option<f64>,
    pub longest_redis_call: Option<String>,
    pub won: u64,
    pub waiting: u64,
    pub seats_won: i64,
    pub seats: i64,
    /// CPU of each process while the crowd entered, µs per entry.
    pub enter_cpu: Vec<CpuUse>,
    /// CPU of each process during the draw, µs per result (not measured
    /// across a kill: the server's process changes).
    pub draw_cpu: Vec<CpuUse>,
    pub checks: Vec<(String, bool, String)>,
    pub ok: bool,
    /// Who won, by group (fast, slow, station walk-ups).
    pub fairness: crate::fairness::Fairness,
}

impl LotteryReport {
    pub fn text(&self) -> String {
        let mut out = format!(
            "lottery rehearsal {}: {} entries in {:.1} s ({:.0}/s, {} errors); drawn in {:.2} s{}; {} won ({} of {} seats), {} waiting{}\n",
            self.scenario,
            self.entries_accepted,
            self.enter_seconds,
            self.entries_per_second,
            self.entry_errors,
            self.draw_seconds,
            self.killed_after
                .map(|n| format!(" (killed after {n} results, restarted, resumed)"))
                .unwrap_or_default(),
            self.won,
            self.seats_won,
            self.seats,
            self.waiting,
            self.longest_redis_ms
                .map(|ms| format!(
                    "; longest Redis call during the draw {ms:.1} ms ({})",
                    self.longest_redis_call.as_deref().unwrap_or("?")
                ))
                .unwrap_or_default(),
        );
        let cost = |phase: &str, uses: &[CpuUse], per: &str| {
            let parts: Vec<String> = uses
                .iter()
                .map(|u| format!("{} {:.1} µs", u.process, u.us_per_answer))
                .collect();
            if parts.is_empty() {
                String::new()
            } else {
                format!("  cpu per {per} ({phase}): {}\n", parts.join(", "))
            }
        };
        out.push_str(&cost("entering", &self.enter_cpu, "entry"));
        out.push_str(&cost("the draw", &self.draw_cpu, "result"));
        for (name, ok, detail) in &self.checks {
            out.push_str(&format!(
                "  [{}] {name}: {detail}\n",
                if *ok { "ok" } else { "FAIL" }
            ));
        }
        out.push_str(&self.fairness.text());
        out
    }
}
