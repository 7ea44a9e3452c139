//! The built-in flight supplier's orders: seats taken with conditional updates inside the
//! order's transaction (never more than the cabin holds), idempotent creation, holds that
//! expire and give their seats back, cancellation quotes confirmed once, and the schedule
//! changes detected on orders.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use wayfare_domain::Money;
use wayfare_domain::flight::codes::{AirlineCode, AirportCode};
use wayfare_domain::flight::fare::Cabin;

use crate::entity::{
    flight_order_cancellation, flight_schedule_change, flight_seat_sale, flight_supplier_order,
};
use crate::{Store, StoreError};

/// Seats taken on one physical flight (the operating carrier's number) in one cabin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatTake {
    pub carrier: AirlineCode,
    pub flight_number: u16,
    pub departure_date: NaiveDate,
    pub origin: AirportCode,
    pub cabin: Cabin,
    pub seats: u16,
    /// The cabin's seats on that aircraft: the take fails rather than go beyond it.
    pub capacity: u16,
}

/// Order states as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlightOrderStatus {
    Held,
    Confirmed,
    Cancelled,
    Expired,
}

impl FlightOrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FlightOrderStatus::Held => "held",
            FlightOrderStatus::Confirmed => "confirmed",
            FlightOrderStatus::Cancelled => "cancelled",
            FlightOrderStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<FlightOrderStatus> {
        Some(match s {
            "held" => FlightOrderStatus::Held,
            "confirmed" => FlightOrderStatus::Confirmed,
            "cancelled" => FlightOrderStatus::Cancelled,
            "expired" => FlightOrderStatus::Expired,
            _ => return None,
        })
    }
}

/// What the supplier asks to store.
#[derive(Debug, Clone)]
pub struct NewFlightOrder {
    pub id: String,
    pub booking_reference: String,
    pub status: FlightOrderStatus,
    pub offer_id: String,
    /// JSON of the offer as booked.
    pub offer: String,
    /// JSON of the passengers.
    pub passengers: String,
    pub seats: Vec<SeatTake>,
    pub tickets: Vec<String>,
    pub total: Money,
    pub idempotency_key: String,
    /// A digest of the request, so a reused key with another request is told apart.
    pub request_hash: String,
    pub payment_required_by: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

pub type FlightOrderRow = flight_supplier_order::Model;
pub type CancellationRow = flight_order_cancellation::Model;
pub type ScheduleChangeRow = flight_schedule_change::Model;

impl flight_supplier_order::Model {
    pub fn order_status(&self) -> Result<FlightOrderStatus, StoreError> {
        FlightOrderStatus::parse(&self.status)
            .ok_or_else(|| StoreError::Corrupt(format!("flight order {} status", self.id)))
    }

    pub fn seat_takes(&self) -> Result<Vec<SeatTake>, StoreError> {
        serde_json::from_str(&self.seats)
            .map_err(|e| StoreError::Corrupt(format!("flight order {} seats: {e}", self.id)))
    }

    pub fn ticket_numbers(&self) -> Result<Vec<String>, StoreError> {
        serde_json::from_str(&self.tickets)
            .map_err(|e| StoreError::Corrupt(format!("flight order {} tickets: {e}", self.id)))
    }
}

/// How creating an order ended.
#[derive(Debug)]
pub enum CreateFlightOrder {
    Created(FlightOrderRow),
    /// The idempotency key was used before for the same request: the first result.
    Replayed(FlightOrderRow),
    /// The idempotency key was used before for another request.
    KeyReused,
    /// The booking reference is taken; try another.
    ReferenceTaken,
    /// One of the flights has fewer seats left than asked for; nothing was taken.
    SoldOut,
}

/// How confirming a cancellation ended.
#[derive(Debug)]
pub enum ConfirmCancellation {
    Confirmed(CancellationRow),
    /// Confirmed before: the first confirmation (idempotent).
    AlreadyConfirmed(CancellationRow),
    Expired(CancellationRow),
    /// The order is no longer cancellable (already cancelled through another quote, expired).
    OrderNotCancellable(CancellationRow),
    NotFound,
}

/// How paying a held order ended.
#[derive(Debug)]
pub enum PayHeldOrder {
    Paid(FlightOrderRow),
    /// Paid before (idempotent).
    AlreadyPaid(FlightOrderRow),
    /// The hold expired (its seats are back on sale) or the order was cancelled.
    NotPayable(FlightOrderRow),
    NotFound,
}

fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// The row of one flight, date and cabin in `flight_seat_sales`.
fn seat_row(carrier: AirlineCode, flight_number: u16, date: NaiveDate, cabin: Cabin) -> Condition {
    Condition::all()
        .add(flight_seat_sale::Column::Carrier.eq(carrier.to_string()))
        .add(flight_seat_sale::Column::FlightNumber.eq(i32::from(flight_number)))
        .add(flight_seat_sale::Column::DepartureDate.eq(date))
        .add(flight_seat_sale::Column::Cabin.eq(cabin.as_str()))
}

impl SeatTake {
    fn row(&self) -> Condition {
        seat_row(
            self.carrier,
            self.flight_number,
            self.departure_date,
            self.cabin,
        )
    }
}

/// Takes the seats or fails without taking any (the caller rolls back on `false`).
async fn take_seats(
    txn: &DatabaseTransaction,
    takes: &[SeatTake],
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    for t in takes {
        let seats = i32::from(t.seats);
        if seats > i32::from(t.capacity) {
            return Ok(false);
        }
        // One statement: the first sale of the flight inserts its row; later ones add to it
        // only while seats remain (the WHERE of DO UPDATE), else nothing is written.
        let sold = Expr::col((flight_seat_sale::Entity, flight_seat_sale::Column::Sold));
        let written = flight_seat_sale::Entity::insert(flight_seat_sale::ActiveModel {
            carrier: Set(t.carrier.to_string()),
            flight_number: Set(i32::from(t.flight_number)),
            departure_date: Set(t.departure_date),
            cabin: Set(t.cabin.as_str().to_owned()),
            sold: Set(seats),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                flight_seat_sale::Column::Carrier,
                flight_seat_sale::Column::FlightNumber,
                flight_seat_sale::Column::DepartureDate,
                flight_seat_sale::Column::Cabin,
            ])
            .value(flight_seat_sale::Column::Sold, sold.clone().add(seats))
            .value(flight_seat_sale::Column::UpdatedAt, Expr::value(now))
            .action_and_where(sold.add(seats).lte(i32::from(t.capacity)))
            .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
        if written != 1 {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Gives seats back; a count that would go below zero stops at zero and is logged.
async fn release_seats(
    txn: &DatabaseTransaction,
    takes: &[SeatTake],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for t in takes {
        let seats = i32::from(t.seats);
        let updated = flight_seat_sale::Entity::update_many()
            .col_expr(
                flight_seat_sale::Column::Sold,
                Expr::col(flight_seat_sale::Column::Sold).sub(seats),
            )
            .col_expr(flight_seat_sale::Column::UpdatedAt, Expr::value(now))
            .filter(t.row())
            .filter(flight_seat_sale::Column::Sold.gte(seats))
            .exec(txn)
            .await?;
        if updated.rows_affected != 1 {
            tracing::error!(carrier = %t.carrier, number = t.flight_number, date = %t.departure_date,
                cabin = t.cabin.as_str(), seats, "seat release found fewer seats sold than taken; set to zero");
            flight_seat_sale::Entity::update_many()
                .col_expr(flight_seat_sale::Column::Sold, Expr::value(0))
                .filter(t.row())
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

impl Store {
    /// Creates the order and takes its seats in one transaction, or nothing at all.
    pub async fn create_flight_order(
        &self,
        order: NewFlightOrder,
    ) -> Result<CreateFlightOrder, StoreError> {
        // A replay is found by the unique idempotency key refusing the insert below.
        let seats_json = serde_json::to_string(&order.seats)
            .map_err(|e| StoreError::Corrupt(format!("seat takes: {e}")))?;
        let tickets_json = serde_json::to_string(&order.tickets)
            .map_err(|e| StoreError::Corrupt(format!("tickets: {e}")))?;
        let now = crate::stored_time(order.now);
        let written = FlightOrderRow {
            id: order.id.clone(),
            booking_reference: order.booking_reference.clone(),
            status: order.status.as_str().to_owned(),
            offer_id: order.offer_id.clone(),
            offer: order.offer.clone(),
            passengers: order.passengers.clone(),
            seats: seats_json,
            tickets: tickets_json,
            total_minor: order.total.minor(),
            currency: order.total.currency().code().to_owned(),
            idempotency_key: order.idempotency_key.clone(),
            request_hash: order.request_hash.clone(),
            payment_required_by: order.payment_required_by.map(crate::stored_time),
            created_at: now,
            updated_at: now,
            paid_at: (order.status == FlightOrderStatus::Confirmed).then_some(now),
            cancelled_at: None,
        };
        let row = flight_supplier_order::ActiveModel::from(written.clone());
        let txn = self.db().begin().await?;
        // The first statement writes, so SQLite takes the write lock up front (waiting its busy
        // timeout) instead of failing to upgrade a read snapshot later.
        if let Err(e) = flight_supplier_order::Entity::insert(row)
            .exec_without_returning(&txn)
            .await
        {
            txn.rollback().await?;
            if is_unique_violation(&e) {
                return Ok(
                    match self
                        .flight_order_by_idempotency_key(&order.idempotency_key)
                        .await?
                    {
                        Some(existing) => replay(existing, &order.request_hash),
                        None => CreateFlightOrder::ReferenceTaken,
                    },
                );
            }
            return Err(e.into());
        }
        if !take_seats(&txn, &order.seats, order.now).await? {
            txn.rollback().await?;
            return Ok(CreateFlightOrder::SoldOut);
        }
        txn.commit().await?;
        Ok(CreateFlightOrder::Created(written))
    }

    pub async fn flight_order(&self, id: &str) -> Result<Option<FlightOrderRow>, StoreError> {
        Ok(flight_supplier_order::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?)
    }

    pub async fn flight_order_by_idempotency_key(
        &self,
        key: &str,
    ) -> Result<Option<FlightOrderRow>, StoreError> {
        Ok(flight_supplier_order::Entity::find()
            .filter(flight_supplier_order::Column::IdempotencyKey.eq(key))
            .one(self.db())
            .await?)
    }

    /// Held and confirmed orders (the ones schedule changes matter to).
    pub async fn active_flight_orders(&self) -> Result<Vec<FlightOrderRow>, StoreError> {
        Ok(flight_supplier_order::Entity::find()
            .filter(flight_supplier_order::Column::Status.is_in(["held", "confirmed"]))
            .order_by_asc(flight_supplier_order::Column::CreatedAt)
            .all(self.db())
            .await?)
    }

    /// Pays a held order whose hold has not run out: it becomes confirmed with `tickets`.
    pub async fn pay_held_flight_order(
        &self,
        id: &str,
        tickets: &[String],
        now: DateTime<Utc>,
    ) -> Result<PayHeldOrder, StoreError> {
        let tickets_json = serde_json::to_string(tickets)
            .map_err(|e| StoreError::Corrupt(format!("tickets: {e}")))?;
        let updated = flight_supplier_order::Entity::update_many()
            .col_expr(
                flight_supplier_order::Column::Status,
                Expr::value(FlightOrderStatus::Confirmed.as_str()),
            )
            .col_expr(
                flight_supplier_order::Column::Tickets,
                Expr::value(tickets_json),
            )
            .col_expr(flight_supplier_order::Column::PaidAt, Expr::value(now))
            .col_expr(flight_supplier_order::Column::UpdatedAt, Expr::value(now))
            .filter(flight_supplier_order::Column::Id.eq(id))
            .filter(flight_supplier_order::Column::Status.eq(FlightOrderStatus::Held.as_str()))
            .filter(flight_supplier_order::Column::PaymentRequiredBy.gt(now))
            .exec_with_returning(self.db())
            .await?;
        if let Some(row) = updated.into_iter().next() {
            return Ok(PayHeldOrder::Paid(row));
        }
        let Some(row) = self.flight_order(id).await? else {
            return Ok(PayHeldOrder::NotFound);
        };
        Ok(if row.order_status()? == FlightOrderStatus::Confirmed {
            PayHeldOrder::AlreadyPaid(row)
        } else {
            PayHeldOrder::NotPayable(row)
        })
    }

    /// Expires holds whose payment deadline has passed and gives their seats back. Returns the
    /// orders expired by this call (each exactly once, even with several processes).
    pub async fn expire_flight_holds(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<FlightOrderRow>, StoreError> {
        let due: Vec<FlightOrderRow> = flight_supplier_order::Entity::find()
            .filter(flight_supplier_order::Column::Status.eq(FlightOrderStatus::Held.as_str()))
            .filter(flight_supplier_order::Column::PaymentRequiredBy.lte(now))
            .limit(500)
            .all(self.db())
            .await?;
        let mut expired = Vec::new();
        for order in due {
            let txn = self.db().begin().await?;
            let done = set_status_if(
                &txn,
                &order.id,
                &[FlightOrderStatus::Held],
                FlightOrderStatus::Expired,
                now,
            )
            .await?;
            if done {
                release_seats(&txn, &order.seat_takes()?, now).await?;
            }
            txn.commit().await?;
            if done {
                expired.push(order);
            }
        }
        Ok(expired)
    }

    pub async fn insert_flight_cancellation(
        &self,
        quote: CancellationRow,
    ) -> Result<(), StoreError> {
        let row: flight_order_cancellation::ActiveModel = quote.into();
        flight_order_cancellation::Entity::insert(row)
            .exec_without_returning(self.db())
            .await?;
        Ok(())
    }

    pub async fn flight_cancellation(
        &self,
        id: &str,
    ) -> Result<Option<CancellationRow>, StoreError> {
        Ok(flight_order_cancellation::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?)
    }

    /// Confirms a cancellation quote before it expires: the order is cancelled and its seats
    /// are given back, once. Returns the seats released (empty when nothing changed).
    pub async fn confirm_flight_cancellation(
        &self,
        quote_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(ConfirmCancellation, Vec<SeatTake>), StoreError> {
        let Some(quote) = self.flight_cancellation(quote_id).await? else {
            return Ok((ConfirmCancellation::NotFound, Vec::new()));
        };
        if quote.confirmed_at.is_some() {
            return Ok((ConfirmCancellation::AlreadyConfirmed(quote), Vec::new()));
        }
        if quote.expires_at <= now {
            return Ok((ConfirmCancellation::Expired(quote), Vec::new()));
        }
        let txn = self.db().begin().await?;
        let confirmed = flight_order_cancellation::Entity::update_many()
            .col_expr(
                flight_order_cancellation::Column::ConfirmedAt,
                Expr::value(now),
            )
            .filter(flight_order_cancellation::Column::Id.eq(quote_id))
            .filter(flight_order_cancellation::Column::ConfirmedAt.is_null())
            .exec(&txn)
            .await?;
        if confirmed.rows_affected != 1 {
            txn.rollback().await?;
            let again = self
                .flight_cancellation(quote_id)
                .await?
                .ok_or_else(|| StoreError::Corrupt(format!("cancellation {quote_id} vanished")))?;
            return Ok((ConfirmCancellation::AlreadyConfirmed(again), Vec::new()));
        }
        let cancelled = set_status_if(
            &txn,
            &quote.order_id,
            &[FlightOrderStatus::Held, FlightOrderStatus::Confirmed],
            FlightOrderStatus::Cancelled,
            now,
        )
        .await?;
        if !cancelled {
            txn.rollback().await?;
            return Ok((ConfirmCancellation::OrderNotCancellable(quote), Vec::new()));
        }
        let order = flight_supplier_order::Entity::find_by_id(quote.order_id.clone())
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("order {} vanished", quote.order_id)))?;
        let takes = order.seat_takes()?;
        release_seats(&txn, &takes, now).await?;
        txn.commit().await?;
        let quote = self
            .flight_cancellation(quote_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("cancellation {quote_id} vanished")))?;
        Ok((ConfirmCancellation::Confirmed(quote), takes))
    }

    /// Records a schedule change once per order and changed itinerary; `false` when it was
    /// recorded before.
    pub async fn record_flight_schedule_change(
        &self,
        order_id: &str,
        change_key: &str,
        new_offer: Option<String>,
        cancelled_flights: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let row = flight_schedule_change::ActiveModel {
            id: sea_orm::ActiveValue::NotSet,
            order_id: Set(order_id.to_owned()),
            change_key: Set(change_key.to_owned()),
            new_offer: Set(new_offer),
            cancelled_flights: Set(cancelled_flights),
            detected_at: Set(now),
        };
        let inserted = flight_schedule_change::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    flight_schedule_change::Column::OrderId,
                    flight_schedule_change::Column::ChangeKey,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(self.db())
            .await?;
        Ok(inserted == 1)
    }

    /// Records a schedule change once per order and key, answering the row written; `None`
    /// when the same change was recorded before.
    pub async fn insert_flight_schedule_change(
        &self,
        order_id: &str,
        change_key: &str,
        new_offer: Option<String>,
        cancelled_flights: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Option<ScheduleChangeRow>, StoreError> {
        let row = flight_schedule_change::ActiveModel {
            id: sea_orm::ActiveValue::NotSet,
            order_id: Set(order_id.to_owned()),
            change_key: Set(change_key.to_owned()),
            new_offer: Set(new_offer),
            cancelled_flights: Set(cancelled_flights),
            detected_at: Set(crate::stored_time(now)),
        };
        let inserted = flight_schedule_change::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    flight_schedule_change::Column::OrderId,
                    flight_schedule_change::Column::ChangeKey,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(self.db())
            .await?;
        if inserted != 1 {
            return Ok(None);
        }
        // The key is unique per order: this is the row just written.
        Ok(flight_schedule_change::Entity::find()
            .filter(flight_schedule_change::Column::OrderId.eq(order_id))
            .filter(flight_schedule_change::Column::ChangeKey.eq(change_key))
            .one(self.db())
            .await?)
    }

    /// The newest schedule change recorded for an order: its itinerary as the airline flies it
    /// now.
    pub async fn latest_flight_schedule_change(
        &self,
        order_id: &str,
    ) -> Result<Option<ScheduleChangeRow>, StoreError> {
        Ok(flight_schedule_change::Entity::find()
            .filter(flight_schedule_change::Column::OrderId.eq(order_id))
            .order_by_desc(flight_schedule_change::Column::Id)
            .one(self.db())
            .await?)
    }

    /// Schedule changes with an id above `after`, oldest first.
    pub async fn flight_schedule_changes(
        &self,
        after: i64,
        limit: u64,
    ) -> Result<Vec<ScheduleChangeRow>, StoreError> {
        Ok(flight_schedule_change::Entity::find()
            .filter(flight_schedule_change::Column::Id.gt(after))
            .order_by_asc(flight_schedule_change::Column::Id)
            .limit(limit)
            .all(self.db())
            .await?)
    }

    /// Seats sold on one flight and cabin, straight from the table (for checks and tests).
    pub async fn seats_sold(
        &self,
        carrier: AirlineCode,
        flight_number: u16,
        date: NaiveDate,
        cabin: Cabin,
    ) -> Result<i32, StoreError> {
        Ok(flight_seat_sale::Entity::find()
            .filter(seat_row(carrier, flight_number, date, cabin))
            .one(self.db())
            .await?
            .map_or(0, |r| r.sold))
    }
}

fn replay(existing: FlightOrderRow, request_hash: &str) -> CreateFlightOrder {
    if existing.request_hash == request_hash {
        CreateFlightOrder::Replayed(existing)
    } else {
        CreateFlightOrder::KeyReused
    }
}

/// Moves the order to `to` if it is in one of `from`; `false` when it was not.
async fn set_status_if<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    from: &[FlightOrderStatus],
    to: FlightOrderStatus,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut update = flight_supplier_order::Entity::update_many()
        .col_expr(
            flight_supplier_order::Column::Status,
            Expr::value(to.as_str()),
        )
        .col_expr(flight_supplier_order::Column::UpdatedAt, Expr::value(now))
        .filter(flight_supplier_order::Column::Id.eq(id))
        .filter(flight_supplier_order::Column::Status.is_in(from.iter().map(|s| s.as_str())));
    if to == FlightOrderStatus::Cancelled {
        update = update.col_expr(flight_supplier_order::Column::CancelledAt, Expr::value(now));
    }
    Ok(update.exec(conn).await?.rows_affected == 1)
}
