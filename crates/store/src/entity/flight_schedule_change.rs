use sea_orm::entity::prelude::*;

/// A schedule change detected on a built-in flight order; the id is the feed's cursor.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "flight_schedule_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: String,
    /// The changed itinerary in a comparable form, so one change is recorded once.
    pub change_key: String,
    /// The new itinerary (JSON offer), or none when the flight was cancelled without a
    /// replacement.
    #[sea_orm(column_type = "Text", nullable)]
    pub new_offer: Option<String>,
    /// With no new itinerary: the flights cancelled, when the supplier named them (JSON
    /// `[{"flight": "MU5101", "date": "2026-12-01"}]`).
    #[sea_orm(column_type = "Text", nullable)]
    pub cancelled_flights: Option<String>,
    pub detected_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
