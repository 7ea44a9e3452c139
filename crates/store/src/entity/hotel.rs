use sea_orm::entity::prelude::*;

/// One property of the built-in supplier. The fields searches filter on are columns; rooms,
/// rate plans, promotions, address, times, time zone, taxes and demand are JSON in `detail`
/// (see `crate::hotels`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "hotels")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// GeoNames id of the city.
    pub city_id: i64,
    pub lat: f64,
    pub lon: f64,
    pub stars: Option<i16>,
    pub chain: Option<String>,
    pub brand: Option<String>,
    /// `Amenities` bits: "has all of" is `(amenities & bits) = bits`.
    pub amenities: i64,
    /// `Themes` bits.
    pub themes: i32,
    pub review_tenths: Option<i16>,
    pub review_count: i32,
    pub name_en: String,
    pub name_zh: String,
    #[sea_orm(column_type = "Text")]
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
