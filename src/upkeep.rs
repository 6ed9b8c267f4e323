//! The stores' upkeep in the background: archives past their retention keep
//! counts only (hourly), the embedded store compacts its data directory
//! once its journal passes `--compact-journal-mb` (checked every minute),
//! and a race's fair window is drawn when due (checked every second; every
//! front end checks, one draws: the draw's lease).

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::http::state::AppState;

pub fn spawn(state: &AppState) -> Vec<JoinHandle<()>> {
    let retention = {
        let engine = state.engine.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(3600));
            loop {
                tick.tick().await;
                let Some(a) = engine.archives() else { return };
                let (dir, days) = (a.dir.clone(), a.retention_days);
                let now = crate::domain::Millis::now();
                let pruned =
                    tokio::task::spawn_blocking(move || crate::archive::prune(&dir, days, now))
                        .await;
                match pruned {
                    Ok(Ok(events)) if !events.is_empty() => {
                        tracing::info!(
                            ?events,
                            "archives past their retention now keep counts only"
                        );
                    }
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "archive retention failed"),
                    Err(e) => tracing::warn!(error = %e, "archive retention failed"),
                }
            }
        })
    };
    let compaction = {
        let state = state.clone();
        tokio::spawn(async move {
            let Some(store) = state.embedded.clone() else {
                return;
            };
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                let bytes = store.journal_bytes();
                if bytes < state.compact_bytes {
                    continue;
                }
                let started = std::time::Instant::now();
                match store.compact().await {
                    Ok(generation) => tracing::info!(
                        ?generation,
                        journal_bytes = bytes,
                        after = store.journal_bytes(),
                        ms = started.elapsed().as_millis() as u64,
                        "the data directory was compacted: a snapshot of the live sales and the journal since"
                    ),
                    Err(e) => {
                        tracing::warn!(error = %e, "compaction failed; the journal goes on as it was")
                    }
                }
            }
        })
    };
    let fair_draws = {
        let engine = state.engine.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // Every sale of the store is learnt once (a restart may find a
            // window due); then those created or touched here.
            let mut learnt = false;
            loop {
                tick.tick().await;
                match engine.draw_due_fair_windows(!learnt).await {
                    Ok(_) => learnt = true,
                    Err(e) => tracing::warn!(error = %e, "fair windows could not be checked"),
                }
            }
        })
    };
    vec![retention, compaction, fair_draws]
}
