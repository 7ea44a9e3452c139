//! The transactional outbox: events written in the transaction of the change that caused them
//! ([`enqueue_event`] takes that transaction), taken by workers under a lease, delivered at
//! least once, retried with backoff and set aside as `dead` after too many failures; and the
//! messages each event caused ([`Store::record_outbox_delivery`]), so a retried event does not
//! send one twice.
//!
//! A lease is a conditional update (`lease_until` free or past, status `pending`), the same on
//! SQLite and PostgreSQL: of several workers, on one database or many processes, exactly one
//! takes an event; a worker that dies leaves it to be taken again when its lease runs out.
//! The request that wrote an event may take it by id the same way
//! ([`Store::claim_outbox_event`]) to deliver it at once.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::{Store, StoreError, stored_time};

pub mod event {
    use sea_orm::entity::prelude::*;

    /// An event someone must hear about.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox_events")]
    pub struct Model {
        /// `evt_…`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// `booking_confirmed`, `payment_received`, `flight_changed` …
        pub kind: String,
        /// What it is about (an order id, a user id), for finding an order's events.
        pub subject_id: Option<String>,
        /// One event per key: recording the same change again records nothing.
        pub dedupe_key: Option<String>,
        /// JSON: what the handler needs.
        #[sea_orm(column_type = "Text")]
        pub payload: String,
        /// `pending`, `delivered` or `dead`.
        pub status: String,
        /// Leases taken so far.
        pub attempts: i32,
        /// Not taken before.
        pub available_at: DateTimeUtc,
        pub lease_owner: Option<String>,
        pub lease_until: Option<DateTimeUtc>,
        #[sea_orm(column_type = "Text", nullable)]
        pub last_error: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub delivered_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod delivery {
    use sea_orm::entity::prelude::*;

    /// A message an event caused, once sent.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox_deliveries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub event_id: String,
        /// Which message: `email:<address>`, `sms:<number>` …
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub provider_message_id: Option<String>,
        pub delivered_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub type OutboxEventRow = event::Model;

/// Where an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    /// Waiting for a worker (at `available_at`), or held by one under a lease.
    Pending,
    Delivered,
    /// Failed too often; an admin may make it pending again.
    Dead,
}

impl EventStatus {
    pub const ALL: [EventStatus; 3] = [
        EventStatus::Pending,
        EventStatus::Delivered,
        EventStatus::Dead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Pending => "pending",
            EventStatus::Delivered => "delivered",
            EventStatus::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<EventStatus> {
        EventStatus::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: String,
    pub subject_id: Option<String>,
    /// Recording an event with a key already recorded records nothing.
    pub dedupe_key: Option<String>,
    pub payload: serde_json::Value,
    /// Not delivered before (a reminder's time); `now` for at once.
    pub available_at: DateTime<Utc>,
}

/// Records `e` through `conn`: the transaction of the change that caused it, so the event
/// exists exactly when the change does. `false` when its dedupe key was recorded before.
pub async fn enqueue_event<C: ConnectionTrait>(
    conn: &C,
    e: NewEvent,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    Ok(enqueue_event_id(conn, e, now).await?.is_some())
}

/// [`enqueue_event`], answering the new event's id (for delivering it at once after the
/// commit); `None` when its dedupe key was recorded before.
pub async fn enqueue_event_id<C: ConnectionTrait>(
    conn: &C,
    e: NewEvent,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let now = stored_time(now);
    let id = format!("evt_{}", uuid::Uuid::now_v7().simple());
    let inserted = event::Entity::insert(event::ActiveModel {
        id: Set(id.clone()),
        kind: Set(e.kind),
        subject_id: Set(e.subject_id),
        dedupe_key: Set(e.dedupe_key),
        payload: Set(e.payload.to_string()),
        status: Set(EventStatus::Pending.as_str().to_owned()),
        attempts: Set(0),
        available_at: Set(stored_time(e.available_at)),
        lease_owner: Set(None),
        lease_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        delivered_at: Set(None),
    })
    .on_conflict(
        OnConflict::column(event::Column::DedupeKey)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok((inserted == 1).then_some(id))
}

/// Pending events whose lease is free or has run out at `now`.
fn lease_free(now: DateTime<Utc>) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(event::Column::Status.eq(EventStatus::Pending.as_str()))
        .add(
            sea_orm::Condition::any()
                .add(event::Column::LeaseUntil.is_null())
                .add(event::Column::LeaseUntil.lte(now)),
        )
}

/// A page of the event list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub status: Option<EventStatus>,
    pub kind: Option<String>,
    pub subject_id: Option<String>,
}

impl Store {
    /// [`enqueue_event`] on its own (for an event no other change goes with).
    pub async fn enqueue_event(&self, e: NewEvent, now: DateTime<Utc>) -> Result<bool, StoreError> {
        enqueue_event(self.db(), e, now).await
    }

    /// [`enqueue_event_id`] on its own.
    pub async fn enqueue_event_id(
        &self,
        e: NewEvent,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        enqueue_event_id(self.db(), e, now).await
    }

    /// Takes the lease, for `owner` until `lease_until`, on up to `limit` pending events due at
    /// `now` whose lease is free or run out, oldest first, counting an attempt on each. Each
    /// lease is a conditional update, so concurrent workers never take the same event.
    pub async fn claim_outbox_events(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<OutboxEventRow>, StoreError> {
        let now = stored_time(now);
        let claimable = || lease_free(now).add(event::Column::AvailableAt.lte(now));
        let candidates = event::Entity::find()
            .filter(claimable())
            .order_by_asc(event::Column::AvailableAt)
            .order_by_asc(event::Column::Id)
            .limit(limit)
            .all(self.db())
            .await?;
        let mut claimed = Vec::with_capacity(candidates.len());
        for candidate in candidates {
            // Checked again against the row as it is when the update runs: another worker may
            // have taken it since it was read.
            claimed.extend(
                self.take_lease(&candidate.id, owner, now, lease_until, claimable())
                    .await?,
            );
        }
        Ok(claimed)
    }

    /// Takes the lease on the one event `id`, for `owner` until `lease_until`, counting an
    /// attempt, if it is pending and its lease is free or run out — whether or not it is due
    /// yet: this is "deliver now" (the request that wrote the event sends it at once rather
    /// than wait for a worker's poll). The same conditional update as
    /// [`Store::claim_outbox_events`], so a worker and the request never both hold it. `None`
    /// when it is not there to take (delivered, dead, or held by someone else).
    pub async fn claim_outbox_event(
        &self,
        id: &str,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<OutboxEventRow>, StoreError> {
        let now = stored_time(now);
        Ok(self
            .take_lease(id, owner, now, lease_until, lease_free(now))
            .await?
            .into_iter()
            .next())
    }

    /// The conditional update that leases event `id` while `claimable` holds for its row.
    async fn take_lease(
        &self,
        id: &str,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        claimable: sea_orm::Condition,
    ) -> Result<Vec<OutboxEventRow>, StoreError> {
        Ok(event::Entity::update_many()
            .col_expr(event::Column::LeaseOwner, Expr::value(owner.to_owned()))
            .col_expr(
                event::Column::LeaseUntil,
                Expr::value(stored_time(lease_until)),
            )
            .col_expr(
                event::Column::Attempts,
                Expr::col(event::Column::Attempts).add(1),
            )
            .col_expr(event::Column::UpdatedAt, Expr::value(now))
            .filter(event::Column::Id.eq(id))
            .filter(claimable)
            .exec_with_returning(self.db())
            .await?)
    }

    /// Replaces the payload of event `id` (a handler removing a secret it no longer needs once
    /// its message is sent). `false` when there is no such event.
    pub async fn replace_outbox_payload(
        &self,
        id: &str,
        payload: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = event::Entity::update_many()
            .col_expr(event::Column::Payload, Expr::value(payload.to_string()))
            .col_expr(event::Column::UpdatedAt, Expr::value(stored_time(now)))
            .filter(event::Column::Id.eq(id))
            .exec(self.db())
            .await?;
        Ok(done.rows_affected == 1)
    }

    /// `owner` delivered the event it holds. `false` when it no longer held it (its lease ran
    /// out and another worker took it).
    pub async fn outbox_event_delivered(
        &self,
        id: &str,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let now = stored_time(now);
        let done = event::Entity::update_many()
            .col_expr(
                event::Column::Status,
                Expr::value(EventStatus::Delivered.as_str()),
            )
            .col_expr(event::Column::DeliveredAt, Expr::value(now))
            .col_expr(event::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                event::Column::LeaseUntil,
                Expr::value(None::<DateTime<Utc>>),
            )
            .filter(event::Column::Id.eq(id))
            .filter(event::Column::Status.eq(EventStatus::Pending.as_str()))
            .filter(event::Column::LeaseOwner.eq(owner))
            .exec(self.db())
            .await?;
        Ok(done.rows_affected == 1)
    }

    /// `owner` failed to deliver the event it holds: it is pending again from `retry_at`, or
    /// `dead` when `retry_at` is `None`; `error` is kept. `false` when it no longer held it.
    pub async fn outbox_event_failed(
        &self,
        id: &str,
        owner: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let now = stored_time(now);
        let error: String = error.chars().take(2000).collect();
        let mut update = event::Entity::update_many()
            .col_expr(event::Column::LastError, Expr::value(error))
            .col_expr(event::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                event::Column::LeaseUntil,
                Expr::value(None::<DateTime<Utc>>),
            );
        update = match retry_at {
            Some(at) => update.col_expr(event::Column::AvailableAt, Expr::value(stored_time(at))),
            None => update.col_expr(
                event::Column::Status,
                Expr::value(EventStatus::Dead.as_str()),
            ),
        };
        let done = update
            .filter(event::Column::Id.eq(id))
            .filter(event::Column::Status.eq(EventStatus::Pending.as_str()))
            .filter(event::Column::LeaseOwner.eq(owner))
            .exec(self.db())
            .await?;
        Ok(done.rows_affected == 1)
    }

    /// Makes a dead event pending again at `now`, its attempts counted from zero (an admin's
    /// retry once the cause is fixed). `false` when it is not dead.
    pub async fn retry_outbox_event(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let now = stored_time(now);
        let done = event::Entity::update_many()
            .col_expr(
                event::Column::Status,
                Expr::value(EventStatus::Pending.as_str()),
            )
            .col_expr(event::Column::Attempts, Expr::value(0))
            .col_expr(event::Column::AvailableAt, Expr::value(now))
            .col_expr(event::Column::UpdatedAt, Expr::value(now))
            .col_expr(event::Column::LeaseOwner, Expr::value(None::<String>))
            .filter(event::Column::Id.eq(id))
            .filter(event::Column::Status.eq(EventStatus::Dead.as_str()))
            .exec(self.db())
            .await?;
        Ok(done.rows_affected == 1)
    }

    pub async fn outbox_event(&self, id: &str) -> Result<Option<OutboxEventRow>, StoreError> {
        Ok(event::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?)
    }

    /// Events matching `filter`, newest first, and how many match in all.
    pub async fn outbox_events(
        &self,
        filter: &EventFilter,
        limit: u64,
        offset: u64,
    ) -> Result<(Vec<OutboxEventRow>, u64), StoreError> {
        let mut q = event::Entity::find();
        if let Some(s) = filter.status {
            q = q.filter(event::Column::Status.eq(s.as_str()));
        }
        if let Some(k) = &filter.kind {
            q = q.filter(event::Column::Kind.eq(k.clone()));
        }
        if let Some(s) = &filter.subject_id {
            q = q.filter(event::Column::SubjectId.eq(s.clone()));
        }
        let total = q.clone().count(self.db()).await?;
        let rows = q
            .order_by_desc(event::Column::CreatedAt)
            .order_by_desc(event::Column::Id)
            .limit(limit)
            .offset(offset)
            .all(self.db())
            .await?;
        Ok((rows, total))
    }

    /// Whether the message `key` of event `event_id` was sent.
    pub async fn outbox_delivery_done(
        &self,
        event_id: &str,
        key: &str,
    ) -> Result<bool, StoreError> {
        Ok(
            delivery::Entity::find_by_id((event_id.to_owned(), key.to_owned()))
                .one(self.db())
                .await?
                .is_some(),
        )
    }

    /// Records that the message `key` of event `event_id` was sent. `false` when it was
    /// recorded before.
    pub async fn record_outbox_delivery(
        &self,
        event_id: &str,
        key: &str,
        provider_message_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let inserted = delivery::Entity::insert(delivery::ActiveModel {
            event_id: Set(event_id.to_owned()),
            key: Set(key.chars().take(300).collect()),
            provider_message_id: Set(provider_message_id.map(|p| p.chars().take(200).collect())),
            delivered_at: Set(stored_time(now)),
        })
        .on_conflict(
            OnConflict::columns([delivery::Column::EventId, delivery::Column::Key])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(self.db())
        .await?;
        Ok(inserted == 1)
    }
}
