//! Messages sent by e-mail and SMS, as recorded by the notification channels: a user's history
//! page, the dev mailbox, and tests reading the code that was sent.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

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
    /// Records a message; answers the row as written (the same as reading it back).
    pub async fn record_notification(
        &self,
        n: NewNotification,
    ) -> Result<NotificationRow, StoreError> {
        let row = NotificationRow {
            id: n.id,
            user_id: n.user_id,
            channel: n.channel,
            destination: n.destination,
            event: n.event,
            locale: n.locale,
            subject: n.subject,
            body: n.body,
            status: n.status,
            created_at: crate::stored_time(n.now),
        };
        notification::Entity::insert(notification::ActiveModel::from(row.clone()))
            .exec_without_returning(self.db())
            .await?;
        Ok(row)
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
