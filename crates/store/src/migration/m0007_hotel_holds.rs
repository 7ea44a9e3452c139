//! Holds at the built-in hotels: a booking may be `held` until `hold_expires_at`, then
//! `confirmed`, or `expired` with its rooms given back. Bookings made before this have no hold
//! time. The index serves the expiry sweep (held bookings by deadline).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The table m0005 made.
#[derive(DeriveIden)]
enum HotelSupplierBookings {
    Table,
    Status,
    HoldExpiresAt,
}

const HOLD_INDEX: &str = "idx_hotel_supplier_bookings_hold";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(HotelSupplierBookings::Table)
                .add_column(timestamp_with_time_zone_null(
                    HotelSupplierBookings::HoldExpiresAt,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(HOLD_INDEX)
                .table(HotelSupplierBookings::Table)
                .col(HotelSupplierBookings::Status)
                .col(HotelSupplierBookings::HoldExpiresAt)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(HOLD_INDEX)
                .table(HotelSupplierBookings::Table)
                .if_exists()
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(HotelSupplierBookings::Table)
                .drop_column(HotelSupplierBookings::HoldExpiresAt)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
