//! The built-in hotel supplier's bookings: rooms taken night by night with conditional updates
//! inside the booking's transaction (never beyond a room type's allotment), idempotent
//! creation, and cancellation quotes confirmed once, giving the rooms back.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    SqlErr, TransactionTrait,
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
    pub now: DateTime<Utc>,
}

pub type HotelBookingRow = hotel_supplier_booking::Model;
pub type HotelCancellationRow = hotel_booking_cancellation::Model;

impl hotel_supplier_booking::Model {
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

fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

impl Store {
    /// Creates the booking and takes its rooms for every night in one transaction, or nothing.
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
            status: Set("confirmed".into()),
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
                Expr::value("cancelled"),
            )
            .col_expr(
                hotel_supplier_booking::Column::CancelledAt,
                Expr::value(now),
            )
            .col_expr(hotel_supplier_booking::Column::UpdatedAt, Expr::value(now))
            .filter(hotel_supplier_booking::Column::Id.eq(quote.booking_id.clone()))
            .filter(hotel_supplier_booking::Column::Status.eq("confirmed"))
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
