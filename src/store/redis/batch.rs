//! The grabs of one event that arrive together go to Redis as one call.
//!
//! Why: in Redis, a grab's call costs about as much as the grab itself —
//! reading, parsing and answering the call and starting the script (an empty
//! script with the grab's ten keys costs ~17.5 µs of Redis CPU, the grab ~55,
//! BENCHMARKS.md §15). At the opening minute grabs for one event arrive by
//! the thousand, so each event has a lane: a task that sends one `grabs.lua`
//! call with every grab that is waiting, and while its calls are out (up to
//! [`MAX_CALLS`]) collects the next ones (group commit). A grab that finds its
//! lane idle is sent at once, alone (as `grab.lua`): batching adds no wait, it
//! only fills the time calls are out anyway. Each grab still travels in one
//! round trip, and gets its own answer, the one it would have got alone
//! (`grabs.lua` runs `grab.lua` per grab).
//!
//! The lane is a task, not the first request's own future: a request that is
//! dropped (its client gone, its timeout) must not take the others' call with
//! it. A lane that has been idle for [`IDLE`] ends and leaves the map, so
//! grabs for made-up event ids cannot grow it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use redis::Value;
use tokio::sync::{mpsc, oneshot};

use super::reply::{Tag, list, outcome, texts};
use super::{Calls, error_text};
use crate::domain::Error;
use crate::domain::EventId;
use crate::store::scripts::SCRIPTS;

/// Most grabs in one call: one call of 16 grabs keeps Redis busy for ~0.5 ms,
/// and a bigger one saves no more per grab (§16).
const MAX_BATCH: usize = 16;
/// Most calls of one lane out at once: Redis runs an event's calls one after
/// the other anyway, but with one call out it would sit idle while the front
/// end reads an answer and sends the next (§16).
const MAX_CALLS: usize = 4;
/// How long a lane waits for a grab before it ends.
const IDLE: Duration = Duration::from_secs(2);

/// A grab's answer: its tag (`reserved`, `existing`) and fields, or its
/// refusal or failure.
pub type Answer = Result<(Tag, Vec<String>), Error>;

/// A grab in a lane: its arguments (grab.lua's ARGV) and where its answer goes.
struct Pending {
    args: Vec<String>,
    answer: oneshot::Sender<Answer>,
}

type EventLane = mpsc::UnboundedSender<Pending>;

/// Every event's lane.
#[derive(Default)]
pub struct Grabs {
    lanes: Arc<Mutex<HashMap<EventId, EventLane>>>,
}

fn lock(
    lanes: &Mutex<HashMap<EventId, EventLane>>,
) -> std::sync::MutexGuard<'_, HashMap<EventId, EventLane>> {
    // Held for a lookup and a send, never across an await.
    lanes.lock().unwrap_or_else(|p| p.into_inner())
}

impl Grabs {
    /// Runs one grab (`args`: grab.lua's ARGV) in its event's next call.
    pub async fn grab(&self, calls: &Arc<Calls>, event: &EventId, args: Vec<String>) -> Answer {
        let (answer, answered) = oneshot::channel();
        let pending = Pending { args, answer };
        {
            let mut lanes = lock(&self.lanes);
            let unsent = match lanes.get(event) {
                Some(lane) => lane.send(pending).err().map(|back| back.0),
                None => Some(pending),
            };
            // No lane, or its task is gone (its runtime ended): start one.
            if let Some(pending) = unsent {
                let (lane, queue) = mpsc::unbounded_channel();
                lane.send(pending).expect("the receiver is right here");
                lanes.insert(event.clone(), lane);
                tokio::spawn(serve(
                    calls.clone(),
                    event.clone(),
                    queue,
                    self.lanes.clone(),
                ));
            }
        }
        answered
            .await
            .unwrap_or_else(|_| Err(Error::Unavailable("the grab's call was dropped".into())))
    }
}

/// An event's lane: a call with every grab waiting, up to [`MAX_CALLS`] calls
/// out at once.
async fn serve(
    calls: Arc<Calls>,
    event: EventId,
    mut queue: mpsc::UnboundedReceiver<Pending>,
    lanes: Arc<Mutex<HashMap<EventId, EventLane>>>,
) {
    let mut out = FuturesUnordered::new();
    let send = |batch: Vec<Pending>| {
        let (calls, event) = (&calls, &event);
        async move {
            let answers = call(calls, event, &batch).await;
            for (pending, answer) in batch.into_iter().zip(answers) {
                // A grab whose request is gone: its ticket stands, and the
                // member's retry gets it back.
                let _ = pending.answer.send(answer);
            }
        }
    };
    loop {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        if out.is_empty() {
            match tokio::time::timeout(IDLE, queue.recv_many(&mut batch, MAX_BATCH)).await {
                Ok(0) => return,
                Ok(_) => out.push(send(batch)),
                Err(_idle) => {
                    // Grabs are sent under the same lock: none can arrive between
                    // this look at the queue and the lane leaving the map.
                    let mut map = lock(&lanes);
                    if queue.is_empty() {
                        map.remove(&event);
                        return;
                    }
                }
            }
        } else if out.len() < MAX_CALLS {
            tokio::select! {
                // recv_many is cancel safe: a grab is either in `batch` or
                // still in the queue.
                n = queue.recv_many(&mut batch, MAX_BATCH) => {
                    if n == 0 {
                        while out.next().await.is_some() {}
                        return;
                    }
                    out.push(send(batch));
                }
                Some(()) = out.next() => {}
            }
        } else {
            out.next().await;
        }
    }
}

/// One call for `batch`, and each grab's answer in its order: `grab.lua` for
/// a grab alone (an idle lane's; `grabs.lua`'s wrapping costs Redis ~10 %
/// more for one grab, §16), else `grabs.lua`.
async fn call(calls: &Calls, event: &EventId, batch: &[Pending]) -> Vec<Answer> {
    if let [alone] = batch {
        return vec![calls.change(&SCRIPTS.grab, event, &alone.args).await];
    }
    let counts: Vec<String> = batch.iter().map(|p| p.args.len().to_string()).collect();
    let mut args: Vec<&str> = Vec::with_capacity(batch.iter().map(|p| p.args.len() + 1).sum());
    for (pending, count) in batch.iter().zip(&counts) {
        args.push(count);
        args.extend(pending.args.iter().map(String::as_str));
    }
    let replies = match calls.call(&SCRIPTS.grabs, event, &args).await {
        Ok(reply) => list(reply),
        Err(e) => Err(e),
    };
    match replies {
        Ok(replies) if replies.len() == batch.len() => replies
            .into_iter()
            .map(|reply| answer(event, reply))
            .collect(),
        Ok(replies) => {
            let e = Error::Corrupt(format!(
                "grabs.lua answered {} of {} grabs",
                replies.len(),
                batch.len()
            ));
            vec![Err(e); batch.len()]
        }
        // The call failed as a whole (Redis away, out of memory, too few
        // replicas): so did each of its grabs.
        Err(e) => vec![Err(e); batch.len()],
    }
}

/// One grab's answer from its element of the call's reply.
fn answer(event: &EventId, reply: Value) -> Answer {
    let mut fields = texts(reply)?;
    if fields.first().map(String::as_str) == Some("error") {
        return Err(error_text(fields.pop().unwrap_or_default()));
    }
    outcome(event, fields)
}
