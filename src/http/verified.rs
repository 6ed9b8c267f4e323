//! Member tokens already verified, so a member's repeated requests (the app
//! polling before the opening, retries after a lost answer) cost one map
//! lookup instead of a signature check, a JSON parse and a card HMAC.

use std::collections::HashMap;
use std::sync::Mutex;

/// Most tokens remembered; then the memory is emptied and refilled. Room
/// for a 200,000-member opening with a quarter to spare, so a member's first
/// request is the only one that pays a signature check (an ES256 or RS256
/// check costs far more than HS256's HMAC: BENCHMARKS.md). About 450 bytes
/// each: some 110 MiB at most, touched only as members arrive.
pub const MAX_VERIFIED: usize = 250_000;

/// What each verified token named (`T`: the member auth).
pub struct VerifiedTokens<T> {
    /// token -> what it names and until when it is good (`exp` + the leeway,
    /// Unix seconds). A std mutex: held for one map operation.
    tokens: Mutex<Tokens<T>>,
}

/// Room for every token up front (the map is emptied, never shrunk, when
/// full): a flood of new members would otherwise grow it by doubling, moving
/// every entry each time. Tokens are hashed with foldhash, not SipHash: a
/// token is only kept after its signature was checked, so no client can
/// choose the keys (and each is some 250 bytes, hashed twice per request).
type Tokens<T> = HashMap<Box<str>, (T, u64), foldhash::fast::RandomState>;

impl<T> Default for VerifiedTokens<T> {
    fn default() -> Self {
        Self {
            tokens: Mutex::new(HashMap::with_capacity_and_hasher(
                MAX_VERIFIED,
                foldhash::fast::RandomState::default(),
            )),
        }
    }
}

impl<T: Clone> VerifiedTokens<T> {
    fn tokens(&self) -> std::sync::MutexGuard<'_, Tokens<T>> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What a token verified before names, if it is still good at `now`.
    pub fn get(&self, token: &str, now: u64) -> Option<T> {
        let tokens = self.tokens();
        let (auth, good_until) = tokens.get(token)?;
        (now <= *good_until).then(|| auth.clone())
    }

    pub fn put(&self, token: &str, auth: &T, good_until: u64) {
        let mut tokens = self.tokens();
        if tokens.len() >= MAX_VERIFIED {
            tokens.clear();
        }
        tokens.insert(token.into(), (auth.clone(), good_until));
    }

    /// Forgets every token (the keys that verified them changed).
    pub fn clear(&self) {
        self.tokens().clear();
    }

    pub fn len(&self) -> usize {
        self.tokens().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CardNumber, MemberKeyer, OrgPath, with_check_digit};
    use crate::http::auth::MemberAuth;

    fn auth() -> MemberAuth {
        let card = CardNumber::parse(&with_check_digit("621700000000000001")).unwrap();
        MemberAuth {
            member: MemberKeyer::new(b"k").member(&card),
            org: OrgPath::parse("bj").unwrap(),
            groups: Vec::new(),
        }
    }

    #[test]
    fn a_token_is_remembered_until_it_expires_and_the_memory_is_bounded() {
        let verified = VerifiedTokens::default();
        verified.put("t", &auth(), 100);
        assert!(verified.get("t", 100).is_some());
        assert!(verified.get("t", 101).is_none(), "expired");
        assert!(verified.get("u", 50).is_none(), "never verified");
        for n in 0..MAX_VERIFIED + 10 {
            verified.put(&n.to_string(), &auth(), 100);
        }
        assert!(verified.len() <= MAX_VERIFIED);
    }
}
