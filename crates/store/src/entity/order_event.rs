use sea_orm::entity::prelude::*;

/// One line of an order's timeline: an event, the status it led to, who and why.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: String,
    pub event: String,
    pub from_status: Option<String>,
    pub to_status: String,
    /// `user:<id>`, `agent:<id>`, `guest`, `system`.
    pub actor: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
