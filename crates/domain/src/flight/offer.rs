//! What a flight supplier returns: offers made of slices made of segments, with the fare brand
//! and its conditions. Times are instants with the airport's offset (RFC 3339 on the wire).

use chrono::{DateTime, FixedOffset, Utc};
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
        self.segments
            .iter()
            .map(|s| {
                format!(
                    "{}{}@{}",
                    s.marketing_carrier,
                    s.flight_number,
                    s.departing_at.with_timezone(&Utc).format("%Y%m%d%H%M")
                )
            })
            .collect::<Vec<_>>()
            .join("+")
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
        let mut k = self
            .slices
            .iter()
            .map(OfferSlice::itinerary_key)
            .collect::<Vec<_>>()
            .join("|");
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
