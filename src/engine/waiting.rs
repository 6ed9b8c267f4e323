//! The waiting list (候补) and the no-show release, above the store.

use super::{CODE_ATTEMPTS, Engine};
use crate::domain::Error;
use crate::domain::{Code, EventId, MemberKey, PoolId, Waiting};
use crate::store::{Join, Released};

impl Engine {
    /// Puts a member whose choices are sold out on the event's waiting list
    /// (the code their ticket will have is drawn here, like a grab's).
    pub async fn join_waiting(&self, req: &Join<'_>) -> Result<Waiting, Error> {
        for _ in 0..CODE_ATTEMPTS {
            match self.store.join_waiting(req, &Code::random()).await {
                Err(Error::CodeTaken) => continue,
                other => {
                    self.changed(req.grab.event);
                    return other;
                }
            }
        }
        Err(Error::Unavailable(
            "could not draw an unused reservation code".into(),
        ))
    }

    /// Takes the member off the event's waiting list.
    pub async fn leave_waiting(&self, event: &EventId, member: &MemberKey) -> Result<(), Error> {
        let result = self.store.leave_waiting(event, member).await;
        self.changed(event);
        result
    }

    /// The member's place on the event's waiting list; none once the
    /// entry is past its cutoff (lapsed: it is removed when next met).
    pub async fn waiting(
        &self,
        event: &EventId,
        member: &MemberKey,
    ) -> Result<Option<Waiting>, Error> {
        let now = crate::domain::Millis::now();
        Ok(self
            .store
            .waiting(event, member)
            .await?
            .filter(|w| now < w.entry.cutoff))
    }

    /// Releases the seats of a pool's paid, unused tickets (staff, once the
    /// session has begun): to the waiting list first, then walk-ups and the app.
    pub async fn release_unredeemed(
        &self,
        event: &EventId,
        pool: &PoolId,
    ) -> Result<Released, Error> {
        // Only once the show has begun (the pool's start, else the sale's):
        // before, the tickets it voids are valid ones. A sale with no show
        // time releases once it has opened (the store checks that). A sale
        // that cannot be read is the store's to report, by its script.
        let begins = self.definition(event).await.ok().and_then(|sale| {
            sale.pools
                .iter()
                .find(|p| &p.id == pool)
                .and_then(|p| p.details.starts_at)
                .or(sale.details.starts_at)
        });
        let now = crate::domain::Millis::now();
        if let Some(begins) = begins.filter(|b| now < *b) {
            return Err(Error::NotOpen {
                opens_at: begins,
                server_time: now,
            });
        }
        let result = self.store.release_unredeemed(event, pool).await;
        self.changed(event);
        result
    }
}
