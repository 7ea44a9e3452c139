//! Personal data at rest (travel-document numbers, payment-method tokens, TOTP secrets) sealed
//! with AES-256-GCM under a key ring from configuration: the first key seals, every key opens,
//! so keys can be rotated by putting a new one first. A sealed value names its key and is bound
//! to what it is and whose it is (the associated data), so a value copied into another row or
//! another account does not open.
//!
//! Format: `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>` with a random 96-bit nonce.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::RngCore;

const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error(
        "encryption key `{0}` must be `<id>:<base64 of 32 bytes>` with an id of letters and digits"
    )]
    BadKey(String),
    #[error("no encryption keys configured")]
    NoKeys,
    #[error("sealed value is malformed")]
    Malformed,
    #[error("sealed with key `{0}`, which is not in the key ring")]
    UnknownKey(String),
    #[error("sealed value does not open (tampered, or bound to something else)")]
    Tampered,
}

/// The key ring.
#[derive(Clone)]
pub struct Sealer {
    keys: Vec<(String, Aes256Gcm)>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("Sealer").field("key_ids", &ids).finish()
    }
}

impl Sealer {
    /// Keys as `<id>:<base64 32 bytes>`, the sealing key first.
    pub fn from_config(keys: &[String]) -> Result<Sealer, SealError> {
        let mut ring = Vec::with_capacity(keys.len());
        for entry in keys {
            let redacted = || {
                let id = entry.split(':').next().unwrap_or("");
                SealError::BadKey(format!("{id}:…"))
            };
            let (id, b64) = entry.split_once(':').ok_or_else(redacted)?;
            if id.is_empty() || id.len() > 16 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(redacted());
            }
            let bytes = STANDARD
                .decode(b64.trim())
                .or_else(|_| URL_SAFE_NO_PAD.decode(b64.trim()))
                .map_err(|_| redacted())?;
            if bytes.len() != 32 {
                return Err(redacted());
            }
            let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| redacted())?;
            ring.push((id.to_owned(), cipher));
        }
        if ring.is_empty() {
            return Err(SealError::NoKeys);
        }
        Ok(Sealer { keys: ring })
    }

    /// A fresh key entry `<id>:<base64>` for configuration (or a demo installation).
    pub fn generate_key_entry(id: &str) -> String {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        format!("{id}:{}", STANDARD.encode(key))
    }

    /// Seals `plaintext`, bound to `context` (e.g. `traveller-document:<user id>`).
    pub fn seal(&self, plaintext: &str, context: &str) -> String {
        let (id, cipher) = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            // Encryption only fails for inputs beyond 64 GiB.
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("v1.{id}.{}", URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens a value sealed with any key in the ring and the same `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<String, SealError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some("v1"), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(SealError::Malformed);
        };
        let cipher = self
            .keys
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, c)| c)
            .ok_or_else(|| SealError::UnknownKey(id.to_owned()))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SealError::Malformed)?;
        if bytes.len() < NONCE_LEN + 16 {
            return Err(SealError::Malformed);
        }
        let (nonce, ct) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SealError::Malformed)?;
        let plain = cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ct,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SealError::Tampered)?;
        String::from_utf8(plain).map_err(|_| SealError::Malformed)
    }

    /// True when the value was sealed with a key other than the current one (re-seal it).
    pub fn needs_reseal(&self, sealed: &str) -> bool {
        sealed.split('.').nth(1) != Some(self.keys[0].0.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, byte: u8) -> String {
        format!("{id}:{}", STANDARD.encode([byte; 32]))
    }

    #[test]
    fn seals_and_opens_with_context() {
        let s = Sealer::from_config(&[key("k1", 7)]).unwrap();
        let sealed = s.seal("E12345678", "traveller-document:u1");
        assert!(sealed.starts_with("v1.k1."));
        assert!(!sealed.contains("E12345678"));
        assert_eq!(
            s.open(&sealed, "traveller-document:u1").unwrap(),
            "E12345678"
        );
        // Bound to its owner: the same bytes under another user do not open.
        assert_eq!(
            s.open(&sealed, "traveller-document:u2"),
            Err(SealError::Tampered)
        );
        // Two seals of one value differ (random nonce).
        assert_ne!(sealed, s.seal("E12345678", "traveller-document:u1"));
    }

    #[test]
    fn detects_tampering_and_unknown_keys() {
        let s = Sealer::from_config(&[key("k1", 7)]).unwrap();
        let sealed = s.seal("tok_visa", "payment-method:u1");
        let mut bytes = URL_SAFE_NO_PAD
            .decode(sealed.rsplit('.').next().unwrap())
            .unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let forged = format!("v1.k1.{}", URL_SAFE_NO_PAD.encode(bytes));
        assert_eq!(
            s.open(&forged, "payment-method:u1"),
            Err(SealError::Tampered)
        );
        let other = Sealer::from_config(&[key("k9", 1)]).unwrap();
        assert_eq!(
            other.open(&sealed, "payment-method:u1"),
            Err(SealError::UnknownKey("k1".into()))
        );
        assert_eq!(s.open("v1.k1", "x"), Err(SealError::Malformed));
        assert_eq!(s.open("v2.k1.AAAA", "x"), Err(SealError::Malformed));
    }

    #[test]
    fn rotation_opens_old_values_and_seals_with_the_new_key() {
        let old = Sealer::from_config(&[key("k1", 7)]).unwrap();
        let sealed = old.seal("secret", "c");
        let rotated = Sealer::from_config(&[key("k2", 9), key("k1", 7)]).unwrap();
        assert_eq!(rotated.open(&sealed, "c").unwrap(), "secret");
        assert!(rotated.needs_reseal(&sealed));
        assert!(rotated.seal("secret", "c").starts_with("v1.k2."));
    }

    #[test]
    fn rejects_bad_keys_without_echoing_them() {
        let e = Sealer::from_config(&["k1:c2hvcnQ=".to_owned()]).unwrap_err();
        assert!(!e.to_string().contains("c2hvcnQ"), "{e}");
        assert!(Sealer::from_config(&[]).is_err());
        assert!(Sealer::from_config(&["bad id:AAAA".to_owned()]).is_err());
        let generated = Sealer::generate_key_entry("demo");
        assert!(Sealer::from_config(&[generated]).is_ok());
    }
}
