use sea_orm::entity::prelude::*;

/// An order held or ticketed by the built-in flight supplier. Never deleted; cancellation and
/// expiry are states.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "flight_supplier_orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(unique)]
    pub booking_reference: String,
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub offer_id: String,
    /// The offer as booked (JSON): prices and conditions frozen at booking.
    #[sea_orm(column_type = "Text")]
    pub offer: String,
    #[sea_orm(column_type = "Text")]
    pub passengers: String,
    /// The seats taken (JSON), released on cancellation or expiry.
    #[sea_orm(column_type = "Text")]
    pub seats: String,
    #[sea_orm(column_type = "Text")]
    pub tickets: String,
    pub total_minor: i64,
    pub currency: String,
    #[sea_orm(unique)]
    pub idempotency_key: String,
    pub request_hash: String,
    pub payment_required_by: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub paid_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
