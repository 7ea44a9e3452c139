//! Payments after the traveller's own request: what providers tell us later (webhooks), what
//! staff do (capture, void, refund), and the reconciliation job that asks providers about
//! every payment whose outcome we do not know.
//!
//! However a provider's answer reaches us — the call's own reply, a notification, or
//! reconciliation asking again — it goes through [`Orders::apply_provider_state`]: the amount
//! and currency must be ours, the record only moves forward
//! ([`PaymentRecordStatus::may_become`]), and going on with the order (confirming it, sending
//! the traveller back to pay again) is gated by one conditional move of the order, so the
//! same news arriving three ways acts once. Money authorised or taken for an order that no
//! longer wants it is given back.
//!
//! The traveller is told of money taken (`payment-received`) and of a refund gone through
//! (`refund-processed`) by outbox events written with the record that says so, once per
//! payment or refund however often the news arrives.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use wayfare_domain::Money;
use wayfare_domain::order::{ItemStatus, OrderStatus};
use wayfare_domain::payment::record::{PaymentRecordStatus, RefundRecordStatus};
use wayfare_payments::{
    Payment, PaymentError, PaymentProvider, RefundRequest, RefundStatus, WebhookError,
    WebhookRequest, WebhookSubject,
};
use wayfare_store::orders::{OrderPaymentRow, OrderRefundRow};
use wayfare_store::payments::RefundReservation;

use crate::error::BookingError;
use crate::messages::{receipt_events, refund_events};
use crate::pay::{record_payment, record_status};
use crate::view::{PaymentView, RefundView, currency_of, payment_view, refund_view, status_of};
use crate::{Actor, Orders, new_id};

/// Payment statuses a refund may be made from.
const REFUNDABLE: &[&str] = &["succeeded", "partially_captured"];

/// A payment with its order and refunds, for `GET /api/v1/payments/{id}`.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentDetail {
    pub payment: PaymentView,
    pub order_id: String,
    pub order_reference: String,
    pub refunds: Vec<RefundView>,
}

/// What a verified notification came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookOutcome {
    /// Seen before: nothing done.
    Duplicate,
    /// It changed our record (and the order went on from there).
    Applied,
    /// Our record already says so, or says something later (it came out of order).
    NoChange,
    /// About a payment or refund we do not have.
    Unknown,
    /// The amount or currency is not ours: nothing changed, logged for finance.
    AmountMismatch,
    /// Money was held or taken for an order that no longer wants it: given back.
    GivenBack,
    /// A kind of event we do not act on.
    Ignored,
}

impl WebhookOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookOutcome::Duplicate => "duplicate",
            WebhookOutcome::Applied => "applied",
            WebhookOutcome::NoChange => "no_change",
            WebhookOutcome::Unknown => "unknown",
            WebhookOutcome::AmountMismatch => "amount_mismatch",
            WebhookOutcome::GivenBack => "given_back",
            WebhookOutcome::Ignored => "ignored",
        }
    }
}

/// One payment or refund reconciliation changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReconcileFix {
    /// Our payment or refund id.
    pub id: String,
    pub order_reference: String,
    pub from: String,
    pub to: String,
}

/// What a reconciliation round found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    /// Payments and refunds asked about.
    pub checked: usize,
    pub fixed: Vec<ReconcileFix>,
    /// Records whose amount or currency differs from the provider's: left for finance.
    pub mismatches: Vec<String>,
    /// Providers that could not be asked this time.
    pub errors: Vec<String>,
}

/// A refund staff (or the platform) asks for.
#[derive(Debug, Clone)]
pub struct RefundAsk {
    /// `None`: everything not yet refunded.
    pub amount: Option<Money>,
    pub reason: String,
    /// The same key is the same refund.
    pub idempotency_key: String,
}

const RECONCILE_BATCH: u64 = 200;

/// Refunds still pending after this long go to finance.
fn refund_review_after() -> Duration {
    Duration::days(7)
}

impl Orders {
    fn provider_of(
        &self,
        row: &OrderPaymentRow,
    ) -> Result<&std::sync::Arc<dyn PaymentProvider>, BookingError> {
        self.provider(&row.provider)
            .ok_or_else(|| BookingError::UnknownProvider(row.provider.clone()))
    }

    /// One payment with its order and refunds.
    pub async fn payment_detail(&self, payment_id: &str) -> Result<PaymentDetail, BookingError> {
        let store = &self.inner.store;
        let row = store
            .order_payment(payment_id)
            .await?
            .ok_or(BookingError::NotFound)?;
        let order = store
            .order(&row.order_id)
            .await?
            .ok_or(BookingError::NotFound)?;
        let refunds = store
            .refunds_of_payment(&row.id)
            .await?
            .into_iter()
            .map(refund_view)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PaymentDetail {
            payment: payment_view(row)?,
            order_id: order.id,
            order_reference: order.reference,
            refunds,
        })
    }

    /// Verifies and applies a provider's notification. A notification that does not verify is
    /// [`BookingError::WebhookRejected`] and changes nothing; one that cannot be verified now
    /// (the provider's verification service is down) is [`BookingError::PaymentUnavailable`],
    /// so the provider sends it again.
    pub async fn handle_webhook(
        &self,
        provider_name: &str,
        req: &WebhookRequest<'_>,
    ) -> Result<WebhookOutcome, BookingError> {
        let provider = self
            .provider(provider_name)
            .cloned()
            .ok_or(BookingError::NotFound)?;
        let event = match provider.parse_webhook(req).await {
            Ok(e) => e,
            Err(WebhookError::Unavailable(why)) => {
                tracing::warn!(provider = provider_name, %why, "webhook could not be verified now");
                return Err(BookingError::PaymentUnavailable);
            }
            Err(e) => {
                tracing::warn!(provider = provider_name, error = %e, "webhook rejected");
                return Err(BookingError::WebhookRejected(e.to_string()));
            }
        };
        let store = &self.inner.store;
        if !store
            .begin_webhook_event(
                provider_name,
                &event.event_id,
                &event.event_type,
                self.now(),
            )
            .await?
        {
            return Ok(WebhookOutcome::Duplicate);
        }
        let actor = format!("provider:{provider_name}");
        let result = match &event.subject {
            WebhookSubject::Payment {
                payment_id, amount, ..
            } => {
                self.sync_payment(provider.as_ref(), payment_id, *amount, &actor)
                    .await
            }
            WebhookSubject::Refund { refund_id, .. } => {
                self.sync_refund_by_provider_id(provider.as_ref(), refund_id)
                    .await
            }
            WebhookSubject::Other => Ok((WebhookOutcome::Ignored, None)),
        };
        match result {
            Ok((outcome, payment_id)) => {
                if outcome == WebhookOutcome::AmountMismatch {
                    tracing::error!(provider = provider_name, event = %event.event_id, "webhook amount or currency differs from our record");
                }
                store
                    .finish_webhook_event(
                        provider_name,
                        &event.event_id,
                        payment_id.as_deref(),
                        outcome.as_str(),
                    )
                    .await?;
                Ok(outcome)
            }
            Err(e) => {
                // Handled again when the provider retries.
                store
                    .forget_webhook_event(provider_name, &event.event_id)
                    .await?;
                Err(e)
            }
        }
    }

    /// Brings our record of a provider's payment up to date with what the provider says now
    /// (asked, not taken from the notification, so an old notification cannot move it back).
    async fn sync_payment(
        &self,
        provider: &dyn PaymentProvider,
        provider_payment_id: &str,
        notified_amount: Option<Money>,
        actor: &str,
    ) -> Result<(WebhookOutcome, Option<String>), BookingError> {
        let store = &self.inner.store;
        let payment = match provider.get_payment(provider_payment_id).await {
            Ok(p) => p,
            Err(PaymentError::NotFound(_)) => return Ok((WebhookOutcome::Unknown, None)),
            Err(_) => return Err(BookingError::PaymentUnavailable),
        };
        let row = match store
            .order_payment_by_provider_id(provider.name(), provider_payment_id)
            .await?
        {
            Some(row) => Some(row),
            // The attempt whose answer was lost has no provider id yet: found by its order.
            None => match store.order_by_reference(&payment.reference).await? {
                Some(order) => store
                    .order_payments(&order.id)
                    .await?
                    .into_iter()
                    .find(|p| {
                        p.provider == provider.name()
                            && p.provider_payment_id.is_none()
                            && p.status == PaymentRecordStatus::Processing.as_str()
                            && p.amount_minor == payment.amount.minor()
                    }),
                None => None,
            },
        };
        let Some(row) = row else {
            return Ok((WebhookOutcome::Unknown, None));
        };
        let id = Some(row.id.clone());
        if let Some(amount) = notified_amount
            && (amount.minor() != row.amount_minor || amount.currency().code() != row.currency)
        {
            return Ok((WebhookOutcome::AmountMismatch, id));
        }
        Ok((self.apply_provider_state(row, payment, actor).await?, id))
    }

    /// Applies what the provider says about one of our payment records (see the module docs).
    pub(crate) async fn apply_provider_state(
        &self,
        mut row: OrderPaymentRow,
        payment: Payment,
        actor: &str,
    ) -> Result<WebhookOutcome, BookingError> {
        let store = &self.inner.store;
        if payment.amount.minor() != row.amount_minor
            || payment.amount.currency().code() != row.currency
        {
            tracing::error!(payment = %row.id, provider_amount = %payment.amount, "the provider's amount differs from ours");
            return Ok(WebhookOutcome::AmountMismatch);
        }
        let old = PaymentRecordStatus::parse(&row.status)
            .ok_or_else(|| BookingError::Internal(format!("payment status {}", row.status)))?;
        let new = record_status(&payment);
        let money_held = new == PaymentRecordStatus::RequiresCapture || new.is_captured();
        if old.is_final() {
            if !old.is_captured() && money_held {
                // We had given up on it (no answer, an outage) but the provider took it.
                tracing::error!(payment = %row.id, "a payment we had given up on was taken; giving it back");
                self.give_money_back(&mut row, &payment, None, "abandoned_attempt")
                    .await;
                return Ok(WebhookOutcome::GivenBack);
            }
            return Ok(WebhookOutcome::NoChange);
        }
        if old == new && row.provider_payment_id.is_some() {
            return Ok(WebhookOutcome::NoChange);
        }
        if old != new && !old.may_become(new) {
            return Ok(WebhookOutcome::NoChange);
        }
        let order = store
            .order(&row.order_id)
            .await?
            .ok_or(BookingError::NotFound)?;
        let status = status_of(&order)?;
        if status == OrderStatus::AwaitingPayment {
            let others = store
                .order_payments(&order.id)
                .await?
                .into_iter()
                .filter(|p| p.id != row.id)
                .collect();
            return match self.after_payment(order, row, others, payment, actor).await {
                Ok(_)
                | Err(
                    BookingError::PaymentDeclined { .. }
                    | BookingError::HoldExpired
                    | BookingError::ConfirmationFailed { .. }
                    | BookingError::NotPayable { .. },
                ) => Ok(WebhookOutcome::Applied),
                Err(e) => Err(e),
            };
        }
        let expected = row.status.clone();
        let now = self.now();
        record_payment(&mut row, &payment, now);
        let order_wants_it = matches!(status, OrderStatus::Paid | OrderStatus::Confirmed);
        // Money taken for the order (a capture that went through after all): the traveller's
        // receipt. Money taken for an order that no longer wants it goes straight back, which
        // the refund's own message tells.
        let receipt = if order_wants_it {
            receipt_events(&row, now)
        } else {
            Vec::new()
        };
        if !store
            .update_order_payment_if_telling(&row, &expected, receipt)
            .await?
        {
            return Ok(WebhookOutcome::NoChange);
        }
        if money_held && !order_wants_it {
            self.give_money_back(&mut row, &payment, None, "order_not_payable")
                .await;
            return Ok(WebhookOutcome::GivenBack);
        }
        Ok(WebhookOutcome::Applied)
    }

    async fn sync_refund_by_provider_id(
        &self,
        provider: &dyn PaymentProvider,
        provider_refund_id: &str,
    ) -> Result<(WebhookOutcome, Option<String>), BookingError> {
        let Some(row) = self
            .inner
            .store
            .order_refunds_by_provider_id(provider.name(), provider_refund_id)
            .await?
        else {
            return Ok((WebhookOutcome::Unknown, None));
        };
        let payment_id = Some(row.payment_id.clone());
        let refund = match provider.get_refund(provider_refund_id).await {
            Ok(r) => r,
            Err(PaymentError::NotFound(_)) => return Ok((WebhookOutcome::Unknown, payment_id)),
            Err(_) => return Err(BookingError::PaymentUnavailable),
        };
        let outcome = if self
            .settle_refund(row, refund.status, Some(refund.id), None)
            .await?
        {
            WebhookOutcome::Applied
        } else {
            WebhookOutcome::NoChange
        };
        Ok((outcome, payment_id))
    }

    /// Moves a refund record to what the provider says, if that is a move forward.
    async fn settle_refund(
        &self,
        mut row: OrderRefundRow,
        status: RefundStatus,
        provider_refund_id: Option<String>,
        failure: Option<String>,
    ) -> Result<bool, BookingError> {
        let old = RefundRecordStatus::parse(&row.status)
            .ok_or_else(|| BookingError::Internal(format!("refund status {}", row.status)))?;
        let new = match status {
            RefundStatus::Succeeded => RefundRecordStatus::Succeeded,
            RefundStatus::Pending => RefundRecordStatus::Pending,
            RefundStatus::Failed => RefundRecordStatus::Failed,
        };
        if !old.may_become(new) {
            if provider_refund_id.is_some() && row.provider_refund_id.is_none() {
                let expected = row.status.clone();
                row.provider_refund_id = provider_refund_id;
                row.updated_at = Some(self.now());
                self.inner
                    .store
                    .settle_order_refund(&row, &expected)
                    .await?;
            }
            return Ok(false);
        }
        let expected = row.status.clone();
        row.status = new.as_str().into();
        if provider_refund_id.is_some() {
            row.provider_refund_id = provider_refund_id;
        }
        row.failure_code = failure.or(row.failure_code);
        let now = self.now();
        row.updated_at = Some(now);
        // A refund gone through is told to the traveller, with the record that says so.
        let done = self
            .inner
            .store
            .settle_order_refund_telling(&row, &expected, refund_events(&row, now))
            .await?;
        if done {
            self.inner
                .store
                .note_order_event(
                    &row.order_id,
                    &format!("refund_{}", row.status),
                    &self.order_status_str(&row.order_id).await?,
                    "system",
                    &format!("{} {}", row.id, row.reason),
                    self.now(),
                )
                .await?;
        }
        Ok(done)
    }

    /// Hands a refund that failed or stalled to finance (`manual_review`); false when it had
    /// changed meanwhile.
    pub(crate) async fn to_manual_review(
        &self,
        mut row: OrderRefundRow,
    ) -> Result<bool, BookingError> {
        let expected = row.status.clone();
        row.status = RefundRecordStatus::ManualReview.as_str().into();
        row.updated_at = Some(self.now());
        let moved = self
            .inner
            .store
            .settle_order_refund(&row, &expected)
            .await?;
        if moved {
            tracing::error!(refund = %row.id, "refund needs a person: moved to manual review");
        }
        Ok(moved)
    }

    async fn order_status_str(&self, order_id: &str) -> Result<String, BookingError> {
        Ok(self
            .inner
            .store
            .order(order_id)
            .await?
            .map(|o| o.status)
            .unwrap_or_default())
    }

    /// Refunds part or all of a captured payment to the method it was paid with. The refund is
    /// recorded `pending` with its amount reserved before the provider is called; the same
    /// idempotency key answers the same refund.
    pub(crate) async fn refund_record(
        &self,
        payment_row: &OrderPaymentRow,
        ask: &RefundAsk,
        actor: &str,
    ) -> Result<OrderRefundRow, BookingError> {
        let provider = self.provider_of(payment_row)?.clone();
        let provider_payment_id =
            payment_row
                .provider_payment_id
                .clone()
                .ok_or(BookingError::PaymentState {
                    status: payment_row.status.clone(),
                })?;
        let store = &self.inner.store;
        let currency = currency_of(&payment_row.currency)?;
        // The record as stored now (another refund may have been made meanwhile).
        let current = store
            .order_payment(&payment_row.id)
            .await?
            .ok_or(BookingError::NotFound)?;
        let amount = match ask.amount {
            Some(a) if a.currency() != currency => {
                return Err(BookingError::invalid("amount", "reason-refund-currency"));
            }
            Some(a) => a,
            None => Money::from_minor(current.captured_minor - current.refunded_minor, currency),
        };
        if amount.minor() <= 0 {
            return Err(BookingError::RefundNotAllowed);
        }
        let now = self.now();
        let refund = OrderRefundRow {
            id: new_id("orf"),
            order_id: payment_row.order_id.clone(),
            payment_id: payment_row.id.clone(),
            provider_refund_id: None,
            status: RefundRecordStatus::Pending.as_str().into(),
            amount_minor: amount.minor(),
            currency: currency.code().to_owned(),
            reason: ask.reason.chars().take(500).collect(),
            idempotency_key: Some(format!("{}:{}", payment_row.id, ask.idempotency_key)),
            failure_code: None,
            created_at: now,
            updated_at: Some(now),
        };
        let refund = match store.reserve_order_refund(refund, REFUNDABLE).await? {
            RefundReservation::Existing(r) => {
                if r.amount_minor != amount.minor() {
                    return Err(BookingError::IdempotencyMismatch);
                }
                return Ok(r);
            }
            RefundReservation::NotRefundable => return Err(BookingError::RefundNotAllowed),
            RefundReservation::Reserved(r) => r,
        };
        store
            .note_order_event(
                &refund.order_id,
                "refund_requested",
                &self.order_status_str(&refund.order_id).await?,
                actor,
                &format!("{} {} {}", refund.id, amount, refund.reason),
                now,
            )
            .await?;
        let answer = provider
            .refund(&RefundRequest {
                payment_id: provider_payment_id,
                amount: Some(amount),
                reason: refund.reason.clone(),
                idempotency_key: refund.id.clone(),
            })
            .await;
        match answer {
            Ok(r) => {
                self.settle_refund(refund.clone(), r.status, Some(r.id), None)
                    .await?;
            }
            // Unknown or not now: reconciliation asks again with the same key.
            Err(PaymentError::Timeout | PaymentError::Unavailable(_)) => {
                tracing::warn!(refund = %refund.id, "refund not answered; reconciliation will ask again");
            }
            Err(e) => {
                let code = match e {
                    PaymentError::InvalidState { .. } => "invalid_state",
                    PaymentError::NotFound(_) => "not_found",
                    PaymentError::IdempotencyKeyReused => "idempotency_key_reused",
                    _ => "invalid_request",
                };
                self.settle_refund(
                    refund.clone(),
                    RefundStatus::Failed,
                    None,
                    Some(code.into()),
                )
                .await?;
            }
        }
        store
            .order_refund(&refund.id)
            .await?
            .ok_or(BookingError::NotFound)
    }

    /// Refunds a payment (staff): see [`Orders::refund_record`].
    pub async fn refund_payment(
        &self,
        payment_id: &str,
        ask: &RefundAsk,
        actor: &Actor,
    ) -> Result<RefundView, BookingError> {
        let row = self
            .inner
            .store
            .order_payment(payment_id)
            .await?
            .ok_or(BookingError::NotFound)?;
        if !REFUNDABLE.contains(&row.status.as_str()) {
            return Err(BookingError::PaymentState { status: row.status });
        }
        let refund = self.refund_record(&row, ask, &actor.label()).await?;
        refund_view(refund)
    }

    /// Captures an authorised payment (staff): all of it, or `amount`.
    pub async fn capture_payment(
        &self,
        payment_id: &str,
        amount: Option<Money>,
        actor: &Actor,
    ) -> Result<PaymentDetail, BookingError> {
        let store = &self.inner.store;
        let mut row = store
            .order_payment(payment_id)
            .await?
            .ok_or(BookingError::NotFound)?;
        if row.status != PaymentRecordStatus::RequiresCapture.as_str() {
            return Err(BookingError::PaymentState { status: row.status });
        }
        if let Some(a) = amount
            && (a.currency().code() != row.currency
                || a.minor() <= 0
                || a.minor() > row.amount_minor)
        {
            return Err(BookingError::invalid("amount", "reason-capture-amount"));
        }
        let provider = self.provider_of(&row)?.clone();
        let pid = row
            .provider_payment_id
            .clone()
            .ok_or(BookingError::PaymentState {
                status: row.status.clone(),
            })?;
        let payment = provider
            .capture(&pid, amount, &format!("{}:capture", row.id))
            .await
            .map_err(payment_call_error)?;
        let expected = row.status.clone();
        let now = self.now();
        record_payment(&mut row, &payment, now);
        if store
            .update_order_payment_if_telling(&row, &expected, receipt_events(&row, now))
            .await?
        {
            store
                .note_order_event(
                    &row.order_id,
                    "payment_captured",
                    &self.order_status_str(&row.order_id).await?,
                    &actor.label(),
                    &format!("{} {}", row.id, payment.amount_captured),
                    self.now(),
                )
                .await?;
        }
        self.payment_detail(payment_id).await
    }

    /// Voids a payment not yet captured (staff). An order waiting for it goes back to `held`
    /// so the traveller can pay again; an order being confirmed with it is not touched.
    pub async fn void_payment(
        &self,
        payment_id: &str,
        actor: &Actor,
    ) -> Result<PaymentDetail, BookingError> {
        let store = &self.inner.store;
        let row = store
            .order_payment(payment_id)
            .await?
            .ok_or(BookingError::NotFound)?;
        let status = PaymentRecordStatus::parse(&row.status)
            .ok_or_else(|| BookingError::Internal(format!("payment status {}", row.status)))?;
        if status.is_final() {
            return Err(BookingError::PaymentState { status: row.status });
        }
        let order = store
            .order(&row.order_id)
            .await?
            .ok_or(BookingError::NotFound)?;
        if status_of(&order)? == OrderStatus::Paid {
            // Being confirmed with the suppliers right now: its capture follows.
            return Err(BookingError::PaymentState { status: row.status });
        }
        let provider = self.provider_of(&row)?.clone();
        let Some(pid) = row.provider_payment_id.clone() else {
            return Err(BookingError::PaymentState { status: row.status });
        };
        let payment = provider
            .void(&pid, &format!("{}:void", row.id))
            .await
            .map_err(payment_call_error)?;
        self.apply_provider_state(row, payment, &actor.label())
            .await?;
        self.payment_detail(payment_id).await
    }

    /// Asks the providers about every payment whose outcome we do not know or that waits too
    /// long — `processing` (no answer, or not decided), `requires_action` (the customer has not
    /// finished), `requires_capture` (a capture that did not go through) — unchanged for
    /// `older_than`, and about refunds still pending; fixes our records from the answers.
    pub async fn reconcile(&self, older_than: Duration) -> Result<ReconcileReport, BookingError> {
        let mut report = ReconcileReport::default();
        let store = &self.inner.store;
        let now = self.now();
        let before = now - older_than;
        for row in store.payments_to_reconcile(before, RECONCILE_BATCH).await? {
            report.checked += 1;
            store.mark_payment_checked(&row.id, now).await?;
            if let Err(e) = self.reconcile_payment(row, now, &mut report).await {
                report.errors.push(e.to_string());
            }
        }
        for refund in store.refunds_to_reconcile(before, RECONCILE_BATCH).await? {
            report.checked += 1;
            if let Err(e) = self.reconcile_refund(refund, now, &mut report).await {
                report.errors.push(e.to_string());
            }
        }
        Ok(report)
    }

    async fn reconcile_payment(
        &self,
        row: OrderPaymentRow,
        now: DateTime<Utc>,
        report: &mut ReconcileReport,
    ) -> Result<(), BookingError> {
        let store = &self.inner.store;
        let provider = self.provider_of(&row)?.clone();
        let order = store
            .order(&row.order_id)
            .await?
            .ok_or(BookingError::NotFound)?;
        let answer = match &row.provider_payment_id {
            Some(pid) => provider.get_payment(pid).await,
            // The answer was lost: the same request with the same key finds what the first
            // did (or makes it now, authorised only, and it is voided below if too late).
            None => {
                provider
                    .create_payment(&self.payment_request(&order, &row)?)
                    .await
            }
        };
        let mut payment = match answer {
            Ok(p) => p,
            Err(PaymentError::Timeout | PaymentError::Unavailable(_)) => {
                report
                    .errors
                    .push(format!("{}: {} did not answer", row.id, row.provider));
                return Ok(());
            }
            Err(PaymentError::IdempotencyKeyReused) => {
                // The provider has the attempt but the request we rebuilt differs (another
                // `public_base_url` than the server's): it cannot be settled from here.
                report.errors.push(format!(
                    "{}: {} has this attempt under another request; run with the server's configuration",
                    row.id, row.provider
                ));
                return Ok(());
            }
            Err(e) => {
                // The provider has no such payment and will not make it: the attempt failed.
                let mut failed = row.clone();
                failed.status = PaymentRecordStatus::Failed.as_str().into();
                failed.failure_code = Some("not_at_provider".into());
                failed.updated_at = now;
                if store.update_order_payment_if(&failed, &row.status).await? {
                    tracing::warn!(payment = %row.id, error = %e, "payment unknown to its provider; marked failed");
                    if status_of(&order)? == OrderStatus::AwaitingPayment {
                        self.payment_failed(
                            &order,
                            "system",
                            "the payment never reached the provider",
                        )
                        .await?;
                    }
                    report.fixed.push(ReconcileFix {
                        id: row.id.clone(),
                        order_reference: order.reference.clone(),
                        from: row.status.clone(),
                        to: failed.status,
                    });
                }
                return Ok(());
            }
        };
        let mut provider_status = record_status(&payment);
        // Still waiting on the customer after the hold ran out: abandon it.
        if matches!(
            provider_status,
            PaymentRecordStatus::Processing | PaymentRecordStatus::RequiresAction
        ) && order.hold_expires_at <= now
            && status_of(&order)? == OrderStatus::AwaitingPayment
        {
            match provider
                .void(&payment.id, &format!("{}:void", row.id))
                .await
            {
                Ok(p) => {
                    payment = p;
                    provider_status = record_status(&payment);
                }
                Err(e) => {
                    tracing::warn!(payment = %row.id, error = %e, "could not abandon a stale payment")
                }
            }
        }
        // An authorisation for a confirmed order whose capture did not go through: capture
        // what was confirmed.
        if provider_status == PaymentRecordStatus::RequiresCapture
            && status_of(&order)? == OrderStatus::Confirmed
        {
            let items = store.order_items(&order.id).await?;
            let confirmed: i64 = items
                .iter()
                .filter(|i| i.status == ItemStatus::Confirmed.as_str())
                .map(|i| i.total_minor)
                .sum();
            let amount = (confirmed < row.amount_minor)
                .then(|| Money::from_minor(confirmed, payment.amount.currency()));
            match provider
                .capture(&payment.id, amount, &format!("{}:capture", row.id))
                .await
            {
                Ok(p) => {
                    payment = p;
                    provider_status = record_status(&payment);
                }
                Err(e) => {
                    report
                        .errors
                        .push(format!("{}: capture failed: {e}", row.id));
                }
            }
        }
        let from = row.status.clone();
        let id = row.id.clone();
        match self
            .apply_provider_state(row, payment, "reconciliation")
            .await?
        {
            WebhookOutcome::AmountMismatch => report.mismatches.push(format!(
                "{id} ({}): our amount differs from {}'s",
                order.reference,
                provider.name()
            )),
            WebhookOutcome::Applied | WebhookOutcome::GivenBack => {
                let to = store
                    .order_payment(&id)
                    .await?
                    .map(|r| r.status)
                    .unwrap_or_else(|| provider_status.as_str().into());
                report.fixed.push(ReconcileFix {
                    id,
                    order_reference: order.reference.clone(),
                    from,
                    to,
                });
            }
            _ => {}
        }
        Ok(())
    }

    async fn reconcile_refund(
        &self,
        row: OrderRefundRow,
        now: DateTime<Utc>,
        report: &mut ReconcileReport,
    ) -> Result<(), BookingError> {
        let store = &self.inner.store;
        let payment = store
            .order_payment(&row.payment_id)
            .await?
            .ok_or(BookingError::NotFound)?;
        let provider = self.provider_of(&payment)?.clone();
        let reference = store
            .order(&row.order_id)
            .await?
            .map(|o| o.reference)
            .unwrap_or_default();
        let answer = match (&row.provider_refund_id, &payment.provider_payment_id) {
            (Some(rid), _) => provider.get_refund(rid).await,
            (None, Some(pid)) => {
                provider
                    .refund(&RefundRequest {
                        payment_id: pid.clone(),
                        amount: Some(Money::from_minor(
                            row.amount_minor,
                            currency_of(&row.currency)?,
                        )),
                        reason: row.reason.clone(),
                        idempotency_key: row.id.clone(),
                    })
                    .await
            }
            (None, None) => Err(PaymentError::NotFound(row.id.clone())),
        };
        let from = row.status.clone();
        let id = row.id.clone();
        let settled = match answer {
            Ok(r) => {
                self.settle_refund(row.clone(), r.status, Some(r.id), None)
                    .await?
            }
            Err(PaymentError::Timeout | PaymentError::Unavailable(_)) => {
                report
                    .errors
                    .push(format!("{id}: {} did not answer", payment.provider));
                false
            }
            Err(e) => {
                self.settle_refund(
                    row.clone(),
                    RefundStatus::Failed,
                    None,
                    Some(e.to_string().chars().take(64).collect()),
                )
                .await?
            }
        };
        let mut now_row = store
            .order_refund(&id)
            .await?
            .ok_or(BookingError::NotFound)?;
        // Pending for too long, or refused: finance looks.
        if (now_row.status == "pending" && row.created_at + refund_review_after() <= now)
            || now_row.status == "failed"
        {
            let review = self.to_manual_review(now_row.clone()).await?;
            if review {
                now_row.status = RefundRecordStatus::ManualReview.as_str().into();
            }
        }
        let to = now_row.status;
        if settled || to != from {
            report.fixed.push(ReconcileFix {
                id,
                order_reference: reference,
                from,
                to,
            });
        }
        Ok(())
    }
}

/// A provider call's refusal, for staff operations.
fn payment_call_error(e: PaymentError) -> BookingError {
    match e {
        PaymentError::InvalidState { status } => BookingError::PaymentState {
            status: status.as_str().into(),
        },
        PaymentError::InvalidRequest(_) | PaymentError::IdempotencyKeyReused => {
            BookingError::invalid("amount", "reason-capture-amount")
        }
        PaymentError::NotFound(_) => BookingError::NotFound,
        PaymentError::Unavailable(_) | PaymentError::Timeout => BookingError::PaymentUnavailable,
    }
}
