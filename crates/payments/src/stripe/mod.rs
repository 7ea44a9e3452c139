//! Stripe: PaymentIntents, refunds, SetupIntents and signed webhooks, over Stripe's v1 API
//! (`../shared/providers/payments.md` §1).
//!
//! - One [`StripeProvider`] holds one HTTP client; requests are form-encoded (`form`),
//!   answers are Stripe's JSON objects (`wire`), mapped to [`Payment`] and [`Refund`].
//! - Every call that moves money sends the caller's idempotency key as `Idempotency-Key` and
//!   is never retried here: the caller retries with the same key.
//! - Declines (HTTP 402 `card_error`) are answers: `Ok(Payment { status: Failed, .. })`.
//! - Neither the secret key, the webhook secret, card data nor client secrets are ever logged
//!   or printed by `Debug`.

mod client;
mod form;
mod webhooks;
mod wire;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;
use wayfare_domain::Money;

use crate::provider::{
    Payment, PaymentError, PaymentProvider, PaymentRequest, PaymentStatus, Refund, RefundRequest,
    check_amount, check_idempotency_key,
};
use crate::webhook::{WebhookError, WebhookEvent, WebhookRequest};

pub use client::{ClientIntent, ClientIntentRequest, SetupIntent, SetupIntentStatus};
pub use webhooks::{SIGNATURE_HEADER, sign_payload, verify_signature};

use form::{Form, Param};
use wire::{
    ApiErrorWire, ErrorBody, PaymentIntentWire, RefundWire, stripe_currency, to_payment, to_refund,
    to_stripe_amount,
};

/// Stripe's [`PaymentProvider::name`].
pub const NAME: &str = "stripe";

/// Where Stripe's API lives.
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";

/// The API version we speak (`Stripe-Version`): the object shapes and defaults this connector
/// was written against (`latest_charge` instead of `charges`; automatic payment methods on by
/// default).
pub const API_VERSION: &str = "2024-06-20";

/// How long one request may take, connecting included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How far a webhook's signature timestamp may be from our clock (Stripe's default).
pub const DEFAULT_WEBHOOK_TOLERANCE: Duration = Duration::from_secs(300);

/// Stripe's own refund reasons; any other reason of ours goes to `metadata[reason]`.
const REFUND_REASONS: &[&str] = &["duplicate", "fraudulent", "requested_by_customer"];

/// The monthly instalment plans we offer on cards (Stripe's `fixed_count` plans).
pub const INSTALMENT_COUNTS: &[u8] = &[3, 6, 12];

/// The charge is expanded in every answer so refunds can be read from it.
const EXPAND_CHARGE: &[&str] = &["latest_charge"];

/// How to reach Stripe. `Debug` never shows the secrets.
#[derive(Clone)]
pub struct StripeConfig {
    /// The secret API key, `sk_test_…` or `sk_live_…` (a restricted `rk_…` key works too).
    pub secret_key: String,
    /// The webhook endpoint's signing secret, `whsec_…`; without it webhooks are refused.
    pub webhook_secret: Option<String>,
    /// [`DEFAULT_API_BASE`], or a fake server's address in tests.
    pub api_base: String,
    /// Sent as `Stripe-Version`; [`API_VERSION`] unless there is a reason.
    pub api_version: String,
    /// The whole request, connecting included.
    pub timeout: Duration,
    /// How old (or early) a webhook signature may be.
    pub webhook_tolerance: Duration,
}

impl StripeConfig {
    /// A configuration with the defaults and no webhook secret.
    pub fn new(secret_key: impl Into<String>) -> StripeConfig {
        StripeConfig {
            secret_key: secret_key.into(),
            webhook_secret: None,
            api_base: DEFAULT_API_BASE.to_owned(),
            api_version: API_VERSION.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            webhook_tolerance: DEFAULT_WEBHOOK_TOLERANCE,
        }
    }
}

/// `test` or `live` from a key's prefix, which is safe to show; nothing else of the key.
fn key_mode(key: &str) -> &'static str {
    if key.contains("_test_") {
        "test"
    } else if key.contains("_live_") {
        "live"
    } else {
        "unknown"
    }
}

impl fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeConfig")
            .field(
                "secret_key",
                &format_args!("[redacted {} key]", key_mode(&self.secret_key)),
            )
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("api_base", &self.api_base)
            .field("api_version", &self.api_version)
            .field("timeout", &self.timeout)
            .field("webhook_tolerance", &self.webhook_tolerance)
            .finish()
    }
}

/// The Stripe connector. Cheap to clone (the HTTP client is shared).
#[derive(Clone)]
pub struct StripeProvider {
    http: reqwest::Client,
    base: Url,
    /// `Bearer sk_…`, marked sensitive so HTTP-level logging hides it.
    authorization: HeaderValue,
    api_version: HeaderValue,
    webhook_secret: Option<String>,
    webhook_tolerance: Duration,
}

impl fmt::Debug for StripeProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeProvider")
            .field("base", &self.base.as_str())
            .field("api_version", &self.api_version)
            .finish_non_exhaustive()
    }
}

/// A non-2xx answer: the HTTP status and Stripe's error object, when it sent one.
struct ApiFailure {
    status: StatusCode,
    error: Option<ApiErrorWire>,
}

impl ApiFailure {
    fn kind(&self) -> Option<&str> {
        self.error.as_ref().and_then(|e| e.kind.as_deref())
    }

    fn code(&self) -> Option<&str> {
        self.error.as_ref().and_then(|e| e.code.as_deref())
    }

    fn message(&self) -> String {
        self.error
            .as_ref()
            .and_then(|e| e.message.clone())
            .unwrap_or_else(|| format!("Stripe answered HTTP {}", self.status.as_u16()))
    }

    /// What the failure means to our callers; `id` is the object the call was about.
    fn into_error(self, id: &str) -> PaymentError {
        let status = self.status.as_u16();
        match status {
            401 | 403 => {
                // Stripe's message repeats part of the key: never pass it on.
                return PaymentError::Unavailable(format!(
                    "Stripe refused our API key (HTTP {status}): the connector is misconfigured, \
                     check the secret key and its permissions"
                ));
            }
            409 => {
                // Another request with the same key is still running (payments.md §1.6):
                // nothing is saved yet, so the same request may be retried later.
                return PaymentError::Unavailable(format!(
                    "Stripe is still working on a request with this idempotency key: {}",
                    self.message()
                ));
            }
            429 => {
                return PaymentError::Unavailable("Stripe is rate limiting us".to_owned());
            }
            _ if status >= 500 || self.error.is_none() => {
                return PaymentError::Unavailable(format!(
                    "Stripe failed (HTTP {status}); retry later with the same idempotency key"
                ));
            }
            _ => {}
        }
        if self.kind() == Some("idempotency_error") {
            return PaymentError::IdempotencyKeyReused;
        }
        if status == 404 {
            return PaymentError::NotFound(id.to_owned());
        }
        if self.code() == Some("payment_intent_unexpected_state")
            && let Some(payment) = self
                .error
                .as_ref()
                .and_then(ApiErrorWire::payment_intent)
                .and_then(|pi| to_payment(&pi).ok())
        {
            return PaymentError::InvalidState {
                status: payment.status,
            };
        }
        PaymentError::InvalidRequest(self.message())
    }
}

/// A transport failure: not connected (nothing sent) is Unavailable; no answer in time is
/// Timeout (it may have been done).
fn transport_error(e: reqwest::Error) -> PaymentError {
    if e.is_connect() {
        tracing::warn!(error = %e, "could not connect to Stripe");
        PaymentError::Unavailable("could not connect to Stripe".to_owned())
    } else if e.is_timeout() {
        tracing::warn!(error = %e, "Stripe did not answer in time");
        PaymentError::Timeout
    } else {
        tracing::warn!(error = %e, "the request to Stripe failed");
        PaymentError::Unavailable(format!("the request to Stripe failed: {}", e.without_url()))
    }
}

/// An answer we could not read: Stripe changed or something in between did.
fn unreadable(what: impl fmt::Display) -> PaymentError {
    tracing::error!(error = %what, "unreadable answer from Stripe");
    PaymentError::Unavailable(format!("Stripe's answer could not be read: {what}"))
}

impl StripeProvider {
    /// A connector for `config`: checks the base URL and the key can be sent, and builds the
    /// HTTP client with the timeout.
    pub fn new(config: StripeConfig) -> Result<StripeProvider, PaymentError> {
        let invalid = |what: &str| PaymentError::InvalidRequest(format!("Stripe config: {what}"));
        if config.secret_key.trim().is_empty() {
            return Err(invalid("the secret key is empty"));
        }
        let base = Url::parse(&config.api_base).map_err(|_| invalid("api_base is not a URL"))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(invalid("api_base must be an http(s) URL"));
        }
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", config.secret_key))
            .map_err(|_| invalid("the secret key has characters a header cannot carry"))?;
        authorization.set_sensitive(true);
        let api_version = HeaderValue::from_str(&config.api_version)
            .map_err(|_| invalid("api_version has characters a header cannot carry"))?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("wayfare-payments/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PaymentError::Unavailable(format!("HTTP client: {e}")))?;
        Ok(StripeProvider {
            http,
            base,
            authorization,
            api_version,
            webhook_secret: config.webhook_secret,
            webhook_tolerance: config.webhook_tolerance,
        })
    }

    /// Sends one request. `Ok(Ok(_))` is a 2xx answer, `Ok(Err(_))` Stripe's error answer;
    /// `Err` is a transport failure or an answer that cannot be read.
    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &[&str],
        form: Form,
        idempotency_key: Option<&str>,
    ) -> Result<Result<T, ApiFailure>, PaymentError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| unreadable("api_base cannot take a path"))?
            .pop_if_empty()
            .extend(path);
        let mut request = if method == Method::GET {
            if !form.is_empty() {
                url.set_query(Some(&form.encode()));
            }
            self.http.get(url)
        } else {
            self.http
                .request(method.clone(), url)
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form.encode())
        };
        request = request
            .header(AUTHORIZATION, self.authorization.clone())
            .header("Stripe-Version", self.api_version.clone());
        if let Some(key) = idempotency_key {
            let value = HeaderValue::from_str(key).map_err(|_| {
                PaymentError::InvalidRequest(
                    "the idempotency key must be printable ASCII".to_owned(),
                )
            })?;
            request = request.header("Idempotency-Key", value);
        }
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let request_id = header("request-id").unwrap_or_default();
        let replayed = header("idempotent-replayed").as_deref() == Some("true");
        let body = response.bytes().await.map_err(transport_error)?;
        if status.is_success() {
            tracing::debug!(%method, path = %path.join("/"), status = status.as_u16(),
                %request_id, replayed, "stripe answered");
            return serde_json::from_slice(&body).map(Ok).map_err(unreadable);
        }
        let error = serde_json::from_slice::<ErrorBody>(&body)
            .ok()
            .map(|b| b.error);
        let failure = ApiFailure { status, error };
        // Type and code only: messages may quote the key (401) or the customer's card.
        tracing::warn!(%method, path = %path.join("/"), status = status.as_u16(), %request_id,
            replayed, error_type = failure.kind().unwrap_or(""), code = failure.code().unwrap_or(""),
            "stripe refused the request");
        Ok(Err(failure))
    }

    fn payment(pi: &PaymentIntentWire) -> Result<Payment, PaymentError> {
        to_payment(pi).map_err(unreadable)
    }

    /// Retrieves a PaymentIntent with its charge expanded.
    async fn retrieve(&self, id: &str) -> Result<Payment, PaymentError> {
        check_id(id)?;
        let form = Form::new().list("expand", EXPAND_CHARGE);
        match self
            .send::<PaymentIntentWire>(Method::GET, &["v1", "payment_intents", id], form, None)
            .await?
        {
            Ok(pi) => Self::payment(&pi),
            Err(f) => Err(f.into_error(id)),
        }
    }

    /// Cancels a PaymentIntent (`POST …/cancel`).
    async fn cancel(
        &self,
        id: &str,
        reason: Option<&str>,
        idempotency_key: &str,
    ) -> Result<Payment, PaymentError> {
        check_id(id)?;
        let form = Form::new()
            .opt_str("cancellation_reason", reason)
            .list("expand", EXPAND_CHARGE);
        match self
            .send::<PaymentIntentWire>(
                Method::POST,
                &["v1", "payment_intents", id, "cancel"],
                form,
                Some(idempotency_key),
            )
            .await?
        {
            Ok(pi) => {
                let payment = Self::payment(&pi)?;
                tracing::info!(payment = %payment.id, status = %payment.status, "stripe payment canceled");
                Ok(payment)
            }
            Err(f) => Err(f.into_error(id)),
        }
    }

    /// A 402 on create: the decline, from the PaymentIntent Stripe put in the error.
    fn declined(failure: &ApiFailure, req: &PaymentRequest) -> Result<Payment, PaymentError> {
        let Some(error) = &failure.error else {
            return Err(unreadable("a 402 without an error object"));
        };
        let mut payment = match error.payment_intent() {
            Some(pi) => Self::payment(&pi)?,
            // Stripe names the PaymentIntent in every decline of one; without it the attempt
            // has no id to keep.
            None => Payment {
                id: String::new(),
                provider: NAME.to_owned(),
                status: PaymentStatus::Failed,
                amount: req.amount,
                amount_captured: Money::zero(req.amount.currency()),
                amount_refunded: Money::zero(req.amount.currency()),
                capture: req.capture,
                payment_method: req.payment_method.clone(),
                reference: req.reference.clone(),
                failure: None,
                next_action_url: None,
                created_at: chrono::Utc::now(),
            },
        };
        if payment.status == PaymentStatus::RequiresAction {
            // `requires_payment_method` without `last_payment_error`: still this decline.
            payment.status = PaymentStatus::Failed;
        }
        if payment.status == PaymentStatus::Failed && payment.failure.is_none() {
            payment.failure = Some(error.failure());
        }
        if payment.payment_method.is_empty() {
            payment.payment_method = req.payment_method.clone();
        }
        Ok(payment)
    }
}

/// Refuses an empty id (it would address the list, not an object).
fn check_id(id: &str) -> Result<(), PaymentError> {
    if id.trim().is_empty() {
        return Err(PaymentError::NotFound(id.to_owned()));
    }
    Ok(())
}

/// Refuses an instalment count we do not offer, before anything is sent.
fn check_instalments(instalments: Option<u8>) -> Result<(), PaymentError> {
    match instalments {
        Some(n) if !INSTALMENT_COUNTS.contains(&n) => Err(PaymentError::InvalidRequest(format!(
            "{n} instalments are not offered: pay in 3, 6 or 12 monthly instalments"
        ))),
        _ => Ok(()),
    }
}

/// `payment_method_options[card][installments]` choosing a fixed plan of `count` monthly
/// payments (Stripe's `{enabled, plan: {count, interval, type}}`).
fn instalment_options(count: u8) -> Param {
    let plan = Param::Map(vec![
        ("count".to_owned(), Param::Int(i64::from(count))),
        ("interval".to_owned(), Param::Str("month".to_owned())),
        ("type".to_owned(), Param::Str("fixed_count".to_owned())),
    ]);
    let installments = Param::Map(vec![
        ("enabled".to_owned(), Param::Bool(true)),
        ("plan".to_owned(), plan),
    ]);
    Param::Map(vec![(
        "card".to_owned(),
        Param::Map(vec![("installments".to_owned(), installments)]),
    )])
}

/// `metadata[reference]` when there is a reference.
fn reference_metadata(form: Form, reference: &str) -> Form {
    if reference.is_empty() {
        form
    } else {
        form.map("metadata", &[("reference", reference)])
    }
}

fn non_empty(s: &str) -> Option<&str> {
    Some(s).filter(|s| !s.is_empty())
}

#[async_trait]
impl PaymentProvider for StripeProvider {
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
        if req.payment_method.trim().is_empty() {
            return Err(PaymentError::InvalidRequest(
                "a payment method is required".into(),
            ));
        }
        check_instalments(req.instalments)?;
        let mut form = Form::new()
            .int("amount", to_stripe_amount(req.amount)?)
            .str("currency", &stripe_currency(req.amount.currency()))
            .str("capture_method", req.capture.as_str())
            .bool("confirm", true)
            .str("payment_method", &req.payment_method);
        form = match req.return_url.as_deref() {
            Some(url) => form.str("return_url", url),
            // Without a place to come back to, Stripe must not pick a redirecting method.
            None => form.map(
                "automatic_payment_methods",
                &[("enabled", "true"), ("allow_redirects", "never")],
            ),
        };
        form = form
            .opt_str("description", non_empty(&req.description))
            .opt_str("receipt_email", req.customer_email.as_deref());
        if let Some(count) = req.instalments {
            form = form.param("payment_method_options", instalment_options(count));
        }
        form = reference_metadata(form, &req.reference).list("expand", EXPAND_CHARGE);
        let answer = self
            .send::<PaymentIntentWire>(
                Method::POST,
                &["v1", "payment_intents"],
                form,
                Some(&req.idempotency_key),
            )
            .await?;
        let payment = match answer {
            Ok(pi) => {
                let mut payment = Self::payment(&pi)?;
                if payment.payment_method.is_empty() {
                    payment.payment_method = req.payment_method.clone();
                }
                payment
            }
            Err(f) if f.status == StatusCode::PAYMENT_REQUIRED => Self::declined(&f, req)?,
            Err(f) => return Err(f.into_error(&req.payment_method)),
        };
        tracing::info!(payment = %payment.id, status = %payment.status,
            amount = payment.amount.minor(), currency = %payment.amount.currency(),
            reference = %payment.reference, "stripe payment created");
        Ok(payment)
    }

    async fn get_payment(&self, id: &str) -> Result<Payment, PaymentError> {
        self.retrieve(id).await
    }

    /// Stripe runs the customer's step itself (3-D Secure on its page); coming back approved
    /// only means "look again", so this retrieves the intent. Refused (the customer gave up),
    /// an intent still waiting for them (or failed) is canceled as `abandoned`, under a key of
    /// our own so a retry replays; one already canceled is returned as it is; one Stripe has
    /// already authorised or charged is [`PaymentError::InvalidState`] (void or refund it).
    async fn complete_action(&self, id: &str, approved: bool) -> Result<Payment, PaymentError> {
        let payment = self.retrieve(id).await?;
        if approved {
            return Ok(payment);
        }
        match payment.status {
            PaymentStatus::RequiresAction | PaymentStatus::Failed => {
                let key = format!("wayfare:abandon:{id}");
                self.cancel(id, Some("abandoned"), &key).await
            }
            PaymentStatus::Canceled => Ok(payment),
            status => Err(PaymentError::InvalidState { status }),
        }
    }

    async fn capture(
        &self,
        id: &str,
        amount: Option<Money>,
        idempotency_key: &str,
    ) -> Result<Payment, PaymentError> {
        check_idempotency_key(idempotency_key)?;
        check_id(id)?;
        let mut form = Form::new();
        if let Some(amount) = amount {
            // Stripe's amount_to_capture is a bare number: check the currency here.
            let payment = self.retrieve(id).await?;
            check_amount(amount, &payment, "capture")?;
            if amount.minor() > payment.amount.minor() {
                return Err(PaymentError::InvalidRequest(format!(
                    "cannot capture {amount}, more than the {} authorised",
                    payment.amount
                )));
            }
            form = form.int("amount_to_capture", to_stripe_amount(amount)?);
        }
        form = form.list("expand", EXPAND_CHARGE);
        match self
            .send::<PaymentIntentWire>(
                Method::POST,
                &["v1", "payment_intents", id, "capture"],
                form,
                Some(idempotency_key),
            )
            .await?
        {
            Ok(pi) => {
                let payment = Self::payment(&pi)?;
                tracing::info!(payment = %payment.id, captured = payment.amount_captured.minor(),
                    "stripe payment captured");
                Ok(payment)
            }
            Err(f) => Err(f.into_error(id)),
        }
    }

    async fn void(&self, id: &str, idempotency_key: &str) -> Result<Payment, PaymentError> {
        check_idempotency_key(idempotency_key)?;
        self.cancel(id, None, idempotency_key).await
    }

    async fn refund(&self, req: &RefundRequest) -> Result<Refund, PaymentError> {
        check_idempotency_key(&req.idempotency_key)?;
        check_id(&req.payment_id)?;
        let mut form = Form::new().str("payment_intent", &req.payment_id);
        if let Some(amount) = req.amount {
            // Like capture: Stripe's amount is a bare number.
            let payment = self.retrieve(&req.payment_id).await?;
            check_amount(amount, &payment, "refund")?;
            form = form.int("amount", to_stripe_amount(amount)?);
        }
        if REFUND_REASONS.contains(&req.reason.as_str()) {
            form = form.str("reason", &req.reason);
        } else if !req.reason.is_empty() {
            form = form.map("metadata", &[("reason", req.reason.as_str())]);
        }
        match self
            .send::<RefundWire>(
                Method::POST,
                &["v1", "refunds"],
                form,
                Some(&req.idempotency_key),
            )
            .await?
        {
            Ok(wire) => {
                let refund = to_refund(&wire).map_err(unreadable)?;
                tracing::info!(refund = %refund.id, payment = %refund.payment_id,
                    amount = refund.amount.minor(), status = %refund.status, "stripe refund created");
                Ok(refund)
            }
            // Stripe names a missing PaymentIntent in `param`, with a 400.
            Err(f)
                if f.code() == Some("resource_missing")
                    && f.error.as_ref().and_then(|e| e.param.as_deref())
                        == Some("payment_intent") =>
            {
                Err(PaymentError::NotFound(req.payment_id.clone()))
            }
            Err(f) => Err(f.into_error(&req.payment_id)),
        }
    }

    async fn get_refund(&self, id: &str) -> Result<Refund, PaymentError> {
        check_id(id)?;
        match self
            .send::<RefundWire>(Method::GET, &["v1", "refunds", id], Form::new(), None)
            .await?
        {
            Ok(wire) => to_refund(&wire).map_err(unreadable),
            Err(f) => Err(f.into_error(id)),
        }
    }

    async fn parse_webhook(&self, req: &WebhookRequest<'_>) -> Result<WebhookEvent, WebhookError> {
        let event = webhooks::parse(req, self.webhook_secret.as_deref(), self.webhook_tolerance);
        match &event {
            Ok(e) => {
                tracing::info!(event = %e.event_id, kind = %e.event_type, "stripe webhook verified")
            }
            Err(e) => tracing::warn!(error = %e, "stripe webhook refused"),
        }
        event
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn failure(status: u16, error: serde_json::Value) -> ApiFailure {
        ApiFailure {
            status: StatusCode::from_u16(status).unwrap(),
            error: serde_json::from_value::<ErrorBody>(json!({ "error": error }))
                .ok()
                .map(|b| b.error),
        }
    }

    #[test]
    fn instalments_are_a_fixed_monthly_plan_of_3_6_or_12() {
        for n in [3, 6, 12] {
            assert_eq!(check_instalments(Some(n)), Ok(()));
        }
        assert_eq!(check_instalments(None), Ok(()));
        for n in [0, 1, 2, 4, 9, 24, 255] {
            assert!(matches!(
                check_instalments(Some(n)),
                Err(PaymentError::InvalidRequest(_))
            ));
        }
        let form = Form::new().param("payment_method_options", instalment_options(6));
        assert_eq!(
            form.encode(),
            "payment_method_options[card][installments][enabled]=true\
             &payment_method_options[card][installments][plan][count]=6\
             &payment_method_options[card][installments][plan][interval]=month\
             &payment_method_options[card][installments][plan][type]=fixed_count"
        );
    }

    #[test]
    fn debug_never_shows_secrets() {
        let mut config = StripeConfig::new("sk_test_51SecretSecret");
        config.webhook_secret = Some("whsec_topsecret".into());
        let shown = format!("{config:?}");
        assert!(!shown.contains("51SecretSecret"), "{shown}");
        assert!(!shown.contains("topsecret"), "{shown}");
        assert!(shown.contains("test key"), "{shown}");
        let provider = StripeProvider::new(config).unwrap();
        let shown = format!("{provider:?}");
        assert!(!shown.contains("Secret"), "{shown}");
        assert!(!shown.contains("topsecret"), "{shown}");
    }

    #[test]
    fn bad_configurations_are_refused_without_echoing_the_key() {
        let mut config = StripeConfig::new("sk_test_bad\nkey");
        let err = StripeProvider::new(config.clone()).unwrap_err();
        assert!(!err.to_string().contains("bad"), "{err}");
        config.secret_key = " ".into();
        assert!(StripeProvider::new(config.clone()).is_err());
        config.secret_key = "sk_test_ok".into();
        config.api_base = "not a url".into();
        assert!(StripeProvider::new(config.clone()).is_err());
        config.api_base = "ftp://example.com".into();
        assert!(StripeProvider::new(config).is_err());
    }

    #[test]
    fn errors_map_to_ours() {
        let e = failure(
            401,
            json!({"type": "invalid_request_error",
            "message": "Invalid API Key provided: sk_test_****1234"}),
        )
        .into_error("pi_1");
        assert!(
            matches!(&e, PaymentError::Unavailable(m) if !m.contains("1234")),
            "{e}"
        );
        assert!(matches!(
            failure(403, json!({})).into_error("pi_1"),
            PaymentError::Unavailable(_)
        ));
        assert_eq!(
            failure(400, json!({"type": "idempotency_error", "message": "Keys for idempotent requests can only be used with the same parameters"}))
                .into_error("pi_1"),
            PaymentError::IdempotencyKeyReused
        );
        assert!(matches!(
            failure(
                409,
                json!({"type": "idempotency_error", "message": "in progress"})
            )
            .into_error("pi_1"),
            PaymentError::Unavailable(_)
        ));
        assert_eq!(
            failure(
                404,
                json!({"type": "invalid_request_error", "code": "resource_missing",
                "message": "No such payment_intent: 'pi_1'"})
            )
            .into_error("pi_1"),
            PaymentError::NotFound("pi_1".into())
        );
        assert_eq!(
            failure(
                400,
                json!({"type": "invalid_request_error", "code": "amount_too_large",
                "message": "Refund amount is greater than unrefunded amount"})
            )
            .into_error("pi_1"),
            PaymentError::InvalidRequest("Refund amount is greater than unrefunded amount".into())
        );
        assert_eq!(
            failure(
                400,
                json!({"type": "invalid_request_error",
                "code": "payment_intent_unexpected_state", "message": "cannot capture",
                "payment_intent": {"id": "pi_1", "amount": 100, "amount_received": 100,
                    "currency": "usd", "status": "succeeded", "created": 1}})
            )
            .into_error("pi_1"),
            PaymentError::InvalidState {
                status: PaymentStatus::Succeeded
            }
        );
        for status in [429, 500, 502, 503, 504] {
            assert!(matches!(
                failure(status, json!({"type": "api_error"})).into_error("pi_1"),
                PaymentError::Unavailable(_)
            ));
        }
        // A 400 whose body is not Stripe's (a proxy's page) is not the caller's fault.
        assert!(matches!(
            ApiFailure {
                status: StatusCode::BAD_REQUEST,
                error: None
            }
            .into_error("pi_1"),
            PaymentError::Unavailable(_)
        ));
    }
}
