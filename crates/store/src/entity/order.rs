use sea_orm::entity::prelude::*;

/// A trip order: one or more supplier bookings bought together, in one currency.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Six characters without look-alikes; unique.
    pub reference: String,
    /// `held`, `awaiting_payment`, `paid`, `confirmed`, `expired`, `cancelled`.
    pub status: String,
    /// The traveller's account; none for a guest order.
    pub user_id: Option<String>,
    /// The agent who placed the order for the traveller.
    pub agent_id: Option<String>,
    pub contact_email: String,
    pub contact_phone: String,
    pub currency: String,
    pub total_minor: i64,
    /// JSON of the price breakdown.
    #[sea_orm(column_type = "Text")]
    pub price: String,
    pub hold_expires_at: DateTimeUtc,
    /// SHA-256 of the guest token that opens this order alone.
    pub guest_token_hash: Option<String>,
    /// The language messages about the order are sent in.
    pub locale: String,
    /// The first departure or check-in, and the last arrival or check-out.
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
