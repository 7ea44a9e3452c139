use sea_orm::entity::prelude::*;

/// A person a user books for, with their travel document (the number sealed).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "travellers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: String,
    /// As on the passport.
    pub given_name: String,
    pub family_name: String,
    pub name_zh: Option<String>,
    pub date_of_birth: Option<Date>,
    pub gender: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub nationality: Option<String>,
    pub document_type: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub document_number_sealed: Option<String>,
    pub document_country: Option<String>,
    pub document_expiry: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
