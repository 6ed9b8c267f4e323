//! What staff take away from a sale: the CSV export and the audit.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use std::collections::HashMap;

use super::dto::ConfirmedBody;
use crate::domain::{Code, Millis};
use crate::domain::{LogEntry, LogOp};
use crate::http::auth::AdminAuth;
use crate::http::error::ApiError;
use crate::http::json::ApiJson;
use crate::http::params::{bad_request as bad, owned_event};
use crate::http::state::AppState;

/// The CSV export's header: the reservation, then money: a hold's deadline,
/// fen paid, and fen to give back with the provider's payment ids to refund.
const CSV_HEADER: &str = "code,pool,seats,status,channel,card,created_at,redeemed_at,cancelled_at,pay_by,paid_fen,refund_due_fen,refund_payments\n";

/// Per ticket, from the log: fen paid, fen due back and the payments to refund.
fn money(log: &[LogEntry]) -> HashMap<&Code, (i64, i64, Vec<&str>)> {
    let mut out: HashMap<&Code, (i64, i64, Vec<&str>)> = HashMap::new();
    for entry in log {
        match &entry.op {
            LogOp::Paid { code, amount, .. } => out.entry(code).or_default().0 += amount,
            LogOp::RefundDue {
                code,
                amount,
                payment,
            } => {
                let m = out.entry(code).or_default();
                m.1 += amount;
                m.2.push(payment);
            }
            _ => {}
        }
    }
    out
}

/// All reservations as CSV, cards masked, with what was paid and what is to
/// be refunded.
#[utoipa::path(get, path = "/api/v1/admin/events/{event}/reservations.csv", tag = "admin", security(("staff" = [])),
    params(("event" = String, Path)), responses((status = 200, content_type = "text/csv", body = String)))]
pub async fn export(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    Path(event): Path<String>,
) -> Result<Response, ApiError> {
    let (id, _) = owned_event(&s, &staff, &event).await?;
    let snapshot = s.engine.snapshot(&id).await?;
    let mut csv = String::from(CSV_HEADER);
    // Times in Beijing time, with their offset: what staff read.
    let time = |t: Option<Millis>| t.map(Millis::beijing).unwrap_or_default();
    let money = money(&snapshot.log);
    let none = (0, 0, Vec::new());
    for r in &snapshot.reservations {
        let (paid, refund, payments) = money.get(&r.code).unwrap_or(&none);
        // Every field is from a fixed alphabet (codes, slugs, masked digits,
        // times, payment ids of letters, digits, - and _): nothing needs quoting.
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            r.code,
            r.pool,
            r.seats,
            r.status.as_str(),
            r.channel.as_str(),
            r.card.as_str(),
            r.created_at.beijing(),
            time(r.redeemed_at),
            time(r.cancelled_at),
            time(r.pay_by),
            paid,
            refund,
            payments.join(";"),
        ));
    }
    let disposition = format!("attachment; filename=\"{id}-reservations.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        csv,
    )
        .into_response())
}

/// Checks stock + active + redeemed == total per pool, one live reservation per
/// member, and the log stream against the state.
#[utoipa::path(get, path = "/api/v1/admin/events/{event}/audit", tag = "admin", security(("staff" = [])),
    params(("event" = String, Path)), responses((status = 200, body = crate::audit::AuditReport)))]
pub async fn audit(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    Path(event): Path<String>,
) -> Result<Json<crate::audit::AuditReport>, ApiError> {
    let (id, _) = owned_event(&s, &staff, &event).await?;
    Ok(Json(s.engine.audit(&id).await?))
}

/// The audit, plus: every ticket in `confirmed` (codes that members were told
/// they hold) must still be in the store. After a failover this is what shows
/// lost tickets.
#[utoipa::path(post, path = "/api/v1/admin/events/{event}/audit", tag = "admin", security(("staff" = [])),
    params(("event" = String, Path)), request_body = ConfirmedBody, responses((status = 200, body = crate::audit::AuditReport)))]
pub async fn audit_confirmed(
    State(s): State<AppState>,
    AdminAuth(staff): AdminAuth,
    Path(event): Path<String>,
    ApiJson(body): ApiJson<ConfirmedBody>,
) -> Result<Json<crate::audit::AuditReport>, ApiError> {
    let (id, _) = owned_event(&s, &staff, &event).await?;
    let codes = body
        .confirmed
        .iter()
        .map(|c| crate::domain::Code::parse(c).map_err(bad))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(s.engine.audit_confirmed(&id, &codes).await?))
}
