//! Alipay as a [`PaymentProvider`]: the OpenAPI v2 gateway with RSA2-signed requests,
//! signature-checked responses and async notifications. Protocol reference:
//! `shared/providers/payments.md` §3.
//!
//! How our contract maps onto Alipay:
//! - **create_payment** makes no call: page pay (`alipay.trade.page.pay`, method
//!   [`PAYMENT_METHOD`]) and mobile web pay (`alipay.trade.wap.pay`, [`PAYMENT_METHOD_WAP`]) are
//!   browser redirects, so it answers [`PaymentStatus::RequiresAction`] with the signed gateway
//!   GET URL. [`Payment::id`] is the `out_trade_no`, derived from the idempotency key
//!   ([`out_trade_no`]), so a retry opens the same trade. CNY only, automatic capture only:
//!   Alipay takes the money when the buyer pays; [`PaymentProvider::capture`] is
//!   [`PaymentError::InvalidRequest`].
//! - **get_payment** / **complete_action(approved)** read `alipay.trade.query`. Alipay only
//!   knows a trade once the buyer opened the page, so `ACQ.TRADE_NOT_EXIST` reads as
//!   [`PaymentStatus::RequiresAction`] with zero amounts (we keep no state; the caller's own
//!   record knows the amount and when to give up). `TRADE_CLOSED` is
//!   [`PaymentStatus::Canceled`] when never paid and [`PaymentStatus::Succeeded`] with
//!   everything refunded when it was (Alipay closes fully refunded trades).
//! - **void** / **complete_action(not approved)** close the trade (`alipay.trade.close`); a
//!   trade never opened is answered canceled without one.
//! - **refund** is `alipay.trade.refund` with `out_request_no` from the idempotency key
//!   (Alipay refunds one `out_request_no` once); the refund id is
//!   `<out_trade_no>:<out_request_no>`, read back by `alipay.trade.fastpay.refund.query`.
//!
//! Every response is trusted only once its `sign` verifies over the raw `…_response` text with
//! Alipay's public key; otherwise [`PaymentError::Unavailable`].
//!
//! What Alipay does not tell us on a query: our reference, the payment method and when we
//! created the payment (`reference` is empty, `payment_method` is [`PAYMENT_METHOD`],
//! `created_at` is now), and partial refunds (`amount_refunded` is zero unless closed).

pub mod sign;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use rsa::pkcs1v15::{SigningKey, VerifyingKey};
use rsa::sha2::Sha256;
use serde_json::{Map, Value, json};
use url::Url;
use wayfare_domain::{Currency, Money};

use crate::provider::{
    Capture, Clock, Payment, PaymentError, PaymentProvider, PaymentRequest, PaymentStatus, Refund,
    RefundRequest, RefundStatus, check_idempotency_key,
};
use crate::webhook::{WebhookError, WebhookEvent, WebhookRequest, WebhookSubject};

pub use sign::{format_yuan, parse_yuan, sign_content};

/// The Alipay connector's [`PaymentProvider::name`].
pub const NAME: &str = "alipay";
/// Desktop page pay (`alipay.trade.page.pay`).
pub const PAYMENT_METHOD: &str = "alipay";
/// Mobile web pay (`alipay.trade.wap.pay`).
pub const PAYMENT_METHOD_WAP: &str = "alipay_wap";
/// Alipay's production gateway.
pub const GATEWAY: &str = "https://openapi.alipay.com/gateway.do";
/// Alipay's sandbox gateway.
pub const SANDBOX_GATEWAY: &str = "https://openapi-sandbox.dl.alipaydev.com/gateway.do";
/// The exact body to answer a notification with once it is handled; anything else makes
/// Alipay resend it.
pub const NOTIFY_ACK: &str = "success";

/// Alipay writes times in Beijing time (UTC+8) as `yyyy-MM-dd HH:mm:ss`.
const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";
const MAX_SUBJECT_CHARS: usize = 256;

/// How to reach Alipay and who we are there.
#[derive(Clone)]
pub struct AlipayConfig {
    pub app_id: String,
    /// Our app's RSA private key (PKCS#8 or PKCS#1 PEM, or bare base64). Never printed.
    pub private_key_pem: String,
    /// Alipay's public key (SPKI PEM or bare base64 as the console shows it).
    pub alipay_public_key_pem: String,
    /// [`GATEWAY`] (the default), [`SANDBOX_GATEWAY`], or a fake in tests.
    pub gateway: String,
    /// Where Alipay posts async notifications.
    pub notify_url: Option<String>,
    /// For each HTTP call, connecting included.
    pub timeout: Duration,
    /// Only `RSA2` (SHA256withRSA) is accepted; `RSA` (SHA1) is refused.
    pub sign_type: String,
}

impl AlipayConfig {
    pub fn new(
        app_id: impl Into<String>,
        private_key_pem: impl Into<String>,
        alipay_public_key_pem: impl Into<String>,
    ) -> AlipayConfig {
        AlipayConfig {
            app_id: app_id.into(),
            private_key_pem: private_key_pem.into(),
            alipay_public_key_pem: alipay_public_key_pem.into(),
            gateway: GATEWAY.to_owned(),
            notify_url: None,
            timeout: Duration::from_secs(30),
            sign_type: "RSA2".to_owned(),
        }
    }
}

impl fmt::Debug for AlipayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlipayConfig")
            .field("app_id", &self.app_id)
            .field("private_key_pem", &"[redacted]")
            .field("alipay_public_key_pem", &self.alipay_public_key_pem)
            .field("gateway", &self.gateway)
            .field("notify_url", &self.notify_url)
            .field("timeout", &self.timeout)
            .field("sign_type", &self.sign_type)
            .finish()
    }
}

/// The Alipay connector. Cheap to clone.
#[derive(Clone)]
pub struct AlipayProvider {
    inner: Arc<Inner>,
}

struct Inner {
    app_id: String,
    gateway: Url,
    notify_url: Option<String>,
    app_key: SigningKey<Sha256>,
    alipay_key: VerifyingKey<Sha256>,
    http: reqwest::Client,
    clock: Clock,
}

impl fmt::Debug for AlipayProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlipayProvider")
            .field("app_id", &self.inner.app_id)
            .field("gateway", &self.inner.gateway.as_str())
            .finish_non_exhaustive()
    }
}

/// The `out_trade_no` for a caller's idempotency key: `wf` and 32 hex digits of its SHA-256
/// (34 characters of `[0-9a-z]`, within Alipay's 64), so a retry makes the same trade.
pub fn out_trade_no(idempotency_key: &str) -> String {
    crate::provider::number_for_key("wf", idempotency_key, 32)
}

/// The refund's `out_request_no` for a caller's idempotency key.
pub fn out_request_no(idempotency_key: &str) -> String {
    crate::provider::number_for_key("wr", idempotency_key, 32)
}

/// Ids we put into `biz_content` are Alipay's charset: letters, digits, `_` and `-`.
fn checked_id(id: &str) -> Result<&str, PaymentError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(id)
    } else {
        Err(PaymentError::NotFound(id.chars().take(64).collect()))
    }
}

fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

fn parse_beijing(s: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(s, TIME_FORMAT).ok()?;
    beijing()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// A call Alipay answered with a failure code, verified as Alipay's.
#[derive(Debug)]
enum CallError {
    Payment(PaymentError),
    Api {
        code: String,
        sub_code: String,
        message: String,
    },
}

impl CallError {
    fn sub_code(&self) -> Option<&str> {
        match self {
            CallError::Api { sub_code, .. } => Some(sub_code),
            CallError::Payment(_) => None,
        }
    }

    /// The default mapping of §3.3 codes; callers handle the sub-codes that mean a state.
    fn into_error(self, id: &str) -> PaymentError {
        match self {
            CallError::Payment(e) => e,
            CallError::Api {
                code,
                sub_code,
                message,
            } => match (code.as_str(), sub_code.as_str()) {
                ("40004", "ACQ.TRADE_NOT_EXIST") => PaymentError::NotFound(id.to_owned()),
                ("40004", "ACQ.DISCORDANT_REPEAT_REQUEST" | "ACQ.CONTEXT_INCONSISTENT") => {
                    PaymentError::IdempotencyKeyReused
                }
                ("40004", "ACQ.SYSTEM_ERROR") => {
                    PaymentError::Unavailable(format!("Alipay: {sub_code} {message}"))
                }
                ("40004", _) => PaymentError::InvalidRequest(format!("{sub_code}: {message}")),
                _ => PaymentError::Unavailable(format!(
                    "Alipay refused the call: {code} {sub_code} {message}"
                )),
            },
        }
    }
}

fn str_field<'a>(m: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    m.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn cny(fen: i64) -> Money {
    Money::from_minor(fen, Currency::CNY)
}

fn yuan_field(m: &Map<String, Value>, k: &str) -> Result<Option<Money>, PaymentError> {
    match str_field(m, k) {
        None => Ok(None),
        Some(s) => parse_yuan(s)
            .map(|f| Some(cny(f)))
            .ok_or_else(|| PaymentError::Unavailable(format!("Alipay answered an unreadable {k}"))),
    }
}

impl AlipayProvider {
    pub fn new(config: AlipayConfig) -> Result<AlipayProvider, PaymentError> {
        AlipayProvider::with_clock(config, Arc::new(Utc::now))
    }

    /// With the clock that stamps requests' `timestamp` and our records.
    pub fn with_clock(config: AlipayConfig, clock: Clock) -> Result<AlipayProvider, PaymentError> {
        let bad = |m: String| PaymentError::InvalidRequest(format!("Alipay configuration: {m}"));
        if config.sign_type != "RSA2" {
            return Err(bad(format!(
                "sign_type `{}` is not supported, only RSA2",
                config.sign_type
            )));
        }
        if config.app_id.trim().is_empty() {
            return Err(bad("the app id is required".into()));
        }
        let gateway = Url::parse(&config.gateway)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| bad(format!("`{}` is not an http(s) URL", config.gateway)))?;
        let app_key = sign::parse_private_key(&config.private_key_pem).map_err(bad)?;
        let alipay_key = sign::parse_public_key(&config.alipay_public_key_pem).map_err(bad)?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(|e| bad(e.to_string()))?;
        Ok(AlipayProvider {
            inner: Arc::new(Inner {
                app_id: config.app_id,
                gateway,
                notify_url: config.notify_url.filter(|u| !u.is_empty()),
                app_key,
                alipay_key,
                http,
                clock,
            }),
        })
    }

    /// The common parameters, `biz_content` and `extra`, signed; `sign` last.
    fn signed_params(
        &self,
        method: &str,
        biz: &Value,
        extra: &[(&str, &str)],
    ) -> Vec<(String, String)> {
        let timestamp = (self.inner.clock)()
            .with_timezone(&beijing())
            .format(TIME_FORMAT)
            .to_string();
        let mut params: Vec<(String, String)> = [
            ("app_id", self.inner.app_id.as_str()),
            ("method", method),
            ("format", "JSON"),
            ("charset", "utf-8"),
            ("sign_type", "RSA2"),
            ("timestamp", timestamp.as_str()),
            ("version", "1.0"),
        ]
        .iter()
        .chain(extra.iter())
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        params.push(("biz_content".to_owned(), biz.to_string()));
        let content = sign_content(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        params.push(("sign".to_owned(), sign::sign(&self.inner.app_key, &content)));
        params
    }

    /// Calls a server-to-server API: common parameters in the query, `biz_content` in the
    /// form body (§3.1). Answers the verified `…_response` object when its code is 10000.
    async fn call(&self, method: &str, biz: Value) -> Result<Map<String, Value>, CallError> {
        let params = self.signed_params(method, &biz, &[]);
        let mut url = self.inner.gateway.clone();
        let mut form = Vec::new();
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in &params {
                if k == "biz_content" {
                    form.push((k.as_str(), v.as_str()));
                } else {
                    q.append_pair(k, v);
                }
            }
        }
        let unavailable = |m: String| CallError::Payment(PaymentError::Unavailable(m));
        let resp = self
            .inner
            .http
            .post(url)
            .form(&form)
            .send()
            .await
            .map_err(|e| CallError::Payment(transport_error(&e)))?;
        if resp.status() != reqwest::StatusCode::OK {
            return Err(unavailable(format!(
                "Alipay answered HTTP {}",
                resp.status()
            )));
        }
        let text = resp
            .text()
            .await
            .map_err(|e| CallError::Payment(transport_error(&e)))?;
        let key = format!("{}_response", method.replace('.', "_"));
        let body: Value = serde_json::from_str(&text)
            .map_err(|_| unavailable("Alipay's answer is not JSON".into()))?;
        let raw = sign::extract_member(&text, &key)
            .or_else(|| sign::extract_member(&text, "error_response"))
            .ok_or_else(|| unavailable(format!("Alipay's answer has no {key}")))?;
        let inner: Map<String, Value> = serde_json::from_str(raw)
            .map_err(|_| unavailable(format!("Alipay's {key} is not an object")))?;
        let code = str_field(&inner, "code").unwrap_or("").to_owned();
        match body.get("sign").and_then(Value::as_str) {
            Some(s) if sign::verify(&self.inner.alipay_key, raw, s) => {}
            Some(_) => {
                tracing::warn!(method, "Alipay response signature invalid");
                return Err(unavailable("response signature invalid".into()));
            }
            // Gateway errors may come unsigned; they are reported, never acted on.
            None => {
                return Err(unavailable(if code == "10000" {
                    "response signature missing".into()
                } else {
                    format!(
                        "Alipay refused the call (unsigned): {code} {}",
                        str_field(&inner, "sub_code").unwrap_or("")
                    )
                }));
            }
        }
        if code == "10000" {
            return Ok(inner);
        }
        let sub_code = str_field(&inner, "sub_code").unwrap_or("").to_owned();
        let message = str_field(&inner, "sub_msg")
            .or_else(|| str_field(&inner, "msg"))
            .unwrap_or("")
            .to_owned();
        tracing::info!(method, %code, %sub_code, "Alipay call failed");
        Err(CallError::Api {
            code,
            sub_code,
            message,
        })
    }

    fn payment_shell(&self, id: &str, status: PaymentStatus, amount: Money) -> Payment {
        Payment {
            id: id.to_owned(),
            provider: NAME.to_owned(),
            status,
            amount,
            amount_captured: Money::zero(Currency::CNY),
            amount_refunded: Money::zero(Currency::CNY),
            capture: Capture::Automatic,
            payment_method: PAYMENT_METHOD.to_owned(),
            reference: String::new(),
            failure: None,
            next_action_url: None,
            created_at: (self.inner.clock)(),
        }
    }

    fn payment_from_trade(
        &self,
        id: &str,
        t: &Map<String, Value>,
    ) -> Result<Payment, PaymentError> {
        let total = yuan_field(t, "total_amount")?.unwrap_or(cny(0));
        let paid = str_field(t, "send_pay_date").is_some();
        let status = str_field(t, "trade_status").unwrap_or("");
        let mut p = self.payment_shell(id, PaymentStatus::RequiresAction, total);
        match status {
            "WAIT_BUYER_PAY" => {}
            "TRADE_SUCCESS" | "TRADE_FINISHED" => {
                p.status = PaymentStatus::Succeeded;
                p.amount_captured = total;
            }
            "TRADE_CLOSED" if paid => {
                p.status = PaymentStatus::Succeeded;
                p.amount_captured = total;
                p.amount_refunded = total;
            }
            "TRADE_CLOSED" => p.status = PaymentStatus::Canceled,
            other => {
                return Err(PaymentError::Unavailable(format!(
                    "Alipay answered an unknown trade_status `{other}`"
                )));
            }
        }
        Ok(p)
    }

    /// The payment's current status as [`PaymentError::InvalidState`].
    async fn state_error(&self, id: &str) -> PaymentError {
        match self.get_payment(id).await {
            Ok(p) => PaymentError::InvalidState { status: p.status },
            Err(e) => e,
        }
    }

    fn is_state_code(sub_code: Option<&str>) -> bool {
        matches!(
            sub_code,
            Some("ACQ.TRADE_STATUS_ERROR" | "ACQ.TRADE_HAS_CLOSE" | "ACQ.TRADE_HAS_FINISHED")
        )
    }

    /// Checks a notification (§3.5) and reads it.
    fn read_notification(&self, body: &[u8]) -> Result<WebhookEvent, WebhookError> {
        let fields: Vec<(String, String)> = url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let get = |k: &str| {
            fields
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        };
        let signature = get("sign").ok_or(WebhookError::MissingSignature)?;
        // Which of two equal keys was signed is ambiguous; Alipay never sends any.
        let mut keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort_unstable();
        if keys.windows(2).any(|w| w[0] == w[1]) {
            return Err(WebhookError::Malformed("a field appears twice".into()));
        }
        if get("sign_type").is_some_and(|t| t != "RSA2") {
            return Err(WebhookError::BadSignature);
        }
        let content = sign_content(
            fields
                .iter()
                .filter(|(k, _)| k != "sign_type")
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        if !sign::verify(&self.inner.alipay_key, &content, signature) {
            return Err(WebhookError::BadSignature);
        }
        if get("app_id") != Some(self.inner.app_id.as_str()) {
            return Err(WebhookError::Malformed(
                "the notification is for another app".into(),
            ));
        }
        let missing = |k: &str| WebhookError::Malformed(format!("no {k}"));
        let event_id = get("notify_id").ok_or_else(|| missing("notify_id"))?;
        let payment_id = get("out_trade_no").ok_or_else(|| missing("out_trade_no"))?;
        let trade_status = get("trade_status").ok_or_else(|| missing("trade_status"))?;
        let amount = match get("total_amount") {
            Some(s) => Some(
                parse_yuan(s)
                    .map(cny)
                    .ok_or_else(|| WebhookError::Malformed("bad total_amount".into()))?,
            ),
            None => None,
        };
        let refund = get("refund_fee").is_some() || get("gmt_refund").is_some();
        let paid = get("gmt_payment").is_some();
        let (status, amount_captured) = match trade_status {
            // A refund notification: the payment stays paid; refunds are read separately.
            _ if refund => (PaymentStatus::Succeeded, amount),
            "TRADE_SUCCESS" | "TRADE_FINISHED" => (PaymentStatus::Succeeded, amount),
            "TRADE_CLOSED" if paid => (PaymentStatus::Succeeded, amount),
            "TRADE_CLOSED" => (PaymentStatus::Canceled, None),
            "WAIT_BUYER_PAY" => (PaymentStatus::RequiresAction, None),
            other => {
                return Err(WebhookError::Malformed(format!(
                    "unknown trade_status `{other}`"
                )));
            }
        };
        Ok(WebhookEvent {
            provider: NAME.to_owned(),
            event_id: event_id.to_owned(),
            event_type: trade_status.to_owned(),
            subject: WebhookSubject::Payment {
                payment_id: payment_id.to_owned(),
                status,
                amount,
                amount_captured,
            },
            occurred_at: get("notify_time").and_then(parse_beijing),
        })
    }
}

fn transport_error(e: &reqwest::Error) -> PaymentError {
    if e.is_timeout() {
        PaymentError::Timeout
    } else if e.is_connect() {
        PaymentError::Unavailable("Alipay could not be reached".into())
    } else {
        PaymentError::Unavailable("the call to Alipay failed".into())
    }
}

#[async_trait]
impl PaymentProvider for AlipayProvider {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn create_payment(&self, req: &PaymentRequest) -> Result<Payment, PaymentError> {
        check_idempotency_key(&req.idempotency_key)?;
        if req.amount.currency() != Currency::CNY {
            return Err(PaymentError::InvalidRequest(format!(
                "Alipay takes CNY only, not {}",
                req.amount.currency()
            )));
        }
        if req.amount.minor() <= 0 {
            return Err(PaymentError::InvalidRequest(
                "the amount must be more than zero".into(),
            ));
        }
        if req.capture != Capture::Automatic {
            return Err(PaymentError::InvalidRequest(
                "Alipay page payments are captured when the buyer pays; manual capture is not supported".into(),
            ));
        }
        let (method, product_code) = match req.payment_method.as_str() {
            PAYMENT_METHOD => ("alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY"),
            PAYMENT_METHOD_WAP => ("alipay.trade.wap.pay", "QUICK_WAP_WAY"),
            other => {
                return Err(PaymentError::InvalidRequest(format!(
                    "Alipay does not support the payment method `{other}`"
                )));
            }
        };
        let subject: String = [req.description.trim(), req.reference.trim()]
            .into_iter()
            .find(|s| !s.is_empty())
            .ok_or_else(|| {
                PaymentError::InvalidRequest("a description or reference is required".into())
            })?
            .chars()
            .take(MAX_SUBJECT_CHARS)
            .collect();
        let id = out_trade_no(&req.idempotency_key);
        let biz = json!({
            "out_trade_no": id,
            "total_amount": format_yuan(req.amount.minor()),
            "subject": subject,
            "product_code": product_code,
        });
        let notify_url = self.inner.notify_url.clone().unwrap_or_default();
        let return_url = req.return_url.clone().unwrap_or_default();
        let params = self.signed_params(
            method,
            &biz,
            &[("notify_url", &notify_url), ("return_url", &return_url)],
        );
        let mut url = self.inner.gateway.clone();
        url.query_pairs_mut().extend_pairs(params);
        let mut p = self.payment_shell(&id, PaymentStatus::RequiresAction, req.amount);
        p.payment_method = req.payment_method.clone();
        p.reference = req.reference.clone();
        p.next_action_url = Some(url.into());
        Ok(p)
    }

    async fn get_payment(&self, id: &str) -> Result<Payment, PaymentError> {
        let id = checked_id(id)?;
        match self
            .call("alipay.trade.query", json!({ "out_trade_no": id }))
            .await
        {
            Ok(t) => self.payment_from_trade(id, &t),
            Err(e) if e.sub_code() == Some("ACQ.TRADE_NOT_EXIST") => {
                Ok(self.payment_shell(id, PaymentStatus::RequiresAction, cny(0)))
            }
            Err(e) => Err(e.into_error(id)),
        }
    }

    async fn complete_action(&self, id: &str, approved: bool) -> Result<Payment, PaymentError> {
        if approved {
            self.get_payment(id).await
        } else {
            self.void(id, "").await
        }
    }

    async fn capture(
        &self,
        _id: &str,
        _amount: Option<Money>,
        _idempotency_key: &str,
    ) -> Result<Payment, PaymentError> {
        Err(PaymentError::InvalidRequest(
            "Alipay captures page payments when the buyer pays; there is nothing to capture".into(),
        ))
    }

    /// Closes the trade. The key is not used: closing twice closes once.
    async fn void(&self, id: &str, _idempotency_key: &str) -> Result<Payment, PaymentError> {
        let id = checked_id(id)?;
        match self
            .call("alipay.trade.close", json!({ "out_trade_no": id }))
            .await
        {
            Ok(_) => self.get_payment(id).await,
            // Never opened by the buyer: nothing to close.
            Err(e) if e.sub_code() == Some("ACQ.TRADE_NOT_EXIST") => {
                Ok(self.payment_shell(id, PaymentStatus::Canceled, cny(0)))
            }
            Err(e) if AlipayProvider::is_state_code(e.sub_code()) => {
                let p = self.get_payment(id).await?;
                if p.status == PaymentStatus::Canceled {
                    Ok(p)
                } else {
                    Err(PaymentError::InvalidState { status: p.status })
                }
            }
            Err(e) => Err(e.into_error(id)),
        }
    }

    async fn refund(&self, req: &RefundRequest) -> Result<Refund, PaymentError> {
        check_idempotency_key(&req.idempotency_key)?;
        let id = checked_id(&req.payment_id)?;
        let amount = match req.amount {
            Some(a) => {
                if a.currency() != Currency::CNY || a.minor() <= 0 {
                    return Err(PaymentError::InvalidRequest(
                        "the refund must be more than zero CNY".into(),
                    ));
                }
                a
            }
            // The whole trade; Alipay refuses it after partial refunds.
            None => {
                let p = self.get_payment(id).await?;
                if p.status != PaymentStatus::Succeeded {
                    return Err(PaymentError::InvalidState { status: p.status });
                }
                p.amount_captured
            }
        };
        let request_no = out_request_no(&req.idempotency_key);
        let mut biz = json!({
            "out_trade_no": id,
            "refund_amount": format_yuan(amount.minor()),
            "out_request_no": request_no,
        });
        if !req.reason.trim().is_empty() {
            biz["refund_reason"] = Value::String(req.reason.chars().take(256).collect());
        }
        match self.call("alipay.trade.refund", biz).await {
            Ok(_) => Ok(Refund {
                id: format!("{id}:{request_no}"),
                payment_id: id.to_owned(),
                amount,
                status: RefundStatus::Succeeded,
                reason: req.reason.clone(),
                created_at: (self.inner.clock)(),
            }),
            Err(e) if AlipayProvider::is_state_code(e.sub_code()) => {
                Err(self.state_error(id).await)
            }
            Err(e) => Err(e.into_error(id)),
        }
    }

    async fn get_refund(&self, id: &str) -> Result<Refund, PaymentError> {
        let not_found = || PaymentError::NotFound(id.chars().take(130).collect());
        let (trade, request_no) = id.split_once(':').ok_or_else(not_found)?;
        let trade = checked_id(trade).map_err(|_| not_found())?;
        let request_no = checked_id(request_no).map_err(|_| not_found())?;
        let r = self
            .call(
                "alipay.trade.fastpay.refund.query",
                json!({ "out_trade_no": trade, "out_request_no": request_no }),
            )
            .await
            .map_err(|e| e.into_error(id))?;
        // Alipay answers 10000 without the refund's fields when there is no such refund.
        let amount = yuan_field(&r, "refund_amount")?.ok_or_else(not_found)?;
        let status = match str_field(&r, "refund_status") {
            None | Some("REFUND_SUCCESS") => RefundStatus::Succeeded,
            Some(_) => RefundStatus::Pending,
        };
        Ok(Refund {
            id: id.to_owned(),
            payment_id: trade.to_owned(),
            amount,
            status,
            reason: str_field(&r, "refund_reason").unwrap_or("").to_owned(),
            created_at: (self.inner.clock)(),
        })
    }

    async fn parse_webhook(&self, req: &WebhookRequest<'_>) -> Result<WebhookEvent, WebhookError> {
        self.read_notification(req.body)
    }
}
