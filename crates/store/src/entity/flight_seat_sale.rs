use sea_orm::entity::prelude::*;

/// Seats sold on one dated flight in one cabin (the built-in supplier's inventory).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "flight_seat_sales")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub carrier: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub flight_number: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub departure_date: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub cabin: String,
    pub sold: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
