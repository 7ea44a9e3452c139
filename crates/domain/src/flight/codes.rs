//! IATA codes as value types that cannot hold a bad value.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("`{0}` is not a three-letter IATA airport code")]
    Airport(String),
    #[error("`{0}` is not a two-character IATA airline code")]
    Airline(String),
}

/// A three-letter IATA airport code, upper case.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AirportCode([u8; 3]);

impl AirportCode {
    /// Parses `pvg` or `PVG`; anything but three ASCII letters is refused.
    pub fn parse(s: &str) -> Result<AirportCode, CodeError> {
        let t = s.trim();
        let b = t.as_bytes();
        if b.len() != 3 || !b.iter().all(u8::is_ascii_alphabetic) {
            return Err(CodeError::Airport(s.to_owned()));
        }
        Ok(AirportCode([
            b[0].to_ascii_uppercase(),
            b[1].to_ascii_uppercase(),
            b[2].to_ascii_uppercase(),
        ]))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Debug for AirportCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for AirportCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for AirportCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AirportCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        AirportCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A two-character IATA airline designator (letters or digits, e.g. `CA`, `MU`, `3U`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AirlineCode([u8; 2]);

impl AirlineCode {
    pub fn parse(s: &str) -> Result<AirlineCode, CodeError> {
        let t = s.trim();
        let b = t.as_bytes();
        if b.len() != 2
            || !b.iter().all(u8::is_ascii_alphanumeric)
            || b.iter().all(u8::is_ascii_digit)
        {
            return Err(CodeError::Airline(s.to_owned()));
        }
        Ok(AirlineCode([
            b[0].to_ascii_uppercase(),
            b[1].to_ascii_uppercase(),
        ]))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Debug for AirlineCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for AirlineCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for AirlineCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AirlineCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        AirlineCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn airport_codes() {
        assert_eq!(AirportCode::parse("pvg").unwrap().as_str(), "PVG");
        assert_eq!(AirportCode::parse(" LHR ").unwrap().to_string(), "LHR");
        for bad in ["", "PV", "PVGX", "P1G", "上海", "ＰＶＧ"] {
            assert!(AirportCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn airline_codes() {
        assert_eq!(AirlineCode::parse("ca").unwrap().as_str(), "CA");
        assert_eq!(AirlineCode::parse("3U").unwrap().as_str(), "3U");
        for bad in ["", "C", "CAX", "12", "C-"] {
            assert!(AirlineCode::parse(bad).is_err(), "{bad}");
        }
    }
}
