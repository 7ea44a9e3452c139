//! Orders held or ticketed by the built-in flight supplier, their cancellation quotes and the
//! schedule changes detected on them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FlightSupplierOrders {
    Table,
    Id,
    BookingReference,
    Status,
    OfferId,
    Offer,
    Passengers,
    Seats,
    Tickets,
    TotalMinor,
    Currency,
    IdempotencyKey,
    RequestHash,
    PaymentRequiredBy,
    CreatedAt,
    UpdatedAt,
    PaidAt,
    CancelledAt,
}

#[derive(DeriveIden)]
enum FlightOrderCancellations {
    Table,
    Id,
    OrderId,
    RefundMinor,
    Currency,
    Basis,
    ExpiresAt,
    ConfirmedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FlightScheduleChanges {
    Table,
    Id,
    OrderId,
    ChangeKey,
    NewOffer,
    DetectedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(FlightSupplierOrders::Table)
                .if_not_exists()
                .col(string_len(FlightSupplierOrders::Id, 40).primary_key())
                .col(string_len_uniq(FlightSupplierOrders::BookingReference, 6))
                .col(string_len(FlightSupplierOrders::Status, 16))
                .col(text(FlightSupplierOrders::OfferId))
                .col(text(FlightSupplierOrders::Offer))
                .col(text(FlightSupplierOrders::Passengers))
                .col(text(FlightSupplierOrders::Seats))
                .col(text(FlightSupplierOrders::Tickets))
                .col(big_integer(FlightSupplierOrders::TotalMinor))
                .col(string_len(FlightSupplierOrders::Currency, 3))
                .col(string_len_uniq(FlightSupplierOrders::IdempotencyKey, 200))
                .col(string_len(FlightSupplierOrders::RequestHash, 64))
                .col(timestamp_with_time_zone_null(
                    FlightSupplierOrders::PaymentRequiredBy,
                ))
                .col(timestamp_with_time_zone(FlightSupplierOrders::CreatedAt))
                .col(timestamp_with_time_zone(FlightSupplierOrders::UpdatedAt))
                .col(timestamp_with_time_zone_null(FlightSupplierOrders::PaidAt))
                .col(timestamp_with_time_zone_null(
                    FlightSupplierOrders::CancelledAt,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_flight_supplier_orders_holds")
                .table(FlightSupplierOrders::Table)
                .col(FlightSupplierOrders::Status)
                .col(FlightSupplierOrders::PaymentRequiredBy)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(FlightOrderCancellations::Table)
                .if_not_exists()
                .col(string_len(FlightOrderCancellations::Id, 40).primary_key())
                .col(string_len(FlightOrderCancellations::OrderId, 40))
                .col(big_integer(FlightOrderCancellations::RefundMinor))
                .col(string_len(FlightOrderCancellations::Currency, 3))
                .col(string_len(FlightOrderCancellations::Basis, 16))
                .col(timestamp_with_time_zone(
                    FlightOrderCancellations::ExpiresAt,
                ))
                .col(timestamp_with_time_zone_null(
                    FlightOrderCancellations::ConfirmedAt,
                ))
                .col(timestamp_with_time_zone(
                    FlightOrderCancellations::CreatedAt,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_flight_order_cancellations_order")
                .table(FlightOrderCancellations::Table)
                .col(FlightOrderCancellations::OrderId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(FlightScheduleChanges::Table)
                .if_not_exists()
                .col(big_pk_auto(FlightScheduleChanges::Id))
                .col(string_len(FlightScheduleChanges::OrderId, 40))
                .col(string_len(FlightScheduleChanges::ChangeKey, 400))
                .col(text_null(FlightScheduleChanges::NewOffer))
                .col(timestamp_with_time_zone(FlightScheduleChanges::DetectedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_flight_schedule_changes_key")
                .table(FlightScheduleChanges::Table)
                .col(FlightScheduleChanges::OrderId)
                .col(FlightScheduleChanges::ChangeKey)
                .unique()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            FlightScheduleChanges::Table.into_iden(),
            FlightOrderCancellations::Table.into_iden(),
            FlightSupplierOrders::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
