//! The tiers of a `fewer_wins_first` program's lottery (draw v3): each
//! entrant's tickets in the program's sales at the close of registration,
//! counted from the sales' logs (`Engine::tickets_at`), so every front end
//! counts the same and the draw is a function of what the closing publishes.

use std::collections::HashMap;
use std::sync::Arc;

use super::Engine;
use crate::domain::{DrawOrder, Error, Event, EventId, MemberKey};
use crate::lottery::run;

/// Each entrant's tickets in the program at the close.
pub type Tiers = Arc<HashMap<MemberKey, u32>>;

/// Lotteries whose tiers a front end keeps (a lottery of 200,000 entrants'
/// are ~16 MB): the ones being drawn and exported now; an older one's are
/// counted again if asked for.
const KEPT: usize = 4;

impl Engine {
    /// The tiers of `event`: `None` unless it is a lottery of a
    /// `fewer_wins_first` program. `DrawNotDue("registration_open")` before
    /// its close by the store's clock (the entries are not fixed yet).
    /// Counted once per front end and kept (for the last [`KEPT`]
    /// lotteries): nothing they count changes after the close.
    pub async fn tiers(&self, event: &Event) -> Result<Option<Tiers>, Error> {
        let (Some(program), Some(_)) = (&event.program, &event.lottery) else {
            return Ok(None);
        };
        if self.program(program).await?.draw_order != DrawOrder::FewerWinsFirst {
            return Ok(None);
        }
        if let Some(known) = self.known_tiers().get(&event.id) {
            return Ok(Some(known.clone()));
        }
        // A race's fair window closes its registration at the window's end.
        let closes = event.registration_closes();
        let view = self.store.event(&event.id).await?;
        if view.server_time < closes {
            return Err(Error::DrawNotDue("registration_open"));
        }
        let counts = self.tickets_at(program, closes).await?;
        let tiers: HashMap<MemberKey, u32> = run::all_entries(self.store.as_ref(), &event.id)
            .await?
            .into_iter()
            .map(|e| {
                let n = counts.get(&e.member).copied().unwrap_or(0);
                (e.member, n)
            })
            .collect();
        let tiers = Arc::new(tiers);
        let mut known = self.known_tiers();
        while known.len() >= KEPT {
            let Some(old) = known.keys().next().cloned() else {
                break;
            };
            known.remove(&old);
        }
        known.insert(event.id.clone(), tiers.clone());
        Ok(Some(tiers))
    }

    fn known_tiers(&self) -> std::sync::MutexGuard<'_, HashMap<EventId, Tiers>> {
        self.tiers.lock().unwrap_or_else(|p| p.into_inner())
    }
}
