use sea_orm::entity::prelude::*;

/// A message sent (or tried) by e-mail or SMS.
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
    /// "sent" | "failed".
    pub status: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
