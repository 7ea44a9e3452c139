use sea_orm::entity::prelude::*;

/// A step of a sign-in in progress (second factor, reset link, OpenID Connect round trip),
/// named by the SHA-256 of a random token; single use.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_challenges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub token_hash: String,
    pub user_id: String,
    /// "2fa" | "reset_link" | "oidc".
    pub purpose: String,
    /// State the step needs (JSON; sealed by the service if secret).
    #[sea_orm(column_type = "Text", nullable)]
    pub data: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub attempts: i32,
    pub consumed_at: Option<DateTimeUtc>,
    pub ip: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
