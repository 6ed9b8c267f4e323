//! Running a lottery's draw against a store: start (or resume) it, read the
//! entries, draw in Rust (`draw.rs`), write the results in batches, publish.
//!
//! Every step is safe to repeat. The draw's id and its stock are fixed by its
//! first start; entries are frozen once registration has closed; the draw is
//! a function of (seed, public value, the closing: entries and stock); and a batch skips entries
//! already written. So a draw killed at any point and run again gives the
//! same ranks and results, and no seat is given twice. One runner at a time
//! holds the draw's lease (renewed by every batch); another front end is
//! told `DrawRunning` until the lease runs out.

use futures_util::StreamExt;

use super::close::Closing;
use super::draw::{self, Entry};
use crate::domain::Error;
use crate::domain::{Code, EventId, LotteryEntry};
use crate::store::{Begun, Drawer, DrawnEntry, Store};

/// Results written per store call: one script of ~3,000 commands, measured
/// at 25–70 µs of Redis per result (BENCHMARKS.md §10): 12–35 ms of Redis at
/// a time, under the ~50 ms a sale running beside it can bear.
pub const BATCH: usize = 500;
/// How long a runner holds the draw without writing a batch.
pub const LEASE_MS: i64 = 15_000;
/// Batches written at once.
const IN_FLIGHT: usize = 2;

/// Every entry of the lottery, each once.
pub async fn all_entries(store: &dyn Store, event: &EventId) -> Result<Vec<LotteryEntry>, Error> {
    let mut out: Vec<LotteryEntry> = Vec::new();
    let mut cursor = 0;
    loop {
        let (page, next) = store.entries(event, cursor).await?;
        out.extend(page);
        if next == 0 {
            break;
        }
        cursor = next;
    }
    // A Redis scan may return an entry twice.
    out.sort_by(|a, b| a.member.cmp(&b.member));
    out.dedup_by(|a, b| a.member == b.member);
    Ok(out)
}

/// Who runs a draw, and how.
#[derive(Clone, Copy, Debug)]
pub struct Runner<'a> {
    /// The runner's name (a front end's, per process).
    pub owner: &'a str,
    /// Results per store call.
    pub batch: usize,
    pub lease_ms: i64,
    /// Stop after this many batches, the draw unpublished (`Some(0)`: only
    /// start it; tests interrupt a draw with it).
    pub stop_after: Option<usize>,
    /// A `fewer_wins_first` program's lottery: each entrant's tickets in the
    /// program at the close (draw v3; `Engine::tiers`).
    pub tiers: Option<&'a std::collections::HashMap<crate::domain::MemberKey, u32>>,
}

impl<'a> Runner<'a> {
    pub fn new(owner: &'a str) -> Self {
        Self {
            owner,
            batch: BATCH,
            lease_ms: LEASE_MS,
            stop_after: None,
            tiers: None,
        }
    }
}

/// Runs (or resumes) the draw of `event`. Returns the draw as started, or
/// published (`done`).
pub async fn run(store: &dyn Store, event: &EventId, runner: &Runner<'_>) -> Result<Begun, Error> {
    let Runner {
        owner,
        batch,
        lease_ms,
        stop_after,
        tiers,
    } = *runner;
    let view = store.event(event).await?;
    let lottery = view.event.lottery.clone().ok_or(Error::NotLottery)?;
    let fresh = hex::encode(rand::random::<[u8; 8]>());
    let begun = store
        .begin_draw(
            event,
            &Drawer {
                draw_id: &fresh,
                owner,
                lease_ms,
            },
        )
        .await?;
    if stop_after == Some(0) {
        return Ok(begun);
    }
    if begun.done {
        return Ok(begun);
    }
    let drawer = Drawer {
        draw_id: &begun.draw_id,
        owner,
        lease_ms,
    };
    // A race's fair window has no public value: the empty one.
    let public_value = match store.event(event).await?.draw.public_value {
        Some(v) => v,
        None if lottery.is_fair() => String::new(),
        None => return Err(Error::DrawNotDue("no_public_value")),
    };
    let stored = all_entries(store, event).await?;
    if stored.len() as i64 != begun.entries {
        return Err(Error::Corrupt(format!(
            "read {} entries of {}",
            stored.len(),
            begun.entries
        )));
    }
    let entries: Vec<Entry> = stored
        .iter()
        .map(|e| Entry {
            earlier: tiers.map(|t| t.get(&e.member).copied().unwrap_or(0)),
            ..Entry::from(e)
        })
        .collect();
    let by_member: std::collections::HashMap<&crate::domain::MemberKey, &LotteryEntry> =
        stored.iter().map(|e| (&e.member, e)).collect();
    // What was fixed at the close (restocks are refused from then on, so
    // the draw's stock is the close's).
    let closing = Closing::new(event.as_str(), &entries, view.event.max_seats, &begun.stock);
    let seed = lottery.seed;
    let drawn = tokio::task::spawn_blocking(move || closing.draw(&entries, &seed, &public_value))
        .await
        .map_err(|e| Error::Unavailable(format!("the draw's task failed: {e}")))?;
    let all: Vec<&[draw::Drawn]> = drawn.drawn.chunks(batch.max(1)).collect();
    let upto = stop_after.map_or(all.len(), |n| n.min(all.len()));
    // Two batches in flight: the store runs them one after the other (each
    // is one script), while the next is made ready. Batches are
    // independent: any order gives the same result.
    let writes = futures_util::stream::iter(0..upto)
        .map(|i| {
            let batch: Vec<DrawnEntry> = all[i]
                .iter()
                .map(|x| DrawnEntry {
                    member: x.member.clone(),
                    rank: x.rank,
                    won: match &x.result {
                        draw::Result::Won(p) => Some(p.clone()),
                        draw::Result::Waiting(_) => None,
                    },
                    code: Code::random(),
                    entry: (*by_member[&x.member]).clone(),
                })
                .collect();
            async move { store.write_draw(event, &drawer, &batch).await }
        })
        .buffer_unordered(IN_FLIGHT);
    let results: Vec<Result<usize, Error>> = writes.collect().await;
    results.into_iter().collect::<Result<Vec<usize>, Error>>()?;
    if upto < all.len() {
        return Ok(begun);
    }
    store
        .finish_draw(
            event,
            &drawer,
            &hex::encode(drawn.entries_digest),
            &hex::encode(drawn.draw_seed),
        )
        .await?;
    Ok(Begun {
        done: true,
        ..begun
    })
}
