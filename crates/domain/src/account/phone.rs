//! Mobile numbers in E.164 (`+8613812345678`), and the sign-in identifier that is either an
//! e-mail address or a phone number.
//!
//! Input may carry spaces, dashes and parentheses (also their full-width forms, which Chinese
//! keyboards type), the `00` international prefix instead of `+`, and a trunk `(0)` as in
//! `+44 (0)20 …`. A bare 11-digit number starting with 1 is a mainland China mobile (the
//! default market), so `138 1234 5678` is `+8613812345678`. Mainland China numbers must be
//! mobiles (1 and 3–9, then nine digits): only those can receive the SMS codes an account needs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::email::{EmailAddress, EmailError};

/// Digits after the `+`: E.164 allows up to 15; fewer than 8 is no real subscriber number.
pub const PHONE_MIN_DIGITS: usize = 8;
pub const PHONE_MAX_DIGITS: usize = 15;
/// Mainland China's country calling code.
pub const CHINA_CALLING_CODE: &str = "86";

/// Why an input is not a phone number we accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("no phone number given")]
    Empty,
    #[error("a phone number has only digits, spaces, dashes, parentheses and a leading +")]
    Characters,
    #[error("a phone number starts with + and the country code")]
    MissingCountryCode,
    #[error("country codes do not start with 0")]
    CountryCode,
    #[error("a phone number has {PHONE_MIN_DIGITS} to {PHONE_MAX_DIGITS} digits")]
    Length,
    #[error("a mainland China number must be an 11-digit mobile number starting with 13 to 19")]
    ChinaMobile,
}

impl PhoneError {
    pub const ALL: [PhoneError; 6] = [
        PhoneError::Empty,
        PhoneError::Characters,
        PhoneError::MissingCountryCode,
        PhoneError::CountryCode,
        PhoneError::Length,
        PhoneError::ChinaMobile,
    ];

    /// The Fluent key of the message shown to the user.
    pub fn reason_key(self) -> &'static str {
        match self {
            PhoneError::Empty => "reason-required",
            PhoneError::Characters => "reason-phone-characters",
            PhoneError::MissingCountryCode => "reason-phone-missing-country-code",
            PhoneError::CountryCode => "reason-phone-country-code",
            PhoneError::Length => "reason-phone-length",
            PhoneError::ChinaMobile => "reason-phone-china-mobile",
        }
    }

    /// The arguments the message takes: `$min` and `$max` digits for the length.
    pub fn args(self) -> &'static [(&'static str, i64)] {
        match self {
            PhoneError::Length => &[
                ("min", PHONE_MIN_DIGITS as i64),
                ("max", PHONE_MAX_DIGITS as i64),
            ],
            _ => &[],
        }
    }
}

/// A phone number in E.164 form: `+` and 8–15 digits, not starting with 0; a `+86` number is a
/// mainland China mobile. Only [`PhoneNumber::parse`] makes one.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<PhoneNumber, PhoneError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(PhoneError::Empty);
        }
        let mut plus = false;
        let mut digits = String::with_capacity(16);
        let mut rest = s;
        while let Some(c) = rest.chars().next() {
            let c = fold_full_width(c);
            let len = rest.chars().next().map_or(1, char::len_utf8);
            match c {
                '+' if !plus && digits.is_empty() => plus = true,
                '0'..='9' => digits.push(c),
                // A trunk prefix written in parentheses after the country code, `+44 (0)20`.
                '(' if (plus || digits.starts_with("00"))
                    && !digits.is_empty()
                    && is_trunk_zero(rest) =>
                {
                    let skip: usize = rest.chars().take(3).map(char::len_utf8).sum();
                    rest = &rest[skip..];
                    continue;
                }
                '-' | '(' | ')' => {}
                c if c.is_whitespace() => {}
                _ => return Err(PhoneError::Characters),
            }
            rest = &rest[len..];
        }
        if digits.is_empty() {
            return Err(PhoneError::Length);
        }
        let international = if plus {
            digits
        } else if let Some(d) = digits.strip_prefix("00") {
            d.to_owned()
        } else if digits.len() == 11 && digits.starts_with('1') {
            format!("{CHINA_CALLING_CODE}{digits}")
        } else {
            return Err(PhoneError::MissingCountryCode);
        };
        if international.starts_with('0') {
            return Err(PhoneError::CountryCode);
        }
        if !(PHONE_MIN_DIGITS..=PHONE_MAX_DIGITS).contains(&international.len()) {
            return Err(PhoneError::Length);
        }
        if let Some(national) = international.strip_prefix(CHINA_CALLING_CODE)
            && !is_china_mobile(national)
        {
            return Err(PhoneError::ChinaMobile);
        }
        Ok(PhoneNumber(format!("+{international}")))
    }

    /// The E.164 form, `+8613812345678`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// The digits after the `+`.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }

    /// The country calling code (`86`, `1`, `852`), by the ITU's assignment of 1-, 2- and
    /// 3-digit codes.
    pub fn country_code(&self) -> &str {
        let d = self.digits();
        &d[..country_code_len(d)]
    }

    /// The national significant number: the digits after the country code.
    pub fn national_number(&self) -> &str {
        let d = self.digits();
        &d[country_code_len(d)..]
    }

    pub fn is_mainland_china(&self) -> bool {
        self.country_code() == CHINA_CALLING_CODE
    }

    /// For display without giving the number away: `+86 138****5678`.
    pub fn masked(&self) -> String {
        let national = self.national_number();
        let n = national.len();
        let (head, tail) = match n {
            9.. => (3, 4),
            8 => (1, 4),
            _ => (1, 2),
        };
        format!(
            "+{} {}{}{}",
            self.country_code(),
            &national[..head],
            "*".repeat(n - head - tail),
            &national[n - tail..]
        )
    }
}

/// Whether `s` starts with `(0)`, in ASCII or full-width parentheses.
fn is_trunk_zero(s: &str) -> bool {
    let mut it = s.chars().map(fold_full_width);
    it.next() == Some('(') && it.next() == Some('0') && it.next() == Some(')')
}

/// Full-width digits, plus, hyphen and parentheses as the ASCII ones.
fn fold_full_width(c: char) -> char {
    match c {
        '\u{FF10}'..='\u{FF19}' | '\u{FF0B}' | '\u{FF0D}' | '\u{FF08}' | '\u{FF09}' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    }
}

/// Mainland China mobiles: 11 digits, `1` then `3`–`9` (MIIT numbering plan; 12x and below
/// are service and IoT ranges that take no SMS).
fn is_china_mobile(national: &str) -> bool {
    let b = national.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

/// How many leading digits of an E.164 number are the country calling code. Zones 1 and 7
/// are one digit; the two-digit codes are listed; every other code has three digits.
fn country_code_len(digits: &str) -> usize {
    const TWO_DIGIT: [&str; 43] = [
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95",
    ];
    if digits.starts_with('1') || digits.starts_with('7') {
        1
    } else if TWO_DIGIT.iter().any(|c| digits.starts_with(c)) || digits.starts_with("98") {
        2
    } else {
        3.min(digits.len())
    }
}

impl AsRef<str> for PhoneNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.0)
    }
}

impl FromStr for PhoneNumber {
    type Err = PhoneError;

    fn from_str(s: &str) -> Result<PhoneNumber, PhoneError> {
        PhoneNumber::parse(s)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneError;

    fn try_from(s: String) -> Result<PhoneNumber, PhoneError> {
        PhoneNumber::parse(&s)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.0
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<PhoneNumber, D::Error> {
        let s = String::deserialize(d)?;
        PhoneNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// What a person signs in or registers with: an e-mail address if the input has an `@`,
/// otherwise a phone number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identifier {
    Email(EmailAddress),
    Phone(PhoneNumber),
}

/// Why a sign-in identifier was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("give an e-mail address or a mobile number")]
    Empty,
    #[error(transparent)]
    Email(#[from] EmailError),
    #[error(transparent)]
    Phone(#[from] PhoneError),
}

impl IdentifierError {
    pub fn reason_key(self) -> &'static str {
        match self {
            IdentifierError::Empty => "reason-identifier-required",
            IdentifierError::Email(e) => e.reason_key(),
            IdentifierError::Phone(e) => e.reason_key(),
        }
    }
}

impl Identifier {
    pub fn parse(input: &str) -> Result<Identifier, IdentifierError> {
        let s = input.trim();
        if s.is_empty() {
            Err(IdentifierError::Empty)
        } else if s.contains('@') || s.contains('\u{FF20}') {
            // A full-width ＠ is a typing slip for an address, not a phone character.
            Ok(Identifier::Email(EmailAddress::parse(s)?))
        } else {
            Ok(Identifier::Phone(PhoneNumber::parse(s)?))
        }
    }

    /// The normalised form (lowercase address or E.164 number), as stored and as throttling
    /// keys use it.
    pub fn as_str(&self) -> &str {
        match self {
            Identifier::Email(e) => e.as_str(),
            Identifier::Phone(p) => p.as_str(),
        }
    }

    /// `"email"` or `"phone"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Identifier::Email(_) => "email",
            Identifier::Phone(_) => "phone",
        }
    }

    pub fn masked(&self) -> String {
        match self {
            Identifier::Email(e) => e.masked(),
            Identifier::Phone(p) => p.masked(),
        }
    }

    pub fn email(&self) -> Option<&EmailAddress> {
        match self {
            Identifier::Email(e) => Some(e),
            Identifier::Phone(_) => None,
        }
    }

    pub fn phone(&self) -> Option<&PhoneNumber> {
        match self {
            Identifier::Phone(p) => Some(p),
            Identifier::Email(_) => None,
        }
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Result<String, PhoneError> {
        PhoneNumber::parse(s).map(PhoneNumber::into_string)
    }

    #[test]
    fn normalises_separators_and_prefixes() {
        let want = Ok("+8613812345678".to_owned());
        for input in [
            "+8613812345678",
            "+86 138 1234 5678",
            "+86-138-1234-5678",
            "+86 (138) 1234-5678",
            "  0086 138 1234 5678 ",
            "13812345678",
            "138 1234 5678",
            "＋８６ １３８－１２３４－５６７８",
            "（+86）13812345678",
            "+86\u{3000}13812345678",
        ] {
            assert_eq!(p(input), want, "{input:?}");
        }
        assert_eq!(p("+44 (0)20 7946 0958"), Ok("+442079460958".to_owned()));
        assert_eq!(p("0044 (0) 20 7946 0958"), Ok("+442079460958".to_owned()));
        assert_eq!(p("0044(0)2079460958"), Ok("+442079460958".to_owned()));
        assert_eq!(p("+1 (415) 555-2671"), Ok("+14155552671".to_owned()));
        assert_eq!(p("+852 5123 4567"), Ok("+85251234567".to_owned()));
        assert_eq!(p("+886 912 345 678"), Ok("+886912345678".to_owned()));
    }

    #[test]
    fn refuses_with_a_reason() {
        let cases = [
            ("", PhoneError::Empty),
            ("  ", PhoneError::Empty),
            ("+86 138 1234 567a", PhoneError::Characters),
            ("+86.138.1234.5678", PhoneError::Characters),
            ("+86 138 1234 5678 ext 1", PhoneError::Characters),
            ("86+13812345678", PhoneError::Characters),
            ("++8613812345678", PhoneError::Characters),
            ("+", PhoneError::Length),
            ("---", PhoneError::Length),
            ("(0)", PhoneError::MissingCountryCode),
            ("2079460958", PhoneError::MissingCountryCode),
            ("23812345678", PhoneError::MissingCountryCode),
            ("1381234567", PhoneError::MissingCountryCode),
            ("+0 123 4567 890", PhoneError::CountryCode),
            ("000861381234567", PhoneError::CountryCode),
            ("+4420794", PhoneError::Length),
            ("+1234567890123456", PhoneError::Length),
            ("+86 12812345678", PhoneError::ChinaMobile),
            ("+86 10 6552 9988", PhoneError::ChinaMobile),
            ("+86 138 1234 567", PhoneError::ChinaMobile),
            ("+86 138 1234 56789", PhoneError::ChinaMobile),
            ("+86 238 1234 5678", PhoneError::ChinaMobile),
            ("11012345678", PhoneError::ChinaMobile),
            ("12012345678", PhoneError::ChinaMobile),
        ];
        for (input, want) in cases {
            assert_eq!(p(input), Err(want), "{input:?}");
        }
    }

    #[test]
    fn length_boundaries() {
        assert_eq!(p("+4412345"), Err(PhoneError::Length));
        assert_eq!(p("+44123456"), Ok("+44123456".to_owned()));
        assert_eq!(p("+123456789012345"), Ok("+123456789012345".to_owned()));
        assert_eq!(p("+1234567890123456"), Err(PhoneError::Length));
    }

    #[test]
    fn every_china_mobile_prefix() {
        for second in 0..=9u8 {
            let input = format!("+861{second}812345678");
            let ok = second >= 3;
            assert_eq!(PhoneNumber::parse(&input).is_ok(), ok, "{input}");
        }
    }

    #[test]
    fn parts_and_masking() {
        let cn = PhoneNumber::parse("13812345678").unwrap();
        assert!(cn.is_mainland_china());
        assert_eq!(cn.country_code(), "86");
        assert_eq!(cn.national_number(), "13812345678");
        assert_eq!(cn.digits(), "8613812345678");
        assert_eq!(cn.masked(), "+86 138****5678");

        let hk = PhoneNumber::parse("+852 5123 4567").unwrap();
        assert!(!hk.is_mainland_china());
        assert_eq!(hk.country_code(), "852");
        assert_eq!(hk.masked(), "+852 5***4567");

        let us = PhoneNumber::parse("+1 415 555 2671").unwrap();
        assert_eq!(us.country_code(), "1");
        assert_eq!(us.masked(), "+1 415***2671");

        let uk = PhoneNumber::parse("+44 20 7946 0958").unwrap();
        assert_eq!(uk.country_code(), "44");
        assert_eq!(uk.masked(), "+44 207***0958");

        let ru = PhoneNumber::parse("+7 912 345 67 89").unwrap();
        assert_eq!(ru.country_code(), "7");
        let ir = PhoneNumber::parse("+98 912 345 6789").unwrap();
        assert_eq!(ir.country_code(), "98");
        let short = PhoneNumber::parse("+3541234567").unwrap();
        assert_eq!(short.country_code(), "354");
        assert_eq!(short.masked(), "+354 1****67");
    }

    #[test]
    fn identifier_picks_by_at_sign() {
        assert_eq!(
            Identifier::parse(" Li@Example.com ").unwrap(),
            Identifier::Email(EmailAddress::parse("li@example.com").unwrap())
        );
        let phone = Identifier::parse("138 1234 5678").unwrap();
        assert_eq!(phone.as_str(), "+8613812345678");
        assert_eq!(phone.kind(), "phone");
        assert_eq!(phone.masked(), "+86 138****5678");
        assert!(phone.email().is_none() && phone.phone().is_some());
        assert_eq!(Identifier::parse(""), Err(IdentifierError::Empty));
        assert_eq!(
            Identifier::parse("li@example"),
            Err(IdentifierError::Email(EmailError::Domain))
        );
        assert_eq!(
            Identifier::parse("li＠example.com"),
            Err(IdentifierError::Email(EmailError::MissingAt))
        );
        assert_eq!(
            Identifier::parse("li.example.com").map_err(IdentifierError::reason_key),
            Err("reason-phone-characters")
        );
    }

    #[test]
    fn serde_round_trip() {
        let n = PhoneNumber::parse("+86 138 1234 5678").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"+8613812345678\"");
        assert_eq!(
            serde_json::from_str::<PhoneNumber>("\"+8613812345678\"").unwrap(),
            n
        );
        assert!(serde_json::from_str::<PhoneNumber>("\"+8610123\"").is_err());
    }

    proptest! {
        #[test]
        fn parsed_numbers_are_e164(s in "[+0-9 ()\\-]{0,24}") {
            if let Ok(n) = PhoneNumber::parse(&s) {
                let digits = n.digits();
                prop_assert!(n.as_str().starts_with('+'));
                prop_assert!(digits.bytes().all(|b| b.is_ascii_digit()));
                prop_assert!((PHONE_MIN_DIGITS..=PHONE_MAX_DIGITS).contains(&digits.len()));
                prop_assert!(!digits.starts_with('0'));
                prop_assert_eq!(PhoneNumber::parse(n.as_str()), Ok(n.clone()));
                prop_assert_eq!(format!("{}{}", n.country_code(), n.national_number()), digits);
                prop_assert!(n.masked().ends_with(&digits[digits.len() - 2..]));
            }
        }

        #[test]
        fn china_mobiles_round_trip(second in 3u8..=9, rest in "[0-9]{9}") {
            let national = format!("1{second}{rest}");
            let n = PhoneNumber::parse(&national).unwrap();
            prop_assert_eq!(n.as_str(), format!("+86{national}"));
            prop_assert_eq!(n.masked(), format!("+86 {}****{}", &national[..3], &national[7..]));
        }
    }
}
