//! What a member is owed: a paid ticket given back has its payment due back
//! (logged `refund_due` by the cancel); the member's list says "refund in
//! progress" for it.

use super::Engine;
use crate::domain::{Error, Reservation, Status};

impl Engine {
    /// Whether `r` was paid and then given back by its member: its payment
    /// is due back (the provider refunds it; the export lists it).
    pub async fn refund_due(&self, r: &Reservation) -> Result<bool, Error> {
        if r.status != Status::Cancelled {
            return Ok(false);
        }
        if self.definition(&r.event).await?.price_fen == 0 {
            return Ok(false);
        }
        Ok(self.store.paid_with(&r.event, &r.code).await?.is_some())
    }
}
