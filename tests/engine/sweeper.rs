//! The sweeper every front end runs: unpaid holds expire once their pay_by
//! passes, without anyone touching them, and it stops when shutdown begins.

use std::time::Duration;
use ticketgrab::domain::{Choices, Seats};

use ticketgrab::domain::{Channel, Status};
use ticketgrab::startup::sweep_holds;
use ticketgrab::store::{Find, Grab};

use super::{Harness, redis};
use testkit::{card, event_id, open_event, pool_id};

#[tokio::test]
async fn the_sweeper_expires_unpaid_holds_and_stops_at_shutdown() {
    let h: Harness = redis();
    let mut event = open_event("cinema", &[("p", 3)]);
    event.hold_ms = 300;
    h.engine.create_event(&event).await.unwrap();
    let member = h.engine.member(&card(1));
    let org = ticketgrab::domain::OrgPath::parse("bj").unwrap();
    let p = [pool_id("p")];
    let hold = h
        .engine
        .grab(&Grab {
            groups: &[],
            event: &event_id("cinema"),
            member: &member,
            org: Some(&org),
            choices: &Choices::new(p.to_vec()).unwrap(),
            seats: Seats::ONE,
            channel: Channel::App,
        })
        .await
        .unwrap()
        .reservation;
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let sweeper = tokio::spawn(sweep_holds(h.engine.clone(), stopping));
    let find = Find::Code(hold.code.clone());
    let mut status = Status::Held;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        status = h
            .engine
            .reservation(&event_id("cinema"), &find)
            .await
            .unwrap()
            .status;
        if status == Status::Expired {
            break;
        }
    }
    assert_eq!(status, Status::Expired, "the sweeper expired the hold");
    let view = h.engine.event(&event_id("cinema")).await.unwrap();
    assert_eq!((view.pools[0].remaining, view.pools[0].expired), (3, 1));
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(2), sweeper)
        .await
        .expect("the sweeper stops when shutdown begins")
        .unwrap();
    let report = h.engine.audit(&event_id("cinema")).await.unwrap();
    assert!(report.ok, "{:?}", report.violations);
}
