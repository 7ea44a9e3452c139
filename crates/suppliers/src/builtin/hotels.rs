//! The built-in supplier's hotels: realistic, generated listings in real cities under real
//! chains and brands, deterministic for a seed and fast enough for a million
//! ([`generate_hotels`], or [`HotelGenerator`] to stream them).
//!
//! The model, in short:
//! - **How many where**: cities share the hotels by `population^0.85 × market × destination`;
//!   the market weighs mainland China (Wayfare's home market) 3×, Hong Kong, Macau, Japan,
//!   Thailand, Singapore and the UAE 2×, and the big tourist countries 1.2–1.5×; a destination
//!   (a city of `landmarks.csv`, or a beach, ski, hot-spring or scenic city of
//!   [`LEISURE_CITIES`]) counts 3×. Every Chinese city of a million people or more and every
//!   destination gets a minimum first (1–5 and 1–10 hotels, growing with the count), so even a
//!   3,000-hotel demo has hotels wherever a visitor looks first; the rest goes by largest
//!   remainders.
//! - **Where in the city**: 45 % of hotels (in cities with landmarks) stand within ~3 km of
//!   one of them; the rest around the centre at an exponentially distributed distance (mean
//!   0.45 × a radius growing with the log of the population, 2–15 km), so the centre is densest.
//! - **Which brand**: independents are 35 % of hotels in mainland China and 50 % elsewhere
//!   (budget, business, boutique, homestay, hostel, luxury, and resorts at leisure spots).
//!   Chain hotels split by segment (economy 30 % … luxury 6 %, fewer upscale hotels in small
//!   cities, more in destinations) and by each chain's presence in the region: Huazhu,
//!   Jin Jiang, BTG Homeinns and Atour in mainland China; Marriott, Hilton, IHG, Accor and
//!   Hyatt everywhere (Accor strongest in Europe); Shangri-La mostly in Asia; a brand only
//!   where its `regions` say it operates. Beach, park and theme-park spots and leisure cities
//!   favour resort brands, independent resorts and homestays.
//! - **Identity**: a hotel is the `k`-th of its city, with id `geonameid × 1,000,000 + k + 1`,
//!   and everything about it is drawn from a [`SplitMix64`] seeded with (seed, city, k), so
//!   hotel k of a city is the same listing whatever the total count.
//! - **Names**: chain hotels are named the way the chains name theirs, from brand, city and
//!   area: upscale and above as "上海陆家嘴丽思卡尔顿酒店" / "The Ritz-Carlton Shanghai
//!   Lujiazui", the rest as "汉庭酒店(上海人民广场店)" / "Hanting Hotel Shanghai People's
//!   Square". They are generated listings, not the chains' actual hotels. Independents get
//!   invented names from a word list ("杭州云栖精品酒店" / "Cloud Nest Boutique Hotel
//!   Hangzhou") that are not meant to name any real hotel, and addresses use generic street
//!   names with invented numbers. The area is a landmark of the city (within 2.5 km) or a
//!   generic one (city centre, a compass quarter, a common street name in China).
//! - **Stars, amenities, themes, reviews**: stars are the brand's typical stars (independents
//!   by kind; most homestays and half the hostels are unrated); amenities and themes follow the
//!   segment and the spot (pools and spas upscale, kitchens in homestays and hostels, beach
//!   access and kids' clubs at beach resorts, hot springs in hot-spring towns); review scores
//!   centre on 8.3 (economy) to 9.3 (luxury), counts grow with city size.
//! - **Rooms**: 2–5 room types from the segment's list (the first always sleeps two adults;
//!   dorm beds in hostels), beds, capacity (1–4 adults), size and facilities by segment, sea
//!   views at beach resorts. Allotment per type 2–60, from the hotel's size.
//! - **Rate plans** on every room: room only non-refundable (10 % below the flexible rate);
//!   flexible (free until 24 h before check-in, 48 h from upscale, then one night; resorts
//!   and homestays stricter); with breakfast (most hotels; per person by segment); pay at the
//!   hotel (55 % of hotels in China, 30 % elsewhere); member-only 5–10 % below flexible (most
//!   chain hotels); half board at some resorts.
//! - **Promotions** on 30 % of hotels, one or two of: percent off (10–25 % for stays within
//!   1–5 months, booked within 2–8 weeks), early bird (14–60 days ahead), last minute (0–3 days)
//!   and stay 3 pay 2; so searches always find deals.
//! - **Prices**: a nightly base in CNY by segment (economy 210 … luxury 1,900; homestay 260;
//!   hostel private room 180, dorm bed about 70) × city size ((population / 2 M)^0.12, 0.7–1.5)
//!   × 1.15 in destinations × the country's price level (China 1, Japan 1.5, US 2.1,
//!   Switzerland 2.6 …) × ±18 % per hotel × the room type's factor. Season, holidays and
//!   weekday come from the listing's [`DemandProfile`]: southern hemisphere by latitude,
//!   leisure at resorts, homestays, beach and ski hotels and in leisure cities, Chinese
//!   holidays in mainland China, Hong Kong, Macau and Taiwan.
//! - **Currency**: CNY in mainland China; elsewhere the local currency where Wayfare's demo
//!   display rates have one (HKD, also in Macau; TWD, JPY, KRW, SGD, MYR, THB, EUR, GBP, CHF,
//!   AED, AUD, NZD, CAD, USD), otherwise USD. Prices are converted from CNY at those rates and
//!   rounded to whole units (10 for HKD, TWD and THB, 100 for JPY, 1,000 for KRW).
//!   [`HotelParams::currency`] prices every hotel in one of these currencies instead.
//! - **Taxes and fees** by country: China 6 %; Hong Kong, Macau, Taiwan and Korea 10 %
//!   service; Japan 10 % and ¥200 accommodation tax a night; Singapore 19.9 %, Thailand 17.7 %;
//!   the US 15 % and a $35 resort fee a night at resorts; the UAE 22 % and a tourism dirham of
//!   AED 5 per star a night; France, Italy, Greece and Spain a city tax a night by stars;
//!   prices include VAT in the UK, Australia and New Zealand; 10 % where we know no better.
//! - **Times**: check-in 14:00 (15:00 at upscale hotels, resorts and outside China),
//!   check-out 12:00, in the city's time zone.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, NaiveTime};
use chrono_tz::Tz;
use wayfare_domain::hotel::{
    Amenities, Amenity, Bed, BedType, Board, BrandCode, CancellationCharge, CancellationPolicy,
    CancellationTier, ChainCode, DateWindow, DemandProfile, GeoPoint, HotelListing, ListedPlan,
    ListedRoom, LocalizedText, Payment, Promotion, PromotionCode, PromotionKind, Property,
    PropertyId, RatePlan, RatePlanCode, ReviewScore, Reviews, RoomCapacity, RoomFacilities,
    RoomFacility, RoomType, RoomTypeCode, StarRating, TaxesAndFees, Theme, Themes,
};
use wayfare_domain::reference::City;
use wayfare_domain::{Currency, Money};
use wayfare_store::hotels::HotelReferenceData;

use super::network::SplitMix64;

// ---------------------------------------------------------------------------------------------
// Inputs

/// A city hotels may stand in.
#[derive(Debug, Clone, PartialEq)]
pub struct HotelCity {
    /// GeoNames id.
    pub geonameid: i64,
    pub name: String,
    pub name_zh: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub country_name: LocalizedText,
    pub lat: f64,
    pub lon: f64,
    pub population: i64,
    pub tz: Tz,
}

/// A hotel segment, as the chains tier their brands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    Economy,
    Midscale,
    UpperMidscale,
    Upscale,
    UpperUpscale,
    Luxury,
}

impl Segment {
    pub fn parse(s: &str) -> Option<Segment> {
        Some(match s.trim() {
            "economy" => Segment::Economy,
            "midscale" => Segment::Midscale,
            "upper_midscale" => Segment::UpperMidscale,
            "upscale" => Segment::Upscale,
            "upper_upscale" => Segment::UpperUpscale,
            "luxury" => Segment::Luxury,
            _ => return None,
        })
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Where a brand operates, as `hotel_brands.csv` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    /// Mainland China.
    China,
    Asia,
    Europe,
    Americas,
    MiddleEastAfrica,
    Oceania,
}

impl Region {
    pub fn parse(s: &str) -> Option<Region> {
        Some(match s.trim() {
            "cn" => Region::China,
            "asia" => Region::Asia,
            "europe" => Region::Europe,
            "americas" => Region::Americas,
            "mea" => Region::MiddleEastAfrica,
            "oceania" => Region::Oceania,
            _ => return None,
        })
    }
}

/// A chain's brand, or (chain `independent`) a kind of unbranded hotel.
#[derive(Debug, Clone, PartialEq)]
pub struct HotelBrand {
    pub chain: ChainCode,
    pub brand: BrandCode,
    pub name: LocalizedText,
    pub segment: Segment,
    pub typical_stars: u8,
    /// Empty: everywhere (`global`).
    pub regions: Vec<Region>,
    pub themes: Themes,
}

impl HotelBrand {
    pub fn is_independent(&self) -> bool {
        self.chain.as_str() == "independent"
    }

    fn kind(&self) -> Kind {
        if !self.is_independent() {
            return Kind::Chain;
        }
        match self.brand.as_str() {
            "independent_boutique" => Kind::Boutique,
            "independent_budget" => Kind::Budget,
            "independent_homestay" => Kind::Homestay,
            "independent_hostel" => Kind::Hostel,
            "independent_luxury" => Kind::Luxury,
            "independent_resort" => Kind::Resort,
            _ => Kind::Business,
        }
    }

    fn operates_in(&self, region: Region, greater_china: bool) -> bool {
        self.regions.is_empty()
            || self.regions.contains(&region)
            || (greater_china && self.regions.contains(&Region::China))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LandmarkKind {
    Landmark,
    District,
    Park,
    Station,
    Museum,
    Beach,
    Convention,
    University,
    ThemePark,
}

impl LandmarkKind {
    pub fn parse(s: &str) -> Option<LandmarkKind> {
        Some(match s.trim() {
            "landmark" => LandmarkKind::Landmark,
            "district" => LandmarkKind::District,
            "park" => LandmarkKind::Park,
            "station" => LandmarkKind::Station,
            "museum" => LandmarkKind::Museum,
            "beach" => LandmarkKind::Beach,
            "convention" => LandmarkKind::Convention,
            "university" => LandmarkKind::University,
            "theme_park" => LandmarkKind::ThemePark,
            _ => return None,
        })
    }
}

/// A place travellers look for hotels near.
#[derive(Debug, Clone, PartialEq)]
pub struct HotelLandmark {
    pub name: LocalizedText,
    pub kind: LandmarkKind,
    /// The GeoNames id of its city.
    pub city_id: i64,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HotelParams {
    /// Hotels to generate.
    pub count: u32,
    pub seed: u64,
    /// Promotions' booking and stay windows start here.
    pub today: NaiveDate,
    /// Price every hotel in this currency instead of the local one (one of the currencies
    /// named in the module docs; any other is ignored).
    pub currency: Option<Currency>,
}

/// The generator's inputs built from the reference data: cities with a known time zone and
/// population, every brand row with a known segment, landmarks of a known kind.
#[derive(Debug, Clone, Default)]
pub struct HotelInputs {
    pub cities: Vec<HotelCity>,
    pub brands: Vec<HotelBrand>,
    pub landmarks: Vec<HotelLandmark>,
}

impl HotelInputs {
    pub fn from_reference(cities: &[City], reference: &HotelReferenceData) -> HotelInputs {
        let countries: HashMap<&str, LocalizedText> = reference
            .countries
            .iter()
            .map(|c| {
                (
                    c.iso2.as_str(),
                    LocalizedText::new(c.name_en.clone(), c.name_zh.clone().unwrap_or_default()),
                )
            })
            .collect();
        let cities = cities
            .iter()
            .filter(|c| c.population > 0)
            .filter_map(|c| {
                Some(HotelCity {
                    geonameid: c.geonameid,
                    name: c.name.clone(),
                    name_zh: c.name_zh.clone().filter(|z| !z.trim().is_empty()),
                    country: c.country.clone(),
                    country_name: countries
                        .get(c.country.as_str())
                        .cloned()
                        .unwrap_or_else(|| LocalizedText::new(c.country.clone(), "")),
                    lat: c.lat,
                    lon: c.lon,
                    population: c.population,
                    tz: c.tz.parse().ok()?,
                })
            })
            .collect();
        let brands = reference
            .brands
            .iter()
            .filter_map(|b| {
                let regions = b
                    .regions
                    .split(';')
                    .filter(|r| r.trim() != "global")
                    .filter_map(Region::parse)
                    .collect();
                Some(HotelBrand {
                    chain: ChainCode::parse(&b.chain_code)?,
                    brand: BrandCode::parse(&b.brand_code)?,
                    name: LocalizedText::new(b.brand_name_en.clone(), b.brand_name_zh.clone()),
                    segment: Segment::parse(&b.segment)?,
                    typical_stars: b.typical_stars.clamp(1, 5),
                    regions,
                    themes: b
                        .typical_themes
                        .split(';')
                        .filter_map(|t| Theme::parse(t.trim()))
                        .collect(),
                })
            })
            .collect();
        let landmarks = reference
            .landmarks
            .iter()
            .filter_map(|l| {
                Some(HotelLandmark {
                    name: LocalizedText::new(l.name_en.clone(), l.name_zh.clone()),
                    kind: LandmarkKind::parse(&l.kind)?,
                    city_id: l.city_geonameid,
                    lat: l.lat,
                    lon: l.lon,
                })
            })
            .collect();
        HotelInputs {
            cities,
            brands,
            landmarks,
        }
    }
}

/// Generates `params.count` hotels (fewer only when there are no cities or brands), in id
/// order. See the module docs for the model.
pub fn generate_hotels(
    cities: &[HotelCity],
    brands: &[HotelBrand],
    landmarks: &[HotelLandmark],
    params: &HotelParams,
) -> Vec<HotelListing> {
    HotelGenerator::new(cities, brands, landmarks, params).collect()
}

// ---------------------------------------------------------------------------------------------
// Curated tables

/// What makes a city a leisure destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leisure {
    Beach,
    Ski,
    HotSpring,
    /// Mountains, old towns, resorts of another kind.
    Scenic,
}

/// Leisure cities by GeoNames id, beyond those `landmarks.csv` gives a beach: beach resorts,
/// ski and hot-spring towns and scenic destinations.
pub const LEISURE_CITIES: &[(i64, Leisure)] = &[
    (2172797, Leisure::Beach),     // Cairns
    (1152633, Leisure::Beach),     // Krabi
    (1572151, Leisure::Beach),     // Nha Trang
    (2990440, Leisure::Beach),     // Nice
    (323777, Leisure::Beach),      // Antalya
    (2512989, Leisure::Beach),     // Palma
    (2516479, Leisure::Beach),     // Ibiza
    (3991328, Leisure::Beach),     // Puerto Vallarta
    (3515040, Leisure::Beach),     // Tulum
    (349340, Leisure::Beach),      // Sharm el-Sheikh
    (361291, Leisure::Beach),      // Hurghada
    (1816705, Leisure::Beach),     // Beihai
    (1791673, Leisure::Beach),     // Weihai
    (1797595, Leisure::Beach),     // Qinhuangdao
    (1791779, Leisure::Beach),     // Wanning
    (1846266, Leisure::Beach),     // Jeju
    (2033196, Leisure::Ski),       // Zhangjiakou (Chongli)
    (2128295, Leisure::Ski),       // Sapporo
    (2775220, Leisure::Ski),       // Innsbruck
    (1864750, Leisure::HotSpring), // Beppu
    (1813253, Leisure::Scenic),    // Lijiang
    (1814093, Leisure::Scenic),    // Dali
    (1809498, Leisure::Scenic),    // Guilin
    (1787323, Leisure::Scenic),    // Yangshuo
    (1792359, Leisure::Scenic),    // Huangshan
    (1813171, Leisure::Scenic),    // Zhangjiajie
    (1785710, Leisure::Scenic),    // Jinghong (Xishuangbanna)
    (1280737, Leisure::Scenic),    // Lhasa
    (5506956, Leisure::Scenic),    // Las Vegas
    (4167147, Leisure::Scenic),    // Orlando
];

/// Hotels per person relative to elsewhere (see the module docs).
fn market_weight(country: &str) -> f64 {
    match country {
        "CN" => 3.0,
        "HK" | "MO" | "JP" | "TH" | "SG" | "AE" => 2.0,
        "TW" | "KR" | "MY" | "GB" | "FR" | "IT" | "ES" | "AU" | "NZ" => 1.5,
        "US" | "CA" | "DE" | "VN" | "ID" | "CH" | "AT" | "NL" | "PT" | "GR" | "TR" => 1.2,
        _ => 0.5,
    }
}

fn region_of(city: &HotelCity) -> Region {
    match city.country.as_str() {
        "CN" => return Region::China,
        "AE" | "SA" | "QA" | "KW" | "BH" | "OM" | "IL" | "JO" | "LB" | "IR" | "IQ" | "SY"
        | "YE" | "PS" => return Region::MiddleEastAfrica,
        "TR" | "RU" | "CY" => return Region::Europe,
        _ => {}
    }
    let tz = city.tz.name();
    match tz.split('/').next().unwrap_or("") {
        "Europe" | "Atlantic" => Region::Europe,
        "America" => Region::Americas,
        "Africa" => Region::MiddleEastAfrica,
        "Australia" | "Pacific" => Region::Oceania,
        "Indian" => Region::MiddleEastAfrica,
        _ => Region::Asia,
    }
}

/// Units of each supported currency per US dollar: the demo display rates' figures.
const UNITS_PER_USD: &[(&str, f64)] = &[
    ("USD", 1.0),
    ("CNY", 7.12),
    ("HKD", 7.78),
    ("TWD", 31.5),
    ("JPY", 152.4),
    ("KRW", 1385.0),
    ("SGD", 1.33),
    ("MYR", 4.45),
    ("THB", 34.2),
    ("EUR", 0.92),
    ("GBP", 0.78),
    ("CHF", 0.88),
    ("AED", 3.6725),
    ("AUD", 1.52),
    ("NZD", 1.67),
    ("CAD", 1.38),
];

fn units_per_usd(c: Currency) -> Option<f64> {
    UNITS_PER_USD
        .iter()
        .find(|(code, _)| *code == c.code())
        .map(|(_, r)| *r)
}

/// Prices round to this many whole units.
fn price_step(c: Currency) -> f64 {
    match c.code() {
        "HKD" | "TWD" | "THB" => 10.0,
        "JPY" => 100.0,
        "KRW" => 1_000.0,
        _ => 1.0,
    }
}

const EURO_AREA: &[&str] = &[
    "AT", "BE", "HR", "CY", "EE", "FI", "FR", "DE", "GR", "IE", "IT", "LV", "LT", "LU", "MT", "NL",
    "PT", "SK", "SI", "ES", "AD", "MC", "SM", "VA", "ME", "XK",
];

fn local_currency(country: &str) -> Currency {
    let code = match country {
        "CN" => "CNY",
        "HK" | "MO" => "HKD",
        "TW" => "TWD",
        "JP" => "JPY",
        "KR" => "KRW",
        "SG" => "SGD",
        "MY" => "MYR",
        "TH" => "THB",
        "GB" => "GBP",
        "CH" | "LI" => "CHF",
        "AE" => "AED",
        "AU" => "AUD",
        "NZ" => "NZD",
        "CA" => "CAD",
        c if EURO_AREA.contains(&c) => "EUR",
        _ => "USD",
    };
    Currency::parse(code).unwrap_or(Currency::USD)
}

/// Hotel price level relative to mainland China, for the same kind of hotel.
fn price_level(country: &str, region: Region) -> f64 {
    match country {
        "CN" => 1.0,
        "HK" => 1.9,
        "MO" => 1.7,
        "TW" => 1.2,
        "JP" => 1.5,
        "KR" => 1.3,
        "SG" => 2.1,
        "MY" => 0.8,
        "TH" => 0.85,
        "VN" | "KH" | "LA" => 0.65,
        "ID" | "PH" => 0.75,
        "IN" | "NP" | "LK" => 0.6,
        "AE" | "QA" => 1.7,
        "SA" => 1.4,
        "TR" => 0.9,
        "EG" | "MA" => 0.75,
        "ZA" => 0.9,
        "GB" | "FR" | "NL" | "IE" => 1.9,
        "DE" | "BE" | "AT" => 1.6,
        "IT" => 1.8,
        "ES" => 1.5,
        "PT" | "GR" => 1.3,
        "CH" => 2.6,
        "DK" | "NO" | "SE" | "IS" | "FI" => 2.0,
        "CZ" | "PL" => 1.1,
        "HU" => 1.0,
        "RU" => 0.9,
        "US" => 2.1,
        "CA" => 1.8,
        "MX" | "BR" | "AR" => 1.0,
        "AU" => 1.9,
        "NZ" => 1.7,
        _ => match region {
            Region::China => 1.0,
            Region::Asia => 0.8,
            Region::Europe => 1.3,
            Region::Americas => 1.0,
            Region::MiddleEastAfrica => 0.9,
            Region::Oceania => 1.6,
        },
    }
}

/// Taxes and service charge in basis points, and a fixed fee per room and night in local
/// currency units (by stars), for a country.
fn tax_rule(country: &str, stars: u8, resort: bool) -> (u32, f64) {
    let s = f64::from(stars.max(1));
    match country {
        "CN" => (600, 0.0),
        "HK" | "MO" | "TW" | "KR" => (1_000, 0.0),
        "JP" => (1_000, 200.0),
        "SG" => (1_990, 0.0),
        "TH" => (1_770, 0.0),
        "MY" => (1_000, 10.0),
        "VN" => (1_500, 0.0),
        "ID" => (2_100, 0.0),
        "PH" => (1_200, 0.0),
        "IN" => (1_800, 0.0),
        "AE" => (2_200, 5.0 * s),
        "US" => (1_500, if resort { 35.0 } else { 0.0 }),
        "CA" => (1_400, 0.0),
        "MX" => (1_900, 0.0),
        "GB" | "AU" | "NZ" | "IE" => (0, 0.0),
        "FR" => (0, 1.0 + s),
        "IT" => (0, s + 1.0),
        "GR" => (0, s),
        "ES" => (0, (s / 2.0).ceil()),
        "PT" => (0, 2.0),
        "BE" => (0, 5.0),
        "CH" => (0, 3.0),
        "NL" => (1_250, 0.0),
        "DE" => (500, 0.0),
        "AT" => (320, 0.0),
        _ => (1_000, 0.0),
    }
}

/// Nightly base price in CNY of a plain room, before city, country and hotel factors.
fn base_cny(segment: Segment) -> f64 {
    match segment {
        Segment::Economy => 210.0,
        Segment::Midscale => 330.0,
        Segment::UpperMidscale => 460.0,
        Segment::Upscale => 680.0,
        Segment::UpperUpscale => 1_050.0,
        Segment::Luxury => 1_900.0,
    }
}

/// Breakfast per person in CNY.
fn breakfast_cny(set: RoomSet) -> f64 {
    match set {
        RoomSet::Hostel => 25.0,
        RoomSet::Homestay => 30.0,
        RoomSet::Economy => 25.0,
        RoomSet::Mid => 50.0,
        RoomSet::Upscale => 110.0,
        RoomSet::Luxury => 228.0,
    }
}

/// Share of chain hotels by segment.
const SEGMENT_SHARE: [f64; 6] = [0.30, 0.25, 0.17, 0.14, 0.08, 0.06];

fn chain_presence(chain: &str, region: Region) -> f64 {
    use Region::*;
    match (chain, region) {
        ("huazhu", China) => 1.0,
        ("huazhu", Europe) => 0.1,
        ("huazhu", _) => 0.05,
        ("jinjiang", China) => 1.0,
        ("jinjiang", Europe) => 0.35,
        ("jinjiang", _) => 0.1,
        ("btg_homeinns", China) => 0.7,
        ("atour", China) => 0.35,
        ("btg_homeinns" | "atour", _) => 0.05,
        ("marriott", China) => 0.45,
        ("marriott", _) => 1.0,
        ("hilton", China) => 0.35,
        ("hilton", _) => 0.9,
        ("ihg", China) => 0.45,
        ("ihg", _) => 0.8,
        ("accor", China) => 0.25,
        ("accor", Europe) => 1.3,
        ("accor", Asia | Oceania) => 0.9,
        ("accor", _) => 0.7,
        ("hyatt", China) => 0.15,
        ("hyatt", _) => 0.35,
        ("shangri_la", China) => 0.15,
        ("shangri_la", Asia) => 0.25,
        ("shangri_la", _) => 0.05,
        _ => 0.2,
    }
}

/// How a segment's share moves with city size (small, medium, large, huge) and destinations.
fn size_modulation(segment: Segment, population: i64, destination: bool) -> f64 {
    let tier = |small: f64, medium: f64, large: f64, huge: f64| match population {
        p if p < 300_000 => small,
        p if p < 1_000_000 => medium,
        p if p < 5_000_000 => large,
        _ => huge,
    };
    let m = match segment {
        Segment::Luxury => tier(0.1, 0.35, 1.0, 1.4),
        Segment::UpperUpscale => tier(0.25, 0.6, 1.0, 1.2),
        Segment::Upscale => tier(0.5, 0.8, 1.0, 1.0),
        _ => 1.0,
    };
    if destination && segment >= Segment::Upscale {
        m.max(0.6) * 1.3
    } else {
        m
    }
}

/// Generic areas, English and Chinese. Chinese cities: the centre, compass quarters, outer
/// zones and the street names nearly every Chinese city has; elsewhere centre and quarters.
const CENTRE_CN: &[(&str, &str)] = &[("City Centre", "市中心"), ("Old Town", "老城区")];
const COMPASS_CN: &[(&str, &str)] = &[
    ("North", "城北"),
    ("East", "城东"),
    ("South", "城南"),
    ("West", "城西"),
];
const OUTER_CN: &[(&str, &str)] = &[
    ("Development Zone", "开发区"),
    ("Hi-Tech Zone", "高新区"),
    ("New District", "新区"),
];
const ROADS_CN: &[(&str, &str)] = &[
    ("Renmin Road", "人民路"),
    ("Zhongshan Road", "中山路"),
    ("Jiefang Road", "解放路"),
    ("Jianshe Road", "建设路"),
    ("Xinhua Road", "新华路"),
    ("Heping Road", "和平路"),
    ("Wenhua Road", "文化路"),
    ("Yingbin Road", "迎宾路"),
    ("Changjiang Road", "长江路"),
    ("Huanghe Road", "黄河路"),
];
const CENTRE_WORLD: &[(&str, &str)] = &[
    ("City Centre", "市中心"),
    ("Old Town", "老城区"),
    ("Downtown", "市区"),
];
const COMPASS_WORLD: &[(&str, &str)] = &[
    ("North", "北区"),
    ("East", "东区"),
    ("South", "南区"),
    ("West", "西区"),
];
const STREETS_WORLD: &[(&str, &str)] = &[
    ("Station Road", "车站路"),
    ("Park Avenue", "公园大道"),
    ("Market Street", "市场街"),
    ("Main Street", "主街"),
    ("Harbour Road", "海港路"),
    ("Church Street", "教堂街"),
    ("Garden Road", "花园路"),
    ("King Street", "国王街"),
    ("Queen Street", "女王街"),
    ("Lake Road", "湖滨路"),
    ("Hill Road", "山丘路"),
    ("Bridge Street", "桥街"),
];

/// Words for invented independent hotel names.
const NAME_WORDS: &[(&str, &str)] = &[
    ("Cloud Nest", "云栖"),
    ("Jade Garden", "玉苑"),
    ("Lotus", "莲花"),
    ("Bamboo Grove", "竹林"),
    ("Orchid Pavilion", "兰亭"),
    ("Silver Moon", "银月"),
    ("Pine Hill", "松山"),
    ("River View", "江景"),
    ("Plum Garden", "梅园"),
    ("Golden Sands", "金沙"),
    ("Blue Harbour", "蓝港"),
    ("Maple Leaf", "枫叶"),
    ("Willow Bank", "柳岸"),
    ("Sunrise", "朝阳"),
    ("Starlight", "星光"),
    ("Peony", "牡丹"),
    ("Spring Breeze", "春风"),
    ("Quiet Cottage", "静庐"),
    ("Mountain Mist", "山岚"),
    ("Lakeside", "湖畔"),
    ("Courtyard", "庭院"),
    ("Ginkgo", "银杏"),
    ("Camellia", "山茶"),
    ("Crane Song", "鹤鸣"),
    ("Osmanthus", "桂香"),
    ("Azure", "蔚蓝"),
    ("Harmony", "和园"),
    ("Old House", "老宅"),
    ("Pearl", "明珠"),
    ("Coral", "珊瑚"),
    ("Cedar", "雪松"),
    ("Wisteria", "紫藤"),
    ("Seagull", "海鸥"),
    ("Lantern", "灯笼"),
    ("Oak Tree", "橡树"),
    ("Meadow", "草原"),
    ("New Star", "新星"),
    ("Atrium", "中庭"),
    ("Swallow", "燕子"),
    ("Moonlight", "月光"),
];

// ---------------------------------------------------------------------------------------------
// Rooms and plans

/// Kinds of hotel: a chain brand, or a kind of independent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Chain,
    Boutique,
    Budget,
    Business,
    Homestay,
    Hostel,
    Luxury,
    Resort,
}

/// Which list of room types a hotel draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoomSet {
    Hostel,
    Homestay,
    Economy,
    Mid,
    Upscale,
    Luxury,
}

impl RoomSet {
    fn of(kind: Kind, segment: Segment) -> RoomSet {
        match (kind, segment) {
            (Kind::Hostel, _) => RoomSet::Hostel,
            (Kind::Homestay, _) => RoomSet::Homestay,
            (_, Segment::Economy) => RoomSet::Economy,
            (_, Segment::Midscale | Segment::UpperMidscale) => RoomSet::Mid,
            (_, Segment::Upscale | Segment::UpperUpscale) => RoomSet::Upscale,
            (_, Segment::Luxury) => RoomSet::Luxury,
        }
    }

    fn templates(self) -> &'static [RoomTemplate] {
        match self {
            RoomSet::Hostel => HOSTEL_ROOMS,
            RoomSet::Homestay => HOMESTAY_ROOMS,
            RoomSet::Economy => ECONOMY_ROOMS,
            RoomSet::Mid => MID_ROOMS,
            RoomSet::Upscale => UPSCALE_ROOMS,
            RoomSet::Luxury => LUXURY_ROOMS,
        }
    }

    /// Room types a hotel has: inclusive range.
    fn room_types(self) -> (u32, u32) {
        match self {
            RoomSet::Hostel => (3, 4),
            RoomSet::Homestay => (2, 4),
            RoomSet::Economy => (2, 4),
            RoomSet::Mid => (3, 5),
            RoomSet::Upscale => (3, 5),
            RoomSet::Luxury => (4, 5),
        }
    }

    /// Rooms in the hotel: inclusive range.
    fn rooms(self) -> (u32, u32) {
        match self {
            RoomSet::Hostel => (16, 50),
            RoomSet::Homestay => (4, 14),
            RoomSet::Economy => (60, 140),
            RoomSet::Mid => (90, 220),
            RoomSet::Upscale => (180, 380),
            RoomSet::Luxury => (150, 320),
        }
    }

    /// A standard room's size in m².
    fn size_m2(self) -> f64 {
        match self {
            RoomSet::Hostel => 14.0,
            RoomSet::Homestay => 25.0,
            RoomSet::Economy => 18.0,
            RoomSet::Mid => 26.0,
            RoomSet::Upscale => 36.0,
            RoomSet::Luxury => 50.0,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct RoomTemplate {
    code: &'static str,
    en: &'static str,
    zh: &'static str,
    beds: &'static [(BedType, u8)],
    /// Adults, children, occupancy, infants.
    cap: (u8, u8, u8, u8),
    price: f64,
    /// Size relative to the set's standard room; 0 for a dorm bed (no size).
    size: f64,
    suite: bool,
    dorm: bool,
}

const fn room(
    code: &'static str,
    en: &'static str,
    zh: &'static str,
    beds: &'static [(BedType, u8)],
    cap: (u8, u8, u8, u8),
    price: f64,
    size: f64,
) -> RoomTemplate {
    RoomTemplate {
        code,
        en,
        zh,
        beds,
        cap,
        price,
        size,
        suite: false,
        dorm: false,
    }
}

const fn suite(t: RoomTemplate) -> RoomTemplate {
    RoomTemplate { suite: true, ..t }
}

const fn dorm(t: RoomTemplate) -> RoomTemplate {
    RoomTemplate { dorm: true, ..t }
}

use BedType::{Bunk, Double, King, Queen, Single, SofaBed};

const HOSTEL_ROOMS: &[RoomTemplate] = &[
    room(
        "private_double",
        "Private Double Room",
        "独立大床房",
        &[(Double, 1)],
        (2, 0, 2, 0),
        1.0,
        1.0,
    ),
    dorm(room(
        "dorm_mixed",
        "Bed in Mixed Dormitory",
        "混合宿舍床位",
        &[(Single, 1)],
        (1, 0, 1, 0),
        0.38,
        0.0,
    )),
    dorm(room(
        "dorm_female",
        "Bed in Female Dormitory",
        "女生宿舍床位",
        &[(Single, 1)],
        (1, 0, 1, 0),
        0.42,
        0.0,
    )),
    room(
        "private_twin",
        "Private Twin Room",
        "独立双床房",
        &[(Bunk, 1)],
        (2, 0, 2, 0),
        0.95,
        1.0,
    ),
    room(
        "family",
        "Family Room",
        "家庭房",
        &[(Double, 1), (Bunk, 1)],
        (4, 2, 4, 1),
        1.6,
        1.6,
    ),
];

const HOMESTAY_ROOMS: &[RoomTemplate] = &[
    room(
        "double",
        "Double Room",
        "大床房",
        &[(Double, 1)],
        (2, 1, 2, 1),
        1.0,
        1.0,
    ),
    room(
        "twin",
        "Twin Room",
        "双床房",
        &[(Single, 2)],
        (2, 1, 2, 1),
        1.0,
        1.0,
    ),
    suite(room(
        "courtyard_suite",
        "Courtyard Suite",
        "庭院套房",
        &[(King, 1)],
        (2, 1, 3, 1),
        1.5,
        1.6,
    )),
    room(
        "loft_family",
        "Loft Family Room",
        "复式家庭房",
        &[(Double, 1), (Single, 2)],
        (4, 2, 4, 1),
        1.6,
        1.8,
    ),
];

const ECONOMY_ROOMS: &[RoomTemplate] = &[
    room(
        "queen",
        "Queen Room",
        "大床房",
        &[(Queen, 1)],
        (2, 1, 2, 1),
        1.0,
        1.0,
    ),
    room(
        "twin",
        "Twin Room",
        "双床房",
        &[(Single, 2)],
        (2, 1, 2, 1),
        1.0,
        1.0,
    ),
    room(
        "single",
        "Single Room",
        "单人间",
        &[(Single, 1)],
        (1, 0, 1, 1),
        0.8,
        0.75,
    ),
    room(
        "superior_queen",
        "Superior Queen Room",
        "高级大床房",
        &[(Queen, 1)],
        (2, 1, 3, 1),
        1.15,
        1.15,
    ),
    room(
        "triple",
        "Triple Room",
        "三人间",
        &[(Single, 3)],
        (3, 1, 3, 1),
        1.35,
        1.4,
    ),
    room(
        "family",
        "Family Room",
        "家庭房",
        &[(Queen, 1), (Single, 1)],
        (3, 2, 4, 1),
        1.45,
        1.5,
    ),
];

const MID_ROOMS: &[RoomTemplate] = &[
    room(
        "superior_king",
        "Superior King Room",
        "高级大床房",
        &[(King, 1)],
        (2, 1, 3, 1),
        1.0,
        1.0,
    ),
    room(
        "superior_twin",
        "Superior Twin Room",
        "高级双床房",
        &[(Single, 2)],
        (2, 1, 3, 1),
        1.0,
        1.0,
    ),
    room(
        "deluxe_king",
        "Deluxe King Room",
        "豪华大床房",
        &[(King, 1)],
        (2, 1, 3, 1),
        1.2,
        1.2,
    ),
    room(
        "deluxe_twin",
        "Deluxe Twin Room",
        "豪华双床房",
        &[(Single, 2)],
        (2, 1, 3, 1),
        1.2,
        1.2,
    ),
    room(
        "family",
        "Family Room",
        "亲子房",
        &[(King, 1), (Single, 1)],
        (3, 2, 4, 1),
        1.4,
        1.4,
    ),
    suite(room(
        "junior_suite",
        "Junior Suite",
        "小套房",
        &[(King, 1)],
        (2, 2, 4, 1),
        1.8,
        1.9,
    )),
];

const UPSCALE_ROOMS: &[RoomTemplate] = &[
    room(
        "deluxe_king",
        "Deluxe King Room",
        "豪华大床房",
        &[(King, 1)],
        (2, 1, 3, 1),
        1.0,
        1.0,
    ),
    room(
        "deluxe_twin",
        "Deluxe Room, Two Double Beds",
        "豪华双床房",
        &[(Double, 2)],
        (3, 2, 4, 1),
        1.0,
        1.05,
    ),
    room(
        "premier_king",
        "Premier King Room",
        "高级豪华大床房",
        &[(King, 1)],
        (2, 1, 3, 1),
        1.2,
        1.15,
    ),
    room(
        "executive_king",
        "Executive King Room",
        "行政大床房",
        &[(King, 1)],
        (2, 1, 3, 1),
        1.45,
        1.2,
    ),
    suite(room(
        "family_suite",
        "Family Suite",
        "家庭套房",
        &[(King, 1), (SofaBed, 1)],
        (3, 2, 4, 1),
        1.8,
        1.8,
    )),
    suite(room(
        "executive_suite",
        "Executive Suite",
        "行政套房",
        &[(King, 1)],
        (2, 2, 4, 1),
        2.4,
        2.2,
    )),
];

const LUXURY_ROOMS: &[RoomTemplate] = &[
    room(
        "deluxe_king",
        "Deluxe King Room",
        "豪华大床房",
        &[(King, 1)],
        (2, 1, 3, 1),
        1.0,
        1.0,
    ),
    room(
        "deluxe_twin",
        "Deluxe Twin Room",
        "豪华双床房",
        &[(Queen, 2)],
        (3, 2, 4, 1),
        1.0,
        1.0,
    ),
    room(
        "grand_deluxe_king",
        "Grand Deluxe King Room",
        "豪华景观大床房",
        &[(King, 1)],
        (2, 1, 3, 1),
        1.25,
        1.15,
    ),
    room(
        "club_king",
        "Club King Room",
        "行政酒廊大床房",
        &[(King, 1)],
        (2, 1, 3, 1),
        1.55,
        1.2,
    ),
    suite(room(
        "family_suite",
        "Family Suite",
        "家庭套房",
        &[(King, 1), (SofaBed, 1)],
        (3, 2, 4, 1),
        2.0,
        1.8,
    )),
    suite(room(
        "executive_suite",
        "Executive Suite",
        "行政套房",
        &[(King, 1)],
        (2, 2, 4, 1),
        2.6,
        2.0,
    )),
    suite(room(
        "signature_suite",
        "Signature Suite",
        "特色套房",
        &[(King, 1)],
        (2, 2, 4, 1),
        3.8,
        3.0,
    )),
];

/// A rate plan kind: code suffix, names, board, payment, member-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlanKind {
    NonRefundable,
    Flexible,
    Breakfast,
    PayAtHotel,
    Member,
    HalfBoard,
}

impl PlanKind {
    fn suffix(self) -> &'static str {
        match self {
            PlanKind::NonRefundable => "nr",
            PlanKind::Flexible => "flex",
            PlanKind::Breakfast => "bb",
            PlanKind::PayAtHotel => "pah",
            PlanKind::Member => "member",
            PlanKind::HalfBoard => "hb",
        }
    }
}

fn plan_name(kind: PlanKind, board: Board) -> (&'static str, &'static str) {
    match (kind, board) {
        (PlanKind::NonRefundable, _) => ("Room only, non-refundable", "不含早 不可取消"),
        (PlanKind::Flexible, _) => ("Room only, free cancellation", "不含早 免费取消"),
        (PlanKind::Breakfast, _) => ("Breakfast included, free cancellation", "含早餐 免费取消"),
        (PlanKind::PayAtHotel, _) => ("Pay at the hotel, room only", "到店付 不含早"),
        (PlanKind::Member, Board::RoomOnly) => ("Member rate, room only", "会员价 不含早"),
        (PlanKind::Member, _) => ("Member rate with breakfast", "会员价 含早餐"),
        (PlanKind::HalfBoard, _) => ("Half board, free cancellation", "含早晚餐 免费取消"),
    }
}

// ---------------------------------------------------------------------------------------------
// Randomness helpers

fn mix(seed: u64, city: i64, k: u32) -> u64 {
    let mut r = SplitMix64::new(
        seed ^ (city as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ u64::from(k).wrapping_mul(0xC2B2_AE3D_27D4_EB4F),
    );
    r.next_u64()
}

struct Rng(SplitMix64);

impl Rng {
    fn f(&mut self) -> f64 {
        self.0.next_f64()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.0.below(u64::from(hi.saturating_sub(lo)) + 1) as u32
    }

    /// Uniform in `0..len` (len > 0).
    fn index(&mut self, len: usize) -> usize {
        self.0.below(len as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// Approximately normal (sum of four uniforms).
    fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let s = self.f() + self.f() + self.f() + self.f() - 2.0;
        mean + sd * s * 1.732
    }
}

// ---------------------------------------------------------------------------------------------
// Allocation over cities

/// Hotels per city (in `cities` order).
fn allocate(cities: &[HotelCity], destinations: &HashSet<i64>, count: u32) -> Vec<u32> {
    let weights: Vec<f64> = cities
        .iter()
        .map(|c| {
            let pop = c.population.max(0) as f64;
            let dest = if destinations.contains(&c.geonameid) {
                3.0
            } else {
                1.0
            };
            pop.powf(0.85) * market_weight(&c.country) * dest
        })
        .collect();
    let min_cn = (count / 1_000).clamp(1, 5);
    let min_dest = (count / 500).clamp(1, 10);
    let mut must: Vec<u32> = cities
        .iter()
        .map(|c| {
            let cn = c.country == "CN" && c.population >= 1_000_000;
            let dest = destinations.contains(&c.geonameid);
            match (cn, dest) {
                (_, true) => min_dest.max(if cn { min_cn } else { 0 }),
                (true, false) => min_cn,
                (false, false) => 0,
            }
        })
        .collect();
    let total_must: u64 = must.iter().map(|m| u64::from(*m)).sum();
    if total_must * 2 > u64::from(count) {
        for m in &mut must {
            *m = (*m).min(1);
        }
    }
    if must.iter().map(|m| u64::from(*m)).sum::<u64>() > u64::from(count) {
        must.iter_mut().for_each(|m| *m = 0);
    }
    let rest = count - must.iter().sum::<u32>();
    let total: f64 = weights.iter().sum();
    let mut out = must;
    if total <= 0.0 || rest == 0 {
        return out;
    }
    let mut remainders: Vec<(f64, usize)> = Vec::with_capacity(cities.len());
    let mut given = 0u32;
    for (i, w) in weights.iter().enumerate() {
        let q = f64::from(rest) * w / total;
        let whole = q.floor() as u32;
        out[i] += whole;
        given += whole;
        remainders.push((q - q.floor(), i));
    }
    remainders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in remainders.iter().take((rest - given) as usize) {
        out[i] += 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Brand tables

#[derive(Debug, Clone, Default)]
struct BrandTable {
    /// (brand index, cumulative weight).
    entries: Vec<(u16, f64)>,
}

impl BrandTable {
    fn draw(&self, u: f64) -> Option<usize> {
        let total = self.entries.last()?.1;
        let x = u * total;
        let i = self.entries.partition_point(|(_, c)| *c <= x);
        self.entries
            .get(i.min(self.entries.len() - 1))
            .map(|(b, _)| usize::from(*b))
    }
}

fn independent_weight(kind: Kind, leisure: bool, destination: bool) -> f64 {
    let dest = if destination { 1.5 } else { 1.0 };
    match kind {
        Kind::Budget => 0.30,
        Kind::Business => 0.22,
        Kind::Boutique => 0.15 * dest,
        Kind::Homestay => 0.12 * dest * if leisure { 2.0 } else { 1.0 },
        Kind::Hostel => 0.06 * dest,
        Kind::Luxury => 0.03,
        Kind::Resort => {
            if leisure {
                0.35
            } else {
                0.0
            }
        }
        Kind::Chain => 0.0,
    }
}

fn brand_table(
    brands: &[HotelBrand],
    city: &HotelCity,
    region: Region,
    destination: bool,
    leisure: bool,
) -> BrandTable {
    let greater_china = matches!(city.country.as_str(), "HK" | "MO" | "TW");
    let eligible: Vec<bool> = brands
        .iter()
        .map(|b| b.operates_in(region, greater_china))
        .collect();
    let mut per_chain_segment: HashMap<(ChainCode, Segment), u32> = HashMap::new();
    for (b, ok) in brands.iter().zip(&eligible) {
        if *ok && !b.is_independent() {
            *per_chain_segment.entry((b.chain, b.segment)).or_default() += 1;
        }
    }
    let mut chain_w = vec![0.0; brands.len()];
    let mut indep_w = vec![0.0; brands.len()];
    for (i, b) in brands.iter().enumerate() {
        if !eligible[i] {
            continue;
        }
        let size = size_modulation(b.segment, city.population, destination);
        if b.is_independent() {
            indep_w[i] = independent_weight(b.kind(), leisure, destination) * size;
        } else {
            let n = f64::from(per_chain_segment[&(b.chain, b.segment)]);
            let leisure_factor = match (leisure, b.themes.contains(Theme::Resort)) {
                (false, _) => 1.0,
                (true, true) => 3.0,
                (true, false) if b.segment >= Segment::Upscale => 1.0,
                (true, false) => 0.6,
            };
            chain_w[i] = SEGMENT_SHARE[b.segment.index()]
                * size
                * chain_presence(b.chain.as_str(), region)
                * leisure_factor
                / n;
        }
    }
    let indep_share = if region == Region::China { 0.35 } else { 0.5 };
    let (cs, is): (f64, f64) = (chain_w.iter().sum(), indep_w.iter().sum());
    let (cf, inf) = match (cs > 0.0, is > 0.0) {
        (true, true) => ((1.0 - indep_share) / cs, indep_share / is),
        (true, false) => (1.0 / cs, 0.0),
        (false, true) => (0.0, 1.0 / is),
        (false, false) => (0.0, 0.0),
    };
    let mut entries = Vec::new();
    let mut acc = 0.0;
    for i in 0..brands.len() {
        let w = chain_w[i] * cf + indep_w[i] * inf;
        if w > 0.0 {
            acc += w;
            entries.push((i as u16, acc));
        }
    }
    BrandTable { entries }
}

// ---------------------------------------------------------------------------------------------
// Per-city context

/// How a city prices.
#[derive(Debug, Clone, Copy)]
struct Market {
    currency: Currency,
    local: Currency,
    /// Listing currency units per CNY.
    per_cny: f64,
    /// Listing currency units per local currency unit.
    per_local: f64,
    step: f64,
    minor_per_unit: i64,
    level: f64,
}

impl Market {
    fn new(country: &str, region: Region, forced: Option<Currency>) -> Market {
        let local = local_currency(country);
        let currency = forced
            .filter(|c| units_per_usd(*c).is_some())
            .unwrap_or(local);
        let usd = |c: Currency| units_per_usd(c).unwrap_or(1.0);
        Market {
            currency,
            local,
            per_cny: usd(currency) / usd(Currency::CNY),
            per_local: usd(currency) / usd(local),
            step: price_step(currency),
            minor_per_unit: 10i64.pow(currency.exponent()),
            level: price_level(country, region),
        }
    }

    /// CNY to minor units of the listing currency, rounded to the price step, at least one step.
    fn minor_from_cny(&self, cny: f64) -> i64 {
        self.round_units(cny * self.per_cny)
    }

    fn minor_from_local(&self, units: f64) -> i64 {
        self.round_units(units * self.per_local)
    }

    fn round_units(&self, units: f64) -> i64 {
        let steps = (units / self.step).round().max(1.0);
        (steps * self.step) as i64 * self.minor_per_unit
    }
}

struct CityContext {
    city: usize,
    region: Region,
    market: Market,
    leisure: Option<Leisure>,
    radius_km: f64,
    size_factor: f64,
    landmarks: Vec<usize>,
    normal: BrandTable,
    resort: BrandTable,
    /// Names given so far: (brand, word, area) → times.
    names: HashMap<(u32, u32, u32), u32>,
}

// ---------------------------------------------------------------------------------------------
// The generator

/// Streams the listings [`generate_hotels`] returns, city by city, in id order.
pub struct HotelGenerator<'a> {
    cities: &'a [HotelCity],
    brands: &'a [HotelBrand],
    landmarks: &'a [HotelLandmark],
    params: HotelParams,
    /// (city index, hotels), cities in GeoNames id order, those without hotels left out.
    plan: Vec<(usize, u32)>,
    landmarks_by_city: HashMap<i64, Vec<usize>>,
    beach_cities: HashSet<i64>,
    destinations: HashSet<i64>,
    next: usize,
    k: u32,
    context: Option<CityContext>,
    remaining: usize,
}

impl std::fmt::Debug for HotelGenerator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HotelGenerator")
            .field("remaining", &self.remaining)
            .finish()
    }
}

impl<'a> HotelGenerator<'a> {
    pub fn new(
        cities: &'a [HotelCity],
        brands: &'a [HotelBrand],
        landmarks: &'a [HotelLandmark],
        params: &HotelParams,
    ) -> HotelGenerator<'a> {
        let mut landmarks_by_city: HashMap<i64, Vec<usize>> = HashMap::new();
        let mut beach_cities = HashSet::new();
        for (i, l) in landmarks.iter().enumerate() {
            landmarks_by_city.entry(l.city_id).or_default().push(i);
            if l.kind == LandmarkKind::Beach {
                beach_cities.insert(l.city_id);
            }
        }
        let mut destinations: HashSet<i64> = landmarks_by_city.keys().copied().collect();
        destinations.extend(LEISURE_CITIES.iter().map(|(id, _)| *id));
        let mut order: Vec<usize> = (0..cities.len()).collect();
        order.sort_by_key(|&i| cities[i].geonameid);
        order.dedup_by_key(|i| cities[*i].geonameid);
        let ordered: Vec<HotelCity> = order.iter().map(|&i| cities[i].clone()).collect();
        let counts = if brands.is_empty() {
            vec![0; ordered.len()]
        } else {
            allocate(&ordered, &destinations, params.count)
        };
        let plan: Vec<(usize, u32)> = order
            .iter()
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .map(|(&i, n)| (i, n))
            .collect();
        let remaining = plan.iter().map(|(_, n)| *n as usize).sum();
        HotelGenerator {
            cities,
            brands,
            landmarks,
            params: *params,
            plan,
            landmarks_by_city,
            beach_cities,
            destinations,
            next: 0,
            k: 0,
            context: None,
            remaining,
        }
    }

    /// Hotels per city (GeoNames id → hotels) this run generates.
    pub fn hotels_per_city(&self) -> HashMap<i64, u32> {
        self.plan
            .iter()
            .map(|(i, n)| (self.cities[*i].geonameid, *n))
            .collect()
    }

    fn context(&self, city: usize) -> CityContext {
        let c = &self.cities[city];
        let region = region_of(c);
        let leisure = LEISURE_CITIES
            .iter()
            .find(|(id, _)| *id == c.geonameid)
            .map(|(_, l)| *l)
            .or_else(|| {
                self.beach_cities
                    .contains(&c.geonameid)
                    .then_some(Leisure::Beach)
            });
        let destination = self.destinations.contains(&c.geonameid);
        let pop = c.population.max(1) as f64;
        CityContext {
            city,
            region,
            market: Market::new(&c.country, region, self.params.currency),
            leisure,
            radius_km: (2.0 + 3.0 * (pop / 50_000.0).log10().max(0.0)).clamp(2.0, 15.0),
            size_factor: (pop / 2_000_000.0).powf(0.12).clamp(0.7, 1.5)
                * if destination { 1.15 } else { 1.0 },
            landmarks: self
                .landmarks_by_city
                .get(&c.geonameid)
                .cloned()
                .unwrap_or_default(),
            normal: brand_table(self.brands, c, region, destination, false),
            resort: brand_table(self.brands, c, region, destination, true),
            names: HashMap::new(),
        }
    }

    fn hotel(&self, ctx: &mut CityContext, k: u32) -> HotelListing {
        let city = &self.cities[ctx.city];
        let mut rng = Rng(SplitMix64::new(mix(self.params.seed, city.geonameid, k)));
        let id = PropertyId(city.geonameid.max(0) as u64 * 1_000_000 + u64::from(k) + 1);

        // Where.
        let (lat, lon, area, spot) = self.place(ctx, city, &mut rng);
        let beach = spot == Some(LandmarkKind::Beach)
            || (ctx.leisure == Some(Leisure::Beach) && rng.chance(0.5));
        // A park in town is no resort; one out of town (a mountain, a lake) may be.
        let out_of_town = GeoPoint::new(lat, lon)
            .zip(GeoPoint::new(city.lat, city.lon))
            .is_some_and(|(a, b)| a.distance_km(b) > ctx.radius_km);
        let resort_spot = ctx.leisure.is_some()
            || matches!(spot, Some(LandmarkKind::Beach | LandmarkKind::ThemePark))
            || (spot == Some(LandmarkKind::Park) && out_of_town);

        // Which brand.
        let table = if resort_spot && rng.chance(0.6) {
            &ctx.resort
        } else {
            &ctx.normal
        };
        let b = table.draw(rng.f()).unwrap_or(0);
        let brand = &self.brands[b];
        let kind = brand.kind();
        let stars = stars_for(brand, kind, &mut rng);
        let segment = price_segment(brand, kind, stars);
        let set = RoomSet::of(kind, segment);
        let resort = kind == Kind::Resort
            || (resort_spot && brand.themes.contains(Theme::Resort) && kind == Kind::Chain);

        // What it offers.
        let mut amenities = amenities_for(&mut rng, kind, segment, resort, beach, ctx.leisure);
        if brand.brand.as_str() == "kimpton" {
            amenities.insert(Amenity::PetFriendly);
        }
        let breakfast = match set {
            RoomSet::Hostel => rng.chance(0.3),
            RoomSet::Homestay => rng.chance(0.7),
            RoomSet::Economy => rng.chance(0.6),
            _ => rng.chance(0.92),
        };
        if breakfast {
            amenities.insert(Amenity::Breakfast);
        }
        let themes = themes_for(
            &mut rng,
            brand,
            kind,
            segment,
            amenities,
            resort,
            beach,
            ctx.leisure,
        );
        let reviews = reviews_for(&mut rng, set, segment, city.population);

        // Rooms, plans and prices.
        let market = ctx.market;
        let hotel_base_cny = match set {
            RoomSet::Hostel => 180.0,
            RoomSet::Homestay => 260.0,
            _ => base_cny(segment),
        } * ctx.size_factor
            * market.level
            * (0.82 + 0.36 * rng.f())
            * if resort { 1.15 } else { 1.0 };
        let rules = PlanRules::draw(
            &mut rng,
            kind,
            set,
            ctx.region,
            resort,
            breakfast,
            market.minor_from_cny(breakfast_cny(set) * market.level),
        );
        let rooms = rooms_for(
            &mut rng,
            set,
            &rules,
            hotel_base_cny,
            &market,
            beach && resort,
            ctx.leisure,
            city.lat.abs() > 30.0,
            city.population > 1_000_000,
        );
        let mut listing = HotelListing {
            property: Property {
                id,
                name: LocalizedText::default(),
                chain: (kind == Kind::Chain).then_some(brand.chain),
                brand: (kind == Kind::Chain).then_some(brand.brand),
                stars: stars.and_then(StarRating::new),
                address: LocalizedText::default(),
                city_id: city.geonameid,
                location: GeoPoint::new(lat, lon)
                    .or_else(|| GeoPoint::new(city.lat, city.lon))
                    .unwrap_or_else(|| GeoPoint::new(0.0, 0.0).expect("the origin is valid")),
                amenities,
                themes,
                reviews,
                check_in_time: NaiveTime::from_hms_opt(
                    if city.country == "CN" && segment < Segment::Upscale && !resort {
                        14
                    } else {
                        15
                    },
                    0,
                    0,
                )
                .unwrap_or_default(),
                check_out_time: NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default(),
                time_zone: city.tz,
                taxes: taxes_for(&city.country, stars.unwrap_or(2), resort, &market),
            },
            rooms,
            promotions: Vec::new(),
            demand: DemandProfile {
                southern_hemisphere: lat < 0.0,
                leisure: ctx.leisure.is_some()
                    || themes.intersects(
                        Themes::EMPTY
                            .with(Theme::Resort)
                            .with(Theme::Homestay)
                            .with(Theme::Beach)
                            .with(Theme::Ski),
                    ),
                chinese_holidays: matches!(city.country.as_str(), "CN" | "HK" | "MO" | "TW"),
            },
        };
        if rng.chance(0.3) {
            add_promotions(&mut rng, &mut listing, self.params.today);
        }
        let (name, address) = self.name_and_address(ctx, city, brand, b, kind, &area, &mut rng);
        listing.property.name = name;
        listing.property.address = address;
        listing
    }

    /// A position for the hotel, its area and the kind of landmark it stands by.
    fn place(
        &self,
        ctx: &CityContext,
        city: &HotelCity,
        rng: &mut Rng,
    ) -> (f64, f64, Area, Option<LandmarkKind>) {
        let by_landmark = !ctx.landmarks.is_empty() && rng.chance(0.45);
        let (from_lat, from_lon, d, landmark) = if by_landmark {
            let l = *rng.pick(&ctx.landmarks);
            let d = (0.15 + -(1.0 - rng.f()).ln() * 0.6).min(3.0);
            (self.landmarks[l].lat, self.landmarks[l].lon, d, Some(l))
        } else {
            let d = (-(1.0 - rng.f()).ln() * 0.45 * ctx.radius_km).min(2.2 * ctx.radius_km);
            (city.lat, city.lon, d, None)
        };
        let bearing = rng.f() * std::f64::consts::TAU;
        let lat = (from_lat + d / 111.195 * bearing.cos()).clamp(-89.9, 89.9);
        let coslat = lat.to_radians().cos().max(0.01);
        let mut lon = from_lon + d / (111.195 * coslat) * bearing.sin();
        if lon > 180.0 {
            lon -= 360.0;
        } else if lon < -180.0 {
            lon += 360.0;
        }
        let (lat, lon) = (round6(lat), round6(lon));
        // The nearest landmark within 2.5 km names the area.
        let near = landmark.or_else(|| {
            ctx.landmarks
                .iter()
                .map(|&i| {
                    let l = &self.landmarks[i];
                    (
                        wayfare_domain::flight::geo::great_circle_km(lat, lon, l.lat, l.lon),
                        i,
                    )
                })
                .filter(|(d, _)| *d <= 2.5)
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, i)| i)
        });
        if let Some(l) = near {
            return (lat, lon, Area::Landmark(l), Some(self.landmarks[l].kind));
        }
        let from_centre =
            wayfare_domain::flight::geo::great_circle_km(lat, lon, city.lat, city.lon);
        let cn = city.country == "CN";
        let quarter = (((bearing.to_degrees() + 45.0) % 360.0) / 90.0) as usize % 4;
        let area = if from_centre < 0.3 * ctx.radius_km {
            let list = if cn { CENTRE_CN } else { CENTRE_WORLD };
            Area::generic(list, rng.index(list.len()), if cn { 0 } else { 100 })
        } else if cn && from_centre > ctx.radius_km && rng.chance(0.5) {
            Area::generic(OUTER_CN, rng.index(OUTER_CN.len()), 200)
        } else if cn && rng.chance(0.5) {
            Area::Road(rng.index(ROADS_CN.len()))
        } else {
            let list = if cn { COMPASS_CN } else { COMPASS_WORLD };
            Area::generic(list, quarter, if cn { 300 } else { 400 })
        };
        (lat, lon, area, None)
    }

    #[allow(clippy::too_many_arguments)]
    fn name_and_address(
        &self,
        ctx: &mut CityContext,
        city: &HotelCity,
        brand: &HotelBrand,
        b: usize,
        kind: Kind,
        area: &Area,
        rng: &mut Rng,
    ) -> (LocalizedText, LocalizedText) {
        let city_zh = city
            .name_zh
            .as_deref()
            .map(|z| {
                z.strip_suffix('市')
                    .filter(|s| s.chars().count() >= 2)
                    .unwrap_or(z)
            })
            .unwrap_or(&city.name);
        let (area_en, area_zh) = match *area {
            Area::Landmark(i) => {
                let n = &self.landmarks[i].name;
                (
                    n.en.strip_prefix("The ").unwrap_or(&n.en),
                    if n.zh.is_empty() {
                        n.en.as_str()
                    } else {
                        &n.zh
                    },
                )
            }
            Area::Generic(en, zh, _) => (en, zh),
            Area::Road(i) => ROADS_CN[i],
        };
        let area_id = area.id();
        // "Shanghai" + "Shanghai Hongqiao Railway Station" is said once.
        let place_zh = if area_zh.starts_with(city_zh) {
            area_zh.to_owned()
        } else {
            format!("{city_zh}{area_zh}")
        };
        let place_en = if area_en.starts_with(city.name.as_str()) {
            area_en.to_owned()
        } else {
            format!("{} {area_en}", city.name)
        };
        let name = if kind == Kind::Chain {
            let key = (b as u32, u32::MAX, area_id);
            let n = bump(&mut ctx.names, key);
            chain_name(brand, &place_en, &place_zh, n)
        } else {
            let w = rng.0.below(NAME_WORDS.len() as u64) as usize;
            let (word_en, word_zh) = NAME_WORDS[w];
            let (suffix_en, suffix_zh) = independent_suffix(kind);
            let plain = bump(&mut ctx.names, (b as u32, w as u32, u32::MAX));
            if plain == 0 {
                LocalizedText::new(
                    format!("{word_en} {suffix_en} {}", city.name),
                    format!("{city_zh}{word_zh}{suffix_zh}"),
                )
            } else {
                let n = bump(&mut ctx.names, (b as u32, w as u32, area_id));
                let (num_en, num_zh) = if n == 0 {
                    (String::new(), String::new())
                } else {
                    (format!(" ({})", n + 1), format!("({})", n + 1))
                };
                LocalizedText::new(
                    format!("{word_en} {suffix_en} {place_en}{num_en}"),
                    format!("{place_zh}{word_zh}{suffix_zh}{num_zh}"),
                )
            }
        };
        let number = rng.range(1, 888);
        let address = if matches!(city.country.as_str(), "CN" | "HK" | "MO" | "TW") {
            let (road_en, road_zh) = match *area {
                Area::Road(i) => ROADS_CN[i],
                _ => *rng.pick(ROADS_CN),
            };
            let shi = if city.country == "CN" { "市" } else { "" };
            let (near_en, near_zh) = match *area {
                Area::Landmark(_) => (format!(" (near {area_en})"), format!("（近{area_zh}）")),
                _ => (String::new(), String::new()),
            };
            LocalizedText::new(
                format!("{number} {road_en}, {}{near_en}", city.name),
                format!("{city_zh}{shi}{road_zh}{number}号{near_zh}"),
            )
        } else {
            let (street_en, street_zh) = *rng.pick(STREETS_WORLD);
            let country_zh = &city.country_name.zh;
            let zh = if country_zh.is_empty() || city.name_zh.is_none() {
                String::new()
            } else {
                format!("{country_zh}{city_zh}{street_zh}{number}号")
            };
            LocalizedText::new(
                format!(
                    "{number} {street_en}, {}, {}",
                    city.name, city.country_name.en
                ),
                zh,
            )
        };
        (name, address)
    }
}

impl Iterator for HotelGenerator<'_> {
    type Item = HotelListing;

    fn next(&mut self) -> Option<HotelListing> {
        loop {
            let &(city, n) = self.plan.get(self.next)?;
            if self.k >= n {
                self.next += 1;
                self.k = 0;
                self.context = None;
                continue;
            }
            let mut ctx = match self.context.take() {
                Some(c) if c.city == city => c,
                _ => self.context(city),
            };
            let listing = self.hotel(&mut ctx, self.k);
            self.context = Some(ctx);
            self.k += 1;
            self.remaining -= 1;
            return Some(listing);
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for HotelGenerator<'_> {}

/// Where a hotel stands, for its name.
#[derive(Debug, Clone, Copy)]
enum Area {
    Landmark(usize),
    /// A generic area: names and an id distinct among generic areas.
    Generic(&'static str, &'static str, u32),
    /// One of [`ROADS_CN`].
    Road(usize),
}

impl Area {
    /// Distinct per area within a city, for telling same-named hotels apart.
    fn id(&self) -> u32 {
        match *self {
            Area::Landmark(i) => i as u32,
            Area::Generic(_, _, id) => 1_000_000 + id,
            Area::Road(i) => 2_000_000 + i as u32,
        }
    }

    /// Entry `i` of a generic list whose ids start at `base`.
    fn generic(list: &'static [(&'static str, &'static str)], i: usize, base: u32) -> Area {
        let (en, zh) = list[i % list.len()];
        Area::Generic(en, zh, base + i as u32)
    }
}

fn bump(names: &mut HashMap<(u32, u32, u32), u32>, key: (u32, u32, u32)) -> u32 {
    let n = names.entry(key).or_insert(0);
    let before = *n;
    *n += 1;
    before
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// "上海陆家嘴丽思卡尔顿酒店" / "The Ritz-Carlton Shanghai Lujiazui" from upscale up;
/// "汉庭酒店(上海人民广场店)" / "Hanting Hotel Shanghai People's Square" below, from the brand
/// and the place (city and area). The `n`-th (from 0) of one brand in one area gets a number
/// from the second on.
fn chain_name(brand: &HotelBrand, place_en: &str, place_zh: &str, n: u32) -> LocalizedText {
    let zh_brand = &brand.name.zh;
    let zh_suffix = if ["酒店", "饭店", "公寓", "旅舍"]
        .iter()
        .any(|s| zh_brand.ends_with(s))
    {
        ""
    } else {
        "酒店"
    };
    let num = if n == 0 {
        String::new()
    } else {
        (n + 1).to_string()
    };
    let short = short_brand(&brand.name.en);
    if brand.segment >= Segment::Upscale {
        let (en_num, zh_num) = if n == 0 {
            (String::new(), String::new())
        } else {
            (format!(" ({num})"), format!("({num})"))
        };
        LocalizedText::new(
            format!("{short} {place_en}{en_num}"),
            format!("{place_zh}{zh_brand}{zh_suffix}{zh_num}"),
        )
    } else {
        // "Vienna Hotels" and "Manxin Hotels & Resorts" name one hotel as "… Hotel".
        let en_brand = if short.len() < brand.name.en.len() {
            format!("{short} Hotel")
        } else {
            brand.name.en.clone()
        };
        let en_num = if n == 0 {
            String::new()
        } else {
            format!(" {num}")
        };
        LocalizedText::new(
            format!("{en_brand} {place_en}{en_num}"),
            format!("{zh_brand}{zh_suffix}({place_zh}{num}店)"),
        )
    }
}

/// "Conrad Hotels & Resorts" → "Conrad", "Marriott Hotels" → "Marriott".
fn short_brand(en: &str) -> &str {
    for suffix in [
        " Hotels & Resorts",
        " Hotels and Resorts",
        " Hotels",
        " Hotel",
    ] {
        if let Some(s) = en.strip_suffix(suffix) {
            return s;
        }
    }
    en
}

fn independent_suffix(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Boutique => ("Boutique Hotel", "精品酒店"),
        Kind::Budget => ("Inn", "快捷酒店"),
        Kind::Homestay => ("Guesthouse", "民宿"),
        Kind::Hostel => ("Hostel", "青年旅舍"),
        Kind::Luxury => ("Grand Hotel", "大酒店"),
        Kind::Resort => ("Resort", "度假酒店"),
        Kind::Business | Kind::Chain => ("Business Hotel", "商务酒店"),
    }
}

fn stars_for(brand: &HotelBrand, kind: Kind, rng: &mut Rng) -> Option<u8> {
    let u = rng.f();
    match kind {
        Kind::Chain => Some(brand.typical_stars),
        Kind::Boutique => Some(if u < 0.3 {
            3
        } else if u < 0.8 {
            4
        } else {
            5
        }),
        Kind::Budget => Some(if u < 0.3 { 1 } else { 2 }),
        Kind::Business => Some(if u < 0.8 { 3 } else { 4 }),
        Kind::Homestay => (u >= 0.7).then_some(if u < 0.9 { 2 } else { 3 }),
        Kind::Hostel => (u >= 0.5).then_some(1),
        Kind::Luxury => Some(5),
        Kind::Resort => Some(if u < 0.65 { 4 } else { 5 }),
    }
}

/// The segment an independent prices like.
fn price_segment(brand: &HotelBrand, kind: Kind, stars: Option<u8>) -> Segment {
    match (kind, stars) {
        (Kind::Chain, _) => brand.segment,
        (Kind::Boutique, Some(3)) => Segment::UpperMidscale,
        (Kind::Boutique, Some(5)) => Segment::UpperUpscale,
        (Kind::Boutique, _) => Segment::Upscale,
        (Kind::Business, Some(4)) => Segment::UpperMidscale,
        (Kind::Business, _) => Segment::Midscale,
        (Kind::Resort, Some(5)) => Segment::UpperUpscale,
        (Kind::Resort, _) => Segment::Upscale,
        (Kind::Luxury, _) => Segment::Luxury,
        (Kind::Budget | Kind::Homestay | Kind::Hostel, _) => Segment::Economy,
    }
}

fn amenities_for(
    rng: &mut Rng,
    kind: Kind,
    segment: Segment,
    resort: bool,
    beach: bool,
    leisure: Option<Leisure>,
) -> Amenities {
    use Amenity::*;
    let mut a = Amenities::EMPTY.with(Wifi);
    let mut maybe = |a: &mut Amenities, item: Amenity, p: f64| {
        if rng.chance(p) {
            a.insert(item);
        }
    };
    match kind {
        Kind::Hostel => {
            for item in [Laundry, LuggageStorage, FrontDesk24h, NonSmoking] {
                a.insert(item);
            }
            maybe(&mut a, Kitchen, 0.6);
            maybe(&mut a, Bar, 0.4);
            maybe(&mut a, AirConditioning, 0.8);
        }
        Kind::Homestay => {
            maybe(&mut a, Kitchen, 0.5);
            maybe(&mut a, Parking, 0.5);
            maybe(&mut a, PetFriendly, 0.25);
            maybe(&mut a, FamilyRooms, 0.5);
            maybe(&mut a, AirConditioning, 0.85);
            maybe(&mut a, LuggageStorage, 0.6);
            maybe(&mut a, NonSmoking, 0.7);
            if leisure == Some(Leisure::HotSpring) {
                maybe(&mut a, HotSpring, 0.4);
            }
        }
        _ => {
            let s = segment;
            let by = |econ: f64, mid: f64, upmid: f64, up: f64, upup: f64, lux: f64| match s {
                Segment::Economy => econ,
                Segment::Midscale => mid,
                Segment::UpperMidscale => upmid,
                Segment::Upscale => up,
                Segment::UpperUpscale => upup,
                Segment::Luxury => lux,
            };
            a.insert(FrontDesk24h);
            a.insert(LuggageStorage);
            maybe(&mut a, NonSmoking, 0.9);
            maybe(&mut a, AirConditioning, 0.95);
            maybe(&mut a, Elevator, by(0.7, 0.95, 1.0, 1.0, 1.0, 1.0));
            maybe(&mut a, Parking, by(0.6, 0.8, 0.85, 0.9, 0.9, 0.95));
            maybe(&mut a, Laundry, by(0.6, 0.8, 0.8, 0.85, 0.9, 0.95));
            maybe(&mut a, Restaurant, by(0.25, 0.6, 0.8, 1.0, 1.0, 1.0));
            maybe(&mut a, Bar, by(0.05, 0.15, 0.3, 0.85, 0.95, 1.0));
            maybe(&mut a, Gym, by(0.05, 0.3, 0.6, 0.95, 1.0, 1.0));
            maybe(&mut a, Pool, by(0.0, 0.05, 0.1, 0.45, 0.75, 0.85));
            maybe(&mut a, Spa, by(0.0, 0.0, 0.05, 0.15, 0.45, 0.85));
            maybe(&mut a, MeetingRooms, by(0.1, 0.4, 0.7, 0.85, 0.95, 0.9));
            maybe(&mut a, BusinessCentre, by(0.05, 0.2, 0.4, 0.7, 0.8, 0.8));
            maybe(&mut a, RoomService, by(0.0, 0.1, 0.3, 0.95, 1.0, 1.0));
            maybe(&mut a, AirportShuttle, by(0.1, 0.15, 0.2, 0.3, 0.3, 0.35));
            maybe(&mut a, Accessible, by(0.3, 0.5, 0.7, 0.9, 0.95, 0.95));
            maybe(&mut a, FamilyRooms, 0.35);
            maybe(&mut a, EvCharging, by(0.1, 0.2, 0.3, 0.45, 0.5, 0.6));
            maybe(&mut a, PetFriendly, 0.08);
            if resort {
                a.insert(Pool);
                a.insert(FamilyRooms);
                maybe(&mut a, Spa, 0.6);
                maybe(&mut a, KidsClub, 0.6);
                if beach {
                    a.insert(BeachAccess);
                }
            }
            if leisure == Some(Leisure::HotSpring) {
                maybe(&mut a, HotSpring, 0.5);
            }
        }
    }
    a
}

#[allow(clippy::too_many_arguments)]
fn themes_for(
    rng: &mut Rng,
    brand: &HotelBrand,
    kind: Kind,
    segment: Segment,
    amenities: Amenities,
    resort: bool,
    beach: bool,
    leisure: Option<Leisure>,
) -> Themes {
    let mut t = Themes::EMPTY;
    for theme in brand.themes.iter() {
        // A resort brand's city hotel is not a resort.
        if theme != Theme::Resort || resort {
            t.insert(theme);
        }
    }
    if resort {
        t.insert(Theme::Resort);
    }
    if segment == Segment::Luxury {
        t.insert(Theme::Luxury);
    }
    if segment == Segment::Economy && kind != Kind::Homestay {
        t.insert(Theme::Budget);
    }
    if beach && (resort || kind == Kind::Homestay) {
        t.insert(Theme::Beach);
    }
    if leisure == Some(Leisure::Ski) && rng.chance(0.4) {
        t.insert(Theme::Ski);
    }
    if amenities.contains(Amenity::Spa) && segment >= Segment::UpperUpscale {
        t.insert(Theme::Spa);
    }
    if amenities.contains(Amenity::FamilyRooms) && (resort || amenities.contains(Amenity::KidsClub))
    {
        t.insert(Theme::Family);
    }
    if matches!(kind, Kind::Boutique | Kind::Resort | Kind::Homestay) && rng.chance(0.3) {
        t.insert(Theme::Romantic);
    }
    t
}

fn reviews_for(rng: &mut Rng, set: RoomSet, segment: Segment, population: i64) -> Reviews {
    if matches!(set, RoomSet::Hostel | RoomSet::Homestay) && rng.chance(0.08) {
        return Reviews {
            score: None,
            count: 0,
        };
    }
    let mean = match set {
        RoomSet::Homestay => 9.0,
        RoomSet::Hostel => 8.5,
        _ => match segment {
            Segment::Economy => 8.3,
            Segment::Midscale => 8.6,
            Segment::UpperMidscale => 8.8,
            Segment::Upscale => 8.9,
            Segment::UpperUpscale => 9.0,
            Segment::Luxury => 9.3,
        },
    };
    let score = rng.normal(mean, 0.45).clamp(5.0, 10.0);
    let base = match set {
        RoomSet::Homestay => 60.0,
        RoomSet::Hostel => 250.0,
        _ => 500.0,
    } * (population.max(10_000) as f64 / 1_000_000.0).powf(0.3);
    let count = (base * rng.normal(0.0, 1.0).exp()).clamp(1.0, 60_000.0) as u32;
    Reviews {
        score: ReviewScore::from_score(score),
        count,
    }
}

fn taxes_for(country: &str, stars: u8, resort: bool, market: &Market) -> TaxesAndFees {
    let (bp, fee_local) = tax_rule(country, stars, resort);
    TaxesAndFees {
        percent_bp: bp,
        per_room_night: (fee_local > 0.0).then(|| {
            let minor = if market.currency == market.local {
                (fee_local * market.minor_per_unit as f64).round() as i64
            } else {
                market.minor_from_local(fee_local)
            };
            Money::from_minor(minor, market.currency)
        }),
    }
}

/// The hotel's rate plan rules: which plans every room gets and their terms.
struct PlanRules {
    breakfast: bool,
    pay_at_hotel: bool,
    member: Option<f64>,
    member_breakfast: bool,
    half_board: bool,
    flexible: CancellationPolicy,
    /// Breakfast per person, minor units.
    breakfast_minor: i64,
}

impl PlanRules {
    fn draw(
        rng: &mut Rng,
        kind: Kind,
        set: RoomSet,
        region: Region,
        resort: bool,
        breakfast: bool,
        breakfast_minor: i64,
    ) -> PlanRules {
        let nights = |n| CancellationCharge::Nights(n);
        let flexible = match (set, resort) {
            (RoomSet::Homestay, _) => {
                CancellationPolicy::free_until(72, CancellationCharge::Percent { permille: 500 })
            }
            (_, true) => CancellationPolicy::tiered(vec![
                CancellationTier {
                    hours_before: 7 * 24,
                    charge: nights(1),
                },
                CancellationTier {
                    hours_before: 48,
                    charge: CancellationCharge::Percent { permille: 500 },
                },
            ]),
            (RoomSet::Luxury, false) => CancellationPolicy::free_until(72, nights(1)),
            (RoomSet::Upscale, false) => CancellationPolicy::free_until(48, nights(1)),
            _ => CancellationPolicy::free_until(if rng.chance(0.7) { 24 } else { 48 }, nights(1)),
        }
        .unwrap_or_else(|_| CancellationPolicy::non_refundable());
        let chain = kind == Kind::Chain;
        let member_p = if chain { 0.7 } else { 0.1 };
        PlanRules {
            breakfast,
            pay_at_hotel: rng.chance(if region == Region::China { 0.55 } else { 0.3 }),
            member: rng
                .chance(member_p)
                .then(|| *rng.pick(&[0.90, 0.92, 0.93, 0.95])),
            member_breakfast: breakfast && rng.chance(0.5),
            half_board: resort && rng.chance(0.3),
            flexible,
            breakfast_minor,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn rooms_for(
    rng: &mut Rng,
    set: RoomSet,
    rules: &PlanRules,
    hotel_base_cny: f64,
    market: &Market,
    sea: bool,
    leisure: Option<Leisure>,
    heating: bool,
    big_city: bool,
) -> Vec<ListedRoom> {
    let templates = set.templates();
    let (lo, hi) = set.room_types();
    let n = (rng.range(lo, hi) as usize).min(templates.len());
    // The first template always; a random subset of the rest in order.
    let mut idx: [usize; 8] = [0, 1, 2, 3, 4, 5, 6, 7];
    let rest = templates.len() - 1;
    for i in 0..n - 1 {
        let j = i + rng.0.below((rest - i) as u64) as usize;
        idx.swap(1 + i, 1 + j);
    }
    let chosen = &mut idx[..n];
    chosen[1..].sort_unstable();
    let (rooms_lo, rooms_hi) = set.rooms();
    let total_rooms = rng.range(rooms_lo, rooms_hi) as f64;
    let shares = [0.4, 0.25, 0.15, 0.1, 0.1];
    let share_sum: f64 = shares[..n].iter().sum();
    let mut out = Vec::with_capacity(n);
    for (pos, &ti) in chosen.iter().enumerate() {
        let t = &templates[ti];
        let code = RoomTypeCode::parse(t.code).expect("room type codes are valid");
        let mut facilities = RoomFacilities::EMPTY;
        use RoomFacility::*;
        if t.dorm {
            facilities.insert(SharedBathroom);
        } else {
            facilities.insert(PrivateBathroom);
            facilities.insert(Tv);
            facilities.insert(Desk);
        }
        if set != RoomSet::Hostel || rng.chance(0.8) {
            facilities.insert(AirConditioning);
        }
        if set != RoomSet::Economy || rng.chance(0.85) {
            facilities.insert(Window);
        }
        if heating {
            facilities.insert(Heating);
        }
        if matches!(set, RoomSet::Upscale | RoomSet::Luxury) {
            facilities.insert(Minibar);
            facilities.insert(Safe);
            if set == RoomSet::Luxury || t.suite {
                facilities.insert(Bathtub);
                facilities.insert(CoffeeMachine);
            }
            if big_city && !sea {
                facilities.insert(CityView);
            }
        }
        if set == RoomSet::Mid && rng.chance(0.5) {
            facilities.insert(Soundproof);
        }
        if set == RoomSet::Homestay && rng.chance(0.5) {
            facilities.insert(Kitchenette);
        }
        if t.cap.0 >= 3 && set != RoomSet::Hostel {
            facilities.insert(ConnectingRooms);
        }
        let sea_view = sea && pos > 0;
        if sea_view {
            facilities.insert(SeaView);
            facilities.insert(Balcony);
        }
        if matches!(leisure, Some(Leisure::Ski | Leisure::Scenic)) && pos > 0 && rng.chance(0.5) {
            facilities.insert(MountainView);
        }
        let name = if sea_view {
            LocalizedText::new(format!("Sea View {}", t.en), format!("海景{}", t.zh))
        } else {
            LocalizedText::new(t.en, t.zh)
        };
        let size_m2 = (t.size > 0.0).then(|| {
            (set.size_m2() * t.size * (0.9 + 0.2 * rng.f()))
                .round()
                .clamp(6.0, 400.0) as u16
        });
        let allotment =
            (total_rooms * shares[pos] / share_sum * if t.dorm { 6.0 } else { 1.0 }).round();
        let allotment = allotment.clamp(2.0, 60.0) as u16;
        let price_factor = t.price * if sea_view { 1.12 } else { 1.0 };
        let base = market.minor_from_cny(hotel_base_cny * price_factor);
        let guests = i64::from(t.cap.0.min(2));
        let plans = plans_for(code, t.dorm, rules, base, guests, market);
        out.push(ListedRoom {
            room: RoomType {
                code,
                name,
                capacity: RoomCapacity {
                    max_adults: t.cap.0,
                    max_children: t.cap.1,
                    max_occupancy: t.cap.2,
                    max_infants: t.cap.3,
                },
                beds: t
                    .beds
                    .iter()
                    .map(|&(kind, count)| Bed { kind, count })
                    .collect(),
                size_m2,
                facilities,
            },
            allotment,
            plans,
        });
    }
    out
}

fn plan_code(room: RoomTypeCode, kind: PlanKind) -> RatePlanCode {
    let mut buf = [0u8; 64];
    let (r, s) = (room.as_str().as_bytes(), kind.suffix().as_bytes());
    buf[..r.len()].copy_from_slice(r);
    buf[r.len()] = b'_';
    buf[r.len() + 1..r.len() + 1 + s.len()].copy_from_slice(s);
    let code = std::str::from_utf8(&buf[..r.len() + 1 + s.len()]).unwrap_or("");
    RatePlanCode::parse(code).expect("rate plan codes are valid")
}

fn plans_for(
    room: RoomTypeCode,
    dorm: bool,
    rules: &PlanRules,
    base: i64,
    guests: i64,
    market: &Market,
) -> Vec<ListedPlan> {
    let step = (market.step as i64 * market.minor_per_unit).max(1);
    let round = |minor: f64| ((minor / step as f64).round().max(1.0) as i64) * step;
    let breakfast = rules.breakfast_minor * guests;
    let mut plans = Vec::with_capacity(6);
    let mut push = |kind: PlanKind, board: Board, payment: Payment, price: i64| {
        let (en, zh) = plan_name(kind, board);
        plans.push(ListedPlan {
            plan: RatePlan {
                code: plan_code(room, kind),
                room_type: room,
                name: LocalizedText::new(en, zh),
                board,
                payment,
                member_only: kind == PlanKind::Member,
                cancellation: if kind == PlanKind::NonRefundable {
                    CancellationPolicy::non_refundable()
                } else {
                    rules.flexible.clone()
                },
                currency: market.currency,
                promotions: Vec::new(),
            },
            base_nightly_minor: price,
        });
    };
    push(
        PlanKind::NonRefundable,
        Board::RoomOnly,
        Payment::PayNow,
        round(base as f64 * 0.9),
    );
    push(PlanKind::Flexible, Board::RoomOnly, Payment::PayNow, base);
    if rules.breakfast && !dorm {
        push(
            PlanKind::Breakfast,
            Board::Breakfast,
            Payment::PayNow,
            base + breakfast,
        );
    }
    if rules.pay_at_hotel && !dorm {
        push(
            PlanKind::PayAtHotel,
            Board::RoomOnly,
            Payment::PayAtHotel,
            base,
        );
    }
    if let Some(f) = rules.member {
        let (board, add) = if rules.member_breakfast && !dorm {
            (Board::Breakfast, breakfast)
        } else {
            (Board::RoomOnly, 0)
        };
        push(
            PlanKind::Member,
            board,
            Payment::PayNow,
            round((base + add) as f64 * f),
        );
    }
    if rules.half_board && !dorm {
        push(
            PlanKind::HalfBoard,
            Board::HalfBoard,
            Payment::PayNow,
            base + breakfast * 3,
        );
    }
    plans
}

fn add_promotions(rng: &mut Rng, listing: &mut HotelListing, today: NaiveDate) {
    let days = |n: u32| today + Duration::days(i64::from(n));
    let mut kinds = [0u8, 1, 2, 3];
    // Two promotions on a third of them, of different kinds.
    let n = if rng.chance(0.33) { 2 } else { 1 };
    for i in 0..n {
        let j = i + rng.0.below((kinds.len() - i) as u64) as usize;
        kinds.swap(i, j);
    }
    for &k in &kinds[..n] {
        let (code, kind, attach): (&str, PromotionKind, fn(&RatePlan) -> bool) = match k {
            0 => (
                "sale",
                PromotionKind::PercentOff {
                    permille: *rng.pick(&[100, 150, 200, 250]),
                },
                |p| !p.member_only,
            ),
            1 => (
                "early_bird",
                PromotionKind::EarlyBird {
                    min_days_before: *rng.pick(&[14, 21, 30, 45, 60]),
                    permille: *rng.pick(&[100, 150, 200]),
                },
                |p| !p.cancellation.is_refundable(),
            ),
            2 => (
                "last_minute",
                PromotionKind::LastMinute {
                    max_days_before: *rng.pick(&[0, 1, 2, 3]),
                    permille: *rng.pick(&[100, 150, 200]),
                },
                |p| p.cancellation.is_refundable() && !p.member_only,
            ),
            _ => (
                "stay3pay2",
                PromotionKind::StayPay {
                    stay_nights: 3,
                    pay_nights: 2,
                },
                |p| p.cancellation.is_refundable() && p.payment == Payment::PayNow,
            ),
        };
        let code = PromotionCode::parse(code).expect("promotion codes are valid");
        let Ok(mut promo) = Promotion::new(code, kind) else {
            continue;
        };
        match k {
            0 => {
                if let (Some(b), Some(s)) = (
                    DateWindow::new(today, days(rng.range(14, 56))),
                    DateWindow::new(today, days(rng.range(30, 150))),
                ) {
                    promo = promo.with_booking_window(b).with_stay_window(s);
                }
            }
            3 => {
                promo = promo.with_min_nights(3);
                if let Some(s) = DateWindow::new(today, days(rng.range(60, 180))) {
                    promo = promo.with_stay_window(s);
                }
            }
            _ => {}
        }
        let mut attached = false;
        for room in &mut listing.rooms {
            for lp in &mut room.plans {
                if attach(&lp.plan) {
                    lp.plan.promotions.push(code);
                    attached = true;
                }
            }
        }
        if attached {
            listing.promotions.push(promo);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wayfare_domain::hotel::{OccupancyRules, RoomRequest};

    /// Splits one CSV line (RFC 4180 quotes, no embedded newlines).
    fn fields(line: &str) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    chars.next();
                    out.last_mut().unwrap().push('"');
                }
                ('"', _) => quoted = !quoted,
                (',', false) => out.push(String::new()),
                _ => out.last_mut().unwrap().push(c),
            }
        }
        out
    }

    fn reference_cities() -> Vec<City> {
        let text = include_str!("../../../../data/reference/cities.csv");
        text.lines()
            .skip(1)
            .map(|l| {
                let f = fields(l);
                City {
                    geonameid: f[0].parse().unwrap(),
                    name: f[1].clone(),
                    name_zh: Some(f[2].clone()).filter(|s| !s.is_empty()),
                    country: f[3].clone(),
                    admin1: Some(f[4].clone()),
                    lat: f[5].parse().unwrap(),
                    lon: f[6].parse().unwrap(),
                    population: f[7].parse().unwrap(),
                    tz: f[8].clone(),
                }
            })
            .collect()
    }

    fn inputs() -> HotelInputs {
        HotelInputs::from_reference(&reference_cities(), &HotelReferenceData::load().unwrap())
    }

    fn params(count: u32) -> HotelParams {
        HotelParams {
            count,
            seed: 7,
            today: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
            currency: None,
        }
    }

    fn run(i: &HotelInputs, count: u32) -> Vec<HotelListing> {
        generate_hotels(&i.cities, &i.brands, &i.landmarks, &params(count))
    }

    const SHANGHAI: i64 = 1796236;
    const BEIJING: i64 = 1816670;

    #[test]
    fn inputs_cover_the_reference_data() {
        let i = inputs();
        assert!(i.cities.len() > 13_000, "{}", i.cities.len());
        assert_eq!(i.brands.len(), 105);
        assert!(i.landmarks.len() > 670);
        let sh = i.cities.iter().find(|c| c.geonameid == SHANGHAI).unwrap();
        assert_eq!(sh.name_zh.as_deref(), Some("上海"));
        assert_eq!(sh.country_name.zh, "中国");
        let ritz = i
            .brands
            .iter()
            .find(|b| b.brand.as_str() == "ritz_carlton")
            .unwrap();
        assert!(ritz.regions.is_empty() && ritz.segment == Segment::Luxury);
        let hanting = i
            .brands
            .iter()
            .find(|b| b.brand.as_str() == "hanting")
            .unwrap();
        assert_eq!(hanting.regions, vec![Region::China]);
        for (id, _) in LEISURE_CITIES {
            assert!(
                i.cities.iter().any(|c| c.geonameid == *id),
                "leisure city {id} is not in cities.csv"
            );
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_hotels() {
        let i = inputs();
        let a = run(&i, 2_000);
        let b = run(&i, 2_000);
        assert_eq!(a.len(), 2_000);
        assert_eq!(a, b);
        let mut other = params(2_000);
        other.seed = 8;
        let c = generate_hotels(&i.cities, &i.brands, &i.landmarks, &other);
        assert_ne!(a, c);
        // Ids are unique and ascending.
        assert!(a.windows(2).all(|w| w[0].property.id < w[1].property.id));
    }

    #[test]
    fn a_city_s_kth_hotel_does_not_depend_on_the_count() {
        let i = inputs();
        let small = run(&i, 3_000);
        let big = run(&i, 9_000);
        let by_id: HashMap<PropertyId, &HotelListing> =
            big.iter().map(|l| (l.property.id, l)).collect();
        let mut same = 0;
        for l in &small {
            if let Some(b) = by_id.get(&l.property.id) {
                assert_eq!(*b, l);
                same += 1;
            }
        }
        assert!(same > 2_500, "{same}");
    }

    #[test]
    fn hotels_follow_population_and_reach_every_big_chinese_city() {
        let i = inputs();
        let hotels = run(&i, 3_000);
        let mut per_city: HashMap<i64, Vec<&HotelListing>> = HashMap::new();
        for h in &hotels {
            per_city.entry(h.property.city_id).or_default().push(h);
        }
        for c in &i.cities {
            if c.country == "CN" && c.population >= 1_000_000 {
                assert!(
                    per_city.contains_key(&c.geonameid),
                    "{} has no hotel",
                    c.name
                );
            }
        }
        let sh = &per_city[&SHANGHAI];
        assert!(sh.len() >= 40, "Shanghai has {}", sh.len());
        assert!(per_city[&BEIJING].len() >= 30);
        let chains: HashSet<&str> = sh
            .iter()
            .filter_map(|h| h.property.chain.as_ref().map(|c| c.as_str()))
            .collect();
        for chain in ["marriott", "huazhu"] {
            assert!(chains.contains(chain), "Shanghai lacks {chain}: {chains:?}");
        }
        assert!(
            sh.iter().any(|h| h.property.chain.is_none()),
            "independents"
        );
        // Chinese brands stay (mostly) in China.
        let abroad_cn_brands = hotels
            .iter()
            .filter(|h| {
                !matches!(
                    i.cities
                        .iter()
                        .find(|c| c.geonameid == h.property.city_id)
                        .unwrap()
                        .country
                        .as_str(),
                    "CN" | "HK" | "MO" | "TW"
                ) && h
                    .property
                    .chain
                    .is_some_and(|c| ["atour", "btg_homeinns"].contains(&c.as_str()))
            })
            .count();
        assert_eq!(abroad_cn_brands, 0);
        // The world's destinations are there.
        for (name, id) in [
            ("Paris", 2988507),
            ("Tokyo", 1850147),
            ("New York", 5128581),
        ] {
            assert!(
                per_city.get(&id).is_some_and(|v| v.len() >= 5),
                "{name} has {:?}",
                per_city.get(&id).map(Vec::len)
            );
        }
        // Near their city.
        for h in &hotels {
            let c = i
                .cities
                .iter()
                .find(|c| c.geonameid == h.property.city_id)
                .unwrap();
            let d = h
                .property
                .location
                .distance_km(GeoPoint::new(c.lat, c.lon).unwrap());
            assert!(d < 90.0, "{} is {d} km from {}", h.property.name.en, c.name);
        }
    }

    #[test]
    fn every_listing_is_bookable_and_consistent() {
        let i = inputs();
        let hotels = run(&i, 5_000);
        let two = RoomRequest::new(2, vec![]).unwrap();
        let rules = OccupancyRules::default();
        let mut deals = 0;
        let mut currencies = HashSet::new();
        for h in &hotels {
            let p = &h.property;
            let what = format!("{} {}", p.id, p.name.en);
            assert!(!p.name.en.is_empty() && !p.name.zh.is_empty(), "{what}");
            assert!(!p.address.en.is_empty(), "{what}");
            assert!((2..=5).contains(&h.rooms.len()), "{what}");
            assert!(
                h.rooms
                    .iter()
                    .any(|r| r.room.capacity.holds_request(&two, &rules)),
                "{what}: no room for two"
            );
            let mut codes = HashSet::new();
            for r in &h.rooms {
                assert!((2..=60).contains(&r.allotment), "{what}");
                assert!((1..=4).contains(&r.room.capacity.max_adults), "{what}");
                assert!(r.room.bed_places() >= r.room.capacity.max_adults, "{what}");
                assert!(!r.plans.is_empty());
                for lp in &r.plans {
                    assert!(lp.base_nightly_minor > 0, "{what}");
                    assert_eq!(lp.plan.room_type, r.room.code);
                    assert!(codes.insert(lp.plan.code), "{what}: duplicate plan code");
                    currencies.insert(lp.plan.currency);
                    for code in &lp.plan.promotions {
                        assert!(h.promotions.iter().any(|pr| pr.code() == *code));
                    }
                    // Tiers are valid: rebuilding them gives the same policy.
                    if lp.plan.cancellation.is_refundable() {
                        assert_eq!(
                            CancellationPolicy::tiered(lp.plan.cancellation.tiers().to_vec())
                                .unwrap(),
                            lp.plan.cancellation
                        );
                    }
                }
                let nr = &r.plans[0];
                let flex = &r.plans[1];
                assert!(!nr.plan.cancellation.is_refundable());
                assert!(flex.plan.cancellation.is_refundable());
                assert!(nr.base_nightly_minor <= flex.base_nightly_minor, "{what}");
                if let Some(m) = r.plans.iter().find(|p| p.plan.member_only)
                    && m.plan.board == Board::RoomOnly
                {
                    assert!(m.base_nightly_minor < flex.base_nightly_minor, "{what}");
                }
            }
            if let Some(fee) = p.taxes.per_room_night {
                assert_eq!(fee.currency(), h.rooms[0].plans[0].plan.currency);
                assert!(fee.minor() > 0);
            }
            deals += usize::from(!h.promotions.is_empty());
            let cn = matches!(
                i.cities
                    .iter()
                    .find(|c| c.geonameid == p.city_id)
                    .unwrap()
                    .country
                    .as_str(),
                "CN" | "HK" | "MO" | "TW"
            );
            assert_eq!(h.demand.chinese_holidays, cn);
            assert_eq!(h.demand.southern_hemisphere, p.location.lat() < 0.0);
        }
        let share = deals as f64 / hotels.len() as f64;
        assert!((0.25..0.35).contains(&share), "{share}");
        for c in ["CNY", "USD", "EUR", "JPY", "GBP"] {
            assert!(currencies.contains(&Currency::parse(c).unwrap()), "{c}");
        }
    }

    #[test]
    fn names_prices_and_taxes_look_like_the_market() {
        let i = inputs();
        let hotels = run(&i, 20_000);
        let in_city = |id: i64| hotels.iter().filter(move |h| h.property.city_id == id);
        // Luxury is dearer than economy in Shanghai; Shanghai prices in CNY with 6 % tax.
        let flex = |h: &HotelListing| h.rooms[0].plans[1].base_nightly_minor;
        let avg = |seg: &[&str]| {
            let v: Vec<i64> = in_city(SHANGHAI)
                .filter(|h| h.property.brand.is_some_and(|b| seg.contains(&b.as_str())))
                .map(flex)
                .collect();
            assert!(!v.is_empty(), "{seg:?}");
            v.iter().sum::<i64>() / v.len() as i64
        };
        let economy = avg(&["hanting", "home_inn", "jinjiang_inn", "7days", "hi_inn"]);
        let luxury = avg(&[
            "ritz_carlton",
            "jw_marriott",
            "park_hyatt",
            "shangri_la",
            "intercontinental",
            "conrad",
            "st_regis",
            "kerry",
            "sofitel",
            "w_hotels",
        ]);
        assert!(luxury > economy * 4, "{luxury} vs {economy}");
        assert!((15_000..40_000).contains(&economy), "{economy}");
        for h in in_city(SHANGHAI) {
            assert_eq!(h.rooms[0].plans[0].plan.currency, Currency::CNY);
            assert_eq!(h.property.taxes.percent_bp, 600);
            assert_eq!(h.property.time_zone, chrono_tz::Asia::Shanghai);
        }
        let ritz = in_city(SHANGHAI).chain(in_city(BEIJING)).find(|h| {
            h.property
                .brand
                .is_some_and(|b| b.as_str() == "ritz_carlton")
        });
        if let Some(r) = ritz {
            assert!(
                r.property.name.zh.ends_with("丽思卡尔顿酒店"),
                "{}",
                r.property.name.zh
            );
            assert!(r.property.name.en.starts_with("The Ritz-Carlton "));
        }
        let hanting = in_city(SHANGHAI)
            .find(|h| h.property.brand.is_some_and(|b| b.as_str() == "hanting"))
            .unwrap();
        assert!(
            hanting.property.name.zh.starts_with("汉庭酒店(上海"),
            "{}",
            hanting.property.name.zh
        );
        assert!(
            hanting
                .property
                .name
                .en
                .starts_with("Hanting Hotel Shanghai ")
        );
        // Tokyo prices in yen, in hundreds, with the accommodation tax.
        let tokyo = in_city(1850147).next().unwrap();
        let p = tokyo.rooms[0].plans[1].base_nightly_minor;
        assert_eq!(tokyo.rooms[0].plans[1].plan.currency, Currency::JPY);
        assert_eq!(p % 100, 0);
        assert!(tokyo.property.taxes.per_room_night == Some(Money::from_minor(200, Currency::JPY)));
        // Names in one city are mostly distinct.
        let names: HashSet<&str> = in_city(SHANGHAI)
            .map(|h| h.property.name.zh.as_str())
            .collect();
        assert_eq!(names.len(), in_city(SHANGHAI).count());
        // Resorts at the beach in Sanya.
        assert!(
            in_city(1796556).any(|h| h.property.themes.contains(Theme::Resort)
                && h.property.amenities.contains(Amenity::BeachAccess))
        );
        // Hostels are cheap, homestays exist.
        assert!(
            hotels
                .iter()
                .any(|h| h.property.themes.contains(Theme::Homestay))
        );
        let hostel = hotels
            .iter()
            .find(|h| h.property.themes.contains(Theme::Hostel) && h.property.city_id == BEIJING);
        if let Some(h) = hostel {
            let dorm = h
                .rooms
                .iter()
                .flat_map(|r| &r.plans)
                .map(|p| p.base_nightly_minor)
                .min();
            assert!(dorm.unwrap() < 15_000);
        }
    }

    #[test]
    fn a_forced_currency_prices_everything_in_it() {
        let i = inputs();
        let mut p = params(500);
        p.currency = Some(Currency::CNY);
        for h in generate_hotels(&i.cities, &i.brands, &i.landmarks, &p) {
            for r in &h.rooms {
                assert!(r.plans.iter().all(|lp| lp.plan.currency == Currency::CNY));
            }
            if let Some(f) = h.property.taxes.per_room_night {
                assert_eq!(f.currency(), Currency::CNY);
            }
        }
    }

    #[test]
    fn tiny_and_empty_inputs() {
        let i = inputs();
        assert_eq!(run(&i, 10).len(), 10);
        assert_eq!(run(&i, 0).len(), 0);
        assert!(generate_hotels(&i.cities, &[], &i.landmarks, &params(10)).is_empty());
        assert!(generate_hotels(&[], &i.brands, &i.landmarks, &params(10)).is_empty());
    }

    /// Speed sanity (not a timing test): 50,000 hotels generate without trouble even in a
    /// debug build; release does a million in seconds (see the seed command).
    #[test]
    fn fifty_thousand_hotels() {
        let i = inputs();
        let g = HotelGenerator::new(&i.cities, &i.brands, &i.landmarks, &params(50_000));
        assert_eq!(g.len(), 50_000);
        let per_city = g.hotels_per_city();
        assert!(per_city[&SHANGHAI] > 700, "{}", per_city[&SHANGHAI]);
        assert_eq!(g.map(|h| h.rooms.len()).filter(|n| *n >= 2).count(), 50_000);
    }
}
