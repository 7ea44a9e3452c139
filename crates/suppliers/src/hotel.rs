//! The hotel supplier contract: availability for a stay and party, a rate's price check,
//! booking (at once, or a hold confirmed or released later), reading a booking and cancelling
//! it (quote, then confirm). Errors are the same [`SupplierError`] flights use, so the
//! aggregator and the booking flow treat both alike.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use wayfare_domain::Money;
use wayfare_domain::hotel::{
    Amenities, Board, CancellationPolicy, GeoPoint, HotelMapSearch, HotelSearch, LocalizedText,
    Payment, Reviews, StarRating, StayPrice, Themes,
};

use crate::flight::SupplierError;

/// A property as a supplier describes it in results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotelSummary {
    /// Stable and supplier-prefixed: `bh_12345` (built-in), `hb_6613` (Hotelbeds).
    pub id: String,
    pub supplier: String,
    pub name: LocalizedText,
    pub chain: Option<String>,
    pub brand: Option<String>,
    pub stars: Option<StarRating>,
    pub address: LocalizedText,
    /// GeoNames id of the city, when known.
    pub city_id: Option<i64>,
    pub location: GeoPoint,
    pub amenities: Amenities,
    pub themes: Themes,
    pub reviews: Reviews,
}

/// One requested room as a rate fills it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoomAllocation {
    pub room_type: String,
    pub name: LocalizedText,
    pub adults: u8,
    pub children_ages: Vec<u8>,
}

/// One bookable way to stay: a rate plan on room types that together hold the whole party.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotelRate {
    /// Stable for the same property, rooms, plan, stay and party; what booking names.
    pub id: String,
    pub hotel_id: String,
    /// One per requested room, in the order asked.
    pub rooms: Vec<RoomAllocation>,
    pub plan_name: LocalizedText,
    pub board: Board,
    pub payment: Payment,
    pub member_only: bool,
    pub cancellation: CancellationPolicy,
    /// Until when cancelling is free, if it ever is.
    pub free_cancellation_until: Option<DateTime<Utc>>,
    pub check_in: NaiveDate,
    pub check_out: NaiveDate,
    /// When check-in opens on `check_in`, at the hotel's local time (as the supplier knows it),
    /// as an instant: what pre-trip reminders and trip ordering count from.
    pub check_in_at: DateTime<Utc>,
    /// The latest check-out on `check_out`, at the hotel's local time, as an instant.
    pub check_out_at: DateTime<Utc>,
    /// The price of the whole stay for every room, taxes and fees included.
    pub price: StayPrice,
    /// Rooms left at this price (the fewest over the nights), capped at 9.
    pub rooms_left: u16,
    /// The supplier wants a price check before booking (Hotelbeds `RECHECK`).
    pub needs_price_check: bool,
    pub expires_at: DateTime<Utc>,
}

/// A property with its rates for the stay, cheapest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotelOffer {
    pub hotel: HotelSummary,
    pub rates: Vec<HotelRate>,
}

impl HotelOffer {
    pub fn cheapest(&self) -> Option<&HotelRate> {
        self.rates.iter().min_by_key(|r| r.price.total.minor())
    }
}

/// A supplier's answer to a list search.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct HotelResults {
    /// In the search's order, from the first result (not from `offset`).
    pub offers: Vec<HotelOffer>,
    /// Properties that matched the search and filters, beyond those returned.
    pub total: usize,
}

/// A pin on the map: a property and the cheapest stay there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotelPin {
    pub hotel_id: String,
    pub name: LocalizedText,
    pub stars: Option<StarRating>,
    pub location: GeoPoint,
    pub cheapest_total: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuestName {
    pub given_name: String,
    pub family_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HotelBookingRequest {
    pub rate_id: String,
    /// The lead guest of each room, in the rate's room order.
    pub room_guests: Vec<GuestName>,
    pub holder: GuestName,
    pub email: String,
    pub phone: String,
    pub special_requests: Option<String>,
    /// What we expect to pay; a different current price is `PriceChanged`.
    pub expected_total: Money,
    /// Ours, so a retry does not book twice.
    pub idempotency_key: String,
}

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HotelBookingStatus {
    /// The rooms are taken until [`HotelBooking::hold_expires_at`]; confirm or release it.
    Held,
    /// Booked.
    Confirmed,
    /// A confirmed booking cancelled; its rooms are back on sale.
    Cancelled,
    /// A hold released or timed out; its rooms are back on sale and it cannot be confirmed.
    Expired,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotelBooking {
    pub id: String,
    /// The hotel's or supplier's confirmation number.
    pub confirmation: String,
    pub status: HotelBookingStatus,
    pub rate: HotelRate,
    pub hotel: HotelSummary,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Until when the rooms are held: `Some` while [`HotelBookingStatus::Held`], else `None`.
    pub hold_expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HotelCancellationQuote {
    pub id: String,
    pub booking_id: String,
    /// What cancelling now costs, per the rate's policy.
    pub fee: Money,
    pub refund: Money,
    pub expires_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

#[async_trait::async_trait]
pub trait HotelSupplier: Send + Sync {
    /// A short stable name: `builtin`, `hotelbeds`.
    fn name(&self) -> &'static str;

    /// Properties with their rates for the search, every filter applied, in the search's
    /// order: at least the first `offset + limit` (a supplier that cannot page returns all it
    /// has), and how many properties matched in all.
    async fn search(&self, search: &HotelSearch) -> Result<HotelResults, SupplierError>;

    /// Pins for the map box: one per available property with its cheapest stay.
    async fn map(&self, search: &HotelMapSearch) -> Result<Vec<HotelPin>, SupplierError>;

    /// Every bookable rate at one property for a stay and party.
    async fn rates(
        &self,
        hotel_id: &str,
        search: &HotelSearch,
    ) -> Result<HotelOffer, SupplierError>;

    /// The rate again with its current price and rooms left.
    async fn check_rate(&self, rate_id: &str) -> Result<HotelRate, SupplierError>;

    /// Books the rate at once: [`HotelBookingStatus::Confirmed`], the rooms taken for good.
    async fn book(&self, request: &HotelBookingRequest) -> Result<HotelBooking, SupplierError>;

    /// Takes the rooms like [`book`](HotelSupplier::book) (same price check, idempotency and
    /// guest checks) but only until `until`: the booking is [`HotelBookingStatus::Held`] until
    /// [`confirm_hold`](HotelSupplier::confirm_hold), and gives its rooms back when
    /// [released](HotelSupplier::release_hold) or when `until` passes. A retry with the same
    /// idempotency key answers the first hold, whatever `until` it names.
    ///
    /// Suppliers that cannot hold answer [`SupplierError::Unsupported`] (the default); the
    /// booking flow then price-checks and books at confirmation instead.
    async fn hold(
        &self,
        request: &HotelBookingRequest,
        until: DateTime<Utc>,
    ) -> Result<HotelBooking, SupplierError> {
        let _ = (request, until);
        Err(SupplierError::Unsupported {
            supplier: self.name().into(),
            operation: "hold",
        })
    }

    /// Held → [`HotelBookingStatus::Confirmed`] while the hold lasts. Confirming a confirmed
    /// booking answers it; a hold released or past its time is
    /// [`SupplierError::OfferExpired`] (its rooms may be sold to someone else by now).
    async fn confirm_hold(&self, booking_id: &str) -> Result<HotelBooking, SupplierError> {
        let _ = booking_id;
        Err(SupplierError::Unsupported {
            supplier: self.name().into(),
            operation: "confirm_hold",
        })
    }

    /// Held → [`HotelBookingStatus::Expired`], giving the rooms back (payment failed, the
    /// traveller gave up). Releasing an expired hold answers it; a confirmed booking is
    /// [`SupplierError::Rejected`] with code `booking_confirmed` (cancel it through a quote
    /// instead), a cancelled one code `booking_cancelled`.
    async fn release_hold(&self, booking_id: &str) -> Result<HotelBooking, SupplierError> {
        let _ = booking_id;
        Err(SupplierError::Unsupported {
            supplier: self.name().into(),
            operation: "release_hold",
        })
    }

    /// The booking as it stands now (a hold past its time reads as expired).
    async fn get_booking(&self, booking_id: &str) -> Result<HotelBooking, SupplierError>;

    /// What cancelling would cost now, without cancelling (Hotelbeds `SIMULATION`).
    async fn quote_cancellation(
        &self,
        booking_id: &str,
    ) -> Result<HotelCancellationQuote, SupplierError>;

    /// Cancels as quoted; confirming twice answers the first confirmation.
    async fn confirm_cancellation(
        &self,
        quote_id: &str,
    ) -> Result<HotelCancellationQuote, SupplierError>;
}
