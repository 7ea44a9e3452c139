//! Klarna as a [`PaymentProvider`]: Klarna Payments API v1 to authorise in Klarna's widget and
//! place the order, Order Management to capture, cancel and refund it. Protocol reference:
//! `shared/providers/payments.md` §5.
//!
//! How our contract maps onto Klarna's flow:
//! - [`KlarnaProvider::create_session`] opens a payment session for the trip (one `digital`
//!   order line); the browser runs Klarna's widget with its `client_token` and gets back an
//!   `authorization_token`.
//! - **create_payment** places the order from that token
//!   ([`PaymentRequest::payment_method`] is the token, bare or as `klarna_auth:<token>`) with the
//!   same cart; [`Payment::id`] is Klarna's `order_id`. The cart is rebuilt from the amount,
//!   the description, the reference and the configured country, locale and tax rate, so the
//!   session must have been made from the same values (else Klarna answers 409 →
//!   [`PaymentError::InvalidRequest`]). A 403 on placing the order means Klarna will not turn
//!   that authorisation into an order (the purchase was refused): it is answered as a
//!   [`PaymentStatus::Failed`] payment whose id is the authorisation token (no order exists,
//!   so `get_payment` does not know it).
//! - **capture** takes all or part of the authorised amount and releases the rest
//!   (`release-remaining-authorization`), so a payment has one capture, as our contract says.
//! - **refund**s are accepted by Klarna synchronously (201), so they come back
//!   [`RefundStatus::Succeeded`](crate::RefundStatus::Succeeded). A [`Refund::id`] is
//!   `{order_id}/{refund_id}` so that `get_refund` can find it.
//! - **complete_action** does not apply: the customer authorises in Klarna's widget before
//!   the payment exists. It answers [`PaymentError::InvalidState`].
//! - **parse_webhook**: Klarna's push and notification callbacks are not signed. The body only
//!   names the order; the connector asks Klarna for it with our credentials and takes the
//!   state from that answer, never from the body. An order Klarna does not know is a forgery
//!   ([`WebhookError::BadSignature`]).
//!
//! Idempotency: every money-moving POST carries `Klarna-Idempotency-Key` (the caller's key,
//! or its SHA-256 when long). Captures and refunds also carry a `reference` derived from the
//! key, so a retry after Klarna forgot the key is still recognised from the order's
//! `captures[]` / `refunds[]`: the same amount answers the first result, another amount is
//! [`PaymentError::IdempotencyKeyReused`], as is a 409 whose `error_code` names idempotency.

mod client;
mod wire;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wayfare_domain::Money;

use client::{Answer, ApiError, Client};
use wire::{Cart, OmOrder, OmRefund, OrderCreated, SessionCreated};

use crate::provider::{
    Capture, Clock, Payment, PaymentError, PaymentProvider, PaymentRequest, PaymentStatus, Refund,
    RefundRequest, RefundStatus, check_amount, check_idempotency_key,
};
use crate::webhook::{WebhookError, WebhookEvent, WebhookRequest, WebhookSubject};

/// The Klarna connector's [`PaymentProvider::name`].
pub const NAME: &str = "klarna";

/// The prefix an authorisation token may carry in [`PaymentRequest::payment_method`].
pub const AUTH_TOKEN_PREFIX: &str = "klarna_auth:";

/// The longest caller key sent to Klarna as it is; longer ones go as their SHA-256.
const MAX_PLAIN_KEY_LEN: usize = 64;

/// Klarna's limit on `merchant_reference1`.
const MAX_REFERENCE_LEN: usize = 255;

/// Klarna's limit on an order line's `name`.
const MAX_LINE_NAME_CHARS: usize = 255;

/// Where Klarna's API is, by region (payments.md §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KlarnaRegion {
    Europe,
    NorthAmerica,
    Oceania,
}

impl KlarnaRegion {
    /// The production API base.
    pub fn production_url(self) -> &'static str {
        match self {
            KlarnaRegion::Europe => "https://api.klarna.com",
            KlarnaRegion::NorthAmerica => "https://api-na.klarna.com",
            KlarnaRegion::Oceania => "https://api-oc.klarna.com",
        }
    }

    /// The playground (test) API base.
    pub fn playground_url(self) -> &'static str {
        match self {
            KlarnaRegion::Europe => "https://api.playground.klarna.com",
            KlarnaRegion::NorthAmerica => "https://api-na.playground.klarna.com",
            KlarnaRegion::Oceania => "https://api-oc.playground.klarna.com",
        }
    }
}

/// How to reach Klarna and who we are there.
#[derive(Clone)]
pub struct KlarnaConfig {
    /// The API username tied to the merchant id (MID).
    pub username: String,
    /// The API password. Never printed.
    pub password: String,
    /// A [`KlarnaRegion`] URL (playground Europe by default), or a local fake in tests.
    pub base_url: String,
    /// ISO 3166 alpha-2, used for orders and for sessions that name none.
    pub purchase_country: String,
    /// Used for orders and for sessions that name none (e.g. `en-GB`).
    pub locale: String,
    /// The tax rate included in our prices, two implied decimals (`2500` = 25%); 0 by default.
    pub tax_rate: u32,
    /// For each HTTP call, connecting included.
    pub timeout: Duration,
}

impl KlarnaConfig {
    /// Klarna's playground in Europe, purchases in GB (`en-GB`), no tax, 30-second timeout.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> KlarnaConfig {
        KlarnaConfig {
            username: username.into(),
            password: password.into(),
            base_url: KlarnaRegion::Europe.playground_url().to_owned(),
            purchase_country: "GB".into(),
            locale: "en-GB".into(),
            tax_rate: 0,
            timeout: Duration::from_secs(30),
        }
    }

    /// The same on the production API of `region`.
    pub fn production(
        username: impl Into<String>,
        password: impl Into<String>,
        region: KlarnaRegion,
    ) -> KlarnaConfig {
        KlarnaConfig {
            base_url: region.production_url().to_owned(),
            ..KlarnaConfig::new(username, password)
        }
    }

    /// The same on the playground of `region`.
    pub fn playground(
        username: impl Into<String>,
        password: impl Into<String>,
        region: KlarnaRegion,
    ) -> KlarnaConfig {
        KlarnaConfig {
            base_url: region.playground_url().to_owned(),
            ..KlarnaConfig::new(username, password)
        }
    }
}

impl fmt::Debug for KlarnaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KlarnaConfig")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("base_url", &self.base_url)
            .field("purchase_country", &self.purchase_country)
            .field("locale", &self.locale)
            .field("tax_rate", &self.tax_rate)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Why a [`KlarnaProvider`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KlarnaConfigError {
    #[error("the Klarna API base `{0}` is not an http(s) URL")]
    InvalidBaseUrl(String),
    #[error("the Klarna API username and password are required")]
    MissingCredentials,
    #[error("the purchase country `{0}` is not an ISO 3166 alpha-2 code")]
    InvalidCountry(String),
    #[error("the tax rate {0} is above 10000 (100%)")]
    InvalidTaxRate(u32),
    #[error("{0}")]
    Http(String),
}

/// A payment session to open for the browser widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KlarnaSessionRequest {
    /// More than zero; the order placed later must be for the same amount.
    pub amount: Money,
    /// ISO 3166 alpha-2; the config's when `None`. Orders are placed with the config's
    /// country, so a session for another country needs a provider configured for it.
    pub country: Option<String>,
    /// The config's when `None`.
    pub locale: Option<String>,
    /// Our order reference (the order line's `reference`, `merchant_reference1`).
    pub reference: String,
    /// The trip, as the order line's name; the payment must give the same description.
    pub description: String,
    /// A wish for instalments, passed through in the session's `merchant_data` for our own
    /// pages; Klarna's widget offers the plans itself.
    pub instalments: Option<u8>,
}

/// An open payment session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KlarnaSession {
    pub session_id: String,
    /// For Klarna's JS widget in the browser.
    pub client_token: String,
    /// The `identifier`s offered (`pay_later`, `pay_over_time` …).
    pub payment_method_categories: Vec<String>,
}

/// The Klarna connector. Cheap to clone.
#[derive(Clone)]
pub struct KlarnaProvider {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    base_url: String,
    purchase_country: String,
    locale: String,
    tax_rate: u32,
    clock: Clock,
}

impl fmt::Debug for KlarnaProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KlarnaProvider")
            .field("base_url", &self.inner.base_url)
            .finish_non_exhaustive()
    }
}

/// The `Klarna-Idempotency-Key` for a caller's key: the key itself when it is short printable
/// ASCII, else `wf-` and its SHA-256, so the same key always sends the same header.
pub fn idempotency_header(key: &str) -> String {
    if key.len() <= MAX_PLAIN_KEY_LEN && key.bytes().all(|b| b.is_ascii_graphic()) {
        key.to_owned()
    } else {
        format!("wf-{}", hex::encode(Sha256::digest(key.as_bytes())))
    }
}

/// The `reference` of a capture or refund made with `key`, to recognise a retry.
fn reference_for(key: &str) -> String {
    format!("wf-{}", &hex::encode(Sha256::digest(key.as_bytes()))[..24])
}

/// Refuses ids that cannot be Klarna's (letters, digits, `-`, `_`), so an id never changes the
/// path it is put in.
fn checked_id(id: &str) -> Option<&str> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then_some(id)
}

fn order_id(id: &str) -> Result<&str, PaymentError> {
    checked_id(id).ok_or_else(|| PaymentError::NotFound(id.chars().take(64).collect()))
}

fn unreadable(what: &str, e: impl fmt::Display) -> PaymentError {
    tracing::error!(what, error = %e, "Klarna answer could not be read");
    PaymentError::Unavailable(format!("Klarna's {what} could not be read: {e}"))
}

fn money(minor: i64, like: Money) -> Money {
    Money::from_minor(minor, like.currency())
}

impl KlarnaProvider {
    /// A connector for `config`, on the system clock.
    pub fn new(config: KlarnaConfig) -> Result<KlarnaProvider, KlarnaConfigError> {
        KlarnaProvider::with_clock(config, Arc::new(Utc::now))
    }

    /// A connector whose "now" (for answers without a time) comes from `clock`.
    pub fn with_clock(
        config: KlarnaConfig,
        clock: Clock,
    ) -> Result<KlarnaProvider, KlarnaConfigError> {
        if config.username.is_empty() || config.password.is_empty() {
            return Err(KlarnaConfigError::MissingCredentials);
        }
        let base = url::Url::parse(&config.base_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| KlarnaConfigError::InvalidBaseUrl(config.base_url.clone()))?;
        if !is_country(&config.purchase_country) {
            return Err(KlarnaConfigError::InvalidCountry(config.purchase_country));
        }
        if config.tax_rate > wire::MAX_TAX_RATE {
            return Err(KlarnaConfigError::InvalidTaxRate(config.tax_rate));
        }
        let base_url = base.as_str().trim_end_matches('/').to_owned();
        let client = Client::new(
            &base_url,
            &config.username,
            &config.password,
            config.timeout,
        )
        .map_err(KlarnaConfigError::Http)?;
        Ok(KlarnaProvider {
            inner: Arc::new(Inner {
                client,
                base_url,
                purchase_country: config.purchase_country,
                locale: config.locale,
                tax_rate: config.tax_rate,
                clock,
            }),
        })
    }

    fn now(&self) -> chrono::DateTime<Utc> {
        (self.inner.clock)()
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        key: Option<&str>,
    ) -> Result<Result<Answer, ApiError>, PaymentError> {
        let header = key.map(idempotency_header);
        self.inner
            .client
            .call(method, path, body, header.as_deref())
            .await
    }

    /// Opens a payment session for the browser widget: one `digital` order line for the trip.
    pub async fn create_session(
        &self,
        req: &KlarnaSessionRequest,
    ) -> Result<KlarnaSession, PaymentError> {
        let country = req
            .country
            .as_deref()
            .unwrap_or(&self.inner.purchase_country);
        if !is_country(country) {
            return Err(PaymentError::InvalidRequest(format!(
                "`{country}` is not an ISO 3166 alpha-2 country"
            )));
        }
        let locale = req.locale.as_deref().unwrap_or(&self.inner.locale);
        let mut body = self.cart(
            req.amount,
            &req.reference,
            &req.description,
            country,
            locale,
        )?;
        body["intent"] = json!("buy");
        body["merchant_reference1"] = json!(req.reference);
        if let Some(n) = req.instalments {
            body["merchant_data"] = json!(json!({ "instalments": n }).to_string());
        }
        let answer = self
            .call(Method::POST, "/payments/v1/sessions", Some(&body), None)
            .await?
            .map_err(|e| e.into_payment_error("session"))?;
        let session: SessionCreated =
            serde_json::from_value(answer.body).map_err(|e| unreadable("session", e))?;
        tracing::info!(session = %session.session_id, reference = %req.reference, "Klarna session opened");
        Ok(KlarnaSession {
            session_id: session.session_id,
            client_token: session.client_token,
            payment_method_categories: session
                .payment_method_categories
                .into_iter()
                .map(|c| c.identifier)
                .collect(),
        })
    }

    /// The cart of a session or order, after checking what Klarna would refuse.
    fn cart(
        &self,
        amount: Money,
        reference: &str,
        description: &str,
        country: &str,
        locale: &str,
    ) -> Result<Value, PaymentError> {
        if amount.minor() <= 0 {
            return Err(PaymentError::InvalidRequest(
                "the amount must be more than zero".into(),
            ));
        }
        if amount.minor() > wire::MAX_LINE_AMOUNT {
            return Err(PaymentError::InvalidRequest(format!(
                "Klarna takes at most {} minor units per order line",
                wire::MAX_LINE_AMOUNT
            )));
        }
        if reference.is_empty() || reference.chars().count() > MAX_REFERENCE_LEN {
            return Err(PaymentError::InvalidRequest(format!(
                "the reference must have 1 to {MAX_REFERENCE_LEN} characters"
            )));
        }
        let name: String = if description.trim().is_empty() {
            reference.to_owned()
        } else {
            description.chars().take(MAX_LINE_NAME_CHARS).collect()
        };
        Ok(Cart {
            country,
            locale,
            amount,
            tax_rate: self.inner.tax_rate,
            name: &name,
            reference,
        }
        .to_json())
    }

    /// `GET /ordermanagement/v1/orders/{id}`.
    async fn order(&self, id: &str) -> Result<OmOrder, PaymentError> {
        let id = order_id(id)?;
        let answer = self
            .call(
                Method::GET,
                &format!("/ordermanagement/v1/orders/{id}"),
                None,
                None,
            )
            .await?
            .map_err(|e| e.into_payment_error(id))?;
        serde_json::from_value(answer.body).map_err(|e| unreadable("order", e))
    }

    fn to_payment(&self, order: &OmOrder) -> Result<Payment, PaymentError> {
        order
            .to_payment(NAME, self.now())
            .map_err(|e| unreadable("order", e))
    }

    fn to_refund(
        &self,
        order: &OmOrder,
        refund: &OmRefund,
        reason: Option<&str>,
    ) -> Result<Refund, PaymentError> {
        let currency = order.currency().map_err(|e| unreadable("order", e))?;
        Ok(Refund {
            id: format!("{}/{}", order.order_id, refund.refund_id),
            payment_id: order.order_id.clone(),
            amount: Money::from_minor(refund.refunded_amount, currency),
            status: RefundStatus::Succeeded,
            reason: reason
                .map(str::to_owned)
                .or_else(|| refund.description.clone())
                .unwrap_or_default(),
            created_at: wire::parse_time(refund.refunded_at.as_deref())
                .unwrap_or_else(|| self.now()),
        })
    }

    /// Releases what a partial capture left authorised, so the payment has one capture.
    async fn release_remaining(&self, order: &OmOrder, key: &str) -> Result<(), PaymentError> {
        if order.remaining_authorized_amount <= 0 {
            return Ok(());
        }
        let path = format!(
            "/ordermanagement/v1/orders/{}/release-remaining-authorization",
            order.order_id
        );
        let key = format!("{key}:release");
        match self.call(Method::POST, &path, None, Some(&key)).await? {
            Ok(_) => Ok(()),
            // Already released or nothing left: what we wanted.
            Err(e) if e.status == StatusCode::FORBIDDEN => Ok(()),
            Err(e) => Err(e.into_payment_error(&order.order_id)),
        }
    }
}

fn is_country(c: &str) -> bool {
    c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase())
}

/// The authorisation token in a payment method: bare, or after [`AUTH_TOKEN_PREFIX`].
fn authorization_token(method: &str) -> Result<&str, PaymentError> {
    let token = method.strip_prefix(AUTH_TOKEN_PREFIX).unwrap_or(method);
    checked_id(token).ok_or_else(|| {
        PaymentError::InvalidRequest(
            "the payment method must be Klarna's authorization_token (optionally `klarna_auth:<token>`)"
                .into(),
        )
    })
}

#[async_trait]
impl PaymentProvider for KlarnaProvider {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn create_payment(&self, req: &PaymentRequest) -> Result<Payment, PaymentError> {
        check_idempotency_key(&req.idempotency_key)?;
        let token = authorization_token(&req.payment_method)?;
        let mut body = self.cart(
            req.amount,
            &req.reference,
            &req.description,
            &self.inner.purchase_country,
            &self.inner.locale,
        )?;
        body["auto_capture"] = json!(req.capture == Capture::Automatic);
        body["merchant_reference1"] = json!(req.reference);
        body["merchant_data"] = json!(wire::merchant_data(req.capture));
        let answer = self
            .call(
                Method::POST,
                &format!("/payments/v1/authorizations/{token}/order"),
                Some(&body),
                Some(&req.idempotency_key),
            )
            .await?;
        let answer = match answer {
            Ok(answer) => answer,
            Err(e) if e.is_idempotency_conflict() => {
                return Err(PaymentError::IdempotencyKeyReused);
            }
            Err(e) if e.status == StatusCode::FORBIDDEN => {
                tracing::info!(reference = %req.reference, error = %e.summary(), "Klarna refused to place the order");
                return Ok(Payment {
                    id: token.to_owned(),
                    provider: NAME.into(),
                    status: PaymentStatus::Failed,
                    amount: req.amount,
                    amount_captured: money(0, req.amount),
                    amount_refunded: money(0, req.amount),
                    capture: req.capture,
                    payment_method: "klarna".into(),
                    reference: req.reference.clone(),
                    failure: Some(refusal_failure(&e)),
                    next_action_url: None,
                    created_at: self.now(),
                });
            }
            Err(e) if e.status == StatusCode::NOT_FOUND => {
                return Err(PaymentError::InvalidRequest(format!(
                    "Klarna does not know this authorization token: {}",
                    e.summary()
                )));
            }
            Err(e) => return Err(e.into_payment_error("authorization")),
        };
        let created: OrderCreated =
            serde_json::from_value(answer.body).map_err(|e| unreadable("order", e))?;
        let status = match created.fraud_status.as_deref() {
            Some("PENDING") => PaymentStatus::Processing,
            Some("REJECTED") => PaymentStatus::Failed,
            _ if req.capture == Capture::Automatic => PaymentStatus::Succeeded,
            _ => PaymentStatus::Authorized,
        };
        let captured = if status == PaymentStatus::Succeeded {
            req.amount
        } else {
            money(0, req.amount)
        };
        tracing::info!(order = %created.order_id, reference = %req.reference, %status, "Klarna order placed");
        Ok(Payment {
            id: created.order_id,
            provider: NAME.into(),
            status,
            amount: req.amount,
            amount_captured: captured,
            amount_refunded: money(0, req.amount),
            capture: req.capture,
            payment_method: wire::method_name(created.authorized_payment_method.as_ref()),
            reference: req.reference.clone(),
            failure: (status == PaymentStatus::Failed).then(wire::fraud_rejected),
            next_action_url: None,
            created_at: self.now(),
        })
    }

    async fn get_payment(&self, id: &str) -> Result<Payment, PaymentError> {
        self.to_payment(&self.order(id).await?)
    }

    async fn complete_action(&self, id: &str, _approved: bool) -> Result<Payment, PaymentError> {
        // The customer authorises in Klarna's widget before the order exists; nothing waits.
        let payment = self.get_payment(id).await?;
        Err(PaymentError::InvalidState {
            status: payment.status,
        })
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
        let reference = reference_for(idempotency_key);
        if let Some(done) = order
            .captures
            .iter()
            .find(|c| c.reference.as_deref() == Some(reference.as_str()))
        {
            // A retry of a capture Klarna already made.
            if amount.is_some_and(|a| a.minor() != done.captured_amount) {
                return Err(PaymentError::IdempotencyKeyReused);
            }
            self.release_remaining(&order, idempotency_key).await?;
            return self.get_payment(&order.order_id).await;
        }
        if payment.status != PaymentStatus::Authorized || order.captured_amount > 0 {
            return Err(PaymentError::InvalidState {
                status: payment.status,
            });
        }
        let remaining = order.remaining_authorized_amount;
        let to_capture = amount.map_or(remaining, Money::minor);
        if to_capture > remaining {
            return Err(PaymentError::InvalidRequest(format!(
                "the capture ({to_capture}) is above what remains authorised ({remaining})"
            )));
        }
        let body = json!({ "captured_amount": to_capture, "reference": reference });
        let path = format!("/ordermanagement/v1/orders/{}/captures", order.order_id);
        match self
            .call(Method::POST, &path, Some(&body), Some(idempotency_key))
            .await?
        {
            Ok(_) => {}
            Err(e) if e.status == StatusCode::FORBIDDEN && !e.is_idempotency_conflict() => {
                tracing::info!(order = %order.order_id, error = %e.summary(), "Klarna refused the capture");
                let now = self.get_payment(&order.order_id).await?;
                return Err(PaymentError::InvalidState { status: now.status });
            }
            Err(e) => return Err(e.into_payment_error(&order.order_id)),
        }
        let captured = self.order(&order.order_id).await?;
        self.release_remaining(&captured, idempotency_key).await?;
        tracing::info!(order = %order.order_id, amount = to_capture, "Klarna order captured");
        self.get_payment(&order.order_id).await
    }

    async fn void(&self, id: &str, idempotency_key: &str) -> Result<Payment, PaymentError> {
        check_idempotency_key(idempotency_key)?;
        let order = self.order(id).await?;
        let payment = self.to_payment(&order)?;
        match payment.status {
            PaymentStatus::Canceled => return Ok(payment),
            PaymentStatus::Authorized | PaymentStatus::Processing if order.captured_amount == 0 => {
            }
            status => return Err(PaymentError::InvalidState { status }),
        }
        let path = format!("/ordermanagement/v1/orders/{}/cancel", order.order_id);
        match self
            .call(Method::POST, &path, None, Some(idempotency_key))
            .await?
        {
            Ok(_) => {}
            Err(e) if e.status == StatusCode::FORBIDDEN && !e.is_idempotency_conflict() => {
                let now = self.get_payment(&order.order_id).await?;
                return Err(PaymentError::InvalidState { status: now.status });
            }
            Err(e) => return Err(e.into_payment_error(&order.order_id)),
        }
        tracing::info!(order = %order.order_id, "Klarna order cancelled");
        self.get_payment(&order.order_id).await
    }

    async fn refund(&self, req: &RefundRequest) -> Result<Refund, PaymentError> {
        check_idempotency_key(&req.idempotency_key)?;
        let order = self.order(&req.payment_id).await?;
        let payment = self.to_payment(&order)?;
        let reference = reference_for(&req.idempotency_key);
        if let Some(done) = order
            .refunds
            .iter()
            .find(|r| r.reference.as_deref() == Some(reference.as_str()))
        {
            if req
                .amount
                .is_some_and(|a| a.minor() != done.refunded_amount)
            {
                return Err(PaymentError::IdempotencyKeyReused);
            }
            return self.to_refund(&order, done, Some(&req.reason));
        }
        if order.captured_amount <= 0 {
            return Err(PaymentError::InvalidState {
                status: payment.status,
            });
        }
        let amount = req.amount.unwrap_or_else(|| payment.amount_refundable());
        check_amount(amount, &payment, "refund")?;
        if amount.minor() > payment.amount_refundable().minor() {
            return Err(PaymentError::InvalidRequest(format!(
                "the refund ({}) is above what is left to refund ({})",
                amount.minor(),
                payment.amount_refundable().minor()
            )));
        }
        let mut body = json!({ "refunded_amount": amount.minor(), "reference": reference });
        if !req.reason.is_empty() {
            body["description"] = json!(req.reason.chars().take(255).collect::<String>());
        }
        let path = format!("/ordermanagement/v1/orders/{}/refunds", order.order_id);
        let answer = match self
            .call(Method::POST, &path, Some(&body), Some(&req.idempotency_key))
            .await?
        {
            Ok(answer) => answer,
            Err(e) if e.status == StatusCode::FORBIDDEN && !e.is_idempotency_conflict() => {
                return Err(PaymentError::InvalidRequest(e.summary()));
            }
            Err(e) => return Err(e.into_payment_error(&order.order_id)),
        };
        let refund_id = answer
            .location
            .as_deref()
            .and_then(|l| l.trim_end_matches('/').rsplit('/').next())
            .and_then(checked_id)
            .ok_or_else(|| unreadable("refund", "the answer has no usable Location"))?
            .to_owned();
        tracing::info!(order = %order.order_id, refund = %refund_id, amount = amount.minor(), "Klarna order refunded");
        Ok(Refund {
            id: format!("{}/{refund_id}", order.order_id),
            payment_id: order.order_id.clone(),
            amount,
            status: RefundStatus::Succeeded,
            reason: req.reason.clone(),
            created_at: self.now(),
        })
    }

    async fn get_refund(&self, id: &str) -> Result<Refund, PaymentError> {
        let not_found = || PaymentError::NotFound(id.chars().take(64).collect());
        let (order_part, refund_part) = id.split_once('/').ok_or_else(not_found)?;
        let (Some(oid), Some(rid)) = (checked_id(order_part), checked_id(refund_part)) else {
            return Err(not_found());
        };
        let order = self.order(oid).await?;
        let answer = self
            .call(
                Method::GET,
                &format!("/ordermanagement/v1/orders/{oid}/refunds/{rid}"),
                None,
                None,
            )
            .await?
            .map_err(|e| e.into_payment_error(id))?;
        let refund: OmRefund =
            serde_json::from_value(answer.body).map_err(|e| unreadable("refund", e))?;
        self.to_refund(&order, &refund, None)
    }

    async fn parse_webhook(&self, req: &WebhookRequest<'_>) -> Result<WebhookEvent, WebhookError> {
        // Unsigned: the body only tells us which order to ask Klarna about.
        let body: Value = serde_json::from_slice(req.body)
            .map_err(|e| WebhookError::Malformed(format!("the body is not JSON: {e}")))?;
        let Some(id) = body["order_id"].as_str() else {
            return Err(WebhookError::Malformed("the body names no order_id".into()));
        };
        let Some(id) = checked_id(id) else {
            return Err(WebhookError::Malformed(
                "the order_id is not Klarna's".into(),
            ));
        };
        let order = match self.order(id).await {
            Ok(order) => order,
            Err(PaymentError::NotFound(_)) => {
                tracing::warn!(order = %id, "Klarna notification for an order Klarna does not know");
                return Err(WebhookError::BadSignature);
            }
            Err(e) => return Err(WebhookError::Unavailable(e.to_string())),
        };
        let payment = self
            .to_payment(&order)
            .map_err(|e| WebhookError::Unavailable(e.to_string()))?;
        let state = order.state_name();
        Ok(WebhookEvent {
            provider: NAME.into(),
            event_id: format!(
                "{}:{state}:{}:{}",
                order.order_id, order.captured_amount, order.refunded_amount
            ),
            event_type: format!("klarna.order.{state}"),
            subject: WebhookSubject::Payment {
                payment_id: payment.id,
                status: payment.status,
                amount: Some(payment.amount),
                amount_captured: Some(payment.amount_captured),
            },
            occurred_at: None,
        })
    }
}

/// A refusal to place the order, as the failure of the payment.
fn refusal_failure(e: &ApiError) -> crate::provider::PaymentFailure {
    crate::provider::PaymentFailure {
        code: e.code(),
        decline_code: None,
        message: e
            .body
            .error_messages
            .first()
            .cloned()
            .unwrap_or_else(|| "Klarna did not accept the purchase.".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_never_prints_the_password() {
        let config = KlarnaConfig::new("PK123_abc", "s3cr3t-value");
        let printed = format!("{config:?}");
        assert!(printed.contains("PK123_abc"));
        assert!(!printed.contains("s3cr3t-value"));
        assert_eq!(config.base_url, "https://api.playground.klarna.com");
        assert_eq!(
            KlarnaConfig::production("u", "p", KlarnaRegion::NorthAmerica).base_url,
            "https://api-na.klarna.com"
        );
    }

    #[test]
    fn tokens_are_taken_bare_or_prefixed() {
        assert_eq!(authorization_token("abc-123").unwrap(), "abc-123");
        assert_eq!(
            authorization_token("klarna_auth:abc-123").unwrap(),
            "abc-123"
        );
        for bad in ["", "klarna_auth:", "../x", "a/b", "a b"] {
            assert!(authorization_token(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_and_references_are_stable() {
        assert_eq!(idempotency_header("order-1:pay"), "order-1:pay");
        let long = "k".repeat(100);
        assert_eq!(idempotency_header(&long).len(), 3 + 64);
        assert_eq!(reference_for("a"), reference_for("a"));
        assert_ne!(reference_for("a"), reference_for("b"));
    }

    #[test]
    fn bad_configs_are_refused() {
        let mut c = KlarnaConfig::new("u", "p");
        c.base_url = "not a url".into();
        assert!(matches!(
            KlarnaProvider::new(c),
            Err(KlarnaConfigError::InvalidBaseUrl(_))
        ));
        assert!(matches!(
            KlarnaProvider::new(KlarnaConfig::new("u", "")),
            Err(KlarnaConfigError::MissingCredentials)
        ));
    }
}
