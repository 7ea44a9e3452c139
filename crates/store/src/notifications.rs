//! The send log: every message sent (or tried) by e-mail and SMS, with the provider that took
//! it, its id there, the template version, attempts, the last error and a status that moves
//! `queued → sent → delivered | failed | bounced` (a provider's delivery callback moves it on;
//! it never moves back). Read by the user's notification history, the admin's send log, the
//! dev mailbox, and tests reading the code that was sent.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::notification;
use crate::{Store, StoreError};

pub type NotificationRow = notification::Model;

/// A message's place in its life; later states never give way to earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendStatus {
    Queued,
    Sent,
    Delivered,
    Failed,
    Bounced,
}

impl SendStatus {
    pub const ALL: [SendStatus; 5] = [
        SendStatus::Queued,
        SendStatus::Sent,
        SendStatus::Delivered,
        SendStatus::Failed,
        SendStatus::Bounced,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SendStatus::Queued => "queued",
            SendStatus::Sent => "sent",
            SendStatus::Delivered => "delivered",
            SendStatus::Failed => "failed",
            SendStatus::Bounced => "bounced",
        }
    }

    pub fn parse(s: &str) -> Option<SendStatus> {
        SendStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// How far along: a callback only moves a message to a higher rank (a late "sent" after
    /// "delivered" changes nothing; "bounced" after "delivered" does, as mail bounces later).
    fn rank(self) -> u8 {
        match self {
            SendStatus::Queued => 0,
            SendStatus::Sent => 1,
            SendStatus::Delivered | SendStatus::Failed => 2,
            SendStatus::Bounced => 3,
        }
    }
}

/// What the admin's send log filters by; `None` is any.
#[derive(Debug, Clone, Default)]
pub struct SendLogFilter {
    pub channel: Option<String>,
    pub provider: Option<String>,
    pub status: Option<SendStatus>,
    pub event: Option<String>,
    pub user_id: Option<String>,
    /// Exact recipient (an e-mail address or E.164 number).
    pub destination: Option<String>,
}

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
    /// "queued" | "sent" | "delivered" | "failed" | "bounced".
    pub status: String,
    pub provider: String,
    pub template_version: Option<i32>,
    pub now: DateTime<Utc>,
}

impl Store {
    /// Records a message; answers the row as written (the same as reading it back).
    pub async fn record_notification(
        &self,
        n: NewNotification,
    ) -> Result<NotificationRow, StoreError> {
        let row = self.record_notification_row(n);
        notification::Entity::insert(notification::ActiveModel::from(row.clone()))
            .exec_without_returning(self.db())
            .await?;
        Ok(row)
    }

    /// The message about to be sent, `queued`; when a row with its id exists already (the same
    /// message tried again after a failure), that row, unchanged.
    pub async fn queue_notification(
        &self,
        n: NewNotification,
    ) -> Result<NotificationRow, StoreError> {
        if let Some(row) = self.notification(&n.id).await? {
            return Ok(row);
        }
        let id = n.id.clone();
        let row = NotificationRow {
            status: SendStatus::Queued.as_str().to_owned(),
            ..self.record_notification_row(n)
        };
        let inserted = notification::Entity::insert(notification::ActiveModel::from(row.clone()))
            .on_conflict_do_nothing()
            .exec_without_returning(self.db())
            .await?;
        if !matches!(inserted, sea_orm::TryInsertResult::Inserted(_)) {
            // Someone else queued it between our read and write.
            return self
                .notification(&id)
                .await?
                .ok_or_else(|| StoreError::Corrupt(format!("notification {id} vanished")));
        }
        Ok(row)
    }

    fn record_notification_row(&self, n: NewNotification) -> NotificationRow {
        NotificationRow {
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
            provider: n.provider,
            provider_message_id: None,
            template_version: n.template_version,
            attempts: 0,
            last_error: None,
            updated_at: Some(crate::stored_time(n.now)),
        }
    }

    /// One attempt at sending a queued message: `Ok(provider id)` makes it `sent`, `Err(reason)`
    /// `failed` with the reason; either way one more attempt is counted. A message a callback
    /// has already moved further keeps its status.
    pub async fn notification_attempted(
        &self,
        id: &str,
        provider: &str,
        outcome: Result<&str, &str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut update = notification::Entity::update_many()
            .col_expr(
                notification::Column::Attempts,
                Expr::col(notification::Column::Attempts).add(1),
            )
            .col_expr(notification::Column::Provider, Expr::value(provider))
            .col_expr(
                notification::Column::UpdatedAt,
                Expr::value(crate::stored_time(now)),
            );
        update = match outcome {
            Ok(provider_id) => update
                .col_expr(
                    notification::Column::ProviderMessageId,
                    Expr::value(provider_id),
                )
                .col_expr(
                    notification::Column::LastError,
                    Expr::value(Option::<String>::None),
                ),
            Err(reason) => update.col_expr(notification::Column::LastError, Expr::value(reason)),
        };
        let status = if outcome.is_ok() {
            SendStatus::Sent
        } else {
            SendStatus::Failed
        };
        update
            .filter(notification::Column::Id.eq(id))
            .exec(self.db())
            .await?;
        // The status only where it is not further along already.
        notification::Entity::update_many()
            .col_expr(notification::Column::Status, Expr::value(status.as_str()))
            .filter(notification::Column::Id.eq(id))
            .filter(
                notification::Column::Status.is_in(
                    SendStatus::ALL
                        .into_iter()
                        .filter(|s| s.rank() < status.rank() || *s == SendStatus::Failed)
                        .map(SendStatus::as_str),
                ),
            )
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// A provider's delivery report: moves the message `provider` knows as `provider_id` (or,
    /// when the provider echoes ours, our id) to `status`, if that is further along. Answers
    /// the row when one matched, and whether this report moved it.
    pub async fn notification_reported(
        &self,
        provider: &str,
        provider_id: &str,
        status: SendStatus,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<(NotificationRow, bool)>, StoreError> {
        let found = notification::Entity::find()
            .filter(notification::Column::Provider.eq(provider))
            .filter(
                Condition::any()
                    .add(notification::Column::ProviderMessageId.eq(provider_id))
                    .add(notification::Column::Id.eq(provider_id)),
            )
            .one(self.db())
            .await?;
        let Some(row) = found else {
            return Ok(None);
        };
        let lower: Vec<&str> = SendStatus::ALL
            .into_iter()
            .filter(|s| s.rank() < status.rank())
            .map(SendStatus::as_str)
            .collect();
        let mut update = notification::Entity::update_many()
            .col_expr(notification::Column::Status, Expr::value(status.as_str()))
            .col_expr(
                notification::Column::UpdatedAt,
                Expr::value(crate::stored_time(now)),
            );
        if let Some(e) = error {
            update = update.col_expr(notification::Column::LastError, Expr::value(e));
        }
        let moved = update
            .filter(notification::Column::Id.eq(&row.id))
            .filter(notification::Column::Status.is_in(lower))
            .exec(self.db())
            .await?
            .rows_affected
            > 0;
        Ok(self.notification(&row.id).await?.map(|r| (r, moved)))
    }

    pub async fn notification(&self, id: &str) -> Result<Option<NotificationRow>, StoreError> {
        Ok(notification::Entity::find_by_id(id).one(self.db()).await?)
    }

    /// The send log, newest first.
    pub async fn send_log(
        &self,
        filter: &SendLogFilter,
        limit: u64,
        offset: u64,
    ) -> Result<Vec<NotificationRow>, StoreError> {
        let mut q = notification::Entity::find();
        if let Some(v) = &filter.channel {
            q = q.filter(notification::Column::Channel.eq(v));
        }
        if let Some(v) = &filter.provider {
            q = q.filter(notification::Column::Provider.eq(v));
        }
        if let Some(v) = filter.status {
            q = q.filter(notification::Column::Status.eq(v.as_str()));
        }
        if let Some(v) = &filter.event {
            q = q.filter(notification::Column::Event.eq(v));
        }
        if let Some(v) = &filter.user_id {
            q = q.filter(notification::Column::UserId.eq(v));
        }
        if let Some(v) = &filter.destination {
            q = q.filter(notification::Column::Destination.eq(v));
        }
        Ok(q.order_by_desc(notification::Column::CreatedAt)
            .order_by_desc(notification::Column::Id)
            .limit(limit)
            .offset(offset)
            .all(self.db())
            .await?)
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
