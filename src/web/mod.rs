//! The staff dashboard and the member page: static assets compiled into the
//! binary, so they work with no internet.

use axum::Router;

use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
