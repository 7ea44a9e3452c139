//! The flight supplier contract. Every operation a supplier cannot do answers
//! [`SupplierError::Unsupported`] explicitly; nothing silently does nothing.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use wayfare_domain::Money;
use wayfare_domain::flight::Offer;
use wayfare_domain::flight::offer::Segment;
use wayfare_domain::flight::search::FlightSearch;

/// Why a supplier call failed. The aggregator turns these into warnings; booking turns them
/// into user-facing errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupplierError {
    #[error("{supplier} did not answer in time")]
    Timeout { supplier: String },
    #[error("{supplier} is unavailable: {reason}")]
    Unavailable { supplier: String, reason: String },
    #[error("offer {0} is no longer available")]
    OfferExpired(String),
    #[error("offer or order {0} not found")]
    NotFound(String),
    #[error("the price changed to {new_total}")]
    PriceChanged { new_total: Money },
    #[error("not enough seats")]
    NoSeats,
    #[error("{supplier} refused: {code}: {message}")]
    Rejected {
        supplier: String,
        code: String,
        message: String,
    },
    #[error("{supplier} does not support {operation}")]
    Unsupported {
        supplier: String,
        operation: &'static str,
    },
    #[error("{supplier} answered something we could not read: {detail}")]
    Protocol { supplier: String, detail: String },
    #[error("authentication with {supplier} failed")]
    Authentication { supplier: String },
    #[error("{supplier} rate limit reached")]
    RateLimited { supplier: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PassengerType {
    Adult,
    Child,
    InfantWithoutSeat,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PassengerDetails {
    pub passenger_type: PassengerType,
    pub given_name: String,
    pub family_name: String,
    pub born_on: NaiveDate,
    /// `m` or `f`, as airlines require.
    pub gender: String,
    pub email: String,
    pub phone: String,
    /// For infants: the adult (by index in the list) whose lap they sit on.
    pub infant_of: Option<usize>,
}

/// Hold the seats and pay later, or pay now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderMode {
    Hold,
    Instant { payment: Money },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequest {
    pub offer_id: String,
    pub passengers: Vec<PassengerDetails>,
    pub mode: OrderMode,
    /// Ours, sent to the supplier so retries do not book twice.
    pub idempotency_key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SupplierOrderStatus {
    Held,
    Confirmed,
    Cancelled,
    /// A hold that was not paid in time; its seats went back on sale.
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierOrder {
    pub id: String,
    /// The airline record locator (PNR).
    pub booking_reference: String,
    pub status: SupplierOrderStatus,
    pub total: Money,
    pub payment_required_by: Option<DateTime<Utc>>,
    /// E-ticket numbers, once ticketed (one per passenger and ticket).
    pub tickets: Vec<String>,
    pub offer: Offer,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancellationQuote {
    pub id: String,
    pub order_id: String,
    /// `None` when the supplier does not say in advance.
    pub refund: Option<Money>,
    pub expires_at: Option<DateTime<Utc>>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// A change an airline made to a booked flight (time, flight number, cancellation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleChange {
    pub id: String,
    pub order_id: String,
    pub detected_at: DateTime<Utc>,
    /// The new itinerary, or `None` when the flight was cancelled without replacement.
    pub new_offer: Option<Offer>,
    /// With no new itinerary: the flights the airline cancelled, when the supplier names them
    /// (empty when it does not; the order's first flight still to leave is then taken).
    pub cancelled: Vec<FlightOnDate>,
}

/// A flight on the local date it leaves: `MU5101` on 2026-12-01.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlightOnDate {
    /// Marketing carrier and number, `MU5101`.
    pub flight: String,
    pub date: NaiveDate,
}

impl FlightOnDate {
    pub fn of(segment: &Segment) -> FlightOnDate {
        FlightOnDate {
            flight: segment.flight_designator(),
            date: segment.departing_at.date_naive(),
        }
    }

    /// Whether `segment` is this flight.
    pub fn is(&self, segment: &Segment) -> bool {
        *self == FlightOnDate::of(segment)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScheduleChangePage {
    pub changes: Vec<ScheduleChange>,
    /// Pass back to get the next page; `None` when this was the last.
    pub next_cursor: Option<String>,
}

#[async_trait::async_trait]
pub trait FlightSupplier: Send + Sync {
    /// A short stable name: `builtin`, `duffel`.
    fn name(&self) -> &'static str;

    /// Offers for the search, best-effort; the aggregator applies filters, sorting and limits.
    async fn search(&self, search: &FlightSearch) -> Result<Vec<Offer>, SupplierError>;

    /// The offer again with its current price and availability.
    async fn price(&self, offer_id: &str) -> Result<Offer, SupplierError>;

    async fn create_order(&self, request: &OrderRequest) -> Result<SupplierOrder, SupplierError>;

    /// Pays a held order in full (`payment` must equal its current total); it is then ticketed.
    /// Paying an order that is already paid answers the order (safe to retry).
    async fn pay_order(
        &self,
        order_id: &str,
        payment: Money,
        idempotency_key: &str,
    ) -> Result<SupplierOrder, SupplierError>;

    async fn get_order(&self, order_id: &str) -> Result<SupplierOrder, SupplierError>;

    /// What cancelling would refund, valid until the quote expires.
    async fn quote_cancellation(&self, order_id: &str) -> Result<CancellationQuote, SupplierError>;

    async fn confirm_cancellation(
        &self,
        quote_id: &str,
    ) -> Result<CancellationQuote, SupplierError>;

    /// Airline-initiated changes since `cursor`.
    async fn schedule_changes(
        &self,
        cursor: Option<&str>,
    ) -> Result<ScheduleChangePage, SupplierError>;
}
