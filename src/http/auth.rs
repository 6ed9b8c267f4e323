//! Identity: checking member and staff JWTs and the extractors that do it.
//! Without `--jwks`: HS256 under separate secrets (the demo, tests, and a
//! union that runs its own identity service). With it: ES256, RS256 and
//! EdDSA tokens checked with the identity service's public keys (jwks.rs),
//! and no HS256 at all. Minting is `crate::tokens`.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use super::error::ApiError;
use super::jwks::Jwks;
use super::member_token::{MemberTokens, Refused, ValidMember};
use super::verified::VerifiedTokens;
use crate::config::Secrets;
use crate::domain::{CardNumber, Group, MAX_GROUPS, Member, MemberKeyer, OrgPath};
pub use crate::tokens::Role;
use crate::tokens::{MemberClaims, StaffClaims};

/// Seconds of clock skew tolerated on `exp`.
const LEEWAY_SECS: u64 = 30;

/// Keys and rules for both kinds of token.
pub struct Auth {
    /// Member tokens: checked on the hot path by our own HS256 code.
    member_tokens: MemberTokens,
    staff_decoding: DecodingKey,
    staff_validation: Validation,
    /// Longest lifetime a token may claim, by kind (seconds).
    member_max_secs: u64,
    staff_max_secs: u64,
    /// Turns a token's card into the member key.
    keyer: MemberKeyer,
    /// Member tokens verified before.
    verified: VerifiedTokens<MemberAuth>,
    /// The identity services' public keys, when configured: then they alone
    /// sign tokens, with the rules of each kind by algorithm.
    jwks: Option<Arc<Jwks>>,
    member_rules: Vec<Validation>,
    staff_rules: Vec<Validation>,
    /// The key set's generation the verified tokens were checked under.
    verified_under: std::sync::atomic::AtomicU64,
}

/// A signed-in member. The card number itself is not kept.
#[derive(Clone, Debug)]
pub struct MemberAuth {
    pub member: Member,
    pub org: OrgPath,
    /// The token's `groups` (which reserved shares the member may take).
    pub groups: Vec<Group>,
}

/// Signed-in staff, admin or station.
#[derive(Clone, Debug)]
pub struct StaffAuth {
    pub id: String,
    pub role: Role,
    pub org: OrgPath,
    /// When the token expires (seconds since the epoch): a live stream ends then.
    pub exp: u64,
}

/// Signed-in staff with the admin role.
#[derive(Clone, Debug)]
pub struct AdminAuth(pub StaffAuth);

impl StaffAuth {
    /// An event is theirs when its org lies under theirs.
    pub fn owns(&self, event_org: &OrgPath) -> bool {
        event_org.is_within(&self.org)
    }

    /// A station serves the members of its own union: events under its org,
    /// and events for a union it lies under (a street station hands out the
    /// city-wide sale's tickets to its members).
    pub fn serves(&self, event_org: &OrgPath) -> bool {
        self.owns(event_org) || self.org.is_within(event_org)
    }
}

impl Auth {
    /// The rules of both kinds of token, from the configured secrets.
    ///
    /// - HS256 only (`Validation::new` pins it: `none` and every other
    ///   algorithm are refused before the signature is looked at);
    /// - `exp` required, `nbf` honoured, 30 s of clock skew either way;
    /// - `exp` at most `*_token_max_secs` ahead: a token minted to last a year
    ///   is refused, not trusted for a year;
    /// - member tokens need the configured `iss`;
    /// - `aud`: checked (and required) only when `--audience` is set;
    /// - a token naming critical header extensions (`crit`) is refused: we
    ///   understand none.
    ///
    /// With `--jwks` the same rules hold for ES256, RS256 and EdDSA, the
    /// algorithm pinned per key (`kid`), and HS256 is refused. A key set
    /// that cannot be read stops the start.
    pub fn new(secrets: &Secrets, keyer: MemberKeyer) -> Result<Self, String> {
        let rules = |alg: Algorithm, issuer: Option<&str>| {
            let mut v = Validation::new(alg);
            v.leeway = LEEWAY_SECS;
            v.validate_nbf = true;
            let mut required = vec!["exp"];
            match &secrets.audience {
                Some(aud) => {
                    v.set_audience(&[aud]);
                    required.push("aud");
                }
                None => v.validate_aud = false,
            }
            if let Some(iss) = issuer {
                v.set_issuer(&[iss]);
                required.push("iss");
            }
            v.set_required_spec_claims(&required);
            v
        };
        const SIGNED: [Algorithm; 3] = [Algorithm::ES256, Algorithm::RS256, Algorithm::EdDSA];
        let jwks = match &secrets.jwks {
            Some(path) => Some(Arc::new(Jwks::open(path)?)),
            None => None,
        };
        Ok(Self {
            verified_under: std::sync::atomic::AtomicU64::new(0),
            jwks,
            member_rules: SIGNED.map(|a| rules(a, Some(&secrets.issuer))).to_vec(),
            staff_rules: SIGNED.map(|a| rules(a, None)).to_vec(),
            member_tokens: MemberTokens::new(
                secrets.member_secret.as_bytes(),
                &secrets.issuer,
                secrets.audience.as_deref(),
                LEEWAY_SECS,
            ),
            staff_decoding: DecodingKey::from_secret(secrets.staff_secret.as_bytes()),
            staff_validation: rules(Algorithm::HS256, None),
            member_max_secs: secrets.member_token_max_secs,
            staff_max_secs: secrets.staff_token_max_secs,
            keyer,
            verified: VerifiedTokens::default(),
        })
    }

    /// The public keys in use, when tokens are checked with them.
    pub fn jwks(&self) -> Option<&Arc<Jwks>> {
        self.jwks.as_ref()
    }

    /// A token signed with a key of the key set: its `kid` names the key,
    /// whose pinned algorithm the header must name; then the kind's rules.
    fn by_jwks<T: serde::de::DeserializeOwned>(
        &self,
        jwks: &Jwks,
        token: &str,
        rules: &[Validation],
    ) -> Result<jsonwebtoken::TokenData<T>, Refused> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| Refused::of(&e))?;
        if header.crit.is_some() {
            return Err(Refused::Algorithm);
        }
        let kid = header.kid.as_deref().ok_or(Refused::UnknownKey)?;
        let key = jwks.key(kid).ok_or(Refused::UnknownKey)?;
        if header.alg != key.alg {
            return Err(Refused::Algorithm);
        }
        let rules = rules
            .iter()
            .find(|v| v.algorithms == [key.alg])
            .ok_or(Refused::Algorithm)?;
        jsonwebtoken::decode::<T>(token, &key.decoding, rules).map_err(|e| Refused::of(&e))
    }

    fn member(&self, token: &str) -> Result<MemberAuth, ApiError> {
        let now = crate::tokens::now_secs();
        if let Some(jwks) = &self.jwks {
            // New keys: what older ones verified is checked again.
            let generation = jwks.generation();
            let seen = self
                .verified_under
                .swap(generation, std::sync::atomic::Ordering::AcqRel);
            if seen != generation {
                self.verified.clear();
            }
        }
        if let Some(auth) = self.verified.get(token, now) {
            return Ok(auth);
        }
        let claims = match &self.jwks {
            Some(jwks) => self
                .by_jwks::<MemberClaims>(jwks, token, &self.member_rules)
                .map(|d| ValidMember {
                    sub: d.claims.sub,
                    org: d.claims.org,
                    groups: d.claims.groups,
                    exp: d.claims.exp,
                }),
            None => self.member_tokens.check(token, now),
        }
        .map_err(|r| refused(r, false))?;
        if !within_lifetime(claims.exp, self.member_max_secs) {
            return Err(refused(Refused::TooLongLived, false));
        }
        let card = CardNumber::parse(&claims.sub)
            .map_err(|_| ApiError::Unauthenticated("token has no valid card"))?;
        let org = OrgPath::parse(&claims.org)
            .map_err(|_| ApiError::Unauthenticated("token has no valid org"))?;
        if claims.groups.len() > MAX_GROUPS {
            return Err(ApiError::Unauthenticated("token names too many groups"));
        }
        let groups = claims
            .groups
            .iter()
            .map(|g| Group::parse(g))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| ApiError::Unauthenticated("token names a group that is not valid"))?;
        let auth = MemberAuth {
            member: self.keyer.member(&card),
            org,
            groups,
        };
        self.verified.put(token, &auth, claims.exp + LEEWAY_SECS);
        Ok(auth)
    }

    fn staff(&self, token: &str) -> Result<StaffAuth, ApiError> {
        let data = match &self.jwks {
            Some(jwks) => self.by_jwks::<StaffClaims>(jwks, token, &self.staff_rules),
            None => jsonwebtoken::decode::<StaffClaims>(
                token,
                &self.staff_decoding,
                &self.staff_validation,
            )
            .map_err(|e| Refused::of(&e)),
        }
        .map_err(|r| refused(r, true))?;
        if data.header.crit.is_some() {
            return Err(refused(Refused::Algorithm, true));
        }
        if !within_lifetime(data.claims.exp, self.staff_max_secs) {
            return Err(refused(Refused::TooLongLived, true));
        }
        let claims = data.claims;
        let org = OrgPath::parse(&claims.org)
            .map_err(|_| ApiError::Unauthenticated("token has no valid org"))?;
        Ok(StaffAuth {
            id: claims.sub,
            role: claims.role,
            org,
            exp: claims.exp,
        })
    }
}

/// A refused token's answer, its reason logged (at most a line per 10 s,
/// with the count left out: a flood of bad tokens is not a flood of lines).
fn refused(why: Refused, staff: bool) -> ApiError {
    static LOGGED: super::throttle::Throttle =
        super::throttle::Throttle::new(std::time::Duration::from_secs(10));
    let words = why.words(staff);
    if let Some(left_out) = LOGGED.allow() {
        tracing::info!(reason = words, left_out, "token refused");
    }
    ApiError::Unauthenticated(words)
}

/// The longest token taken: far above any real one (a few hundred bytes).
const MAX_TOKEN_BYTES: usize = 4096;

/// True when `exp` is no further ahead than `max_secs` (plus the skew).
fn within_lifetime(exp: u64, max_secs: u64) -> bool {
    exp <= crate::tokens::now_secs() + max_secs + LEEWAY_SECS
}

/// The token of `Authorization: Bearer <token>`; the scheme's name is
/// case-insensitive (RFC 9110), so `bearer` and `BEARER` work too.
fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then_some(token)
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthenticated("missing bearer token"))
        .and_then(|t| {
            if t.len() > MAX_TOKEN_BYTES {
                Err(refused(Refused::TooLong, false))
            } else {
                Ok(t)
            }
        })
}

impl<S: Send + Sync> FromRequestParts<S> for MemberAuth
where
    Arc<Auth>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Arc::<Auth>::from_ref(state).member(bearer(parts)?)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for StaffAuth
where
    Arc<Auth>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Arc::<Auth>::from_ref(state).staff(bearer(parts)?)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AdminAuth
where
    Arc<Auth>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let staff = Arc::<Auth>::from_ref(state).staff(bearer(parts)?)?;
        if staff.role != Role::Admin {
            return Err(ApiError::Forbidden("this needs the admin role"));
        }
        Ok(Self(staff))
    }
}
