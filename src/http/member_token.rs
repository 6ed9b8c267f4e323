//! The member token check, written for the hot path: every grab of a flood
//! carries one. The same rules as the `jsonwebtoken` validation the staff
//! tokens use — HS256 only, the signature checked in constant time before any
//! JSON is read, `exp` and `iss` required, `nbf` honoured, `crit` refused,
//! `aud` required and matched only when an audience is configured, 30 s of
//! skew — without its generic header and claim maps: the secret's HMAC state
//! is computed once, and header and claims are each parsed once.
//! tests/http/auth.rs and tests/http/hardening.rs hold it to every rule.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

pub struct MemberTokens {
    /// The secret's keyed HMAC, cloned per check.
    key: Hmac<Sha256>,
    issuer: String,
    audience: Option<String>,
    leeway: u64,
}

/// What a valid member token says.
pub struct ValidMember {
    pub sub: String,
    pub org: String,
    pub groups: Vec<String>,
    pub exp: u64,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    crit: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    org: String,
    #[serde(default)]
    groups: Vec<String>,
    iss: String,
    exp: u64,
    nbf: Option<u64>,
    aud: Option<Audience>,
}

impl MemberTokens {
    pub fn new(secret: &[u8], issuer: &str, audience: Option<&str>, leeway: u64) -> Self {
        Self {
            key: Hmac::new_from_slice(secret).expect("HMAC takes a key of any length"),
            issuer: issuer.to_owned(),
            audience: audience.map(str::to_owned),
            leeway,
        }
    }

    /// The token's claims if it is valid at `now` (Unix seconds).
    pub fn verify(&self, token: &str, now: u64) -> Option<ValidMember> {
        self.check(token, now).ok()
    }

    /// The token's claims, or why it is refused.
    pub fn check(&self, token: &str, now: u64) -> Result<ValidMember, Refused> {
        use Refused::*;
        let (signed, signature) = token.rsplit_once('.').ok_or(Malformed)?;
        let (header, claims) = signed.split_once('.').ok_or(Malformed)?;
        let mut signature_bytes = [0u8; 32];
        let n = URL_SAFE_NO_PAD
            .decode_slice(signature, &mut signature_bytes)
            .map_err(|_| Signature)?;
        let mut mac = self.key.clone();
        mac.update(signed.as_bytes());
        mac.verify_slice(&signature_bytes[..n])
            .map_err(|_| Signature)?;
        let json = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| Malformed);
        let header: Header = serde_json::from_slice(&json(header)?).map_err(|_| Malformed)?;
        if header.alg != "HS256" || header.crit.is_some() {
            return Err(Algorithm);
        }
        let claims: Claims = serde_json::from_slice(&json(claims)?).map_err(|_| Malformed)?;
        let audience_ok = match (&self.audience, &claims.aud) {
            (None, _) => true,
            (Some(want), Some(Audience::One(aud))) => aud == want,
            (Some(want), Some(Audience::Many(auds))) => auds.contains(want),
            (Some(_), None) => false,
        };
        if claims.iss != self.issuer || !audience_ok {
            return Err(Issuer);
        }
        if claims.exp.saturating_add(self.leeway) < now {
            return Err(Expired);
        }
        if claims
            .nbf
            .is_some_and(|nbf| nbf > now.saturating_add(self.leeway))
        {
            return Err(NotYet);
        }
        Ok(ValidMember {
            sub: claims.sub,
            org: claims.org,
            groups: claims.groups,
            exp: claims.exp,
        })
    }
}

/// Why a token is refused: said in the 401's detail and in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    Malformed,
    TooLong,
    Signature,
    Algorithm,
    UnknownKey,
    Issuer,
    Expired,
    NotYet,
    TooLongLived,
    MissingClaim,
}

impl Refused {
    pub fn words(self, staff: bool) -> &'static str {
        use Refused::*;
        match (self, staff) {
            (Malformed, false) => "the member token is not a JWT",
            (Malformed, true) => "the staff token is not a JWT",
            (TooLong, _) => "the token is too long",
            (Signature, false) => "the member token's signature does not verify",
            (Signature, true) => "the staff token's signature does not verify",
            (Algorithm, _) => "the token's algorithm is not accepted",
            (UnknownKey, _) => "the token names a key (kid) this service does not hold",
            (Issuer, _) => "the token's issuer or audience is not this service's",
            (Expired, false) => "the member token has expired: sign in again",
            (Expired, true) => "the staff token has expired: get a new one",
            (NotYet, _) => "the token is not valid yet (nbf)",
            (TooLongLived, _) => "the token claims a lifetime longer than allowed",
            (MissingClaim, _) => "the token lacks a claim this service requires (exp, iss, aud)",
        }
    }

    /// From the checks of the `jsonwebtoken` crate.
    pub fn of(e: &jsonwebtoken::errors::Error) -> Self {
        use jsonwebtoken::errors::ErrorKind as K;
        match e.kind() {
            K::ExpiredSignature => Self::Expired,
            K::ImmatureSignature => Self::NotYet,
            K::InvalidSignature => Self::Signature,
            K::InvalidAlgorithm | K::InvalidAlgorithmName => Self::Algorithm,
            K::InvalidIssuer | K::InvalidAudience => Self::Issuer,
            K::MissingRequiredClaim(_) => Self::MissingClaim,
            _ => Self::Malformed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn sign(secret: &[u8], header: &str, claims: &str) -> String {
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(signed.as_bytes());
        let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signed}.{tag}")
    }

    fn claims(extra: &str) -> String {
        format!(
            r#"{{"sub":"6217000000000000012","org":"bj/x","iss":"12351","exp":{}{extra}}}"#,
            NOW + 60
        )
    }

    const HS256: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

    #[test]
    fn only_a_well_signed_hs256_token_with_the_claims_in_force_passes() {
        let tokens = MemberTokens::new(b"secret", "12351", None, 30);
        let ok = |t: &str, now: u64| tokens.verify(t, now).is_some();
        let good = sign(b"secret", HS256, &claims(""));
        assert!(ok(&good, NOW));
        assert!(ok(&good, NOW + 90), "30 s of skew after exp");
        assert!(!ok(&good, NOW + 91), "expired");
        assert!(
            !ok(&sign(b"other", HS256, &claims("")), NOW),
            "wrong secret"
        );
        let (body, _) = good.rsplit_once('.').unwrap();
        assert!(!ok(&format!("{body}."), NOW), "no signature");
        assert!(!ok(&format!("{good}="), NOW), "padding");
        let other_alg = r#"{"alg":"HS384","typ":"JWT"}"#;
        assert!(
            !ok(&sign(b"secret", other_alg, &claims("")), NOW),
            "alg pinned"
        );
        let crit = r#"{"alg":"HS256","crit":["exp"]}"#;
        assert!(!ok(&sign(b"secret", crit, &claims("")), NOW), "crit");
        let nbf = claims(&format!(r#","nbf":{}"#, NOW + 31));
        assert!(!ok(&sign(b"secret", HS256, &nbf), NOW), "not before");
        assert!(ok(&sign(b"secret", HS256, &nbf), NOW + 1));
        let other_iss = claims("").replace("12351", "elsewhere");
        assert!(!ok(&sign(b"secret", HS256, &other_iss), NOW), "issuer");
        let no_exp = r#"{"sub":"6217000000000000012","org":"bj/x","iss":"12351"}"#;
        assert!(!ok(&sign(b"secret", HS256, no_exp), NOW), "exp required");
    }

    #[test]
    fn an_audience_once_configured_is_required() {
        let tokens = MemberTokens::new(b"secret", "12351", Some("app"), 30);
        let ok = |extra: &str| {
            let t = sign(b"secret", HS256, &claims(extra));
            tokens.verify(&t, NOW).is_some()
        };
        assert!(!ok(""), "missing aud");
        assert!(ok(r#","aud":"app""#));
        assert!(ok(r#","aud":["x","app"]"#));
        assert!(!ok(r#","aud":"x""#));
    }
}
