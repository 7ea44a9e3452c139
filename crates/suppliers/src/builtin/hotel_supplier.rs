//! The built-in hotel supplier: searches, maps and prices from the in-memory [`HotelIndex`]
//! built from our own hotels. Ids are `bh_`-prefixed; a rate id carries everything needed to
//! price it again (property, plan, room types, stay and party). Bookings and holds (see
//! `hotel_bookings`) live in the store.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use wayfare_domain::Currency;
use wayfare_domain::hotel::RoomRequest;
use wayfare_domain::hotel::search::{AreaOrigin, Destination};
use wayfare_domain::hotel::{
    GeoPoint, HotelListing, HotelMapSearch, HotelSearch, Party, PropertyId, RatePlanCode,
    RoomTypeCode, Stay,
};
use wayfare_search::hotels::{HotelIndex, PricedRate};
use wayfare_store::Store;

use crate::flight::SupplierError;
use crate::hotel::{
    HotelBooking, HotelBookingRequest, HotelCancellationQuote, HotelOffer, HotelPin, HotelRate,
    HotelResults, HotelSummary, HotelSupplier, RoomAllocation,
};

pub const SUPPLIER: &str = "builtin";
/// How long a priced rate is quoted for.
const RATE_MINUTES: i64 = 30;
/// Rooms left are shown up to this many, like the big sites.
const ROOMS_LEFT_CAP: u16 = 9;

pub use wayfare_domain::Clock;

pub struct BuiltinHotels {
    index: RwLock<Arc<HotelIndex>>,
    pub(crate) clock: Clock,
    store: Option<Store>,
}

impl std::fmt::Debug for BuiltinHotels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuiltinHotels").finish_non_exhaustive()
    }
}

/// What a rate id says.
#[derive(Debug, Clone, PartialEq)]
pub struct RateKey {
    pub property: PropertyId,
    pub plan: RatePlanCode,
    pub check_in: NaiveDate,
    pub check_out: NaiveDate,
    /// Per requested room: adults and children's ages.
    pub party: Vec<(u8, Vec<u8>)>,
    /// Room types used and how many of each.
    pub parts: Vec<(RoomTypeCode, u8)>,
    /// Per requested room, the part it sleeps in.
    pub room_parts: Vec<u8>,
}

impl RateKey {
    /// `bh_<property>.<plan>.<check-in>.<check-out>.<party>.<parts>.<room parts>`, e.g.
    /// `bh_1042.flex.20261210.20261213.2c5-1.dbl_x2.00`.
    pub fn id(&self) -> String {
        let party = self
            .party
            .iter()
            .map(|(a, ages)| {
                let mut s = a.to_string();
                for age in ages {
                    s.push('c');
                    s.push_str(&age.to_string());
                }
                s
            })
            .collect::<Vec<_>>()
            .join("-");
        let parts = self
            .parts
            .iter()
            .map(|(code, n)| format!("{}_x{n}", code.as_str()))
            .collect::<Vec<_>>()
            .join("+");
        let room_parts: String = self.room_parts.iter().map(|p| p.to_string()).collect();
        format!(
            "bh_{}.{}.{}.{}.{party}.{parts}.{room_parts}",
            self.property.0,
            self.plan.as_str(),
            self.check_in.format("%Y%m%d"),
            self.check_out.format("%Y%m%d"),
        )
    }

    pub fn parse(id: &str) -> Option<RateKey> {
        let rest = id.strip_prefix("bh_")?;
        let f: Vec<&str> = rest.split('.').collect();
        let [
            property,
            plan,
            check_in,
            check_out,
            party,
            parts,
            room_parts,
        ] = f.as_slice()
        else {
            return None;
        };
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y%m%d").ok();
        let party = party
            .split('-')
            .map(|room| {
                let mut it = room.split('c');
                let adults = it.next()?.parse().ok()?;
                let ages = it.map(|a| a.parse().ok()).collect::<Option<Vec<u8>>>()?;
                Some((adults, ages))
            })
            .collect::<Option<Vec<_>>>()?;
        let parts = parts
            .split('+')
            .map(|p| {
                let (code, n) = p.rsplit_once("_x")?;
                Some((RoomTypeCode::parse(code)?, n.parse().ok()?))
            })
            .collect::<Option<Vec<_>>>()?;
        let room_parts = room_parts
            .chars()
            .map(|c| c.to_digit(10).and_then(|d| u8::try_from(d).ok()))
            .collect::<Option<Vec<u8>>>()?;
        if room_parts.len() != party.len()
            || room_parts.iter().any(|&p| usize::from(p) >= parts.len())
        {
            return None;
        }
        Some(RateKey {
            property: PropertyId(property.parse().ok()?),
            plan: RatePlanCode::parse(plan)?,
            check_in: date(check_in)?,
            check_out: date(check_out)?,
            party,
            parts,
            room_parts,
        })
    }

    /// The search that prices this rate again.
    fn search(&self, currency: Currency) -> Option<HotelSearch> {
        let rooms = self
            .party
            .iter()
            .map(|(a, ages)| RoomRequest::new(*a, ages.clone()).ok())
            .collect::<Option<Vec<_>>>()?;
        let centre = GeoPoint::new(0.0, 0.0)?;
        Some(HotelSearch {
            destination: Destination::Area {
                centre,
                radius_km: 1.0,
                origin: AreaOrigin::Coordinates,
            },
            stay: Stay::new(self.check_in, self.check_out).ok()?,
            party: Party::new(rooms).ok()?,
            currency,
            filters: Default::default(),
            distance_from: centre,
            sort: wayfare_domain::hotel::ranking::HotelSort::Price,
            limit: 1,
            offset: 0,
        })
    }
}

/// `bh_<id>` → the property id.
pub fn property_of(hotel_id: &str) -> Option<PropertyId> {
    let rest = hotel_id.strip_prefix("bh_")?;
    let digits = rest.split('.').next()?;
    digits.parse().ok().map(PropertyId)
}

pub fn summary(listing: &HotelListing) -> HotelSummary {
    let p = &listing.property;
    HotelSummary {
        id: format!("bh_{}", p.id.0),
        supplier: SUPPLIER.to_owned(),
        name: p.name.clone(),
        chain: p.chain.map(|c| c.as_str().to_owned()),
        brand: p.brand.map(|b| b.as_str().to_owned()),
        stars: p.stars,
        address: p.address.clone(),
        city_id: Some(p.city_id),
        location: p.location,
        amenities: p.amenities,
        themes: p.themes,
        reviews: p.reviews,
    }
}

impl BuiltinHotels {
    pub fn new(index: HotelIndex, clock: Clock) -> BuiltinHotels {
        BuiltinHotels {
            index: RwLock::new(Arc::new(index)),
            clock,
            store: None,
        }
    }

    /// Books against `store`: bookings and rooms sold live there.
    pub fn with_store(mut self, store: Store) -> BuiltinHotels {
        self.store = Some(store);
        self
    }

    pub(crate) fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    pub fn index(&self) -> Arc<HotelIndex> {
        match self.index.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    pub fn replace_index(&self, index: HotelIndex) {
        let new = Arc::new(index);
        match self.index.write() {
            Ok(mut g) => *g = new,
            Err(p) => *p.into_inner() = new,
        }
    }

    /// A priced rate as suppliers answer it.
    pub(crate) fn rate(
        &self,
        listing: &HotelListing,
        party: &Party,
        stay: Stay,
        r: &PricedRate,
        now: DateTime<Utc>,
    ) -> HotelRate {
        let key = RateKey {
            property: listing.property.id,
            plan: r.plan,
            check_in: stay.check_in(),
            check_out: stay.check_out(),
            party: party
                .rooms()
                .iter()
                .map(|q| (q.adults(), q.children_ages().to_vec()))
                .collect(),
            parts: r.parts.iter().map(|p| (p.room_type, p.rooms)).collect(),
            room_parts: r.room_parts.clone(),
        };
        let room_name = |code: RoomTypeCode| {
            listing
                .rooms
                .iter()
                .find(|lr| lr.room.code == code)
                .map(|lr| lr.room.name.clone())
                .unwrap_or_default()
        };
        let plan_name = r
            .parts
            .first()
            .and_then(|p| {
                let room = listing.rooms.get(usize::from(p.room))?;
                room.plans.get(usize::from(p.plan))
            })
            .map(|p| p.plan.name.clone())
            .unwrap_or_default();
        HotelRate {
            id: key.id(),
            hotel_id: format!("bh_{}", listing.property.id.0),
            rooms: party
                .rooms()
                .iter()
                .zip(&r.room_parts)
                .map(|(q, &part)| {
                    let code = r.parts[usize::from(part)].room_type;
                    RoomAllocation {
                        room_type: code.as_str().to_owned(),
                        name: room_name(code),
                        adults: q.adults(),
                        children_ages: q.children_ages().to_vec(),
                    }
                })
                .collect(),
            plan_name,
            board: r.board,
            payment: r.payment,
            member_only: r.member_only,
            cancellation: r.cancellation.clone(),
            free_cancellation_until: r.free_cancellation_until,
            check_in: stay.check_in(),
            check_out: stay.check_out(),
            check_in_at: listing.property.check_in_at(stay.check_in()),
            check_out_at: listing.property.check_out_at(stay.check_out()),
            price: r.price.clone(),
            rooms_left: r.rooms_left.min(ROOMS_LEFT_CAP),
            needs_price_check: false,
            expires_at: now + Duration::minutes(RATE_MINUTES),
        }
    }

    fn offer(
        &self,
        index: &HotelIndex,
        position: u32,
        search: &HotelSearch,
        rates: &[PricedRate],
        now: DateTime<Utc>,
    ) -> HotelOffer {
        let listing = index.listing(position);
        HotelOffer {
            hotel: summary(listing),
            rates: rates
                .iter()
                .map(|r| self.rate(listing, &search.party, search.stay, r, now))
                .collect(),
        }
    }

    pub fn search_now(&self, search: &HotelSearch) -> HotelResults {
        let index = self.index();
        let now = (self.clock)();
        // The aggregator pages the merged list: answer from the first result.
        let mut from_start = search.clone();
        from_start.limit = search.offset + search.limit;
        from_start.offset = 0;
        let found = index.search(&from_start, now, false);
        HotelResults {
            offers: found
                .items
                .iter()
                .map(|hit| {
                    self.offer(
                        &index,
                        hit.index,
                        search,
                        std::slice::from_ref(&hit.cheapest),
                        now,
                    )
                })
                .collect(),
            total: found.total,
        }
    }

    pub fn rates_now(
        &self,
        hotel_id: &str,
        search: &HotelSearch,
    ) -> Result<HotelOffer, SupplierError> {
        let id =
            property_of(hotel_id).ok_or_else(|| SupplierError::NotFound(hotel_id.to_owned()))?;
        let index = self.index();
        let position = index
            .position(id)
            .ok_or_else(|| SupplierError::NotFound(hotel_id.to_owned()))?;
        let now = (self.clock)();
        let rates = index.rates(id, search, now, false);
        Ok(self.offer(&index, position, search, &rates, now))
    }

    /// The rate priced again now, or why it cannot be.
    pub fn check_rate_now(&self, rate_id: &str) -> Result<HotelRate, SupplierError> {
        let key =
            RateKey::parse(rate_id).ok_or_else(|| SupplierError::NotFound(rate_id.to_owned()))?;
        let index = self.index();
        let position = index
            .position(key.property)
            .ok_or_else(|| SupplierError::NotFound(rate_id.to_owned()))?;
        let listing = index.listing(position);
        let currency = listing
            .rooms
            .iter()
            .flat_map(|r| r.plans.iter())
            .find(|p| p.plan.code == key.plan)
            .map(|p| p.plan.currency)
            .ok_or_else(|| SupplierError::NotFound(rate_id.to_owned()))?;
        let search = key
            .search(currency)
            .ok_or_else(|| SupplierError::NotFound(rate_id.to_owned()))?;
        let now = (self.clock)();
        let parts: Vec<(RoomTypeCode, u8)> = key.parts.clone();
        index
            .rates(key.property, &search, now, true)
            .iter()
            .find(|r| {
                r.plan == key.plan
                    && r.room_parts == key.room_parts
                    && r.parts
                        .iter()
                        .map(|p| (p.room_type, p.rooms))
                        .eq(parts.iter().copied())
            })
            .map(|r| self.rate(listing, &search.party, search.stay, r, now))
            .ok_or(SupplierError::NoSeats)
    }
}

#[async_trait::async_trait]
impl HotelSupplier for BuiltinHotels {
    fn name(&self) -> &'static str {
        SUPPLIER
    }

    async fn search(&self, search: &HotelSearch) -> Result<HotelResults, SupplierError> {
        Ok(self.search_now(search))
    }

    async fn map(&self, search: &HotelMapSearch) -> Result<Vec<HotelPin>, SupplierError> {
        let index = self.index();
        let now = (self.clock)();
        Ok(index
            .map_pins(search, now, false)
            .into_iter()
            .map(|p| {
                let l = index.listing(p.index);
                HotelPin {
                    hotel_id: format!("bh_{}", p.id.0),
                    name: l.property.name.clone(),
                    stars: l.property.stars,
                    location: p.location,
                    cheapest_total: p.cheapest,
                }
            })
            .collect())
    }

    async fn rates(
        &self,
        hotel_id: &str,
        search: &HotelSearch,
    ) -> Result<HotelOffer, SupplierError> {
        self.rates_now(hotel_id, search)
    }

    async fn check_rate(&self, rate_id: &str) -> Result<HotelRate, SupplierError> {
        self.check_rate_now(rate_id)
    }

    async fn book(&self, request: &HotelBookingRequest) -> Result<HotelBooking, SupplierError> {
        self.book_now(request).await
    }

    async fn hold(
        &self,
        request: &HotelBookingRequest,
        until: DateTime<Utc>,
    ) -> Result<HotelBooking, SupplierError> {
        self.hold_now(request, until).await
    }

    async fn confirm_hold(&self, booking_id: &str) -> Result<HotelBooking, SupplierError> {
        self.confirm_hold_now(booking_id).await
    }

    async fn release_hold(&self, booking_id: &str) -> Result<HotelBooking, SupplierError> {
        self.release_hold_now(booking_id).await
    }

    async fn get_booking(&self, booking_id: &str) -> Result<HotelBooking, SupplierError> {
        self.get_booking_now(booking_id).await
    }

    async fn quote_cancellation(
        &self,
        booking_id: &str,
    ) -> Result<HotelCancellationQuote, SupplierError> {
        self.quote_cancellation_now(booking_id).await
    }

    async fn confirm_cancellation(
        &self,
        quote_id: &str,
    ) -> Result<HotelCancellationQuote, SupplierError> {
        self.confirm_cancellation_now(quote_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_ids_round_trip() {
        let key = RateKey {
            property: PropertyId(1042),
            plan: RatePlanCode::parse("flex_bb").unwrap(),
            check_in: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
            check_out: NaiveDate::from_ymd_opt(2026, 12, 13).unwrap(),
            party: vec![(2, vec![5, 12]), (1, vec![])],
            parts: vec![
                (RoomTypeCode::parse("dbl").unwrap(), 1),
                (RoomTypeCode::parse("king_x").unwrap(), 1),
            ],
            room_parts: vec![0, 1],
        };
        let id = key.id();
        assert_eq!(
            id,
            "bh_1042.flex_bb.20261210.20261213.2c5c12-1.dbl_x1+king_x_x1.01"
        );
        assert_eq!(RateKey::parse(&id), Some(key));
        assert_eq!(property_of(&id), Some(PropertyId(1042)));
        assert_eq!(property_of("bh_77"), Some(PropertyId(77)));
        for bad in [
            "bh_x",
            "hb_1.a.b",
            "bh_1.flex.2026.20261213.2.dbl_x1.0",
            "bh_1.flex.20261210.20261213.2.dbl_x1.5",
        ] {
            assert!(RateKey::parse(bad).is_none(), "{bad}");
        }
    }
}
