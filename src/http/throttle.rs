//! Repeated log lines at most once per period: a full disk or a flood of
//! forged notifications is one line every few seconds with the count of
//! those left out, not a line per request.

use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Throttle {
    period: Duration,
    /// When a line was last let through, and how many were left out since.
    state: Mutex<(Option<Instant>, u64)>,
}

impl Throttle {
    pub const fn new(period: Duration) -> Self {
        Self {
            period,
            state: Mutex::new((None, 0)),
        }
    }

    /// `Some(left out since the last line)` when a line may be logged now.
    pub fn allow(&self) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match state.0 {
            Some(last) if now.duration_since(last) < self.period => {
                state.1 += 1;
                None
            }
            _ => {
                let left_out = state.1;
                *state = (Some(now), 0);
                Some(left_out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_period_with_the_count_left_out() {
        let t = Throttle::new(Duration::from_millis(50));
        assert_eq!(t.allow(), Some(0));
        for _ in 0..9 {
            assert_eq!(t.allow(), None);
        }
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(t.allow(), Some(9));
    }
}
