//! Identifiers that can only be built valid: event and pool slugs, union org
//! paths and reservation codes.

use rand::Rng;

use super::ascii::Ascii;
use crate::domain::Error;

/// Checks a slug: 1..=`max` characters of `a-z`, `0-9`, `-`, `_`, starting with a
/// letter or digit. Slugs end up inside Redis keys and Lua records, so braces,
/// colons and `|` must never reach them.
fn check_slug(what: &str, s: &str, max: usize) -> Result<(), Error> {
    let ok = !s.is_empty()
        && s.len() <= max
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        // The value itself is not repeated: it came from a client and goes
        // into an answer and maybe a log (it could be a card number).
        Err(Error::invalid(format!(
            "{what} must be 1 to {max} characters of a-z, 0-9, '-' or '_'"
        )))
    }
}

macro_rules! slug_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, Error> {
                check_slug($what, s, $max)?;
                Ok(Self(s.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

slug_type!(
    /// An event id such as `park-2026`; it is the Redis Cluster hash tag of every key
    /// of the event.
    EventId,
    "event id",
    40
);
slug_type!(
    /// A program of sales under one cap, such as `2027-puhui`; it is the
    /// Redis Cluster hash tag of every key of its sales.
    ProgramId,
    "program id",
    40
);
slug_type!(
    /// A pool id within an event, such as `show-3`.
    PoolId,
    "pool id",
    32
);

/// A path in the union tree, city / district / street: `bj/chaoyang/hepingjie`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct OrgPath(String);

impl OrgPath {
    pub fn parse(s: &str) -> Result<Self, Error> {
        let segments: Vec<&str> = s.split('/').collect();
        if segments.len() > 3 {
            return Err(Error::invalid("org path has at most 3 levels"));
        }
        for seg in segments {
            check_slug("org path segment", seg, 32)?;
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `self` is `other` or lies under it (`bj/chaoyang/x` within `bj`).
    pub fn is_within(&self, other: &OrgPath) -> bool {
        self.0 == other.0
            || (self.0.starts_with(&other.0) && self.0.as_bytes().get(other.0.len()) == Some(&b'/'))
    }
}

/// Crockford base32 without I, L, O, U: easy to read out at a station.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// 12 characters × 5 bits = 60 bits of randomness, so codes cannot be guessed.
const CODE_LEN: usize = 12;

/// Whether `b` is a letter of [`CODE_ALPHABET`].
fn in_alphabet(b: u8) -> bool {
    matches!(b, b'0'..=b'9' | b'A'..=b'H' | b'J' | b'K' | b'M' | b'N' | b'P'..=b'T' | b'V'..=b'Z')
}

/// A reservation code: short, random, unguessable, unique within its event.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Code(Ascii<CODE_LEN>);

impl Code {
    pub fn random() -> Self {
        let mut rng = rand::rng();
        let s: String = (0..CODE_LEN)
            .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..32)]))
            .collect();
        Self(Ascii::new(&s).expect("12 letters of the alphabet"))
    }

    /// Parses a code as typed or scanned; lowercase is accepted.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let mut up = [0u8; CODE_LEN];
        if s.len() == CODE_LEN {
            for (to, b) in up.iter_mut().zip(s.bytes()) {
                *to = b.to_ascii_uppercase();
            }
            // Crockford's letters: digits and A-Z without I, L, O, U (a
            // match, not a search of the alphabet: every journal record
            // holds a code).
            if up.iter().all(|&b| in_alphabet(b)) {
                let up = std::str::from_utf8(&up).expect("ASCII");
                return Ok(Self(Ascii::new(up).expect("12 ASCII bytes")));
            }
        }
        Err(Error::invalid(format!(
            "reservation code must be {CODE_LEN} characters"
        )))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_reject_characters_that_would_break_keys() {
        assert!(EventId::parse("park-2026").is_ok());
        for bad in ["", "Park", "a{b}", "a:b", "a|b", "-x", &"x".repeat(41)] {
            assert!(EventId::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn org_within_is_by_whole_segments() {
        let bj = OrgPath::parse("bj").unwrap();
        let street = OrgPath::parse("bj/chaoyang/hepingjie").unwrap();
        let other = OrgPath::parse("bjx/chaoyang").unwrap();
        assert!(street.is_within(&bj));
        assert!(bj.is_within(&bj));
        assert!(!bj.is_within(&street));
        assert!(!other.is_within(&bj));
        assert!(OrgPath::parse("a/b/c/d").is_err());
        assert!(OrgPath::parse("a//b").is_err());
    }

    #[test]
    fn the_alphabet_test_is_the_alphabet() {
        for b in 0..=255u8 {
            assert_eq!(in_alphabet(b), CODE_ALPHABET.contains(&b), "{b}");
        }
    }

    #[test]
    fn codes_round_trip_and_differ() {
        let a = Code::random();
        assert_eq!(Code::parse(&a.as_str().to_lowercase()).unwrap(), a);
        assert_ne!(a, Code::random());
        assert!(Code::parse("SHORT").is_err());
    }
}
