//! An event's log in the embedded store: its entries in chunks of a fixed
//! size, so appending never moves what is there. (One `Vec` of a million
//! entries copies all of them, under the store's lock, each time it grows; at
//! start-up those copies into fresh memory were a quarter of the time.)

use crate::store::LogEntry;

const CHUNK: usize = 4096;

#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Log {
    chunks: Vec<Vec<LogEntry>>,
    len: usize,
}

impl Log {
    pub(super) fn push(&mut self, entry: LogEntry) {
        if self.chunks.last().is_none_or(|c| c.len() == CHUNK) {
            // The first chunk grows as entries come: most sales log far
            // fewer than a chunk, and each would otherwise cost ~650 KB.
            let room = if self.chunks.is_empty() { 0 } else { CHUNK };
            self.chunks.push(Vec::with_capacity(room));
        }
        self.chunks.last_mut().expect("a chunk").push(entry);
        self.len += 1;
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Every entry, oldest first (`.rev()` for newest first).
    pub(super) fn iter(&self) -> impl DoubleEndedIterator<Item = &LogEntry> {
        self.chunks.iter().flatten()
    }

    /// The entries after the first `n`, oldest first.
    pub(super) fn after(&self, n: usize) -> impl Iterator<Item = &LogEntry> {
        let (first, skip) = (n / CHUNK, n % CHUNK);
        self.chunks
            .iter()
            .skip(first)
            .flatten()
            .skip(if first < self.chunks.len() { skip } else { 0 })
    }

    pub(super) fn to_vec(&self) -> Vec<LogEntry> {
        self.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Millis, SaleStatus};
    use crate::store::LogOp;

    fn entry(n: i64) -> LogEntry {
        LogEntry {
            at: Millis(n),
            op: LogOp::Status(SaleStatus::Open),
        }
    }

    #[test]
    fn entries_in_order_across_chunks() {
        let mut log = Log::default();
        let n = 2 * CHUNK + 7;
        for i in 0..n {
            log.push(entry(i as i64));
        }
        assert_eq!(log.len(), n);
        let all: Vec<i64> = log.iter().map(|e| e.at.0).collect();
        assert_eq!(all, (0..n as i64).collect::<Vec<_>>());
        assert_eq!(log.iter().next_back().unwrap().at.0, n as i64 - 1);
        for from in [
            0,
            1,
            CHUNK - 1,
            CHUNK,
            CHUNK + 1,
            2 * CHUNK,
            n - 1,
            n,
            n + 5,
        ] {
            let after: Vec<i64> = log.after(from).map(|e| e.at.0).collect();
            assert_eq!(
                after,
                (from.min(n) as i64..n as i64).collect::<Vec<_>>(),
                "after {from}"
            );
        }
        assert_eq!(log.to_vec().len(), n);
    }
}
