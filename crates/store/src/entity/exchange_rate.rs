use sea_orm::entity::prelude::*;

/// 1 `base` = `rate` `quote`. The rate is an exact decimal kept as text so both backends
/// store it the same way.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exchange_rates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub quote: String,
    pub base: String,
    pub rate: String,
    pub source: String,
    pub as_of: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
