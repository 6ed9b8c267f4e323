//! CPU time of the processes in a rehearsal, from /proc: which one ran out first.

use std::time::Instant;

use serde::Serialize;

/// Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// utime + stime of a process in seconds, if /proc has it.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SECOND)
}

/// CPU use of one process over a phase: cores busy on average.
#[derive(Serialize, Clone, Debug)]
pub struct CpuUse {
    pub process: String,
    pub cpu_seconds: f64,
    /// cpu_seconds / wall seconds: 1.0 is one core fully busy.
    pub cores: f64,
    /// CPU µs this process spent per HTTP answer of the phase: the cost of an
    /// answer, which a faster machine does not hide the way a rate does.
    pub us_per_answer: f64,
}

impl CpuUse {
    /// The same use, with its cost per answer for `answers` answers.
    pub fn per_answer(self, answers: u64) -> Self {
        Self {
            us_per_answer: self.cpu_seconds * 1e6 / answers.max(1) as f64,
            ..self
        }
    }
}

/// Samples processes at the start of a phase.
pub struct CpuMeter {
    started: Instant,
    start: Vec<(String, u32, f64)>,
}

impl CpuMeter {
    pub fn start(processes: &[(&str, Option<u32>)]) -> Self {
        let start = processes
            .iter()
            .filter_map(|(name, pid)| {
                let pid = (*pid)?;
                Some((name.to_string(), pid, cpu_seconds(pid)?))
            })
            .collect();
        Self {
            started: Instant::now(),
            start,
        }
    }

    pub fn stop(&self) -> Vec<CpuUse> {
        let wall = self.started.elapsed().as_secs_f64().max(1e-9);
        self.start
            .iter()
            .filter_map(|(name, pid, before)| {
                let used = cpu_seconds(*pid)? - before;
                Some(CpuUse {
                    process: name.clone(),
                    cpu_seconds: used,
                    cores: used / wall,
                    us_per_answer: 0.0,
                })
            })
            .collect()
    }
}
