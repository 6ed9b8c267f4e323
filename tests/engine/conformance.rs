//! One conformance suite, run against the memory store and a real Redis.

use ticketgrab::Error;
use ticketgrab::domain::{
    CardNumber, Channel, Code, Details, Millis, OrgPath, SaleStatus, Status, StatusAction,
};
use ticketgrab::domain::{Choices, Seats};
use ticketgrab::store::Grab;
use ticketgrab::store::{Find, Grabbed, LogOp, Payment, PaymentOutcome};

use super::{Harness, state};
use testkit::{card, event_between, event_id, open_event, pool_id};

conformance!(
    grab_takes_one_ticket_and_a_repeat_returns_the_same_one,
    ranked_choices_take_the_first_pool_with_stock,
    one_live_ticket_per_member_across_pools_and_channels,
    grab_after_sell_out_returns_sold_out,
    cancel_returns_the_ticket_and_the_member_can_grab_again,
    cancel_of_someone_elses_ticket_is_not_found_and_changes_nothing,
    cancel_of_a_redeemed_ticket_is_refused,
    redeem_by_code_or_member_and_a_second_redeem_reports_the_first,
    restock_adds_and_withdraws_but_never_below_zero,
    pause_resume_and_close_govern_grabs,
    grab_before_opening_is_not_open_and_after_closing_is_closed,
    member_outside_the_events_org_is_not_eligible,
    unknown_event_or_pool_is_an_error_and_changes_nothing,
    bad_choices_and_bad_events_are_rejected,
    member_reservations_span_events,
    audit_is_ok_after_mixed_operations,
    family_seats_are_taken_counted_given_back_and_used_together,
    a_grab_for_more_seats_than_are_left_takes_the_first_pool_that_fits,
    too_many_seats_or_a_count_no_event_allows_changes_nothing,
    a_hold_is_paid_once_and_a_repeated_notification_changes_nothing,
    a_paid_ticket_given_back_makes_its_payment_due_back,
    a_wrong_amount_or_a_reused_payment_id_changes_nothing,
    an_unpaid_hold_expires_once_and_its_seats_go_back,
    a_late_payment_takes_its_seats_again_or_is_refunded,
    a_hold_past_pay_by_expires_when_touched_without_the_sweeper,
    a_hold_can_be_given_back_but_not_used_before_it_is_paid,
    what_tickets_say_is_kept_as_staff_wrote_it,
);

mod cases {
    use super::*;

    fn org() -> OrgPath {
        OrgPath::parse("bj/chaoyang/hepingjie").unwrap()
    }

    /// Grabs for card `n` on the app with the member's org.
    async fn grab(h: &Harness, event: &str, n: u64, choices: &[&str]) -> Result<Grabbed, Error> {
        grab_via(h, event, &card(n), choices, Channel::App).await
    }

    async fn grab_via(
        h: &Harness,
        event: &str,
        card: &CardNumber,
        choices: &[&str],
        channel: Channel,
    ) -> Result<Grabbed, Error> {
        grab_seats(h, event, card, choices, channel, 1).await
    }

    async fn grab_seats(
        h: &Harness,
        event: &str,
        card: &CardNumber,
        choices: &[&str],
        channel: Channel,
        seats: u8,
    ) -> Result<Grabbed, Error> {
        let member = h.engine.member(card);
        // Built as the HTTP edge builds them: a count or a list no grab may
        // carry is refused here, before any store is asked.
        let choices = Choices::new(choices.iter().map(|p| pool_id(p)).collect())?;
        let seats = Seats::new("seats", i64::from(seats))?;
        let org = org();
        h.engine
            .grab(&Grab {
                groups: &[],
                event: &event_id(event),
                member: &member,
                org: (channel == Channel::App).then_some(&org),
                choices: &choices,
                seats,
                channel,
            })
            .await
    }

    /// An event whose reservations hold up to `max_seats` seats.
    async fn family_event(h: &Harness, id: &str, pools: &[(&str, i64)], max_seats: u8) {
        let mut event = open_event(id, pools);
        event.max_seats = max_seats;
        h.engine.create_event(&event).await.unwrap();
    }

    async fn figures(h: &Harness, event: &str) -> Vec<(i64, i64, i64, i64)> {
        h.engine
            .event(&event_id(event))
            .await
            .unwrap()
            .pools
            .iter()
            .map(|p| (p.remaining, p.active, p.redeemed, p.cancelled))
            .collect()
    }

    /// A 500-fen sale whose tickets are held `hold_ms` for payment.
    async fn held_sale(h: &Harness, id: &str, pools: &[(&str, i64)], hold_ms: i64) {
        let mut event = open_event(id, pools);
        event.max_seats = 2;
        event.hold_ms = hold_ms;
        h.engine.create_event(&event).await.unwrap();
    }

    /// (remaining, held, active, expired) of the first pool.
    async fn hold_figures(h: &Harness, event: &str) -> (i64, i64, i64, i64) {
        let p = &h.engine.event(&event_id(event)).await.unwrap().pools[0];
        (p.remaining, p.held, p.active, p.expired)
    }

    async fn audit_ok(h: &Harness, event: &str) {
        let report = h.engine.audit(&event_id(event)).await.unwrap();
        assert!(report.ok, "{:?}", report.violations);
    }

    async fn pay(
        h: &Harness,
        event: &str,
        code: &Code,
        id: &str,
        amount: i64,
    ) -> Result<Payment, Error> {
        let id = ticketgrab::domain::PaymentId::parse(id)?;
        h.engine.pay(&event_id(event), code, &id, amount).await
    }

    async fn remaining(h: &Harness, event: &str) -> Vec<i64> {
        h.engine
            .event(&event_id(event))
            .await
            .unwrap()
            .pools
            .iter()
            .map(|p| p.remaining)
            .collect()
    }

    async fn state_of(h: &Harness, event: &str) -> ticketgrab::store::Snapshot {
        state(h.engine.snapshot(&event_id(event)).await.unwrap())
    }

    pub async fn grab_takes_one_ticket_and_a_repeat_returns_the_same_one(h: Harness) {
        h.engine
            .create_event(&open_event("park", &[("p1", 400)]))
            .await
            .unwrap();
        let first = grab(&h, "park", 1, &["p1"]).await.unwrap();
        assert!(first.new);
        let r = &first.reservation;
        assert_eq!(
            (r.status, r.channel, r.pool.as_str()),
            (Status::Active, Channel::App, "p1")
        );
        assert_eq!(r.card, card(1).masked());
        assert_eq!(r.member, h.engine.member(&card(1)).key);
        let again = grab(&h, "park", 1, &["p1"]).await.unwrap();
        assert!(!again.new);
        assert_eq!(again.reservation, first.reservation);
        assert_eq!(remaining(&h, "park").await, vec![399]);
        let found = h
            .engine
            .reservation(&event_id("park"), &Find::Code(r.code.clone()))
            .await
            .unwrap();
        assert_eq!(&found, r);
    }

    pub async fn ranked_choices_take_the_first_pool_with_stock(h: Harness) {
        h.engine
            .create_event(&open_event(
                "theatre",
                &[("show-1", 1), ("show-2", 1), ("show-3", 1)],
            ))
            .await
            .unwrap();
        let a = grab(&h, "theatre", 1, &["show-2", "show-1"]).await.unwrap();
        assert_eq!(a.reservation.pool.as_str(), "show-2");
        let b = grab(&h, "theatre", 2, &["show-2", "show-3", "show-1"])
            .await
            .unwrap();
        assert_eq!(b.reservation.pool.as_str(), "show-3");
        let c = grab(&h, "theatre", 3, &["show-2", "show-3", "show-1"])
            .await
            .unwrap();
        assert_eq!(c.reservation.pool.as_str(), "show-1");
        assert_eq!(
            grab(&h, "theatre", 4, &["show-1", "show-2", "show-3"]).await,
            Err(Error::SoldOut)
        );
    }

    pub async fn one_live_ticket_per_member_across_pools_and_channels(h: Harness) {
        h.engine
            .create_event(&open_event("theatre", &[("show-1", 10), ("show-2", 10)]))
            .await
            .unwrap();
        let app = grab(&h, "theatre", 7, &["show-1"]).await.unwrap();
        let other_pool = grab(&h, "theatre", 7, &["show-2"]).await.unwrap();
        assert_eq!(other_pool.reservation, app.reservation);
        // The same card swiped at a station, typed with spaces.
        let spaced = CardNumber::parse(
            &card(7)
                .digits()
                .chars()
                .collect::<Vec<_>>()
                .chunks(4)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join(" "),
        )
        .unwrap();
        let station = grab_via(&h, "theatre", &spaced, &["show-2"], Channel::Station)
            .await
            .unwrap();
        assert!(!station.new);
        assert_eq!(station.reservation, app.reservation);
        assert_eq!(remaining(&h, "theatre").await, vec![9, 10]);
    }

    pub async fn grab_after_sell_out_returns_sold_out(h: Harness) {
        h.engine
            .create_event(&open_event("umbrella", &[("u", 3)]))
            .await
            .unwrap();
        for n in 0..3 {
            assert!(grab(&h, "umbrella", n, &["u"]).await.unwrap().new);
        }
        for n in 3..6 {
            assert_eq!(grab(&h, "umbrella", n, &["u"]).await, Err(Error::SoldOut));
        }
        // A holder still gets their ticket back after the sell-out.
        assert!(!grab(&h, "umbrella", 0, &["u"]).await.unwrap().new);
        assert_eq!(remaining(&h, "umbrella").await, vec![0]);
    }

    pub async fn cancel_returns_the_ticket_and_the_member_can_grab_again(h: Harness) {
        h.engine
            .create_event(&open_event("cinema", &[("c", 1)]))
            .await
            .unwrap();
        let first = grab(&h, "cinema", 1, &["c"]).await.unwrap().reservation;
        let member = h.engine.member(&card(1)).key;
        let cancelled = h
            .engine
            .cancel(&event_id("cinema"), &member, &first.code)
            .await
            .unwrap();
        assert_eq!(cancelled.status, Status::Cancelled);
        assert!(cancelled.cancelled_at.is_some());
        assert_eq!(remaining(&h, "cinema").await, vec![1]);
        // Cancelling again reports the cancellation.
        let again = h
            .engine
            .cancel(&event_id("cinema"), &member, &first.code)
            .await;
        assert!(matches!(again, Err(Error::Cancelled(r)) if r.code == first.code));
        // Someone else may now take the returned ticket; the first member is then sold out.
        let second = grab(&h, "cinema", 2, &["c"]).await.unwrap();
        assert!(second.new);
        assert_eq!(grab(&h, "cinema", 1, &["c"]).await, Err(Error::SoldOut));
        h.engine
            .cancel(
                &event_id("cinema"),
                &h.engine.member(&card(2)).key,
                &second.reservation.code,
            )
            .await
            .unwrap();
        let regrab = grab(&h, "cinema", 1, &["c"]).await.unwrap();
        assert!(regrab.new);
        assert_ne!(regrab.reservation.code, first.code);
        let stats = &h.engine.event(&event_id("cinema")).await.unwrap().pools[0];
        assert_eq!((stats.remaining, stats.active, stats.cancelled), (0, 1, 2));
    }

    pub async fn cancel_of_someone_elses_ticket_is_not_found_and_changes_nothing(h: Harness) {
        h.engine
            .create_event(&open_event("park", &[("p1", 5)]))
            .await
            .unwrap();
        let r = grab(&h, "park", 1, &["p1"]).await.unwrap().reservation;
        let before = state_of(&h, "park").await;
        let intruder = h.engine.member(&card(2)).key;
        assert_eq!(
            h.engine.cancel(&event_id("park"), &intruder, &r.code).await,
            Err(Error::NotFound)
        );
        assert_eq!(
            h.engine
                .cancel(&event_id("park"), &intruder, &Code::random())
                .await,
            Err(Error::NotFound)
        );
        assert_eq!(state_of(&h, "park").await, before);
    }

    pub async fn cancel_of_a_redeemed_ticket_is_refused(h: Harness) {
        h.engine
            .create_event(&open_event("park", &[("p1", 5)]))
            .await
            .unwrap();
        let r = grab(&h, "park", 1, &["p1"]).await.unwrap().reservation;
        h.engine
            .redeem(&event_id("park"), &Find::Code(r.code.clone()))
            .await
            .unwrap();
        let before = state_of(&h, "park").await;
        let refused = h.engine.cancel(&event_id("park"), &r.member, &r.code).await;
        assert!(matches!(refused, Err(Error::AlreadyRedeemed(_))));
        assert_eq!(state_of(&h, "park").await, before);
    }

    pub async fn redeem_by_code_or_member_and_a_second_redeem_reports_the_first(h: Harness) {
        h.engine
            .create_event(&open_event("park", &[("p1", 5)]))
            .await
            .unwrap();
        let a = grab(&h, "park", 1, &["p1"]).await.unwrap().reservation;
        let b = grab(&h, "park", 2, &["p1"]).await.unwrap().reservation;
        let ev = event_id("park");
        let ra = h
            .engine
            .redeem(&ev, &Find::Code(a.code.clone()))
            .await
            .unwrap();
        assert_eq!(ra.status, Status::Redeemed);
        let first_at = ra.redeemed_at.expect("redeemed_at set");
        let rb = h
            .engine
            .redeem(&ev, &Find::Member(b.member.clone()))
            .await
            .unwrap();
        assert_eq!(rb.code, b.code);
        match h.engine.redeem(&ev, &Find::Code(a.code.clone())).await {
            Err(Error::AlreadyRedeemed(r)) => assert_eq!(r.redeemed_at, Some(first_at)),
            other => panic!("second redeem gave {other:?}"),
        }
        assert_eq!(
            h.engine.redeem(&ev, &Find::Code(Code::random())).await,
            Err(Error::NotFound)
        );
        assert_eq!(
            h.engine
                .redeem(&ev, &Find::Member(h.engine.member(&card(9)).key))
                .await,
            Err(Error::NotFound)
        );
        // A redeemed ticket still counts as the member's one ticket.
        assert!(!grab(&h, "park", 1, &["p1"]).await.unwrap().new);
        let stats = &h.engine.event(&ev).await.unwrap().pools[0];
        assert_eq!((stats.remaining, stats.active, stats.redeemed), (3, 0, 2));
    }

    pub async fn restock_adds_and_withdraws_but_never_below_zero(h: Harness) {
        h.engine
            .create_event(&open_event("park", &[("p1", 2)]))
            .await
            .unwrap();
        let ev = event_id("park");
        grab(&h, "park", 1, &["p1"]).await.unwrap();
        let added = h.engine.restock(&ev, &pool_id("p1"), 10).await.unwrap();
        assert_eq!((added.remaining, added.total), (11, 12));
        let withdrawn = h.engine.restock(&ev, &pool_id("p1"), -11).await.unwrap();
        assert_eq!((withdrawn.remaining, withdrawn.total), (0, 1));
        let before = state_of(&h, "park").await;
        assert_eq!(
            h.engine.restock(&ev, &pool_id("p1"), -1).await,
            Err(Error::BelowZero { remaining: 0 })
        );
        assert!(matches!(
            h.engine.restock(&ev, &pool_id("p1"), 0).await,
            Err(Error::Invalid(_))
        ));
        assert_eq!(state_of(&h, "park").await, before);
        assert_eq!(grab(&h, "park", 2, &["p1"]).await, Err(Error::SoldOut));
        h.engine.restock(&ev, &pool_id("p1"), 1).await.unwrap();
        assert!(grab(&h, "park", 2, &["p1"]).await.unwrap().new);
    }

    pub async fn pause_resume_and_close_govern_grabs(h: Harness) {
        h.engine
            .create_event(&open_event("park", &[("p1", 5)]))
            .await
            .unwrap();
        let ev = event_id("park");
        let held = grab(&h, "park", 1, &["p1"]).await.unwrap().reservation;
        assert_eq!(
            h.engine.set_status(&ev, StatusAction::Pause).await,
            Ok(SaleStatus::Paused)
        );
        assert_eq!(grab(&h, "park", 2, &["p1"]).await, Err(Error::Paused));
        // A holder's retry is still answered with their ticket.
        assert_eq!(
            grab(&h, "park", 1, &["p1"]).await.unwrap().reservation,
            held
        );
        assert_eq!(
            h.engine.set_status(&ev, StatusAction::Pause).await,
            Ok(SaleStatus::Paused)
        );
        assert_eq!(
            h.engine.set_status(&ev, StatusAction::Resume).await,
            Ok(SaleStatus::Open)
        );
        assert!(grab(&h, "park", 2, &["p1"]).await.unwrap().new);
        assert_eq!(
            h.engine.set_status(&ev, StatusAction::Close).await,
            Ok(SaleStatus::Closed)
        );
        assert_eq!(grab(&h, "park", 3, &["p1"]).await, Err(Error::Closed));
        assert_eq!(
            h.engine.set_status(&ev, StatusAction::Resume).await,
            Err(Error::Closed)
        );
        assert_eq!(
            h.engine.set_status(&ev, StatusAction::Pause).await,
            Err(Error::Closed)
        );
        assert_eq!(
            h.engine.event(&ev).await.unwrap().status,
            SaleStatus::Closed
        );
        assert!(h.engine.audit(&ev).await.unwrap().ok);
    }

    pub async fn grab_before_opening_is_not_open_and_after_closing_is_closed(h: Harness) {
        let now = Millis::now().0;
        let later = event_between(
            "later",
            &[("p1", 5)],
            Millis(now + 60_000),
            Millis(now + 120_000),
        );
        h.engine.create_event(&later).await.unwrap();
        match grab(&h, "later", 1, &["p1"]).await {
            Err(Error::NotOpen {
                opens_at,
                server_time,
            }) => {
                assert_eq!(opens_at, later.opens_at);
                assert!(
                    (server_time.0 - now).abs() < 5_000,
                    "server_time {server_time:?} far from {now}"
                );
            }
            other => panic!("expected not_open, got {other:?}"),
        }
        let past = event_between(
            "past",
            &[("p1", 5)],
            Millis(now - 120_000),
            Millis(now - 60_000),
        );
        h.engine.create_event(&past).await.unwrap();
        assert_eq!(grab(&h, "past", 1, &["p1"]).await, Err(Error::Closed));
        assert_eq!(remaining(&h, "later").await, vec![5]);
        assert_eq!(remaining(&h, "past").await, vec![5]);
    }

    pub async fn member_outside_the_events_org_is_not_eligible(h: Harness) {
        let mut ev = open_event("street", &[("p1", 5)]);
        ev.org = OrgPath::parse("bj/dongcheng").unwrap();
        h.engine.create_event(&ev).await.unwrap();
        // Our member is under bj/chaoyang.
        assert_eq!(
            grab(&h, "street", 1, &["p1"]).await,
            Err(Error::NotEligible)
        );
        // A station of the event's union vouches for walk-up members.
        assert!(
            grab_via(&h, "street", &card(1), &["p1"], Channel::Station)
                .await
                .unwrap()
                .new
        );
    }

    pub async fn unknown_event_or_pool_is_an_error_and_changes_nothing(h: Harness) {
        h.engine
            .create_event(&open_event("park", &[("p1", 5)]))
            .await
            .unwrap();
        let before = state_of(&h, "park").await;
        assert_eq!(grab(&h, "nope", 1, &["p1"]).await, Err(Error::UnknownEvent));
        assert_eq!(
            grab(&h, "park", 1, &["p1", "p9"]).await,
            Err(Error::UnknownPool("p9".into()))
        );
        let ev = event_id("park");
        assert_eq!(
            h.engine.restock(&ev, &pool_id("p9"), 5).await,
            Err(Error::UnknownPool("p9".into()))
        );
        assert_eq!(
            h.engine.restock(&event_id("nope"), &pool_id("p1"), 5).await,
            Err(Error::UnknownEvent)
        );
        assert_eq!(
            h.engine
                .set_status(&event_id("nope"), StatusAction::Pause)
                .await,
            Err(Error::UnknownEvent)
        );
        assert_eq!(
            h.engine
                .redeem(&event_id("nope"), &Find::Code(Code::random()))
                .await,
            Err(Error::UnknownEvent)
        );
        assert_eq!(
            h.engine.event(&event_id("nope")).await,
            Err(Error::UnknownEvent)
        );
        assert_eq!(state_of(&h, "park").await, before);
    }

    pub async fn bad_choices_and_bad_events_are_rejected(h: Harness) {
        h.engine
            .create_event(&open_event("park", &[("p1", 5)]))
            .await
            .unwrap();
        let before = state_of(&h, "park").await;
        assert!(matches!(
            grab(&h, "park", 1, &[]).await,
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            grab(&h, "park", 1, &["p1", "p1"]).await,
            Err(Error::Invalid(_))
        ));
        assert!(CardNumber::parse("6217 0000 1000 1234 560").is_err());
        assert_eq!(
            h.engine
                .create_event(&open_event("park", &[("p1", 5)]))
                .await,
            Err(Error::EventExists)
        );
        let mut bad = open_event("bad", &[("p1", 0)]);
        assert!(matches!(
            h.engine.create_event(&bad).await,
            Err(Error::Invalid(_))
        ));
        bad = open_event("bad", &[("p1", 1), ("p1", 1)]);
        assert!(matches!(
            h.engine.create_event(&bad).await,
            Err(Error::Invalid(_))
        ));
        bad = open_event("bad", &[("p1", 1)]);
        bad.details.venue = Some(" ".into());
        assert!(matches!(
            h.engine.create_event(&bad).await,
            Err(Error::Invalid(_))
        ));
        bad = open_event("bad", &[("p1", 1)]);
        bad.pools[0].details.starts_at = Some(Millis(bad.opens_at.0 - 1));
        assert!(matches!(
            h.engine.create_event(&bad).await,
            Err(Error::Invalid(_))
        ));
        bad = open_event("bad", &[("p1", 1)]);
        bad.closes_at = bad.opens_at;
        assert!(matches!(
            h.engine.create_event(&bad).await,
            Err(Error::Invalid(_))
        ));
        assert_eq!(
            h.engine.event(&event_id("bad")).await,
            Err(Error::UnknownEvent)
        );
        assert_eq!(state_of(&h, "park").await, before);
    }

    pub async fn what_tickets_say_is_kept_as_staff_wrote_it(h: Harness) {
        let mut e = open_event("theatre", &[("show-1", 5), ("show-2", 5), ("plain", 5)]);
        let at = |h: i64| Some(Millis(e.opens_at.0 + h * 3_600_000));
        e.title = "儿童剧《小马过河》".into();
        e.details = Details {
            title_en: Some("The Pony Crosses the River".into()),
            venue: Some("北京儿童艺术剧院".into()),
            starts_at: at(24),
            notes: Some("请提前20分钟入场。\n一票可入场所选人数。".into()),
        };
        e.pools[0].details = Details {
            title_en: Some("Show 1".into()),
            starts_at: at(48),
            ..Details::default()
        };
        e.pools[1].details = Details {
            venue: Some("东城区分场".into()),
            notes: Some("凭二维码入场".into()),
            ..Details::default()
        };
        h.engine.create_event(&e).await.unwrap();
        assert_eq!(h.engine.event(&e.id).await.unwrap().event, e);
        let all = h.engine.events().await.unwrap();
        assert_eq!(all.iter().find(|v| v.event.id == e.id).unwrap().event, e);
        // Nothing of it changes a sale: a grab takes a seat as always.
        grab(&h, "theatre", 1, &["show-1"]).await.unwrap();
        let view = h.engine.event(&e.id).await.unwrap();
        assert_eq!((view.event, view.pools[0].remaining), (e, 4));
    }

    pub async fn member_reservations_span_events(h: Harness) {
        h.engine
            .create_event(&open_event("park", &[("p1", 5)]))
            .await
            .unwrap();
        h.engine
            .create_event(&open_event("cinema", &[("c", 5)]))
            .await
            .unwrap();
        h.engine
            .create_event(&open_event("umbrella", &[("u", 5)]))
            .await
            .unwrap();
        let a = grab(&h, "park", 1, &["p1"]).await.unwrap().reservation;
        let b = grab(&h, "cinema", 1, &["c"]).await.unwrap().reservation;
        grab(&h, "umbrella", 2, &["u"]).await.unwrap();
        let mine = h
            .engine
            .member_reservations(&h.engine.member(&card(1)).key)
            .await
            .unwrap();
        let mut codes: Vec<_> = mine.iter().map(|r| r.code.clone()).collect();
        codes.sort();
        let mut want = vec![a.code, b.code];
        want.sort();
        assert_eq!(codes, want);
        let events = h.engine.events().await.unwrap();
        assert_eq!(events.len(), 3);
    }

    pub async fn audit_is_ok_after_mixed_operations(h: Harness) {
        h.engine
            .create_event(&open_event("mix", &[("a", 3), ("b", 2)]))
            .await
            .unwrap();
        let ev = event_id("mix");
        let mut held = Vec::new();
        for n in 0..8 {
            if let Ok(g) = grab(&h, "mix", n, &["a", "b"]).await {
                held.push(g.reservation);
            }
        }
        assert_eq!(held.len(), 5);
        h.engine
            .cancel(&ev, &held[0].member, &held[0].code)
            .await
            .unwrap();
        h.engine
            .redeem(&ev, &Find::Code(held[1].code.clone()))
            .await
            .unwrap();
        h.engine.restock(&ev, &pool_id("b"), 3).await.unwrap();
        h.engine.set_status(&ev, StatusAction::Pause).await.unwrap();
        h.engine
            .set_status(&ev, StatusAction::Resume)
            .await
            .unwrap();
        grab(&h, "mix", 20, &["b"]).await.unwrap();
        let report = h.engine.audit(&ev).await.unwrap();
        assert!(report.ok, "{:?}", report.violations);
        assert_eq!(report.pools.iter().map(|p| p.stats.total).sum::<i64>(), 8);
        let snap = h.engine.snapshot(&ev).await.unwrap();
        assert_eq!(snap.reservations.len(), 6);
        assert_eq!(snap.log.len(), 2 + 6 + 1 + 1 + 1 + 2);
    }

    pub async fn family_seats_are_taken_counted_given_back_and_used_together(h: Harness) {
        family_event(&h, "theatre", &[("show-1", 10)], 2).await;
        assert_eq!(
            h.engine
                .event(&event_id("theatre"))
                .await
                .unwrap()
                .event
                .max_seats,
            2
        );
        let two = grab_seats(&h, "theatre", &card(1), &["show-1"], Channel::App, 2)
            .await
            .unwrap();
        assert!(two.new);
        assert_eq!(two.reservation.seats, 2);
        grab_seats(&h, "theatre", &card(2), &["show-1"], Channel::Station, 2)
            .await
            .unwrap();
        grab(&h, "theatre", 3, &["show-1"]).await.unwrap();
        assert_eq!(figures(&h, "theatre").await, vec![(5, 5, 0, 0)]);
        // A retry, with any count, is the ticket already held.
        let again = grab_seats(&h, "theatre", &card(1), &["show-1"], Channel::App, 1)
            .await
            .unwrap();
        assert_eq!(
            (again.new, again.reservation.clone()),
            (false, two.reservation.clone())
        );
        // Cancel gives both seats back; redeem uses both at once.
        let ev = event_id("theatre");
        let member = h.engine.member(&card(1)).key;
        let cancelled = h
            .engine
            .cancel(&ev, &member, &two.reservation.code)
            .await
            .unwrap();
        assert_eq!((cancelled.status, cancelled.seats), (Status::Cancelled, 2));
        assert_eq!(figures(&h, "theatre").await, vec![(7, 3, 0, 2)]);
        let used = h
            .engine
            .redeem(&ev, &Find::Member(h.engine.member(&card(2)).key))
            .await
            .unwrap();
        assert_eq!((used.status, used.seats), (Status::Redeemed, 2));
        assert_eq!(figures(&h, "theatre").await, vec![(7, 1, 2, 2)]);
        let snap = h.engine.snapshot(&ev).await.unwrap();
        let seats: Vec<u8> = snap.reservations.iter().map(|r| r.seats).collect();
        assert_eq!(seats.iter().map(|n| u32::from(*n)).sum::<u32>(), 5);
        let report = h.engine.audit(&ev).await.unwrap();
        assert!(report.ok, "{:?}", report.violations);
    }

    pub async fn a_grab_for_more_seats_than_are_left_takes_the_first_pool_that_fits(h: Harness) {
        family_event(&h, "theatre", &[("a", 3), ("b", 2)], 2).await;
        grab_seats(&h, "theatre", &card(1), &["a"], Channel::App, 2)
            .await
            .unwrap();
        // One seat left in a: two seats come from b, the next choice.
        let from_b = grab_seats(&h, "theatre", &card(2), &["a", "b"], Channel::App, 2)
            .await
            .unwrap();
        assert_eq!(from_b.reservation.pool.as_str(), "b");
        // Neither pool has two seats: sold out for two, though one is left.
        let before = state_of(&h, "theatre").await;
        assert_eq!(
            grab_seats(&h, "theatre", &card(3), &["a", "b"], Channel::App, 2).await,
            Err(Error::SoldOut)
        );
        assert_eq!(state_of(&h, "theatre").await, before);
        let one = grab(&h, "theatre", 3, &["b", "a"]).await.unwrap();
        assert_eq!(
            (one.reservation.pool.as_str(), one.reservation.seats),
            ("a", 1)
        );
        assert_eq!(remaining(&h, "theatre").await, vec![0, 0]);
        let report = h.engine.audit(&event_id("theatre")).await.unwrap();
        assert!(report.ok, "{:?}", report.violations);
    }

    pub async fn too_many_seats_or_a_count_no_event_allows_changes_nothing(h: Harness) {
        family_event(&h, "theatre", &[("a", 10)], 2).await;
        h.engine
            .create_event(&open_event("park", &[("p1", 10)]))
            .await
            .unwrap();
        let before = (state_of(&h, "theatre").await, state_of(&h, "park").await);
        assert_eq!(
            grab_seats(&h, "theatre", &card(1), &["a"], Channel::App, 3).await,
            Err(Error::TooManySeats { max: 2 })
        );
        assert_eq!(
            grab_seats(&h, "park", &card(1), &["p1"], Channel::Station, 2).await,
            Err(Error::TooManySeats { max: 1 })
        );
        for bad in [0, 7] {
            assert!(matches!(
                grab_seats(&h, "theatre", &card(1), &["a"], Channel::App, bad).await,
                Err(Error::Invalid(_))
            ));
        }
        // An unknown pool is reported before the seat count.
        assert_eq!(
            grab_seats(&h, "theatre", &card(1), &["zz"], Channel::App, 3).await,
            Err(Error::UnknownPool("zz".into()))
        );
        let after = (state_of(&h, "theatre").await, state_of(&h, "park").await);
        assert_eq!(after, before);
        // An event allows 1 to 6 seats per reservation.
        for max_seats in [0, 7] {
            let mut event = open_event("bad", &[("a", 10)]);
            event.max_seats = max_seats;
            assert!(matches!(
                h.engine.create_event(&event).await,
                Err(Error::Invalid(_))
            ));
        }
    }

    pub async fn a_hold_is_paid_once_and_a_repeated_notification_changes_nothing(h: Harness) {
        held_sale(&h, "cinema", &[("p", 10)], 60_000).await;
        let g = grab_seats(&h, "cinema", &card(1), &["p"], Channel::App, 2)
            .await
            .unwrap();
        let r = &g.reservation;
        assert_eq!(r.status, Status::Held);
        let pay_by = r.pay_by.expect("a hold has a deadline");
        assert!(pay_by.0 - r.created_at.0 == 60_000, "{r:?}");
        assert_eq!(hold_figures(&h, "cinema").await, (8, 2, 0, 0));
        // A retry while held is the same hold.
        let again = grab(&h, "cinema", 1, &["p"]).await.unwrap();
        assert_eq!((again.new, &again.reservation), (false, r));
        let paid = pay(&h, "cinema", &r.code, "wx-1", 1_000).await.unwrap();
        assert_eq!(paid.outcome, PaymentOutcome::Paid);
        assert_eq!(
            (paid.reservation.status, paid.reservation.pay_by),
            (Status::Active, Some(pay_by))
        );
        assert_eq!(hold_figures(&h, "cinema").await, (8, 0, 2, 0));
        let before = state_of(&h, "cinema").await;
        let replay = pay(&h, "cinema", &r.code, "wx-1", 1_000).await.unwrap();
        assert_eq!(replay, paid);
        assert_eq!(state_of(&h, "cinema").await, before);
        // Paid twice under another id: that money goes back.
        let twice = pay(&h, "cinema", &r.code, "wx-2", 1_000).await.unwrap();
        assert_eq!(twice.outcome, PaymentOutcome::RefundDue);
        assert_eq!(hold_figures(&h, "cinema").await, (8, 0, 2, 0));
        let used = h
            .engine
            .redeem(&event_id("cinema"), &Find::Code(r.code.clone()))
            .await
            .unwrap();
        assert_eq!(used.status, Status::Redeemed);
        // A walk-up at a station is held like the app's, and the counter
        // pays it at once (the station's handler does, with its own id).
        let walkup = grab_via(&h, "cinema", &card(9), &["p"], Channel::Station)
            .await
            .unwrap();
        assert_eq!(walkup.reservation.status, Status::Held);
        assert!(walkup.reservation.pay_by.is_some());
        let counter = pay(
            &h,
            "cinema",
            &walkup.reservation.code,
            "counter-desk-1",
            500,
        )
        .await
        .unwrap();
        assert_eq!(counter.outcome, PaymentOutcome::Paid);
        audit_ok(&h, "cinema").await;
    }

    pub async fn a_paid_ticket_given_back_makes_its_payment_due_back(h: Harness) {
        held_sale(&h, "cinema", &[("p", 10)], 60_000).await;
        let member = |n| h.engine.member(&card(n)).key;
        let paid = grab_seats(&h, "cinema", &card(1), &["p"], Channel::App, 2)
            .await
            .unwrap()
            .reservation;
        pay(&h, "cinema", &paid.code, "wx-1", 1_000).await.unwrap();
        let unpaid = grab(&h, "cinema", 2, &["p"]).await.unwrap().reservation;
        let id = event_id("cinema");
        let mut owed = Vec::new();
        for (r, n) in [(&paid, 1), (&unpaid, 2)] {
            let back = h.engine.cancel(&id, &member(n), &r.code).await.unwrap();
            owed.push(h.engine.refund_due(&back).await.unwrap());
        }
        // What the member's list says: a refund under way for the paid one.
        assert_eq!(owed, [true, false]);
        let refunds: Vec<(String, String, i64)> = h
            .engine
            .snapshot(&id)
            .await
            .unwrap()
            .log
            .into_iter()
            .filter_map(|e| match e.op {
                LogOp::RefundDue {
                    code,
                    payment,
                    amount,
                } => Some((code.to_string(), payment, amount)),
                _ => None,
            })
            .collect();
        // The paid one's payment is due back, in full; the hold never paid
        // owes nothing.
        assert_eq!(
            refunds,
            vec![(paid.code.to_string(), "wx-1".to_owned(), 1_000)]
        );
        audit_ok(&h, "cinema").await;
    }

    pub async fn a_wrong_amount_or_a_reused_payment_id_changes_nothing(h: Harness) {
        held_sale(&h, "cinema", &[("p", 10)], 60_000).await;
        let a = grab(&h, "cinema", 1, &["p"]).await.unwrap().reservation;
        let b = grab(&h, "cinema", 2, &["p"]).await.unwrap().reservation;
        let before = state_of(&h, "cinema").await;
        assert_eq!(
            pay(&h, "cinema", &a.code, "wx-1", 499).await,
            Err(Error::PaymentMismatch { due: 500 })
        );
        assert_eq!(
            pay(&h, "cinema", &Code::random(), "wx-1", 500).await,
            Err(Error::NotFound)
        );
        assert_eq!(
            pay(&h, "nope", &a.code, "wx-1", 500).await,
            Err(Error::UnknownEvent)
        );
        for bad in ["", "has|bar", &"x".repeat(65)] {
            assert!(matches!(
                pay(&h, "cinema", &a.code, bad, 500).await,
                Err(Error::Invalid(_))
            ));
        }
        assert_eq!(state_of(&h, "cinema").await, before);
        pay(&h, "cinema", &a.code, "wx-1", 500).await.unwrap();
        let paid_a = state_of(&h, "cinema").await;
        assert_eq!(
            pay(&h, "cinema", &b.code, "wx-1", 500).await,
            Err(Error::PaymentConflict)
        );
        assert_eq!(state_of(&h, "cinema").await, paid_a);
        audit_ok(&h, "cinema").await;
    }

    pub async fn an_unpaid_hold_expires_once_and_its_seats_go_back(h: Harness) {
        held_sale(&h, "cinema", &[("p", 2)], 300).await;
        let r = grab_seats(&h, "cinema", &card(1), &["p"], Channel::App, 2)
            .await
            .unwrap()
            .reservation;
        assert_eq!(grab(&h, "cinema", 2, &["p"]).await, Err(Error::SoldOut));
        let ev = event_id("cinema");
        assert_eq!(h.engine.expire_holds(&ev, 10).await, Ok(0), "not due yet");
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        assert_eq!(h.engine.expire_holds(&ev, 10).await, Ok(1));
        assert_eq!(h.engine.expire_holds(&ev, 10).await, Ok(0), "exactly once");
        assert_eq!(hold_figures(&h, "cinema").await, (2, 0, 0, 2));
        let expired = h
            .engine
            .reservation(&ev, &Find::Code(r.code.clone()))
            .await
            .unwrap();
        assert_eq!(expired.status, Status::Expired);
        assert!(expired.cancelled_at.is_some());
        // The seats are anyone's again; the member may grab anew.
        let other = grab(&h, "cinema", 2, &["p"]).await.unwrap();
        assert!(other.new);
        let again = grab(&h, "cinema", 1, &["p"]).await.unwrap();
        assert!(again.new && again.reservation.code != r.code);
        assert_eq!(hold_figures(&h, "cinema").await, (0, 2, 0, 2));
        audit_ok(&h, "cinema").await;
    }

    pub async fn a_late_payment_takes_its_seats_again_or_is_refunded(h: Harness) {
        held_sale(&h, "cinema", &[("p", 3)], 300).await;
        let a = grab_seats(&h, "cinema", &card(1), &["p"], Channel::App, 2)
            .await
            .unwrap()
            .reservation;
        let b = grab(&h, "cinema", 2, &["p"]).await.unwrap().reservation;
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        let ev = event_id("cinema");
        assert_eq!(h.engine.expire_holds(&ev, 10).await, Ok(2));
        // Member 3 takes two of the three seats that came back.
        grab_seats(&h, "cinema", &card(3), &["p"], Channel::App, 2)
            .await
            .unwrap();
        // a's two seats are gone: refund. b's one seat is free: b is a ticket again.
        let late_a = pay(&h, "cinema", &a.code, "wx-a", 1_000).await.unwrap();
        assert_eq!(
            (late_a.outcome, late_a.reservation.status),
            (PaymentOutcome::RefundDue, Status::Expired)
        );
        let late_b = pay(&h, "cinema", &b.code, "wx-b", 500).await.unwrap();
        assert_eq!(
            (late_b.outcome, late_b.reservation.status),
            (PaymentOutcome::Paid, Status::Active)
        );
        assert_eq!(late_b.reservation.cancelled_at, None);
        assert_eq!(hold_figures(&h, "cinema").await, (0, 2, 1, 2));
        // Replays answer the same.
        assert_eq!(
            pay(&h, "cinema", &a.code, "wx-a", 1_000).await.unwrap(),
            late_a
        );
        audit_ok(&h, "cinema").await;
    }

    pub async fn a_hold_past_pay_by_expires_when_touched_without_the_sweeper(h: Harness) {
        held_sale(&h, "cinema", &[("p", 10)], 300).await;
        let ev = event_id("cinema");
        let tickets: Vec<Code> = {
            let mut v = Vec::new();
            for n in 1..=4 {
                v.push(
                    grab(&h, "cinema", n, &["p"])
                        .await
                        .unwrap()
                        .reservation
                        .code,
                );
            }
            v
        };
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        // No sweeper has run. A redeem and a cancel find their holds expired.
        let redeemed = h.engine.redeem(&ev, &Find::Code(tickets[0].clone())).await;
        assert!(matches!(redeemed, Err(Error::HoldExpired(r)) if r.status == Status::Expired));
        let member = h.engine.member(&card(2)).key;
        let cancelled = h.engine.cancel(&ev, &member, &tickets[1]).await;
        assert!(matches!(cancelled, Err(Error::HoldExpired(r)) if r.status == Status::Expired));
        // The member's own grab expires the stale hold and takes a new one.
        let fresh = grab(&h, "cinema", 3, &["p"]).await.unwrap();
        assert!(fresh.new && fresh.reservation.code != tickets[2]);
        // A payment past pay_by: expired, then taken again (seats are free).
        let late = pay(&h, "cinema", &tickets[3], "wx-4", 500).await.unwrap();
        assert_eq!(late.outcome, PaymentOutcome::Paid);
        // Four expired; the late payer's seats are active again.
        assert_eq!(hold_figures(&h, "cinema").await, (8, 1, 1, 3));
        assert_eq!(
            h.engine.expire_holds(&ev, 10).await,
            Ok(0),
            "nothing left to expire"
        );
        let snap = h.engine.snapshot(&ev).await.unwrap();
        let expired_logged = snap
            .log
            .iter()
            .filter(|e| matches!(e.op, LogOp::Expired { .. }))
            .count();
        assert_eq!(expired_logged, 4, "each hold expired exactly once");
        audit_ok(&h, "cinema").await;
    }

    pub async fn a_hold_can_be_given_back_but_not_used_before_it_is_paid(h: Harness) {
        held_sale(&h, "cinema", &[("p", 10)], 60_000).await;
        let ev = event_id("cinema");
        let r = grab(&h, "cinema", 1, &["p"]).await.unwrap().reservation;
        let before = state_of(&h, "cinema").await;
        let unpaid = h.engine.redeem(&ev, &Find::Code(r.code.clone())).await;
        assert!(matches!(unpaid, Err(Error::NotPaid(x)) if x.code == r.code));
        assert_eq!(state_of(&h, "cinema").await, before);
        let member = h.engine.member(&card(1)).key;
        let back = h.engine.cancel(&ev, &member, &r.code).await.unwrap();
        assert_eq!(back.status, Status::Cancelled);
        assert_eq!(hold_figures(&h, "cinema").await, (10, 0, 0, 0));
        // Paid after it was given back: refund.
        let paid = pay(&h, "cinema", &r.code, "wx-1", 500).await.unwrap();
        assert_eq!(paid.outcome, PaymentOutcome::RefundDue);
        assert_eq!(h.engine.expire_holds(&ev, 10).await, Ok(0));
        audit_ok(&h, "cinema").await;
    }
}
