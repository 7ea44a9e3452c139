//! Accounts: the pure rules behind registration, sign-in and the traveller's profile — e-mail
//! addresses, phone numbers, names, password policy, TOTP, one-time and recovery codes,
//! secret tokens, roles, sign-in throttling and saved preferences. No I/O: clocks and
//! randomness come from the caller.
//!
//! Every refusal has a stable Fluent key (`reason-…`, listed in [`REASON_KEYS`]) that the web
//! layer translates; some take an argument (`$max`, `$min`, `$seconds`, `$minutes`).

pub mod codes;
pub mod email;
pub mod names;
pub mod password;
pub mod phone;
pub mod preferences;
pub mod role;
pub mod throttle;
pub mod totp;

pub use codes::{
    NO_LOOK_ALIKE_ALPHABET, RECOVERY_CODES_PER_ENROLMENT, SecretToken, constant_time_eq,
    hmac_code_hash, normalise_recovery_code, one_time_code, recovery_codes, sha256_hex,
};
pub use email::{EmailAddress, EmailError};
pub use names::{ChineseName, NameError, PassportName};
pub use password::{PasswordContext, PasswordPolicy, PasswordProblem, is_common_password};
pub use phone::{Identifier, IdentifierError, PhoneError, PhoneNumber};
pub use preferences::{
    MealPreference, NotificationChannel, NotificationEvent, NotificationPrefs,
    NotificationPrefsError, SeatPreference, TravelPreferences,
};
pub use role::{Role, UnknownRole, can_grant, can_revoke};
pub use throttle::{
    RetryAfter, ThrottlePolicy, ThrottleState, account_throttle_key, ip_throttle_key,
};
pub use totp::{TotpError, TotpSecret, code_at, otpauth_uri, verify};

/// Every reason key this module can return, for the web layer's translation test. Some are
/// shared with other validations (`reason-required`, `reason-unknown-cabin`, …) and already
/// translated.
pub const REASON_KEYS: &[&str] = &[
    // shared with existing validations
    "reason-required",
    "reason-unknown-cabin",
    "reason-unknown-airline",
    "reason-star-rating",
    "reason-unknown-amenity",
    "reason-unknown-language",
    "reason-unknown-currency",
    // e-mail
    "reason-email-too-long",
    "reason-email-spaces",
    "reason-email-missing-at",
    "reason-email-multiple-at",
    "reason-email-local-part",
    "reason-email-domain",
    // phone and identifier
    "reason-phone-characters",
    "reason-phone-missing-country-code",
    "reason-phone-country-code",
    "reason-phone-length",
    "reason-phone-china-mobile",
    "reason-identifier-required",
    // password
    "reason-password-too-short",
    "reason-password-too-long",
    "reason-password-common",
    "reason-password-contains-email",
    "reason-password-contains-phone",
    // TOTP
    "reason-totp-format",
    "reason-totp-invalid",
    "reason-totp-replayed",
    "reason-totp-secret",
    // roles
    "reason-unknown-role",
    // throttling
    "reason-throttle-wait",
    "reason-throttle-locked",
    // preferences
    "reason-too-many-items",
    "reason-duplicate-item",
    "reason-notification-required",
    // names
    "reason-passport-name-too-long",
    "reason-passport-name-characters",
    "reason-passport-name-form",
    "reason-chinese-name-too-long",
    "reason-chinese-name-characters",
    "reason-chinese-name-form",
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every key an error can produce is listed, and every listed key is produced somewhere,
    /// so the list the translators work from is exact.
    #[test]
    fn reason_keys_are_listed_and_used() {
        let mut produced: BTreeSet<&'static str> = BTreeSet::new();
        produced.extend(EmailError::ALL.iter().map(|e| e.reason_key()));
        produced.extend(PhoneError::ALL.iter().map(|e| e.reason_key()));
        produced.insert(IdentifierError::Empty.reason_key());
        produced.extend(
            [
                PasswordProblem::TooShort { min: 10 },
                PasswordProblem::TooLong { max: 128 },
                PasswordProblem::Common,
                PasswordProblem::ContainsEmail,
                PasswordProblem::ContainsPhone,
            ]
            .map(PasswordProblem::reason_key),
        );
        produced.extend(
            [
                TotpError::Format,
                TotpError::Invalid,
                TotpError::Replayed,
                TotpError::Secret,
            ]
            .map(TotpError::reason_key),
        );
        produced.insert(UnknownRole(String::new()).reason_key());
        for locked in [false, true] {
            produced.insert(RetryAfter { secs: 1, locked }.reason_key());
        }
        produced.insert(NotificationPrefsError::NotSwitchable.reason_key());
        produced.extend(NameError::ALL.iter().map(|e| e.reason_key()));
        // The preference reasons come from `validate`; provoke each one.
        let bad = [
            TravelPreferences {
                cabin: Some("x".into()),
                ..Default::default()
            },
            TravelPreferences {
                preferred_airlines: vec!["x".into()],
                ..Default::default()
            },
            TravelPreferences {
                preferred_airlines: vec!["CA".into(), "CA".into()],
                ..Default::default()
            },
            TravelPreferences {
                preferred_airlines: vec!["CA".into(); 11],
                ..Default::default()
            },
            TravelPreferences {
                hotel_min_stars: Some(9),
                ..Default::default()
            },
            TravelPreferences {
                hotel_amenities: vec!["x".into()],
                ..Default::default()
            },
            TravelPreferences {
                language: Some("x".into()),
                ..Default::default()
            },
            TravelPreferences {
                currency: Some("x".into()),
                ..Default::default()
            },
        ];
        produced.extend(bad.iter().map(|p| p.validate().unwrap_err().reason));

        let listed: BTreeSet<&str> = REASON_KEYS.iter().copied().collect();
        assert_eq!(listed.len(), REASON_KEYS.len(), "a key is listed twice");
        let unlisted: Vec<_> = produced.difference(&listed).collect();
        let unused: Vec<_> = listed.difference(&produced).collect();
        assert!(unlisted.is_empty(), "not in REASON_KEYS: {unlisted:?}");
        assert!(unused.is_empty(), "listed but never produced: {unused:?}");
        for k in REASON_KEYS {
            assert!(k.starts_with("reason-"), "{k}");
            assert!(
                k.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{k} is not kebab-case"
            );
        }
    }
}
