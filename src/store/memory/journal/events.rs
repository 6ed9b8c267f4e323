//! An event's creation as a journal record: its fields as strings, and back.

use super::wire::{put, put_frame, put_seq};
use crate::domain::{Details, Event, EventId, Lottery, Millis, OrgPath, Pool, PoolId, ProgramId};

pub(super) fn encode_event(buf: &mut Vec<u8>, seq: Option<u64>, event: &Event) {
    put_frame(buf, |b| {
        put_seq(b, seq);
        put(b, "event");
        put(b, event.id.as_str());
        for (k, v) in event_fields(event) {
            put(b, &k);
            put(b, &v);
        }
    });
}

/// The event's definition as the journal's record keeps it (and an
/// archive, archive/): field, value, ... after the id.
pub fn event_fields(event: &Event) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = [
        ("title", event.title.clone()),
        ("org", event.org.as_str().to_owned()),
        ("opens_at", event.opens_at.0.to_string()),
        ("closes_at", event.closes_at.0.to_string()),
        ("price_fen", event.price_fen.to_string()),
        ("max_seats", event.max_seats.to_string()),
        ("hold_ms", event.hold_ms.to_string()),
    ]
    .into_iter()
    .chain(
        event
            .program
            .iter()
            .map(|p| ("program", p.as_str().to_owned())),
    )
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    out.extend(
        event
            .details
            .fields()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v)),
    );
    for (k, v) in event.lottery.iter().flat_map(Lottery::fields) {
        out.push((format!("lottery_{k}"), v));
    }
    for pool in &event.pools {
        out.push(("pool".into(), pool.id.as_str().to_owned()));
        out.push(("pool_title".into(), pool.title.clone()));
        out.push(("pool_total".into(), pool.total.to_string()));
        if !pool.kept.is_empty() {
            out.push(("pool_kept".into(), crate::domain::Kept::to_meta(&pool.kept)));
        }
        for (k, v) in pool.details.fields() {
            out.push((format!("pool_{k}"), v));
        }
    }
    out
}

pub fn decode_event(id: EventId, fields: &[&str]) -> Option<Event> {
    let mut org = None;
    let mut event = Event {
        id,
        title: String::new(),
        org: OrgPath::parse("bj").ok()?,
        opens_at: Millis(0),
        closes_at: Millis(0),
        price_fen: 0,
        max_seats: 1,
        hold_ms: 0,
        details: Details::default(),
        pools: Vec::new(),
        lottery: None,
        program: None,
    };
    let mut lottery = Vec::new();
    for pair in fields.chunks_exact(2) {
        let (k, v) = (pair[0], pair[1]);
        if let Some(name) = k.strip_prefix("lottery_") {
            lottery.push((name, v));
            continue;
        }
        match k {
            "title" => event.title = v.to_owned(),
            "org" => org = Some(OrgPath::parse(v).ok()?),
            "opens_at" => event.opens_at = Millis(v.parse().ok()?),
            "closes_at" => event.closes_at = Millis(v.parse().ok()?),
            "price_fen" => event.price_fen = v.parse().ok()?,
            "max_seats" => event.max_seats = v.parse().ok()?,
            "hold_ms" => event.hold_ms = v.parse().ok()?,
            "program" => event.program = Some(ProgramId::parse(v).ok()?),
            "pool" => event.pools.push(Pool {
                kept: Vec::new(),
                id: PoolId::parse(v).ok()?,
                title: String::new(),
                total: 0,
                details: Details::default(),
            }),
            "pool_title" => event.pools.last_mut()?.title = v.to_owned(),
            "pool_total" => event.pools.last_mut()?.total = v.parse().ok()?,
            "pool_kept" => event.pools.last_mut()?.kept = crate::domain::Kept::from_meta(v).ok()?,
            _ => {
                let (details, name) = match k.strip_prefix("pool_") {
                    Some(name) => (&mut event.pools.last_mut()?.details, name),
                    None => (&mut event.details, k),
                };
                // Ok(false): a field a later version added, not ours to know.
                details.set(name, v).ok()?;
            }
        }
    }
    event.org = org?;
    event.lottery =
        Lottery::from_fields(|k| lottery.iter().find(|(n, _)| *n == k).map(|(_, v)| *v)).ok()?;
    event.validate().ok()?;
    Some(event)
}
