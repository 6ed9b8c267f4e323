//! A race's fair window on every store: grabs inside it are registrations
//! (once per member), drawn at its end by the lottery's rules with no public
//! value; the draw resumes after a kill with the same result; then what is
//! left sells first come, the waiting list (in rank order) first.

use std::time::Duration;

use ticketgrab::Error;
use ticketgrab::domain::{Channel, Choices, Millis, OrgPath, Seats, Taken};
use ticketgrab::lottery::export::verify;
use ticketgrab::lottery::run::{Runner, run};
use ticketgrab::store::{Grab, Join};

use super::Harness;
use super::lottery::cases::check_drawn;
use testkit::{card, event_id, fair_event, pool_id};

conformance!(
    grabs_inside_the_window_register_once_and_are_drawn_in_rank_order,
    stock_left_after_the_draw_sells_first_come,
    a_fewer_wins_first_program_draws_its_fair_window_fewest_first,
    a_draw_killed_midway_resumes_with_the_same_result,
);

mod cases {
    use super::*;

    fn org() -> OrgPath {
        OrgPath::parse("bj/chaoyang").unwrap()
    }

    /// Card `n` grabs one seat of pool `p`, arriving at `arrived`.
    async fn take(h: &Harness, event: &str, n: u64, arrived: Millis) -> Result<Taken, Error> {
        let member = h.engine.member(&card(n));
        let org = org();
        h.engine
            .take(
                &Grab {
                    groups: &[],
                    event: &event_id(event),
                    member: &member,
                    org: Some(&org),
                    choices: &Choices::one(pool_id("p")),
                    seats: Seats::ONE,
                    channel: if n.is_multiple_of(4) {
                        Channel::Station
                    } else {
                        Channel::App
                    },
                },
                arrived,
            )
            .await
    }

    fn registered(t: Taken) -> ticketgrab::domain::Entered {
        match t {
            Taken::Registered(e) => e,
            Taken::Ticket(g) => panic!("a ticket inside the window: {g:?}"),
        }
    }

    fn ticket(t: Taken) -> ticketgrab::domain::Grabbed {
        match t {
            Taken::Ticket(g) => g,
            Taken::Registered(e) => panic!("a registration after the draw: {e:?}"),
        }
    }

    /// Waits until the store's clock reaches the sale's draw time.
    async fn until_due(h: &Harness, event: &str) {
        let id = event_id(event);
        loop {
            let view = h.engine.event(&id).await.unwrap();
            let due = view.event.lottery.as_ref().unwrap().draw_at;
            if view.server_time.0 > due.0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn grabs_inside_the_window_register_once_and_are_drawn_in_rank_order(h: Harness) {
        let id = event_id("fair");
        h.engine
            .create_event(&fair_event("fair", &[("p", 3)], 1_500, 300))
            .await
            .unwrap();
        let inside = Millis::now();
        for n in 1..=8 {
            let e = registered(take(&h, "fair", n, inside).await.unwrap());
            assert!(e.new);
            assert_eq!(e.entry.rank, None);
        }
        // A repeat is the same registration, even stamped later.
        let again = registered(take(&h, "fair", 1, Millis::now()).await.unwrap());
        assert!(!again.new);
        assert_eq!(again.entry.member, h.engine.member(&card(1)).key);
        // Until the draw is published, a grab with no stamp, one stamped
        // after the window, and a waiting-list join wait for it.
        let late = Millis(inside.0 + 60_000);
        assert_eq!(
            take(&h, "fair", 20, late).await.unwrap_err(),
            Error::DrawPending
        );
        let member = h.engine.member(&card(21));
        let org = org();
        let grab = Grab {
            groups: &[],
            event: &id,
            member: &member,
            org: Some(&org),
            choices: &Choices::one(pool_id("p")),
            seats: Seats::ONE,
            channel: Channel::App,
        };
        assert_eq!(h.engine.grab(&grab).await.unwrap_err(), Error::DrawPending);
        let join = Join {
            grab: grab.clone(),
            cutoff: None,
        };
        assert_eq!(
            h.engine.join_waiting(&join).await.unwrap_err(),
            Error::DrawPending
        );
        // Nothing was sold, nobody waits; nobody entered the public value.
        let view = h.engine.event(&id).await.unwrap();
        assert_eq!((view.pools[0].remaining, view.draw.entries), (3, 8));
        assert_eq!(
            h.engine.set_public_value(&id, "x").await.unwrap_err(),
            Error::NotLottery
        );
        until_due(&h, "fair").await;
        assert!(h.engine.draw(&id).await.unwrap().done);
        let snap = h.engine.snapshot(&id).await.unwrap();
        check_drawn(&snap, 8);
        let export = h.engine.export(&id).await.unwrap();
        assert_eq!(export.public_value, "");
        assert!(verify(&export, None).is_ok(), "{:?}", verify(&export, None));
        // Sold out: a new grab is told so, and may wait behind the draw's losers.
        assert_eq!(
            take(&h, "fair", 30, Millis::now()).await.unwrap_err(),
            Error::SoldOut
        );
        // A winner's seat given back goes to the first loser, in rank order.
        let first_loser = snap
            .entries
            .iter()
            .filter(|e| e.won.is_none())
            .min_by_key(|e| e.rank)
            .unwrap()
            .member
            .clone();
        let (winner, code) = snap
            .members
            .iter()
            .find(|(m, _)| snap.entries.iter().any(|e| &e.member == m))
            .unwrap();
        h.engine.cancel(&id, winner, code).await.unwrap();
        let after = h.engine.snapshot(&id).await.unwrap();
        assert!(after.members.iter().any(|(m, _)| *m == first_loser));
        assert!(h.engine.audit(&id).await.unwrap().ok);
    }

    pub async fn stock_left_after_the_draw_sells_first_come(h: Harness) {
        let id = event_id("left");
        h.engine
            .create_event(&fair_event("left", &[("p", 5)], 1_000, 200))
            .await
            .unwrap();
        for n in 1..=2 {
            registered(take(&h, "left", n, Millis::now()).await.unwrap());
        }
        until_due(&h, "left").await;
        assert!(h.engine.draw(&id).await.unwrap().done);
        // Both registrants won; a repeat of theirs is their ticket.
        let mine = ticket(take(&h, "left", 1, Millis::now()).await.unwrap());
        assert!(!mine.new);
        // The three seats left go first come, then it is sold out.
        for n in 3..=5 {
            assert!(
                ticket(take(&h, "left", n, Millis::now()).await.unwrap()).new,
                "{n}"
            );
        }
        assert_eq!(
            take(&h, "left", 6, Millis::now()).await.unwrap_err(),
            Error::SoldOut
        );
        assert!(h.engine.audit(&id).await.unwrap().ok);
    }

    pub async fn a_fewer_wins_first_program_draws_its_fair_window_fewest_first(h: Harness) {
        let mut program = testkit::program("year", 3);
        program.draw_order = ticketgrab::domain::DrawOrder::FewerWinsFirst;
        h.engine.create_program(&program).await.unwrap();
        let park = testkit::program_sale("park", "year", &[("p", 10)]);
        h.engine.create_event(&park).await.unwrap();
        let mut cinema = fair_event("cinema", &[("p", 4)], 1_000, 200);
        cinema.program = Some(program.id.clone());
        h.engine.create_event(&cinema).await.unwrap();
        // Members 1 to 4 hold a park ticket already; 5 to 8 none.
        let org = org();
        for n in 1..=4 {
            let member = h.engine.member(&card(n));
            let grab = Grab {
                groups: &[],
                event: &event_id("park"),
                member: &member,
                org: Some(&org),
                choices: &Choices::one(pool_id("p")),
                seats: Seats::ONE,
                channel: Channel::App,
            };
            h.engine.grab(&grab).await.unwrap();
        }
        for n in 1..=8 {
            registered(take(&h, "cinema", n, Millis::now()).await.unwrap());
        }
        until_due(&h, "cinema").await;
        let id = event_id("cinema");
        assert!(h.engine.draw(&id).await.unwrap().done);
        // The four seats go to the four without a ticket, whatever their rank.
        let snap = h.engine.snapshot(&id).await.unwrap();
        let mut winners: Vec<u64> = (1..=8)
            .filter(|n| {
                let key = h.engine.member(&card(*n)).key;
                snap.entries
                    .iter()
                    .any(|e| e.member == key && e.won.is_some())
            })
            .collect();
        winners.sort();
        assert_eq!(winners, vec![5, 6, 7, 8]);
        let export = h.engine.export(&id).await.unwrap();
        assert_eq!(export.algorithm, "ticketgrab-draw-v3");
        assert!(verify(&export, None).is_ok(), "{:?}", verify(&export, None));
        assert!(h.engine.audit(&id).await.unwrap().ok);
    }

    pub async fn a_draw_killed_midway_resumes_with_the_same_result(h: Harness) {
        let id = event_id("kill");
        h.engine
            .create_event(&fair_event("kill", &[("p", 9)], 1_500, 300))
            .await
            .unwrap();
        let at = Millis::now();
        for n in 1..=30 {
            registered(take(&h, "kill", n, at).await.unwrap());
        }
        until_due(&h, "kill").await;
        let runner = |owner: &'static str, stop_after| Runner {
            owner,
            batch: 4,
            lease_ms: 300,
            stop_after,
            tiers: None,
        };
        let begun = run(h.store.as_ref(), &id, &runner("first", Some(3)))
            .await
            .unwrap();
        assert!(!begun.done);
        let half = h.engine.snapshot(&id).await.unwrap();
        assert_eq!(half.entries.iter().filter(|e| e.rank.is_some()).count(), 12);
        // A registration stamped inside the window, reaching the store now
        // the draw has started, is refused rather than left out unseen.
        assert_eq!(
            take(&h, "kill", 31, at).await.unwrap_err(),
            Error::DrawPending
        );
        tokio::time::sleep(Duration::from_millis(400)).await;
        let done = run(h.store.as_ref(), &id, &runner("second", None))
            .await
            .unwrap();
        assert!(done.done);
        assert_eq!(done.draw_id, begun.draw_id);
        let snap = h.engine.snapshot(&id).await.unwrap();
        check_drawn(&snap, 30);
        for e in half.entries.iter().filter(|e| e.rank.is_some()) {
            assert!(snap.entries.contains(e), "{e:?}");
        }
        let export = h.engine.export(&id).await.unwrap();
        assert!(verify(&export, None).is_ok(), "{:?}", verify(&export, None));
        assert!(h.engine.audit(&id).await.unwrap().ok);
    }
}
