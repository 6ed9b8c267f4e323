//! The OpenAPI 3 document, generated from the handlers' annotations, and the
//! route that serves it.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{admin, dto, lottery, member, ops, payments, programs, station, waiting};

#[derive(OpenApi)]
#[openapi(
    info(title = "ticketgrab", description = "Union-card ticket grabs: the member, station and admin API."),
    paths(
        member::list_events, member::get_event, member::grab, member::my_reservations,
        member::my_reservation, member::qr, member::cancel, programs::my_program,
        waiting::join, waiting::my_waiting, waiting::leave,
        lottery::enter, lottery::my_entry, lottery::withdraw, lottery::lottery, lottery::lottery_export,
        lottery::station_enter, lottery::public_value, lottery::draw,
        station::events, station::issue, station::redeem, station::find_ticket, station::pay, station::today,
        payments::notify, payments::demo_pay,
        admin::create, admin::list, admin::detail, admin::restock, admin::release_unredeemed,
        admin::parts::move_seats,
        admin::pause, admin::resume,
        admin::close, admin::reports::export, admin::reports::audit,
        admin::reports::audit_confirmed, admin::stream::stream, admin::orgs::orgs,
        admin::archives::archive, admin::archives::list_archives, admin::archives::download,
        admin::archives::summary, admin::programs::create_program, admin::programs::list_programs,
        admin::programs::program_detail, admin::programs::program_members_csv,
        admin::register::import_register, admin::register::register_summary,
        admin::register::register_lookup,
        ops::healthz, ops::readyz, ops::metrics,
    ),
    components(schemas(dto::Problem)),
    modifiers(&BearerSchemes)
)]
struct ApiDoc;

struct BearerSchemes;

impl Modify for BearerSchemes {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        for (name, what) in [
            ("member", "member JWT (HS256, member secret)"),
            ("staff", "staff JWT (HS256, staff secret)"),
        ] {
            let scheme = HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(what))
                .build();
            components.add_security_scheme(name, SecurityScheme::Http(scheme));
        }
    }
}

/// The document as JSON: generated from the annotations, then tightened with
/// what the server checks (`contract.rs`). Built once.
pub fn document() -> &'static str {
    static DOCUMENT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serializes");
        super::contract::tighten(&mut doc);
        serde_json::to_string_pretty(&doc).expect("the document serializes")
    });
    &DOCUMENT
}

/// `GET /api/v1/openapi.json`; needs no state.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/api/v1/openapi.json", get(serve))
}

/// This contract as OpenAPI 3.
async fn serve() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], document())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/API.md is the contract people read; it must not miss a route the
    /// service serves.
    #[test]
    fn every_route_of_the_openapi_document_is_in_docs_api_md() {
        let contract = include_str!("../../docs/API.md");
        let api = ApiDoc::openapi();
        let mut missing = Vec::new();
        for (path, item) in &api.paths.paths {
            let methods = [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("DELETE", item.delete.is_some()),
                ("PUT", item.put.is_some()),
                ("PATCH", item.patch.is_some()),
            ];
            for (method, _) in methods.iter().filter(|(_, present)| *present) {
                let route = format!("`{method} {path}`");
                if !contract.contains(&route) {
                    missing.push(route);
                }
            }
        }
        assert!(api.paths.paths.len() > 15, "the document lists the routes");
        assert!(missing.is_empty(), "docs/API.md misses {missing:?}");
    }

    /// Operation ids are the handlers' names: two alike would make clients
    /// (and Schemathesis's links) take one operation for the other.
    #[test]
    fn every_operation_has_its_own_id() {
        let doc: serde_json::Value = serde_json::from_str(document()).unwrap();
        let mut seen = std::collections::HashMap::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if let Some(id) = op["operationId"].as_str() {
                    let here = format!("{method} {path}");
                    if let Some(before) = seen.insert(id.to_owned(), here.clone()) {
                        panic!("operationId {id} of {before} and {here}");
                    }
                }
            }
        }
    }

    #[test]
    fn every_body_the_contract_tightens_is_a_schema_of_the_document() {
        let doc: serde_json::Value = serde_json::from_str(document()).unwrap();
        for name in [
            "GrabBody",
            "StationIssueBody",
            "WaitBody",
            "RedeemBody",
            "CreateEventBody",
        ] {
            let schema = &doc["components"]["schemas"][name];
            assert_eq!(schema["type"], "object", "{name}: {schema}");
            assert!(schema["properties"].is_object(), "{name}");
        }
        let wait = &doc["components"]["schemas"]["WaitBody"];
        assert!(wait["oneOf"].is_array(), "pool or choices: {wait}");
        assert_eq!(wait["properties"]["cutoff"]["format"], "date-time");
    }
}
