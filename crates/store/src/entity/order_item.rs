use sea_orm::entity::prelude::*;

/// One supplier booking in an order: a flight order or a hotel booking.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub order_id: String,
    pub position: i32,
    /// `flight` or `hotel`.
    pub kind: String,
    pub supplier: String,
    /// `held`, `confirmed`, `released`, `failed`.
    pub status: String,
    /// The offer or rate id booked.
    #[sea_orm(column_type = "Text")]
    pub offer_id: String,
    /// The supplier's order or booking id.
    pub supplier_ref: Option<String>,
    /// PNR or hotel confirmation number.
    pub confirmation: Option<String>,
    /// JSON array of e-ticket numbers.
    #[sea_orm(column_type = "Text")]
    pub tickets: String,
    /// JSON: the offer or rate as priced (with the exchange rate used).
    #[sea_orm(column_type = "Text")]
    pub details: String,
    /// What the supplier is paid, in its currency.
    pub supplier_total_minor: i64,
    pub supplier_currency: String,
    /// What the traveller pays for this item, in the order's currency.
    pub total_minor: i64,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub attempts: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
