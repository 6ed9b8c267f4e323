//! Randomized differential test: the same random sequences of operations are
//! applied to the memory store (the model) and to a real Redis; every result and
//! the final state must be identical, and both must pass the audit.
//!
//! TG_DIFF_SEQUENCES sets the number of sequences (default 500) and
//! TG_DIFF_SEED the seed (default: random, printed on failure).

use std::sync::Arc;
use ticketgrab::domain::{Choices, Seats};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use ticketgrab::Error;
use ticketgrab::audit::audit;
use ticketgrab::domain::{
    Channel, Code, Group, Kept, KeptFor, Member, Millis, OrgPath, PoolId, Reservation,
    StatusAction, Waiting,
};
use ticketgrab::store::{Find, Grab, Join, LogEntry, LogOp, LogPos, MemoryStore, Snapshot, Store};

use super::durable::Reopening;
use super::{keyer, redis_store, state};
use testkit::redis_server::RedisServer;
use testkit::{card, event_id, open_event};

#[derive(Debug, Clone)]
enum Op {
    /// A station's tally of its day, then its figures read back.
    Tally {
        what: &'static str,
        n: i64,
    },
    Grab {
        member: usize,
        choices: Vec<PoolId>,
        seats: u8,
        channel: Channel,
        code: Code,
    },
    Cancel {
        member: usize,
        code: Code,
    },
    RedeemCode(Code),
    RedeemMember(usize),
    Restock {
        pool: PoolId,
        delta: i64,
    },
    Status(StatusAction),
    Lookup(Find),
    Pay {
        code: Code,
        payment: String,
        amount: i64,
    },
    Expire,
    Join {
        member: usize,
        choices: Vec<PoolId>,
        seats: u8,
        channel: Channel,
        code: Code,
    },
    Leave(usize),
    Waiting(usize),
    Release(PoolId),
    /// Staff move seats between two parts of a pool (0: everyone's).
    Move {
        pool: PoolId,
        from: u8,
        to: u8,
        seats: i64,
    },
    /// The member grabs (or gives back) a ticket of the sibling sale: in a
    /// program, a place under the cap taken or freed elsewhere.
    Elsewhere {
        member: usize,
        give_back: bool,
        code: Code,
    },
}

/// The sale beside a sequence's sale (in its program, when it has one).
fn sibling(event: &ticketgrab::domain::EventId) -> ticketgrab::domain::EventId {
    ticketgrab::domain::EventId::parse(&format!("{event}-b")).unwrap()
}

pub(crate) fn blank_waiting(mut w: Waiting) -> Waiting {
    w.entry.joined_at = Millis(0);
    w
}

/// Results with the clocks blanked: the two stores read different clocks.
pub(crate) fn blank(mut r: Reservation) -> Reservation {
    r.created_at = Millis(0);
    r.pay_by = r.pay_by.map(|_| Millis(0));
    r.redeemed_at = r.redeemed_at.map(|_| Millis(0));
    r.cancelled_at = r.cancelled_at.map(|_| Millis(0));
    r
}

pub(crate) fn blank_err(e: Error) -> Error {
    match e {
        Error::AlreadyRedeemed(r) => Error::AlreadyRedeemed(Box::new(blank(*r))),
        Error::Cancelled(r) => Error::Cancelled(Box::new(blank(*r))),
        Error::NotPaid(r) => Error::NotPaid(Box::new(blank(*r))),
        Error::HoldExpired(r) => Error::HoldExpired(Box::new(blank(*r))),
        Error::NoShow(r) => Error::NoShow(Box::new(blank(*r))),
        Error::AlreadyHolding(r) => Error::AlreadyHolding(Box::new(blank(*r))),
        Error::AlreadyWaiting(w) => Error::AlreadyWaiting(Box::new(blank_waiting(*w))),
        // The two stores word a corruption differently; that it is one counts.
        Error::Corrupt(_) => Error::Corrupt(String::new()),
        other => other,
    }
}

pub(crate) fn blank_snapshot(s: Snapshot) -> Snapshot {
    let mut s = state(s);
    s.reservations = s.reservations.into_iter().map(blank).collect();
    s.holds = s.holds.into_iter().map(|(c, _)| (c, Millis(0))).collect();
    for w in &mut s.waiting {
        w.joined_at = Millis(0);
    }
    for e in &mut s.entries {
        e.entered_at = Millis(0);
    }
    s.view.draw.drawn_at = s.view.draw.drawn_at.map(|_| Millis(0));
    s.log = s
        .log
        .into_iter()
        .map(|mut e| {
            // A ticket made, by whichever entry: its hold's deadline.
            if let LogOp::Reserved(t)
            | LogOp::Assigned { ticket: t, .. }
            | LogOp::Won { ticket: t, .. } = &mut e.op
            {
                t.pay_by = t.pay_by.map(|_| Millis(0));
            }
            LogEntry {
                at: Millis(0),
                op: match e.op {
                    LogOp::DrawBegun {
                        draw, stock, owner, ..
                    } => LogOp::DrawBegun {
                        draw,
                        stock,
                        owner,
                        until: Millis(0),
                    },
                    op => op,
                },
            }
        })
        .collect();
    // Positions are stream ids on Redis and counts in memory.
    s.log_end = LogPos::START;
    s
}

/// Member `n`'s union (as the app's token says) and groups: three unions,
/// two of them with allotments in some sales; every second member in
/// `hardship`, every third in `model_worker`.
fn union_of(n: usize) -> (OrgPath, Vec<Group>) {
    let org = ["bj/chaoyang", "bj/haidian", "bj/chaoyang/jianwai"][n % 3];
    let mut groups = Vec::new();
    if n.is_multiple_of(2) {
        groups.push(Group::parse("hardship").unwrap());
    }
    if n.is_multiple_of(3) {
        groups.push(Group::parse("model_worker").unwrap());
    }
    (OrgPath::parse(org).unwrap(), groups)
}

/// Kept parts for a pool of `total` seats, now and then: shares and
/// allotments of a seat or two, each released already (the first change
/// of the sale releases it, in both stores alike) or not before the
/// sequence ends. Returns the parts and the seats they keep.
fn random_kept(rng: &mut StdRng, opens: Millis) -> Vec<Kept> {
    let mut kept = Vec::new();
    let rules = [
        KeptFor::Group(Group::parse("hardship").unwrap()),
        KeptFor::Org(OrgPath::parse("bj/chaoyang").unwrap()),
        KeptFor::Group(Group::parse("model_worker").unwrap()),
        KeptFor::Org(OrgPath::parse("bj/haidian").unwrap()),
    ];
    for rule in rules {
        if rng.random_ratio(1, 2) {
            let release_at = if rng.random_ratio(1, 4) {
                Millis(opens.0 + 500)
            } else {
                Millis(opens.0 + 1_800_000)
            };
            kept.push(Kept {
                rule,
                seats: rng.random_range(1..=2),
                release_at,
            });
        }
    }
    kept
}

async fn apply(
    store: &dyn Store,
    event: &ticketgrab::domain::EventId,
    members: &[Member],
    op: &Op,
) -> String {
    let org = OrgPath::parse("bj/chaoyang").unwrap();
    // The app's member: their token's union and groups; a station's
    // walk-up: neither (the station vouches).
    let unions: Vec<(OrgPath, Vec<Group>)> = (0..members.len()).map(union_of).collect();
    let org_of = |m: usize, channel: Channel| (channel == Channel::App).then(|| &unions[m].0);
    let groups_of = |m: usize, channel: Channel| match channel {
        Channel::App => unions[m].1.as_slice(),
        Channel::Station => &[],
    };
    // A request's values as the HTTP edge builds them: a list or a count no
    // request may carry is the same refusal for both stores, asked of neither.
    let request = |choices: &[PoolId], seats: u8| {
        Ok::<_, Error>((
            Choices::new(choices.to_vec())?,
            Seats::new("seats", i64::from(seats))?,
        ))
    };
    let out = match op {
        Op::Grab {
            member,
            choices,
            seats,
            channel,
            code,
        } => match request(choices, *seats) {
            Ok((choices, seats)) => store
                .grab(
                    &Grab {
                        groups: groups_of(*member, *channel),
                        event,
                        member: &members[*member],
                        org: org_of(*member, *channel),
                        choices: &choices,
                        seats,
                        channel: *channel,
                    },
                    code,
                )
                .await
                .map(|g| format!("{} {:?}", g.new, blank(g.reservation))),
            Err(e) => Err(e),
        },
        Op::Cancel { member, code } => store
            .cancel(event, &members[*member].key, code)
            .await
            .map(|r| format!("{:?}", blank(r))),
        Op::RedeemCode(code) => store
            .redeem(event, &Find::Code(code.clone()))
            .await
            .map(|r| format!("{:?}", blank(r))),
        Op::RedeemMember(m) => store
            .redeem(event, &Find::Member(members[*m].key.clone()))
            .await
            .map(|r| format!("{:?}", blank(r))),
        Op::Restock { pool, delta } => store
            .restock(event, pool, *delta)
            .await
            .map(|r| format!("{r:?}")),
        Op::Status(action) => store
            .set_status(event, *action)
            .await
            .map(|s| format!("{s:?}")),
        Op::Lookup(find) => store
            .lookup(event, find)
            .await
            .map(|r| format!("{:?}", r.map(blank))),
        Op::Pay {
            code,
            payment,
            amount,
        } => store
            .pay(event, code, payment, *amount)
            .await
            .map(|p| format!("{:?} {:?}", p.outcome, blank(p.reservation))),
        Op::Expire => store.expire_holds(event, 5).await.map(|n| n.to_string()),
        Op::Join {
            member,
            choices,
            seats,
            channel,
            code,
        } => match request(choices, *seats) {
            Ok((choices, seats)) => store
                .join_waiting(
                    &Join {
                        grab: Grab {
                            groups: groups_of(*member, *channel),
                            event,
                            member: &members[*member],
                            org: org_of(*member, *channel),
                            choices: &choices,
                            seats,
                            channel: *channel,
                        },
                        cutoff: None,
                    },
                    code,
                )
                .await
                .map(|w| format!("{:?}", blank_waiting(w))),
            Err(e) => Err(e),
        },
        Op::Leave(m) => store
            .leave_waiting(event, &members[*m].key)
            .await
            .map(|()| "left".to_owned()),
        Op::Waiting(m) => store
            .waiting(event, &members[*m].key)
            .await
            .map(|w| format!("{:?}", w.map(blank_waiting))),
        Op::Release(pool) => store
            .release_unredeemed(event, pool)
            .await
            .map(|r| format!("{r:?}")),
        Op::Elsewhere {
            member,
            give_back: false,
            code,
        } => store
            .grab(
                &Grab {
                    groups: &[],
                    event: &sibling(event),
                    member: &members[*member],
                    org: Some(&org),
                    choices: &Choices::one(PoolId::parse("p0").unwrap()),
                    seats: Seats::ONE,
                    channel: Channel::App,
                },
                code,
            )
            .await
            .map(|g| format!("{} {:?}", g.new, blank(g.reservation))),
        Op::Elsewhere { member, .. } => {
            let key = &members[*member].key;
            match store
                .lookup(&sibling(event), &Find::Member(key.clone()))
                .await
            {
                Ok(Some(r)) => store
                    .cancel(&sibling(event), key, &r.code)
                    .await
                    .map(|r| format!("{:?}", blank(r))),
                other => other.map(|r| format!("{r:?}")),
            }
        }
        Op::Move {
            pool,
            from,
            to,
            seats,
        } => store
            .move_seats(
                event,
                &ticketgrab::domain::Move {
                    pool: pool.clone(),
                    from: *from,
                    to: *to,
                    seats: *seats,
                },
            )
            .await
            .map(|r| format!("{r:?}")),
        Op::Tally { what, n } => match store.tally(event, "desk-1", "2026-12-07", what, *n).await {
            Ok(()) => store
                .tallies(event, "desk-1", "2026-12-07")
                .await
                .map(|d| format!("{d:?}")),
            Err(e) => Err(e),
        },
    };
    match out {
        Ok(s) => format!("ok {s}"),
        Err(e) => format!("err {:?}", blank_err(e)),
    }
}

/// A random operation over a small world, so collisions (same member, empty
/// pools, used codes) happen often.
fn random_op(rng: &mut StdRng, pools: &[PoolId], members: usize, codes: &[(usize, Code)]) -> Op {
    let pool = |rng: &mut StdRng| {
        // Now and then a pool the event does not have.
        if rng.random_ratio(1, 40) {
            PoolId::parse("ghost").unwrap()
        } else {
            pools[rng.random_range(0..pools.len())].clone()
        }
    };
    let used_code = |rng: &mut StdRng| {
        if codes.is_empty() || rng.random_ratio(1, 10) {
            (rng.random_range(0..members), Code::random())
        } else {
            codes[rng.random_range(0..codes.len())].clone()
        }
    };
    // Mostly 1 or 2 seats, now and then more than the event allows or a
    // count no event allows (0, 7).
    let seats = |rng: &mut StdRng| match rng.random_range(0..20) {
        0 => 0,
        1 => 7,
        2..=4 => 3,
        5..=10 => 2,
        _ => 1,
    };
    // A waiting-list operation now and then (a sixth of the time).
    if rng.random_ratio(1, 6) {
        let member = rng.random_range(0..members);
        return match rng.random_range(0..23) {
            0..=10 => {
                let mut choices: Vec<PoolId> = pools.to_vec();
                for i in (1..choices.len()).rev() {
                    choices.swap(i, rng.random_range(0..=i));
                }
                choices.truncate(rng.random_range(1..=pools.len()));
                if rng.random_ratio(1, 20) {
                    choices[0] = pool(rng);
                }
                Op::Join {
                    member,
                    choices,
                    seats: seats(rng),
                    channel: if rng.random_ratio(1, 5) {
                        Channel::Station
                    } else {
                        Channel::App
                    },
                    code: Code::random(),
                }
            }
            11..=14 => Op::Leave(member),
            15..=17 => Op::Waiting(member),
            19..=21 => Op::Elsewhere {
                member,
                give_back: rng.random_bool(0.3),
                code: Code::random(),
            },
            // Between two parts (the engine refuses one part twice).
            18 if rng.random_bool(0.5) => {
                let from = rng.random_range(0..=4);
                Op::Move {
                    pool: pool(rng),
                    from,
                    to: (from + rng.random_range(1..=4)) % 5,
                    seats: rng.random_range(1..=2),
                }
            }
            18 => Op::Tally {
                what: ["issued", "entered", "redeemed", "taken"][rng.random_range(0..4)],
                n: rng.random_range(1..1_000),
            },
            _ => Op::Release(pool(rng)),
        };
    }
    match rng.random_range(0..100) {
        0..=34 => Op::Grab {
            member: rng.random_range(0..members),
            choices: vec![pool(rng)],
            seats: seats(rng),
            channel: if rng.random_ratio(1, 5) {
                Channel::Station
            } else {
                Channel::App
            },
            code: Code::random(),
        },
        35..=49 => {
            let mut choices: Vec<PoolId> = pools.to_vec();
            for i in (1..choices.len()).rev() {
                choices.swap(i, rng.random_range(0..=i));
            }
            choices.truncate(rng.random_range(1..=pools.len()));
            Op::Grab {
                member: rng.random_range(0..members),
                choices,
                seats: seats(rng),
                channel: Channel::App,
                code: Code::random(),
            }
        }
        50..=61 => {
            let (owner, code) = used_code(rng);
            // Mostly the owner, sometimes someone else.
            let member = if rng.random_ratio(4, 5) {
                owner
            } else {
                rng.random_range(0..members)
            };
            Op::Cancel { member, code }
        }
        62..=69 => Op::RedeemCode(used_code(rng).1),
        70..=74 => Op::RedeemMember(rng.random_range(0..members)),
        75..=84 => {
            let delta = loop {
                let d = rng.random_range(-3..=3);
                if d != 0 {
                    break d;
                }
            };
            Op::Restock {
                pool: pool(rng),
                delta,
            }
        }
        85..=86 => Op::Expire,
        87..=92 if rng.random_bool(0.5) => Op::Pay {
            code: used_code(rng).1,
            // Few ids, so repeats (idempotent) and reuse (a conflict) happen.
            payment: format!("pay-{}", rng.random_range(0..6)),
            amount: 500 * rng.random_range(0..=3),
        },
        87..=92 => Op::Status(match rng.random_range(0..20) {
            0 => StatusAction::Close,
            1..=9 => StatusAction::Pause,
            _ => StatusAction::Resume,
        }),
        _ => Op::Lookup(if rng.random_bool(0.5) {
            Find::Code(used_code(rng).1)
        } else {
            Find::Member(keyer().key(&card(rng.random_range(0..members as u64))))
        }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_sequences_give_identical_results_on_memory_and_redis() {
    let server = RedisServer::start();
    let redis = redis_store(&server, 4);
    differential("redis", || redis.clone()).await;
}

/// The durable embedded store, rebuilt from its journal after every call,
/// against the memory store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_sequences_give_identical_results_on_memory_and_the_durable_store() {
    differential("durable", || Arc::new(Reopening::new())).await;
}

/// Runs the random sequences on the memory store (the model) and on the
/// store `other` gives for each sequence.
async fn differential(name: &str, other: impl Fn() -> Arc<dyn Store>) {
    let sequences: usize = std::env::var("TG_DIFF_SEQUENCES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500);
    let seed: u64 = std::env::var("TG_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    let keyer = keyer();
    let mut total_ops = 0;
    // How often the waiting list was really exercised (joins that took,
    // seats handed to it, no-shows released): the generator must reach them.
    let (mut joined, mut assigned, mut no_shows) = (0, 0, 0);
    let (mut in_programs, mut capped, mut refused_at_cap, mut assigned_in_programs) = (0, 0, 0, 0);
    // Sales with kept parts, tickets taken from one, parts released.
    let (mut kept_sales, mut from_parts, mut released, mut moved) = (0, 0, 0, 0);
    let mut assigned_from_parts = 0;
    for seq in 0..sequences {
        let mut rng = StdRng::seed_from_u64(seed.wrapping_add(seq as u64));
        let memory: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let redis = other(); // the store under test
        let n_pools = rng.random_range(1..=4);
        let pool_specs: Vec<(String, i64)> = (0..n_pools)
            .map(|i| (format!("p{i}"), rng.random_range(1..=4)))
            .collect();
        let specs: Vec<(&str, i64)> = pool_specs.iter().map(|(p, t)| (p.as_str(), *t)).collect();
        let id = format!("d{seq}");
        let mut event = open_event(&id, &specs);
        // Two sales in five in a program (cap 1 or 2), with a sibling sale
        // where members take and free places (`Op::Elsewhere`); the others
        // have a sibling outside any program, which changes nothing here.
        let mut sibling_sale = open_event(&format!("{id}-b"), &[("p0", 20)]);
        let program = rng.random_ratio(2, 5).then(|| {
            let mut p = testkit::program(&format!("prog-{seq}"), rng.random_range(1..=2));
            p.id = ticketgrab::domain::ProgramId::parse(&format!(
                "prog-{seq}-{}",
                rng.random::<u32>()
            ))
            .unwrap();
            p
        });
        if let Some(p) = &program {
            memory.create_program(p).await.unwrap();
            redis.create_program(p).await.unwrap();
            event.program = Some(p.id.clone());
            sibling_sale.program = Some(p.id.clone());
        }
        memory.create_event(&sibling_sale).await.unwrap();
        redis.create_event(&sibling_sale).await.unwrap();
        event.max_seats = rng.random_range(1..=3);
        // Half the sales keep seats of some pools for groups and unions.
        if rng.random_ratio(1, 2) {
            let opens = event.opens_at;
            for pool in &mut event.pools {
                pool.kept = random_kept(&mut rng, opens);
                pool.total += pool.kept.iter().map(|k| k.seats).sum::<i64>();
            }
            kept_sales += 1;
        }
        // Half the sales hold tickets for payment (long enough that no hold
        // expires by time here: both stores read their own clocks).
        if rng.random_bool(0.5) {
            event.hold_ms = 600_000;
        }
        let pools: Vec<PoolId> = event.pools.iter().map(|p| p.id.clone()).collect();
        let members: Vec<Member> = (0..rng.random_range(2..=10))
            .map(|n| keyer.member(&card(n)))
            .collect();
        memory.create_event(&event).await.unwrap();
        redis.create_event(&event).await.unwrap();
        let ev = event_id(&id);
        let mut codes: Vec<(usize, Code)> = Vec::new();
        let n_ops = rng.random_range(10..=60);
        for step in 0..n_ops {
            // In a program, places are taken and freed elsewhere more often,
            // so entries on the waiting list meet the cap.
            let op = if program.is_some() && rng.random_ratio(1, 5) {
                Op::Elsewhere {
                    member: rng.random_range(0..members.len()),
                    give_back: rng.random_bool(0.3),
                    code: Code::random(),
                }
            } else {
                random_op(&mut rng, &pools, members.len(), &codes)
            };
            let want = apply(memory.as_ref(), &ev, &members, &op).await;
            let got = apply(redis.as_ref(), &ev, &members, &op).await;
            assert_eq!(
                got, want,
                "seed {seed} sequence {seq} step {step}: {op:?} differs (rerun with TG_DIFF_SEED={seed})"
            );
            refused_at_cap += usize::from(want.contains("ProgramCap"));
            if let (Op::Grab { member, code, .. }, true) = (&op, want.starts_with("ok true")) {
                codes.push((*member, code.clone()));
            }
            if let (Op::Join { member, code, .. }, true) = (&op, want.starts_with("ok Waiting")) {
                codes.push((*member, code.clone()));
                joined += 1;
            }
        }
        total_ops += n_ops;
        let (m, r) = (
            memory.snapshot(&ev).await.unwrap(),
            redis.snapshot(&ev).await.unwrap(),
        );
        for entry in &m.log {
            match &entry.op {
                LogOp::Assigned { ticket, .. } => {
                    assigned += 1;
                    assigned_from_parts += usize::from(ticket.part.is_some());
                }
                LogOp::NoShow { .. } => no_shows += 1,
                LogOp::Reserved(t) if t.part.is_some() => from_parts += 1,
                LogOp::Released { .. } => released += 1,
                LogOp::Moved { .. } => moved += 1,
                _ => {}
            }
        }
        let (mr, rr) = (audit(&m), audit(&r));
        assert!(
            mr.ok && rr.ok,
            "seed {seed} sequence {seq}: audit memory {:?} {name} {:?}",
            mr.violations,
            rr.violations
        );
        assert_eq!(
            blank_snapshot(r),
            blank_snapshot(m.clone()),
            "seed {seed} sequence {seq}: final state differs"
        );
        let sib = sibling(&ev);
        let (ms, rs) = (
            memory.snapshot(&sib).await.unwrap(),
            redis.snapshot(&sib).await.unwrap(),
        );
        assert!(
            audit(&ms).ok && audit(&rs).ok,
            "seed {seed} sequence {seq}: sibling audit"
        );
        assert_eq!(
            blank_snapshot(rs),
            blank_snapshot(ms.clone()),
            "seed {seed} sequence {seq}: the sibling's final state differs"
        );
        if let Some(p) = &program {
            let mut mp = memory.places_page(&p.id, "").await.unwrap().0;
            let mut rp = redis.places_page(&p.id, "").await.unwrap().0;
            mp.sort();
            rp.sort();
            assert_eq!(rp, mp, "seed {seed} sequence {seq}: places differ");
            // Recounted from both sales' logs: the places are what they say.
            let mut recount: std::collections::BTreeMap<_, i64> = Default::default();
            for entry in m.log.iter().chain(&ms.log) {
                if let Some((member, d)) = ticketgrab::domain::place_delta(&entry.op) {
                    *recount.entry(member.clone()).or_default() += d;
                }
            }
            recount.retain(|_, n| *n != 0);
            let counted: std::collections::BTreeMap<_, i64> =
                mp.iter().map(|(k, n)| (k.clone(), i64::from(*n))).collect();
            assert_eq!(
                counted, recount,
                "seed {seed} sequence {seq}: places vs logs"
            );
            assert!(
                mp.iter().all(|(_, n)| *n <= p.cap),
                "seed {seed} sequence {seq}: over the cap"
            );
            assigned_in_programs += m
                .log
                .iter()
                .filter(|e| matches!(e.op, LogOp::Assigned { .. }))
                .count();
            capped += m
                .log
                .iter()
                .filter(|e| {
                    matches!(
                        e.op,
                        LogOp::Left {
                            reason: ticketgrab::domain::LeftReason::ProgramCap,
                            ..
                        }
                    )
                })
                .count();
            in_programs += 1;
        }
    }
    eprintln!(
        "differential ({name}): {sequences} sequences, {total_ops} operations, seed {seed}; \
         {joined} joins, {assigned} assignments, {no_shows} no-shows; {in_programs} in programs, \
         {assigned_in_programs} assignments in them, {refused_at_cap} refusals and {capped} \
         waiting entries left at the cap; {kept_sales} sales with kept parts, {from_parts} \
         tickets from them, {released} parts released, {moved} moves, \
         {assigned_from_parts} waiting entries served from a part"
    );
    if sequences >= 200 {
        assert!(
            joined > 0 && assigned > 0 && no_shows > 0,
            "the waiting list went unexercised: {joined} joins, {assigned} assignments, {no_shows} no-shows"
        );
        // (An entry left at the cap is rarer: the conformance suite makes one.)
        assert!(
            refused_at_cap > 0 && assigned_in_programs > 0,
            "programs went unexercised: {refused_at_cap} refusals, {assigned_in_programs} assignments"
        );
        assert!(
            from_parts > 0 && released > 0 && moved > 0,
            "kept parts went unexercised: {from_parts} tickets from them, {released} released, \
             {moved} moves"
        );
    }
}
