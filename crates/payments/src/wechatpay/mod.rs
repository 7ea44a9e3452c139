//! WeChat Pay API v3 as a [`PaymentProvider`]: Native (QR code), H5 and JSAPI orders, query,
//! close and domestic refunds over signed requests, with verified responses and verified, decrypted
//! notifications. Protocol reference: `shared/providers/payments.md` §4.
//!
//! How our contract maps onto WeChat Pay:
//! - **create_payment** places a Native order ([`METHOD_NATIVE`]), an H5 order ([`METHOD_H5`])
//!   or a JSAPI order ([`METHOD_JSAPI_PREFIX`] followed by the payer's openid) and answers
//!   [`PaymentStatus::RequiresAction`] with, in [`Payment::next_action_url`]:
//!   - Native: the `code_url` (`weixin://wxpay/bizpayurl?…`), shown as a QR code;
//!   - H5: the `h5_url`, which the payer's mobile browser (outside WeChat) opens;
//!   - JSAPI (inside WeChat's own browser, an official account page or a mini-program): a
//!     descriptor of the arguments of `WeixinJSBridge.invoke('getBrandWCPayRequest', …)`
//!     (`wx.requestPayment` in a mini-program), in the same spirit as Native's `code_url`:
//!     `weixin://jsapi?appId=…&timeStamp=…&nonceStr=…&package=prepay_id%3D…&signType=RSA&paySign=…`.
//!     Each value is form-encoded (none holds a space, so this is plain percent-encoding:
//!     `=` is `%3D`, `+` `%2B`, `/` `%2F`), so the page's script reads them with
//!     `new URL(url).searchParams` and passes the six of them as they are. The same arguments,
//!     for a `prepay_id` the caller holds, come from [`WeChatPayProvider::jsapi_invoke_params`]
//!     as a [`JsapiParams`] that serialises with WeChat's field names. `paySign` is
//!     `base64(SHA256withRSA(merchant key, appId\ntimeStamp\nnonceStr\npackage\n))`
//!     ([`jsapi_message`]; payments.md §4.4); `timeStamp` comes from the connector's clock and
//!     `nonceStr` is 32 random alphanumerics.
//!
//!   [`Payment::id`] is our `out_trade_no`, derived from the idempotency key ([`out_trade_no`])
//!   so that a retry places the same trade (a retry of a JSAPI order answers fresh invoke
//!   arguments for the same trade; the same key with another openid is
//!   [`PaymentError::IdempotencyKeyReused`]); a retry after the payer paid answers the paid
//!   trade. Only CNY. Our reference travels in `attach`.
//! - WeChat Pay takes the money when the payer pays: [`Capture::Manual`] and
//!   [`PaymentProvider::capture`] are [`PaymentError::InvalidRequest`].
//! - **complete_action** approved queries the trade; refused closes it. **void** closes it.
//! - **refund** sends `out_refund_no` derived from the idempotency key, which WeChat Pay
//!   refunds only once; [`Refund::id`] is that `out_refund_no`.
//!
//! Keys: WeChat Pay's platform *certificates* need an X.509 parser we do not have, so the
//! connector runs in WeChat Pay's **public-key mode**: the platform (WeChat Pay) public key is
//! configured as a PEM `PUBLIC KEY` with its id (`PUB_KEY_ID_…`, or a certificate's serial in
//! hex when the key was taken out of a certificate by hand). A response or notification signed
//! under any other `Wechatpay-Serial` is refused.
//!
//! Limits: the Transaction carries no refunded sum, so [`Payment::amount_refunded`] reads 0
//! (follow refunds with [`PaymentProvider::get_refund`]), and a refund without an amount asks
//! for the whole payment. H5 orders send [`PaymentRequest::payer_ip`] as
//! `payer_client_ip` and are refused without it. `get_payment` does not repeat the `code_url`,
//! `h5_url` or JSAPI descriptor. It names the method from `trade_type`: `MWEB` is
//! [`METHOD_H5`], `JSAPI` is [`METHOD_JSAPI_PREFIX`] and `payer.openid` (plain
//! `wechatpay_jsapi` while WeChat Pay does not say the openid), anything else
//! [`METHOD_NATIVE`].
//!
//! Only 2xx answers are verified (as the SDK does); error answers are read for their `code`
//! but never taken as a payment's state.

mod crypto;
pub mod oauth;
mod wire;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use reqwest::{Method, StatusCode};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{PrivateKey, PublicKey};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wayfare_domain::{Currency, Money};

pub use crypto::{
    DecryptError, SIGNATURE_SCHEME, authorization, decrypt_resource, jsapi_message,
    request_message, response_message,
};
use wire::{ErrorBody, Notification, RefundBody, Transaction};

use crate::provider::{
    Capture, Clock, Payment, PaymentError, PaymentFailure, PaymentProvider, PaymentRequest,
    PaymentStatus, Refund, RefundRequest, RefundStatus, check_amount, check_idempotency_key,
};
use crate::webhook::{WebhookError, WebhookEvent, WebhookRequest, WebhookSubject};

/// The WeChat Pay connector's [`PaymentProvider::name`].
pub const NAME: &str = "wechatpay";

/// A Native order: the payer scans a QR code of [`Payment::next_action_url`].
pub const METHOD_NATIVE: &str = "wechatpay_native";

/// An H5 order: the payer's mobile browser opens [`Payment::next_action_url`].
pub const METHOD_H5: &str = "wechatpay_h5";

/// A JSAPI order (inside WeChat: official account page, WeChat's browser, mini-program): the
/// payment method is this prefix and the payer's openid under our `appid`, 1–128 characters of
/// `[A-Za-z0-9_-]`, e.g. `wechatpay_jsapi:oUpF8uMuAJO_M2pxb1Q9zNjWeS6o`.
/// [`Payment::next_action_url`] is the `weixin://jsapi?…` descriptor (see the module docs).
pub const METHOD_JSAPI_PREFIX: &str = "wechatpay_jsapi:";

/// What `get_payment` names a JSAPI trade whose payer WeChat Pay does not say.
const METHOD_JSAPI_BARE: &str = "wechatpay_jsapi";

/// The scheme and host of the JSAPI descriptor in [`Payment::next_action_url`].
pub const JSAPI_DESCRIPTOR_PREFIX: &str = "weixin://jsapi?";

/// The `signType` of JSAPI invoke arguments under API v3.
pub const JSAPI_SIGN_TYPE: &str = "RSA";

/// WeChat Pay's API host.
pub const DEFAULT_API_BASE: &str = "https://api.mch.weixin.qq.com";

/// How far a response's or notification's `Wechatpay-Timestamp` may be from now (§4.3).
pub const DEFAULT_TIMESTAMP_TOLERANCE: Duration = Duration::from_secs(300);

/// The status to answer a notification that was taken (§4.6: 200 or 204, no body required).
pub const NOTIFY_ACK_STATUS: u16 = 204;

/// The body of the answer to a notification that was taken: none (§4.6), so `Null`; send
/// [`NOTIFY_ACK_STATUS`] with an empty body.
pub fn notify_ack() -> Value {
    Value::Null
}

/// The body of the answer to a notification that was refused (sent with a 4xx/5xx status;
/// WeChat Pay notifies again): `{"code":"FAIL","message":…}` (§4.6).
pub fn notify_failure(message: &str) -> Value {
    json!({"code": "FAIL", "message": message})
}

const USER_AGENT_VALUE: &str = concat!("wayfare-payments/", env!("CARGO_PKG_VERSION"));

/// The arguments of `WeixinJSBridge.invoke('getBrandWCPayRequest', …)` (and of a
/// mini-program's `wx.requestPayment`) for one `prepay_id`. Serialises with WeChat's names:
/// `{"appId","timeStamp","nonceStr","package","signType","paySign"}`, all strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsapiParams {
    /// Our `appid`.
    #[serde(rename = "appId")]
    pub app_id: String,
    /// Unix seconds, as a string.
    #[serde(rename = "timeStamp")]
    pub time_stamp: String,
    /// 32 random characters of `[0-9A-Za-z]`.
    #[serde(rename = "nonceStr")]
    pub nonce_str: String,
    /// `prepay_id=<prepay_id>`.
    pub package: String,
    /// [`JSAPI_SIGN_TYPE`] (`RSA`); not signed.
    #[serde(rename = "signType")]
    pub sign_type: String,
    /// `base64(SHA256withRSA(merchant key, `[`JsapiParams::signing_string`]`))`.
    #[serde(rename = "paySign")]
    pub pay_sign: String,
}

impl JsapiParams {
    /// The string `pay_sign` covers: `appId\ntimeStamp\nnonceStr\npackage\n`.
    pub fn signing_string(&self) -> String {
        jsapi_message(
            &self.app_id,
            &self.time_stamp,
            &self.nonce_str,
            &self.package,
        )
    }

    /// The descriptor put in [`Payment::next_action_url`]:
    /// `weixin://jsapi?appId=…&timeStamp=…&nonceStr=…&package=…&signType=…&paySign=…`, each
    /// value form-encoded.
    pub fn descriptor(&self) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("appId", &self.app_id)
            .append_pair("timeStamp", &self.time_stamp)
            .append_pair("nonceStr", &self.nonce_str)
            .append_pair("package", &self.package)
            .append_pair("signType", &self.sign_type)
            .append_pair("paySign", &self.pay_sign)
            .finish();
        format!("{JSAPI_DESCRIPTOR_PREFIX}{query}")
    }
}

/// The openid of a `wechatpay_jsapi:<openid>` method: 1–128 characters of `[A-Za-z0-9_-]`.
fn checked_openid(openid: &str) -> Result<&str, PaymentError> {
    let ok = (1..=128).contains(&openid.len())
        && openid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'));
    if ok {
        Ok(openid)
    } else {
        Err(PaymentError::InvalidRequest(format!(
            "a WeChat Pay JSAPI payment method is {METHOD_JSAPI_PREFIX}<openid>, the openid 1-128 characters of [A-Za-z0-9_-]"
        )))
    }
}

/// Who we are at WeChat Pay and how to reach it.
#[derive(Clone)]
pub struct WeChatPayConfig {
    /// `mchid`.
    pub mch_id: String,
    /// `appid` bound to the merchant.
    pub app_id: String,
    /// The serial number of the merchant API certificate (`serial_no` in `Authorization`).
    pub merchant_serial_no: String,
    /// The merchant API private key (`apiclient_key.pem`, PKCS#8 PEM). Never printed.
    pub merchant_private_key_pem: String,
    /// The WeChat Pay public key id (`PUB_KEY_ID_…`) answers and notifications must carry in
    /// `Wechatpay-Serial`.
    pub platform_serial_no: String,
    /// The WeChat Pay public key (PEM `PUBLIC KEY`).
    pub platform_public_key_pem: String,
    /// The APIv3 key: 32 bytes, used as-is for AEAD_AES_256_GCM. Never printed.
    pub api_v3_key: String,
    /// [`DEFAULT_API_BASE`], or a local fake in tests.
    pub api_base: String,
    /// Where WeChat Pay sends notifications (`notify_url`, https in production).
    pub notify_url: String,
    /// For each HTTP call, connecting included.
    pub timeout: Duration,
    /// [`DEFAULT_TIMESTAMP_TOLERANCE`].
    pub timestamp_tolerance: Duration,
}

impl fmt::Debug for WeChatPayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeChatPayConfig")
            .field("mch_id", &self.mch_id)
            .field("app_id", &self.app_id)
            .field("merchant_serial_no", &self.merchant_serial_no)
            .field("merchant_private_key_pem", &"[redacted]")
            .field("platform_serial_no", &self.platform_serial_no)
            .field(
                "platform_public_key_pem",
                &self.platform_public_key_pem.len(),
            )
            .field("api_v3_key", &"[redacted]")
            .field("api_base", &self.api_base)
            .field("notify_url", &self.notify_url)
            .field("timeout", &self.timeout)
            .field("timestamp_tolerance", &self.timestamp_tolerance)
            .finish()
    }
}

/// The WeChat Pay connector. Cheap to clone.
#[derive(Clone)]
pub struct WeChatPayProvider {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    mch_id: String,
    app_id: String,
    merchant_serial_no: String,
    merchant_key: PrivateKey,
    platform_serial_no: String,
    platform_key: PublicKey,
    api_v3_key: Vec<u8>,
    api_base: String,
    notify_url: String,
    tolerance_secs: i64,
    clock: Clock,
}

impl fmt::Debug for WeChatPayProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeChatPayProvider")
            .field("mch_id", &self.inner.mch_id)
            .field("api_base", &self.inner.api_base)
            .finish_non_exhaustive()
    }
}

/// The `out_trade_no` for an idempotency key: `wf` and 30 hex digits of its SHA-256, inside
/// WeChat Pay's 6–32 characters of `[A-Za-z0-9_-|*]`, the same for the same key.
pub fn out_trade_no(idempotency_key: &str) -> String {
    crate::provider::number_for_key("wf", idempotency_key, 30)
}

/// The `out_refund_no` for a refund's idempotency key (`wr` and 30 hex digits).
pub fn out_refund_no(idempotency_key: &str) -> String {
    crate::provider::number_for_key("wr", idempotency_key, 30)
}

/// Refuses ids that cannot be ours, so an id never changes the path it is put in.
fn checked_no(id: &str) -> Result<&str, PaymentError> {
    let ok = (6..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'|' | b'*'));
    if ok {
        Ok(id)
    } else {
        Err(PaymentError::NotFound(id.chars().take(64).collect()))
    }
}

/// Why a signed answer or notification was not trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unverified {
    Missing,
    Stale,
    Bad,
}

/// An answer whose signature verified (2xx) or an error answer (not verified).
enum Answer {
    Ok(Vec<u8>),
    Err(StatusCode, ErrorBody),
}

fn cny(minor: i64) -> Money {
    Money::from_minor(minor, Currency::CNY)
}

fn trade_status(state: &str) -> Option<PaymentStatus> {
    Some(match state {
        "NOTPAY" | "USERPAYING" => PaymentStatus::RequiresAction,
        "ACCEPT" => PaymentStatus::Processing,
        "SUCCESS" | "REFUND" => PaymentStatus::Succeeded,
        "CLOSED" | "REVOKED" => PaymentStatus::Canceled,
        "PAYERROR" => PaymentStatus::Failed,
        _ => return None,
    })
}

fn refund_status(status: &str) -> Option<RefundStatus> {
    Some(match status {
        "SUCCESS" => RefundStatus::Succeeded,
        "PROCESSING" => RefundStatus::Pending,
        // ABNORMAL: the money could not reach the payer's account and needs the merchant's
        // hand; CLOSED: the refund was closed. Neither returned the money.
        "ABNORMAL" | "CLOSED" => RefundStatus::Failed,
        _ => return None,
    })
}

fn transport(e: reqwest::Error, what: &str) -> PaymentError {
    if e.is_timeout() {
        tracing::warn!(call = what, "WeChat Pay did not answer in time");
        return PaymentError::Timeout;
    }
    let kind = if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    tracing::warn!(call = what, kind, "WeChat Pay call failed");
    PaymentError::Unavailable(format!("WeChat Pay {what}: {kind}"))
}

fn unreadable(what: &str) -> PaymentError {
    PaymentError::Unavailable(format!("WeChat Pay {what}: unreadable answer"))
}

/// The usual meaning of an error answer; `id` names what was asked for.
fn api_error(status: StatusCode, body: ErrorBody, id: &str) -> PaymentError {
    let summary = format!("{} ({}): {}", body.code, status.as_u16(), body.message);
    match body.code.as_str() {
        "PARAM_ERROR" | "INVALID_REQUEST" | "NOT_ENOUGH" | "INVALID_CURRENCY" => {
            PaymentError::InvalidRequest(summary)
        }
        "ORDER_NOT_EXIST" | "RESOURCE_NOT_EXISTS" | "NOT_FOUND" => {
            PaymentError::NotFound(id.to_owned())
        }
        "ORDER_CLOSED" => PaymentError::InvalidState {
            status: PaymentStatus::Canceled,
        },
        "ORDERPAID" => PaymentError::InvalidState {
            status: PaymentStatus::Succeeded,
        },
        "OUT_TRADE_NO_USED" => PaymentError::IdempotencyKeyReused,
        "SIGN_ERROR" => {
            tracing::error!(
                "WeChat Pay refused our request signature: check the merchant key and serial"
            );
            PaymentError::Unavailable(format!("WeChat Pay is misconfigured: {summary}"))
        }
        _ if status == StatusCode::NOT_FOUND => PaymentError::NotFound(id.to_owned()),
        _ if status == StatusCode::BAD_REQUEST => PaymentError::InvalidRequest(summary),
        _ => PaymentError::Unavailable(format!("WeChat Pay refused the call: {summary}")),
    }
}

impl WeChatPayProvider {
    /// A connector for `config`, on the system clock.
    pub fn new(config: WeChatPayConfig) -> Result<WeChatPayProvider, PaymentError> {
        WeChatPayProvider::with_clock(config, Arc::new(Utc::now))
    }

    /// A connector whose "now" (request timestamps, tolerance checks) comes from `clock`.
    pub fn with_clock(
        config: WeChatPayConfig,
        clock: Clock,
    ) -> Result<WeChatPayProvider, PaymentError> {
        let bad = |what: &str| PaymentError::InvalidRequest(format!("WeChat Pay config: {what}"));
        if config.mch_id.is_empty() || config.app_id.is_empty() {
            return Err(bad("mch_id and app_id are required"));
        }
        if config.merchant_serial_no.is_empty() || config.platform_serial_no.is_empty() {
            return Err(bad("the merchant and platform serial numbers are required"));
        }
        let merchant_key = PrivateKey::from_pkcs8_pem(&config.merchant_private_key_pem)
            .map_err(|_| bad("the merchant private key is not a PKCS#8 PEM RSA key"))?;
        // A key too small for a SHA-256 PKCS#1 v1.5 signature would fail every signature;
        // refusing it here lets `jsapi_invoke_params` sign without a failure case.
        crypto::sign(&merchant_key, b"wayfare")
            .map_err(|_| bad("the merchant private key cannot make SHA256withRSA signatures"))?;
        let platform_key = PublicKey::from_public_key_pem(&config.platform_public_key_pem)
            .map_err(|_| bad("the platform public key is not a PEM RSA public key"))?;
        if config.api_v3_key.len() != 32 {
            return Err(bad("the APIv3 key must be 32 bytes"));
        }
        let base = url::Url::parse(&config.api_base).map_err(|_| bad("api_base is not a URL"))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(bad("api_base is not http(s)"));
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(|e| PaymentError::Unavailable(format!("cannot build the HTTP client: {e}")))?;
        Ok(WeChatPayProvider {
            inner: Arc::new(Inner {
                http,
                mch_id: config.mch_id,
                app_id: config.app_id,
                merchant_serial_no: config.merchant_serial_no,
                merchant_key,
                platform_serial_no: config.platform_serial_no,
                platform_key,
                api_v3_key: config.api_v3_key.into_bytes(),
                api_base: config.api_base.trim_end_matches('/').to_owned(),
                notify_url: config.notify_url,
                tolerance_secs: i64::try_from(config.timestamp_tolerance.as_secs())
                    .unwrap_or(i64::MAX),
                clock,
            }),
        })
    }

    fn now(&self) -> DateTime<Utc> {
        (self.inner.clock)()
    }

    /// The arguments of `WeixinJSBridge.invoke('getBrandWCPayRequest', …)` for `prepay_id`
    /// (from a JSAPI order): our `appId`, `timeStamp` from the connector's clock, a fresh
    /// 32-character `nonceStr`, `package` `prepay_id=<prepay_id>`, `signType` `RSA` and
    /// `paySign` signed with the merchant key over [`jsapi_message`]. Each call makes a new
    /// nonce and signature; all of them pay the same order.
    pub fn jsapi_invoke_params(&self, prepay_id: &str) -> JsapiParams {
        let app_id = self.inner.app_id.clone();
        let time_stamp = self.now().timestamp().to_string();
        let nonce_str = crypto::nonce();
        let package = format!("prepay_id={prepay_id}");
        let message = jsapi_message(&app_id, &time_stamp, &nonce_str, &package);
        // The constructor proved the key signs.
        let pay_sign = crypto::sign(&self.inner.merchant_key, message.as_bytes())
            .expect("the merchant key was checked to sign when the connector was built");
        JsapiParams {
            app_id,
            time_stamp,
            nonce_str,
            package,
            sign_type: JSAPI_SIGN_TYPE.into(),
            pay_sign,
        }
    }

    /// Checks `Wechatpay-*` headers and the signature over the raw `body` (§4.3).
    fn verify_signed<'h>(
        &self,
        header: impl Fn(&str) -> Option<&'h str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), Unverified> {
        let (Some(timestamp), Some(nonce), Some(signature), Some(serial)) = (
            header("wechatpay-timestamp"),
            header("wechatpay-nonce"),
            header("wechatpay-signature"),
            header("wechatpay-serial"),
        ) else {
            return Err(Unverified::Missing);
        };
        if header("wechatpay-signature-type").is_some_and(|t| t != SIGNATURE_SCHEME) {
            return Err(Unverified::Bad);
        }
        if serial != self.inner.platform_serial_no {
            return Err(Unverified::Bad);
        }
        let ts: i64 = timestamp.trim().parse().map_err(|_| Unverified::Bad)?;
        if (now - ts).abs() >= self.inner.tolerance_secs {
            return Err(Unverified::Stale);
        }
        let message = response_message(timestamp, nonce, body);
        if crypto::verify(&self.inner.platform_key, &message, signature) {
            Ok(())
        } else {
            Err(Unverified::Bad)
        }
    }

    /// Sends a signed request; a 2xx answer is verified before it is returned.
    async fn call(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<Answer, PaymentError> {
        let body = body.map(Value::to_string).unwrap_or_default();
        let timestamp = self.now().timestamp();
        let nonce = crypto::nonce();
        let message = request_message(method.as_str(), path_and_query, timestamp, &nonce, &body);
        let signature = crypto::sign(&self.inner.merchant_key, message.as_bytes())
            .map_err(|_| PaymentError::Unavailable("cannot sign the request".into()))?;
        let mut auth = HeaderValue::from_str(&authorization(
            &self.inner.mch_id,
            &nonce,
            timestamp,
            &self.inner.merchant_serial_no,
            &signature,
        ))
        .map_err(|_| {
            PaymentError::InvalidRequest("the merchant id or serial cannot go in a header".into())
        })?;
        auth.set_sensitive(true);
        let mut request = self
            .inner
            .http
            .request(method, format!("{}{path_and_query}", self.inner.api_base))
            .header(AUTHORIZATION, auth)
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, USER_AGENT_VALUE);
        if let Ok(serial) = HeaderValue::from_str(&self.inner.platform_serial_no) {
            request = request.header("Wechatpay-Serial", serial);
        }
        if !body.is_empty() {
            request = request.header(CONTENT_TYPE, "application/json").body(body);
        }
        let response = request.send().await.map_err(|e| transport(e, what))?;
        let status = response.status();
        let headers: HeaderMap = response.headers().clone();
        let bytes = response.bytes().await.map_err(|e| transport(e, what))?;
        if status.is_success() {
            let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
            if let Err(why) = self.verify_signed(header, &bytes, self.now().timestamp()) {
                tracing::error!(call = what, ?why, "WeChat Pay answer failed verification");
                return Err(PaymentError::Unavailable(format!(
                    "WeChat Pay {what}: the answer's signature does not verify"
                )));
            }
            return Ok(Answer::Ok(bytes.to_vec()));
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            tracing::warn!(
                call = what,
                status = status.as_u16(),
                "WeChat Pay unavailable"
            );
            return Err(PaymentError::Unavailable(format!(
                "WeChat Pay {what}: HTTP {}",
                status.as_u16()
            )));
        }
        let body: ErrorBody = serde_json::from_slice(&bytes).unwrap_or_default();
        Ok(Answer::Err(status, body))
    }

    async fn query(&self, id: &str) -> Result<Transaction, PaymentError> {
        let id = checked_no(id)?;
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{id}?mchid={}",
            url::form_urlencoded::byte_serialize(self.inner.mch_id.as_bytes()).collect::<String>()
        );
        match self.call(Method::GET, &path, None, "order query").await? {
            Answer::Ok(bytes) => {
                let t: Transaction =
                    serde_json::from_slice(&bytes).map_err(|_| unreadable("order query"))?;
                if t.out_trade_no != id {
                    return Err(unreadable("order query"));
                }
                Ok(t)
            }
            Answer::Err(status, body) => Err(api_error(status, body, id)),
        }
    }

    fn payment_from(&self, t: &Transaction) -> Result<Payment, PaymentError> {
        let status = trade_status(&t.trade_state).ok_or_else(|| unreadable("order query"))?;
        if t.amount.currency.as_deref().is_some_and(|c| c != "CNY") {
            return Err(unreadable("order query"));
        }
        let amount = cny(t.amount.total.ok_or_else(|| unreadable("order query"))?);
        let payment_method = match t.trade_type.as_deref() {
            Some("MWEB") => METHOD_H5.to_owned(),
            Some("JSAPI") => match t
                .payer
                .as_ref()
                .and_then(|p| p.openid.as_deref())
                .and_then(|o| checked_openid(o).ok())
            {
                Some(openid) => format!("{METHOD_JSAPI_PREFIX}{openid}"),
                None => METHOD_JSAPI_BARE.to_owned(),
            },
            _ => METHOD_NATIVE.to_owned(),
        };
        let failure = (status == PaymentStatus::Failed).then(|| PaymentFailure {
            code: "payerror".into(),
            decline_code: None,
            message: t
                .trade_state_desc
                .clone()
                .unwrap_or_else(|| "The payment failed.".into()),
        });
        Ok(Payment {
            id: t.out_trade_no.clone(),
            provider: NAME.into(),
            status,
            amount,
            amount_captured: if status == PaymentStatus::Succeeded {
                amount
            } else {
                cny(0)
            },
            // The Transaction carries no refunded sum; follow refunds with get_refund.
            amount_refunded: cny(0),
            capture: Capture::Automatic,
            payment_method,
            reference: t.attach.clone().unwrap_or_default(),
            failure,
            next_action_url: None,
            created_at: self.now(),
        })
    }

    async fn close(&self, id: &str) -> Result<(), PaymentError> {
        let id = checked_no(id)?;
        let path = format!("/v3/pay/transactions/out-trade-no/{id}/close");
        let body = json!({"mchid": self.inner.mch_id});
        match self
            .call(Method::POST, &path, Some(&body), "order close")
            .await?
        {
            Answer::Ok(_) => Ok(()),
            Answer::Err(status, body) => Err(api_error(status, body, id)),
        }
    }

    fn refund_from(&self, r: RefundBody, reason: &str) -> Result<Refund, PaymentError> {
        let status = refund_status(&r.status).ok_or_else(|| unreadable("refund"))?;
        let amount = r.amount.refund.ok_or_else(|| unreadable("refund"))?;
        let created_at = r
            .create_time
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| self.now());
        Ok(Refund {
            id: r.out_refund_no,
            payment_id: r.out_trade_no,
            amount: cny(amount),
            status,
            reason: reason.to_owned(),
            created_at,
        })
    }
}

#[async_trait]
impl PaymentProvider for WeChatPayProvider {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn create_payment(&self, req: &PaymentRequest) -> Result<Payment, PaymentError> {
        check_idempotency_key(&req.idempotency_key)?;
        if req.amount.currency() != Currency::CNY {
            return Err(PaymentError::InvalidRequest(format!(
                "WeChat Pay takes CNY only, not {}",
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
                "WeChat Pay takes the money when the payer pays: manual capture is not offered"
                    .into(),
            ));
        }
        let trade_no = out_trade_no(&req.idempotency_key);
        let description: String = if req.description.trim().is_empty() {
            req.reference.clone()
        } else {
            req.description.clone()
        }
        .chars()
        .take(127)
        .collect();
        let mut body = json!({
            "appid": self.inner.app_id,
            "mchid": self.inner.mch_id,
            "description": description,
            "out_trade_no": trade_no,
            "notify_url": self.inner.notify_url,
            "attach": req.reference.chars().take(128).collect::<String>(),
            "amount": {"total": req.amount.minor(), "currency": "CNY"},
        });
        let method = req.payment_method.as_str();
        let (path, url_field) = if method == METHOD_NATIVE {
            ("/v3/pay/transactions/native", "code_url")
        } else if method == METHOD_H5 {
            // WeChat Pay requires the payer's address for H5 and refuses the payment page to
            // a payer on another network, so none is made up.
            let ip = req
                .payer_ip
                .as_deref()
                .and_then(|ip| ip.trim().parse::<std::net::IpAddr>().ok())
                .ok_or_else(|| {
                    PaymentError::InvalidRequest(
                        "WeChat Pay H5 needs the payer's IP address (scene_info.payer_client_ip)"
                            .into(),
                    )
                })?;
            body["scene_info"] = json!({
                "payer_client_ip": ip.to_string(),
                "h5_info": {"type": "Wap"},
            });
            ("/v3/pay/transactions/h5", "h5_url")
        } else if let Some(openid) = method.strip_prefix(METHOD_JSAPI_PREFIX) {
            body["payer"] = json!({"openid": checked_openid(openid)?});
            ("/v3/pay/transactions/jsapi", "prepay_id")
        } else {
            return Err(PaymentError::InvalidRequest(format!(
                "unknown WeChat Pay payment method `{method}` (use {METHOD_NATIVE}, {METHOD_H5} or {METHOD_JSAPI_PREFIX}<openid>)"
            )));
        };
        match self.call(Method::POST, path, Some(&body), "order").await? {
            Answer::Ok(bytes) => {
                let answer: Value =
                    serde_json::from_slice(&bytes).map_err(|_| unreadable("order"))?;
                let url = answer
                    .get(url_field)
                    .and_then(Value::as_str)
                    .filter(|u| !u.is_empty())
                    .ok_or_else(|| unreadable("order"))?;
                // JSAPI answers a prepay_id; the page needs signed invoke arguments for it.
                let next_action_url = if url_field == "prepay_id" {
                    self.jsapi_invoke_params(url).descriptor()
                } else {
                    url.to_owned()
                };
                Ok(Payment {
                    id: trade_no,
                    provider: NAME.into(),
                    status: PaymentStatus::RequiresAction,
                    amount: req.amount,
                    amount_captured: cny(0),
                    amount_refunded: cny(0),
                    capture: Capture::Automatic,
                    payment_method: req.payment_method.clone(),
                    reference: req.reference.clone(),
                    failure: None,
                    next_action_url: Some(next_action_url),
                    created_at: self.now(),
                })
            }
            // A retry after the payer paid: the trade is what the caller asks about.
            Answer::Err(_, body) if body.code == "ORDERPAID" => {
                let t = self.query(&trade_no).await?;
                let payment = self.payment_from(&t)?;
                if payment.amount != req.amount {
                    return Err(PaymentError::IdempotencyKeyReused);
                }
                Ok(payment)
            }
            Answer::Err(status, body) => Err(api_error(status, body, &trade_no)),
        }
    }

    async fn get_payment(&self, id: &str) -> Result<Payment, PaymentError> {
        let t = self.query(id).await?;
        self.payment_from(&t)
    }

    async fn complete_action(&self, id: &str, approved: bool) -> Result<Payment, PaymentError> {
        if approved {
            return self.get_payment(id).await;
        }
        let payment = self.get_payment(id).await?;
        match payment.status {
            PaymentStatus::RequiresAction => {
                self.close(id).await?;
                self.get_payment(id).await
            }
            PaymentStatus::Canceled => Ok(payment),
            status => Err(PaymentError::InvalidState { status }),
        }
    }

    async fn capture(
        &self,
        _id: &str,
        _amount: Option<Money>,
        _idempotency_key: &str,
    ) -> Result<Payment, PaymentError> {
        Err(PaymentError::InvalidRequest(
            "WeChat Pay takes the money when the payer pays; there is nothing to capture".into(),
        ))
    }

    async fn void(&self, id: &str, idempotency_key: &str) -> Result<Payment, PaymentError> {
        check_idempotency_key(idempotency_key)?;
        self.complete_action(id, false).await
    }

    async fn refund(&self, req: &RefundRequest) -> Result<Refund, PaymentError> {
        check_idempotency_key(&req.idempotency_key)?;
        let payment = self.get_payment(&req.payment_id).await?;
        if payment.status != PaymentStatus::Succeeded {
            return Err(PaymentError::InvalidState {
                status: payment.status,
            });
        }
        // Without an amount, the whole payment: WeChat Pay refuses it (NOT_ENOUGH) when part
        // was refunded already, as the Transaction does not say how much.
        let amount = req.amount.unwrap_or(payment.amount);
        check_amount(amount, &payment, "refund")?;
        if amount.minor() > payment.amount.minor() {
            return Err(PaymentError::InvalidRequest(
                "the refund is more than the payment".into(),
            ));
        }
        let refund_no = out_refund_no(&req.idempotency_key);
        let body = json!({
            "out_trade_no": payment.id,
            "out_refund_no": refund_no,
            "reason": req.reason.chars().take(80).collect::<String>(),
            "notify_url": self.inner.notify_url,
            "amount": {
                "refund": amount.minor(),
                "total": payment.amount.minor(),
                "currency": "CNY",
            },
        });
        match self
            .call(
                Method::POST,
                "/v3/refund/domestic/refunds",
                Some(&body),
                "refund",
            )
            .await?
        {
            Answer::Ok(bytes) => {
                let r: RefundBody =
                    serde_json::from_slice(&bytes).map_err(|_| unreadable("refund"))?;
                // The same out_refund_no answers the first refund: another request under the
                // same key shows as another trade or amount.
                if r.out_refund_no != refund_no {
                    return Err(unreadable("refund"));
                }
                if r.out_trade_no != payment.id || r.amount.refund != Some(amount.minor()) {
                    return Err(PaymentError::IdempotencyKeyReused);
                }
                self.refund_from(r, &req.reason)
            }
            Answer::Err(status, body) => Err(api_error(status, body, &payment.id)),
        }
    }

    async fn get_refund(&self, id: &str) -> Result<Refund, PaymentError> {
        let id = checked_no(id)?;
        let path = format!("/v3/refund/domestic/refunds/{id}");
        match self.call(Method::GET, &path, None, "refund query").await? {
            Answer::Ok(bytes) => {
                let r: RefundBody =
                    serde_json::from_slice(&bytes).map_err(|_| unreadable("refund query"))?;
                if r.out_refund_no != id {
                    return Err(unreadable("refund query"));
                }
                self.refund_from(r, "")
            }
            Answer::Err(status, body) => Err(api_error(status, body, id)),
        }
    }

    async fn parse_webhook(&self, req: &WebhookRequest<'_>) -> Result<WebhookEvent, WebhookError> {
        let header = |name: &str| req.header(name);
        // Notifications are checked against when they were received.
        match self.verify_signed(header, req.body, req.received_at.timestamp()) {
            Ok(()) => {}
            Err(Unverified::Missing) => return Err(WebhookError::MissingSignature),
            Err(Unverified::Stale) => return Err(WebhookError::Stale),
            Err(Unverified::Bad) => return Err(WebhookError::BadSignature),
        }
        let n: Notification = serde_json::from_slice(req.body)
            .map_err(|e| WebhookError::Malformed(format!("not a notification: {e}")))?;
        if n.resource.algorithm != "AEAD_AES_256_GCM" {
            return Err(WebhookError::Malformed(format!(
                "resource algorithm {}",
                n.resource.algorithm
            )));
        }
        let plain = decrypt_resource(
            &self.inner.api_v3_key,
            &n.resource.nonce,
            &n.resource.associated_data,
            &n.resource.ciphertext,
        )
        .map_err(|e| match e {
            DecryptError::Tag | DecryptError::Base64 => WebhookError::BadSignature,
            other => WebhookError::Malformed(other.to_string()),
        })?;
        let occurred_at = n
            .create_time
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc));
        let subject = if n.event_type.starts_with("REFUND.") {
            let r: RefundBody = serde_json::from_slice(&plain)
                .map_err(|e| WebhookError::Malformed(format!("refund resource: {e}")))?;
            let status = refund_status(&r.status)
                .ok_or_else(|| WebhookError::Malformed(format!("refund status {}", r.status)))?;
            WebhookSubject::Refund {
                refund_id: r.out_refund_no,
                payment_id: r.out_trade_no,
                status,
                amount: r.amount.refund.map(cny),
            }
        } else {
            let t: Transaction = serde_json::from_slice(&plain)
                .map_err(|e| WebhookError::Malformed(format!("transaction resource: {e}")))?;
            let status = trade_status(&t.trade_state)
                .ok_or_else(|| WebhookError::Malformed(format!("trade state {}", t.trade_state)))?;
            let amount = t.amount.total.map(cny);
            WebhookSubject::Payment {
                payment_id: t.out_trade_no,
                status,
                amount,
                amount_captured: if status == PaymentStatus::Succeeded {
                    amount
                } else {
                    None
                },
            }
        };
        Ok(WebhookEvent {
            provider: NAME.into(),
            event_id: n.id,
            event_type: n.event_type,
            subject,
            occurred_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trade_and_refund_states_map() {
        for (state, want) in [
            ("NOTPAY", PaymentStatus::RequiresAction),
            ("USERPAYING", PaymentStatus::RequiresAction),
            ("SUCCESS", PaymentStatus::Succeeded),
            ("REFUND", PaymentStatus::Succeeded),
            ("CLOSED", PaymentStatus::Canceled),
            ("REVOKED", PaymentStatus::Canceled),
            ("PAYERROR", PaymentStatus::Failed),
        ] {
            assert_eq!(trade_status(state), Some(want), "{state}");
        }
        assert_eq!(trade_status("WHATEVER"), None);
        assert_eq!(refund_status("SUCCESS"), Some(RefundStatus::Succeeded));
        assert_eq!(refund_status("PROCESSING"), Some(RefundStatus::Pending));
        assert_eq!(refund_status("ABNORMAL"), Some(RefundStatus::Failed));
        assert_eq!(refund_status("CLOSED"), Some(RefundStatus::Failed));
    }

    #[test]
    fn merchant_numbers_are_stable_and_in_wechat_pay_limits() {
        let a = out_trade_no("key-1");
        assert_eq!(a, out_trade_no("key-1"));
        assert_ne!(a, out_trade_no("key-2"));
        assert!(out_refund_no("key-1").starts_with("wr"));
        for n in [a, out_refund_no("a key with spaces and 中文")] {
            assert_eq!(n.len(), 32);
            assert!(checked_no(&n).is_ok());
        }
        assert!(checked_no("abc").is_err());
        assert!(checked_no("wf/../../x").is_err());
    }

    #[test]
    fn error_codes_map() {
        let e = |code: &str, status: u16| {
            api_error(
                StatusCode::from_u16(status).unwrap(),
                ErrorBody {
                    code: code.into(),
                    message: "m".into(),
                },
                "wf123456",
            )
        };
        assert!(matches!(
            e("PARAM_ERROR", 400),
            PaymentError::InvalidRequest(_)
        ));
        assert!(matches!(
            e("NOT_ENOUGH", 403),
            PaymentError::InvalidRequest(_)
        ));
        assert_eq!(
            e("ORDER_NOT_EXIST", 404),
            PaymentError::NotFound("wf123456".into())
        );
        assert_eq!(
            e("RESOURCE_NOT_EXISTS", 404),
            PaymentError::NotFound("wf123456".into())
        );
        assert_eq!(
            e("ORDER_CLOSED", 400),
            PaymentError::InvalidState {
                status: PaymentStatus::Canceled
            }
        );
        assert_eq!(
            e("ORDERPAID", 400),
            PaymentError::InvalidState {
                status: PaymentStatus::Succeeded
            }
        );
        assert!(matches!(e("SIGN_ERROR", 401), PaymentError::Unavailable(_)));
        assert!(matches!(
            e("FREQUENCY_LIMITED", 403),
            PaymentError::Unavailable(_)
        ));
    }

    #[test]
    fn openids_are_checked() {
        assert!(checked_openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o").is_ok());
        assert!(checked_openid("a").is_ok());
        assert!(checked_openid(&"o".repeat(128)).is_ok());
        for bad in ["", "o p", "o/../x", "o%2F", "openid中", &"o".repeat(129)] {
            assert!(
                matches!(checked_openid(bad), Err(PaymentError::InvalidRequest(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn jsapi_params_serialise_and_describe_with_wechat_names() {
        let p = JsapiParams {
            app_id: "wxd678efh567hg6787".into(),
            time_stamp: "1764000000".into(),
            nonce_str: "5K8264ILTKCH16CQ2502SI8ZNMTM67VS".into(),
            package: "prepay_id=wx201410272009395522657a690389285100".into(),
            sign_type: "RSA".into(),
            pay_sign: "ab+c/d==".into(),
        };
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"appId": "wxd678efh567hg6787", "timeStamp": "1764000000",
                   "nonceStr": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
                   "package": "prepay_id=wx201410272009395522657a690389285100",
                   "signType": "RSA", "paySign": "ab+c/d=="})
        );
        assert_eq!(
            p.descriptor(),
            "weixin://jsapi?appId=wxd678efh567hg6787&timeStamp=1764000000&nonceStr=5K8264ILTKCH16CQ2502SI8ZNMTM67VS&package=prepay_id%3Dwx201410272009395522657a690389285100&signType=RSA&paySign=ab%2Bc%2Fd%3D%3D"
        );
        assert_eq!(
            p.signing_string(),
            "wxd678efh567hg6787\n1764000000\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n"
        );
    }

    #[test]
    fn the_notification_answers_follow_the_doc() {
        assert_eq!(NOTIFY_ACK_STATUS, 204);
        assert_eq!(notify_ack(), Value::Null);
        assert_eq!(notify_failure("x")["code"], "FAIL");
    }
}
