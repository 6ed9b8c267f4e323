//! Randomized differential test of lottery sales: the same random sequences
//! — entries, withdrawals and lookups while registration is open; then the
//! public value, draws started, resumed and contested by another runner, the
//! results written in random batches with cancels and restocks between them,
//! an early publication — applied to the memory store (the model) and to a
//! real Redis or the durable store. A third of the sequences are races with
//! a fair window instead: registrations are grabs stamped inside the window
//! (and refused ones stamped outside, grabs and joins before the draw), the
//! draw has no public value, and after it the race sells what is left —
//! real Redis or the durable store; every answer and the final state must be
//! identical, and both must pass the audit.
//!
//! TG_LOTTERY_SEQUENCES sets the number of sequences (default 32) and
//! TG_DIFF_SEED the seed (default: random, printed on failure).

use std::sync::Arc;
use std::time::Duration;
use ticketgrab::domain::{Choices, Seats};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use ticketgrab::audit::audit;
use ticketgrab::domain::{Channel, Code, EventId, Member, Millis, OrgPath, PoolId};
use ticketgrab::lottery::draw::{self, Entry};
use ticketgrab::lottery::run::all_entries;
use ticketgrab::store::{Drawer, DrawnEntry, Grab, LogOp, MemoryStore, Store};

use super::differential::{blank, blank_err, blank_snapshot, blank_waiting};
use super::durable::Reopening;
use super::{keyer, redis_store};
use testkit::redis_server::RedisServer;
use testkit::{card, event_id, fair_event, lottery_event};

/// Both stores' answers, as text with their clocks blanked.
struct Pair<'a> {
    memory: &'a dyn Store,
    other: &'a dyn Store,
    event: &'a EventId,
    members: &'a [Member],
    /// Where in which sequence, for the failure message.
    at: String,
    /// Answers `program_cap` seen (entries and grabs beside the lottery).
    capped: std::cell::Cell<usize>,
    /// A fair window's new registrations, and tickets sold after its draw.
    registered: std::cell::Cell<usize>,
    raced: std::cell::Cell<usize>,
}

impl Pair<'_> {
    async fn same<F, Fut>(&self, what: &str, call: F) -> String
    where
        F: Fn(&'static str) -> Fut,
        Fut: std::future::Future<Output = String>,
    {
        let (want, got) = (call("memory").await, call("other").await);
        assert_eq!(got, want, "{}: {what} differs", self.at);
        if want.contains("ProgramCap") {
            self.capped.set(self.capped.get() + 1);
        }
        if want.starts_with("ok registered") && want.contains("new: true") {
            self.registered.set(self.registered.get() + 1);
        }
        if want.starts_with("ok ticket true") {
            self.raced.set(self.raced.get() + 1);
        }
        want
    }

    fn store(&self, which: &str) -> &dyn Store {
        if which == "memory" {
            self.memory
        } else {
            self.other
        }
    }
}

fn text<T: std::fmt::Debug>(r: Result<T, ticketgrab::Error>) -> String {
    match r {
        Ok(v) => format!("ok {v:?}"),
        Err(e) => format!("err {:?}", blank_err(e)),
    }
}

fn entry_text(r: Result<Option<ticketgrab::domain::LotteryEntry>, ticketgrab::Error>) -> String {
    text(r.map(|e| {
        e.map(|mut e| {
            e.entered_at = ticketgrab::domain::Millis(0);
            e
        })
    }))
}

fn choices(rng: &mut StdRng, pools: &[PoolId]) -> Vec<PoolId> {
    let mut c = pools.to_vec();
    for i in (1..c.len()).rev() {
        c.swap(i, rng.random_range(0..=i));
    }
    c.truncate(rng.random_range(1..=pools.len()));
    if rng.random_ratio(1, 25) {
        c[0] = PoolId::parse("ghost").unwrap();
    }
    c
}

fn taken_text(r: Result<ticketgrab::domain::Taken, ticketgrab::Error>) -> String {
    use ticketgrab::domain::Taken;
    match r {
        Ok(Taken::Registered(mut e)) => {
            e.entry.entered_at = ticketgrab::domain::Millis(0);
            format!("ok registered {e:?}")
        }
        Ok(Taken::Ticket(g)) => format!("ok ticket {} {:?}", g.new, blank(g.reservation)),
        Err(e) => text::<()>(Err(e)),
    }
}

/// A grab of a fair window's race, stamped `arrived` (None: an unstamped grab).
async fn take(p: &Pair<'_>, rng: &mut StdRng, pools: &[PoolId], arrived: Option<Millis>) {
    let member = &p.members[rng.random_range(0..p.members.len())];
    let choices = Choices::new(choices(rng, pools)).unwrap();
    let seats = Seats::new("seats", [1, 1, 2][rng.random_range(0..3)]).unwrap();
    let code = Code::random();
    p.same("take", |which| {
        let (store, choices, code) = (p.store(which), &choices, code.clone());
        async move {
            let grab = Grab {
                groups: &[],
                event: p.event,
                member,
                org: None,
                choices,
                seats,
                channel: Channel::Station,
            };
            match arrived {
                Some(at) => taken_text(store.take(&grab, &code, at).await),
                None => text(store.grab(&grab, &code).await.map(|g| blank(g.reservation))),
            }
        }
    })
    .await;
}

async fn enter(p: &Pair<'_>, rng: &mut StdRng, pools: &[PoolId]) -> String {
    let member = &p.members[rng.random_range(0..p.members.len())];
    let choices = choices(rng, pools);
    let seats = [1, 1, 2, 2, 3][rng.random_range(0..5)];
    let org = OrgPath::parse(if rng.random_ratio(1, 15) {
        "tj"
    } else {
        "bj/x"
    })
    .unwrap();
    let station = rng.random_ratio(1, 4);
    let choices = Choices::new(choices.to_vec()).unwrap();
    p.same("enter", |which| {
        let grab = Grab {
            groups: &[],
            event: p.event,
            member,
            org: (!station).then_some(&org),
            choices: &choices,
            seats: Seats::new("seats", i64::from(seats)).unwrap(),
            channel: if station {
                Channel::Station
            } else {
                Channel::App
            },
        };
        let store = p.store(which);
        async move {
            text(store.enter(&grab).await.map(|mut e| {
                e.entry.entered_at = ticketgrab::domain::Millis(0);
                e
            }))
        }
    })
    .await
}

/// A place taken or given back in the sale beside the lottery (in its
/// program, when it has one).
async fn beside(p: &Pair<'_>, rng: &mut StdRng, member: &Member) {
    // The sale beside the lottery (in its program, when it has one):
    // a place taken or given back there.
    let sibling = EventId::parse(&format!("{}-b", p.event)).unwrap();
    let find = ticketgrab::store::Find::Member(member.key.clone());
    let held = p.memory.lookup(&sibling, &find).await.unwrap();
    match held.filter(|r| r.status.is_live() && rng.random_ratio(1, 3)) {
        Some(r) => {
            p.same("cancel beside", |w| {
                let (store, code, sibling) = (p.store(w), r.code.clone(), sibling.clone());
                async move { text(store.cancel(&sibling, &member.key, &code).await.map(blank)) }
            })
            .await;
        }
        None => {
            let code = Code::random();
            let choices = Choices::one(PoolId::parse("s").unwrap());
            p.same("grab beside", |w| {
                let (store, code, sibling) = (p.store(w), code.clone(), sibling.clone());
                let choices = &choices;
                async move {
                    let grab = Grab {
                        groups: &[],
                        event: &sibling,
                        member,
                        org: None,
                        choices,
                        seats: Seats::ONE,
                        channel: Channel::Station,
                    };
                    text(store.grab(&grab, &code).await.map(|g| blank(g.reservation)))
                }
            })
            .await;
        }
    }
}

async fn other_op(p: &Pair<'_>, rng: &mut StdRng, pools: &[PoolId], draw_id: &str) {
    let member = &p.members[rng.random_range(0..p.members.len())];
    let pool = pools[rng.random_range(0..pools.len())].clone();
    match rng.random_range(0..8) {
        7 => beside(p, rng, member).await,
        0 => {
            p.same("withdraw", |w| {
                let store = p.store(w);
                async move { text(store.withdraw(p.event, &member.key).await) }
            })
            .await;
        }
        1 => {
            p.same("entry", |w| {
                let store = p.store(w);
                async move { entry_text(store.entry(p.event, &member.key).await) }
            })
            .await;
        }
        2 => {
            let value = ["drand 7", "drand 8", ""][rng.random_range(0..3)];
            p.same("public value", |w| {
                let store = p.store(w);
                async move { text(store.set_public_value(p.event, value).await) }
            })
            .await;
        }
        3 => {
            // Once a draw started, another runner while the lease holds:
            // refused; before, the runner of the sequence's draw.
            let started = p
                .memory
                .event(p.event)
                .await
                .unwrap()
                .draw
                .draw_id
                .is_some();
            let owner = if started {
                ["a", "b"][rng.random_range(0..2)]
            } else {
                "a"
            };
            p.same("begin", |w| {
                let store = p.store(w);
                let d = Drawer {
                    draw_id,
                    owner,
                    lease_ms: 60_000,
                };
                async move { text(store.begin_draw(p.event, &d).await) }
            })
            .await;
        }
        4 => {
            let delta = [1, -1, 2][rng.random_range(0..3)];
            p.same("restock", |w| {
                let (store, pool) = (p.store(w), pool.clone());
                async move { text(store.restock(p.event, &pool, delta).await) }
            })
            .await;
        }
        5 => {
            // A winner gives the ticket back (its seats wait while drawing).
            let find = ticketgrab::store::Find::Member(member.key.clone());
            let code = p
                .memory
                .lookup(p.event, &find)
                .await
                .unwrap()
                .map(|r| r.code);
            if let Some(code) = code {
                p.same("cancel", |w| {
                    let (store, code) = (p.store(w), code.clone());
                    async move { text(store.cancel(p.event, &member.key, &code).await.map(blank)) }
                })
                .await;
            }
        }
        _ => {
            p.same("waiting", |w| {
                let store = p.store(w);
                async move {
                    text(
                        store
                            .waiting(p.event, &member.key)
                            .await
                            .map(|o| o.map(blank_waiting)),
                    )
                }
            })
            .await;
        }
    }
}

/// Returns how many entries won, waited, and were served from the list.
async fn sequence(seed: u64, seq: usize, memory: &dyn Store, other: &dyn Store) -> [usize; 6] {
    let mut rng = StdRng::seed_from_u64(seed.wrapping_add(seq as u64));
    let fair = rng.random_ratio(1, 3);
    // A fair window's race goes on after its draw: often with seats left.
    let most = if fair { 9 } else { 4 };
    let specs: Vec<(String, i64)> = (0..rng.random_range(1..=3))
        .map(|i| (format!("p{i}"), rng.random_range(1..=most)))
        .collect();
    let specs: Vec<(&str, i64)> = specs.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    let id = format!("l{seq}");
    let mut event = if fair {
        fair_event(&id, &specs, 800, 100)
    } else {
        lottery_event(&id, &specs, 800)
    };
    let (registration_closes, draw_at) = (
        event.registration_closes(),
        event.lottery.as_ref().unwrap().draw_at,
    );
    event.max_seats = rng.random_range(1..=2);
    if rng.random_bool(0.5) {
        event.hold_ms = 600_000;
    }
    // Half the lotteries in a program (cap 1) with a race beside them
    // in it; the others have a race beside them outside any program.
    let mut beside_sale = testkit::open_event(&format!("{id}-b"), &[("s", 30)]);
    let program = rng
        .random_bool(0.5)
        .then(|| testkit::program(&format!("lp-{seq}"), 1));
    if let Some(prog) = &program {
        memory.create_program(prog).await.unwrap();
        other.create_program(prog).await.unwrap();
        event.program = Some(prog.id.clone());
        beside_sale.program = Some(prog.id.clone());
    }
    memory.create_event(&beside_sale).await.unwrap();
    other.create_event(&beside_sale).await.unwrap();
    memory.create_event(&event).await.unwrap();
    other.create_event(&event).await.unwrap();
    let pools: Vec<PoolId> = event.pools.iter().map(|p| p.id.clone()).collect();
    let members: Vec<Member> = (0..rng.random_range(2..=14))
        .map(|n| keyer().member(&card(n)))
        .collect();
    let ev = event_id(&id);
    let mut p = Pair {
        memory,
        other,
        event: &ev,
        members: &members,
        at: format!("seed {seed} sequence {seq} (rerun with TG_DIFF_SEED={seed})"),
        capped: std::cell::Cell::new(0),
        registered: std::cell::Cell::new(0),
        raced: std::cell::Cell::new(0),
    };
    let draw_id = format!("draw-{seq}");
    // Registration.
    for step in 0..rng.random_range(5..=30) {
        // The two stores read their clocks one after the other: near the
        // close they may fairly differ. Stop short of it.
        if Millis::now().0 > registration_closes.0 - 250 {
            break;
        }
        p.at = format!("seed {seed} sequence {seq} open step {step} (TG_DIFF_SEED={seed})");
        if fair && rng.random_ratio(2, 3) {
            // Stamped inside the window, mostly; before the opening, or
            // not stamped at all: the draw is pending.
            let arrived = match rng.random_range(0..8) {
                0 => Some(Millis(0)),
                1 => None,
                _ => Some(Millis::now()),
            };
            take(&p, &mut rng, &pools, arrived).await;
        } else if program.is_some() && rng.random_ratio(1, 4) {
            let member = &members[rng.random_range(0..members.len())];
            beside(&p, &mut rng, member).await;
        } else if rng.random_ratio(2, 3) {
            enter(&p, &mut rng, &pools).await;
        } else {
            other_op(&p, &mut rng, &pools, &draw_id).await;
        }
    }
    while Millis::now().0 <= draw_at.0.max(registration_closes.0) + 30 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // After the close: a few of anything, then the value and the draw.
    for step in 0..rng.random_range(0..=6) {
        p.at = format!("seed {seed} sequence {seq} closed step {step} (TG_DIFF_SEED={seed})");
        other_op(&p, &mut rng, &pools, &draw_id).await;
    }
    let value = memory.event(&ev).await.unwrap().draw.public_value;
    let value = match value {
        Some(v) => v,
        // A fair window has none: the empty one.
        None if fair => String::new(),
        None => {
            p.same("public value", |w| {
                let store = p.store(w);
                async move { text(store.set_public_value(p.event, "drand 9").await) }
            })
            .await;
            "drand 9".to_owned()
        }
    };
    let drawer = Drawer {
        draw_id: &draw_id,
        owner: "a",
        lease_ms: 60_000,
    };
    p.same("begin", |w| {
        let store = p.store(w);
        async move { text(store.begin_draw(p.event, &drawer).await) }
    })
    .await;
    let begun = memory.begin_draw(&ev, &drawer).await.unwrap();
    other.begin_draw(&ev, &drawer).await.unwrap();
    let stored = all_entries(memory, &ev).await.unwrap();
    // Each store is given its own entries, as it holds them (their entry
    // times are each store's clock).
    let theirs = all_entries(other, &ev).await.unwrap();
    let mut same = theirs.clone();
    same.iter_mut()
        .zip(&stored)
        .for_each(|(t, s)| t.entered_at = s.entered_at);
    assert_eq!(same, stored, "{}: entries differ", p.at);
    let entries: Vec<Entry> = stored
        .iter()
        .map(|e| Entry {
            member: e.member.clone(),
            choices: e.choices.clone(),
            seats: e.seats,
            earlier: None,
        })
        .collect();
    let closing = ticketgrab::lottery::close::Closing::new(
        ev.as_str(),
        &entries,
        event.max_seats,
        &begun.stock,
    );
    let drawn = closing.draw(&entries, &event.lottery.as_ref().unwrap().seed, &value);
    let results: Vec<DrawnEntry> = drawn
        .drawn
        .iter()
        .map(|x| DrawnEntry {
            member: x.member.clone(),
            rank: x.rank,
            won: match &x.result {
                draw::Result::Won(p) => Some(p.clone()),
                draw::Result::Waiting(_) => None,
            },
            code: Code::random(),
            entry: stored
                .iter()
                .find(|e| e.member == x.member)
                .unwrap()
                .clone(),
        })
        .collect();
    let their_results: Vec<DrawnEntry> = results
        .iter()
        .map(|r| DrawnEntry {
            entry: theirs
                .iter()
                .find(|e| e.member == r.member)
                .unwrap()
                .clone(),
            ..r.clone()
        })
        .collect();
    let mut at = 0;
    let mut step = 0;
    while at < results.len() {
        step += 1;
        p.at = format!("seed {seed} sequence {seq} draw step {step} (TG_DIFF_SEED={seed})");
        // Now and then a batch again (written: skipped), an early finish, a resumption.
        let from = if at > 0 && rng.random_ratio(1, 6) {
            at - 1
        } else {
            at
        };
        let to = (at + rng.random_range(1..=5)).min(results.len());
        p.same("write", |w| {
            let store = p.store(w);
            let all = if w == "memory" {
                &results
            } else {
                &their_results
            };
            let batch = &all[from..to];
            async move { text(store.write_draw(p.event, &drawer, batch).await) }
        })
        .await;
        at = to;
        match rng.random_range(0..6) {
            0 => {
                p.same("early finish", |w| {
                    let store = p.store(w);
                    async move { text(store.finish_draw(p.event, &drawer, "d", "s").await) }
                })
                .await;
            }
            1 => {
                p.same("resume", |w| {
                    let store = p.store(w);
                    async move { text(store.begin_draw(p.event, &drawer).await) }
                })
                .await;
            }
            2 | 3 => other_op(&p, &mut rng, &pools, &draw_id).await,
            _ => {}
        }
    }
    let (digest, seed_hex) = (
        hex::encode(drawn.entries_digest),
        hex::encode(drawn.draw_seed),
    );
    p.same("finish", |w| {
        let (store, digest, seed_hex) = (p.store(w), digest.clone(), seed_hex.clone());
        async move {
            text(
                store
                    .finish_draw(p.event, &drawer, &digest, &seed_hex)
                    .await,
            )
        }
    })
    .await;
    let after = if fair { 4..=12 } else { 0..=8 };
    for step in 0..rng.random_range(after) {
        p.at = format!("seed {seed} sequence {seq} drawn step {step} (TG_DIFF_SEED={seed})");
        if fair && rng.random_ratio(3, 4) {
            // The race after the draw: what is left, first come.
            take(&p, &mut rng, &pools, Some(Millis::now())).await;
        } else {
            other_op(&p, &mut rng, &pools, &draw_id).await;
        }
    }
    let (m, o) = (
        memory.snapshot(&ev).await.unwrap(),
        other.snapshot(&ev).await.unwrap(),
    );
    let (mr, or) = (audit(&m), audit(&o));
    assert!(
        mr.ok && or.ok,
        "{}: audit {:?} {:?}",
        p.at,
        mr.violations,
        or.violations
    );
    let count = |f: fn(&LogOp) -> bool| m.log.iter().filter(|e| f(&e.op)).count();
    let seen = [
        count(|op| matches!(op, LogOp::Won { .. })),
        count(|op| matches!(op, LogOp::Drawn { .. })),
        count(|op| matches!(op, LogOp::Assigned { .. })),
    ];
    assert_eq!(
        blank_snapshot(o),
        blank_snapshot(m.clone()),
        "{}: final state differs",
        p.at
    );
    if let Some(prog) = &program {
        let mut mine = memory.places_page(&prog.id, "").await.unwrap().0;
        let mut theirs = other.places_page(&prog.id, "").await.unwrap().0;
        mine.sort();
        theirs.sort();
        assert_eq!(theirs, mine, "{}: places differ", p.at);
        let beside = memory.snapshot(&beside_sale.id).await.unwrap();
        let mut recount: std::collections::BTreeMap<_, i64> = Default::default();
        for entry in m.log.iter().chain(&beside.log) {
            if let Some((member, d)) = ticketgrab::domain::place_delta(&entry.op) {
                *recount.entry(member.clone()).or_default() += d;
            }
        }
        recount.retain(|_, n| *n != 0);
        let counted: std::collections::BTreeMap<_, i64> = mine
            .iter()
            .map(|(k, n)| (k.clone(), i64::from(*n)))
            .collect();
        assert_eq!(counted, recount, "{}: places against the logs", p.at);
        assert!(
            mine.iter().all(|(_, n)| *n <= prog.cap),
            "{}: over the cap",
            p.at
        );
    }
    [
        seen[0],
        seen[1],
        seen[2],
        p.capped.get(),
        p.registered.get(),
        p.raced.get(),
    ]
}

async fn lottery_differential(other: impl Fn() -> Arc<dyn Store>) {
    let sequences: usize = std::env::var("TG_LOTTERY_SEQUENCES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(32);
    let seed: u64 = std::env::var("TG_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    // The sequences wait for their registration to close: run them 16 at
    // a time.
    let mut seen = [0; 6];
    for chunk in (0..sequences).collect::<Vec<_>>().chunks(16) {
        let runs = chunk.iter().map(|&seq| {
            let (memory, other) = (MemoryStore::new(), other());
            async move { sequence(seed, seq, &memory, other.as_ref()).await }
        });
        for s in futures_util::future::join_all(runs).await {
            (0..6).for_each(|i| seen[i] += s[i]);
        }
    }
    let [won, waiting, assigned, capped, registered, raced] = seen;
    eprintln!(
        "lottery differential: {sequences} sequences, seed {seed}; {won} won, {waiting} waiting, \
         {assigned} served from the list, {capped} refused at a program's cap; fair windows: \
         {registered} registered, {raced} tickets raced after the draw"
    );
    // The generator must reach the draw's outcomes, the cap, and a fair
    // window's registrations and its race after the draw.
    if sequences >= 32 {
        assert!(
            won > 0 && waiting > 0 && capped > 0 && registered > 0 && raced > 0,
            "{won} won, {waiting} waiting, {capped} at the cap, {registered} registered, \
             {raced} raced (seed {seed})"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_lottery_sequences_give_identical_results_on_memory_and_redis() {
    let server = RedisServer::start();
    let redis = redis_store(&server, 4);
    lottery_differential(|| redis.clone()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_lottery_sequences_give_identical_results_on_memory_and_the_durable_store() {
    lottery_differential(|| Arc::new(Reopening::new())).await;
}
