//! Names as travel documents and tickets need them: each part of the Latin name as printed on a
//! passport (A–Z, spaces, hyphens, apostrophes, upper case), and a Chinese name in Chinese
//! characters with the `·` that separates the parts of minority and foreign names
//! (阿沛·阿旺晋美).
//!
//! Full-width letters and punctuation, which Chinese keyboards produce, are read as their
//! ASCII forms, and the usual look-alike dots (・ • ‧ ．) as `·`. Accented letters are refused
//! rather than guessed at: passports spell them out in the machine-readable zone (MÜLLER is
//! MUELLER or MULLER) and the traveller knows which.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Characters in one part (given names or family name) of a passport name.
pub const PASSPORT_NAME_MAX_CHARS: usize = 40;
/// Characters in a Chinese name, separators included.
pub const CHINESE_NAME_MAX_CHARS: usize = 20;
pub const CHINESE_NAME_SEPARATOR: char = '·';

/// Why a name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("no name given")]
    Empty,
    #[error("a passport name has at most {PASSPORT_NAME_MAX_CHARS} characters")]
    PassportTooLong,
    #[error("a passport name has only the letters A to Z, spaces, hyphens and apostrophes")]
    PassportCharacters,
    #[error("a passport name starts and ends with a letter, with one separator between words")]
    PassportForm,
    #[error("a Chinese name has at most {CHINESE_NAME_MAX_CHARS} characters")]
    ChineseTooLong,
    #[error("a Chinese name has only Chinese characters and ·")]
    ChineseCharacters,
    #[error("a · goes between two parts of a Chinese name")]
    ChineseForm,
}

impl NameError {
    pub const ALL: [NameError; 7] = [
        NameError::Empty,
        NameError::PassportTooLong,
        NameError::PassportCharacters,
        NameError::PassportForm,
        NameError::ChineseTooLong,
        NameError::ChineseCharacters,
        NameError::ChineseForm,
    ];

    pub fn reason_key(self) -> &'static str {
        match self {
            NameError::Empty => "reason-required",
            NameError::PassportTooLong => "reason-passport-name-too-long",
            NameError::PassportCharacters => "reason-passport-name-characters",
            NameError::PassportForm => "reason-passport-name-form",
            NameError::ChineseTooLong => "reason-chinese-name-too-long",
            NameError::ChineseCharacters => "reason-chinese-name-characters",
            NameError::ChineseForm => "reason-chinese-name-form",
        }
    }

    /// The argument the message takes: `$max` characters for the lengths.
    pub fn arg(self) -> Option<(&'static str, i64)> {
        match self {
            NameError::PassportTooLong => Some(("max", PASSPORT_NAME_MAX_CHARS as i64)),
            NameError::ChineseTooLong => Some(("max", CHINESE_NAME_MAX_CHARS as i64)),
            _ => None,
        }
    }
}

/// One part of a name as on a passport, e.g. `ZHANG` or `MARY-JANE O'NEIL`: upper-case A–Z
/// words separated by one space, hyphen or apostrophe, 1–40 characters.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PassportName(String);

impl PassportName {
    pub fn parse(input: &str) -> Result<PassportName, NameError> {
        let mut out = String::with_capacity(input.len());
        for c in input.trim().chars().map(fold_full_width) {
            let c = match c {
                '\u{2018}' | '\u{2019}' | '`' | '\u{00B4}' => '\'',
                '\u{2010}' | '\u{2011}' => '-',
                c => c,
            };
            if c.is_whitespace() {
                // Runs of spaces collapse to one; a space next to a hyphen or apostrophe
                // (`SMITH - JONES`) is dropped.
                if !out.is_empty() && !out.ends_with([' ', '-', '\'']) {
                    out.push(' ');
                }
            } else if c == '-' || c == '\'' {
                if out.ends_with(' ') {
                    out.pop();
                }
                out.push(c);
            } else if c.is_ascii_alphabetic() {
                out.push(c.to_ascii_uppercase());
            } else {
                return Err(NameError::PassportCharacters);
            }
        }
        if out.is_empty() {
            return Err(NameError::Empty);
        }
        if out.len() > PASSPORT_NAME_MAX_CHARS {
            return Err(NameError::PassportTooLong);
        }
        let b = out.as_bytes();
        let separator = |x: &u8| !x.is_ascii_alphabetic();
        if separator(&b[0])
            || separator(&b[b.len() - 1])
            || b.windows(2).any(|w| separator(&w[0]) && separator(&w[1]))
        {
            return Err(NameError::PassportForm);
        }
        Ok(PassportName(out))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name in Chinese characters, e.g. 张伟 or 阿沛·阿旺晋美: 1–20 characters, CJK ideographs
/// with `·` only between them. Spaces typed inside are dropped.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChineseName(String);

impl ChineseName {
    pub fn parse(input: &str) -> Result<ChineseName, NameError> {
        let mut out = String::with_capacity(input.len());
        let mut chars = 0usize;
        for c in input.chars() {
            if c.is_whitespace() {
                continue;
            }
            let c = match c {
                '\u{30FB}' | '\u{FF65}' | '\u{2022}' | '\u{2027}' | '\u{2219}' | '\u{22C5}'
                | '\u{FF0E}' | '.' | '\u{2E31}' => CHINESE_NAME_SEPARATOR,
                c => c,
            };
            if c != CHINESE_NAME_SEPARATOR && !is_cjk_ideograph(c) {
                return Err(NameError::ChineseCharacters);
            }
            out.push(c);
            chars += 1;
        }
        if out.is_empty() {
            return Err(NameError::Empty);
        }
        if chars > CHINESE_NAME_MAX_CHARS {
            return Err(NameError::ChineseTooLong);
        }
        if out.starts_with(CHINESE_NAME_SEPARATOR)
            || out.ends_with(CHINESE_NAME_SEPARATOR)
            || out.contains("··")
        {
            return Err(NameError::ChineseForm);
        }
        Ok(ChineseName(out))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Full-width ASCII (U+FF01–U+FF5E) and the ideographic space as ASCII.
fn fold_full_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// CJK Unified Ideographs (the basic block and extensions A–I), compatibility ideographs and
/// 〇: everything Chinese names are written with, rare characters included.
fn is_cjk_ideograph(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{20000}'..='\u{2A6DF}'
        | '\u{2A700}'..='\u{2EBEF}'
        | '\u{2EBF0}'..='\u{2EE5F}'
        | '\u{30000}'..='\u{323AF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{2F800}'..='\u{2FA1F}'
        | '\u{3007}'
    )
}

macro_rules! string_value {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = NameError;

            fn from_str(s: &str) -> Result<$name, NameError> {
                $name::parse(s)
            }
        }

        impl From<$name> for String {
            fn from(n: $name) -> String {
                n.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

string_value!(PassportName);
string_value!(ChineseName);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pn(s: &str) -> Result<String, NameError> {
        PassportName::parse(s).map(String::from)
    }

    fn zh(s: &str) -> Result<String, NameError> {
        ChineseName::parse(s).map(String::from)
    }

    #[test]
    fn passport_names_are_normalised() {
        let cases = [
            ("zhang", "ZHANG"),
            ("  Xiao  Ming ", "XIAO MING"),
            ("mary-jane", "MARY-JANE"),
            ("O'Neil", "O'NEIL"),
            ("O’Neil", "O'NEIL"),
            ("Smith - Jones", "SMITH-JONES"),
            ("ＺＨＡＮＧ\u{3000}ＳＡＮ", "ZHANG SAN"),
            ("d'Artagnan", "D'ARTAGNAN"),
            ("A", "A"),
        ];
        for (input, want) in cases {
            assert_eq!(pn(input), Ok(want.to_owned()), "{input:?}");
        }
    }

    #[test]
    fn passport_names_are_refused() {
        let cases = [
            ("", NameError::Empty),
            ("   ", NameError::Empty),
            ("Müller", NameError::PassportCharacters),
            ("张", NameError::PassportCharacters),
            ("Smith2", NameError::PassportCharacters),
            ("Smith.", NameError::PassportCharacters),
            ("Smith, John", NameError::PassportCharacters),
            ("-SMITH", NameError::PassportForm),
            ("SMITH-", NameError::PassportForm),
            ("'SMITH", NameError::PassportForm),
            ("SMITH--JONES", NameError::PassportForm),
            ("O''NEIL", NameError::PassportForm),
            ("O'-NEIL", NameError::PassportForm),
        ];
        for (input, want) in cases {
            assert_eq!(pn(input), Err(want), "{input:?}");
        }
    }

    #[test]
    fn passport_name_length() {
        assert!(pn(&"A".repeat(40)).is_ok());
        assert_eq!(pn(&"A".repeat(41)), Err(NameError::PassportTooLong));
        // Collapsed spaces do not count.
        let spaced = format!("{}     {}", "A".repeat(20), "B".repeat(19));
        assert_eq!(pn(&spaced).map(|s| s.len()), Ok(40));
        assert_eq!(NameError::PassportTooLong.arg(), Some(("max", 40)));
    }

    #[test]
    fn chinese_names() {
        let ok = [
            ("张伟", "张伟"),
            (" 张 伟 ", "张伟"),
            ("阿沛·阿旺晋美", "阿沛·阿旺晋美"),
            ("阿沛・阿旺晋美", "阿沛·阿旺晋美"),
            ("阿沛•阿旺晋美", "阿沛·阿旺晋美"),
            ("阿沛.阿旺晋美", "阿沛·阿旺晋美"),
            ("王〇", "王〇"),
            ("𠮷野", "𠮷野"),
            ("龘", "龘"),
        ];
        for (input, want) in ok {
            assert_eq!(zh(input), Ok(want.to_owned()), "{input:?}");
        }
        let bad = [
            ("", NameError::Empty),
            ("\u{3000}", NameError::Empty),
            ("张三abc", NameError::ChineseCharacters),
            ("张三1", NameError::ChineseCharacters),
            ("さくら", NameError::ChineseCharacters),
            ("김철수", NameError::ChineseCharacters),
            ("张-三", NameError::ChineseCharacters),
            ("·张三", NameError::ChineseForm),
            ("张三·", NameError::ChineseForm),
            ("张··三", NameError::ChineseForm),
            ("·", NameError::ChineseForm),
        ];
        for (input, want) in bad {
            assert_eq!(zh(input), Err(want), "{input:?}");
        }
        assert!(zh(&"张".repeat(20)).is_ok());
        assert_eq!(zh(&"张".repeat(21)), Err(NameError::ChineseTooLong));
        // Counted in characters: 20 four-byte ideographs are fine.
        assert!(zh(&"𠮷".repeat(20)).is_ok());
    }

    #[test]
    fn serde_round_trip() {
        let n = PassportName::parse("mary-jane").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"MARY-JANE\"");
        assert_eq!(
            serde_json::from_str::<PassportName>("\"mary-jane\"").unwrap(),
            n
        );
        assert!(serde_json::from_str::<PassportName>("\"Müller\"").is_err());
        let z = ChineseName::parse("张伟").unwrap();
        assert_eq!(serde_json::from_str::<ChineseName>("\"张伟\"").unwrap(), z);
    }

    proptest! {
        #[test]
        fn passport_names_are_canonical(s in "[a-zA-Z '\\-]{0,50}") {
            if let Ok(n) = PassportName::parse(&s) {
                let v = n.as_str();
                prop_assert!((1..=40).contains(&v.len()));
                prop_assert!(v.bytes().all(|b| b.is_ascii_uppercase() || b" -'".contains(&b)));
                prop_assert_eq!(PassportName::parse(v), Ok(n.clone()));
            }
        }

        #[test]
        fn passport_parse_never_panics(s in "\\PC{0,60}") {
            let _ = PassportName::parse(&s);
            let _ = ChineseName::parse(&s);
        }
    }
}
