//! A grab in the embedded store, in the order of checks of `lua/grab.lua`:
//! a ticket, or inside a race's fair window a registration (lottery.rs).

use super::EventData;
use crate::domain::Error;
use crate::domain::{Code, LeftReason, Millis, Status};
use crate::store::{Find, Grab, Grabbed, LogOp, Made, Taken};

impl EventData {
    /// A grab with no arrival stamp: never a registration.
    pub(super) fn grab(
        &mut self,
        req: &Grab<'_>,
        code: &Code,
        now: Millis,
    ) -> Result<Grabbed, Error> {
        match self.take(req, code, now, None)? {
            Taken::Ticket(g) => Ok(g),
            Taken::Registered(_) => Err(Error::Corrupt("a grab registered".into())),
        }
    }

    /// Mirrors lua/grab.lua (`arrived`: its arrived_ms).
    pub(super) fn take(
        &mut self,
        req: &Grab<'_>,
        code: &Code,
        now: Millis,
        arrived: Option<Millis>,
    ) -> Result<Taken, Error> {
        if self.event.is_lottery_sale() {
            return Err(Error::LotterySale);
        }
        self.check_request(req)?;
        self.release_due(now);
        let fair = self.fair_pending();
        if fair
            && arrived.is_some()
            && let Some(entry) = self.entries.get(&req.member.key)
        {
            return Ok(Taken::Registered(crate::domain::Entered {
                entry: entry.clone(),
                new: false,
            }));
        }
        // A hold past its pay_by is expired with this grab's writes (the
        // sweeper may not have come by yet): the member may grab anew.
        let mut stale = None;
        if let Some(held) = self.find(&Find::Member(req.member.key.clone())) {
            if held.status == Status::Held && held.pay_by.is_some_and(|by| now >= by) {
                stale = Some(held.code.clone());
            } else if held.status.is_live() {
                return Ok(Taken::Ticket(Grabbed {
                    reservation: held.clone(),
                    new: false,
                }));
            }
        }
        self.check_window(now)?;
        if fair {
            return self.register(req, now, arrived).map(Taken::Registered);
        }
        // The program's cap (a stale hold of the member's is given back first).
        self.check_cap(&req.member.key, u32::from(stale.is_some()))?;
        let mut taken = self.choose_for(req, now).ok_or(Error::SoldOut)?;
        if self.reservations.contains_key(code) {
            return Err(Error::CodeTaken);
        }
        // writes
        if let Some(stale) = stale {
            // Its seats go to the waiting list first: choose again.
            self.expire(&stale, now);
            taken = self.choose_for(req, now).ok_or(Error::SoldOut)?;
        }
        // A member who gets a ticket leaves the waiting list.
        if self.waiting_by_member.contains_key(&req.member.key) {
            self.drop_waiting(&req.member.key, Some(LeftReason::GotTicket), now);
        }
        let (pool, part) = taken;
        let reservation = self.new_ticket(
            code,
            (&pool, part),
            req.seats.get(),
            req.channel,
            req.member,
            now,
        );
        self.log(now, LogOp::Reserved(Made::from(&reservation)));
        Ok(Taken::Ticket(Grabbed {
            reservation,
            new: true,
        }))
    }
}
