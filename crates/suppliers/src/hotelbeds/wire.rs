//! Hotelbeds BookingAPI 1.0 JSON documents as serde types: the request bodies we send and the
//! answers we read (`shared/providers/travel.md` §2.3–§2.8). Nothing here knows our hotel
//! domain; the mapping lives elsewhere.
//!
//! Answers are read leniently where Hotelbeds adds things (unknown fields are ignored, unknown
//! enum values become `Unknown`) and strictly where a value is needed to sell a room: a rate
//! without `rateKey`, `rateType`, `net` or `paymentType`, or a booking without `reference`,
//! `status`, `totalNet` or `currency`, makes the whole document unreadable. Money is an exact
//! [`Amount`], read from a decimal string or a JSON number, never an `f64`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use wayfare_domain::{Currency, Money, MoneyError};

// ---------------------------------------------------------------------------------------------
// Money

/// An exact decimal amount in major units (`"118.27"`), in the currency of a sibling field.
///
/// Read from a JSON string (exact, whatever its length) or a JSON number. A number is taken
/// through its shortest round-trip text (`118.27`, not `118.2699999…`), which is exact for
/// every amount of up to 15 significant digits; Hotelbeds' own examples send strings.
/// Written as a JSON number, as the documented requests show (`"tolerance": 2.00`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Amount(Decimal);

impl Amount {
    pub fn new(amount: Decimal) -> Amount {
        Amount(amount)
    }

    pub fn decimal(self) -> Decimal {
        self.0
    }

    /// The amount as money of `currency`; more decimals than the currency has is an error,
    /// never a rounding.
    pub fn to_money(self, currency: Currency) -> Result<Money, MoneyError> {
        Money::from_decimal(self.0, currency)
    }

    /// Integer minor units of `currency`: `"123.45"` EUR → `12345`, `"15300"` JPY → `15300`.
    pub fn to_minor(self, currency: Currency) -> Result<i64, MoneyError> {
        self.to_money(currency).map(Money::minor)
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({})", self.0)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Why a text is not an amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmountError(pub String);

impl fmt::Display for AmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a decimal amount", self.0)
    }
}

impl std::error::Error for AmountError {}

impl FromStr for Amount {
    type Err = AmountError;

    /// Plain decimals only: `-12.35`, `0.5`, `118`. No exponent, sign `+`, grouping, spaces.
    fn from_str(s: &str) -> Result<Amount, AmountError> {
        let digits = s.strip_prefix('-').unwrap_or(s);
        let (int, frac) = match digits.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (digits, None),
        };
        let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
            return Err(AmountError(s.to_owned()));
        }
        Decimal::from_str_exact(s)
            .map(Amount)
            .map_err(|_| AmountError(s.to_owned()))
    }
}

impl From<Decimal> for Amount {
    fn from(d: Decimal) -> Amount {
        Amount(d)
    }
}

struct AmountVisitor;

impl Visitor<'_> for AmountVisitor {
    type Value = Amount;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal amount as a string or a number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Amount, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
        Ok(Amount(Decimal::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
        Ok(Amount(Decimal::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
        if !v.is_finite() {
            return Err(E::custom("an amount must be finite"));
        }
        // `Display` for f64 is the shortest text that reads back as the same f64, and never
        // uses an exponent.
        v.to_string().parse().map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
        d.deserialize_any(AmountVisitor)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.fract().is_zero()
            && let Some(whole) = self.0.to_i64()
        {
            return s.serialize_i64(whole);
        }
        match self.0.to_f64() {
            Some(f) => s.serialize_f64(f),
            None => Err(serde::ser::Error::custom("amount out of range")),
        }
    }
}

/// A decimal that is not money (a coordinate), read from a string or a number.
fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    Ok(Option::<Amount>::deserialize(d)?.map(Amount::decimal))
}

/// Text that Hotelbeds sends as a string or a number (`processTime`).
fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        S(String),
        N(serde_json::Number),
        B(bool),
    }
    Ok(Option::<Text>::deserialize(d)?.map(|t| match t {
        Text::S(s) => s,
        Text::N(n) => n.to_string(),
        Text::B(b) => b.to_string(),
    }))
}

/// Children's ages: `"5,7"` (as Hotelbeds writes them), `[5, 7]`, or a single number.
fn children_ages<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Ages {
        Text(String),
        List(Vec<u32>),
        One(u32),
    }
    match Option::<Ages>::deserialize(d)? {
        None => Ok(vec![]),
        Some(Ages::List(v)) => Ok(v),
        Some(Ages::One(n)) => Ok(vec![n]),
        Some(Ages::Text(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<u32>()
                    .map_err(|_| de::Error::custom(format!("`{s}` is not a list of ages")))
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Common

/// `auditData` on every answer, errors included. `token` identifies the call for Hotelbeds
/// support, as a request id does elsewhere.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditData {
    #[serde(default, deserialize_with = "opt_text")]
    pub process_time: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub timestamp: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub request_host: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub server_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub environment: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub release: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub token: Option<String>,
}

/// `AD` or `CH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaxType {
    #[serde(rename = "AD")]
    Adult,
    #[serde(rename = "CH")]
    Child,
}

/// A guest: in an availability occupancy (type and age), a booking room (with names and
/// `roomId`), and a booked room as read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pax {
    /// Which room of the occupancy or booking (≥ 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_id: Option<u32>,
    #[serde(rename = "type")]
    pub kind: PaxType,
    /// Required for a child.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<u32>,
    /// At most 50 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// At most 50 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
}

impl Pax {
    pub fn adult() -> Pax {
        Pax {
            room_id: None,
            kind: PaxType::Adult,
            age: None,
            name: None,
            surname: None,
        }
    }

    pub fn child(age: u32) -> Pax {
        Pax {
            age: Some(age),
            kind: PaxType::Child,
            ..Pax::adult()
        }
    }
}

/// `BOOKABLE`: book as is. `RECHECK`: no real-time availability; CheckRate is mandatory
/// before booking. Anything else is `Unknown` and must be treated as `RECHECK`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RateType {
    Bookable,
    Recheck,
    #[serde(other)]
    Unknown,
}

/// `AT_WEB`: bookable without payment details. `AT_HOTEL`: the booking needs payment data
/// (sent to the secure host); without it Hotelbeds answers 402.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentType {
    AtWeb,
    AtHotel,
    #[serde(other)]
    Unknown,
}

/// The fee charged when cancelling at or after `from`; policies accumulate as `from` advances.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancellationPolicy {
    pub amount: Amount,
    /// With the hotel's UTC offset, e.g. `2026-06-12T23:59:00+02:00`.
    pub from: DateTime<FixedOffset>,
    /// Liberate (pay-at-hotel) models: the part paid at the hotel, in `hotel_currency`.
    #[serde(default)]
    pub hotel_amount: Option<Amount>,
    #[serde(default)]
    pub hotel_currency: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Taxes {
    #[serde(default)]
    pub all_included: Option<bool>,
    #[serde(default)]
    pub taxes: Vec<Tax>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tax {
    /// Included in the rate's price, or to be paid on top (often at the hotel).
    #[serde(default)]
    pub included: Option<bool>,
    #[serde(default)]
    pub amount: Option<Amount>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub client_amount: Option<Amount>,
    #[serde(default)]
    pub client_currency: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Option<TaxType>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TaxType {
    Tax,
    Fee,
    #[serde(other)]
    Unknown,
}

/// A promotion shown with a rate. ⚠ Shape not in the protocol notes; every field optional.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Promotion {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub remark: Option<String>,
}

/// A discount already applied to a rate. ⚠ Shape not in the protocol notes; every field
/// optional.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateOffer {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub amount: Option<Amount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// 1–50 characters.
    pub name: String,
    /// 1–50 characters.
    pub surname: String,
}

// ---------------------------------------------------------------------------------------------
// Availability: POST /hotel-api/1.0/hotels

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityRequest {
    pub stay: Stay,
    pub occupancies: Vec<Occupancy>,
    /// Exactly one of `hotels`, `destination` and `geolocation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hotels: Option<HotelsFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<Destination>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geolocation: Option<GeoLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<Filter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boards: Option<BoardsFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rooms: Option<RoomsFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily_rate: Option<bool>,
    /// ISO country of the customer, e.g. `ES`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_market: Option<String>,
    /// e.g. `ENG`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl AvailabilityRequest {
    /// A search of one stay for some occupancies, in a list of hotels.
    pub fn for_hotels(stay: Stay, occupancies: Vec<Occupancy>, hotels: Vec<u32>) -> Self {
        AvailabilityRequest {
            stay,
            occupancies,
            hotels: Some(HotelsFilter {
                hotel: hotels,
                included: None,
                kind: None,
            }),
            destination: None,
            geolocation: None,
            filter: None,
            boards: None,
            rooms: None,
            daily_rate: None,
            source_market: None,
            language: None,
        }
    }

    /// The limits of §2.3, checked before a request is spent on them.
    pub fn validate(&self) -> Result<(), String> {
        let stay = &self.stay;
        if stay.check_out <= stay.check_in {
            return Err("stay.checkOut must be after stay.checkIn".into());
        }
        if stay.shift_days == Some(0) {
            return Err("stay.shiftDays must be at least 1".into());
        }
        if self.occupancies.is_empty() {
            return Err("at least one occupancy is required".into());
        }
        for (i, o) in self.occupancies.iter().enumerate() {
            if o.rooms < 1 || o.adults < 1 {
                return Err(format!("occupancies[{i}] needs rooms ≥ 1 and adults ≥ 1"));
            }
            let children = o.paxes.iter().filter(|p| p.kind == PaxType::Child).count();
            if u32::try_from(children).ok() != Some(o.children) {
                return Err(format!(
                    "occupancies[{i}] has {} children but {children} child paxes",
                    o.children
                ));
            }
            check_paxes(&o.paxes, &format!("occupancies[{i}]"))?;
        }
        let locations = usize::from(self.hotels.is_some())
            + usize::from(self.destination.is_some())
            + usize::from(self.geolocation.is_some());
        if locations != 1 {
            return Err("exactly one of hotels, destination and geolocation is required".into());
        }
        if let Some(h) = &self.hotels
            && (h.hotel.is_empty() || h.hotel.len() > 2000)
        {
            return Err("hotels.hotel must list 1 to 2000 hotel codes".into());
        }
        if let Some(d) = &self.destination
            && !(1..=3).contains(&d.code.chars().count())
        {
            return Err("destination.code must be 1 to 3 characters".into());
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stay {
    pub check_in: NaiveDate,
    pub check_out: NaiveDate,
    /// Also search stays shifted by up to this many days (≥ 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shift_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_only_shift: Option<bool>,
}

impl Stay {
    pub fn new(check_in: NaiveDate, check_out: NaiveDate) -> Stay {
        Stay {
            check_in,
            check_out,
            shift_days: None,
            allow_only_shift: None,
        }
    }
}

/// `rooms` alike rooms for `adults` + `children`; each child is also a `paxes` entry with its
/// age.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Occupancy {
    pub rooms: u32,
    pub adults: u32,
    pub children: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paxes: Vec<Pax>,
}

impl Occupancy {
    /// `rooms` rooms for `adults` adults and children of these ages.
    pub fn new(rooms: u32, adults: u32, children_ages: &[u32]) -> Occupancy {
        Occupancy {
            rooms,
            adults,
            children: u32::try_from(children_ages.len()).unwrap_or(u32::MAX),
            paxes: children_ages.iter().map(|&age| Pax::child(age)).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HotelsFilter {
    /// Up to 2000 hotel codes.
    pub hotel: Vec<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub included: Option<bool>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<HotelCodeType>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HotelCodeType {
    Hotelbeds,
    Giata,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Destination {
    /// Hotelbeds destination code, 1–3 characters (`PMI`).
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<u32>,
}

/// Coordinates are not money: plain numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GeoLocation {
    pub latitude: f64,
    pub longitude: f64,
    pub radius: f64,
    pub unit: DistanceUnit,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary_latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary_longitude: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DistanceUnit {
    #[serde(rename = "km")]
    Kilometres,
    #[serde(rename = "m")]
    Metres,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_hotels: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_rooms: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_rate: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_rate: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_rates_per_room: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_category: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_category: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packaging: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_type: Option<PaymentTypeFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hotel_package: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentTypeFilter {
    AtHotel,
    AtWeb,
    Both,
}

/// Board codes (`BB`, `RO` …) to include, or to exclude when `included` is false.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoardsFilter {
    pub board: Vec<String>,
    pub included: bool,
}

/// Room codes (`DBL.ST` …) to include, or to exclude when `included` is false.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoomsFilter {
    pub room: Vec<String>,
    pub included: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityResponse {
    #[serde(default)]
    pub audit_data: Option<AuditData>,
    pub hotels: HotelsResult,
}

/// `{checkIn, checkOut, total, hotels: […]}`; without availability only `total: 0` may come.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HotelsResult {
    #[serde(default)]
    pub check_in: Option<NaiveDate>,
    #[serde(default)]
    pub check_out: Option<NaiveDate>,
    #[serde(default)]
    pub total: u32,
    #[serde(default)]
    pub hotels: Vec<Hotel>,
}

/// A hotel with rooms and rates, as availability and CheckRate answer it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hotel {
    pub code: u32,
    #[serde(default)]
    pub name: Option<String>,
    /// The currency of every amount of this hotel's rates.
    pub currency: String,
    #[serde(default)]
    pub category_code: Option<String>,
    #[serde(default)]
    pub category_name: Option<String>,
    #[serde(default)]
    pub destination_code: Option<String>,
    #[serde(default)]
    pub destination_name: Option<String>,
    #[serde(default)]
    pub zone_code: Option<u32>,
    #[serde(default)]
    pub zone_name: Option<String>,
    /// ⚠ Coordinates are not in the protocol notes' booking sample; read when present.
    #[serde(default, deserialize_with = "opt_decimal")]
    pub latitude: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_decimal")]
    pub longitude: Option<Decimal>,
    #[serde(default)]
    pub check_in: Option<NaiveDate>,
    #[serde(default)]
    pub check_out: Option<NaiveDate>,
    #[serde(default)]
    pub min_rate: Option<Amount>,
    #[serde(default)]
    pub max_rate: Option<Amount>,
    #[serde(default)]
    pub rooms: Vec<Room>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Room {
    /// `DBL.ST`.
    pub code: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub rates: Vec<Rate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rate {
    /// Opaque: never parse it (its format may change). Booked as is, or after CheckRate.
    pub rate_key: String,
    pub rate_type: RateType,
    /// Hotelbeds' price to us for the whole stay and all `rooms` of this rate.
    pub net: Amount,
    pub payment_type: PaymentType,
    /// `NOR`, `NRF` (non-refundable) …
    #[serde(default)]
    pub rate_class: Option<String>,
    /// Present with `hotel_mandatory` (the minimum public price, to be respected) and in the
    /// commissionable and liberate models.
    #[serde(default)]
    pub selling_rate: Option<Amount>,
    #[serde(default)]
    pub hotel_mandatory: Option<bool>,
    /// Rooms left at this rate.
    #[serde(default)]
    pub allotment: Option<u32>,
    /// Sold only as part of a package.
    #[serde(default)]
    pub packaging: Option<bool>,
    #[serde(default)]
    pub board_code: Option<String>,
    #[serde(default)]
    pub board_name: Option<String>,
    #[serde(default)]
    pub cancellation_policies: Vec<CancellationPolicy>,
    #[serde(default)]
    pub rooms: Option<u32>,
    #[serde(default)]
    pub adults: Option<u32>,
    #[serde(default)]
    pub children: Option<u32>,
    #[serde(default, deserialize_with = "children_ages")]
    pub children_ages: Vec<u32>,
    #[serde(default)]
    pub taxes: Option<Taxes>,
    #[serde(default)]
    pub promotions: Vec<Promotion>,
    #[serde(default)]
    pub offers: Vec<RateOffer>,
    /// CheckRate only: the hotel's remarks (check-in times, fees payable locally …).
    #[serde(default)]
    pub rate_comments: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// CheckRate: POST /hotel-api/1.0/checkrates

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckRateRequest {
    pub rooms: Vec<RateKeyRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upselling: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl CheckRateRequest {
    /// Hotelbeds asks for one rate key per call.
    pub fn one(rate_key: impl Into<String>) -> CheckRateRequest {
        CheckRateRequest {
            rooms: vec![RateKeyRef {
                rate_key: rate_key.into(),
            }],
            upselling: None,
            language: None,
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.rooms.is_empty() {
            return Err("rooms must hold a rate key".into());
        }
        if self.rooms.iter().any(|r| r.rate_key.trim().is_empty()) {
            return Err("a rate key is empty".into());
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RateKeyRef {
    pub rate_key: String,
}

/// The hotel with the one rate at its current price. Book with the `rateKey` returned here:
/// it may differ from the one checked.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckRateResponse {
    #[serde(default)]
    pub audit_data: Option<AuditData>,
    pub hotel: Hotel,
}

impl CheckRateResponse {
    /// The rates of the answer, in order (one per checked rate key).
    pub fn rates(&self) -> impl Iterator<Item = &Rate> {
        self.hotel.rooms.iter().flat_map(|r| r.rates.iter())
    }
}

// ---------------------------------------------------------------------------------------------
// Booking: POST /hotel-api/1.0/bookings; GET, DELETE /hotel-api/1.0/bookings/{reference}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BookingRequest {
    pub holder: Holder,
    pub rooms: Vec<BookingRoom>,
    /// Ours, 1–20 characters; also how a booking is found again after a lost answer.
    pub client_reference: String,
    /// Up to 2000 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// ⚠ Meaning not documented (taken to be an accepted price increase).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl BookingRequest {
    /// The limits of §2.6, checked before a request is spent on them.
    pub fn validate(&self) -> Result<(), String> {
        check_name(&self.holder.name, "holder.name")?;
        check_name(&self.holder.surname, "holder.surname")?;
        if !(1..=20).contains(&self.client_reference.chars().count()) {
            return Err("clientReference must be 1 to 20 characters".into());
        }
        if self
            .remark
            .as_deref()
            .is_some_and(|r| r.chars().count() > 2000)
        {
            return Err("remark must be at most 2000 characters".into());
        }
        if self.rooms.is_empty() {
            return Err("at least one room is required".into());
        }
        for (i, room) in self.rooms.iter().enumerate() {
            if room.rate_key.trim().is_empty() {
                return Err(format!("rooms[{i}].rateKey is empty"));
            }
            if room.paxes.iter().any(|p| p.room_id == Some(0)) {
                return Err(format!("rooms[{i}]: roomId starts at 1"));
            }
            check_paxes(&room.paxes, &format!("rooms[{i}]"))?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BookingRoom {
    pub rate_key: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paxes: Vec<Pax>,
}

fn check_name(value: &str, field: &str) -> Result<(), String> {
    if (1..=50).contains(&value.trim().chars().count()) && value.chars().count() <= 50 {
        Ok(())
    } else {
        Err(format!("{field} must be 1 to 50 characters"))
    }
}

fn check_paxes(paxes: &[Pax], at: &str) -> Result<(), String> {
    for (j, p) in paxes.iter().enumerate() {
        if p.kind == PaxType::Child && p.age.is_none() {
            return Err(format!("{at}.paxes[{j}]: a child needs an age"));
        }
        for (value, field) in [(&p.name, "name"), (&p.surname, "surname")] {
            if value.as_deref().is_some_and(|v| v.chars().count() > 50) {
                return Err(format!("{at}.paxes[{j}].{field} is longer than 50"));
            }
        }
    }
    Ok(())
}

/// `{auditData, booking}`: the answer to confirming, reading and cancelling a booking.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookingResponse {
    #[serde(default)]
    pub audit_data: Option<AuditData>,
    pub booking: Booking,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum BookingStatus {
    Confirmed,
    /// Hotelbeds' list filter spells it both ways.
    #[serde(alias = "CANCELED")]
    Cancelled,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Booking {
    /// `52-1274418`: needed for every call after booking.
    pub reference: String,
    pub status: BookingStatus,
    pub total_net: Amount,
    /// The currency of the booking's amounts.
    pub currency: String,
    #[serde(default)]
    pub client_reference: Option<String>,
    #[serde(default)]
    pub creation_date: Option<NaiveDate>,
    #[serde(default)]
    pub creation_user: Option<String>,
    #[serde(default)]
    pub modification_policies: Option<ModificationPolicies>,
    #[serde(default)]
    pub holder: Option<Holder>,
    #[serde(default)]
    pub hotel: Option<BookedHotel>,
    #[serde(default)]
    pub remark: Option<String>,
    #[serde(default)]
    pub total_selling_rate: Option<Amount>,
    /// Still to be paid to Hotelbeds.
    #[serde(default)]
    pub pending_amount: Option<Amount>,
    /// Set once cancelled.
    #[serde(default)]
    pub cancellation_reference: Option<String>,
}

impl Booking {
    /// What cancelling costs (SIMULATION) or cost (CANCELLATION), as Hotelbeds places it on
    /// the hotel. ⚠ The placement is not verified on a real sample.
    pub fn cancellation_amount(&self) -> Option<Amount> {
        self.hotel.as_ref().and_then(|h| h.cancellation_amount)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct ModificationPolicies {
    #[serde(default)]
    pub cancellation: bool,
    #[serde(default)]
    pub modification: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookedHotel {
    pub code: u32,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub check_in: Option<NaiveDate>,
    #[serde(default)]
    pub check_out: Option<NaiveDate>,
    #[serde(default)]
    pub category_code: Option<String>,
    #[serde(default)]
    pub destination_code: Option<String>,
    #[serde(default)]
    pub destination_name: Option<String>,
    #[serde(default)]
    pub zone_code: Option<u32>,
    #[serde(default)]
    pub zone_name: Option<String>,
    /// ⚠ Coordinates are not in the protocol notes' booking sample; read when present.
    #[serde(default, deserialize_with = "opt_decimal")]
    pub latitude: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_decimal")]
    pub longitude: Option<Decimal>,
    #[serde(default)]
    pub rooms: Vec<BookedRoom>,
    #[serde(default)]
    pub supplier: Option<Supplier>,
    /// What cancelling costs or cost, in the booking's currency.
    #[serde(default)]
    pub cancellation_amount: Option<Amount>,
    #[serde(default)]
    pub total_net: Option<Amount>,
    #[serde(default)]
    pub currency: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookedRoom {
    pub code: String,
    #[serde(default)]
    pub id: Option<u32>,
    #[serde(default)]
    pub name: Option<String>,
    /// `CONFIRMED`, `CANCELLED` …
    #[serde(default)]
    pub status: Option<BookingStatus>,
    #[serde(default)]
    pub paxes: Vec<Pax>,
    #[serde(default)]
    pub rates: Vec<BookedRate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookedRate {
    #[serde(default)]
    pub rate_class: Option<String>,
    #[serde(default)]
    pub net: Option<Amount>,
    #[serde(default)]
    pub selling_rate: Option<Amount>,
    #[serde(default)]
    pub hotel_mandatory: Option<bool>,
    #[serde(default)]
    pub rate_comments: Option<String>,
    #[serde(default)]
    pub payment_type: Option<PaymentType>,
    #[serde(default)]
    pub packaging: Option<bool>,
    #[serde(default)]
    pub board_code: Option<String>,
    #[serde(default)]
    pub board_name: Option<String>,
    #[serde(default)]
    pub cancellation_policies: Vec<CancellationPolicy>,
    #[serde(default)]
    pub rooms: Option<u32>,
    #[serde(default)]
    pub adults: Option<u32>,
    #[serde(default)]
    pub children: Option<u32>,
    /// ⚠ As on an availability rate (the SDK shares the rate model); read when present.
    #[serde(default)]
    pub taxes: Option<Taxes>,
    #[serde(default)]
    pub offers: Vec<RateOffer>,
}

/// Who provides the room, for the voucher.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Supplier {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub vat_number: Option<String>,
}

/// `cancellationFlag` of `DELETE /bookings/{reference}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum CancellationFlag {
    /// What cancelling would cost; nothing is cancelled.
    Simulation,
    /// Cancel (Hotelbeds' default).
    Cancellation,
}

impl CancellationFlag {
    pub fn as_str(self) -> &'static str {
        match self {
            CancellationFlag::Simulation => "SIMULATION",
            CancellationFlag::Cancellation => "CANCELLATION",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Booking list: GET /hotel-api/1.0/bookings?start=&end=&from=&to=…

/// ⚠ Value formats follow the Hotelbeds Java SDK (`start`/`end` as `YYYY-MM-DD`, enum names as
/// written); they are not verified against the live API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingListQuery {
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// First and last position of the page (`from=1&to=25`).
    pub from: u32,
    pub to: u32,
    pub filter_type: Option<BookingListFilterType>,
    pub status: Option<BookingListStatus>,
    pub client_reference: Option<String>,
    pub country: Vec<String>,
    pub destination: Vec<String>,
    pub hotel: Vec<u32>,
}

impl BookingListQuery {
    pub fn new(start: NaiveDate, end: NaiveDate, from: u32, to: u32) -> BookingListQuery {
        BookingListQuery {
            start,
            end,
            from,
            to,
            filter_type: None,
            status: None,
            client_reference: None,
            country: vec![],
            destination: vec![],
            hotel: vec![],
        }
    }

    /// The query string pairs, lists joined with commas.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = vec![
            ("start", self.start.to_string()),
            ("end", self.end.to_string()),
            ("from", self.from.to_string()),
            ("to", self.to.to_string()),
        ];
        if let Some(t) = self.filter_type {
            q.push(("filterType", t.as_str().to_owned()));
        }
        if let Some(s) = self.status {
            q.push(("status", s.as_str().to_owned()));
        }
        if let Some(c) = &self.client_reference {
            q.push(("clientReference", c.clone()));
        }
        if !self.country.is_empty() {
            q.push(("country", self.country.join(",")));
        }
        if !self.destination.is_empty() {
            q.push(("destination", self.destination.join(",")));
        }
        if !self.hotel.is_empty() {
            let hotels: Vec<String> = self.hotel.iter().map(u32::to_string).collect();
            q.push(("hotel", hotels.join(",")));
        }
        q
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.end < self.start {
            return Err("end must not be before start".into());
        }
        if self.from < 1 || self.to < self.from {
            return Err("from must be ≥ 1 and to ≥ from".into());
        }
        Ok(())
    }
}

/// Which date `start`/`end` apply to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingListFilterType {
    Checkin,
    Creation,
    Modified,
}

impl BookingListFilterType {
    pub fn as_str(self) -> &'static str {
        match self {
            BookingListFilterType::Checkin => "CHECKIN",
            BookingListFilterType::Creation => "CREATION",
            BookingListFilterType::Modified => "MODIFIED",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingListStatus {
    Confirmed,
    Cancelled,
    All,
}

impl BookingListStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BookingListStatus::Confirmed => "CONFIRMED",
            BookingListStatus::Cancelled => "CANCELLED",
            BookingListStatus::All => "ALL",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookingListResponse {
    #[serde(default)]
    pub audit_data: Option<AuditData>,
    pub bookings: BookingList,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BookingList {
    #[serde(default)]
    pub from: Option<u32>,
    #[serde(default)]
    pub to: Option<u32>,
    #[serde(default)]
    pub total: u32,
    #[serde(default)]
    pub bookings: Vec<Booking>,
}

// ---------------------------------------------------------------------------------------------
// Errors

/// `{"auditData": {…}, "error": {"code": "INVALID_DATA", "message": "…"}}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorResponse {
    #[serde(default)]
    pub audit_data: Option<AuditData>,
    pub error: ApiError,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ApiError {
    /// `INVALID_REQUEST`, `INVALID_DATA` …
    #[serde(default, deserialize_with = "opt_text")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(json: &str) -> Result<Amount, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn amounts_are_exact_from_strings_and_numbers() {
        let eur = Currency::EUR;
        assert_eq!(amount(r#""123.45""#).unwrap().to_minor(eur), Ok(12_345));
        assert_eq!(amount("123.45").unwrap().to_minor(eur), Ok(12_345));
        assert_eq!(amount("0.1").unwrap().to_minor(eur), Ok(10));
        assert_eq!(amount(r#""118.2""#).unwrap().to_minor(eur), Ok(11_820));
        assert_eq!(amount("99").unwrap().to_minor(eur), Ok(9_900));
        assert_eq!(amount(r#""-12.35""#).unwrap().to_minor(eur), Ok(-1_235));
        assert_eq!(
            amount(r#""15300""#).unwrap().to_minor(Currency::JPY),
            Ok(15_300)
        );
        // More precision than the currency has is refused, not rounded.
        assert!(amount(r#""1.005""#).unwrap().to_minor(eur).is_err());
        assert!(
            amount(r#""1.50""#)
                .unwrap()
                .to_minor(Currency::JPY)
                .is_err()
        );
        // Far beyond f64's exact range, still exact from a string.
        assert_eq!(
            amount(r#""12345678901234567.89""#).unwrap().to_minor(eur),
            Ok(1_234_567_890_123_456_789)
        );
    }

    #[test]
    fn malformed_amounts_are_refused() {
        for bad in [
            r#""""#,
            r#""12,50""#,
            r#""1e3""#,
            r#""+1""#,
            r#"" 12""#,
            r#""12.""#,
            r#"".5""#,
            r#""1.2.3""#,
            r#""NaN""#,
            "true",
            "null",
            "[]",
        ] {
            assert!(amount(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn amounts_are_written_as_numbers() {
        let a: Amount = "2.00".parse().unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), "2");
        let b: Amount = "118.27".parse().unwrap();
        assert_eq!(serde_json::to_string(&b).unwrap(), "118.27");
    }

    #[test]
    fn children_ages_come_as_text_or_list() {
        #[derive(Deserialize)]
        struct A {
            #[serde(default, deserialize_with = "children_ages")]
            ages: Vec<u32>,
        }
        let read = |j: &str| serde_json::from_str::<A>(j).map(|a| a.ages);
        assert_eq!(read(r#"{"ages": "5,7"}"#).unwrap(), vec![5, 7]);
        assert_eq!(read(r#"{"ages": [5, 7]}"#).unwrap(), vec![5, 7]);
        assert_eq!(read(r#"{"ages": 4}"#).unwrap(), vec![4]);
        assert_eq!(read(r#"{"ages": ""}"#).unwrap(), Vec::<u32>::new());
        assert_eq!(read(r#"{}"#).unwrap(), Vec::<u32>::new());
        assert!(read(r#"{"ages": "five"}"#).is_err());
    }

    #[test]
    fn unknown_enum_values_do_not_break_a_document() {
        let r: RateType = serde_json::from_str(r#""ONREQUEST""#).unwrap();
        assert_eq!(r, RateType::Unknown);
        let s: BookingStatus = serde_json::from_str(r#""CANCELED""#).unwrap();
        assert_eq!(s, BookingStatus::Cancelled);
    }

    #[test]
    fn the_availability_request_is_written_as_documented() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let req = AvailabilityRequest::for_hotels(
            Stay::new(d("2021-06-15"), d("2021-06-16")),
            vec![Occupancy::new(1, 2, &[])],
            vec![3424, 168],
        );
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            serde_json::json!({"stay": {"checkIn": "2021-06-15", "checkOut": "2021-06-16"},
                "occupancies": [{"rooms": 1, "adults": 2, "children": 0}],
                "hotels": {"hotel": [3424, 168]}})
        );
        assert!(req.validate().is_ok());
    }

    #[test]
    fn requests_outside_the_documented_limits_are_caught() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let good = AvailabilityRequest::for_hotels(
            Stay::new(d("2021-06-15"), d("2021-06-16")),
            vec![Occupancy::new(1, 2, &[6])],
            vec![3424],
        );
        assert!(good.validate().is_ok());
        let mut backwards = good.clone();
        backwards.stay.check_out = d("2021-06-15");
        assert!(backwards.validate().is_err());
        let mut no_location = good.clone();
        no_location.hotels = None;
        assert!(no_location.validate().is_err());
        let mut two_locations = good.clone();
        two_locations.destination = Some(Destination {
            code: "PMI".into(),
            zone: None,
        });
        assert!(two_locations.validate().is_err());
        let mut ageless = good.clone();
        ageless.occupancies[0].paxes[0].age = None;
        assert!(ageless.validate().is_err());
        let mut miscounted = good;
        miscounted.occupancies[0].children = 2;
        assert!(miscounted.validate().is_err());

        let booking = BookingRequest {
            holder: Holder {
                name: "Ana".into(),
                surname: "Lopez".into(),
            },
            rooms: vec![BookingRoom {
                rate_key: "k".into(),
                paxes: vec![],
            }],
            client_reference: "WF-000123".into(),
            remark: None,
            tolerance: None,
            language: None,
        };
        assert!(booking.validate().is_ok());
        let mut long_ref = booking.clone();
        long_ref.client_reference = "X".repeat(21);
        assert!(long_ref.validate().is_err());
        let mut blank_holder = booking.clone();
        blank_holder.holder.name = "  ".into();
        assert!(blank_holder.validate().is_err());
        let mut no_rooms = booking;
        no_rooms.rooms.clear();
        assert!(no_rooms.validate().is_err());
    }
}
