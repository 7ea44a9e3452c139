//! PayPal as a [`PaymentProvider`]: Orders v2 and Payments v2 over OAuth2 client credentials,
//! with webhooks verified by PayPal's own verify call. Protocol reference:
//! `shared/providers/payments.md` §2.
//!
//! How our contract maps onto PayPal's money flow:
//! - **create_payment** creates an order (`POST /v2/checkout/orders`, intent `CAPTURE` for
//!   [`Capture::Automatic`], `AUTHORIZE` for [`Capture::Manual`]) and answers
//!   [`PaymentStatus::RequiresAction`] with the buyer's approval link; [`Payment::id`] is the
//!   order id. The only payment method is [`PAYMENT_METHOD`] (the buyer's PayPal wallet);
//!   vaulted tokens are not supported yet.
//! - **complete_action** (the buyer came back approved) captures or authorises the order;
//!   a decline (`422`, e.g. `INSTRUMENT_DECLINED`) is `Ok` with [`PaymentStatus::Failed`] and the
//!   issue code. PayPal itself keeps such an order `APPROVED` so the buyer could pick another
//!   funding source; for us the attempt failed and a new payment is made, so a later
//!   `get_payment` of that order still reads `RequiresAction`. Not approved answers
//!   [`PaymentStatus::Canceled`] without calling PayPal: an unapproved order simply expires.
//! - **capture** / **void** act on the order's authorisation; **refund** on its capture (the
//!   refund's `payment_id` is the order id); **get_payment** reads the order and its
//!   `purchase_units[0].payments`.
//!
//! Idempotency: every POST carries `PayPal-Request-Id`: the caller's key ([`request_id`]), and
//! for `complete_action`, which has none, one derived from the order id. PayPal answers a
//! reused id with the first answer whatever the new body says, and payments.md records no
//! error for a different body. So each request carries a fingerprint of the key and the
//! request (the order's `invoice_id`, the refund's `custom_id`) and the answer is checked
//! against the request: an answer that does not match is [`PaymentError::IdempotencyKeyReused`].
//! A replayed create answers the order as PayPal first returned it, not as it is now.

mod amount;
mod client;
mod webhook;
mod wire;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wayfare_domain::Money;

pub use amount::{AmountError, format_amount, parse_amount, paypal_decimals};
use client::{ApiError, Call, Client};
use wire::{Order, Transaction};

use crate::provider::{
    Capture, Clock, Payment, PaymentError, PaymentFailure, PaymentProvider, PaymentRequest,
    PaymentStatus, Refund, RefundRequest, check_amount, check_idempotency_key,
};
use crate::webhook::{WebhookError, WebhookEvent, WebhookRequest};

/// The PayPal connector's [`PaymentProvider::name`].
pub const NAME: &str = "paypal";

/// The payment method [`PaymentRequest::payment_method`] must name: the buyer's PayPal wallet.
pub const PAYMENT_METHOD: &str = "paypal";

/// PayPal's live REST API.
pub const LIVE_API_BASE: &str = "https://api-m.paypal.com";

/// PayPal's sandbox REST API.
pub const SANDBOX_API_BASE: &str = "https://api-m.sandbox.paypal.com";

/// The longest caller key sent to PayPal as it is; longer ones go as their SHA-256.
const MAX_PLAIN_REQUEST_ID_LEN: usize = 64;

/// The longest reference we accept: it goes into `invoice_id` (127 at most) with a
/// 13-character fingerprint.
const MAX_REFERENCE_LEN: usize = 100;

/// PayPal's limits on free-text fields.
const MAX_DESCRIPTION_CHARS: usize = 127;
const MAX_NOTE_TO_PAYER_CHARS: usize = 255;

/// How to reach PayPal and who we are there.
#[derive(Clone)]
pub struct PayPalConfig {
    /// The REST app's client id.
    pub client_id: String,
    /// The REST app's secret. Never printed.
    pub client_secret: String,
    /// The id of our webhook registration at PayPal; without it webhooks are refused as
    /// [`WebhookError::Unsupported`].
    pub webhook_id: Option<String>,
    /// [`LIVE_API_BASE`] (the default), [`SANDBOX_API_BASE`], or a local fake in tests.
    pub api_base: String,
    /// For each HTTP call, connecting included.
    pub timeout: Duration,
    /// Shown to the buyer on PayPal's pages (`experience_context.brand_name`).
    pub brand_name: Option<String>,
    /// How far a webhook's `paypal-transmission-time` may be from when we received it.
    /// PayPal's SDKs apply none (payments.md §2.7); ours keeps replays of old transmissions out.
    pub webhook_tolerance: Duration,
}

impl PayPalConfig {
    /// Live PayPal with the given app credentials, a 30-second timeout and a 15-minute
    /// webhook tolerance.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> PayPalConfig {
        PayPalConfig {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            webhook_id: None,
            api_base: LIVE_API_BASE.to_owned(),
            timeout: Duration::from_secs(30),
            brand_name: None,
            webhook_tolerance: Duration::from_secs(15 * 60),
        }
    }

    /// The same on PayPal's sandbox.
    pub fn sandbox(client_id: impl Into<String>, client_secret: impl Into<String>) -> PayPalConfig {
        PayPalConfig {
            api_base: SANDBOX_API_BASE.to_owned(),
            ..PayPalConfig::new(client_id, client_secret)
        }
    }
}

impl fmt::Debug for PayPalConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PayPalConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("webhook_id", &self.webhook_id)
            .field("api_base", &self.api_base)
            .field("timeout", &self.timeout)
            .field("brand_name", &self.brand_name)
            .field("webhook_tolerance", &self.webhook_tolerance)
            .finish()
    }
}

/// Why a [`PayPalProvider`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayPalConfigError {
    #[error("the PayPal API base `{0}` is not an http(s) URL")]
    InvalidApiBase(String),
    #[error("the PayPal client id and secret are required")]
    MissingCredentials,
    #[error("{0}")]
    Http(String),
}

/// The PayPal connector. Cheap to clone; clones share the access token.
#[derive(Clone)]
pub struct PayPalProvider {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    webhook_id: Option<String>,
    brand_name: Option<String>,
    webhook_tolerance: Duration,
    api_base: String,
    clock: Clock,
}

impl fmt::Debug for PayPalProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PayPalProvider")
            .field("api_base", &self.inner.api_base)
            .finish_non_exhaustive()
    }
}

/// The `PayPal-Request-Id` for a caller's idempotency key: the key itself when it is short
/// printable ASCII, else `wf-` and its SHA-256, so the same key always sends the same id.
pub fn request_id(key: &str) -> String {
    if key.len() <= MAX_PLAIN_REQUEST_ID_LEN && key.bytes().all(|b| b.is_ascii_graphic()) {
        key.to_owned()
    } else {
        format!("wf-{}", hex::encode(Sha256::digest(key.as_bytes())))
    }
}

/// A short fingerprint of a key and a request, carried in the request so that a replayed
/// answer can be told from the answer to this request.
fn fingerprint(key: &str, request: &Value) -> String {
    let digest = Sha256::digest(json!([key, request]).to_string().as_bytes());
    hex::encode(digest)[..12].to_owned()
}

/// Refuses ids that cannot be PayPal's (they are letters, digits and `-`), so an id never
/// changes the path it is put in.
fn checked_id(id: &str) -> Result<&str, PaymentError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(id)
    } else {
        Err(PaymentError::NotFound(id.chars().take(64).collect()))
    }
}

fn unreadable(what: &str, e: impl fmt::Display) -> PaymentError {
    tracing::error!(what, error = %e, "PayPal answer could not be read");
    PaymentError::Unavailable(format!("PayPal's {what} could not be read: {e}"))
}

fn amount_json(m: Money) -> Result<Value, PaymentError> {
    let value = format_amount(m).map_err(|e| PaymentError::InvalidRequest(e.to_string()))?;
    Ok(json!({ "currency_code": m.currency().code(), "value": value }))
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// 422 issues of an order capture/authorize that say the order is not in a state to be
/// paid, rather than that the buyer's payment was declined.
const ORDER_STATE_ISSUES: &[&str] = &[
    "ORDER_NOT_APPROVED",
    "ORDER_ALREADY_CAPTURED",
    "ORDER_ALREADY_AUTHORIZED",
    "ORDER_ALREADY_COMPLETED",
    "ACTION_DOES_NOT_MATCH_INTENT",
];

/// 422 issues of an authorisation capture or void that say its state forbids it.
const AUTHORIZATION_STATE_ISSUES: &[&str] = &[
    "AUTHORIZATION_ALREADY_CAPTURED",
    "AUTHORIZATION_VOIDED",
    "AUTHORIZATION_EXPIRED",
    "PREVIOUSLY_CAPTURED",
    "PREVIOUSLY_VOIDED",
    "CANNOT_BE_VOIDED",
];

impl PayPalProvider {
    /// A connector for `config`, on the system clock.
    pub fn new(config: PayPalConfig) -> Result<PayPalProvider, PayPalConfigError> {
        PayPalProvider::with_clock(config, Arc::new(Utc::now))
    }

    /// A connector whose "now" (token expiry, missing timestamps) comes from `clock`.
    pub fn with_clock(
        config: PayPalConfig,
        clock: Clock,
    ) -> Result<PayPalProvider, PayPalConfigError> {
        if config.client_id.is_empty() || config.client_secret.is_empty() {
            return Err(PayPalConfigError::MissingCredentials);
        }
        let base = url::Url::parse(&config.api_base)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| PayPalConfigError::InvalidApiBase(config.api_base.clone()))?;
        let api_base = base.as_str().trim_end_matches('/').to_owned();
        let client = Client::new(
            &api_base,
            &config.client_id,
            &config.client_secret,
            config.timeout,
            clock.clone(),
        )
        .map_err(PayPalConfigError::Http)?;
        Ok(PayPalProvider {
            inner: Arc::new(Inner {
                client,
                webhook_id: config.webhook_id,
                brand_name: config.brand_name,
                webhook_tolerance: config.webhook_tolerance,
                api_base,
                clock,
            }),
        })
    }

    fn now(&self) -> chrono::DateTime<Utc> {
        (self.inner.clock)()
    }

    async fn get_json(&self, path: String) -> Result<Result<Value, ApiError>, PaymentError> {
        self.inner
            .client
            .call(Call {
                method: Method::GET,
                path,
                body: None,
                request_id: None,
            })
            .await
    }

    async fn post_json(
        &self,
        path: String,
        body: Option<&Value>,
        request_id: &str,
    ) -> Result<Result<Value, ApiError>, PaymentError> {
        self.inner
            .client
            .call(Call {
                method: Method::POST,
                path,
                body: body.map(|b| b.to_string().into_bytes()),
                request_id: Some(request_id),
            })
            .await
    }

    /// `GET /v2/checkout/orders/{id}`.
    async fn order(&self, id: &str) -> Result<Order, PaymentError> {
        let id = checked_id(id)?;
        let value = self
            .get_json(format!("/v2/checkout/orders/{id}"))
            .await?
            .map_err(|e| e.into_payment_error(id))?;
        serde_json::from_value(value).map_err(|e| unreadable("order", e))
    }

    fn to_payment(&self, order: &Order) -> Result<Payment, PaymentError> {
        wire::order_to_payment(order, NAME, self.now()).map_err(|e| unreadable("order", e))
    }

    /// A capture, authorisation or refund: `GET /v2/payments/{kind}/{id}`.
    async fn transaction(&self, kind: &str, id: &str) -> Result<Transaction, PaymentError> {
        let id = checked_id(id)?;
        let value = self
            .get_json(format!("/v2/payments/{kind}/{id}"))
            .await?
            .map_err(|e| e.into_payment_error(id))?;
        serde_json::from_value(value).map_err(|e| unreadable(kind, e))
    }

    /// The order a refund belongs to: from its related ids, else from its capture's.
    async fn order_of_refund(&self, refund: &Transaction) -> Result<String, PaymentError> {
        if let Some(order) = refund.order_id() {
            return Ok(order.to_owned());
        }
        let capture_id = refund.capture_id().ok_or_else(|| {
            unreadable("refund", format!("refund {} names no capture", refund.id))
        })?;
        let capture = self.transaction("captures", &capture_id).await?;
        capture
            .order_id()
            .map(str::to_owned)
            .ok_or_else(|| unreadable("capture", format!("capture {capture_id} names no order")))
    }

    fn to_refund(
        &self,
        refund: &Transaction,
        payment_id: String,
        reason: Option<String>,
    ) -> Result<Refund, PaymentError> {
        let amount = refund
            .amount
            .as_ref()
            .ok_or_else(|| unreadable("refund", format!("refund {} has no amount", refund.id)))?
            .to_money()
            .map_err(|e| unreadable("refund", e))?;
        Ok(Refund {
            id: refund.id.clone(),
            payment_id,
            amount,
            status: wire::refund_status(&refund.status),
            reason: reason
                .or_else(|| refund.note_to_payer.clone())
                .unwrap_or_default(),
            created_at: wire::parse_time(refund.create_time.as_deref())
                .unwrap_or_else(|| self.now()),
        })
    }

    /// The order's create request, without the fingerprint.
    fn order_request(&self, req: &PaymentRequest, return_url: &str) -> Result<Value, PaymentError> {
        let mut cancel_url = url::Url::parse(return_url).map_err(|_| {
            PaymentError::InvalidRequest(format!("the return_url `{return_url}` is not a URL"))
        })?;
        if !matches!(cancel_url.scheme(), "http" | "https") {
            return Err(PaymentError::InvalidRequest(format!(
                "the return_url `{return_url}` is not an http(s) URL"
            )));
        }
        cancel_url.query_pairs_mut().append_pair("paypal", "cancel");
        let mut experience = json!({
            "return_url": return_url,
            "cancel_url": cancel_url.as_str(),
            "user_action": "PAY_NOW",
            "shipping_preference": "NO_SHIPPING",
        });
        if let Some(brand) = &self.inner.brand_name {
            experience["brand_name"] = json!(truncate(brand, MAX_DESCRIPTION_CHARS));
        }
        let mut paypal = json!({ "experience_context": experience });
        if let Some(email) = &req.customer_email {
            paypal["email_address"] = json!(email);
        }
        let mut unit = json!({
            "reference_id": req.reference,
            "custom_id": req.reference,
            "amount": amount_json(req.amount)?,
        });
        if !req.description.is_empty() {
            unit["description"] = json!(truncate(&req.description, MAX_DESCRIPTION_CHARS));
        }
        Ok(json!({
            "intent": match req.capture {
                Capture::Automatic => "CAPTURE",
                Capture::Manual => "AUTHORIZE",
            },
            "purchase_units": [unit],
            "payment_source": { "paypal": paypal },
        }))
    }

    /// Captures or authorises an approved order. A decline is `Ok(Failed)`.
    async fn pay_approved_order(&self, order: &Order) -> Result<Payment, PaymentError> {
        let action = match order.capture_mode() {
            Some(Capture::Automatic) => "capture",
            Some(Capture::Manual) => "authorize",
            None => return Err(unreadable("order", format!("intent {:?}", order.intent))),
        };
        let id = checked_id(&order.id)?;
        // No caller key here: one per order and action, so a retry replays the first answer.
        let key = format!("wf-{action}-{id}");
        let answer = self
            .post_json(
                format!("/v2/checkout/orders/{id}/{action}"),
                Some(&json!({})),
                &key,
            )
            .await?;
        match answer {
            Ok(value) => {
                let paid: Order =
                    serde_json::from_value(value).map_err(|e| unreadable("order", e))?;
                if paid.id != order.id {
                    return Err(PaymentError::IdempotencyKeyReused);
                }
                let payment = self.to_payment(&paid)?;
                tracing::info!(order = %paid.id, status = %payment.status, "PayPal order {action}d");
                Ok(payment)
            }
            Err(e) if e.status == reqwest::StatusCode::UNPROCESSABLE_ENTITY => {
                if e.has_issue("ORDER_NOT_APPROVED") {
                    return Err(PaymentError::InvalidState {
                        status: PaymentStatus::RequiresAction,
                    });
                }
                if ORDER_STATE_ISSUES.iter().any(|i| e.has_issue(i)) {
                    // Paid by an earlier call: answer the order as it is.
                    return self.to_payment(&self.order(id).await?);
                }
                tracing::info!(order = %id, error = %e.summary(), "PayPal declined the payment");
                let mut payment = self.to_payment(order)?;
                payment.status = PaymentStatus::Failed;
                payment.next_action_url = None;
                payment.failure = Some(PaymentFailure {
                    code: e.code(),
                    decline_code: None,
                    message: e.description(),
                });
                Ok(payment)
            }
            Err(e) => Err(e.into_payment_error(id)),
        }
    }
}

#[async_trait]
impl PaymentProvider for PayPalProvider {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn create_payment(&self, req: &PaymentRequest) -> Result<Payment, PaymentError> {
        if req.amount.minor() <= 0 {
            return Err(PaymentError::InvalidRequest(
                "the amount must be more than zero".into(),
            ));
        }
        check_idempotency_key(&req.idempotency_key)?;
        if req.payment_method != PAYMENT_METHOD {
            return Err(PaymentError::InvalidRequest(format!(
                "PayPal takes the payment method `{PAYMENT_METHOD}`, not `{}`",
                req.payment_method
            )));
        }
        if req.reference.is_empty() || req.reference.chars().count() > MAX_REFERENCE_LEN {
            return Err(PaymentError::InvalidRequest(format!(
                "the reference must have 1 to {MAX_REFERENCE_LEN} characters"
            )));
        }
        let Some(return_url) = req.return_url.as_deref() else {
            return Err(PaymentError::InvalidRequest(
                "PayPal sends the buyer back to a return_url, and none was given".into(),
            ));
        };
        let mut body = self.order_request(req, return_url)?;
        let invoice_id = format!(
            "{}-{}",
            req.reference,
            fingerprint(&req.idempotency_key, &body)
        );
        body["purchase_units"][0]["invoice_id"] = json!(invoice_id);
        let value = self
            .post_json(
                "/v2/checkout/orders".into(),
                Some(&body),
                &request_id(&req.idempotency_key),
            )
            .await?
            .map_err(|e| e.into_payment_error("(new order)"))?;
        let order: Order = serde_json::from_value(value).map_err(|e| unreadable("order", e))?;
        let unit = order.unit();
        let answered_invoice = unit.and_then(|u| u.invoice_id.as_deref());
        let payment = self.to_payment(&order)?;
        if answered_invoice.is_some_and(|i| i != invoice_id)
            || payment.amount != req.amount
            || payment.capture != req.capture
        {
            tracing::warn!(order = %order.id, "PayPal replayed an order made for another request");
            return Err(PaymentError::IdempotencyKeyReused);
        }
        if payment.status == PaymentStatus::RequiresAction && payment.next_action_url.is_none() {
            return Err(unreadable("order", "no approval link"));
        }
        tracing::info!(order = %order.id, status = %payment.status, reference = %payment.reference,
            "PayPal order created");
        Ok(payment)
    }

    async fn get_payment(&self, id: &str) -> Result<Payment, PaymentError> {
        self.to_payment(&self.order(id).await?)
    }

    async fn complete_action(&self, id: &str, approved: bool) -> Result<Payment, PaymentError> {
        let order = self.order(id).await?;
        let payment = self.to_payment(&order)?;
        if !approved {
            return match payment.status {
                PaymentStatus::RequiresAction | PaymentStatus::Canceled => Ok(Payment {
                    status: PaymentStatus::Canceled,
                    next_action_url: None,
                    ..payment
                }),
                status => Err(PaymentError::InvalidState { status }),
            };
        }
        match order.status.as_str() {
            "APPROVED" => self.pay_approved_order(&order).await,
            "COMPLETED" => Ok(payment),
            _ => Err(PaymentError::InvalidState {
                status: payment.status,
            }),
        }
    }

    async fn capture(
        &self,
        id: &str,
        amount: Option<Money>,
        idempotency_key: &str,
    ) -> Result<Payment, PaymentError> {
        check_idempotency_key(idempotency_key)?;
        let order = self.order(id).await?;
        let payment = self.to_payment(&order)?;
        if let Some(a) = amount {
            check_amount(a, &payment, "capture")?;
        }
        let Some(auth) = order.authorizations().last() else {
            return Err(PaymentError::InvalidState {
                status: payment.status,
            });
        };
        let auth_id = checked_id(&auth.id)?;
        // One capture per payment: whatever is not captured is released.
        let mut body = json!({ "final_capture": true });
        if let Some(a) = amount {
            body["amount"] = amount_json(a)?;
        }
        let answer = self
            .post_json(
                format!("/v2/payments/authorizations/{auth_id}/capture"),
                Some(&body),
                &request_id(idempotency_key),
            )
            .await?;
        let captured: Transaction = match answer {
            Ok(v) => serde_json::from_value(v).map_err(|e| unreadable("capture", e))?,
            Err(e)
                if e.status == reqwest::StatusCode::UNPROCESSABLE_ENTITY
                    && AUTHORIZATION_STATE_ISSUES.iter().any(|i| e.has_issue(i)) =>
            {
                return Err(PaymentError::InvalidState {
                    status: payment.status,
                });
            }
            Err(e) => return Err(e.into_payment_error(id)),
        };
        let wanted = amount.unwrap_or(payment.amount);
        let got = captured.amount.as_ref().map(|a| a.to_money());
        let other_order = captured.order_id().is_some_and(|o| o != order.id);
        let other_auth = captured.authorization_id().is_some_and(|a| a != auth.id);
        if other_order || other_auth || got.is_some_and(|g| g != Ok(wanted)) {
            return Err(PaymentError::IdempotencyKeyReused);
        }
        tracing::info!(order = %order.id, capture = %captured.id, status = %captured.status,
            "PayPal authorisation captured");
        self.to_payment(&self.order(id).await?)
    }

    async fn void(&self, id: &str, idempotency_key: &str) -> Result<Payment, PaymentError> {
        check_idempotency_key(idempotency_key)?;
        let order = self.order(id).await?;
        let payment = self.to_payment(&order)?;
        if payment.status == PaymentStatus::RequiresAction {
            // Orders cannot be voided; an unapproved one expires by itself.
            return Ok(Payment {
                status: PaymentStatus::Canceled,
                next_action_url: None,
                ..payment
            });
        }
        let Some(auth) = order.authorizations().last() else {
            return Err(PaymentError::InvalidState {
                status: payment.status,
            });
        };
        let auth_id = checked_id(&auth.id)?;
        let answer = self
            .post_json(
                format!("/v2/payments/authorizations/{auth_id}/void"),
                None,
                &request_id(idempotency_key),
            )
            .await?;
        match answer {
            Ok(Value::Null) => {}
            Ok(v) => {
                let voided: Transaction =
                    serde_json::from_value(v).map_err(|e| unreadable("authorization", e))?;
                if voided.id != auth.id {
                    return Err(PaymentError::IdempotencyKeyReused);
                }
            }
            Err(e)
                if e.status == reqwest::StatusCode::UNPROCESSABLE_ENTITY
                    && AUTHORIZATION_STATE_ISSUES.iter().any(|i| e.has_issue(i)) =>
            {
                return Err(PaymentError::InvalidState {
                    status: payment.status,
                });
            }
            Err(e) => return Err(e.into_payment_error(id)),
        }
        tracing::info!(order = %order.id, authorization = %auth.id, "PayPal authorisation voided");
        self.to_payment(&self.order(id).await?)
    }

    async fn refund(&self, req: &RefundRequest) -> Result<Refund, PaymentError> {
        check_idempotency_key(&req.idempotency_key)?;
        let order = self.order(&req.payment_id).await?;
        let payment = self.to_payment(&order)?;
        if let Some(a) = req.amount {
            check_amount(a, &payment, "refund")?;
        }
        let Some(capture) = order
            .captures()
            .iter()
            .find(|c| wire::capture_taken(&c.status))
        else {
            return Err(PaymentError::InvalidState {
                status: payment.status,
            });
        };
        let capture_id = checked_id(&capture.id)?;
        // Without an amount PayPal refunds what is left of the capture.
        let mut body = json!({});
        if let Some(a) = req.amount {
            body["amount"] = amount_json(a)?;
        }
        if !req.reason.is_empty() {
            body["note_to_payer"] = json!(truncate(&req.reason, MAX_NOTE_TO_PAYER_CHARS));
        }
        let custom_id = format!(
            "wf-{}",
            fingerprint(
                &req.idempotency_key,
                &json!([req.payment_id, capture_id, body])
            )
        );
        body["custom_id"] = json!(custom_id);
        let answer = self
            .post_json(
                format!("/v2/payments/captures/{capture_id}/refund"),
                Some(&body),
                &request_id(&req.idempotency_key),
            )
            .await?;
        let refunded: Transaction = match answer {
            Ok(v) => serde_json::from_value(v).map_err(|e| unreadable("refund", e))?,
            Err(e) => return Err(e.into_payment_error(&req.payment_id)),
        };
        let amount_differs = match (req.amount, refunded.amount.as_ref()) {
            (Some(want), Some(got)) => got.to_money() != Ok(want),
            _ => false,
        };
        if refunded
            .custom_id
            .as_deref()
            .is_some_and(|c| c != custom_id)
            || amount_differs
        {
            return Err(PaymentError::IdempotencyKeyReused);
        }
        tracing::info!(order = %order.id, refund = %refunded.id, status = %refunded.status,
            "PayPal capture refunded");
        self.to_refund(&refunded, order.id.clone(), Some(req.reason.clone()))
    }

    async fn get_refund(&self, id: &str) -> Result<Refund, PaymentError> {
        let refund = self.transaction("refunds", id).await?;
        let order_id = self.order_of_refund(&refund).await?;
        self.to_refund(&refund, order_id, None)
    }

    async fn parse_webhook(&self, req: &WebhookRequest<'_>) -> Result<WebhookEvent, WebhookError> {
        webhook::parse(self, req).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_never_prints_the_secret() {
        let config = PayPalConfig::sandbox("client-abc", "s3cr3t-value");
        let printed = format!("{config:?}");
        assert!(printed.contains("client-abc"));
        assert!(!printed.contains("s3cr3t-value"));
        assert_eq!(config.api_base, SANDBOX_API_BASE);
        assert_eq!(PayPalConfig::new("a", "b").api_base, LIVE_API_BASE);
    }

    #[test]
    fn request_ids_are_the_key_or_its_hash() {
        assert_eq!(request_id("order-1:pay"), "order-1:pay");
        let long = "k".repeat(200);
        let id = request_id(&long);
        assert_eq!(id.len(), 3 + 64);
        assert_eq!(id, request_id(&long));
        assert_ne!(request_id("with space"), "with space");
        assert_ne!(request_id(&"k".repeat(201)), id);
    }

    #[test]
    fn fingerprints_see_the_key_and_the_request() {
        let a = fingerprint("k1", &json!({ "amount": "1.00" }));
        assert_eq!(a.len(), 12);
        assert_eq!(a, fingerprint("k1", &json!({ "amount": "1.00" })));
        assert_ne!(a, fingerprint("k2", &json!({ "amount": "1.00" })));
        assert_ne!(a, fingerprint("k1", &json!({ "amount": "1.01" })));
    }

    #[test]
    fn ids_that_could_change_the_path_are_unknown() {
        assert!(checked_id("5O190127TN364715T").is_ok());
        for bad in ["", "../x", "a/b", "a?b", "a b", "%2F", &"A".repeat(65)] {
            assert!(
                matches!(checked_id(bad), Err(PaymentError::NotFound(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn bad_configs_are_refused() {
        let mut c = PayPalConfig::new("id", "secret");
        c.api_base = "not a url".into();
        assert!(matches!(
            PayPalProvider::new(c),
            Err(PayPalConfigError::InvalidApiBase(_))
        ));
        assert!(matches!(
            PayPalProvider::new(PayPalConfig::new("id", "")),
            Err(PayPalConfigError::MissingCredentials)
        ));
    }
}
