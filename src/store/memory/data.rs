//! The state of one event in the embedded store.

use std::collections::{BTreeMap, BTreeSet};

use super::Map;
use super::log::Log;
use crate::domain::{
    Code, DrawState, Event, LotteryEntry, MemberKey, Millis, PoolId, PoolStats, Reservation,
    SaleStatus, WaitEntry,
};
use crate::store::{LogEntry, LogOp, PaymentOutcome};

#[derive(Clone, Debug, PartialEq)]
pub(super) struct EventData {
    pub(super) event: Event,
    pub(super) status: SaleStatus,
    /// Live numbers, in the event's pool order.
    pub(super) pools: Vec<PoolStats>,
    /// Ordered, as `members`, for the pages of a paged read (paged.rs).
    pub(super) reservations: BTreeMap<Code, Reservation>,
    /// Each member's latest reservation code.
    /// Ordered, so the read models' pages of holders (`reads.rs`) go on
    /// from a member key however the map changed meanwhile.
    pub(super) members: BTreeMap<MemberKey, Code>,
    /// Held reservations by `pay_by`, as the Redis store's sorted set.
    pub(super) holds: BTreeSet<(Millis, Code)>,
    /// Payment notifications by the provider's id: the ticket, the amount,
    /// and what it did.
    pub(super) payments: Map<String, (Code, i64, PaymentOutcome)>,
    /// The payment that paid each paid ticket (lua/lib.lua's `c:<code>`
    /// field of `pays`): a cancel makes it due back.
    pub(super) paid_by: Map<Code, String>,
    /// Each station's tallies, by `station|day|what` (tallies.rs).
    pub(super) tallies: Map<String, i64>,
    /// The waiting list by order, each member's order, the last order given.
    pub(super) waiting: BTreeMap<u64, WaitEntry>,
    pub(super) waiting_by_member: Map<MemberKey, u64>,
    /// Entries that rank each pool, kept as entries come and go (waiting.rs),
    /// so a view never scans the list under the store's lock.
    pub(super) waiting_per_pool: Map<PoolId, i64>,
    pub(super) wseq: u64,
    pub(super) log: Log,
    /// A lottery's entries by member, and where its draw stands.
    pub(super) entries: BTreeMap<MemberKey, LotteryEntry>,
    pub(super) draw: DrawState,
    pub(super) lease: Lease,
    /// The program whose cap the sale's tickets count under (programs.rs).
    pub(super) tally: Option<super::programs::Tally>,
}

/// Who holds an event's draw, and until when: (runner, until). Journalled
/// as each start or resumption set it (`DrawBegun`); the renewals of each
/// batch are not, so it is not compared (equal whatever it holds).
#[derive(Clone, Debug, Default)]
pub(super) struct Lease(pub(super) Option<(String, Millis)>);

impl PartialEq for Lease {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl EventData {
    /// A new event's state: all stock unsold, the sale open, nothing logged.
    pub(super) fn new(event: &Event) -> Self {
        EventData {
            event: event.clone(),
            status: SaleStatus::Open,
            pools: event
                .pools
                .iter()
                .map(|p| PoolStats {
                    id: p.id.clone(),
                    title: p.title.clone(),
                    total: p.total,
                    remaining: p.total,
                    held: 0,
                    active: 0,
                    redeemed: 0,
                    cancelled: 0,
                    expired: 0,
                    no_show: 0,
                    waiting: 0,
                    entries: 0,
                    kept: crate::domain::PartLeft::at_creation(&p.kept),
                })
                .collect(),
            reservations: BTreeMap::new(),
            members: BTreeMap::new(),
            waiting_per_pool: Map::default(),
            holds: BTreeSet::new(),
            payments: Map::default(),
            paid_by: Map::default(),
            tallies: Map::default(),
            waiting: BTreeMap::new(),
            waiting_by_member: Map::default(),
            wseq: 0,
            log: Log::default(),
            entries: BTreeMap::new(),
            draw: DrawState::default(),
            lease: Lease::default(),
            tally: None,
        }
    }

    pub(super) fn pool_mut(&mut self, id: &PoolId) -> Option<&mut PoolStats> {
        self.pools.iter_mut().find(|p| &p.id == id)
    }

    /// Logs a change; its places under a program's cap count at once, so a
    /// later check of the same change sees them, as a script's would.
    pub(super) fn log(&mut self, at: Millis, op: LogOp) {
        self.count_place(&op);
        self.log.push(LogEntry { at, op });
    }
}
