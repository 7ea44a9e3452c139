//! Stable codes shared by the hotel types: short identifiers (chain, brand, room type, rate
//! plan, promotion), enums that carry a snake_case code each, and compact bit sets of them.

use std::cmp::Ordering;
use std::fmt;

/// Longest accepted short code, in bytes.
pub const SHORT_CODE_MAX: usize = 31;

/// A short identifier such as `marriott` or `deluxe_king`: 1–31 ASCII lower-case letters,
/// digits, `_` or `-`, starting with a letter or digit. Stored inline, so it is `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShortCode {
    len: u8,
    bytes: [u8; SHORT_CODE_MAX],
}

impl ShortCode {
    /// Trims and lower-cases; anything else outside the alphabet is refused.
    pub fn parse(s: &str) -> Option<ShortCode> {
        let b = s.trim().as_bytes();
        if b.is_empty() || b.len() > SHORT_CODE_MAX || !b[0].is_ascii_alphanumeric() {
            return None;
        }
        let mut bytes = [0u8; SHORT_CODE_MAX];
        for (slot, &c) in bytes.iter_mut().zip(b) {
            if !(c.is_ascii_alphanumeric() || c == b'_' || c == b'-') {
                return None;
            }
            *slot = c.to_ascii_lowercase();
        }
        Some(ShortCode {
            len: b.len() as u8,
            bytes,
        })
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

impl Ord for ShortCode {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for ShortCode {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for ShortCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A newtype over [`ShortCode`] for one kind of identifier, with serde as a plain string.
macro_rules! short_code {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name($crate::hotel::codes::ShortCode);

        impl $name {
            pub fn parse(s: &str) -> Option<$name> {
                $crate::hotel::codes::ShortCode::parse(s).map($name)
            }

            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as ::serde::Deserialize>::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| {
                    ::serde::de::Error::custom(format!(concat!("`{}` is not a valid ", $what), s))
                })
            }
        }
    };
}
pub(crate) use short_code;

/// An enum whose variants each have a stable snake_case code (`parse`, `as_str`, `ALL`), with
/// serde as that code. Variants are numbered from 0 in order, which [`flag_set!`] relies on.
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in code order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $( $code => Some($name::$variant), )+
                    _ => None,
                }
            }

            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $code, )+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as ::serde::Deserialize>::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| {
                    ::serde::de::Error::custom(format!(concat!("unknown ", $what, " `{}`"), s))
                })
            }
        }
    };
}
pub(crate) use coded_enum;

/// A set of a [`coded_enum!`] type as one integer: membership and "all of" are single
/// instructions, which the search filters rely on. Serialized as a list of codes.
macro_rules! flag_set {
    ($(#[$meta:meta])* pub struct $set:ident($bits:ty) of $item:ident;) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $set($bits);

        const _: () = assert!($item::ALL.len() <= <$bits>::BITS as usize);

        impl $set {
            pub const EMPTY: $set = $set(0);

            const KNOWN: $bits = if $item::ALL.len() == <$bits>::BITS as usize {
                <$bits>::MAX
            } else {
                ((1 as $bits) << $item::ALL.len()) - 1
            };

            const fn bit(item: $item) -> $bits {
                (1 as $bits) << (item as u8)
            }

            #[must_use]
            pub const fn with(self, item: $item) -> $set {
                $set(self.0 | Self::bit(item))
            }

            pub fn insert(&mut self, item: $item) {
                self.0 |= Self::bit(item);
            }

            pub const fn contains(self, item: $item) -> bool {
                self.0 & Self::bit(item) != 0
            }

            /// True when every member of `other` is in `self` (the empty set is in every set).
            pub const fn contains_all(self, other: $set) -> bool {
                self.0 & other.0 == other.0
            }

            pub const fn intersects(self, other: $set) -> bool {
                self.0 & other.0 != 0
            }

            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }

            pub const fn len(self) -> u32 {
                self.0.count_ones()
            }

            /// The raw bits, for compact storage.
            pub const fn bits(self) -> $bits {
                self.0
            }

            /// From raw bits; bits of no known member are dropped.
            pub const fn from_bits(bits: $bits) -> $set {
                $set(bits & Self::KNOWN)
            }

            /// Members in code order.
            pub fn iter(self) -> impl Iterator<Item = $item> {
                $item::ALL.iter().copied().filter(move |i| self.contains(*i))
            }
        }

        impl FromIterator<$item> for $set {
            fn from_iter<I: IntoIterator<Item = $item>>(iter: I) -> $set {
                let mut s = $set::EMPTY;
                for i in iter {
                    s.insert(i);
                }
                s
            }
        }

        impl ::std::fmt::Debug for $set {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_set().entries(self.iter().map($item::as_str)).finish()
            }
        }

        impl ::serde::Serialize for $set {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.iter())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $set {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let items = <Vec<$item> as ::serde::Deserialize>::deserialize(d)?;
                Ok(items.into_iter().collect())
            }
        }
    };
}
pub(crate) use flag_set;

#[cfg(test)]
mod tests {
    use super::*;

    coded_enum! {
        pub enum Colour ("colour") {
            Red = "red",
            DarkBlue = "dark_blue",
        }
    }

    flag_set! {
        pub struct Colours(u8) of Colour;
    }

    short_code!(TestCode, "test code");

    #[test]
    fn short_codes_are_normalised_and_strict() {
        assert_eq!(ShortCode::parse(" Marriott ").unwrap().as_str(), "marriott");
        assert_eq!(
            ShortCode::parse("deluxe_king-2").unwrap().as_str(),
            "deluxe_king-2"
        );
        let longest = "a".repeat(SHORT_CODE_MAX);
        assert_eq!(ShortCode::parse(&longest).unwrap().as_str(), longest);
        for bad in ["", " ", "_x", "-x", "a b", "a.b", "汉庭", &"a".repeat(32)] {
            assert!(ShortCode::parse(bad).is_none(), "{bad:?}");
        }
        assert!(ShortCode::parse("b") > ShortCode::parse("aa"));
        assert_eq!(TestCode::parse("HIL").unwrap().to_string(), "hil");
        let json = serde_json::to_string(&TestCode::parse("hil").unwrap()).unwrap();
        assert_eq!(json, "\"hil\"");
        assert!(serde_json::from_str::<TestCode>("\"a b\"").is_err());
    }

    #[test]
    fn coded_enums_round_trip() {
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.as_str()), Some(*c));
        }
        assert_eq!(Colour::parse("Red"), None);
        assert_eq!(
            serde_json::to_string(&Colour::DarkBlue).unwrap(),
            "\"dark_blue\""
        );
        assert!(serde_json::from_str::<Colour>("\"green\"").is_err());
    }

    #[test]
    fn flag_sets() {
        let s = Colours::EMPTY.with(Colour::DarkBlue);
        assert!(s.contains(Colour::DarkBlue) && !s.contains(Colour::Red));
        let both: Colours = [Colour::Red, Colour::DarkBlue].into_iter().collect();
        assert!(both.contains_all(s) && !s.contains_all(both));
        assert!(s.contains_all(Colours::EMPTY));
        assert!(both.intersects(s) && !Colours::EMPTY.intersects(both));
        assert_eq!(both.len(), 2);
        assert!(Colours::EMPTY.is_empty() && !both.is_empty());
        assert_eq!(both.bits(), 0b11);
        assert_eq!(Colours::from_bits(0xff), both);
        assert_eq!(
            serde_json::to_string(&both).unwrap(),
            r#"["red","dark_blue"]"#
        );
        let back: Colours = serde_json::from_str(r#"["dark_blue"]"#).unwrap();
        assert_eq!(back, s);
        assert_eq!(format!("{both:?}"), r#"{"red", "dark_blue"}"#);
    }
}
