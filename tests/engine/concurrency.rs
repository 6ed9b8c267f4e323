//! Concurrency against a real Redis: many members racing for a fixed stock.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use ticketgrab::domain::{Choices, Seats};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use ticketgrab::domain::{Channel, Code, Member, Millis, OrgPath, PoolId};
use ticketgrab::store::Grab;
use ticketgrab::store::Grabbed;
use ticketgrab::{Engine, Error};

use super::{keyer, redis_store};
use testkit::redis_server::RedisServer;
use testkit::{card, event_between, event_id, open_event, pool_id};

const TASKS: usize = 200;

/// Runs `attempts` (member index, choices) through `TASKS` concurrent tasks and
/// returns every answer with its member.
async fn race(
    engine: &Engine,
    event: &str,
    members: Arc<Vec<Member>>,
    attempts: Vec<(usize, Vec<PoolId>)>,
) -> Vec<(usize, Result<Grabbed, Error>)> {
    let attempts = Arc::new(attempts);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (engine, members, attempts, next) = (
            engine.clone(),
            members.clone(),
            attempts.clone(),
            next.clone(),
        );
        let event = event_id(event);
        tasks.push(tokio::spawn(async move {
            let org = OrgPath::parse("bj/chaoyang").unwrap();
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((m, choices)) = attempts.get(i) else {
                    break;
                };
                let input = Grab {
                    groups: &[],
                    event: &event,
                    member: &members[*m],
                    org: Some(&org),
                    choices: &Choices::new(choices.to_vec()).unwrap(),
                    seats: Seats::ONE,
                    channel: Channel::App,
                };
                out.push((*m, engine.grab(&input).await));
            }
            out
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}

/// Per member: the codes they were given, and how many of those were new.
fn by_member(
    answers: &[(usize, Result<Grabbed, Error>)],
) -> HashMap<usize, (HashSet<Code>, usize)> {
    let mut out: HashMap<usize, (HashSet<Code>, usize)> = HashMap::new();
    for (m, answer) in answers {
        match answer {
            Ok(g) => {
                let e = out.entry(*m).or_default();
                e.0.insert(g.reservation.code.clone());
                e.1 += usize::from(g.new);
            }
            Err(Error::SoldOut) => {}
            Err(e) => panic!("member {m}: unexpected {e:?}"),
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_thousand_tickets_for_sixty_thousand_members_sell_exactly_once() {
    let server = RedisServer::start();
    let engine = Engine::new(redis_store(&server, 32), keyer());
    engine
        .create_event(&open_event("cinema", &[("c", 20_000)]))
        .await
        .unwrap();
    let members: Arc<Vec<Member>> =
        Arc::new((0..60_000).map(|n| keyer().member(&card(n))).collect());
    // Every member once, 20,000 of them twice more (impatient double taps),
    // shuffled so that a member's attempts can run at the same moment.
    let mut rng = StdRng::seed_from_u64(20_000);
    let mut attempts: Vec<(usize, Vec<PoolId>)> =
        (0..60_000).map(|m| (m, vec![pool_id("c")])).collect();
    for _ in 0..20_000 {
        let m = rng.random_range(0..60_000);
        attempts.push((m, vec![pool_id("c")]));
        attempts.push((m, vec![pool_id("c")]));
    }
    attempts.shuffle(&mut rng);

    let answers = race(&engine, "cinema", members, attempts).await;

    assert_eq!(answers.len(), 100_000);
    let per_member = by_member(&answers);
    let new_tickets: usize = per_member.values().map(|(_, n)| n).sum();
    assert_eq!(new_tickets, 20_000, "exactly the stock is sold");
    for (m, (codes, new)) in &per_member {
        assert_eq!(codes.len(), 1, "member {m} was given {codes:?}");
        assert_eq!(*new, 1, "member {m} got {new} new tickets");
    }
    let view = engine.event(&event_id("cinema")).await.unwrap();
    assert_eq!((view.pools[0].remaining, view.pools[0].active), (0, 20_000));
    let snapshot = engine.snapshot(&event_id("cinema")).await.unwrap();
    assert_eq!(snapshot.reservations.len(), 20_000);
    let holders: HashSet<_> = snapshot.reservations.iter().map(|r| &r.member).collect();
    assert_eq!(holders.len(), 20_000, "no member holds two");
    let report = engine.audit(&event_id("cinema")).await.unwrap();
    assert!(report.ok, "{:?}", report.violations);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_theatre_shows_sell_out_with_ranked_choices() {
    let server = RedisServer::start();
    let engine = Engine::new(redis_store(&server, 32), keyer());
    let shows: Vec<(String, i64)> = (1..=8).map(|i| (format!("show-{i}"), 375)).collect();
    let specs: Vec<(&str, i64)> = shows.iter().map(|(s, n)| (s.as_str(), *n)).collect();
    engine
        .create_event(&open_event("theatre", &specs))
        .await
        .unwrap();
    let members: Arc<Vec<Member>> =
        Arc::new((0..9_000).map(|n| keyer().member(&card(n))).collect());
    let mut rng = StdRng::seed_from_u64(375);
    let mut attempts = Vec::new();
    for m in 0..9_000 {
        // Each family ranks three shows; a third of them tap twice.
        let mut choices: Vec<PoolId> = (1..=8).map(|i| pool_id(&format!("show-{i}"))).collect();
        choices.shuffle(&mut rng);
        choices.truncate(3);
        let taps = if m % 3 == 0 { 2 } else { 1 };
        for _ in 0..taps {
            attempts.push((m, choices.clone()));
        }
    }
    attempts.shuffle(&mut rng);
    let choices_of: HashMap<usize, Vec<PoolId>> = attempts.iter().cloned().collect();

    let answers = race(&engine, "theatre", members, attempts).await;

    let per_member = by_member(&answers);
    for (m, (codes, new)) in &per_member {
        assert_eq!((codes.len(), *new), (1, 1), "member {m}");
    }
    let view = engine.event(&event_id("theatre")).await.unwrap();
    let sold: i64 = view.pools.iter().map(|p| p.active).sum();
    assert_eq!(sold as usize, per_member.len());
    for p in &view.pools {
        assert_eq!(p.remaining + p.active, 375, "pool {}", p.id);
    }
    // A member refused as sold out had every show they ranked sold out.
    let empty: HashSet<&PoolId> = view
        .pools
        .iter()
        .filter(|p| p.remaining == 0)
        .map(|p| &p.id)
        .collect();
    for (m, answer) in &answers {
        if matches!(answer, Err(Error::SoldOut)) && !per_member.contains_key(m) {
            assert!(
                choices_of[m].iter().all(|p| empty.contains(p)),
                "member {m} refused while a ranked show had seats"
            );
        }
    }
    let snapshot = engine.snapshot(&event_id("theatre")).await.unwrap();
    for r in &snapshot.reservations {
        assert!(choices_of[&per_member_index(&per_member, &r.code)].contains(&r.pool));
    }
    let report = engine.audit(&event_id("theatre")).await.unwrap();
    assert!(report.ok, "{:?}", report.violations);
}

fn per_member_index(per_member: &HashMap<usize, (HashSet<Code>, usize)>, code: &Code) -> usize {
    *per_member
        .iter()
        .find(|(_, (codes, _))| codes.contains(code))
        .expect("every stored code was returned")
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_grab_succeeds_before_the_opening_and_grabs_succeed_after() {
    let server = RedisServer::start();
    let engine = Engine::new(redis_store(&server, 16), keyer());
    let opens_at = Millis(Millis::now().0 + 400);
    let event = event_between(
        "opening",
        &[("p", 1_000)],
        opens_at,
        Millis(opens_at.0 + 3_600_000),
    );
    engine.create_event(&event).await.unwrap();
    let mut tasks = Vec::new();
    for n in 0..50 {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            let member = keyer().member(&card(n));
            let org = OrgPath::parse("bj").unwrap();
            let (ev, choices) = (event_id("opening"), [pool_id("p")]);
            let mut early = 0;
            loop {
                let input = Grab {
                    groups: &[],
                    event: &ev,
                    member: &member,
                    org: Some(&org),
                    choices: &Choices::new(choices.to_vec()).unwrap(),
                    seats: Seats::ONE,
                    channel: Channel::App,
                };
                let answer = engine.grab(&input).await;
                let answered_at = Millis::now();
                match answer {
                    Err(Error::NotOpen { server_time, .. }) => {
                        assert!(
                            server_time < opens_at,
                            "not_open at {server_time:?}, after the opening"
                        );
                        early += 1;
                    }
                    Ok(g) => {
                        assert!(
                            g.reservation.created_at >= opens_at,
                            "ticket issued at {:?} before {opens_at:?}",
                            g.reservation.created_at
                        );
                        assert!(
                            answered_at >= opens_at,
                            "ticket answered before the opening"
                        );
                        return early;
                    }
                    Err(e) => panic!("unexpected {e:?}"),
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        }));
    }
    let mut early = 0;
    for t in tasks {
        early += t.await.unwrap();
    }
    assert!(
        early >= 50,
        "members did try before the opening ({early} early answers)"
    );
    assert_eq!(
        engine.event(&event_id("opening")).await.unwrap().pools[0].active,
        50
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_raw_card_number_is_stored_anywhere_in_redis() {
    let server = RedisServer::start();
    let engine = Engine::new(redis_store(&server, 8), keyer());
    engine
        .create_event(&open_event("scan", &[("a", 600), ("b", 600)]))
        .await
        .unwrap();
    let ev = event_id("scan");
    let org = OrgPath::parse("bj/x").unwrap();
    let cards: Vec<_> = (0..1_500).map(card).collect();
    for (n, c) in cards.iter().enumerate() {
        let member = engine.member(c);
        let channel = if n % 4 == 0 {
            Channel::Station
        } else {
            Channel::App
        };
        let choices = if n % 2 == 0 {
            [pool_id("a"), pool_id("b")]
        } else {
            [pool_id("b"), pool_id("a")]
        };
        let input = Grab {
            groups: &[],
            event: &ev,
            member: &member,
            org: Some(&org),
            choices: &Choices::new(choices.to_vec()).unwrap(),
            seats: Seats::ONE,
            channel,
        };
        match engine.grab(&input).await {
            Ok(g) if n % 5 == 0 => {
                engine
                    .cancel(&ev, &member.key, &g.reservation.code)
                    .await
                    .unwrap();
            }
            Ok(_) if n % 7 == 0 => {
                engine
                    .redeem(&ev, &ticketgrab::store::Find::Member(member.key.clone()))
                    .await
                    .unwrap();
            }
            Ok(_) | Err(Error::SoldOut) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    let mut conn = server.conn();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut conn).unwrap();
    assert!(keys.len() >= 8, "keys: {keys:?}");
    let mut dump = String::new();
    for key in &keys {
        let kind: String = redis::cmd("TYPE").arg(key).query(&mut conn).unwrap();
        let value: redis::Value = match kind.as_str() {
            "string" => redis::cmd("GET").arg(key).query(&mut conn).unwrap(),
            "hash" => redis::cmd("HGETALL").arg(key).query(&mut conn).unwrap(),
            "set" => redis::cmd("SMEMBERS").arg(key).query(&mut conn).unwrap(),
            "stream" => redis::cmd("XRANGE")
                .arg(key)
                .arg("-")
                .arg("+")
                .query(&mut conn)
                .unwrap(),
            other => panic!("unexpected key type {other} for {key}"),
        };
        dump.push_str(key);
        dump.push_str(&format!("{value:?}\n"));
    }
    assert!(dump.contains("6217 **** ****"), "masked cards are stored");
    let raw: HashSet<&str> = cards.iter().map(|c| c.digits()).collect();
    // Every window of 16..=19 digits in every run of digits must not be a card.
    let bytes = dump.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        for a in start..i {
            for len in 16..=19 {
                if a + len <= i {
                    let window = &dump[a..a + len];
                    assert!(
                        !raw.contains(window),
                        "raw card number {window} found in Redis"
                    );
                }
            }
        }
        i += 1;
    }
}

/// Double taps for a share of `members` (offset by `first`), shuffled.
fn attempts_for(first: usize, members: usize, pool: &str, seed: u64) -> Vec<(usize, Vec<PoolId>)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut attempts: Vec<(usize, Vec<PoolId>)> = (first..first + members)
        .map(|m| (m, vec![pool_id(pool)]))
        .collect();
    for _ in 0..members / 3 {
        let m = first + rng.random_range(0..members);
        attempts.push((m, vec![pool_id(pool)]));
    }
    attempts.shuffle(&mut rng);
    attempts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_sales_on_two_cluster_masters_sell_exactly_their_stock() {
    let cluster = testkit::cluster::RedisCluster::start(3, 0);
    let engine = Engine::new(crate::cluster_store(&cluster), keyer());
    // Events land on masters by their hash tag: six sales use at least two masters,
    // and the two raced here are on different ones.
    let ids: Vec<String> = (0..6).map(|i| format!("cinema-{i}")).collect();
    let masters: Vec<u16> = ids
        .iter()
        .map(|id| cluster.master_of(&format!("tg:{{{id}}}:meta")))
        .collect();
    let distinct: HashSet<u16> = masters.iter().copied().collect();
    assert!(
        distinct.len() >= 2,
        "six events all on one master: {masters:?}"
    );
    let a = 0;
    let b = masters
        .iter()
        .position(|m| *m != masters[a])
        .expect("two masters");
    for id in [&ids[a], &ids[b]] {
        engine
            .create_event(&open_event(id, &[("c", 10_000)]))
            .await
            .unwrap();
    }
    let members: Arc<Vec<Member>> =
        Arc::new((0..60_000).map(|n| keyer().member(&card(n))).collect());
    let (answers_a, answers_b) = tokio::join!(
        race(
            &engine,
            &ids[a],
            members.clone(),
            attempts_for(0, 30_000, "c", 1)
        ),
        race(
            &engine,
            &ids[b],
            members.clone(),
            attempts_for(30_000, 30_000, "c", 2)
        ),
    );
    for (id, answers) in [(&ids[a], answers_a), (&ids[b], answers_b)] {
        let per_member = by_member(&answers);
        assert_eq!(
            per_member.values().map(|(_, n)| n).sum::<usize>(),
            10_000,
            "{id}"
        );
        assert!(
            per_member
                .values()
                .all(|(codes, new)| codes.len() == 1 && *new == 1),
            "{id}: a member got two"
        );
        let view = engine.event(&event_id(id)).await.unwrap();
        assert_eq!(
            (view.pools[0].remaining, view.pools[0].active),
            (0, 10_000),
            "{id}"
        );
        let report = engine.audit(&event_id(id)).await.unwrap();
        assert!(report.ok, "{id}: {:?}", report.violations);
    }
}
