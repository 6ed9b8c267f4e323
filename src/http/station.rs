//! Station routes: walk-up grabs by card swipe, and redeeming tickets at the gate.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};

use super::auth::StaffAuth;
use super::dto::{EventList, RedeemBody, ReservationDto, StationIssueBody};
use super::error::ApiError;
use super::json::ApiJson;
use super::member::reservation_created;
use super::params::{
    card_param, choices, code_param, record_grab, scanned_code, seats_param, served_event, walk_up,
};
use super::state::AppState;
use crate::domain::{Channel, Phase};
use crate::domain::{Find, Grab};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/station/events", get(events))
        .route("/station/issue", post(issue))
        .route("/station/redeem", post(redeem))
        .route("/station/tickets/{code}", get(find_ticket))
        .route("/station/pay", post(pay))
        .route("/station/today", get(today))
}

/// How long after its close a sale still shows on the station screen: its
/// tickets are still redeemed at the gate on the day.
const SHOWN_AFTER_CLOSE_MS: i64 = 24 * 3600 * 1000;

/// The sales this station serves (its union's, and those of the unions it
/// lies under), soonest first: open, upcoming, or closed less than a day ago.
#[utoipa::path(get, path = "/api/v1/station/events", tag = "station", security(("staff" = [])),
    responses((status = 200, body = EventList), (status = 401, body = super::dto::Problem)))]
pub async fn events(
    State(s): State<AppState>,
    staff: StaffAuth,
) -> Result<Json<EventList>, ApiError> {
    let views = s.engine.live_events().await?;
    Ok(Json(EventList::of(&views, None, |v| shown(&staff, v))))
}

/// Whether a sale is on this station's screen.
fn shown(staff: &StaffAuth, v: &crate::domain::EventView) -> bool {
    staff.serves(&v.event.org)
        && (v.phase() != Phase::Closed
            || v.server_time.0 - v.event.closes_at.0 < SHOWN_AFTER_CLOSE_MS)
}

/// Which of this station's sales a typed ticket code belongs to: the screen
/// asks when a code is not a ticket of the sale selected, and names the
/// sale and pool it is of before staff confirm redeeming it there. Reads
/// only; 404 `not_found` when none of its sales holds the code.
#[utoipa::path(get, path = "/api/v1/station/tickets/{code}", tag = "station", security(("staff" = [])),
    params(("code" = String, Path, description = "a ticket's code as typed")),
    responses((status = 200, body = ReservationDto), (status = 400, body = super::dto::Problem),
        (status = 401, body = super::dto::Problem), (status = 404, body = super::dto::Problem)))]
pub async fn find_ticket(
    State(s): State<AppState>,
    staff: StaffAuth,
    Path(code): Path<String>,
) -> Result<Json<ReservationDto>, ApiError> {
    let code = code_param(code.trim())?;
    let views = s.engine.live_events().await?;
    let mine: Vec<_> = views.iter().filter(|v| shown(&staff, v)).collect();
    let find = Find::Code(code);
    let found =
        futures_util::future::join_all(mine.iter().map(|v| s.engine.lookup(&v.event.id, &find)))
            .await;
    for (view, answer) in mine.iter().zip(found) {
        if let Some(r) = answer? {
            return Ok(Json(ReservationDto::from(&r).described(&view.event)));
        }
    }
    Err(ApiError::NotFound)
}

/// Walk-up grab by card swipe: same pools and the same one-per-member rule as the
/// app. The event must be one the station serves (its union's, or a sale for a
/// union it lies under): else 403 `outside_org`, 404 `unknown_event`. A card
/// the member register knows must be of the sale's union (else 403
/// `not_eligible`, naming it); for a card it does not know the station
/// vouches. The answer's `TG-Register` header says which (`known`, `unknown`).
#[utoipa::path(post, path = "/api/v1/station/issue", tag = "station", security(("staff" = [])),
    request_body = StationIssueBody,
    responses((status = 201, body = ReservationDto), (status = 200, body = ReservationDto),
        (status = 202, description = "registered for a fair window's draw", body = super::dto::entry::RegisteredDto),
        (status = 400, body = super::dto::Problem), (status = 404, body = super::dto::Problem),
        (status = 409, body = super::dto::Problem)))]
pub async fn issue(
    State(s): State<AppState>,
    staff: StaffAuth,
    ApiJson(body): ApiJson<StationIssueBody>,
) -> Result<Response, ApiError> {
    let choices = choices(body.pool, body.choices)?;
    let seats = seats_param("seats", body.seats)?;
    let arrived = crate::domain::Millis::now();
    let walk_up = walk_up(&s, &staff, &body.event, &body.card).await?;
    let (event, member) = (&walk_up.event, &walk_up.member);
    s.limits.member_check(&member.key)?;
    let input = Grab {
        groups: &walk_up.groups,
        event,
        member,
        org: walk_up.org.as_ref(),
        choices: &choices,
        seats,
        channel: Channel::Station,
    };
    let result = s.engine.take(&input, arrived).await;
    record_grab(&s, event, &result);
    let mut grabbed = match result? {
        crate::domain::Taken::Ticket(g) => g,
        // A walk-up inside a fair window is registered like the app's.
        crate::domain::Taken::Registered(e) => {
            if e.new {
                tally(&s, &staff, event, "entered", 1).await;
            }
            return Ok(walk_up.told(super::member::registered(&s, event, &e).await?));
        }
    };
    // A priced sale's walk-up pays at the counter, now: recorded as paid
    // (the price × seats, by this station), like the app's payments.
    let (paid, taken) = at_counter(&s, &staff, event, grabbed.reservation).await?;
    grabbed.reservation = paid;
    if grabbed.new {
        tally(&s, &staff, event, "issued", 1).await;
    }
    tally(&s, &staff, event, "taken", taken).await;
    Ok(walk_up.told(reservation_created(grabbed)?))
}

/// What this station did today, over the sales on its screen: tickets
/// issued, lottery entries, tickets redeemed, fen taken at its counter (the
/// day is Beijing's; every screen of the station reads the same figures).
#[utoipa::path(get, path = "/api/v1/station/today", tag = "station", security(("staff" = [])),
    responses((status = 200, body = StationToday), (status = 401, body = super::dto::Problem)))]
pub async fn today(
    State(s): State<AppState>,
    staff: StaffAuth,
) -> Result<Json<StationToday>, ApiError> {
    let views = s.engine.live_events().await?;
    let mine: Vec<_> = views
        .iter()
        .filter(|v| shown(&staff, v))
        .map(|v| v.event.id.clone())
        .collect();
    let figures = s.engine.station_day(&mine, &station_key(&staff.id)).await?;
    Ok(Json(StationToday {
        day: crate::engine::beijing_day(),
        figures,
    }))
}

/// A station's day (`/station/today`).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct StationToday {
    /// Beijing's calendar day, `2026-12-07`.
    pub day: String,
    #[serde(flatten)]
    pub figures: crate::domain::StationDay,
}

/// The station's id as its tallies and counter payments name it: letters,
/// digits and `-`, the rest `_`, at most 40.
fn station_key(staff: &str) -> String {
    staff
        .chars()
        .take(40)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Adds to this station's tally of today; a tally that cannot be written
/// is logged, not an error: the action it counts is done and confirmed.
pub(super) async fn tally(
    s: &AppState,
    staff: &StaffAuth,
    event: &crate::domain::EventId,
    what: &str,
    n: i64,
) {
    if n == 0 {
        return;
    }
    if let Err(e) = s
        .engine
        .tally(event, &station_key(&staff.id), what, n)
        .await
    {
        tracing::warn!(event = %event, station = %staff.id, what, error = %e, "a station's tally was not written");
    }
}

/// The payment id of a counter payment: the station's id and the ticket's
/// code (1 to 64 of the provider ids' characters).
fn counter_payment(staff: &str, code: &crate::domain::Code) -> crate::domain::PaymentId {
    let who = station_key(staff);
    crate::domain::PaymentId::parse(&format!("counter-{who}-{code}"))
        .expect("letters, digits, '-' and '_', under 64")
}

/// Pays a held ticket at the counter (price × seats, taken by `staff`):
/// the ticket, and the fen taken (0 for any ticket not held, returned as
/// it is).
async fn at_counter(
    s: &AppState,
    staff: &StaffAuth,
    event: &crate::domain::EventId,
    r: crate::domain::Reservation,
) -> Result<(crate::domain::Reservation, i64), ApiError> {
    if r.status != crate::domain::Status::Held {
        return Ok((r, 0));
    }
    let sale = s.engine.definition(event).await?;
    let amount = sale.price_fen * i64::from(r.seats);
    let paid = s
        .engine
        .pay(event, &r.code, &counter_payment(&staff.id, &r.code), amount)
        .await?;
    match paid.outcome {
        crate::domain::PaymentOutcome::Paid => Ok((paid.reservation, amount)),
        // Its hold ran out and its seats went elsewhere: nothing was sold.
        crate::domain::PaymentOutcome::RefundDue => {
            Err(crate::domain::Error::HoldExpired(Box::new(paid.reservation)).into())
        }
    }
}

/// Take the payment of a held ticket at the counter (a lottery winner, or a
/// member who grabbed in the app and pays here): price × seats, recorded
/// as paid by this station. An unpaid ticket is found by its code or the
/// member's card; a ticket that is not held is answered as it is.
#[utoipa::path(post, path = "/api/v1/station/pay", tag = "station", security(("staff" = [])),
    request_body = RedeemBody,
    responses((status = 200, body = ReservationDto), (status = 400, body = super::dto::Problem),
        (status = 404, body = super::dto::Problem),
        (status = 409, description = "hold_expired, cancelled", body = super::dto::Problem)))]
pub async fn pay(
    State(s): State<AppState>,
    staff: StaffAuth,
    ApiJson(body): ApiJson<RedeemBody>,
) -> Result<Json<ReservationDto>, ApiError> {
    let (event, _) = served_event(&s, &staff, &body.event).await?;
    let find = found_by(&s, &event, body.code, body.card)?;
    let r = s.engine.reservation(&event, &find).await?;
    let (paid, taken) = at_counter(&s, &staff, &event, r).await?;
    tally(&s, &staff, &event, "taken", taken).await;
    let definition = s.engine.definition(&event).await?;
    Ok(Json(ReservationDto::from(&paid).described(&definition)))
}

/// A ticket named by exactly one of its code and the member's card.
fn found_by(
    s: &AppState,
    event: &crate::domain::EventId,
    code: Option<String>,
    card: Option<String>,
) -> Result<Find, ApiError> {
    match (code, card) {
        (Some(code), None) => Ok(Find::Code(scanned_code(&code, event)?)),
        (None, Some(card)) => Ok(Find::Member(s.engine.member(&card_param(&card)?).key)),
        _ => Err(ApiError::BadRequest(
            "give exactly one of code and card".into(),
        )),
    }
}

/// Redeem a ticket by its code (as typed, or the QR code's `TG1:<event>:<code>`
/// as scanned) or by the member's card. Again: 409 already_redeemed with the
/// first `redeemed_at`.
#[utoipa::path(post, path = "/api/v1/station/redeem", tag = "station", security(("staff" = [])),
    request_body = RedeemBody,
    responses((status = 200, body = ReservationDto), (status = 404, body = super::dto::Problem),
        (status = 409, description = "already_redeemed or cancelled", body = super::dto::Problem)))]
pub async fn redeem(
    State(s): State<AppState>,
    staff: StaffAuth,
    ApiJson(body): ApiJson<RedeemBody>,
) -> Result<Json<ReservationDto>, ApiError> {
    let (event, _) = served_event(&s, &staff, &body.event).await?;
    let find = found_by(&s, &event, body.code, body.card)?;
    let redeemed = s.engine.redeem(&event, &find).await?;
    tally(&s, &staff, &event, "redeemed", 1).await;
    // The answer names the sale and pool by title, as the gate reads them.
    let definition = s.engine.definition(&event).await?;
    Ok(Json(ReservationDto::from(&redeemed).described(&definition)))
}
