//! The built-in hotel supplier's bookings: rooms taken night by night with conditional updates
//! inside the booking's transaction (never beyond a room type's allotment), idempotent
//! creation, holds that are confirmed, released or expire (each status change a conditional
//! update, with the rooms given back in the same transaction), and cancellation quotes
//! confirmed once, giving the rooms back.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use wayfare_domain::Money;

use crate::entity::{hotel_booking_cancellation, hotel_room_sale, hotel_supplier_booking};
use crate::{Store, StoreError};

/// Rooms of one type taken for every night of a stay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomTake {
    pub room_type: String,
    pub check_in: NaiveDate,
    pub nights: u16,
    pub rooms: u16,
    /// The room type's rooms: the take fails rather than go beyond it on any night.
    pub allotment: u16,
}

impl RoomTake {
    fn nights(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        (0..i64::from(self.nights)).map(|d| self.check_in + Duration::days(d))
    }
}

/// Booking states as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HotelBookingState {
    /// Rooms taken until `hold_expires_at`.
    Held,
    Confirmed,
    /// A confirmed booking cancelled; rooms given back.
    Cancelled,
    /// A hold released or timed out; rooms given back.
    Expired,
}

impl HotelBookingState {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            HotelBookingState::Held => "held",
            HotelBookingState::Confirmed => "confirmed",
            HotelBookingState::Cancelled => "cancelled",
            HotelBookingState::Expired => "expired",
        }
    }

    /// The state for stored text, if it is one.
    pub fn parse(s: &str) -> Option<HotelBookingState> {
        Some(match s {
            "held" => HotelBookingState::Held,
            "confirmed" => HotelBookingState::Confirmed,
            "cancelled" => HotelBookingState::Cancelled,
            "expired" => HotelBookingState::Expired,
            _ => return None,
        })
    }
}

/// What the supplier asks to store.
#[derive(Debug, Clone)]
pub struct NewHotelBooking {
    pub id: String,
    pub confirmation: String,
    pub hotel_id: i64,
    pub rate_id: String,
    /// JSON of the guests and contact.
    pub guests: String,
    /// JSON of the price as booked.
    pub price: String,
    pub takes: Vec<RoomTake>,
    pub total: Money,
    pub idempotency_key: String,
    pub request_hash: String,
    /// `Some`: a hold that keeps its rooms until then (status `held`); `None`: confirmed now.
    pub hold_expires_at: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

pub type HotelBookingRow = hotel_supplier_booking::Model;
pub type HotelCancellationRow = hotel_booking_cancellation::Model;

impl hotel_supplier_booking::Model {
    /// The stored status.
    pub fn state(&self) -> Result<HotelBookingState, StoreError> {
        HotelBookingState::parse(&self.status)
            .ok_or_else(|| StoreError::Corrupt(format!("hotel booking {} status", self.id)))
    }

    /// The status as it stands at `now`: a hold past its time is expired even before the
    /// sweep has written so.
    pub fn state_at(&self, now: DateTime<Utc>) -> Result<HotelBookingState, StoreError> {
        let state = self.state()?;
        Ok(
            if state == HotelBookingState::Held && self.hold_expires_at.is_none_or(|t| t <= now) {
                HotelBookingState::Expired
            } else {
                state
            },
        )
    }

    pub fn room_takes(&self) -> Result<Vec<RoomTake>, StoreError> {
        serde_json::from_str(&self.rooms)
            .map_err(|e| StoreError::Corrupt(format!("hotel booking {} rooms: {e}", self.id)))
    }
}

#[derive(Debug)]
pub enum CreateHotelBooking {
    Created(HotelBookingRow),
    Replayed(HotelBookingRow),
    KeyReused,
    ReferenceTaken,
    SoldOut,
}

/// How confirming a hold ended.
#[derive(Debug)]
pub enum ConfirmHeldHotelBooking {
    /// This call confirmed it.
    Confirmed(HotelBookingRow),
    /// It was confirmed before (a retry).
    AlreadyConfirmed(HotelBookingRow),
    /// Released, expired, past its time or cancelled: the row as it stands.
    NotConfirmable(HotelBookingRow),
    NotFound,
}

/// How releasing a hold ended.
#[derive(Debug)]
pub enum ReleaseHeldHotelBooking {
    /// This call released it (now `expired`) and gave these rooms back.
    Released(HotelBookingRow, Vec<RoomTake>),
    /// It had been released or had expired before.
    AlreadyReleased(HotelBookingRow),
    /// Confirmed or cancelled: a booking, not a hold.
    NotReleasable(HotelBookingRow),
    NotFound,
}

#[derive(Debug)]
pub enum ConfirmHotelCancellation {
    Confirmed(HotelCancellationRow, Vec<RoomTake>),
    AlreadyConfirmed(HotelCancellationRow),
    Expired(HotelCancellationRow),
    /// Cancelled before through another quote.
    NotCancellable(HotelCancellationRow),
    NotFound,
}

fn night_row(hotel_id: i64, room_type: &str, night: NaiveDate) -> Condition {
    Condition::all()
        .add(hotel_room_sale::Column::HotelId.eq(hotel_id))
        .add(hotel_room_sale::Column::RoomType.eq(room_type))
        .add(hotel_room_sale::Column::Night.eq(night))
}

async fn take_rooms(
    txn: &DatabaseTransaction,
    hotel_id: i64,
    takes: &[RoomTake],
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    for t in takes {
        let rooms = i32::from(t.rooms);
        for night in t.nights() {
            hotel_room_sale::Entity::insert(hotel_room_sale::ActiveModel {
                hotel_id: Set(hotel_id),
                room_type: Set(t.room_type.clone()),
                night: Set(night),
                sold: Set(0),
                updated_at: Set(now),
            })
            .on_conflict(
                OnConflict::columns([
                    hotel_room_sale::Column::HotelId,
                    hotel_room_sale::Column::RoomType,
                    hotel_room_sale::Column::Night,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
            let updated = hotel_room_sale::Entity::update_many()
                .col_expr(
                    hotel_room_sale::Column::Sold,
                    Expr::col(hotel_room_sale::Column::Sold).add(rooms),
                )
                .col_expr(hotel_room_sale::Column::UpdatedAt, Expr::value(now))
                .filter(night_row(hotel_id, &t.room_type, night))
                .filter(
                    Expr::col(hotel_room_sale::Column::Sold)
                        .add(rooms)
                        .lte(i32::from(t.allotment)),
                )
                .exec(txn)
                .await?;
            if updated.rows_affected != 1 {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

async fn release_rooms(
    txn: &DatabaseTransaction,
    hotel_id: i64,
    takes: &[RoomTake],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for t in takes {
        let rooms = i32::from(t.rooms);
        for night in t.nights() {
            let updated = hotel_room_sale::Entity::update_many()
                .col_expr(
                    hotel_room_sale::Column::Sold,
                    Expr::col(hotel_room_sale::Column::Sold).sub(rooms),
                )
                .col_expr(hotel_room_sale::Column::UpdatedAt, Expr::value(now))
                .filter(night_row(hotel_id, &t.room_type, night))
                .filter(hotel_room_sale::Column::Sold.gte(rooms))
                .exec(txn)
                .await?;
            if updated.rows_affected != 1 {
                tracing::error!(hotel_id, room_type = %t.room_type, %night, rooms,
                    "room release found fewer rooms sold than taken; left as is");
            }
        }
    }
    Ok(())
}

/// `held` → `expired` for one booking, only if still held (and, with `due`, only if its hold
/// ran out by then); `true` when this call changed it.
async fn expire_if_held<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    due: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut update = hotel_supplier_booking::Entity::update_many()
        .col_expr(
            hotel_supplier_booking::Column::Status,
            Expr::value(HotelBookingState::Expired.as_str()),
        )
        .col_expr(hotel_supplier_booking::Column::UpdatedAt, Expr::value(now))
        .filter(hotel_supplier_booking::Column::Id.eq(id))
        .filter(hotel_supplier_booking::Column::Status.eq(HotelBookingState::Held.as_str()));
    if let Some(due) = due {
        update = update.filter(hotel_supplier_booking::Column::HoldExpiresAt.lte(due));
    }
    Ok(update.exec(conn).await?.rows_affected == 1)
}

fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

impl Store {
    /// Creates the booking (held until `b.hold_expires_at`, or confirmed) and takes its rooms
    /// for every night in one transaction, or nothing.
    pub async fn create_hotel_booking(
        &self,
        b: NewHotelBooking,
    ) -> Result<CreateHotelBooking, StoreError> {
        let replay = |existing: HotelBookingRow| {
            if existing.request_hash == b.request_hash {
                CreateHotelBooking::Replayed(existing)
            } else {
                CreateHotelBooking::KeyReused
            }
        };
        if let Some(existing) = self.hotel_booking_by_key(&b.idempotency_key).await? {
            return Ok(replay(existing));
        }
        let rooms = serde_json::to_string(&b.takes)
            .map_err(|e| StoreError::Corrupt(format!("room takes: {e}")))?;
        let row = hotel_supplier_booking::ActiveModel {
            id: Set(b.id.clone()),
            confirmation: Set(b.confirmation.clone()),
            status: Set(if b.hold_expires_at.is_some() {
                HotelBookingState::Held
            } else {
                HotelBookingState::Confirmed
            }
            .as_str()
            .to_owned()),
            hotel_id: Set(b.hotel_id),
            rate_id: Set(b.rate_id.clone()),
            guests: Set(b.guests.clone()),
            price: Set(b.price.clone()),
            rooms: Set(rooms),
            total_minor: Set(b.total.minor()),
            currency: Set(b.total.currency().code().to_owned()),
            idempotency_key: Set(b.idempotency_key.clone()),
            request_hash: Set(b.request_hash.clone()),
            created_at: Set(b.now),
            updated_at: Set(b.now),
            cancelled_at: Set(None),
            hold_expires_at: Set(b.hold_expires_at),
        };
        let txn = self.db().begin().await?;
        // Writing first makes SQLite take the write lock up front.
        if let Err(e) = hotel_supplier_booking::Entity::insert(row)
            .exec_without_returning(&txn)
            .await
        {
            txn.rollback().await?;
            if is_unique_violation(&e) {
                return Ok(match self.hotel_booking_by_key(&b.idempotency_key).await? {
                    Some(existing) => replay(existing),
                    None => CreateHotelBooking::ReferenceTaken,
                });
            }
            return Err(e.into());
        }
        if !take_rooms(&txn, b.hotel_id, &b.takes, b.now).await? {
            txn.rollback().await?;
            return Ok(CreateHotelBooking::SoldOut);
        }
        txn.commit().await?;
        self.hotel_booking(&b.id)
            .await?
            .map(CreateHotelBooking::Created)
            .ok_or_else(|| StoreError::Corrupt(format!("hotel booking {} vanished", b.id)))
    }

    pub async fn hotel_booking(&self, id: &str) -> Result<Option<HotelBookingRow>, StoreError> {
        Ok(hotel_supplier_booking::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?)
    }

    pub async fn hotel_booking_by_key(
        &self,
        key: &str,
    ) -> Result<Option<HotelBookingRow>, StoreError> {
        Ok(hotel_supplier_booking::Entity::find()
            .filter(hotel_supplier_booking::Column::IdempotencyKey.eq(key))
            .one(self.db())
            .await?)
    }

    /// Confirms a hold whose time has not run out: `held` → `confirmed` in one conditional
    /// update (`status = 'held' AND hold_expires_at > now`), so a confirmation racing an
    /// expiry or a release has exactly one winner. The rooms stay taken.
    pub async fn confirm_held_hotel_booking(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<ConfirmHeldHotelBooking, StoreError> {
        let updated = hotel_supplier_booking::Entity::update_many()
            .col_expr(
                hotel_supplier_booking::Column::Status,
                Expr::value(HotelBookingState::Confirmed.as_str()),
            )
            .col_expr(hotel_supplier_booking::Column::UpdatedAt, Expr::value(now))
            .filter(hotel_supplier_booking::Column::Id.eq(id))
            .filter(hotel_supplier_booking::Column::Status.eq(HotelBookingState::Held.as_str()))
            .filter(hotel_supplier_booking::Column::HoldExpiresAt.gt(now))
            .exec(self.db())
            .await?;
        let Some(row) = self.hotel_booking(id).await? else {
            return Ok(ConfirmHeldHotelBooking::NotFound);
        };
        Ok(if updated.rows_affected == 1 {
            ConfirmHeldHotelBooking::Confirmed(row)
        } else if row.state()? == HotelBookingState::Confirmed {
            ConfirmHeldHotelBooking::AlreadyConfirmed(row)
        } else {
            ConfirmHeldHotelBooking::NotConfirmable(row)
        })
    }

    /// Releases a hold, whether or not its time has run out: `held` → `expired` and its rooms
    /// given back, in one transaction, once.
    pub async fn release_held_hotel_booking(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<ReleaseHeldHotelBooking, StoreError> {
        let txn = self.db().begin().await?;
        // Writing first makes SQLite take the write lock up front.
        let released = expire_if_held(&txn, id, None, now).await?;
        let Some(row) = hotel_supplier_booking::Entity::find_by_id(id.to_owned())
            .one(&txn)
            .await?
        else {
            txn.rollback().await?;
            return Ok(ReleaseHeldHotelBooking::NotFound);
        };
        if !released {
            txn.rollback().await?;
            return Ok(match row.state()? {
                HotelBookingState::Held | HotelBookingState::Expired => {
                    ReleaseHeldHotelBooking::AlreadyReleased(row)
                }
                HotelBookingState::Confirmed | HotelBookingState::Cancelled => {
                    ReleaseHeldHotelBooking::NotReleasable(row)
                }
            });
        }
        let takes = row.room_takes()?;
        release_rooms(&txn, row.hotel_id, &takes, now).await?;
        txn.commit().await?;
        Ok(ReleaseHeldHotelBooking::Released(row, takes))
    }

    /// Expires holds whose time has run out (`hold_expires_at <= now`) and gives their rooms
    /// back, each in its own transaction. Returns the bookings expired by this call (each
    /// exactly once, even with several processes sweeping), as they now stand; at most 500 a
    /// call.
    pub async fn expire_hotel_holds(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<HotelBookingRow>, StoreError> {
        let due: Vec<HotelBookingRow> = hotel_supplier_booking::Entity::find()
            .filter(hotel_supplier_booking::Column::Status.eq(HotelBookingState::Held.as_str()))
            .filter(hotel_supplier_booking::Column::HoldExpiresAt.lte(now))
            .order_by_asc(hotel_supplier_booking::Column::HoldExpiresAt)
            .limit(500)
            .all(self.db())
            .await?;
        let mut expired = Vec::new();
        for mut booking in due {
            let takes = booking.room_takes()?;
            let txn = self.db().begin().await?;
            if !expire_if_held(&txn, &booking.id, Some(now), now).await? {
                // Confirmed or released meanwhile.
                txn.rollback().await?;
                continue;
            }
            release_rooms(&txn, booking.hotel_id, &takes, now).await?;
            txn.commit().await?;
            booking.status = HotelBookingState::Expired.as_str().to_owned();
            booking.updated_at = now;
            expired.push(booking);
        }
        Ok(expired)
    }

    pub async fn insert_hotel_cancellation(
        &self,
        quote: HotelCancellationRow,
    ) -> Result<(), StoreError> {
        let row: hotel_booking_cancellation::ActiveModel = quote.into();
        hotel_booking_cancellation::Entity::insert(row)
            .exec_without_returning(self.db())
            .await?;
        Ok(())
    }

    pub async fn hotel_cancellation(
        &self,
        id: &str,
    ) -> Result<Option<HotelCancellationRow>, StoreError> {
        Ok(
            hotel_booking_cancellation::Entity::find_by_id(id.to_owned())
                .one(self.db())
                .await?,
        )
    }

    /// Confirms a quote before it expires: the booking is cancelled and its rooms given back,
    /// once.
    pub async fn confirm_hotel_cancellation(
        &self,
        quote_id: &str,
        now: DateTime<Utc>,
    ) -> Result<ConfirmHotelCancellation, StoreError> {
        let Some(quote) = self.hotel_cancellation(quote_id).await? else {
            return Ok(ConfirmHotelCancellation::NotFound);
        };
        if quote.confirmed_at.is_some() {
            return Ok(ConfirmHotelCancellation::AlreadyConfirmed(quote));
        }
        if quote.expires_at <= now {
            return Ok(ConfirmHotelCancellation::Expired(quote));
        }
        let txn = self.db().begin().await?;
        let confirmed = hotel_booking_cancellation::Entity::update_many()
            .col_expr(
                hotel_booking_cancellation::Column::ConfirmedAt,
                Expr::value(now),
            )
            .filter(hotel_booking_cancellation::Column::Id.eq(quote_id))
            .filter(hotel_booking_cancellation::Column::ConfirmedAt.is_null())
            .exec(&txn)
            .await?;
        if confirmed.rows_affected != 1 {
            txn.rollback().await?;
            let again = self
                .hotel_cancellation(quote_id)
                .await?
                .ok_or_else(|| StoreError::Corrupt(format!("quote {quote_id} vanished")))?;
            return Ok(ConfirmHotelCancellation::AlreadyConfirmed(again));
        }
        let cancelled = hotel_supplier_booking::Entity::update_many()
            .col_expr(
                hotel_supplier_booking::Column::Status,
                Expr::value(HotelBookingState::Cancelled.as_str()),
            )
            .col_expr(
                hotel_supplier_booking::Column::CancelledAt,
                Expr::value(now),
            )
            .col_expr(hotel_supplier_booking::Column::UpdatedAt, Expr::value(now))
            .filter(hotel_supplier_booking::Column::Id.eq(quote.booking_id.clone()))
            .filter(
                hotel_supplier_booking::Column::Status.eq(HotelBookingState::Confirmed.as_str()),
            )
            .exec(&txn)
            .await?;
        if cancelled.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(ConfirmHotelCancellation::NotCancellable(quote));
        }
        let booking = hotel_supplier_booking::Entity::find_by_id(quote.booking_id.clone())
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("booking {} vanished", quote.booking_id)))?;
        let takes = booking.room_takes()?;
        release_rooms(&txn, booking.hotel_id, &takes, now).await?;
        txn.commit().await?;
        let quote = self
            .hotel_cancellation(quote_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("quote {quote_id} vanished")))?;
        Ok(ConfirmHotelCancellation::Confirmed(quote, takes))
    }
}
