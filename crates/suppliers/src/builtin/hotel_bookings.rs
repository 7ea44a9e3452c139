//! Bookings at the built-in hotels: the rate is priced again, the rooms are taken night by
//! night in the store (never beyond a room type's allotment), the price is frozen with the
//! booking, and cancellation is quoted from the rate plan's tiers and confirmed once. A booking
//! may start as a hold: its rooms are taken until a deadline, then confirmed, or released (or
//! swept when the deadline passes) with the rooms given back, in the store and the index.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wayfare_domain::hotel::cancellation::BookedStay;
use wayfare_domain::hotel::{HotelListing, PropertyId, RoomTypeCode, Stay, StayPrice};
use wayfare_domain::{Currency, Money};
use wayfare_store::StoreError;
use wayfare_store::hotel_bookings::{
    ConfirmHeldHotelBooking, ConfirmHotelCancellation, CreateHotelBooking, HotelBookingRow,
    HotelBookingState, HotelCancellationRow, NewHotelBooking, ReleaseHeldHotelBooking, RoomTake,
};

use super::hotel_supplier::{BuiltinHotels, RateKey, SUPPLIER, summary};
use crate::flight::SupplierError;
use crate::hotel::{
    HotelBooking, HotelBookingRequest, HotelBookingStatus, HotelCancellationQuote, HotelRate,
};

/// How long a cancellation quote can be confirmed.
const QUOTE_MINUTES: i64 = 10;
/// The longest hold the built-in hotels grant.
pub const MAX_HOLD_MINUTES: i64 = 60;

/// How a booking takes its rooms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BookingMode {
    /// Confirmed at once.
    Now,
    /// Held until then.
    Hold(DateTime<Utc>),
}

fn store_error(e: StoreError) -> SupplierError {
    tracing::error!(error = %e, "built-in hotel storage failed");
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

/// The price as booked, in minor units: what the booking keeps whatever prices do later.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct BookedPrice {
    currency: String,
    rooms: u8,
    base_nightly: Vec<i64>,
    nightly: Vec<i64>,
    subtotal: i64,
    discount: i64,
    taxes: i64,
    fees: i64,
    total: i64,
    was_total: i64,
}

impl BookedPrice {
    fn of(p: &StayPrice) -> BookedPrice {
        BookedPrice {
            currency: p.total.currency().code().to_owned(),
            rooms: p.rooms,
            base_nightly: p.base_nightly.iter().map(|m| m.minor()).collect(),
            nightly: p.nightly.iter().map(|m| m.minor()).collect(),
            subtotal: p.subtotal.minor(),
            discount: p.discount.minor(),
            taxes: p.taxes.minor(),
            fees: p.fees.minor(),
            total: p.total.minor(),
            was_total: p.was_total.minor(),
        }
    }

    fn price(&self) -> Option<StayPrice> {
        let c = Currency::parse(&self.currency).ok()?;
        let m = |v: i64| Money::from_minor(v, c);
        Some(StayPrice {
            rooms: self.rooms,
            base_nightly: self.base_nightly.iter().copied().map(m).collect(),
            nightly: self.nightly.iter().copied().map(m).collect(),
            subtotal: m(self.subtotal),
            discount: m(self.discount),
            taxes: m(self.taxes),
            fees: m(self.fees),
            total: m(self.total),
            was_total: m(self.was_total),
            promotion: None,
        })
    }
}

/// A digest of the request and whether it holds (not until when: a retry recomputes that),
/// so a reused key with another request is told apart.
fn request_hash(r: &HotelBookingRequest, mode: BookingMode) -> String {
    let mut h = Sha256::new();
    h.update(serde_json::to_vec(r).unwrap_or_default());
    if let BookingMode::Hold(_) = mode {
        h.update(b"|hold");
    }
    hex::encode(h.finalize())
}

fn no_store() -> SupplierError {
    SupplierError::Unavailable {
        supplier: SUPPLIER.into(),
        reason: "no booking store configured".into(),
    }
}

impl BuiltinHotels {
    fn listing_of(
        &self,
        id: PropertyId,
    ) -> Result<(std::sync::Arc<wayfare_search::hotels::HotelIndex>, u32), SupplierError> {
        let index = self.index();
        let position = index
            .position(id)
            .ok_or_else(|| SupplierError::NotFound(format!("bh_{}", id.0)))?;
        Ok((index, position))
    }

    /// The booking as suppliers answer it: the rate rebuilt from its id and the listing, with
    /// the price frozen at booking.
    fn to_booking(&self, row: &HotelBookingRow) -> Result<HotelBooking, SupplierError> {
        let key = RateKey::parse(&row.rate_id)
            .ok_or_else(|| store_error(StoreError::Corrupt(format!("booking {} rate", row.id))))?;
        let (index, position) = self.listing_of(key.property)?;
        let listing = index.listing(position);
        let booked: BookedPrice = serde_json::from_str(&row.price).map_err(|e| {
            store_error(StoreError::Corrupt(format!(
                "booking {} price: {e}",
                row.id
            )))
        })?;
        let price = booked.price().ok_or_else(|| {
            store_error(StoreError::Corrupt(format!("booking {} currency", row.id)))
        })?;
        let rate = booked_rate(listing, &key, &row.rate_id, price, row.created_at)
            .ok_or_else(|| store_error(StoreError::Corrupt(format!("booking {} plan", row.id))))?;
        let status = match row.state_at((self.clock)()).map_err(store_error)? {
            HotelBookingState::Held => HotelBookingStatus::Held,
            HotelBookingState::Confirmed => HotelBookingStatus::Confirmed,
            HotelBookingState::Cancelled => HotelBookingStatus::Cancelled,
            HotelBookingState::Expired => HotelBookingStatus::Expired,
        };
        Ok(HotelBooking {
            id: row.id.clone(),
            confirmation: row.confirmation.clone(),
            status,
            rate,
            hotel: summary(listing),
            created_at: row.created_at,
            cancelled_at: row.cancelled_at,
            hold_expires_at: (status == HotelBookingStatus::Held)
                .then_some(row.hold_expires_at)
                .flatten(),
        })
    }

    /// Gives a booking's rooms back to the index (the store gave them back already).
    fn give_back(&self, row: &HotelBookingRow, takes: &[RoomTake]) {
        let Some(key) = RateKey::parse(&row.rate_id) else {
            tracing::warn!(booking = %row.id, "a released booking's rate id does not parse");
            return;
        };
        let Ok(stay) = Stay::new(key.check_in, key.check_out) else {
            return;
        };
        let index = self.index();
        for t in takes {
            if let Some(code) = RoomTypeCode::parse(&t.room_type)
                && let Err(e) = index.add_sold(key.property, code, stay, -i32::from(t.rooms))
            {
                tracing::warn!(error = %e, "index could not give hotel rooms back");
            }
        }
    }

    /// Expires every hold whose time is up, giving its rooms back in the store and the index;
    /// how many this call expired. Holds and bookings call it first; the application may also
    /// run it on a timer.
    pub async fn expire_holds(&self) -> Result<usize, SupplierError> {
        let store = self.store().ok_or_else(no_store)?;
        let expired = store
            .expire_hotel_holds((self.clock)())
            .await
            .map_err(store_error)?;
        for row in &expired {
            match row.room_takes() {
                Ok(takes) => self.give_back(row, &takes),
                Err(e) => tracing::error!(error = %e, "an expired hold's rooms do not parse"),
            }
        }
        Ok(expired.len())
    }

    /// Books at once: confirmed, rooms taken for good.
    pub(crate) async fn book_now(
        &self,
        request: &HotelBookingRequest,
    ) -> Result<HotelBooking, SupplierError> {
        self.take(request, BookingMode::Now).await
    }

    /// Holds the rooms until `until`.
    pub(crate) async fn hold_now(
        &self,
        request: &HotelBookingRequest,
        until: DateTime<Utc>,
    ) -> Result<HotelBooking, SupplierError> {
        self.take(request, BookingMode::Hold(until)).await
    }

    /// Books or holds: a retry answers the first result; otherwise the rate is priced again,
    /// the guests checked, and the rooms taken in the store (then in the index).
    async fn take(
        &self,
        request: &HotelBookingRequest,
        mode: BookingMode,
    ) -> Result<HotelBooking, SupplierError> {
        let store = self.store().ok_or_else(no_store)?;
        let hash = request_hash(request, mode);
        if let Some(existing) = store
            .hotel_booking_by_key(&request.idempotency_key)
            .await
            .map_err(store_error)?
        {
            return if existing.request_hash == hash {
                self.to_booking(&existing)
            } else {
                Err(rejected(
                    "idempotency_key_reused",
                    "this idempotency key was used for another booking",
                ))
            };
        }
        let hold_expires_at = match mode {
            BookingMode::Now => None,
            BookingMode::Hold(until) => {
                let now = (self.clock)();
                if until <= now || until > now + Duration::minutes(MAX_HOLD_MINUTES) {
                    return Err(rejected(
                        "invalid_hold_time",
                        format!("a hold must end within {MAX_HOLD_MINUTES} minutes from now"),
                    ));
                }
                Some(until)
            }
        };
        self.expire_holds().await?;
        let rate = self.check_rate_now(&request.rate_id)?;
        if rate.price.total != request.expected_total {
            return Err(SupplierError::PriceChanged {
                new_total: rate.price.total,
            });
        }
        if request.room_guests.len() != rate.rooms.len()
            || request
                .room_guests
                .iter()
                .chain(std::iter::once(&request.holder))
                .any(|g| g.given_name.trim().is_empty() || g.family_name.trim().is_empty())
        {
            return Err(rejected(
                "guests_mismatch",
                format!(
                    "name one lead guest for each of the {} rooms, and the holder",
                    rate.rooms.len()
                ),
            ));
        }
        let key = RateKey::parse(&request.rate_id)
            .ok_or_else(|| SupplierError::NotFound(request.rate_id.clone()))?;
        let (index, position) = self.listing_of(key.property)?;
        let listing = index.listing(position);
        let stay = Stay::new(key.check_in, key.check_out)
            .map_err(|_| SupplierError::NotFound(request.rate_id.clone()))?;
        let takes = key
            .parts
            .iter()
            .map(|(code, rooms)| {
                let allotment = listing
                    .rooms
                    .iter()
                    .find(|r| r.room.code == *code)
                    .map(|r| r.allotment)
                    .ok_or_else(|| SupplierError::NotFound(request.rate_id.clone()))?;
                Ok(RoomTake {
                    room_type: code.as_str().to_owned(),
                    check_in: key.check_in,
                    nights: stay.nights(),
                    rooms: u16::from(*rooms),
                    allotment,
                })
            })
            .collect::<Result<Vec<_>, SupplierError>>()?;
        let guests = serde_json::to_string(request)
            .map_err(|e| store_error(StoreError::Corrupt(format!("guests: {e}"))))?;
        let price = serde_json::to_string(&BookedPrice::of(&rate.price))
            .map_err(|e| store_error(StoreError::Corrupt(format!("price: {e}"))))?;
        let now = (self.clock)();
        for _ in 0..8 {
            let new = NewHotelBooking {
                id: format!(
                    "bh_bk{}",
                    random_from(b"0123456789abcdefghijklmnopqrstuvwxyz", 20)
                ),
                confirmation: format!("WF{}", random_from(b"0123456789", 8)),
                hotel_id: i64::try_from(key.property.0).unwrap_or(i64::MAX),
                rate_id: request.rate_id.clone(),
                guests: guests.clone(),
                price: price.clone(),
                takes: takes.clone(),
                total: rate.price.total,
                idempotency_key: request.idempotency_key.clone(),
                request_hash: hash.clone(),
                hold_expires_at,
                now,
            };
            match store.create_hotel_booking(new).await.map_err(store_error)? {
                CreateHotelBooking::Created(row) => {
                    for (code, rooms) in &key.parts {
                        if let Err(e) = index.add_sold(key.property, *code, stay, i32::from(*rooms))
                        {
                            tracing::warn!(error = %e, "index could not record a hotel sale");
                        }
                    }
                    return self.to_booking(&row);
                }
                CreateHotelBooking::Replayed(row) => return self.to_booking(&row),
                CreateHotelBooking::KeyReused => {
                    return Err(rejected(
                        "idempotency_key_reused",
                        "this idempotency key was used for another booking",
                    ));
                }
                CreateHotelBooking::SoldOut => return Err(SupplierError::NoSeats),
                CreateHotelBooking::ReferenceTaken => continue,
            }
        }
        Err(store_error(StoreError::Corrupt(
            "could not find a free confirmation number".into(),
        )))
    }

    /// Held → confirmed while the hold lasts; a retry answers the confirmed booking.
    pub(crate) async fn confirm_hold_now(
        &self,
        booking_id: &str,
    ) -> Result<HotelBooking, SupplierError> {
        let store = self
            .store()
            .ok_or_else(|| SupplierError::NotFound(booking_id.to_owned()))?;
        match store
            .confirm_held_hotel_booking(booking_id, (self.clock)())
            .await
            .map_err(store_error)?
        {
            ConfirmHeldHotelBooking::Confirmed(row)
            | ConfirmHeldHotelBooking::AlreadyConfirmed(row) => self.to_booking(&row),
            ConfirmHeldHotelBooking::NotConfirmable(row) => {
                match row.state().map_err(store_error)? {
                    HotelBookingState::Cancelled => Err(rejected(
                        "booking_cancelled",
                        "the booking is already cancelled",
                    )),
                    HotelBookingState::Held => {
                        // Past its time but not swept yet: give the rooms back now.
                        self.expire_holds().await?;
                        Err(SupplierError::OfferExpired(booking_id.to_owned()))
                    }
                    HotelBookingState::Expired | HotelBookingState::Confirmed => {
                        Err(SupplierError::OfferExpired(booking_id.to_owned()))
                    }
                }
            }
            ConfirmHeldHotelBooking::NotFound => {
                Err(SupplierError::NotFound(booking_id.to_owned()))
            }
        }
    }

    /// Held → expired, rooms given back; a retry answers the released hold.
    pub(crate) async fn release_hold_now(
        &self,
        booking_id: &str,
    ) -> Result<HotelBooking, SupplierError> {
        let store = self
            .store()
            .ok_or_else(|| SupplierError::NotFound(booking_id.to_owned()))?;
        match store
            .release_held_hotel_booking(booking_id, (self.clock)())
            .await
            .map_err(store_error)?
        {
            ReleaseHeldHotelBooking::Released(row, takes) => {
                self.give_back(&row, &takes);
                self.to_booking(&row)
            }
            ReleaseHeldHotelBooking::AlreadyReleased(row) => self.to_booking(&row),
            ReleaseHeldHotelBooking::NotReleasable(row) => {
                match row.state().map_err(store_error)? {
                    HotelBookingState::Cancelled => Err(rejected(
                        "booking_cancelled",
                        "the booking is already cancelled",
                    )),
                    _ => Err(rejected(
                        "booking_confirmed",
                        "the booking is confirmed; cancel it through a quote instead",
                    )),
                }
            }
            ReleaseHeldHotelBooking::NotFound => {
                Err(SupplierError::NotFound(booking_id.to_owned()))
            }
        }
    }

    pub(crate) async fn get_booking_now(&self, id: &str) -> Result<HotelBooking, SupplierError> {
        let store = self
            .store()
            .ok_or_else(|| SupplierError::NotFound(id.to_owned()))?;
        let row = store
            .hotel_booking(id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| SupplierError::NotFound(id.to_owned()))?;
        self.to_booking(&row)
    }

    pub(crate) async fn quote_cancellation_now(
        &self,
        booking_id: &str,
    ) -> Result<HotelCancellationQuote, SupplierError> {
        let booking = self.get_booking_now(booking_id).await?;
        match booking.status {
            HotelBookingStatus::Confirmed => {}
            HotelBookingStatus::Cancelled => {
                return Err(rejected(
                    "booking_cancelled",
                    "the booking is already cancelled",
                ));
            }
            HotelBookingStatus::Held => {
                return Err(rejected(
                    "booking_held",
                    "the booking is a hold; release it instead",
                ));
            }
            HotelBookingStatus::Expired => {
                return Err(rejected(
                    "booking_expired",
                    "the hold was released or expired; there is nothing to cancel",
                ));
            }
        }
        let key = RateKey::parse(&booking.rate.id)
            .ok_or_else(|| SupplierError::NotFound(booking_id.to_owned()))?;
        let (index, position) = self.listing_of(key.property)?;
        let check_in_at = index.listing(position).property.check_in_at(key.check_in);
        let now = (self.clock)();
        let fee = booking
            .rate
            .cancellation
            .fee_at(now, check_in_at, BookedStay::from(&booking.rate.price))
            .map_err(|e| store_error(StoreError::Corrupt(format!("fee: {e}"))))?;
        let total = booking.rate.price.total;
        let refund = Money::from_minor(total.minor() - fee.minor(), total.currency());
        let row = HotelCancellationRow {
            id: format!(
                "bh_cq{}",
                random_from(b"0123456789abcdefghijklmnopqrstuvwxyz", 20)
            ),
            booking_id: booking_id.to_owned(),
            fee_minor: fee.minor(),
            refund_minor: refund.minor(),
            currency: total.currency().code().to_owned(),
            expires_at: now + Duration::minutes(QUOTE_MINUTES),
            confirmed_at: None,
            created_at: now,
        };
        let store = self
            .store()
            .ok_or_else(|| SupplierError::NotFound(booking_id.to_owned()))?;
        store
            .insert_hotel_cancellation(row.clone())
            .await
            .map_err(store_error)?;
        to_quote(&row)
    }

    pub(crate) async fn confirm_cancellation_now(
        &self,
        quote_id: &str,
    ) -> Result<HotelCancellationQuote, SupplierError> {
        let store = self
            .store()
            .ok_or_else(|| SupplierError::NotFound(quote_id.to_owned()))?;
        match store
            .confirm_hotel_cancellation(quote_id, (self.clock)())
            .await
            .map_err(store_error)?
        {
            ConfirmHotelCancellation::Confirmed(q, takes) => {
                if let Some(row) = store
                    .hotel_booking(&q.booking_id)
                    .await
                    .map_err(store_error)?
                {
                    self.give_back(&row, &takes);
                }
                to_quote(&q)
            }
            ConfirmHotelCancellation::AlreadyConfirmed(q) => to_quote(&q),
            ConfirmHotelCancellation::Expired(_) => Err(rejected(
                "quote_expired",
                "the cancellation quote expired; ask for a new one",
            )),
            ConfirmHotelCancellation::NotCancellable(_) => Err(rejected(
                "booking_cancelled",
                "the booking is already cancelled",
            )),
            ConfirmHotelCancellation::NotFound => Err(SupplierError::NotFound(quote_id.to_owned())),
        }
    }
}

fn to_quote(row: &HotelCancellationRow) -> Result<HotelCancellationQuote, SupplierError> {
    let c = Currency::parse(&row.currency)
        .map_err(|_| store_error(StoreError::Corrupt(format!("quote {} currency", row.id))))?;
    Ok(HotelCancellationQuote {
        id: row.id.clone(),
        booking_id: row.booking_id.clone(),
        fee: Money::from_minor(row.fee_minor, c),
        refund: Money::from_minor(row.refund_minor, c),
        expires_at: row.expires_at,
        confirmed_at: row.confirmed_at,
    })
}

/// A booked rate rebuilt from its id and the listing, with the frozen price.
fn booked_rate(
    listing: &HotelListing,
    key: &RateKey,
    rate_id: &str,
    price: StayPrice,
    booked_at: chrono::DateTime<Utc>,
) -> Option<HotelRate> {
    let plan = listing
        .rooms
        .iter()
        .flat_map(|r| r.plans.iter())
        .find(|p| p.plan.code == key.plan)?;
    let check_in_at = listing.property.check_in_at(key.check_in);
    let room_name = |code: RoomTypeCode| {
        listing
            .rooms
            .iter()
            .find(|r| r.room.code == code)
            .map(|r| r.room.name.clone())
            .unwrap_or_default()
    };
    Some(HotelRate {
        id: rate_id.to_owned(),
        hotel_id: format!("bh_{}", listing.property.id.0),
        rooms: key
            .party
            .iter()
            .zip(&key.room_parts)
            .map(|((adults, ages), &part)| {
                let code = key.parts[usize::from(part)].0;
                crate::hotel::RoomAllocation {
                    room_type: code.as_str().to_owned(),
                    name: room_name(code),
                    adults: *adults,
                    children_ages: ages.clone(),
                }
            })
            .collect(),
        plan_name: plan.plan.name.clone(),
        board: plan.plan.board,
        payment: plan.plan.payment,
        member_only: plan.plan.member_only,
        cancellation: plan.plan.cancellation.clone(),
        free_cancellation_until: plan.plan.cancellation.free_cancellation_until(check_in_at),
        check_in: key.check_in,
        check_out: key.check_out,
        check_in_at,
        check_out_at: listing.property.check_out_at(key.check_out),
        price,
        rooms_left: 0,
        needs_price_check: false,
        expires_at: booked_at,
    })
}
