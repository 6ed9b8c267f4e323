//! Races with a fair window (`Lottery::fair`): a grab that reaches a front
//! end inside the window is a registration in the window's draw, whoever
//! is fastest; at the window's end (plus its grace) the draw runs by
//! itself, with the lottery's machinery (`lottery::run`, one front end at a
//! time by its lease); then the race goes on with what is left.

use std::sync::Arc;

use super::Engine;
use crate::domain::Error;
use crate::domain::{Code, Event, EventId, Grab, Grabbed, Millis, Taken};

impl Engine {
    /// A grab that reached this front end at `arrived` (its clock): on a
    /// race with a fair window before its draw is published, a
    /// registration (inside the window) or `DrawPending`; else `grab`.
    pub async fn take(&self, input: &Grab<'_>, arrived: Millis) -> Result<Taken, Error> {
        let event = self.definition(input.event).await?;
        if event.fair_window().is_none() {
            return self.grab(input).await.map(Taken::Ticket);
        }
        // Once the draw is published the read model answers what it can.
        if let Some(answer) = self.edge.as_ref().and_then(|e| e.answer(input)) {
            return answer.map(Taken::Ticket);
        }
        let mut result = Err(Error::CodeTaken);
        for _ in 0..super::CODE_ATTEMPTS {
            result = self.store.take(input, &Code::random(), arrived).await;
            if !matches!(result, Err(Error::CodeTaken)) {
                break;
            }
        }
        // `DrawPending` starts nothing here: a flood of retries must not
        // become a flood of store reads; the upkeep starts the draw within
        // a second of its time (this sale is known to it now).
        let made = matches!(result, Ok(Taken::Ticket(Grabbed { new: true, .. })));
        self.after_grab(input.event, result.as_ref().map(|_| ()), made);
        result
    }

    /// Starts the draw of a fair window that is due and not published
    /// (here, unless another front end holds it); what it answers is
    /// logged, not returned: the upkeep tries again a second later.
    async fn draw_if_due(&self, event: &Event) {
        let Some((rules, _)) = event.fair_window() else {
            return;
        };
        if Millis::now() < rules.draw_at || self.fair_drawn(&event.id) {
            return;
        }
        match self.store.event(&event.id).await {
            Ok(view) if view.draw.drawn_at.is_some() => {
                self.fair_done
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(event.id.clone());
                return;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(event = %event.id, error = %e, "a fair window's draw could not be read");
                return;
            }
        }
        match self.start_draw(&event.id).await {
            Ok(()) | Err(Error::DrawRunning | Error::DrawNotDue(_)) => {}
            Err(e) => {
                tracing::error!(event = %event.id, error = %e, "a fair window's draw did not start")
            }
        }
    }

    fn fair_drawn(&self, id: &EventId) -> bool {
        let done = self.fair_done.lock().unwrap_or_else(|p| p.into_inner());
        done.contains(id)
    }

    /// Every known race whose fair window's draw is due and unpublished is
    /// drawn (the upkeep's second by second step). The first call learns
    /// every sale of the store; a sale created since is known here once it
    /// is created, read or grabbed through this front end.
    pub async fn draw_due_fair_windows(&self, learn_all: bool) -> Result<usize, Error> {
        let events: Vec<Arc<Event>> = if learn_all {
            self.definitions().await?
        } else {
            self.known_definitions()
        };
        let now = Millis::now();
        let due: Vec<&Arc<Event>> = events
            .iter()
            .filter(|e| e.fair_window().is_some_and(|(l, _)| now >= l.draw_at))
            .filter(|e| !self.fair_drawn(&e.id))
            .collect();
        for event in &due {
            self.draw_if_due(event).await;
        }
        Ok(due.len())
    }
}
