//! Kept parts under a flood, on a real Redis, a Redis Cluster and the
//! embedded store: a pool of 1,300 seats keeps 200 for `hardship` members
//! and 50 for each of 16 district unions, with 300 for everyone; 2,000
//! members grab at once from two front ends, from the app (their token's
//! union and groups) and at stations (the register's, or a walk-up it does
//! not know); the parts are released while refused members grab again.
//! Every seat is sold exactly once, no member holds two tickets, a share's
//! seat went only to a hardship member and an allotment's only to its
//! union's, each part was released once, and the audit is ok.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ticketgrab::domain::{
    Channel, Choices, Group, Kept, KeptFor, Member, Millis, OrgPath, Seats, Status,
};
use ticketgrab::store::{Grab, LogOp, MemoryStore, Store};
use ticketgrab::{Engine, Error};

use super::{cluster_store, keyer, redis_store};
use testkit::cluster::RedisCluster;
use testkit::redis_server::RedisServer;
use testkit::{card, event_id, open_event, pool_id};

const MEMBERS: usize = 2_000;
const DISTRICTS: usize = 16;
const TASKS: usize = 128;
const SHARE: i64 = 200;
const ALLOTMENT: i64 = 50;
const PUBLIC: i64 = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parts_hold_when_two_thousand_members_grab_through_their_release_on_redis() {
    let server = RedisServer::start();
    flood([redis_store(&server, 8), redis_store(&server, 8)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parts_hold_on_a_cluster_too() {
    let cluster = RedisCluster::start(3, 0);
    flood([cluster_store(&cluster), cluster_store(&cluster)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parts_hold_on_the_embedded_store_too() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    flood([store.clone(), store]).await;
}

/// Member `m`'s union (16 districts, and every 17th outside them all) and
/// whether they are in `hardship` (one in five).
fn who(m: usize) -> (OrgPath, bool) {
    let org = match m % 17 {
        16 => "bj/elsewhere".to_owned(),
        d => format!("bj/d{d}/street"),
    };
    (OrgPath::parse(&org).unwrap(), m.is_multiple_of(5))
}

async fn flood(fronts: [Arc<dyn Store>; 2]) {
    let engines: Vec<Engine> = fronts
        .iter()
        .map(|s| Engine::new(s.clone(), keyer()))
        .collect();
    let release_at = Millis(Millis::now().0 + 4_000);
    let mut kept = vec![Kept {
        rule: KeptFor::Group(Group::parse("hardship").unwrap()),
        seats: SHARE,
        release_at,
    }];
    for d in 0..DISTRICTS {
        kept.push(Kept {
            rule: KeptFor::Org(OrgPath::parse(&format!("bj/d{d}")).unwrap()),
            seats: ALLOTMENT,
            release_at,
        });
    }
    let total = PUBLIC + SHARE + ALLOTMENT * DISTRICTS as i64;
    let mut sale = open_event("flood", &[("p", total)]);
    sale.pools[0].kept = kept;
    engines[0].create_event(&sale).await.unwrap();
    let members: Arc<Vec<Member>> = Arc::new(
        (0..MEMBERS)
            .map(|n| engines[0].member(&card(n as u64)))
            .collect(),
    );
    // Round 1: everyone at once; round 2, from the release on: those refused.
    let refused = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut got: Vec<(usize, u8, bool)> = Vec::new();
    for round in 0..2 {
        let todo: Arc<Vec<usize>> = Arc::new(if round == 0 {
            (0..MEMBERS).collect()
        } else {
            std::mem::take(&mut *refused.lock().unwrap())
        });
        if round == 1 {
            let wait = release_at.0 - Millis::now().0;
            assert!(
                wait > 0,
                "the first round outlasted the release: make it later"
            );
            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
        }
        let next = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for t in 0..TASKS {
            let (engine, members, todo, next, refused) = (
                engines[t % 2].clone(),
                members.clone(),
                todo.clone(),
                next.clone(),
                refused.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let hardship = [Group::parse("hardship").unwrap()];
                let mut got = Vec::new();
                while let Some(&m) = todo.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let (org, in_group) = who(m);
                    // One in four at a station: the register's answer, or
                    // (one in three of those) a walk-up it does not know.
                    let (station, known) = (m % 4 == 1, m % 3 != 0);
                    let told = !station || known;
                    let groups: &[Group] = if in_group && told { &hardship } else { &[] };
                    let answer = engine
                        .grab(&Grab {
                            groups,
                            event: &event_id("flood"),
                            member: &members[m],
                            org: told.then_some(&org),
                            choices: &Choices::one(pool_id("p")),
                            seats: Seats::ONE,
                            channel: if station {
                                Channel::Station
                            } else {
                                Channel::App
                            },
                        })
                        .await;
                    match answer {
                        Ok(g) => got.push((m, g.reservation.part.unwrap_or(0), told)),
                        Err(Error::SoldOut) => refused.lock().unwrap().push(m),
                        Err(e) => panic!("member {m}: {e:?}"),
                    }
                }
                got
            }));
        }
        for t in tasks {
            got.extend(t.await.unwrap());
        }
    }
    // Every seat sold, once; no member twice.
    assert_eq!(got.len() as i64, total, "every seat sold");
    let mut by_member: HashMap<usize, usize> = HashMap::new();
    for (m, _, _) in &got {
        *by_member.entry(*m).or_default() += 1;
    }
    assert!(
        by_member.values().all(|n| *n == 1),
        "a member holds two tickets"
    );
    // A share's seat only to a hardship member, an allotment's only to its
    // union's, whom the request said so.
    for (m, part, told) in &got {
        let (org, in_group) = who(*m);
        match *part {
            0 => {}
            1 => assert!(in_group && *told, "member {m} took the share"),
            d => {
                let union = OrgPath::parse(&format!("bj/d{}", d - 2)).unwrap();
                assert!(
                    *told && org.is_within(&union),
                    "member {m} took allotment {d}"
                );
            }
        }
    }
    let id = event_id("flood");
    let report = engines[1].audit(&id).await.unwrap();
    assert!(report.ok, "{:?}", report.violations);
    let snap = engines[1].snapshot(&id).await.unwrap();
    let released = snap
        .log
        .iter()
        .filter(|e| matches!(e.op, LogOp::Released { .. }))
        .count();
    assert_eq!(released, 1 + DISTRICTS, "each part released once");
    let pool = &snap.view.pools[0];
    assert_eq!((pool.remaining, pool.active), (0, total));
    assert!(pool.kept.iter().all(|k| k.released && k.left == 0));
    // Before the release, only the share's members and the unions took
    // the kept seats: the parts were in use during the flood.
    let from_parts = got.iter().filter(|(_, p, _)| *p > 0).count();
    assert!(from_parts > 0, "no ticket came from a part");
    let live = snap
        .reservations
        .iter()
        .filter(|r| r.status == Status::Active)
        .count();
    assert_eq!(live as i64, total);
}
