//! The built-in supplier's schedules and seat sales.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime, Timelike};
use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait, QueryOrder, TransactionTrait};
use wayfare_domain::flight::codes::{AirlineCode, AirportCode};
use wayfare_domain::flight::fare::Cabin;
use wayfare_domain::flight::schedule::{CabinSeats, DaysOfWeek, SchedulePattern};

use crate::entity::{flight_schedule, flight_seat_sale};
use crate::{Store, StoreError};

const BATCH: usize = 1000;

/// Seats sold per dated flight and cabin: (carrier, number, local departure date) → per cabin.
pub type SeatSales = HashMap<(AirlineCode, u16, NaiveDate), [u16; 4]>;

fn to_row(p: &SchedulePattern) -> flight_schedule::ActiveModel {
    flight_schedule::ActiveModel {
        id: sea_orm::ActiveValue::NotSet,
        carrier: Set(p.carrier.to_string()),
        flight_number: Set(i32::from(p.flight_number)),
        operating_carrier: Set(p.operating_carrier.map(|c| c.to_string())),
        origin: Set(p.origin.to_string()),
        destination: Set(p.destination.to_string()),
        departure_minute: Set((p.departure_local.hour() * 60 + p.departure_local.minute()) as i32),
        block_minutes: Set(i32::from(p.block_minutes)),
        days_mask: Set(i16::from(p.days.0)),
        valid_from: Set(p.valid_from),
        valid_to: Set(p.valid_to),
        aircraft: Set(p.aircraft.clone()),
        seats_first: Set(i32::from(p.seats.first)),
        seats_business: Set(i32::from(p.seats.business)),
        seats_premium: Set(i32::from(p.seats.premium_economy)),
        seats_economy: Set(i32::from(p.seats.economy)),
    }
}

fn from_row(r: flight_schedule::Model) -> Result<SchedulePattern, StoreError> {
    let bad = |what: &str| StoreError::Corrupt(format!("flight schedule {}: {what}", r.id));
    let u16_of = |v: i32, what: &str| u16::try_from(v).map_err(|_| bad(what));
    Ok(SchedulePattern {
        carrier: AirlineCode::parse(&r.carrier).map_err(|_| bad("carrier"))?,
        flight_number: u16_of(r.flight_number, "flight number")?,
        operating_carrier: r
            .operating_carrier
            .as_deref()
            .map(AirlineCode::parse)
            .transpose()
            .map_err(|_| bad("operating carrier"))?,
        origin: AirportCode::parse(&r.origin).map_err(|_| bad("origin"))?,
        destination: AirportCode::parse(&r.destination).map_err(|_| bad("destination"))?,
        departure_local: NaiveTime::from_hms_opt(
            (r.departure_minute / 60) as u32,
            (r.departure_minute % 60) as u32,
            0,
        )
        .ok_or_else(|| bad("departure time"))?,
        block_minutes: u16_of(r.block_minutes, "block time")?,
        days: DaysOfWeek(u8::try_from(r.days_mask).map_err(|_| bad("days"))?),
        valid_from: r.valid_from,
        valid_to: r.valid_to,
        aircraft: r.aircraft,
        seats: CabinSeats {
            economy: u16_of(r.seats_economy, "seats")?,
            premium_economy: u16_of(r.seats_premium, "seats")?,
            business: u16_of(r.seats_business, "seats")?,
            first: u16_of(r.seats_first, "seats")?,
        },
    })
}

impl Store {
    /// Replaces every schedule with `patterns`, in one transaction.
    pub async fn replace_schedules(&self, patterns: &[SchedulePattern]) -> Result<u64, StoreError> {
        let txn = self.db().begin().await?;
        flight_schedule::Entity::delete_many().exec(&txn).await?;
        for chunk in patterns.chunks(BATCH) {
            flight_schedule::Entity::insert_many(chunk.iter().map(to_row))
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        self.schedule_count().await
    }

    pub async fn schedule_count(&self) -> Result<u64, StoreError> {
        Ok(flight_schedule::Entity::find().count(self.db()).await?)
    }

    pub async fn schedules(&self) -> Result<Vec<SchedulePattern>, StoreError> {
        flight_schedule::Entity::find()
            .order_by_asc(flight_schedule::Column::Id)
            .all(self.db())
            .await?
            .into_iter()
            .map(from_row)
            .collect()
    }

    pub async fn seat_sales(&self) -> Result<SeatSales, StoreError> {
        let mut out = SeatSales::new();
        for r in flight_seat_sale::Entity::find().all(self.db()).await? {
            let (Ok(carrier), Ok(number), Some(cabin)) = (
                AirlineCode::parse(&r.carrier),
                u16::try_from(r.flight_number),
                Cabin::parse(&r.cabin),
            ) else {
                return Err(StoreError::Corrupt(format!(
                    "seat sale {} {}",
                    r.carrier, r.flight_number
                )));
            };
            out.entry((carrier, number, r.departure_date)).or_default()[cabin.index()] =
                u16::try_from(r.sold.max(0)).unwrap_or(u16::MAX);
        }
        Ok(out)
    }
}
