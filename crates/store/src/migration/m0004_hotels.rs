//! Hotels of the built-in supplier (one row per property: the fields searches filter on as
//! columns, rooms, rate plans and the rest as JSON in `detail`), rooms sold per night, and the
//! spatial index the SQL radius baseline uses.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Hotels {
    Table,
    Id,
    CityId,
    Lat,
    Lon,
    Stars,
    Chain,
    Brand,
    Amenities,
    Themes,
    ReviewTenths,
    ReviewCount,
    NameEn,
    NameZh,
    Detail,
}

#[derive(DeriveIden)]
enum HotelRoomSales {
    Table,
    HotelId,
    RoomType,
    Night,
    Sold,
    UpdatedAt,
}

/// SQLite's R*Tree module (compiled into the bundled SQLite) indexes boxes; a hotel is a box of
/// zero size. PostgreSQL has no built-in equivalent without an extension (PostGIS, cube), so
/// there a plain B-tree on (lat, lon) serves the bounding-box query instead.
const SQLITE_RTREE: &str = "CREATE VIRTUAL TABLE IF NOT EXISTS hotels_rtree \
     USING rtree(id, min_lat, max_lat, min_lon, max_lon)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Hotels::Table)
                .if_not_exists()
                .col(big_integer(Hotels::Id).primary_key())
                .col(big_integer(Hotels::CityId))
                .col(double(Hotels::Lat))
                .col(double(Hotels::Lon))
                .col(small_integer_null(Hotels::Stars))
                .col(string_len_null(Hotels::Chain, 31))
                .col(string_len_null(Hotels::Brand, 31))
                .col(big_integer(Hotels::Amenities))
                .col(integer(Hotels::Themes))
                .col(small_integer_null(Hotels::ReviewTenths))
                .col(integer(Hotels::ReviewCount))
                .col(text(Hotels::NameEn))
                .col(text(Hotels::NameZh))
                .col(text(Hotels::Detail))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_hotels_city")
                .table(Hotels::Table)
                .col(Hotels::CityId)
                .to_owned(),
        )
        .await?;
        // The one backend branch here: the spatial index (see SQLITE_RTREE).
        match m.get_connection().get_database_backend() {
            DbBackend::Sqlite => {
                m.get_connection().execute_unprepared(SQLITE_RTREE).await?;
            }
            _ => {
                m.create_index(
                    Index::create()
                        .name("idx_hotels_lat_lon")
                        .table(Hotels::Table)
                        .col(Hotels::Lat)
                        .col(Hotels::Lon)
                        .to_owned(),
                )
                .await?;
            }
        }
        m.create_table(
            Table::create()
                .table(HotelRoomSales::Table)
                .if_not_exists()
                .col(big_integer(HotelRoomSales::HotelId))
                .col(string_len(HotelRoomSales::RoomType, 31))
                .col(date(HotelRoomSales::Night))
                .col(integer(HotelRoomSales::Sold))
                .col(timestamp_with_time_zone(HotelRoomSales::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(HotelRoomSales::HotelId)
                        .col(HotelRoomSales::RoomType)
                        .col(HotelRoomSales::Night),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(HotelRoomSales::Table)
                .if_exists()
                .to_owned(),
        )
        .await?;
        if m.get_connection().get_database_backend() == DbBackend::Sqlite {
            m.get_connection()
                .execute_unprepared("DROP TABLE IF EXISTS hotels_rtree")
                .await?;
        }
        m.drop_table(Table::drop().table(Hotels::Table).if_exists().to_owned())
            .await?;
        Ok(())
    }
}
