use sea_orm::entity::prelude::*;

/// A pre-trip reminder (24 hours before departure or check-in), claimed with a lease by the
/// sender and marked sent once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_reminders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub order_id: String,
    pub item_position: i32,
    /// `departure` or `check_in`.
    pub kind: String,
    pub due_at: DateTimeUtc,
    pub claimed_until: Option<DateTimeUtc>,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
