//! A program's cap under a race, on a real Redis and a Redis Cluster: 2,000
//! members each grab in the 4 sales of a cap-1 program at the same time,
//! from two front ends (two engines, each with its own connections), from
//! the app and a station. No member ends with more than one ticket across
//! the program, every member gets one (the stock is ample: only the cap
//! refuses), each member's places are 1, and every sale's audit is ok.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ticketgrab::domain::{Channel, Choices, Member, OrgPath, ProgramId, Seats, Status};
use ticketgrab::store::{Grab, Store};
use ticketgrab::{Engine, Error};

use super::{cluster_store, keyer, redis_store};
use testkit::cluster::RedisCluster;
use testkit::redis_server::RedisServer;
use testkit::{card, event_id, pool_id, program, program_sale};

const MEMBERS: usize = 2_000;
const SALES: [&str; 4] = ["park", "cinema", "theatre", "museum"];
const TASKS: usize = 128;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cap_of_one_holds_when_two_thousand_members_grab_in_four_sales_at_once() {
    let server = RedisServer::start();
    let fronts = [redis_store(&server, 8), redis_store(&server, 8)];
    cap_holds(fronts).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cap_of_one_holds_on_a_cluster_too() {
    let cluster = RedisCluster::start(3, 0);
    let fronts = [cluster_store(&cluster), cluster_store(&cluster)];
    cap_holds(fronts).await;
}

async fn cap_holds(fronts: [Arc<dyn Store>; 2]) {
    let engines: Vec<Engine> = fronts
        .iter()
        .map(|s| Engine::new(s.clone(), keyer()))
        .collect();
    engines[0]
        .create_program(&program("year", 1))
        .await
        .unwrap();
    for sale in SALES {
        engines[0]
            .create_event(&program_sale(sale, "year", &[("p", MEMBERS as i64)]))
            .await
            .unwrap();
    }
    let members: Arc<Vec<Member>> = Arc::new(
        (0..MEMBERS)
            .map(|n| engines[0].member(&card(n as u64)))
            .collect(),
    );
    // Every (member, sale) pair, the sales of one member next to each
    // other so that their grabs run at the same time on different tasks.
    let attempts: Arc<Vec<(usize, usize)>> = Arc::new(
        (0..MEMBERS)
            .flat_map(|m| (0..SALES.len()).map(move |s| (m, s)))
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let (engine, members, attempts, next) = (
            engines[t % 2].clone(),
            members.clone(),
            attempts.clone(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let org = OrgPath::parse("bj/chaoyang").unwrap();
            let mut got = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(m, s)) = attempts.get(i) else {
                    break;
                };
                // A station vouches for its walk-ups: no org.
                let station = (m + s) % 3 == 0;
                let answer = engine
                    .grab(&Grab {
                        groups: &[],
                        event: &event_id(SALES[s]),
                        member: &members[m],
                        org: (!station).then_some(&org),
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
                    Ok(g) => got.push((m, s, g.new)),
                    Err(Error::ProgramCap { held: 1, cap: 1 }) => {}
                    Err(e) => panic!("member {m} sale {s}: {e:?}"),
                }
            }
            got
        }));
    }
    let mut tickets: HashMap<usize, Vec<usize>> = HashMap::new();
    for t in tasks {
        for (m, s, new) in t.await.unwrap() {
            assert!(
                new,
                "member {m} sale {s}: a repeat in a race of first grabs"
            );
            tickets.entry(m).or_default().push(s);
        }
    }
    assert_eq!(tickets.len(), MEMBERS, "every member got a ticket");
    let over: Vec<_> = tickets.iter().filter(|(_, s)| s.len() > 1).collect();
    assert!(over.is_empty(), "members over the cap: {over:?}");
    // The stores agree: one ticket per member across the program.
    let mut held = 0;
    for sale in SALES {
        let id = event_id(sale);
        let report = engines[1].audit(&id).await.unwrap();
        assert!(report.ok, "{sale}: {:?}", report.violations);
        let snap = engines[1].snapshot(&id).await.unwrap();
        held += snap
            .reservations
            .iter()
            .filter(|r| r.status == Status::Active)
            .count();
    }
    assert_eq!(held, MEMBERS);
    let program = ProgramId::parse("year").unwrap();
    let mut cursor = String::new();
    let mut places = Vec::new();
    loop {
        let (page, next) = fronts[1].places_page(&program, &cursor).await.unwrap();
        places.extend(page);
        match next {
            Some(n) => cursor = n,
            None => break,
        }
    }
    places.sort();
    places.dedup();
    assert_eq!(places.len(), MEMBERS);
    assert!(places.iter().all(|(_, n)| *n == 1));
}
