//! `--demo`: the real sales this service was built for (README), opening a
//! minute after start, and tokens ready to paste.

use std::time::Duration;

use crate::domain::{
    CardNumber, DEFAULT_HOLD_MINUTES, Event, EventId, Millis, OrgPath, Pool, PoolId,
    with_check_digit,
};
use crate::engine::Engine;
use crate::error::Error;
use crate::tokens::{Minter, Role};

/// (id, title, org, price in fen, seats per reservation, pools as (id, title, total))
type Sale = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    u8,
    Vec<(String, String, i64)>,
);

fn one(id: &str, title: &str, total: i64) -> Vec<(String, String, i64)> {
    vec![(id.to_owned(), title.to_owned(), total)]
}

/// The real sales this service was built for.
pub fn sales() -> Vec<Sale> {
    vec![
        (
            "park-pass",
            "公园年票 City-park annual pass",
            "bj",
            0,
            1,
            one("pass", "年票 Annual pass", 400),
        ),
        (
            "cinema-5yuan",
            "5元观影 5-yuan blockbuster",
            "bj",
            500,
            1,
            one("screening", "观影券 Cinema ticket", 20_000),
        ),
        (
            "ice-carnival",
            "冰雪嘉年华 Ice-and-snow carnival",
            "bj",
            0,
            1,
            one("entry", "入场券 Entry", 25_000),
        ),
        (
            "kids-theatre",
            "儿童剧 Children's theatre",
            "bj",
            0,
            // A parent with a child.
            2,
            (1..=8)
                .map(|i| (format!("show-{i}"), format!("第{i}场 Show {i}"), 375))
                .collect(),
        ),
        (
            "umbrella",
            "爱心雨伞 Rain umbrellas",
            "bj",
            0,
            1,
            one("umbrella", "雨伞 Umbrella", 500),
        ),
        (
            "chaoyang-monthly",
            "朝阳区月度福利 Chaoyang monthly grab",
            "bj/chaoyang",
            0,
            1,
            one("gift", "福利 Gift", 200),
        ),
    ]
}

/// Creates the demo sales opening at `opens_at`, keeping any that exist (a
/// restart on the same data directory keeps their stock and tickets).
/// Returns the ids and how many were created now.
pub async fn create_sales(
    engine: &Engine,
    opens_at: Millis,
) -> Result<(Vec<EventId>, usize), Error> {
    let mut ids = Vec::new();
    let mut created = 0;
    for (id, title, org, price_fen, max_seats, pools) in sales() {
        let event = Event {
            id: EventId::parse(id)?,
            title: title.to_owned(),
            org: OrgPath::parse(org)?,
            opens_at,
            closes_at: Millis(opens_at.0 + Duration::from_secs(6 * 3600).as_millis() as i64),
            price_fen,
            max_seats,
            // A priced sale holds each ticket 15 minutes for payment.
            hold_ms: if price_fen > 0 {
                DEFAULT_HOLD_MINUTES * 60_000
            } else {
                0
            },
            pools: pools
                .into_iter()
                .map(|(p, t, total)| {
                    Ok(Pool {
                        id: PoolId::parse(&p)?,
                        title: t,
                        total,
                    })
                })
                .collect::<Result<_, Error>>()?,
        };
        match engine.create_event(&event).await {
            Ok(()) => created += 1,
            Err(Error::EventExists) => {}
            Err(e) => return Err(e),
        }
        ids.push(event.id);
    }
    Ok((ids, created))
}

/// The n-th demo member's card.
pub fn demo_card(n: u64) -> CardNumber {
    CardNumber::parse(&with_check_digit(&format!("621700000000{n:06}")))
        .expect("demo cards are valid")
}

/// Tokens to paste, valid for a day, as lines of text.
pub fn tokens(minter: &Minter, base: &str) -> String {
    let day = 24 * 3600;
    let org = |s| OrgPath::parse(s).expect("demo orgs are valid");
    let admin = minter.staff("demo-admin", Role::Admin, &org("bj"), day);
    let station = minter.staff("demo-station", Role::Station, &org("bj/chaoyang"), day);
    let mut out = format!(
        "Staff (admin, bj):\n  {admin}\n  dashboard: {base}/dashboard#token={admin}\n\
         Station (bj/chaoyang):\n  {station}\n  station screen: {base}/station#token={station}\n"
    );
    for (n, member_org) in [
        (1, "bj/chaoyang/hepingjie"),
        (2, "bj/dongcheng/longtan"),
        (3, "bj/haidian/zhongguancun"),
    ] {
        let card = demo_card(n);
        let token = minter.member(&card, &org(member_org), day);
        out.push_str(&format!(
            "Member {n} (card {}, {member_org}):\n  {token}\n  app: {base}/app#token={token}\n",
            card.masked().as_str()
        ));
    }
    out
}
