//! A hotel search as the guest asks it (a destination or a map box, dates, rooms, filters and
//! sort) and its validation. Every refusal names the field (`rooms[1].children_ages[0]`) and a
//! Fluent reason key the web layer translates; all refusals are returned, in body order.
//!
//! Filter semantics: stars, chains, brands and themes match any of those listed; amenities
//! must all be present; a minimum review score excludes unreviewed hotels; price bounds apply
//! to what the guest pays (taxes and fees included), for the whole stay (`total`) or per room
//! and night (`nightly`, the default).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::codes::coded_enum;
use super::geo::{BoundingBox, GeoPoint, valid_lat, valid_lon};
use super::occupancy::{
    MAX_ADULTS_PER_ROOM, MAX_CHILD_AGE, MAX_CHILDREN_PER_ROOM, MAX_ROOMS, Party, RoomRequest,
};
use super::property::{
    Amenities, Amenity, BrandCode, ChainCode, Property, ReviewScore, StarRating, StarSet, Theme,
    Themes,
};
use super::ranking::HotelSort;
use super::rate::{Payment, RatePlan};
use super::stay::{MAX_NIGHTS, Stay, StayPrice};
use crate::flight::codes::AirportCode;
pub use crate::flight::search::FieldError;
use crate::money::{Currency, Money, MoneyError};

/// Radius around a place, airport or point when the body gives none.
pub const DEFAULT_RADIUS_KM: f64 = 10.0;
pub const MAX_RADIUS_KM: f64 = 100.0;
pub const MAX_DISTANCE_KM: f64 = 100.0;
pub const DEFAULT_LIMIT: usize = 25;
pub const MAX_LIMIT: usize = 100;
/// Deeper pages are refused: nobody reads past them, and they cost.
pub const MAX_OFFSET: usize = 1000;
pub const MAX_ZOOM: u8 = 22;

/// The request body of `POST /api/v1/hotels/search`, as sent (dates as `check_in_date` and
/// `check_out_date`; the filters at the top level beside `destination`). Numbers that are
/// counts are wide on purpose, so an out-of-range value reaches validation and is named.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(from = "RawSearchBody")]
pub struct HotelSearchBody {
    pub destination: DestinationBody,
    /// `YYYY-MM-DD`, hotel-local.
    pub check_in: String,
    pub check_out: String,
    pub rooms: Vec<RoomBody>,
    /// ISO-4217 code for prices and price filters; the site default otherwise.
    pub currency: Option<String>,
    pub filters: FiltersBody,
    pub sort: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
    /// Map zoom, for a `destination.bbox` search.
    pub zoom: Option<i64>,
}

/// Declares a wire body with the filter fields at its top level, refusing unknown fields, and
/// its conversion into the body with a [`FiltersBody`].
macro_rules! body_with_top_level_filters {
    ($raw:ident => $body:ident { $($field:ident : $ty:ty $(= $rename:literal $(| $alias:literal)?)?),* $(,)? }) => {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $raw {
            $(
                $(#[serde(rename = $rename $(, alias = $alias)?)])?
                $field: $ty,
            )*
            #[serde(default)] min_price: Option<String>,
            #[serde(default)] max_price: Option<String>,
            #[serde(default)] price_basis: Option<String>,
            #[serde(default)] stars: Vec<i64>,
            #[serde(default)] amenities: Vec<String>,
            #[serde(default)] min_review_score: Option<f64>,
            #[serde(default)] max_distance_km: Option<f64>,
            #[serde(default)] distance_from: Option<PointBody>,
            #[serde(default)] free_cancellation: bool,
            #[serde(default)] breakfast_included: bool,
            #[serde(default)] pay_at_hotel: bool,
            #[serde(default)] chains: Vec<String>,
            #[serde(default)] brands: Vec<String>,
            #[serde(default)] themes: Vec<String>,
            #[serde(default)] deals_only: bool,
        }

        impl From<$raw> for $body {
            fn from(r: $raw) -> $body {
                $body {
                    $($field: r.$field,)*
                    filters: FiltersBody {
                        min_price: r.min_price,
                        max_price: r.max_price,
                        price_basis: r.price_basis,
                        stars: r.stars,
                        amenities: r.amenities,
                        min_review_score: r.min_review_score,
                        max_distance_km: r.max_distance_km,
                        distance_from: r.distance_from,
                        free_cancellation: r.free_cancellation,
                        breakfast_included: r.breakfast_included,
                        pay_at_hotel: r.pay_at_hotel,
                        chains: r.chains,
                        brands: r.brands,
                        themes: r.themes,
                        deals_only: r.deals_only,
                    },
                }
            }
        }
    };
}

body_with_top_level_filters!(RawSearchBody => HotelSearchBody {
    destination: DestinationBody,
    check_in: String = "check_in_date" | "check_in",
    check_out: String = "check_out_date" | "check_out",
    rooms: Vec<RoomBody>,
    currency: Option<String> = "currency",
    sort: Option<String> = "sort",
    limit: Option<u32> = "limit",
    offset: Option<u32> = "offset",
    zoom: Option<i64> = "zoom",
});

/// Exactly one of: `city` (GeoNames id or name), `place` (landmark or district text),
/// `airport` (IATA code) or `lat` + `lng`. `radius_km` applies to all but a city.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestinationBody {
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub airport: Option<String>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default, rename = "lng", alias = "lon")]
    pub lon: Option<f64>,
    #[serde(default)]
    pub radius_km: Option<f64>,
    /// `[min_lng, min_lat, max_lng, max_lat]`: a map search (see [`HotelMapSearchBody`]).
    #[serde(default)]
    pub bbox: Option<[f64; 4]>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomBody {
    pub adults: u32,
    #[serde(default)]
    pub children_ages: Vec<i64>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointBody {
    pub lat: f64,
    #[serde(rename = "lng", alias = "lon")]
    pub lon: f64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FiltersBody {
    /// Decimal strings in the search currency, such as "300" or "299.50".
    #[serde(default)]
    pub min_price: Option<String>,
    #[serde(default)]
    pub max_price: Option<String>,
    /// `nightly` (default) or `total`.
    #[serde(default)]
    pub price_basis: Option<String>,
    #[serde(default)]
    pub stars: Vec<i64>,
    #[serde(default)]
    pub amenities: Vec<String>,
    /// 0 to 10, such as 8.5.
    #[serde(default)]
    pub min_review_score: Option<f64>,
    #[serde(default)]
    pub max_distance_km: Option<f64>,
    /// Where distance is measured from; the destination's centre otherwise.
    #[serde(default)]
    pub distance_from: Option<PointBody>,
    #[serde(default)]
    pub free_cancellation: bool,
    #[serde(default)]
    pub breakfast_included: bool,
    #[serde(default)]
    pub pay_at_hotel: bool,
    #[serde(default)]
    pub chains: Vec<String>,
    #[serde(default)]
    pub brands: Vec<String>,
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default)]
    pub deals_only: bool,
}

/// The request body of the map search: the visible box and zoom instead of a destination,
/// the filters at the top level as in the list search.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(from = "RawMapBody")]
pub struct HotelMapSearchBody {
    pub bbox: BboxBody,
    pub zoom: i64,
    pub check_in: String,
    pub check_out: String,
    pub rooms: Vec<RoomBody>,
    pub currency: Option<String>,
    pub filters: FiltersBody,
}

impl HotelMapSearchBody {
    /// The map search a list body asks for with `destination.bbox` (`[min_lng, min_lat,
    /// max_lng, max_lat]`), at `zoom` (12, a city, when not sent).
    pub fn from_search_body(body: &HotelSearchBody) -> Option<HotelMapSearchBody> {
        let [west, south, east, north] = body.destination.bbox?;
        Some(HotelMapSearchBody {
            bbox: BboxBody {
                south,
                west,
                north,
                east,
            },
            zoom: body.zoom.unwrap_or(12),
            check_in: body.check_in.clone(),
            check_out: body.check_out.clone(),
            rooms: body.rooms.clone(),
            currency: body.currency.clone(),
            filters: body.filters.clone(),
        })
    }
}

body_with_top_level_filters!(RawMapBody => HotelMapSearchBody {
    bbox: BboxBody,
    zoom: i64,
    check_in: String = "check_in_date" | "check_in",
    check_out: String = "check_out_date" | "check_out",
    rooms: Vec<RoomBody>,
    currency: Option<String> = "currency",
});

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BboxBody {
    pub south: f64,
    pub west: f64,
    pub north: f64,
    pub east: f64,
}

/// What validation needs to know about the world.
pub trait HotelSearchContext {
    /// A city by GeoNames id or by name in either language.
    fn city(&self, query: &str) -> Option<CityCentre>;
    fn airport(&self, code: AirportCode) -> Option<GeoPoint>;
    /// A landmark, district or address, resolved to a point.
    fn place(&self, text: &str) -> Option<GeoPoint>;
    /// The currency prices are shown in when the body names none.
    fn default_currency(&self) -> Currency;
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CityCentre {
    pub city_id: i64,
    pub centre: GeoPoint,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AreaOrigin {
    Place(String),
    Airport(AirportCode),
    Coordinates,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Destination {
    /// Hotels of the city (by the property's city id).
    City { city_id: i64, centre: GeoPoint },
    /// Hotels within the radius of a point.
    Area {
        centre: GeoPoint,
        radius_km: f64,
        origin: AreaOrigin,
    },
}

impl Destination {
    pub fn centre(&self) -> GeoPoint {
        match self {
            Destination::City { centre, .. } | Destination::Area { centre, .. } => *centre,
        }
    }

    pub fn includes(&self, p: &Property) -> bool {
        match self {
            Destination::City { city_id, .. } => p.city_id == *city_id,
            Destination::Area {
                centre, radius_km, ..
            } => p.location.distance_km(*centre) <= *radius_km,
        }
    }
}

coded_enum! {
    pub enum PriceBasis ("price basis") {
        /// Per room and night.
        Nightly = "nightly",
        /// The whole stay, all rooms.
        Total = "total",
    }
}

/// Price bounds in minor units of the search currency, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceRange {
    pub min_minor: Option<i64>,
    pub max_minor: Option<i64>,
    pub basis: PriceBasis,
}

impl PriceRange {
    /// Whether a stay costing `total_minor` for `rooms` rooms and `nights` nights is in range.
    /// Nightly bounds compare against total ÷ (rooms × nights) exactly, without rounding.
    pub fn contains(&self, total_minor: i64, nights: u16, rooms: u8) -> bool {
        let per = match self.basis {
            PriceBasis::Total => 1,
            PriceBasis::Nightly => i128::from(nights.max(1)) * i128::from(rooms.max(1)),
        };
        let total = i128::from(total_minor);
        self.min_minor.is_none_or(|m| total >= i128::from(m) * per)
            && self.max_minor.is_none_or(|m| total <= i128::from(m) * per)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DistanceLimit {
    pub from: GeoPoint,
    pub max_km: f64,
}

/// Validated filters; the default passes everything.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HotelFilters {
    pub price: Option<PriceRange>,
    /// Any of these; empty for any rating.
    pub stars: StarSet,
    /// All of these.
    pub amenities: Amenities,
    pub min_review: Option<ReviewScore>,
    pub max_distance: Option<DistanceLimit>,
    pub free_cancellation: bool,
    pub breakfast_included: bool,
    pub pay_at_hotel: bool,
    /// Any of these; empty for any.
    pub chains: Vec<ChainCode>,
    pub brands: Vec<BrandCode>,
    /// Any of these; empty for any.
    pub themes: Themes,
    pub deals_only: bool,
}

/// What the rate-level filters read from one priced offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferFacts {
    pub total_minor: i64,
    pub nights: u16,
    pub rooms: u8,
    /// Cancelling now would be free.
    pub free_cancellation: bool,
    pub breakfast: bool,
    pub pay_at_hotel: bool,
    pub deal: bool,
}

impl OfferFacts {
    /// The facts of a rate plan priced for a stay, as of `now`.
    pub fn new(
        plan: &RatePlan,
        price: &StayPrice,
        now: DateTime<Utc>,
        check_in_at: DateTime<Utc>,
    ) -> OfferFacts {
        OfferFacts {
            total_minor: price.total.minor(),
            nights: price.nights() as u16,
            rooms: price.rooms,
            free_cancellation: plan.cancellation.is_free_at(now, check_in_at),
            breakfast: plan.board.includes_breakfast(),
            pay_at_hotel: plan.payment == Payment::PayAtHotel,
            deal: price.is_deal(),
        }
    }
}

impl HotelFilters {
    /// The filters that depend only on the property. Cheap checks first; no allocation.
    pub fn property_passes(&self, p: &Property) -> bool {
        if !p.amenities.contains_all(self.amenities) {
            return false;
        }
        if !self.stars.is_empty() && !p.stars.is_some_and(|s| self.stars.contains(s)) {
            return false;
        }
        if !self.themes.is_empty() && !p.themes.intersects(self.themes) {
            return false;
        }
        if let Some(min) = self.min_review
            && p.reviews.score.is_none_or(|s| s < min)
        {
            return false;
        }
        if !self.chains.is_empty() && !p.chain.is_some_and(|c| self.chains.contains(&c)) {
            return false;
        }
        if !self.brands.is_empty() && !p.brand.is_some_and(|b| self.brands.contains(&b)) {
            return false;
        }
        if let Some(limit) = self.max_distance
            && p.location.distance_km(limit.from) > limit.max_km
        {
            return false;
        }
        true
    }

    /// The filters that depend on a priced rate.
    pub fn offer_passes(&self, o: &OfferFacts) -> bool {
        self.price
            .is_none_or(|r| r.contains(o.total_minor, o.nights, o.rooms))
            && (!self.free_cancellation || o.free_cancellation)
            && (!self.breakfast_included || o.breakfast)
            && (!self.pay_at_hotel || o.pay_at_hotel)
            && (!self.deals_only || o.deal)
    }
}

/// A validated list search.
#[derive(Debug, Clone, PartialEq)]
pub struct HotelSearch {
    pub destination: Destination,
    pub stay: Stay,
    pub party: Party,
    pub currency: Currency,
    pub filters: HotelFilters,
    /// Distances are shown and sorted from here: `filters.distance_from`, else the
    /// destination's centre.
    pub distance_from: GeoPoint,
    pub sort: HotelSort,
    pub limit: usize,
    pub offset: usize,
}

/// A validated map search.
#[derive(Debug, Clone, PartialEq)]
pub struct HotelMapSearch {
    pub bbox: BoundingBox,
    pub zoom: u8,
    pub stay: Stay,
    pub party: Party,
    pub currency: Currency,
    pub filters: HotelFilters,
}

/// Refusals gathered while validating.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: impl Into<String>, reason: &'static str) {
        self.0.push(FieldError {
            field: field.into(),
            reason,
            arg: None,
        });
    }

    fn add_arg(
        &mut self,
        field: impl Into<String>,
        reason: &'static str,
        name: &'static str,
        value: i64,
    ) {
        self.0.push(FieldError {
            field: field.into(),
            reason,
            arg: Some((name, value)),
        });
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// Check-in not before `today`, 1 to 30 nights, the last night not after `last_night`.
fn validate_stay(
    check_in: &str,
    check_out: &str,
    today: NaiveDate,
    last_night: NaiveDate,
    errs: &mut Errors,
) -> Option<Stay> {
    let check_in = match parse_date(check_in) {
        None => {
            errs.add("check_in_date", "reason-invalid-date");
            None
        }
        Some(d) if d < today => {
            errs.add("check_in_date", "reason-date-in-past");
            None
        }
        Some(d) if d > last_night => {
            errs.add("check_in_date", "reason-stay-beyond-horizon");
            None
        }
        Some(d) => Some(d),
    };
    let Some(check_out) = parse_date(check_out) else {
        errs.add("check_out_date", "reason-invalid-date");
        return None;
    };
    let check_in = check_in?;
    let nights = (check_out - check_in).num_days();
    if nights < 1 {
        errs.add("check_out_date", "reason-check-out-before-check-in");
        return None;
    }
    if nights > i64::from(MAX_NIGHTS) {
        errs.add_arg(
            "check_out_date",
            "reason-stay-too-long",
            "max",
            i64::from(MAX_NIGHTS),
        );
        return None;
    }
    if check_out.pred_opt().is_none_or(|last| last > last_night) {
        errs.add("check_out_date", "reason-stay-beyond-horizon");
        return None;
    }
    Stay::new(check_in, check_out).ok()
}

fn validate_rooms(rooms: &[RoomBody], errs: &mut Errors) -> Option<Party> {
    if rooms.is_empty() || rooms.len() > MAX_ROOMS {
        errs.add_arg("rooms", "reason-room-count", "max", MAX_ROOMS as i64);
        return None;
    }
    let before = errs.0.len();
    let mut requests = Vec::with_capacity(rooms.len());
    for (i, r) in rooms.iter().enumerate() {
        if r.adults < 1 || r.adults > u32::from(MAX_ADULTS_PER_ROOM) {
            errs.add_arg(
                format!("rooms[{i}].adults"),
                "reason-room-adults",
                "max",
                i64::from(MAX_ADULTS_PER_ROOM),
            );
        }
        if r.children_ages.len() > usize::from(MAX_CHILDREN_PER_ROOM) {
            errs.add_arg(
                format!("rooms[{i}].children_ages"),
                "reason-room-children",
                "max",
                i64::from(MAX_CHILDREN_PER_ROOM),
            );
            continue;
        }
        let mut ages = Vec::with_capacity(r.children_ages.len());
        for (j, age) in r.children_ages.iter().enumerate() {
            match u8::try_from(*age) {
                Ok(a) if a <= MAX_CHILD_AGE => ages.push(a),
                _ => errs.add_arg(
                    format!("rooms[{i}].children_ages[{j}]"),
                    "reason-child-age",
                    "max",
                    i64::from(MAX_CHILD_AGE),
                ),
            }
        }
        if let Ok(req) = RoomRequest::new(r.adults.min(255) as u8, ages) {
            requests.push(req);
        }
    }
    if errs.0.len() > before {
        return None;
    }
    Party::new(requests).ok()
}

fn validate_currency(code: Option<&str>, default: Currency, errs: &mut Errors) -> Option<Currency> {
    match code {
        None => Some(default),
        Some(c) => match Currency::parse(&c.trim().to_ascii_uppercase()) {
            Ok(c) => Some(c),
            Err(_) => {
                errs.add("currency", "reason-unknown-currency");
                None
            }
        },
    }
}

fn validate_point(field: &str, lat: f64, lon: f64, errs: &mut Errors) -> Option<GeoPoint> {
    if !valid_lat(lat) {
        errs.add(format!("{field}.lat"), "reason-latitude-range");
    }
    if !valid_lon(lon) {
        errs.add(format!("{field}.lng"), "reason-longitude-range");
    }
    GeoPoint::new(lat, lon)
}

fn parse_price(field: &str, s: &str, currency: Currency, errs: &mut Errors) -> Option<i64> {
    match Money::parse(s, currency) {
        Ok(m) if !m.is_negative() => Some(m.minor()),
        Ok(_) | Err(MoneyError::InvalidAmount(_)) => {
            errs.add(field, "reason-not-a-number");
            None
        }
        Err(MoneyError::TooPrecise { max, .. }) => {
            errs.add_arg(field, "reason-too-precise", "digits", i64::from(max));
            None
        }
        Err(_) => {
            errs.add(field, "reason-out-of-range");
            None
        }
    }
}

fn within_km(km: f64, max: f64) -> bool {
    km.is_finite() && km > 0.0 && km <= max
}

/// `currency` is `None` when the currency was refused: price bounds are then not checked.
fn validate_filters(
    f: &FiltersBody,
    currency: Option<Currency>,
    centre: Option<GeoPoint>,
    errs: &mut Errors,
) -> (HotelFilters, Option<GeoPoint>) {
    let mut out = HotelFilters::default();
    let (mut min, mut max) = (None, None);
    if let Some(c) = currency {
        min = f
            .min_price
            .as_deref()
            .and_then(|s| parse_price("min_price", s, c, errs));
        max = f
            .max_price
            .as_deref()
            .and_then(|s| parse_price("max_price", s, c, errs));
        if let (Some(lo), Some(hi)) = (min, max)
            && lo > hi
        {
            errs.add("max_price", "reason-range-inverted");
        }
    }
    let basis = match f.price_basis.as_deref() {
        None => Some(PriceBasis::Nightly),
        Some(b) => {
            let parsed = PriceBasis::parse(b.trim());
            if parsed.is_none() {
                errs.add("price_basis", "reason-price-basis");
            }
            parsed
        }
    };
    if let Some(basis) = basis
        && (min.is_some() || max.is_some())
    {
        out.price = Some(PriceRange {
            min_minor: min,
            max_minor: max,
            basis,
        });
    }
    for (i, s) in f.stars.iter().enumerate() {
        match u8::try_from(*s).ok().and_then(StarRating::new) {
            Some(s) => out.stars = out.stars.with(s),
            None => errs.add(format!("stars[{i}]"), "reason-star-rating"),
        }
    }
    for (i, a) in f.amenities.iter().enumerate() {
        match Amenity::parse(a.trim()) {
            Some(a) => out.amenities.insert(a),
            None => errs.add(format!("amenities[{i}]"), "reason-unknown-amenity"),
        }
    }
    if let Some(score) = f.min_review_score {
        match ReviewScore::from_score(score) {
            Some(s) => out.min_review = Some(s),
            None => errs.add("min_review_score", "reason-review-score-range"),
        }
    }
    let from = f
        .distance_from
        .and_then(|p| validate_point("distance_from", p.lat, p.lon, errs));
    let from_refused = f.distance_from.is_some() && from.is_none();
    if let Some(km) = f.max_distance_km {
        if !within_km(km, MAX_DISTANCE_KM) {
            errs.add_arg(
                "max_distance_km",
                "reason-distance-range",
                "max",
                MAX_DISTANCE_KM as i64,
            );
        } else if let Some(from) = from.or(centre) {
            out.max_distance = Some(DistanceLimit { from, max_km: km });
        } else if !from_refused {
            errs.add("distance_from", "reason-required");
        }
    }
    out.free_cancellation = f.free_cancellation;
    out.breakfast_included = f.breakfast_included;
    out.pay_at_hotel = f.pay_at_hotel;
    for (i, c) in f.chains.iter().enumerate() {
        match ChainCode::parse(c) {
            Some(c) => out.chains.push(c),
            None => errs.add(format!("chains[{i}]"), "reason-invalid-code"),
        }
    }
    for (i, b) in f.brands.iter().enumerate() {
        match BrandCode::parse(b) {
            Some(b) => out.brands.push(b),
            None => errs.add(format!("brands[{i}]"), "reason-invalid-code"),
        }
    }
    for (i, t) in f.themes.iter().enumerate() {
        match Theme::parse(t.trim()) {
            Some(t) => out.themes.insert(t),
            None => errs.add(format!("themes[{i}]"), "reason-unknown-theme"),
        }
    }
    out.deals_only = f.deals_only;
    (out, from)
}

fn validate_destination(
    d: &DestinationBody,
    ctx: &dyn HotelSearchContext,
    errs: &mut Errors,
) -> Option<Destination> {
    let coordinates = d.lat.is_some() || d.lon.is_some();
    let kinds = [
        d.city.is_some(),
        d.place.is_some(),
        d.airport.is_some(),
        coordinates,
    ];
    if kinds.iter().filter(|k| **k).count() != 1 {
        errs.add("destination", "reason-destination-kind");
        return None;
    }
    if let Some(city) = &d.city {
        if d.radius_km.is_some() {
            errs.add("destination.radius_km", "reason-radius-with-city");
        }
        let q = city.trim();
        if q.is_empty() {
            errs.add("destination.city", "reason-required");
            return None;
        }
        let Some(c) = ctx.city(q) else {
            errs.add("destination.city", "reason-unknown-city");
            return None;
        };
        return Some(Destination::City {
            city_id: c.city_id,
            centre: c.centre,
        });
    }
    let radius_km = match d.radius_km {
        None => Some(DEFAULT_RADIUS_KM),
        Some(r) if within_km(r, MAX_RADIUS_KM) => Some(r),
        Some(_) => {
            errs.add_arg(
                "destination.radius_km",
                "reason-radius-range",
                "max",
                MAX_RADIUS_KM as i64,
            );
            None
        }
    };
    let found = if let Some(place) = &d.place {
        let q = place.trim();
        if q.is_empty() {
            errs.add("destination.place", "reason-required");
            None
        } else if let Some(centre) = ctx.place(q) {
            Some((centre, AreaOrigin::Place(q.to_owned())))
        } else {
            errs.add("destination.place", "reason-unknown-place");
            None
        }
    } else if let Some(airport) = &d.airport {
        let found = AirportCode::parse(airport)
            .ok()
            .and_then(|code| ctx.airport(code).map(|p| (p, AreaOrigin::Airport(code))));
        if found.is_none() {
            errs.add("destination.airport", "reason-unknown-airport");
        }
        found
    } else {
        match (d.lat, d.lon) {
            (Some(lat), Some(lon)) => {
                validate_point("destination", lat, lon, errs).map(|p| (p, AreaOrigin::Coordinates))
            }
            (None, _) => {
                errs.add("destination.lat", "reason-required");
                None
            }
            (_, None) => {
                errs.add("destination.lng", "reason-required");
                None
            }
        }
    };
    let (centre, origin) = found?;
    Some(Destination::Area {
        centre,
        radius_km: radius_km?,
        origin,
    })
}

fn validate_limit(limit: Option<u32>, errs: &mut Errors) -> usize {
    match limit {
        None => DEFAULT_LIMIT,
        Some(l) if (1..=MAX_LIMIT as u32).contains(&l) => l as usize,
        Some(_) => {
            errs.add_arg("limit", "reason-limit-range", "max", MAX_LIMIT as i64);
            DEFAULT_LIMIT
        }
    }
}

impl HotelSearch {
    /// Validates a list search. `today` is the earliest check-in date (hotel-local; pass the
    /// destination's date, or the earliest date anywhere you sell), `last_night` the last
    /// night with rates loaded. On refusal every problem is listed, in body order.
    pub fn validate(
        body: &HotelSearchBody,
        today: NaiveDate,
        last_night: NaiveDate,
        ctx: &dyn HotelSearchContext,
    ) -> Result<HotelSearch, Vec<FieldError>> {
        let mut errs = Errors::default();
        let destination = validate_destination(&body.destination, ctx, &mut errs);
        let stay = validate_stay(
            &body.check_in,
            &body.check_out,
            today,
            last_night,
            &mut errs,
        );
        let party = validate_rooms(&body.rooms, &mut errs);
        let currency =
            validate_currency(body.currency.as_deref(), ctx.default_currency(), &mut errs);
        let centre = destination.as_ref().map(Destination::centre);
        let (filters, from) = validate_filters(&body.filters, currency, centre, &mut errs);
        let sort = match body.sort.as_deref() {
            None => Some(HotelSort::Recommended),
            Some(s) => {
                let parsed = HotelSort::parse(s.trim());
                if parsed.is_none() {
                    errs.add("sort", "reason-unknown-hotel-sort");
                }
                parsed
            }
        };
        let limit = validate_limit(body.limit, &mut errs);
        let offset = body.offset.map_or(0, |o| o as usize);
        if offset > MAX_OFFSET {
            errs.add_arg("offset", "reason-offset-range", "max", MAX_OFFSET as i64);
        }
        match (destination, stay, party, currency, sort) {
            (Some(destination), Some(stay), Some(party), Some(currency), Some(sort))
                if errs.0.is_empty() =>
            {
                Ok(HotelSearch {
                    distance_from: from.unwrap_or_else(|| destination.centre()),
                    destination,
                    stay,
                    party,
                    currency,
                    filters,
                    sort,
                    limit,
                    offset,
                })
            }
            _ => Err(errs.0),
        }
    }
}

impl HotelMapSearch {
    /// Validates a map search; see [`HotelSearch::validate`] for `today` and `last_night`.
    /// A distance filter needs `filters.distance_from` here, as a box has no centre to use.
    pub fn validate(
        body: &HotelMapSearchBody,
        today: NaiveDate,
        last_night: NaiveDate,
        default_currency: Currency,
    ) -> Result<HotelMapSearch, Vec<FieldError>> {
        let mut errs = Errors::default();
        let b = body.bbox;
        let lats_ok = [("bbox.south", b.south), ("bbox.north", b.north)]
            .into_iter()
            .filter(|(field, v)| {
                let ok = valid_lat(*v);
                if !ok {
                    errs.add(*field, "reason-latitude-range");
                }
                ok
            })
            .count()
            == 2;
        let lons_ok = [("bbox.west", b.west), ("bbox.east", b.east)]
            .into_iter()
            .filter(|(field, v)| {
                let ok = valid_lon(*v);
                if !ok {
                    errs.add(*field, "reason-longitude-range");
                }
                ok
            })
            .count()
            == 2;
        let bbox = if lats_ok && lons_ok {
            match BoundingBox::new(b.south, b.west, b.north, b.east) {
                Ok(bbox) => Some(bbox),
                Err(super::geo::BoxError::Empty) => {
                    errs.add("bbox.east", "reason-bbox-empty");
                    None
                }
                Err(_) => {
                    errs.add("bbox.north", "reason-bbox-inverted");
                    None
                }
            }
        } else {
            None
        };
        let zoom = match u8::try_from(body.zoom) {
            Ok(z) if z <= MAX_ZOOM => Some(z),
            _ => {
                errs.add_arg("zoom", "reason-zoom-range", "max", i64::from(MAX_ZOOM));
                None
            }
        };
        let stay = validate_stay(
            &body.check_in,
            &body.check_out,
            today,
            last_night,
            &mut errs,
        );
        let party = validate_rooms(&body.rooms, &mut errs);
        let currency = validate_currency(body.currency.as_deref(), default_currency, &mut errs);
        let (filters, _) = validate_filters(&body.filters, currency, None, &mut errs);
        match (bbox, zoom, stay, party, currency) {
            (Some(bbox), Some(zoom), Some(stay), Some(party), Some(currency))
                if errs.0.is_empty() =>
            {
                Ok(HotelMapSearch {
                    bbox,
                    zoom,
                    stay,
                    party,
                    currency,
                    filters,
                })
            }
            _ => Err(errs.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hotel::cancellation::{CancellationCharge, CancellationPolicy};
    use crate::hotel::property::{LocalizedText, PropertyId, Reviews};
    use crate::hotel::rate::{Board, RatePlanCode};
    use crate::hotel::room::RoomTypeCode;
    use crate::hotel::stay::{TaxesAndFees, price_stay};
    use chrono::{NaiveTime, TimeZone};

    struct Ctx;
    impl HotelSearchContext for Ctx {
        fn city(&self, query: &str) -> Option<CityCentre> {
            ["1796236", "shanghai", "上海"]
                .contains(&query.to_lowercase().as_str())
                .then(|| CityCentre {
                    city_id: 1796236,
                    centre: GeoPoint::new(31.2222, 121.4581).unwrap(),
                })
        }
        fn airport(&self, code: AirportCode) -> Option<GeoPoint> {
            (code.as_str() == "PVG").then(|| GeoPoint::new(31.1434, 121.8052).unwrap())
        }
        fn place(&self, text: &str) -> Option<GeoPoint> {
            (text == "外滩").then(|| GeoPoint::new(31.2400, 121.4900).unwrap())
        }
        fn default_currency(&self) -> Currency {
            Currency::CNY
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn last_night() -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 11, 23).unwrap()
    }

    fn body() -> HotelSearchBody {
        HotelSearchBody {
            destination: DestinationBody {
                city: Some("shanghai".into()),
                ..Default::default()
            },
            check_in: "2026-12-10".into(),
            check_out: "2026-12-12".into(),
            rooms: vec![RoomBody {
                adults: 2,
                children_ages: vec![],
            }],
            ..Default::default()
        }
    }

    fn refusals(b: &HotelSearchBody) -> Vec<(String, &'static str)> {
        HotelSearch::validate(b, today(), last_night(), &Ctx)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.reason))
            .collect()
    }

    fn one(field: &str, reason: &'static str) -> Vec<(String, &'static str)> {
        vec![(field.to_owned(), reason)]
    }

    #[test]
    fn a_plain_search_gets_defaults() {
        let s = HotelSearch::validate(&body(), today(), last_night(), &Ctx).unwrap();
        assert!(matches!(
            s.destination,
            Destination::City {
                city_id: 1796236,
                ..
            }
        ));
        assert_eq!(s.stay.nights(), 2);
        assert_eq!(s.party.room_count(), 1);
        assert_eq!(s.currency, Currency::CNY);
        assert_eq!(s.filters, HotelFilters::default());
        assert_eq!((s.sort, s.limit, s.offset), (HotelSort::Recommended, 25, 0));
        assert_eq!(s.distance_from, s.destination.centre());
    }

    #[test]
    fn parses_from_json_and_refuses_unknown_fields() {
        let json = r#"{
            "destination": {"lat": 31.24, "lng": 121.49, "radius_km": 3},
            "check_in_date": "2026-12-10", "check_out_date": "2026-12-13",
            "rooms": [{"adults": 2, "children_ages": [4, 12]}, {"adults": 1}],
            "currency": "usd",
            "min_price": "100", "max_price": "250.50", "price_basis": "total",
            "stars": [4, 5], "amenities": ["wifi", "pool"], "min_review_score": 8.5,
            "max_distance_km": 5, "free_cancellation": true, "chains": ["Marriott"],
            "themes": ["family"], "deals_only": true,
            "sort": "price", "limit": 50, "offset": 100
        }"#;
        let b: HotelSearchBody = serde_json::from_str(json).unwrap();
        let s = HotelSearch::validate(&b, today(), last_night(), &Ctx).unwrap();
        let Destination::Area {
            radius_km, origin, ..
        } = &s.destination
        else {
            panic!("{:?}", s.destination)
        };
        assert_eq!((*radius_km, origin), (3.0, &AreaOrigin::Coordinates));
        assert_eq!(s.currency, Currency::USD);
        assert_eq!(
            s.filters.price,
            Some(PriceRange {
                min_minor: Some(10_000),
                max_minor: Some(25_050),
                basis: PriceBasis::Total
            })
        );
        assert!(s.filters.stars.contains(StarRating::new(5).unwrap()));
        assert_eq!(s.filters.amenities.len(), 2);
        assert_eq!(s.filters.min_review.unwrap().tenths(), 85);
        assert_eq!(s.filters.max_distance.unwrap().max_km, 5.0);
        assert_eq!(s.filters.chains[0].as_str(), "marriott");
        assert!(s.filters.themes.contains(Theme::Family));
        assert!(s.filters.free_cancellation && s.filters.deals_only);
        assert_eq!((s.sort, s.limit, s.offset), (HotelSort::Price, 50, 100));
        assert_eq!(s.party.guests(), 5);
        let unknown = json.replace("\"sort\"", "\"order\"");
        assert!(serde_json::from_str::<HotelSearchBody>(&unknown).is_err());
        let nested = json.replace("\"deals_only\"", "\"deal_only\"");
        assert!(serde_json::from_str::<HotelSearchBody>(&nested).is_err());
    }

    #[test]
    fn destinations() {
        let dest = |d: DestinationBody| HotelSearchBody {
            destination: d,
            ..body()
        };
        let ok = |d| {
            HotelSearch::validate(&dest(d), today(), last_night(), &Ctx)
                .unwrap()
                .destination
        };
        let place = ok(DestinationBody {
            place: Some(" 外滩 ".into()),
            ..Default::default()
        });
        assert_eq!(
            place,
            Destination::Area {
                centre: GeoPoint::new(31.24, 121.49).unwrap(),
                radius_km: DEFAULT_RADIUS_KM,
                origin: AreaOrigin::Place("外滩".into())
            }
        );
        let airport = ok(DestinationBody {
            airport: Some("pvg".into()),
            radius_km: Some(100.0),
            ..Default::default()
        });
        assert!(matches!(
            airport,
            Destination::Area {
                origin: AreaOrigin::Airport(_),
                ..
            }
        ));

        let bad = |d| refusals(&dest(d));
        assert_eq!(
            bad(DestinationBody::default()),
            one("destination", "reason-destination-kind")
        );
        assert_eq!(
            bad(DestinationBody {
                city: Some("shanghai".into()),
                airport: Some("PVG".into()),
                ..Default::default()
            }),
            one("destination", "reason-destination-kind")
        );
        assert_eq!(
            bad(DestinationBody {
                city: Some("atlantis".into()),
                ..Default::default()
            }),
            one("destination.city", "reason-unknown-city")
        );
        assert_eq!(
            bad(DestinationBody {
                city: Some(" ".into()),
                ..Default::default()
            }),
            one("destination.city", "reason-required")
        );
        assert_eq!(
            bad(DestinationBody {
                city: Some("shanghai".into()),
                radius_km: Some(5.0),
                ..Default::default()
            }),
            one("destination.radius_km", "reason-radius-with-city")
        );
        assert_eq!(
            bad(DestinationBody {
                place: Some("nowhere".into()),
                ..Default::default()
            }),
            one("destination.place", "reason-unknown-place")
        );
        assert_eq!(
            bad(DestinationBody {
                airport: Some("LHR".into()),
                ..Default::default()
            }),
            one("destination.airport", "reason-unknown-airport")
        );
        assert_eq!(
            bad(DestinationBody {
                lat: Some(31.0),
                ..Default::default()
            }),
            one("destination.lng", "reason-required")
        );
        assert_eq!(
            bad(DestinationBody {
                lat: Some(91.0),
                lon: Some(181.0),
                ..Default::default()
            }),
            vec![
                ("destination.lat".into(), "reason-latitude-range"),
                ("destination.lng".into(), "reason-longitude-range")
            ]
        );
        for r in [0.0, -1.0, 100.5, f64::INFINITY] {
            assert_eq!(
                bad(DestinationBody {
                    lat: Some(31.0),
                    lon: Some(121.0),
                    radius_km: Some(r),
                    ..Default::default()
                }),
                one("destination.radius_km", "reason-radius-range"),
                "{r}"
            );
        }
    }

    #[test]
    fn dates() {
        let dates = |a: &str, b: &str| HotelSearchBody {
            check_in: a.into(),
            check_out: b.into(),
            ..body()
        };
        let bad = |a, b| refusals(&dates(a, b));
        assert_eq!(
            bad("10/12/2026", "2026-12-12"),
            one("check_in_date", "reason-invalid-date")
        );
        assert_eq!(
            bad("2026-12-10", "2026-02-30"),
            one("check_out_date", "reason-invalid-date")
        );
        assert_eq!(
            bad("x", "y"),
            vec![
                ("check_in_date".into(), "reason-invalid-date"),
                ("check_out_date".into(), "reason-invalid-date")
            ]
        );
        assert_eq!(
            bad("2026-11-23", "2026-11-25"),
            one("check_in_date", "reason-date-in-past")
        );
        assert_eq!(
            bad("2026-12-10", "2026-12-10"),
            one("check_out_date", "reason-check-out-before-check-in")
        );
        assert_eq!(
            bad("2026-12-10", "2026-12-09"),
            one("check_out_date", "reason-check-out-before-check-in")
        );
        assert!(
            refusals_ok(&dates("2026-12-01", "2026-12-31")),
            "30 nights is fine"
        );
        assert_eq!(
            bad("2026-12-01", "2027-01-01"),
            one("check_out_date", "reason-stay-too-long")
        );
        assert_eq!(
            bad("2027-11-24", "2027-11-25"),
            one("check_in_date", "reason-stay-beyond-horizon")
        );
        assert_eq!(
            bad("2027-11-20", "2027-11-25"),
            one("check_out_date", "reason-stay-beyond-horizon")
        );
        // Today and the last night itself are bookable.
        assert!(refusals_ok(&dates("2026-11-24", "2026-11-25")));
        assert!(refusals_ok(&dates("2027-11-23", "2027-11-24")));
        let e = HotelSearch::validate(
            &dates("2026-12-01", "2027-01-01"),
            today(),
            last_night(),
            &Ctx,
        )
        .unwrap_err();
        assert_eq!(e[0].arg, Some(("max", 30)));
    }

    fn refusals_ok(b: &HotelSearchBody) -> bool {
        HotelSearch::validate(b, today(), last_night(), &Ctx).is_ok()
    }

    #[test]
    fn rooms_and_ages() {
        let rooms = |r: Vec<RoomBody>| HotelSearchBody { rooms: r, ..body() };
        let room = |adults, ages: &[i64]| RoomBody {
            adults,
            children_ages: ages.to_vec(),
        };
        assert_eq!(refusals(&rooms(vec![])), one("rooms", "reason-room-count"));
        assert_eq!(
            refusals(&rooms(vec![room(1, &[]); 9])),
            one("rooms", "reason-room-count")
        );
        assert!(refusals_ok(&rooms(vec![room(8, &[0, 17]); 8])));
        assert_eq!(
            refusals(&rooms(vec![room(2, &[]), room(0, &[5])])),
            one("rooms[1].adults", "reason-room-adults")
        );
        assert_eq!(
            refusals(&rooms(vec![room(9, &[])])),
            one("rooms[0].adults", "reason-room-adults")
        );
        assert_eq!(
            refusals(&rooms(vec![room(2, &[]), room(2, &[18, 3, -1])])),
            vec![
                ("rooms[1].children_ages[0]".into(), "reason-child-age"),
                ("rooms[1].children_ages[2]".into(), "reason-child-age")
            ]
        );
        assert_eq!(
            refusals(&rooms(vec![room(2, &[1; 7])])),
            one("rooms[0].children_ages", "reason-room-children")
        );
        let e = HotelSearch::validate(&rooms(vec![room(2, &[18])]), today(), last_night(), &Ctx)
            .unwrap_err();
        assert_eq!(e[0].arg, Some(("max", 17)));
    }

    #[test]
    fn filters_sort_and_paging() {
        let with = |f: FiltersBody| HotelSearchBody {
            filters: f,
            ..body()
        };
        let bad = |f| refusals(&with(f));
        assert_eq!(
            bad(FiltersBody {
                min_price: Some("500".into()),
                max_price: Some("100".into()),
                ..Default::default()
            }),
            one("max_price", "reason-range-inverted")
        );
        assert_eq!(
            bad(FiltersBody {
                min_price: Some("-1".into()),
                max_price: Some("abc".into()),
                ..Default::default()
            }),
            vec![
                ("min_price".into(), "reason-not-a-number"),
                ("max_price".into(), "reason-not-a-number")
            ]
        );
        assert_eq!(
            bad(FiltersBody {
                max_price: Some("1.234".into()),
                ..Default::default()
            }),
            one("max_price", "reason-too-precise")
        );
        assert_eq!(
            bad(FiltersBody {
                max_price: Some("99999999999999999999".into()),
                ..Default::default()
            }),
            one("max_price", "reason-out-of-range")
        );
        assert_eq!(
            bad(FiltersBody {
                price_basis: Some("weekly".into()),
                ..Default::default()
            }),
            one("price_basis", "reason-price-basis")
        );
        assert_eq!(
            bad(FiltersBody {
                stars: vec![3, 0, 6],
                amenities: vec!["wifi".into(), "jacuzzi".into()],
                themes: vec!["party".into()],
                chains: vec!["hil ton".into()],
                brands: vec!["".into()],
                ..Default::default()
            }),
            vec![
                ("stars[1]".into(), "reason-star-rating"),
                ("stars[2]".into(), "reason-star-rating"),
                ("amenities[1]".into(), "reason-unknown-amenity"),
                ("chains[0]".into(), "reason-invalid-code"),
                ("brands[0]".into(), "reason-invalid-code"),
                ("themes[0]".into(), "reason-unknown-theme"),
            ]
        );
        for score in [-0.5, 10.5, f64::NAN] {
            assert_eq!(
                bad(FiltersBody {
                    min_review_score: Some(score),
                    ..Default::default()
                }),
                one("min_review_score", "reason-review-score-range")
            );
        }
        assert_eq!(
            bad(FiltersBody {
                max_distance_km: Some(0.0),
                ..Default::default()
            }),
            one("max_distance_km", "reason-distance-range")
        );
        assert_eq!(
            bad(FiltersBody {
                max_distance_km: Some(2.0),
                distance_from: Some(PointBody {
                    lat: 100.0,
                    lon: 0.0
                }),
                ..Default::default()
            }),
            one("distance_from.lat", "reason-latitude-range")
        );
        let s = HotelSearch::validate(
            &with(FiltersBody {
                distance_from: Some(PointBody {
                    lat: 31.24,
                    lon: 121.49,
                }),
                ..Default::default()
            }),
            today(),
            last_night(),
            &Ctx,
        )
        .unwrap();
        assert_eq!(s.distance_from, GeoPoint::new(31.24, 121.49).unwrap());

        let other = |sort: Option<&str>, limit, offset| HotelSearchBody {
            sort: sort.map(str::to_owned),
            limit,
            offset,
            ..body()
        };
        assert_eq!(
            refusals(&other(Some("cheapest"), None, None)),
            one("sort", "reason-unknown-hotel-sort")
        );
        assert_eq!(
            refusals(&other(None, Some(0), None)),
            one("limit", "reason-limit-range")
        );
        assert_eq!(
            refusals(&other(None, Some(101), None)),
            one("limit", "reason-limit-range")
        );
        assert_eq!(
            refusals(&other(None, None, Some(1001))),
            one("offset", "reason-offset-range")
        );
        assert_eq!(
            refusals(&HotelSearchBody {
                currency: Some("QQQ".into()),
                filters: FiltersBody {
                    max_price: Some("100".into()),
                    ..Default::default()
                },
                ..body()
            }),
            one("currency", "reason-unknown-currency")
        );
        // JPY has no minor units.
        let s = HotelSearch::validate(
            &HotelSearchBody {
                currency: Some("JPY".into()),
                filters: FiltersBody {
                    max_price: Some("20000".into()),
                    ..Default::default()
                },
                ..body()
            },
            today(),
            last_night(),
            &Ctx,
        )
        .unwrap();
        assert_eq!(s.filters.price.unwrap().max_minor, Some(20_000));
    }

    #[test]
    fn all_problems_come_back_in_body_order() {
        let b = HotelSearchBody {
            destination: DestinationBody::default(),
            check_in: "2026-01-01".into(),
            check_out: "soon".into(),
            rooms: vec![],
            currency: Some("XXX".into()),
            sort: Some("nope".into()),
            limit: Some(0),
            offset: Some(5000),
            ..Default::default()
        };
        let fields: Vec<_> = refusals(&b).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            vec![
                "destination",
                "check_in_date",
                "check_out_date",
                "rooms",
                "currency",
                "sort",
                "limit",
                "offset"
            ]
        );
    }

    fn map_body() -> HotelMapSearchBody {
        HotelMapSearchBody {
            bbox: BboxBody {
                south: 31.0,
                west: 121.0,
                north: 31.5,
                east: 122.0,
            },
            zoom: 12,
            check_in: "2026-12-10".into(),
            check_out: "2026-12-12".into(),
            rooms: vec![RoomBody {
                adults: 2,
                children_ages: vec![],
            }],
            ..Default::default()
        }
    }

    fn map_refusals(b: &HotelMapSearchBody) -> Vec<(String, &'static str)> {
        HotelMapSearch::validate(b, today(), last_night(), Currency::CNY)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.reason))
            .collect()
    }

    #[test]
    fn map_searches() {
        let s =
            HotelMapSearch::validate(&map_body(), today(), last_night(), Currency::CNY).unwrap();
        assert_eq!(s.zoom, 12);
        let bbox = |south, west, north, east| HotelMapSearchBody {
            bbox: BboxBody {
                south,
                west,
                north,
                east,
            },
            ..map_body()
        };
        let across = bbox(-20.0, 175.0, -15.0, -178.0);
        let s = HotelMapSearch::validate(&across, today(), last_night(), Currency::CNY).unwrap();
        assert!(s.bbox.crosses_antimeridian());
        assert_eq!(
            map_refusals(&bbox(31.5, 121.0, 31.0, 122.0)),
            one("bbox.north", "reason-bbox-inverted")
        );
        assert_eq!(
            map_refusals(&bbox(31.0, 121.0, 31.5, 121.0)),
            one("bbox.east", "reason-bbox-empty")
        );
        assert_eq!(
            map_refusals(&bbox(-91.0, -181.0, 31.5, 122.0)),
            vec![
                ("bbox.south".into(), "reason-latitude-range"),
                ("bbox.west".into(), "reason-longitude-range")
            ]
        );
        for zoom in [-1, 23] {
            assert_eq!(
                map_refusals(&HotelMapSearchBody { zoom, ..map_body() }),
                one("zoom", "reason-zoom-range")
            );
        }
        // No centre on a map: a distance filter needs its point.
        assert_eq!(
            map_refusals(&HotelMapSearchBody {
                filters: FiltersBody {
                    max_distance_km: Some(3.0),
                    ..Default::default()
                },
                ..map_body()
            }),
            one("distance_from", "reason-required")
        );
        let json = r#"{"bbox": {"south": 31, "west": 121, "north": 31.5, "east": 122},
            "zoom": 12, "check_in_date": "2026-12-10", "check_out_date": "2026-12-11",
            "rooms": [{"adults": 1}]}"#;
        let b: HotelMapSearchBody = serde_json::from_str(json).unwrap();
        assert!(HotelMapSearch::validate(&b, today(), last_night(), Currency::CNY).is_ok());
    }

    #[test]
    fn price_ranges_compare_exactly() {
        let nightly = PriceRange {
            min_minor: Some(30_000),
            max_minor: Some(50_000),
            basis: PriceBasis::Nightly,
        };
        // 2 rooms × 3 nights: 180,000 is exactly 30,000 a night.
        assert!(nightly.contains(180_000, 3, 2));
        assert!(!nightly.contains(179_999, 3, 2));
        assert!(nightly.contains(300_000, 3, 2));
        assert!(!nightly.contains(300_001, 3, 2));
        let total = PriceRange {
            basis: PriceBasis::Total,
            ..nightly
        };
        assert!(!total.contains(180_000, 3, 2));
        assert!(total.contains(40_000, 3, 2));
        let open = PriceRange {
            min_minor: None,
            max_minor: Some(i64::MAX),
            basis: PriceBasis::Nightly,
        };
        assert!(open.contains(i64::MAX, 30, 8));
    }

    fn property() -> Property {
        Property {
            id: PropertyId(7),
            name: LocalizedText::new("Peace Hotel", "和平饭店"),
            chain: ChainCode::parse("fairmont"),
            brand: None,
            stars: StarRating::new(5),
            address: LocalizedText::new("20 Nanjing Road East", "南京东路20号"),
            city_id: 1796236,
            location: GeoPoint::new(31.2400, 121.4900).unwrap(),
            amenities: [Amenity::Wifi, Amenity::Pool, Amenity::Bar]
                .into_iter()
                .collect(),
            themes: Themes::EMPTY.with(Theme::Luxury),
            reviews: Reviews {
                score: ReviewScore::from_tenths(92),
                count: 1_500,
            },
            check_in_time: NaiveTime::from_hms_opt(14, 0, 0).unwrap(),
            check_out_time: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
            time_zone: chrono_tz::Asia::Shanghai,
            taxes: TaxesAndFees::default(),
        }
    }

    #[test]
    fn property_filters() {
        let p = property();
        let pass = |f: HotelFilters| f.property_passes(&p);
        assert!(pass(HotelFilters::default()));
        assert!(pass(HotelFilters {
            amenities: [Amenity::Wifi, Amenity::Pool].into_iter().collect(),
            ..Default::default()
        }));
        assert!(!pass(HotelFilters {
            amenities: [Amenity::Wifi, Amenity::Gym].into_iter().collect(),
            ..Default::default()
        }));
        let four = StarRating::new(4).unwrap();
        assert!(!pass(HotelFilters {
            stars: StarSet::EMPTY.with(four),
            ..Default::default()
        }));
        assert!(pass(HotelFilters {
            stars: StarSet::EMPTY.with(four).with(StarRating::new(5).unwrap()),
            ..Default::default()
        }));
        assert!(pass(HotelFilters {
            min_review: ReviewScore::from_tenths(92),
            ..Default::default()
        }));
        assert!(!pass(HotelFilters {
            min_review: ReviewScore::from_tenths(93),
            ..Default::default()
        }));
        assert!(pass(HotelFilters {
            themes: Themes::EMPTY.with(Theme::Family).with(Theme::Luxury),
            ..Default::default()
        }));
        assert!(!pass(HotelFilters {
            themes: Themes::EMPTY.with(Theme::Hostel),
            ..Default::default()
        }));
        assert!(!pass(HotelFilters {
            brands: vec![BrandCode::parse("courtyard").unwrap()],
            ..Default::default()
        }));
        assert!(pass(HotelFilters {
            chains: vec![
                ChainCode::parse("marriott").unwrap(),
                ChainCode::parse("fairmont").unwrap()
            ],
            ..Default::default()
        }));
        let people_square = GeoPoint::new(31.2326, 121.4737).unwrap();
        assert!(pass(HotelFilters {
            max_distance: Some(DistanceLimit {
                from: people_square,
                max_km: 2.0
            }),
            ..Default::default()
        }));
        assert!(!pass(HotelFilters {
            max_distance: Some(DistanceLimit {
                from: people_square,
                max_km: 1.0
            }),
            ..Default::default()
        }));
        let unreviewed = Property {
            reviews: Reviews::default(),
            ..property()
        };
        assert!(
            !HotelFilters {
                min_review: ReviewScore::from_tenths(0),
                ..Default::default()
            }
            .property_passes(&unreviewed)
        );
        let city = Destination::City {
            city_id: 1796236,
            centre: people_square,
        };
        assert!(city.includes(&p));
        let near = Destination::Area {
            centre: people_square,
            radius_km: 1.0,
            origin: AreaOrigin::Coordinates,
        };
        assert!(!near.includes(&p));
    }

    #[test]
    fn offer_filters() {
        let p = property();
        let stay = Stay::new(
            NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 12).unwrap(),
        )
        .unwrap();
        let nightly = [Money::from_minor(100_000, Currency::CNY); 2];
        let price = price_stay(stay, &nightly, 1, &p.taxes, &[], today()).unwrap();
        let plan = RatePlan {
            code: RatePlanCode::parse("flex_bb").unwrap(),
            room_type: RoomTypeCode::parse("king").unwrap(),
            name: LocalizedText::new("Flexible with breakfast", "含早可取消"),
            board: Board::Breakfast,
            payment: Payment::PayAtHotel,
            member_only: false,
            cancellation: CancellationPolicy::free_until(24, CancellationCharge::Nights(1))
                .unwrap(),
            currency: Currency::CNY,
            promotions: vec![],
        };
        let check_in_at = p.check_in_at(stay.check_in());
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let facts = OfferFacts::new(&plan, &price, now, check_in_at);
        assert!(facts.free_cancellation && facts.breakfast && facts.pay_at_hotel && !facts.deal);
        let all = HotelFilters {
            free_cancellation: true,
            breakfast_included: true,
            pay_at_hotel: true,
            price: Some(PriceRange {
                min_minor: None,
                max_minor: Some(100_000),
                basis: PriceBasis::Nightly,
            }),
            ..Default::default()
        };
        assert!(all.offer_passes(&facts));
        assert!(
            !HotelFilters {
                deals_only: true,
                ..all.clone()
            }
            .offer_passes(&facts)
        );
        // A day before check-in the free window has closed.
        let late = OfferFacts::new(
            &plan,
            &price,
            check_in_at - chrono::Duration::hours(1),
            check_in_at,
        );
        assert!(!all.offer_passes(&late));
    }
}
