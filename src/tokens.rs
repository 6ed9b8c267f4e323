//! Tokens: the claims of member and staff JWTs, and minting them for
//! development, tests, the demo and the load harness. Checking them is the
//! HTTP layer's job (`http::auth`).

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};

use crate::domain::{CardNumber, Millis, OrgPath};

/// Claims of a member token, as the 12351 app's identity service issues them.
#[derive(Debug, Serialize, Deserialize)]
pub struct MemberClaims {
    /// The union card number (digits).
    pub sub: String,
    /// The member's union, e.g. `bj/dongcheng/longtan`.
    pub org: String,
    /// The member's groups (`hardship`, `model_worker`): which reserved
    /// shares they may take from. Absent: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    pub iss: String,
    pub exp: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Station,
}

/// Claims of a staff token.
#[derive(Debug, Serialize, Deserialize)]
pub struct StaffClaims {
    /// Staff id.
    pub sub: String,
    pub role: Role,
    /// The part of the union tree they run.
    pub org: String,
    pub exp: u64,
}

/// Signs tokens with the configured secrets.
pub struct Minter {
    member: EncodingKey,
    staff: EncodingKey,
    issuer: String,
    /// HS256, or the private key's algorithm and `kid`.
    header: Header,
}

/// Seconds since the epoch.
pub fn now_secs() -> u64 {
    Millis::now().0.max(0) as u64 / 1000
}

impl Minter {
    pub fn new(member_secret: &str, staff_secret: &str, issuer: &str) -> Self {
        Self {
            member: EncodingKey::from_secret(member_secret.as_bytes()),
            staff: EncodingKey::from_secret(staff_secret.as_bytes()),
            issuer: issuer.to_owned(),
            header: Header::new(Algorithm::HS256),
        }
    }

    /// Signs member and staff tokens with one private key, as an identity
    /// service does (ES256, RS256, EdDSA), naming `kid`: for the harness and
    /// tests of a service started with `--jwks`.
    pub fn signed_by(key: EncodingKey, alg: Algorithm, kid: &str, issuer: &str) -> Self {
        let mut header = Header::new(alg);
        header.kid = Some(kid.to_owned());
        Self {
            member: key.clone(),
            staff: key,
            issuer: issuer.to_owned(),
            header,
        }
    }

    /// A member token valid for `ttl_secs`.
    pub fn member(&self, card: &CardNumber, org: &OrgPath, ttl_secs: u64) -> String {
        self.member_in(card, org, &[], ttl_secs)
    }

    /// A member token valid for `ttl_secs` of a member in `groups`.
    pub fn member_in(
        &self,
        card: &CardNumber,
        org: &OrgPath,
        groups: &[crate::domain::Group],
        ttl_secs: u64,
    ) -> String {
        let claims = MemberClaims {
            groups: groups.iter().map(|g| g.as_str().to_owned()).collect(),
            sub: card.digits().to_owned(),
            org: org.as_str().to_owned(),
            iss: self.issuer.clone(),
            exp: now_secs() + ttl_secs,
        };
        sign(&self.header, &claims, &self.member)
    }

    /// A staff token valid for `ttl_secs`.
    pub fn staff(&self, id: &str, role: Role, org: &OrgPath, ttl_secs: u64) -> String {
        let claims = StaffClaims {
            sub: id.to_owned(),
            role,
            org: org.as_str().to_owned(),
            exp: now_secs() + ttl_secs,
        };
        sign(&self.header, &claims, &self.staff)
    }

    /// Any member claims, signed with the member secret (tests of odd tokens).
    pub fn member_claims(&self, claims: &MemberClaims) -> String {
        sign(&self.header, claims, &self.member)
    }
}

fn sign(header: &Header, claims: &impl Serialize, key: &EncodingKey) -> String {
    jsonwebtoken::encode(header, claims, key).expect("claims encode and the key signs")
}
