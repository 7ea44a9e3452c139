//! Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): HMAC-SHA-1, 6 digits, 30-second
//! steps from the Unix epoch, one step of clock skew accepted either way, and a step at or
//! before the last accepted one refused so a code cannot be used twice. The time is passed in.
//!
//! Written on `hmac` + `sha1` rather than a TOTP crate to keep one digest generation in the
//! workspace. Base32 (RFC 4648, no padding) is here too: authenticator apps read the secret
//! from the `otpauth://` URI in that form.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// RFC 4226 recommends 160-bit secrets, the output size of SHA-1.
pub const TOTP_SECRET_LEN: usize = 20;
pub const TOTP_STEP_SECS: u64 = 30;
pub const TOTP_DIGITS: u32 = 6;
/// Steps of clock skew accepted on each side of the current one.
pub const TOTP_SKEW_STEPS: u64 = 1;

/// Why a TOTP code or secret was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    #[error("a code has 6 digits")]
    Format,
    #[error("the code is not right or has expired")]
    Invalid,
    #[error("this code has already been used")]
    Replayed,
    #[error("not a base32 TOTP secret of 160 bits")]
    Secret,
}

impl TotpError {
    pub fn reason_key(self) -> &'static str {
        match self {
            TotpError::Format => "reason-totp-format",
            TotpError::Invalid => "reason-totp-invalid",
            TotpError::Replayed => "reason-totp-replayed",
            TotpError::Secret => "reason-totp-secret",
        }
    }
}

/// A TOTP shared secret. Its `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret([u8; TOTP_SECRET_LEN]);

impl TotpSecret {
    pub fn generate(rng: &mut impl rand::Rng) -> TotpSecret {
        let mut bytes = [0u8; TOTP_SECRET_LEN];
        rng.fill(&mut bytes);
        TotpSecret(bytes)
    }

    pub fn from_bytes(bytes: [u8; TOTP_SECRET_LEN]) -> TotpSecret {
        TotpSecret(bytes)
    }

    /// From an unsealed stored value; refuses any other length.
    pub fn from_slice(bytes: &[u8]) -> Result<TotpSecret, TotpError> {
        <[u8; TOTP_SECRET_LEN]>::try_from(bytes)
            .map(TotpSecret)
            .map_err(|_| TotpError::Secret)
    }

    pub fn as_bytes(&self) -> &[u8; TOTP_SECRET_LEN] {
        &self.0
    }

    /// The 32-character base32 form that people type into an authenticator app.
    pub fn to_base32(&self) -> String {
        base32_encode(&self.0)
    }

    /// From base32, ignoring case, spaces, dashes and padding.
    pub fn from_base32(s: &str) -> Result<TotpSecret, TotpError> {
        let cleaned: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        let bytes = base32_decode(&cleaned).ok_or(TotpError::Secret)?;
        TotpSecret::from_slice(&bytes)
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32, upper case, without `=` padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(
                BASE32_ALPHABET[((buffer >> bits) & 31) as usize],
            ));
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(
            BASE32_ALPHABET[((buffer << (5 - bits)) & 31) as usize],
        ));
    }
    out
}

/// RFC 4648 base32, either case, with or without trailing `=` padding. `None` for any other
/// character, an impossible length, or non-zero bits left over (a non-canonical encoding).
pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    // 1, 3 and 6 characters are never a whole number of bytes.
    if matches!(s.len() % 8, 1 | 3 | 6) {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c.to_ascii_uppercase() {
            c @ b'A'..=b'Z' => c - b'A',
            c @ b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        buffer = (buffer << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    (buffer == 0).then_some(out)
}

/// The 30-second step `unix_secs` falls in.
pub fn step_at(unix_secs: u64) -> u64 {
    unix_secs / TOTP_STEP_SECS
}

/// RFC 4226 HOTP: dynamic truncation of HMAC-SHA-1(key, counter) to `digits` decimal digits.
fn hotp(key: &[u8], counter: u64, digits: u32) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[h.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        h[offset] & 0x7f,
        h[offset + 1],
        h[offset + 2],
        h[offset + 3],
    ]);
    let code = binary % 10u32.pow(digits);
    format!("{code:0width$}", width = digits as usize)
}

/// The code an authenticator shows at `unix_secs`.
pub fn code_at(secret: &TotpSecret, unix_secs: u64) -> String {
    hotp(&secret.0, step_at(unix_secs), TOTP_DIGITS)
}

/// Checks `code` (spaces allowed, as apps show `123 456`) against the steps around
/// `unix_secs`, and returns the step it matched so the caller can store it as the new
/// `last_step`. Every candidate step is compared, in constant time, whatever matches.
pub fn verify(
    secret: &TotpSecret,
    code: &str,
    unix_secs: u64,
    last_step: Option<u64>,
) -> Result<u64, TotpError> {
    let typed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != TOTP_DIGITS as usize || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TotpError::Format);
    }
    let now = step_at(unix_secs);
    let mut accepted: Option<u64> = None;
    let mut replayed = false;
    for step in now.saturating_sub(TOTP_SKEW_STEPS)..=now.saturating_add(TOTP_SKEW_STEPS) {
        let expected = hotp(&secret.0, step, TOTP_DIGITS);
        let matches: bool = expected.as_bytes().ct_eq(typed.as_bytes()).into();
        if matches {
            if last_step.is_some_and(|last| step <= last) {
                replayed = true;
            } else {
                accepted = Some(step);
            }
        }
    }
    match accepted {
        Some(step) => Ok(step),
        None if replayed => Err(TotpError::Replayed),
        None => Err(TotpError::Invalid),
    }
}

/// The Key Uri Format URI an authenticator app reads from the enrolment QR code:
/// `otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`,
/// issuer and account percent-encoded (RFC 3986, spaces as `%20`).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &TotpSecret) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={TOTP_DIGITS}&period={TOTP_STEP_SECS}",
        account = percent_encode(account),
        secret = secret.to_base32(),
    )
}

/// Every byte but RFC 3986's unreserved characters as `%XX`.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;

    /// RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
    const RFC_SEED: &[u8; 20] = b"12345678901234567890";

    #[test]
    fn rfc6238_appendix_b_sha1_vectors() {
        let vectors: [(u64, u64, &str); 6] = [
            (59, 0x1, "94287082"),
            (1_111_111_109, 0x23523EC, "07081804"),
            (1_111_111_111, 0x23523ED, "14050471"),
            (1_234_567_890, 0x273EF07, "89005924"),
            (2_000_000_000, 0x3F940AA, "69279037"),
            (20_000_000_000, 0x27BC86AA, "65353130"),
        ];
        let secret = TotpSecret::from_bytes(*RFC_SEED);
        for (time, step, code) in vectors {
            assert_eq!(step_at(time), step, "T for {time}");
            assert_eq!(hotp(RFC_SEED, step, 8), code, "at {time}");
            // The 6-digit code is the last six digits of the 8-digit one.
            assert_eq!(code_at(&secret, time), code[2..], "at {time}");
        }
    }

    #[test]
    fn rfc4226_appendix_d_hotp_vectors() {
        let want = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, code) in want.iter().enumerate() {
            assert_eq!(hotp(RFC_SEED, counter as u64, 6), *code);
        }
    }

    #[test]
    fn rfc4648_base32_vectors() {
        let vectors = [
            ("", ""),
            ("f", "MY======"),
            ("fo", "MZXQ===="),
            ("foo", "MZXW6==="),
            ("foob", "MZXW6YQ="),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI======"),
        ];
        for (plain, encoded) in vectors {
            let unpadded = encoded.trim_end_matches('=');
            assert_eq!(base32_encode(plain.as_bytes()), unpadded);
            assert_eq!(base32_decode(encoded).as_deref(), Some(plain.as_bytes()));
            assert_eq!(base32_decode(unpadded).as_deref(), Some(plain.as_bytes()));
            assert_eq!(
                base32_decode(&unpadded.to_lowercase()).as_deref(),
                Some(plain.as_bytes())
            );
        }
        assert_eq!(base32_decode("M"), None);
        assert_eq!(base32_decode("MZX"), None);
        assert_eq!(base32_decode("MZXW6Y"), None);
        assert_eq!(base32_decode("MZ1Q"), None);
        assert_eq!(base32_decode("MZXR"), None, "leftover bits must be zero");
        assert_eq!(base32_encode(RFC_SEED), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    #[test]
    fn secret_round_trips_and_hides() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let s = TotpSecret::generate(&mut rng);
        let b32 = s.to_base32();
        assert_eq!(b32.len(), 32);
        assert_eq!(TotpSecret::from_base32(&b32), Ok(s.clone()));
        let spaced = b32
            .to_lowercase()
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(TotpSecret::from_base32(&spaced), Ok(s.clone()));
        assert_eq!(TotpSecret::from_base32("MZXW6YTB"), Err(TotpError::Secret));
        assert_eq!(TotpSecret::from_slice(&[0; 19]), Err(TotpError::Secret));
        assert_eq!(format!("{s:?}"), "TotpSecret(..)");
        assert_ne!(TotpSecret::generate(&mut rng), s);
    }

    #[test]
    fn verify_accepts_one_step_of_skew() {
        let secret = TotpSecret::from_bytes(*RFC_SEED);
        let t = 1_111_111_111; // step 0x23523ED, 1 s into it
        let step = step_at(t);
        let code = code_at(&secret, t);
        assert_eq!(verify(&secret, &code, t, None), Ok(step));
        // Entered on a phone whose clock is one step behind or ahead.
        assert_eq!(verify(&secret, &code, t + 30, None), Ok(step));
        assert_eq!(verify(&secret, &code, t - 30, None), Ok(step));
        // Two steps away is too far.
        assert_eq!(
            verify(&secret, &code, t + 60, None),
            Err(TotpError::Invalid)
        );
        assert_eq!(
            verify(&secret, &code, t - 60, None),
            Err(TotpError::Invalid)
        );
        // Step boundaries: the code of step s is current from 30s to 30s + 29.
        let start = step * 30;
        assert_eq!(code_at(&secret, start), code);
        assert_eq!(code_at(&secret, start + 29), code);
        assert_ne!(code_at(&secret, start + 30), code);
        assert_eq!(verify(&secret, &code, start + 30 + 29, None), Ok(step));
        assert_eq!(
            verify(&secret, &code, start + 60, None),
            Err(TotpError::Invalid)
        );
    }

    #[test]
    fn verify_refuses_replays() {
        let secret = TotpSecret::from_bytes(*RFC_SEED);
        let t = 1_234_567_890;
        let code = code_at(&secret, t);
        let step = verify(&secret, &code, t, None).unwrap();
        assert_eq!(
            verify(&secret, &code, t, Some(step)),
            Err(TotpError::Replayed)
        );
        assert_eq!(
            verify(&secret, &code, t + 10, Some(step + 1)),
            Err(TotpError::Replayed)
        );
        assert_eq!(verify(&secret, &code, t, Some(step - 1)), Ok(step));
        // The next step's code is still fine after this one was used.
        let next = code_at(&secret, t + 30);
        assert_eq!(verify(&secret, &next, t + 30, Some(step)), Ok(step + 1));
        // An earlier step's code, still within the skew, is refused once a later one was used.
        let prev = code_at(&secret, t - 30);
        assert_eq!(
            verify(&secret, &prev, t, Some(step)),
            Err(TotpError::Replayed)
        );
    }

    #[test]
    fn verify_checks_the_format() {
        let secret = TotpSecret::from_bytes(*RFC_SEED);
        let t = 59;
        let code = code_at(&secret, t);
        assert_eq!(code, "287082");
        assert_eq!(verify(&secret, "287 082", t, None), Ok(1));
        assert_eq!(verify(&secret, " 287082\n", t, None), Ok(1));
        for bad in [
            "",
            "28708",
            "2870821",
            "28708a",
            "２８７０８２",
            "-28708",
            "94287082",
        ] {
            assert_eq!(
                verify(&secret, bad, t, None),
                Err(TotpError::Format),
                "{bad:?}"
            );
        }
        // At the epoch there is no step before 0.
        let zero = code_at(&secret, 0);
        assert_eq!(verify(&secret, &zero, 0, None), Ok(0));
        assert_eq!(verify(&secret, &zero, 0, Some(0)), Err(TotpError::Replayed));
        assert_eq!(
            verify(&secret, &zero, u64::MAX, None),
            Err(TotpError::Invalid)
        );
    }

    #[test]
    fn otpauth_uri_follows_the_key_uri_format() {
        let secret = TotpSecret::from_bytes(*RFC_SEED);
        assert_eq!(
            otpauth_uri("Wayfare", "li.wei+trip@example.com", &secret),
            "otpauth://totp/Wayfare:li.wei%2Btrip%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Wayfare&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(
            otpauth_uri("Wayfare 旅行", "+8613812345678", &secret),
            "otpauth://totp/Wayfare%20%E6%97%85%E8%A1%8C:%2B8613812345678?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Wayfare%20%E6%97%85%E8%A1%8C&algorithm=SHA1&digits=6&period=30"
        );
        // A colon in the issuer cannot split the label.
        assert!(otpauth_uri("a:b", "c", &secret).starts_with("otpauth://totp/a%3Ab:c?"));
    }

    proptest! {
        #[test]
        fn base32_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let e = base32_encode(&bytes);
            prop_assert!(e.bytes().all(|b| BASE32_ALPHABET.contains(&b)));
            prop_assert_eq!(e.len(), (bytes.len() * 8).div_ceil(5));
            prop_assert_eq!(base32_decode(&e), Some(bytes));
        }

        #[test]
        fn base32_decode_never_panics(s in "\\PC{0,40}") {
            if let Some(bytes) = base32_decode(&s) {
                let canonical = s.trim_end_matches('=').to_ascii_uppercase();
                prop_assert_eq!(base32_encode(&bytes), canonical);
            }
        }

        #[test]
        fn a_current_code_always_verifies(seed in any::<[u8; 20]>(), t in 30u64..4_000_000_000) {
            let secret = TotpSecret::from_bytes(seed);
            let code = code_at(&secret, t);
            prop_assert_eq!(code.len(), 6);
            let step = verify(&secret, &code, t, None).unwrap();
            // A step in the window matched; normally the current one (a neighbour only on a
            // one-in-a-million code collision).
            prop_assert!(step.abs_diff(step_at(t)) <= 1);
            prop_assert_eq!(verify(&secret, &code, t, Some(step_at(t) + 1)), Err(TotpError::Replayed));
        }
    }
}
