//! Booking references: six characters a traveller reads out on the phone, from an alphabet
//! without look-alikes (no 0/O, 1/I/L, no U/V), so there is no doubt what was said or typed.
//! 29 characters give 29⁶ ≈ 594 million references; the store's unique index catches the rare
//! collision and the caller draws again.

use std::fmt;

use serde::{Deserialize, Serialize};

pub const REFERENCE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTWXYZ23456789";
pub const REFERENCE_LEN: usize = 6;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BookingReference(String);

impl BookingReference {
    /// A uniformly random reference.
    pub fn generate(rng: &mut impl rand::Rng) -> BookingReference {
        BookingReference(
            (0..REFERENCE_LEN)
                .map(|_| {
                    char::from(REFERENCE_ALPHABET[rng.random_range(0..REFERENCE_ALPHABET.len())])
                })
                .collect(),
        )
    }

    /// A reference as typed: spaces and dashes ignored, any case. `None` unless it is six
    /// characters of the alphabet.
    pub fn parse(input: &str) -> Option<BookingReference> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        (s.len() == REFERENCE_LEN && s.bytes().all(|b| REFERENCE_ALPHABET.contains(&b)))
            .then_some(BookingReference(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BookingReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for BookingReference {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        BookingReference::parse(&s).ok_or(s)
    }
}

impl From<BookingReference> for String {
    fn from(r: BookingReference) -> String {
        r.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alphabet_has_no_look_alikes() {
        for c in b"0O1IL UV" {
            assert!(!REFERENCE_ALPHABET.contains(c), "{}", char::from(*c));
        }
        let mut sorted = REFERENCE_ALPHABET.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), REFERENCE_ALPHABET.len());
    }

    #[test]
    fn generated_references_parse_and_use_the_whole_alphabet() {
        let mut rng = rand::rng();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            let r = BookingReference::generate(&mut rng);
            assert_eq!(BookingReference::parse(r.as_str()), Some(r.clone()));
            seen.extend(r.as_str().bytes());
        }
        assert_eq!(seen.len(), REFERENCE_ALPHABET.len());
    }

    #[test]
    fn typed_references_are_forgiving_about_case_and_spacing_only() {
        assert_eq!(
            BookingReference::parse(" k7m-2pq ").map(|r| r.0),
            Some("K7M2PQ".into())
        );
        assert_eq!(BookingReference::parse("K7M2P"), None);
        assert_eq!(BookingReference::parse("K7M2PQX"), None);
        // 0 and O are never issued, so they are not silently mapped to something else.
        assert_eq!(BookingReference::parse("K7M2P0"), None);
        assert_eq!(BookingReference::parse("K7M2PO"), None);
        assert_eq!(BookingReference::parse("K7M2P\u{00C9}"), None);
    }
}
