use sea_orm::entity::prelude::*;

/// One line of the security audit log: who did what to whom, when and from where.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub actor_user_id: Option<String>,
    /// e.g. "sign_in", "sign_in_failed", "2fa_enabled", "password_changed", "role_granted".
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
    /// JSON object.
    #[sea_orm(column_type = "Text")]
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
