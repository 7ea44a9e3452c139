//! What a flight supplier returns: offers made of slices made of segments, with the fare brand
//! and its conditions. Times are instants with the airport's offset (RFC 3339 on the wire).

use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};
use serde::{Deserialize, Serialize};

use super::codes::{AirlineCode, AirportCode};
use super::fare::{Baggage, Cabin, FareConditions};
use crate::money::Money;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub origin: AirportCode,
    pub destination: AirportCode,
    pub departing_at: DateTime<FixedOffset>,
    pub arriving_at: DateTime<FixedOffset>,
    pub marketing_carrier: AirlineCode,
    pub flight_number: u16,
    pub operating_carrier: AirlineCode,
    /// IATA aircraft type code.
    pub aircraft: String,
    pub duration_minutes: i64,
}

impl Segment {
    /// "CA937".
    pub fn flight_designator(&self) -> String {
        format!("{}{}", self.marketing_carrier, self.flight_number)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferSlice {
    pub origin: AirportCode,
    pub destination: AirportCode,
    /// From first departure to last arrival, layovers included.
    pub duration_minutes: i64,
    pub segments: Vec<Segment>,
}

impl OfferSlice {
    pub fn stops(&self) -> usize {
        self.segments.len().saturating_sub(1)
    }

    pub fn departing_at(&self) -> Option<DateTime<FixedOffset>> {
        self.segments.first().map(|s| s.departing_at)
    }

    pub fn arriving_at(&self) -> Option<DateTime<FixedOffset>> {
        self.segments.last().map(|s| s.arriving_at)
    }

    /// A key equal for two slices flying the same flights at the same times (for de-duplication
    /// across suppliers).
    pub fn itinerary_key(&self) -> String {
        let mut k = String::with_capacity(self.segments.len() * 20);
        self.push_itinerary_key(&mut k);
        k
    }

    /// Appends [`OfferSlice::itinerary_key`] to `k`: `CA937@202612100530+BA10@…`, times in UTC.
    fn push_itinerary_key(&self, k: &mut String) {
        for (i, s) in self.segments.iter().enumerate() {
            if i > 0 {
                k.push('+');
            }
            k.push_str(s.marketing_carrier.as_str());
            push_number(k, u32::from(s.flight_number), 0);
            k.push('@');
            let t = s.departing_at.naive_utc();
            if (0..=9999).contains(&t.year()) {
                push_number(k, t.year() as u32, 4);
                push_number(k, t.month(), 2);
                push_number(k, t.day(), 2);
                push_number(k, t.hour(), 2);
                push_number(k, t.minute(), 2);
            } else {
                use std::fmt::Write as _;
                let _ = write!(
                    k,
                    "{}",
                    s.departing_at.with_timezone(&Utc).format("%Y%m%d%H%M")
                );
            }
        }
    }
}

/// Appends `n` in decimal, zero-padded to `width` digits (as `{:0width$}` would).
fn push_number(s: &mut String, n: u32, width: usize) {
    let mut digits = [0u8; 10];
    let mut len = 0;
    let mut v = n;
    loop {
        digits[len] = b'0' + (v % 10) as u8;
        len += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for _ in len..width {
        s.push('0');
    }
    for &c in digits[..len].iter().rev() {
        s.push(char::from(c));
    }
}

/// The price split of an offer for the whole party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferPrice {
    pub base: Money,
    pub taxes: Money,
    pub total: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    /// Stable: the same flights, date, cabin, brand and party give the same id.
    pub id: String,
    /// Which supplier made it (`builtin`, `duffel` …).
    pub supplier: String,
    pub expires_at: DateTime<Utc>,
    pub cabin: Cabin,
    pub fare_brand: String,
    pub baggage: Baggage,
    /// Per adult passenger.
    pub conditions: FareConditions,
    pub price: OfferPrice,
    /// Seats bookable at this price for the whole party, capped at 9.
    pub available_seats: u32,
    pub slices: Vec<OfferSlice>,
}

impl Offer {
    pub fn itinerary_key(&self) -> String {
        let mut k = String::with_capacity(
            self.slices
                .iter()
                .map(|s| s.segments.len() * 20)
                .sum::<usize>()
                + 24,
        );
        for (i, s) in self.slices.iter().enumerate() {
            if i > 0 {
                k.push('|');
            }
            s.push_itinerary_key(&mut k);
        }
        k.push('/');
        k.push_str(self.cabin.as_str());
        k.push('/');
        k.push_str(&self.fare_brand);
        k
    }

    pub fn total_duration_minutes(&self) -> i64 {
        self.slices.iter().map(|s| s.duration_minutes).sum()
    }

    pub fn total_stops(&self) -> usize {
        self.slices.iter().map(OfferSlice::stops).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(carrier: &str, number: u16, departing: &str) -> Segment {
        let at = DateTime::parse_from_rfc3339(departing).unwrap();
        Segment {
            origin: AirportCode::parse("PVG").unwrap(),
            destination: AirportCode::parse("LHR").unwrap(),
            departing_at: at,
            arriving_at: at,
            marketing_carrier: AirlineCode::parse(carrier).unwrap(),
            flight_number: number,
            operating_carrier: AirlineCode::parse(carrier).unwrap(),
            aircraft: "359".into(),
            duration_minutes: 60,
        }
    }

    #[test]
    fn itinerary_keys_are_flights_at_utc_minutes() {
        let slice = OfferSlice {
            origin: AirportCode::parse("PVG").unwrap(),
            destination: AirportCode::parse("LHR").unwrap(),
            duration_minutes: 600,
            segments: vec![
                segment("MU", 5101, "2026-12-10T01:05:00+08:00"),
                segment("BA", 7, "2027-01-01T09:30:00+00:00"),
            ],
        };
        // The key as `format!("{}{}@{}", carrier, number, utc.format("%Y%m%d%H%M"))` writes it.
        let expected: Vec<String> = slice
            .segments
            .iter()
            .map(|s| {
                format!(
                    "{}{}@{}",
                    s.marketing_carrier,
                    s.flight_number,
                    s.departing_at.with_timezone(&Utc).format("%Y%m%d%H%M")
                )
            })
            .collect();
        assert_eq!(slice.itinerary_key(), expected.join("+"));
        assert_eq!(
            slice.itinerary_key(),
            "MU5101@202612091705+BA7@202701010930"
        );
    }
}
