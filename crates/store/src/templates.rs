//! Message templates admins wrote: every save is a new version of (event, channel, locale);
//! the newest is in use. The defaults shipped with the platform are not stored (version 0).

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::message_template;
use crate::{Store, StoreError};

pub type TemplateRow = message_template::Model;

#[derive(Debug, Clone)]
pub struct NewTemplate {
    pub event: String,
    pub channel: String,
    pub locale: String,
    pub subject: Option<String>,
    pub body: String,
    pub created_by: Option<String>,
    pub now: DateTime<Utc>,
}

impl Store {
    /// The version in use, if an admin saved one.
    pub async fn current_template(
        &self,
        event: &str,
        channel: &str,
        locale: &str,
    ) -> Result<Option<TemplateRow>, StoreError> {
        Ok(message_template::Entity::find()
            .filter(message_template::Column::Event.eq(event))
            .filter(message_template::Column::Channel.eq(channel))
            .filter(message_template::Column::Locale.eq(locale))
            .order_by_desc(message_template::Column::Version)
            .one(self.db())
            .await?)
    }

    /// Every saved version, newest first.
    pub async fn template_versions(
        &self,
        event: &str,
        channel: &str,
        locale: &str,
        limit: u64,
    ) -> Result<Vec<TemplateRow>, StoreError> {
        Ok(message_template::Entity::find()
            .filter(message_template::Column::Event.eq(event))
            .filter(message_template::Column::Channel.eq(channel))
            .filter(message_template::Column::Locale.eq(locale))
            .order_by_desc(message_template::Column::Version)
            .limit(limit)
            .all(self.db())
            .await?)
    }

    /// The newest version of every template an admin saved.
    pub async fn current_templates(&self) -> Result<Vec<TemplateRow>, StoreError> {
        let all = message_template::Entity::find()
            .order_by_asc(message_template::Column::Event)
            .order_by_asc(message_template::Column::Channel)
            .order_by_asc(message_template::Column::Locale)
            .order_by_desc(message_template::Column::Version)
            .all(self.db())
            .await?;
        let mut out: Vec<TemplateRow> = Vec::new();
        for row in all {
            let same = out.last().is_some_and(|l| {
                l.event == row.event && l.channel == row.channel && l.locale == row.locale
            });
            if !same {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// Saves a new version (one more than the newest). Two saves at once: the unique index
    /// on the version refuses the second, which is answered as `Conflict("template_version")`.
    pub async fn save_template(&self, t: NewTemplate) -> Result<TemplateRow, StoreError> {
        let txn = crate::accounts::begin_write(self.db()).await?;
        let newest = message_template::Entity::find()
            .filter(message_template::Column::Event.eq(&t.event))
            .filter(message_template::Column::Channel.eq(&t.channel))
            .filter(message_template::Column::Locale.eq(&t.locale))
            .order_by_desc(message_template::Column::Version)
            .one(&txn)
            .await?;
        let row = TemplateRow {
            id: uuid::Uuid::now_v7().to_string(),
            event: t.event,
            channel: t.channel,
            locale: t.locale,
            version: newest.map_or(1, |r| r.version + 1),
            subject: t.subject,
            body: t.body,
            created_by: t.created_by,
            created_at: crate::stored_time(t.now),
        };
        let inserted =
            message_template::Entity::insert(message_template::ActiveModel::from(row.clone()))
                .exec_without_returning(&txn)
                .await;
        match inserted {
            Ok(_) => {}
            Err(e) if crate::accounts::is_unique_violation(&e) => {
                return Err(StoreError::Conflict("template_version"));
            }
            Err(e) => return Err(e.into()),
        }
        txn.commit().await?;
        Ok(row)
    }
}
