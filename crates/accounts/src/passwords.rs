//! Password hashing: Argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), stored as a
//! PHC string so parameters can be raised later and old hashes still verify. Passwords are
//! NFC-normalised first, so the same password typed on different keyboards (a precomposed "é"
//! or "e" plus a combining accent) is the same password.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use unicode_normalization::UnicodeNormalization;

fn normalised(password: &str) -> String {
    password.nfc().collect()
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The PHC string for `password` with a fresh random salt.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    match hasher().hash_password_with_salt(normalised(password).as_bytes(), &salt) {
        Ok(h) => h.to_string(),
        // Only over-long input fails, and the policy caps passwords at 128 characters.
        Err(e) => {
            tracing::error!(error = %e, "password hashing failed");
            String::new()
        }
    }
}

/// True when `password` matches the stored PHC string. An empty or unparsable hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    !phc.is_empty()
        && hasher()
            .verify_password(normalised(password).as_bytes(), phc)
            .is_ok()
}

/// A hash of nothing in particular, verified against when an account does not exist so that
/// "no such account" and "wrong password" take the same time.
pub fn dummy_verify(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash_password("wayfare-timing-equaliser"));
    let _ = verify_password(password, phc);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_salted() {
        let a = hash_password("correct horse battery staple");
        let b = hash_password("correct horse battery staple");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b);
        assert!(verify_password("correct horse battery staple", &a));
        assert!(!verify_password("correct horse battery stapler", &a));
        assert!(!verify_password("anything", ""));
        assert!(!verify_password("anything", "not a phc string"));
        // Composed and decomposed forms of one password are the same password.
        let h = hash_password("caf\u{e9}-au-lait-2026");
        assert!(verify_password("cafe\u{301}-au-lait-2026", &h));
    }
}
