//! What a member's first request pays to have its token checked, by
//! algorithm: HS256 by the hot path's own check (src/http/member_token.rs),
//! ES256, RS256 and EdDSA by the `jsonwebtoken` checks `--jwks` uses (with
//! the test fixtures' keys). Every later request of the member is a lookup
//! in the verified-token memory instead (src/http/verified.rs).
//!
//! `cargo bench --bench tokens`

use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};
use ticketgrab::http::member_token::MemberTokens;
use ticketgrab::tokens::MemberClaims;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jwks");

fn claims() -> Value {
    let exp = ticketgrab::tokens::now_secs() + 3600;
    json!({"sub": "6217000000000000095", "org": "bj/x", "iss": "12351", "exp": exp})
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("first request's token check");
    let hs = MemberTokens::new(b"a member secret", "12351", None, 30);
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(),
        &EncodingKey::from_secret(b"a member secret"),
    )
    .unwrap();
    let now = ticketgrab::tokens::now_secs();
    g.bench_function("HS256 (own check)", |b| {
        b.iter(|| hs.verify(&token, now).expect("valid"))
    });
    let public: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURES}/public.json")).unwrap())
            .unwrap();
    for (kid, alg) in [
        ("es256-a", Algorithm::ES256),
        ("rs256", Algorithm::RS256),
        ("eddsa", Algorithm::EdDSA),
    ] {
        let pem = std::fs::read(format!("{FIXTURES}/{kid}.pem")).unwrap();
        let signing = match alg {
            Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem),
            Algorithm::EdDSA => EncodingKey::from_ed_pem(&pem),
            _ => EncodingKey::from_ec_pem(&pem),
        }
        .unwrap();
        let token = jsonwebtoken::encode(&Header::new(alg), &claims(), &signing).unwrap();
        let set: JwkSet = serde_json::from_value(json!({"keys": [public[kid].clone()]})).unwrap();
        let key = DecodingKey::from_jwk(&set.keys[0]).unwrap();
        let mut rules = Validation::new(alg);
        rules.set_issuer(&["12351"]);
        rules.validate_aud = false;
        g.bench_function(format!("{alg:?} (jsonwebtoken, public key)"), |b| {
            b.iter(|| jsonwebtoken::decode::<MemberClaims>(&token, &key, &rules).expect("valid"))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
