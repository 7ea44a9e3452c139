//! Orders against the built-in supplier's own inventory: seats are taken in the store with
//! conditional updates (never beyond a cabin's seats), holds expire and give their seats back,
//! cancellations are quoted from the fare's conditions and confirmed once, and schedule
//! changes on booked flights are detected when the schedules change.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sha2::{Digest, Sha256};
use wayfare_domain::Money;
use wayfare_domain::flight::offer::{Offer, OfferSlice};
use wayfare_domain::flight::refund::{RefundBasis, flight_refund};
use wayfare_domain::flight::search::SliceQuery;
use wayfare_search::flight_offers::{SUPPLIER, offer_slice, parse_offer_id};
use wayfare_search::flights::{FlightIndex, Itinerary, SliceOptions};
use wayfare_store::flight_orders::{
    CancellationRow, ConfirmCancellation, CreateFlightOrder, FlightOrderRow, FlightOrderStatus,
    NewFlightOrder, PayHeldOrder, ScheduleChangeRow, SeatTake,
};
use wayfare_store::{Store, StoreError};

use super::supplier::BuiltinFlights;
use crate::flight::{
    CancellationQuote, FlightOnDate, OrderMode, OrderRequest, PassengerType, ScheduleChange,
    ScheduleChangePage, SupplierError, SupplierOrder, SupplierOrderStatus,
};

/// How long the built-in airline holds unpaid seats.
pub const HOLD_MINUTES: i64 = 30;
/// How long a cancellation quote can be confirmed.
pub const QUOTE_MINUTES: i64 = 15;
/// Schedule changes per feed page.
const CHANGES_PAGE: u64 = 100;
/// PNR letters: no 0/O or 1/I/L look-alikes.
const PNR_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

fn unsupported_without_store() -> SupplierError {
    SupplierError::Unavailable {
        supplier: SUPPLIER.into(),
        reason: "the built-in supplier has no order store configured".into(),
    }
}

pub(crate) fn store_error(e: StoreError) -> SupplierError {
    tracing::error!(error = %e, "built-in supplier storage failed");
    SupplierError::Unavailable {
        supplier: SUPPLIER.into(),
        reason: "storage failed".into(),
    }
}

fn rejected(code: &str, message: impl Into<String>) -> SupplierError {
    SupplierError::Rejected {
        supplier: SUPPLIER.into(),
        code: code.into(),
        message: message.into(),
    }
}

fn random_from(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// One 13-digit e-ticket number of the built-in airline's own series.
fn ticket_number() -> String {
    format!("880{}", random_from(b"0123456789", 10))
}

fn corrupt(what: impl std::fmt::Display) -> SupplierError {
    store_error(StoreError::Corrupt(what.to_string()))
}

fn order_status(row: &FlightOrderRow) -> Result<SupplierOrderStatus, SupplierError> {
    Ok(match row.order_status().map_err(store_error)? {
        FlightOrderStatus::Held => SupplierOrderStatus::Held,
        FlightOrderStatus::Confirmed => SupplierOrderStatus::Confirmed,
        FlightOrderStatus::Cancelled => SupplierOrderStatus::Cancelled,
        FlightOrderStatus::Expired => SupplierOrderStatus::Expired,
    })
}

fn to_supplier_order(row: &FlightOrderRow) -> Result<SupplierOrder, SupplierError> {
    let offer: Offer = serde_json::from_str(&row.offer)
        .map_err(|e| corrupt(format!("order {} offer: {e}", row.id)))?;
    let status = order_status(row)?;
    Ok(SupplierOrder {
        id: row.id.clone(),
        booking_reference: row.booking_reference.clone(),
        status,
        total: offer.price.total,
        payment_required_by: (status == SupplierOrderStatus::Held)
            .then_some(row.payment_required_by)
            .flatten(),
        tickets: row.ticket_numbers().map_err(store_error)?,
        offer,
    })
}

fn to_quote(row: &CancellationRow) -> Result<CancellationQuote, SupplierError> {
    let currency = wayfare_domain::Currency::parse(&row.currency)
        .map_err(|_| corrupt(format!("cancellation {} currency", row.id)))?;
    Ok(CancellationQuote {
        id: row.id.clone(),
        order_id: row.order_id.clone(),
        refund: Some(Money::from_minor(row.refund_minor, currency)),
        expires_at: Some(row.expires_at),
        confirmed_at: row.confirmed_at,
    })
}

/// The leg ids of every slice of an offer id, in the current index.
fn legs_of(index: &FlightIndex, offer_id: &str) -> Result<Vec<Vec<u32>>, SupplierError> {
    let key =
        parse_offer_id(offer_id).ok_or_else(|| SupplierError::NotFound(offer_id.to_owned()))?;
    key.slices
        .iter()
        .map(|legs| {
            legs.iter()
                .map(|&(c, n, d, o)| index.find_leg(c, n, d, o))
                .collect::<Option<Vec<u32>>>()
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| SupplierError::OfferExpired(offer_id.to_owned()))
}

fn request_hash(request: &OrderRequest) -> String {
    let mut h = Sha256::new();
    h.update(request.offer_id.as_bytes());
    h.update(serde_json::to_vec(&request.passengers).unwrap_or_default());
    match &request.mode {
        OrderMode::Hold => h.update(b"|hold"),
        OrderMode::Instant { payment } => {
            h.update(format!("|instant|{}{}", payment.minor(), payment.currency()).as_bytes())
        }
    }
    hex::encode(h.finalize())
}

/// The party in an order request must be the party the offer was priced for, and each lap
/// infant needs an adult of their own.
fn check_passengers(request: &OrderRequest) -> Result<(), SupplierError> {
    let key = parse_offer_id(&request.offer_id)
        .ok_or_else(|| SupplierError::NotFound(request.offer_id.clone()))?;
    let count = |t: PassengerType| {
        request
            .passengers
            .iter()
            .filter(|p| p.passenger_type == t)
            .count()
    };
    let (adults, children, infants) = (
        count(PassengerType::Adult),
        count(PassengerType::Child),
        count(PassengerType::InfantWithoutSeat),
    );
    if (adults, children, infants)
        != (
            usize::from(key.passengers.adults),
            usize::from(key.passengers.children),
            usize::from(key.passengers.infants),
        )
    {
        return Err(rejected(
            "passengers_mismatch",
            format!(
                "the offer is for {} adults, {} children and {} infants; the order names {adults}, {children} and {infants}",
                key.passengers.adults, key.passengers.children, key.passengers.infants
            ),
        ));
    }
    let mut laps = std::collections::HashSet::new();
    for p in &request.passengers {
        if p.passenger_type == PassengerType::InfantWithoutSeat {
            let ok = p.infant_of.is_some_and(|a| {
                request
                    .passengers
                    .get(a)
                    .is_some_and(|adult| adult.passenger_type == PassengerType::Adult)
                    && laps.insert(a)
            });
            if !ok {
                return Err(rejected(
                    "infant_without_adult",
                    "each lap infant must name a different adult passenger",
                ));
            }
        }
        if p.given_name.trim().is_empty() || p.family_name.trim().is_empty() {
            return Err(rejected(
                "passenger_name_missing",
                "every passenger needs a given and a family name",
            ));
        }
    }
    Ok(())
}

impl BuiltinFlights {
    pub(crate) fn order_store(&self) -> Result<&Store, SupplierError> {
        self.store().ok_or_else(unsupported_without_store)
    }

    /// Expires unpaid holds whose time is up, giving their seats back to the index too.
    pub async fn expire_holds(&self) -> Result<usize, SupplierError> {
        let store = self.order_store()?;
        let expired = store
            .expire_flight_holds((self.clock)())
            .await
            .map_err(store_error)?;
        for order in &expired {
            self.give_back(&order.seat_takes().map_err(store_error)?);
        }
        Ok(expired.len())
    }

    fn give_back(&self, takes: &[SeatTake]) {
        let index = self.index();
        for t in takes {
            if let Some(leg) =
                index.find_leg(t.carrier, t.flight_number, t.departure_date, t.origin)
            {
                index.add_sold(leg, t.cabin.index(), -i32::from(t.seats));
            }
        }
    }

    pub(crate) async fn create_order_now(
        &self,
        request: &OrderRequest,
    ) -> Result<SupplierOrder, SupplierError> {
        let store = self.order_store()?;
        match self.take_order(store, request).await {
            // A replay answers the first result, even after its offer has gone or its price
            // changed; a new request fails as it did.
            Err(e) if !matches!(e, SupplierError::NoSeats) => {
                match store
                    .flight_order_by_idempotency_key(&request.idempotency_key)
                    .await
                    .map_err(store_error)?
                {
                    Some(existing) if existing.request_hash == request_hash(request) => {
                        to_supplier_order(&existing)
                    }
                    Some(_) => Err(rejected(
                        "idempotency_key_reused",
                        "this idempotency key was used for another order",
                    )),
                    None => Err(e),
                }
            }
            // Holds that ran out still count as sold until the sweeper gives them back: give
            // them back now and try once more, so no one is refused while seats remain.
            Err(SupplierError::NoSeats) if self.expire_holds().await? > 0 => {
                self.take_order(store, request).await
            }
            other => other,
        }
    }

    /// Prices the offer and takes its seats with the order, in one transaction.
    async fn take_order(
        &self,
        store: &Store,
        request: &OrderRequest,
    ) -> Result<SupplierOrder, SupplierError> {
        check_passengers(request)?;
        let offer = self.price_now(&request.offer_id)?;
        if let OrderMode::Instant { payment } = &request.mode
            && *payment != offer.price.total
        {
            return Err(SupplierError::PriceChanged {
                new_total: offer.price.total,
            });
        }
        let key = parse_offer_id(&request.offer_id)
            .ok_or_else(|| SupplierError::NotFound(request.offer_id.clone()))?;
        let index = self.index();
        let slices = legs_of(&index, &request.offer_id)?;
        let seats = u16::try_from(key.passengers.seats()).unwrap_or(u16::MAX);
        let takes: Vec<SeatTake> = slices
            .iter()
            .flatten()
            .map(|&id| {
                let physical = index.operating_leg(id);
                let leg = index.leg(physical);
                let flight = index.flight(leg);
                SeatTake {
                    carrier: flight.carrier,
                    flight_number: flight.flight_number,
                    departure_date: leg.date,
                    origin: index.airport(leg.origin).code,
                    cabin: key.cabin,
                    seats,
                    capacity: flight.seats.get(key.cabin),
                }
            })
            .collect();
        let now = (self.clock)();
        let instant = matches!(request.mode, OrderMode::Instant { .. });
        let offer_json =
            serde_json::to_string(&offer).map_err(|e| corrupt(format!("offer: {e}")))?;
        let passengers_json = serde_json::to_string(&request.passengers)
            .map_err(|e| corrupt(format!("passengers: {e}")))?;
        for _ in 0..8 {
            let new = NewFlightOrder {
                id: format!(
                    "bfo_{}",
                    random_from(b"0123456789abcdefghijklmnopqrstuvwxyz", 20)
                ),
                booking_reference: random_from(PNR_ALPHABET, 6),
                status: if instant {
                    FlightOrderStatus::Confirmed
                } else {
                    FlightOrderStatus::Held
                },
                offer_id: request.offer_id.clone(),
                offer: offer_json.clone(),
                passengers: passengers_json.clone(),
                seats: takes.clone(),
                tickets: if instant {
                    request.passengers.iter().map(|_| ticket_number()).collect()
                } else {
                    Vec::new()
                },
                total: offer.price.total,
                idempotency_key: request.idempotency_key.clone(),
                request_hash: request_hash(request),
                payment_required_by: (!instant).then(|| now + Duration::minutes(HOLD_MINUTES)),
                now,
            };
            match store.create_flight_order(new).await.map_err(store_error)? {
                CreateFlightOrder::Created(row) => {
                    for t in &takes {
                        if let Some(leg) =
                            index.find_leg(t.carrier, t.flight_number, t.departure_date, t.origin)
                        {
                            index.add_sold(leg, t.cabin.index(), i32::from(t.seats));
                        }
                    }
                    return to_supplier_order(&row);
                }
                CreateFlightOrder::Replayed(row) => return to_supplier_order(&row),
                CreateFlightOrder::KeyReused => {
                    return Err(rejected(
                        "idempotency_key_reused",
                        "this idempotency key was used for another order",
                    ));
                }
                CreateFlightOrder::SoldOut => return Err(SupplierError::NoSeats),
                CreateFlightOrder::ReferenceTaken => continue,
            }
        }
        Err(store_error(StoreError::Corrupt(
            "could not find a free booking reference".into(),
        )))
    }

    pub(crate) async fn get_order_now(
        &self,
        order_id: &str,
    ) -> Result<SupplierOrder, SupplierError> {
        to_supplier_order(&self.order_row_now(order_id).await?)
    }

    /// The order's row; a hold whose time is up is expired first (its seats given back).
    async fn order_row_now(&self, order_id: &str) -> Result<FlightOrderRow, SupplierError> {
        let store = self.order_store()?;
        let read = || async {
            store
                .flight_order(order_id)
                .await
                .map_err(store_error)?
                .ok_or_else(|| SupplierError::NotFound(order_id.to_owned()))
        };
        let row = read().await?;
        let due = row.status == FlightOrderStatus::Held.as_str()
            && row
                .payment_required_by
                .is_some_and(|by| by <= (self.clock)());
        if due {
            self.expire_holds().await?;
            return read().await;
        }
        Ok(row)
    }

    pub(crate) async fn pay_order_now(
        &self,
        order_id: &str,
        payment: Money,
    ) -> Result<SupplierOrder, SupplierError> {
        let row = self.order_row_now(order_id).await?;
        let order = to_supplier_order(&row)?;
        match order.status {
            SupplierOrderStatus::Confirmed => return Ok(order),
            SupplierOrderStatus::Held => {}
            SupplierOrderStatus::Cancelled => {
                return Err(rejected("order_cancelled", "the order was cancelled"));
            }
            // The seats are back on sale: only a new search can buy them, as with Duffel.
            SupplierOrderStatus::Expired => {
                return Err(SupplierError::OfferExpired(order_id.to_owned()));
            }
        }
        if payment != order.total {
            return Err(SupplierError::PriceChanged {
                new_total: order.total,
            });
        }
        let store = self.order_store()?;
        let party: Vec<serde_json::Value> = serde_json::from_str(&row.passengers)
            .map_err(|e| corrupt(format!("order {order_id} passengers: {e}")))?;
        let tickets: Vec<String> = party.iter().map(|_| ticket_number()).collect();
        match store
            .pay_held_flight_order(order_id, &tickets, (self.clock)())
            .await
            .map_err(store_error)?
        {
            PayHeldOrder::Paid(row) | PayHeldOrder::AlreadyPaid(row) => to_supplier_order(&row),
            PayHeldOrder::NotPayable(row) => match order_status(&row)? {
                SupplierOrderStatus::Cancelled => {
                    Err(rejected("order_cancelled", "the order was cancelled"))
                }
                _ => Err(SupplierError::OfferExpired(order_id.to_owned())),
            },
            PayHeldOrder::NotFound => Err(SupplierError::NotFound(order_id.to_owned())),
        }
    }

    pub(crate) async fn quote_cancellation_now(
        &self,
        order_id: &str,
    ) -> Result<CancellationQuote, SupplierError> {
        let order = self.get_order_now(order_id).await?;
        let now = (self.clock)();
        let (refund, basis) = match order.status {
            // Nothing was paid for a hold: cancelling it is free and returns nothing.
            SupplierOrderStatus::Held => (Money::zero(order.total.currency()), "unpaid"),
            SupplierOrderStatus::Confirmed => {
                let first = order
                    .offer
                    .slices
                    .first()
                    .and_then(OfferSlice::departing_at)
                    .ok_or_else(|| corrupt(format!("order {order_id} has no flights")))?;
                let seated = parse_offer_id(&order.offer.id).map_or(1, |k| k.passengers.seats());
                let r = flight_refund(
                    &order.offer.conditions,
                    &order.offer.price,
                    seated,
                    now,
                    first.with_timezone(&Utc),
                );
                let basis = match r.basis {
                    RefundBasis::Refundable => "refundable",
                    RefundBasis::NonRefundable => "non_refundable",
                    RefundBasis::NoShow => "no_show",
                };
                (r.refund, basis)
            }
            SupplierOrderStatus::Cancelled | SupplierOrderStatus::Expired => {
                return Err(rejected(
                    "order_not_cancellable",
                    "the order is already cancelled or expired",
                ));
            }
        };
        let row = CancellationRow {
            id: format!(
                "bfc_{}",
                random_from(b"0123456789abcdefghijklmnopqrstuvwxyz", 20)
            ),
            order_id: order_id.to_owned(),
            refund_minor: refund.minor(),
            currency: refund.currency().code().to_owned(),
            basis: basis.to_owned(),
            expires_at: now + Duration::minutes(QUOTE_MINUTES),
            confirmed_at: None,
            created_at: now,
        };
        self.order_store()?
            .insert_flight_cancellation(row.clone())
            .await
            .map_err(store_error)?;
        to_quote(&row)
    }

    pub(crate) async fn confirm_cancellation_now(
        &self,
        quote_id: &str,
    ) -> Result<CancellationQuote, SupplierError> {
        let (outcome, released) = self
            .order_store()?
            .confirm_flight_cancellation(quote_id, (self.clock)())
            .await
            .map_err(store_error)?;
        self.give_back(&released);
        match outcome {
            ConfirmCancellation::Confirmed(q) | ConfirmCancellation::AlreadyConfirmed(q) => {
                to_quote(&q)
            }
            ConfirmCancellation::Expired(_) => Err(rejected(
                "quote_expired",
                "the cancellation quote expired; ask for a new one",
            )),
            ConfirmCancellation::OrderNotCancellable(_) => Err(rejected(
                "order_not_cancellable",
                "the order is already cancelled or expired",
            )),
            ConfirmCancellation::NotFound => Err(SupplierError::NotFound(quote_id.to_owned())),
        }
    }

    pub(crate) async fn schedule_changes_now(
        &self,
        cursor: Option<&str>,
    ) -> Result<ScheduleChangePage, SupplierError> {
        let after = match cursor {
            None => 0,
            Some(c) => c.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                rejected(
                    "invalid_cursor",
                    format!("`{c}` is not a cursor of this feed"),
                )
            })?,
        };
        let rows = self
            .order_store()?
            .flight_schedule_changes(after, CHANGES_PAGE)
            .await
            .map_err(store_error)?;
        let full = rows.len() as u64 == CHANGES_PAGE;
        let changes = rows
            .iter()
            .map(schedule_change)
            .collect::<Result<Vec<_>, SupplierError>>()?;
        Ok(ScheduleChangePage {
            next_cursor: full.then(|| changes.last().map(|c| c.id.clone())).flatten(),
            changes,
        })
    }

    /// Compares every held or ticketed order with the current schedules and records a change
    /// for each order whose future flights moved, or were cancelled (re-accommodated on the same
    /// airline's next flight on the route that day when there is one). Returns how many new
    /// changes were recorded; a change already recorded is not recorded again.
    pub async fn detect_schedule_changes(&self) -> Result<usize, SupplierError> {
        let store = self.order_store()?;
        let now = (self.clock)();
        let index = self.index();
        let mut recorded = 0;
        for row in store.active_flight_orders().await.map_err(store_error)? {
            let Ok(booked) = serde_json::from_str::<Offer>(&row.offer) else {
                tracing::error!(order = %row.id, "stored offer unreadable; skipped in schedule-change detection");
                continue;
            };
            let Some(change) = changed_offer(&index, &booked, now) else {
                continue;
            };
            let (key, json, cancelled) = match &change {
                Ok(new) => (
                    new.itinerary_key(),
                    Some(serde_json::to_string(new).map_err(|e| corrupt(format!("offer: {e}")))?),
                    None,
                ),
                Err(gone) => (
                    format!("cancelled:{}", booked.itinerary_key()),
                    None,
                    Some(cancelled_json(gone)?),
                ),
            };
            if store
                .record_flight_schedule_change(&row.id, &key, json, cancelled, now)
                .await
                .map_err(store_error)?
            {
                recorded += 1;
            }
        }
        Ok(recorded)
    }
}

/// A recorded change as the feed delivers it; its id is the cursor of the changes after it.
pub(crate) fn schedule_change(r: &ScheduleChangeRow) -> Result<ScheduleChange, SupplierError> {
    Ok(ScheduleChange {
        id: r.id.to_string(),
        order_id: r.order_id.clone(),
        detected_at: r.detected_at,
        new_offer: r
            .new_offer
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| corrupt(format!("schedule change {}: {e}", r.id)))?,
        cancelled: r
            .cancelled_flights
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| corrupt(format!("schedule change {} flights: {e}", r.id)))?
            .unwrap_or_default(),
    })
}

/// The cancelled flights as a schedule change stores them.
pub(crate) fn cancelled_json(flights: &[FlightOnDate]) -> Result<String, SupplierError> {
    serde_json::to_string(flights).map_err(|e| corrupt(format!("cancelled flights: {e}")))
}

/// `None` when nothing changed; `Some(Err(flights))` with the flights gone with no
/// replacement; `Some(Ok(offer))` with the itinerary as it flies now (price and conditions as
/// booked).
fn changed_offer(
    index: &FlightIndex,
    booked: &Offer,
    now: DateTime<Utc>,
) -> Option<Result<Offer, Vec<FlightOnDate>>> {
    let mut changed = false;
    let mut slices = Vec::with_capacity(booked.slices.len());
    for slice in &booked.slices {
        // Flights already flown are history, not changes.
        if slice
            .departing_at()
            .is_none_or(|d| d.with_timezone(&Utc) <= now)
        {
            slices.push(slice.clone());
            continue;
        }
        let found: Vec<Option<u32>> = slice
            .segments
            .iter()
            .map(|s| {
                index.find_leg(
                    s.marketing_carrier,
                    s.flight_number,
                    s.departing_at.date_naive(),
                    s.origin,
                )
            })
            .collect();
        let now_flying = match found.iter().copied().collect::<Option<Vec<u32>>>() {
            Some(legs) => offer_slice(index, &Itinerary { legs }),
            None => match replacement(index, slice) {
                Some(s) => s,
                None => {
                    let gone = slice
                        .segments
                        .iter()
                        .zip(&found)
                        .filter(|(_, leg)| leg.is_none())
                        .map(|(s, _)| FlightOnDate::of(s))
                        .collect();
                    return Some(Err(gone));
                }
            },
        };
        if now_flying.itinerary_key() != slice.itinerary_key()
            || now_flying.arriving_at() != slice.arriving_at()
        {
            changed = true;
        }
        slices.push(now_flying);
    }
    changed.then(|| {
        Ok(Offer {
            slices,
            ..booked.clone()
        })
    })
}

/// The same airline's first itinerary on the slice's route and day leaving no earlier than the
/// cancelled one, with no more stops.
fn replacement(index: &FlightIndex, slice: &OfferSlice) -> Option<OfferSlice> {
    let first = slice.segments.first()?;
    let query = SliceQuery {
        origin: slice.origin,
        destination: slice.destination,
        departure_date: first.departing_at.date_naive(),
        departure_time: None,
        arrival_time: None,
    };
    let opts = SliceOptions {
        max_connections: u8::try_from(slice.stops()).unwrap_or(2),
        max_layover_minutes: wayfare_domain::flight::connection::DEFAULT_MAX_LAYOVER_MINUTES,
        allow_airport_change: false,
        layover_airports: Vec::new(),
        max_results: 200,
    };
    let leaves = first.departing_at.timestamp().div_euclid(60);
    index
        .search_slice(&query, &opts)
        .into_iter()
        .filter(|it| {
            let l = index.leg(it.legs[0]);
            l.departs >= leaves && index.flight(l).carrier == first.marketing_carrier
        })
        .min_by_key(|it| index.leg(it.legs[0]).departs)
        .map(|it| offer_slice(index, &it))
}
