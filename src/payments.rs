//! Payment notifications as a provider sends them: a JSON body and its
//! HMAC-SHA256 under the shared secret (`TG_PAYMENT_SECRET`), hex, in the
//! `X-Payment-Signature: sha256=<hex>` header. The server checks them; the
//! `ticketgrab pay` simulator and the demo's pay button sign them the same way.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "x-payment-signature";

/// What a provider tells us: its payment id, the ticket, the amount paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// The provider's id of the payment: 1 to 64 letters, digits, `-`, `_`.
    /// A notification sent again with the same id gets the same answer.
    pub payment_id: String,
    pub event: String,
    /// The ticket's code.
    pub code: String,
    /// Fen paid: must be the sale's price × the ticket's seats.
    pub amount_fen: i64,
}

/// Signs and checks notification bodies with one secret.
#[derive(Clone)]
pub struct Signer {
    key: Hmac<Sha256>,
}

impl Signer {
    pub fn new(secret: &str) -> Self {
        Self {
            key: Hmac::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length"),
        }
    }

    /// The header value for `body`: `sha256=<hex>`.
    pub fn sign(&self, body: &[u8]) -> String {
        let mut mac = self.key.clone();
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    /// Whether `header` is the signature of `body` (compared in constant time).
    pub fn verify(&self, body: &[u8], header: &str) -> bool {
        let Some(sig) = header
            .trim()
            .strip_prefix("sha256=")
            .and_then(|h| hex::decode(h).ok())
        else {
            return false;
        };
        let mut mac = self.key.clone();
        mac.update(body);
        mac.verify_slice(&sig).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_checks_only_its_own_body_under_its_own_secret() {
        let signer = Signer::new("s3cret");
        let body =
            br#"{"payment_id":"wx-1","event":"cinema","code":"7K2M9QX4T1ZB","amount_fen":500}"#;
        let sig = signer.sign(body);
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
        assert!(signer.verify(body, &sig));
        assert!(signer.verify(body, &format!(" {sig} ")));
        assert!(!signer.verify(&body[1..], &sig));
        assert!(!Signer::new("other").verify(body, &sig));
        for bad in [
            "",
            "sha256=",
            "sha256=zz",
            &sig[7..],
            &sig.replace("sha256", "sha1"),
        ] {
            assert!(!signer.verify(body, bad), "{bad:?}");
        }
    }
}
