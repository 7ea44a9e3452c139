//! Trip orders as stored: the order, its items and travellers written in one transaction with
//! the first timeline entry; status changes as conditional updates (`WHERE status IN (…)`)
//! written with their timeline entry in the same transaction, so two racing changes cannot
//! both win and the timeline never disagrees with the status; payments and refunds as their
//! own rows; idempotency records; and pre-trip reminders claimed with a lease.
//!
//! Status names are the domain's (`wayfare_domain::order`); this module only stores them.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, SqlErr, TransactionTrait,
};

use crate::entity::{
    idempotency_record, order, order_event, order_item, order_payment, order_refund,
    order_reminder, order_traveller,
};
use crate::{Store, StoreError};

pub type OrderRow = order::Model;
pub type OrderItemRow = order_item::Model;
pub type OrderTravellerRow = order_traveller::Model;
pub type OrderEventRow = order_event::Model;
pub type OrderPaymentRow = order_payment::Model;
pub type OrderRefundRow = order_refund::Model;
pub type OrderReminderRow = order_reminder::Model;

/// Everything a new order is made of, written at once.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub order: OrderRow,
    pub items: Vec<OrderItemRow>,
    pub travellers: Vec<OrderTravellerRow>,
    pub reminders: Vec<OrderReminderRow>,
    /// Who created it, for the first timeline entry.
    pub actor: String,
    pub reason: String,
}

#[derive(Debug)]
pub enum InsertOrder {
    Inserted(OrderRow),
    /// The booking reference is taken: draw another and try again.
    ReferenceTaken,
}

/// A status change and its timeline entry.
#[derive(Debug, Clone)]
pub struct Transition<'a> {
    pub order_id: &'a str,
    /// The change happens only from one of these.
    pub from: &'a [&'a str],
    pub to: &'a str,
    pub event: &'a str,
    pub actor: &'a str,
    pub reason: &'a str,
    pub now: DateTime<Utc>,
    /// Only while the hold has not run out at `now`.
    pub hold_unexpired: bool,
    /// A payment written in the same transaction, only if the order moves.
    pub payment: Option<PaymentWrite<'a>>,
    /// Outbox events (the messages the move causes), written in the same transaction, only
    /// if the order moves.
    pub events: Vec<crate::outbox::NewEvent>,
}

/// An item the supplier changed (an airline's schedule change), written with a timeline entry
/// and its outbox events without changing the order's status.
#[derive(Debug, Clone)]
pub struct ItemRevision<'a> {
    pub order_id: &'a str,
    pub item_id: &'a str,
    /// Written only while the order is in one of these.
    pub statuses: &'a [&'a str],
    /// The details the revision was made from: when the item no longer has them (another
    /// revision won), nothing is written.
    pub expected_details: &'a str,
    /// The item's new details (JSON) and times; the order's times follow its items.
    pub details: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The new due time of the item's reminders not sent yet.
    pub reminder_due: Option<DateTime<Utc>>,
    pub event: &'a str,
    pub actor: &'a str,
    pub reason: &'a str,
    pub now: DateTime<Utc>,
    /// Outbox events written with it. The first one's dedupe key stands for the revision: when
    /// it was recorded before, nothing is written.
    pub events: Vec<crate::outbox::NewEvent>,
}

/// How writing an [`ItemRevision`] ended.
#[derive(Debug)]
pub enum ReviseItem {
    /// Written; the order as it is now.
    Revised(OrderRow),
    /// The first event's key was recorded before: this revision was written already.
    AlreadyRecorded,
    /// The order is gone or not in one of the statuses asked for.
    OrderClosed,
    /// The item's details changed since they were read: read again and retry.
    DetailsChanged,
}

/// A payment row written with a transition.
#[derive(Debug, Clone, Copy)]
pub enum PaymentWrite<'a> {
    /// A new attempt, recorded before the provider is called.
    Insert(&'a OrderPaymentRow),
    /// What the provider answered.
    Update(&'a OrderPaymentRow),
}

/// What an `Idempotency-Key` says about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotency {
    /// First time: run it, then [`Store::finish_idempotent`].
    Started,
    /// Done before: answer this.
    Replay { status: u16, body: String },
    /// The first request with this key has not finished.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
}

/// A change to an item's supplier-side state.
#[derive(Debug, Clone, Default)]
pub struct ItemUpdate {
    pub status: Option<String>,
    pub supplier_ref: Option<String>,
    pub confirmation: Option<String>,
    pub tickets: Option<String>,
    pub attempt: bool,
    pub last_error: Option<Option<String>>,
}

fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

fn event_row(
    order_id: &str,
    event: &str,
    from: Option<&str>,
    to: &str,
    actor: &str,
    reason: &str,
    at: DateTime<Utc>,
) -> order_event::ActiveModel {
    order_event::ActiveModel {
        id: sea_orm::ActiveValue::NotSet,
        order_id: Set(order_id.to_owned()),
        event: Set(event.to_owned()),
        from_status: Set(from.map(str::to_owned)),
        to_status: Set(to.to_owned()),
        actor: Set(actor.to_owned()),
        reason: Set(reason.to_owned()),
        at: Set(at),
    }
}

/// What the provider says about a payment, as an update of its row. The refunded total is
/// not written here: refunds reserve and settle it (`payments.rs`).
pub(crate) fn payment_update(row: &OrderPaymentRow) -> sea_orm::UpdateMany<order_payment::Entity> {
    order_payment::Entity::update_many()
        .col_expr(
            order_payment::Column::ProviderPaymentId,
            Expr::value(row.provider_payment_id.clone()),
        )
        .col_expr(
            order_payment::Column::Status,
            Expr::value(row.status.clone()),
        )
        .col_expr(
            order_payment::Column::CapturedMinor,
            Expr::value(row.captured_minor),
        )
        .col_expr(
            order_payment::Column::FailureCode,
            Expr::value(row.failure_code.clone()),
        )
        .col_expr(
            order_payment::Column::NextActionUrl,
            Expr::value(row.next_action_url.clone()),
        )
        .col_expr(
            order_payment::Column::UpdatedAt,
            Expr::value(row.updated_at),
        )
        .filter(order_payment::Column::Id.eq(row.id.clone()))
}

impl Store {
    /// Writes the order, its items, travellers and reminders and the `created` timeline entry
    /// in one transaction.
    pub async fn insert_order(&self, new: NewOrder) -> Result<InsertOrder, StoreError> {
        let txn = self.db().begin().await?;
        let o = new.order.clone();
        let inserted = order::Entity::insert(order::ActiveModel::from(o.clone()))
            .exec_without_returning(&txn)
            .await;
        if let Err(e) = inserted {
            txn.rollback().await?;
            if is_unique_violation(&e) {
                return Ok(InsertOrder::ReferenceTaken);
            }
            return Err(e.into());
        }
        if !new.items.is_empty() {
            order_item::Entity::insert_many(
                new.items.iter().cloned().map(order_item::ActiveModel::from),
            )
            .exec_without_returning(&txn)
            .await?;
        }
        if !new.travellers.is_empty() {
            order_traveller::Entity::insert_many(
                new.travellers
                    .iter()
                    .cloned()
                    .map(order_traveller::ActiveModel::from),
            )
            .exec_without_returning(&txn)
            .await?;
        }
        if !new.reminders.is_empty() {
            order_reminder::Entity::insert_many(
                new.reminders
                    .iter()
                    .cloned()
                    .map(order_reminder::ActiveModel::from),
            )
            .exec_without_returning(&txn)
            .await?;
        }
        order_event::Entity::insert(event_row(
            &o.id,
            "created",
            None,
            &o.status,
            &new.actor,
            &new.reason,
            o.created_at,
        ))
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;
        Ok(InsertOrder::Inserted(o))
    }

    pub async fn order(&self, id: &str) -> Result<Option<OrderRow>, StoreError> {
        Ok(order::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?)
    }

    pub async fn order_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<OrderRow>, StoreError> {
        Ok(order::Entity::find()
            .filter(order::Column::Reference.eq(reference))
            .one(self.db())
            .await?)
    }

    pub async fn order_items(&self, order_id: &str) -> Result<Vec<OrderItemRow>, StoreError> {
        Ok(order_item::Entity::find()
            .filter(order_item::Column::OrderId.eq(order_id))
            .order_by_asc(order_item::Column::Position)
            .all(self.db())
            .await?)
    }

    pub async fn order_travellers(
        &self,
        order_id: &str,
    ) -> Result<Vec<OrderTravellerRow>, StoreError> {
        Ok(order_traveller::Entity::find()
            .filter(order_traveller::Column::OrderId.eq(order_id))
            .order_by_asc(order_traveller::Column::Position)
            .all(self.db())
            .await?)
    }

    /// The timeline, oldest first.
    pub async fn order_events(&self, order_id: &str) -> Result<Vec<OrderEventRow>, StoreError> {
        Ok(order_event::Entity::find()
            .filter(order_event::Column::OrderId.eq(order_id))
            .order_by_asc(order_event::Column::Id)
            .all(self.db())
            .await?)
    }

    pub async fn order_payments(&self, order_id: &str) -> Result<Vec<OrderPaymentRow>, StoreError> {
        Ok(order_payment::Entity::find()
            .filter(order_payment::Column::OrderId.eq(order_id))
            .order_by_asc(order_payment::Column::CreatedAt)
            .order_by_asc(order_payment::Column::Id)
            .all(self.db())
            .await?)
    }

    pub async fn order_refunds(&self, order_id: &str) -> Result<Vec<OrderRefundRow>, StoreError> {
        Ok(order_refund::Entity::find()
            .filter(order_refund::Column::OrderId.eq(order_id))
            .order_by_asc(order_refund::Column::CreatedAt)
            .all(self.db())
            .await?)
    }

    /// Orders of a traveller's account, newest first.
    pub async fn orders_of_user(
        &self,
        user_id: &str,
        limit: u64,
    ) -> Result<Vec<OrderRow>, StoreError> {
        Ok(order::Entity::find()
            .filter(order::Column::UserId.eq(user_id))
            .order_by_desc(order::Column::CreatedAt)
            .order_by_desc(order::Column::Id)
            .limit(limit)
            .all(self.db())
            .await?)
    }

    /// Orders an agent placed for customers, newest first.
    pub async fn orders_placed_by(
        &self,
        agent_id: &str,
        limit: u64,
    ) -> Result<Vec<OrderRow>, StoreError> {
        Ok(order::Entity::find()
            .filter(order::Column::AgentId.eq(agent_id))
            .order_by_desc(order::Column::CreatedAt)
            .order_by_desc(order::Column::Id)
            .limit(limit)
            .all(self.db())
            .await?)
    }

    /// Moves the order on if it is in one of `t.from` (and, when asked, its hold has not run
    /// out), writing the timeline entry in the same transaction. `None` when the condition did
    /// not hold: someone else moved it first.
    pub async fn transition_order(
        &self,
        t: Transition<'_>,
    ) -> Result<Option<OrderRow>, StoreError> {
        let txn = self.db().begin().await?;
        let mut cond = Condition::all()
            .add(order::Column::Id.eq(t.order_id))
            .add(order::Column::Status.is_in(t.from.iter().copied()));
        if t.hold_unexpired {
            cond = cond.add(order::Column::HoldExpiresAt.gt(t.now));
        }
        // RETURNING gives back the row this very update wrote (SQLite ≥ 3.35 and PostgreSQL).
        let updated = order::Entity::update_many()
            .col_expr(order::Column::Status, Expr::value(t.to))
            .col_expr(order::Column::UpdatedAt, Expr::value(t.now))
            .filter(cond)
            .exec_with_returning(&txn)
            .await?;
        let Some(row) = updated.into_iter().next() else {
            txn.rollback().await?;
            return Ok(None);
        };
        let from = match t.from {
            [one] => Some((*one).to_owned()),
            _ => None,
        };
        order_event::Entity::insert(event_row(
            t.order_id,
            t.event,
            from.as_deref(),
            t.to,
            t.actor,
            t.reason,
            t.now,
        ))
        .exec_without_returning(&txn)
        .await?;
        match t.payment {
            Some(PaymentWrite::Insert(p)) => {
                order_payment::Entity::insert(order_payment::ActiveModel::from(p.clone()))
                    .exec_without_returning(&txn)
                    .await?;
            }
            Some(PaymentWrite::Update(p)) => {
                payment_update(p).exec(&txn).await?;
            }
            None => {}
        }
        for e in t.events {
            crate::outbox::enqueue_event(&txn, e, t.now).await?;
        }
        txn.commit().await?;
        Ok(Some(row))
    }

    /// A timeline entry that does not change the status (a payment attempt, an item's
    /// confirmation, a notification sent).
    pub async fn note_order_event(
        &self,
        order_id: &str,
        event: &str,
        status: &str,
        actor: &str,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        order_event::Entity::insert(event_row(
            order_id,
            event,
            Some(status),
            status,
            actor,
            reason,
            at,
        ))
        .exec_without_returning(self.db())
        .await?;
        Ok(())
    }

    /// Writes an item's revision, its timeline entry (the status unchanged) and its outbox
    /// events in one transaction, or nothing (see [`ReviseItem`]).
    pub async fn revise_order_item(&self, r: ItemRevision<'_>) -> Result<ReviseItem, StoreError> {
        let txn = self.db().begin().await?;
        // First a write that also checks the status: SQLite takes its write lock here, and on
        // PostgreSQL the order's row stays locked, so revisions of one order queue up.
        let touched = order::Entity::update_many()
            .col_expr(order::Column::UpdatedAt, Expr::value(r.now))
            .filter(order::Column::Id.eq(r.order_id))
            .filter(order::Column::Status.is_in(r.statuses.iter().copied()))
            .exec_with_returning(&txn)
            .await?;
        let Some(row) = touched.into_iter().next() else {
            txn.rollback().await?;
            return Ok(ReviseItem::OrderClosed);
        };
        let mut events = r.events.into_iter();
        if let Some(first) = events.next()
            && !crate::outbox::enqueue_event(&txn, first, r.now).await?
        {
            txn.rollback().await?;
            return Ok(ReviseItem::AlreadyRecorded);
        }
        for e in events {
            crate::outbox::enqueue_event(&txn, e, r.now).await?;
        }
        let item = order_item::Entity::update_many()
            .col_expr(order_item::Column::Details, Expr::value(r.details.clone()))
            .col_expr(order_item::Column::StartsAt, Expr::value(r.starts_at))
            .col_expr(order_item::Column::EndsAt, Expr::value(r.ends_at))
            .col_expr(order_item::Column::UpdatedAt, Expr::value(r.now))
            .filter(order_item::Column::Id.eq(r.item_id))
            .filter(order_item::Column::OrderId.eq(r.order_id))
            .filter(order_item::Column::Details.eq(r.expected_details))
            .exec_with_returning(&txn)
            .await?;
        let Some(item) = item.into_iter().next() else {
            txn.rollback().await?;
            return Ok(ReviseItem::DetailsChanged);
        };
        let items = order_item::Entity::find()
            .filter(order_item::Column::OrderId.eq(r.order_id))
            .all(&txn)
            .await?;
        let starts_at = items
            .iter()
            .map(|i| i.starts_at)
            .min()
            .unwrap_or(row.starts_at);
        let ends_at = items.iter().map(|i| i.ends_at).max().unwrap_or(row.ends_at);
        let updated = order::Entity::update_many()
            .col_expr(order::Column::StartsAt, Expr::value(starts_at))
            .col_expr(order::Column::EndsAt, Expr::value(ends_at))
            .filter(order::Column::Id.eq(r.order_id))
            .exec_with_returning(&txn)
            .await?;
        if let Some(due) = r.reminder_due {
            order_reminder::Entity::update_many()
                .col_expr(order_reminder::Column::DueAt, Expr::value(due))
                .filter(order_reminder::Column::OrderId.eq(r.order_id))
                .filter(order_reminder::Column::ItemPosition.eq(item.position))
                .filter(order_reminder::Column::SentAt.is_null())
                .exec(&txn)
                .await?;
        }
        order_event::Entity::insert(event_row(
            r.order_id,
            r.event,
            Some(&row.status),
            &row.status,
            r.actor,
            r.reason,
            r.now,
        ))
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;
        Ok(ReviseItem::Revised(
            updated.into_iter().next().unwrap_or(row),
        ))
    }

    /// The flight items that booked supplier order `supplier_ref` with `supplier`.
    pub async fn flight_items_by_supplier_ref(
        &self,
        supplier: &str,
        supplier_ref: &str,
    ) -> Result<Vec<OrderItemRow>, StoreError> {
        Ok(order_item::Entity::find()
            .filter(order_item::Column::Kind.eq("flight"))
            .filter(order_item::Column::Supplier.eq(supplier))
            .filter(order_item::Column::SupplierRef.eq(supplier_ref))
            .order_by_asc(order_item::Column::CreatedAt)
            .all(self.db())
            .await?)
    }

    pub async fn update_order_item(
        &self,
        item_id: &str,
        u: ItemUpdate,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut q = order_item::Entity::update_many()
            .col_expr(order_item::Column::UpdatedAt, Expr::value(now))
            .filter(order_item::Column::Id.eq(item_id));
        if let Some(s) = u.status {
            q = q.col_expr(order_item::Column::Status, Expr::value(s));
        }
        if let Some(s) = u.supplier_ref {
            q = q.col_expr(order_item::Column::SupplierRef, Expr::value(s));
        }
        if let Some(s) = u.confirmation {
            q = q.col_expr(order_item::Column::Confirmation, Expr::value(s));
        }
        if let Some(s) = u.tickets {
            q = q.col_expr(order_item::Column::Tickets, Expr::value(s));
        }
        if u.attempt {
            q = q.col_expr(
                order_item::Column::Attempts,
                Expr::col(order_item::Column::Attempts).add(1),
            );
        }
        if let Some(e) = u.last_error {
            q = q.col_expr(order_item::Column::LastError, Expr::value(e));
        }
        q.exec(self.db()).await?;
        Ok(())
    }

    /// Unpaid holds whose time is up (at most `limit`).
    pub async fn expired_holds(
        &self,
        now: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<OrderRow>, StoreError> {
        Ok(order::Entity::find()
            .filter(order::Column::Status.eq("held"))
            .filter(order::Column::HoldExpiresAt.lte(now))
            .order_by_asc(order::Column::HoldExpiresAt)
            .limit(limit)
            .all(self.db())
            .await?)
    }

    /// Items still holding inventory in orders that ended without paying (expired or
    /// cancelled): what the sweeper still has to give back.
    pub async fn items_to_release(&self, limit: u64) -> Result<Vec<OrderItemRow>, StoreError> {
        let ended: Vec<String> = order::Entity::find()
            .select_only()
            .column(order::Column::Id)
            .filter(order::Column::Status.is_in(["expired", "cancelled"]))
            .filter(
                order::Column::Id.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(order_item::Column::OrderId)
                        .from(order_item::Entity)
                        .and_where(order_item::Column::Status.eq("held"))
                        .to_owned(),
                ),
            )
            .limit(limit)
            .into_tuple()
            .all(self.db())
            .await?;
        if ended.is_empty() {
            return Ok(Vec::new());
        }
        Ok(order_item::Entity::find()
            .filter(order_item::Column::OrderId.is_in(ended))
            .filter(order_item::Column::Status.eq("held"))
            .all(self.db())
            .await?)
    }

    /// The payment a provider knows by `provider_payment_id` (3-D Secure pages name it).
    pub async fn order_payment_by_provider_id(
        &self,
        provider: &str,
        provider_payment_id: &str,
    ) -> Result<Option<OrderPaymentRow>, StoreError> {
        Ok(order_payment::Entity::find()
            .filter(order_payment::Column::Provider.eq(provider))
            .filter(order_payment::Column::ProviderPaymentId.eq(provider_payment_id))
            .one(self.db())
            .await?)
    }

    /// Saves what the provider now says about a payment.
    pub async fn update_order_payment(&self, row: OrderPaymentRow) -> Result<(), StoreError> {
        payment_update(&row).exec(self.db()).await?;
        Ok(())
    }

    /// [`Store::update_order_payment`] with the outbox events the change causes (a payment
    /// received), in one transaction.
    pub async fn update_order_payment_telling(
        &self,
        row: OrderPaymentRow,
        events: Vec<crate::outbox::NewEvent>,
    ) -> Result<(), StoreError> {
        if events.is_empty() {
            return self.update_order_payment(row).await;
        }
        let txn = self.db().begin().await?;
        payment_update(&row).exec(&txn).await?;
        for e in events {
            crate::outbox::enqueue_event(&txn, e, row.updated_at).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    pub async fn insert_order_refund(&self, row: OrderRefundRow) -> Result<(), StoreError> {
        order_refund::Entity::insert(order_refund::ActiveModel::from(row))
            .exec_without_returning(self.db())
            .await?;
        Ok(())
    }

    /// Registers a request under its key, or says what happened to the first one. A record
    /// left in progress for longer than `stale` (a crash mid-request) is taken over.
    pub async fn begin_idempotent(
        &self,
        scope: &str,
        key: &str,
        request_hash: &str,
        now: DateTime<Utc>,
        stale: Duration,
    ) -> Result<Idempotency, StoreError> {
        let inserted = idempotency_record::Entity::insert(idempotency_record::ActiveModel {
            scope: Set(scope.to_owned()),
            key: Set(key.to_owned()),
            request_hash: Set(request_hash.to_owned()),
            status_code: Set(None),
            response: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                idempotency_record::Column::Scope,
                idempotency_record::Column::Key,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(self.db())
        .await?;
        if inserted == 1 {
            return Ok(Idempotency::Started);
        }
        let Some(existing) =
            idempotency_record::Entity::find_by_id((scope.to_owned(), key.to_owned()))
                .one(self.db())
                .await?
        else {
            // Abandoned between the insert and the read: run it.
            return Box::pin(self.begin_idempotent(scope, key, request_hash, now, stale)).await;
        };
        if existing.request_hash != request_hash {
            return Ok(Idempotency::Mismatch);
        }
        match (existing.status_code, existing.response) {
            (Some(status), Some(body)) => Ok(Idempotency::Replay {
                status: u16::try_from(status).unwrap_or(500),
                body,
            }),
            _ if existing.updated_at + stale < now => {
                // Take over a stale one, once: whoever updates it first runs the request.
                let taken = idempotency_record::Entity::update_many()
                    .col_expr(idempotency_record::Column::UpdatedAt, Expr::value(now))
                    .filter(idempotency_record::Column::Scope.eq(scope))
                    .filter(idempotency_record::Column::Key.eq(key))
                    .filter(idempotency_record::Column::StatusCode.is_null())
                    .filter(idempotency_record::Column::UpdatedAt.eq(existing.updated_at))
                    .exec(self.db())
                    .await?;
                Ok(if taken.rows_affected == 1 {
                    Idempotency::Started
                } else {
                    Idempotency::InProgress
                })
            }
            _ => Ok(Idempotency::InProgress),
        }
    }

    /// Stores the response a replay of this key answers.
    pub async fn finish_idempotent(
        &self,
        scope: &str,
        key: &str,
        status: u16,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        idempotency_record::Entity::update_many()
            .col_expr(
                idempotency_record::Column::StatusCode,
                Expr::value(i32::from(status)),
            )
            .col_expr(idempotency_record::Column::Response, Expr::value(body))
            .col_expr(idempotency_record::Column::UpdatedAt, Expr::value(now))
            .filter(idempotency_record::Column::Scope.eq(scope))
            .filter(idempotency_record::Column::Key.eq(key))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Forgets a request that failed in a way worth retrying (the next try runs it again).
    pub async fn abandon_idempotent(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        idempotency_record::Entity::delete_many()
            .filter(idempotency_record::Column::Scope.eq(scope))
            .filter(idempotency_record::Column::Key.eq(key))
            .filter(idempotency_record::Column::StatusCode.is_null())
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Reminders due by `now` and not sent, claimed for `lease` so two senders do not both
    /// send one.
    pub async fn claim_due_reminders(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u64,
    ) -> Result<Vec<OrderReminderRow>, StoreError> {
        let candidates = order_reminder::Entity::find()
            .filter(order_reminder::Column::SentAt.is_null())
            .filter(order_reminder::Column::DueAt.lte(now))
            .filter(
                Condition::any()
                    .add(order_reminder::Column::ClaimedUntil.is_null())
                    .add(order_reminder::Column::ClaimedUntil.lt(now)),
            )
            .order_by_asc(order_reminder::Column::DueAt)
            .limit(limit)
            .all(self.db())
            .await?;
        let mut claimed = Vec::new();
        for r in candidates {
            let taken = order_reminder::Entity::update_many()
                .col_expr(
                    order_reminder::Column::ClaimedUntil,
                    Expr::value(now + lease),
                )
                .filter(order_reminder::Column::Id.eq(r.id.clone()))
                .filter(order_reminder::Column::SentAt.is_null())
                .filter(
                    Condition::any()
                        .add(order_reminder::Column::ClaimedUntil.is_null())
                        .add(order_reminder::Column::ClaimedUntil.lt(now)),
                )
                .exec(self.db())
                .await?;
            if taken.rows_affected == 1 {
                claimed.push(r);
            }
        }
        Ok(claimed)
    }

    pub async fn mark_reminder_sent(&self, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        order_reminder::Entity::update_many()
            .col_expr(order_reminder::Column::SentAt, Expr::value(now))
            .filter(order_reminder::Column::Id.eq(id))
            .exec(self.db())
            .await?;
        Ok(())
    }

    pub async fn order_reminders(
        &self,
        order_id: &str,
    ) -> Result<Vec<OrderReminderRow>, StoreError> {
        Ok(order_reminder::Entity::find()
            .filter(order_reminder::Column::OrderId.eq(order_id))
            .order_by_asc(order_reminder::Column::DueAt)
            .all(self.db())
            .await?)
    }
}
