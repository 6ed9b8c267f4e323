//! The waiting list (候补) and the no-show release, on the memory store, a
//! real Redis and a Redis Cluster: seats that come back go to the first
//! waiting member they fit, in the same step, never to the public first.

use std::time::Duration;
use ticketgrab::domain::{Choices, Seats};

use ticketgrab::Error;
use ticketgrab::domain::PaymentId;
use ticketgrab::domain::{
    Channel, Code, LeftReason, Millis, OrgPath, PoolId, Status, StatusAction, Waiting,
};
use ticketgrab::store::{Find, Grab, Grabbed, Join, LogOp, PaymentOutcome, Released};

use super::Harness;
use testkit::{card, event_id, open_event, pool_id};

conformance!(
    a_returned_ticket_goes_to_the_first_waiting_member_not_the_public,
    joining_is_for_sold_out_choices_once_and_not_while_holding,
    a_waiting_member_who_grabs_a_ticket_leaves_the_list,
    seats_go_to_the_first_entry_that_fits_and_lapsed_entries_are_removed,
    an_expired_hold_goes_to_the_list_as_a_new_hold_and_its_late_payment_is_refunded,
    leaving_and_a_closed_sale_stop_assignments,
    released_no_shows_feed_the_waiting_list_then_walk_ups,
    an_entry_ahead_that_lapsed_is_not_counted_ahead,
);

mod cases {
    use super::*;

    fn org() -> OrgPath {
        OrgPath::parse("bj/chaoyang").unwrap()
    }

    fn pools(choices: &[&str]) -> Vec<PoolId> {
        choices.iter().map(|p| pool_id(p)).collect()
    }

    async fn sale(h: &Harness, id: &str, pools: &[(&str, i64)], max_seats: u8, hold_ms: i64) {
        let mut event = open_event(id, pools);
        event.max_seats = max_seats;
        event.hold_ms = hold_ms;
        h.engine.create_event(&event).await.unwrap();
    }

    async fn grab(
        h: &Harness,
        event: &str,
        n: u64,
        choices: &[&str],
        seats: u8,
    ) -> Result<Grabbed, Error> {
        let member = h.engine.member(&card(n));
        let (org, choices) = (org(), pools(choices));
        h.engine
            .grab(&Grab {
                groups: &[],
                event: &event_id(event),
                member: &member,
                org: Some(&org),
                choices: &Choices::new(choices.to_vec()).unwrap(),
                seats: Seats::new("seats", i64::from(seats)).unwrap(),
                channel: Channel::App,
            })
            .await
    }

    async fn join(
        h: &Harness,
        event: &str,
        n: u64,
        choices: &[&str],
        seats: u8,
        cutoff: Option<Millis>,
    ) -> Result<Waiting, Error> {
        let member = h.engine.member(&card(n));
        let (org, choices) = (org(), pools(choices));
        h.engine
            .join_waiting(&Join {
                grab: Grab {
                    groups: &[],
                    event: &event_id(event),
                    member: &member,
                    org: Some(&org),
                    choices: &Choices::new(choices.to_vec()).unwrap(),
                    seats: Seats::new("seats", i64::from(seats)).unwrap(),
                    channel: Channel::App,
                },
                cutoff,
            })
            .await
    }

    async fn waiting(h: &Harness, event: &str, n: u64) -> Option<Waiting> {
        let member = h.engine.member(&card(n));
        h.engine
            .waiting(&event_id(event), &member.key)
            .await
            .unwrap()
    }

    async fn ticket(h: &Harness, event: &str, n: u64) -> Option<ticketgrab::domain::Reservation> {
        let member = h.engine.member(&card(n));
        h.engine
            .store()
            .lookup(&event_id(event), &Find::Member(member.key))
            .await
            .unwrap()
    }

    async fn cancel(h: &Harness, event: &str, n: u64, code: &Code) {
        let member = h.engine.member(&card(n));
        h.engine
            .cancel(&event_id(event), &member.key, code)
            .await
            .unwrap();
    }

    /// (remaining, waiting) per pool.
    async fn figures(h: &Harness, event: &str) -> Vec<(i64, i64)> {
        let view = h.engine.event(&event_id(event)).await.unwrap();
        view.pools
            .iter()
            .map(|p| (p.remaining, p.waiting))
            .collect()
    }

    async fn audit_ok(h: &Harness, event: &str) {
        let report = h.engine.audit(&event_id(event)).await.unwrap();
        assert!(report.ok, "{:?}", report.violations);
    }

    async fn log(h: &Harness, event: &str) -> Vec<LogOp> {
        let snap = h.engine.snapshot(&event_id(event)).await.unwrap();
        snap.log.into_iter().map(|e| e.op).collect()
    }

    pub async fn a_returned_ticket_goes_to_the_first_waiting_member_not_the_public(h: Harness) {
        sale(&h, "park", &[("p", 1)], 1, 0).await;
        let first = grab(&h, "park", 1, &["p"], 1).await.unwrap().reservation;
        let two = join(&h, "park", 2, &["p"], 1, None).await.unwrap();
        let three = join(&h, "park", 3, &["p"], 1, None).await.unwrap();
        assert_eq!((two.ahead, three.ahead), (0, 1));
        assert!(two.entry.order < three.entry.order);
        assert_eq!(figures(&h, "park").await, vec![(0, 2)]);
        cancel(&h, "park", 1, &first.code).await;
        // Member 2 holds the ticket now, under the code drawn when they joined;
        // the public never saw the seat.
        let got = ticket(&h, "park", 2).await.unwrap();
        assert_eq!((got.status, &got.code), (Status::Active, &two.entry.code));
        assert_eq!(grab(&h, "park", 4, &["p"], 1).await, Err(Error::SoldOut));
        assert_eq!(waiting(&h, "park", 2).await, None);
        assert_eq!(waiting(&h, "park", 3).await.unwrap().ahead, 0);
        assert_eq!(figures(&h, "park").await, vec![(0, 1)]);
        // The member's own grab now answers with the assigned ticket.
        let again = grab(&h, "park", 2, &["p"], 1).await.unwrap();
        assert!(!again.new && again.reservation.code == got.code);
        // The log says who got what, for the app's notifications.
        assert!(
            log(&h, "park").await.iter().any(|op| matches!(op,
            LogOp::Assigned { ticket, order } if ticket.code == got.code && *order == two.entry.order))
        );
        audit_ok(&h, "park").await;
    }

    pub async fn joining_is_for_sold_out_choices_once_and_not_while_holding(h: Harness) {
        sale(&h, "park", &[("a", 1), ("b", 2)], 2, 0).await;
        assert_eq!(
            join(&h, "park", 1, &["a"], 1, None).await,
            Err(Error::NotSoldOut("a".into()))
        );
        let holder = grab(&h, "park", 1, &["a"], 1).await.unwrap().reservation;
        match join(&h, "park", 1, &["a"], 1, None).await {
            Err(Error::AlreadyHolding(r)) => assert_eq!(r.code, holder.code),
            other => panic!("a holder joined: {other:?}"),
        }
        // b has 2 seats: enough for 2, so no joining for b.
        assert_eq!(
            join(&h, "park", 2, &["a", "b"], 2, None).await,
            Err(Error::NotSoldOut("b".into()))
        );
        grab(&h, "park", 3, &["b"], 2).await.unwrap();
        let before = h.engine.snapshot(&event_id("park")).await.unwrap();
        let now = Millis::now();
        let closes = h
            .engine
            .event(&event_id("park"))
            .await
            .unwrap()
            .event
            .closes_at;
        for cutoff in [Millis(now.0 - 1_000), Millis(closes.0 + 1)] {
            assert_eq!(
                join(&h, "park", 2, &["a"], 1, Some(cutoff)).await,
                Err(Error::BadCutoff { closes_at: closes })
            );
        }
        assert_eq!(
            join(&h, "park", 2, &["a"], 3, None).await,
            Err(Error::TooManySeats { max: 2 })
        );
        assert!(matches!(
            join(&h, "park", 2, &["ghost"], 1, None).await,
            Err(Error::UnknownPool(_))
        ));
        let outsider = h.engine.member(&card(2));
        let elsewhere = OrgPath::parse("sh").unwrap();
        let a = pools(&["a"]);
        let refused = h
            .engine
            .join_waiting(&Join {
                grab: Grab {
                    groups: &[],
                    event: &event_id("park"),
                    member: &outsider,
                    org: Some(&elsewhere),
                    choices: &Choices::new(a.to_vec()).unwrap(),
                    seats: Seats::ONE,
                    channel: Channel::App,
                },
                cutoff: None,
            })
            .await;
        assert_eq!(refused, Err(Error::NotEligible));
        let after = h.engine.snapshot(&event_id("park")).await.unwrap();
        assert_eq!(
            super::super::state(after),
            super::super::state(before),
            "refusals changed nothing"
        );
        let w = join(&h, "park", 2, &["a", "b"], 2, None).await.unwrap();
        assert_eq!((w.entry.seats, w.entry.cutoff, w.ahead), (2, closes, 0));
        match join(&h, "park", 2, &["a"], 1, None).await {
            Err(Error::AlreadyWaiting(again)) => assert_eq!(*again, w),
            other => panic!("joined twice: {other:?}"),
        }
        assert_eq!(figures(&h, "park").await, vec![(0, 1), (0, 1)]);
        audit_ok(&h, "park").await;
    }

    pub async fn a_waiting_member_who_grabs_a_ticket_leaves_the_list(h: Harness) {
        sale(&h, "park", &[("a", 1), ("b", 1)], 1, 0).await;
        let a = grab(&h, "park", 1, &["a"], 1).await.unwrap().reservation;
        join(&h, "park", 2, &["a"], 1, None).await.unwrap();
        // A waiting member's grab of a sold-out pool changes nothing.
        assert_eq!(grab(&h, "park", 2, &["a"], 1).await, Err(Error::SoldOut));
        assert!(waiting(&h, "park", 2).await.is_some());
        let b = grab(&h, "park", 2, &["b"], 1).await.unwrap();
        assert!(b.new);
        assert_eq!(waiting(&h, "park", 2).await, None);
        // Nobody waits for a any more: its seat goes back to the public.
        cancel(&h, "park", 1, &a.code).await;
        assert_eq!(figures(&h, "park").await, vec![(1, 0), (0, 0)]);
        let member = h.engine.member(&card(2));
        assert!(log(&h, "park").await.iter().any(|op| matches!(op,
            LogOp::Left { member: m, reason: LeftReason::GotTicket } if *m == member.key)));
        audit_ok(&h, "park").await;
    }

    pub async fn seats_go_to_the_first_entry_that_fits_and_lapsed_entries_are_removed(h: Harness) {
        sale(&h, "theatre", &[("s1", 2)], 2, 0).await;
        let family = grab(&h, "theatre", 1, &["s1"], 2)
            .await
            .unwrap()
            .reservation;
        let soon = Millis(Millis::now().0 + 300);
        join(&h, "theatre", 2, &["s1"], 2, Some(soon))
            .await
            .unwrap();
        join(&h, "theatre", 3, &["s1"], 1, None).await.unwrap();
        let four = join(&h, "theatre", 4, &["s1"], 2, None).await.unwrap();
        assert_eq!(four.ahead, 2);
        tokio::time::sleep(Duration::from_millis(400)).await;
        // Two seats back: member 2's entry has lapsed and goes; member 3 (one
        // seat) is next; member 4 wants two and one is left: it waits.
        cancel(&h, "theatre", 1, &family.code).await;
        assert_eq!(waiting(&h, "theatre", 2).await, None);
        assert_eq!(ticket(&h, "theatre", 2).await, None);
        assert_eq!(ticket(&h, "theatre", 3).await.unwrap().seats, 1);
        assert_eq!(waiting(&h, "theatre", 4).await.unwrap().ahead, 0);
        assert_eq!(figures(&h, "theatre").await, vec![(1, 1)]);
        // The one seat left is the public's: no entry fits it.
        audit_ok(&h, "theatre").await;
        // A restock of one makes two: member 4's.
        let restocked = h
            .engine
            .restock(&event_id("theatre"), &pool_id("s1"), 1)
            .await
            .unwrap();
        assert_eq!(restocked.remaining, 0);
        assert_eq!(ticket(&h, "theatre", 4).await.unwrap().seats, 2);
        assert_eq!(figures(&h, "theatre").await, vec![(0, 0)]);
        audit_ok(&h, "theatre").await;
    }

    pub async fn an_expired_hold_goes_to_the_list_as_a_new_hold_and_its_late_payment_is_refunded(
        h: Harness,
    ) {
        sale(&h, "cinema", &[("p", 1)], 1, 300).await;
        let held = grab(&h, "cinema", 1, &["p"], 1).await.unwrap().reservation;
        join(&h, "cinema", 2, &["p"], 1, None).await.unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
        let ev = event_id("cinema");
        assert_eq!(h.engine.expire_holds(&ev, 10).await, Ok(1));
        let assigned = ticket(&h, "cinema", 2).await.unwrap();
        assert_eq!(assigned.status, Status::Held);
        assert!(assigned.pay_by.is_some());
        let late = h
            .engine
            .pay(&ev, &held.code, &PaymentId::parse("wx-1").unwrap(), 500)
            .await
            .unwrap();
        assert_eq!(late.outcome, PaymentOutcome::RefundDue);
        let paid = h
            .engine
            .pay(&ev, &assigned.code, &PaymentId::parse("wx-2").unwrap(), 500)
            .await
            .unwrap();
        assert_eq!(paid.outcome, PaymentOutcome::Paid);
        audit_ok(&h, "cinema").await;
    }

    pub async fn leaving_and_a_closed_sale_stop_assignments(h: Harness) {
        sale(&h, "park", &[("p", 1)], 1, 0).await;
        let first = grab(&h, "park", 1, &["p"], 1).await.unwrap().reservation;
        join(&h, "park", 2, &["p"], 1, None).await.unwrap();
        join(&h, "park", 3, &["p"], 1, None).await.unwrap();
        let ev = event_id("park");
        let two = h.engine.member(&card(2));
        h.engine.leave_waiting(&ev, &two.key).await.unwrap();
        assert_eq!(
            h.engine.leave_waiting(&ev, &two.key).await,
            Err(Error::NotFound)
        );
        assert_eq!(waiting(&h, "park", 3).await.unwrap().ahead, 0);
        h.engine.set_status(&ev, StatusAction::Close).await.unwrap();
        // Closed by staff: nothing is handed out any more.
        cancel(&h, "park", 1, &first.code).await;
        assert_eq!(ticket(&h, "park", 3).await, None);
        assert_eq!(figures(&h, "park").await, vec![(1, 1)]);
        audit_ok(&h, "park").await;
    }

    pub async fn an_entry_ahead_that_lapsed_is_not_counted_ahead(h: Harness) {
        sale(&h, "park", &[("p", 1)], 1, 0).await;
        grab(&h, "park", 1, &["p"], 1).await.unwrap();
        let soon = Millis(Millis::now().0 + 600);
        join(&h, "park", 2, &["p"], 1, Some(soon)).await.unwrap();
        join(&h, "park", 3, &["p"], 1, None).await.unwrap();
        assert_eq!(waiting(&h, "park", 3).await.unwrap().ahead, 1);
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        // Member 2's entry lapsed; nothing has met it yet, but it is no one
        // ahead of member 3.
        assert_eq!(waiting(&h, "park", 3).await.unwrap().ahead, 0);
    }

    pub async fn released_no_shows_feed_the_waiting_list_then_walk_ups(h: Harness) {
        sale(&h, "show", &[("p", 3)], 1, 0).await;
        let mut codes = Vec::new();
        for n in 1..=3 {
            codes.push(
                grab(&h, "show", n, &["p"], 1)
                    .await
                    .unwrap()
                    .reservation
                    .code,
            );
        }
        let ev = event_id("show");
        h.engine
            .redeem(&ev, &Find::Code(codes[2].clone()))
            .await
            .unwrap();
        join(&h, "show", 4, &["p"], 1, None).await.unwrap();
        let released = h
            .engine
            .release_unredeemed(&ev, &pool_id("p"))
            .await
            .unwrap();
        assert_eq!(
            released,
            Released {
                reservations: 2,
                seats: 2
            }
        );
        assert_eq!(ticket(&h, "show", 4).await.unwrap().status, Status::Active);
        let gone = h
            .engine
            .reservation(&ev, &Find::Code(codes[0].clone()))
            .await
            .unwrap();
        assert_eq!(gone.status, Status::NoShow);
        assert!(matches!(
            h.engine.redeem(&ev, &Find::Code(codes[0].clone())).await,
            Err(Error::NoShow(_))
        ));
        let member = h.engine.member(&card(1));
        assert!(matches!(
            h.engine.cancel(&ev, &member.key, &codes[0]).await,
            Err(Error::NoShow(_))
        ));
        let view = h.engine.event(&ev).await.unwrap();
        let p = &view.pools[0];
        assert_eq!((p.remaining, p.active, p.redeemed, p.no_show), (1, 1, 1, 2));
        // Nothing more to release; the seat left is a walk-up's.
        assert_eq!(
            h.engine
                .release_unredeemed(&ev, &pool_id("p"))
                .await
                .unwrap(),
            Released {
                reservations: 1,
                seats: 1
            },
            "member 4's assigned ticket was not used either"
        );
        audit_ok(&h, "show").await;
        assert!(matches!(
            h.engine.release_unredeemed(&ev, &pool_id("ghost")).await,
            Err(Error::UnknownPool(_))
        ));
    }
}
