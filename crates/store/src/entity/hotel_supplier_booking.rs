use sea_orm::entity::prelude::*;

/// A booking at a built-in hotel. Never deleted; cancellation and expiry are states.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hotel_supplier_bookings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(unique)]
    pub confirmation: String,
    /// `held`, `confirmed`, `cancelled` or `expired` (see `HotelBookingState`).
    pub status: String,
    pub hotel_id: i64,
    #[sea_orm(column_type = "Text")]
    pub rate_id: String,
    #[sea_orm(column_type = "Text")]
    pub guests: String,
    /// The stay's price as booked (JSON), frozen.
    #[sea_orm(column_type = "Text")]
    pub price: String,
    /// The rooms taken per type and night (JSON), given back on cancellation.
    #[sea_orm(column_type = "Text")]
    pub rooms: String,
    pub total_minor: i64,
    pub currency: String,
    #[sea_orm(unique)]
    pub idempotency_key: String,
    pub request_hash: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub cancelled_at: Option<DateTimeUtc>,
    /// Until when a hold keeps its rooms; set for bookings made as holds (kept after they are
    /// confirmed or expire), `None` for bookings made at once.
    pub hold_expires_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
