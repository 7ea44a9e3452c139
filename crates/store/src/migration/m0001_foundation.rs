//! Reference data (airports, airlines, cities), display exchange rates and app settings.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Airports {
    Table,
    Iata,
    Icao,
    Name,
    NameZh,
    City,
    CityZh,
    CityGeonameid,
    Municipality,
    Subdivision,
    Country,
    Lat,
    Lon,
    Tz,
    ElevationFt,
}

#[derive(DeriveIden)]
enum Airlines {
    Table,
    Iata,
    Icao,
    Name,
    Callsign,
    Country,
    Alliance,
}

#[derive(DeriveIden)]
enum Cities {
    Table,
    Geonameid,
    Name,
    NameZh,
    Country,
    Admin1,
    Lat,
    Lon,
    Population,
    Tz,
}

#[derive(DeriveIden)]
enum ExchangeRates {
    Table,
    Quote,
    Base,
    Rate,
    Source,
    AsOf,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AppSettings {
    Table,
    Key,
    Value,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Airports::Table)
                .if_not_exists()
                .col(string_len(Airports::Iata, 3).primary_key())
                .col(string_len_null(Airports::Icao, 4))
                .col(string(Airports::Name))
                .col(string_null(Airports::NameZh))
                .col(string(Airports::City))
                .col(string_null(Airports::CityZh))
                .col(big_integer_null(Airports::CityGeonameid))
                .col(string_null(Airports::Municipality))
                .col(string_null(Airports::Subdivision))
                .col(string_len(Airports::Country, 2))
                .col(double(Airports::Lat))
                .col(double(Airports::Lon))
                .col(string(Airports::Tz))
                .col(integer_null(Airports::ElevationFt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_airports_country")
                .table(Airports::Table)
                .col(Airports::Country)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Airlines::Table)
                .if_not_exists()
                .col(string_len(Airlines::Iata, 2).primary_key())
                .col(string_len_null(Airlines::Icao, 3))
                .col(string(Airlines::Name))
                .col(string_null(Airlines::Callsign))
                .col(string_len_null(Airlines::Country, 64))
                .col(string_len_null(Airlines::Alliance, 16))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Cities::Table)
                .if_not_exists()
                .col(big_integer(Cities::Geonameid).primary_key())
                .col(string(Cities::Name))
                .col(string_null(Cities::NameZh))
                .col(string_len(Cities::Country, 2))
                .col(string_len_null(Cities::Admin1, 20))
                .col(double(Cities::Lat))
                .col(double(Cities::Lon))
                .col(big_integer(Cities::Population))
                .col(string(Cities::Tz))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_cities_country")
                .table(Cities::Table)
                .col(Cities::Country)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ExchangeRates::Table)
                .if_not_exists()
                .col(string_len(ExchangeRates::Quote, 3).primary_key())
                .col(string_len(ExchangeRates::Base, 3))
                .col(string_len(ExchangeRates::Rate, 40))
                .col(string(ExchangeRates::Source))
                .col(timestamp_with_time_zone(ExchangeRates::AsOf))
                .col(timestamp_with_time_zone(ExchangeRates::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AppSettings::Table)
                .if_not_exists()
                .col(string_len(AppSettings::Key, 64).primary_key())
                .col(text(AppSettings::Value))
                .col(timestamp_with_time_zone(AppSettings::UpdatedAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Airports::Table.into_iden(),
            Airlines::Table.into_iden(),
            Cities::Table.into_iden(),
            ExchangeRates::Table.into_iden(),
            AppSettings::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
