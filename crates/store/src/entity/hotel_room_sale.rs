use sea_orm::entity::prelude::*;

/// Rooms of one type sold for one night at a built-in hotel (only nights with sales have a
/// row; inventory left is the room type's allotment minus `sold`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hotel_room_sales")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub hotel_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub room_type: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub night: Date,
    pub sold: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
