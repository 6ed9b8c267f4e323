//! Tokens signed by an identity service with its private keys, checked with
//! the public keys of a JWK Set file (`--jwks`): ES256, RS256 and EdDSA; a
//! rotated key; an unknown `kid`; a key of the wrong type; and no HS256.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use testkit::app::{TestApp, spawn_app_flags};
use testkit::card;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/jwks")
        .join(name)
}

/// The public JWKs of these fixture keys, as a JWK Set.
fn key_set(kids: &[&str]) -> Value {
    let all: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("public.json")).unwrap()).unwrap();
    json!({"keys": kids.iter().map(|k| all[*k].clone()).collect::<Vec<_>>()})
}

fn write_key_set(path: &Path, kids: &[&str]) {
    // Written whole, then renamed over: a reader never sees half a file.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, key_set(kids).to_string()).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// A token signed with the private key of fixture `key`, naming `kid` and `alg`.
fn signed(key: &str, alg: Algorithm, kid: &str, claims: Value) -> String {
    let pem = std::fs::read(fixture(&format!("{key}.pem"))).unwrap();
    let encoding = match key {
        "rs256" => EncodingKey::from_rsa_pem(&pem),
        "eddsa" => EncodingKey::from_ed_pem(&pem),
        _ => EncodingKey::from_ec_pem(&pem),
    }
    .unwrap();
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, &claims, &encoding).unwrap()
}

fn in_an_hour() -> u64 {
    ticketgrab::tokens::now_secs() + 3600
}

fn member_claims(n: u64) -> Value {
    json!({"sub": card(n).digits(), "org": "bj/x", "iss": "12351", "exp": in_an_hour()})
}

async fn status(app: &TestApp, path: &str, token: &str) -> StatusCode {
    app.get(path, token).await.0
}

#[tokio::test]
async fn tokens_of_each_algorithm_pass_and_hs256_a_wrong_type_or_an_unknown_kid_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("jwks.json");
    write_key_set(&keys, &["es256-a", "rs256", "eddsa"]);
    let app = spawn_app_flags(&["--jwks", keys.to_str().unwrap()]).await;
    let mine = "/api/v1/me/reservations";
    for (key, alg) in [
        ("es256-a", Algorithm::ES256),
        ("rs256", Algorithm::RS256),
        ("eddsa", Algorithm::EdDSA),
    ] {
        let token = signed(key, alg, key, member_claims(1));
        assert_eq!(status(&app, mine, &token).await, StatusCode::OK, "{key}");
    }
    // Staff tokens come from the key set too.
    let staff = signed(
        "es256-a",
        Algorithm::ES256,
        "es256-a",
        json!({"sub": "ops-1", "role": "admin", "org": "bj", "exp": in_an_hour()}),
    );
    assert_eq!(
        status(&app, "/api/v1/admin/events", &staff).await,
        StatusCode::OK
    );
    // The development secrets mint nothing here: no HS256 at all.
    assert_eq!(
        status(&app, mine, &app.member(1, "bj/x")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(&app, "/api/v1/admin/events", &app.admin("bj")).await,
        StatusCode::UNAUTHORIZED
    );
    // A key of the wrong type: the header's alg is not the one pinned to
    // the kid it names.
    let wrong = signed("rs256", Algorithm::RS256, "es256-a", member_claims(2));
    assert_eq!(status(&app, mine, &wrong).await, StatusCode::UNAUTHORIZED);
    let wrong = signed("es256-a", Algorithm::ES256, "rs256", member_claims(2));
    assert_eq!(status(&app, mine, &wrong).await, StatusCode::UNAUTHORIZED);
    // Signed by a key the set does not hold, under a kid it does.
    let forged = signed("es256-b", Algorithm::ES256, "es256-a", member_claims(3));
    assert_eq!(status(&app, mine, &forged).await, StatusCode::UNAUTHORIZED);
    // The rules of every token hold: the issuer, and exp.
    let mut other = member_claims(4);
    other["iss"] = json!("elsewhere");
    let token = signed("eddsa", Algorithm::EdDSA, "eddsa", other);
    assert_eq!(status(&app, mine, &token).await, StatusCode::UNAUTHORIZED);
    let mut old = member_claims(4);
    old["exp"] = json!(ticketgrab::tokens::now_secs() - 120);
    let token = signed("eddsa", Algorithm::EdDSA, "eddsa", old);
    assert_eq!(status(&app, mine, &token).await, StatusCode::UNAUTHORIZED);

    // A rotated key: unknown at first, accepted once the file holds it,
    // without a restart.
    let rotated = signed("es256-b", Algorithm::ES256, "es256-b", member_claims(5));
    assert_eq!(status(&app, mine, &rotated).await, StatusCode::UNAUTHORIZED);
    write_key_set(&keys, &["es256-a", "es256-b", "rs256", "eddsa"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while status(&app, mine, &rotated).await != StatusCode::OK {
        assert!(Instant::now() < deadline, "the rotated key was never read");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // And a key taken out of the set stops working.
    write_key_set(&keys, &["es256-b"]);
    let fresh = signed("rs256", Algorithm::RS256, "rs256", member_claims(6));
    let deadline = Instant::now() + Duration::from_secs(10);
    while status(&app, mine, &fresh).await != StatusCode::UNAUTHORIZED {
        assert!(Instant::now() < deadline, "the removed key is still used");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn a_key_set_with_no_usable_key_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("jwks.json");
    let mut set = key_set(&["es256-a"]);
    set["keys"][0].as_object_mut().unwrap().remove("alg");
    std::fs::write(&keys, set.to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ticketgrab"))
        .args([
            "serve",
            "--memory",
            "--listen",
            "127.0.0.1:0",
            "--jwks",
            keys.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("holds no usable key") && said.contains("no alg"),
        "{said}"
    );
}
