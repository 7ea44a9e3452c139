//! The built-in sandbox provider: behaves like Stripe in test mode for the payment methods in
//! [`TEST_METHODS`], and keeps its payments and refunds in our own database (the
//! `sandbox_payments`, `sandbox_refunds` and `sandbox_payment_actions` tables), so a payment
//! made today can be refunded after a restart next week.
//!
//! - Ids look like Stripe's: `pi_sbx_` or `re_sbx_` and 24 random letters and digits.
//! - 3-D Secure methods answer `RequiresAction` with a relative `next_action_url`,
//!   [`authenticate_path`]; the page served there calls
//!   [`PaymentProvider::complete_action`].
//! - Captures, voids, authentication answers and refunds are conditional updates in the
//!   database: concurrent refunds never add up to more than was captured.
//! - Authorisations do not expire, refunds succeed at once, and a declined or voided payment
//!   stays as it is (a new attempt is a new payment).
//! - `pm_card_sandboxUnavailable` and `pm_card_sandboxTimeout` make the provider fail, to test
//!   how callers cope with an outage and with a lost answer.
//!
//! Notifications (webhooks), when built with [`SandboxProvider::with_webhooks`]:
//! - Like Stripe's, signed with HMAC-SHA256 in [`SIGNATURE_HEADER`]
//!   (`t=<unix secs>,v1=<hex of HMAC(secret, "{t}.{body}")>`, see [`sign_webhook`]), with
//!   Stripe-like `payment_intent.*` bodies; [`PaymentProvider::parse_webhook`] checks them
//!   (300 s tolerance) before reading anything.
//! - Queued in the `sandbox_webhook_events` table in the same transaction as the payment they
//!   are about, deliverable after [`SandboxWebhooks::delay`]:
//!   - `pm_card_sandboxLateWebhook` is asynchronous, like a bank transfer: the payment answers
//!     `Processing`, and settles (`Authorized` with manual capture, else `Succeeded`) when its
//!     notification is claimed for delivery, the body saying the settled state;
//!   - `pm_card_sandboxTimeout` still notifies the payment whose answer was lost.
//! - The app sends them to itself: [`SandboxProvider::claim_due_webhooks`] leases due events
//!   (a conditional update: two processes never both take one), then
//!   [`SandboxProvider::webhook_delivered`] or [`SandboxProvider::webhook_failed`] (due again
//!   later).
//!
//! Without notifications nothing is queued, `parse_webhook` answers `Unsupported`, and a
//! `pm_card_sandboxLateWebhook` payment stays `Processing`.

mod methods;
mod webhooks;

use async_trait::async_trait;
use rand::Rng;
use rand::distr::Alphanumeric;
use serde_json::json;
use sha2::{Digest, Sha256};
use wayfare_domain::{Currency, Money};
use wayfare_store::sandbox_payments::{
    CreateSandboxPayment, NewSandboxPayment, NewSandboxRefund, NewSandboxWebhook,
    RefundSandboxPayment, SandboxFailure, SandboxPaymentRow, SandboxRefundRow, SandboxTransition,
    SandboxWebhookRow, SettleSandboxPayment, TransitionSandboxPayment,
};
use wayfare_store::{Store, StoreError};

pub use methods::TEST_METHODS;
use methods::{AUTHENTICATION_FAILURE_CODE, AUTHENTICATION_FAILURE_MESSAGE, Behaviour, behaviour};
use webhooks::{EventObject, event_body, event_type};
pub use webhooks::{SIGNATURE_HEADER, TOLERANCE as WEBHOOK_TOLERANCE, sign_webhook};

use crate::provider::{
    Capture, Clock, Payment, PaymentError, PaymentFailure, PaymentProvider, PaymentRequest,
    PaymentStatus, Refund, RefundRequest, RefundStatus, check_amount, check_idempotency_key,
};
use crate::webhook::{WebhookError, WebhookEvent, WebhookRequest};

/// The sandbox's [`PaymentProvider::name`].
pub const NAME: &str = "sandbox";

/// The largest amount the sandbox takes, in minor units: far above any fare, and low enough
/// that sums of amounts never overflow in SQL.
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000_000;

/// Where the sandbox's 3-D Secure page lives; the payment id follows.
pub const AUTHENTICATE_PATH_PREFIX: &str = "/payments/sandbox/authenticate/";

/// The sandbox's 3-D Secure page for a payment: `/payments/sandbox/authenticate/{id}`.
pub fn authenticate_path(payment_id: &str) -> String {
    format!("{AUTHENTICATE_PATH_PREFIX}{payment_id}")
}

/// How the sandbox notifies: the key it signs with and how long after a payment its
/// notification becomes due.
#[derive(Clone)]
pub struct SandboxWebhooks {
    /// The HMAC-SHA256 key; never printed.
    pub secret: Vec<u8>,
    pub delay: std::time::Duration,
}

impl std::fmt::Debug for SandboxWebhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxWebhooks")
            .field("secret", &"[redacted]")
            .field("delay", &self.delay)
            .finish()
    }
}

/// A notification handed out for delivery: POST `body` with header [`SIGNATURE_HEADER`]:
/// `signature`, then report with [`SandboxProvider::webhook_delivered`] or
/// [`SandboxProvider::webhook_failed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxWebhook {
    /// The event id (`evt_sbx_…`).
    pub id: String,
    pub body: String,
    /// The [`SIGNATURE_HEADER`] value, signed when claimed.
    pub signature: String,
}

/// The sandbox provider. Cheap to clone.
#[derive(Clone)]
pub struct SandboxProvider {
    store: Store,
    clock: Clock,
    webhooks: Option<std::sync::Arc<SandboxWebhooks>>,
}

impl std::fmt::Debug for SandboxProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxProvider")
            .field("webhooks", &self.webhooks)
            .finish_non_exhaustive()
    }
}

/// `now + d`, saturating far in the future rather than failing.
fn after(
    now: chrono::DateTime<chrono::Utc>,
    d: std::time::Duration,
) -> chrono::DateTime<chrono::Utc> {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC)
}

fn storage(e: StoreError) -> PaymentError {
    tracing::error!(error = %e, "sandbox payment storage failed");
    PaymentError::Unavailable("the sandbox's storage failed".into())
}

fn corrupt(what: String) -> PaymentError {
    storage(StoreError::Corrupt(what))
}

/// `prefix` and 24 random letters and digits, like Stripe's ids.
fn new_id(prefix: &str) -> String {
    let random: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect();
    format!("{prefix}{random}")
}

/// SHA-256 (hex) of a request's canonical JSON: the same request always hashes the same.
fn request_hash(request: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(request.to_string().as_bytes()))
}

fn money_json(m: Option<Money>) -> serde_json::Value {
    match m {
        Some(m) => json!({ "minor": m.minor(), "currency": m.currency().code() }),
        None => serde_json::Value::Null,
    }
}

/// The plans the sandbox's cards can be paid in (like the issuers' plans Stripe offers).
pub const INSTALMENT_COUNTS: [u8; 3] = [3, 6, 12];

fn create_hash(req: &PaymentRequest) -> String {
    let mut request = json!({
        "op": "create",
        "amount": money_json(Some(req.amount)),
        "payment_method": req.payment_method,
        "capture": req.capture.as_str(),
        "reference": req.reference,
        "description": req.description,
        "customer_email": req.customer_email,
        "return_url": req.return_url,
    });
    // Only when asked, so a one-off payment hashes as it always did.
    if let Some(n) = req.instalments {
        request["instalments"] = json!(n);
    }
    request_hash(&request)
}

fn to_failure(row: &SandboxPaymentRow) -> Option<PaymentFailure> {
    row.failure_code.as_ref().map(|code| PaymentFailure {
        code: code.clone(),
        decline_code: row.failure_decline_code.clone(),
        message: row.failure_message.clone().unwrap_or_default(),
    })
}

fn to_payment(row: &SandboxPaymentRow) -> Result<Payment, PaymentError> {
    let currency = Currency::parse(&row.currency)
        .map_err(|e| corrupt(format!("sandbox payment {} currency: {e}", row.id)))?;
    let status = PaymentStatus::parse(&row.status).ok_or_else(|| {
        corrupt(format!(
            "sandbox payment {} status `{}`",
            row.id, row.status
        ))
    })?;
    let capture = Capture::parse(&row.capture_method).ok_or_else(|| {
        corrupt(format!(
            "sandbox payment {} capture method `{}`",
            row.id, row.capture_method
        ))
    })?;
    let money = |minor| Money::from_minor(minor, currency);
    Ok(Payment {
        id: row.id.clone(),
        provider: NAME.to_owned(),
        status,
        amount: money(row.amount_minor),
        amount_captured: money(row.amount_captured_minor),
        amount_refunded: money(row.amount_refunded_minor),
        capture,
        payment_method: row.payment_method.clone(),
        reference: row.reference.clone(),
        failure: to_failure(row),
        next_action_url: row.next_action_url.clone(),
        created_at: row.created_at,
    })
}

fn to_refund(row: &SandboxRefundRow) -> Result<Refund, PaymentError> {
    let currency = Currency::parse(&row.currency)
        .map_err(|e| corrupt(format!("sandbox refund {} currency: {e}", row.id)))?;
    let status = RefundStatus::parse(&row.status)
        .ok_or_else(|| corrupt(format!("sandbox refund {} status `{}`", row.id, row.status)))?;
    Ok(Refund {
        id: row.id.clone(),
        payment_id: row.payment_id.clone(),
        amount: Money::from_minor(row.amount_minor, currency),
        status,
        reason: row.reason.clone(),
        created_at: row.created_at,
    })
}

fn transition_result(outcome: TransitionSandboxPayment, id: &str) -> Result<Payment, PaymentError> {
    match outcome {
        TransitionSandboxPayment::Done(row) | TransitionSandboxPayment::Replayed(row) => {
            to_payment(&row)
        }
        TransitionSandboxPayment::KeyReused => Err(PaymentError::IdempotencyKeyReused),
        TransitionSandboxPayment::WrongState(row) => Err(PaymentError::InvalidState {
            status: to_payment(&row)?.status,
        }),
        TransitionSandboxPayment::NotFound => Err(PaymentError::NotFound(id.to_owned())),
    }
}

impl SandboxProvider {
    /// A sandbox keeping its records in `store` (migrated), stamping them with `clock`.
    pub fn new(store: Store, clock: Clock) -> SandboxProvider {
        SandboxProvider {
            store,
            clock,
            webhooks: None,
        }
    }

    /// [`SandboxProvider::new`] that also sends signed notifications (see the module docs).
    pub fn with_webhooks(store: Store, clock: Clock, webhooks: SandboxWebhooks) -> SandboxProvider {
        SandboxProvider {
            store,
            clock,
            webhooks: Some(std::sync::Arc::new(webhooks)),
        }
    }

    /// Leases up to `limit` notifications that are due and not leased (or whose lease has
    /// expired) for `lease`, counting an attempt on each. A late payment settles first, and its
    /// body says the settled state. Each comes signed now. Without notifications configured,
    /// none.
    pub async fn claim_due_webhooks(
        &self,
        limit: usize,
        lease: std::time::Duration,
    ) -> Result<Vec<SandboxWebhook>, PaymentError> {
        let Some(config) = &self.webhooks else {
            return Ok(Vec::new());
        };
        let now = (self.clock)();
        let claimed = self
            .store
            .claim_sandbox_webhooks(
                now,
                u64::try_from(limit).unwrap_or(u64::MAX),
                after(now, lease),
            )
            .await
            .map_err(storage)?;
        let mut out = Vec::with_capacity(claimed.len());
        for event in claimed {
            let event = if event.body.is_empty() {
                self.settle(event, now).await?
            } else {
                event
            };
            tracing::info!(event = %event.id, payment = %event.payment_id, kind = %event.event_type,
                attempts = event.attempts, "sandbox notification claimed");
            out.push(SandboxWebhook {
                signature: sign_webhook(&config.secret, event.body.as_bytes(), now.timestamp()),
                id: event.id,
                body: event.body,
            });
        }
        Ok(out)
    }

    /// Settles the late payment an event without a body is about, then writes the body from
    /// the payment as it is.
    async fn settle(
        &self,
        event: SandboxWebhookRow,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<SandboxWebhookRow, PaymentError> {
        let payment = self.payment_row(&event.payment_id).await?;
        let capture = Capture::parse(&payment.capture_method).ok_or_else(|| {
            corrupt(format!(
                "sandbox payment {} capture method `{}`",
                payment.id, payment.capture_method
            ))
        })?;
        let (to, captured) = match capture {
            Capture::Automatic => (PaymentStatus::Succeeded, Some(payment.amount_minor)),
            Capture::Manual => (PaymentStatus::Authorized, None),
        };
        let row = match self
            .store
            .settle_sandbox_payment(
                &payment.id,
                PaymentStatus::Processing.as_str(),
                to.as_str(),
                captured,
                now,
            )
            .await
            .map_err(storage)?
        {
            SettleSandboxPayment::Settled(row) => {
                tracing::info!(payment = %row.id, status = %row.status, "sandbox payment settled");
                row
            }
            SettleSandboxPayment::Unchanged(row) => row,
            SettleSandboxPayment::NotFound => {
                return Err(corrupt(format!(
                    "sandbox webhook {} is about a missing payment {}",
                    event.id, event.payment_id
                )));
            }
        };
        let object = EventObject::of_row(&row).ok_or_else(|| {
            corrupt(format!(
                "sandbox payment {} status `{}`",
                row.id, row.status
            ))
        })?;
        let (kind, body) = event_body(&event.id, now, &object);
        self.store
            .fill_sandbox_webhook(&event.id, kind, &body)
            .await
            .map_err(storage)
    }

    /// Marks a claimed notification delivered: it is not handed out again.
    pub async fn webhook_delivered(&self, id: &str) -> Result<(), PaymentError> {
        let found = self
            .store
            .sandbox_webhook_delivered(id, (self.clock)())
            .await
            .map_err(storage)?;
        if !found {
            return Err(PaymentError::NotFound(id.to_owned()));
        }
        Ok(())
    }

    /// Records a failed delivery: keeps `error`, frees the lease, and makes the notification
    /// due again `retry_in` from now. A delivered one stays delivered.
    pub async fn webhook_failed(
        &self,
        id: &str,
        error: &str,
        retry_in: std::time::Duration,
    ) -> Result<(), PaymentError> {
        let retry_at = after((self.clock)(), retry_in);
        let found = self
            .store
            .sandbox_webhook_failed(id, error, retry_at)
            .await
            .map_err(storage)?;
        if !found {
            return Err(PaymentError::NotFound(id.to_owned()));
        }
        tracing::warn!(event = %id, error = %error, "sandbox notification not delivered");
        Ok(())
    }

    async fn payment_row(&self, id: &str) -> Result<SandboxPaymentRow, PaymentError> {
        self.store
            .sandbox_payment(id)
            .await
            .map_err(storage)?
            .ok_or_else(|| PaymentError::NotFound(id.to_owned()))
    }

    /// The payments made for one of our order references, oldest first.
    pub async fn payments_for_reference(
        &self,
        reference: &str,
    ) -> Result<Vec<Payment>, PaymentError> {
        self.store
            .sandbox_payments_for_reference(reference)
            .await
            .map_err(storage)?
            .iter()
            .map(to_payment)
            .collect()
    }

    /// A payment's refunds, oldest first.
    pub async fn refunds_of(&self, payment_id: &str) -> Result<Vec<Refund>, PaymentError> {
        self.store
            .sandbox_refunds_of(payment_id)
            .await
            .map_err(storage)?
            .iter()
            .map(to_refund)
            .collect()
    }
}

#[async_trait]
impl PaymentProvider for SandboxProvider {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn create_payment(&self, req: &PaymentRequest) -> Result<Payment, PaymentError> {
        if req.amount.minor() <= 0 {
            return Err(PaymentError::InvalidRequest(
                "the amount must be more than zero".into(),
            ));
        }
        if req.amount.minor() > MAX_AMOUNT_MINOR {
            return Err(PaymentError::InvalidRequest(format!(
                "the amount is above the sandbox's limit of {MAX_AMOUNT_MINOR} minor units"
            )));
        }
        check_idempotency_key(&req.idempotency_key)?;
        if let Some(n) = req.instalments
            && !INSTALMENT_COUNTS.contains(&n)
        {
            return Err(PaymentError::InvalidRequest(format!(
                "the sandbox's card plans are in 3, 6 or 12 instalments, not {n}"
            )));
        }
        let Some(behaviour) = behaviour(&req.payment_method) else {
            return Err(PaymentError::InvalidRequest(format!(
                "the sandbox does not know the payment method `{}`",
                req.payment_method
            )));
        };
        let id = new_id("pi_sbx_");
        let amount = req.amount.minor();
        let (status, captured, failure, next_action_url) = match behaviour {
            Behaviour::Unavailable => {
                return Err(PaymentError::Unavailable(
                    "the sandbox is simulating an outage (pm_card_sandboxUnavailable)".into(),
                ));
            }
            Behaviour::LateWebhook => (PaymentStatus::Processing, 0, None, None),
            Behaviour::Succeed | Behaviour::Timeout => match req.capture {
                Capture::Automatic => (PaymentStatus::Succeeded, amount, None, None),
                Capture::Manual => (PaymentStatus::Authorized, 0, None, None),
            },
            Behaviour::Decline {
                code,
                decline_code,
                message,
            } => (
                PaymentStatus::Failed,
                0,
                Some(SandboxFailure {
                    code: code.to_owned(),
                    decline_code: decline_code.map(str::to_owned),
                    message: message.to_owned(),
                }),
                None,
            ),
            Behaviour::Authenticate => (
                PaymentStatus::RequiresAction,
                0,
                None,
                Some(authenticate_path(&id)),
            ),
        };
        let now = (self.clock)();
        let webhook = match (&self.webhooks, behaviour) {
            (Some(config), Behaviour::LateWebhook) => Some(NewSandboxWebhook {
                id: new_id("evt_sbx_"),
                event_type: event_type(match req.capture {
                    Capture::Automatic => PaymentStatus::Succeeded,
                    Capture::Manual => PaymentStatus::Authorized,
                })
                .to_owned(),
                // Built from the payment when it settles.
                body: String::new(),
                deliver_at: after(now, config.delay),
            }),
            (Some(config), Behaviour::Timeout) => {
                let event_id = new_id("evt_sbx_");
                let (kind, body) = event_body(
                    &event_id,
                    now,
                    &EventObject {
                        id: &id,
                        status,
                        amount_minor: amount,
                        amount_captured_minor: captured,
                        currency: req.amount.currency().code(),
                        reference: &req.reference,
                    },
                );
                Some(NewSandboxWebhook {
                    id: event_id,
                    event_type: kind.to_owned(),
                    body,
                    deliver_at: after(now, config.delay),
                })
            }
            _ => None,
        };
        let created = self
            .store
            .create_sandbox_payment_with_webhook(
                NewSandboxPayment {
                    id,
                    idempotency_key: req.idempotency_key.clone(),
                    request_hash: create_hash(req),
                    reference: req.reference.clone(),
                    description: req.description.clone(),
                    customer_email: req.customer_email.clone(),
                    payment_method: req.payment_method.clone(),
                    capture_method: req.capture.as_str().to_owned(),
                    status: status.as_str().to_owned(),
                    amount: req.amount,
                    amount_captured_minor: captured,
                    failure,
                    next_action_url,
                    now,
                },
                webhook,
            )
            .await
            .map_err(storage)?;
        match created {
            CreateSandboxPayment::Created(row) => {
                tracing::info!(payment = %row.id, status = %row.status, method = %row.payment_method,
                    reference = %row.reference, "sandbox payment created");
                if behaviour == Behaviour::Timeout {
                    return Err(PaymentError::Timeout);
                }
                to_payment(&row)
            }
            CreateSandboxPayment::Replayed(row) => to_payment(&row),
            CreateSandboxPayment::KeyReused => Err(PaymentError::IdempotencyKeyReused),
        }
    }

    async fn get_payment(&self, id: &str) -> Result<Payment, PaymentError> {
        to_payment(&self.payment_row(id).await?)
    }

    async fn complete_action(&self, id: &str, approved: bool) -> Result<Payment, PaymentError> {
        let payment = to_payment(&self.payment_row(id).await?)?;
        let (to, captured, failure) = match (approved, payment.capture) {
            (true, Capture::Automatic) => {
                (PaymentStatus::Succeeded, Some(payment.amount.minor()), None)
            }
            (true, Capture::Manual) => (PaymentStatus::Authorized, None, None),
            (false, _) => (
                PaymentStatus::Failed,
                None,
                Some(SandboxFailure {
                    code: AUTHENTICATION_FAILURE_CODE.to_owned(),
                    decline_code: None,
                    message: AUTHENTICATION_FAILURE_MESSAGE.to_owned(),
                }),
            ),
        };
        let outcome = self
            .store
            .transition_sandbox_payment(SandboxTransition {
                payment_id: id.to_owned(),
                kind: "authenticate".into(),
                // One answer per payment: the same answer again is a replay, the other one
                // finds the key taken.
                idempotency_key: format!("sandbox:authenticate:{id}"),
                request_hash: request_hash(&json!({
                    "op": "authenticate",
                    "payment": id,
                    "approved": approved,
                })),
                from: vec![PaymentStatus::RequiresAction.as_str().to_owned()],
                to: to.as_str().to_owned(),
                amount_captured_minor: captured,
                failure,
                clear_next_action: true,
                now: (self.clock)(),
            })
            .await
            .map_err(storage)?;
        if matches!(outcome, TransitionSandboxPayment::KeyReused) {
            // The customer answered the other way before.
            return Err(PaymentError::InvalidState {
                status: to_payment(&self.payment_row(id).await?)?.status,
            });
        }
        if let TransitionSandboxPayment::Done(row) = &outcome {
            tracing::info!(payment = %row.id, status = %row.status, "sandbox payment authenticated");
        }
        transition_result(outcome, id)
    }

    async fn capture(
        &self,
        id: &str,
        amount: Option<Money>,
        idempotency_key: &str,
    ) -> Result<Payment, PaymentError> {
        check_idempotency_key(idempotency_key)?;
        let payment = to_payment(&self.payment_row(id).await?)?;
        let to_capture = match amount {
            None => payment.amount,
            Some(a) => {
                check_amount(a, &payment, "capture")?;
                if a.minor() > payment.amount.minor() {
                    return Err(PaymentError::InvalidRequest(format!(
                        "cannot capture {a}, more than the {} authorised",
                        payment.amount
                    )));
                }
                a
            }
        };
        let outcome = self
            .store
            .transition_sandbox_payment(SandboxTransition {
                payment_id: id.to_owned(),
                kind: "capture".into(),
                idempotency_key: idempotency_key.to_owned(),
                request_hash: request_hash(&json!({
                    "op": "capture",
                    "payment": id,
                    "amount": money_json(amount),
                })),
                from: vec![PaymentStatus::Authorized.as_str().to_owned()],
                to: PaymentStatus::Succeeded.as_str().to_owned(),
                amount_captured_minor: Some(to_capture.minor()),
                failure: None,
                clear_next_action: false,
                now: (self.clock)(),
            })
            .await
            .map_err(storage)?;
        if let TransitionSandboxPayment::Done(row) = &outcome {
            tracing::info!(payment = %row.id, captured = row.amount_captured_minor, "sandbox payment captured");
        }
        transition_result(outcome, id)
    }

    async fn void(&self, id: &str, idempotency_key: &str) -> Result<Payment, PaymentError> {
        check_idempotency_key(idempotency_key)?;
        let outcome = self
            .store
            .transition_sandbox_payment(SandboxTransition {
                payment_id: id.to_owned(),
                kind: "void".into(),
                idempotency_key: idempotency_key.to_owned(),
                request_hash: request_hash(&json!({ "op": "void", "payment": id })),
                from: vec![
                    PaymentStatus::Authorized.as_str().to_owned(),
                    PaymentStatus::RequiresAction.as_str().to_owned(),
                ],
                to: PaymentStatus::Canceled.as_str().to_owned(),
                amount_captured_minor: None,
                failure: None,
                clear_next_action: true,
                now: (self.clock)(),
            })
            .await
            .map_err(storage)?;
        if let TransitionSandboxPayment::Done(row) = &outcome {
            tracing::info!(payment = %row.id, "sandbox payment voided");
        }
        transition_result(outcome, id)
    }

    async fn refund(&self, req: &RefundRequest) -> Result<Refund, PaymentError> {
        check_idempotency_key(&req.idempotency_key)?;
        let payment = to_payment(&self.payment_row(&req.payment_id).await?)?;
        if let Some(a) = req.amount {
            check_amount(a, &payment, "refund")?;
        }
        let outcome = self
            .store
            .refund_sandbox_payment(NewSandboxRefund {
                id: new_id("re_sbx_"),
                payment_id: req.payment_id.clone(),
                amount_minor: req.amount.map(Money::minor),
                reason: req.reason.clone(),
                status: RefundStatus::Succeeded.as_str().to_owned(),
                idempotency_key: req.idempotency_key.clone(),
                request_hash: request_hash(&json!({
                    "op": "refund",
                    "payment": req.payment_id,
                    "amount": money_json(req.amount),
                    "reason": req.reason,
                })),
                now: (self.clock)(),
            })
            .await
            .map_err(storage)?;
        match outcome {
            RefundSandboxPayment::Refunded(row) => {
                tracing::info!(refund = %row.id, payment = %row.payment_id, amount = row.amount_minor,
                    "sandbox payment refunded");
                to_refund(&row)
            }
            RefundSandboxPayment::Replayed(row) => to_refund(&row),
            RefundSandboxPayment::KeyReused => Err(PaymentError::IdempotencyKeyReused),
            RefundSandboxPayment::NotFound => Err(PaymentError::NotFound(req.payment_id.clone())),
            RefundSandboxPayment::NotRefundable(row) => Err(PaymentError::InvalidState {
                status: to_payment(&row)?.status,
            }),
            RefundSandboxPayment::ExceedsRefundable(row) => {
                let left = to_payment(&row)?.amount_refundable();
                Err(PaymentError::InvalidRequest(match req.amount {
                    _ if left.minor() == 0 => "the payment is already fully refunded".to_owned(),
                    Some(a) => format!("cannot refund {a}, only {left} is left to refund"),
                    None => format!("only {left} is left to refund"),
                }))
            }
        }
    }

    async fn get_refund(&self, id: &str) -> Result<Refund, PaymentError> {
        let row = self
            .store
            .sandbox_refund(id)
            .await
            .map_err(storage)?
            .ok_or_else(|| PaymentError::NotFound(id.to_owned()))?;
        to_refund(&row)
    }

    async fn parse_webhook(&self, req: &WebhookRequest<'_>) -> Result<WebhookEvent, WebhookError> {
        webhooks::parse(req, self.webhooks.as_deref().map(|w| w.secret.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_stripes() {
        let id = new_id("pi_sbx_");
        let rest = id.strip_prefix("pi_sbx_").unwrap();
        assert_eq!(rest.len(), 24);
        assert!(rest.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(new_id("re_sbx_"), new_id("re_sbx_"));
    }

    #[test]
    fn the_authentication_page_is_relative() {
        assert_eq!(
            authenticate_path("pi_sbx_abc"),
            "/payments/sandbox/authenticate/pi_sbx_abc"
        );
    }

    fn request() -> PaymentRequest {
        PaymentRequest {
            amount: Money::from_minor(12_345, Currency::CNY),
            payment_method: "pm_card_visa".into(),
            capture: Capture::Automatic,
            idempotency_key: "k1".into(),
            reference: "WF-ABC123".into(),
            description: "Flight PEK-SHA".into(),
            customer_email: Some("a@example.com".into()),
            return_url: None,
            instalments: None,
            payer_ip: None,
        }
    }

    #[test]
    fn the_request_hash_sees_every_field_but_the_key() {
        let base = create_hash(&request());
        assert_eq!(base.len(), 64);
        let same_but_key = PaymentRequest {
            idempotency_key: "k2".into(),
            ..request()
        };
        assert_eq!(create_hash(&same_but_key), base);
        let changes: Vec<PaymentRequest> = vec![
            PaymentRequest {
                amount: Money::from_minor(12_346, Currency::CNY),
                ..request()
            },
            PaymentRequest {
                amount: Money::from_minor(12_345, Currency::USD),
                ..request()
            },
            PaymentRequest {
                payment_method: "pm_card_amex".into(),
                ..request()
            },
            PaymentRequest {
                capture: Capture::Manual,
                ..request()
            },
            PaymentRequest {
                reference: "WF-OTHER".into(),
                ..request()
            },
            PaymentRequest {
                description: "Hotel".into(),
                ..request()
            },
            PaymentRequest {
                customer_email: None,
                ..request()
            },
            PaymentRequest {
                return_url: Some("https://example.com/back".into()),
                instalments: None,
                ..request()
            },
        ];
        for changed in changes {
            assert_ne!(create_hash(&changed), base, "{changed:?}");
        }
    }

    #[test]
    fn amounts_must_match_the_payment() {
        let payment = Payment {
            id: "pi_sbx_x".into(),
            provider: NAME.into(),
            status: PaymentStatus::Succeeded,
            amount: Money::from_minor(1_000, Currency::EUR),
            amount_captured: Money::from_minor(1_000, Currency::EUR),
            amount_refunded: Money::zero(Currency::EUR),
            capture: Capture::Automatic,
            payment_method: "pm_card_visa".into(),
            reference: "WF-1".into(),
            failure: None,
            next_action_url: None,
            created_at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
        };
        assert!(check_amount(Money::from_minor(1, Currency::EUR), &payment, "refund").is_ok());
        for bad in [
            Money::from_minor(0, Currency::EUR),
            Money::from_minor(-5, Currency::EUR),
            Money::from_minor(100, Currency::USD),
        ] {
            assert!(matches!(
                check_amount(bad, &payment, "refund"),
                Err(PaymentError::InvalidRequest(_))
            ));
        }
    }
}
