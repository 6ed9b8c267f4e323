//! Lottery sales (抽签) on the memory store, the durable store, a real Redis
//! and a Redis Cluster: entering once, withdrawing, the public value, a draw
//! that gives seats in rank order and puts everyone else on the waiting list,
//! and a draw interrupted and resumed with the same result.

use std::time::Duration;
use ticketgrab::domain::{Choices, Seats};

use ticketgrab::Error;
use ticketgrab::domain::{Channel, LotteryEntry, OrgPath, PoolId, Status};
use ticketgrab::lottery::export::verify;
use ticketgrab::lottery::run::{Runner, run};
use ticketgrab::store::{Grab, Join};

use super::Harness;
use testkit::{card, event_id, lottery_event, open_event, pool_id};

conformance!(
    entering_is_once_per_member_checked_like_a_grab_and_withdrawn_while_open,
    the_draw_gives_seats_in_rank_order_and_the_rest_wait_in_that_order,
    an_interrupted_draw_resumes_with_the_same_result_and_one_runner_at_a_time,
);

pub(crate) mod cases {
    use super::*;

    fn org() -> OrgPath {
        OrgPath::parse("bj/chaoyang").unwrap()
    }

    fn pools(choices: &[&str]) -> Vec<PoolId> {
        choices.iter().map(|p| pool_id(p)).collect()
    }

    async fn enter(
        h: &Harness,
        event: &str,
        n: u64,
        choices: &[&str],
        seats: u8,
    ) -> Result<ticketgrab::domain::Entered, Error> {
        let member = h.engine.member(&card(n));
        let (org, choices) = (org(), pools(choices));
        h.engine
            .enter(&Grab {
                groups: &[],
                event: &event_id(event),
                member: &member,
                org: Some(&org),
                choices: &Choices::new(choices.to_vec()).unwrap(),
                seats: Seats::new("seats", i64::from(seats)).unwrap(),
                channel: if n.is_multiple_of(5) {
                    Channel::Station
                } else {
                    Channel::App
                },
            })
            .await
    }

    /// A lottery of `pools`, 2 seats per entry at most, priced with a
    /// 10-minute hold, whose registration closes in `closes_in_ms`.
    async fn lottery(h: &Harness, id: &str, pools: &[(&str, i64)], closes_in_ms: i64) {
        let mut event = lottery_event(id, pools, closes_in_ms);
        event.max_seats = 2;
        event.hold_ms = 600_000;
        h.engine.create_event(&event).await.unwrap();
    }

    /// Waits until the store's clock is past the registration's close.
    async fn after_close(h: &Harness, id: &str) {
        let closes = h.engine.event(&event_id(id)).await.unwrap().event.closes_at;
        loop {
            let view = h.engine.event(&event_id(id)).await.unwrap();
            if view.server_time.0 > closes.0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn entering_is_once_per_member_checked_like_a_grab_and_withdrawn_while_open(
        h: Harness,
    ) {
        lottery(&h, "lot", &[("s1", 3), ("s2", 2)], 3_600_000).await;
        let first = enter(&h, "lot", 1, &["s2", "s1"], 2).await.unwrap();
        assert!(first.new);
        assert_eq!(first.entry.choices, pools(&["s2", "s1"]));
        assert_eq!(first.entry.rank, None);
        // Again, even with other choices: the same entry.
        let again = enter(&h, "lot", 1, &["s1"], 1).await.unwrap();
        assert!(!again.new);
        assert_eq!(again.entry, first.entry);
        // Checked like a grab, in a grab's order.
        assert_eq!(
            enter(&h, "lot", 2, &["nope"], 1).await.unwrap_err(),
            Error::UnknownPool("nope".into())
        );
        assert_eq!(
            enter(&h, "lot", 2, &["s1"], 3).await.unwrap_err(),
            Error::TooManySeats { max: 2 }
        );
        let member = h.engine.member(&card(3));
        let outsider = OrgPath::parse("tj").unwrap();
        let choices = pools(&["s1"]);
        let grab = Grab {
            groups: &[],
            event: &event_id("lot"),
            member: &member,
            org: Some(&outsider),
            choices: &Choices::new(choices.to_vec()).unwrap(),
            seats: Seats::ONE,
            channel: Channel::App,
        };
        assert_eq!(h.engine.enter(&grab).await.unwrap_err(), Error::NotEligible);
        // A lottery is never grabbed, nor waited for but by its draw.
        let inside = org();
        let grab = Grab {
            groups: &[],
            org: Some(&inside),
            ..grab
        };
        assert_eq!(h.engine.grab(&grab).await.unwrap_err(), Error::LotterySale);
        let join = Join {
            grab: grab.clone(),
            cutoff: None,
        };
        assert_eq!(
            h.engine.join_waiting(&join).await.unwrap_err(),
            Error::LotterySale
        );
        // A race has no entries.
        h.engine
            .create_event(&open_event("race", &[("p", 5)]))
            .await
            .unwrap();
        assert_eq!(
            enter(&h, "race", 1, &["p"], 1).await.unwrap_err(),
            Error::NotLottery
        );
        // Counted per pool ranked; withdrawn once.
        enter(&h, "lot", 4, &["s1"], 1).await.unwrap();
        let view = h.engine.event(&event_id("lot")).await.unwrap();
        assert_eq!(view.draw.entries, 2);
        let counts: Vec<i64> = view.pools.iter().map(|p| p.entries).collect();
        assert_eq!(counts, vec![2, 1]);
        let key = h.engine.member(&card(4)).key;
        h.engine.withdraw(&event_id("lot"), &key).await.unwrap();
        assert_eq!(
            h.engine.withdraw(&event_id("lot"), &key).await.unwrap_err(),
            Error::NotFound
        );
        assert_eq!(h.engine.entry(&event_id("lot"), &key).await.unwrap(), None);
        let view = h.engine.event(&event_id("lot")).await.unwrap();
        assert_eq!(view.draw.entries, 1);
        assert_eq!(view.pools[0].entries, 1);
        // Nothing can be drawn or published yet.
        assert_eq!(
            h.engine
                .set_public_value(&event_id("lot"), "7")
                .await
                .unwrap_err(),
            Error::DrawNotDue("registration_open")
        );
        assert_eq!(
            h.engine.draw(&event_id("lot")).await.unwrap_err(),
            Error::DrawNotDue("before_draw_at")
        );
        assert_eq!(
            h.engine.export(&event_id("lot")).await.unwrap_err(),
            Error::NotDrawn
        );
        assert!(h.engine.audit(&event_id("lot")).await.unwrap().ok);
    }

    pub fn check_drawn(snap: &ticketgrab::store::Snapshot, entries: usize) {
        assert_eq!(snap.entries.len(), entries);
        let mut ranks: Vec<u32> = snap.entries.iter().map(|e| e.rank.unwrap()).collect();
        ranks.sort();
        assert_eq!(ranks, (1..=entries as u32).collect::<Vec<_>>());
        let winners: Vec<&LotteryEntry> = snap.entries.iter().filter(|e| e.won.is_some()).collect();
        // Every winner holds the seats they won (a hold to pay on a sale that
        // holds for payment, whatever the channel: a walk-up winner pays at
        // the counter); every loser waits, in rank order.
        let held = snap.view.event.hold_ms > 0;
        for w in &winners {
            let (_, code) = snap.members.iter().find(|(m, _)| *m == w.member).unwrap();
            let r = snap.reservations.iter().find(|r| &r.code == code).unwrap();
            assert_eq!((Some(&r.pool), r.seats), (w.won.as_ref(), w.seats));
            let want = if held { Status::Held } else { Status::Active };
            assert_eq!(r.status, want, "{r:?}");
        }
        let mut losers: Vec<&LotteryEntry> =
            snap.entries.iter().filter(|e| e.won.is_none()).collect();
        losers.sort_by_key(|e| e.rank);
        let waiting: Vec<_> = snap.waiting.iter().map(|w| (&w.member, w.order)).collect();
        let expected: Vec<_> = losers
            .iter()
            .map(|e| (&e.member, u64::from(e.rank.unwrap())))
            .collect();
        assert_eq!(waiting, expected);
        assert_eq!(winners.len() + losers.len(), entries);
        for p in &snap.view.pools {
            assert!(p.remaining >= 0, "{p:?}");
            assert_eq!(p.remaining + p.held + p.active, p.total, "{p:?}");
        }
    }

    pub async fn the_draw_gives_seats_in_rank_order_and_the_rest_wait_in_that_order(h: Harness) {
        lottery(&h, "lot", &[("s1", 4), ("s2", 3)], 1_500).await;
        for n in 0..20 {
            let choices: &[&str] = match n % 3 {
                0 => &["s1"],
                1 => &["s2", "s1"],
                _ => &["s1", "s2"],
            };
            enter(&h, "lot", n, choices, 1 + (n % 2) as u8)
                .await
                .unwrap();
        }
        after_close(&h, "lot").await;
        assert_eq!(
            enter(&h, "lot", 99, &["s1"], 1).await.unwrap_err(),
            Error::Closed
        );
        let key = h.engine.member(&card(1)).key;
        assert_eq!(
            h.engine.withdraw(&event_id("lot"), &key).await.unwrap_err(),
            Error::Closed
        );
        assert_eq!(
            h.engine.draw(&event_id("lot")).await.unwrap_err(),
            Error::DrawNotDue("no_public_value")
        );
        let id = event_id("lot");
        // From the close, the stock is the one published with the closing.
        assert_eq!(
            h.engine.restock(&id, &pool_id("s1"), 5).await.unwrap_err(),
            Error::StockFixed
        );
        let closed = h.engine.event(&id).await.unwrap();
        let kept = h.engine.closing(&closed).await.unwrap().expect("closed");
        assert_eq!(kept.entries, 20);
        assert_eq!(kept.stock[0].seats, 4);
        h.engine
            .set_public_value(&id, "drand 1: 8f2e")
            .await
            .unwrap();
        h.engine
            .set_public_value(&id, "drand 1: 8f2e")
            .await
            .unwrap();
        assert_eq!(
            h.engine.set_public_value(&id, "other").await.unwrap_err(),
            Error::PublicValueSet("drand 1: 8f2e".into())
        );
        assert!(h.engine.draw(&id).await.unwrap().done);
        let snap = h.engine.snapshot(&id).await.unwrap();
        check_drawn(&snap, 20);
        let view = h.engine.event(&id).await.unwrap();
        assert!(view.draw.drawn_at.is_some());
        assert_eq!(view.draw.written, 20);
        // The published result is the rules' result.
        let export = h.engine.export(&id).await.unwrap();
        assert_eq!(export.algorithm, "ticketgrab-draw-v2");
        assert_eq!(export.closing.as_ref(), Some(&kept));
        assert!(
            verify(&export, Some(&kept.digest)).is_ok(),
            "{:?}",
            verify(&export, Some(&kept.digest))
        );
        assert!(h.engine.audit(&id).await.unwrap().ok);
        // Drawing again changes nothing.
        assert!(h.engine.draw(&id).await.unwrap().done);
        assert_eq!(
            super::super::state(h.engine.snapshot(&id).await.unwrap()),
            super::super::state(snap.clone())
        );
        // A winner's returned ticket goes to the first loser it fits.
        let winner = snap.entries.iter().find(|e| e.won.is_some()).unwrap();
        let (_, code) = snap
            .members
            .iter()
            .find(|(m, _)| *m == winner.member)
            .unwrap();
        h.engine.cancel(&id, &winner.member, code).await.unwrap();
        let after = h.engine.snapshot(&id).await.unwrap();
        assert!(after.waiting.len() < snap.waiting.len() || after.waiting.is_empty());
        assert!(h.engine.audit(&id).await.unwrap().ok);
    }

    pub async fn an_interrupted_draw_resumes_with_the_same_result_and_one_runner_at_a_time(
        h: Harness,
    ) {
        lottery(&h, "lot", &[("s1", 6), ("s2", 5), ("s3", 2)], 1_500).await;
        for n in 0..40 {
            let choices: &[&str] = match n % 4 {
                0 => &["s1", "s3"],
                1 => &["s2"],
                2 => &["s3", "s2", "s1"],
                _ => &["s1"],
            };
            enter(&h, "lot", n, choices, 1 + (n % 2) as u8)
                .await
                .unwrap();
        }
        after_close(&h, "lot").await;
        let id = event_id("lot");
        h.engine
            .set_public_value(&id, "福彩3D 2026-12-08: 417")
            .await
            .unwrap();
        let runner = |owner: &'static str, stop_after| Runner {
            owner,
            batch: 7,
            lease_ms: 400,
            stop_after,
            tiers: None,
        };
        // Killed after two batches of seven.
        let begun = run(h.store.as_ref(), &id, &runner("first", Some(2)))
            .await
            .unwrap();
        assert!(!begun.done);
        let half = h.engine.snapshot(&id).await.unwrap();
        let written = half.entries.iter().filter(|e| e.rank.is_some()).count();
        assert_eq!(written, 14);
        assert!(h.engine.audit(&id).await.unwrap().ok);
        // While its lease holds, nobody else draws; nor may stock move.
        assert_eq!(
            run(h.store.as_ref(), &id, &runner("second", None))
                .await
                .unwrap_err(),
            Error::DrawRunning
        );
        assert_eq!(
            h.engine.restock(&id, &pool_id("s1"), 1).await.unwrap_err(),
            Error::DrawRunning
        );
        // Once it has run out, another runner resumes the same draw.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let done = run(h.store.as_ref(), &id, &runner("second", None))
            .await
            .unwrap();
        assert!(done.done);
        assert_eq!(done.draw_id, begun.draw_id);
        let snap = h.engine.snapshot(&id).await.unwrap();
        check_drawn(&snap, 40);
        // What was written before the interruption stands as it was.
        for e in half.entries.iter().filter(|e| e.rank.is_some()) {
            assert!(snap.entries.contains(e), "{e:?}");
        }
        for r in &half.reservations {
            assert!(snap.reservations.contains(r), "{r:?}");
        }
        let resumed = h.engine.export(&id).await.unwrap();
        assert!(
            verify(&resumed, None).is_ok(),
            "{:?}",
            verify(&resumed, None)
        );
        assert!(h.engine.audit(&id).await.unwrap().ok);
        h.engine.restock(&id, &pool_id("s1"), 1).await.unwrap();
    }
}
