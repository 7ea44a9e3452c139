use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "airports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub iata: String,
    pub icao: Option<String>,
    pub name: String,
    pub name_zh: Option<String>,
    pub city: String,
    pub city_zh: Option<String>,
    pub city_geonameid: Option<i64>,
    /// Where the airport physically is, when that differs from the city it serves.
    pub municipality: Option<String>,
    pub subdivision: Option<String>,
    pub country: String,
    pub lat: f64,
    pub lon: f64,
    pub tz: String,
    pub elevation_ft: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
