//! Schedule changes name the flights they cancel, and supplier orders are found by index.
//!
//! - `flight_schedule_changes.cancelled_flights`: for a change with no new itinerary, the
//!   flights the airline cancelled (JSON `[{"flight": "MU5101", "date": "2026-12-01"}]`), so a
//!   round trip whose return is cancelled is reported as the return, not its first flight
//!   still to leave. Null when the supplier does not say (rows written before this).
//! - `order_items(supplier, supplier_ref)`: a supplier's change or webhook names its own order;
//!   the item that booked it is looked up by these two, on every change of every order.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FlightScheduleChanges {
    Table,
    CancelledFlights,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    Supplier,
    SupplierRef,
}

const SUPPLIER_REF_INDEX: &str = "idx_order_items_supplier_ref";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(FlightScheduleChanges::Table)
                .add_column(
                    ColumnDef::new(FlightScheduleChanges::CancelledFlights)
                        .text()
                        .null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(SUPPLIER_REF_INDEX)
                .table(OrderItems::Table)
                .col(OrderItems::Supplier)
                .col(OrderItems::SupplierRef)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(SUPPLIER_REF_INDEX)
                .table(OrderItems::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(FlightScheduleChanges::Table)
                .drop_column(FlightScheduleChanges::CancelledFlights)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
