use sea_orm::entity::prelude::*;

/// A message sent (or tried) by e-mail or SMS: the send log.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: Option<String>,
    /// "email" | "sms".
    pub channel: String,
    pub destination: String,
    /// e.g. "verify_code", "password_reset".
    pub event: String,
    pub locale: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub subject: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// "queued" | "sent" | "delivered" | "failed" | "bounced".
    pub status: String,
    pub created_at: DateTimeUtc,
    /// Who took it: "local", "smtp", "sendgrid", "twilio" … ("" before the send log).
    pub provider: String,
    /// The provider's id of the message: how a delivery callback finds the row.
    pub provider_message_id: Option<String>,
    /// The template version it was rendered from (0: the shipped default).
    pub template_version: Option<i32>,
    pub attempts: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub updated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
