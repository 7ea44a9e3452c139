//! [`HotelSupplier`] over Hotelbeds: [`HotelbedsClient`] makes the calls, [`transform`] maps
//! them, and this is the flow around them. Every booking is checked first (CheckRate, which
//! `RECHECK` rates need anyway, gives the current price to compare with the one the guest
//! agreed to) and looked up by `clientReference` before booking and after a lost answer, so a
//! retry never books twice. Quotes are `SIMULATION`s, confirmations `CANCELLATION`s; a quote
//! is not stored, so confirming charges what Hotelbeds charges then (a tier that started since
//! the quote applies), and confirming a booking already cancelled answers it as confirmed.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use wayfare_domain::Currency;
use wayfare_domain::hotel::{HotelMapSearch, HotelSearch, Payment};

use super::transform::{self, CheckedRate, MapError, PartyPlan, RateRef};
use super::{Clock, HotelbedsClient, SUPPLIER, wire};
use crate::flight::SupplierError;
use crate::hotel::{
    HotelBooking, HotelBookingRequest, HotelCancellationQuote, HotelOffer, HotelPin, HotelRate,
    HotelResults, HotelSupplier,
};

pub struct HotelbedsSupplier {
    client: HotelbedsClient,
    clock: Clock,
    pricing_currency: Option<Currency>,
}

impl std::fmt::Debug for HotelbedsSupplier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HotelbedsSupplier")
            .field("client", &self.client)
            .field("pricing_currency", &self.pricing_currency)
            .finish_non_exhaustive()
    }
}

impl HotelbedsSupplier {
    pub fn new(client: HotelbedsClient) -> HotelbedsSupplier {
        HotelbedsSupplier::with_clock(client, Arc::new(Utc::now))
    }

    /// Rates expire, quotes expire and fees are read at `clock`'s time.
    pub fn with_clock(client: HotelbedsClient, clock: Clock) -> HotelbedsSupplier {
        HotelbedsSupplier {
            client,
            clock,
            pricing_currency: None,
        }
    }

    /// The currency this Hotelbeds account is priced in: a search in it sends its highest
    /// price to Hotelbeds (`maxRate`) instead of only filtering what comes back.
    #[must_use]
    pub fn with_pricing_currency(mut self, currency: Currency) -> HotelbedsSupplier {
        self.pricing_currency = Some(currency);
        self
    }

    fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    async fn available(
        &self,
        request: &wire::AvailabilityRequest,
        plan: &PartyPlan,
        stay: wayfare_domain::hotel::Stay,
        now: DateTime<Utc>,
    ) -> Result<Vec<HotelOffer>, SupplierError> {
        let doc = self.client.availability(request).await?;
        let read = transform::offers(&doc, plan, stay, now);
        for e in &read.skipped {
            tracing::warn!(supplier = SUPPLIER, reason = %e, "hotelbeds rate or hotel left out");
        }
        Ok(read.offers)
    }

    /// The rate at its current price, under the rate keys CheckRate returned (one call per key,
    /// as Hotelbeds asks).
    async fn check(&self, rate_id: &str, rate: &RateRef) -> Result<CheckedRate, SupplierError> {
        let mut answers = Vec::with_capacity(rate.rate_keys.len());
        for key in &rate.rate_keys {
            let answer = self
                .client
                .check_rates(&wire::CheckRateRequest::one(key.clone()))
                .await
                .map_err(|e| naming(e, rate_id))?;
            answers.push(answer);
        }
        transform::checked_rate(&answers, rate, self.now()).map_err(MapError::into_protocol)
    }

    /// The booking made under `client_reference`, if any (created yesterday to tomorrow, which
    /// covers a retry and Hotelbeds' own time zone).
    async fn booked_under(
        &self,
        client_reference: &str,
    ) -> Result<Option<wire::Booking>, SupplierError> {
        let today = self.now().date_naive();
        let mut query = wire::BookingListQuery::new(
            today - Duration::days(1),
            today + Duration::days(1),
            1,
            10,
        );
        query.filter_type = Some(wire::BookingListFilterType::Creation);
        query.client_reference = Some(client_reference.to_owned());
        let list = self.client.bookings(&query).await?;
        let Some(found) = list
            .bookings
            .bookings
            .into_iter()
            .find(|b| b.client_reference.as_deref() == Some(client_reference))
        else {
            return Ok(None);
        };
        // A list entry may be a summary; the booking itself is the whole document.
        Ok(Some(self.client.booking(&found.reference).await?.booking))
    }

    /// The booking as ours, under the rate id the guest booked; `checked` when it was just made.
    fn ours(
        &self,
        doc: &wire::Booking,
        rate_id: &str,
        checked: Option<&CheckedRate>,
    ) -> Result<HotelBooking, SupplierError> {
        let now = self.now();
        let mut booking = transform::booking(doc, now).map_err(MapError::into_protocol)?;
        booking.rate.id = rate_id.to_owned();
        if let Some(checked) = checked {
            booking.created_at = now;
            // The rooms in the order the guest asked them, as booked.
            booking.rate.rooms = checked.rate.rooms.clone();
            let placed = doc
                .hotel
                .as_ref()
                .is_some_and(|h| h.latitude.is_some() && h.longitude.is_some());
            if !placed {
                booking.hotel = checked.hotel.clone();
            }
        }
        Ok(booking)
    }
}

/// The error naming our id rather than Hotelbeds' rate key or reference.
fn naming(e: SupplierError, id: &str) -> SupplierError {
    match e {
        SupplierError::OfferExpired(_) => SupplierError::OfferExpired(id.to_owned()),
        SupplierError::NotFound(_) => SupplierError::NotFound(id.to_owned()),
        other => other,
    }
}

#[async_trait::async_trait]
impl HotelSupplier for HotelbedsSupplier {
    fn name(&self) -> &'static str {
        SUPPLIER
    }

    /// Hotelbeds does not page or sort: every hotel that passes is ranked here and the first
    /// `offset + limit` returned.
    async fn search(&self, search: &HotelSearch) -> Result<HotelResults, SupplierError> {
        let now = self.now();
        let plan = PartyPlan::of(&search.party);
        let circle = transform::destination_circle(&search.destination);
        let request = transform::availability_request(
            search.stay,
            &plan,
            circle,
            &search.filters,
            search.currency,
            self.pricing_currency,
        );
        let offers = self.available(&request, &plan, search.stay, now).await?;
        let mut offers: Vec<HotelOffer> = offers
            .into_iter()
            .filter(|o| circle.contains(o.hotel.location))
            .filter_map(|o| transform::filtered(o, &search.filters, search.currency, now))
            .collect();
        let total = offers.len();
        transform::rank(&mut offers, search.sort, search.distance_from);
        offers.truncate(search.offset.saturating_add(search.limit));
        Ok(HotelResults { offers, total })
    }

    async fn map(&self, search: &HotelMapSearch) -> Result<Vec<HotelPin>, SupplierError> {
        let now = self.now();
        let plan = PartyPlan::of(&search.party);
        let circle = transform::map_circle(search.bbox);
        let request = transform::availability_request(
            search.stay,
            &plan,
            circle,
            &search.filters,
            search.currency,
            self.pricing_currency,
        );
        let offers = self.available(&request, &plan, search.stay, now).await?;
        Ok(offers
            .into_iter()
            .filter(|o| search.bbox.contains(o.hotel.location))
            .filter_map(|o| transform::filtered(o, &search.filters, search.currency, now))
            .filter_map(|o| transform::pin(&o))
            .collect())
    }

    /// Every rate Hotelbeds has for the stay and party, unfiltered; a hotel with none (or not
    /// a Hotelbeds hotel) is `NotFound`.
    async fn rates(
        &self,
        hotel_id: &str,
        search: &HotelSearch,
    ) -> Result<HotelOffer, SupplierError> {
        let not_found = || SupplierError::NotFound(hotel_id.to_owned());
        let code = transform::hotel_code(hotel_id).ok_or_else(not_found)?;
        let plan = PartyPlan::of(&search.party);
        let request = transform::hotel_request(search.stay, &plan, code);
        let offers = self
            .available(&request, &plan, search.stay, self.now())
            .await?;
        offers
            .into_iter()
            .find(|o| o.hotel.id == hotel_id)
            .ok_or_else(not_found)
    }

    async fn check_rate(&self, rate_id: &str) -> Result<HotelRate, SupplierError> {
        let rate =
            RateRef::parse(rate_id).ok_or_else(|| SupplierError::NotFound(rate_id.to_owned()))?;
        Ok(self.check(rate_id, &rate).await?.rate)
    }

    async fn book(&self, request: &HotelBookingRequest) -> Result<HotelBooking, SupplierError> {
        let rate_id = request.rate_id.as_str();
        let rate =
            RateRef::parse(rate_id).ok_or_else(|| SupplierError::NotFound(rate_id.to_owned()))?;
        let client_reference = transform::client_reference(&request.idempotency_key);
        if let Some(doc) = self.booked_under(&client_reference).await? {
            tracing::info!(supplier = SUPPLIER, reference = %doc.reference, client_reference,
                "hotelbeds booking already made under this key: not booking again");
            return self.ours(&doc, rate_id, None);
        }
        let checked = self.check(rate_id, &rate).await?;
        let current = checked.rate.price.total;
        if current != request.expected_total {
            return Err(SupplierError::PriceChanged { new_total: current });
        }
        if checked.rate.payment == Payment::PayAtHotel {
            // Hotelbeds would answer 402: such a booking needs card data we do not send.
            return Err(SupplierError::Rejected {
                supplier: SUPPLIER.into(),
                code: "PAYMENT_DATA_REQUIRED".into(),
                message: "pay-at-hotel rates need card data, which this connector does not send"
                    .into(),
            });
        }
        let body =
            transform::booking_request(request, &checked.rate_ref, client_reference.clone())?;
        let doc = match self.client.book(&body).await {
            Ok(answer) => answer.booking,
            Err(e @ (SupplierError::Timeout { .. } | SupplierError::Unavailable { .. })) => {
                // The booking may have been made and its answer lost.
                tracing::warn!(supplier = SUPPLIER, client_reference, error = %e,
                    "hotelbeds booking answer lost: looking it up");
                match self.booked_under(&client_reference).await {
                    Ok(Some(doc)) => doc,
                    _ => return Err(e),
                }
            }
            Err(e) => return Err(naming(e, rate_id)),
        };
        tracing::info!(supplier = SUPPLIER, reference = %doc.reference, client_reference, "hotelbeds booking confirmed");
        self.ours(&doc, rate_id, Some(&checked))
    }

    async fn get_booking(&self, booking_id: &str) -> Result<HotelBooking, SupplierError> {
        let reference = transform::booking_reference(booking_id)
            .ok_or_else(|| SupplierError::NotFound(booking_id.to_owned()))?;
        let doc = self
            .client
            .booking(reference)
            .await
            .map_err(|e| naming(e, booking_id))?;
        transform::booking(&doc.booking, self.now()).map_err(MapError::into_protocol)
    }

    async fn quote_cancellation(
        &self,
        booking_id: &str,
    ) -> Result<HotelCancellationQuote, SupplierError> {
        let reference = transform::booking_reference(booking_id)
            .ok_or_else(|| SupplierError::NotFound(booking_id.to_owned()))?;
        let doc = self
            .client
            .cancel(reference, wire::CancellationFlag::Simulation)
            .await
            .map_err(|e| naming(e, booking_id))?
            .booking;
        // A booking already cancelled quotes as the confirmed cancellation it is.
        let cancelled = doc.status == wire::BookingStatus::Cancelled;
        transform::cancellation_quote(&doc, self.now(), cancelled).map_err(MapError::into_protocol)
    }

    async fn confirm_cancellation(
        &self,
        quote_id: &str,
    ) -> Result<HotelCancellationQuote, SupplierError> {
        let reference = transform::quote_reference(quote_id)
            .ok_or_else(|| SupplierError::NotFound(quote_id.to_owned()))?;
        let doc = match self
            .client
            .cancel(reference, wire::CancellationFlag::Cancellation)
            .await
        {
            Ok(answer) => answer.booking,
            Err(e @ SupplierError::Rejected { .. }) => {
                // Hotelbeds may refuse to cancel twice: a booking already cancelled is the
                // confirmation asked for.
                match self.client.booking(reference).await {
                    Ok(current) if current.booking.status == wire::BookingStatus::Cancelled => {
                        current.booking
                    }
                    _ => return Err(e),
                }
            }
            Err(e) => return Err(naming(e, quote_id)),
        };
        if doc.status != wire::BookingStatus::Cancelled {
            return Err(SupplierError::Protocol {
                supplier: SUPPLIER.into(),
                detail: format!("booking {reference} is not cancelled after CANCELLATION"),
            });
        }
        tracing::info!(
            supplier = SUPPLIER,
            reference,
            "hotelbeds booking cancelled"
        );
        transform::cancellation_quote(&doc, self.now(), true).map_err(MapError::into_protocol)
    }
}
