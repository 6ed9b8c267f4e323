//! A member's standing in a program (普惠): how many of its cap they hold,
//! shown on every sale of the program ("本年度已获 1/2 张").

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use serde::Serialize;

use super::auth::MemberAuth;
use super::error::ApiError;
use super::params::program_param;
use super::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/me/programs/{program}", get(my_program))
}

/// The member's places in a program.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MyProgramDto {
    pub id: String,
    pub title: String,
    /// The most tickets a member may hold across its sales.
    pub cap: u32,
    /// What the member holds of it: tickets held, active, used or released
    /// as a no-show in its sales, and lottery entries until their draw.
    pub held: u32,
    /// `rank` or `fewer_wins_first` (its draws put members with fewer
    /// tickets in the program first).
    pub draw_order: String,
}

/// The member's places under a program's cap.
#[utoipa::path(get, path = "/api/v1/me/programs/{program}", tag = "member", security(("member" = [])),
    params(("program" = String, Path)),
    responses((status = 200, body = MyProgramDto), (status = 400, body = super::dto::Problem),
        (status = 404, body = super::dto::Problem)))]
pub async fn my_program(
    State(s): State<AppState>,
    auth: MemberAuth,
    Path(program): Path<String>,
) -> Result<Json<MyProgramDto>, ApiError> {
    let id = program_param(&program)?;
    let program = s.engine.program(&id).await?;
    let held = s.engine.places(&id, &auth.member.key).await?;
    Ok(Json(MyProgramDto {
        id: program.id.to_string(),
        title: program.title.clone(),
        cap: program.cap,
        held,
        draw_order: program.draw_order.as_str().to_owned(),
    }))
}
