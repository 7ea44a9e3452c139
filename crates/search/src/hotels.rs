//! The hotel index: every built-in property in memory, found by great-circle radius or map box
//! (an R-tree of 3-D unit vectors) or by city, filtered on compact columns before anything is
//! priced, with rooms sold per room type and night kept beside it and updated in place.
//!
//! What a search answers:
//!
//! - A **rate** is one rate plan code on room types that together hold the party. For one
//!   room it is one plan of one room type. For several rooms it is either every room on one
//!   room type (one rate per plan of a type that holds every request and has enough rooms
//!   left) or, per plan code, the cheapest mix of the room types carrying that code, chosen by
//!   [`cheapest_assignment`] on the price of one room of each type. Rooms left over the
//!   nights are respected; member-only plans count only for members.
//! - A result is a property in the destination that passes the property filters and has at
//!   least one rate passing the rate filters; its **cheapest** rate is the lowest price in the
//!   search currency (the first in room and plan order among equals). `total` counts exactly
//!   those properties, and a hit's `rates_count` its rates that pass the filters.
//! - A rate's price is the domain's: each night is [`DemandProfile::nightly_minor`] of the
//!   plan's base price, the stay is [`price_stay`] with the property's taxes and the plan's
//!   promotions, booked on the hotel-local date of `now`. A mix of room types is priced per
//!   type (taxes round once per type) and summed. Prices in another currency are compared
//!   in the search currency through [`HotelIndex::set_exchange_rates`], rounded as
//!   [`RateTable::convert`] rounds.
//!
//! How it stays fast:
//!
//! - Tree leaves carry stars, review and amenity bits, so most excluded properties are dropped
//!   while walking the tree; the remaining filters read small per-property columns.
//! - Availability needs no price: without filters on plans, a room type's summary (has a
//!   public / any plan) and its rooms left decide; rooms sold are sparse (sharded maps, only
//!   for properties with sales) and a property without sales costs one atomic load.
//! - When no filter needs a price and the sort is not "recommended" (whose score needs every
//!   price for the median), membership is known without pricing: `total` is exact, and only
//!   the page needs prices. Each candidate gets a lower bound of its cheapest price (the
//!   property's lowest base price through the stay's demand factors, minus the largest share
//!   any of its promotions could take, plus taxes and fees, each step rounded down); they are
//!   priced in bound order until no remaining bound can enter the page.
//! - Pricing replicates `price_stay`'s total without allocating (tested equal to it), skips
//!   promotions closed for the stay and plans whose own bound is above the cheapest so far.
//!   Only the returned page is priced through the domain in full.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering as Atomic};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use rstar::primitives::GeomWithData;
use rstar::{AABB, RStarInsertionStrategy, RTree, RTreeParams};
use rust_decimal::Decimal;
use wayfare_domain::hotel::cluster::{Cluster, Pin, cluster_pins};
use wayfare_domain::hotel::occupancy::{
    MAX_ROOMS, OccupancyRules, Occupants, RoomOption, cheapest_assignment,
};
use wayfare_domain::hotel::ranking::{self, HotelSort, RankFacts};
use wayfare_domain::hotel::search::{Destination, HotelFilters, OfferFacts};
use wayfare_domain::hotel::stay::{MAX_NIGHTS, StayPrice};
use wayfare_domain::hotel::{
    Board, BoundingBox, CancellationPolicy, DemandProfile, GeoPoint, HotelListing, HotelMapSearch,
    HotelSearch, ListedPlan, ListedRoom, Party, Payment, PromotionKind, PropertyId, RatePlanCode,
    ReviewScore, Reviews, RoomCapacity, RoomTypeCode, StarRating, Stay, price_stay,
};
use wayfare_domain::{Currency, Money, RateTable};

/// The radius `GeoPoint::distance_km` uses.
const EARTH_RADIUS_KM: f64 = 6371.0088;
/// Slack added to chord lengths and box envelopes (unit sphere; ≈ 13 m) so that f32 points
/// never drop a hotel the exact great-circle check would keep.
const CHORD_SLACK: f64 = 2e-6;
const NIGHTS: usize = MAX_NIGHTS as usize;
const SHARDS: usize = 64;
const NO_ID: u16 = u16::MAX;
/// A plan that is never free to cancel.
const NEVER_FREE: u32 = u32::MAX;

const BREAKFAST: u8 = 1;
const PAY_AT_HOTEL: u8 = 2;
const MEMBER_ONLY: u8 = 4;
/// Priceable: its fee currency matches and it has a sane base price.
const VALID: u8 = 8;

/// A room type with a priceable plan anyone may book.
const OFFERS_PUBLIC: u8 = 1;
/// A room type with a priceable plan (members included).
const OFFERS_ANY: u8 = 2;

/// Rooms sold of one room type on one night, as loaded from bookings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomNightSales {
    pub property: PropertyId,
    pub room: RoomTypeCode,
    pub night: NaiveDate,
    pub sold: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InventoryError {
    #[error("no such property in the index")]
    UnknownProperty,
    #[error("no such room type at the property")]
    UnknownRoom,
    #[error("the stay is outside the loaded calendar")]
    OutsideCalendar,
    #[error("not enough rooms left")]
    SoldOut,
}

/// One part of a rate: some rooms of one room type on one plan, priced by [`price_stay`].
#[derive(Debug, Clone, PartialEq)]
pub struct RatePart {
    /// Position in the listing's `rooms`.
    pub room: u16,
    /// Position in that room's `plans`.
    pub plan: u16,
    pub room_type: RoomTypeCode,
    pub rooms: u8,
    pub price: StayPrice,
}

/// A bookable rate with its price for the whole party.
#[derive(Debug, Clone, PartialEq)]
pub struct PricedRate {
    pub plan: RatePlanCode,
    /// For each requested room, in the party's order, the part (index into `parts`) it sleeps in.
    pub room_parts: Vec<u8>,
    /// One per room type used, in room order.
    pub parts: Vec<RatePart>,
    /// The whole stay for every room. With one part it is exactly that part's price. With
    /// several, amounts are the parts' sums and the nightly lists are the per-room average of
    /// each night (half to even); the promotion is the first part's, if any.
    pub price: StayPrice,
    /// `price.total` in the search currency (what filters and sorting compare).
    pub compared: Money,
    pub board: Board,
    pub payment: Payment,
    pub member_only: bool,
    pub cancellation: CancellationPolicy,
    /// Until when cancelling is free (for every part), if it is at all.
    pub free_cancellation_until: Option<DateTime<Utc>>,
    /// Fewest rooms left over the nights among the room types used.
    pub rooms_left: u16,
}

/// One property in the results.
#[derive(Debug, Clone, PartialEq)]
pub struct HotelHit {
    /// Position in the index ([`HotelIndex::listing`]).
    pub index: u32,
    pub id: PropertyId,
    /// From the search's `distance_from`.
    pub distance_km: f64,
    pub cheapest: PricedRate,
    /// Rates passing the filters.
    pub rates_count: u32,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct HotelResults {
    /// The requested page, in the requested order.
    pub items: Vec<HotelHit>,
    /// Properties in the destination passing every filter with at least one rate.
    pub total: usize,
}

/// A property on the map with its cheapest stay in the search currency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapPin {
    pub index: u32,
    pub id: PropertyId,
    pub location: GeoPoint,
    pub cheapest: Money,
}

/// Filter columns of one property, read before any pricing.
#[derive(Debug, Clone, Copy)]
struct HotelCol {
    amenities: u64,
    /// Per room and night, in the property's currency.
    fee_minor: i64,
    /// Lowest base price of its priceable plans (`i64::MAX` when none): public plans, all.
    min_base_public: i64,
    min_base_all: i64,
    review_count: u32,
    tax_bp: u32,
    first_room: u32,
    themes: u16,
    chain: u16,
    brand: u16,
    tz: u16,
    /// A ceiling on the share any promotion can take off, per mille.
    max_discount_permille: u16,
    rooms: u8,
    /// 0 when unrated.
    stars: u8,
    /// Review tenths + 1; 0 when unreviewed.
    review: u8,
    /// Index of the [`DemandProfile`] (three flags).
    profile: u8,
    /// Distinct plan codes.
    groups: u8,
    /// The listing's promotions in `promo_cols`.
    first_promotion: u32,
    /// The currency of every priceable plan, when they share one.
    currency: Option<Currency>,
}

#[derive(Debug, Clone, Copy)]
struct RoomCol {
    capacity: RoomCapacity,
    allotment: u16,
    first_plan: u32,
    plans: u16,
    /// [`OFFERS_PUBLIC`] and [`OFFERS_ANY`]: which callers it has a priceable plan for.
    offers: u8,
}

#[derive(Debug, Clone, Copy)]
struct PlanCol {
    base_minor: i64,
    currency: Currency,
    /// Minor units of one whole unit of `currency`, what nightly prices round to.
    unit: i64,
    first_promo: u32,
    promos: u8,
    group: u8,
    flags: u8,
    /// A ceiling on the share its promotions can take off, per mille.
    max_discount_permille: u16,
    /// Hours before check-in that the first charge starts; [`NEVER_FREE`] if non-refundable.
    free_hours: u32,
}

/// When a promotion is open, as day numbers: [`Promotion::open_for`] without date arithmetic.
#[derive(Debug, Clone, Copy)]
struct PromoCol {
    /// Booking window, both ends included (open ends at the extremes).
    booked_from: i32,
    booked_to: i32,
    min_nights: u8,
    /// Early bird: at least this many days ahead; last minute: at most; else any.
    rule: PromoRule,
    /// [`discount_ceiling`], at least 1.
    ceiling: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PromoRule {
    Any,
    AtLeastDaysAhead(u16),
    AtMostDaysAhead(u16),
}

impl PromoCol {
    fn of(p: &wayfare_domain::hotel::Promotion) -> PromoCol {
        let (booked_from, booked_to) = p.booking_window().map_or((i32::MIN, i32::MAX), |w| {
            (w.from().num_days_from_ce(), w.to().num_days_from_ce())
        });
        PromoCol {
            booked_from,
            booked_to,
            min_nights: p.min_nights(),
            rule: match p.kind() {
                PromotionKind::EarlyBird {
                    min_days_before, ..
                } => PromoRule::AtLeastDaysAhead(min_days_before),
                PromotionKind::LastMinute {
                    max_days_before, ..
                } => PromoRule::AtMostDaysAhead(max_days_before),
                PromotionKind::PercentOff { .. } | PromotionKind::StayPay { .. } => PromoRule::Any,
            },
            ceiling: discount_ceiling(p.kind()).max(1),
        }
    }

    /// The same answer as `open_for` for a stay of `nights` from day `check_in`, booked on
    /// day `booked`.
    fn open(&self, nights: u16, check_in: i32, booked: i32) -> bool {
        if booked < self.booked_from || booked > self.booked_to {
            return false;
        }
        if nights < u16::from(self.min_nights) {
            return false;
        }
        let ahead = i64::from(check_in) - i64::from(booked);
        match self.rule {
            PromoRule::Any => true,
            PromoRule::AtLeastDaysAhead(d) => ahead >= i64::from(d),
            PromoRule::AtMostDaysAhead(d) => (0..=i64::from(d)).contains(&ahead),
        }
    }
}

/// Rooms sold of one room type (position in the property) on one night (days from the
/// calendar's first night).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Sold {
    room: u16,
    night: u16,
    sold: u16,
}

type Spot = GeomWithData<[f32; 3], Leaf>;

/// What a tree leaf carries beside the point: the property and the filter columns most
/// searches use, so properties they exclude are dropped without touching their columns.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Leaf {
    h: u32,
    /// The first 32 amenity bits (every amenity today).
    amenities: u32,
    stars: u8,
    review: u8,
}

/// Wider nodes than rstar's default (6): a city query touches thousands of neighbouring
/// points, and fewer, fuller nodes walk faster.
struct TreeParams;

impl RTreeParams for TreeParams {
    const MIN_SIZE: usize = 8;
    const MAX_SIZE: usize = 24;
    const REINSERTION_COUNT: usize = 6;
    type DefaultInsertionStrategy = RStarInsertionStrategy;
}

/// Sales of the properties whose position ≡ the shard's number (mod [`SHARDS`]).
type SoldShard = RwLock<HashMap<u32, Vec<Sold>>>;

pub struct HotelIndex {
    /// In spatial (Morton) order, so neighbours' columns share cache lines.
    listings: Vec<HotelListing>,
    points: Vec<GeoPoint>,
    hotels: Vec<HotelCol>,
    rooms: Vec<RoomCol>,
    plans: Vec<PlanCol>,
    /// Positions in the listing's `promotions`, per plan in the plan's order.
    plan_promos: Vec<u16>,
    promo_cols: Vec<PromoCol>,
    by_id: HashMap<PropertyId, u32>,
    by_city: HashMap<i64, Vec<u32>>,
    tree: RTree<Spot, TreeParams>,
    chains: HashMap<String, u16>,
    brands: HashMap<String, u16>,
    time_zones: Vec<Tz>,
    first_night: NaiveDate,
    /// Nights in the calendar (`last_night` − `first_night` + 1).
    horizon: usize,
    /// Sparse: only properties with sales have an entry, sorted by (room, night).
    sold: Box<[SoldShard]>,
    has_sales: Vec<AtomicBool>,
    exchange: RwLock<Option<Arc<RateTable>>>,
}

impl std::fmt::Debug for HotelIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HotelIndex")
            .field("properties", &self.listings.len())
            .field("room_types", &self.rooms.len())
            .field("plans", &self.plans.len())
            .finish()
    }
}

fn unit_vector(p: GeoPoint) -> [f64; 3] {
    let (lat, lon) = (p.lat().to_radians(), p.lon().to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

fn f32s(v: [f64; 3]) -> [f32; 3] {
    [v[0] as f32, v[1] as f32, v[2] as f32]
}

/// Interleaves 20 bits of latitude and longitude: nearby points get nearby keys.
fn morton(p: GeoPoint) -> u64 {
    let q = |v: f64, span: f64| (((v / span).clamp(0.0, 1.0)) * f64::from((1u32 << 20) - 1)) as u64;
    let (y, x) = (q(p.lat() + 90.0, 180.0), q(p.lon() + 180.0, 360.0));
    let spread = |mut v: u64| {
        let mut out = 0u64;
        for i in 0..20 {
            out |= (v & 1) << (2 * i);
            v >>= 1;
        }
        out
    };
    spread(x) | (spread(y) << 1)
}

fn profile_index(d: DemandProfile) -> u8 {
    u8::from(d.southern_hemisphere) | u8::from(d.leisure) << 1 | u8::from(d.chinese_holidays) << 2
}

fn profile_of(i: u8) -> DemandProfile {
    DemandProfile {
        southern_hemisphere: i & 1 != 0,
        leisure: i & 2 != 0,
        chinese_holidays: i & 4 != 0,
    }
}

/// Minor units in one whole unit of the currency (100 for CNY), as `nightly_minor` wants.
fn whole_unit(c: Currency) -> i64 {
    10i64.pow(c.exponent())
}

/// [`DemandProfile::nightly_minor`] with the night's factor already looked up.
fn nightly_from_factor(base_minor: i64, factor_permille: i64, unit: i64) -> i64 {
    let unit = unit.max(1);
    // i64 when nothing can overflow (every real price); the same arithmetic in i128 otherwise.
    if let Some(product) = base_minor.checked_mul(factor_permille)
        && let Some(rounded) = (product / 1_000).checked_add(unit / 2)
    {
        return (rounded / unit * unit).max(unit);
    }
    let raw = i128::from(base_minor) * i128::from(factor_permille) / 1_000;
    let rounded = (raw + i128::from(unit) / 2) / i128::from(unit) * i128::from(unit);
    i64::try_from(rounded).unwrap_or(i64::MAX).max(unit)
}

/// `amount × num ÷ den` rounded half to even (the domain's rounding for taxes).
fn half_even(amount: i64, num: i64, den: i64) -> Option<i64> {
    if den <= 0 {
        return None;
    }
    // i64 when the product fits and 2 × remainder cannot overflow.
    if let Some(n) = amount.checked_mul(num)
        && den <= i64::MAX / 2
    {
        let (q, r) = (n.div_euclid(den), n.rem_euclid(den));
        let up = match (2 * r).cmp(&den) {
            Ordering::Greater => true,
            Ordering::Equal => q % 2 != 0,
            Ordering::Less => false,
        };
        return Some(if up { q + 1 } else { q });
    }
    let n = i128::from(amount) * i128::from(num);
    let d = i128::from(den);
    let (q, r) = (n.div_euclid(d), n.rem_euclid(d));
    let up = match (2 * r).cmp(&d) {
        Ordering::Greater => true,
        Ordering::Equal => q % 2 != 0,
        Ordering::Less => false,
    };
    i64::try_from(if up { q + 1 } else { q }).ok()
}

/// The smallest axis-aligned box of unit vectors holding every point of the map box.
fn box_envelope(b: BoundingBox) -> AABB<[f32; 3]> {
    let (s, n) = (b.south().to_radians(), b.north().to_radians());
    let cmin = s.cos().min(n.cos());
    let cmax = if s <= 0.0 && n >= 0.0 {
        1.0
    } else {
        s.cos().max(n.cos())
    };
    let west = b.west();
    let east = west + b.width_degrees();
    let range = |f: fn(f64) -> f64, peaks: [(f64, f64); 2]| {
        let (a, z) = (f(west.to_radians()), f(east.to_radians()));
        let (mut lo, mut hi) = (a.min(z), a.max(z));
        for (at, value) in peaks {
            // Is some angle at + k·360 inside [west, east]?
            let k = ((west - at) / 360.0).ceil();
            if at + k * 360.0 <= east {
                lo = lo.min(value);
                hi = hi.max(value);
            }
        }
        (lo, hi)
    };
    let (cos_lo, cos_hi) = range(f64::cos, [(0.0, 1.0), (180.0, -1.0)]);
    let (sin_lo, sin_hi) = range(f64::sin, [(90.0, 1.0), (270.0, -1.0)]);
    let scale = |lo: f64, hi: f64| {
        let max = if hi >= 0.0 { cmax * hi } else { cmin * hi };
        let min = if lo >= 0.0 { cmin * lo } else { cmax * lo };
        (min - CHORD_SLACK * 4.0, max + CHORD_SLACK * 4.0)
    };
    let (x0, x1) = scale(cos_lo, cos_hi);
    let (y0, y1) = scale(sin_lo, sin_hi);
    let (z0, z1) = (s.sin() - CHORD_SLACK * 4.0, n.sin() + CHORD_SLACK * 4.0);
    AABB::from_corners(
        [x0 as f32, y0 as f32, z0 as f32],
        [x1 as f32, y1 as f32, z1 as f32],
    )
}

/// The share of a stay a promotion can take off at most, per mille (rounded up).
fn discount_ceiling(kind: PromotionKind) -> u16 {
    match kind {
        PromotionKind::PercentOff { permille }
        | PromotionKind::EarlyBird { permille, .. }
        | PromotionKind::LastMinute { permille, .. } => permille.min(1000),
        // The free nights are the cheapest ones: at most (N − M) / N of the eligible nights,
        // so of the stay's price.
        PromotionKind::StayPay {
            stay_nights,
            pay_nights,
        } => {
            let (s, p) = (u32::from(stay_nights.max(1)), u32::from(pay_nights));
            (s.saturating_sub(p) * 1000).div_ceil(s).min(1000) as u16
        }
    }
}

impl HotelIndex {
    /// Indexes `listings` (a property id seen twice keeps its first listing) with the rooms
    /// already `sales` sold, for nights `first_night..=last_night`: stays outside have no
    /// availability.
    pub fn build(
        listings: Vec<HotelListing>,
        sales: impl IntoIterator<Item = RoomNightSales>,
        first_night: NaiveDate,
        last_night: NaiveDate,
    ) -> HotelIndex {
        let mut seen = HashSet::with_capacity(listings.len());
        let mut listings: Vec<HotelListing> = listings
            .into_iter()
            .filter(|l| seen.insert(l.property.id))
            .collect();
        drop(seen);
        listings.sort_by_cached_key(|l| (morton(l.property.location), l.property.id));
        let horizon = usize::try_from((last_night - first_night).num_days() + 1).unwrap_or(0);

        let mut points = Vec::with_capacity(listings.len());
        let mut hotels = Vec::with_capacity(listings.len());
        let mut rooms = Vec::new();
        let mut plans = Vec::new();
        let mut plan_promos = Vec::new();
        let mut promo_cols = Vec::new();
        let mut by_id = HashMap::with_capacity(listings.len());
        let mut by_city: HashMap<i64, Vec<u32>> = HashMap::new();
        let mut chains = HashMap::new();
        let mut brands = HashMap::new();
        let mut tz_ids: HashMap<Tz, u16> = HashMap::new();
        let mut time_zones = Vec::new();
        let mut spots = Vec::with_capacity(listings.len());
        for (i, l) in listings.iter().enumerate() {
            let i = i as u32;
            let p = &l.property;
            by_id.insert(p.id, i);
            by_city.entry(p.city_id).or_default().push(i);
            points.push(p.location);
            spots.push(Spot::new(
                f32s(unit_vector(p.location)),
                Leaf {
                    h: i,
                    amenities: p.amenities.bits() as u32,
                    stars: p.stars.map_or(0, StarRating::get),
                    review: p.reviews.score.map_or(0, |s| s.tenths() + 1),
                },
            ));
            let code_id = |map: &mut HashMap<String, u16>, code: Option<&str>| match code {
                None => NO_ID,
                Some(c) => {
                    let next = map.len().min(usize::from(NO_ID - 1)) as u16;
                    *map.entry(c.to_owned()).or_insert(next)
                }
            };
            let chain = code_id(&mut chains, p.chain.as_ref().map(|c| c.as_str()));
            let brand = code_id(&mut brands, p.brand.as_ref().map(|b| b.as_str()));
            let tz = *tz_ids.entry(p.time_zone).or_insert_with(|| {
                time_zones.push(p.time_zone);
                (time_zones.len() - 1) as u16
            });
            let fee = p.taxes.per_room_night;
            // A rate is one plan code in one currency.
            let mut groups: Vec<(RatePlanCode, Currency)> = Vec::new();
            let (mut min_public, mut min_all) = (i64::MAX, i64::MAX);
            let mut currency: Option<Option<Currency>> = None;
            let first_room = rooms.len() as u32;
            for r in l.rooms.iter().take(usize::from(u8::MAX)) {
                let first_plan = plans.len() as u32;
                let mut offers = 0;
                for lp in r.plans.iter().take(usize::from(u16::MAX)) {
                    let plan = &lp.plan;
                    let key = (plan.code, plan.currency);
                    let group = match groups.iter().position(|g| *g == key) {
                        Some(g) => g,
                        None => {
                            groups.push(key);
                            groups.len() - 1
                        }
                    };
                    let first_promo = plan_promos.len() as u32;
                    for code in &plan.promotions {
                        if let Some(at) = l.promotions.iter().position(|x| x.code() == *code) {
                            plan_promos.push(at as u16);
                        }
                    }
                    let valid = lp.base_nightly_minor >= 0
                        && fee.is_none_or(|f| f.currency() == plan.currency && !f.is_negative())
                        && group < usize::from(u8::MAX);
                    let mut flags = 0;
                    if plan.board.includes_breakfast() {
                        flags |= BREAKFAST;
                    }
                    if plan.payment == Payment::PayAtHotel {
                        flags |= PAY_AT_HOTEL;
                    }
                    if plan.member_only {
                        flags |= MEMBER_ONLY;
                    }
                    if valid {
                        flags |= VALID;
                        offers |= OFFERS_ANY;
                        if !plan.member_only {
                            offers |= OFFERS_PUBLIC;
                        }
                        min_all = min_all.min(lp.base_nightly_minor);
                        if !plan.member_only {
                            min_public = min_public.min(lp.base_nightly_minor);
                        }
                        currency = Some(match currency {
                            None => Some(plan.currency),
                            Some(c) if c == Some(plan.currency) => c,
                            Some(_) => None,
                        });
                    }
                    plans.push(PlanCol {
                        base_minor: lp.base_nightly_minor,
                        currency: plan.currency,
                        unit: whole_unit(plan.currency),
                        first_promo,
                        promos: (plan_promos.len() as u32 - first_promo).min(255) as u8,
                        group: group.min(255) as u8,
                        flags,
                        max_discount_permille: plan_promos[first_promo as usize..]
                            .iter()
                            .map(|&x| discount_ceiling(l.promotions[usize::from(x)].kind()))
                            .max()
                            .unwrap_or(0),
                        free_hours: plan
                            .cancellation
                            .tiers()
                            .first()
                            .map_or(NEVER_FREE, |t| t.hours_before),
                    });
                }
                rooms.push(RoomCol {
                    capacity: r.room.capacity,
                    allotment: r.allotment,
                    first_plan,
                    plans: (plans.len() as u32 - first_plan) as u16,
                    offers,
                });
            }
            hotels.push(HotelCol {
                amenities: p.amenities.bits(),
                fee_minor: fee.map_or(0, |f| f.minor()),
                min_base_public: min_public,
                min_base_all: min_all,
                review_count: p.reviews.count,
                tax_bp: p.taxes.percent_bp,
                first_room,
                themes: p.themes.bits(),
                chain,
                brand,
                tz,
                max_discount_permille: l
                    .promotions
                    .iter()
                    .map(|x| discount_ceiling(x.kind()))
                    .max()
                    .unwrap_or(0),
                rooms: (rooms.len() as u32 - first_room) as u8,
                stars: p.stars.map_or(0, StarRating::get),
                review: p.reviews.score.map_or(0, |s| s.tenths() + 1),
                profile: profile_index(l.demand),
                groups: groups.len().min(255) as u8,
                first_promotion: promo_cols.len() as u32,
                currency: currency.flatten(),
            });
            promo_cols.extend(l.promotions.iter().map(PromoCol::of));
        }
        let has_sales = (0..listings.len())
            .map(|_| AtomicBool::new(false))
            .collect();
        let index = HotelIndex {
            tree: RTree::bulk_load_with_params(spots),
            listings,
            points,
            hotels,
            rooms,
            plans,
            plan_promos,
            promo_cols,
            by_id,
            by_city,
            chains,
            brands,
            time_zones,
            first_night,
            horizon,
            sold: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
            has_sales,
            exchange: RwLock::new(None),
        };
        let mut per_hotel: HashMap<u32, Vec<Sold>> = HashMap::new();
        for s in sales {
            let Some(&h) = index.by_id.get(&s.property) else {
                continue;
            };
            let (Some(room), Some(night)) = (index.room_position(h, s.room), index.night(s.night))
            else {
                continue;
            };
            if s.sold > 0 {
                per_hotel.entry(h).or_default().push(Sold {
                    room,
                    night: night as u16,
                    sold: s.sold,
                });
            }
        }
        for (h, mut v) in per_hotel {
            v.sort_unstable();
            // Several records for one room and night add up.
            let mut merged: Vec<Sold> = Vec::with_capacity(v.len());
            for s in v {
                match merged.last_mut() {
                    Some(m) if m.room == s.room && m.night == s.night => {
                        m.sold = m.sold.saturating_add(s.sold);
                    }
                    _ => merged.push(s),
                }
            }
            index
                .shard(h)
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .insert(h, merged);
            index.has_sales[h as usize].store(true, Atomic::Release);
        }
        index
    }

    /// Prices in other currencies are converted with these rates for filtering and sorting;
    /// without them, rates in a currency other than the search's are left out.
    pub fn set_exchange_rates(&self, rates: RateTable) {
        *self.exchange.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(rates));
    }

    pub fn len(&self) -> usize {
        self.listings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.listings.is_empty()
    }

    pub fn first_night(&self) -> NaiveDate {
        self.first_night
    }

    pub fn last_night(&self) -> NaiveDate {
        self.first_night + Duration::days(self.horizon as i64 - 1)
    }

    pub fn property(&self, id: PropertyId) -> Option<&HotelListing> {
        self.by_id.get(&id).map(|&i| &self.listings[i as usize])
    }

    /// The position of a property in the index.
    pub fn position(&self, id: PropertyId) -> Option<u32> {
        self.by_id.get(&id).copied()
    }

    /// The listing at a position (as in [`HotelHit::index`]).
    pub fn listing(&self, index: u32) -> &HotelListing {
        &self.listings[index as usize]
    }

    /// The room type and plan a [`RatePart`] names.
    pub fn part_of(&self, index: u32, part: &RatePart) -> Option<(&ListedRoom, &ListedPlan)> {
        let room = self.listings[index as usize]
            .rooms
            .get(usize::from(part.room))?;
        Some((room, room.plans.get(usize::from(part.plan))?))
    }

    /// Positions of the properties of a city (GeoNames id).
    pub fn city_properties(&self, city_id: i64) -> &[u32] {
        self.by_city.get(&city_id).map_or(&[], Vec::as_slice)
    }

    /// Every city with properties: (GeoNames id, number of properties).
    pub fn cities(&self) -> impl Iterator<Item = (i64, usize)> + '_ {
        self.by_city.iter().map(|(id, list)| (*id, list.len()))
    }

    /// The mean position of a city's properties, for a city the reference data lacks.
    pub fn city_centroid(&self, city_id: i64) -> Option<GeoPoint> {
        let list = self.by_city.get(&city_id)?;
        let mut v = [0.0; 3];
        for &i in list {
            let u = unit_vector(self.points[i as usize]);
            for k in 0..3 {
                v[k] += u[k];
            }
        }
        let norm = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        if norm == 0.0 {
            return None;
        }
        GeoPoint::new(
            (v[2] / norm).clamp(-1.0, 1.0).asin().to_degrees(),
            v[1].atan2(v[0]).to_degrees(),
        )
    }

    /// Approximate bytes held beside the listings themselves (columns, tree, sales).
    pub fn approx_bytes(&self) -> usize {
        let sales: usize = self
            .sold
            .iter()
            .map(|s| {
                s.read()
                    .unwrap_or_else(|e| e.into_inner())
                    .values()
                    .map(|v| 48 + v.capacity() * std::mem::size_of::<Sold>())
                    .sum::<usize>()
            })
            .sum();
        self.hotels.len()
            * (std::mem::size_of::<HotelCol>()
                + std::mem::size_of::<GeoPoint>()
                + 1
                + 4
                + 24
                + std::mem::size_of::<Spot>() * 5 / 4)
            + self.rooms.len() * std::mem::size_of::<RoomCol>()
            + self.plans.len() * std::mem::size_of::<PlanCol>()
            + self.plan_promos.len() * 2
            + self.by_city.len() * 48
            + sales
    }

    // ---- inventory -------------------------------------------------------------------------

    fn shard(&self, h: u32) -> &SoldShard {
        &self.sold[h as usize % SHARDS]
    }

    fn night(&self, date: NaiveDate) -> Option<usize> {
        let i = usize::try_from((date - self.first_night).num_days()).ok()?;
        (i < self.horizon).then_some(i)
    }

    /// The calendar nights of a stay, when all of it is loaded.
    fn stay_nights(&self, stay: Stay) -> Option<(u16, u16)> {
        let a = self.night(stay.check_in())?;
        let n = usize::from(stay.nights());
        (a + n <= self.horizon).then_some((a as u16, (a + n) as u16))
    }

    fn room_position(&self, h: u32, code: RoomTypeCode) -> Option<u16> {
        self.listings[h as usize]
            .rooms
            .iter()
            .position(|r| r.room.code == code)
            .map(|p| p as u16)
    }

    /// Turns each room type's allotment in `left` into the rooms left on every night `a..b`.
    /// Properties without sales cost one atomic load.
    fn subtract_sold(&self, h: u32, a: u16, b: u16, left: &mut [u16]) {
        if !self.has_sales[h as usize].load(Atomic::Acquire) {
            return;
        }
        let shard = self.shard(h).read().unwrap_or_else(|e| e.into_inner());
        let Some(v) = shard.get(&h) else {
            return;
        };
        let first = self.hotels[h as usize].first_room as usize;
        for s in v.iter().filter(|s| s.night >= a && s.night < b) {
            if let Some(slot) = left.get_mut(usize::from(s.room)) {
                let allotment = self.rooms[first + usize::from(s.room)].allotment;
                *slot = (*slot).min(allotment.saturating_sub(s.sold));
            }
        }
    }

    /// Rooms of a type left on every night of the stay.
    pub fn rooms_left(&self, property: PropertyId, room: RoomTypeCode, stay: Stay) -> Option<u16> {
        let h = *self.by_id.get(&property)?;
        let r = self.room_position(h, room)?;
        let Some((a, b)) = self.stay_nights(stay) else {
            return Some(0);
        };
        let col = self.hotels[h as usize];
        let first = col.first_room as usize;
        let mut left: Vec<u16> = self.rooms[first..first + usize::from(col.rooms)]
            .iter()
            .map(|r| r.allotment)
            .collect();
        self.subtract_sold(h, a, b, &mut left);
        Some(left[usize::from(r)])
    }

    /// Adds `delta` rooms sold (negative for a cancellation) of a room type on every night of
    /// the stay, in place; counts stay within 0..=65535.
    pub fn add_sold(
        &self,
        property: PropertyId,
        room: RoomTypeCode,
        stay: Stay,
        delta: i32,
    ) -> Result<(), InventoryError> {
        self.change_sold(property, room, stay, |_, sold| {
            Some((i32::from(sold) + delta).clamp(0, i32::from(u16::MAX)) as u16)
        })
    }

    /// Sells `rooms` rooms of a type for the stay only if that many are left on every night:
    /// the check and the update happen under one lock.
    pub fn try_sell(
        &self,
        property: PropertyId,
        room: RoomTypeCode,
        stay: Stay,
        rooms: u16,
    ) -> Result<(), InventoryError> {
        self.change_sold(property, room, stay, |allotment, sold| {
            let after = sold.checked_add(rooms)?;
            (after <= allotment).then_some(after)
        })
    }

    /// Applies `f(allotment, sold) -> new sold` to every night, or to none when `f` refuses one.
    fn change_sold(
        &self,
        property: PropertyId,
        room: RoomTypeCode,
        stay: Stay,
        f: impl Fn(u16, u16) -> Option<u16>,
    ) -> Result<(), InventoryError> {
        let h = *self
            .by_id
            .get(&property)
            .ok_or(InventoryError::UnknownProperty)?;
        let r = self
            .room_position(h, room)
            .ok_or(InventoryError::UnknownRoom)?;
        let (a, b) = self
            .stay_nights(stay)
            .ok_or(InventoryError::OutsideCalendar)?;
        let col = self.hotels[h as usize];
        let allotment = self.rooms[(col.first_room + u32::from(r)) as usize].allotment;
        let mut shard = self.shard(h).write().unwrap_or_else(|e| e.into_inner());
        let v = shard.entry(h).or_default();
        let mut updated = [0u16; NIGHTS];
        for night in a..b {
            let cur = v
                .binary_search_by(|s| (s.room, s.night).cmp(&(r, night)))
                .map_or(0, |i| v[i].sold);
            updated[usize::from(night - a)] = f(allotment, cur).ok_or(InventoryError::SoldOut)?;
        }
        for night in a..b {
            let sold = updated[usize::from(night - a)];
            match v.binary_search_by(|s| (s.room, s.night).cmp(&(r, night))) {
                Ok(i) => v[i].sold = sold,
                Err(i) => v.insert(
                    i,
                    Sold {
                        room: r,
                        night,
                        sold,
                    },
                ),
            }
        }
        self.has_sales[h as usize].store(true, Atomic::Release);
        Ok(())
    }

    // ---- queries ---------------------------------------------------------------------------

    /// Positions of the properties within `radius_km` (great circle, edge included) of `centre`.
    pub fn within_radius(&self, centre: GeoPoint, radius_km: f64, out: &mut Vec<u32>) {
        if radius_km.is_nan() || radius_km < 0.0 {
            return;
        }
        self.for_each_within(centre, radius_km, |l| out.push(l.h));
    }

    /// Calls `f` with each property within the radius. The f32 chord decides every point
    /// more than [`CHORD_SLACK`] from the circle; those nearer are decided by the domain's
    /// great-circle distance, so the answer is exactly [`GeoPoint::distance_km`]'s.
    fn for_each_within(&self, centre: GeoPoint, radius_km: f64, mut f: impl FnMut(&Leaf)) {
        if radius_km.is_nan() || radius_km < 0.0 {
            return;
        }
        let half_angle = (radius_km / EARTH_RADIUS_KM / 2.0).min(std::f64::consts::FRAC_PI_2);
        let chord = 2.0 * half_angle.sin();
        let inner = (chord - CHORD_SLACK).max(0.0);
        let (inner2, outer2) = (
            (inner * inner) as f32,
            ((chord + CHORD_SLACK).powi(2)) as f32,
        );
        let q = f32s(unit_vector(centre));
        let reach = (chord + CHORD_SLACK) as f32;
        let cube = AABB::from_corners(
            [q[0] - reach, q[1] - reach, q[2] - reach],
            [q[0] + reach, q[1] + reach, q[2] + reach],
        );
        let _ = self.tree.locate_in_envelope_int(cube, |s| {
            let p = s.geom();
            let (dx, dy, dz) = (p[0] - q[0], p[1] - q[1], p[2] - q[2]);
            let d2 = dx * dx + dy * dy + dz * dz;
            if d2 < inner2
                || (d2 <= outer2 && self.points[s.data.h as usize].distance_km(centre) <= radius_km)
            {
                f(&s.data);
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
    }

    /// Calls `f` with each property of the destination that passes the property filters.
    fn for_each_in(&self, destination: &Destination, q: &ColumnFilter, mut f: impl FnMut(u32)) {
        match destination {
            Destination::City { city_id, .. } => {
                for &h in self.city_properties(*city_id) {
                    if self.columns_pass(h, q) {
                        f(h);
                    }
                }
            }
            Destination::Area {
                centre, radius_km, ..
            } => self.for_each_within(*centre, *radius_km, |leaf| {
                if leaf_passes(leaf, q) && self.columns_pass(leaf.h, q) {
                    f(leaf.h);
                }
            }),
        }
    }

    /// Positions of the properties inside the map box (edges included; it may cross 180°).
    pub fn within_box(&self, bbox: BoundingBox, out: &mut Vec<u32>) {
        self.for_each_in_box(bbox, |l| out.push(l.h));
    }

    fn for_each_in_box(&self, bbox: BoundingBox, mut f: impl FnMut(&Leaf)) {
        let _ = self.tree.locate_in_envelope_int(box_envelope(bbox), |s| {
            if bbox.contains(self.points[s.data.h as usize]) {
                f(&s.data);
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
    }

    /// Property filters on the columns; the same answer as [`HotelFilters::property_passes`].
    fn columns_pass(&self, h: u32, q: &ColumnFilter) -> bool {
        let c = &self.hotels[h as usize];
        if c.amenities & q.amenities != q.amenities {
            return false;
        }
        if q.stars != 0 && q.stars & (1 << c.stars) == 0 {
            return false;
        }
        if q.themes != 0 && c.themes & q.themes == 0 {
            return false;
        }
        if q.min_review > 0 && c.review < q.min_review {
            return false;
        }
        if let Some(chains) = &q.chains
            && !chains.contains(&c.chain)
        {
            return false;
        }
        if let Some(brands) = &q.brands
            && !brands.contains(&c.brand)
        {
            return false;
        }
        if let Some((from, km)) = q.max_distance
            && self.points[h as usize].distance_km(from) > km
        {
            return false;
        }
        true
    }

    fn column_filter(&self, f: &HotelFilters) -> ColumnFilter {
        let mut stars = 0u8;
        for s in 1..=5 {
            if StarRating::new(s).is_some_and(|r| f.stars.contains(r)) {
                stars |= 1 << s;
            }
        }
        let ids = |codes: Vec<&str>, map: &HashMap<String, u16>| {
            (!codes.is_empty()).then(|| {
                codes
                    .iter()
                    .filter_map(|c| map.get(*c).copied())
                    .collect::<Vec<u16>>()
            })
        };
        ColumnFilter {
            amenities: f.amenities.bits(),
            stars,
            themes: f.themes.bits(),
            min_review: f.min_review.map_or(0, |s| s.tenths() + 1),
            chains: ids(f.chains.iter().map(|c| c.as_str()).collect(), &self.chains),
            brands: ids(f.brands.iter().map(|b| b.as_str()).collect(), &self.brands),
            max_distance: f.max_distance.map(|d| (d.from, d.max_km)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn pricer<'a>(
        &'a self,
        stay: Stay,
        party: &'a Party,
        currency: Currency,
        filters: &'a HotelFilters,
        filtered: bool,
        now: DateTime<Utc>,
        member: bool,
    ) -> Pricer<'a> {
        let nights = usize::from(stay.nights());
        let mut factors = [[0i64; NIGHTS]; 8];
        for (p, row) in factors.iter_mut().enumerate() {
            let profile = profile_of(p as u8);
            for (i, night) in stay.night_dates().enumerate() {
                row[i] = profile.factor_permille(night);
            }
        }
        let rules = OccupancyRules::default();
        let mut occ = [Occupants::default(); MAX_ROOMS];
        for (o, r) in occ.iter_mut().zip(party.rooms()) {
            *o = r.occupants(&rules);
        }
        Pricer {
            index: self,
            stay,
            nights,
            calendar: self.stay_nights(stay),
            factors,
            occ,
            party,
            n: party.rooms().len(),
            rules,
            member,
            filters,
            filtered,
            plan_filters: filtered
                && (filters.breakfast_included
                    || filters.pay_at_hotel
                    || filters.free_cancellation),
            now,
            currency,
            exchange: self
                .exchange
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
            rates: Vec::new(),
            booked_on: vec![None; self.time_zones.len()],
            left: Vec::with_capacity(16),
            check_in_at: None,
            promo_ceiling: Vec::new(),
            promo_hotel: u32::MAX,
            check_in_day: stay.check_in().num_days_from_ce(),
            scratch: [0; NIGHTS],
        }
    }

    /// Properties for a list search, the requested page priced in full. See the module docs
    /// for what a rate, the cheapest rate and `total` are.
    pub fn search(&self, search: &HotelSearch, now: DateTime<Utc>, member: bool) -> HotelResults {
        let columns = self.column_filter(&search.filters);
        let mut pricer = self.pricer(
            search.stay,
            &search.party,
            search.currency,
            &search.filters,
            true,
            now,
            member,
        );
        if pricer.calendar.is_none() {
            return HotelResults::default();
        }
        let wanted = search.offset.saturating_add(search.limit);
        let from = search.distance_from;
        let f = &search.filters;
        let price_filters = f.price.is_some() || f.deals_only;
        let mut selected: Vec<Scored> = Vec::new();
        let mut total = 0usize;

        if price_filters || search.sort == HotelSort::Recommended {
            // Every result's price is needed: for the filters or for the median.
            self.for_each_in(&search.destination, &columns, |h| {
                if !pricer.admit(h) {
                    return;
                }
                pricer.load(h);
                if let Some(best) = pricer.best(h) {
                    selected.push(self.scored(h, from, best));
                }
            });
            total = selected.len();
            ranking::sort(&mut selected, search.sort, |s| s.facts);
        } else {
            // Availability alone decides membership; prices only order the page, so price in
            // order of a lower bound and stop when nothing left can enter it.
            let mut cands: Vec<Candidate> = Vec::new();
            self.for_each_in(&search.destination, &columns, |h| {
                if !pricer.admit(h) {
                    return;
                }
                total += 1;
                cands.push(Candidate {
                    primary: self.primary_key(h, search.sort, from),
                    bound: pricer.lower_bound(h),
                    id: self.listings[h as usize].property.id,
                    h,
                });
            });
            // Popped in bound order; building the heap is linear and only the few candidates
            // that are priced are popped.
            let mut queue: BinaryHeap<Reverse<Candidate>> =
                cands.into_iter().map(Reverse).collect();
            let mut heap: BinaryHeap<(u64, i64, PropertyId, usize)> = BinaryHeap::new();
            let mut priced: Vec<Scored> = Vec::new();
            while let Some(Reverse(c)) = queue.pop() {
                if wanted == 0 {
                    break;
                }
                if heap.len() == wanted
                    && let Some(&(p, price, _, _)) = heap.peek()
                    && (c.primary, c.bound) > (p, price)
                {
                    break;
                }
                pricer.load(c.h);
                let Some(best) = pricer.best(c.h) else {
                    continue;
                };
                let s = self.scored(c.h, from, best);
                let key = (c.primary, s.facts.price_minor, c.id);
                if heap.len() < wanted {
                    heap.push((key.0, key.1, key.2, priced.len()));
                    priced.push(s);
                } else if let Some(top) = heap.peek()
                    && key < (top.0, top.1, top.2)
                {
                    heap.pop();
                    heap.push((key.0, key.1, key.2, priced.len()));
                    priced.push(s);
                }
            }
            selected = heap.into_iter().map(|(.., at)| priced[at]).collect();
            ranking::sort(&mut selected, search.sort, |s| s.facts);
        }

        let items = selected
            .iter()
            .skip(search.offset)
            .take(search.limit)
            .filter_map(|s| {
                pricer.load(s.h);
                Some(HotelHit {
                    index: s.h,
                    id: s.facts.id,
                    distance_km: s.facts.distance_km,
                    cheapest: pricer.materialize(s.h, s.best.rate)?,
                    rates_count: s.best.count,
                })
            })
            .collect();
        HotelResults { items, total }
    }

    fn scored(&self, h: u32, from: GeoPoint, best: Best) -> Scored {
        let c = &self.hotels[h as usize];
        Scored {
            h,
            best,
            facts: RankFacts {
                id: self.listings[h as usize].property.id,
                price_minor: best.compared,
                distance_km: self.points[h as usize].distance_km(from),
                reviews: Reviews {
                    score: c.review.checked_sub(1).and_then(ReviewScore::from_tenths),
                    count: c.review_count,
                },
                stars: StarRating::new(c.stars),
                deal: best.deal,
            },
        }
    }

    /// What the sort compares before the price, as one number (smaller first).
    fn primary_key(&self, h: u32, sort: HotelSort, from: GeoPoint) -> u64 {
        let c = &self.hotels[h as usize];
        match sort {
            HotelSort::Price | HotelSort::Recommended => 0,
            // Non-negative floats order as their bits.
            HotelSort::Distance => self.points[h as usize].distance_km(from).max(0.0).to_bits(),
            HotelSort::ReviewScore => {
                (u64::from(u8::MAX - c.review) << 32) | u64::from(u32::MAX - c.review_count)
            }
            HotelSort::Stars => u64::from(5u8.saturating_sub(c.stars)),
        }
    }

    /// Every bookable rate at a property for the stay and party, cheapest first (ties in room
    /// and plan order), whatever the search's filters: for one room, each plan of each room
    /// type that holds it; for several, each plan of a room type that holds them all, and per
    /// plan code the cheapest mix of room types when that needs more than one type.
    pub fn rates(
        &self,
        property: PropertyId,
        search: &HotelSearch,
        now: DateTime<Utc>,
        member: bool,
    ) -> Vec<PricedRate> {
        let Some(&h) = self.by_id.get(&property) else {
            return Vec::new();
        };
        let no_filters = HotelFilters::default();
        let mut pricer = self.pricer(
            search.stay,
            &search.party,
            search.currency,
            &no_filters,
            false,
            now,
            member,
        );
        if !pricer.load(h) {
            return Vec::new();
        }
        let mut keys = Vec::new();
        pricer.each_rate(h, |key, compared, _| keys.push((compared, keys.len(), key)));
        keys.sort_unstable_by_key(|(compared, order, _)| (*compared, *order));
        keys.into_iter()
            .filter_map(|(.., key)| pricer.materialize(h, key))
            .collect()
    }

    /// Available properties in the map box passing the filters, with their cheapest stay.
    pub fn map_pins(
        &self,
        search: &HotelMapSearch,
        now: DateTime<Utc>,
        member: bool,
    ) -> Vec<MapPin> {
        let columns = self.column_filter(&search.filters);
        let mut pricer = self.pricer(
            search.stay,
            &search.party,
            search.currency,
            &search.filters,
            true,
            now,
            member,
        );
        if pricer.calendar.is_none() {
            return Vec::new();
        }
        let mut pins = Vec::new();
        self.for_each_in_box(search.bbox, |leaf| {
            let h = leaf.h;
            if !leaf_passes(leaf, &columns) || !self.columns_pass(h, &columns) || !pricer.admit(h) {
                return;
            }
            pricer.load(h);
            if let Some(best) = pricer.best(h) {
                pins.push(MapPin {
                    index: h,
                    id: self.listings[h as usize].property.id,
                    location: self.points[h as usize],
                    cheapest: Money::from_minor(best.compared, search.currency),
                });
            }
        });
        pins
    }

    /// The map: [`Self::map_pins`] grouped by the domain's [`cluster_pins`]; a cluster of one
    /// names its property.
    pub fn map(&self, search: &HotelMapSearch, now: DateTime<Utc>, member: bool) -> Vec<Cluster> {
        let pins: Vec<Pin> = self
            .map_pins(search, now, member)
            .into_iter()
            .map(|p| Pin {
                id: p.id,
                location: p.location,
                price: Some(p.cheapest),
            })
            .collect();
        cluster_pins(&pins, search.bbox, search.zoom)
    }
}

/// The filters a tree leaf can decide (the columns decide again, exactly).
fn leaf_passes(leaf: &Leaf, q: &ColumnFilter) -> bool {
    let wanted = q.amenities as u32;
    leaf.amenities & wanted == wanted
        && (q.stars == 0 || q.stars & (1 << leaf.stars) != 0)
        && (q.min_review == 0 || leaf.review >= q.min_review)
}

/// The property filters as column values.
struct ColumnFilter {
    amenities: u64,
    /// Bit `s` for `s` stars; 0 for any.
    stars: u8,
    themes: u16,
    /// Tenths + 1; 0 for none.
    min_review: u8,
    /// Known ids of the wanted chains; `None` for any (an empty list matches nothing).
    chains: Option<Vec<u16>>,
    brands: Option<Vec<u16>>,
    max_distance: Option<(GeoPoint, f64)>,
}

/// Identifies a rate of the current property so it can be priced in full later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RateKey {
    /// Every room of the party on one plan (global plan index) of one room type (position).
    Single { room: u16, plan: u32 },
    /// One plan code on several room types: the room position for each requested room.
    Mixed { group: u8, picks: [u16; MAX_ROOMS] },
}

#[derive(Debug, Clone, Copy)]
struct Best {
    rate: RateKey,
    /// In the search currency.
    compared: i64,
    deal: bool,
    count: u32,
}

#[derive(Debug, Clone, Copy)]
struct Scored {
    h: u32,
    best: Best,
    facts: RankFacts,
}

/// Ordered by what the page is sorted by, with the price's lower bound for the price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Candidate {
    primary: u64,
    bound: i64,
    id: PropertyId,
    h: u32,
}

/// A rate's price without building it: what `price_stay` would total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Quick {
    total: i64,
    deal: bool,
}

/// Per-search state: the stay's demand factors, the party's places, caches and scratch space.
struct Pricer<'a> {
    index: &'a HotelIndex,
    stay: Stay,
    nights: usize,
    calendar: Option<(u16, u16)>,
    factors: [[i64; NIGHTS]; 8],
    occ: [Occupants; MAX_ROOMS],
    party: &'a Party,
    n: usize,
    rules: OccupancyRules,
    member: bool,
    filters: &'a HotelFilters,
    /// Apply `filters` (false for a property's full list of rates).
    filtered: bool,
    /// Filters on plans that need no price (breakfast, pay at the hotel, free cancellation).
    plan_filters: bool,
    now: DateTime<Utc>,
    currency: Currency,
    exchange: Option<Arc<RateTable>>,
    /// Conversion rates to the search currency met so far (`None`: cannot convert).
    rates: Vec<(Currency, Option<(Decimal, f64)>)>,
    /// The hotel-local date of `now`, per time zone, filled as met.
    booked_on: Vec<Option<NaiveDate>>,
    // The current property:
    left: Vec<u16>,
    check_in_at: Option<DateTime<Utc>>,
    /// See [`Pricer::prepare_promotions`]; `promo_hotel` is the property they are for.
    promo_ceiling: Vec<u16>,
    promo_hotel: u32,
    /// The check-in date as a day number.
    check_in_day: i32,
    scratch: [i64; NIGHTS],
}

impl Pricer<'_> {
    /// Loads the current property's rooms left; false when the stay is outside the calendar.
    fn load(&mut self, h: u32) -> bool {
        let Some((a, b)) = self.calendar else {
            return false;
        };
        let index = self.index;
        let c = &index.hotels[h as usize];
        let first = c.first_room as usize;
        self.left.clear();
        self.left.extend(
            index.rooms[first..first + usize::from(c.rooms)]
                .iter()
                .map(|r| r.allotment),
        );
        index.subtract_sold(h, a, b, &mut self.left);
        self.check_in_at = None;
        true
    }

    fn check_in_at(&mut self, h: u32) -> DateTime<Utc> {
        if let Some(t) = self.check_in_at {
            return t;
        }
        let t = self.index.listings[h as usize]
            .property
            .check_in_at(self.stay.check_in());
        self.check_in_at = Some(t);
        t
    }

    fn booked_on(&mut self, h: u32) -> NaiveDate {
        let tz = usize::from(self.index.hotels[h as usize].tz);
        if let Some(d) = self.booked_on[tz] {
            return d;
        }
        let d = self
            .now
            .with_timezone(&self.index.time_zones[tz])
            .date_naive();
        self.booked_on[tz] = Some(d);
        d
    }

    fn rate_to_search(&mut self, from: Currency) -> Option<Decimal> {
        self.rate_entry(from).map(|(r, _)| r)
    }

    /// Minor units of the search currency per minor unit of `from`, approximately.
    fn rate_to_search_f64(&mut self, from: Currency) -> Option<f64> {
        self.rate_entry(from).map(|(_, r)| r)
    }

    fn rate_entry(&mut self, from: Currency) -> Option<(Decimal, f64)> {
        if let Some((_, r)) = self.rates.iter().find(|(c, _)| *c == from) {
            return *r;
        }
        let r = self
            .exchange
            .as_ref()
            .and_then(|t| t.rate(from, self.currency).ok())
            .map(|rate| {
                // Via the conversion itself, so the scale of the two currencies is included.
                let big = 1_000_000_000_000i64;
                let to = Money::from_minor(big, from)
                    .to_decimal()
                    .checked_mul(rate)
                    .and_then(|v| Money::from_decimal_rounded(v, self.currency).ok())
                    .map_or(0.0, |m| m.minor() as f64 / big as f64);
                (rate, to)
            });
        self.rates.push((from, r));
        r
    }

    /// An amount in the search currency, exactly as [`RateTable::convert`] rounds it.
    fn compare(&mut self, minor: i64, currency: Currency) -> Option<i64> {
        if currency == self.currency {
            return Some(minor);
        }
        let rate = self.rate_to_search(currency)?;
        let value = Money::from_minor(minor, currency)
            .to_decimal()
            .checked_mul(rate)?;
        Money::from_decimal_rounded(value, self.currency)
            .ok()
            .map(Money::minor)
    }

    /// Whether a plan may be offered: priceable, visible to the caller, convertible and, when
    /// `filtered`, passing the filters that need no price.
    fn plan_ok(&mut self, h: u32, p: &PlanCol, filtered: bool) -> bool {
        if p.flags & VALID == 0 || (!self.member && p.flags & MEMBER_ONLY != 0) {
            return false;
        }
        if p.currency != self.currency && self.rate_to_search(p.currency).is_none() {
            return false;
        }
        if !filtered {
            return true;
        }
        let f = self.filters;
        if (f.breakfast_included && p.flags & BREAKFAST == 0)
            || (f.pay_at_hotel && p.flags & PAY_AT_HOTEL == 0)
        {
            return false;
        }
        !f.free_cancellation || self.free_now(h, p)
    }

    fn free_now(&mut self, h: u32, p: &PlanCol) -> bool {
        if p.free_hours == NEVER_FREE {
            return false;
        }
        let check_in_at = self.check_in_at(h);
        self.now < check_in_at - Duration::hours(i64::from(p.free_hours))
    }

    fn holds_all(&self, cap: RoomCapacity) -> bool {
        self.occ[..self.n].iter().all(|o| cap.holds(*o))
    }

    /// Whether the property has a rate passing the filters that need no price. For one room
    /// at a property without sales and no filter on plans, the room types' summaries answer
    /// without loading anything; otherwise the property is loaded.
    fn admit(&mut self, h: u32) -> bool {
        let index = self.index;
        let c = &index.hotels[h as usize];
        if self.n == 1
            && !self.plan_filters
            && !index.has_sales[h as usize].load(Atomic::Acquire)
            && let Some(currency) = c.currency
            && (currency == self.currency || self.rate_to_search(currency).is_some())
        {
            let wanted = if self.member {
                OFFERS_ANY
            } else {
                OFFERS_PUBLIC
            };
            let first = c.first_room as usize;
            return index.rooms[first..first + usize::from(c.rooms)]
                .iter()
                .any(|room| {
                    room.allotment > 0
                        && room.offers & wanted != 0
                        && room.capacity.holds(self.occ[0])
                });
        }
        self.load(h) && self.available(h)
    }

    /// Whether the loaded property has a rate passing the filters that need no price.
    fn available(&mut self, h: u32) -> bool {
        let c = self.index.hotels[h as usize];
        let rooms = c.first_room as usize..c.first_room as usize + usize::from(c.rooms);
        if self.n == 1
            && !self.plan_filters
            && let Some(currency) = c.currency
            && (currency == self.currency || self.rate_to_search(currency).is_some())
        {
            // Without filters on plans, a room type's summary answers.
            let wanted = if self.member {
                OFFERS_ANY
            } else {
                OFFERS_PUBLIC
            };
            return self.index.rooms[rooms].iter().enumerate().any(|(r, room)| {
                self.left[r] > 0 && room.offers & wanted != 0 && room.capacity.holds(self.occ[0])
            });
        }
        if self.n == 1 {
            for (r, room) in self.index.rooms[rooms].iter().enumerate() {
                if self.left[r] == 0 || !room.capacity.holds(self.occ[0]) {
                    continue;
                }
                let plans =
                    room.first_plan as usize..room.first_plan as usize + usize::from(room.plans);
                for p in &self.index.plans[plans] {
                    if self.plan_ok(h, p, true) {
                        return true;
                    }
                }
            }
            return false;
        }
        let mut options = [RoomOption {
            capacity: RoomCapacity {
                max_adults: 0,
                max_children: 0,
                max_occupancy: 0,
                max_infants: 0,
            },
            rooms_left: 0,
            price_minor: 0,
        }; 256];
        for g in 0..c.groups {
            let mut count = 0;
            for (r, room) in self.index.rooms[rooms.clone()].iter().enumerate() {
                if self.left[r] == 0 {
                    continue;
                }
                let plans =
                    room.first_plan as usize..room.first_plan as usize + usize::from(room.plans);
                let ok = self.index.plans[plans]
                    .iter()
                    .any(|p| p.group == g && self.plan_ok(h, p, true));
                if ok {
                    options[count] = RoomOption {
                        capacity: room.capacity,
                        rooms_left: self.left[r],
                        price_minor: 0,
                    };
                    count += 1;
                }
            }
            if count > 0
                && cheapest_assignment(self.party, &options[..count], &self.rules).is_some()
            {
                return true;
            }
        }
        false
    }

    /// `price_stay(...).total` for `k` rooms on a plan, without allocating.
    fn quick(&mut self, h: u32, p: &PlanCol, k: u8) -> Option<Quick> {
        let mut base = [0i64; NIGHTS];
        let per_room = self.nightly(h, p, &mut base)?;
        self.finish(h, p, k, &base, per_room)
    }

    /// One room's price of each night on a plan, and their sum.
    fn nightly(&self, h: u32, p: &PlanCol, base: &mut [i64; NIGHTS]) -> Option<i64> {
        let c = &self.index.hotels[h as usize];
        let factors = &self.factors[usize::from(c.profile)];
        let mut per_room = 0i64;
        for (slot, f) in base.iter_mut().zip(factors).take(self.nights) {
            *slot = nightly_from_factor(p.base_minor, *f, p.unit);
            per_room = per_room.checked_add(*slot)?;
        }
        Some(per_room)
    }

    /// A lower bound of [`Self::finish`]'s total in the search currency, without promotions'
    /// arithmetic (see [`Self::lower_bound`] for why each step keeps it a bound).
    fn plan_bound(&mut self, h: u32, p: &PlanCol, k: u8, per_room: i64) -> i64 {
        let c = &self.index.hotels[h as usize];
        let (tax_bp, fee) = (c.tax_bp, c.fee_minor);
        // Only the promotions open for this stay can lower the price.
        let mut discount = 0;
        if p.promos > 0 && p.max_discount_permille > 0 {
            self.prepare_promotions(h);
            let at = p.first_promo as usize;
            for &x in &self.index.plan_promos[at..at + usize::from(p.promos)] {
                discount = discount.max(self.promo_ceiling[usize::from(x)]);
            }
        }
        let bound = || -> Option<i64> {
            let after = if discount == 0 {
                per_room
            } else {
                let kept = i64::from(1000 - discount.min(1000));
                (per_room.checked_mul(kept)? / 1000 - self.nights as i64).max(0)
            };
            let after = after.checked_mul(i64::from(k))?;
            let taxes = after.checked_mul(i64::from(tax_bp))? / 10_000;
            let fees = fee.checked_mul(self.nights as i64 * i64::from(k))?;
            after.checked_add(taxes)?.checked_add(fees)
        };
        let Some(total) = bound() else {
            return i64::MIN;
        };
        if p.currency == self.currency {
            return total;
        }
        match self.rate_to_search_f64(p.currency) {
            Some(rate) => (total as f64 * rate * (1.0 - 1e-9)).floor() as i64 - 1,
            None => i64::MIN,
        }
    }

    /// For each promotion of the property: its discount ceiling if it is open for this stay
    /// and booking date, else 0. Computed once per property.
    fn prepare_promotions(&mut self, h: u32) {
        if self.promo_hotel == h {
            return;
        }
        let booked = self.booked_on(h).num_days_from_ce();
        let (nights, check_in) = (self.stay.nights(), self.check_in_day);
        let index = self.index;
        let c = &index.hotels[h as usize];
        let count = index.listings[h as usize].promotions.len();
        let first = c.first_promotion as usize;
        self.promo_ceiling.clear();
        self.promo_ceiling
            .extend(index.promo_cols[first..first + count].iter().map(|x| {
                if x.open(nights, check_in, booked) {
                    x.ceiling
                } else {
                    0
                }
            }));
        self.promo_hotel = h;
    }

    /// `price_stay`'s total from the nightly prices.
    fn finish(
        &mut self,
        h: u32,
        p: &PlanCol,
        k: u8,
        base: &[i64; NIGHTS],
        per_room: i64,
    ) -> Option<Quick> {
        let c = self.index.hotels[h as usize];
        let n = self.nights;
        let mut best: Option<i64> = None;
        if p.promos > 0 {
            self.prepare_promotions(h);
            let booked_on = self.booked_on(h);
            let promos = &self.index.listings[h as usize].promotions;
            let at = p.first_promo as usize;
            for &x in &self.index.plan_promos[at..at + usize::from(p.promos)] {
                if self.promo_ceiling[usize::from(x)] == 0 {
                    // Not open for this stay and booking date: it would save nothing.
                    continue;
                }
                let saved = promos[usize::from(x)].night_discounts(
                    self.stay,
                    &base[..n],
                    booked_on,
                    &mut self.scratch,
                );
                if saved > 0 && best.is_none_or(|s| saved > s) {
                    best = Some(saved);
                }
            }
        }
        let k = i64::from(k);
        let subtotal = per_room.checked_mul(k)?;
        let discount = best.unwrap_or(0).checked_mul(k)?;
        let taxes = half_even(subtotal - discount, i64::from(c.tax_bp), 10_000)?;
        let fees = c.fee_minor.checked_mul(n as i64 * k)?;
        let total = (subtotal - discount)
            .checked_add(taxes)?
            .checked_add(fees)?;
        Some(Quick {
            total,
            deal: best.is_some(),
        })
    }

    /// A lower bound of the cheapest rate's price in the search currency (see the module docs).
    fn lower_bound(&mut self, h: u32) -> i64 {
        let c = self.index.hotels[h as usize];
        let Some(currency) = c.currency else {
            return i64::MIN;
        };
        let base = if self.member {
            c.min_base_all
        } else {
            c.min_base_public
        };
        if base == i64::MAX {
            return i64::MIN;
        }
        // Every promotion's ceiling, open or not: checking which are open costs more than
        // pricing the few candidates a looser bound lets through.
        let discount = c.max_discount_permille;
        let unit = whole_unit(currency);
        let factors = &self.factors[usize::from(c.profile)];
        let bound = || -> Option<i64> {
            let mut sub = 0i64;
            for &f in &factors[..self.nights] {
                let raw = base.checked_mul(f)? / 1_000;
                sub = sub.checked_add((raw - unit).max(unit))?;
            }
            let kept = i64::from(1000 - discount.min(1000));
            let after = (sub.checked_mul(kept)? / 1000 - self.nights as i64).max(0);
            let after = after.checked_mul(self.n as i64)?;
            let taxes = after.checked_mul(i64::from(c.tax_bp))? / 10_000;
            let fees = c.fee_minor.checked_mul((self.nights * self.n) as i64)?;
            after.checked_add(taxes)?.checked_add(fees)
        };
        let Some(total) = bound() else {
            return i64::MIN;
        };
        if currency == self.currency {
            return total;
        }
        // Below the exact conversion (a monotone product rounded to the nearest unit) by at
        // least one unit: still a bound, without decimal arithmetic.
        match self.rate_to_search_f64(currency) {
            Some(rate) => (total as f64 * rate * (1.0 - 1e-9)).floor() as i64 - 1,
            None => i64::MIN,
        }
    }

    /// Calls `visit(key, compared, deal)` for every rate of the loaded property that passes the
    /// search's filters (see [`HotelIndex::rates`] for which rates there are).
    fn each_rate(&mut self, h: u32, mut visit: impl FnMut(RateKey, i64, bool)) {
        let filtered = self.filtered;
        let c = self.index.hotels[h as usize];
        let first_room = c.first_room as usize;
        let nights = self.nights as u16;
        let n = self.n as u8;
        for r in 0..usize::from(c.rooms) {
            let room = self.index.rooms[first_room + r];
            if usize::from(self.left[r]) < self.n || !self.holds_all(room.capacity) {
                continue;
            }
            for pi in room.first_plan..room.first_plan + u32::from(room.plans) {
                let p = self.index.plans[pi as usize];
                if !self.plan_ok(h, &p, filtered) {
                    continue;
                }
                let Some(q) = self.quick(h, &p, n) else {
                    continue;
                };
                let Some(compared) = self.compare(q.total, p.currency) else {
                    continue;
                };
                if filtered && !self.offer_ok(compared, q.deal, nights) {
                    continue;
                }
                visit(
                    RateKey::Single {
                        room: r as u16,
                        plan: pi,
                    },
                    compared,
                    q.deal,
                );
            }
        }
        if self.n == 1 {
            return;
        }
        for g in 0..c.groups {
            if let Some((key, compared, deal)) = self.mixed(h, g, filtered) {
                if filtered && !self.offer_ok(compared, deal, nights) {
                    continue;
                }
                visit(key, compared, deal);
            }
        }
    }

    fn offer_ok(&self, compared: i64, deal: bool, nights: u16) -> bool {
        // The no-price filters were applied per plan already.
        self.filters.offer_passes(&OfferFacts {
            total_minor: compared,
            nights,
            rooms: self.n as u8,
            free_cancellation: true,
            breakfast: true,
            pay_at_hotel: true,
            deal,
        })
    }

    /// The cheapest mix of room types on plan code `g`, when it uses more than one type.
    fn mixed(&mut self, h: u32, g: u8, filtered: bool) -> Option<(RateKey, i64, bool)> {
        let c = self.index.hotels[h as usize];
        let first_room = c.first_room as usize;
        let mut options = Vec::with_capacity(usize::from(c.rooms));
        let mut which: Vec<(u16, u32)> = Vec::with_capacity(usize::from(c.rooms));
        for r in 0..usize::from(c.rooms) {
            let room = self.index.rooms[first_room + r];
            if self.left[r] == 0 {
                continue;
            }
            let plans = room.first_plan..room.first_plan + u32::from(room.plans);
            let Some(pi) = plans.into_iter().find(|&pi| {
                let p = self.index.plans[pi as usize];
                p.group == g && self.plan_ok(h, &p, filtered)
            }) else {
                continue;
            };
            let p = self.index.plans[pi as usize];
            let q = self.quick(h, &p, 1)?;
            let Some(price) = self.compare(q.total, p.currency) else {
                continue;
            };
            options.push(RoomOption {
                capacity: room.capacity,
                rooms_left: self.left[r],
                price_minor: price,
            });
            which.push((r as u16, pi));
        }
        let a = cheapest_assignment(self.party, &options, &self.rules)?;
        let chosen = a.options();
        if chosen.iter().all(|o| *o == chosen[0]) {
            // One room type: already a single-type rate.
            return None;
        }
        let mut picks = [0u16; MAX_ROOMS];
        let mut counts: [u8; 256] = [0; 256];
        for (slot, o) in picks.iter_mut().zip(chosen) {
            *slot = which[*o as usize].0;
            counts[*o as usize] += 1;
        }
        let currency = self.index.plans[which[chosen[0] as usize].1 as usize].currency;
        let (mut compared, mut deal) = (0i64, false);
        for (o, &(_, pi)) in which.iter().enumerate() {
            if counts[o] == 0 {
                continue;
            }
            let p = self.index.plans[pi as usize];
            if p.currency != currency {
                // A mix is priced in one currency.
                return None;
            }
            let q = self.quick(h, &p, counts[o])?;
            compared = compared.checked_add(self.compare(q.total, p.currency)?)?;
            deal |= q.deal;
        }
        Some((RateKey::Mixed { group: g, picks }, compared, deal))
    }

    /// The cheapest passing rate of the loaded property and how many rates pass.
    fn best(&mut self, h: u32) -> Option<Best> {
        let f = self.filters;
        if self.n == 1 && !(self.filtered && (f.price.is_some() || f.deals_only)) {
            return self.best_one_room(h);
        }
        let mut best: Option<Best> = None;
        let mut count = 0u32;
        self.each_rate(h, |rate, compared, deal| {
            count += 1;
            if best.is_none_or(|b| compared < b.compared) {
                best = Some(Best {
                    rate,
                    compared,
                    deal,
                    count: 0,
                });
            }
        });
        best.map(|b| Best { count, ..b })
    }

    /// [`Self::best`] for one room when no filter needs a price: every plan that passes counts,
    /// and a plan is priced only when its bound is below the cheapest so far.
    fn best_one_room(&mut self, h: u32) -> Option<Best> {
        let index = self.index;
        let c = &index.hotels[h as usize];
        let first_room = c.first_room as usize;
        let mut best: Option<Best> = None;
        let mut count = 0u32;
        let mut base = [0i64; NIGHTS];
        for r in 0..usize::from(c.rooms) {
            let room = &index.rooms[first_room + r];
            if self.left[r] == 0 || !room.capacity.holds(self.occ[0]) {
                continue;
            }
            for pi in room.first_plan..room.first_plan + u32::from(room.plans) {
                let p = &index.plans[pi as usize];
                if !self.plan_ok(h, p, self.filtered) {
                    continue;
                }
                count += 1;
                let Some(per_room) = self.nightly(h, p, &mut base) else {
                    continue;
                };
                if let Some(b) = best
                    && self.plan_bound(h, p, 1, per_room) >= b.compared
                {
                    continue;
                }
                let Some(q) = self.finish(h, p, 1, &base, per_room) else {
                    continue;
                };
                let Some(compared) = self.compare(q.total, p.currency) else {
                    continue;
                };
                if best.is_none_or(|b| compared < b.compared) {
                    best = Some(Best {
                        rate: RateKey::Single {
                            room: r as u16,
                            plan: pi,
                        },
                        compared,
                        deal: q.deal,
                        count: 0,
                    });
                }
            }
        }
        best.map(|b| Best { count, ..b })
    }

    /// Prices a rate of the loaded property in full through the domain.
    fn materialize(&mut self, h: u32, key: RateKey) -> Option<PricedRate> {
        let l = &self.index.listings[h as usize];
        let c = self.index.hotels[h as usize];
        // (room position, position of the plan in that room, rooms).
        let mut parts: Vec<(u16, u16, u8)> = Vec::new();
        let mut room_parts = Vec::with_capacity(self.n);
        match key {
            RateKey::Single { room, plan } => {
                let first = self.index.rooms[c.first_room as usize + usize::from(room)].first_plan;
                parts.push((room, (plan - first) as u16, self.n as u8));
                room_parts.resize(self.n, 0);
            }
            RateKey::Mixed { group, picks } => {
                let mut used: Vec<u16> = picks[..self.n].to_vec();
                used.sort_unstable();
                used.dedup();
                for &r in &used {
                    let room = self.index.rooms[c.first_room as usize + usize::from(r)];
                    let at = (0..room.plans).find(|&k| {
                        let p = self.index.plans[(room.first_plan + u32::from(k)) as usize];
                        p.group == group
                    })?;
                    let rooms = picks[..self.n].iter().filter(|p| **p == r).count() as u8;
                    parts.push((r, at, rooms));
                }
                for r in &picks[..self.n] {
                    room_parts.push(used.iter().position(|u| u == r)? as u8);
                }
            }
        }
        let booked_on = self.booked_on(h);
        let check_in_at = self.check_in_at(h);
        let mut priced = Vec::with_capacity(parts.len());
        for &(r, k, rooms) in &parts {
            let listed_room = l.rooms.get(usize::from(r))?;
            let lp = listed_room.plans.get(usize::from(k))?;
            let unit = whole_unit(lp.plan.currency);
            let nightly: Vec<Money> = self
                .stay
                .night_dates()
                .map(|night| {
                    Money::from_minor(
                        l.demand.nightly_minor(lp.base_nightly_minor, night, unit),
                        lp.plan.currency,
                    )
                })
                .collect();
            let promotions: Vec<_> = lp
                .plan
                .promotions
                .iter()
                .filter_map(|code| l.promotions.iter().find(|x| x.code() == *code).cloned())
                .collect();
            let price = price_stay(
                self.stay,
                &nightly,
                rooms,
                &l.property.taxes,
                &promotions,
                booked_on,
            )
            .ok()?;
            priced.push(RatePart {
                room: r,
                plan: k,
                room_type: listed_room.room.code,
                rooms,
                price,
            });
        }
        let first = &l.rooms[usize::from(priced[0].room)].plans[usize::from(priced[0].plan)].plan;
        let price = combine(&priced)?;
        let mut compared = 0i64;
        for part in &priced {
            compared = compared.checked_add(
                self.compare(part.price.total.minor(), part.price.total.currency())?,
            )?;
        }
        let plans = || {
            priced
                .iter()
                .map(|p| &l.rooms[usize::from(p.room)].plans[usize::from(p.plan)].plan)
        };
        let free_cancellation_until = plans()
            .map(|p| p.cancellation.free_cancellation_until(check_in_at))
            .try_fold(None::<DateTime<Utc>>, |acc, t| {
                t.map(|t| Some(acc.map_or(t, |a: DateTime<Utc>| a.min(t))))
            })
            .flatten();
        let rooms_left = priced
            .iter()
            .map(|p| self.left[usize::from(p.room)])
            .min()
            .unwrap_or(0);
        Some(PricedRate {
            plan: first.code,
            room_parts,
            price,
            compared: Money::from_minor(compared, self.currency),
            board: first.board,
            payment: first.payment,
            member_only: plans().any(|p| p.member_only),
            cancellation: first.cancellation.clone(),
            free_cancellation_until,
            rooms_left,
            parts: priced,
        })
    }
}

/// One stay price for a rate of several parts (see [`PricedRate::price`]).
fn combine(parts: &[RatePart]) -> Option<StayPrice> {
    if parts.len() == 1 {
        return Some(parts[0].price.clone());
    }
    let first = &parts[0].price;
    let currency = first.total.currency();
    let rooms: u8 = parts.iter().map(|p| p.rooms).sum();
    let sum = |f: fn(&StayPrice) -> Money| -> Option<Money> {
        Money::sum(currency, parts.iter().map(|p| f(&p.price))).ok()
    };
    let average = |f: fn(&StayPrice) -> &Vec<Money>| -> Option<Vec<Money>> {
        (0..first.nights())
            .map(|i| {
                let total: i64 = parts
                    .iter()
                    .map(|p| f(&p.price)[i].minor() * i64::from(p.rooms))
                    .sum();
                Some(Money::from_minor(
                    half_even(total, 1, i64::from(rooms.max(1)))?,
                    currency,
                ))
            })
            .collect()
    };
    let discount = sum(|p| p.discount)?;
    Some(StayPrice {
        rooms,
        base_nightly: average(|p| &p.base_nightly)?,
        nightly: average(|p| &p.nightly)?,
        subtotal: sum(|p| p.subtotal)?,
        discount,
        taxes: sum(|p| p.taxes)?,
        fees: sum(|p| p.fees)?,
        total: sum(|p| p.total)?,
        was_total: sum(|p| p.was_total)?,
        promotion: parts
            .iter()
            .find_map(|p| p.price.promotion)
            .map(|a| wayfare_domain::hotel::stay::AppliedPromotion { discount, ..a }),
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use chrono::{NaiveTime, TimeZone};
    use wayfare_domain::ExchangeRate;
    use wayfare_domain::hotel::property::StarSet;
    use wayfare_domain::hotel::search::{AreaOrigin, DistanceLimit, PriceBasis, PriceRange};
    use wayfare_domain::hotel::{
        Amenities, Amenity, BrandCode, CancellationCharge, ChainCode, DateWindow, LocalizedText,
        Promotion, PromotionCode, Property, RatePlan, RoomFacilities, RoomRequest, RoomType,
        TaxesAndFees, Theme, Themes,
    };

    /// SplitMix64: deterministic test data.
    pub(super) struct Rng(pub(super) u64);

    impl Rng {
        pub(super) fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        pub(super) fn below(&mut self, n: u64) -> u64 {
            self.next() % n.max(1)
        }

        pub(super) fn unit(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }

        pub(super) fn chance(&mut self, percent: u64) -> bool {
            self.below(100) < percent
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    pub(super) fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, 1, 2, 0, 0).unwrap()
    }

    pub(super) fn first_night() -> NaiveDate {
        d(2027, 3, 1)
    }

    pub(super) fn last_night() -> NaiveDate {
        d(2027, 6, 30)
    }

    fn cap(max_adults: u8, max_children: u8, max_occupancy: u8) -> RoomCapacity {
        RoomCapacity {
            max_adults,
            max_children,
            max_occupancy,
            max_infants: 1,
        }
    }

    fn pt(lat: f64, lon: f64) -> GeoPoint {
        GeoPoint::new(lat, lon).unwrap()
    }

    const SHANGHAI: (f64, f64) = (31.2304, 121.4737);
    const BEIJING: (f64, f64) = (39.9042, 116.4074);
    const FIJI: (f64, f64) = (-17.0, 179.95);

    fn property(id: u64, city_id: i64, location: GeoPoint) -> Property {
        Property {
            id: PropertyId(id),
            name: LocalizedText::new(format!("Hotel {id}"), format!("酒店{id}")),
            chain: None,
            brand: None,
            stars: None,
            address: LocalizedText::default(),
            city_id,
            location,
            amenities: Amenities::EMPTY,
            themes: Themes::EMPTY,
            reviews: Reviews::default(),
            check_in_time: NaiveTime::from_hms_opt(14, 0, 0).unwrap(),
            check_out_time: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
            time_zone: chrono_tz::Asia::Shanghai,
            taxes: TaxesAndFees::default(),
        }
    }

    fn room(
        code: &str,
        capacity: RoomCapacity,
        allotment: u16,
        plans: Vec<ListedPlan>,
    ) -> ListedRoom {
        let code = RoomTypeCode::parse(code).unwrap();
        ListedRoom {
            room: RoomType {
                code,
                name: LocalizedText::new(code.as_str(), ""),
                capacity,
                beds: vec![],
                size_m2: None,
                facilities: RoomFacilities::EMPTY,
            },
            allotment,
            plans: plans
                .into_iter()
                .map(|mut p| {
                    p.plan.room_type = code;
                    p
                })
                .collect(),
        }
    }

    fn plan(code: &str, base: i64) -> ListedPlan {
        ListedPlan {
            plan: RatePlan {
                code: RatePlanCode::parse(code).unwrap(),
                room_type: RoomTypeCode::parse("x").unwrap(),
                name: LocalizedText::new(code, ""),
                board: Board::RoomOnly,
                payment: Payment::PayNow,
                member_only: false,
                cancellation: CancellationPolicy::non_refundable(),
                currency: Currency::CNY,
                promotions: vec![],
            },
            base_nightly_minor: base,
        }
    }

    fn simple(id: u64, at: GeoPoint, base: i64) -> HotelListing {
        HotelListing {
            property: property(id, 1, at),
            rooms: vec![room("double", cap(2, 1, 3), 5, vec![plan("flex", base)])],
            promotions: vec![],
            demand: DemandProfile::default(),
        }
    }

    pub(super) fn one_room(adults: u8, ages: &[u8]) -> Party {
        Party::new(vec![RoomRequest::new(adults, ages.to_vec()).unwrap()]).unwrap()
    }

    pub(super) fn stay(day: u32, nights: i64) -> Stay {
        let a = d(2027, 4, day);
        Stay::new(a, a + Duration::days(nights)).unwrap()
    }

    pub(super) fn area(
        centre: (f64, f64),
        radius_km: f64,
        stay: Stay,
        party: Party,
    ) -> HotelSearch {
        let c = pt(centre.0, centre.1);
        HotelSearch {
            destination: Destination::Area {
                centre: c,
                radius_km,
                origin: AreaOrigin::Coordinates,
            },
            stay,
            party,
            currency: Currency::CNY,
            filters: HotelFilters::default(),
            distance_from: c,
            sort: HotelSort::Price,
            limit: 25,
            offset: 0,
        }
    }

    fn promo(code: &str, kind: PromotionKind) -> Promotion {
        Promotion::new(PromotionCode::parse(code).unwrap(), kind).unwrap()
    }

    /// A varied city of hotels around `centre`, ids from `first_id`.
    pub(super) fn random_hotels(
        rng: &mut Rng,
        first_id: u64,
        count: usize,
        centre: (f64, f64),
        city_id: i64,
    ) -> Vec<HotelListing> {
        let chains = ["marriott", "jinjiang", "huazhu"];
        let brands = ["courtyard", "hanting", "jinjiang_inn", "ji"];
        let codes = ["flex", "nonref", "bb", "member"];
        (0..count)
            .map(|i| {
                let id = first_id + i as u64;
                let r = rng.unit().sqrt() * 0.12;
                let a = rng.unit() * std::f64::consts::TAU;
                let at = pt((centre.0 + r * a.sin()).clamp(-90.0, 90.0), {
                    let lon = centre.1 + r * a.cos() / centre.0.to_radians().cos();
                    if lon > 180.0 {
                        lon - 360.0
                    } else if lon < -180.0 {
                        lon + 360.0
                    } else {
                        lon
                    }
                });
                let mut p = property(id, city_id, at);
                p.stars = StarRating::new(rng.below(6) as u8);
                p.amenities = Amenity::ALL
                    .iter()
                    .filter(|_| rng.chance(40))
                    .copied()
                    .collect();
                p.themes = Theme::ALL
                    .iter()
                    .filter(|_| rng.chance(15))
                    .copied()
                    .collect();
                p.reviews = if rng.chance(85) {
                    Reviews {
                        score: ReviewScore::from_tenths(50 + rng.below(51) as u8),
                        count: rng.below(3000) as u32,
                    }
                } else {
                    Reviews::default()
                };
                if rng.chance(60) {
                    p.chain = ChainCode::parse(chains[rng.below(3) as usize]);
                    p.brand = BrandCode::parse(brands[rng.below(4) as usize]);
                }
                p.taxes = TaxesAndFees {
                    percent_bp: [0, 600, 1000, 1650][rng.below(4) as usize],
                    per_room_night: rng
                        .chance(30)
                        .then(|| Money::from_minor(rng.below(5000) as i64, Currency::CNY)),
                };
                if rng.chance(10) {
                    p.time_zone = chrono_tz::Asia::Tokyo;
                    p.check_in_time = NaiveTime::from_hms_opt(15, 0, 0).unwrap();
                }
                let promotions = vec![
                    promo(
                        "pct",
                        PromotionKind::PercentOff {
                            permille: 50 + rng.below(200) as u16,
                        },
                    ),
                    promo(
                        "s3p2",
                        PromotionKind::StayPay {
                            stay_nights: 3,
                            pay_nights: 2,
                        },
                    ),
                    promo(
                        "early",
                        PromotionKind::EarlyBird {
                            min_days_before: 30,
                            permille: 150,
                        },
                    )
                    .with_stay_window(DateWindow::new(d(2027, 4, 1), d(2027, 4, 20)).unwrap()),
                ];
                let base = 15_000 + rng.below(150_000) as i64;
                let room_kinds = [
                    ("single", cap(1, 0, 1)),
                    ("double", cap(2, 1, 3)),
                    ("twin", cap(2, 0, 2)),
                    ("family", cap(2, 2, 4)),
                    ("triple", cap(3, 1, 3)),
                ];
                let rooms = (0..1 + rng.below(4))
                    .map(|k| {
                        let (code, capacity) = room_kinds[(k as usize + rng.below(2) as usize) % 5];
                        let code = format!("{code}{k}");
                        let plans = (0..1 + rng.below(3))
                            .map(|j| {
                                let code = codes[(j as usize + rng.below(2) as usize) % 4];
                                let mut lp =
                                    plan(code, base + k as i64 * 7_000 + rng.below(20_000) as i64);
                                lp.plan.board = if rng.chance(40) {
                                    Board::Breakfast
                                } else {
                                    Board::RoomOnly
                                };
                                lp.plan.payment = if rng.chance(30) {
                                    Payment::PayAtHotel
                                } else {
                                    Payment::PayNow
                                };
                                lp.plan.member_only = code == "member";
                                lp.plan.cancellation = if rng.chance(60) {
                                    CancellationPolicy::free_until(
                                        [24u32, 48, 24 * 40][rng.below(3) as usize],
                                        CancellationCharge::Nights(1),
                                    )
                                    .unwrap()
                                } else {
                                    CancellationPolicy::non_refundable()
                                };
                                lp.plan.promotions = promotions
                                    .iter()
                                    .filter(|_| rng.chance(25))
                                    .map(|x| x.code())
                                    .collect();
                                lp
                            })
                            .collect();
                        room(&code, capacity, rng.below(4) as u16, plans)
                    })
                    .collect();
                HotelListing {
                    property: p,
                    rooms,
                    promotions,
                    demand: DemandProfile {
                        southern_hemisphere: centre.0 < 0.0,
                        leisure: rng.chance(50),
                        chinese_holidays: rng.chance(50),
                    },
                }
            })
            .collect()
    }

    pub(super) fn random_sales(
        rng: &mut Rng,
        listings: &[HotelListing],
        n: usize,
    ) -> Vec<RoomNightSales> {
        (0..n)
            .map(|_| {
                let l = &listings[rng.below(listings.len() as u64) as usize];
                let r = &l.rooms[rng.below(l.rooms.len() as u64) as usize];
                RoomNightSales {
                    property: l.property.id,
                    room: r.room.code,
                    night: d(2027, 4, 1) + Duration::days(rng.below(20) as i64),
                    sold: 1 + rng.below(2) as u16,
                }
            })
            .collect()
    }

    fn exchange() -> RateTable {
        RateTable::new(
            Currency::CNY,
            vec![ExchangeRate {
                base: Currency::CNY,
                quote: Currency::USD,
                rate: "0.1389".parse().unwrap(),
                source: "test".into(),
                as_of: now(),
            }],
        )
        .unwrap()
    }

    // ---- the reference: the domain applied naively to every listing -----------------------

    struct Reference<'a> {
        listings: &'a [HotelListing],
        sales: &'a [RoomNightSales],
        fx: Option<RateTable>,
    }

    #[derive(Debug, Clone, PartialEq)]
    struct RefRate {
        total: Money,
        compared: i64,
        deal: bool,
        parts: Vec<(RoomTypeCode, RatePlanCode, u8)>,
    }

    impl Reference<'_> {
        fn left(&self, l: &HotelListing, r: &ListedRoom, stay: Stay) -> u16 {
            if stay.check_in() < first_night()
                || stay.check_out() - Duration::days(1) > last_night()
            {
                return 0;
            }
            let sold = stay
                .night_dates()
                .map(|night| {
                    self.sales
                        .iter()
                        .filter(|s| {
                            s.property == l.property.id && s.room == r.room.code && s.night == night
                        })
                        .map(|s| u32::from(s.sold))
                        .sum::<u32>()
                })
                .max()
                .unwrap_or(0);
            (u32::from(r.allotment).saturating_sub(sold)) as u16
        }

        fn price(&self, l: &HotelListing, lp: &ListedPlan, stay: Stay, rooms: u8) -> StayPrice {
            let unit = 10i64.pow(lp.plan.currency.exponent());
            let nightly: Vec<Money> = stay
                .night_dates()
                .map(|n| {
                    Money::from_minor(
                        l.demand.nightly_minor(lp.base_nightly_minor, n, unit),
                        lp.plan.currency,
                    )
                })
                .collect();
            let promos: Vec<Promotion> = lp
                .plan
                .promotions
                .iter()
                .filter_map(|c| l.promotions.iter().find(|p| p.code() == *c).cloned())
                .collect();
            let booked_on = now().with_timezone(&l.property.time_zone).date_naive();
            price_stay(stay, &nightly, rooms, &l.property.taxes, &promos, booked_on).unwrap()
        }

        fn convert(&self, m: Money, to: Currency) -> Option<i64> {
            if m.currency() == to {
                return Some(m.minor());
            }
            Some(self.fx.as_ref()?.convert(m, to).ok()?.to.minor())
        }

        fn plan_ok(
            &self,
            l: &HotelListing,
            lp: &ListedPlan,
            f: Option<&HotelFilters>,
            stay: Stay,
            member: bool,
            to: Currency,
        ) -> bool {
            if lp.plan.member_only && !member {
                return false;
            }
            if lp.plan.currency != to
                && self
                    .fx
                    .as_ref()
                    .is_none_or(|t| !t.supports(lp.plan.currency) || !t.supports(to))
            {
                return false;
            }
            let Some(f) = f else { return true };
            let check_in_at = l.property.check_in_at(stay.check_in());
            (!f.breakfast_included || lp.plan.board.includes_breakfast())
                && (!f.pay_at_hotel || lp.plan.payment == Payment::PayAtHotel)
                && (!f.free_cancellation || lp.plan.cancellation.is_free_at(now(), check_in_at))
        }

        /// Every rate, as the module docs define them.
        fn rates(
            &self,
            l: &HotelListing,
            party: &Party,
            stay: Stay,
            f: Option<&HotelFilters>,
            member: bool,
            to: Currency,
        ) -> Vec<RefRate> {
            let rules = OccupancyRules::default();
            let n = party.rooms().len();
            let mut out = Vec::new();
            let passes = |total: i64, deal: bool| {
                f.is_none_or(|f| {
                    f.offer_passes(&OfferFacts {
                        total_minor: total,
                        nights: stay.nights(),
                        rooms: n as u8,
                        free_cancellation: true,
                        breakfast: true,
                        pay_at_hotel: true,
                        deal,
                    })
                })
            };
            for r in &l.rooms {
                let left = self.left(l, r, stay);
                if usize::from(left) < n
                    || !party
                        .rooms()
                        .iter()
                        .all(|q| r.room.capacity.holds_request(q, &rules))
                {
                    continue;
                }
                for lp in &r.plans {
                    if !self.plan_ok(l, lp, f, stay, member, to) {
                        continue;
                    }
                    let price = self.price(l, lp, stay, n as u8);
                    let Some(compared) = self.convert(price.total, to) else {
                        continue;
                    };
                    if passes(compared, price.is_deal()) {
                        out.push(RefRate {
                            total: price.total,
                            compared,
                            deal: price.is_deal(),
                            parts: vec![(r.room.code, lp.plan.code, n as u8)],
                        });
                    }
                }
            }
            if n == 1 {
                return out;
            }
            let mut groups: Vec<(RatePlanCode, Currency)> = Vec::new();
            for r in &l.rooms {
                for lp in &r.plans {
                    if !groups.contains(&(lp.plan.code, lp.plan.currency)) {
                        groups.push((lp.plan.code, lp.plan.currency));
                    }
                }
            }
            for g in groups {
                let mut options = Vec::new();
                let mut which = Vec::new();
                for r in &l.rooms {
                    let left = self.left(l, r, stay);
                    let Some(lp) = r.plans.iter().find(|lp| {
                        (lp.plan.code, lp.plan.currency) == g
                            && self.plan_ok(l, lp, f, stay, member, to)
                    }) else {
                        continue;
                    };
                    if left == 0 {
                        continue;
                    }
                    let one = self.price(l, lp, stay, 1);
                    options.push(RoomOption {
                        capacity: r.room.capacity,
                        rooms_left: left,
                        price_minor: self.convert(one.total, to).unwrap(),
                    });
                    which.push((r, lp));
                }
                let Some(a) = cheapest_assignment(party, &options, &rules) else {
                    continue;
                };
                if a.options().iter().all(|o| *o == a.options()[0]) {
                    continue;
                }
                let mut parts = Vec::new();
                let (mut total, mut compared, mut deal) = (0i64, 0i64, false);
                for (o, (r, lp)) in which.iter().enumerate() {
                    let k = a.options().iter().filter(|x| **x as usize == o).count() as u8;
                    if k == 0 {
                        continue;
                    }
                    let p = self.price(l, lp, stay, k);
                    total += p.total.minor();
                    compared += self.convert(p.total, to).unwrap();
                    deal |= p.is_deal();
                    parts.push((r.room.code, lp.plan.code, k));
                }
                if passes(compared, deal) {
                    out.push(RefRate {
                        total: Money::from_minor(total, g.1),
                        compared,
                        deal,
                        parts,
                    });
                }
            }
            out
        }

        /// (id, cheapest compared price, rates count) for the whole result list, sorted.
        fn search(&self, s: &HotelSearch, member: bool) -> Vec<(PropertyId, i64, u32)> {
            let mut found: Vec<(RankFacts, u32)> = Vec::new();
            for l in self.listings {
                let p = &l.property;
                if !s.destination.includes(p) || !s.filters.property_passes(p) {
                    continue;
                }
                let rates = self.rates(l, &s.party, s.stay, Some(&s.filters), member, s.currency);
                let Some(best) = rates.iter().min_by_key(|r| r.compared) else {
                    continue;
                };
                found.push((
                    RankFacts {
                        id: p.id,
                        price_minor: best.compared,
                        distance_km: p.location.distance_km(s.distance_from),
                        reviews: p.reviews,
                        stars: p.stars,
                        deal: best.deal,
                    },
                    rates.len() as u32,
                ));
            }
            ranking::sort(&mut found, s.sort, |f| f.0);
            found
                .into_iter()
                .map(|(f, n)| (f.id, f.price_minor, n))
                .collect()
        }
    }

    fn check_search(
        index: &HotelIndex,
        reference: &Reference<'_>,
        s: &HotelSearch,
        member: bool,
    ) -> usize {
        let want = reference.search(s, member);
        let got = index.search(s, now(), member);
        assert_eq!(
            got.total,
            want.len(),
            "total for {:?} {:?}",
            s.sort,
            s.filters
        );
        let page: Vec<_> = want.iter().skip(s.offset).take(s.limit).cloned().collect();
        let got_page: Vec<_> = got
            .items
            .iter()
            .map(|h| (h.id, h.cheapest.compared.minor(), h.rates_count))
            .collect();
        assert_eq!(
            got_page, page,
            "page for {:?} offset {} {:?}",
            s.sort, s.offset, s.filters
        );
        for h in &got.items {
            let l = index.property(h.id).unwrap();
            assert_eq!(
                h.distance_km,
                l.property.location.distance_km(s.distance_from)
            );
            // The full price is the domain's.
            let parts: i64 = h.cheapest.parts.iter().map(|p| p.price.total.minor()).sum();
            assert_eq!(h.cheapest.price.total.minor(), parts);
            if h.cheapest.parts.len() == 1 {
                let part = &h.cheapest.parts[0];
                let (_, lp) = index.part_of(h.index, part).unwrap();
                assert_eq!(part.price, reference.price(l, lp, s.stay, part.rooms));
            }
        }
        want.len()
    }

    // ---- geometry ----------------------------------------------------------------------------

    fn scattered(rng: &mut Rng, n: usize) -> Vec<HotelListing> {
        let centres = [
            SHANGHAI,
            BEIJING,
            FIJI,
            (89.99, 10.0),
            (-89.5, -170.0),
            (0.0, 180.0),
            (0.0, -179.99),
        ];
        (0..n)
            .map(|i| {
                let c = centres[i % centres.len()];
                let lat = (c.0 + (rng.unit() - 0.5) * 0.3).clamp(-90.0, 90.0);
                let mut lon = c.1 + (rng.unit() - 0.5) * 0.3;
                if lon > 180.0 {
                    lon -= 360.0;
                }
                if lon < -180.0 {
                    lon += 360.0;
                }
                simple(i as u64, pt(lat, lon), 30_000)
            })
            .collect()
    }

    #[test]
    fn radius_queries_equal_brute_force() {
        let mut rng = Rng(1);
        let listings = scattered(&mut rng, 3000);
        let index = HotelIndex::build(listings.clone(), [], first_night(), last_night());
        for q in 0..300 {
            let base = listings[rng.below(listings.len() as u64) as usize]
                .property
                .location;
            let centre = pt(
                (base.lat() + (rng.unit() - 0.5) * 0.1).clamp(-90.0, 90.0),
                (base.lon() + (rng.unit() - 0.5) * 0.1).clamp(-180.0, 180.0),
            );
            let radius = [0.5, 2.0, 5.0, 10.0, 30.0][q % 5];
            let mut got = Vec::new();
            index.within_radius(centre, radius, &mut got);
            let mut got: Vec<u64> = got
                .iter()
                .map(|&i| index.listing(i).property.id.0)
                .collect();
            got.sort_unstable();
            let want: Vec<u64> = listings
                .iter()
                .filter(|l| l.property.location.distance_km(centre) <= radius)
                .map(|l| l.property.id.0)
                .collect();
            assert_eq!(got, want, "{centre:?} {radius}");
        }
        // A hotel exactly on the circle is inside.
        let at = pt(31.0, 121.0);
        let edge = listings[0].property.location;
        let mut got = Vec::new();
        index.within_radius(at, at.distance_km(edge), &mut got);
        assert!(
            got.iter()
                .any(|&i| index.listing(i).property.id == listings[0].property.id)
        );
    }

    #[test]
    fn box_queries_equal_brute_force_across_the_antimeridian_and_poles() {
        let mut rng = Rng(2);
        let listings = scattered(&mut rng, 3000);
        let index = HotelIndex::build(listings.clone(), [], first_night(), last_night());
        let mut boxes = vec![
            BoundingBox::new(-17.1, 179.9, -16.9, -179.9).unwrap(),
            BoundingBox::new(-1.0, 179.0, 1.0, -179.0).unwrap(),
            BoundingBox::new(89.0, -180.0, 90.0, 180.0).unwrap(),
            BoundingBox::new(-90.0, -180.0, 90.0, 180.0).unwrap(),
            BoundingBox::new(-90.0, 170.0, -89.0, -160.0).unwrap(),
            BoundingBox::new(31.1, 121.4, 31.3, 121.6).unwrap(),
            BoundingBox::new(-60.0, -10.0, 60.0, -20.0).unwrap(),
        ];
        for _ in 0..200 {
            let l = &listings[rng.below(listings.len() as u64) as usize]
                .property
                .location;
            let (h, w) = (rng.unit() * 0.3 + 0.001, rng.unit() * 0.4 + 0.001);
            let south = (l.lat() - h / 2.0).max(-90.0);
            let north = (south + h).min(90.0);
            let mut west = l.lon() - w / 2.0;
            if west < -180.0 {
                west += 360.0;
            }
            let mut east = west + w;
            if east > 180.0 {
                east -= 360.0;
            }
            if let Ok(b) = BoundingBox::new(south, west, north, east) {
                boxes.push(b);
            }
        }
        let mut crossing = 0;
        for b in boxes {
            crossing += usize::from(b.crosses_antimeridian());
            let mut got = Vec::new();
            index.within_box(b, &mut got);
            let mut got: Vec<u64> = got
                .iter()
                .map(|&i| index.listing(i).property.id.0)
                .collect();
            got.sort_unstable();
            let want: Vec<u64> = listings
                .iter()
                .filter(|l| b.contains(l.property.location))
                .map(|l| l.property.id.0)
                .collect();
            assert_eq!(got, want, "{b:?}");
        }
        assert!(
            crossing > 10,
            "the boxes cross 180° often enough: {crossing}"
        );
    }

    #[test]
    fn nightly_replica_equals_the_domain() {
        let mut rng = Rng(3);
        for _ in 0..20_000 {
            let profile = profile_of(rng.below(8) as u8);
            let night = d(2026, 1, 1) + Duration::days(rng.below(1100) as i64);
            let base = rng.below(10_000_000) as i64;
            let unit = [1, 100, 1000][rng.below(3) as usize];
            assert_eq!(
                nightly_from_factor(base, profile.factor_permille(night), unit),
                profile.nightly_minor(base, night, unit)
            );
        }
        for (a, n, den) in [
            (5, 1, 2),
            (15, 1, 2),
            (-15, 1, 2),
            (10_001, 333, 1000),
            (7, 3, 0),
        ] {
            let want = if den == 0 {
                None
            } else {
                let exact = a as f64 * n as f64 / den as f64;
                let f = exact.floor();
                Some(
                    if exact - f > 0.5 || (exact - f == 0.5 && f as i64 % 2 != 0) {
                        f as i64 + 1
                    } else {
                        f as i64
                    },
                )
            };
            assert_eq!(half_even(a, n, den), want);
        }
    }

    #[test]
    fn promotion_columns_open_exactly_when_the_domain_says() {
        let mut rng = Rng(12);
        let code = PromotionCode::parse("p").unwrap();
        let mut open = 0;
        for _ in 0..20_000 {
            let kind = match rng.below(4) {
                0 => PromotionKind::PercentOff { permille: 100 },
                1 => PromotionKind::EarlyBird {
                    min_days_before: rng.below(60) as u16,
                    permille: 150,
                },
                2 => PromotionKind::LastMinute {
                    max_days_before: rng.below(4) as u16,
                    permille: 100,
                },
                _ => PromotionKind::StayPay {
                    stay_nights: 3,
                    pay_nights: 2,
                },
            };
            let day = |rng: &mut Rng| d(2027, 3, 1) + Duration::days(rng.below(120) as i64);
            let mut p = Promotion::new(code, kind)
                .unwrap()
                .with_min_nights(rng.below(5) as u8);
            if rng.chance(60) {
                let (a, b) = (day(&mut rng), day(&mut rng));
                p = p.with_booking_window(DateWindow::new(a.min(b), a.max(b)).unwrap());
            }
            let s = stay(1 + rng.below(28) as u32, 1 + rng.below(10) as i64);
            let booked = day(&mut rng);
            let want = p.open_for(s, booked);
            let got = PromoCol::of(&p).open(
                s.nights(),
                s.check_in().num_days_from_ce(),
                booked.num_days_from_ce(),
            );
            assert_eq!(got, want, "{p:?} {s:?} {booked}");
            open += usize::from(want);
        }
        assert!((3_000..17_000).contains(&open), "{open}");
    }

    #[test]
    fn quick_totals_equal_price_stay() {
        let mut rng = Rng(4);
        let listings = random_hotels(&mut rng, 1, 300, SHANGHAI, 1);
        let index = HotelIndex::build(listings.clone(), [], first_night(), last_night());
        let reference = Reference {
            listings: &listings,
            sales: &[],
            fx: None,
        };
        let filters = HotelFilters::default();
        let mut checked = 0;
        for trial in 0..40 {
            let s = stay(1 + (trial % 25) as u32, 1 + (trial % 7) as i64);
            let party = one_room(1, &[]);
            let mut pricer = index.pricer(s, &party, Currency::CNY, &filters, false, now(), true);
            for (h, l) in index.listings.iter().enumerate() {
                let c = index.hotels[h];
                for (r, room) in l.rooms.iter().enumerate() {
                    for (k, lp) in room.plans.iter().enumerate() {
                        let col = index.plans
                            [(index.rooms[c.first_room as usize + r].first_plan as usize) + k];
                        for rooms in [1u8, 3] {
                            let q = pricer.quick(h as u32, &col, rooms).unwrap();
                            let p = reference.price(l, lp, s, rooms);
                            assert_eq!((q.total, q.deal), (p.total.minor(), p.is_deal()));
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 10_000);
    }

    #[test]
    fn lower_bounds_never_exceed_the_cheapest_price() {
        let mut rng = Rng(5);
        let mut listings = random_hotels(&mut rng, 1, 400, SHANGHAI, 1);
        for l in listings.iter_mut().take(50) {
            for r in &mut l.rooms {
                for p in &mut r.plans {
                    p.plan.currency = Currency::USD;
                    p.base_nightly_minor /= 7;
                }
            }
            l.property.taxes.per_room_night = None;
        }
        let index = HotelIndex::build(listings, [], first_night(), last_night());
        index.set_exchange_rates(exchange());
        let filters = HotelFilters::default();
        let mut bounded = 0;
        for trial in 0..30 {
            let s = stay(1 + trial as u32 % 28, 1 + (trial % 9) as i64);
            let party = if trial % 3 == 0 {
                Party::new(vec![
                    RoomRequest::new(2, vec![]).unwrap(),
                    RoomRequest::new(1, vec![5]).unwrap(),
                ])
                .unwrap()
            } else {
                one_room(1 + (trial % 2) as u8, &[])
            };
            for member in [false, true] {
                let mut pricer =
                    index.pricer(s, &party, Currency::CNY, &filters, true, now(), member);
                for h in 0..index.len() as u32 {
                    pricer.load(h);
                    let c = index.hotels[h as usize];
                    let first = index.rooms[c.first_room as usize].first_plan as usize;
                    let last = first
                        + index.rooms[c.first_room as usize..][..usize::from(c.rooms)]
                            .iter()
                            .map(|r| usize::from(r.plans))
                            .sum::<usize>();
                    for p in &index.plans[first..last] {
                        let per_room = pricer.nightly(h, p, &mut [0; NIGHTS]).unwrap();
                        for k in [1, 2] {
                            let q = pricer.quick(h, p, k).unwrap();
                            if let Some(exact) = pricer.compare(q.total, p.currency) {
                                assert!(pricer.plan_bound(h, p, k, per_room) <= exact);
                            }
                        }
                    }
                    if let Some(best) = pricer.best(h) {
                        let lb = pricer.lower_bound(h);
                        assert!(lb <= best.compared, "{h}: {lb} > {}", best.compared);
                        bounded += usize::from(lb > best.compared / 3);
                    }
                }
            }
        }
        assert!(bounded > 1000, "bounds are useful: {bounded}");
    }

    // ---- searches against the reference --------------------------------------------------

    fn world(seed: u64) -> (Vec<HotelListing>, Vec<RoomNightSales>) {
        let mut rng = Rng(seed);
        let mut listings = random_hotels(&mut rng, 1, 350, SHANGHAI, 1796236);
        listings.extend(random_hotels(&mut rng, 1000, 150, BEIJING, 1816670));
        let sales = random_sales(&mut rng, &listings, 1500);
        (listings, sales)
    }

    fn random_filters(rng: &mut Rng, centre: GeoPoint) -> HotelFilters {
        let mut f = HotelFilters::default();
        match rng.below(12) {
            0 => {
                f.stars = [3u8, 4, 5]
                    .iter()
                    .filter_map(|s| StarRating::new(*s))
                    .collect::<StarSet>();
                f.amenities = Amenities::EMPTY.with(Amenity::Wifi);
            }
            1 => f.amenities = [Amenity::Pool, Amenity::Gym].into_iter().collect(),
            2 => f.min_review = ReviewScore::from_tenths(80),
            3 => {
                f.chains = vec![
                    ChainCode::parse("marriott").unwrap(),
                    ChainCode::parse("nosuch").unwrap(),
                ];
                f.themes = Themes::EMPTY.with(Theme::Family).with(Theme::Business);
            }
            4 => f.brands = vec![BrandCode::parse("hanting").unwrap()],
            5 => f.free_cancellation = true,
            6 => {
                f.breakfast_included = true;
                f.pay_at_hotel = rng.chance(50);
            }
            7 => {
                f.price = Some(PriceRange {
                    min_minor: Some(30_000),
                    max_minor: Some(90_000),
                    basis: PriceBasis::Nightly,
                })
            }
            8 => {
                f.price = Some(PriceRange {
                    min_minor: None,
                    max_minor: Some(300_000),
                    basis: PriceBasis::Total,
                })
            }
            9 => f.deals_only = true,
            10 => {
                f.max_distance = Some(DistanceLimit {
                    from: centre,
                    max_km: 3.0,
                });
                f.stars = StarSet::EMPTY.with(StarRating::new(4).unwrap());
            }
            _ => {}
        }
        f
    }

    #[test]
    fn searches_equal_the_reference_for_every_sort_filter_and_page() {
        let (listings, sales) = world(6);
        let index = HotelIndex::build(listings.clone(), sales.clone(), first_night(), last_night());
        let reference = Reference {
            listings: &listings,
            sales: &sales,
            fx: None,
        };
        let mut rng = Rng(7);
        let mut non_empty = 0;
        for q in 0..240 {
            let centre = if q % 2 == 0 { SHANGHAI } else { BEIJING };
            let party = match q % 6 {
                0 => Party::new(vec![
                    RoomRequest::new(2, vec![]).unwrap(),
                    RoomRequest::new(2, vec![6]).unwrap(),
                ])
                .unwrap(),
                1 => one_room(2, &[4, 8]),
                2 => one_room(1, &[]),
                3 => Party::new(vec![RoomRequest::new(1, vec![]).unwrap(); 3]).unwrap(),
                _ => one_room(2, &[]),
            };
            let mut s = area(
                centre,
                [3.0, 5.0, 8.0][q % 3],
                stay(1 + (q % 20) as u32, 1 + (q % 4) as i64),
                party,
            );
            if q % 5 == 0 {
                s.destination = Destination::City {
                    city_id: if q % 2 == 0 { 1796236 } else { 1816670 },
                    centre: s.distance_from,
                };
            }
            s.filters = random_filters(&mut rng, s.distance_from);
            s.sort = HotelSort::ALL[q % HotelSort::ALL.len()];
            s.limit = [25, 5, 1, 100][q % 4];
            s.offset = [0, 0, 3, 20, 1000][q % 5];
            let member = q % 7 == 0;
            if check_search(&index, &reference, &s, member) > 0 {
                non_empty += 1;
            }
        }
        assert!(non_empty > 150, "{non_empty}");
    }

    #[test]
    fn member_rates_show_only_to_members() {
        let mut l = simple(1, pt(SHANGHAI.0, SHANGHAI.1), 50_000);
        let mut member = plan("member", 40_000);
        member.plan.member_only = true;
        l.rooms[0].plans.push(member);
        let index = HotelIndex::build(vec![l], [], first_night(), last_night());
        let s = area(SHANGHAI, 5.0, stay(6, 3), one_room(2, &[]));
        let public = index.search(&s, now(), false);
        let signed_in = index.search(&s, now(), true);
        assert_eq!(public.items[0].cheapest.plan.as_str(), "flex");
        assert_eq!(public.items[0].rates_count, 1);
        assert_eq!(signed_in.items[0].cheapest.plan.as_str(), "member");
        assert!(signed_in.items[0].cheapest.member_only);
        assert_eq!(signed_in.items[0].rates_count, 2);
        assert_eq!(index.rates(PropertyId(1), &s, now(), false).len(), 1);
        assert_eq!(index.rates(PropertyId(1), &s, now(), true).len(), 2);
    }

    #[test]
    fn only_rooms_that_hold_the_party_are_offered() {
        let mut l = simple(1, pt(SHANGHAI.0, SHANGHAI.1), 30_000);
        l.rooms = vec![
            room("twin", cap(2, 0, 2), 2, vec![plan("flex", 30_000)]),
            room("family", cap(2, 2, 4), 1, vec![plan("flex", 60_000)]),
        ];
        let index = HotelIndex::build(vec![l], [], first_night(), last_night());
        let at = |party: Party| area(SHANGHAI, 5.0, stay(6, 2), party);
        // A couple takes the twin; a family only fits the family room.
        let couple = index.search(&at(one_room(2, &[])), now(), false);
        assert_eq!(couple.items[0].cheapest.parts[0].room_type.as_str(), "twin");
        let family = index.search(&at(one_room(2, &[5, 9])), now(), false);
        assert_eq!(
            family.items[0].cheapest.parts[0].room_type.as_str(),
            "family"
        );
        assert_eq!(family.items[0].rates_count, 1);
        // A 12-year-old counts as an adult: three adults fit nowhere.
        assert_eq!(index.search(&at(one_room(2, &[12])), now(), false).total, 0);
        // A couple and a family: one twin and the family room, the domain's assignment.
        let both = Party::new(vec![
            RoomRequest::new(2, vec![]).unwrap(),
            RoomRequest::new(2, vec![5, 9]).unwrap(),
        ])
        .unwrap();
        let r = index.search(&at(both), now(), false);
        let c = &r.items[0].cheapest;
        assert_eq!(c.parts.len(), 2);
        assert_eq!(c.room_parts, vec![0, 1]);
        assert_eq!(c.price.rooms, 2);
        assert_eq!(
            c.price.total.minor(),
            c.parts.iter().map(|p| p.price.total.minor()).sum::<i64>()
        );
        // Two families: only one family room exists.
        let two = Party::new(vec![RoomRequest::new(2, vec![5, 9]).unwrap(); 2]).unwrap();
        assert_eq!(index.search(&at(two), now(), false).total, 0);
        // Two couples: both twins, one single-type rate.
        let couples = Party::new(vec![RoomRequest::new(2, vec![]).unwrap(); 2]).unwrap();
        let r = index.search(&at(couples), now(), false);
        assert_eq!(r.items[0].cheapest.parts[0].rooms, 2);
        assert_eq!(r.items[0].cheapest.price.rooms, 2);
    }

    #[test]
    fn sales_and_bookings_change_rooms_left() {
        let mut l = simple(1, pt(SHANGHAI.0, SHANGHAI.1), 30_000);
        l.rooms = vec![
            room("twin", cap(2, 0, 2), 2, vec![plan("flex", 30_000)]),
            room("suite", cap(2, 2, 4), 1, vec![plan("flex", 90_000)]),
        ];
        let twin = RoomTypeCode::parse("twin").unwrap();
        let suite = RoomTypeCode::parse("suite").unwrap();
        let sales = [RoomNightSales {
            property: PropertyId(1),
            room: twin,
            night: d(2027, 4, 7),
            sold: 1,
        }];
        let index = HotelIndex::build(vec![l], sales, first_night(), last_night());
        let s = stay(6, 3);
        assert_eq!(index.rooms_left(PropertyId(1), twin, s), Some(1));
        assert_eq!(index.rooms_left(PropertyId(1), twin, stay(10, 2)), Some(2));
        let search = area(SHANGHAI, 5.0, s, one_room(2, &[]));
        let cheapest = |i: &HotelIndex| {
            i.search(&search, now(), false)
                .items
                .first()
                .map(|h| h.cheapest.parts[0].room_type)
        };
        assert_eq!(cheapest(&index), Some(twin));
        // The last twin on the 8th goes: the whole stay moves to the suite.
        index
            .add_sold(
                PropertyId(1),
                twin,
                Stay::new(d(2027, 4, 8), d(2027, 4, 9)).unwrap(),
                2,
            )
            .unwrap();
        assert_eq!(index.rooms_left(PropertyId(1), twin, s), Some(0));
        assert_eq!(cheapest(&index), Some(suite));
        assert_eq!(
            index.try_sell(PropertyId(1), suite, s, 2),
            Err(InventoryError::SoldOut)
        );
        index.try_sell(PropertyId(1), suite, s, 1).unwrap();
        assert_eq!(index.search(&search, now(), false).total, 0);
        assert!(index.map(&map_search(s), now(), false).is_empty());
        // Cancellations give rooms back; counts never go below zero.
        index.add_sold(PropertyId(1), twin, s, -5).unwrap();
        assert_eq!(index.rooms_left(PropertyId(1), twin, s), Some(2));
        assert_eq!(cheapest(&index), Some(twin));
        assert_eq!(
            index.add_sold(PropertyId(2), twin, s, 1),
            Err(InventoryError::UnknownProperty)
        );
        assert_eq!(
            index.add_sold(PropertyId(1), RoomTypeCode::parse("nope").unwrap(), s, 1),
            Err(InventoryError::UnknownRoom)
        );
        let late = Stay::new(d(2027, 6, 30), d(2027, 7, 2)).unwrap();
        assert_eq!(
            index.add_sold(PropertyId(1), twin, late, 1),
            Err(InventoryError::OutsideCalendar)
        );
        assert_eq!(index.rooms_left(PropertyId(1), twin, late), Some(0));
        // A stay beyond the calendar finds nothing.
        assert_eq!(
            index
                .search(&area(SHANGHAI, 5.0, late, one_room(1, &[])), now(), false)
                .total,
            0
        );
    }

    #[test]
    fn concurrent_bookings_never_oversell() {
        let mut l = simple(1, pt(SHANGHAI.0, SHANGHAI.1), 30_000);
        l.rooms[0].allotment = 50;
        let index = HotelIndex::build(vec![l], [], first_night(), last_night());
        let double = RoomTypeCode::parse("double").unwrap();
        let s = stay(6, 3);
        let sold = std::sync::atomic::AtomicU32::new(0);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    let search = area(SHANGHAI, 5.0, s, one_room(1, &[]));
                    for _ in 0..40 {
                        if index.try_sell(PropertyId(1), double, s, 1).is_ok() {
                            sold.fetch_add(1, Atomic::Relaxed);
                        }
                        let _ = index.search(&search, now(), false);
                    }
                });
            }
        });
        assert_eq!(sold.load(Atomic::Relaxed), 50);
        assert_eq!(index.rooms_left(PropertyId(1), double, s), Some(0));
    }

    #[test]
    fn prices_are_the_domains_with_promotions_taxes_and_fees() {
        let mut l = simple(1, pt(SHANGHAI.0, SHANGHAI.1), 58_800);
        l.property.taxes = TaxesAndFees {
            percent_bp: 1650,
            per_room_night: Some(Money::from_minor(1_000, Currency::CNY)),
        };
        l.promotions = vec![promo(
            "s3p2",
            PromotionKind::StayPay {
                stay_nights: 3,
                pay_nights: 2,
            },
        )];
        l.rooms[0].plans[0].plan.promotions = vec![
            PromotionCode::parse("s3p2").unwrap(),
            PromotionCode::parse("gone").unwrap(),
        ];
        l.demand = DemandProfile {
            southern_hemisphere: false,
            leisure: true,
            chinese_holidays: true,
        };
        let index = HotelIndex::build(vec![l.clone()], [], first_night(), last_night());
        let s = stay(29, 3);
        let r = index.search(&area(SHANGHAI, 5.0, s, one_room(2, &[])), now(), false);
        let hit = &r.items[0];
        let reference = Reference {
            listings: std::slice::from_ref(&l),
            sales: &[],
            fx: None,
        };
        let want = reference.price(&l, &l.rooms[0].plans[0], s, 1);
        assert!(want.is_deal());
        assert_eq!(hit.cheapest.price, want);
        assert_eq!(hit.cheapest.compared, want.total);
        assert_eq!(hit.cheapest.rooms_left, 5);
        assert_eq!(hit.cheapest.free_cancellation_until, None);
        // Deals only keeps it; a 2-night stay has no deal.
        let mut deals = area(SHANGHAI, 5.0, s, one_room(2, &[]));
        deals.filters.deals_only = true;
        assert_eq!(index.search(&deals, now(), false).total, 1);
        deals.stay = stay(29, 2);
        assert_eq!(index.search(&deals, now(), false).total, 0);
    }

    #[test]
    fn free_cancellation_depends_on_now_and_the_hotel_clock() {
        let mut l = simple(1, pt(SHANGHAI.0, SHANGHAI.1), 50_000);
        l.rooms[0].plans[0].plan.cancellation =
            CancellationPolicy::free_until(48, CancellationCharge::Nights(1)).unwrap();
        let index = HotelIndex::build(vec![l], [], first_night(), last_night());
        let mut s = area(SHANGHAI, 5.0, stay(10, 1), one_room(1, &[]));
        s.filters.free_cancellation = true;
        // Check-in 14:00 Shanghai on 10 April = 06:00 UTC; free until 06:00 UTC on the 8th.
        let free_until = Utc.with_ymd_and_hms(2027, 4, 8, 6, 0, 0).unwrap();
        let before = index.search(&s, free_until - Duration::seconds(1), false);
        assert_eq!(before.total, 1);
        assert_eq!(
            before.items[0].cheapest.free_cancellation_until,
            Some(free_until)
        );
        assert_eq!(index.search(&s, free_until, false).total, 0);
    }

    #[test]
    fn other_currencies_convert_or_stay_out() {
        let mut usd = simple(2, pt(SHANGHAI.0, SHANGHAI.1 + 0.01), 8_000);
        usd.rooms[0].plans[0].plan.currency = Currency::USD;
        let cny = simple(1, pt(SHANGHAI.0, SHANGHAI.1), 60_000);
        let index = HotelIndex::build(vec![cny, usd], [], first_night(), last_night());
        let s = area(SHANGHAI, 5.0, stay(6, 2), one_room(1, &[]));
        assert_eq!(index.search(&s, now(), false).total, 1);
        index.set_exchange_rates(exchange());
        let r = index.search(&s, now(), false);
        assert_eq!(r.total, 2);
        let first = &r.items[0];
        assert_eq!(first.id, PropertyId(2));
        assert_eq!(first.cheapest.price.total.currency(), Currency::USD);
        let want = exchange()
            .convert(first.cheapest.price.total, Currency::CNY)
            .unwrap()
            .to;
        assert_eq!(first.cheapest.compared, want);
    }

    #[test]
    fn rates_list_every_bookable_combination_cheapest_first() {
        let mut l = simple(1, pt(SHANGHAI.0, SHANGHAI.1), 30_000);
        l.rooms = vec![
            room(
                "twin",
                cap(2, 0, 2),
                3,
                vec![plan("flex", 30_000), plan("nonref", 27_000)],
            ),
            room(
                "family",
                cap(2, 2, 4),
                2,
                vec![plan("flex", 60_000), plan("bb", 66_000)],
            ),
        ];
        let (listings, sales) = (vec![l], Vec::new());
        let index = HotelIndex::build(listings.clone(), [], first_night(), last_night());
        let reference = Reference {
            listings: &listings,
            sales: &sales,
            fx: None,
        };
        for party in [
            one_room(2, &[]),
            one_room(2, &[5]),
            Party::new(vec![
                RoomRequest::new(2, vec![]).unwrap(),
                RoomRequest::new(1, vec![5, 6]).unwrap(),
            ])
            .unwrap(),
            Party::new(vec![RoomRequest::new(2, vec![]).unwrap(); 2]).unwrap(),
        ] {
            let s = area(SHANGHAI, 5.0, stay(6, 2), party.clone());
            let rates = index.rates(PropertyId(1), &s, now(), false);
            let mut want =
                reference.rates(&listings[0], &party, s.stay, None, false, Currency::CNY);
            want.sort_by_key(|r| r.compared);
            let got: Vec<_> = rates
                .iter()
                .map(|r| {
                    (
                        r.compared.minor(),
                        r.parts
                            .iter()
                            .map(|p| (p.room_type, r.plan, p.rooms))
                            .collect::<Vec<_>>(),
                    )
                })
                .collect();
            let want: Vec<_> = want.iter().map(|r| (r.compared, r.parts.clone())).collect();
            assert_eq!(got, want, "{party:?}");
            assert!(
                rates
                    .windows(2)
                    .all(|w| w[0].compared.minor() <= w[1].compared.minor())
            );
        }
        // The couple + family party: twin flex + family flex is the mixed rate.
        let party = Party::new(vec![
            RoomRequest::new(2, vec![]).unwrap(),
            RoomRequest::new(1, vec![5, 6]).unwrap(),
        ])
        .unwrap();
        let rates = index.rates(
            PropertyId(1),
            &area(SHANGHAI, 5.0, stay(6, 2), party),
            now(),
            false,
        );
        assert!(
            rates
                .iter()
                .any(|r| r.parts.len() == 2 && r.plan.as_str() == "flex")
        );
        assert!(
            index
                .rates(
                    PropertyId(9),
                    &area(SHANGHAI, 5.0, stay(6, 2), one_room(1, &[])),
                    now(),
                    false
                )
                .is_empty()
        );
    }

    fn map_search(stay: Stay) -> HotelMapSearch {
        HotelMapSearch {
            bbox: BoundingBox::new(31.1, 121.3, 31.4, 121.7).unwrap(),
            zoom: 12,
            stay,
            party: one_room(2, &[]),
            currency: Currency::CNY,
            filters: HotelFilters::default(),
        }
    }

    #[test]
    fn map_pins_are_the_available_properties_with_their_cheapest_stay() {
        let (listings, sales) = world(8);
        let index = HotelIndex::build(listings.clone(), sales.clone(), first_night(), last_night());
        let reference = Reference {
            listings: &listings,
            sales: &sales,
            fx: None,
        };
        let mut rng = Rng(9);
        for q in 0..40 {
            let mut m = map_search(stay(1 + q % 20, 1 + i64::from(q % 3)));
            m.zoom = [10, 12, 14, 18][q as usize % 4];
            m.filters = random_filters(&mut rng, pt(SHANGHAI.0, SHANGHAI.1));
            let mut got: Vec<(PropertyId, i64)> = index
                .map_pins(&m, now(), false)
                .iter()
                .map(|p| (p.id, p.cheapest.minor()))
                .collect();
            got.sort_unstable();
            let mut want: Vec<(PropertyId, i64)> = listings
                .iter()
                .filter(|l| {
                    m.bbox.contains(l.property.location) && m.filters.property_passes(&l.property)
                })
                .filter_map(|l| {
                    let rates =
                        reference.rates(l, &m.party, m.stay, Some(&m.filters), false, m.currency);
                    Some((l.property.id, rates.iter().map(|r| r.compared).min()?))
                })
                .collect();
            want.sort_unstable();
            assert_eq!(got, want);
            let clusters = index.map(&m, now(), false);
            assert_eq!(
                clusters.iter().map(|c| c.count as usize).sum::<usize>(),
                want.len()
            );
            assert_eq!(
                clusters
                    .iter()
                    .filter_map(|c| c.min_price)
                    .map(|p| p.minor())
                    .min(),
                want.iter().map(|w| w.1).min()
            );
        }
    }

    #[test]
    fn sorting_follows_the_domain_with_id_ties() {
        // Ten identical hotels at the same spot: every sort falls back to price, then id.
        let listings: Vec<_> = (0..10)
            .map(|i| {
                simple(
                    100 - i,
                    pt(SHANGHAI.0, SHANGHAI.1),
                    40_000 + (i as i64 % 3) * 10_000,
                )
            })
            .collect();
        let index = HotelIndex::build(listings, [], first_night(), last_night());
        for sort in HotelSort::ALL {
            let mut s = area(SHANGHAI, 1.0, stay(6, 2), one_room(1, &[]));
            s.sort = *sort;
            s.limit = 4;
            let r = index.search(&s, now(), false);
            let ids: Vec<u64> = r.items.iter().map(|h| h.id.0).collect();
            assert_eq!(r.total, 10);
            assert_eq!(ids, vec![91, 94, 97, 100], "{sort:?}");
            s.offset = 8;
            let ids: Vec<u64> = index
                .search(&s, now(), false)
                .items
                .iter()
                .map(|h| h.id.0)
                .collect();
            assert_eq!(ids, vec![95, 98], "{sort:?}");
        }
    }

    #[test]
    fn lookups_and_helpers() {
        let (listings, sales) = world(10);
        let index = HotelIndex::build(listings.clone(), sales, first_night(), last_night());
        assert_eq!(index.len(), 500);
        assert!(!index.is_empty());
        assert_eq!(index.first_night(), first_night());
        assert_eq!(index.last_night(), last_night());
        assert_eq!(
            index.property(PropertyId(1000)).unwrap().property.city_id,
            1816670
        );
        assert!(index.property(PropertyId(999)).is_none());
        assert_eq!(index.city_properties(1796236).len(), 350);
        assert!(index.city_properties(42).is_empty());
        let c = index.city_centroid(1816670).unwrap();
        assert!(c.distance_km(pt(BEIJING.0, BEIJING.1)) < 3.0, "{c:?}");
        assert!(index.approx_bytes() > 500 * 64);
        // A duplicate id keeps the first listing.
        let mut dup = listings[0].clone();
        dup.property.city_id = 7;
        let index = HotelIndex::build(
            vec![listings[0].clone(), dup],
            [],
            first_night(),
            last_night(),
        );
        assert_eq!(index.len(), 1);
        assert_eq!(
            index
                .property(listings[0].property.id)
                .unwrap()
                .property
                .city_id,
            1796236
        );
    }
}

#[cfg(test)]
mod scale {
    //! `cargo test --release -p wayfare-search hotels::scale -- --ignored --nocapture`: a rough
    //! timing at a million properties before the real benchmark's generator is at hand.
    use super::tests::*;
    use super::*;
    use std::time::Instant;
    use wayfare_domain::hotel::{Amenities, Amenity};

    #[test]
    #[ignore]
    fn a_million_properties() {
        let mut rng = Rng(11);
        let mut listings = Vec::with_capacity(1_000_000);
        let mut centres = Vec::new();
        let mut city = 0;
        while listings.len() < 1_000_000 {
            city += 1;
            let size = (40_000.0 / (city as f64).powf(0.9)) as usize + 50;
            let centre = (rng.unit() * 100.0 - 40.0, rng.unit() * 340.0 - 170.0);
            centres.push(centre);
            let first = listings.len() as u64;
            listings.extend(random_hotels(
                &mut rng,
                first,
                size.min(1_000_000 - listings.len()),
                centre,
                city,
            ));
        }
        let sales = random_sales(&mut rng, &listings, 200_000);
        let t = Instant::now();
        let index = HotelIndex::build(listings, sales, first_night(), last_night());
        println!(
            "build {:?}, {} cities, approx {} MiB",
            t.elapsed(),
            city,
            index.approx_bytes() >> 20
        );
        for sort in [
            HotelSort::Price,
            HotelSort::Recommended,
            HotelSort::Distance,
        ] {
            let mut times = Vec::new();
            let mut total = 0;
            for q in 0..400 {
                let c = centres[q % 20];
                let mut s = area(c, 5.0, stay(1 + (q % 20) as u32, 3), one_room(2, &[]));
                s.sort = sort;
                s.filters.stars = [3u8, 4, 5]
                    .iter()
                    .filter_map(|s| StarRating::new(*s))
                    .collect();
                s.filters.amenities = Amenities::EMPTY.with(Amenity::Wifi);
                let t = Instant::now();
                let r = index.search(&s, now(), false);
                times.push(t.elapsed());
                total += r.total;
            }
            let mut big = Vec::new();
            for q in 0..50 {
                let mut s = area(
                    centres[0],
                    5.0,
                    stay(1 + (q % 20) as u32, 3),
                    one_room(2, &[]),
                );
                s.sort = sort;
                s.filters.stars = [3u8, 4, 5]
                    .iter()
                    .filter_map(|s| StarRating::new(*s))
                    .collect();
                s.filters.amenities = Amenities::EMPTY.with(Amenity::Wifi);
                let t = Instant::now();
                let r = index.search(&s, now(), false);
                big.push(t.elapsed());
                if q == 0 {
                    let t = Instant::now();
                    let mut c = Vec::new();
                    index.within_radius(s.distance_from, 5.0, &mut c);
                    println!(
                        "  biggest city: {} within 5 km, total {}, radius query {:?}",
                        c.len(),
                        r.total,
                        t.elapsed()
                    );
                }
            }
            big.sort();
            println!("  biggest city p50 {:?}", big[25]);
            times.sort();
            println!(
                "{sort:?}: p50 {:?} p99 {:?} mean total {}",
                times[times.len() / 2],
                times[times.len() * 99 / 100],
                total / 400
            );
        }
    }
}
