//! An event's view as read.lua answers it: the sale's settings, its pools'
//! stock and counters, the store's clock.

use std::collections::HashMap;

use super::reply::{int, map_of};
use crate::domain::Error;
use crate::domain::{
    Details, Event, EventId, EventView, Kept, Lottery, Millis, OrgPath, PartLeft, Pool, PoolId,
    PoolStats, ProgramId, SaleStatus, parse_seats,
};

pub fn parse_view(
    id: &EventId,
    meta: Vec<String>,
    stock: Vec<String>,
    total: Vec<String>,
    cnt: Vec<String>,
    now: String,
) -> Result<EventView, Error> {
    let meta = map_of(meta);
    let (stock, total, cnt) = (map_of(stock), map_of(total), map_of(cnt));
    let get = |m: &HashMap<String, String>, k: &str| {
        m.get(k)
            .cloned()
            .ok_or_else(|| Error::Corrupt(format!("event {id} misses {k}")))
    };
    let num = |m: &HashMap<String, String>, k: &str| get(m, k).and_then(|v| int(&v));
    let counter = |k: &str| cnt.get(k).map_or(Ok(0), |v| int(v));
    let mut pools = Vec::new();
    let mut stats = Vec::new();
    for pool in get(&meta, "pools")?.split(',') {
        let pool_id =
            PoolId::parse(pool).map_err(|_| Error::Corrupt(format!("bad pool id {pool:?}")))?;
        let title = get(&meta, &format!("ptitle:{pool}"))?;
        let kept = match meta.get(&format!("kept:{pool}")) {
            Some(s) => Kept::from_meta(s)?,
            None => Vec::new(),
        };
        // A part's stock field is there until its release.
        let left = PartLeft::at_creation(&kept)
            .into_iter()
            .map(|p| match stock.get(&format!("{pool}#{}", p.part)) {
                Some(n) => int(n).map(|left| PartLeft { left, ..p }),
                None => Ok(PartLeft {
                    left: 0,
                    released: true,
                    ..p
                }),
            })
            .collect::<Result<Vec<_>, Error>>()?;
        pools.push(Pool {
            kept,
            id: pool_id.clone(),
            title: title.clone(),
            total: num(&meta, &format!("ptotal:{pool}"))?,
            details: details_of(&meta, &format!("pd:{pool}:"))?,
        });
        stats.push(PoolStats {
            id: pool_id,
            title,
            total: num(&total, pool)?,
            remaining: num(&stock, pool)?,
            // Absent in events created before payment holds: none.
            held: counter(&format!("held:{pool}"))?,
            active: num(&cnt, &format!("active:{pool}"))?,
            redeemed: num(&cnt, &format!("redeemed:{pool}"))?,
            cancelled: num(&cnt, &format!("cancelled:{pool}"))?,
            expired: counter(&format!("expired:{pool}"))?,
            // Absent before the waiting list: none.
            no_show: counter(&format!("no_show:{pool}"))?,
            waiting: counter(&format!("waiting:{pool}"))?,
            entries: counter(&format!("entries:{pool}"))?,
            kept: left,
        });
    }
    let org = get(&meta, "org")?;
    Ok(EventView {
        event: Event {
            id: id.clone(),
            title: get(&meta, "title")?,
            org: OrgPath::parse(&org).map_err(|_| Error::Corrupt(format!("bad org {org:?}")))?,
            opens_at: Millis(num(&meta, "opens")?),
            closes_at: Millis(num(&meta, "closes")?),
            price_fen: num(&meta, "price")?,
            // Events created before payment holds have none.
            hold_ms: meta.get("hold_ms").map_or(Ok(0), |v| int(v))?,
            // Events created before family seats have no max_seats: one seat.
            max_seats: match meta.get("max_seats") {
                None => 1,
                Some(n) => {
                    parse_seats(n).ok_or_else(|| Error::Corrupt(format!("bad max_seats {n:?}")))?
                }
            },
            details: details_of(&meta, "d:")?,
            pools,
            lottery: Lottery::from_fields(|k| meta.get(&format!("l:{k}")).map(String::as_str))?,
            program: meta
                .get("program")
                .map(|p| ProgramId::parse(p))
                .transpose()
                .map_err(|_| Error::Corrupt("bad program".into()))?,
        },
        status: SaleStatus::parse(&get(&meta, "status")?)?,
        pools: stats,
        server_time: Millis(int(&now)?),
        draw: super::lottery_meta::draw_state(&meta, &cnt)?,
    })
}

/// The meta fields of what an event's tickets say, as field, value, ...:
/// `d:<name>` for the event, `pd:<pool>:<name>` for a pool.
pub(super) fn detail_fields(event: &Event) -> Vec<String> {
    let mut out = Vec::new();
    let mut put = |prefix: &str, d: &Details| {
        for (name, value) in d.fields() {
            out.extend([format!("{prefix}{name}"), value]);
        }
    };
    put("d:", &event.details);
    for pool in &event.pools {
        put(&format!("pd:{}:", pool.id), &pool.details);
    }
    // Kept parts (lua/lib.lua): each pool's, the pools that have them, and
    // the earliest release (`release_due`'s cheap check).
    let kept: Vec<&Pool> = event.pools.iter().filter(|p| !p.kept.is_empty()).collect();
    for pool in &kept {
        out.extend([format!("kept:{}", pool.id), Kept::to_meta(&pool.kept)]);
    }
    if let Some(at) = kept
        .iter()
        .flat_map(|p| &p.kept)
        .map(|k| k.release_at)
        .min()
    {
        let listed: Vec<&str> = kept.iter().map(|p| p.id.as_str()).collect();
        out.extend(["kept".to_owned(), listed.join(",")]);
        out.extend(["next_rel".to_owned(), at.0.to_string()]);
    }
    out
}

/// What tickets say, from the meta fields under `prefix` (none in events
/// created before they existed).
fn details_of(meta: &HashMap<String, String>, prefix: &str) -> Result<Details, Error> {
    let mut details = Details::default();
    for name in Details::NAMES {
        if let Some(v) = meta.get(&format!("{prefix}{name}")) {
            details.set(name, v)?;
        }
    }
    Ok(details)
}
