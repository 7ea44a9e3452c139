use sea_orm::entity::prelude::*;

/// A payment attempt on an order, as the provider reported it. Never deleted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub order_id: String,
    pub provider: String,
    pub provider_payment_id: Option<String>,
    /// `processing`, `requires_action`, `requires_capture`, `partially_captured`, `succeeded`,
    /// `failed`, `cancelled` (`wayfare_domain::payment::record::PaymentRecordStatus`).
    pub status: String,
    pub payment_method: String,
    pub amount_minor: i64,
    pub captured_minor: i64,
    pub refunded_minor: i64,
    pub currency: String,
    pub failure_code: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub next_action_url: Option<String>,
    /// Unique: the order id and the client's key.
    pub idempotency_key: String,
    /// The number of instalments of a plan payment (`amount_minor` then includes `fee_minor`).
    pub instalments: Option<i32>,
    /// The instalment plan's fee, in the payment's currency.
    pub fee_minor: i64,
    /// The address the payer paid from, when known (WeChat Pay H5 requires it; an attempt
    /// asked for again sends the same).
    pub payer_ip: Option<String>,
    /// When reconciliation last asked the provider about it.
    pub checked_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
