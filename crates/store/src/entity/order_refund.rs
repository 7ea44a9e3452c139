use sea_orm::entity::prelude::*;

/// Money given back on a payment. Never deleted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_refunds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub order_id: String,
    pub payment_id: String,
    pub provider_refund_id: Option<String>,
    /// `pending`, `succeeded`, `failed`, `manual_review`
    /// (`wayfare_domain::payment::record::RefundRecordStatus`).
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// The key the refund was asked for with (unique): a retry is the same refund.
    pub idempotency_key: Option<String>,
    /// Why the provider refused or failed it.
    pub failure_code: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
