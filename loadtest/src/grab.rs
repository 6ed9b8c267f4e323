//! The grab phase: workers, one per connection, take members from a queue and
//! grab for them as the app does, retrying after `Retry-After` with jitter,
//! until every member has a final answer.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use indicatif::{ProgressBar, ProgressStyle};
use rand::Rng;
use reqwest::StatusCode;
use serde::Deserialize;
use tokio::sync::Notify;

use crate::crowd::Member;
use crate::fairness::{Group, Shares};
use crate::report::Answers;
use crate::wire::{Origin, Wire};

/// What one answer means for the member who got it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 201 or 200: they hold a ticket.
    Ticket,
    /// 429, 503, not yet open, a transport error (up to 5 tries), or 202
    /// registered in a fair window's draw: again later (after the draw, a
    /// winner's grab is their ticket, a loser's `sold_out`).
    Retry,
    /// sold out or closed: a final answer without a ticket.
    Final,
    /// anything else: a final answer that is an error.
    Error,
}

impl Outcome {
    /// How the app reads an answer: its status and problem code, on the
    /// member's `attempts`-th try.
    pub fn of(status: Option<StatusCode>, code: &str, attempts: u32) -> Self {
        match status {
            Some(StatusCode::CREATED | StatusCode::OK) => Self::Ticket,
            Some(
                StatusCode::ACCEPTED
                | StatusCode::TOO_MANY_REQUESTS
                | StatusCode::SERVICE_UNAVAILABLE,
            ) => Self::Retry,
            Some(StatusCode::CONFLICT) if code == "not_open" => Self::Retry,
            Some(StatusCode::CONFLICT) if code == "sold_out" || code == "closed" => Self::Final,
            None if attempts < 5 => Self::Retry,
            _ => Self::Error,
        }
    }
}

/// Live counters for the progress bar and the report.
#[derive(Default)]
pub struct Live {
    pub sent: AtomicU64,
    pub tickets: AtomicU64,
    pub sold_out: AtomicU64,
    pub errors: AtomicU64,
    pub finished: AtomicUsize,
}

/// Everything recorded during the grab phase.
pub struct Recorded {
    pub latency_us: Histogram<u64>,
    pub answers: Answers,
    /// member index -> codes they were given
    pub codes: HashMap<usize, Vec<String>>,
    /// ms since the opening at which each ticket was granted
    pub ticket_times: Vec<u64>,
    /// ms since the opening of each member's final answer
    pub final_times: Vec<u64>,
    pub first_sold_out_ms: Option<u64>,
    /// Every answer as it came, for the report's charts over time.
    pub samples: Vec<crate::report::Sample>,
}

impl Recorded {
    fn new() -> anyhow::Result<Self> {
        Ok(Self {
            latency_us: Histogram::new_with_bounds(1, 60_000_000, 3)?,
            answers: Answers::default(),
            codes: HashMap::new(),
            ticket_times: Vec::new(),
            final_times: Vec::new(),
            first_sold_out_ms: None,
            samples: Vec::new(),
        })
    }

    /// Notes one answer: its latency, its label, and what it gave the member.
    fn note(&mut self, member: usize, answer: &Answer, outcome: Outcome, at_ms: u64) {
        let _ = self.latency_us.record(answer.elapsed_us.max(1));
        let label = answer.label();
        let us = u32::try_from(answer.elapsed_us).unwrap_or(u32::MAX);
        self.samples
            .push((u32::try_from(at_ms).unwrap_or(u32::MAX), us, label.clone()));
        *self.answers.entry(label).or_default() += 1;
        match outcome {
            Outcome::Ticket => {
                let code = answer.code.clone();
                self.codes.entry(member).or_default().push(code);
                self.ticket_times.push(at_ms);
                self.final_times.push(at_ms);
            }
            Outcome::Final => {
                self.first_sold_out_ms.get_or_insert(at_ms);
                self.final_times.push(at_ms);
            }
            Outcome::Error => self.final_times.push(at_ms),
            Outcome::Retry => {}
        }
    }
}

/// One HTTP answer to a grab.
struct Answer {
    status: Option<StatusCode>,
    retry_after: Option<f64>,
    /// The ticket's code, or the problem's.
    code: String,
    elapsed_us: u64,
}

impl Answer {
    fn code(&self) -> &str {
        &self.code
    }

    /// `201 ticket`, `409 sold_out`, `transport error`, ...
    fn label(&self) -> String {
        match self.status {
            Some(StatusCode::ACCEPTED) if self.code == "again" => "202 registered again".into(),
            Some(StatusCode::ACCEPTED) => "202 registered".into(),
            Some(s) if s.is_success() => format!("{} ticket", s.as_u16()),
            Some(s) => format!("{} {}", s.as_u16(), self.code()),
            None => "transport error".into(),
        }
    }
}

/// The one field of an answer the harness reads: a ticket's code, or a
/// problem's code.
#[derive(Deserialize)]
struct Body {
    code: Option<String>,
    /// A registration's: false for a repeat of one made before.
    new: Option<bool>,
}

/// Longest wait for one answer, as the app's HTTP client waits.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

async fn grab_once(wire: &mut Wire, path: &str, member: &Member) -> Answer {
    let sent_at = Instant::now();
    let headers = [
        ("authorization", member.authorization.as_bytes()),
        ("x-forwarded-for", member.ip.as_bytes()),
    ];
    let sent = tokio::time::timeout(ANSWER_TIMEOUT, wire.post_json(path, &headers, &member.body));
    let (status, retry_after, code) = match sent.await {
        Ok(Ok(reply)) => {
            // A repeated registration (202, `new: false`) is told apart:
            // the window's rate counts the first ones.
            let code = serde_json::from_slice::<Body>(&reply.body)
                .ok()
                .and_then(|b| match b.new {
                    Some(false) => Some("again".to_owned()),
                    _ => b.code,
                })
                .unwrap_or_default();
            (
                StatusCode::from_u16(reply.status).ok(),
                reply.retry_after,
                code,
            )
        }
        Ok(Err(_)) => (None, None, String::new()),
        Err(_) => {
            // Half an exchange may be left on the connection.
            wire.reset();
            (None, None, String::new())
        }
    };
    Answer {
        status,
        retry_after,
        code,
        elapsed_us: sent_at.elapsed().as_micros() as u64,
    }
}

/// What every worker shares.
struct Shared {
    /// The grab's path, e.g. `/api/v1/events/<id>/reservations`.
    path: String,
    /// How much later each group's requests leave.
    shares: Shares,
    total: usize,
    started: Instant,
    live: Arc<Live>,
    recorded: Mutex<Recorded>,
    /// Members waiting for a (next) try. A std mutex held for a push or a
    /// pop: the workers do not queue behind an async lock for every request.
    queue: Mutex<VecDeque<Member>>,
    /// Wakes a worker when a retry is queued.
    queued: Notify,
}

impl Shared {
    fn next_member(&self) -> Option<Member> {
        self.queue.lock().expect("not poisoned").pop_front()
    }

    fn queue(&self, member: Member) {
        self.queue.lock().expect("not poisoned").push_back(member);
        self.queued.notify_one();
    }
}

async fn worker(shared: Arc<Shared>, mut wire: Wire) {
    let s = &*shared;
    while s.live.finished.load(Ordering::Relaxed) < s.total {
        let Some(mut member) = s.next_member() else {
            // Only retries remain, waiting out their Retry-After.
            let _ = tokio::time::timeout(Duration::from_millis(50), s.queued.notified()).await;
            continue;
        };
        member.attempts += 1;
        let path = match member.group {
            Group::Station => STATION_PATH,
            Group::Fast | Group::Slow => s.path.as_str(),
        };
        let answer = grab_once(&mut wire, path, &member).await;
        s.live.sent.fetch_add(1, Ordering::Relaxed);
        let outcome = Outcome::of(answer.status, answer.code(), member.attempts);
        let at_ms = s.started.elapsed().as_millis() as u64;
        s.recorded
            .lock()
            .expect("not poisoned")
            .note(member.index, &answer, outcome, at_ms);
        let counter = match outcome {
            Outcome::Ticket => &s.live.tickets,
            Outcome::Final => &s.live.sold_out,
            Outcome::Error => &s.live.errors,
            Outcome::Retry => {
                // As the app does: wait Retry-After with jitter, then again
                // (a slow member's next request leaves later still).
                let base = answer.retry_after.unwrap_or(0.2).max(0.05);
                let wait = Duration::from_secs_f64(base * rand::rng().random_range(1.0..1.5))
                    + s.shares.delay(member.group);
                let shared = shared.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(wait).await;
                    shared.queue(member);
                });
                continue;
            }
        };
        counter.fetch_add(1, Ordering::Relaxed);
        s.live.finished.fetch_add(1, Ordering::Relaxed);
    }
}

/// The workers' connections, opened before the opening as the app's are.
pub async fn connect(base: &str, connections: usize) -> anyhow::Result<Vec<Wire>> {
    let origin = Origin::parse(base)?;
    let mut wires = Vec::with_capacity(connections);
    for _ in 0..connections {
        let mut wire = Wire::new(origin.clone());
        wire.connect().await?;
        wires.push(wire);
    }
    Ok(wires)
}

/// The station's route: a walk-up's card in the body.
const STATION_PATH: &str = "/api/v1/station/issue";

/// Releases every member at once over one worker per connection and waits
/// until each has a final answer. The fast group is queued at once; the
/// slow group and the walk-ups join the queue after their delay, behind
/// every request that left before theirs.
pub async fn run(
    wires: Vec<Wire>,
    path: String,
    members: Vec<Member>,
    live: Arc<Live>,
    shares: &Shares,
) -> anyhow::Result<Recorded> {
    let total = members.len();
    let (fast, later): (Vec<Member>, Vec<Member>) =
        members.into_iter().partition(|m| m.group == Group::Fast);
    let shared = Arc::new(Shared {
        path,
        shares: shares.clone(),
        total,
        started: Instant::now(),
        live,
        recorded: Mutex::new(Recorded::new()?),
        queue: Mutex::new(fast.into()),
        queued: Notify::new(),
    });
    let (slow, station): (Vec<Member>, Vec<Member>) =
        later.into_iter().partition(|m| m.group == Group::Slow);
    for (group, members) in [(Group::Slow, slow), (Group::Station, station)] {
        if members.is_empty() {
            continue;
        }
        let (shared, wait) = (shared.clone(), shares.delay(group));
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            let mut queue = shared.queue.lock().expect("not poisoned");
            queue.extend(members);
            drop(queue);
            shared.queued.notify_waiters();
        });
    }
    let workers: Vec<_> = wires
        .into_iter()
        .map(|wire| tokio::spawn(worker(shared.clone(), wire)))
        .collect();
    for w in workers {
        w.await?;
    }
    let recorded = std::mem::replace(
        &mut *shared.recorded.lock().expect("not poisoned"),
        Recorded::new()?,
    );
    Ok(recorded)
}

/// The live progress bar, updated four times a second until aborted.
pub fn progress(
    show: bool,
    total: u64,
    live: Arc<Live>,
) -> (ProgressBar, tokio::task::JoinHandle<()>) {
    let bar = if show {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} members answered  {msg}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let ticker = {
        let bar = bar.clone();
        tokio::spawn(async move {
            let mut last = (Instant::now(), 0);
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let sent = live.sent.load(Ordering::Relaxed);
                let rate = (sent - last.1) as f64 / last.0.elapsed().as_secs_f64();
                last = (Instant::now(), sent);
                bar.set_position(live.finished.load(Ordering::Relaxed) as u64);
                bar.set_message(format!(
                    "sent {sent}  tickets {}  sold-out {}  errors {}  {rate:.0} req/s",
                    live.tickets.load(Ordering::Relaxed),
                    live.sold_out.load(Ordering::Relaxed),
                    live.errors.load(Ordering::Relaxed)
                ));
            }
        })
    };
    (bar, ticker)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_retries_busy_and_early_answers_and_stops_at_final_ones() {
        let conflict = Some(StatusCode::CONFLICT);
        assert_eq!(
            Outcome::of(Some(StatusCode::CREATED), "", 1),
            Outcome::Ticket
        );
        assert_eq!(Outcome::of(Some(StatusCode::OK), "", 1), Outcome::Ticket);
        assert_eq!(
            Outcome::of(Some(StatusCode::ACCEPTED), "", 1),
            Outcome::Retry
        );
        assert_eq!(
            Outcome::of(Some(StatusCode::TOO_MANY_REQUESTS), "rate_limited", 9),
            Outcome::Retry
        );
        assert_eq!(Outcome::of(conflict, "not_open", 1), Outcome::Retry);
        assert_eq!(Outcome::of(conflict, "sold_out", 1), Outcome::Final);
        assert_eq!(Outcome::of(conflict, "closed", 1), Outcome::Final);
        assert_eq!(Outcome::of(conflict, "paused", 1), Outcome::Error);
        assert_eq!(Outcome::of(None, "", 4), Outcome::Retry);
        assert_eq!(Outcome::of(None, "", 5), Outcome::Error);
    }
}
