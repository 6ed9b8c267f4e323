//! The live stream of the dashboard: server-sent events of the staff's events.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;

use super::dto::AdminEventList;
use super::owned_events;
use crate::http::auth::AdminAuth;
use crate::http::state::AppState;

/// Server-sent events: `stats` with every event of the staff member's org, sent
/// each second when anything changed (and as a heartbeat every 15 s).
#[utoipa::path(get, path = "/api/v1/admin/stream", tag = "admin", security(("staff" = [])),
    responses((status = 200, content_type = "text/event-stream", body = AdminEventList)))]
pub async fn stream(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    // The stream ends when the token expires (the dashboard signs in again)
    // and when the service begins to shut down.
    let expires = tokio::time::Instant::now()
        + Duration::from_secs(staff.exp.saturating_sub(crate::tokens::now_secs()));
    let mut stopping = s.stopping.subscribe();
    let stream = async_stream::stream! {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut last = String::new();
        let mut quiet = 0;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                () = tokio::time::sleep_until(expires) => break,
                _ = stopping.wait_for(|stop| *stop) => break,
            }
            let Ok(list) = owned_events(&s, &staff).await else {
                yield Ok(SseEvent::default().event("error").data("store unavailable"));
                continue;
            };
            // Compare without the clock, so an idle sale sends nothing new.
            let fingerprint = serde_json::to_string(&list.events.iter().map(|e| (&e.pools, &e.sale_status, &e.status, &e.grabs_per_second)).collect::<Vec<_>>()).unwrap_or_default();
            quiet += 1;
            if fingerprint != last || quiet >= 15 {
                last = fingerprint;
                quiet = 0;
                let data = serde_json::to_string(&list).unwrap_or_default();
                yield Ok(SseEvent::default().event("stats").data(data));
            }
        }
    };
    Sse::new(stream).keep_alive(KeepAlive::default())
}
