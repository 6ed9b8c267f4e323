//! Identity: checking member and staff JWTs (HS256 only, `exp` required,
//! separate secrets) and the extractors that do it. Minting is `crate::tokens`.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use super::error::ApiError;
use crate::domain::{CardNumber, Member, MemberKeyer, OrgPath};
pub use crate::tokens::Role;
use crate::tokens::{MemberClaims, StaffClaims};

/// Seconds of clock skew tolerated on `exp`.
const LEEWAY_SECS: u64 = 30;

/// Keys and rules for both kinds of token.
pub struct Auth {
    member_decoding: DecodingKey,
    staff_decoding: DecodingKey,
    member_validation: Validation,
    staff_validation: Validation,
    /// Turns a token's card into the member key.
    keyer: MemberKeyer,
}

/// A signed-in member. The card number itself is not kept.
#[derive(Clone, Debug)]
pub struct MemberAuth {
    pub member: Member,
    pub org: OrgPath,
}

/// Signed-in staff, admin or station.
#[derive(Clone, Debug)]
pub struct StaffAuth {
    pub id: String,
    pub role: Role,
    pub org: OrgPath,
}

/// Signed-in staff with the admin role.
#[derive(Clone, Debug)]
pub struct AdminAuth(pub StaffAuth);

impl StaffAuth {
    /// An event is theirs when its org lies under theirs.
    pub fn owns(&self, event_org: &OrgPath) -> bool {
        event_org.is_within(&self.org)
    }
}

impl Auth {
    pub fn new(member_secret: &str, staff_secret: &str, issuer: &str, keyer: MemberKeyer) -> Self {
        let validation = |issuer: Option<&str>| {
            // Validation::new pins the algorithm: `none` and every other
            // algorithm are refused before the signature is looked at.
            let mut v = Validation::new(Algorithm::HS256);
            v.leeway = LEEWAY_SECS;
            v.set_required_spec_claims(&["exp"]);
            if let Some(iss) = issuer {
                v.set_issuer(&[iss]);
                v.set_required_spec_claims(&["exp", "iss"]);
            }
            v
        };
        Self {
            member_decoding: DecodingKey::from_secret(member_secret.as_bytes()),
            staff_decoding: DecodingKey::from_secret(staff_secret.as_bytes()),
            member_validation: validation(Some(issuer)),
            staff_validation: validation(None),
            keyer,
        }
    }

    fn member(&self, token: &str) -> Result<MemberAuth, ApiError> {
        let claims = jsonwebtoken::decode::<MemberClaims>(
            token,
            &self.member_decoding,
            &self.member_validation,
        )
        .map_err(|_| ApiError::Unauthenticated("invalid or expired member token"))?
        .claims;
        let card = CardNumber::parse(&claims.sub)
            .map_err(|_| ApiError::Unauthenticated("token has no valid card"))?;
        let org = OrgPath::parse(&claims.org)
            .map_err(|_| ApiError::Unauthenticated("token has no valid org"))?;
        Ok(MemberAuth {
            member: self.keyer.member(&card),
            org,
        })
    }

    fn staff(&self, token: &str) -> Result<StaffAuth, ApiError> {
        let claims = jsonwebtoken::decode::<StaffClaims>(
            token,
            &self.staff_decoding,
            &self.staff_validation,
        )
        .map_err(|_| ApiError::Unauthenticated("invalid or expired staff token"))?
        .claims;
        let org = OrgPath::parse(&claims.org)
            .map_err(|_| ApiError::Unauthenticated("token has no valid org"))?;
        Ok(StaffAuth {
            id: claims.sub,
            role: claims.role,
            org,
        })
    }
}

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthenticated("missing bearer token"))
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
