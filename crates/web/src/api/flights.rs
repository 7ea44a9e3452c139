//! Flight search: `POST /api/v1/flights/search` fans out to every enabled supplier and answers
//! offers in the shape the big flight APIs use, times in RFC 3339 with the airport's offset.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use wayfare_domain::flight::codes::AirportCode;
use wayfare_domain::flight::fare::{FareConditions, NoShowRule};
use wayfare_domain::flight::offer::Offer;
use wayfare_domain::flight::search::{FieldError, FlightSearch, SearchBody, SearchContext};

use crate::api::types::{ErrorBody, MoneyJson};
use crate::error::WebError;
use crate::extract::ApiJson;
use crate::state::AppState;

/// Request body (documentation shape; see the field notes).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct FlightSearchRequest {
    /// 1 slice: one-way; 2: round-trip (or open-jaw); up to 6: multi-city.
    slices: Vec<SliceRequest>,
    passengers: Option<PassengersRequest>,
    /// economy (default), premium_economy, business, first.
    cabin_class: Option<String>,
    /// 0–2 connections per slice (default 1).
    max_connections: Option<u8>,
    /// Only these marketing carriers (IATA codes).
    airlines: Option<Vec<String>>,
    exclude_airlines: Option<Vec<String>>,
    /// Whole-party price range in the offer currency, decimal strings.
    min_price: Option<String>,
    max_price: Option<String>,
    max_duration_minutes: Option<u32>,
    /// Connect only at these airports.
    layover_airports: Option<Vec<String>>,
    /// Longest layover (default 480, at most 1440).
    max_layover_minutes: Option<u16>,
    /// Allow changing airport within a city (PEK↔PKX, PVG↔SHA, LHR↔LGW …).
    allow_airport_change: Option<bool>,
    /// best (default), price, duration, departure, arrival.
    sort: Option<String>,
    /// 1–500 offers (default 50).
    limit: Option<u32>,
}

#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct SliceRequest {
    #[schema(example = "PVG")]
    origin: String,
    #[schema(example = "LHR")]
    destination: String,
    #[schema(example = "2026-12-10")]
    departure_date: String,
    /// Local departure window, `{"from": "08:00", "to": "12:00"}`.
    departure_time: Option<TimeWindowRequest>,
    arrival_time: Option<TimeWindowRequest>,
}

#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct TimeWindowRequest {
    from: String,
    to: String,
}

#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct PassengersRequest {
    /// At least 1.
    adults: u8,
    children: u8,
    /// On an adult's lap; no more than adults. Seats in all at most 9.
    infants: u8,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentJson {
    pub origin: String,
    pub destination: String,
    /// RFC 3339 with the origin airport's offset.
    pub departing_at: String,
    /// RFC 3339 with the destination airport's offset.
    pub arriving_at: String,
    pub duration_minutes: i64,
    pub marketing_carrier: String,
    pub flight_number: String,
    pub operating_carrier: String,
    pub aircraft: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SliceJson {
    pub origin: String,
    pub destination: String,
    pub duration_minutes: i64,
    pub segments: Vec<SegmentJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConditionJson {
    pub allowed: bool,
    /// Per passenger; null when not allowed.
    pub penalty_amount: Option<MoneyJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConditionsJson {
    pub refund_before_departure: ConditionJson,
    pub change_before_departure: ConditionJson,
    /// Refunds and changes close this many hours before departure.
    pub cutoff_hours: u16,
    /// forfeit_fare, refund_taxes_only or extra_penalty.
    pub no_show: String,
    pub no_show_penalty: Option<MoneyJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BaggageJson {
    pub checked_pieces: u8,
    pub checked_kg: u8,
    pub carry_on_pieces: u8,
    pub carry_on_kg: u8,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfferJson {
    pub id: String,
    pub supplier: String,
    pub total_amount: MoneyJson,
    pub base_amount: MoneyJson,
    pub tax_amount: MoneyJson,
    pub expires_at: String,
    pub cabin_class: String,
    pub fare_brand: String,
    pub baggage: BaggageJson,
    pub conditions: ConditionsJson,
    /// Seats bookable at this price for the whole party, capped at 9.
    pub available_seats: u32,
    pub slices: Vec<SliceJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WarningJson {
    pub supplier: String,
    /// timeout or error
    pub kind: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FlightSearchResponse {
    pub offers: Vec<OfferJson>,
    /// Suppliers that failed or ran out of time; the offers are then partial.
    pub warnings: Vec<WarningJson>,
}

fn condition(allowed: bool, penalty: Option<wayfare_domain::Money>) -> ConditionJson {
    ConditionJson {
        allowed,
        penalty_amount: penalty.map(MoneyJson::from),
    }
}

fn conditions_json(c: &FareConditions) -> ConditionsJson {
    let (no_show, no_show_penalty) = match c.no_show {
        NoShowRule::ForfeitFare => ("forfeit_fare", None),
        NoShowRule::RefundTaxesOnly => ("refund_taxes_only", None),
        NoShowRule::ExtraPenalty { amount } => ("extra_penalty", Some(MoneyJson::from(amount))),
    };
    ConditionsJson {
        refund_before_departure: condition(c.refundable, c.refund_penalty),
        change_before_departure: condition(c.changeable, c.change_penalty),
        cutoff_hours: c.cutoff_hours,
        no_show: no_show.to_owned(),
        no_show_penalty,
    }
}

pub fn offer_json(o: &Offer) -> OfferJson {
    OfferJson {
        id: o.id.clone(),
        supplier: o.supplier.clone(),
        total_amount: o.price.total.into(),
        base_amount: o.price.base.into(),
        tax_amount: o.price.taxes.into(),
        expires_at: o
            .expires_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        cabin_class: o.cabin.as_str().to_owned(),
        fare_brand: o.fare_brand.clone(),
        baggage: BaggageJson {
            checked_pieces: o.baggage.checked_pieces,
            checked_kg: o.baggage.checked_kg,
            carry_on_pieces: o.baggage.carry_on_pieces,
            carry_on_kg: o.baggage.carry_on_kg,
        },
        conditions: conditions_json(&o.conditions),
        available_seats: o.available_seats,
        slices: o
            .slices
            .iter()
            .map(|s| SliceJson {
                origin: s.origin.to_string(),
                destination: s.destination.to_string(),
                duration_minutes: s.duration_minutes,
                segments: s
                    .segments
                    .iter()
                    .map(|g| SegmentJson {
                        origin: g.origin.to_string(),
                        destination: g.destination.to_string(),
                        departing_at: g.departing_at.to_rfc3339(),
                        arriving_at: g.arriving_at.to_rfc3339(),
                        duration_minutes: g.duration_minutes,
                        marketing_carrier: g.marketing_carrier.to_string(),
                        flight_number: g.flight_number.to_string(),
                        operating_carrier: g.operating_carrier.to_string(),
                        aircraft: g.aircraft.clone(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// What validation knows: the airports we have, their local dates, the schedule horizon.
pub(crate) struct Context<'a> {
    pub(crate) state: &'a AppState,
}

impl SearchContext for Context<'_> {
    fn airport_known(&self, code: AirportCode) -> bool {
        self.state.airports().get(code.as_str()).is_some()
    }

    fn local_today(&self, code: AirportCode) -> NaiveDate {
        let now = self.state.flights().now();
        self.state
            .airports()
            .get(code.as_str())
            .and_then(|a| a.tz.parse::<chrono_tz::Tz>().ok())
            .map(|tz| now.with_timezone(&tz).date_naive())
            .unwrap_or_else(|| now.date_naive())
    }

    fn last_date(&self) -> NaiveDate {
        self.state.flights().last_date()
    }

    fn currency_exponent(&self) -> u32 {
        self.state.flights().currency().exponent()
    }
}

pub fn field_error(e: FieldError) -> WebError {
    let mut w = WebError::invalid_field(&e.field, e.reason);
    if let Some((name, value)) = e.arg {
        w = w.arg(name, value);
    }
    w
}

/// Search flights.
#[utoipa::path(
    post,
    path = "/flights/search",
    tag = "flights",
    request_body = FlightSearchRequest,
    responses(
        (status = 200, description = "Offers, best first by default", body = FlightSearchResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 422, description = "A field is invalid; `details.field` names it", body = ErrorBody),
    )
)]
pub async fn search_flights(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SearchBody>,
) -> Result<Json<FlightSearchResponse>, WebError> {
    let search = FlightSearch::validate(&body, &Context { state: &state }).map_err(field_error)?;
    let outcome = state.flights().aggregator().search(&search).await;
    Ok(Json(FlightSearchResponse {
        offers: outcome.offers.iter().map(offer_json).collect(),
        warnings: outcome
            .warnings
            .into_iter()
            .map(|w| WarningJson {
                supplier: w.supplier,
                kind: w.kind.to_owned(),
            })
            .collect(),
    }))
}
