//! E-mail addresses as accounts hold them: trimmed, lowercased, one plain `local@domain`.
//!
//! Deliberately narrower than RFC 5322: no quoted local parts, comments, IP-literal domains or
//! internationalised (non-ASCII) addresses. What is accepted is what every mail provider
//! delivers and every person can type, and lowercasing the whole address makes one spelling
//! per mailbox, which the unique index on `users.email` relies on.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The longest address a mail server must accept (RFC 5321 path limit less the brackets).
pub const EMAIL_MAX_LEN: usize = 254;
/// RFC 5321: a local part of at most 64 octets.
pub const EMAIL_LOCAL_MAX_LEN: usize = 64;
const LABEL_MAX_LEN: usize = 63;

/// Why an input is not an e-mail address we accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("no e-mail address given")]
    Empty,
    #[error("an e-mail address has at most {EMAIL_MAX_LEN} characters")]
    TooLong,
    #[error("an e-mail address has no spaces or control characters")]
    Whitespace,
    #[error("an e-mail address has an @")]
    MissingAt,
    #[error("an e-mail address has one @")]
    MultipleAt,
    #[error("the part before the @ is not valid")]
    LocalPart,
    #[error("the part after the @ is not a valid domain")]
    Domain,
}

impl EmailError {
    pub const ALL: [EmailError; 7] = [
        EmailError::Empty,
        EmailError::TooLong,
        EmailError::Whitespace,
        EmailError::MissingAt,
        EmailError::MultipleAt,
        EmailError::LocalPart,
        EmailError::Domain,
    ];

    /// The Fluent key of the message shown to the user.
    pub fn reason_key(self) -> &'static str {
        match self {
            EmailError::Empty => "reason-required",
            EmailError::TooLong => "reason-email-too-long",
            EmailError::Whitespace => "reason-email-spaces",
            EmailError::MissingAt => "reason-email-missing-at",
            EmailError::MultipleAt => "reason-email-multiple-at",
            EmailError::LocalPart => "reason-email-local-part",
            EmailError::Domain => "reason-email-domain",
        }
    }

    /// The argument the message takes, if any (`$max` for the length).
    pub fn arg(self) -> Option<(&'static str, i64)> {
        match self {
            EmailError::TooLong => Some(("max", EMAIL_MAX_LEN as i64)),
            _ => None,
        }
    }
}

/// A valid e-mail address, all lowercase. Only [`EmailAddress::parse`] makes one.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Trims surrounding whitespace, lowercases and checks the result.
    pub fn parse(input: &str) -> Result<EmailAddress, EmailError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailError::Whitespace);
        }
        if s.chars().count() > EMAIL_MAX_LEN {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = match s.split_once('@') {
            None => return Err(EmailError::MissingAt),
            Some((_, d)) if d.contains('@') => return Err(EmailError::MultipleAt),
            Some(parts) => parts,
        };
        if !valid_local_part(local) {
            return Err(EmailError::LocalPart);
        }
        if !valid_domain(domain) {
            return Err(EmailError::Domain);
        }
        Ok(EmailAddress(s.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        self.0.split_once('@').map_or("", |(l, _)| l)
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map_or("", |(_, d)| d)
    }

    /// For "we sent a code to …" without showing the whole address: `j***@example.com`.
    pub fn masked(&self) -> String {
        let local = self.local_part();
        let first = local.chars().next().unwrap_or('*');
        format!("{first}***@{}", self.domain())
    }
}

/// RFC 5322 `dot-atom-text`: atext characters, dots only between them.
fn valid_local_part(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";
    !local.is_empty()
        && local.len() <= EMAIL_LOCAL_MAX_LEN
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
        })
}

/// A host name of at least two labels: letters, digits and inner hyphens, each label 1–63
/// characters, and a top-level label that is not all digits (so no IP addresses).
fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && domain.len() <= EMAIL_MAX_LEN - 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= LABEL_MAX_LEN
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()))
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailAddress({})", self.0)
    }
}

impl FromStr for EmailAddress {
    type Err = EmailError;

    fn from_str(s: &str) -> Result<EmailAddress, EmailError> {
        EmailAddress::parse(s)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = EmailError;

    fn try_from(s: String) -> Result<EmailAddress, EmailError> {
        EmailAddress::parse(&s)
    }
}

impl From<EmailAddress> for String {
    fn from(e: EmailAddress) -> String {
        e.0
    }
}

impl Serialize for EmailAddress {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<EmailAddress, D::Error> {
        let s = String::deserialize(d)?;
        EmailAddress::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_and_normalises() {
        let e = EmailAddress::parse("  Li.Wei+Trips@Example.COM \n").unwrap();
        assert_eq!(e.as_str(), "li.wei+trips@example.com");
        assert_eq!(e.local_part(), "li.wei+trips");
        assert_eq!(e.domain(), "example.com");
        assert_eq!(e.masked(), "l***@example.com");
        for ok in [
            "a@b.co",
            "12345678@qq.com",
            "x_y-z@mail.163.com",
            "o'brien@example.ie",
            "user@xn--fiqs8s.cn",
            "a@1.2.3.com",
            "first.last@sub-domain.example.travel",
        ] {
            assert!(EmailAddress::parse(ok).is_ok(), "{ok}");
        }
        // Ideographic space (what a Chinese keyboard types) is trimmed too.
        assert_eq!(
            EmailAddress::parse("\u{3000}a@b.cn\u{3000}")
                .unwrap()
                .as_str(),
            "a@b.cn"
        );
    }

    #[test]
    fn refuses_with_a_reason() {
        let cases = [
            ("", EmailError::Empty),
            ("   ", EmailError::Empty),
            ("li wei@example.com", EmailError::Whitespace),
            ("a@exa\tmple.com", EmailError::Whitespace),
            ("a\u{0}@example.com", EmailError::Whitespace),
            ("example.com", EmailError::MissingAt),
            ("a@b@example.com", EmailError::MultipleAt),
            ("@example.com", EmailError::LocalPart),
            (".a@example.com", EmailError::LocalPart),
            ("a.@example.com", EmailError::LocalPart),
            ("a..b@example.com", EmailError::LocalPart),
            ("\"a b\"@example.com", EmailError::Whitespace),
            ("\"ab\"@example.com", EmailError::LocalPart),
            ("a(b)@example.com", EmailError::LocalPart),
            ("李伟@example.com", EmailError::LocalPart),
            ("a@", EmailError::Domain),
            ("a@localhost", EmailError::Domain),
            ("a@example", EmailError::Domain),
            ("a@example.", EmailError::Domain),
            ("a@.example.com", EmailError::Domain),
            ("a@example..com", EmailError::Domain),
            ("a@-example.com", EmailError::Domain),
            ("a@example-.com", EmailError::Domain),
            ("a@exa_mple.com", EmailError::Domain),
            ("a@127.0.0.1", EmailError::Domain),
            ("a@[127.0.0.1]", EmailError::Domain),
            ("a@例子.中国", EmailError::Domain),
        ];
        for (input, want) in cases {
            assert_eq!(EmailAddress::parse(input), Err(want), "{input:?}");
        }
    }

    #[test]
    fn length_limits() {
        let local64 = "a".repeat(64);
        assert!(EmailAddress::parse(&format!("{local64}@example.com")).is_ok());
        assert_eq!(
            EmailAddress::parse(&format!("a{local64}@example.com")),
            Err(EmailError::LocalPart)
        );
        let label63 = "b".repeat(63);
        assert!(EmailAddress::parse(&format!("a@{label63}.com")).is_ok());
        assert_eq!(
            EmailAddress::parse(&format!("a@b{label63}.com")),
            Err(EmailError::Domain)
        );
        // Exactly 254 characters: 64 + "@" + three 61-letter labels and ".com" (189).
        let domain = format!(
            "{}.{}.{}.com",
            "c".repeat(61),
            "d".repeat(61),
            "e".repeat(61)
        );
        let addr = format!("{local64}@{domain}");
        assert_eq!(addr.len(), 254);
        assert!(EmailAddress::parse(&addr).is_ok());
        let too_long = format!("{local64}@f{domain}");
        assert_eq!(EmailAddress::parse(&too_long), Err(EmailError::TooLong));
    }

    #[test]
    fn serde_round_trip_and_refusal() {
        let e = EmailAddress::parse("A@B.CN").unwrap();
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json, "\"a@b.cn\"");
        assert_eq!(serde_json::from_str::<EmailAddress>(&json).unwrap(), e);
        assert!(serde_json::from_str::<EmailAddress>("\"not-an-address\"").is_err());
    }

    #[test]
    fn reason_keys_are_stable() {
        assert_eq!(EmailError::Domain.reason_key(), "reason-email-domain");
        assert_eq!(EmailError::TooLong.arg(), Some(("max", 254)));
    }

    proptest! {
        #[test]
        fn never_panics_and_accepts_only_canonical_forms(s in "\\PC{0,80}") {
            if let Ok(e) = EmailAddress::parse(&s) {
                prop_assert_eq!(e.as_str(), e.as_str().to_ascii_lowercase());
                prop_assert_eq!(e.as_str().matches('@').count(), 1);
                prop_assert!(e.as_str().len() <= EMAIL_MAX_LEN);
                // Parsing is idempotent.
                prop_assert_eq!(EmailAddress::parse(e.as_str()), Ok(e.clone()));
            }
        }

        #[test]
        fn generated_addresses_parse(
            local in "[a-zA-Z0-9_+-]{1,20}(\\.[a-zA-Z0-9]{1,10}){0,2}",
            labels in proptest::collection::vec("[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?", 1..4),
            tld in "[a-zA-Z]{2,6}",
        ) {
            let addr = format!("{local}@{}.{tld}", labels.join("."));
            let e = EmailAddress::parse(&addr).unwrap();
            prop_assert_eq!(e.as_str(), addr.to_ascii_lowercase());
        }
    }
}
