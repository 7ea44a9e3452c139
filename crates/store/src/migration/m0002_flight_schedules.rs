//! Flight schedules of the built-in supplier (SSIM-style patterns) and seats sold per dated
//! flight and cabin.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FlightSchedules {
    Table,
    Id,
    Carrier,
    FlightNumber,
    OperatingCarrier,
    Origin,
    Destination,
    DepartureMinute,
    BlockMinutes,
    DaysMask,
    ValidFrom,
    ValidTo,
    Aircraft,
    SeatsFirst,
    SeatsBusiness,
    SeatsPremium,
    SeatsEconomy,
}

#[derive(DeriveIden)]
enum FlightSeatSales {
    Table,
    Carrier,
    FlightNumber,
    DepartureDate,
    Cabin,
    Sold,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(FlightSchedules::Table)
                .if_not_exists()
                .col(big_pk_auto(FlightSchedules::Id))
                .col(string_len(FlightSchedules::Carrier, 2))
                .col(integer(FlightSchedules::FlightNumber))
                .col(string_len_null(FlightSchedules::OperatingCarrier, 2))
                .col(string_len(FlightSchedules::Origin, 3))
                .col(string_len(FlightSchedules::Destination, 3))
                .col(integer(FlightSchedules::DepartureMinute))
                .col(integer(FlightSchedules::BlockMinutes))
                .col(small_integer(FlightSchedules::DaysMask))
                .col(date(FlightSchedules::ValidFrom))
                .col(date(FlightSchedules::ValidTo))
                .col(string_len(FlightSchedules::Aircraft, 8))
                .col(integer(FlightSchedules::SeatsFirst))
                .col(integer(FlightSchedules::SeatsBusiness))
                .col(integer(FlightSchedules::SeatsPremium))
                .col(integer(FlightSchedules::SeatsEconomy))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_flight_schedules_flight")
                .table(FlightSchedules::Table)
                .col(FlightSchedules::Carrier)
                .col(FlightSchedules::FlightNumber)
                .col(FlightSchedules::ValidFrom)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_flight_schedules_route")
                .table(FlightSchedules::Table)
                .col(FlightSchedules::Origin)
                .col(FlightSchedules::Destination)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(FlightSeatSales::Table)
                .if_not_exists()
                .col(string_len(FlightSeatSales::Carrier, 2))
                .col(integer(FlightSeatSales::FlightNumber))
                .col(date(FlightSeatSales::DepartureDate))
                .col(string_len(FlightSeatSales::Cabin, 16))
                .col(integer(FlightSeatSales::Sold))
                .col(timestamp_with_time_zone(FlightSeatSales::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(FlightSeatSales::Carrier)
                        .col(FlightSeatSales::FlightNumber)
                        .col(FlightSeatSales::DepartureDate)
                        .col(FlightSeatSales::Cabin),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(FlightSeatSales::Table)
                .if_exists()
                .to_owned(),
        )
        .await?;
        m.drop_table(
            Table::drop()
                .table(FlightSchedules::Table)
                .if_exists()
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
