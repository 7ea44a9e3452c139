//! Payment and refund records beyond what an order's transitions write: conditional status
//! changes (a record only moves from the status its writer saw, so a webhook, the payer's own
//! request and the reconciliation job cannot undo each other), refunds that reserve their
//! amount on the payment before the provider is called (concurrent refunds never add up to
//! more than was captured), the verified webhook events kept to drop repeats, and the records
//! reconciliation should look at again. A change the traveller is told about (a payment
//! received, a refund processed) is written with its outbox event in one transaction.
//!
//! Status names are the domain's (`wayfare_domain::payment::record`); this module only
//! compares them.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

use crate::accounts::is_unique_violation;
use crate::entity::{order_payment, order_refund, payment_webhook_event};
use crate::orders::{OrderPaymentRow, OrderRefundRow, payment_update};
use crate::outbox::NewEvent;
use crate::{Store, StoreError};

pub type WebhookEventRow = payment_webhook_event::Model;

/// What reserving a refund came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundReservation {
    /// Recorded `pending` and its amount added to the payment's refunded total: call the
    /// provider now.
    Reserved(OrderRefundRow),
    /// A refund with this idempotency key exists: this one.
    Existing(OrderRefundRow),
    /// More than what is left to refund (captured minus refunded), or the payment is not in
    /// one of the statuses that allow refunds.
    NotRefundable,
}

/// Payment statuses reconciliation looks at: the outcome is unknown, the customer has not
/// finished, or an authorisation waits for a capture that may have failed.
const OPEN_PAYMENT_STATUSES: &[&str] = &["processing", "requires_action", "requires_capture"];

impl Store {
    /// One payment record by our id (`opy_…`).
    pub async fn order_payment(&self, id: &str) -> Result<Option<OrderPaymentRow>, StoreError> {
        Ok(order_payment::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?)
    }

    /// Saves `row` (what the provider now says) only if the stored record is still in
    /// `expected_status`; false when someone else changed it first.
    pub async fn update_order_payment_if(
        &self,
        row: &OrderPaymentRow,
        expected_status: &str,
    ) -> Result<bool, StoreError> {
        let done = payment_update(row)
            .filter(order_payment::Column::Status.eq(expected_status))
            .exec(self.db())
            .await?;
        Ok(done.rows_affected == 1)
    }

    /// [`Store::update_order_payment_if`] writing `events` (the messages the change causes: a
    /// payment received) in the same transaction, only if the record changed.
    pub async fn update_order_payment_if_telling(
        &self,
        row: &OrderPaymentRow,
        expected_status: &str,
        events: Vec<NewEvent>,
    ) -> Result<bool, StoreError> {
        if events.is_empty() {
            return self.update_order_payment_if(row, expected_status).await;
        }
        let txn = self.db().begin().await?;
        let done = payment_update(row)
            .filter(order_payment::Column::Status.eq(expected_status))
            .exec(&txn)
            .await?;
        if done.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(false);
        }
        for e in events {
            crate::outbox::enqueue_event(&txn, e, row.updated_at).await?;
        }
        txn.commit().await?;
        Ok(true)
    }

    /// Notes that reconciliation asked the provider about a payment at `at`.
    pub async fn mark_payment_checked(
        &self,
        id: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        order_payment::Entity::update_many()
            .col_expr(order_payment::Column::CheckedAt, Expr::value(at))
            .filter(order_payment::Column::Id.eq(id))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Payments still open (`processing`, `requires_action`, `requires_capture`) unchanged since
    /// `before` and not checked since then, oldest first.
    pub async fn payments_to_reconcile(
        &self,
        before: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<OrderPaymentRow>, StoreError> {
        Ok(order_payment::Entity::find()
            .filter(order_payment::Column::Status.is_in(OPEN_PAYMENT_STATUSES.iter().copied()))
            .filter(order_payment::Column::UpdatedAt.lte(before))
            .filter(
                Condition::any()
                    .add(order_payment::Column::CheckedAt.is_null())
                    .add(order_payment::Column::CheckedAt.lte(before)),
            )
            .order_by_asc(order_payment::Column::UpdatedAt)
            .limit(limit)
            .all(self.db())
            .await?)
    }

    /// Records a refund as `pending` and adds its amount to the payment's refunded total, in
    /// one transaction, only if the payment is captured (`payment_statuses`) and the amount
    /// fits in what is left. A refund with the same idempotency key is answered as it is.
    pub async fn reserve_order_refund(
        &self,
        refund: OrderRefundRow,
        payment_statuses: &[&str],
    ) -> Result<RefundReservation, StoreError> {
        if let Some(key) = &refund.idempotency_key
            && let Some(existing) = self.order_refund_by_key(key).await?
        {
            return Ok(RefundReservation::Existing(existing));
        }
        let txn = self.db().begin().await?;
        let reserved = order_payment::Entity::update_many()
            .col_expr(
                order_payment::Column::RefundedMinor,
                Expr::col(order_payment::Column::RefundedMinor).add(refund.amount_minor),
            )
            .col_expr(
                order_payment::Column::UpdatedAt,
                Expr::value(refund.created_at),
            )
            .filter(order_payment::Column::Id.eq(refund.payment_id.clone()))
            .filter(order_payment::Column::Status.is_in(payment_statuses.iter().copied()))
            .filter(order_payment::Column::Currency.eq(refund.currency.clone()))
            .filter(
                Expr::col(order_payment::Column::RefundedMinor)
                    .add(refund.amount_minor)
                    .lte(Expr::col(order_payment::Column::CapturedMinor)),
            )
            .exec(&txn)
            .await?;
        if reserved.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(RefundReservation::NotRefundable);
        }
        match order_refund::Entity::insert(order_refund::ActiveModel::from(refund.clone()))
            .exec_without_returning(&txn)
            .await
        {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                // The same key, concurrently: the first one stands.
                txn.rollback().await?;
                let key = refund.idempotency_key.as_deref().unwrap_or_default();
                return match self.order_refund_by_key(key).await? {
                    Some(existing) => Ok(RefundReservation::Existing(existing)),
                    None => Err(StoreError::Corrupt(format!(
                        "refund key {key} taken but not found"
                    ))),
                };
            }
            Err(e) => return Err(e.into()),
        }
        txn.commit().await?;
        Ok(RefundReservation::Reserved(refund))
    }

    /// Saves a refund's new state only if it is still in `expected_status`. A refund that
    /// ends `failed` gives its amount back to what may be refunded, in the same transaction.
    pub async fn settle_order_refund(
        &self,
        row: &OrderRefundRow,
        expected_status: &str,
    ) -> Result<bool, StoreError> {
        self.settle_order_refund_telling(row, expected_status, Vec::new())
            .await
    }

    /// [`Store::settle_order_refund`] writing `events` (the messages the change causes: a
    /// refund processed) in the same transaction, only if the refund changed.
    pub async fn settle_order_refund_telling(
        &self,
        row: &OrderRefundRow,
        expected_status: &str,
        events: Vec<NewEvent>,
    ) -> Result<bool, StoreError> {
        let txn = self.db().begin().await?;
        let done = order_refund::Entity::update_many()
            .col_expr(
                order_refund::Column::Status,
                Expr::value(row.status.clone()),
            )
            .col_expr(
                order_refund::Column::ProviderRefundId,
                Expr::value(row.provider_refund_id.clone()),
            )
            .col_expr(
                order_refund::Column::FailureCode,
                Expr::value(row.failure_code.clone()),
            )
            .col_expr(order_refund::Column::UpdatedAt, Expr::value(row.updated_at))
            .filter(order_refund::Column::Id.eq(row.id.clone()))
            .filter(order_refund::Column::Status.eq(expected_status))
            .exec(&txn)
            .await?;
        if done.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(false);
        }
        let was_holding = expected_status != "failed";
        let now_holding = row.status != "failed";
        if was_holding != now_holding {
            let delta = if now_holding {
                row.amount_minor
            } else {
                -row.amount_minor
            };
            order_payment::Entity::update_many()
                .col_expr(
                    order_payment::Column::RefundedMinor,
                    Expr::col(order_payment::Column::RefundedMinor).add(delta),
                )
                .filter(order_payment::Column::Id.eq(row.payment_id.clone()))
                .exec(&txn)
                .await?;
        }
        let at = row.updated_at.unwrap_or(row.created_at);
        for e in events {
            crate::outbox::enqueue_event(&txn, e, at).await?;
        }
        txn.commit().await?;
        Ok(true)
    }

    pub async fn order_refund(&self, id: &str) -> Result<Option<OrderRefundRow>, StoreError> {
        Ok(order_refund::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?)
    }

    /// The refund a provider knows by `provider_refund_id`, if it is of one of `provider`'s
    /// payments.
    pub async fn order_refunds_by_provider_id(
        &self,
        provider: &str,
        provider_refund_id: &str,
    ) -> Result<Option<OrderRefundRow>, StoreError> {
        for refund in order_refund::Entity::find()
            .filter(order_refund::Column::ProviderRefundId.eq(provider_refund_id))
            .all(self.db())
            .await?
        {
            if let Some(p) = self.order_payment(&refund.payment_id).await?
                && p.provider == provider
            {
                return Ok(Some(refund));
            }
        }
        Ok(None)
    }

    pub async fn order_refund_by_key(
        &self,
        key: &str,
    ) -> Result<Option<OrderRefundRow>, StoreError> {
        Ok(order_refund::Entity::find()
            .filter(order_refund::Column::IdempotencyKey.eq(key))
            .one(self.db())
            .await?)
    }

    /// The refunds of one payment, oldest first.
    pub async fn refunds_of_payment(
        &self,
        payment_id: &str,
    ) -> Result<Vec<OrderRefundRow>, StoreError> {
        Ok(order_refund::Entity::find()
            .filter(order_refund::Column::PaymentId.eq(payment_id))
            .order_by_asc(order_refund::Column::CreatedAt)
            .order_by_asc(order_refund::Column::Id)
            .all(self.db())
            .await?)
    }

    /// Refunds still `pending` that were created before `before`, oldest first.
    pub async fn refunds_to_reconcile(
        &self,
        before: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<OrderRefundRow>, StoreError> {
        Ok(order_refund::Entity::find()
            .filter(order_refund::Column::Status.eq("pending"))
            .filter(order_refund::Column::CreatedAt.lte(before))
            .order_by_asc(order_refund::Column::CreatedAt)
            .limit(limit)
            .all(self.db())
            .await?)
    }

    /// Registers a verified webhook event as being handled. False when it was seen before
    /// (a repeat, or a concurrent delivery of the same event): nothing more to do.
    pub async fn begin_webhook_event(
        &self,
        provider: &str,
        event_id: &str,
        event_type: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let inserted = payment_webhook_event::Entity::insert(payment_webhook_event::ActiveModel {
            provider: Set(provider.to_owned()),
            event_id: Set(event_id.chars().take(120).collect()),
            event_type: Set(event_type.chars().take(80).collect()),
            payment_id: Set(None),
            outcome: Set("processing".into()),
            received_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                payment_webhook_event::Column::Provider,
                payment_webhook_event::Column::EventId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(self.db())
        .await?;
        Ok(inserted == 1)
    }

    /// Records what a webhook event came to.
    pub async fn finish_webhook_event(
        &self,
        provider: &str,
        event_id: &str,
        payment_id: Option<&str>,
        outcome: &str,
    ) -> Result<(), StoreError> {
        payment_webhook_event::Entity::update_many()
            .col_expr(
                payment_webhook_event::Column::PaymentId,
                Expr::value(payment_id.map(str::to_owned)),
            )
            .col_expr(payment_webhook_event::Column::Outcome, Expr::value(outcome))
            .filter(payment_webhook_event::Column::Provider.eq(provider))
            .filter(
                payment_webhook_event::Column::EventId
                    .eq(event_id.chars().take(120).collect::<String>()),
            )
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Forgets an event whose handling failed, so the provider's next delivery is handled.
    pub async fn forget_webhook_event(
        &self,
        provider: &str,
        event_id: &str,
    ) -> Result<(), StoreError> {
        payment_webhook_event::Entity::delete_many()
            .filter(payment_webhook_event::Column::Provider.eq(provider))
            .filter(
                payment_webhook_event::Column::EventId
                    .eq(event_id.chars().take(120).collect::<String>()),
            )
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// The webhook events recorded for one of our payments, oldest first.
    pub async fn webhook_events_of_payment(
        &self,
        payment_id: &str,
    ) -> Result<Vec<WebhookEventRow>, StoreError> {
        Ok(payment_webhook_event::Entity::find()
            .filter(payment_webhook_event::Column::PaymentId.eq(payment_id))
            .order_by_asc(payment_webhook_event::Column::ReceivedAt)
            .all(self.db())
            .await?)
    }
}
