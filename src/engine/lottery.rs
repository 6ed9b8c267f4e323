//! Lottery sales above the store: entries, the public value, the draw (run
//! here or in the background, `lottery::run`) and its export.

use std::sync::Arc;

use super::Engine;
use crate::domain::Error;
use crate::domain::{Entered, EventId, EventView, LotteryEntry, LotteryPhase, MemberKey};
use crate::lottery::close::{Closing, Published};
use crate::lottery::draw::Entry;
use crate::lottery::export::Export;
use crate::lottery::run;
use crate::store::{Begun, Grab};

impl Engine {
    /// Enters the member in the lottery (or returns their entry).
    pub async fn enter(&self, req: &Grab<'_>) -> Result<Entered, Error> {
        self.store.enter(req).await
    }

    pub async fn withdraw(&self, event: &EventId, member: &MemberKey) -> Result<(), Error> {
        self.store.withdraw(event, member).await
    }

    pub async fn entry(
        &self,
        event: &EventId,
        member: &MemberKey,
    ) -> Result<Option<LotteryEntry>, Error> {
        self.store.entry(event, member).await
    }

    pub async fn set_public_value(&self, event: &EventId, value: &str) -> Result<(), Error> {
        self.store.set_public_value(event, value).await
    }

    /// Runs (or resumes) the draw here and now, as this engine.
    pub async fn draw(&self, event: &EventId) -> Result<Begun, Error> {
        let tiers = self.tiers(&*self.definition(event).await?).await?;
        let runner = run::Runner {
            tiers: tiers.as_deref(),
            ..run::Runner::new(&self.owner)
        };
        let result = run::run(self.store.as_ref(), event, &runner).await;
        self.changed(event);
        result
    }

    /// Starts the draw in the background, unless this engine runs it
    /// already; its first step (which refuses a draw not due, or one another
    /// front end holds) is awaited, so the caller hears those refusals.
    pub async fn start_draw(&self, event: &EventId) -> Result<(), Error> {
        {
            let mut running = self.drawing.lock().unwrap_or_else(|p| p.into_inner());
            if !running.insert(event.clone()) {
                return Ok(());
            }
        }
        let done = |engine: &Engine, event: &EventId| {
            let mut running = engine.drawing.lock().unwrap_or_else(|p| p.into_inner());
            running.remove(event);
        };
        // The start alone, to answer its refusals now (it is repeated, as
        // any step may be, by the run).
        let start = run::Runner {
            stop_after: Some(0),
            ..run::Runner::new(&self.owner)
        };
        if let Err(e) = run::run(self.store.as_ref(), event, &start).await {
            done(self, event);
            return Err(e);
        }
        let (engine, event) = (self.clone(), Arc::new(event.clone()));
        tokio::spawn(async move {
            match engine.draw(&event).await {
                Ok(_) => tracing::info!(event = %event, "lottery drawn"),
                Err(e) => {
                    tracing::error!(event = %event, error = %e, "lottery draw failed; run it again to resume")
                }
            }
            done(&engine, &event);
        });
        Ok(())
    }

    /// What was fixed when registration closed (`None` while it is open):
    /// the entries' count and digest, each pool's stock, the seats an entry
    /// may ask for. Computed once per front end and kept: nothing it covers
    /// can change after the close (entries are refused, and so are
    /// restocks until the draw is published).
    pub async fn closing(&self, view: &EventView) -> Result<Option<Published>, Error> {
        let open = matches!(
            view.lottery_phase(),
            None | Some(LotteryPhase::Upcoming | LotteryPhase::Registering)
        );
        if open {
            return Ok(None);
        }
        let id = &view.event.id;
        if let Some(known) = self
            .closings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
        {
            return Ok(Some(known.clone()));
        }
        let tiers = self.tiers(&view.event).await?;
        let entries: Vec<Entry> = run::all_entries(self.store.as_ref(), id)
            .await?
            .iter()
            .map(|e| Entry {
                earlier: tiers
                    .as_ref()
                    .map(|t| t.get(&e.member).copied().unwrap_or(0)),
                ..Entry::from(e)
            })
            .collect();
        // Before the draw starts, the stock is the pools' unsold seats (a
        // lottery sells nothing before its draw); from its start, the
        // draw's own record of them.
        let stock: Vec<_> = if view.draw.draw_id.is_some() {
            view.draw.stock.clone()
        } else {
            view.pools
                .iter()
                .map(|p| (p.id.clone(), p.remaining))
                .collect()
        };
        let published =
            Closing::new(id.as_str(), &entries, view.event.max_seats, &stock).published();
        self.closings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.clone(), published.clone());
        Ok(Some(published))
    }

    /// What the draw published, with every entry's result as stored.
    pub async fn export(&self, event: &EventId) -> Result<Export, Error> {
        let view = self.store.event(event).await?;
        if view.draw.drawn_at.is_none() {
            return Err(if view.event.lottery.is_some() {
                Error::NotDrawn
            } else {
                Error::NotLottery
            });
        }
        let entries = run::all_entries(self.store.as_ref(), event).await?;
        let tiers = self.tiers(&view.event).await?;
        Export::stored(&view.event, &view.draw, &entries, tiers.as_deref())
    }
}
