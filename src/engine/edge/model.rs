//! One event as a front end knows it from the store's log: enough to give the
//! store's answer to a grab without asking, or to know that it must ask.

use std::collections::HashMap;

use crate::domain::Error;
use crate::domain::{
    Code, EventId, EventView, MemberKey, Millis, OrgPath, Phase, PoolId, Reservation, SaleStatus,
    Status, sale_phase,
};
use crate::store::{Grab, Grabbed, LogPos};

#[path = "model_apply.rs"]
mod apply;

/// A sale window boundary closer than this to the front end's clock is left
/// to the store's clock: the two clocks may differ by a few ms (NTP), and at
/// the boundary the store's answer is the one that counts.
pub const CLOCK_MARGIN_MS: i64 = 500;

/// Room made up front for an event's holders: one per ticket it has left,
/// up to this many, so the first holders of a sale's flood move no others;
/// past them the map grows by doubling (each growth moves every holder; all
/// of them together fewer moves than twice the holders). Kept small: every
/// followed sale pays for it, ~80 KB (BENCHMARKS.md §21), where room for
/// 32,768 cost 2.7 MB per sale.
const HOLDERS_UP_FRONT: usize = 1 << 10;

/// Member keys are HMACs under the server's secret, which no client can
/// choose, so the faster foldhash is safe here (as in the memory store).
type Holders = HashMap<MemberKey, Held, foldhash::fast::RandomState>;

/// Whether following an event pays now (`Model::rest`).
#[derive(Debug, PartialEq, Eq)]
pub enum Rest {
    Follow,
    /// Not open for a while: look again at this moment.
    Until(Millis),
    Closed,
}

/// A consistent prefix of the event's log: the event as the store held it
/// right after the entry at `pos`.
pub struct Model {
    event: EventId,
    org: OrgPath,
    opens_at: Millis,
    closes_at: Millis,
    status: SaleStatus,
    max_seats: u8,
    /// A lottery sale: every grab is refused (`LotterySale`).
    lottery: bool,
    /// A fair window's draw unpublished: only the store answers.
    fair_pending: bool,
    /// Unsold seats of each pool, in the event's pool order.
    stock: Vec<(PoolId, i64)>,
    /// The kept parts of the pools that have them (parts.rs).
    parts: Vec<(PoolId, super::parts::PoolParts)>,
    /// Each member's latest reservation.
    held: Holders,
    pub pos: LogPos,
}

struct Held {
    code: Code,
    status: Status,
    /// A hold's deadline: past it (by the front end's clock, with a margin)
    /// only the store can say whether it expired.
    pay_by: Option<Millis>,
    /// The whole reservation; `None` when the log entry that made it did not
    /// carry the card (entries older than the read model), and then a retry
    /// of this member is asked of the store. Boxed: the map's entries stay
    /// small, so making room for them up front and moving them as the map
    /// grows stay cheap.
    reservation: Option<Box<Reservation>>,
}

impl Model {
    /// The event at its head's moment: its figures, no holder yet (`hold`
    /// adds them), room made for as many holders as it has seats left.
    pub fn start(view: EventView, end: LogPos) -> Self {
        let left: i64 = view.pools.iter().map(|p| p.remaining.max(0)).sum();
        let left = usize::try_from(left).unwrap_or(usize::MAX);
        let mut held = Holders::default();
        if !view.event.is_lottery_sale() {
            held.reserve(left.min(HOLDERS_UP_FRONT));
        }
        let fair_pending = view.event.fair_window().is_some() && view.draw.drawn_at.is_none();
        let parts = view
            .pools
            .iter()
            .zip(&view.event.pools)
            .filter_map(|(stats, pool)| {
                super::parts::PoolParts::of(stats, pool).map(|p| (pool.id.clone(), p))
            })
            .collect();
        Self {
            parts,
            lottery: view.event.is_lottery_sale(),
            event: view.event.id,
            org: view.event.org,
            opens_at: view.event.opens_at,
            closes_at: view.event.closes_at,
            max_seats: view.event.max_seats,
            fair_pending,
            status: view.status,
            stock: view
                .pools
                .into_iter()
                .map(|p| (p.id, p.remaining))
                .collect(),
            held,
            pos: end,
        }
    }

    /// A holder as a page of holders showed them (at the head or later: the
    /// log entries after the head, applied next, bring every holder whose
    /// ticket changed since to where the log ends).
    pub fn hold(&mut self, r: Reservation) {
        let held = Held {
            code: r.code.clone(),
            status: r.status,
            pay_by: r.pay_by,
            reservation: None,
        };
        let member = r.member.clone();
        let reservation = Some(Box::new(r));
        self.held.insert(
            member,
            Held {
                reservation,
                ..held
            },
        );
    }

    /// Whether the model needs the event's holders: a lottery refuses every
    /// grab whoever asks.
    pub fn needs_holders(&self) -> bool {
        !self.lottery
    }

    /// When following stops paying: the sale closed (by status, or its
    /// window ended more than `after_close` ago), or, for a sale that opens
    /// later than `lead` from `now`, the moment to look again.
    pub fn rest(&self, now: Millis, lead: i64, after_close: i64) -> Rest {
        if self.status == SaleStatus::Closed || now.0 > self.closes_at.0 + after_close {
            Rest::Closed
        } else if self.opens_at.0 - now.0 > lead {
            Rest::Until(Millis(self.opens_at.0 - lead))
        } else {
            Rest::Follow
        }
    }

    /// The store's answer to `grab` at the model's moment, in the order of
    /// checks of `lua/grab.lua`; `None` when only the store can tell: a ticket
    /// may be taken, the member's ticket is not known in full, or the front
    /// end's clock `now` is too near a boundary of the sale window.
    pub fn answer(&self, grab: &Grab<'_>, now: Millis) -> Option<Result<Grabbed, Error>> {
        if self.lottery {
            return Some(Err(Error::LotterySale));
        }
        if self.fair_pending {
            return None; // a registration, or `DrawPending`
        }
        if let Some(p) = grab
            .choices
            .iter()
            .find(|c| !self.stock.iter().any(|(p, _)| p == *c))
        {
            return Some(Err(Error::UnknownPool(p.to_string())));
        }
        if grab.seats.get() > self.max_seats {
            return Some(Err(Error::TooManySeats {
                max: self.max_seats,
            }));
        }
        if grab.org.is_some_and(|org| !org.is_within(&self.org)) {
            return Some(Err(Error::NotEligible));
        }
        if let Some(held) = self.held.get(&grab.member.key)
            && held.status.is_live()
        {
            // A hold near or past its pay_by: the store decides whether it expired.
            if held.status == Status::Held
                && held.pay_by.is_none_or(|by| now.0 >= by.0 - CLOCK_MARGIN_MS)
            {
                return None;
            }
            let reservation = held.reservation.as_deref().cloned()?;
            return Some(Ok(Grabbed {
                reservation,
                new: false,
            }));
        }
        let near = |boundary: Millis| (now.0 - boundary.0).abs() < CLOCK_MARGIN_MS;
        if self.status != SaleStatus::Closed && (near(self.opens_at) || near(self.closes_at)) {
            return None;
        }
        match sale_phase(self.status, self.opens_at, self.closes_at, now) {
            Phase::Closed => Some(Err(Error::Closed)),
            Phase::Paused => Some(Err(Error::Paused)),
            Phase::Upcoming => Some(Err(Error::NotOpen {
                opens_at: self.opens_at,
                server_time: now,
            })),
            Phase::Open | Phase::SoldOut => {
                let seats = i64::from(grab.seats.get());
                // A pool with kept parts: what this member may take.
                let stock_left =
                    grab.choices
                        .iter()
                        .any(|c| match self.parts.iter().find(|(p, _)| p == c) {
                            Some((_, parts)) => {
                                parts.may_take(grab.org, grab.groups, seats, now, CLOCK_MARGIN_MS)
                            }
                            None => self.stock.iter().any(|(p, n)| p == c && *n >= seats),
                        });
                if stock_left {
                    None
                } else {
                    Some(Err(Error::SoldOut))
                }
            }
        }
    }
}
