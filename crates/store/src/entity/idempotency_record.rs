use sea_orm::entity::prelude::*;

/// A request made with an `Idempotency-Key`: while `status_code` is empty it is in progress;
/// then it holds the response a replay answers.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// SHA-256 of the request; the same key with another request is refused.
    pub request_hash: String,
    pub status_code: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub response: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
