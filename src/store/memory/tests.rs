//! The embedded store's own tests (the shared suites are in tests/engine).

use crate::domain::{Choices, Seats};
use std::sync::atomic::{AtomicI64, Ordering};

use super::*;
use crate::domain::{
    CardNumber, Channel, EventId, MemberKeyer, OrgPath, Pool, PoolId, with_check_digit,
};

#[tokio::test]
async fn a_clock_that_steps_back_after_a_grab_gives_answers_not_a_panic() {
    let t = Arc::new(AtomicI64::new(1_800_000_000_000));
    let clock = t.clone();
    let store = MemoryStore::with_clock(Arc::new(move || Millis(clock.load(Ordering::SeqCst))));
    let id = EventId::parse("e").unwrap();
    let pool = PoolId::parse("p").unwrap();
    let now = t.load(Ordering::SeqCst);
    let event = Event {
        id: id.clone(),
        title: "e".into(),
        org: OrgPath::parse("bj").unwrap(),
        opens_at: Millis(now - 60_000),
        closes_at: Millis(now + 3_600_000),
        price_fen: 0,
        max_seats: 1,
        hold_ms: 0,
        lottery: None,
        program: None,
        details: Default::default(),
        pools: vec![Pool {
            kept: Vec::new(),
            id: pool.clone(),
            title: "p".into(),
            total: 5,
            details: Default::default(),
        }],
    };
    store.create_event(&event).await.unwrap();
    let card = CardNumber::parse(&with_check_digit("621700000000000001")).unwrap();
    let member = MemberKeyer::new(b"k").member(&card);
    let grab = Grab {
        groups: &[],
        event: &id,
        member: &member,
        org: None,
        choices: &Choices::one(pool.clone()),
        seats: Seats::ONE,
        channel: Channel::Station,
    };
    store.grab(&grab, &Code::random()).await.unwrap();
    // NTP steps the clock back 10 s.
    t.fetch_sub(10_000, Ordering::SeqCst);
    let rate = store.grab_rate(&id).await.unwrap();
    assert_eq!(rate.iter().sum::<u32>(), 1);
    assert_eq!(rate[59], 1);
    assert_eq!(store.event(&id).await.unwrap().pools[0].remaining, 4);
    assert!(store.snapshot(&id).await.is_ok());
}
