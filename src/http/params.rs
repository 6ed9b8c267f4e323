//! What handlers share: parsing path and body values into domain types, the
//! staff's own events, and counting grab answers.

use super::auth::StaffAuth;
use super::error::ApiError;
use super::state::AppState;
use crate::domain::{CardNumber, Choices, Code, EventId, EventView, PoolId, Seats, Taken};
use crate::metrics::grab_outcome;

/// An event id from a path; an impossible id is an unknown event.
pub fn event_param(s: &str) -> Result<EventId, ApiError> {
    EventId::parse(s).map_err(|_| ApiError::NotFound)
}

/// A program id from a path; an impossible id names no program: not found.
pub fn program_param(s: &str) -> Result<crate::domain::ProgramId, ApiError> {
    crate::domain::ProgramId::parse(s).map_err(|_| ApiError::NotFound)
}

/// A reservation code from a path or body; an impossible code is not found.
pub fn code_param(s: &str) -> Result<Code, ApiError> {
    Code::parse(s).map_err(|_| ApiError::NotFound)
}

pub fn card_param(s: &str) -> Result<CardNumber, ApiError> {
    CardNumber::parse(s).map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// The pools of a grab body: exactly one of `pool` and `choices`.
pub fn choices(pool: Option<String>, choices: Option<Vec<String>>) -> Result<Choices, ApiError> {
    let raw = match (pool, choices) {
        (Some(pool), None) => vec![pool],
        (None, Some(choices)) => choices,
        _ => {
            return Err(ApiError::BadRequest(
                "give exactly one of pool and choices".into(),
            ));
        }
    };
    let pools = raw
        .iter()
        .map(|p| PoolId::parse(p).map_err(|e| ApiError::BadRequest(e.to_string())))
        .collect::<Result<_, _>>()?;
    Choices::new(pools).map_err(bad_request)
}

/// The event, if it lies in the staff member's org; otherwise 404, as if it did not exist.
pub async fn owned_event(
    s: &AppState,
    staff: &StaffAuth,
    event: &str,
) -> Result<(EventId, EventView), ApiError> {
    let id = event_param(event)?;
    let view = s.engine.event(&id).await?;
    if !staff.owns(&view.event.org) {
        return Err(ApiError::NotFound);
    }
    Ok((id, view))
}

/// An event a station may serve (see [`StaffAuth::serves`]), with the
/// station's own words for what is wrong: 404 `unknown_event`, 403
/// `outside_org`.
pub async fn served_event(
    s: &AppState,
    staff: &StaffAuth,
    event: &str,
) -> Result<(EventId, EventView), ApiError> {
    let id = EventId::parse(event).map_err(|_| ApiError::UnknownEvent)?;
    let view = match s.engine.event(&id).await {
        Err(crate::Error::UnknownEvent) => return Err(ApiError::UnknownEvent),
        other => other?,
    };
    if !staff.serves(&view.event.org) {
        return Err(ApiError::OutsideOrg);
    }
    Ok((id, view))
}

/// A ticket code as typed, or as a station's scanner reads the QR code:
/// `TG1:<event>:<code>`, whose event must be `event`.
pub fn scanned_code(s: &str, event: &EventId) -> Result<Code, ApiError> {
    let s = s.trim();
    let code = match s.strip_prefix("TG1:") {
        None => s,
        Some(rest) => {
            let (scanned_event, code) = rest.rsplit_once(':').ok_or(ApiError::NotFound)?;
            if scanned_event != event.as_str() {
                return Err(ApiError::BadRequest(
                    "the scanned ticket is for another event".into(),
                ));
            }
            code
        }
    };
    code_param(code)
}

/// A seat count from a request (`seats`, `max_seats`): absent is 1, else
/// 1 to `MAX_SEATS`.
pub fn seats_param(field: &str, n: Option<i64>) -> Result<Seats, ApiError> {
    Seats::new(field, n.unwrap_or(1)).map_err(bad_request)
}

/// Counts a grab answer. Unknown events share one label, so made-up ids cannot
/// grow the metric without bound.
pub fn record_grab(s: &AppState, event: &EventId, result: &Result<Taken, crate::Error>) {
    let label = if matches!(result, Err(crate::Error::UnknownEvent)) {
        "unknown"
    } else {
        event.as_str()
    };
    s.metrics
        .grabs
        .with_label_values(&[label, grab_outcome(result)])
        .inc();
}

/// A domain error about a value of the request body: 400 with its words.
pub fn bad_request(e: crate::Error) -> ApiError {
    ApiError::BadRequest(e.to_string())
}
