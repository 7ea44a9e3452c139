use sea_orm::entity::prelude::*;

/// A verified provider notification, kept by (provider, event id) so a repeat changes nothing.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_webhook_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub provider: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: String,
    pub event_type: String,
    /// Our payment (`opy_…`) it was about, when found.
    pub payment_id: Option<String>,
    /// What it came to: `processing` while being handled, then `applied`, `no_change`,
    /// `unknown_payment`, `amount_mismatch` …
    pub outcome: String,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
