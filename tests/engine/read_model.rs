//! The read model on the embedded store: which answers come from memory, and
//! that they are the store's, window precedence included.

use std::sync::Arc;
use std::time::Duration;
use ticketgrab::domain::{Choices, Seats};

use ticketgrab::domain::{Channel, Millis, OrgPath, StatusAction};
use ticketgrab::metrics::{MeteredStore, Metrics};
use ticketgrab::store::{Grab, Grabbed, Join, MemoryStore, Store};
use ticketgrab::{Engine, Error};

use super::keyer;
use testkit::{card, event_between, event_id, open_event, pool_id};

/// Several polls of the read model (every 10 ms here).
pub const SETTLE: Duration = Duration::from_millis(100);

pub struct Front {
    pub engine: Engine,
    pub metrics: Arc<Metrics>,
}

impl Front {
    /// An engine with the read model over `store`, counting its store calls.
    pub fn over(store: &Arc<dyn Store>) -> Self {
        let metrics = Arc::new(Metrics::new());
        let metered: Arc<dyn Store> = Arc::new(MeteredStore::new(store.clone(), metrics.clone()));
        Self {
            engine: Engine::new(metered, keyer()).with_read_model(Duration::from_millis(10)),
            metrics,
        }
    }

    pub fn store_grabs(&self) -> u64 {
        self.metrics
            .store_latency
            .with_label_values(&["grab"])
            .get_sample_count()
    }

    pub async fn grab(&self, event: &str, n: u64, org: &str) -> Result<Grabbed, Error> {
        super::grab_one(&self.engine, event, n, org).await
    }
}

#[tokio::test]
async fn before_the_opening_members_are_told_not_open_from_memory() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let front = Front::over(&store);
    let now = Millis::now().0;
    let event = event_between(
        "later",
        &[("p", 5)],
        Millis(now + 60_000),
        Millis(now + 120_000),
    );
    store.create_event(&event).await.unwrap();
    let first = front.grab("later", 1, "bj/x").await;
    assert!(matches!(first, Err(Error::NotOpen { opens_at, .. }) if opens_at == event.opens_at));
    tokio::time::sleep(SETTLE).await;
    for n in 2..50 {
        let answer = front.grab("later", n, "bj/x").await;
        assert!(
            matches!(answer, Err(Error::NotOpen { opens_at, .. }) if opens_at == event.opens_at)
        );
    }
    assert_eq!(
        front.grab("later", 50, "sh/x").await,
        Err(Error::NotEligible)
    );
    assert_eq!(
        front.store_grabs(),
        1,
        "only the first grab asked the store"
    );
}

#[tokio::test]
async fn a_pause_is_seen_at_once_here_and_a_holder_keeps_the_ticket_through_it() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let front = Front::over(&store);
    store
        .create_event(&open_event("u", &[("p", 5)]))
        .await
        .unwrap();
    let ticket = front.grab("u", 1, "bj/x").await.unwrap();
    tokio::time::sleep(SETTLE).await;
    front
        .engine
        .set_status(&event_id("u"), StatusAction::Pause)
        .await
        .unwrap();
    assert_eq!(
        front.grab("u", 2, "bj/x").await,
        Err(Error::Paused),
        "at once"
    );
    tokio::time::sleep(SETTLE).await;
    let asked = front.store_grabs();
    assert_eq!(front.grab("u", 3, "bj/x").await, Err(Error::Paused));
    let retry = front.grab("u", 1, "bj/x").await.unwrap();
    assert_eq!((retry.reservation, retry.new), (ticket.reservation, false));
    assert_eq!(front.store_grabs(), asked, "both answered from memory");
}

#[tokio::test]
async fn stock_returned_on_another_front_end_is_sold_here_after_a_poll() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let here = Front::over(&store);
    let there = Engine::new(store.clone(), keyer());
    store
        .create_event(&open_event("u", &[("p", 1)]))
        .await
        .unwrap();
    assert!(here.grab("u", 0, "bj/x").await.unwrap().new);
    assert_eq!(here.grab("u", 1, "bj/x").await, Err(Error::SoldOut));
    tokio::time::sleep(SETTLE).await;
    let asked = here.store_grabs();
    assert_eq!(here.grab("u", 2, "bj/x").await, Err(Error::SoldOut));
    assert_eq!(here.store_grabs(), asked, "sold out, from memory");
    there
        .restock(&event_id("u"), &pool_id("p"), 2)
        .await
        .unwrap();
    tokio::time::sleep(SETTLE).await;
    assert!(here.grab("u", 3, "bj/x").await.unwrap().new);
    assert!(here.grab("u", 4, "bj/x").await.unwrap().new);
    assert_eq!(here.grab("u", 5, "bj/x").await, Err(Error::SoldOut));
}

#[tokio::test]
async fn a_ticket_cancelled_here_is_grabbable_here_at_once() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let front = Front::over(&store);
    store
        .create_event(&open_event("u", &[("p", 1)]))
        .await
        .unwrap();
    let ticket = front.grab("u", 0, "bj/x").await.unwrap().reservation;
    tokio::time::sleep(SETTLE).await;
    assert_eq!(front.grab("u", 1, "bj/x").await, Err(Error::SoldOut));
    front
        .engine
        .cancel(&event_id("u"), &ticket.member, &ticket.code)
        .await
        .unwrap();
    assert!(front.grab("u", 1, "bj/x").await.unwrap().new);
}

#[tokio::test]
async fn an_engine_follows_only_events_that_exist() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let front = Front::over(&store);
    for n in 0..20 {
        assert_eq!(
            front.grab(&format!("nope{n}"), 1, "bj/x").await,
            Err(Error::UnknownEvent)
        );
    }
    assert_eq!(front.engine.followed_events(), 0);
}

#[tokio::test]
async fn a_ticket_handed_to_the_waiting_list_elsewhere_stays_sold_out_here_and_is_its_holders() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let here = Front::over(&store);
    let there = Engine::new(store.clone(), keyer());
    store
        .create_event(&open_event("w", &[("p", 1)]))
        .await
        .unwrap();
    let first = here.grab("w", 0, "bj/x").await.unwrap().reservation;
    let waiter = there.member(&card(1));
    let org = OrgPath::parse("bj/x").unwrap();
    let p = [pool_id("p")];
    there
        .join_waiting(&Join {
            grab: Grab {
                groups: &[],
                event: &event_id("w"),
                member: &waiter,
                org: Some(&org),
                choices: &Choices::new(p.to_vec()).unwrap(),
                seats: Seats::ONE,
                channel: Channel::App,
            },
            cutoff: None,
        })
        .await
        .unwrap();
    let owner = there.member(&card(0));
    there
        .cancel(&event_id("w"), &owner.key, &first.code)
        .await
        .unwrap();
    tokio::time::sleep(SETTLE).await;
    // The returned seat went to the waiting member in the same step: still
    // sold out to everyone else, from memory; the waiting member's retry gets
    // their new ticket, from memory too.
    let asked = here.store_grabs();
    assert_eq!(here.grab("w", 2, "bj/x").await, Err(Error::SoldOut));
    let theirs = here.grab("w", 1, "bj/x").await.unwrap();
    assert!(!theirs.new);
    assert_eq!(here.store_grabs(), asked, "both from memory");
    let stored = store
        .lookup(&event_id("w"), &ticketgrab::store::Find::Member(waiter.key))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(theirs.reservation, stored);
}

/// A sale with a hardship share: once everyone's seats are gone, a member
/// outside the share is told sold out from memory, while a hardship
/// member's grab still reaches the store and takes the share's; a share's
/// seat given back on another front end is the hardship members' again
/// here, and still nobody else's.
#[tokio::test]
async fn sold_out_is_each_member_s_own_and_answered_from_memory() {
    use ticketgrab::domain::{Group, Kept, KeptFor};
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let front = Front::over(&store);
    let mut sale = open_event("share", &[("p", 3)]);
    sale.pools[0].kept = vec![Kept {
        rule: KeptFor::Group(Group::parse("hardship").unwrap()),
        seats: 2,
        release_at: Millis(Millis::now().0 + 1_800_000),
    }];
    store.create_event(&sale).await.unwrap();
    let org = OrgPath::parse("bj/x").unwrap();
    let hardship = [Group::parse("hardship").unwrap()];
    let grab = async |n: u64, groups: &[Group]| {
        let member = front.engine.member(&card(n));
        front
            .engine
            .grab(&Grab {
                event: &event_id("share"),
                member: &member,
                org: Some(&org),
                groups,
                choices: &Choices::one(pool_id("p")),
                seats: Seats::ONE,
                channel: Channel::App,
            })
            .await
    };
    assert_eq!(grab(1, &[]).await.unwrap().reservation.part, None);
    tokio::time::sleep(SETTLE).await;
    let asked = front.store_grabs();
    for n in 2..40 {
        assert_eq!(grab(n, &[]).await.unwrap_err(), Error::SoldOut);
    }
    assert_eq!(
        front.store_grabs(),
        asked,
        "everyone else is told from memory"
    );
    let mine = grab(40, &hardship).await.unwrap();
    assert_eq!(mine.reservation.part, Some(1));
    assert_eq!(grab(41, &hardship).await.unwrap().reservation.part, Some(1));
    tokio::time::sleep(SETTLE).await;
    let asked = front.store_grabs();
    assert_eq!(grab(42, &hardship).await.unwrap_err(), Error::SoldOut);
    assert_eq!(grab(43, &[]).await.unwrap_err(), Error::SoldOut);
    assert_eq!(
        front.store_grabs(),
        asked,
        "the share's members too, once it is gone"
    );
    // Given back on another front end (the store itself): the share's again.
    let key = front.engine.member(&card(40)).key;
    store
        .cancel(&event_id("share"), &key, &mine.reservation.code)
        .await
        .unwrap();
    tokio::time::sleep(SETTLE).await;
    let asked = front.store_grabs();
    assert_eq!(grab(44, &[]).await.unwrap_err(), Error::SoldOut);
    assert_eq!(front.store_grabs(), asked);
    assert_eq!(grab(45, &hardship).await.unwrap().reservation.part, Some(1));
}
