//! `--demo`: the real sales this service was built for (README), opening a
//! minute after start, and tokens ready to paste.

use std::time::Duration;

use crate::domain::Error;
use crate::domain::{
    CardNumber, DEFAULT_HOLD_MINUTES, Details, Event, EventId, Lottery, Millis, OrgPath, Pool,
    PoolId, with_check_digit,
};
use crate::engine::Engine;
use crate::tokens::{Minter, Role};

/// One demo sale: what staff would type into the dashboard.
struct Sale {
    id: &'static str,
    title: &'static str,
    title_en: &'static str,
    org: &'static str,
    price_fen: i64,
    max_seats: u8,
    venue: &'static str,
    notes: &'static str,
    /// Days after the sale's day that the ticket is for, and the hour (Beijing).
    starts: Option<(i64, i64)>,
    pools: Vec<DemoPool>,
    /// A lottery: registration for this many minutes from the opening,
    /// drawn at its close, with this public value named.
    lottery: Option<(i64, &'static str)>,
}

/// (id, title, title_en, total, the show's start as (day after the sale's,
/// hour, minute) in Beijing)
type DemoPool = (String, String, String, i64, Option<(i64, i64, i64)>);

fn one(id: &str, title: &str, title_en: &str, total: i64) -> Vec<DemoPool> {
    vec![(
        id.to_owned(),
        title.to_owned(),
        title_en.to_owned(),
        total,
        None,
    )]
}

/// The real sales this service was built for.
fn sales() -> Vec<Sale> {
    let station = "到所在街道工会服务站出示二维码或刷京卡核销。";
    vec![
        Sale {
            id: "park-pass",
            title: "公园年票",
            title_en: "City-park annual pass",
            org: "bj",
            price_fen: 0,
            max_seats: 1,
            venue: "北京市属公园（颐和园、天坛等11家）",
            notes: "凭二维码到龙潭街道工会服务站领取实体年票，本人持京卡领取。",
            starts: Some((31, 0)),
            pools: one("pass", "年票", "Annual pass", 400),
            lottery: None,
        },
        Sale {
            id: "cinema-5yuan",
            title: "5元观影",
            title_en: "5-yuan blockbuster",
            org: "bj",
            price_fen: 500,
            max_seats: 1,
            venue: "全市合作影院",
            notes: "开场前在影院前台出示二维码换取电影票。",
            starts: Some((3, 19)),
            pools: one("screening", "观影券", "Cinema ticket", 20_000),
            lottery: None,
        },
        Sale {
            id: "ice-carnival",
            title: "冰雪嘉年华",
            title_en: "Ice-and-snow carnival",
            org: "bj",
            price_fen: 0,
            max_seats: 1,
            venue: "奥林匹克森林公园南园",
            notes: "入园时出示二维码，每票限一人一次。",
            starts: Some((14, 9)),
            pools: one("entry", "入场券", "Entry", 25_000),
            lottery: None,
        },
        Sale {
            id: "kids-theatre",
            title: "儿童剧《小马过河》",
            title_en: "Children's theatre: The Pony Crosses the River",
            org: "bj",
            price_fen: 0,
            // A parent with a child.
            max_seats: 2,
            venue: "北京儿童艺术剧院",
            notes: "请提前20分钟入场，一票可入场所选人数。",
            starts: None,
            // Eight shows over a weekend a week after the sale.
            pools: (1..=8i64)
                .map(|i| {
                    let (day, slot) = (7 + (i - 1) / 4, (i - 1) % 4);
                    let (hour, minute) = [(9, 30), (11, 30), (14, 30), (16, 30)][slot as usize];
                    (
                        format!("show-{i}"),
                        format!("第{i}场"),
                        format!("Show {i}"),
                        375,
                        Some((day, hour, minute)),
                    )
                })
                .collect(),
            lottery: None,
        },
        Sale {
            id: "new-year-concert",
            title: "新年音乐会（抽签）",
            title_en: "New Year concert (lottery)",
            org: "bj",
            price_fen: 2_000,
            max_seats: 2,
            venue: "北京音乐厅",
            notes: "中签会员请在15分钟内支付；未中签按抽签顺序候补。凭二维码入场。",
            starts: None,
            pools: vec![
                // Titles that name no date: each show's own time says when
                // (a month after the sale, whatever day the demo starts).
                (
                    "night-1".into(),
                    "第一晚".into(),
                    "First night".into(),
                    300,
                    Some((29, 19, 30)),
                ),
                (
                    "night-2".into(),
                    "第二晚".into(),
                    "Second night".into(),
                    300,
                    Some((30, 19, 30)),
                ),
            ],
            // Ten minutes to enter, then the draw.
            lottery: Some((10, "drand 报名截止后的第一轮随机数")),
        },
        Sale {
            id: "umbrella",
            title: "爱心雨伞",
            title_en: "Rain umbrellas",
            org: "bj",
            price_fen: 0,
            max_seats: 1,
            venue: "各街道工会服务站",
            notes: station,
            starts: None,
            pools: one("umbrella", "雨伞", "Umbrella", 500),
            lottery: None,
        },
        Sale {
            id: "chaoyang-monthly",
            title: "朝阳区月度福利",
            title_en: "Chaoyang monthly grab",
            org: "bj/chaoyang",
            price_fen: 0,
            max_seats: 1,
            venue: "朝阳区各街道工会服务站",
            notes: station,
            starts: None,
            pools: one("gift", "福利", "Gift", 200),
            lottery: None,
        },
    ]
}

/// Midnight in Beijing (UTC+8) of the day `at` falls on, plus `days` days,
/// `hour`:`minute`.
fn beijing(at: Millis, days: i64, hour: i64, minute: i64) -> Millis {
    const HOUR: i64 = 3_600_000;
    const DAY: i64 = 24 * HOUR;
    let midnight = (at.0 + 8 * HOUR).div_euclid(DAY) * DAY - 8 * HOUR;
    Millis(midnight + days * DAY + hour * HOUR + minute * 60_000)
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
    for sale in sales() {
        let closes_at = match sale.lottery {
            Some((minutes, _)) => Millis(opens_at.0 + minutes * 60_000),
            None => Millis(opens_at.0 + Duration::from_secs(6 * 3600).as_millis() as i64),
        };
        let event = Event {
            program: None,
            lottery: sale
                .lottery
                .map(|(_, source)| Lottery::new(closes_at, source.to_owned())),
            id: EventId::parse(sale.id)?,
            title: sale.title.to_owned(),
            org: OrgPath::parse(sale.org)?,
            opens_at,
            closes_at,
            price_fen: sale.price_fen,
            max_seats: sale.max_seats,
            // A priced sale holds each ticket 15 minutes for payment.
            hold_ms: if sale.price_fen > 0 {
                DEFAULT_HOLD_MINUTES * 60_000
            } else {
                0
            },
            details: Details {
                title_en: Some(sale.title_en.to_owned()),
                venue: Some(sale.venue.to_owned()),
                starts_at: sale.starts.map(|(d, h)| beijing(opens_at, d, h, 0)),
                notes: Some(sale.notes.to_owned()),
            },
            pools: sale
                .pools
                .into_iter()
                .map(|(p, title, title_en, total, starts)| {
                    Ok(Pool {
                        kept: Vec::new(),
                        id: PoolId::parse(&p)?,
                        title,
                        total,
                        details: Details {
                            title_en: Some(title_en),
                            starts_at: starts.map(|(d, h, m)| beijing(opens_at, d, h, m)),
                            ..Details::default()
                        },
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

/// Which of `events` are demo sales (an id, title and place of the demo's
/// own): a production start refuses a store that holds any.
pub fn found_in(events: &[crate::domain::EventView]) -> Vec<EventId> {
    let demo = sales();
    events
        .iter()
        .map(|v| &v.event)
        .filter(|e| {
            demo.iter().any(|d| {
                e.id.as_str() == d.id
                    && e.title == d.title
                    && e.details.venue.as_deref() == Some(d.venue)
            })
        })
        .map(|e| e.id.clone())
        .collect()
}

/// The commands that take the demo sales `ids` out of a store, for the
/// refusal of a production start that finds them.
pub fn removal(config: &crate::config::Config, ids: &[EventId]) -> String {
    use crate::config::StoreKind;
    match config.store_kind() {
        StoreKind::Embedded | StoreKind::Memory => {
            let dir = config.data_dir.display();
            format!(
                "move the demo's data directory aside and start on a fresh one:\n  mv {dir} {dir}.demo"
            )
        }
        StoreKind::Redis | StoreKind::RedisCluster => {
            let names: Vec<&str> = ids.iter().map(EventId::as_str).collect();
            let mut out = format!(
                "delete their keys as the operators' Redis user:\n  redis-cli SREM {} {}\n  redis-cli HDEL {} {}",
                crate::store::keys::EVENT_INDEX,
                names.join(" "),
                crate::store::keys::SALE_PROGRAMS,
                names.join(" ")
            );
            for id in ids {
                let keys = crate::store::keys::event_keys(id);
                out.push_str(&format!("\n  redis-cli DEL {}", keys.join(" ")));
            }
            out
        }
    }
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
        // In full: test cards (not real ones), to swipe at the station.
        out.push_str(&format!(
            "Member {n} (test card {}, {member_org}):\n  {token}\n  app: {base}/app#token={token}\n",
            card.digits()
        ));
    }
    out
}
