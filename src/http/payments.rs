//! Payments: the provider's signed notification, and the demo's pay button.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::MemberAuth;
use super::dto::ReservationDto;
use super::error::ApiError;
use super::member::own_reservation;
use super::params::{bad_request, code_param, event_param};
use super::state::AppState;
use crate::domain::PaymentId;
use crate::payments::{Notice, SIGNATURE_HEADER};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/payments/notify", post(notify))
        .route("/me/reservations/{event}/{code}/pay", post(demo_pay))
}

/// What a notification did: `paid` (the ticket is active) or `refund_due`
/// (the hold expired and its seats were gone, or the ticket was cancelled or
/// paid already: give the money back).
#[derive(Serialize, ToSchema)]
pub struct PaymentResult {
    pub result: String,
    pub reservation: ReservationDto,
}

/// The payment provider's notification, signed: `X-Payment-Signature:
/// sha256=<hex HMAC-SHA256 of the body under TG_PAYMENT_SECRET>`. The same
/// notification again (same `payment_id`) gets the same answer.
#[utoipa::path(post, path = "/api/v1/payments/notify", tag = "payments",
    params(("X-Payment-Signature" = String, Header, description = "sha256=<hex HMAC-SHA256 of the body>")),
    request_body = Notice,
    responses((status = 200, body = PaymentResult),
        (status = 400, body = super::dto::Problem), (status = 401, body = super::dto::Problem),
        (status = 404, body = super::dto::Problem),
        (status = 409, description = "payment_mismatch (with amount_due_fen) or payment_conflict", body = super::dto::Problem)))]
pub async fn notify(
    State(s): State<AppState>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<PaymentResult>, ApiError> {
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !s.payments.verify(&body, signature) {
        // Unsigned traffic is limited per address (and logged, throttled).
        let peer = peer.map(|axum::Extension(c)| c.0);
        return Err(super::limits::unsigned_refusal(&s.limits, peer, &headers));
    }
    settle(&s, &verified(&body)?).await
}

/// The notification in a body whose signature was checked.
fn verified(body: &[u8]) -> Result<Notice, ApiError> {
    serde_json::from_slice(body).map_err(|_| {
        ApiError::BadRequest(
            "the body must be {payment_id, event, code, amount_fen} and nothing else".into(),
        )
    })
}

async fn settle(s: &AppState, notice: &Notice) -> Result<Json<PaymentResult>, ApiError> {
    let event = event_param(&notice.event)?;
    let code = code_param(&notice.code)?;
    let payment = PaymentId::parse(&notice.payment_id).map_err(bad_request)?;
    let paid = s
        .engine
        .pay(&event, &code, &payment, notice.amount_fen)
        .await?;
    Ok(Json(PaymentResult {
        result: paid.outcome.as_str().to_owned(),
        reservation: ReservationDto::from(&paid.reservation),
    }))
}

/// Demo mode only (`--demo`; else 404): pays the member's hold as the
/// provider would, through the same signed notification.
#[utoipa::path(post, path = "/api/v1/me/reservations/{event}/{code}/pay", tag = "member", security(("member" = [])),
    params(("event" = String, Path), ("code" = String, Path)),
    responses((status = 200, body = PaymentResult), (status = 404, body = super::dto::Problem),
        (status = 409, body = super::dto::Problem)))]
pub async fn demo_pay(
    State(s): State<AppState>,
    auth: MemberAuth,
    Path((event, code)): Path<(String, String)>,
) -> Result<Json<PaymentResult>, ApiError> {
    if !s.demo {
        return Err(ApiError::NotFound);
    }
    let r = own_reservation(&s, &auth, &event, &code).await?;
    let view = s.engine.event(&r.event).await?;
    let notice = Notice {
        payment_id: format!("demo-{}", r.code),
        event: r.event.to_string(),
        code: r.code.to_string(),
        amount_fen: view.event.price_fen * i64::from(r.seats),
    };
    // Settled as the provider's notification is, once its signature held.
    settle(&s, &notice).await
}
