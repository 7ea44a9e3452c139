//! The network generator: hubs and spokes over real airports, real carriers from their hubs,
//! frequencies by a gravity model, times, aircraft and flight numbers. See the module doc of
//! [`crate::builtin`] for the model. Pure and deterministic: everything random comes from
//! [`SplitMix64`] seeded with [`NetworkParams::seed`] and the route's identity.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime};
use wayfare_domain::flight::codes::{AirlineCode, AirportCode};
use wayfare_domain::flight::geo::great_circle_km;
use wayfare_domain::flight::schedule::{DaysOfWeek, SchedulePattern};

use super::aircraft::{self, AircraftType, BodyClass, RouteDemand};

/// An airport the generator may use.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkAirport {
    pub code: AirportCode,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub lat: f64,
    pub lon: f64,
    /// Population of the city the airport serves; 0 if unknown (never chosen as a spoke).
    pub city_population: i64,
}

/// An airline the generator may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkAirline {
    pub code: AirlineCode,
    /// English country name as in `data/reference/airlines.csv`, e.g. `China`.
    pub country_name: String,
    /// `Star Alliance`, `oneworld`, `SkyTeam`.
    pub alliance: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkParams {
    /// Target average number of dated departures per day (codeshare duplicates not counted).
    pub flights_per_day: u32,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub seed: u64,
}

/// A hub and the carriers based there, in order of size there.
#[derive(Debug, Clone, Copy)]
pub struct HubDef {
    pub airport: &'static str,
    pub carriers: &'static [&'static str],
    /// A global hub: its carriers fly long-haul to anywhere in range. Secondary hubs fly
    /// domestic and regional international routes, and long-haul only to major hubs.
    pub major: bool,
}

const fn major(airport: &'static str, carriers: &'static [&'static str]) -> HubDef {
    HubDef {
        airport,
        carriers,
        major: true,
    }
}

const fn secondary(airport: &'static str, carriers: &'static [&'static str]) -> HubDef {
    HubDef {
        airport,
        carriers,
        major: false,
    }
}

/// Hubs and their home carriers. A carrier is used at a hub only when it is in the airline
/// input and its country is the hub's country (so `8L`, which the reference data records as a
/// cargo airline of the United Arab Emirates, is not used at KMG).
pub const HUBS: &[HubDef] = &[
    major("PEK", &["CA", "HU"]),
    major("PKX", &["MU", "CZ"]),
    major("PVG", &["MU", "FM"]),
    major("SHA", &["MU", "FM"]),
    major("CAN", &["CZ"]),
    major("SZX", &["ZH", "CZ"]),
    major("CTU", &["3U", "CA"]),
    major("KMG", &["MU", "8L"]),
    major("XIY", &["MU"]),
    major("HKG", &["CX"]),
    major("TPE", &["CI", "BR"]),
    major("NRT", &["JL", "NH"]),
    major("HND", &["NH", "JL"]),
    major("ICN", &["KE", "OZ"]),
    major("SIN", &["SQ"]),
    major("BKK", &["TG"]),
    major("KUL", &["MH"]),
    major("DXB", &["EK"]),
    major("DOH", &["QR"]),
    major("IST", &["TK"]),
    major("LHR", &["BA", "VS"]),
    major("CDG", &["AF"]),
    major("FRA", &["LH"]),
    major("AMS", &["KL"]),
    major("MAD", &["IB"]),
    major("JFK", &["AA", "DL", "B6"]),
    major("LAX", &["AA", "DL", "UA"]),
    major("SFO", &["UA"]),
    major("ORD", &["UA", "AA"]),
    major("YVR", &["AC"]),
    major("SYD", &["QF", "VA"]),
    major("MEL", &["QF", "VA"]),
    // China
    secondary("CKG", &["CA", "3U"]),
    secondary("HGH", &["CA", "MF"]),
    secondary("XMN", &["MF"]),
    secondary("WUH", &["MU", "CZ"]),
    secondary("NKG", &["MU"]),
    secondary("HAK", &["HU"]),
    secondary("TAO", &["SC"]),
    secondary("URC", &["CZ"]),
    // Rest of Asia
    secondary("KIX", &["NH", "JL"]),
    secondary("DEL", &["AI", "6E"]),
    secondary("BOM", &["AI", "6E"]),
    secondary("CGK", &["GA"]),
    secondary("MNL", &["PR"]),
    secondary("SGN", &["VN"]),
    secondary("HAN", &["VN"]),
    // Middle East and Africa
    secondary("AUH", &["EY"]),
    secondary("JED", &["SV"]),
    secondary("RUH", &["SV"]),
    secondary("CAI", &["MS"]),
    secondary("ADD", &["ET"]),
    secondary("JNB", &["SA"]),
    secondary("NBO", &["KQ"]),
    // Europe
    secondary("MUC", &["LH"]),
    secondary("ZRH", &["LX"]),
    secondary("HEL", &["AY"]),
    secondary("VIE", &["OS"]),
    secondary("ARN", &["SK"]),
    secondary("LIS", &["TP"]),
    secondary("DUB", &["EI"]),
    secondary("WAW", &["LO"]),
    secondary("BRU", &["SN"]),
    // Americas and Oceania
    secondary("ATL", &["DL"]),
    secondary("DFW", &["AA"]),
    secondary("DEN", &["UA"]),
    secondary("SEA", &["AS", "DL"]),
    secondary("MIA", &["AA"]),
    secondary("EWR", &["UA"]),
    secondary("IAH", &["UA"]),
    secondary("BOS", &["B6"]),
    secondary("YYZ", &["AC"]),
    secondary("YUL", &["AC"]),
    secondary("MEX", &["AM"]),
    secondary("GRU", &["JJ"]),
    secondary("BOG", &["AV"]),
    secondary("PTY", &["CM"]),
    secondary("EZE", &["AR"]),
    secondary("AKL", &["NZ"]),
    secondary("BNE", &["QF", "VA"]),
];

/// Hubs whose traffic is mostly passengers changing planes, far beyond what their city
/// generates, and how much more traffic they have than their size says.
const CONNECTING_HUBS: &[(&str, f64)] = &[
    ("DXB", 2.5),
    ("DOH", 2.5),
    ("AUH", 2.0),
    ("ADD", 1.5),
    ("IST", 1.3),
    ("SIN", 1.3),
    ("AMS", 1.2),
    ("FRA", 1.2),
];

/// Hubs whose international flights are regional only (Shanghai's long-haul is at Pudong).
const REGIONAL_INTERNATIONAL: &[(&str, f64)] = &[("SHA", 3_000.0)];

/// Carriers that only fly long-haul, and the shortest route they fly.
const LONG_HAUL_ONLY: &[(&str, f64)] = &[("VS", 3_000.0)];

/// The main airport of multi-airport cities, preferred when several airports of one city
/// could be a spoke (the others, within [`SPOKE_SEPARATION_KM`], are skipped).
const PRIMARY_AIRPORTS: &[&str] = &[
    "ADA", "ADB", "AMM", "ARN", "ATH", "ATL", "AUH", "AUS", "BDO", "BER", "BKK", "BOM", "BRU",
    "BWI", "CDG", "CGK", "CMB", "CMH", "CNF", "COS", "CPH", "CTS", "CTU", "CWB", "DEN", "DFW",
    "DSS", "DTW", "DUR", "DXB", "ELP", "ESB", "EWR", "EZE", "FAT", "FCO", "FNA", "GIG", "GLA",
    "GOT", "GRU", "GYD", "HAM", "HAV", "HND", "HYD", "IAD", "IAH", "ICN", "IKA", "INC", "IST",
    "JAX", "JFK", "JNB", "JRO", "KBP", "KHN", "KIX", "KNO", "LAD", "LAS", "LAX", "LHR", "LYS",
    "MAD", "MAN", "MAO", "MCI", "MDE", "MEL", "MEX", "MIA", "MJI", "MKE", "MSP", "MXP", "NBO",
    "NGO", "NSI", "OKC", "OMA", "ORD", "OTP", "PDX", "PEK", "PER", "PHL", "PHX", "POA", "PTY",
    "PVG", "RMQ", "ROB", "ROV", "RUH", "SAL", "SAN", "SAT", "SDF", "SEA", "SJC", "SMF", "SVO",
    "SYD", "TPA", "TPE", "TUL", "TUS", "UBN", "UDI", "ULV", "VCP", "VVI", "WAW", "YEI", "YOW",
    "YVR", "YYZ",
];

/// Military and general-aviation fields that the reference data links to a populous city and
/// that would otherwise be picked as spokes of a large network. The input has no "scheduled
/// service" flag; callers that can tell should leave such airports out.
const NO_SCHEDULED_SERVICE: &[&str] = &[
    "BKA", "CKL", "HMY", "ISL", "JAM", "KLD", "KYE", "NAY", "NTU", "OCN", "OSF", "PQE", "SGI",
    "SNS", "SPM", "VTM", "WJF",
];

/// Shortest route flown.
pub const MIN_ROUTE_KM: f64 = 150.0;
/// Two spoke candidates closer than this are one market; only the first is used.
const SPOKE_SEPARATION_KM: f64 = 80.0;
/// Spokes used: `SPOKE_FACTOR * flights_per_day ^ SPOKE_EXP`.
const SPOKE_FACTOR: f64 = 1.5;
const SPOKE_EXP: f64 = 0.6;
/// Carrier-routes used: `ROUTE_BUDGET_FACTOR * flights_per_day ^ ROUTE_BUDGET_EXP`.
const ROUTE_BUDGET_FACTOR: f64 = 3.0;
const ROUTE_BUDGET_EXP: f64 = 0.7;
/// Gravity: weight_a * weight_b / (distance / 1000 km) ^ exponent (smaller for long-haul),
/// then raised to SCORE_EXP (< 1 evens out the busiest and the thinnest routes).
const GRAVITY_DISTANCE_EXP: f64 = 0.7;
const LONG_HAUL_DISTANCE_EXP: f64 = 0.3;
const SCORE_EXP: f64 = 0.6;
/// Routes shorter than this lose traffic to the ground.
const SHORT_HAUL_KM: f64 = 600.0;
/// Routes this long are long-haul: they get [`LONG_HAUL_SHARE`] of the departures and
/// [`LONG_HAUL_ROUTE_SHARE`] of the route budget.
const LONG_HAUL_KM: f64 = 4_000.0;
const LONG_HAUL_SHARE: f64 = 0.12;
const LONG_HAUL_ROUTE_SHARE: f64 = 0.3;
/// Even a small network has this many long-haul routes (if the target allows one weekly
/// frequency each), a few flights a week each rather than a few daily ones.
const LONG_HAUL_MIN_ROUTES: f64 = 200.0;
/// Gravity weight of a hub on top of half its city's: connecting traffic.
const MAJOR_HUB_WEIGHT: f64 = 25.0;
const SECONDARY_HUB_WEIGHT: f64 = 8.0;
/// Traffic a hub generates, relative: a base plus this much per unit of city weight.
const MAJOR_HUB_TRAFFIC: f64 = 1.0;
const SECONDARY_HUB_TRAFFIC: f64 = 0.35;
const HUB_TRAFFIC_PER_WEIGHT: f64 = 0.04;
/// How a hub's traffic grows with its market: 0 = not at all, 1 = plain gravity.
const MARKET_EXP: f64 = 0.5;
/// A secondary hub's long-haul traffic relative to a major hub's of the same size.
const SECONDARY_HUB_LONG_HAUL: f64 = 0.3;
/// Spoke candidates in a country with a hub count this much more (domestic networks).
const HUB_COUNTRY_BOOST: f64 = 3.0;
/// The n-th spoke candidate of a country (0-based) counts `1 / (1 + n) ^ RANK_DECAY`.
const RANK_DECAY: f64 = 0.7;
/// Operated flight-number pairs per carrier; the rest of 1–9999 is left for codeshares.
const MAX_PAIRS_PER_CARRIER: u32 = 4_500;
/// Share (per mille) of eligible international routes that a partner also markets.
const CODESHARE_PERMILLE: u64 = 250;

/// Departure windows in minutes after local midnight.
const FIRST_DEPARTURE: i32 = 6 * 60;
const LAST_OUTBOUND: i32 = 22 * 60 + 30;
const LAST_DEPARTURE: i32 = 23 * 60;
/// Arrivals outside this window are avoided on long-haul where possible.
const FIRST_ARRIVAL: i32 = 5 * 60;
const LAST_ARRIVAL: i32 = 23 * 60 + 20;

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and good enough for schedules.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Combines two values into a well-mixed seed.
fn mix(a: u64, b: u64) -> u64 {
    SplitMix64::new(a ^ b.wrapping_mul(0xD6E8_FEB8_6659_FD93).rotate_left(23)).next_u64()
}

fn airport_key(code: AirportCode) -> u64 {
    code.as_str()
        .bytes()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(b))
}

fn airline_key(code: AirlineCode) -> u64 {
    code.as_str()
        .bytes()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(b))
}

/// Whether an airline's country name (OpenFlights English) is the ISO country `iso2`.
pub fn country_matches(iso2: &str, country_name: &str) -> bool {
    let name = country_name.trim();
    if name.eq_ignore_ascii_case(iso2) {
        return true;
    }
    let names: &[&str] = match iso2 {
        "CN" => &["China"],
        "HK" => &["Hong Kong"],
        "MO" => &["Macau", "Macao"],
        "TW" => &["Taiwan"],
        "JP" => &["Japan"],
        "KR" => &["South Korea", "Korea", "Republic of Korea"],
        "SG" => &["Singapore"],
        "TH" => &["Thailand"],
        "MY" => &["Malaysia"],
        "ID" => &["Indonesia"],
        "PH" => &["Philippines"],
        "VN" => &["Vietnam", "Viet Nam"],
        "IN" => &["India"],
        "AE" => &["United Arab Emirates"],
        "QA" => &["Qatar"],
        "SA" => &["Saudi Arabia"],
        "TR" => &["Turkey", "Türkiye"],
        "EG" => &["Egypt"],
        "ET" => &["Ethiopia"],
        "ZA" => &["South Africa"],
        "KE" => &["Kenya"],
        "GB" => &["United Kingdom"],
        "FR" => &["France"],
        "DE" => &["Germany"],
        "NL" => &["Netherlands"],
        "ES" => &["Spain"],
        "CH" => &["Switzerland"],
        "FI" => &["Finland"],
        "AT" => &["Austria"],
        "SE" => &["Sweden"],
        "PT" => &["Portugal"],
        "IE" => &["Ireland"],
        "PL" => &["Poland"],
        "BE" => &["Belgium"],
        "US" => &["United States"],
        "CA" => &["Canada"],
        "MX" => &["Mexico"],
        "BR" => &["Brazil"],
        "CO" => &["Colombia"],
        "PA" => &["Panama"],
        "AR" => &["Argentina"],
        "AU" => &["Australia"],
        "NZ" => &["New Zealand"],
        _ => &[],
    };
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// How much a country's population flies, relative to the world average (roughly by income).
fn propensity(iso2: &str) -> f64 {
    match iso2 {
        "US" | "CA" | "AU" | "NZ" | "GB" | "IE" | "FR" | "DE" | "NL" | "BE" | "LU" | "CH"
        | "AT" | "IT" | "ES" | "PT" | "DK" | "SE" | "NO" | "FI" | "IS" | "JP" | "KR" | "SG"
        | "HK" | "TW" | "MO" | "AE" | "QA" | "KW" | "BH" | "IL" | "GR" | "CY" | "MT" | "CZ"
        | "SI" | "EE" => 3.0,
        "SA" | "OM" | "MY" | "TH" | "TR" | "PL" | "HU" | "SK" | "HR" | "RO" | "BG" | "CL"
        | "UY" | "MX" | "BR" | "CO" | "PE" | "PA" | "CR" | "RU" | "KZ" | "AR" => 1.5,
        // GeoNames counts whole prefectures as Chinese cities: halve them.
        "CN" => 0.5,
        "IN" => 0.6,
        "PK" | "BD" | "NP" | "MM" | "AF" | "NG" | "CD" | "ET" | "KE" | "TZ" | "UG" | "SD"
        | "SO" | "YE" | "IQ" | "SY" | "AO" | "MZ" | "MG" | "NE" | "ML" | "BF" | "TD" | "CM"
        | "GH" | "CI" | "ZM" | "ZW" | "MW" | "RW" | "HT" | "KP" => 0.4,
        _ => 1.0,
    }
}

/// Standard-time UTC offset in minutes, approximately (no DST): by country where one zone
/// covers it, else by longitude. Only used to time return legs and long-haul arrivals.
fn approx_utc_offset_minutes(iso2: &str, lat: f64, lon: f64) -> i32 {
    let hours = match iso2 {
        "CN" | "HK" | "MO" | "TW" | "SG" | "MY" | "PH" | "BN" => 8.0,
        "JP" | "KR" | "KP" => 9.0,
        "TH" | "VN" | "KH" | "LA" => 7.0,
        "IN" | "LK" => 5.5,
        "NP" => 5.75,
        "PK" | "UZ" | "MV" => 5.0,
        "BD" | "BT" => 6.0,
        "MM" => 6.5,
        "IR" => 3.5,
        "AF" => 4.5,
        "AE" | "OM" | "AZ" | "GE" | "AM" | "MU" => 4.0,
        "QA" | "SA" | "KW" | "BH" | "IQ" | "YE" | "JO" | "TR" | "BY" | "ET" | "KE" | "TZ"
        | "UG" | "SO" => 3.0,
        "IL" | "EG" | "GR" | "FI" | "RO" | "BG" | "UA" | "ZA" | "LB" | "CY" | "EE" | "LV"
        | "LT" | "MD" | "LY" | "SD" | "ZW" | "ZM" | "MZ" | "MW" | "RW" => 2.0,
        "GB" | "IE" | "PT" | "IS" | "GH" | "SN" | "CI" => 0.0,
        "FR" | "DE" | "NL" | "BE" | "LU" | "ES" | "IT" | "CH" | "AT" | "PL" | "CZ" | "SK"
        | "HU" | "HR" | "SI" | "RS" | "BA" | "ME" | "MK" | "AL" | "SE" | "NO" | "DK" | "MT"
        | "MA" | "DZ" | "TN" | "NG" | "CM" | "AO" | "CD" => 1.0,
        "NZ" => 12.0,
        "AU" if lon < 129.0 => 8.0,
        "AU" if lon < 141.0 && lat < -26.0 => 9.5,
        "AU" if lon < 138.0 => 9.5,
        "AU" => 10.0,
        "AR" | "UY" => -3.0,
        "BR" if lon > -52.0 => -3.0,
        _ => (lon / 15.0).round(),
    };
    (hours * 60.0) as i32
}

/// World regions, for long-haul affinities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Region {
    EastAsia,
    SouthEastAsia,
    SouthAsia,
    MiddleEast,
    Europe,
    Africa,
    NorthAmerica,
    LatinAmerica,
    Oceania,
}

fn region_of(iso2: &str, lat: f64, lon: f64) -> Region {
    use Region::*;
    match iso2 {
        "CN" | "HK" | "MO" | "TW" | "JP" | "KR" | "KP" | "MN" => EastAsia,
        "SG" | "MY" | "TH" | "VN" | "ID" | "PH" | "KH" | "LA" | "MM" | "BN" | "TL" => SouthEastAsia,
        "IN" | "PK" | "BD" | "LK" | "NP" | "MV" | "BT" | "AF" => SouthAsia,
        "AE" | "QA" | "SA" | "KW" | "BH" | "OM" | "YE" | "IQ" | "IR" | "JO" | "LB" | "SY"
        | "IL" | "PS" => MiddleEast,
        "US" | "CA" | "MX" | "BM" => NorthAmerica,
        "AU" | "NZ" | "PG" | "FJ" | "NC" | "PF" | "WS" | "TO" | "VU" | "SB" | "KI" | "GU"
        | "MP" | "PW" | "FM" | "MH" => Oceania,
        "EG" | "MA" | "DZ" | "TN" | "LY" => Africa,
        _ if lon < -30.0 => LatinAmerica,
        _ if lat > 35.0 && lon < 60.0 => Europe,
        _ if lon < 55.0 => Africa,
        _ if lat > 35.0 => Europe,
        _ => SouthEastAsia,
    }
}

/// How much more (or less) long-haul traffic two regions exchange than gravity alone says.
fn region_affinity(a: Region, b: Region) -> f64 {
    use Region::*;
    let pair = |x: Region, y: Region| (a == x && b == y) || (a == y && b == x);
    if pair(Europe, NorthAmerica) {
        3.0
    } else if pair(EastAsia, NorthAmerica) || pair(EastAsia, Europe) || pair(Europe, MiddleEast) {
        1.6
    } else if pair(MiddleEast, SouthAsia)
        || pair(Oceania, SouthEastAsia)
        || pair(NorthAmerica, LatinAmerica)
    {
        1.5
    } else if pair(Europe, LatinAmerica)
        || pair(Europe, Africa)
        || pair(Europe, SouthAsia)
        || pair(Europe, SouthEastAsia)
    {
        1.3
    } else if a == MiddleEast
        || b == MiddleEast
        || pair(Oceania, EastAsia)
        || pair(EastAsia, SouthEastAsia)
    {
        1.1
    } else if a == b {
        1.0
    } else {
        0.6
    }
}

struct Ap {
    code: AirportCode,
    region: Region,
    country: String,
    lat: f64,
    lon: f64,
    pop: i64,
    /// Gravity weight: population in millions times propensity (hubs get a floor and bonus).
    weight: f64,
    offset: i32,
    preferred: bool,
}

struct Carrier {
    code: AirlineCode,
    alliance: Option<String>,
    max_range: f64,
    min_km: f64,
}

struct Hub {
    ap: usize,
    carriers: Vec<usize>,
    major: bool,
    /// Relative number of departures the hub generates.
    traffic: f64,
    /// Longest international route to or from it.
    international_km: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Domestic between two hubs.
    Trunk,
    /// International between two hubs, under 3,000 km.
    HubHubShort,
    HubHubLong,
    DomesticSpoke,
    IntlSpoke,
}

#[derive(Debug, Clone)]
struct Route {
    carrier: usize,
    /// The carrier's hub end; outbound flights leave from here.
    from: usize,
    to: usize,
    dist: f64,
    kind: Kind,
    score: f64,
    mandatory: bool,
    major_pair: bool,
    weekly: u32,
}

impl Route {
    fn domestic(&self) -> bool {
        matches!(self.kind, Kind::Trunk | Kind::DomesticSpoke)
    }

    /// Most departures a day in one direction for one carrier.
    fn cap_daily(&self) -> u32 {
        let d = self.dist;
        match self.kind {
            Kind::Trunk if d < 1_500.0 => 14,
            Kind::Trunk if d < 3_000.0 => 10,
            _ if d < 1_500.0 => 8,
            _ if d < 3_000.0 => 6,
            _ if d < 6_000.0 && self.major_pair => 4,
            _ if d < 6_000.0 => 2,
            _ if self.major_pair => 2,
            _ => 1,
        }
    }

    fn slots(&self) -> u32 {
        self.weekly / 7 + u32::from(!self.weekly.is_multiple_of(7))
    }
}

/// The flight numbers of one carrier: 1–9999, handed out as (odd, odd + 1) pairs.
struct Numbers {
    used: Vec<bool>,
    cursor: [usize; 4],
}

/// Where each band starts: long-haul, international regional, domestic, codeshare.
const BAND_START: [usize; 4] = [1, 201, 1001, 7001];

impl Numbers {
    fn new() -> Numbers {
        Numbers {
            used: vec![false; 10_000],
            cursor: BAND_START,
        }
    }

    fn pair(&mut self, band: usize) -> Option<u16> {
        let start = self.cursor[band];
        let candidates = (start..9_999).step_by(2).chain((1..start).step_by(2));
        for n in candidates {
            if n % 2 == 1 && !self.used[n] && !self.used[n + 1] {
                self.used[n] = true;
                self.used[n + 1] = true;
                self.cursor[band] = n + 2;
                return u16::try_from(n).ok();
            }
        }
        None
    }
}

fn round5(m: f64) -> i32 {
    ((m / 5.0).round() * 5.0) as i32
}

fn ceil5(m: i32) -> i32 {
    (m + 4).div_euclid(5) * 5
}

fn time_of(minutes: i32) -> NaiveTime {
    let m = minutes.rem_euclid(1_440) as u32;
    NaiveTime::from_hms_opt(m / 60, m % 60, 0).unwrap_or(NaiveTime::MIN)
}

fn in_window(tod: i32, first: i32, last: i32) -> bool {
    (first..=last).contains(&tod)
}

/// Whether a flight from `lon_from` to `lon_to` heads east (the shorter way round).
fn eastbound(lon_from: f64, lon_to: f64) -> bool {
    let mut d = lon_to - lon_from;
    while d > 180.0 {
        d -= 360.0;
    }
    while d <= -180.0 {
        d += 360.0;
    }
    d > 0.0
}

/// `r` of 7 days spread over the week, starting at `offset`.
fn partial_days(r: u32, offset: u32) -> DaysOfWeek {
    let mut mask = 0u8;
    for j in 0..r {
        let day = (offset + j * 7 / r) % 7;
        mask |= 1 << day;
    }
    DaysOfWeek(mask)
}

/// The days shifted later by `shift` days (Monday + 1 = Tuesday).
fn shift_days(days: DaysOfWeek, shift: i32) -> DaysOfWeek {
    let s = shift.rem_euclid(7) as u32;
    let m = u32::from(days.0 & 0x7f);
    let rotated = ((m << s) | (m >> (7 - s))) & 0x7f;
    DaysOfWeek(rotated as u8)
}

/// A 1°×1° grid of chosen points, for "is anything within `SPOKE_SEPARATION_KM`" checks.
struct Grid {
    cells: HashMap<(i32, i32), Vec<(f64, f64)>>,
}

impl Grid {
    fn insert(&mut self, lat: f64, lon: f64) {
        self.cells
            .entry((lat.floor() as i32, lon.floor() as i32))
            .or_default()
            .push((lat, lon));
    }

    fn near(&self, lat: f64, lon: f64, km: f64) -> bool {
        let dlat = (km / 111.0).ceil() as i32;
        let cos = lat.to_radians().cos().max(0.05);
        let dlon = ((km / (111.0 * cos)).ceil() as i32).min(180);
        let (la, lo) = (lat.floor() as i32, lon.floor() as i32);
        for i in -dlat..=dlat {
            for j in -dlon..=dlon {
                let mut cl = lo + j;
                if cl < -180 {
                    cl += 360;
                } else if cl >= 180 {
                    cl -= 360;
                }
                if let Some(points) = self.cells.get(&(la + i, cl))
                    && points
                        .iter()
                        .any(|&(a, b)| great_circle_km(lat, lon, a, b) < km)
                {
                    return true;
                }
            }
        }
        false
    }
}

/// Generates the schedule. See the [module documentation](crate::builtin).
pub fn generate(
    airports: &[NetworkAirport],
    airlines: &[NetworkAirline],
    params: &NetworkParams,
) -> Vec<SchedulePattern> {
    if params.flights_per_day == 0 || params.valid_to < params.valid_from {
        return Vec::new();
    }
    let fpd = f64::from(params.flights_per_day);
    let seed = params.seed;

    // Airports (first of duplicate codes wins).
    let mut aps: Vec<Ap> = Vec::with_capacity(airports.len());
    let mut ap_index: HashMap<AirportCode, usize> = HashMap::with_capacity(airports.len());
    for a in airports {
        if ap_index.contains_key(&a.code) || !a.lat.is_finite() || !a.lon.is_finite() {
            continue;
        }
        ap_index.insert(a.code, aps.len());
        let country = a.country.trim().to_ascii_uppercase();
        let pop = a.city_population.max(0);
        aps.push(Ap {
            code: a.code,
            region: region_of(&country, a.lat, a.lon),
            weight: pop as f64 / 1e6 * propensity(&country),
            offset: approx_utc_offset_minutes(&country, a.lat, a.lon),
            preferred: PRIMARY_AIRPORTS.contains(&a.code.as_str()),
            country,
            lat: a.lat,
            lon: a.lon,
            pop,
        });
    }

    // Carriers.
    let mut carriers: Vec<Carrier> = Vec::new();
    let mut carrier_index: HashMap<AirlineCode, usize> = HashMap::new();
    let mut carrier_country: Vec<&str> = Vec::new();
    for a in airlines {
        if carrier_index.contains_key(&a.code) {
            continue;
        }
        carrier_index.insert(a.code, carriers.len());
        let fleet: Vec<&AircraftType> = aircraft::fleet(a.code.as_str())
            .iter()
            .filter_map(|c| aircraft::by_code(c))
            .collect();
        let max_range = fleet.iter().map(|t| t.range_km).fold(0.0, f64::max);
        let widebody_only = fleet.iter().all(|t| t.class >= BodyClass::Widebody);
        let min_km = LONG_HAUL_ONLY
            .iter()
            .find(|(c, _)| *c == a.code.as_str())
            .map(|(_, km)| *km)
            .unwrap_or(if widebody_only { 800.0 } else { MIN_ROUTE_KM });
        carriers.push(Carrier {
            code: a.code,
            alliance: a
                .alliance
                .as_ref()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
            max_range,
            min_km: min_km.max(MIN_ROUTE_KM),
        });
        carrier_country.push(a.country_name.as_str());
    }

    // Hubs present in the input with at least one home carrier.
    let mut hubs: Vec<Hub> = Vec::new();
    let mut hub_of_ap: HashMap<usize, usize> = HashMap::new();
    for def in HUBS {
        let Some(&ap) = AirportCode::parse(def.airport)
            .ok()
            .and_then(|c| ap_index.get(&c))
        else {
            continue;
        };
        if hub_of_ap.contains_key(&ap) {
            continue;
        }
        let mut cs = Vec::new();
        for code in def.carriers {
            let Some(&ci) = AirlineCode::parse(code)
                .ok()
                .and_then(|c| carrier_index.get(&c))
            else {
                continue;
            };
            if country_matches(&aps[ap].country, carrier_country[ci]) && !cs.contains(&ci) {
                cs.push(ci);
            }
        }
        if cs.is_empty() {
            continue;
        }
        hub_of_ap.insert(ap, hubs.len());
        // A hub draws connecting traffic beyond its city: a base weight plus half the city's.
        let base = if def.major {
            MAJOR_HUB_WEIGHT
        } else {
            SECONDARY_HUB_WEIGHT
        };
        let connecting = CONNECTING_HUBS
            .iter()
            .find(|(code, _)| *code == def.airport)
            .map_or(1.0, |(_, f)| *f);
        let traffic = connecting
            * (if def.major {
                MAJOR_HUB_TRAFFIC
            } else {
                SECONDARY_HUB_TRAFFIC
            } + HUB_TRAFFIC_PER_WEIGHT * aps[ap].weight);
        aps[ap].weight = base + 0.5 * aps[ap].weight;
        let international_km = REGIONAL_INTERNATIONAL
            .iter()
            .find(|(code, _)| *code == def.airport)
            .map_or(f64::INFINITY, |(_, km)| *km);
        hubs.push(Hub {
            ap,
            carriers: cs,
            major: def.major,
            traffic,
            international_km,
        });
    }
    if hubs.is_empty() {
        return Vec::new();
    }
    let hub_countries: Vec<&str> = hubs.iter().map(|h| aps[h.ap].country.as_str()).collect();

    // Spokes: one airport per market, ranked by weight within the country.
    let mut grid = Grid {
        cells: HashMap::new(),
    };
    for h in &hubs {
        grid.insert(aps[h.ap].lat, aps[h.ap].lon);
    }
    let mut candidates: Vec<usize> = (0..aps.len())
        .filter(|&i| {
            !hub_of_ap.contains_key(&i)
                && aps[i].pop > 0
                && !NO_SCHEDULED_SERVICE.contains(&aps[i].code.as_str())
        })
        .collect();
    candidates.sort_by(|&a, &b| {
        aps[b]
            .pop
            .cmp(&aps[a].pop)
            .then(aps[b].preferred.cmp(&aps[a].preferred))
            .then(aps[a].code.cmp(&aps[b].code))
    });
    let mut per_country: HashMap<&str, u32> = HashMap::new();
    let mut ranked: Vec<(f64, usize)> = Vec::new();
    for i in candidates {
        let a = &aps[i];
        if grid.near(a.lat, a.lon, SPOKE_SEPARATION_KM) {
            continue;
        }
        grid.insert(a.lat, a.lon);
        let rank = per_country.entry(a.country.as_str()).or_insert(0);
        let boost = if hub_countries.contains(&a.country.as_str()) {
            HUB_COUNTRY_BOOST
        } else {
            1.0
        };
        let key = a.weight.max(0.01) * boost / f64::from(1 + *rank).powf(RANK_DECAY);
        *rank += 1;
        ranked.push((key, i));
    }
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(aps[a.1].code.cmp(&aps[b.1].code)));
    let spoke_count = ((SPOKE_FACTOR * fpd.powf(SPOKE_EXP)).round() as usize).max(10);
    let spokes: Vec<usize> = ranked.iter().take(spoke_count).map(|&(_, i)| i).collect();
    for &s in &spokes {
        aps[s].weight = aps[s].weight.max(0.05);
    }

    // Candidate carrier-routes.
    let gravity = |a: &Ap, b: &Ap, d: f64| -> f64 {
        // Once a trip is long-haul, a few more hours matter less.
        let k = if d >= LONG_HAUL_KM {
            LONG_HAUL_DISTANCE_EXP
        } else {
            GRAVITY_DISTANCE_EXP
        };
        let affinity = if d >= LONG_HAUL_KM {
            region_affinity(a.region, b.region)
        } else {
            1.0
        };
        let g = affinity * a.weight * b.weight / (d.max(400.0) / 1_000.0).powf(k);
        // Under ~600 km, trains and roads take most of the traffic.
        let short = (d / SHORT_HAUL_KM).min(1.0).powf(1.5);
        g.powf(SCORE_EXP) * short
    };
    let mut routes: Vec<Route> = Vec::new();
    let mut route_index: HashMap<(usize, usize, usize), usize> = HashMap::new();
    let mut add = |routes: &mut Vec<Route>, r: Route| {
        let key = (r.carrier, r.from.min(r.to), r.from.max(r.to));
        match route_index.get(&key) {
            Some(&i) => {
                if r.score > routes[i].score {
                    let mandatory = routes[i].mandatory;
                    routes[i] = r;
                    routes[i].mandatory |= mandatory;
                }
            }
            None => {
                route_index.insert(key, routes.len());
                routes.push(r);
            }
        }
    };
    for hub in &hubs {
        let a = &aps[hub.ap];
        for (pos, &c) in hub.carriers.iter().enumerate() {
            let carrier = &carriers[c];
            let pos_factor = [1.0, 0.5, 0.35, 0.25][pos.min(3)];
            let reach = |d: f64| d >= carrier.min_km && d <= carrier.max_range;
            // A hub's second and further carriers fly only part of its international and spoke
            // routes, so that not every route has every carrier of the hub.
            let share = [1_000, 600, 450, 350][pos.min(3)];
            let flies = |to: AirportCode| -> bool {
                pos == 0
                    || mix(mix(seed, airline_key(carrier.code)), airport_key(to)) % 1_000 < share
            };
            for other in &hubs {
                if other.ap == hub.ap {
                    continue;
                }
                let b = &aps[other.ap];
                let d = great_circle_km(a.lat, a.lon, b.lat, b.lon);
                if !reach(d) {
                    continue;
                }
                let domestic = a.country == b.country;
                if !(domestic || hub.major || other.major || d < 3_000.0) {
                    continue;
                }
                if !domestic && d > hub.international_km.min(other.international_km) {
                    continue;
                }
                if !domestic && !flies(b.code) {
                    continue;
                }
                let (kind, mult) = if domestic {
                    (Kind::Trunk, 4.0)
                } else if d < 3_000.0 {
                    (Kind::HubHubShort, 1.5)
                } else {
                    (Kind::HubHubLong, 2.0)
                };
                add(
                    &mut routes,
                    Route {
                        carrier: c,
                        from: hub.ap,
                        to: other.ap,
                        dist: d,
                        kind,
                        score: mult * pos_factor * gravity(a, b, d),
                        mandatory: domestic && hub.major && other.major,
                        major_pair: hub.major && other.major,
                        weekly: 0,
                    },
                );
            }
            for &s in &spokes {
                let b = &aps[s];
                let d = great_circle_km(a.lat, a.lon, b.lat, b.lon);
                if !reach(d) {
                    continue;
                }
                let domestic = a.country == b.country;
                if !domestic && ((!hub.major && d > 4_500.0) || d > hub.international_km) {
                    continue;
                }
                if !flies(b.code) {
                    continue;
                }
                let (kind, mult) = if domestic {
                    (Kind::DomesticSpoke, 1.2)
                } else {
                    (Kind::IntlSpoke, 0.8)
                };
                add(
                    &mut routes,
                    Route {
                        carrier: c,
                        from: hub.ap,
                        to: s,
                        dist: d,
                        kind,
                        score: mult * pos_factor * gravity(a, b, d),
                        mandatory: false,
                        major_pair: false,
                        weekly: 0,
                    },
                );
            }
        }
    }

    // Each hub's traffic is shared among its routes by their gravity (an origin-constrained
    // gravity model), so that a hub with many domestic spokes does not swamp the others; the
    // traffic still grows with the square root of the hub's market (the sum of its routes'
    // gravity). Long-haul and the rest separately, secondary hubs having less long-haul.
    let long = |r: &Route| usize::from(r.dist >= LONG_HAUL_KM);
    let mut hub_gravity = vec![[0.0f64; 2]; hubs.len()];
    for r in &routes {
        for end in [r.from, r.to] {
            if let Some(&h) = hub_of_ap.get(&end) {
                hub_gravity[h][long(r)] += r.score;
            }
        }
    }
    for r in &mut routes {
        let mut share = 0.0;
        for end in [r.from, r.to] {
            if let Some(&h) = hub_of_ap.get(&end) {
                let traffic = if long(r) == 1 && !hubs[h].major {
                    SECONDARY_HUB_LONG_HAUL * hubs[h].traffic
                } else {
                    hubs[h].traffic
                };
                let market = hub_gravity[h][long(r)].max(f64::MIN_POSITIVE);
                share += traffic * r.score / market.powf(1.0 - MARKET_EXP);
            }
        }
        r.score = share;
    }

    // Mandatory: every spoke from its nearest hub (a domestic one if it has any), and every
    // hub carrier's best route.
    let mut by_airport: Vec<Vec<usize>> = vec![Vec::new(); aps.len()];
    for (i, r) in routes.iter().enumerate() {
        by_airport[r.to].push(i);
    }
    for &s in &spokes {
        let list = &by_airport[s];
        let any_domestic = list.iter().any(|&i| routes[i].domestic());
        let nearest = list
            .iter()
            .filter(|&&i| routes[i].domestic() || !any_domestic)
            .min_by(|&&x, &&y| {
                routes[x]
                    .dist
                    .total_cmp(&routes[y].dist)
                    .then(routes[x].from.cmp(&routes[y].from))
            })
            .map(|&i| routes[i].from);
        if let Some(h) = nearest {
            for &i in list {
                if routes[i].from == h {
                    routes[i].mandatory = true;
                }
            }
        }
    }
    for hub in &hubs {
        for &c in &hub.carriers {
            let best = routes
                .iter()
                .enumerate()
                .filter(|(_, r)| r.carrier == c && (r.from == hub.ap || r.to == hub.ap))
                .max_by(|x, y| x.1.score.total_cmp(&y.1.score).then(y.0.cmp(&x.0)))
                .map(|(i, _)| i);
            if let Some(i) = best {
                routes[i].mandatory = true;
            }
        }
    }

    // Selection and frequencies, long-haul and the rest separately so that long-haul keeps its
    // share at every size: the mandatory routes, then the best-scoring up to the pool's budget,
    // grown while the routes cannot carry the pool's target within their frequency caps.
    let budget = ROUTE_BUDGET_FACTOR * fpd.powf(ROUTE_BUDGET_EXP);
    let target_weekly = fpd * 7.0 / 2.0;
    let mut number_room = vec![MAX_PAIRS_PER_CARRIER; carriers.len()];
    let mut selected: Vec<Route> = Vec::new();
    let mut remaining = target_weekly;
    for long_pool in [true, false] {
        let (pool_target, pool_budget) = if long_pool {
            (
                target_weekly * LONG_HAUL_SHARE,
                (budget * LONG_HAUL_ROUTE_SHARE).max(LONG_HAUL_MIN_ROUTES),
            )
        } else {
            (remaining, budget * (1.0 - LONG_HAUL_ROUTE_SHARE))
        };
        let mut order: Vec<usize> = (0..routes.len())
            .filter(|&i| (routes[i].dist >= LONG_HAUL_KM) == long_pool)
            .collect();
        // Long-haul goes round the hub carriers (each one's best route, then each one's second
        // best …), since which intercontinental routes a carrier flies is its own strategy more
        // than gravity; the rest goes by score.
        let mut key = vec![0.0f64; routes.len()];
        let mut by_carrier_hub: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
        for &i in &order {
            key[i] = routes[i].score;
            by_carrier_hub
                .entry((routes[i].carrier, routes[i].from))
                .or_default()
                .push(i);
        }
        if long_pool {
            for list in by_carrier_hub.values_mut() {
                list.sort_by(|&x, &y| routes[y].score.total_cmp(&routes[x].score).then(x.cmp(&y)));
                for (rank, &i) in list.iter().enumerate() {
                    key[i] = routes[i].score / (1.0 + rank as f64);
                }
            }
        }
        order.sort_by(|&x, &y| {
            routes[y]
                .mandatory
                .cmp(&routes[x].mandatory)
                .then(key[y].total_cmp(&key[x]))
                .then(x.cmp(&y))
        });
        let mandatory_count = order.iter().filter(|&&i| routes[i].mandatory).count();
        // Never more routes than the target allows one weekly frequency each.
        let most = order.len().min(pool_target.floor().max(0.0) as usize);
        let mut take = (pool_budget.round() as usize)
            .max(mandatory_count)
            .min(most);
        let mut pool: Vec<Route>;
        let mut achieved;
        loop {
            let mut chosen = order[..take].to_vec();
            chosen.sort_unstable();
            pool = chosen.into_iter().map(|i| routes[i].clone()).collect();
            achieved = assign_frequencies(&mut pool, &number_room, pool_target);
            if achieved >= 0.98 * pool_target || take >= most {
                break;
            }
            take = (take + take / 4 + 1).min(most);
        }
        for r in &pool {
            number_room[r.carrier] = number_room[r.carrier].saturating_sub(r.slots());
        }
        remaining = (target_weekly - achieved).max(0.0);
        selected.extend(pool);
    }
    drop(routes);

    // Timetables, aircraft and flight numbers. Numbered long-haul first, then by score, so the
    // best routes get the lowest numbers.
    let band_of = |r: &Route| -> usize {
        if r.domestic() {
            2
        } else if r.dist >= 4_500.0 {
            0
        } else {
            1
        }
    };
    let mut numbering: Vec<usize> = (0..selected.len()).collect();
    numbering.sort_by(|&x, &y| {
        let (a, b) = (&selected[x], &selected[y]);
        a.carrier
            .cmp(&b.carrier)
            .then(band_of(a).cmp(&band_of(b)))
            .then(b.score.total_cmp(&a.score))
            .then(x.cmp(&y))
    });
    let mut numbers: Vec<Numbers> = (0..carriers.len()).map(|_| Numbers::new()).collect();
    let mut out: Vec<SchedulePattern> = Vec::with_capacity((fpd * 1.2) as usize + 16);
    // (route, first pattern index, pattern count) for codeshares.
    let mut made: Vec<(usize, usize, usize)> = Vec::with_capacity(selected.len());
    for &ri in &numbering {
        let r = &selected[ri];
        let first = out.len();
        emit_route(
            r,
            &aps,
            &carriers[r.carrier],
            &mut numbers[r.carrier],
            band_of(r),
            params,
            &mut out,
        );
        made.push((ri, first, out.len() - first));
    }

    // Codeshares: a partner of the same alliance based at the far end markets some of the
    // international routes.
    let operated = out.len();
    for &(ri, first, count) in &made {
        let r = &selected[ri];
        if r.domestic() || count == 0 {
            continue;
        }
        let operator = &carriers[r.carrier];
        let Some(alliance) = operator.alliance.as_deref() else {
            continue;
        };
        let Some(&far_hub) = hub_of_ap.get(&r.to) else {
            continue;
        };
        for &p in &hubs[far_hub].carriers {
            let partner = &carriers[p];
            if p == r.carrier || partner.alliance.as_deref() != Some(alliance) {
                continue;
            }
            let h = mix(
                mix(seed, airline_key(partner.code)),
                mix(airline_key(operator.code), airport_key(aps[r.to].code)),
            );
            if h % 1_000 >= CODESHARE_PERMILLE {
                continue;
            }
            // Patterns come in (outbound, return) pairs.
            for k in (first..first + count).step_by(2) {
                let Some(n) = numbers[p].pair(3) else {
                    break;
                };
                for (j, number) in [(k, n), (k + 1, n + 1)] {
                    if j >= first + count || j >= operated {
                        continue;
                    }
                    let mut cs = out[j].clone();
                    cs.operating_carrier = Some(cs.carrier);
                    cs.carrier = partner.code;
                    cs.flight_number = number;
                    out.push(cs);
                }
            }
        }
    }

    out.sort_by(|a, b| {
        a.carrier
            .cmp(&b.carrier)
            .then(a.flight_number.cmp(&b.flight_number))
    });
    out
}

/// Sets each route's weekly frequency: clamp(round(lambda * mu[carrier] * score), 1, cap), with
/// lambda found by bisection so that the total is nearest the target, and mu keeping each
/// carrier within its flight numbers. Returns the total weekly frequencies (one direction).
fn assign_frequencies(selected: &mut [Route], number_room: &[u32], target_weekly: f64) -> f64 {
    let carrier_count = number_room.len();
    let mut mu = vec![1.0f64; carrier_count];
    let weekly_of = |r: &Route, lambda: f64, mu: &[f64]| -> u32 {
        let w = (lambda * mu[r.carrier] * r.score).round();
        let cap = r.cap_daily() * 7;
        (w.max(1.0) as u32).min(cap)
    };
    let total = |lambda: f64, mu: &[f64], selected: &[Route]| -> f64 {
        selected
            .iter()
            .map(|r| f64::from(weekly_of(r, lambda, mu)))
            .sum::<f64>()
    };
    for _ in 0..12 {
        let (mut lo, mut hi) = (0.0f64, 1e-3f64);
        while total(hi, &mu, selected) < target_weekly && hi < 1e12 {
            lo = hi;
            hi *= 4.0;
        }
        for _ in 0..60 {
            let mid = 0.5 * (lo + hi);
            if total(mid, &mu, selected) < target_weekly {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let lambda = if (total(lo, &mu, selected) - target_weekly).abs()
            <= (total(hi, &mu, selected) - target_weekly).abs()
        {
            lo
        } else {
            hi
        };
        for r in selected.iter_mut() {
            r.weekly = weekly_of(r, lambda, &mu);
        }
        let mut pairs = vec![0u32; carrier_count];
        for r in selected.iter() {
            pairs[r.carrier] += r.slots();
        }
        let mut over = false;
        for (c, &p) in pairs.iter().enumerate() {
            if p > number_room[c] {
                mu[c] *= f64::from(number_room[c].max(1)) / f64::from(p) * 0.97;
                over = true;
            }
        }
        if !over {
            break;
        }
    }
    selected.iter().map(|r| f64::from(r.weekly)).sum()
}

/// Writes the patterns of one carrier-route: `slots` outbound frequencies from the hub, each
/// with its return, as (outbound, return) pairs.
fn emit_route(
    r: &Route,
    aps: &[Ap],
    carrier: &Carrier,
    numbers: &mut Numbers,
    band: usize,
    params: &NetworkParams,
    out: &mut Vec<SchedulePattern>,
) {
    let (a, b) = (&aps[r.from], &aps[r.to]);
    let mut rng = SplitMix64::new(mix(
        mix(params.seed, airline_key(carrier.code)),
        mix(airport_key(a.code), airport_key(b.code)),
    ));
    let daily = f64::from(r.weekly) / 7.0;
    let demand = RouteDemand {
        distance_km: r.dist,
        daily,
        trunk: r.kind == Kind::Trunk,
        major_pair: r.major_pair,
    };
    let Some(primary) = aircraft::choose(carrier.code.as_str(), demand, rng.next_u64()) else {
        return;
    };
    let widebody = if r.kind == Kind::Trunk && daily >= 6.0 && r.dist >= 900.0 {
        aircraft::trunk_widebody(carrier.code.as_str(), r.dist, rng.next_u64())
    } else {
        None
    };
    let full = r.weekly / 7;
    let partial = r.weekly % 7;
    let slots = r.slots();
    let partial_offset = rng.below(7) as u32;
    let east = eastbound(a.lon, b.lon);
    let long = r.dist >= 2_500.0;
    let tz = b.offset - a.offset;
    let span = f64::from(LAST_OUTBOUND - FIRST_DEPARTURE);
    let grid_len = (LAST_OUTBOUND - FIRST_DEPARTURE) / 5 + 1;

    for i in 0..slots {
        let plane = match widebody {
            Some(w) if i % 3 == 1 => w,
            _ => primary,
        };
        let block_out = plane.block_minutes(r.dist, east);
        let block_back = plane.block_minutes(r.dist, !east);
        let days = if i < full {
            DaysOfWeek::DAILY
        } else {
            partial_days(partial, partial_offset)
        };

        // Outbound: spread over the day; long-haul aims for a civil arrival time.
        let dep = if long {
            let start =
                ((f64::from(i) + rng.next_f64()) / f64::from(slots) * f64::from(grid_len)) as i32;
            let mut chosen = FIRST_DEPARTURE + (start % grid_len) * 5;
            for k in 0..grid_len {
                let t = FIRST_DEPARTURE + ((start + k) % grid_len) * 5;
                let arr = (t + i32::from(block_out) + tz).rem_euclid(1_440);
                if in_window(arr, FIRST_ARRIVAL, LAST_ARRIVAL) {
                    chosen = t;
                    break;
                }
            }
            chosen
        } else {
            let u = 0.15 + 0.7 * rng.next_f64();
            round5(f64::from(FIRST_DEPARTURE) + (f64::from(i) + u) * span / f64::from(slots))
                .clamp(FIRST_DEPARTURE, LAST_OUTBOUND)
        };

        // Return: after the turnaround, within the departure window; an aircraft arriving too
        // late for that leaves the next morning.
        let arrival = dep + i32::from(block_out) + tz;
        let earliest = ceil5(arrival + i32::from(plane.turnaround_minutes));
        let mut back = None;
        for k in 0..(1_440 / 5) {
            let t = earliest + k * 5;
            let tod = t.rem_euclid(1_440);
            if !in_window(tod, FIRST_DEPARTURE, LAST_DEPARTURE) {
                continue;
            }
            let arr_home = (t + i32::from(block_back) - tz).rem_euclid(1_440);
            if !long || in_window(arr_home, FIRST_ARRIVAL, LAST_ARRIVAL) {
                back = Some(t);
                break;
            }
        }
        let mut back = back.unwrap_or_else(|| {
            let mut t = earliest;
            while !in_window(t.rem_euclid(1_440), FIRST_DEPARTURE, LAST_DEPARTURE) {
                t += 5;
            }
            t
        });
        if back != earliest {
            // The aircraft waited (night-stop, or for a civil arrival time): spread these
            // departures over the next hour.
            let later = back + (rng.below(13) * 5) as i32;
            let arr_home = (later + i32::from(block_back) - tz).rem_euclid(1_440);
            if in_window(later.rem_euclid(1_440), FIRST_DEPARTURE, LAST_DEPARTURE)
                && (!long || in_window(arr_home, FIRST_ARRIVAL, LAST_ARRIVAL))
            {
                back = later;
            }
        }
        let shift = back.div_euclid(1_440);

        let Some(n) = numbers.pair(band) else {
            return;
        };
        let pattern = |origin: &Ap, destination: &Ap, number: u16, dep: i32, block: u16, days| {
            SchedulePattern {
                carrier: carrier.code,
                flight_number: number,
                operating_carrier: None,
                origin: origin.code,
                destination: destination.code,
                departure_local: time_of(dep),
                block_minutes: block,
                days,
                valid_from: params.valid_from,
                valid_to: params.valid_to,
                aircraft: plane.code.to_owned(),
                seats: plane.seats,
            }
        };
        out.push(pattern(a, b, n, dep, block_out, days));
        out.push(pattern(
            b,
            a,
            n + 1,
            back,
            block_back,
            shift_days(days, shift),
        ));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};

    use super::*;

    /// Real coordinates and city populations (from `data/reference`), including a closed
    /// airport (NAY) and a business airport (BQH, LCY) sharing their city's population, an
    /// airport without population (AAB), and the hubs.
    const AIRPORTS: &[(&str, &str, f64, f64, i64)] = &[
        ("PEK", "CN", 40.0801, 116.585, 18960744),
        ("PKX", "CN", 39.5092, 116.4106, 18960744),
        ("PVG", "CN", 31.1434, 121.805, 24874500),
        ("SHA", "CN", 31.1979, 121.336, 24874500),
        ("CAN", "CN", 23.3924, 113.299, 16096724),
        ("SZX", "CN", 22.6393, 113.811, 17494398),
        ("CTU", "CN", 30.5785, 103.947, 13568357),
        ("KMG", "CN", 25.1014, 102.9292, 3855346),
        ("XIY", "CN", 34.4471, 108.752, 9600000),
        ("HKG", "HK", 22.3089, 113.915, 7396076),
        ("TPE", "TW", 25.0777, 121.233, 7871900),
        ("NRT", "JP", 35.7647, 140.386, 9733276),
        ("HND", "JP", 35.5523, 139.78, 9733276),
        ("ICN", "KR", 37.4691, 126.451, 10349312),
        ("SIN", "SG", 1.3502, 103.994, 5638700),
        ("BKK", "TH", 13.6811, 100.747, 5104476),
        ("KUL", "MY", 2.7456, 101.71, 1453975),
        ("DXB", "AE", 25.2528, 55.3644, 3790000),
        ("DOH", "QA", 25.2606, 51.6138, 344939),
        ("IST", "TR", 41.2753, 28.752, 15701602),
        ("LHR", "GB", 51.4706, -0.4619, 8961989),
        ("CDG", "FR", 49.0128, 2.55, 2138551),
        ("FRA", "DE", 50.0264, 8.5431, 650000),
        ("AMS", "NL", 52.3086, 4.7639, 741636),
        ("MAD", "ES", 40.4936, -3.5668, 3255944),
        ("JFK", "US", 40.6399, -73.7787, 8804190),
        ("LAX", "US", 33.9425, -118.408, 3820914),
        ("SFO", "US", 37.6188, -122.3754, 827526),
        ("ORD", "US", 41.9769, -87.9082, 2664452),
        ("YVR", "CA", 49.1939, -123.184, 662248),
        ("SYD", "AU", -33.9461, 151.177, 5638830),
        ("MEL", "AU", -37.6733, 144.843, 5435590),
        ("CKG", "CN", 29.7192, 106.642, 7457599),
        ("XMN", "CN", 24.544, 118.128, 4617251),
        ("ATL", "US", 33.6367, -84.4279, 510823),
        ("DEL", "IN", 28.5665, 77.1031, 317797),
        ("WUH", "CN", 30.7838, 114.208, 10392693),
        ("NKG", "CN", 31.742, 118.862, 9314685),
        ("HGH", "CN", 30.2295, 120.434, 9236032),
        ("TSN", "CN", 39.1244, 117.346, 11090314),
        ("TAO", "CN", 36.365, 120.0983, 7172451),
        ("SHE", "CN", 41.6398, 123.483, 7050000),
        ("URC", "CN", 43.9071, 87.4742, 3029372),
        ("HRB", "CN", 45.6234, 126.25, 5242897),
        ("CSX", "CN", 28.1892, 113.22, 3093980),
        ("DLC", "CN", 38.9657, 121.539, 4913879),
        ("SYX", "CN", 18.3029, 109.412, 1031396),
        ("FUK", "JP", 33.5859, 130.451, 1612392),
        ("CTS", "JP", 42.7752, 141.692, 1973832),
        ("OKA", "JP", 26.1958, 127.646, 317625),
        ("PUS", "KR", 35.1795, 128.938, 3285147),
        ("CJU", "KR", 33.5113, 126.493, 488844),
        ("KHH", "TW", 22.5771, 120.35, 2737660),
        ("CNX", "TH", 18.7668, 98.9626, 127240),
        ("HKT", "TH", 8.1132, 98.3169, 79308),
        ("PEN", "MY", 5.2971, 100.277, 158336),
        ("DPS", "ID", -8.7482, 115.167, 670210),
        ("CGK", "ID", -6.1256, 106.656, 8540121),
        ("MNL", "PH", 14.5086, 121.02, 1600000),
        ("BOM", "IN", 19.0887, 72.8679, 12691836),
        ("BOS", "US", 42.3629, -71.0064, 653833),
        ("SEA", "US", 47.4499, -122.3118, 780995),
        ("MIA", "US", 25.7954, -80.2901, 487014),
        ("DEN", "US", 39.8617, -104.6732, 729019),
        ("DFW", "US", 32.8972, -97.0377, 1326087),
        ("IAD", "US", 38.9475, -77.4599, 689545),
        ("LAS", "US", 36.0803, -115.1524, 641903),
        ("YYZ", "CA", 43.6772, -79.6306, 2794356),
        ("YUL", "CA", 45.4706, -73.7408, 1762949),
        ("YYC", "CA", 51.1139, -114.02, 1306784),
        ("BNE", "AU", -27.3842, 153.117, 2780063),
        ("PER", "AU", -31.9403, 115.967, 2384371),
        ("ADL", "AU", -34.945, 138.531, 1469163),
        ("AKL", "NZ", -37.0081, 174.792, 1547200),
        ("MAN", "GB", 53.3537, -2.275, 568996),
        ("EDI", "GB", 55.95, -3.3725, 514990),
        ("BCN", "ES", 41.2971, 2.0785, 1686208),
        ("FCO", "IT", 41.8045, 12.2508, 2318895),
        ("MUC", "DE", 48.3538, 11.7861, 1505005),
        ("NCE", "FR", 43.6584, 7.2159, 342669),
        ("VIE", "AT", 48.1103, 16.5697, 1691468),
        ("CPH", "DK", 55.6179, 12.656, 1153615),
        ("CAI", "EG", 30.1219, 31.4056, 9606916),
        ("JNB", "ZA", -26.1337, 28.2423, 9418183),
        ("LOS", "NG", 6.5774, 3.3212, 15388000),
        ("NBO", "KE", -1.3192, 36.9278, 4397073),
        ("GRU", "BR", -23.4356, -46.4731, 12400232),
        ("MEX", "MX", 19.4363, -99.0721, 12294193),
        ("NAY", "CN", 39.7828, 116.388, 18960744),
        ("LCY", "GB", 51.5053, 0.0553, 8961989),
        ("AAB", "AU", -26.7, 141.05, 0),
        ("BQH", "GB", 51.3308, 0.0325, 8961989),
        ("MFM", "MO", 22.1496, 113.592, 649335),
    ];

    /// As in `data/reference/airlines.csv` (8L really is recorded there as a UAE cargo
    /// airline; FR is a carrier without a hub).
    const AIRLINES: &[(&str, &str, &str)] = &[
        ("CA", "China", "Star Alliance"),
        ("MU", "China", "SkyTeam"),
        ("CZ", "China", ""),
        ("FM", "China", ""),
        ("ZH", "China", "Star Alliance"),
        ("3U", "China", ""),
        ("8L", "United Arab Emirates", ""),
        ("HU", "China", ""),
        ("MF", "China", "SkyTeam"),
        ("CX", "Hong Kong", "oneworld"),
        ("CI", "Taiwan", "SkyTeam"),
        ("BR", "Taiwan", "Star Alliance"),
        ("JL", "Japan", "oneworld"),
        ("NH", "Japan", "Star Alliance"),
        ("KE", "South Korea", "SkyTeam"),
        ("OZ", "South Korea", "Star Alliance"),
        ("SQ", "Singapore", "Star Alliance"),
        ("TG", "Thailand", "Star Alliance"),
        ("MH", "Malaysia", "oneworld"),
        ("EK", "United Arab Emirates", ""),
        ("QR", "Qatar", "oneworld"),
        ("TK", "Turkey", "Star Alliance"),
        ("BA", "United Kingdom", "oneworld"),
        ("VS", "United Kingdom", "SkyTeam"),
        ("AF", "France", "SkyTeam"),
        ("LH", "Germany", "Star Alliance"),
        ("KL", "Netherlands", "SkyTeam"),
        ("IB", "Spain", "oneworld"),
        ("AA", "United States", "oneworld"),
        ("DL", "United States", "SkyTeam"),
        ("B6", "United States", ""),
        ("UA", "United States", "Star Alliance"),
        ("AC", "Canada", "Star Alliance"),
        ("QF", "Australia", "oneworld"),
        ("VA", "Australia", ""),
        ("AI", "India", "Star Alliance"),
        ("6E", "India", ""),
        ("FR", "Ireland", ""),
    ];

    fn airports() -> Vec<NetworkAirport> {
        AIRPORTS
            .iter()
            .map(|&(code, country, lat, lon, pop)| NetworkAirport {
                code: AirportCode::parse(code).unwrap(),
                country: country.to_owned(),
                lat,
                lon,
                city_population: pop,
            })
            .collect()
    }

    fn airlines() -> Vec<NetworkAirline> {
        AIRLINES
            .iter()
            .map(|&(code, country, alliance)| NetworkAirline {
                code: AirlineCode::parse(code).unwrap(),
                country_name: country.to_owned(),
                alliance: (!alliance.is_empty()).then(|| alliance.to_owned()),
            })
            .collect()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// Four whole weeks, so the average is exact.
    fn params(flights_per_day: u32, seed: u64) -> NetworkParams {
        NetworkParams {
            flights_per_day,
            valid_from: d(2026, 11, 2),
            valid_to: d(2026, 11, 29),
            seed,
        }
    }

    fn operated(patterns: &[SchedulePattern]) -> impl Iterator<Item = &SchedulePattern> {
        patterns.iter().filter(|p| p.operating_carrier.is_none())
    }

    /// Average dated departures per day over the validity period (codeshares not counted).
    fn average_daily(patterns: &[SchedulePattern], p: &NetworkParams) -> f64 {
        let days: Vec<NaiveDate> = p
            .valid_from
            .iter_days()
            .take_while(|x| *x <= p.valid_to)
            .collect();
        let flights: usize = operated(patterns)
            .map(|pat| days.iter().filter(|&&x| pat.operates_on(x)).count())
            .sum();
        flights as f64 / days.len() as f64
    }

    fn coords() -> HashMap<AirportCode, (f64, f64, String)> {
        airports()
            .into_iter()
            .map(|a| (a.code, (a.lat, a.lon, a.country)))
            .collect()
    }

    fn distance(c: &HashMap<AirportCode, (f64, f64, String)>, p: &SchedulePattern) -> f64 {
        let (a, b) = (&c[&p.origin], &c[&p.destination]);
        great_circle_km(a.0, a.1, b.0, b.1)
    }

    #[test]
    fn deterministic() {
        let (ap, al) = (airports(), airlines());
        let a = generate(&ap, &al, &params(3_000, 7));
        let b = generate(&ap, &al, &params(3_000, 7));
        assert_eq!(a, b);
        let c = generate(&ap, &al, &params(3_000, 8));
        assert_ne!(a, c, "another seed gives another schedule");
        // Nor does the order of the input.
        let mut reversed = ap.clone();
        reversed.reverse();
        assert_eq!(generate(&reversed, &al, &params(3_000, 7)), a);
    }

    #[test]
    fn hits_the_target() {
        let (ap, al) = (airports(), airlines());
        for target in [3_000u32, 20_000] {
            let p = params(target, 1);
            let avg = average_daily(&generate(&ap, &al, &p), &p);
            let t = f64::from(target);
            assert!((avg - t).abs() <= 0.1 * t, "target {target}, got {avg}");
        }
    }

    #[test]
    fn trunks_are_busy() {
        let (ap, al) = (airports(), airlines());
        let p = params(3_000, 1);
        let out = generate(&ap, &al, &p);
        let (pek, sha) = (
            AirportCode::parse("PEK").unwrap(),
            AirportCode::parse("SHA").unwrap(),
        );
        let weekly = |o: AirportCode, dst: AirportCode| -> usize {
            operated(&out)
                .filter(|x| x.origin == o && x.destination == dst)
                .map(|x| x.days.0.count_ones() as usize)
                .sum()
        };
        assert!(
            weekly(pek, sha) >= 70,
            "PEK-SHA {} weekly",
            weekly(pek, sha)
        );
        assert!(
            weekly(sha, pek) >= 70,
            "SHA-PEK {} weekly",
            weekly(sha, pek)
        );
    }

    #[test]
    fn every_hub_has_departures_and_arrivals() {
        let (ap, al) = (airports(), airlines());
        let out = generate(&ap, &al, &params(3_000, 3));
        let codes: HashSet<&str> = AIRPORTS.iter().map(|a| a.0).collect();
        for hub in HUBS.iter().filter(|h| codes.contains(h.airport)) {
            let code = AirportCode::parse(hub.airport).unwrap();
            assert!(
                out.iter().any(|p| p.origin == code),
                "{} has no departures",
                hub.airport
            );
            assert!(
                out.iter().any(|p| p.destination == code),
                "{} has no arrivals",
                hub.airport
            );
        }
        // Airports without population, and second airports of a hub's city, are not used.
        for unused in ["AAB", "NAY", "BQH"] {
            let code = AirportCode::parse(unused).unwrap();
            assert!(
                !out.iter()
                    .any(|p| p.origin == code || p.destination == code),
                "{unused}"
            );
        }
    }

    #[test]
    fn distances_and_ranges() {
        let (ap, al) = (airports(), airlines());
        let c = coords();
        for target in [3_000, 20_000] {
            for p in generate(&ap, &al, &params(target, 5)) {
                let km = distance(&c, &p);
                let plane = aircraft::by_code(&p.aircraft).unwrap();
                assert!(km >= MIN_ROUTE_KM, "{p:?} {km}");
                assert!(km <= plane.range_km, "{p:?} {km} beyond {}", plane.range_km);
                assert_eq!(p.seats, plane.seats);
            }
        }
    }

    #[test]
    fn carriers_fly_from_home() {
        let (ap, al) = (airports(), airlines());
        let c = coords();
        let country: HashMap<&str, &str> = AIRLINES.iter().map(|a| (a.0, a.1)).collect();
        let alliance: HashMap<&str, &str> = AIRLINES.iter().map(|a| (a.0, a.2)).collect();
        let hubs_of = |carrier: &str| -> Vec<&str> {
            HUBS.iter()
                .filter(|h| h.carriers.contains(&carrier))
                .map(|h| h.airport)
                .collect()
        };
        let out = generate(&ap, &al, &params(20_000, 11));
        for p in &out {
            let operator = p.operating_carrier.unwrap_or(p.carrier);
            let home = country[operator.as_str()];
            let o_home = country_matches(&c[&p.origin].2, home);
            let d_home = country_matches(&c[&p.destination].2, home);
            let hubs = hubs_of(operator.as_str());
            let from_hub =
                hubs.contains(&p.origin.as_str()) || hubs.contains(&p.destination.as_str());
            assert!(
                (o_home && d_home) || from_hub,
                "{operator} flies {}-{}",
                p.origin,
                p.destination
            );
            assert!(
                o_home || d_home,
                "{operator} fifth freedom {}-{}",
                p.origin,
                p.destination
            );
            assert_ne!(operator.as_str(), "8L");
            assert_ne!(operator.as_str(), "FR");
            if let Some(op) = p.operating_carrier {
                assert_ne!(op, p.carrier);
                assert_eq!(alliance[op.as_str()], alliance[p.carrier.as_str()], "{p:?}");
                assert!(!alliance[op.as_str()].is_empty());
            }
        }
        let codeshares = out.iter().filter(|p| p.operating_carrier.is_some()).count();
        assert!(
            codeshares > 0 && codeshares * 10 < out.len(),
            "{codeshares} of {}",
            out.len()
        );
    }

    #[test]
    fn flight_numbers_unique_per_carrier() {
        let (ap, al) = (airports(), airlines());
        for target in [3_000, 20_000] {
            let out = generate(&ap, &al, &params(target, 2));
            let mut seen = HashSet::new();
            for p in &out {
                assert!((1..=9_999).contains(&p.flight_number), "{p:?}");
                assert!(
                    seen.insert((p.carrier, p.flight_number)),
                    "{}{} twice",
                    p.carrier,
                    p.flight_number
                );
            }
        }
    }

    #[test]
    fn block_times_grow_with_distance() {
        let (ap, al) = (airports(), airlines());
        let c = coords();
        let out = generate(&ap, &al, &params(20_000, 4));
        // (aircraft, eastbound) -> distance (rounded to metres) -> block minutes
        let mut seen: BTreeMap<(String, bool), BTreeMap<i64, u16>> = BTreeMap::new();
        for p in operated(&out) {
            let (o, dst) = (&c[&p.origin], &c[&p.destination]);
            let key = (p.aircraft.clone(), eastbound(o.1, dst.1));
            let m = (distance(&c, p) * 1_000.0).round() as i64;
            seen.entry(key).or_default().insert(m, p.block_minutes);
        }
        for (key, by_distance) in &seen {
            let mut last = 0;
            for (m, block) in by_distance {
                assert!(*block >= last, "{key:?} at {m} m: {block} < {last}");
                last = *block;
            }
        }
        // PVG-LHR takes about 12 hours.
        let (pvg, lhr) = (
            AirportCode::parse("PVG").unwrap(),
            AirportCode::parse("LHR").unwrap(),
        );
        if let Some(p) = out.iter().find(|p| p.origin == pvg && p.destination == lhr) {
            assert!((660..=800).contains(&p.block_minutes), "{p:?}");
        }
    }

    #[test]
    fn departure_times() {
        let (ap, al) = (airports(), airlines());
        for target in [3_000, 20_000] {
            for p in generate(&ap, &al, &params(target, 9)) {
                let t = p.departure_local;
                let m = chrono::Timelike::hour(&t) * 60 + chrono::Timelike::minute(&t);
                assert!((330..=1_435).contains(&m), "{p:?}");
                assert_eq!(m % 5, 0, "{p:?}");
                assert_eq!(chrono::Timelike::second(&t), 0);
                assert!(p.days.0 != 0 && p.days.0 <= 0x7f, "{p:?}");
            }
        }
    }

    #[test]
    fn long_haul_share_and_days() {
        let (ap, al) = (airports(), airlines());
        let c = coords();
        for target in [1_500, 3_000, 20_000] {
            let out = generate(&ap, &al, &params(target, 6));
            let mut long = 0.0;
            let mut all = 0.0;
            let mut per_route: HashMap<(AirlineCode, AirportCode, AirportCode), u32> =
                HashMap::new();
            for p in operated(&out) {
                let weekly = p.days.0.count_ones();
                all += f64::from(weekly);
                if distance(&c, p) >= LONG_HAUL_KM {
                    long += f64::from(weekly);
                    *per_route
                        .entry((p.carrier, p.origin, p.destination))
                        .or_default() += weekly;
                }
            }
            // Long-haul is a few flights a week to a few a day per carrier.
            assert!(per_route.values().all(|&w| (1..=28).contains(&w)));
            let share = long / all;
            assert!(
                (0.06..0.25).contains(&share),
                "{target}: long-haul share {share}"
            );
            // The flagship routes exist even in a small network.
            let lhr = AirportCode::parse("LHR").unwrap();
            let jfk = AirportCode::parse("JFK").unwrap();
            assert!(
                out.iter().any(|p| p.origin == lhr && p.destination == jfk),
                "{target}"
            );
        }
    }

    #[test]
    fn helpers() {
        assert_eq!(
            shift_days(DaysOfWeek(0b000_0001), 1),
            DaysOfWeek(0b000_0010)
        );
        assert_eq!(
            shift_days(DaysOfWeek(0b100_0000), 1),
            DaysOfWeek(0b000_0001)
        );
        assert_eq!(
            shift_days(DaysOfWeek(0b000_0001), -1),
            DaysOfWeek(0b100_0000)
        );
        assert_eq!(shift_days(DaysOfWeek::DAILY, 3), DaysOfWeek::DAILY);
        assert_eq!(partial_days(3, 0).0.count_ones(), 3);
        assert_eq!(partial_days(6, 5).0.count_ones(), 6);
        assert!(
            eastbound(139.0, -118.0),
            "Tokyo to Los Angeles crosses the date line eastbound"
        );
        assert!(!eastbound(-0.4, -73.8));
        assert!(country_matches("TR", "Turkey") && country_matches("KR", "South Korea"));
        assert!(!country_matches("CN", "United Arab Emirates"));
        let mut r = SplitMix64::new(1);
        let first = r.next_u64();
        assert_eq!(SplitMix64::new(1).next_u64(), first);
        let mut n = Numbers::new();
        assert_eq!(n.pair(0), Some(1));
        assert_eq!(n.pair(0), Some(3));
        assert_eq!(n.pair(2), Some(1001));
        assert!(generate(&[], &[], &params(3_000, 1)).is_empty());
        assert!(generate(&airports(), &airlines(), &params(0, 1)).is_empty());
    }
}
