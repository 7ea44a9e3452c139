use sea_orm::entity::prelude::*;

/// A code sent to an address: keyed HMAC of the code, a few tries, single use.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "one_time_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// "verify" | "login" | "reset" | "2fa".
    pub purpose: String,
    /// E-mail, E.164 phone or user id.
    pub destination: String,
    pub user_id: Option<String>,
    pub code_hash: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// Tries taken, the successful one included.
    pub attempts: i32,
    pub consumed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
