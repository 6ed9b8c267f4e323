//! Union card numbers and the member keys derived from them.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::ascii::Ascii;
use crate::domain::Error;

/// A union card number that passed normalization and the Luhn check.
///
/// It lives only as long as a request: it is turned into a [`MemberKey`] and a
/// [`MaskedCard`] at the edge, and those are all that is ever stored or logged.
/// `Debug` is masked so that a stray `{:?}` cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct CardNumber(String);

impl CardNumber {
    /// Normalizes and validates a card number as a member or a station types it:
    /// spaces (ASCII and ideographic) and hyphens are dropped, full-width digits
    /// are folded to ASCII, leading zeros are dropped, and the result must be
    /// 16–19 digits with a valid Luhn check digit.
    ///
    /// Why leading zeros go: no issuer's card number starts with 0 (the first
    /// digit is the industry; 6 for the union card's bank), and a zero in front
    /// keeps the Luhn check valid. So `0` + C would otherwise be a second
    /// member for the one physical card C. The canonical form is the number
    /// without them, and every spelling of one card is one member key.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let mut digits = String::with_capacity(19);
        // Bounds the work on a long input; more than this is never a card.
        let mut seen = 0usize;
        for c in raw.chars() {
            let digit = match c {
                '0'..='9' => c,
                // Full-width digits as typed by Chinese input methods.
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                ' ' | '-' | '\u{3000}' | '－' => continue,
                _ => {
                    return Err(Error::invalid(
                        "card number may hold only digits, spaces and hyphens",
                    ));
                }
            };
            seen += 1;
            if digit == '0' && digits.is_empty() && seen <= 64 {
                continue;
            }
            digits.push(digit);
            if digits.len() > 19 || seen > 64 {
                return Err(Error::invalid("card number must have 16 to 19 digits"));
            }
        }
        if digits.len() < 16 {
            return Err(Error::invalid("card number must have 16 to 19 digits"));
        }
        if !luhn_valid(&digits) {
            return Err(Error::invalid("card number fails its check digit"));
        }
        Ok(Self(digits))
    }

    /// The normalized digits. Only for hashing into a [`MemberKey`] and for
    /// minting development tokens; never store or log this.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// `6217 **** **** 1234`: the only form of a card that may be shown or stored.
    pub fn masked(&self) -> MaskedCard {
        let d = &self.0;
        let masked = format!("{} **** **** {}", &d[..4], &d[d.len() - 4..]);
        MaskedCard(Ascii::new(&masked).expect("19 ASCII characters"))
    }
}

impl std::fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CardNumber({})", self.masked().as_str())
    }
}

/// True when `digits` (ASCII digits only) passes the Luhn check.
pub fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Appends the Luhn check digit to `body` (digits only). Used to mint valid test
/// and load-test card numbers.
pub fn with_check_digit(body: &str) -> String {
    (0..=9)
        .map(|d| format!("{body}{d}"))
        .find(|candidate| luhn_valid(candidate))
        .expect("one of ten check digits always satisfies Luhn")
}

/// A masked card, `6217 **** **** 1234`, safe to store, show and export.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct MaskedCard(Ascii<19>);

impl MaskedCard {
    /// Rebuilds a masked card read back from the store: four digits, two
    /// masked groups, four digits. Anything else is corrupt data, and never a
    /// full card number.
    pub fn from_stored(s: &str) -> Result<Self, Error> {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if b.len() == 19 && digits(0..4) && &s[4..15] == " **** **** " && digits(15..19) {
            Ok(Self(Ascii::new(s).expect("19 ASCII characters")))
        } else {
            Err(Error::Corrupt("bad masked card".into()))
        }
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// The member as the store knows them: HMAC-SHA256 of the normalized card number
/// under the server secret, hex, truncated to 128 bits. 128 bits keeps collisions
/// out of reach for any membership size while halving what every reservation,
/// member index entry and log entry holds in Redis.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct MemberKey(Ascii<32>);

impl MemberKey {
    /// Rebuilds a key read back from the store (32 lowercase hex digits).
    pub fn from_stored(s: &str) -> Result<Self, Error> {
        if s.len() == 32
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(Self(Ascii::new(s).expect("32 hex digits")))
        } else {
            Err(Error::Corrupt(format!("bad member key {s:?}")))
        }
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// Turns card numbers into member keys under the server secret.
#[derive(Clone)]
pub struct MemberKeyer {
    mac: Hmac<Sha256>,
}

impl MemberKeyer {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            mac: Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length"),
        }
    }

    pub fn key(&self, card: &CardNumber) -> MemberKey {
        let mut mac = self.mac.clone();
        mac.update(card.digits().as_bytes());
        let out = mac.finalize().into_bytes();
        MemberKey(Ascii::new(&hex::encode(&out[..16])).expect("32 hex digits"))
    }

    /// The stored identity of a member: key and masked card.
    pub fn member(&self, card: &CardNumber) -> Member {
        Member {
            key: self.key(card),
            card: card.masked(),
        }
    }
}

/// A member as a grab needs them: who (the key) and what to print (the masked card).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub key: MemberKey,
    pub card: MaskedCard,
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "6217000010001234569";

    #[test]
    fn spaces_hyphens_and_full_width_digits_normalize_to_the_same_card() {
        let plain = CardNumber::parse(VALID).unwrap();
        let spaced = CardNumber::parse("6217 0000-1000 1234 569").unwrap();
        let wide = CardNumber::parse("６２１７　０００01000123456９").unwrap();
        assert_eq!(plain, spaced);
        assert_eq!(plain, wide);
        assert_eq!(plain.digits(), VALID);
    }

    #[test]
    fn leading_zeros_spell_the_same_card_and_the_same_member() {
        let plain = CardNumber::parse("6217000010000044449").unwrap();
        let short = CardNumber::parse(&with_check_digit("621700001000004")).unwrap();
        let keyer = MemberKeyer::new(b"k");
        for zeros in ["0", "00", "000", "０", "0 0"] {
            let padded = CardNumber::parse(&format!("{zeros}{}", plain.digits())).unwrap();
            assert_eq!(padded, plain);
            assert_eq!(keyer.key(&padded), keyer.key(&plain));
            let padded = CardNumber::parse(&format!("{zeros}{}", short.digits())).unwrap();
            assert_eq!(padded.digits(), short.digits());
        }
        assert!(CardNumber::parse(&"0".repeat(19)).is_err());
        assert!(CardNumber::parse(&format!("{}{}", "0".repeat(80), plain.digits())).is_err());
    }

    #[test]
    fn wrong_check_digit_length_or_characters_are_rejected() {
        assert!(CardNumber::parse("6217000010001234561").is_err());
        assert!(CardNumber::parse(&with_check_digit("62170000100")).is_err());
        assert!(CardNumber::parse(&with_check_digit("6217000010001234567890")).is_err());
        assert!(CardNumber::parse("6217a00010001234561").is_err());
        assert!(CardNumber::parse("").is_err());
    }

    #[test]
    fn masked_card_shows_first_and_last_four_only() {
        let card = CardNumber::parse(VALID).unwrap();
        assert_eq!(card.masked().as_str(), "6217 **** **** 4569");
        assert!(MaskedCard::from_stored(card.masked().as_str()).is_ok());
        assert!(MaskedCard::from_stored(VALID).is_err());
        assert!(!format!("{card:?}").contains(VALID));
    }

    #[test]
    fn member_key_depends_on_the_secret_and_is_stable() {
        let card = CardNumber::parse(VALID).unwrap();
        let a = MemberKeyer::new(b"one").key(&card);
        assert_eq!(a, MemberKeyer::new(b"one").key(&card));
        assert_ne!(a, MemberKeyer::new(b"two").key(&card));
        assert_eq!(a.as_str().len(), 32);
        assert!(MemberKey::from_stored(a.as_str()).is_ok());
    }
}
