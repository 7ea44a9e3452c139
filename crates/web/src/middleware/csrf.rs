//! CSRF protection for form posts: a signed token in an HttpOnly cookie that every form repeats
//! in a hidden `csrf_token` field (or a script in the `x-csrf-token` header). The signature
//! (HMAC-SHA-256 with the installation's secret) stops a sibling sub-domain from planting a
//! cookie of its own choosing; a cross-site `Origin` is refused outright.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub const CSRF_COOKIE: &str = "wf_csrf";
pub const CSRF_FIELD: &str = "csrf_token";
pub const CSRF_HEADER: &str = "x-csrf-token";

fn sign(secret: &[u8], nonce: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(b"wayfare-csrf:");
    mac.update(nonce.as_bytes());
    URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..16])
}

/// A fresh token: `<nonce>.<signature>`.
pub fn new_token(secret: &[u8]) -> String {
    let mut nonce = [0u8; 24];
    rand::rng().fill_bytes(&mut nonce);
    let nonce = URL_SAFE_NO_PAD.encode(nonce);
    let sig = sign(secret, &nonce);
    format!("{nonce}.{sig}")
}

/// True when `token` was signed with `secret`.
pub fn is_authentic(secret: &[u8], token: &str) -> bool {
    let Some((nonce, sig)) = token.split_once('.') else {
        return false;
    };
    if nonce.len() < 16 {
        return false;
    }
    let expected = sign(secret, nonce);
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(sig.as_bytes()))
}

/// True when the submitted token matches the cookie's and the cookie is authentic.
pub fn verify(secret: &[u8], cookie: Option<&str>, submitted: Option<&str>) -> bool {
    match (cookie, submitted) {
        (Some(c), Some(s)) => {
            is_authentic(secret, c) && bool::from(c.as_bytes().ct_eq(s.as_bytes()))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_with_their_secret_and_cookie() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let t = new_token(secret);
        assert!(is_authentic(secret, &t));
        assert!(verify(secret, Some(&t), Some(&t)));
        assert!(!verify(
            b"another secret, another install.",
            Some(&t),
            Some(&t)
        ));
        let other = new_token(secret);
        assert!(!verify(secret, Some(&t), Some(&other)));
        assert!(!verify(secret, Some(&t), None));
        assert!(!verify(secret, None, Some(&t)));
        // A planted cookie without a valid signature fails even if the form repeats it.
        assert!(!verify(
            secret,
            Some("aaaaaaaaaaaaaaaaaaaa.bogus"),
            Some("aaaaaaaaaaaaaaaaaaaa.bogus")
        ));
        assert!(!is_authentic(secret, "nodot"));
    }
}
