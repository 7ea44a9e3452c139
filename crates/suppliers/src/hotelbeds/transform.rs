//! Mapping between our hotel domain and Hotelbeds' documents: availability and booking
//! requests built from a validated search or booking request, and offers, checked rates,
//! bookings and cancellation quotes read back. Pure: no I/O; the clock's `now` is passed in.
//!
//! Where Hotelbeds says less than our domain needs, these are the choices:
//! - **Where.** Hotelbeds wants hotel codes, one of its destination codes or a circle; we send a
//!   `geolocation` circle in km: a city's centre with [`CITY_RADIUS_KM`], an area as asked, and
//!   for a map the circle around the box (at most [`MAP_MAX_RADIUS_KM`]) whose pins outside the
//!   box are dropped. A hotel without valid coordinates is skipped: it can be neither placed nor
//!   measured. Hotelbeds gives no GeoNames id, so `city_id` is `None`.
//! - **Party.** Identical rooms (same adults and children's ages) are one occupancy with
//!   `rooms: n`, children as `CH` paxes with their ages. A rate counts only when its `rooms`,
//!   `adults`, `children` (and `childrenAges` when given) are one asked occupancy's. A mixed
//!   party gets one stay per rate of its first occupancy, combined with the cheapest rate of
//!   each other occupancy on the same board, rate class and payment type. Rates sold only in
//!   packages (`packaging: true`) are never offered.
//! - **Price.** The guest pays `sellingRate` when Hotelbeds gives it (the hotel-mandatory or
//!   commissionable price), else `net`, plus the taxes marked `included: false` (`type: FEE` as
//!   fees, the rest as taxes; `clientAmount` when in the hotel's currency, else `amount`; a tax
//!   in another currency is left out, as it cannot be added exactly). Amounts are the whole
//!   stay for all the rate's rooms; nightly prices split the room price evenly per room and
//!   night, the remainder on the first night (a remainder under one minor unit per room shows in
//!   the totals only). A rate is a deal only when its `offers` carry amounts: their sum (sign
//!   ignored; Hotelbeds writes discounts negative) is taken off the was-price. Promotions
//!   without an amount are not deals. Prices stay in the hotel's currency; a price filter is
//!   in the search's, so a rate in another currency does not pass one. With no reviews and one
//!   currency per account, results are ranked by the domain's sort on stay totals as given.
//! - **Stars** from `categoryCode` (see [`stars`]); **boards** from `boardCode` (see [`board`]);
//!   `AT_WEB` is pay now and `AT_HOTEL` pay at the hotel.
//! - **Cancellation.** Each policy `{amount, from}` is the fee from `from` on; the fee at any
//!   instant is the latest policy in force (summed over a mixed party's rates). Tiers count
//!   back from check-in at [`CHECK_IN_HOUR`]:00 hotel time (Hotelbeds gives no check-in time;
//!   the hotel's UTC offset is that of its policies' `from`, UTC when it has none), rounded up
//!   to whole hours so our free-cancellation deadline is never later than Hotelbeds'. The fee
//!   becomes a per-room amount (our tiers charge per room), rounded up to the minor unit. Rate
//!   class `NRF` is non-refundable whatever its policies; a rate with no policy (or only
//!   zero-fee ones) is free to cancel until check-in and costs the whole stay after.
//! - **Validity.** A rate expires [`RATE_TTL_MINUTES`] after it was read and a cancellation
//!   quote [`QUOTE_TTL_MINUTES`] after (Hotelbeds states neither). Rooms left are the fewest
//!   `allotment` of a stay's rates, capped at [`MAX_ROOMS_LEFT`] (which is also used when no
//!   allotment is given).
//! - **Ids** start with `hb_`: hotels `hb_<code>`; rates `hb_rate_` + base64url of the stay, the
//!   rooms as asked and one rate key per occupancy (so a rate id gives back its rate keys, and
//!   a checked rate's id carries the keys CheckRate returned); bookings `hb_bk_<reference>`;
//!   cancellation quotes `hb_cq_<reference>`. A booking read back has no rate key: its rate id
//!   is `hb_booked_<reference>` and cannot be booked again.
//! - **Bookings.** Our idempotency key is the `clientReference` when it fits (1–20 letters,
//!   digits, `-` or `_`), else `WF` and the first 18 hex digits of its SHA-256. Each room's lead
//!   guest names its first adult, as Hotelbeds recommends; other guests go with type and age
//!   only. A booking read back: created at 00:00 UTC of Hotelbeds' `creationDate` (it gives no
//!   time), no cancellation time, `AT_WEB` when its payment type is missing, and rooms in
//!   Hotelbeds' order.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wayfare_domain::hotel::cancellation::MAX_HOURS_BEFORE;
use wayfare_domain::hotel::ranking::{self, HotelSort, RankFacts};
use wayfare_domain::hotel::search::{Destination, HotelFilters, OfferFacts, PriceBasis};
use wayfare_domain::hotel::stay::AppliedPromotion;
use wayfare_domain::hotel::{
    Board, BoundingBox, CancellationCharge, CancellationPolicy, CancellationTier, GeoPoint,
    LocalizedText, Party, Payment, PromotionCode, PromotionKind, PropertyId, StarRating, Stay,
    StayPrice,
};
use wayfare_domain::{Currency, Money};

use super::wire;
use crate::flight::SupplierError;
use crate::hotel::{
    GuestName, HotelBooking, HotelBookingRequest, HotelBookingStatus, HotelCancellationQuote,
    HotelOffer, HotelPin, HotelRate, HotelSummary, RoomAllocation,
};

pub use super::SUPPLIER;

/// Every id we hand out for Hotelbeds starts with this.
pub const ID_PREFIX: &str = "hb_";
const RATE_PREFIX: &str = "hb_rate_";
const BOOKING_PREFIX: &str = "hb_bk_";
const BOOKED_RATE_PREFIX: &str = "hb_booked_";
const QUOTE_PREFIX: &str = "hb_cq_";
/// Longer rate ids are not ours (a few rate keys take a few hundred characters).
const MAX_RATE_ID_LEN: usize = 16 * 1024;

/// The radius around a city's centre searched for its hotels.
pub const CITY_RADIUS_KM: f64 = 15.0;
/// The widest circle a map box is searched with; a larger box sees the hotels within this of
/// its centre only.
pub const MAP_MAX_RADIUS_KM: f64 = 100.0;
/// Check-in time assumed for every hotel (local), which cancellation deadlines count back from.
pub const CHECK_IN_HOUR: u32 = 14;
/// Check-out closes at this hour, hotel time (Hotelbeds gives no check-out time either).
pub const CHECK_OUT_HOUR: u32 = 12;
pub const RATE_TTL_MINUTES: i64 = 30;
pub const QUOTE_TTL_MINUTES: i64 = 10;
/// Rooms left are never shown above this.
pub const MAX_ROOMS_LEFT: u16 = 9;
/// Hotelbeds' limit on `clientReference`.
pub const CLIENT_REFERENCE_MAX: usize = 20;

/// Board codes of rates with breakfast included, sent as the `boards` filter when the guest
/// asks for breakfast; each maps to a board with breakfast in [`board`].
pub const BREAKFAST_BOARDS: &[&str] = &["BB", "AB", "CB", "DB", "EB", "IB", "HB", "FB", "AI", "TI"];

/// Why a document could not be read into our types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapError(pub String);

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl MapError {
    pub fn into_protocol(self) -> SupplierError {
        SupplierError::Protocol {
            supplier: SUPPLIER.into(),
            detail: self.0,
        }
    }
}

fn bad(msg: impl Into<String>) -> MapError {
    MapError(msg.into())
}

// ---------------------------------------------------------------------------------------------
// Ids

pub fn hotel_id(code: u32) -> String {
    format!("{ID_PREFIX}{code}")
}

/// Hotelbeds' hotel code from our hotel id; `None` when it is not one.
pub fn hotel_code(id: &str) -> Option<u32> {
    let digits = id.strip_prefix(ID_PREFIX)?;
    if digits.is_empty() || digits.len() > 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

pub fn booking_id(reference: &str) -> String {
    format!("{BOOKING_PREFIX}{reference}")
}

/// Hotelbeds' booking reference from our booking id (the client checks what it may be).
pub fn booking_reference(id: &str) -> Option<&str> {
    id.strip_prefix(BOOKING_PREFIX).filter(|r| !r.is_empty())
}

pub fn quote_id(reference: &str) -> String {
    format!("{QUOTE_PREFIX}{reference}")
}

pub fn quote_reference(id: &str) -> Option<&str> {
    id.strip_prefix(QUOTE_PREFIX).filter(|r| !r.is_empty())
}

/// The `clientReference` for our idempotency key: the key itself when Hotelbeds takes it, else
/// `WF` and 18 hex digits of its SHA-256 (20 characters, Hotelbeds' maximum).
pub fn client_reference(idempotency_key: &str) -> String {
    let plain = (1..=CLIENT_REFERENCE_MAX).contains(&idempotency_key.len())
        && idempotency_key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain {
        return idempotency_key.to_owned();
    }
    let digest = hex::encode(Sha256::digest(idempotency_key.as_bytes()));
    format!("WF{}", &digest[..CLIENT_REFERENCE_MAX - 2])
}

/// What a rate id carries: the stay, the rooms as asked and one rate key per occupancy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateRef {
    pub check_in: NaiveDate,
    pub check_out: NaiveDate,
    pub plan: PartyPlan,
    /// One per occupancy of `plan`, in its order.
    pub rate_keys: Vec<String>,
}

/// The rate id's payload, short names to keep ids short.
#[derive(Serialize, Deserialize)]
struct RateIdDoc {
    i: NaiveDate,
    o: NaiveDate,
    r: Vec<(u8, Vec<u8>)>,
    k: Vec<String>,
}

impl RateRef {
    pub fn id(&self) -> String {
        let doc = RateIdDoc {
            i: self.check_in,
            o: self.check_out,
            r: self.plan.rooms.clone(),
            k: self.rate_keys.clone(),
        };
        // Serializing plain strings, dates and numbers cannot fail.
        let json = serde_json::to_vec(&doc).unwrap_or_default();
        format!("{RATE_PREFIX}{}", base64url_encode(&json))
    }

    /// `None` for anything that is not a rate id we made.
    pub fn parse(id: &str) -> Option<RateRef> {
        if id.len() > MAX_RATE_ID_LEN {
            return None;
        }
        let json = base64url_decode(id.strip_prefix(RATE_PREFIX)?)?;
        let doc: RateIdDoc = serde_json::from_slice(&json).ok()?;
        let plan = PartyPlan::new(doc.r)?;
        let keys_ok =
            doc.k.len() == plan.occupancies.len() && doc.k.iter().all(|k| !k.trim().is_empty());
        (doc.o > doc.i && keys_ok).then_some(RateRef {
            check_in: doc.i,
            check_out: doc.o,
            plan,
            rate_keys: doc.k,
        })
    }
}

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding (RFC 4648 §5).
fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(BASE64URL[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// The inverse of [`base64url_encode`]; `None` for anything it cannot have written.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| BASE64URL.iter().position(|b| *b == c).map(|p| p as u32);
    let bytes = text.as_bytes();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let produced = chunk.len() - 1;
        for i in 0..produced {
            out.push((n >> (16 - 8 * i)) as u8);
        }
        // Bits below the last byte must be zero, so every byte string has one spelling.
        if n & ((1u32 << (24 - 8 * produced)) - 1) != 0 {
            return None;
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Party

/// Identical rooms of a party, sent as one Hotelbeds occupancy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomGroup {
    pub adults: u8,
    /// Sorted.
    pub children_ages: Vec<u8>,
    pub rooms: u32,
}

/// The rooms as asked and how they group into Hotelbeds occupancies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyPlan {
    /// Adults and children's ages of each room, in the order asked.
    rooms: Vec<(u8, Vec<u8>)>,
    /// First appearance first.
    occupancies: Vec<RoomGroup>,
    /// For each room asked, its occupancy.
    room_occupancy: Vec<usize>,
}

impl PartyPlan {
    pub fn of(party: &Party) -> PartyPlan {
        PartyPlan::build(
            party
                .rooms()
                .iter()
                .map(|r| (r.adults(), r.children_ages().to_vec()))
                .collect(),
        )
    }

    /// From rooms read back from a rate id: 1 to 8 rooms, each with an adult.
    fn new(rooms: Vec<(u8, Vec<u8>)>) -> Option<PartyPlan> {
        let ok = (1..=8).contains(&rooms.len())
            && rooms.iter().all(|(adults, ages)| {
                (1..=8).contains(adults) && ages.len() <= 6 && ages.iter().all(|a| *a <= 17)
            });
        ok.then(|| PartyPlan::build(rooms))
    }

    fn build(rooms: Vec<(u8, Vec<u8>)>) -> PartyPlan {
        let mut occupancies: Vec<RoomGroup> = Vec::new();
        let mut room_occupancy = Vec::with_capacity(rooms.len());
        for (adults, ages) in &rooms {
            let mut sorted = ages.clone();
            sorted.sort_unstable();
            let at = occupancies
                .iter()
                .position(|g| g.adults == *adults && g.children_ages == sorted);
            let at = match at {
                Some(i) => {
                    occupancies[i].rooms += 1;
                    i
                }
                None => {
                    occupancies.push(RoomGroup {
                        adults: *adults,
                        children_ages: sorted,
                        rooms: 1,
                    });
                    occupancies.len() - 1
                }
            };
            room_occupancy.push(at);
        }
        PartyPlan {
            rooms,
            occupancies,
            room_occupancy,
        }
    }

    pub fn rooms(&self) -> &[(u8, Vec<u8>)] {
        &self.rooms
    }

    pub fn occupancies(&self) -> &[RoomGroup] {
        &self.occupancies
    }

    fn room_count(&self) -> u8 {
        // At most 8 by construction.
        self.rooms.len() as u8
    }

    fn wire_occupancies(&self) -> Vec<wire::Occupancy> {
        self.occupancies
            .iter()
            .map(|g| {
                let ages: Vec<u32> = g.children_ages.iter().map(|a| u32::from(*a)).collect();
                wire::Occupancy::new(g.rooms, u32::from(g.adults), &ages)
            })
            .collect()
    }
}

/// Whether a rate is for exactly this occupancy.
fn fits(group: &RoomGroup, rate: &wire::Rate) -> bool {
    let counts = rate.rooms == Some(group.rooms)
        && rate.adults == Some(u32::from(group.adults))
        && rate.children == u32::try_from(group.children_ages.len()).ok();
    if !counts {
        return false;
    }
    if rate.children_ages.is_empty() {
        return true;
    }
    let mut ages = rate.children_ages.clone();
    ages.sort_unstable();
    ages.iter()
        .map(|a| u8::try_from(*a).ok())
        .eq(group.children_ages.iter().map(|a| Some(*a)))
}

// ---------------------------------------------------------------------------------------------
// Requests

/// The circle an availability request searches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Circle {
    pub centre: GeoPoint,
    pub radius_km: f64,
}

impl Circle {
    pub fn contains(&self, p: GeoPoint) -> bool {
        p.distance_km(self.centre) <= self.radius_km
    }
}

pub fn destination_circle(destination: &Destination) -> Circle {
    match destination {
        Destination::City { centre, .. } => Circle {
            centre: *centre,
            radius_km: CITY_RADIUS_KM,
        },
        Destination::Area {
            centre, radius_km, ..
        } => Circle {
            centre: *centre,
            radius_km: *radius_km,
        },
    }
}

/// The smallest circle about the box's centre that holds the whole box, up to
/// [`MAP_MAX_RADIUS_KM`].
pub fn map_circle(bbox: BoundingBox) -> Circle {
    let lat = (bbox.south() + bbox.north()) / 2.0;
    let mut lon = bbox.west() + bbox.width_degrees() / 2.0;
    if lon > 180.0 {
        lon -= 360.0;
    }
    let point = |lat: f64, lon: f64| GeoPoint::new(lat, lon);
    let centre =
        point(lat, lon.clamp(-180.0, 180.0)).expect("the middle of a valid box is a valid point");
    // The farthest point of a latitude/longitude box from its centre is a corner or the middle
    // of an edge.
    let edges = [
        (bbox.south(), bbox.west()),
        (bbox.south(), bbox.east()),
        (bbox.north(), bbox.west()),
        (bbox.north(), bbox.east()),
        (bbox.south(), lon),
        (bbox.north(), lon),
        (lat, bbox.west()),
        (lat, bbox.east()),
    ];
    let farthest = edges
        .iter()
        .filter_map(|(la, lo)| point(*la, *lo))
        .map(|p| centre.distance_km(p))
        .fold(0.0f64, f64::max);
    Circle {
        centre,
        radius_km: (farthest * 1.001).min(MAP_MAX_RADIUS_KM),
    }
}

/// An availability request for a stay and party in a circle, with the filters Hotelbeds
/// applies itself: categories for stars, breakfast boards, paying at the hotel and, when
/// Hotelbeds prices in the search currency (`pricing_currency`), the highest price. Hotelbeds
/// compares its price before taxes paid on top, which is never above ours, so a `maxRate` keeps
/// every rate we would; a `minRate` could drop rates whose taxes lift them into range, so none
/// is sent. Every filter is applied again to what comes back.
pub fn availability_request(
    stay: Stay,
    plan: &PartyPlan,
    circle: Circle,
    filters: &HotelFilters,
    currency: Currency,
    pricing_currency: Option<Currency>,
) -> wire::AvailabilityRequest {
    let mut request = wire::AvailabilityRequest::for_hotels(
        wire::Stay::new(stay.check_in(), stay.check_out()),
        plan.wire_occupancies(),
        vec![],
    );
    request.hotels = None;
    request.geolocation = Some(wire::GeoLocation {
        latitude: circle.centre.lat(),
        longitude: circle.centre.lon(),
        // Metres are precision enough, and keep the number short.
        radius: (circle.radius_km * 1000.0).ceil() / 1000.0,
        unit: wire::DistanceUnit::Kilometres,
        secondary_latitude: None,
        secondary_longitude: None,
    });
    let mut filter = wire::Filter::default();
    let stars: Vec<u32> = (1..=5u8)
        .filter_map(StarRating::new)
        .filter(|s| filters.stars.contains(*s))
        .map(|s| u32::from(s.get()))
        .collect();
    filter.min_category = stars.first().copied();
    filter.max_category = stars.last().copied();
    if filters.pay_at_hotel {
        filter.payment_type = Some(wire::PaymentTypeFilter::AtHotel);
    }
    if pricing_currency == Some(currency)
        && let Some(range) = filters.price
        && let Some(max) = range.max_minor
    {
        let per = match range.basis {
            PriceBasis::Total => 1,
            PriceBasis::Nightly => i64::from(stay.nights()) * i64::from(plan.room_count()),
        };
        filter.max_rate = max
            .checked_mul(per)
            .map(|total| wire::Amount::new(Money::from_minor(total, currency).to_decimal()));
    }
    if filter != wire::Filter::default() {
        request.filter = Some(filter);
    }
    if filters.breakfast_included {
        request.boards = Some(wire::BoardsFilter {
            board: BREAKFAST_BOARDS.iter().map(|b| (*b).to_owned()).collect(),
            included: true,
        });
    }
    request
}

/// Every rate of one hotel for a stay and party.
pub fn hotel_request(stay: Stay, plan: &PartyPlan, code: u32) -> wire::AvailabilityRequest {
    wire::AvailabilityRequest::for_hotels(
        wire::Stay::new(stay.check_in(), stay.check_out()),
        plan.wire_occupancies(),
        vec![code],
    )
}

/// The booking of a checked rate: its rate key per occupancy, each room's guests as paxes of
/// that rate (`roomId` counting the occupancy's rooms), the lead guest naming the first adult.
pub fn booking_request(
    request: &HotelBookingRequest,
    rate: &RateRef,
    client_reference: String,
) -> Result<wire::BookingRequest, SupplierError> {
    let plan = &rate.plan;
    if request.room_guests.len() != plan.rooms.len() {
        return Err(SupplierError::Rejected {
            supplier: SUPPLIER.into(),
            code: "INVALID_DATA".into(),
            message: format!(
                "the rate has {} rooms but {} lead guests were given",
                plan.rooms.len(),
                request.room_guests.len()
            ),
        });
    }
    let mut rooms: Vec<wire::BookingRoom> = rate
        .rate_keys
        .iter()
        .map(|key| wire::BookingRoom {
            rate_key: key.clone(),
            paxes: vec![],
        })
        .collect();
    let mut seen_in_group = vec![0u32; rooms.len()];
    for (i, ((adults, ages), guest)) in plan.rooms.iter().zip(&request.room_guests).enumerate() {
        let group = plan.room_occupancy[i];
        seen_in_group[group] += 1;
        let room_id = Some(seen_in_group[group]);
        let paxes = &mut rooms[group].paxes;
        paxes.push(named(room_id, guest));
        for _ in 1..*adults {
            paxes.push(wire::Pax {
                room_id,
                ..wire::Pax::adult()
            });
        }
        for age in ages {
            paxes.push(wire::Pax {
                room_id,
                ..wire::Pax::child(u32::from(*age))
            });
        }
    }
    let remark = request
        .special_requests
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    Ok(wire::BookingRequest {
        holder: wire::Holder {
            name: request.holder.given_name.trim().to_owned(),
            surname: request.holder.family_name.trim().to_owned(),
        },
        rooms,
        client_reference,
        remark,
        tolerance: None,
        language: None,
    })
}

fn named(room_id: Option<u32>, guest: &GuestName) -> wire::Pax {
    wire::Pax {
        room_id,
        name: Some(guest.given_name.trim().to_owned()),
        surname: Some(guest.family_name.trim().to_owned()),
        ..wire::Pax::adult()
    }
}

// ---------------------------------------------------------------------------------------------
// Hotels, stars, boards

/// Stars from Hotelbeds' `categoryCode`: `nEST` (n stars) and `nLUX` (n stars, luxury) give n;
/// `Hn_5` (n and a half stars) gives n; `HSn` (hostal) and `APTHn` (apartment hotel) give n.
/// Keys of apartments (`nLL`), boutique, superior and other categories are not official stars:
/// unrated.
pub fn stars(category_code: Option<&str>) -> Option<StarRating> {
    let code = category_code?.trim().to_ascii_uppercase();
    let digits = code
        .strip_suffix("EST")
        .or_else(|| code.strip_suffix("LUX"))
        .or_else(|| code.strip_prefix('H').and_then(|r| r.strip_suffix("_5")))
        .or_else(|| code.strip_prefix("APTH"))
        .or_else(|| code.strip_prefix("HS"))?;
    if digits.len() != 1 {
        return None;
    }
    StarRating::new(digits.parse().ok()?)
}

/// Our board from Hotelbeds' `boardCode`: `BB`, `AB`, `CB`, `DB`, `EB`, `IB` (bed and breakfast,
/// American, continental, buffet, English, Irish) are breakfast; `HB` half board; `FB` full
/// board; `AI` and `TI` all inclusive; `RO` (room only), `SC` (self catering) and any code not
/// listed are room only, so we never promise a meal we cannot name.
pub fn board(code: Option<&str>) -> Board {
    match code.map(|c| c.trim().to_ascii_uppercase()).as_deref() {
        Some("BB" | "AB" | "CB" | "DB" | "EB" | "IB") => Board::Breakfast,
        Some("HB") => Board::HalfBoard,
        Some("FB") => Board::FullBoard,
        Some("AI" | "TI") => Board::AllInclusive,
        _ => Board::RoomOnly,
    }
}

fn payment(p: wire::PaymentType) -> Option<Payment> {
    match p {
        wire::PaymentType::AtWeb => Some(Payment::PayNow),
        wire::PaymentType::AtHotel => Some(Payment::PayAtHotel),
        wire::PaymentType::Unknown => None,
    }
}

/// Hotelbeds gives one language: the same text in both.
fn text(s: &str) -> LocalizedText {
    LocalizedText::new(s.trim(), s.trim())
}

fn currency(code: &str) -> Result<Currency, MapError> {
    Currency::parse(&code.trim().to_ascii_uppercase())
        .map_err(|_| bad(format!("unknown currency `{code}`")))
}

fn minor(amount: wire::Amount, currency: Currency) -> Result<i64, MapError> {
    amount
        .to_minor(currency)
        .map_err(|e| bad(format!("amount {amount} {currency}: {e}")))
}

fn point(
    lat: Option<rust_decimal::Decimal>,
    lon: Option<rust_decimal::Decimal>,
) -> Option<GeoPoint> {
    GeoPoint::new(lat?.to_f64()?, lon?.to_f64()?)
}

struct HotelFacts<'a> {
    code: u32,
    name: Option<&'a str>,
    category: Option<&'a str>,
    zone: Option<&'a str>,
    destination: Option<&'a str>,
}

fn summary(facts: &HotelFacts<'_>, location: GeoPoint) -> HotelSummary {
    let address: Vec<&str> = [facts.zone, facts.destination]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    HotelSummary {
        id: hotel_id(facts.code),
        supplier: SUPPLIER.into(),
        name: text(facts.name.unwrap_or("")),
        chain: None,
        brand: None,
        stars: stars(facts.category),
        address: text(&address.join(", ")),
        city_id: None,
        location,
        amenities: Default::default(),
        themes: Default::default(),
        reviews: Default::default(),
    }
}

fn hotel_summary(h: &wire::Hotel) -> Result<HotelSummary, MapError> {
    let location = point(h.latitude, h.longitude)
        .ok_or_else(|| bad(format!("hotel {} has no valid coordinates", h.code)))?;
    let facts = HotelFacts {
        code: h.code,
        name: h.name.as_deref(),
        category: h.category_code.as_deref(),
        zone: h.zone_name.as_deref(),
        destination: h.destination_name.as_deref(),
    };
    Ok(summary(&facts, location))
}

// ---------------------------------------------------------------------------------------------
// Price

/// One Hotelbeds rate's contribution to a stay's price, in minor units.
#[derive(Debug, Clone, Default)]
struct PriceParts {
    /// What the guest pays for the rooms, after any offer.
    price: i64,
    /// Offers already taken off `price`.
    discount: i64,
    taxes: i64,
    fees: i64,
    offer_code: Option<String>,
}

impl PriceParts {
    fn of(
        price: wire::Amount,
        taxes: Option<&wire::Taxes>,
        offers: &[wire::RateOffer],
        currency: Currency,
    ) -> Result<PriceParts, MapError> {
        let price = minor(price, currency)?;
        if price < 0 {
            return Err(bad(format!("negative price {price}")));
        }
        let (taxes, fees) = taxes_due(taxes, currency)?;
        let mut discount = 0i64;
        let mut offer_code = None;
        for o in offers {
            if let Some(amount) = o.amount {
                let off = minor(amount, currency)?
                    .checked_abs()
                    .ok_or_else(overflow)?;
                discount = discount.checked_add(off).ok_or_else(overflow)?;
                if off > 0 && offer_code.is_none() {
                    offer_code = o.code.clone();
                }
            }
        }
        Ok(PriceParts {
            price,
            discount,
            taxes,
            fees,
            offer_code,
        })
    }

    fn add(mut self, other: PriceParts) -> Result<PriceParts, MapError> {
        let sum = |a: i64, b: i64| a.checked_add(b).ok_or_else(overflow);
        self.price = sum(self.price, other.price)?;
        self.discount = sum(self.discount, other.discount)?;
        self.taxes = sum(self.taxes, other.taxes)?;
        self.fees = sum(self.fees, other.fees)?;
        self.offer_code = self.offer_code.or(other.offer_code);
        Ok(self)
    }

    fn stay_price(
        &self,
        rooms: u8,
        nights: u16,
        currency: Currency,
    ) -> Result<StayPrice, MapError> {
        if rooms == 0 || nights == 0 {
            return Err(bad("a stay needs a room and a night"));
        }
        let sum = |items: &[i64]| {
            items
                .iter()
                .try_fold(0i64, |a, b| a.checked_add(*b))
                .ok_or_else(overflow)
        };
        let subtotal = sum(&[self.price, self.discount])?;
        let total = sum(&[self.price, self.taxes, self.fees])?;
        let was_total = sum(&[total, self.discount])?;
        let money = |m: i64| Money::from_minor(m, currency);
        let split = |amount: i64| -> Vec<Money> {
            let per_room = amount / i64::from(rooms);
            let n = i64::from(nights);
            let mut nightly = vec![per_room / n; usize::from(nights)];
            nightly[0] += per_room % n;
            nightly.into_iter().map(money).collect()
        };
        let promotion = if self.discount > 0 {
            let permille = (i128::from(self.discount) * 2000 + i128::from(subtotal))
                / (2 * i128::from(subtotal));
            let code = self
                .offer_code
                .as_deref()
                .and_then(|c| promotion_code(&format!("hb_{c}")))
                .or_else(|| promotion_code("hb_offer"));
            code.map(|code| AppliedPromotion {
                index: 0,
                code,
                kind: PromotionKind::PercentOff {
                    permille: permille.clamp(1, 999) as u16,
                },
                discount: money(self.discount),
            })
        } else {
            None
        };
        Ok(StayPrice {
            rooms,
            base_nightly: split(subtotal),
            nightly: split(self.price),
            subtotal: money(subtotal),
            discount: money(self.discount),
            taxes: money(self.taxes),
            fees: money(self.fees),
            total: money(total),
            was_total: money(was_total),
            promotion,
        })
    }
}

fn overflow() -> MapError {
    bad("amount out of range")
}

/// A promotion code from Hotelbeds' offer code: lower case, anything else than letters and
/// digits as `_`, at most 31 characters.
fn promotion_code(raw: &str) -> Option<PromotionCode> {
    let cleaned: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(31)
        .collect();
    PromotionCode::parse(&cleaned)
}

/// Taxes and fees to be paid on top of the price: `(taxes, fees)`.
fn taxes_due(taxes: Option<&wire::Taxes>, currency: Currency) -> Result<(i64, i64), MapError> {
    let Some(t) = taxes else {
        return Ok((0, 0));
    };
    if t.all_included == Some(true) {
        return Ok((0, 0));
    }
    let ours = |c: Option<&str>| c.is_none_or(|c| c.trim().eq_ignore_ascii_case(currency.code()));
    let (mut due_taxes, mut due_fees) = (0i64, 0i64);
    for tax in t.taxes.iter().filter(|t| t.included == Some(false)) {
        let amount = match (tax.client_amount, tax.amount) {
            (Some(a), _)
                if tax.client_currency.is_some() && ours(tax.client_currency.as_deref()) =>
            {
                a
            }
            (_, Some(a)) if ours(tax.currency.as_deref()) => a,
            // In another currency: it cannot be added exactly.
            _ => continue,
        };
        let m = minor(amount, currency)?;
        let slot = if tax.kind == Some(wire::TaxType::Fee) {
            &mut due_fees
        } else {
            &mut due_taxes
        };
        *slot = slot.checked_add(m).ok_or_else(overflow)?;
    }
    Ok((due_taxes, due_fees))
}

// ---------------------------------------------------------------------------------------------
// Cancellation

/// One rate's cancellation terms.
struct Terms<'a> {
    policies: &'a [wire::CancellationPolicy],
    rate_class: Option<&'a str>,
}

/// The hotel's UTC offset, as its policies' instants carry it.
fn hotel_offset<'a>(
    policies: impl IntoIterator<Item = &'a wire::CancellationPolicy>,
) -> FixedOffset {
    policies
        .into_iter()
        .map(|p| *p.from.offset())
        .next()
        .unwrap_or_else(|| Utc.fix())
}

/// Check-in opens at [`CHECK_IN_HOUR`]:00 hotel time.
pub fn check_in_at(date: NaiveDate, offset: FixedOffset) -> DateTime<Utc> {
    at_hour(date, CHECK_IN_HOUR, offset)
}

/// Check-out closes at [`CHECK_OUT_HOUR`]:00 hotel time.
pub fn check_out_at(date: NaiveDate, offset: FixedOffset) -> DateTime<Utc> {
    at_hour(date, CHECK_OUT_HOUR, offset)
}

fn at_hour(date: NaiveDate, hour: u32, offset: FixedOffset) -> DateTime<Utc> {
    let naive = date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or(NaiveTime::MIN));
    offset
        .from_local_datetime(&naive)
        .earliest()
        .map_or_else(|| naive.and_utc(), |d| d.with_timezone(&Utc))
}

/// Whole hours from `from` to check-in, rounded up (so the tier starts no later than `from`).
fn hours_before(check_in_at: DateTime<Utc>, from: DateTime<Utc>) -> u32 {
    let secs = (check_in_at - from).num_seconds();
    if secs <= 0 {
        return 0;
    }
    u32::try_from((secs + 3599) / 3600)
        .unwrap_or(u32::MAX)
        .min(MAX_HOURS_BEFORE)
}

fn cancellation(
    terms: &[Terms<'_>],
    rooms: u8,
    currency: Currency,
    check_in_at: DateTime<Utc>,
) -> Result<CancellationPolicy, MapError> {
    let nrf = terms.iter().any(|t| {
        t.rate_class
            .is_some_and(|c| c.trim().eq_ignore_ascii_case("NRF"))
    });
    if nrf {
        return Ok(CancellationPolicy::non_refundable());
    }
    let mut instants: Vec<DateTime<Utc>> = terms
        .iter()
        .flat_map(|t| t.policies.iter())
        .map(|p| p.from.with_timezone(&Utc))
        .collect();
    instants.sort_unstable();
    instants.dedup();
    let mut per_room_from: BTreeMap<u32, i64> = BTreeMap::new();
    for at in instants {
        let mut fee = 0i64;
        for t in terms {
            let in_force = t
                .policies
                .iter()
                .filter(|p| p.from.with_timezone(&Utc) <= at)
                .max_by_key(|p| p.from.with_timezone(&Utc));
            if let Some(p) = in_force {
                fee = fee
                    .checked_add(minor(p.amount, currency)?)
                    .ok_or_else(overflow)?;
            }
        }
        let fee = fee.max(0);
        let n = i64::from(rooms.max(1));
        let per_room = fee / n + i64::from(fee % n != 0);
        if per_room > 0 {
            // Two instants in the same hour: the later one's fee.
            per_room_from.insert(hours_before(check_in_at, at), per_room);
        }
    }
    let policy = if per_room_from.is_empty() {
        CancellationPolicy::free_until(0, CancellationCharge::Percent { permille: 1000 })
    } else {
        CancellationPolicy::tiered(
            per_room_from
                .into_iter()
                .map(|(hours_before, minor)| CancellationTier {
                    hours_before,
                    charge: CancellationCharge::Amount(Money::from_minor(minor, currency)),
                })
                .collect(),
        )
    };
    policy.map_err(|e| bad(format!("cancellation policy: {e}")))
}

// ---------------------------------------------------------------------------------------------
// Rates and offers

/// One Hotelbeds rate filling one occupancy of the party.
#[derive(Clone, Copy)]
struct Part<'a> {
    room: &'a wire::Room,
    rate: &'a wire::Rate,
}

impl Part<'_> {
    fn parts(&self, currency: Currency) -> Result<PriceParts, MapError> {
        let r = self.rate;
        PriceParts::of(
            r.selling_rate.unwrap_or(r.net),
            r.taxes.as_ref(),
            &r.offers,
            currency,
        )
    }

    /// What combinations may mix: the same meals, refund terms and payment.
    fn plan_key(&self) -> (Board, Option<String>, wire::PaymentType) {
        (
            board(self.rate.board_code.as_deref()),
            self.rate
                .rate_class
                .as_ref()
                .map(|c| c.trim().to_ascii_uppercase()),
            self.rate.payment_type,
        )
    }
}

/// What every rate of one hotel shares.
struct Stayed<'a> {
    code: u32,
    currency: Currency,
    offset: FixedOffset,
    plan: &'a PartyPlan,
    check_in: NaiveDate,
    check_out: NaiveDate,
    now: DateTime<Utc>,
}

/// A stay from one rate per occupancy (`parts[i]` fills occupancy `i`).
fn stay_rate(s: &Stayed<'_>, parts: &[Part<'_>]) -> Result<HotelRate, MapError> {
    let first = parts.first().ok_or_else(|| bad("a stay needs a rate"))?;
    let nights = u16::try_from((s.check_out - s.check_in).num_days())
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| bad("check-out is not after check-in"))?;
    let payment = payment(first.rate.payment_type).ok_or_else(|| {
        bad(format!(
            "rate {} has an unknown payment type",
            first.rate.rate_key
        ))
    })?;
    let rooms = s.plan.room_count();
    let price = parts
        .iter()
        .try_fold(PriceParts::default(), |acc, p| {
            acc.add(p.parts(s.currency)?)
        })?
        .stay_price(rooms, nights, s.currency)?;
    let check_in_at = check_in_at(s.check_in, s.offset);
    let terms: Vec<Terms<'_>> = parts
        .iter()
        .map(|p| Terms {
            policies: &p.rate.cancellation_policies,
            rate_class: p.rate.rate_class.as_deref(),
        })
        .collect();
    let cancellation = cancellation(&terms, rooms, s.currency, check_in_at)?;
    let allocations = s
        .plan
        .rooms
        .iter()
        .zip(&s.plan.room_occupancy)
        .map(|((adults, ages), group)| {
            let room = parts[*group].room;
            RoomAllocation {
                room_type: room.code.clone(),
                name: text(room.name.as_deref().unwrap_or(&room.code)),
                adults: *adults,
                children_ages: ages.clone(),
            }
        })
        .collect();
    let rate_ref = RateRef {
        check_in: s.check_in,
        check_out: s.check_out,
        plan: s.plan.clone(),
        rate_keys: parts.iter().map(|p| p.rate.rate_key.clone()).collect(),
    };
    let rooms_left = parts
        .iter()
        .map(|p| {
            p.rate
                .allotment
                .map_or(MAX_ROOMS_LEFT, |a| a.min(u32::from(MAX_ROOMS_LEFT)) as u16)
        })
        .min()
        .unwrap_or(0);
    let board_code = first.rate.board_code.as_deref().unwrap_or("");
    Ok(HotelRate {
        id: rate_ref.id(),
        hotel_id: hotel_id(s.code),
        rooms: allocations,
        plan_name: text(first.rate.board_name.as_deref().unwrap_or(board_code)),
        board: board(first.rate.board_code.as_deref()),
        payment,
        member_only: false,
        free_cancellation_until: cancellation.free_cancellation_until(check_in_at),
        cancellation,
        check_in: s.check_in,
        check_out: s.check_out,
        check_in_at,
        check_out_at: check_out_at(s.check_out, s.offset),
        price,
        rooms_left,
        needs_price_check: parts
            .iter()
            .any(|p| p.rate.rate_type != wire::RateType::Bookable),
        expires_at: s.now + Duration::minutes(RATE_TTL_MINUTES),
    })
}

/// Offers read from an availability answer, and why anything was left out.
#[derive(Debug, Default)]
pub struct Offers {
    pub offers: Vec<HotelOffer>,
    pub skipped: Vec<MapError>,
}

/// Every hotel with the stays that hold the whole party, cheapest first.
pub fn offers(
    doc: &wire::AvailabilityResponse,
    plan: &PartyPlan,
    stay: Stay,
    now: DateTime<Utc>,
) -> Offers {
    let mut out = Offers::default();
    for h in &doc.hotels.hotels {
        match offer(h, plan, stay, now, &mut out.skipped) {
            Ok(Some(o)) => out.offers.push(o),
            Ok(None) => {}
            Err(e) => out.skipped.push(bad(format!("hotel {}: {e}", h.code))),
        }
    }
    out
}

fn offer(
    h: &wire::Hotel,
    plan: &PartyPlan,
    stay: Stay,
    now: DateTime<Utc>,
    skipped: &mut Vec<MapError>,
) -> Result<Option<HotelOffer>, MapError> {
    let hotel = hotel_summary(h)?;
    let s = Stayed {
        code: h.code,
        currency: currency(&h.currency)?,
        offset: hotel_offset(
            h.rooms
                .iter()
                .flat_map(|r| r.rates.iter())
                .flat_map(|r| r.cancellation_policies.iter()),
        ),
        plan,
        check_in: stay.check_in(),
        check_out: stay.check_out(),
        now,
    };
    // For each occupancy, the rates that fill it exactly, with their price.
    let mut candidates: Vec<Vec<(Part<'_>, i64)>> = Vec::with_capacity(plan.occupancies.len());
    for group in &plan.occupancies {
        let mut fitting = Vec::new();
        for room in &h.rooms {
            for rate in room.rates.iter().filter(|r| fits(group, r)) {
                if rate.packaging == Some(true) {
                    continue;
                }
                let part = Part { room, rate };
                match part.parts(s.currency) {
                    Ok(p) => fitting.push((part, p.price)),
                    Err(e) => skipped.push(bad(format!("rate {}: {e}", rate.rate_key))),
                }
            }
        }
        if fitting.is_empty() {
            return Ok(None);
        }
        candidates.push(fitting);
    }
    let mut rates: Vec<HotelRate> = Vec::new();
    for (lead, _) in &candidates[0] {
        let key = lead.plan_key();
        let mut parts = vec![*lead];
        for others in &candidates[1..] {
            let cheapest = others
                .iter()
                .filter(|(p, _)| p.plan_key() == key)
                .min_by_key(|(_, price)| *price);
            match cheapest {
                Some((p, _)) => parts.push(*p),
                None => break,
            }
        }
        if parts.len() != candidates.len() {
            continue;
        }
        match stay_rate(&s, &parts) {
            Ok(r) if !rates.iter().any(|o| o.id == r.id) => rates.push(r),
            Ok(_) => {}
            Err(e) => skipped.push(bad(format!("rate {}: {e}", lead.rate.rate_key))),
        }
    }
    if rates.is_empty() {
        return Ok(None);
    }
    sort_rates(&mut rates);
    Ok(Some(HotelOffer { hotel, rates }))
}

fn sort_rates(rates: &mut [HotelRate]) {
    rates.sort_by(|a, b| {
        a.price
            .total
            .minor()
            .cmp(&b.price.total.minor())
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// A rate after CheckRate: its hotel, the rate at the current price under the rate keys
/// CheckRate returned, and those keys.
#[derive(Debug, Clone)]
pub struct CheckedRate {
    pub hotel: HotelSummary,
    pub rate: HotelRate,
    pub rate_ref: RateRef,
}

/// The rate again from one CheckRate answer per rate key (in the rate id's order).
pub fn checked_rate(
    answers: &[wire::CheckRateResponse],
    asked: &RateRef,
    now: DateTime<Utc>,
) -> Result<CheckedRate, MapError> {
    if answers.len() != asked.rate_keys.len() {
        return Err(bad("one CheckRate answer per rate key is needed"));
    }
    let first = answers.first().ok_or_else(|| bad("no CheckRate answer"))?;
    let hotel = &first.hotel;
    let mut parts = Vec::with_capacity(answers.len());
    for a in answers {
        if a.hotel.code != hotel.code || !a.hotel.currency.eq_ignore_ascii_case(&hotel.currency) {
            return Err(bad(
                "CheckRate answered rates of different hotels or currencies",
            ));
        }
        let part = a
            .hotel
            .rooms
            .iter()
            .find_map(|room| room.rates.first().map(|rate| Part { room, rate }))
            .ok_or_else(|| {
                bad(format!(
                    "CheckRate for hotel {} returned no rate",
                    hotel.code
                ))
            })?;
        parts.push(part);
    }
    let s = Stayed {
        code: hotel.code,
        currency: currency(&hotel.currency)?,
        offset: hotel_offset(
            parts
                .iter()
                .flat_map(|p| p.rate.cancellation_policies.iter()),
        ),
        plan: &asked.plan,
        check_in: asked.check_in,
        check_out: asked.check_out,
        now,
    };
    let rate = stay_rate(&s, &parts)?;
    let rate_ref = RateRef {
        rate_keys: parts.iter().map(|p| p.rate.rate_key.clone()).collect(),
        ..asked.clone()
    };
    Ok(CheckedRate {
        hotel: hotel_summary(hotel)?,
        rate,
        rate_ref,
    })
}

// ---------------------------------------------------------------------------------------------
// Filters

/// The filters that depend on the hotel alone. Hotelbeds' availability says nothing of
/// amenities, themes, reviews, chains or brands: asking for any of them leaves no Hotelbeds
/// hotel, as none can be shown to qualify.
pub fn hotel_passes(h: &HotelSummary, f: &HotelFilters) -> bool {
    (f.stars.is_empty() || h.stars.is_some_and(|s| f.stars.contains(s)))
        && h.amenities.contains_all(f.amenities)
        && (f.themes.is_empty() || h.themes.intersects(f.themes))
        && f.min_review
            .is_none_or(|min| h.reviews.score.is_some_and(|s| s >= min))
        && f.chains.is_empty()
        && f.brands.is_empty()
        && f.max_distance
            .is_none_or(|d| h.location.distance_km(d.from) <= d.max_km)
}

/// The filters that depend on the rate. A price bound is in the search currency: a rate priced
/// in another cannot be shown to be in range and does not pass.
pub fn rate_passes(
    r: &HotelRate,
    f: &HotelFilters,
    search_currency: Currency,
    now: DateTime<Utc>,
) -> bool {
    if f.price.is_some() && r.price.total.currency() != search_currency {
        return false;
    }
    f.offer_passes(&OfferFacts {
        total_minor: r.price.total.minor(),
        nights: r.price.nights() as u16,
        rooms: r.price.rooms,
        free_cancellation: r.free_cancellation_until.is_some_and(|until| now < until),
        breakfast: r.board.includes_breakfast(),
        pay_at_hotel: r.payment == Payment::PayAtHotel,
        deal: r.price.is_deal(),
    })
}

/// The offer with only the rates that pass; `None` when none does or the hotel does not.
pub fn filtered(
    mut offer: HotelOffer,
    f: &HotelFilters,
    search_currency: Currency,
    now: DateTime<Utc>,
) -> Option<HotelOffer> {
    if !hotel_passes(&offer.hotel, f) {
        return None;
    }
    offer
        .rates
        .retain(|r| rate_passes(r, f, search_currency, now));
    (!offer.rates.is_empty()).then_some(offer)
}

/// Offers in the search's order, as [`ranking::sort`] orders them: prices are compared in
/// minor units of each hotel's currency (a Hotelbeds account is priced in one currency) and
/// distances from `from`; Hotelbeds has no reviews.
pub fn rank(offers: &mut [HotelOffer], by: HotelSort, from: GeoPoint) {
    ranking::sort(offers, by, |o| RankFacts {
        id: PropertyId(hotel_code(&o.hotel.id).map_or(u64::MAX, u64::from)),
        price_minor: o.cheapest().map_or(i64::MAX, |r| r.price.total.minor()),
        distance_km: o.hotel.location.distance_km(from),
        reviews: o.hotel.reviews,
        stars: o.hotel.stars,
        deal: o.rates.iter().any(|r| r.price.is_deal()),
    });
}

/// The map pin of an offer: its cheapest stay.
pub fn pin(offer: &HotelOffer) -> Option<HotelPin> {
    let cheapest = offer.cheapest()?;
    Some(HotelPin {
        hotel_id: offer.hotel.id.clone(),
        name: offer.hotel.name.clone(),
        stars: offer.hotel.stars,
        location: offer.hotel.location,
        cheapest_total: cheapest.price.total,
    })
}

// ---------------------------------------------------------------------------------------------
// Bookings and cancellation

/// A booking document as ours, and the instant check-in opens.
fn read_booking(
    doc: &wire::Booking,
    now: DateTime<Utc>,
) -> Result<(HotelBooking, DateTime<Utc>), MapError> {
    let reference = doc.reference.as_str();
    let h = doc
        .hotel
        .as_ref()
        .ok_or_else(|| bad(format!("booking {reference} has no hotel")))?;
    let (check_in, check_out) = h
        .check_in
        .zip(h.check_out)
        .filter(|(i, o)| o > i)
        .ok_or_else(|| bad(format!("booking {reference} has no valid stay dates")))?;
    let nights = u16::try_from((check_out - check_in).num_days())
        .map_err(|_| bad(format!("booking {reference} is too long")))?;
    let currency = currency(&doc.currency)?;
    // ⚠ Booking documents are not known to always carry coordinates; without them the hotel is
    // placed at 0°, 0° rather than left unreadable.
    let location = point(h.latitude, h.longitude)
        .or_else(|| GeoPoint::new(0.0, 0.0))
        .ok_or_else(|| bad("no location"))?;
    let hotel = summary(
        &HotelFacts {
            code: h.code,
            name: h.name.as_deref(),
            category: h.category_code.as_deref(),
            zone: h.zone_name.as_deref(),
            destination: h.destination_name.as_deref(),
        },
        location,
    );
    let booked: Vec<(&wire::BookedRoom, &wire::BookedRate)> = h
        .rooms
        .iter()
        .flat_map(|room| room.rates.iter().map(move |rate| (room, rate)))
        .collect();
    let (_, first) = booked
        .first()
        .ok_or_else(|| bad(format!("booking {reference} has no rooms")))?;
    let mut allocations = Vec::new();
    for (room, rate) in &booked {
        let count = rate.rooms.unwrap_or(1).max(1);
        for room_id in 1..=count {
            let paxes: Vec<&wire::Pax> = room
                .paxes
                .iter()
                .filter(|p| p.room_id.unwrap_or(1) == room_id)
                .collect();
            let (adults, ages) = if paxes.is_empty() {
                (rate.adults.unwrap_or(1), vec![])
            } else {
                let adults = paxes
                    .iter()
                    .filter(|p| p.kind == wire::PaxType::Adult)
                    .count() as u32;
                let ages = paxes
                    .iter()
                    .filter(|p| p.kind == wire::PaxType::Child)
                    .map(|p| u8::try_from(p.age.unwrap_or(0)).unwrap_or(u8::MAX))
                    .collect();
                (adults, ages)
            };
            allocations.push(RoomAllocation {
                room_type: room.code.clone(),
                name: text(room.name.as_deref().unwrap_or(&room.code)),
                adults: u8::try_from(adults).unwrap_or(u8::MAX),
                children_ages: ages,
            });
        }
    }
    let rooms = u8::try_from(allocations.len())
        .map_err(|_| bad(format!("booking {reference} has too many rooms")))?;
    let mut parts = PriceParts::of(
        doc.total_selling_rate.unwrap_or(doc.total_net),
        None,
        &[],
        currency,
    )?;
    for (_, rate) in &booked {
        let extra = PriceParts::of(
            wire::Amount::new(rust_decimal::Decimal::ZERO),
            rate.taxes.as_ref(),
            &rate.offers,
            currency,
        )?;
        parts = parts.add(extra)?;
    }
    let price = parts.stay_price(rooms, nights, currency)?;
    let offset = hotel_offset(
        booked
            .iter()
            .flat_map(|(_, r)| r.cancellation_policies.iter()),
    );
    let check_in_at = check_in_at(check_in, offset);
    let terms: Vec<Terms<'_>> = booked
        .iter()
        .map(|(_, r)| Terms {
            policies: &r.cancellation_policies,
            rate_class: r.rate_class.as_deref(),
        })
        .collect();
    let cancellation = cancellation(&terms, rooms, currency, check_in_at)?;
    let board_code = first.board_code.as_deref();
    let rate = HotelRate {
        id: format!("{BOOKED_RATE_PREFIX}{reference}"),
        hotel_id: hotel.id.clone(),
        rooms: allocations,
        plan_name: text(first.board_name.as_deref().or(board_code).unwrap_or("")),
        board: board(board_code),
        payment: first
            .payment_type
            .and_then(payment)
            .unwrap_or(Payment::PayNow),
        member_only: false,
        free_cancellation_until: cancellation.free_cancellation_until(check_in_at),
        cancellation,
        check_in,
        check_out,
        check_in_at,
        check_out_at: check_out_at(check_out, offset),
        price,
        rooms_left: 0,
        needs_price_check: false,
        expires_at: now,
    };
    let booking = HotelBooking {
        id: booking_id(reference),
        confirmation: reference.to_owned(),
        status: match doc.status {
            wire::BookingStatus::Cancelled => HotelBookingStatus::Cancelled,
            // Hotelbeds confirms instantly: anything not cancelled stands.
            wire::BookingStatus::Confirmed | wire::BookingStatus::Unknown => {
                HotelBookingStatus::Confirmed
            }
        },
        rate,
        hotel,
        created_at: doc
            .creation_date
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map_or(now, |d| d.and_utc()),
        cancelled_at: None,
        hold_expires_at: None,
    };
    Ok((booking, check_in_at))
}

/// A booking document as ours (see the module notes for what Hotelbeds does not say).
pub fn booking(doc: &wire::Booking, now: DateTime<Utc>) -> Result<HotelBooking, MapError> {
    read_booking(doc, now).map(|(b, _)| b)
}

/// What cancelling costs per a SIMULATION (or cost, per a CANCELLATION) answer: Hotelbeds'
/// `cancellationAmount`, else our reading of the booked policies at `now`; the refund is the
/// rest of the booking's total.
pub fn cancellation_quote(
    doc: &wire::Booking,
    now: DateTime<Utc>,
    confirmed: bool,
) -> Result<HotelCancellationQuote, MapError> {
    let (booking, check_in_at) = read_booking(doc, now)?;
    let price = &booking.rate.price;
    let total = price.total;
    let fee = match doc.cancellation_amount() {
        Some(amount) => Money::from_minor(minor(amount, total.currency())?, total.currency()),
        None => booking
            .rate
            .cancellation
            .fee_at(now, check_in_at, price.into())
            .map_err(|e| bad(format!("cancellation fee: {e}")))?,
    };
    let fee = Money::from_minor(fee.minor().clamp(0, total.minor().max(0)), total.currency());
    Ok(HotelCancellationQuote {
        id: quote_id(&doc.reference),
        booking_id: booking.id,
        fee,
        refund: Money::from_minor(total.minor().max(0) - fee.minor(), total.currency()),
        expires_at: now + Duration::minutes(QUOTE_TTL_MINUTES),
        confirmed_at: confirmed.then_some(now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wayfare_domain::hotel::RoomRequest;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn policy(amount: &str, from: &str) -> wire::CancellationPolicy {
        wire::CancellationPolicy {
            amount: amount.parse().unwrap(),
            from: DateTime::parse_from_rfc3339(from).unwrap(),
            hotel_amount: None,
            hotel_currency: None,
        }
    }

    #[test]
    fn base64url_round_trips_and_refuses_what_it_cannot_have_written() {
        for bytes in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"] {
            let text = base64url_encode(bytes);
            assert_eq!(base64url_decode(&text).as_deref(), Some(bytes), "{text}");
        }
        // RFC 4648 vectors, without padding and with the URL alphabet.
        assert_eq!(base64url_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url_encode(b"fo"), "Zm8");
        assert_eq!(base64url_encode(&[0xfb, 0xff]), "-_8");
        for bad in ["Z", "Zm9=", "Zm+v", "Zm9", "Zm9vYmF"] {
            let decoded = base64url_decode(bad);
            assert!(
                decoded.as_ref().is_none_or(|b| base64url_encode(b) == bad),
                "{bad}"
            );
        }
        assert_eq!(base64url_decode("Zm9"), None, "non-zero spare bits");
    }

    #[test]
    fn rate_ids_round_trip_to_their_rate_keys() {
        let party = Party::new(vec![
            RoomRequest::new(2, vec![]).unwrap(),
            RoomRequest::new(1, vec![9, 6]).unwrap(),
            RoomRequest::new(2, vec![]).unwrap(),
        ])
        .unwrap();
        let plan = PartyPlan::of(&party);
        assert_eq!(plan.occupancies().len(), 2);
        assert_eq!(plan.occupancies()[0].rooms, 2);
        assert_eq!(plan.occupancies()[1].children_ages, vec![6, 9]);
        let r = RateRef {
            check_in: d("2026-06-01"),
            check_out: d("2026-06-03"),
            plan,
            rate_keys: vec![
                "20260601|20260603|W|59|3424|DBL.ST|ID_B2B_26|BB||2~2~0||N@05~~a/b+c".into(),
                "k2 with spaces, \"quotes\" and ünïcode".into(),
            ],
        };
        let id = r.id();
        assert!(id.starts_with("hb_rate_"));
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
            "{id}"
        );
        assert_eq!(RateRef::parse(&id), Some(r.clone()));
        assert_eq!(r.id(), id, "stable");
        for bad in [
            "hb_rate_",
            "hb_3424",
            "rate",
            &id[..id.len() - 3],
            &id.replace("hb_rate_", "hb_bk_"),
        ] {
            assert_eq!(RateRef::parse(bad), None, "{bad}");
        }
        // A rate key per occupancy, no fewer.
        let short = RateRef {
            rate_keys: vec!["only one".into()],
            ..r
        };
        assert_eq!(RateRef::parse(&short.id()), None);
    }

    #[test]
    fn other_ids() {
        assert_eq!(hotel_id(3424), "hb_3424");
        assert_eq!(hotel_code("hb_3424"), Some(3424));
        for bad in ["hb_", "hb_x1", "3424", "bh_3424", "hb_99999999999", "hb_-1"] {
            assert_eq!(hotel_code(bad), None, "{bad}");
        }
        assert_eq!(
            booking_reference(&booking_id("52-1274418")),
            Some("52-1274418")
        );
        assert_eq!(quote_reference(&quote_id("52-1274418")), Some("52-1274418"));
        assert_eq!(booking_reference("hb_cq_52-1"), None);
        assert_eq!(quote_reference("hb_bk_"), None);
    }

    #[test]
    fn client_references_fit_hotelbeds_limit() {
        assert_eq!(client_reference("WF-000123"), "WF-000123");
        let uuid = "0190f3c2-7d1e-7a51-9a53-2f1c0e4b7a10";
        let hashed = client_reference(uuid);
        assert_eq!(hashed.len(), 20);
        assert!(hashed.starts_with("WF"));
        assert_eq!(client_reference(uuid), hashed, "stable");
        assert_ne!(client_reference(&format!("{uuid}x")), hashed);
        assert_eq!(client_reference("a b").len(), 20, "spaces are hashed");
        assert_eq!(client_reference(&"x".repeat(20)), "x".repeat(20));
        assert_eq!(client_reference(&"x".repeat(21)).len(), 20);
    }

    #[test]
    fn stars_from_category_codes() {
        let s = |c: &str| stars(Some(c)).map(StarRating::get);
        assert_eq!(s("4EST"), Some(4));
        assert_eq!(s("1EST"), Some(1));
        assert_eq!(s("5LUX"), Some(5));
        assert_eq!(s("H4_5"), Some(4));
        assert_eq!(s("HS2"), Some(2));
        assert_eq!(s("APTH3"), Some(3));
        assert_eq!(s(" 3est "), Some(3));
        for unrated in [
            "3LL", "BOU", "SUP", "HS", "6EST", "0EST", "10EST", "EST", "",
        ] {
            assert_eq!(s(unrated), None, "{unrated}");
        }
        assert_eq!(stars(None), None);
    }

    #[test]
    fn boards_from_board_codes() {
        assert_eq!(board(Some("RO")), Board::RoomOnly);
        assert_eq!(board(Some("SC")), Board::RoomOnly);
        assert_eq!(board(Some("BB")), Board::Breakfast);
        assert_eq!(board(Some("hb")), Board::HalfBoard);
        assert_eq!(board(Some("FB")), Board::FullBoard);
        assert_eq!(board(Some("AI")), Board::AllInclusive);
        assert_eq!(board(Some("XYZ")), Board::RoomOnly);
        assert_eq!(board(None), Board::RoomOnly);
        for code in BREAKFAST_BOARDS {
            assert!(board(Some(code)).includes_breakfast(), "{code}");
        }
    }

    #[test]
    fn policies_become_per_room_tiers_counted_back_from_check_in() {
        let eur = Currency::EUR;
        let offset = FixedOffset::east_opt(3600).unwrap();
        let at = check_in_at(d("2026-06-10"), offset);
        assert_eq!(at.to_rfc3339(), "2026-06-10T13:00:00+00:00");
        let policies = [
            policy("59.14", "2026-06-03T23:59:00+01:00"),
            policy("118.27", "2026-06-09T23:59:00+01:00"),
        ];
        let terms = [Terms {
            policies: &policies,
            rate_class: Some("NOR"),
        }];
        let p = cancellation(&terms, 1, eur, at).unwrap();
        let tiers: Vec<(u32, CancellationCharge)> = p
            .tiers()
            .iter()
            .map(|t| (t.hours_before, t.charge))
            .collect();
        // 7 days less 9 h 59 min is 158 h 1 min: rounded up, so never later than Hotelbeds'.
        assert_eq!(
            tiers,
            vec![
                (
                    159,
                    CancellationCharge::Amount(Money::from_minor(5_914, eur))
                ),
                (
                    15,
                    CancellationCharge::Amount(Money::from_minor(11_827, eur))
                ),
            ]
        );
        let free_until = p.free_cancellation_until(at).unwrap();
        assert!(free_until <= policies[0].from.with_timezone(&Utc));

        // Two rooms: per room, rounded up.
        let p = cancellation(&terms, 2, eur, at).unwrap();
        assert_eq!(
            p.tiers()[0].charge,
            CancellationCharge::Amount(Money::from_minor(2_957, eur))
        );
        assert_eq!(
            p.tiers()[1].charge,
            CancellationCharge::Amount(Money::from_minor(5_914, eur))
        );

        // Two rates of a mixed party: fees in force add up.
        let other = [policy("20.00", "2026-06-05T00:00:00+01:00")];
        let both = [
            Terms {
                policies: &policies,
                rate_class: Some("NOR"),
            },
            Terms {
                policies: &other,
                rate_class: Some("NOR"),
            },
        ];
        let p = cancellation(&both, 1, eur, at).unwrap();
        let minors: Vec<(u32, i64)> = p
            .tiers()
            .iter()
            .map(|t| match t.charge {
                CancellationCharge::Amount(m) => (t.hours_before, m.minor()),
                _ => panic!(),
            })
            .collect();
        assert_eq!(minors, vec![(159, 5_914), (134, 7_914), (15, 13_827)]);

        // A policy from before the booking starts long before check-in; past check-in is 0.
        let late = [policy("10.00", "2026-06-11T08:00:00+01:00")];
        let p = cancellation(
            &[Terms {
                policies: &late,
                rate_class: None,
            }],
            1,
            eur,
            at,
        )
        .unwrap();
        assert_eq!(p.tiers()[0].hours_before, 0);
    }

    #[test]
    fn no_policy_is_free_until_check_in_unless_non_refundable() {
        let eur = Currency::EUR;
        let at = check_in_at(d("2026-06-10"), Utc.fix());
        let none = Terms {
            policies: &[],
            rate_class: Some("NOR"),
        };
        let p = cancellation(&[none], 1, eur, at).unwrap();
        assert!(p.is_refundable());
        assert_eq!(p.free_cancellation_until(at), Some(at));
        let nrf = [policy("10.00", "2026-06-01T00:00:00+02:00")];
        let p = cancellation(
            &[Terms {
                policies: &nrf,
                rate_class: Some("NRF"),
            }],
            1,
            eur,
            at,
        )
        .unwrap();
        assert!(!p.is_refundable());
        let zero = [policy("0.00", "2026-06-01T00:00:00+02:00")];
        let p = cancellation(
            &[Terms {
                policies: &zero,
                rate_class: None,
            }],
            1,
            eur,
            at,
        )
        .unwrap();
        assert_eq!(p.free_cancellation_until(at), Some(at));
    }

    #[test]
    fn prices_split_evenly_with_the_remainder_first_and_offers_make_deals() {
        let eur = Currency::EUR;
        let taxes = wire::Taxes {
            all_included: Some(false),
            taxes: vec![
                wire::Tax {
                    included: Some(false),
                    amount: Some("4.00".parse().unwrap()),
                    currency: Some("EUR".into()),
                    client_amount: None,
                    client_currency: None,
                    kind: Some(wire::TaxType::Tax),
                },
                wire::Tax {
                    included: Some(false),
                    amount: Some("2.50".parse().unwrap()),
                    currency: None,
                    client_amount: None,
                    client_currency: None,
                    kind: Some(wire::TaxType::Fee),
                },
                // Included, or in another currency: not added.
                wire::Tax {
                    included: Some(true),
                    amount: Some("9.00".parse().unwrap()),
                    currency: Some("EUR".into()),
                    client_amount: None,
                    client_currency: None,
                    kind: None,
                },
                wire::Tax {
                    included: Some(false),
                    amount: Some("3.00".parse().unwrap()),
                    currency: Some("USD".into()),
                    client_amount: None,
                    client_currency: None,
                    kind: None,
                },
            ],
        };
        let parts = PriceParts::of("118.27".parse().unwrap(), Some(&taxes), &[], eur).unwrap();
        let p = parts.stay_price(1, 2, eur).unwrap();
        let m = |v: i64| Money::from_minor(v, eur);
        assert_eq!(p.nightly, vec![m(5_914), m(5_913)]);
        assert_eq!(p.subtotal, m(11_827));
        assert_eq!((p.taxes, p.fees), (m(400), m(250)));
        assert_eq!(p.total, m(12_477));
        assert!(!p.is_deal());

        let offers = [wire::RateOffer {
            code: Some("9901".into()),
            name: Some("Early booking".into()),
            amount: Some("-12.35".parse().unwrap()),
        }];
        let parts = PriceParts::of("150.10".parse().unwrap(), None, &offers, eur).unwrap();
        let p = parts.stay_price(2, 3, eur).unwrap();
        assert!(p.is_deal());
        assert_eq!(p.total, m(15_010));
        assert_eq!(p.was(), Some(m(16_245)));
        assert_eq!(p.discount, m(1_235));
        // 75.05 per room over 3 nights.
        assert_eq!(p.nightly, vec![m(2_503), m(2_501), m(2_501)]);
        let promo = p.promotion.unwrap();
        assert_eq!(promo.code.as_str(), "hb_9901");
        assert_eq!(promo.kind, PromotionKind::PercentOff { permille: 76 });
    }

    #[test]
    fn a_map_box_is_searched_by_the_circle_around_it() {
        let b = BoundingBox::new(40.60, -8.70, 40.66, -8.60).unwrap();
        let c = map_circle(b);
        assert!((c.centre.lat() - 40.63).abs() < 1e-9);
        assert!((c.centre.lon() + 8.65).abs() < 1e-9);
        for (lat, lon) in [
            (40.60, -8.70),
            (40.66, -8.60),
            (40.60, -8.60),
            (40.66, -8.70),
        ] {
            assert!(c.contains(GeoPoint::new(lat, lon).unwrap()));
        }
        assert!((5.0..6.0).contains(&c.radius_km), "{}", c.radius_km);
        // Across the antimeridian the centre is on it.
        let fiji = BoundingBox::new(-18.0, 178.0, -17.0, -178.0).unwrap();
        let c = map_circle(fiji);
        assert!(
            (c.centre.lon().abs() - 180.0).abs() < 1e-9,
            "{:?}",
            c.centre
        );
        // A continent is capped.
        let asia = BoundingBox::new(0.0, 60.0, 60.0, 150.0).unwrap();
        assert_eq!(map_circle(asia).radius_km, MAP_MAX_RADIUS_KM);
    }
}
