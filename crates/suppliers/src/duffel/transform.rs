//! Mapping between our domain and Duffel's wire documents: request bodies built from a
//! [`FlightSearch`] or an [`OrderRequest`], and offers, orders, cancellation quotes, airline
//! changes and errors read back into domain types. Pure: no I/O, no clock.
//!
//! Choices where Duffel says less than our domain needs (see also the module docs of `duffel`):
//! - children are searched as `{"age": 8}` and infants as `{"age": 1}` ([`CHILD_SEARCH_AGE`]);
//! - a fare condition that is `null` (no information) or allowed with an unknown penalty is
//!   mapped as *not allowed*: we never promise a refund or change we cannot price;
//! - a penalty keeps its own currency, which may differ from the offer's;
//! - `cutoff_hours` is 0 and the no-show rule is `ForfeitFare` (Duffel states neither);
//! - `available_seats` is [`AVAILABLE_SEATS`] (Duffel has no seat count; an offer is bookable
//!   for the whole party it was searched for);
//! - included bags give pieces only, so the `*_kg` fields are 0 (unknown);
//! - a flight number that is not 1–4 digits makes the offer unmappable (it is skipped in a
//!   search), because a wrong number would break de-duplication and the traveller's ticket.

use std::collections::HashSet;
use std::fmt;

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use wayfare_domain::flight::search::{FlightSearch, TimeWindow};
use wayfare_domain::flight::{
    AirlineCode, AirportCode, Baggage, Cabin, FareConditions, NoShowRule, Offer, OfferPrice,
    OfferSlice, Segment,
};
use wayfare_domain::{Currency, Money};

use super::wire;
use crate::flight::{
    CancellationQuote, FlightOnDate, OrderMode, OrderRequest, PassengerType, ScheduleChange,
    SupplierError, SupplierOrder, SupplierOrderStatus,
};

pub const SUPPLIER: &str = "duffel";

/// Prefixed to every Duffel id we hand out (`duffel:off_…`, `duffel:ord_…`) so the aggregator
/// and booking can tell which supplier an id belongs to.
pub const ID_PREFIX: &str = "duffel:";

/// The age a child is searched with. Duffel prices children by age and the search form only
/// counts them; 8 sits inside every airline's child band (2–11) and away from its edges.
pub const CHILD_SEARCH_AGE: u8 = 8;
/// The age an infant on a lap is searched with (under 2 ⇒ `infant_without_seat`).
pub const INFANT_SEARCH_AGE: u8 = 1;
/// Duffel publishes no seat count; an offer it returns is bookable for the searched party.
pub const AVAILABLE_SEATS: u32 = 9;

/// Why one document could not be read into our types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapError(pub String);

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn bad(msg: impl Into<String>) -> MapError {
    MapError(msg.into())
}

impl MapError {
    pub fn into_protocol(self, request_id: Option<&str>) -> SupplierError {
        SupplierError::Protocol {
            supplier: SUPPLIER.into(),
            detail: format!("{}{}", self.0, request_id_suffix(request_id)),
        }
    }
}

pub fn request_id_suffix(request_id: Option<&str>) -> String {
    match request_id {
        Some(id) => format!(" (request id {id})"),
        None => String::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Ids

pub fn our_id(duffel_id: &str) -> String {
    format!("{ID_PREFIX}{duffel_id}")
}

/// Duffel's id from ours (the prefix is optional). `None` when it cannot be a Duffel id, so a
/// crafted id never reaches a URL path.
pub fn duffel_id(id: &str) -> Option<&str> {
    let raw = id.strip_prefix(ID_PREFIX).unwrap_or(id);
    let ok = !raw.is_empty()
        && raw.len() <= 100
        && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    ok.then_some(raw)
}

// ---------------------------------------------------------------------------------------------
// Search request

impl From<&FlightSearch> for wire::OfferRequestBody {
    fn from(search: &FlightSearch) -> Self {
        let slices = search
            .slices
            .iter()
            .map(|s| wire::SliceCriteria {
                origin: s.origin.to_string(),
                destination: s.destination.to_string(),
                departure_date: s.departure_date,
                departure_time: s.departure_time.and_then(time_range),
                arrival_time: s.arrival_time.and_then(time_range),
            })
            .collect();
        let p = search.passengers;
        let adult = || wire::SearchPassenger {
            kind: Some("adult"),
            age: None,
        };
        let aged = |age| wire::SearchPassenger {
            kind: None,
            age: Some(age),
        };
        let passengers = (0..p.adults)
            .map(|_| adult())
            .chain((0..p.children).map(|_| aged(CHILD_SEARCH_AGE)))
            .chain((0..p.infants).map(|_| aged(INFANT_SEARCH_AGE)))
            .collect();
        wire::OfferRequestBody {
            slices,
            passengers,
            cabin_class: search.cabin.as_str(),
            max_connections: search.max_connections,
        }
    }
}

/// Duffel's ranges lie within one day; a window over midnight (22:00–06:00) is not sent and the
/// aggregator's own filter applies it instead.
fn time_range(w: TimeWindow) -> Option<wire::TimeRange> {
    (w.from <= w.to).then(|| wire::TimeRange {
        from: w.from.format("%H:%M").to_string(),
        to: w.to.format("%H:%M").to_string(),
    })
}

// ---------------------------------------------------------------------------------------------
// Offers

/// A Duffel offer as ours. `cabin_fallback` is used when no segment states its cabin.
pub fn offer(o: &wire::Offer, cabin_fallback: Option<Cabin>) -> Result<Offer, MapError> {
    if o.partial {
        return Err(bad(format!(
            "offer {} is partial and cannot be booked",
            o.id
        )));
    }
    let price = price(
        &o.total_amount,
        &o.total_currency,
        (o.base_amount.as_deref(), o.base_currency.as_deref()),
        (o.tax_amount.as_deref(), o.tax_currency.as_deref()),
    )?;
    build_offer(
        our_id(&o.id),
        o.expires_at,
        price,
        o.conditions.as_ref(),
        &o.slices,
        &o.passengers,
        cabin_fallback,
    )
}

fn build_offer(
    id: String,
    expires_at: DateTime<Utc>,
    price: OfferPrice,
    conditions: Option<&wire::Conditions>,
    slices: &[wire::Slice],
    passengers: &[wire::Passenger],
    cabin_fallback: Option<Cabin>,
) -> Result<Offer, MapError> {
    if slices.is_empty() {
        return Err(bad(format!("{id} has no slices")));
    }
    let lead = lead_passenger(passengers);
    let cabin = cabin(slices, lead)
        .or(cabin_fallback)
        .ok_or_else(|| bad(format!("{id} states no cabin class")))?;
    let fare_brand = slices
        .iter()
        .find_map(|s| s.fare_brand_name.as_deref())
        .map(|b| b.trim().to_lowercase())
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| "standard".to_owned());
    let mapped = slices
        .iter()
        .map(slice)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("{id}: {e}")))?;
    Ok(Offer {
        id,
        supplier: SUPPLIER.into(),
        expires_at,
        cabin,
        fare_brand,
        baggage: baggage(slices, lead),
        conditions: fare_conditions(conditions, price.total.currency())?,
        price,
        available_seats: AVAILABLE_SEATS,
        slices: mapped,
    })
}

/// Whose bags and cabin describe the offer: the first adult, else the first passenger.
fn lead_passenger(passengers: &[wire::Passenger]) -> Option<&str> {
    passengers
        .iter()
        .find(|p| passenger_kind(p) == PassengerType::Adult)
        .or(passengers.first())
        .map(|p| p.id.as_str())
}

pub fn passenger_kind(p: &wire::Passenger) -> PassengerType {
    match (p.kind.as_deref(), p.age) {
        (Some("adult"), _) => PassengerType::Adult,
        (Some("child"), _) => PassengerType::Child,
        (Some("infant_without_seat"), _) => PassengerType::InfantWithoutSeat,
        (_, Some(age)) if age < 2 => PassengerType::InfantWithoutSeat,
        (_, Some(age)) if age < 18 => PassengerType::Child,
        _ => PassengerType::Adult,
    }
}

/// The cabin of the first segment (mixed-cabin itineraries are described by where they start).
fn cabin(slices: &[wire::Slice], lead: Option<&str>) -> Option<Cabin> {
    let first = slices.iter().flat_map(|s| &s.segments).next()?;
    first
        .passengers
        .iter()
        .find(|p| Some(p.passenger_id.as_str()) == lead)
        .or(first.passengers.first())
        .and_then(|p| p.cabin_class.as_deref())
        .and_then(Cabin::parse)
}

/// The bags included on every segment for the lead passenger (the smallest allowance across
/// segments, as a traveller must fit the strictest one). Duffel gives pieces, not weights.
fn baggage(slices: &[wire::Slice], lead: Option<&str>) -> Baggage {
    let mut allowance: Option<(u32, u32)> = None;
    for seg in slices.iter().flat_map(|s| &s.segments) {
        let Some(p) = seg
            .passengers
            .iter()
            .find(|p| Some(p.passenger_id.as_str()) == lead)
        else {
            continue;
        };
        let count = |kind: &str| {
            p.baggages
                .iter()
                .filter(|b| b.kind == kind)
                .map(|b| b.quantity)
                .sum::<u32>()
        };
        let here = (count("checked"), count("carry_on"));
        allowance = Some(match allowance {
            None => here,
            Some((c, h)) => (c.min(here.0), h.min(here.1)),
        });
    }
    let (checked, carry_on) = allowance.unwrap_or((0, 0));
    Baggage {
        checked_pieces: u8::try_from(checked).unwrap_or(u8::MAX),
        checked_kg: 0,
        carry_on_pieces: u8::try_from(carry_on).unwrap_or(u8::MAX),
        carry_on_kg: 0,
    }
}

fn fare_conditions(
    c: Option<&wire::Conditions>,
    offer_currency: Currency,
) -> Result<FareConditions, MapError> {
    let refund_penalty = penalty(
        c.and_then(|c| c.refund_before_departure.as_ref()),
        offer_currency,
    )?;
    let change_penalty = penalty(
        c.and_then(|c| c.change_before_departure.as_ref()),
        offer_currency,
    )?;
    Ok(FareConditions {
        refundable: refund_penalty.is_some(),
        refund_penalty,
        changeable: change_penalty.is_some(),
        change_penalty,
        cutoff_hours: 0,
        no_show: NoShowRule::ForfeitFare,
    })
}

/// `Some(penalty)` when allowed with a known penalty (zero included); `None` otherwise.
fn penalty(
    c: Option<&wire::Condition>,
    offer_currency: Currency,
) -> Result<Option<Money>, MapError> {
    let Some(c) = c else { return Ok(None) };
    if !c.allowed {
        return Ok(None);
    }
    let Some(amount) = c.penalty_amount.as_deref() else {
        return Ok(None);
    };
    let currency = match c.penalty_currency.as_deref() {
        Some(code) => currency(code)?,
        None => offer_currency,
    };
    money(amount, currency).map(Some)
}

fn price(
    total_amount: &str,
    total_currency: &str,
    (base_amount, base_currency): (Option<&str>, Option<&str>),
    (tax_amount, tax_currency): (Option<&str>, Option<&str>),
) -> Result<OfferPrice, MapError> {
    let cur = currency(total_currency)?;
    let total = money(total_amount, cur)?;
    let same = |what: &str, code: Option<&str>| -> Result<(), MapError> {
        match code {
            Some(c) if c != cur.code() => Err(bad(format!("{what} is in {c}, the total in {cur}"))),
            _ => Ok(()),
        }
    };
    let taxes = match tax_amount {
        None => Money::zero(cur),
        Some(t) => {
            same("tax", tax_currency)?;
            money(t, cur)?
        }
    };
    let derived_base = total.checked_sub(taxes).map_err(|e| bad(e.to_string()))?;
    let base = match base_amount {
        None => derived_base,
        Some(b) => {
            same("base", base_currency)?;
            let base = money(b, cur)?;
            if base != derived_base {
                // The total is what gets charged; keep the split consistent with it.
                tracing::debug!(supplier = SUPPLIER, %base, %taxes, %total, "base + tax differs from total");
                derived_base
            } else {
                base
            }
        }
    };
    Ok(OfferPrice { base, taxes, total })
}

fn currency(code: &str) -> Result<Currency, MapError> {
    Currency::parse(code).map_err(|e| bad(e.to_string()))
}

fn money(amount: &str, currency: Currency) -> Result<Money, MapError> {
    Money::parse(amount, currency).map_err(|e| bad(e.to_string()))
}

fn slice(s: &wire::Slice) -> Result<OfferSlice, MapError> {
    let segments = s
        .segments
        .iter()
        .map(segment)
        .collect::<Result<Vec<_>, _>>()?;
    let (Some(first), Some(last)) = (segments.first(), segments.last()) else {
        return Err(bad("a slice has no segments"));
    };
    let duration_minutes = match s.duration.as_deref() {
        Some(d) => {
            iso_duration_minutes(d).ok_or_else(|| bad(format!("bad slice duration `{d}`")))?
        }
        None => (last.arriving_at - first.departing_at).num_minutes(),
    };
    Ok(OfferSlice {
        origin: first.origin,
        destination: last.destination,
        duration_minutes,
        segments,
    })
}

fn segment(s: &wire::Segment) -> Result<Segment, MapError> {
    let airport = |code: &str| AirportCode::parse(code).map_err(|e| bad(e.to_string()));
    let airline = |code: Option<&str>| {
        AirlineCode::parse(code.unwrap_or_default()).map_err(|e| bad(e.to_string()))
    };
    let flight_number = flight_number(&s.marketing_carrier_flight_number)?;
    let marketing_carrier = airline(s.marketing_carrier.iata_code.as_deref())?;
    let operating_carrier = match s
        .operating_carrier
        .as_ref()
        .and_then(|c| c.iata_code.as_deref())
    {
        Some(code) => airline(Some(code))?,
        None => marketing_carrier,
    };
    let departing_at = local_instant(&s.departing_at, s.origin.time_zone.as_deref(), None)?;
    let stated = s
        .duration
        .as_deref()
        .map(|d| iso_duration_minutes(d).ok_or_else(|| bad(format!("bad segment duration `{d}`"))))
        .transpose()?;
    let hint = stated.map(|m| departing_at.with_timezone(&Utc) + chrono::Duration::minutes(m));
    let arriving_at = local_instant(&s.arriving_at, s.destination.time_zone.as_deref(), hint)?;
    if arriving_at < departing_at {
        return Err(bad(format!(
            "segment arrives ({arriving_at}) before it departs ({departing_at})"
        )));
    }
    Ok(Segment {
        origin: airport(&s.origin.iata_code)?,
        destination: airport(&s.destination.iata_code)?,
        departing_at,
        arriving_at,
        marketing_carrier,
        flight_number,
        operating_carrier,
        aircraft: s
            .aircraft
            .as_ref()
            .and_then(|a| a.iata_code.clone())
            .unwrap_or_default(),
        duration_minutes: stated.unwrap_or_else(|| (arriving_at - departing_at).num_minutes()),
    })
}

/// `"0117"` → 117. Anything but 1–4 digits is refused (see the module docs).
pub fn flight_number(s: &str) -> Result<u16, MapError> {
    let t = s.trim();
    if t.is_empty() || t.len() > 4 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(format!("flight number `{s}` is not 1–4 digits")));
    }
    t.parse().map_err(|_| bad(format!("flight number `{s}`")))
}

/// A naive local time at an airport (`2026-01-15T08:25:00`) as an instant with that airport's
/// offset on that date. In the repeated hour of a DST fall-back the `hint` (the instant implied
/// by departure + duration) picks the right one, else the earlier; a time inside a DST gap does
/// not exist and is refused.
pub fn local_instant(
    local: &str,
    zone: Option<&str>,
    hint: Option<DateTime<Utc>>,
) -> Result<DateTime<FixedOffset>, MapError> {
    let zone = zone.ok_or_else(|| bad(format!("no time zone for local time `{local}`")))?;
    let tz: Tz = zone
        .parse()
        .map_err(|_| bad(format!("unknown time zone `{zone}`")))?;
    // Documented as naive; tolerate an explicit offset by converting it.
    if let Ok(t) = DateTime::parse_from_rfc3339(local) {
        return Ok(t.with_timezone(&tz).fixed_offset());
    }
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M"))
        .map_err(|_| bad(format!("bad local time `{local}`")))?;
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.fixed_offset()),
        LocalResult::Ambiguous(early, late) => {
            let pick = if hint == Some(late.with_timezone(&Utc)) {
                late
            } else {
                early
            };
            Ok(pick.fixed_offset())
        }
        LocalResult::None => Err(bad(format!("`{local}` does not exist in {zone}"))),
    }
}

/// ISO-8601 duration in whole minutes: `PT13H20M`, `PT02H26M`, `P1DT2H`, `PT45M30S` (seconds
/// are dropped). Years and months are refused: their length depends on the calendar.
pub fn iso_duration_minutes(s: &str) -> Option<i64> {
    let rest = s.trim().strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    if time == Some("") || (date.is_empty() && time.is_none()) {
        return None;
    }
    let mut seconds: i64 = 0;
    let mut add = |part: &str, units: &[(char, i64)]| -> Option<()> {
        let mut number = String::new();
        let mut allowed = units.iter().peekable();
        for ch in part.chars() {
            if ch.is_ascii_digit() || ch == '.' {
                number.push(ch);
                continue;
            }
            // Units must come in order, each at most once.
            let factor = loop {
                let (unit, factor) = allowed.next()?;
                if *unit == ch {
                    break *factor;
                }
            };
            if number.is_empty() {
                return None;
            }
            let value: i64 = if ch == 'S' {
                number.split('.').next()?.parse().ok()?
            } else {
                number.parse().ok()?
            };
            seconds = seconds.checked_add(value.checked_mul(factor)?)?;
            number.clear();
        }
        number.is_empty().then_some(())
    };
    add(date, &[('W', 7 * 86_400), ('D', 86_400)])?;
    if let Some(t) = time {
        add(t, &[('H', 3_600), ('M', 60), ('S', 1)])?;
    }
    Some(seconds / 60)
}

// ---------------------------------------------------------------------------------------------
// Orders

/// The `POST /air/orders` body for `request`, given the offer as Duffel returned it just now
/// (its `pas_…` ids are what Duffel books against).
pub fn order_body(
    offer: &wire::Offer,
    request: &OrderRequest,
) -> Result<wire::CreateOrderBody, SupplierError> {
    let ids = match_passengers(offer, request)?;
    let mut passengers = Vec::with_capacity(request.passengers.len());
    for (p, id) in request.passengers.iter().zip(&ids) {
        let (gender, title) = match p.gender.trim().to_ascii_lowercase().as_str() {
            "m" => ("m", "mr"),
            "f" => ("f", "ms"),
            other => {
                return Err(refuse(
                    "invalid_passenger",
                    format!("gender must be m or f, not `{other}`"),
                ));
            }
        };
        passengers.push(wire::OrderPassenger {
            id: id.clone(),
            title,
            gender,
            given_name: p.given_name.trim().to_owned(),
            family_name: p.family_name.trim().to_owned(),
            born_on: p.born_on,
            email: p.email.trim().to_owned(),
            phone_number: p
                .phone
                .chars()
                .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
                .collect(),
            infant_passenger_id: None,
        });
    }
    link_infants(request, &ids, &mut passengers)?;
    let (kind, payments) = match &request.mode {
        OrderMode::Hold => ("hold", vec![]),
        OrderMode::Instant { payment } => (
            "instant",
            vec![wire::Payment {
                kind: "balance",
                amount: payment.amount_string(),
                currency: payment.currency().code().to_owned(),
            }],
        ),
    };
    let mut metadata = std::collections::BTreeMap::new();
    // Duffel does not de-duplicate on it (no idempotency is documented); it lets support find
    // the order from our side.
    if !request.idempotency_key.is_empty() && request.idempotency_key.len() <= 500 {
        metadata.insert("wayfare_idempotency_key", request.idempotency_key.clone());
    }
    Ok(wire::CreateOrderBody {
        kind,
        selected_offers: vec![offer.id.clone()],
        passengers,
        payments,
        metadata,
    })
}

/// Our passengers in order, each given the next unused Duffel passenger of the same type.
fn match_passengers(
    offer: &wire::Offer,
    request: &OrderRequest,
) -> Result<Vec<String>, SupplierError> {
    let mut used = vec![false; offer.passengers.len()];
    let mut ids = Vec::with_capacity(request.passengers.len());
    for (i, p) in request.passengers.iter().enumerate() {
        let slot = offer
            .passengers
            .iter()
            .enumerate()
            .position(|(j, d)| !used[j] && passenger_kind(d) == p.passenger_type)
            .ok_or_else(|| {
                refuse(
                    "passenger_mismatch",
                    format!(
                        "passenger {i} ({:?}) has no counterpart in offer {}",
                        p.passenger_type, offer.id
                    ),
                )
            })?;
        used[slot] = true;
        ids.push(offer.passengers[slot].id.clone());
    }
    if used.iter().any(|u| !u) {
        return Err(refuse(
            "passenger_mismatch",
            format!(
                "offer {} is for {} passengers, the order names {}",
                offer.id,
                offer.passengers.len(),
                request.passengers.len()
            ),
        ));
    }
    Ok(ids)
}

/// Duffel links an infant through `infant_passenger_id` on the responsible adult. An infant
/// without `infant_of` goes with the first adult not yet holding one.
fn link_infants(
    request: &OrderRequest,
    ids: &[String],
    passengers: &mut [wire::OrderPassenger],
) -> Result<(), SupplierError> {
    for (i, p) in request.passengers.iter().enumerate() {
        if p.passenger_type != PassengerType::InfantWithoutSeat {
            continue;
        }
        let is_free_adult = |j: usize, passengers: &[wire::OrderPassenger]| {
            request.passengers.get(j).map(|a| a.passenger_type) == Some(PassengerType::Adult)
                && passengers[j].infant_passenger_id.is_none()
        };
        let adult = match p.infant_of {
            Some(j) if is_free_adult(j, passengers) => j,
            Some(j) => {
                return Err(refuse(
                    "invalid_passenger",
                    format!(
                        "infant {i} is assigned to passenger {j}, who is not an adult without an infant"
                    ),
                ));
            }
            None => (0..passengers.len())
                .find(|&j| is_free_adult(j, passengers))
                .ok_or_else(|| {
                    refuse(
                        "invalid_passenger",
                        format!("no adult free to hold infant {i}"),
                    )
                })?,
        };
        passengers[adult].infant_passenger_id = Some(ids[i].clone());
    }
    Ok(())
}

fn refuse(code: &str, message: String) -> SupplierError {
    SupplierError::Rejected {
        supplier: SUPPLIER.into(),
        code: code.into(),
        message,
    }
}

/// A Duffel order as ours. Its `offer` is rebuilt from the order itself (what is booked now),
/// with the order's id, and expires when payment is due (else at creation).
pub fn order(o: &wire::Order, cabin_fallback: Option<Cabin>) -> Result<SupplierOrder, MapError> {
    let booking_reference = o
        .booking_reference
        .clone()
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| bad(format!("order {} has no booking reference", o.id)))?;
    let price = price(
        &o.total_amount,
        &o.total_currency,
        (o.base_amount.as_deref(), o.base_currency.as_deref()),
        (o.tax_amount.as_deref(), o.tax_currency.as_deref()),
    )?;
    let awaiting = o
        .payment_status
        .as_ref()
        .is_some_and(|p| p.awaiting_payment);
    let status = if o.cancelled_at.is_some() {
        SupplierOrderStatus::Cancelled
    } else if awaiting {
        SupplierOrderStatus::Held
    } else {
        SupplierOrderStatus::Confirmed
    };
    let payment_required_by = o
        .payment_status
        .as_ref()
        .filter(|p| p.awaiting_payment)
        .and_then(|p| p.payment_required_by);
    let expires_at = payment_required_by
        .or_else(|| {
            o.payment_status
                .as_ref()
                .and_then(|p| p.price_guarantee_expires_at)
        })
        .unwrap_or(o.created_at);
    let total = price.total;
    let offer = build_offer(
        our_id(&o.id),
        expires_at,
        price,
        o.conditions.as_ref(),
        &o.slices,
        &o.passengers,
        cabin_fallback,
    )?;
    Ok(SupplierOrder {
        id: our_id(&o.id),
        booking_reference,
        status,
        total,
        payment_required_by,
        tickets: tickets(&o.documents),
        offer,
    })
}

/// A hold still awaiting payment once `payment_required_by` has passed is `Expired`: the
/// airline has released its seats, whatever Duffel still shows.
pub fn lapse_unpaid_hold(mut order: SupplierOrder, now: DateTime<Utc>) -> SupplierOrder {
    if order.status == SupplierOrderStatus::Held
        && order.payment_required_by.is_some_and(|due| due <= now)
    {
        order.status = SupplierOrderStatus::Expired;
    }
    order
}

/// The e-ticket numbers among an order's documents, in Duffel's order. EMDs (for services
/// such as bags or seats) are not tickets and are left out.
pub fn tickets(documents: &[wire::OrderDocument]) -> Vec<String> {
    documents
        .iter()
        .filter(|d| is_e_ticket(d))
        .map(|d| d.unique_identifier.trim().to_owned())
        .collect()
}

fn is_e_ticket(d: &wire::OrderDocument) -> bool {
    d.kind == "electronic_ticket" && !d.unique_identifier.trim().is_empty()
}

/// The passengers of an order that no e-ticket names yet (ticketing can lag payment).
pub fn unticketed_passengers(o: &wire::Order) -> Vec<&str> {
    let ticketed: HashSet<&str> = o
        .documents
        .iter()
        .filter(|d| is_e_ticket(d))
        .flat_map(|d| d.passenger_ids.iter().map(String::as_str))
        .collect();
    o.passengers
        .iter()
        .map(|p| p.id.as_str())
        .filter(|id| !ticketed.contains(id))
        .collect()
}

/// The `POST /air/payments` body paying `o` in full from the Duffel balance. The amount and
/// currency are the order's own strings, as just read: Duffel wants its current total.
pub fn payment_body(o: &wire::Order) -> wire::CreatePaymentBody {
    wire::CreatePaymentBody {
        order_id: o.id.clone(),
        payment: wire::Payment {
            kind: "balance",
            amount: o.total_amount.clone(),
            currency: o.total_currency.clone(),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Cancellations

pub fn cancellation(c: &wire::OrderCancellation) -> Result<CancellationQuote, MapError> {
    let refund = match (c.refund_amount.as_deref(), c.refund_currency.as_deref()) {
        (None, _) => None,
        (Some(amount), Some(code)) => Some(money(amount, currency(code)?)?),
        (Some(_), None) => {
            return Err(bad(format!(
                "cancellation {} has a refund without currency",
                c.id
            )));
        }
    };
    if let (Some(refund), Some(to)) = (refund, c.refund_to.as_deref())
        && !matches!(
            to,
            "balance" | "card" | "arc_bsp_cash" | "original_form_of_payment"
        )
    {
        // A voucher or airline credit is not money back; say so where support will look.
        tracing::info!(supplier = SUPPLIER, cancellation = %c.id, %refund, refund_to = to, "refund is not paid in money");
    }
    Ok(CancellationQuote {
        id: our_id(&c.id),
        order_id: our_id(&c.order_id),
        refund,
        expires_at: c.expires_at,
        confirmed_at: c.confirmed_at,
    })
}

// ---------------------------------------------------------------------------------------------
// Airline-initiated changes

/// One airline-initiated change with the order it belongs to. The new itinerary is the order's
/// slices with the `removed` ones replaced by the `added` ones (whether or not the order already
/// shows the change); `None` when the airline removed flights without replacing them.
pub fn schedule_change(
    aic: &wire::AirlineInitiatedChange,
    order: &wire::Order,
) -> Result<ScheduleChange, MapError> {
    let new_offer = if aic.added.is_empty() {
        None
    } else {
        let removed: HashSet<&str> = aic.removed.iter().filter_map(|s| s.id.as_deref()).collect();
        let mut slices: Vec<wire::Slice> = order
            .slices
            .iter()
            .filter(|s| !s.id.as_deref().is_some_and(|id| removed.contains(id)))
            .cloned()
            .collect();
        for added in &aic.added {
            let present = added.id.is_some() && slices.iter().any(|s| s.id == added.id);
            if !present {
                slices.push(added.clone());
            }
        }
        let mut keyed = slices
            .into_iter()
            .map(|s| {
                let at = s
                    .segments
                    .first()
                    .and_then(|g| {
                        local_instant(&g.departing_at, g.origin.time_zone.as_deref(), None).ok()
                    })
                    .map(|t| t.with_timezone(&Utc));
                (at, s)
            })
            .collect::<Vec<_>>();
        keyed.sort_by_key(|(at, _)| *at);
        let changed = wire::Order {
            slices: keyed.into_iter().map(|(_, s)| s).collect(),
            ..order.clone()
        };
        Some(self::order(&changed, None)?.offer)
    };
    // Without a replacement, the removed slices' flights are the ones cancelled.
    let cancelled = if new_offer.is_some() {
        Vec::new()
    } else {
        aic.removed
            .iter()
            .flat_map(|s| &s.segments)
            .filter_map(|g| {
                let date = g.departing_at.get(..10)?.parse().ok()?;
                let carrier = g.marketing_carrier.iata_code.as_deref()?;
                Some(FlightOnDate {
                    flight: format!("{carrier}{}", g.marketing_carrier_flight_number),
                    date,
                })
            })
            .collect()
    };
    Ok(ScheduleChange {
        id: our_id(&aic.id),
        order_id: our_id(&aic.order_id),
        detected_at: aic.created_at,
        new_offer,
        cancelled,
    })
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Codes Duffel uses for an offer that can no longer be booked.
const OFFER_GONE_CODES: &[&str] = &["offer_no_longer_available", "offer_expired"];

/// A non-2xx answer as a [`SupplierError`]. `subject` is the id asked about (for `NotFound` and
/// `OfferExpired`). The request id goes into every message that has room for it.
pub fn error_from_response(
    status: u16,
    header_request_id: Option<&str>,
    body: &[u8],
    subject: &str,
) -> SupplierError {
    let doc: Option<wire::ErrorDocument> = serde_json::from_slice(body).ok();
    let first = doc.as_ref().and_then(|d| d.errors.first());
    let code = first.and_then(|e| e.code.as_deref());
    let kind = first.and_then(|e| e.kind.as_deref());
    let request_id = header_request_id.or_else(|| {
        doc.as_ref()
            .and_then(|d| d.meta.as_ref())
            .and_then(|m| m.request_id.as_deref())
    });
    let rid = request_id_suffix(request_id);
    let message = first
        .and_then(|e| e.message.as_deref().or(e.title.as_deref()))
        .unwrap_or("")
        .to_owned();
    let supplier = SUPPLIER.to_owned();
    if code.is_some_and(|c| OFFER_GONE_CODES.contains(&c)) {
        return SupplierError::OfferExpired(subject.to_owned());
    }
    match (status, kind) {
        (401 | 403, _) | (_, Some("authentication_error")) => {
            SupplierError::Authentication { supplier }
        }
        (404, _) => SupplierError::NotFound(subject.to_owned()),
        // Duffel's own fixture for this error says 400 in its meta, the docs 429.
        (429, _) | (_, Some("rate_limit_error")) => SupplierError::RateLimited { supplier },
        (500..=599, _) => SupplierError::Unavailable {
            supplier,
            reason: match code {
                Some(code) => format!("HTTP {status} {code}: {message}{rid}"),
                None => format!("HTTP {status}{rid}"),
            },
        },
        _ => match first {
            Some(_) => SupplierError::Rejected {
                supplier,
                code: code
                    .or(kind)
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("http_{status}")),
                message: format!("{message}{rid}"),
            },
            None => SupplierError::Protocol {
                supplier,
                detail: format!("HTTP {status} with a body that is not a Duffel error{rid}"),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_durations() {
        assert_eq!(iso_duration_minutes("PT13H20M"), Some(800));
        assert_eq!(iso_duration_minutes("PT02H26M"), Some(146));
        assert_eq!(iso_duration_minutes("P1DT2H"), Some(26 * 60));
        assert_eq!(iso_duration_minutes("PT45M30S"), Some(45));
        assert_eq!(iso_duration_minutes("PT0.5S"), Some(0));
        assert_eq!(iso_duration_minutes("P1W"), Some(7 * 24 * 60));
        assert_eq!(iso_duration_minutes("P2D"), Some(2 * 24 * 60));
        for bad in [
            "", "P", "PT", "13H", "PT5X", "P1M", "P1Y", "PTH", "PT2M3H", "PT3H3H", "PT1H2",
        ] {
            assert_eq!(iso_duration_minutes(bad), None, "{bad}");
        }
    }

    #[test]
    fn local_times_take_the_airports_offset_on_that_date() {
        let winter = local_instant("2026-01-15T11:20:00", Some("America/New_York"), None).unwrap();
        assert_eq!(winter.to_rfc3339(), "2026-01-15T11:20:00-05:00");
        let summer = local_instant("2026-07-15T08:25:00", Some("Europe/London"), None).unwrap();
        assert_eq!(summer.to_rfc3339(), "2026-07-15T08:25:00+01:00");
        let no_seconds = local_instant("2026-07-15T08:25", Some("Asia/Shanghai"), None).unwrap();
        assert_eq!(no_seconds.to_rfc3339(), "2026-07-15T08:25:00+08:00");
        // 01:30 on 2026-03-29 does not exist in London (clocks jump from 01:00 to 02:00).
        assert!(local_instant("2026-03-29T01:30:00", Some("Europe/London"), None).is_err());
        // 01:30 on 2026-10-25 happens twice; the hint picks the second.
        let early = local_instant("2026-10-25T01:30:00", Some("Europe/London"), None).unwrap();
        assert_eq!(early.to_rfc3339(), "2026-10-25T01:30:00+01:00");
        let hint = "2026-10-25T01:30:00Z".parse::<DateTime<Utc>>().unwrap();
        let late = local_instant("2026-10-25T01:30:00", Some("Europe/London"), Some(hint)).unwrap();
        assert_eq!(late.to_rfc3339(), "2026-10-25T01:30:00+00:00");
        assert!(local_instant("2026-01-15T11:20:00", None, None).is_err());
        assert!(local_instant("2026-01-15T11:20:00", Some("Mars/Olympus"), None).is_err());
        assert!(local_instant("15/01/2026 11:20", Some("Europe/London"), None).is_err());
    }

    #[test]
    fn flight_numbers() {
        assert_eq!(flight_number("117"), Ok(117));
        assert_eq!(flight_number("0093"), Ok(93));
        for bad in ["", "12A", "12345", "-1", "1 2"] {
            assert!(flight_number(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_are_prefixed_and_checked() {
        assert_eq!(our_id("off_123"), "duffel:off_123");
        assert_eq!(duffel_id("duffel:off_123"), Some("off_123"));
        assert_eq!(duffel_id("off_123"), Some("off_123"));
        for bad in ["", "duffel:", "off_1/../orders", "off 1", "duffel:off?x=1"] {
            assert_eq!(duffel_id(bad), None, "{bad}");
        }
    }

    fn cond(allowed: bool, amount: Option<&str>, cur: Option<&str>) -> wire::Condition {
        wire::Condition {
            allowed,
            penalty_amount: amount.map(str::to_owned),
            penalty_currency: cur.map(str::to_owned),
        }
    }

    #[test]
    fn conditions_never_promise_what_duffel_did_not_price() {
        let gbp = Currency::GBP;
        assert_eq!(penalty(None, gbp), Ok(None));
        assert_eq!(penalty(Some(&cond(false, None, None)), gbp), Ok(None));
        assert_eq!(penalty(Some(&cond(true, None, None)), gbp), Ok(None));
        assert_eq!(
            penalty(Some(&cond(true, Some("0.00"), Some("GBP"))), gbp),
            Ok(Some(Money::zero(gbp)))
        );
        assert_eq!(
            penalty(Some(&cond(true, Some("75.00"), Some("USD"))), gbp),
            Ok(Some(Money::from_minor(7500, Currency::USD)))
        );
        assert_eq!(
            penalty(Some(&cond(true, Some("20"), None)), gbp),
            Ok(Some(Money::from_minor(2000, gbp)))
        );
        assert!(penalty(Some(&cond(true, Some("a lot"), Some("GBP"))), gbp).is_err());
    }

    #[test]
    fn prices_with_null_tax_and_base() {
        let p = price("520.00", "GBP", (Some("520.00"), Some("GBP")), (None, None)).unwrap();
        assert_eq!(p.taxes, Money::zero(Currency::GBP));
        assert_eq!(p.total, Money::from_minor(52_000, Currency::GBP));
        let p = price("100.50", "EUR", (None, None), (Some("20.25"), Some("EUR"))).unwrap();
        assert_eq!(p.base, Money::from_minor(8_025, Currency::EUR));
        assert!(price("100.50", "EUR", (None, None), (Some("20.25"), Some("USD"))).is_err());
        assert!(price("1.005", "EUR", (None, None), (None, None)).is_err());
        assert!(price("100", "XXX", (None, None), (None, None)).is_err());
    }

    #[test]
    fn tickets_are_the_electronic_tickets_in_order() {
        let doc = |kind: &str, id: &str, pax: &[&str]| wire::OrderDocument {
            kind: kind.into(),
            unique_identifier: id.into(),
            passenger_ids: pax.iter().map(|p| (*p).to_owned()).collect(),
        };
        let docs = [
            doc("electronic_ticket", "1252345678901", &["pas_1"]),
            doc(
                "electronic_miscellaneous_document_associated",
                "1259999999999",
                &["pas_1"],
            ),
            doc("electronic_ticket", " 1252345678902 ", &["pas_2"]),
            doc("electronic_ticket", "", &["pas_3"]),
        ];
        assert_eq!(tickets(&docs), ["1252345678901", "1252345678902"]);
        assert!(tickets(&[]).is_empty());
    }

    #[test]
    fn errors_map_by_status_and_code() {
        let doc = |status: u16, kind: &str, code: &str| {
            format!(
                r#"{{"meta":{{"status":{status},"request_id":"req_meta"}},"errors":[{{"type":"{kind}","title":"t","message":"m","code":"{code}","documentation_url":"https://duffel.com/docs/api/overview/errors"}}]}}"#
            )
            .into_bytes()
        };
        let e = error_from_response(
            422,
            None,
            &doc(422, "invalid_state_error", "offer_no_longer_available"),
            "off_1",
        );
        assert_eq!(e, SupplierError::OfferExpired("off_1".into()));
        let e = error_from_response(
            400,
            None,
            &doc(400, "rate_limit_error", "rate_limit_exceeded"),
            "x",
        );
        assert!(matches!(e, SupplierError::RateLimited { .. }));
        let e = error_from_response(
            422,
            Some("req_hdr"),
            &doc(422, "validation_error", "validation_required"),
            "x",
        );
        assert_eq!(
            e,
            SupplierError::Rejected {
                supplier: "duffel".into(),
                code: "validation_required".into(),
                message: "m (request id req_hdr)".into()
            }
        );
        let e = error_from_response(502, None, &doc(502, "api_error", "order_not_created"), "x");
        assert!(
            matches!(e, SupplierError::Unavailable { reason, .. } if reason.contains("order_not_created") && reason.contains("req_meta"))
        );
        let e = error_from_response(500, Some("r1"), b"<html>oops</html>", "x");
        assert!(matches!(e, SupplierError::Unavailable { reason, .. } if reason.contains("r1")));
        let e = error_from_response(400, None, b"not json", "x");
        assert!(matches!(e, SupplierError::Protocol { .. }));
        let e = error_from_response(403, None, b"", "x");
        assert!(matches!(e, SupplierError::Authentication { .. }));
    }
}
