//! The staff dashboard, the station screen and the member page: static assets compiled into the
//! binary, so they work with no internet (no CDN, no web fonts).

use std::sync::LazyLock;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get};

use crate::domain::Outcome;

/// (path, content type, body)
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "/dashboard",
        "text/html; charset=utf-8",
        include_str!("assets/dashboard.html"),
    ),
    (
        "/app",
        "text/html; charset=utf-8",
        include_str!("assets/app.html"),
    ),
    (
        "/station",
        "text/html; charset=utf-8",
        include_str!("assets/station.html"),
    ),
    (
        "/assets/station.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/station.js"),
    ),
    (
        "/assets/style.css",
        "text/css; charset=utf-8",
        include_str!("assets/style.css"),
    ),
    (
        "/assets/common.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/common.js"),
    ),
    (
        "/assets/dashboard-lottery.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/dashboard-lottery.js"),
    ),
    (
        "/assets/dashboard-archives.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/dashboard-archives.js"),
    ),
    (
        "/assets/dashboard-programs.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/dashboard-programs.js"),
    ),
    (
        "/assets/dashboard-register.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/dashboard-register.js"),
    ),
    (
        "/assets/dashboard-parts.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/dashboard-parts.js"),
    ),
    (
        "/assets/dashboard.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/dashboard.js"),
    ),
    (
        "/assets/lottery.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/lottery.js"),
    ),
    (
        "/assets/fair.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/fair.js"),
    ),
    (
        "/assets/app.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/app.js"),
    ),
];

/// What a page may load and who may frame it: only this origin's scripts,
/// styles and API; QR codes and exports as blob: URLs; no framing (no
/// clickjacking of the grab button or the staff's pause button).
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// The outcome table (src/domain/outcome.rs) as the pages read it: their
/// words for every problem `code` come from the server, not from a copy.
static OUTCOMES_JS: LazyLock<String> = LazyLock::new(Outcome::script);

/// The pages and their assets; they need no state.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let outcomes = serve("text/javascript; charset=utf-8", OUTCOMES_JS.as_str());
    ASSETS.iter().fold(
        Router::new().route("/assets/outcomes.js", outcomes),
        |router, (path, content_type, body)| router.route(path, serve(content_type, body)),
    )
}

/// A GET of one asset, with the headers every page and asset carries.
fn serve<S: Clone + Send + Sync + 'static>(
    content_type: &'static str,
    body: &'static str,
) -> MethodRouter<S> {
    get(move || async move {
        (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "no-cache"),
                (header::CONTENT_SECURITY_POLICY, CSP),
                (header::X_FRAME_OPTIONS, "DENY"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                (header::REFERRER_POLICY, "no-referrer"),
            ],
            body,
        )
            .into_response()
    })
}
