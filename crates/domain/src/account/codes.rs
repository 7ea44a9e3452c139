//! Codes and tokens people receive or carry: 6-digit one-time codes, recovery codes in an
//! alphabet without look-alike characters, and 256-bit secret tokens (sessions, reset links,
//! 2FA challenges). Randomness is passed in; only hashes of these are ever stored:
//!
//! - tokens and recovery codes: SHA-256 of the text the user presents, lowercase hex;
//! - one-time codes: HMAC-SHA-256 under the installation secret of `purpose|destination|code`,
//!   so a leaked table cannot be brute-forced over the million possible codes.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Recovery-code characters: digits and lowercase letters without 0/o, 1/i/l.
pub const NO_LOOK_ALIKE_ALPHABET: &str = "23456789abcdefghjkmnpqrstuvwxyz";
pub const ONE_TIME_CODE_DIGITS: usize = 6;
/// Characters of a recovery code, shown in two groups of five.
pub const RECOVERY_CODE_LEN: usize = 10;
pub const RECOVERY_CODES_PER_ENROLMENT: usize = 10;
pub const SECRET_TOKEN_BYTES: usize = 32;

/// A uniformly random 6-digit code, leading zeros kept (`"004217"`).
pub fn one_time_code(rng: &mut impl rand::Rng) -> String {
    let n: u32 = rng.random_range(0..1_000_000);
    format!("{n:06}")
}

/// `n` distinct recovery codes shown as `xxxxx-xxxxx`, each character uniform over
/// [`NO_LOOK_ALIKE_ALPHABET`] (≈ 49.5 bits per code).
pub fn recovery_codes(rng: &mut impl rand::Rng, n: usize) -> Vec<String> {
    let alphabet = NO_LOOK_ALIKE_ALPHABET.as_bytes();
    let mut codes: Vec<String> = Vec::with_capacity(n);
    while codes.len() < n {
        let mut code = String::with_capacity(RECOVERY_CODE_LEN + 1);
        for i in 0..RECOVERY_CODE_LEN {
            if i == RECOVERY_CODE_LEN / 2 {
                code.push('-');
            }
            code.push(char::from(alphabet[rng.random_range(0..alphabet.len())]));
        }
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

/// A recovery code as typed, in the form that is hashed: spaces and dashes removed,
/// lowercased. Nothing else is changed (a typed `0` stays `0` and will not match).
pub fn normalise_recovery_code(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// SHA-256 of `data` as lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    to_hex(&Sha256::digest(data))
}

/// The stored form of a one-time code: HMAC-SHA-256(`secret`, `"purpose|destination|code"`),
/// lowercase hex.
pub fn hmac_code_hash(secret: &[u8], purpose: &str, destination: &str, code: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(purpose.as_bytes());
    mac.update(b"|");
    mac.update(destination.as_bytes());
    mac.update(b"|");
    mac.update(code.as_bytes());
    to_hex(&mac.finalize().into_bytes())
}

/// Compares two hashes (or any secrets) in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    s
}

/// 32 random bytes as base64url without padding (43 characters): session cookies, reset
/// links, 2FA challenges, the body of personal API tokens. `Debug` hides the value.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretToken(String);

impl SecretToken {
    pub fn generate(rng: &mut impl rand::Rng) -> SecretToken {
        let mut bytes = [0u8; SECRET_TOKEN_BYTES];
        rng.fill(&mut bytes);
        SecretToken::from_bytes(&bytes)
    }

    pub fn from_bytes(bytes: &[u8; SECRET_TOKEN_BYTES]) -> SecretToken {
        SecretToken(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A token presented by a client (cookie, link, header): `None` unless it is the canonical
    /// encoding of exactly 32 bytes, so junk never reaches the database.
    pub fn parse(s: &str) -> Option<SecretToken> {
        let bytes = URL_SAFE_NO_PAD.decode(s).ok()?;
        (bytes.len() == SECRET_TOKEN_BYTES).then(|| SecretToken(s.to_owned()))
    }

    /// The text handed to the client.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The stored form: SHA-256 of [`as_str`](Self::as_str)'s text, lowercase hex.
    pub fn sha256_hex(&self) -> String {
        sha256_hex(self.0.as_bytes())
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn the_alphabet_has_no_look_alikes() {
        let a = NO_LOOK_ALIKE_ALPHABET;
        assert_eq!(a.len(), 31);
        for c in ['0', 'o', '1', 'i', 'l', 'O', 'I', 'L'] {
            assert!(!a.contains(c), "{c}");
        }
        let mut sorted: Vec<char> = a.chars().collect();
        sorted.dedup();
        assert_eq!(sorted.len(), 31);
    }

    #[test]
    fn one_time_codes_are_six_digits_and_uniform() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut first_digit = [0u32; 10];
        let mut saw_leading_zero = false;
        for _ in 0..20_000 {
            let c = one_time_code(&mut rng);
            assert_eq!(c.len(), ONE_TIME_CODE_DIGITS);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
            saw_leading_zero |= c.starts_with('0');
            first_digit[usize::from(c.as_bytes()[0] - b'0')] += 1;
        }
        assert!(saw_leading_zero);
        // 2,000 expected per digit; a fair die stays well within ±15 %.
        for n in first_digit {
            assert!((1_700..=2_300).contains(&n), "{first_digit:?}");
        }
    }

    #[test]
    fn recovery_codes_have_the_shown_form() {
        let mut rng = StdRng::seed_from_u64(2);
        let codes = recovery_codes(&mut rng, RECOVERY_CODES_PER_ENROLMENT);
        assert_eq!(codes.len(), 10);
        for c in &codes {
            assert_eq!(c.len(), 11);
            assert_eq!(&c[5..6], "-");
            assert!(
                c.chars()
                    .filter(|&ch| ch != '-')
                    .all(|ch| NO_LOOK_ALIKE_ALPHABET.contains(ch))
            );
            assert_eq!(normalise_recovery_code(c).len(), RECOVERY_CODE_LEN);
        }
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), codes.len());
        assert!(recovery_codes(&mut rng, 0).is_empty());
    }

    #[test]
    fn recovery_code_characters_are_uniform() {
        let mut rng = StdRng::seed_from_u64(3);
        let mut counts = std::collections::HashMap::new();
        for code in recovery_codes(&mut rng, 3_100) {
            for c in normalise_recovery_code(&code).chars() {
                *counts.entry(c).or_insert(0u32) += 1;
            }
        }
        // 31,000 characters over 31 symbols: 1,000 each expected.
        assert_eq!(counts.len(), 31);
        for (c, n) in counts {
            assert!((850..=1_150).contains(&n), "{c}: {n}");
        }
    }

    #[test]
    fn normalising_recovery_codes() {
        assert_eq!(normalise_recovery_code(" ABCDE-fghjk "), "abcdefghjk");
        assert_eq!(normalise_recovery_code("abc de\tfg-h-jk"), "abcdefghjk");
        // No mapping of look-alikes: what was typed is what is compared.
        assert_eq!(normalise_recovery_code("0O1IL-xxxxx"), "0o1ilxxxxx");
        assert_eq!(normalise_recovery_code(""), "");
    }

    #[test]
    fn sha256_known_answers() {
        // FIPS 180-2 examples.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn hmac_sha256_known_answers() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            to_hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Computed independently with Python's hmac module:
        // hmac.new(key, b"purpose|destination|code", hashlib.sha256).hexdigest()
        assert_eq!(
            hmac_code_hash(b"Jefe", "what", "do ya want", "for nothing?"),
            "0a2581efa83a2230c4f61e463133b59445ae9a2126b7da9baefde6b4435cceb6"
        );
        assert_eq!(
            hmac_code_hash(b"installation-secret", "verify", "li@example.com", "004217"),
            "7ebb289023b3e8b35f1067bc5da6b3c4e447a1618bc2fba003759632ee6548fb"
        );
        // Purpose and destination are bound into the hash.
        assert_ne!(
            hmac_code_hash(b"k", "login", "+8613812345678", "123456"),
            hmac_code_hash(b"k", "reset", "+8613812345678", "123456")
        );
        assert_ne!(
            hmac_code_hash(b"k", "login", "a@b.cn", "123456"),
            hmac_code_hash(b"l", "login", "a@b.cn", "123456")
        );
    }

    #[test]
    fn secret_tokens() {
        let mut rng = StdRng::seed_from_u64(4);
        let t = SecretToken::generate(&mut rng);
        assert_eq!(t.as_str().len(), 43);
        assert!(
            t.as_str()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(SecretToken::parse(t.as_str()), Some(t.clone()));
        assert_eq!(t.sha256_hex(), sha256_hex(t.as_str().as_bytes()));
        assert_eq!(t.sha256_hex().len(), 64);
        assert_eq!(format!("{t:?}"), "SecretToken(..)");
        assert_ne!(SecretToken::generate(&mut rng), t);

        let zeros = SecretToken::from_bytes(&[0; 32]);
        assert_eq!(
            zeros.as_str(),
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        );
        let ff = SecretToken::from_bytes(&[0xff; 32]);
        assert_eq!(ff.as_str(), "__________________________________________8");

        assert_eq!(SecretToken::parse(""), None);
        assert_eq!(SecretToken::parse("AAAA"), None, "too short");
        assert_eq!(
            SecretToken::parse(&format!("{}=", zeros.as_str())),
            None,
            "padded"
        );
        assert_eq!(
            SecretToken::parse("__________________________________________9"),
            None,
            "non-canonical trailing bits"
        );
        assert_eq!(
            SecretToken::parse("+/////////////////////////////////////////8"),
            None,
            "standard alphabet"
        );
        assert_eq!(SecretToken::parse(&"A".repeat(44)), None);
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(constant_time_eq(b"", b""));
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent(s in "\\PC{0,30}") {
            let once = normalise_recovery_code(&s);
            prop_assert_eq!(normalise_recovery_code(&once), once.clone());
            prop_assert!(!once.contains('-') && !once.contains(' '));
        }

        #[test]
        fn tokens_round_trip(bytes in any::<[u8; 32]>()) {
            let t = SecretToken::from_bytes(&bytes);
            prop_assert_eq!(t.as_str().len(), 43);
            prop_assert_eq!(SecretToken::parse(t.as_str()), Some(t.clone()));
        }
    }
}
