//! Bookings held by the built-in hotel supplier and their cancellation quotes. Rooms taken
//! are counted in `hotel_room_sales` (m0004).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum HotelSupplierBookings {
    Table,
    Id,
    Confirmation,
    Status,
    HotelId,
    RateId,
    Guests,
    Price,
    Rooms,
    TotalMinor,
    Currency,
    IdempotencyKey,
    RequestHash,
    CreatedAt,
    UpdatedAt,
    CancelledAt,
}

#[derive(DeriveIden)]
enum HotelBookingCancellations {
    Table,
    Id,
    BookingId,
    FeeMinor,
    RefundMinor,
    Currency,
    ExpiresAt,
    ConfirmedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(HotelSupplierBookings::Table)
                .if_not_exists()
                .col(string_len(HotelSupplierBookings::Id, 40).primary_key())
                .col(string_len_uniq(HotelSupplierBookings::Confirmation, 12))
                .col(string_len(HotelSupplierBookings::Status, 16))
                .col(big_integer(HotelSupplierBookings::HotelId))
                .col(text(HotelSupplierBookings::RateId))
                .col(text(HotelSupplierBookings::Guests))
                .col(text(HotelSupplierBookings::Price))
                .col(text(HotelSupplierBookings::Rooms))
                .col(big_integer(HotelSupplierBookings::TotalMinor))
                .col(string_len(HotelSupplierBookings::Currency, 3))
                .col(string_len_uniq(HotelSupplierBookings::IdempotencyKey, 200))
                .col(string_len(HotelSupplierBookings::RequestHash, 64))
                .col(timestamp_with_time_zone(HotelSupplierBookings::CreatedAt))
                .col(timestamp_with_time_zone(HotelSupplierBookings::UpdatedAt))
                .col(timestamp_with_time_zone_null(
                    HotelSupplierBookings::CancelledAt,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(HotelBookingCancellations::Table)
                .if_not_exists()
                .col(string_len(HotelBookingCancellations::Id, 40).primary_key())
                .col(string_len(HotelBookingCancellations::BookingId, 40))
                .col(big_integer(HotelBookingCancellations::FeeMinor))
                .col(big_integer(HotelBookingCancellations::RefundMinor))
                .col(string_len(HotelBookingCancellations::Currency, 3))
                .col(timestamp_with_time_zone(
                    HotelBookingCancellations::ExpiresAt,
                ))
                .col(timestamp_with_time_zone_null(
                    HotelBookingCancellations::ConfirmedAt,
                ))
                .col(timestamp_with_time_zone(
                    HotelBookingCancellations::CreatedAt,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_hotel_booking_cancellations_booking")
                .table(HotelBookingCancellations::Table)
                .col(HotelBookingCancellations::BookingId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            HotelBookingCancellations::Table.into_iden(),
            HotelSupplierBookings::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
