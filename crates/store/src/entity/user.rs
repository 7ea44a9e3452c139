use sea_orm::entity::prelude::*;

/// An account. Anonymised accounts keep their row with the personal columns cleared and
/// `deleted_at` set, so orders and payments still point somewhere.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Lowercase; unique when present.
    pub email: Option<String>,
    pub email_verified_at: Option<DateTimeUtc>,
    /// E.164; unique when present.
    pub phone: Option<String>,
    pub phone_verified_at: Option<DateTimeUtc>,
    /// PHC string (argon2id); none for accounts that sign in only by code or OpenID Connect.
    #[sea_orm(column_type = "Text", nullable)]
    pub password_hash: Option<String>,
    pub name_zh: Option<String>,
    /// As on the passport.
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub locale: String,
    pub currency: String,
    /// JSON object: search defaults (seat, meal, cabin, airlines, hotel stars …).
    #[sea_orm(column_type = "Text")]
    pub preferences: String,
    /// JSON object: channels per event type.
    #[sea_orm(column_type = "Text")]
    pub notification_prefs: String,
    /// "none" | "totp" | "sms" | "email".
    pub second_factor: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub totp_secret_sealed: Option<String>,
    /// The last TOTP time step accepted; a step at or below it is a replay.
    pub totp_last_step: Option<i64>,
    pub password_changed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
