//! Station routes: walk-up grabs by card swipe, and redeeming tickets at the gate.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;

use super::auth::StaffAuth;
use super::dto::{RedeemBody, ReservationDto, StationIssueBody};
use super::error::ApiError;
use super::json::ApiJson;
use super::member::reservation_created;
use super::params::{card_param, choices, code_param, owned_event, record_grab, seats_param};
use super::state::AppState;
use crate::domain::Channel;
use crate::store::Find;
use crate::store::Grab;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/station/issue", post(issue))
        .route("/station/redeem", post(redeem))
}

/// Walk-up grab by card swipe: same pools and the same one-per-member rule as the
/// app. The station vouches for the member, so the member's org is not checked;
/// the event must be in the staff member's org.
#[utoipa::path(post, path = "/api/v1/station/issue", tag = "station", security(("staff" = [])),
    request_body = StationIssueBody,
    responses((status = 201, body = ReservationDto), (status = 200, body = ReservationDto),
        (status = 400, body = super::dto::Problem), (status = 404, body = super::dto::Problem),
        (status = 409, body = super::dto::Problem)))]
pub async fn issue(
    State(s): State<AppState>,
    staff: StaffAuth,
    ApiJson(body): ApiJson<StationIssueBody>,
) -> Result<Response, ApiError> {
    let choices = choices(body.pool, body.choices)?;
    let seats = seats_param("seats", body.seats)?;
    let member = s.engine.member(&card_param(&body.card)?);
    let (event, _) = owned_event(&s, &staff, &body.event).await?;
    s.limits.member_check(member.key.as_str())?;
    let input = Grab {
        event: &event,
        member: &member,
        org: None,
        choices: &choices,
        seats,
        channel: Channel::Station,
    };
    let result = s.engine.grab(&input).await;
    record_grab(&s, &event, &result);
    reservation_created(result?)
}

/// Redeem a ticket by its code or by the member's card. Again: 409
/// already_redeemed with the first `redeemed_at`.
#[utoipa::path(post, path = "/api/v1/station/redeem", tag = "station", security(("staff" = [])),
    request_body = RedeemBody,
    responses((status = 200, body = ReservationDto), (status = 404, body = super::dto::Problem),
        (status = 409, description = "already_redeemed or cancelled", body = super::dto::Problem)))]
pub async fn redeem(
    State(s): State<AppState>,
    staff: StaffAuth,
    ApiJson(body): ApiJson<RedeemBody>,
) -> Result<Json<ReservationDto>, ApiError> {
    let find = match (body.code, body.card) {
        (Some(code), None) => Find::Code(code_param(&code)?),
        (None, Some(card)) => Find::Member(s.engine.member(&card_param(&card)?).key),
        _ => {
            return Err(ApiError::BadRequest(
                "give exactly one of code and card".into(),
            ));
        }
    };
    let (event, _) = owned_event(&s, &staff, &body.event).await?;
    Ok(Json(ReservationDto::from(
        &s.engine.redeem(&event, &find).await?,
    )))
}
