//! How long a ticket returned through one front end stays `sold_out` on
//! another: two engines with read models (the default poll, 20 ms) on one
//! local redis-server. Each trial restocks one ticket through the first and
//! grabs through the second every 0.5 ms until it sells; the time from the
//! restock's answer to the sale is the lag. Trials start at random moments of
//! the poll cycle.
//!
//! cargo bench --bench edge_lag

use std::sync::Arc;
use std::time::{Duration, Instant};
use ticketgrab::domain::{Choices, Seats};

use rand::Rng;
use testkit::redis_server::RedisServer;
use testkit::{card, event_id, open_event, pool_id};
use ticketgrab::domain::{Channel, MemberKeyer, OrgPath};
use ticketgrab::store::{Grab, RedisStore, RedisTarget, Store};
use ticketgrab::{Engine, Error};

const TRIALS: usize = 200;
const POLL: Duration = Duration::from_millis(20);

fn front(redis: &RedisServer) -> Engine {
    let store: Arc<dyn Store> = Arc::new(
        RedisStore::new(&RedisTarget::Single(redis.url()), 2, Duration::from_secs(2)).unwrap(),
    );
    Engine::new(store, MemberKeyer::new(b"bench")).with_read_model(POLL)
}

async fn grab(engine: &Engine, n: u64) -> Result<bool, Error> {
    let member = engine.member(&card(n));
    let org = OrgPath::parse("bj").unwrap();
    let input = Grab {
        groups: &[],
        event: &event_id("lag"),
        member: &member,
        org: Some(&org),
        choices: &Choices::new([pool_id("p")].to_vec()).unwrap(),
        seats: Seats::ONE,
        channel: Channel::App,
    };
    engine.grab(&input).await.map(|g| g.new)
}

#[tokio::main]
async fn main() {
    let redis = RedisServer::start();
    let (here, there) = (front(&redis), front(&redis));
    here.create_event(&open_event("lag", &[("p", 1)]))
        .await
        .unwrap();
    let mut member = 0;
    assert_eq!(grab(&there, member).await, Ok(true));
    member += 1;
    assert_eq!(grab(&there, member).await, Err(Error::SoldOut));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut lags = Vec::with_capacity(TRIALS);
    for _ in 0..TRIALS {
        // Let the model read the last sale (so the pool is sold out in it),
        // then start at a random moment of the poll cycle.
        let wait = rand::rng().random_range(0..POLL.as_micros() as u64);
        tokio::time::sleep(3 * POLL + Duration::from_micros(wait)).await;
        here.restock(&event_id("lag"), &pool_id("p"), 1)
            .await
            .unwrap();
        let returned = Instant::now();
        loop {
            member += 1;
            match grab(&there, member).await {
                Ok(true) => break,
                Err(Error::SoldOut) => tokio::time::sleep(Duration::from_micros(500)).await,
                other => panic!("unexpected {other:?}"),
            }
            assert!(returned.elapsed() < Duration::from_secs(5), "never sold");
        }
        lags.push(returned.elapsed());
    }
    lags.sort();
    let at = |q: f64| lags[((lags.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    println!(
        "edge lag over {TRIALS} trials, poll {} ms: median {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        POLL.as_millis(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
}
