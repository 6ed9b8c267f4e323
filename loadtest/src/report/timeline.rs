//! Answers over time: the rehearsal cut into equal slices from the opening,
//! each with its latency and its answers by code, for the report's charts.

use serde::Serialize;

use super::Answers;

/// One answer: ms since the opening it came at, its latency in µs, its label.
pub type Sample = (u32, u32, String);

#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Slice {
    /// Ms since the opening where the slice begins.
    pub start_ms: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub answers: Answers,
}

/// About `count` slices of a round width (10 ms, 20, 50, 100, ...) covering
/// every sample; the width and the slices, empty ones included.
pub fn slices(samples: &[Sample], count: usize) -> (u64, Vec<Slice>) {
    let span = samples.iter().map(|s| u64::from(s.0)).max().unwrap_or(0) + 1;
    let want = span.div_ceil(count.max(1) as u64);
    let width = [1, 2, 5]
        .iter()
        .flat_map(|m| (1..=7).map(move |e| m * 10u64.pow(e)))
        .filter(|w| *w >= want)
        .min()
        .unwrap_or(want);
    let n = span.div_ceil(width) as usize;
    let mut latencies: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut answers = vec![Answers::new(); n];
    for (at, us, label) in samples {
        let i = (u64::from(*at) / width) as usize;
        latencies[i].push(*us);
        *answers[i].entry(label.clone()).or_default() += 1;
    }
    let slices = latencies
        .into_iter()
        .zip(answers)
        .enumerate()
        .map(|(i, (mut l, answers))| {
            l.sort_unstable();
            let at = |q: f64| {
                l.get(((l.len() as f64 * q).ceil() as usize).saturating_sub(1))
                    .map_or(0.0, |us| f64::from(*us) / 1000.0)
            };
            Slice {
                start_ms: i as u64 * width,
                p50_ms: at(0.5),
                p99_ms: at(0.99),
                max_ms: at(1.0),
                answers,
            }
        })
        .collect();
    (width, slices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_are_round_cover_every_answer_and_keep_the_gaps() {
        let mut samples: Vec<Sample> = (0..100).map(|i| (i, 1_000 + i, "201".into())).collect();
        samples.push((950, 9_000, "409 sold_out".into()));
        let (width, slices) = slices(&samples, 60);
        assert_eq!(width, 20);
        assert_eq!(slices.len(), 48);
        let counted: u64 = slices.iter().flat_map(|s| s.answers.values()).sum();
        assert_eq!(counted, 101);
        assert_eq!(slices[0].answers["201"], 20);
        assert_eq!(slices[0].p50_ms, 1.009);
        assert_eq!(slices[0].max_ms, 1.019);
        assert!(slices[10].answers.is_empty());
        assert_eq!(slices[47].answers["409 sold_out"], 1);
        assert_eq!(slices[47].p99_ms, 9.0);
    }
}
