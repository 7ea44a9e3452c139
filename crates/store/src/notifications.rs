//! Messages sent by e-mail and SMS, as recorded by the notification channels: a user's history
//! page, the dev mailbox, and tests reading the code that was sent.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::notification;
use crate::{Store, StoreError};

pub type NotificationRow = notification::Model;

#[derive(Debug, Clone)]
pub struct NewNotification {
    pub id: String,
    pub user_id: Option<String>,
    /// "email" | "sms".
    pub channel: String,
    pub destination: String,
    pub event: String,
    pub locale: String,
    pub subject: Option<String>,
    pub body: String,
    /// "sent" | "failed".
    pub status: String,
    pub now: DateTime<Utc>,
}

impl Store {
    pub async fn record_notification(
        &self,
        n: NewNotification,
    ) -> Result<NotificationRow, StoreError> {
        notification::Entity::insert(notification::ActiveModel {
            id: Set(n.id.clone()),
            user_id: Set(n.user_id),
            channel: Set(n.channel),
            destination: Set(n.destination),
            event: Set(n.event),
            locale: Set(n.locale),
            subject: Set(n.subject),
            body: Set(n.body),
            status: Set(n.status),
            created_at: Set(n.now),
        })
        .exec_without_returning(self.db())
        .await?;
        notification::Entity::find_by_id(n.id.clone())
            .one(self.db())
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("notification {} vanished", n.id)))
    }

    /// The user's messages, newest first.
    pub async fn notifications_of(
        &self,
        user_id: &str,
        limit: u64,
        offset: u64,
    ) -> Result<Vec<NotificationRow>, StoreError> {
        Ok(notification::Entity::find()
            .filter(notification::Column::UserId.eq(user_id))
            .order_by_desc(notification::Column::CreatedAt)
            .order_by_desc(notification::Column::Id)
            .limit(limit)
            .offset(offset)
            .all(self.db())
            .await?)
    }

    /// Messages to one address, newest first.
    pub async fn notifications_to(
        &self,
        destination: &str,
        limit: u64,
    ) -> Result<Vec<NotificationRow>, StoreError> {
        Ok(notification::Entity::find()
            .filter(notification::Column::Destination.eq(destination))
            .order_by_desc(notification::Column::CreatedAt)
            .order_by_desc(notification::Column::Id)
            .limit(limit)
            .all(self.db())
            .await?)
    }

    /// The latest messages to anyone, newest first (the demo's dev mailbox).
    pub async fn recent_notifications(
        &self,
        limit: u64,
    ) -> Result<Vec<NotificationRow>, StoreError> {
        Ok(notification::Entity::find()
            .order_by_desc(notification::Column::CreatedAt)
            .order_by_desc(notification::Column::Id)
            .limit(limit)
            .all(self.db())
            .await?)
    }
}
