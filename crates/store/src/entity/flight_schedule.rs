use sea_orm::entity::prelude::*;

/// One published flight of the built-in supplier: departs `departure_minute` minutes after local
/// midnight at `origin` on the days in `days_mask` (bit 0 = Monday) between the two dates.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "flight_schedules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub carrier: String,
    pub flight_number: i32,
    pub operating_carrier: Option<String>,
    pub origin: String,
    pub destination: String,
    pub departure_minute: i32,
    pub block_minutes: i32,
    pub days_mask: i16,
    pub valid_from: Date,
    pub valid_to: Date,
    pub aircraft: String,
    pub seats_first: i32,
    pub seats_business: i32,
    pub seats_premium: i32,
    pub seats_economy: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
