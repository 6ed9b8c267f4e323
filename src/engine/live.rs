//! What the engine reads per call, or per second, grows with the sales that
//! are live, not with every sale ever held: each sale's definition is read
//! once and known after (it never changes), and the lists, the member's
//! tickets, the gauges and the hold sweeper pick their sales by it before
//! asking the store anything.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;

use super::{Engine, without_lapsed};
use crate::domain::Error;
use crate::domain::{Event, EventId, EventView, Find, MemberKey, Millis, Reservation};

/// How long after its close a sale is still listed (members' and stations'
/// lists, gauges) and its tickets in a member's reservations.
pub const LISTED_AFTER_CLOSE: Duration = Duration::from_secs(30 * 24 * 3600);

/// How long after its last show starts the hold sweeper still visits a sale
/// (the store's scripts expire a due hold themselves whenever they meet it).
const SWEPT_AFTER_SHOW: Duration = Duration::from_secs(24 * 3600);

/// How near its window a sale counts as selling (`selling_events`).
const SELLING_MARGIN: Duration = Duration::from_secs(300);

fn ago(d: Duration) -> i64 {
    Millis::now().0 - d.as_millis() as i64
}

impl Engine {
    /// The event as staff created it (titles, window, pools, what tickets
    /// say; not its status or stock): read from the store the first time,
    /// then known, since it never changes.
    pub async fn definition(&self, id: &EventId) -> Result<Arc<Event>, Error> {
        if let Some(e) = self.known(id) {
            return Ok(e);
        }
        let view = self.store.event(id).await?;
        Ok(self.learn(view.event))
    }

    fn known(&self, id: &EventId) -> Option<Arc<Event>> {
        let known = self.definitions.lock().unwrap_or_else(|p| p.into_inner());
        known.get(id).cloned()
    }

    /// An archived sale leaves what this engine knew of it.
    pub(super) fn forget(&self, id: &EventId) {
        let mut known = self.definitions.lock().unwrap_or_else(|p| p.into_inner());
        known.remove(id);
        drop(known);
        let mut drawn = self.fair_done.lock().unwrap_or_else(|p| p.into_inner());
        drawn.remove(id);
    }

    /// Every sale this engine knows, with no store call.
    pub(super) fn known_definitions(&self) -> Vec<Arc<Event>> {
        let known = self.definitions.lock().unwrap_or_else(|p| p.into_inner());
        known.values().cloned().collect()
    }

    pub(super) fn learn(&self, event: Event) -> Arc<Event> {
        let mut known = self.definitions.lock().unwrap_or_else(|p| p.into_inner());
        known
            .entry(event.id.clone())
            .or_insert_with(|| Arc::new(event))
            .clone()
    }

    /// Every sale's definition (each read from the store once, ever).
    pub async fn definitions(&self) -> Result<Vec<Arc<Event>>, Error> {
        let ids = self.store.event_ids().await?;
        let unknown: Vec<&EventId> = ids.iter().filter(|id| self.known(id).is_none()).collect();
        for view in join_all(unknown.iter().map(|id| self.store.event(id))).await {
            match view {
                Ok(v) => {
                    self.learn(v.event);
                }
                // Indexed but not (yet) created: a crash between the two steps.
                Err(Error::UnknownEvent) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(ids.iter().filter_map(|id| self.known(id)).collect())
    }

    /// Sales not closed for longer than [`LISTED_AFTER_CLOSE`], as they are
    /// now, sorted by opening time then id: a store call each.
    pub async fn live_events(&self) -> Result<Vec<EventView>, Error> {
        let horizon = ago(LISTED_AFTER_CLOSE);
        let defs = self.definitions().await?;
        let live = defs.iter().filter(|e| e.closes_at.0 > horizon);
        self.views(live.map(|e| &e.id)).await
    }

    /// The views of `ids`, sorted by opening time then id; one that is gone
    /// meanwhile is left out.
    pub(super) async fn views(
        &self,
        ids: impl Iterator<Item = &EventId>,
    ) -> Result<Vec<EventView>, Error> {
        let mut out = Vec::new();
        for view in join_all(ids.map(|id| self.store.event(id))).await {
            match view {
                Ok(v) => out.push(without_lapsed(v)),
                Err(Error::UnknownEvent) => {}
                Err(e) => return Err(e),
            }
        }
        out.sort_by(|a, b| (a.event.opens_at, &a.event.id).cmp(&(b.event.opens_at, &b.event.id)));
        Ok(out)
    }

    /// The member's latest reservation in every sale that has opened and
    /// closed less than [`LISTED_AFTER_CLOSE`] ago, newest first: a store
    /// call per such sale (one not open yet holds no ticket).
    pub async fn member_reservations(&self, member: &MemberKey) -> Result<Vec<Reservation>, Error> {
        let (now, horizon) = (Millis::now(), ago(LISTED_AFTER_CLOSE));
        let defs = self.definitions().await?;
        let recent = defs
            .iter()
            .filter(|e| e.opens_at <= now && e.closes_at.0 > horizon);
        let find = Find::Member(member.clone());
        let found = join_all(recent.map(|e| self.store.lookup(&e.id, &find))).await;
        let mut out = Vec::new();
        for r in found {
            match r {
                Ok(Some(r)) => out.push(r),
                Ok(None) | Err(Error::UnknownEvent) => {}
                Err(e) => return Err(e),
            }
        }
        out.sort_by_key(|r| std::cmp::Reverse(r.created_at));
        Ok(out)
    }

    /// Sales that are selling now, or open or close within `SELLING_MARGIN`,
    /// as they are now: what the gauges read every second.
    pub async fn selling_events(&self) -> Result<Vec<EventView>, Error> {
        let (now, margin) = (Millis::now().0, SELLING_MARGIN.as_millis() as i64);
        let defs = self.definitions().await?;
        let selling = defs
            .iter()
            .filter(|e| e.opens_at.0 - margin <= now && now <= e.closes_at.0 + margin);
        self.views(selling.map(|e| &e.id)).await
    }

    /// Sales whose holds the sweeper expires: those that hold tickets for
    /// payment (`hold_ms` > 0: a free sale never holds one), have opened
    /// (none holds anything before) and whose last show started less than
    /// `SWEPT_AFTER_SHOW` ago.
    pub async fn swept_events(&self) -> Result<Vec<EventId>, Error> {
        let (now, horizon) = (Millis::now(), ago(SWEPT_AFTER_SHOW));
        let defs = self.definitions().await?;
        Ok(defs
            .iter()
            .filter(|e| {
                let kept = e.pools.iter().any(|p| !p.kept.is_empty());
                (e.hold_ms > 0 || kept) && e.opens_at <= now && e.last_show().0 > horizon
            })
            .map(|e| e.id.clone())
            .collect())
    }
}
