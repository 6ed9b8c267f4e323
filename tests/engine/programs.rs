//! Programs (普惠) on every store: a member's cap across a program's sales,
//! reached by a grab, a station issue, a waiting-list assignment, a lottery
//! entry; given back by a cancel, an expiry, a withdrawal, a lost draw.

use std::time::Duration;

use ticketgrab::Error;
use ticketgrab::domain::{Channel, Choices, LeftReason, OrgPath, ProgramId, Seats};
use ticketgrab::store::{Grab, Grabbed, Join, LogOp};

use super::Harness;
use testkit::{card, event_id, lottery_event, open_event, pool_id, program, program_sale};

conformance!(
    a_member_holds_at_most_the_cap_across_a_programs_sales,
    a_station_issue_counts_and_a_sale_outside_the_program_does_not,
    a_waiting_list_assignment_counts_and_a_capped_entry_leaves_the_list,
    a_lottery_entry_holds_a_place_until_withdrawn_or_drawn_without_seats,
    programs_and_their_sales_are_checked_when_created,
    a_fewer_wins_first_draw_puts_members_without_tickets_first,
);

mod cases {
    use super::*;

    fn org() -> OrgPath {
        OrgPath::parse("bj/chaoyang").unwrap()
    }

    fn pid(s: &str) -> ProgramId {
        ProgramId::parse(s).unwrap()
    }

    async fn grab_via(
        h: &Harness,
        event: &str,
        n: u64,
        channel: Channel,
    ) -> Result<Grabbed, Error> {
        let member = h.engine.member(&card(n));
        let org = org();
        h.engine
            .grab(&Grab {
                groups: &[],
                event: &event_id(event),
                member: &member,
                org: Some(&org),
                choices: &Choices::one(pool_id("p")),
                seats: Seats::ONE,
                channel,
            })
            .await
    }

    async fn grab(h: &Harness, event: &str, n: u64) -> Result<Grabbed, Error> {
        grab_via(h, event, n, Channel::App).await
    }

    async fn places(h: &Harness, program: &str, n: u64) -> u32 {
        let key = h.engine.member(&card(n)).key;
        h.engine.places(&pid(program), &key).await.unwrap()
    }

    /// Card `n` enters the lottery `event` for one seat of pool `p`.
    async fn enter(h: &Harness, event: &str, n: u64) -> Result<ticketgrab::domain::Entered, Error> {
        let m = h.engine.member(&card(n));
        let org = org();
        h.engine
            .enter(&Grab {
                groups: &[],
                event: &event_id(event),
                member: &m,
                org: Some(&org),
                choices: &Choices::one(pool_id("p")),
                seats: Seats::ONE,
                channel: Channel::App,
            })
            .await
    }

    /// Waits until the store's clock is past the sale's close.
    async fn after_close(h: &Harness, event: &str) {
        let id = event_id(event);
        loop {
            let view = h.engine.event(&id).await.unwrap();
            if view.server_time.0 > view.event.closes_at.0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn sales(h: &Harness, program_id: &str, cap: u32, ids: &[&str], stock: i64) {
        h.engine
            .create_program(&program(program_id, cap))
            .await
            .unwrap();
        for id in ids {
            h.engine
                .create_event(&program_sale(id, program_id, &[("p", stock)]))
                .await
                .unwrap();
        }
    }

    pub async fn a_member_holds_at_most_the_cap_across_a_programs_sales(h: Harness) {
        sales(&h, "year", 2, &["park", "cinema", "theatre"], 10).await;
        grab(&h, "park", 1).await.unwrap();
        let cinema = grab(&h, "cinema", 1).await.unwrap();
        assert_eq!(places(&h, "year", 1).await, 2);
        let before = h.engine.snapshot(&event_id("theatre")).await.unwrap();
        assert_eq!(
            grab(&h, "theatre", 1).await.unwrap_err(),
            Error::ProgramCap { held: 2, cap: 2 }
        );
        // Refused whole: nothing changed.
        assert_eq!(
            super::super::state(h.engine.snapshot(&event_id("theatre")).await.unwrap()),
            super::super::state(before)
        );
        // A repeat grab in a sale of the member's ticket is that ticket.
        assert!(!grab(&h, "cinema", 1).await.unwrap().new);
        // A ticket given back frees its place; a used one does not.
        let key = h.engine.member(&card(1)).key;
        h.engine
            .cancel(&event_id("cinema"), &key, &cinema.reservation.code)
            .await
            .unwrap();
        assert_eq!(places(&h, "year", 1).await, 1);
        let theatre = grab(&h, "theatre", 1).await.unwrap();
        h.engine
            .redeem(
                &event_id("theatre"),
                &ticketgrab::store::Find::Code(theatre.reservation.code.clone()),
            )
            .await
            .unwrap();
        assert_eq!(places(&h, "year", 1).await, 2);
        assert_eq!(
            grab(&h, "cinema", 1).await.unwrap_err(),
            Error::ProgramCap { held: 2, cap: 2 }
        );
        // Other members are not touched.
        assert_eq!(places(&h, "year", 2).await, 0);
        grab(&h, "cinema", 2).await.unwrap();
        for e in ["park", "cinema", "theatre"] {
            assert!(h.engine.audit(&event_id(e)).await.unwrap().ok, "{e}");
        }
        let reach = h.engine.reach(&pid("year")).await.unwrap().reach;
        assert_eq!((reach.members_reached, reach.places_differ), (2, Some(0)));
        let (page, next) = h.store.places_page(&pid("year"), "").await.unwrap();
        assert_eq!(next, None);
        let mut counts: Vec<u32> = page.iter().map(|(_, n)| *n).collect();
        counts.sort();
        assert_eq!(counts, vec![1, 2]);
    }

    pub async fn a_station_issue_counts_and_a_sale_outside_the_program_does_not(h: Harness) {
        sales(&h, "year", 1, &["park", "cinema"], 10).await;
        h.engine
            .create_event(&open_event("free", &[("p", 10)]))
            .await
            .unwrap();
        grab_via(&h, "park", 7, Channel::Station).await.unwrap();
        assert_eq!(places(&h, "year", 7).await, 1);
        assert_eq!(
            grab_via(&h, "cinema", 7, Channel::Station)
                .await
                .unwrap_err(),
            Error::ProgramCap { held: 1, cap: 1 }
        );
        // A sale of its own keeps one ticket per member, no more.
        grab(&h, "free", 7).await.unwrap();
        assert_eq!(places(&h, "year", 7).await, 1);
        assert_eq!(
            h.engine
                .places(&pid("nope"), &h.engine.member(&card(7)).key)
                .await
                .unwrap_err(),
            Error::UnknownProgram
        );
    }

    pub async fn a_waiting_list_assignment_counts_and_a_capped_entry_leaves_the_list(h: Harness) {
        sales(&h, "year", 1, &["park", "cinema", "zoo"], 1).await;
        let member = |n: u64| h.engine.member(&card(n));
        let org = org();
        let join = async |event: &str, n: u64| {
            let m = member(n);
            h.engine
                .join_waiting(&Join {
                    grab: Grab {
                        groups: &[],
                        event: &event_id(event),
                        member: &m,
                        org: Some(&org),
                        choices: &Choices::one(pool_id("p")),
                        seats: Seats::ONE,
                        channel: Channel::App,
                    },
                    cutoff: None,
                })
                .await
        };
        // park's one ticket to 1; 2 and 3 wait for it.
        let first = grab(&h, "park", 1).await.unwrap();
        join("park", 2).await.unwrap();
        join("park", 3).await.unwrap();
        // 2 reaches the cap elsewhere; joining at the cap is refused.
        grab(&h, "cinema", 2).await.unwrap();
        grab(&h, "zoo", 4).await.unwrap();
        assert_eq!(
            join("zoo", 2).await.unwrap_err(),
            Error::ProgramCap { held: 1, cap: 1 }
        );
        // 1 gives park's ticket back: 2 is skipped (and leaves the list), 3 gets it.
        h.engine
            .cancel(&event_id("park"), &member(1).key, &first.reservation.code)
            .await
            .unwrap();
        let snap = h.engine.snapshot(&event_id("park")).await.unwrap();
        assert!(snap.waiting.is_empty(), "{:?}", snap.waiting);
        let got = snap
            .members
            .iter()
            .find(|(m, _)| *m == member(3).key)
            .expect("3 holds park's ticket");
        assert!(snap.reservations.iter().any(|r| r.code == got.1));
        assert!(snap.log.iter().any(|e| matches!(&e.op,
            LogOp::Left { member: m, reason: LeftReason::ProgramCap } if *m == member(2).key)));
        assert_eq!(places(&h, "year", 3).await, 1);
        assert_eq!(places(&h, "year", 2).await, 1);
        assert_eq!(places(&h, "year", 1).await, 0);
        // 3 got a ticket by the list: at the cap elsewhere.
        assert_eq!(
            grab(&h, "cinema", 3).await.unwrap_err(),
            Error::ProgramCap { held: 1, cap: 1 }
        );
        assert!(h.engine.audit(&event_id("park")).await.unwrap().ok);
    }

    pub async fn a_lottery_entry_holds_a_place_until_withdrawn_or_drawn_without_seats(h: Harness) {
        h.engine.create_program(&program("year", 1)).await.unwrap();
        let mut lot = lottery_event("lot", &[("p", 1)], 1_500);
        lot.program = Some(pid("year"));
        h.engine.create_event(&lot).await.unwrap();
        h.engine
            .create_event(&program_sale("park", "year", &[("p", 10)]))
            .await
            .unwrap();
        for n in 1..=3 {
            enter(&h, "lot", n).await.unwrap();
        }
        assert_eq!(places(&h, "year", 1).await, 1);
        // An entry holds a place: a grab elsewhere is refused while it stands.
        assert_eq!(
            grab(&h, "park", 1).await.unwrap_err(),
            Error::ProgramCap { held: 1, cap: 1 }
        );
        // Withdrawn, the place is free; then a grab takes it, and entering is refused.
        let key3 = h.engine.member(&card(3)).key;
        h.engine.withdraw(&event_id("lot"), &key3).await.unwrap();
        assert_eq!(places(&h, "year", 3).await, 0);
        grab(&h, "park", 3).await.unwrap();
        assert_eq!(
            enter(&h, "lot", 3).await.unwrap_err(),
            Error::ProgramCap { held: 1, cap: 1 }
        );
        // The draw: the winner's place becomes the ticket, the loser's is given back.
        after_close(&h, "lot").await;
        let id = event_id("lot");
        h.engine
            .set_public_value(&id, "drand 1: 8f2e")
            .await
            .unwrap();
        assert!(h.engine.draw(&id).await.unwrap().done);
        let counts = (places(&h, "year", 1).await, places(&h, "year", 2).await);
        assert!(counts == (1, 0) || counts == (0, 1), "{counts:?}");
        let loser = if counts.0 == 0 { 1 } else { 2 };
        // The loser waits in the lottery's list and may grab elsewhere.
        grab(&h, "park", loser).await.unwrap();
        assert!(h.engine.audit(&id).await.unwrap().ok);
        assert!(h.engine.audit(&event_id("park")).await.unwrap().ok);
    }

    pub async fn a_fewer_wins_first_draw_puts_members_without_tickets_first(h: Harness) {
        let mut p = program("year", 3);
        p.draw_order = ticketgrab::domain::DrawOrder::FewerWinsFirst;
        h.engine.create_program(&p).await.unwrap();
        h.engine
            .create_event(&program_sale("park", "year", &[("p", 10)]))
            .await
            .unwrap();
        let mut lot = lottery_event("lot", &[("p", 4)], 1_500);
        lot.program = Some(pid("year"));
        h.engine.create_event(&lot).await.unwrap();
        // 1-4 won the park earlier in the year; 5-8 have nothing yet.
        for n in 1..=4 {
            grab(&h, "park", n).await.unwrap();
        }
        for n in 1..=8 {
            enter(&h, "lot", n).await.unwrap();
        }
        after_close(&h, "lot").await;
        let id = event_id("lot");
        // A ticket won after the close does not change the tiers.
        h.engine
            .create_event(&program_sale("zoo", "year", &[("p", 10)]))
            .await
            .unwrap();
        grab(&h, "zoo", 5).await.unwrap();
        let view = h.engine.event(&id).await.unwrap();
        let closing = h.engine.closing(&view).await.unwrap().unwrap();
        assert_eq!(closing.order.as_deref(), Some("fewer_wins_first"));
        h.engine
            .set_public_value(&id, "drand 9: 01ab")
            .await
            .unwrap();
        assert!(h.engine.draw(&id).await.unwrap().done);
        let snap = h.engine.snapshot(&id).await.unwrap();
        for n in 1..=8 {
            let key = h.engine.member(&card(n)).key;
            let entry = snap.entries.iter().find(|e| e.member == key).unwrap();
            assert_eq!(entry.won.is_some(), n > 4, "member {n}: {entry:?}");
        }
        let export = h.engine.export(&id).await.unwrap();
        assert_eq!(export.algorithm, "ticketgrab-draw-v3");
        let verified = ticketgrab::lottery::export::verify(&export, Some(&closing.digest));
        assert!(verified.is_ok(), "{verified:?}");
        let tiers: Vec<u32> = export.entries.iter().map(|e| e.earlier.unwrap()).collect();
        assert_eq!(tiers, vec![0, 0, 0, 0, 1, 1, 1, 1]);
        // The winners hold 1 place (5 also its zoo ticket), the losers theirs of the park.
        assert_eq!(places(&h, "year", 6).await, 1);
        assert_eq!(places(&h, "year", 5).await, 2);
        assert_eq!(places(&h, "year", 1).await, 1);
        assert!(h.engine.audit(&id).await.unwrap().ok);
    }

    pub async fn programs_and_their_sales_are_checked_when_created(h: Harness) {
        h.engine.create_program(&program("year", 2)).await.unwrap();
        assert_eq!(
            h.engine
                .create_program(&program("year", 3))
                .await
                .unwrap_err(),
            Error::ProgramExists
        );
        assert!(matches!(
            h.engine.create_program(&program("zero", 0)).await,
            Err(Error::Invalid(_))
        ));
        assert_eq!(
            h.engine
                .create_event(&program_sale("s", "nope", &[("p", 1)]))
                .await
                .unwrap_err(),
            Error::UnknownProgram
        );
        let mut outside = program_sale("s", "year", &[("p", 1)]);
        outside.org = OrgPath::parse("tj").unwrap();
        assert!(matches!(
            h.engine.create_event(&outside).await,
            Err(Error::Invalid(_))
        ));
        let mut late = program_sale("s", "year", &[("p", 1)]);
        late.closes_at.0 += 400 * 86_400_000;
        assert!(matches!(
            h.engine.create_event(&late).await,
            Err(Error::Invalid(_))
        ));
        // An id is one sale's, in a program or not (the program is checked first).
        h.engine
            .create_event(&program_sale("s", "year", &[("p", 1)]))
            .await
            .unwrap();
        assert_eq!(
            h.engine
                .create_event(&program_sale("s", "nope", &[("p", 1)]))
                .await
                .unwrap_err(),
            Error::UnknownProgram
        );
        assert_eq!(
            h.engine
                .create_event(&open_event("s", &[("p", 1)]))
                .await
                .unwrap_err(),
            Error::EventExists
        );
        h.engine
            .create_event(&open_event("own", &[("p", 1)]))
            .await
            .unwrap();
        assert_eq!(
            h.engine
                .create_event(&program_sale("own", "year", &[("p", 1)]))
                .await
                .unwrap_err(),
            Error::EventExists
        );
        let listed = h.engine.programs().await.unwrap();
        assert_eq!(
            listed,
            vec![program("year", 2)]
                .into_iter()
                .map(|mut p| {
                    p.starts_at = listed[0].starts_at;
                    p.ends_at = listed[0].ends_at;
                    p
                })
                .collect::<Vec<_>>()
        );
        let view = h.engine.event(&event_id("s")).await.unwrap();
        assert_eq!(view.event.program, Some(pid("year")));
    }
}
