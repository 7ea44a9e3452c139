use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "airlines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub iata: String,
    pub icao: Option<String>,
    pub name: String,
    pub callsign: Option<String>,
    pub country: Option<String>,
    pub alliance: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
