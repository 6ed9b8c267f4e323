//! The sold-out cache: answers from memory after a sell-out, and lets returned
//! stock through within its TTL even when the stock returns on another process.

use std::sync::Arc;
use std::time::Duration;

use ticketgrab::domain::{Channel, OrgPath};
use ticketgrab::store::Grab;
use ticketgrab::store::{MemoryStore, Store};
use ticketgrab::{Engine, Error};

use super::keyer;
use testkit::{card, event_id, open_event, pool_id};

async fn grab(engine: &Engine, n: u64) -> Result<bool, Error> {
    let member = engine.member(&card(n));
    let org = OrgPath::parse("bj").unwrap();
    let input = Grab {
        event: &event_id("u"),
        member: &member,
        org: Some(&org),
        choices: &[pool_id("p")],
        channel: Channel::App,
    };
    engine.grab(&input).await.map(|g| g.new)
}

#[tokio::test]
async fn stock_returned_elsewhere_reaches_every_member_once_a_probe_finds_it() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let cached =
        Engine::new(store.clone(), keyer()).with_sold_out_cache(Duration::from_millis(200));
    let other_process = Engine::new(store, keyer());
    cached
        .create_event(&open_event("u", &[("p", 1)]))
        .await
        .unwrap();
    assert_eq!(grab(&cached, 0).await, Ok(true));
    assert_eq!(grab(&cached, 1).await, Err(Error::SoldOut));
    other_process
        .restock(&event_id("u"), &pool_id("p"), 2)
        .await
        .unwrap();
    // Within the TTL the cached answer stands (the price of keeping the flood off the store).
    assert_eq!(grab(&cached, 2).await, Err(Error::SoldOut));
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(
        grab(&cached, 3).await,
        Ok(true),
        "the probe after the TTL finds the stock"
    );
    assert_eq!(
        grab(&cached, 4).await,
        Ok(true),
        "and the next member is not answered from a stale mark"
    );
    assert_eq!(grab(&cached, 5).await, Err(Error::SoldOut));
}
