//! The yardstick of issue 11: the least a grab's front end can do, written the
//! plain axum way, so `benches/http/run.sh` can put our server's CPU per
//! answer next to it in the same run (on this noisy machine only ratios
//! measured together mean anything).
//!
//! `POST /api/v1/events/{event}/reservations` checks the member's JWT with
//! `jsonwebtoken` (HS256, issuer and expiry), reads the `{"pool": ...}` body,
//! keys the card with HMAC-SHA256 under the card secret, and then either
//! answers 409 `sold_out` as problem JSON (no store: the cheapest possible
//! sold-out answer), or, with `--redis-url`, runs the grab script once with
//! `EVALSHA` over one multiplexed redis-rs connection and answers 201 with
//! the ticket (the cheapest possible grab: no rules of its own, no read
//! model, no metrics, no limits). `GET /healthz` answers 200 `ok`.
//!
//!   cargo build --release --example bare_edge
//!   TG_MEMBER_SECRET=.. TG_CARD_SECRET=.. target/release/examples/bare_edge \
//!     127.0.0.1:8081 [redis://127.0.0.1:6379 <grab-sha> key1 .. key10]
//!
//! It is not the service: it enforces nothing a real sale needs.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rand::Rng;
use serde::Deserialize;
use sha2::Sha256;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Deserialize)]
struct Claims {
    sub: String,
    org: String,
}

#[derive(Deserialize)]
struct Body {
    pool: String,
}

struct Grab {
    conn: redis::aio::MultiplexedConnection,
    sha: String,
    keys: Vec<String>,
}

struct Bare {
    key: DecodingKey,
    validation: Validation,
    card_mac: Hmac<Sha256>,
    grab: Option<Grab>,
}

fn problem(status: StatusCode, code: &str) -> Response {
    let body = format!(
        r#"{{"type":"about:blank","title":"{code}","status":{},"code":"{code}"}}"#,
        status.as_u16()
    );
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body,
    )
        .into_response()
}

async fn grab(
    State(bare): State<Arc<Bare>>,
    Path(event): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return problem(StatusCode::UNAUTHORIZED, "unauthorized");
    };
    let Ok(claims) = jsonwebtoken::decode::<Claims>(token, &bare.key, &bare.validation) else {
        return problem(StatusCode::UNAUTHORIZED, "unauthorized");
    };
    let Ok(body) = serde_json::from_slice::<Body>(&body) else {
        return problem(StatusCode::BAD_REQUEST, "invalid_body");
    };
    let card = claims.claims.sub;
    // A card is digits (the masking below slices it by bytes).
    if card.len() < 8 || !card.bytes().all(|b| b.is_ascii_digit()) {
        return problem(StatusCode::BAD_REQUEST, "invalid_card");
    }
    let mut mac = bare.card_mac.clone();
    mac.update(card.as_bytes());
    let member = hex::encode(&mac.finalize().into_bytes()[..16]);
    let Some(g) = &bare.grab else {
        return problem(StatusCode::CONFLICT, "sold_out");
    };
    let masked = format!("{} **** **** {}", &card[..4], &card[card.len() - 4..]);
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
    let code: String = {
        let mut rng = rand::rng();
        (0..12)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect()
    };
    let mut cmd = redis::cmd("EVALSHA");
    cmd.arg(&g.sha).arg(g.keys.len()).arg(&g.keys);
    cmd.arg(&member).arg(&masked).arg("app").arg(&code);
    cmd.arg(&claims.claims.org).arg(1).arg(&body.pool);
    let reply: redis::RedisResult<Vec<String>> = cmd.query_async(&mut g.conn.clone()).await;
    match reply {
        Ok(r) if r.first().map(String::as_str) == Some("reserved") => {
            let ticket = serde_json::json!({
                "code": r[1],
                "event": event,
                "pool": body.pool,
                "status": "active",
                "card": masked,
                "record": r[2],
            });
            (
                StatusCode::CREATED,
                [(header::CONTENT_TYPE, "application/json")],
                ticket.to_string(),
            )
                .into_response()
        }
        Ok(r) => problem(
            StatusCode::CONFLICT,
            r.first().map_or("refused", String::as_str),
        ),
        Err(_) => problem(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable"),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let listen = args.first().map_or("127.0.0.1:8081", String::as_str);
    let member_secret = std::env::var("TG_MEMBER_SECRET")?;
    let card_secret = std::env::var("TG_CARD_SECRET")?;
    let grab_store = match args.get(1) {
        Some(url) => {
            let client = redis::Client::open(url.as_str())?;
            let sha = args
                .get(2)
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("the grab script's sha"))?;
            let keys = args[3..].to_vec();
            anyhow::ensure!(keys.len() == 10, "the event's ten keys");
            Some(Grab {
                conn: client.get_multiplexed_async_connection().await?,
                sha,
                keys,
            })
        }
        None => None,
    };
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&["12351"]);
    validation.leeway = 30;
    let bare = Arc::new(Bare {
        key: DecodingKey::from_secret(member_secret.as_bytes()),
        validation,
        card_mac: Hmac::new_from_slice(card_secret.as_bytes())?,
        grab: grab_store,
    });
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/v1/events/{event}/reservations", post(grab))
        .with_state(bare);
    let listener = tokio::net::TcpListener::bind(listen).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
