//! Kept parts of a pool on every store (docs/design/shares.md): a member
//! takes from their shares, then their union's allotment, then the public's;
//! others see only the public's; seats given back return to their part;
//! at its time a part's seats go to the waiting list first, then everyone,
//! once, whichever change or sweep comes first; a restock never takes them.

use ticketgrab::Error;
use ticketgrab::domain::{
    Channel, Choices, Event, Group, Kept, KeptFor, LeftReason, Millis, Move, OrgPath, Seats,
};
use ticketgrab::store::{Grab, Grabbed, Join, LogOp};

use super::Harness;
use testkit::{card, event_id, open_event, pool_id};

conformance!(
    a_member_takes_their_share_then_their_allotment_then_everyones,
    seats_given_back_return_to_their_part,
    a_part_is_released_once_when_its_time_comes,
    the_sweeper_releases_a_part_and_the_waiting_list_comes_first,
    a_restock_never_takes_kept_seats,
    staff_move_seats_between_parts_in_one_step,
    a_seat_given_back_to_a_part_goes_to_its_waiting_members_first,
);

fn org(s: &str) -> OrgPath {
    OrgPath::parse(s).unwrap()
}

fn share(seats: i64, at: Millis) -> Kept {
    Kept {
        rule: KeptFor::Group(Group::parse("hardship").unwrap()),
        seats,
        release_at: at,
    }
}

fn allotment(o: &str, seats: i64, at: Millis) -> Kept {
    Kept {
        rule: KeptFor::Org(org(o)),
        seats,
        release_at: at,
    }
}

/// A sale of pool `p` with `public` seats for everyone and `kept`.
fn sale(id: &str, public: i64, kept: Vec<Kept>) -> Event {
    let all = public + kept.iter().map(|k| k.seats).sum::<i64>();
    let mut e = open_event(id, &[("p", all)]);
    e.pools[0].kept = kept;
    e
}

fn later(ms: i64) -> Millis {
    Millis(Millis::now().0 + ms)
}

/// Card `n`'s grab: from the app as a member of `union` in `groups`, or
/// (`union` None) a station's walk-up the register does not know.
async fn grab(
    h: &Harness,
    event: &str,
    n: u64,
    union: Option<&str>,
    groups: &[&str],
) -> Result<Grabbed, Error> {
    let member = h.engine.member(&card(n));
    let union = union.map(org);
    let groups: Vec<Group> = groups.iter().map(|g| Group::parse(g).unwrap()).collect();
    h.engine
        .grab(&Grab {
            event: &event_id(event),
            member: &member,
            org: union.as_ref(),
            groups: &groups,
            choices: &Choices::one(pool_id("p")),
            seats: Seats::ONE,
            channel: if union.is_some() {
                Channel::App
            } else {
                Channel::Station
            },
        })
        .await
}

/// Card `n` joins the waiting list of `event` from the app, of `union`.
async fn wait(h: &Harness, event: &str, n: u64, union: &str) {
    wait_in(h, event, n, union, &[]).await;
}

/// The same, a member of `groups`.
async fn wait_in(h: &Harness, event: &str, n: u64, union: &str, groups: &[Group]) {
    let member = h.engine.member(&card(n));
    let (union, choices) = (org(union), Choices::one(pool_id("p")));
    let join = Join {
        grab: Grab {
            event: &event_id(event),
            member: &member,
            org: Some(&union),
            groups,
            choices: &choices,
            seats: Seats::ONE,
            channel: Channel::App,
        },
        cutoff: None,
    };
    h.engine.join_waiting(&join).await.unwrap();
}

async fn parts_left(h: &Harness, event: &str) -> Vec<(i64, bool)> {
    let view = h.engine.event(&event_id(event)).await.unwrap();
    view.pools[0]
        .kept
        .iter()
        .map(|k| (k.left, k.released))
        .collect()
}

async fn audited(h: &Harness, event: &str) {
    let report = h.engine.audit(&event_id(event)).await.unwrap();
    assert!(report.ok, "{:?}", report.violations);
}

mod cases {
    use super::*;

    pub async fn a_member_takes_their_share_then_their_allotment_then_everyones(h: Harness) {
        let far = later(3_600_000 - 60_000);
        let e = sale(
            "k1",
            2,
            vec![share(2, far), allotment("bj/chaoyang", 2, far)],
        );
        h.engine.create_event(&e).await.unwrap();
        let part = |g: Result<Grabbed, Error>| g.unwrap().reservation.part;
        // Hardship members: the share first, wherever their union.
        assert_eq!(
            part(grab(&h, "k1", 1, Some("bj/haidian"), &["hardship"]).await),
            Some(1)
        );
        assert_eq!(
            part(grab(&h, "k1", 2, Some("bj/chaoyang/x"), &["hardship"]).await),
            Some(1)
        );
        // The share is gone: a hardship member of Chaoyang takes its allotment.
        assert_eq!(
            part(grab(&h, "k1", 3, Some("bj/chaoyang/x"), &["hardship"]).await),
            Some(2)
        );
        // Everyone else: the public's two, then sold out (the allotment's
        // last seat is Chaoyang's), a walk-up the register does not know too.
        assert_eq!(part(grab(&h, "k1", 4, Some("bj/haidian"), &[]).await), None);
        assert_eq!(part(grab(&h, "k1", 5, None, &[]).await), None);
        assert!(matches!(
            grab(&h, "k1", 6, Some("bj/haidian"), &[]).await,
            Err(Error::SoldOut)
        ));
        assert!(matches!(
            grab(&h, "k1", 7, None, &["hardship"]).await,
            Err(Error::SoldOut)
        ));
        assert_eq!(parts_left(&h, "k1").await, [(0, false), (1, false)]);
        assert_eq!(
            part(grab(&h, "k1", 8, Some("bj/chaoyang"), &[]).await),
            Some(2)
        );
        assert!(matches!(
            grab(&h, "k1", 9, Some("bj/chaoyang"), &[]).await,
            Err(Error::SoldOut)
        ));
        let view = h.engine.event(&event_id("k1")).await.unwrap();
        assert_eq!((view.pools[0].remaining, view.pools[0].public()), (0, 0));
        // The log says which part, never whose group or union.
        let snap = h.engine.snapshot(&event_id("k1")).await.unwrap();
        let parts: Vec<Option<u8>> = snap
            .log
            .iter()
            .filter_map(|e| e.op.made().map(|t| t.part))
            .collect();
        assert_eq!(parts, [Some(1), Some(1), Some(2), None, None, Some(2)]);
        audited(&h, "k1").await;
    }

    pub async fn seats_given_back_return_to_their_part(h: Harness) {
        let far = later(3_000_000);
        h.engine
            .create_event(&sale("k2", 1, vec![share(1, far)]))
            .await
            .unwrap();
        let mine = grab(&h, "k2", 1, Some("bj/x"), &["hardship"])
            .await
            .unwrap();
        let theirs = grab(&h, "k2", 2, Some("bj/x"), &[]).await.unwrap();
        assert_eq!(
            (mine.reservation.part, theirs.reservation.part),
            (Some(1), None)
        );
        let key = |n| h.engine.member(&card(n)).key;
        h.engine
            .cancel(&event_id("k2"), &key(1), &mine.reservation.code)
            .await
            .unwrap();
        // Back to the share: still not everyone's.
        assert_eq!(parts_left(&h, "k2").await, [(1, false)]);
        assert!(matches!(
            grab(&h, "k2", 3, Some("bj/x"), &[]).await,
            Err(Error::SoldOut)
        ));
        h.engine
            .cancel(&event_id("k2"), &key(2), &theirs.reservation.code)
            .await
            .unwrap();
        assert_eq!(
            grab(&h, "k2", 3, Some("bj/x"), &[])
                .await
                .unwrap()
                .reservation
                .part,
            None
        );
        audited(&h, "k2").await;
    }

    pub async fn a_part_is_released_once_when_its_time_comes(h: Harness) {
        let soon = later(1_500);
        h.engine
            .create_event(&sale("k3", 0, vec![share(3, soon)]))
            .await
            .unwrap();
        grab(&h, "k3", 1, Some("bj/x"), &["hardship"])
            .await
            .unwrap();
        assert!(matches!(
            grab(&h, "k3", 2, Some("bj/x"), &[]).await,
            Err(Error::SoldOut)
        ));
        tokio::time::sleep(std::time::Duration::from_millis(1_600)).await;
        // The next change releases it first (no sweeper ran): everyone's now.
        let got = grab(&h, "k3", 2, Some("bj/x"), &[]).await.unwrap();
        assert_eq!(got.reservation.part, None);
        // A hardship member takes the public's too: the share is gone.
        let got = grab(&h, "k3", 3, Some("bj/x"), &["hardship"])
            .await
            .unwrap();
        assert_eq!(got.reservation.part, None);
        assert_eq!(parts_left(&h, "k3").await, [(0, true)]);
        assert_eq!(h.engine.expire_holds(&event_id("k3"), 10).await.unwrap(), 0);
        let snap = h.engine.snapshot(&event_id("k3")).await.unwrap();
        let released: Vec<i64> = snap
            .log
            .iter()
            .filter_map(|e| match e.op {
                LogOp::Released { seats, .. } => Some(seats),
                _ => None,
            })
            .collect();
        assert_eq!(released, [2], "released once, with what it had left");
        audited(&h, "k3").await;
    }

    pub async fn the_sweeper_releases_a_part_and_the_waiting_list_comes_first(h: Harness) {
        let soon = later(1_500);
        h.engine
            .create_event(&sale("k4", 0, vec![allotment("bj/chaoyang", 2, soon)]))
            .await
            .unwrap();
        // A Haidian member waits: nothing is theirs to take.
        wait(&h, "k4", 1, "bj/haidian").await;
        tokio::time::sleep(std::time::Duration::from_millis(1_600)).await;
        // The sweep: the part released, its first seat to the waiting member.
        assert_eq!(h.engine.expire_holds(&event_id("k4"), 10).await.unwrap(), 1);
        assert_eq!(parts_left(&h, "k4").await, [(0, true)]);
        let snap = h.engine.snapshot(&event_id("k4")).await.unwrap();
        assert!(snap.waiting.is_empty());
        let assigned = snap
            .log
            .iter()
            .filter(|e| matches!(e.op, LogOp::Assigned { .. }))
            .count();
        assert_eq!(assigned, 1);
        assert!(!snap.log.iter().any(|e| matches!(
            e.op,
            LogOp::Left {
                reason: LeftReason::Lapsed,
                ..
            }
        )));
        assert_eq!(
            h.engine.event(&event_id("k4")).await.unwrap().pools[0].public(),
            1
        );
        audited(&h, "k4").await;
    }

    pub async fn a_restock_never_takes_kept_seats(h: Harness) {
        let far = later(3_000_000);
        h.engine
            .create_event(&sale("k5", 2, vec![share(3, far)]))
            .await
            .unwrap();
        let below = h.engine.restock(&event_id("k5"), &pool_id("p"), -3).await;
        assert!(
            matches!(below, Err(Error::BelowZero { remaining: 2 })),
            "{below:?}"
        );
        let done = h
            .engine
            .restock(&event_id("k5"), &pool_id("p"), -2)
            .await
            .unwrap();
        assert_eq!((done.remaining, done.total), (3, 3));
        assert_eq!(parts_left(&h, "k5").await, [(3, false)]);
        audited(&h, "k5").await;
    }

    pub async fn staff_move_seats_between_parts_in_one_step(h: Harness) {
        let far = later(3_000_000);
        let soon = later(1_500);
        h.engine
            .create_event(&sale(
                "k6",
                0,
                vec![
                    allotment("bj/chaoyang", 3, far),
                    allotment("bj/haidian", 1, far),
                    share(1, soon),
                ],
            ))
            .await
            .unwrap();
        let ev = event_id("k6");
        let mv = |from, to, seats| Move {
            pool: pool_id("p"),
            from,
            to,
            seats,
        };
        // Chaoyang's allotment gives two seats to Haidian's.
        assert_eq!(
            h.engine.move_seats(&ev, &mv(1, 2, 2)).await.unwrap(),
            (1, 3)
        );
        assert!(matches!(
            h.engine.move_seats(&ev, &mv(1, 2, 2)).await,
            Err(Error::BelowZero { remaining: 1 })
        ));
        // A Dongcheng member waits: everyone's seats are none. One moved to
        // everyone's goes to them first.
        wait(&h, "k6", 1, "bj/dongcheng").await;
        assert_eq!(
            h.engine.move_seats(&ev, &mv(2, 0, 1)).await.unwrap(),
            (2, 0)
        );
        let snap = h.engine.snapshot(&ev).await.unwrap();
        assert!(snap.waiting.is_empty(), "the waiting member was served");
        assert_eq!(
            parts_left(&h, "k6").await,
            [(1, false), (2, false), (1, false)]
        );
        // A part released is nobody's to move; nor is the same part twice.
        tokio::time::sleep(std::time::Duration::from_millis(1_600)).await;
        assert!(matches!(
            h.engine.move_seats(&ev, &mv(3, 1, 1)).await,
            Err(Error::PartReleased)
        ));
        assert!(matches!(
            h.engine.move_seats(&ev, &mv(1, 1, 1)).await,
            Err(Error::Invalid(_))
        ));
        let snap = h.engine.snapshot(&ev).await.unwrap();
        let moved = snap
            .log
            .iter()
            .filter(|e| matches!(e.op, LogOp::Moved { .. }))
            .count();
        assert_eq!(moved, 2);
        audited(&h, "k6").await;
    }

    pub async fn a_seat_given_back_to_a_part_goes_to_its_waiting_members_first(h: Harness) {
        let far = later(3_000_000);
        h.engine
            .create_event(&sale("k7", 1, vec![share(1, far)]))
            .await
            .unwrap();
        let hardship = [Group::parse("hardship").unwrap()];
        let mine = grab(&h, "k7", 1, Some("bj/x"), &["hardship"])
            .await
            .unwrap();
        grab(&h, "k7", 2, Some("bj/x"), &[]).await.unwrap();
        // Two wait: first a member outside the share, then one in it.
        wait(&h, "k7", 3, "bj/x").await;
        wait_in(&h, "k7", 4, "bj/x", &hardship).await;
        let key = |n| h.engine.member(&card(n)).key;
        h.engine
            .cancel(&event_id("k7"), &key(1), &mine.reservation.code)
            .await
            .unwrap();
        // The share's seat went to its waiting member, though the other came first.
        let snap = h.engine.snapshot(&event_id("k7")).await.unwrap();
        let waiting: Vec<_> = snap.waiting.iter().map(|w| w.member.clone()).collect();
        assert_eq!(waiting, [key(3)]);
        let theirs = h
            .engine
            .lookup(&event_id("k7"), &ticketgrab::store::Find::Member(key(4)))
            .await;
        assert_eq!(theirs.unwrap().unwrap().part, Some(1));
        assert_eq!(parts_left(&h, "k7").await, [(0, false)]);
        audited(&h, "k7").await;
    }
}
