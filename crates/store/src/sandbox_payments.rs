//! The sandbox payment provider's records, so that a payment taken today can still be
//! captured or refunded after a restart: payments (`sandbox_payments`), their refunds
//! (`sandbox_refunds`), the captures, voids and authentications done on them
//! (`sandbox_payment_actions`), and the notifications waiting to be sent about them
//! (`sandbox_webhook_events`, queued in the same transaction as the payment they are about and
//! handed out under a lease taken by a conditional update).
//!
//! Every change is a conditional update that names the state it expects, so concurrent calls
//! cannot both win: a payment is captured or voided once, and refunds never add up to more than
//! was captured (`amount_refunded_minor + x <= amount_captured_minor`, checked by the database).
//! Each operation's idempotency key is a unique column written in the same transaction as the
//! change; a retry with the same key and request hash is answered from what was stored, a
//! retry with another request hash is refused.
//!
//! Statuses are stored as the payments crate's snake_case names; this module only compares
//! them.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use wayfare_domain::Money;

use crate::accounts::is_unique_violation;
use crate::{Store, StoreError};

/// The `sandbox_payments` table: one row per payment, its amounts in minor units.
pub mod payment {
    use sea_orm::entity::prelude::*;

    /// A sandbox payment. Never deleted; its status and amounts change by conditional updates.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sandbox_payments")]
    pub struct Model {
        /// `pi_sbx_…`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// The creating request's idempotency key.
        #[sea_orm(unique)]
        pub idempotency_key: String,
        /// SHA-256 (hex) of the creating request, to tell a retry from a reused key.
        pub request_hash: String,
        /// Our order reference.
        #[sea_orm(column_type = "Text")]
        pub reference: String,
        #[sea_orm(column_type = "Text")]
        pub description: String,
        #[sea_orm(column_type = "Text", nullable)]
        pub customer_email: Option<String>,
        pub payment_method: String,
        /// `automatic` or `manual`.
        pub capture_method: String,
        /// `requires_action`, `authorized`, `succeeded`, `canceled` or `failed`.
        pub status: String,
        pub amount_minor: i64,
        pub amount_captured_minor: i64,
        pub amount_refunded_minor: i64,
        pub currency: String,
        pub failure_code: Option<String>,
        pub failure_decline_code: Option<String>,
        #[sea_orm(column_type = "Text", nullable)]
        pub failure_message: Option<String>,
        #[sea_orm(column_type = "Text", nullable)]
        pub next_action_url: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `sandbox_refunds` table: one row per refund made.
pub mod refund {
    use sea_orm::entity::prelude::*;

    /// A refund of (part of) a captured sandbox payment.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sandbox_refunds")]
    pub struct Model {
        /// `re_sbx_…`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub payment_id: String,
        pub amount_minor: i64,
        pub currency: String,
        #[sea_orm(column_type = "Text")]
        pub reason: String,
        /// `succeeded`, `pending` or `failed`.
        pub status: String,
        #[sea_orm(unique)]
        pub idempotency_key: String,
        pub request_hash: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `sandbox_payment_actions` table: each capture, void or authentication answer that
/// changed a payment, keyed by its idempotency key.
pub mod action {
    use sea_orm::entity::prelude::*;

    /// One change made to a sandbox payment.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sandbox_payment_actions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub idempotency_key: String,
        pub payment_id: String,
        /// `capture`, `void` or `authenticate`.
        pub kind: String,
        pub request_hash: String,
        /// The status the payment moved to.
        pub status: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `sandbox_webhook_events` table: notifications the sandbox sends, like a real provider,
/// once `deliver_at` has passed.
pub mod webhook_event {
    use sea_orm::entity::prelude::*;

    /// One notification. Never deleted; delivered once `delivered_at` is set.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sandbox_webhook_events")]
    pub struct Model {
        /// `evt_sbx_…`, also the event's id in the body.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub payment_id: String,
        /// `payment_intent.succeeded` …
        pub event_type: String,
        /// The JSON sent; empty until built (a late payment's body is built when it settles).
        #[sea_orm(column_type = "Text")]
        pub body: String,
        /// Not sent before.
        pub deliver_at: DateTimeUtc,
        /// Claimed by a sender until then.
        pub lease_until: Option<DateTimeUtc>,
        pub delivered_at: Option<DateTimeUtc>,
        /// Claims so far.
        pub attempts: i32,
        #[sea_orm(column_type = "Text", nullable)]
        pub last_error: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A stored sandbox payment.
pub type SandboxPaymentRow = payment::Model;
/// A stored sandbox refund.
pub type SandboxRefundRow = refund::Model;
/// A stored sandbox notification.
pub type SandboxWebhookRow = webhook_event::Model;

/// A notification to queue with a new payment.
#[derive(Debug, Clone)]
pub struct NewSandboxWebhook {
    /// `evt_sbx_…`.
    pub id: String,
    pub event_type: String,
    /// Empty when it is built at delivery.
    pub body: String,
    pub deliver_at: DateTime<Utc>,
}

/// What a claim of one event found.
#[derive(Debug)]
pub enum SettleSandboxPayment {
    /// Moved to the settled state now.
    Settled(SandboxPaymentRow),
    /// Not in the expected state (settled before, or changed since): as it is.
    Unchanged(SandboxPaymentRow),
    NotFound,
}

/// Why a payment failed, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxFailure {
    pub code: String,
    pub decline_code: Option<String>,
    pub message: String,
}

/// A payment to record, already decided by the provider.
#[derive(Debug, Clone)]
pub struct NewSandboxPayment {
    pub id: String,
    pub idempotency_key: String,
    pub request_hash: String,
    pub reference: String,
    pub description: String,
    pub customer_email: Option<String>,
    pub payment_method: String,
    pub capture_method: String,
    pub status: String,
    pub amount: Money,
    /// Minor units of `amount`'s currency captured at creation (the whole amount or zero).
    pub amount_captured_minor: i64,
    pub failure: Option<SandboxFailure>,
    pub next_action_url: Option<String>,
    pub now: DateTime<Utc>,
}

/// What recording a new payment did.
#[derive(Debug)]
pub enum CreateSandboxPayment {
    Created(SandboxPaymentRow),
    /// The key was used before for the same request: the payment made then, as it is now.
    Replayed(SandboxPaymentRow),
    /// The key was used before for a different request.
    KeyReused,
}

/// A change of a payment's status, made once.
#[derive(Debug, Clone)]
pub struct SandboxTransition {
    pub payment_id: String,
    /// `capture`, `void` or `authenticate`.
    pub kind: String,
    pub idempotency_key: String,
    pub request_hash: String,
    /// The statuses the change is allowed from.
    pub from: Vec<String>,
    pub to: String,
    /// Sets the amount captured (minor units of the payment's currency).
    pub amount_captured_minor: Option<i64>,
    /// Sets the failure.
    pub failure: Option<SandboxFailure>,
    /// Clears `next_action_url` (when leaving `requires_action`).
    pub clear_next_action: bool,
    pub now: DateTime<Utc>,
}

/// What a [`SandboxTransition`] did.
#[derive(Debug)]
pub enum TransitionSandboxPayment {
    Done(SandboxPaymentRow),
    /// The key was used before for the same request: the payment as it is now.
    Replayed(SandboxPaymentRow),
    /// The key was used before for a different request (or another payment).
    KeyReused,
    /// The payment is not in one of the `from` statuses; nothing was changed or kept.
    WrongState(SandboxPaymentRow),
    NotFound,
}

/// A refund to make.
#[derive(Debug, Clone)]
pub struct NewSandboxRefund {
    pub id: String,
    pub payment_id: String,
    /// Minor units in the payment's currency; `None` refunds whatever is left.
    pub amount_minor: Option<i64>,
    pub reason: String,
    pub status: String,
    pub idempotency_key: String,
    pub request_hash: String,
    pub now: DateTime<Utc>,
}

/// What a refund did.
#[derive(Debug)]
pub enum RefundSandboxPayment {
    Refunded(SandboxRefundRow),
    /// The key was used before for the same request: the refund made then.
    Replayed(SandboxRefundRow),
    /// The key was used before for a different request.
    KeyReused,
    NotFound,
    /// The payment is not `succeeded` (nothing captured to refund).
    NotRefundable(SandboxPaymentRow),
    /// The amount is more than captured minus refunded (or nothing is left).
    ExceedsRefundable(SandboxPaymentRow),
}

/// The status a payment must have to be refunded.
const REFUNDABLE: &str = "succeeded";

/// How many times a full refund is tried again when concurrent refunds keep moving the amount
/// left; each failed try means another refund succeeded.
const FULL_REFUND_TRIES: usize = 64;

fn vanished(what: &str, id: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {id} vanished"))
}

async fn insert_action(
    txn: &DatabaseTransaction,
    t: &SandboxTransition,
) -> Result<bool, StoreError> {
    let row = action::ActiveModel {
        idempotency_key: Set(t.idempotency_key.clone()),
        payment_id: Set(t.payment_id.clone()),
        kind: Set(t.kind.clone()),
        request_hash: Set(t.request_hash.clone()),
        status: Set(t.to.clone()),
        created_at: Set(t.now),
    };
    match action::Entity::insert(row)
        .exec_without_returning(txn)
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

impl Store {
    /// Records a new payment unless its idempotency key is taken: then the payment made with
    /// the key is answered (same request hash) or the reuse reported.
    pub async fn create_sandbox_payment(
        &self,
        p: NewSandboxPayment,
    ) -> Result<CreateSandboxPayment, StoreError> {
        self.create_sandbox_payment_with_webhook(p, None).await
    }

    /// [`Store::create_sandbox_payment`], queuing `webhook` in the same transaction when the
    /// payment is created (a replay queues nothing).
    pub async fn create_sandbox_payment_with_webhook(
        &self,
        p: NewSandboxPayment,
        webhook: Option<NewSandboxWebhook>,
    ) -> Result<CreateSandboxPayment, StoreError> {
        let replay = |existing: SandboxPaymentRow| {
            if existing.request_hash == p.request_hash {
                CreateSandboxPayment::Replayed(existing)
            } else {
                CreateSandboxPayment::KeyReused
            }
        };
        let (code, decline_code, message) = match p.failure.clone() {
            Some(f) => (Some(f.code), f.decline_code, Some(f.message)),
            None => (None, None, None),
        };
        let now = crate::stored_time(p.now);
        let written = SandboxPaymentRow {
            id: p.id.clone(),
            idempotency_key: p.idempotency_key.clone(),
            request_hash: p.request_hash.clone(),
            reference: p.reference.clone(),
            description: p.description.clone(),
            customer_email: p.customer_email.clone(),
            payment_method: p.payment_method.clone(),
            capture_method: p.capture_method.clone(),
            status: p.status.clone(),
            amount_minor: p.amount.minor(),
            amount_captured_minor: p.amount_captured_minor,
            amount_refunded_minor: 0,
            currency: p.amount.currency().code().to_owned(),
            failure_code: code,
            failure_decline_code: decline_code,
            failure_message: message,
            next_action_url: p.next_action_url.clone(),
            created_at: now,
            updated_at: now,
        };
        let Some(w) = webhook else {
            // One row: a statement of its own is atomic, no transaction around it (two round
            // trips fewer on every payment). A key used before is found by its unique index
            // refusing the insert.
            return match payment::Entity::insert(payment::ActiveModel::from(written.clone()))
                .exec_without_returning(self.db())
                .await
            {
                Ok(_) => Ok(CreateSandboxPayment::Created(written)),
                Err(e) if is_unique_violation(&e) => {
                    match self.sandbox_payment_by_key(&p.idempotency_key).await? {
                        Some(existing) => Ok(replay(existing)),
                        None => Err(e.into()),
                    }
                }
                Err(e) => Err(e.into()),
            };
        };
        let txn = self.db().begin().await?;
        // A key used before is found by its unique index refusing the insert.
        if let Err(e) = payment::Entity::insert(payment::ActiveModel::from(written.clone()))
            .exec_without_returning(&txn)
            .await
        {
            txn.rollback().await?;
            if is_unique_violation(&e)
                && let Some(existing) = self.sandbox_payment_by_key(&p.idempotency_key).await?
            {
                return Ok(replay(existing));
            }
            return Err(e.into());
        }
        let event = webhook_event::ActiveModel {
            id: Set(w.id),
            payment_id: Set(p.id.clone()),
            event_type: Set(w.event_type),
            body: Set(w.body),
            deliver_at: Set(crate::stored_time(w.deliver_at)),
            lease_until: Set(None),
            delivered_at: Set(None),
            attempts: Set(0),
            last_error: Set(None),
            created_at: Set(now),
        };
        webhook_event::Entity::insert(event)
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
        Ok(CreateSandboxPayment::Created(written))
    }

    /// A payment by its id.
    pub async fn sandbox_payment(&self, id: &str) -> Result<Option<SandboxPaymentRow>, StoreError> {
        Ok(payment::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?)
    }

    /// The payment created with an idempotency key.
    pub async fn sandbox_payment_by_key(
        &self,
        key: &str,
    ) -> Result<Option<SandboxPaymentRow>, StoreError> {
        Ok(payment::Entity::find()
            .filter(payment::Column::IdempotencyKey.eq(key))
            .one(self.db())
            .await?)
    }

    /// Payments made for one of our order references, oldest first.
    pub async fn sandbox_payments_for_reference(
        &self,
        reference: &str,
    ) -> Result<Vec<SandboxPaymentRow>, StoreError> {
        Ok(payment::Entity::find()
            .filter(payment::Column::Reference.eq(reference))
            .order_by_asc(payment::Column::CreatedAt)
            .order_by_asc(payment::Column::Id)
            .all(self.db())
            .await?)
    }

    /// Moves a payment from one of `from` to `to` once, recording the key with the change in
    /// one transaction. Nothing is kept when the payment is in another state.
    pub async fn transition_sandbox_payment(
        &self,
        t: SandboxTransition,
    ) -> Result<TransitionSandboxPayment, StoreError> {
        // A replay is found by the action's key refusing the insert.
        let txn = self.db().begin().await?;
        // Writing first makes SQLite take the write lock up front.
        if !insert_action(&txn, &t).await? {
            txn.rollback().await?;
            return Ok(self
                .replay_transition(&t)
                .await?
                .unwrap_or(TransitionSandboxPayment::KeyReused));
        }
        let mut update = payment::Entity::update_many()
            .col_expr(payment::Column::Status, Expr::value(t.to.clone()))
            .col_expr(payment::Column::UpdatedAt, Expr::value(t.now));
        if let Some(captured) = t.amount_captured_minor {
            update = update.col_expr(payment::Column::AmountCapturedMinor, Expr::value(captured));
        }
        if let Some(f) = &t.failure {
            update = update
                .col_expr(payment::Column::FailureCode, Expr::value(f.code.clone()))
                .col_expr(
                    payment::Column::FailureDeclineCode,
                    Expr::value(f.decline_code.clone()),
                )
                .col_expr(
                    payment::Column::FailureMessage,
                    Expr::value(f.message.clone()),
                );
        }
        if t.clear_next_action {
            update = update.col_expr(payment::Column::NextActionUrl, Expr::value(None::<String>));
        }
        let updated = update
            .filter(payment::Column::Id.eq(t.payment_id.clone()))
            .filter(payment::Column::Status.is_in(t.from.clone()))
            .exec_with_returning(&txn)
            .await?;
        let Some(row) = updated.into_iter().next() else {
            txn.rollback().await?;
            return Ok(match self.sandbox_payment(&t.payment_id).await? {
                Some(row) => TransitionSandboxPayment::WrongState(row),
                None => TransitionSandboxPayment::NotFound,
            });
        };
        txn.commit().await?;
        Ok(TransitionSandboxPayment::Done(row))
    }

    async fn replay_transition(
        &self,
        t: &SandboxTransition,
    ) -> Result<Option<TransitionSandboxPayment>, StoreError> {
        let Some(done) = action::Entity::find_by_id(t.idempotency_key.clone())
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        if done.request_hash != t.request_hash || done.payment_id != t.payment_id {
            return Ok(Some(TransitionSandboxPayment::KeyReused));
        }
        let row = self
            .sandbox_payment(&done.payment_id)
            .await?
            .ok_or_else(|| vanished("sandbox payment", &done.payment_id))?;
        Ok(Some(TransitionSandboxPayment::Replayed(row)))
    }

    /// Refunds part or all of what is left of a `succeeded` payment. The database checks that
    /// refunds never add up to more than was captured, whatever runs concurrently.
    pub async fn refund_sandbox_payment(
        &self,
        r: NewSandboxRefund,
    ) -> Result<RefundSandboxPayment, StoreError> {
        if let Some(done) = self.replay_refund(&r).await? {
            return Ok(done);
        }
        for _ in 0..FULL_REFUND_TRIES {
            let Some(payment) = self.sandbox_payment(&r.payment_id).await? else {
                return Ok(RefundSandboxPayment::NotFound);
            };
            if payment.status != REFUNDABLE {
                return Ok(RefundSandboxPayment::NotRefundable(payment));
            }
            let left = payment.amount_captured_minor - payment.amount_refunded_minor;
            let amount = r.amount_minor.unwrap_or(left);
            if amount <= 0 || amount > left {
                return Ok(RefundSandboxPayment::ExceedsRefundable(payment));
            }
            let txn = self.db().begin().await?;
            // The update comes first: it takes SQLite's write lock and PostgreSQL's row lock,
            // and its condition is checked against the row as it is then.
            let updated = payment::Entity::update_many()
                .col_expr(
                    payment::Column::AmountRefundedMinor,
                    Expr::col(payment::Column::AmountRefundedMinor).add(amount),
                )
                .col_expr(payment::Column::UpdatedAt, Expr::value(r.now))
                .filter(payment::Column::Id.eq(r.payment_id.clone()))
                .filter(payment::Column::Status.eq(REFUNDABLE))
                .filter(
                    Expr::col(payment::Column::AmountRefundedMinor)
                        .add(amount)
                        .lte(Expr::col(payment::Column::AmountCapturedMinor)),
                )
                .exec(&txn)
                .await?;
            if updated.rows_affected != 1 {
                txn.rollback().await?;
                if r.amount_minor.is_none() {
                    // Another refund took some of what was left: look again.
                    continue;
                }
                return Ok(match self.sandbox_payment(&r.payment_id).await? {
                    Some(p) if p.status != REFUNDABLE => RefundSandboxPayment::NotRefundable(p),
                    Some(p) => RefundSandboxPayment::ExceedsRefundable(p),
                    None => RefundSandboxPayment::NotFound,
                });
            }
            let row = refund::ActiveModel {
                id: Set(r.id.clone()),
                payment_id: Set(r.payment_id.clone()),
                amount_minor: Set(amount),
                currency: Set(payment.currency.clone()),
                reason: Set(r.reason.clone()),
                status: Set(r.status.clone()),
                idempotency_key: Set(r.idempotency_key.clone()),
                request_hash: Set(r.request_hash.clone()),
                created_at: Set(r.now),
            };
            if let Err(e) = refund::Entity::insert(row)
                .exec_without_returning(&txn)
                .await
            {
                txn.rollback().await?;
                if is_unique_violation(&e)
                    && let Some(done) = self.replay_refund(&r).await?
                {
                    return Ok(done);
                }
                return Err(e.into());
            }
            txn.commit().await?;
            return self
                .sandbox_refund(&r.id)
                .await?
                .map(RefundSandboxPayment::Refunded)
                .ok_or_else(|| vanished("sandbox refund", &r.id));
        }
        Err(StoreError::Corrupt(format!(
            "full refund of {} kept losing to concurrent refunds",
            r.payment_id
        )))
    }

    async fn replay_refund(
        &self,
        r: &NewSandboxRefund,
    ) -> Result<Option<RefundSandboxPayment>, StoreError> {
        let Some(done) = self.sandbox_refund_by_key(&r.idempotency_key).await? else {
            return Ok(None);
        };
        Ok(Some(if done.request_hash == r.request_hash {
            RefundSandboxPayment::Replayed(done)
        } else {
            RefundSandboxPayment::KeyReused
        }))
    }

    /// A refund by its id.
    pub async fn sandbox_refund(&self, id: &str) -> Result<Option<SandboxRefundRow>, StoreError> {
        Ok(refund::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?)
    }

    /// The refund made with an idempotency key.
    pub async fn sandbox_refund_by_key(
        &self,
        key: &str,
    ) -> Result<Option<SandboxRefundRow>, StoreError> {
        Ok(refund::Entity::find()
            .filter(refund::Column::IdempotencyKey.eq(key))
            .one(self.db())
            .await?)
    }

    /// A payment's refunds, oldest first.
    pub async fn sandbox_refunds_of(
        &self,
        payment_id: &str,
    ) -> Result<Vec<SandboxRefundRow>, StoreError> {
        Ok(refund::Entity::find()
            .filter(refund::Column::PaymentId.eq(payment_id))
            .order_by_asc(refund::Column::CreatedAt)
            .order_by_asc(refund::Column::Id)
            .all(self.db())
            .await?)
    }

    /// Moves a payment from `from` to `to` (setting the amount captured) if it is still in
    /// `from`: a late payment settling when its notification goes out.
    pub async fn settle_sandbox_payment(
        &self,
        payment_id: &str,
        from: &str,
        to: &str,
        amount_captured_minor: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<SettleSandboxPayment, StoreError> {
        let mut update = payment::Entity::update_many()
            .col_expr(payment::Column::Status, Expr::value(to.to_owned()))
            .col_expr(
                payment::Column::UpdatedAt,
                Expr::value(crate::stored_time(now)),
            );
        if let Some(captured) = amount_captured_minor {
            update = update.col_expr(payment::Column::AmountCapturedMinor, Expr::value(captured));
        }
        let updated = update
            .filter(payment::Column::Id.eq(payment_id))
            .filter(payment::Column::Status.eq(from))
            .exec_with_returning(self.db())
            .await?;
        if let Some(row) = updated.into_iter().next() {
            return Ok(SettleSandboxPayment::Settled(row));
        }
        Ok(match self.sandbox_payment(payment_id).await? {
            Some(row) => SettleSandboxPayment::Unchanged(row),
            None => SettleSandboxPayment::NotFound,
        })
    }

    /// Takes the lease on up to `limit` undelivered events due at `now` whose lease is free or
    /// expired, until `lease_until`, counting an attempt on each. Each lease is a conditional
    /// update, so concurrent claimers never take the same event.
    pub async fn claim_sandbox_webhooks(
        &self,
        now: DateTime<Utc>,
        limit: u64,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<SandboxWebhookRow>, StoreError> {
        let now = crate::stored_time(now);
        let lease_until = crate::stored_time(lease_until);
        let claimable = || {
            sea_orm::Condition::all()
                .add(webhook_event::Column::DeliveredAt.is_null())
                .add(webhook_event::Column::DeliverAt.lte(now))
                .add(
                    sea_orm::Condition::any()
                        .add(webhook_event::Column::LeaseUntil.is_null())
                        .add(webhook_event::Column::LeaseUntil.lte(now)),
                )
        };
        let candidates = webhook_event::Entity::find()
            .filter(claimable())
            .order_by_asc(webhook_event::Column::DeliverAt)
            .order_by_asc(webhook_event::Column::Id)
            .limit(limit)
            .all(self.db())
            .await?;
        let mut claimed = Vec::with_capacity(candidates.len());
        for candidate in candidates {
            // Checked again against the row as it is when the update runs: another claimer may
            // have taken it since it was read.
            let updated = webhook_event::Entity::update_many()
                .col_expr(webhook_event::Column::LeaseUntil, Expr::value(lease_until))
                .col_expr(
                    webhook_event::Column::Attempts,
                    Expr::col(webhook_event::Column::Attempts).add(1),
                )
                .filter(webhook_event::Column::Id.eq(candidate.id.clone()))
                .filter(claimable())
                .exec_with_returning(self.db())
                .await?;
            claimed.extend(updated);
        }
        Ok(claimed)
    }

    /// Sets a claimed event's type and body once: a body set before (by an earlier claim) is
    /// kept and answered.
    pub async fn fill_sandbox_webhook(
        &self,
        id: &str,
        event_type: &str,
        body: &str,
    ) -> Result<SandboxWebhookRow, StoreError> {
        let updated = webhook_event::Entity::update_many()
            .col_expr(
                webhook_event::Column::EventType,
                Expr::value(event_type.to_owned()),
            )
            .col_expr(webhook_event::Column::Body, Expr::value(body.to_owned()))
            .filter(webhook_event::Column::Id.eq(id))
            .filter(webhook_event::Column::Body.eq(""))
            .exec_with_returning(self.db())
            .await?;
        if let Some(row) = updated.into_iter().next() {
            return Ok(row);
        }
        self.sandbox_webhook(id)
            .await?
            .ok_or_else(|| vanished("sandbox webhook event", id))
    }

    /// Marks an event delivered and frees its lease. `false` when there is no such event.
    pub async fn sandbox_webhook_delivered(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        webhook_event::Entity::update_many()
            .col_expr(
                webhook_event::Column::DeliveredAt,
                Expr::value(crate::stored_time(now)),
            )
            .col_expr(
                webhook_event::Column::LeaseUntil,
                Expr::value(None::<DateTime<Utc>>),
            )
            .filter(webhook_event::Column::Id.eq(id))
            .filter(webhook_event::Column::DeliveredAt.is_null())
            .exec(self.db())
            .await?;
        Ok(self.sandbox_webhook(id).await?.is_some())
    }

    /// Records a failed delivery of an undelivered event: keeps `error`, frees the lease and
    /// makes it due again at `retry_at`. `false` when there is no such event.
    pub async fn sandbox_webhook_failed(
        &self,
        id: &str,
        error: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        webhook_event::Entity::update_many()
            .col_expr(
                webhook_event::Column::LastError,
                Expr::value(error.to_owned()),
            )
            .col_expr(
                webhook_event::Column::LeaseUntil,
                Expr::value(None::<DateTime<Utc>>),
            )
            .col_expr(
                webhook_event::Column::DeliverAt,
                Expr::value(crate::stored_time(retry_at)),
            )
            .filter(webhook_event::Column::Id.eq(id))
            .filter(webhook_event::Column::DeliveredAt.is_null())
            .exec(self.db())
            .await?;
        Ok(self.sandbox_webhook(id).await?.is_some())
    }

    /// A notification by its id.
    pub async fn sandbox_webhook(&self, id: &str) -> Result<Option<SandboxWebhookRow>, StoreError> {
        Ok(webhook_event::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?)
    }

    /// The notifications queued about a payment, oldest first.
    pub async fn sandbox_webhooks_of(
        &self,
        payment_id: &str,
    ) -> Result<Vec<SandboxWebhookRow>, StoreError> {
        Ok(webhook_event::Entity::find()
            .filter(webhook_event::Column::PaymentId.eq(payment_id))
            .order_by_asc(webhook_event::Column::CreatedAt)
            .order_by_asc(webhook_event::Column::Id)
            .all(self.db())
            .await?)
    }
}
