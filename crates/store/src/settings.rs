//! Installation-wide values the system writes for itself (generated secrets, demo-load marker).

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, EntityTrait};

use crate::entity::app_setting;
use crate::{Store, StoreError};

pub const SECRET_KEY: &str = "secret_key";
pub const DEMO_SEEDED_AT: &str = "demo_seeded_at";

/// Where following a flight supplier's schedule-change feed got to: the cursor to read on from.
pub fn schedule_change_cursor(supplier: &str) -> String {
    format!("schedule_change_cursor:{supplier}")
}

impl Store {
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(app_setting::Entity::find_by_id(key.to_owned())
            .one(self.db())
            .await?
            .map(|m| m.value))
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        app_setting::Entity::insert(app_setting::ActiveModel {
            key: Set(key.to_owned()),
            value: Set(value.to_owned()),
            updated_at: Set(Utc::now()),
        })
        .on_conflict(
            OnConflict::column(app_setting::Column::Key)
                .update_columns([app_setting::Column::Value, app_setting::Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(self.db())
        .await?;
        Ok(())
    }

    /// Returns the stored value, first storing `init()` if there is none. Concurrent callers
    /// all get the one value that won.
    pub async fn setting_or_init(
        &self,
        key: &str,
        init: impl FnOnce() -> String,
    ) -> Result<String, StoreError> {
        if let Some(v) = self.setting(key).await? {
            return Ok(v);
        }
        app_setting::Entity::insert(app_setting::ActiveModel {
            key: Set(key.to_owned()),
            value: Set(init()),
            updated_at: Set(Utc::now()),
        })
        .on_conflict_do_nothing_on([app_setting::Column::Key])
        .exec_without_returning(self.db())
        .await?;
        self.setting(key)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("setting {key} vanished")))
    }
}
