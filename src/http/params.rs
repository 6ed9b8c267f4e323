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

/// A walk-up at a station: the sale (one the station serves), the card's
/// member, and what the register says of the card.
pub struct WalkUp {
    pub event: EventId,
    pub member: crate::domain::Member,
    /// The card's union by the register, checked by the store's script
    /// like a token's; `None`: not in the register, the station vouches.
    pub org: Option<crate::domain::OrgPath>,
    /// The card's groups by the register (which reserved shares the
    /// walk-up may take); none when the register does not know the card.
    pub groups: Vec<crate::domain::Group>,
    /// Whether there is a register at all (a federation that has imported
    /// none hears nothing of it).
    pub register: bool,
}

impl WalkUp {
    /// The station's answer with `TG-Register: known | unknown`, so its
    /// screen can say "未在会员名册中" and staff check the card; without
    /// the header when there is no register.
    pub fn told(&self, mut answer: axum::response::Response) -> axum::response::Response {
        let said = match (&self.org, self.register) {
            (Some(_), _) => "known",
            (None, true) => "unknown",
            (None, false) => return answer,
        };
        answer
            .headers_mut()
            .insert(REGISTER_HEADER, axum::http::HeaderValue::from_static(said));
        answer
    }
}

/// The header a station's issue and entry answers carry (`WalkUp::told`).
pub const REGISTER_HEADER: &str = "tg-register";

/// A walk-up's card at a sale this station serves (`served_event`), looked
/// up in the member register: a card it puts outside the sale's union is
/// refused, 403 `not_eligible` naming the sale's union.
pub async fn walk_up(
    s: &AppState,
    staff: &StaffAuth,
    event: &str,
    card: &str,
) -> Result<WalkUp, ApiError> {
    let card = card_param(card)?;
    let member = s.engine.member(&card);
    let (event, view) = served_event(s, staff, event).await?;
    let (org, groups) = match s.engine.registered(&card).await? {
        Some(entry) => (Some(entry.org), entry.groups),
        None => (None, Vec::new()),
    };
    if let Some(org) = &org
        && !org.is_within(&view.event.org)
    {
        return Err(ApiError::NotEligibleFor(view.event.org.clone()));
    }
    // A card it does not know: is there a register? (An O(1) count.)
    let register = org.is_some() || s.engine.register_len().await? > 0;
    Ok(WalkUp {
        event,
        member,
        org,
        groups,
        register,
    })
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
