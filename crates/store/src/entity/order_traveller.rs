use sea_orm::entity::prelude::*;

/// A passenger (flights) or a room's lead guest (hotels). Document numbers are sealed by the
/// booking service; only the last four characters are readable here.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_travellers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub order_id: String,
    pub position: i32,
    /// `passenger` or `guest`.
    pub role: String,
    /// `adult`, `child`, `infant`.
    pub kind: String,
    /// For guests: the hotel item and the room (0-based) they lead.
    pub item_position: Option<i32>,
    pub room: Option<i32>,
    pub given_name: String,
    pub family_name: String,
    pub born_on: Option<Date>,
    pub gender: Option<String>,
    pub nationality: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub document_sealed: Option<String>,
    pub document_last4: Option<String>,
    pub document_expires_on: Option<Date>,
    #[sea_orm(column_type = "Text", nullable)]
    pub special_requests: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
