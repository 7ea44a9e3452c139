//! Duffel's JSON documents as serde types, request bodies and responses (API version `v2`).
//! Field names and nullability follow `shared/providers/travel.md` §1; nothing here knows our
//! domain types: `transform` maps between the two.
//!
//! Responses are read leniently: unknown fields are ignored, documented-nullable fields are
//! `Option`, lists default to empty. Amounts and local times stay strings here because their
//! meaning depends on a sibling field (currency, airport time zone).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// Envelopes

/// Every request body is wrapped as `{"data": …}`.
#[derive(Debug, Serialize)]
pub struct RequestEnvelope<T> {
    pub data: T,
}

/// A single resource: `{"data": {…}}`.
#[derive(Debug, Deserialize)]
pub struct Document<T> {
    pub data: T,
}

/// A list: `{"data": […], "meta": {"after": …, "before": …, "limit": …}}`.
#[derive(Debug, Deserialize)]
pub struct ListDocument<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub meta: Option<ListMeta>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListMeta {
    /// Opaque cursor of the next page; `null` on the last page.
    #[serde(default)]
    pub after: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Search: POST /air/offer_requests

#[derive(Debug, Serialize)]
pub struct OfferRequestBody {
    pub slices: Vec<SliceCriteria>,
    pub passengers: Vec<SearchPassenger>,
    pub cabin_class: &'static str,
    pub max_connections: u8,
}

#[derive(Debug, Serialize)]
pub struct SliceCriteria {
    pub origin: String,
    pub destination: String,
    pub departure_date: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub departure_time: Option<TimeRange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arrival_time: Option<TimeRange>,
}

/// An inclusive local time range, `"HH:MM"`.
#[derive(Debug, Serialize)]
pub struct TimeRange {
    pub from: String,
    pub to: String,
}

/// Either `{"type": "adult"}` or `{"age": n}`, never both.
#[derive(Debug, Serialize)]
pub struct SearchPassenger {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<u8>,
}

#[derive(Debug, Deserialize)]
pub struct OfferRequest {
    pub id: String,
}

// ---------------------------------------------------------------------------------------------
// Offers: GET /air/offers, GET /air/offers/{id}

#[derive(Debug, Clone, Deserialize)]
pub struct Offer {
    pub id: String,
    pub total_amount: String,
    pub total_currency: String,
    #[serde(default)]
    pub base_amount: Option<String>,
    #[serde(default)]
    pub base_currency: Option<String>,
    #[serde(default)]
    pub tax_amount: Option<String>,
    #[serde(default)]
    pub tax_currency: Option<String>,
    pub expires_at: DateTime<Utc>,
    /// Partial offers cannot be booked directly.
    #[serde(default)]
    pub partial: bool,
    #[serde(default)]
    pub passengers: Vec<Passenger>,
    #[serde(default)]
    pub payment_requirements: Option<PaymentRequirements>,
    #[serde(default)]
    pub conditions: Option<Conditions>,
    #[serde(default)]
    pub slices: Vec<Slice>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Passenger {
    pub id: String,
    /// `adult | child | infant_without_seat`, or null when the passenger was searched by age.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub age: Option<u8>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PaymentRequirements {
    /// When true the offer cannot be held.
    #[serde(default)]
    pub requires_instant_payment: bool,
}

/// `null` for a condition means the airline gave no information.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Conditions {
    #[serde(default)]
    pub refund_before_departure: Option<Condition>,
    #[serde(default)]
    pub change_before_departure: Option<Condition>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Condition {
    pub allowed: bool,
    /// `null` while allowed means the penalty is unknown.
    #[serde(default)]
    pub penalty_amount: Option<String>,
    /// The airline's currency; may differ from the offer's.
    #[serde(default)]
    pub penalty_currency: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Slice {
    #[serde(default)]
    pub id: Option<String>,
    /// ISO-8601 duration, e.g. `PT13H20M`.
    #[serde(default)]
    pub duration: Option<String>,
    #[serde(default)]
    pub fare_brand_name: Option<String>,
    #[serde(default)]
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Segment {
    pub origin: Airport,
    pub destination: Airport,
    /// Local time of the origin airport, no offset: `2026-01-15T08:25:00`.
    pub departing_at: String,
    /// Local time of the destination airport, no offset.
    pub arriving_at: String,
    #[serde(default)]
    pub duration: Option<String>,
    pub marketing_carrier: Carrier,
    pub marketing_carrier_flight_number: String,
    #[serde(default)]
    pub operating_carrier: Option<Carrier>,
    #[serde(default)]
    pub aircraft: Option<Aircraft>,
    #[serde(default)]
    pub passengers: Vec<SegmentPassenger>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Airport {
    pub iata_code: String,
    /// IANA zone, e.g. `Europe/London`.
    #[serde(default)]
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Carrier {
    #[serde(default)]
    pub iata_code: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Aircraft {
    #[serde(default)]
    pub iata_code: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SegmentPassenger {
    pub passenger_id: String,
    #[serde(default)]
    pub cabin_class: Option<String>,
    #[serde(default)]
    pub baggages: Vec<Baggage>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Baggage {
    /// `checked | carry_on`.
    #[serde(rename = "type")]
    pub kind: String,
    pub quantity: u32,
}

// ---------------------------------------------------------------------------------------------
// Orders: POST /air/orders, GET /air/orders/{id}

#[derive(Debug, Serialize)]
pub struct CreateOrderBody {
    /// `hold` or `instant`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Exactly one offer id.
    pub selected_offers: Vec<String>,
    pub passengers: Vec<OrderPassenger>,
    /// Instant orders only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub payments: Vec<Payment>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<&'static str, String>,
}

#[derive(Debug, Serialize)]
pub struct OrderPassenger {
    /// The `pas_…` id from the offer.
    pub id: String,
    pub title: &'static str,
    pub gender: &'static str,
    pub given_name: String,
    pub family_name: String,
    pub born_on: NaiveDate,
    pub email: String,
    pub phone_number: String,
    /// On the responsible adult: the infant's `pas_…` id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub infant_passenger_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Payment {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub amount: String,
    pub currency: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Order {
    pub id: String,
    #[serde(default)]
    pub booking_reference: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub cancelled_at: Option<DateTime<Utc>>,
    pub total_amount: String,
    pub total_currency: String,
    #[serde(default)]
    pub base_amount: Option<String>,
    #[serde(default)]
    pub base_currency: Option<String>,
    #[serde(default)]
    pub tax_amount: Option<String>,
    #[serde(default)]
    pub tax_currency: Option<String>,
    #[serde(default)]
    pub passengers: Vec<Passenger>,
    #[serde(default)]
    pub payment_status: Option<PaymentStatus>,
    #[serde(default)]
    pub conditions: Option<Conditions>,
    #[serde(default)]
    pub slices: Vec<Slice>,
    /// Tickets and EMDs, once issued (empty while a hold awaits payment).
    #[serde(default)]
    pub documents: Vec<OrderDocument>,
}

/// One entry of an order's `documents[]` (not to be confused with the [`Document`] envelope).
#[derive(Debug, Clone, Deserialize)]
pub struct OrderDocument {
    /// `electronic_ticket | electronic_miscellaneous_document_associated |
    /// electronic_miscellaneous_document_standalone`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The ticket (or EMD) number, e.g. the 13 digits of an e-ticket.
    pub unique_identifier: String,
    /// The `pas_…` ids the document is for.
    #[serde(default)]
    pub passenger_ids: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PaymentStatus {
    #[serde(default)]
    pub awaiting_payment: bool,
    #[serde(default)]
    pub payment_required_by: Option<DateTime<Utc>>,
    #[serde(default)]
    pub price_guarantee_expires_at: Option<DateTime<Utc>>,
}

// ---------------------------------------------------------------------------------------------
// Paying a hold order: POST /air/payments

/// `{order_id, payment: {type, amount, currency}}`; the amount is the order's current total.
#[derive(Debug, Serialize)]
pub struct CreatePaymentBody {
    pub order_id: String,
    pub payment: Payment,
}

/// The answer: `{id: "pay_…", amount, currency, type, created_at}`; only the id is kept (for
/// the log), the order read afterwards is what counts.
#[derive(Debug, Deserialize)]
pub struct PaymentRecord {
    pub id: String,
}

// ---------------------------------------------------------------------------------------------
// Cancellations: POST /air/order_cancellations, …/{id}/actions/confirm

#[derive(Debug, Serialize)]
pub struct CreateCancellationBody {
    pub order_id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OrderCancellation {
    pub id: String,
    pub order_id: String,
    /// `null` in v2 when the airline gives no quote.
    #[serde(default)]
    pub refund_amount: Option<String>,
    #[serde(default)]
    pub refund_currency: Option<String>,
    /// `balance | card | voucher | airline_credits | …`: where the refund goes.
    #[serde(default)]
    pub refund_to: Option<String>,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub confirmed_at: Option<DateTime<Utc>>,
}

// ---------------------------------------------------------------------------------------------
// Airline-initiated changes: GET /air/airline_initiated_changes?order_id=

#[derive(Debug, Clone, Deserialize)]
pub struct AirlineInitiatedChange {
    pub id: String,
    pub order_id: String,
    /// The slices after the change (they may carry new ids).
    #[serde(default)]
    pub added: Vec<Slice>,
    /// The slices as they were before the change.
    #[serde(default)]
    pub removed: Vec<Slice>,
    /// When Duffel detected the change.
    pub created_at: DateTime<Utc>,
}

// ---------------------------------------------------------------------------------------------
// Errors

/// `{"errors": [{type, title, message, code, documentation_url}], "meta": {status, request_id}}`.
#[derive(Debug, Deserialize)]
pub struct ErrorDocument {
    pub errors: Vec<ApiError>,
    #[serde(default)]
    pub meta: Option<ErrorMeta>,
}

#[derive(Debug, Deserialize)]
pub struct ApiError {
    /// `airline_error | api_error | authentication_error | invalid_request_error |
    /// invalid_state_error | rate_limit_error | validation_error`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// The specific machine id: `offer_no_longer_available`, `price_changed` …
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ErrorMeta {
    #[serde(default)]
    pub request_id: Option<String>,
}
