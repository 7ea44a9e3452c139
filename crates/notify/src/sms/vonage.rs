//! Vonage (Nexmo) SMS API (messaging.md §5): `POST /sms/json` with a form body, authenticated
//! with the API key and secret (HTTP Basic) or signed with the signature secret (`api_key`,
//! `timestamp`, `sig`). Per-message results come back in the JSON body, one `messages[]` entry
//! per part, each with a string `status` (`"0"` = accepted). Delivery receipts are signed the
//! same way as requests when signing is enabled on the account.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use url::Url;

use super::segments::{Encoding, encoding};
use super::{
    DEFAULT_TIMEOUT, DeliveryStatus, api_base, basic_authorization, callback_url, check_text,
    config_error, e164_digits, http_client, masked, param, required, same, status_error,
    transport_error,
};
use crate::{NotifyError, SmsSender};

/// The provider's name in errors and the send log.
pub const NAME: &str = "vonage";

/// Where Vonage's SMS API lives.
pub const DEFAULT_API_BASE: &str = "https://rest.nexmo.com";

/// The longest `callback` URL Vonage takes.
const MAX_CALLBACK_LEN: usize = 100;

/// How signatures are made: the account's setting in the Vonage dashboard. There is no safe
/// default (the SDKs disagree about theirs, §5.3), so it is always configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VonageSignatureMethod {
    /// The legacy "MD5 hash": MD5 of the signed string followed by the secret.
    Md5Hash,
    HmacMd5,
    HmacSha1,
    HmacSha256,
    HmacSha512,
}

/// How we prove who we are to Vonage. `Debug` hides the secrets.
#[derive(Clone, PartialEq, Eq)]
pub enum VonageCredentials {
    /// The API secret, sent as HTTP Basic auth with the API key.
    ApiSecret(String),
    /// The signature secret: every request is signed (`api_key`, `timestamp` — the `at` given
    /// to [`SmsSender::send_sms`], so it must be the current time —, `sig`) and carries no
    /// password at all.
    Signature {
        secret: String,
        method: VonageSignatureMethod,
    },
}

impl fmt::Debug for VonageCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VonageCredentials::ApiSecret(_) => f.write_str("ApiSecret([redacted])"),
            VonageCredentials::Signature { method, .. } => f
                .debug_struct("Signature")
                .field("secret", &"[redacted]")
                .field("method", method)
                .finish(),
        }
    }
}

/// How to reach Vonage. `Debug` never shows the secrets.
#[derive(Debug, Clone)]
pub struct VonageConfig {
    /// The account's API key (shown in the dashboard, not a secret).
    pub api_key: String,
    pub credentials: VonageCredentials,
    /// The sender: an alphanumeric sender id, or a number (a leading `+` is dropped).
    pub from: String,
    /// Where Vonage sends delivery receipts (`callback`, at most 100 characters); none leaves
    /// the account's default.
    pub callback_url: Option<String>,
    /// [`DEFAULT_API_BASE`], or a fake server's address in tests.
    pub api_base: String,
    /// The whole request, connecting included.
    pub timeout: Duration,
}

impl VonageConfig {
    /// API key and secret, sending from `from`.
    pub fn new(
        api_key: impl Into<String>,
        api_secret: impl Into<String>,
        from: impl Into<String>,
    ) -> VonageConfig {
        VonageConfig {
            api_key: api_key.into(),
            credentials: VonageCredentials::ApiSecret(api_secret.into()),
            from: from.into(),
            callback_url: None,
            api_base: DEFAULT_API_BASE.to_owned(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// How requests are authenticated, ready to use.
#[derive(Clone)]
enum Auth {
    /// `Authorization: Basic …`, marked sensitive.
    Basic(HeaderValue),
    Signed {
        secret: String,
        method: VonageSignatureMethod,
    },
}

/// The Vonage [`SmsSender`]. Cheap to clone (the HTTP client is shared).
#[derive(Clone)]
pub struct VonageSms {
    http: reqwest::Client,
    /// `…/sms/json`.
    sms_url: Url,
    api_key: String,
    auth: Auth,
    from: String,
    callback_url: Option<String>,
}

impl fmt::Debug for VonageSms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match &self.auth {
            Auth::Basic(_) => "api secret",
            Auth::Signed { .. } => "signed",
        };
        f.debug_struct("VonageSms")
            .field("sms_url", &self.sms_url.as_str())
            .field("api_key", &self.api_key)
            .field("auth", &auth)
            .field("from", &self.from)
            .field("callback_url", &self.callback_url)
            .finish_non_exhaustive()
    }
}

impl VonageSms {
    /// A sender for `config`: checks every setting and builds the HTTP client.
    pub fn new(config: VonageConfig) -> Result<VonageSms, NotifyError> {
        required(NAME, "api_key", &config.api_key)?;
        if config.api_key.contains(':') {
            return Err(config_error(NAME, "api_key cannot contain ':'"));
        }
        let auth = match config.credentials {
            VonageCredentials::ApiSecret(secret) => {
                required(NAME, "api_secret", &secret)?;
                Auth::Basic(basic_authorization(NAME, &config.api_key, &secret)?)
            }
            VonageCredentials::Signature { secret, method } => {
                required(NAME, "signature secret", &secret)?;
                Auth::Signed { secret, method }
            }
        };
        required(NAME, "from", &config.from)?;
        let from = match config.from.strip_prefix('+') {
            Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => digits.to_owned(),
            _ => config.from,
        };
        if let Some(url) = &config.callback_url {
            callback_url(NAME, "callback_url", url)?;
            if url.len() > MAX_CALLBACK_LEN {
                return Err(config_error(
                    NAME,
                    "callback_url is longer than Vonage's 100 characters",
                ));
            }
        }
        let mut sms_url = api_base(NAME, &config.api_base)?;
        sms_url
            .path_segments_mut()
            .map_err(|_| config_error(NAME, "api_base cannot take a path"))?
            .pop_if_empty()
            .extend(["sms", "json"]);
        Ok(VonageSms {
            http: http_client(NAME, config.timeout)?,
            sms_url,
            api_key: config.api_key,
            auth,
            from,
            callback_url: config.callback_url,
        })
    }
}

/// One `messages[]` entry: a part of the SMS, accepted or not.
struct Part {
    status: String,
    message_id: Option<String>,
    error_text: Option<String>,
}

fn parts_of(body: &Value) -> Option<Vec<Part>> {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    body.get("messages")?
        .as_array()?
        .iter()
        .map(|m| {
            Some(Part {
                status: m.get("status").and_then(text)?,
                message_id: m.get("message-id").and_then(text),
                error_text: m.get("error-text").and_then(text),
            })
        })
        .collect()
}

/// Vonage's name for a status code (§5.2).
fn status_name(status: &str) -> &'static str {
    match status {
        "1" => "Throttled",
        "2" => "Missing parameters",
        "3" => "Invalid parameters",
        "4" => "Invalid credentials",
        "5" => "Internal error",
        "6" => "Invalid message",
        "7" => "Number barred",
        "8" => "Partner account barred",
        "9" => "Partner quota violation",
        "10" => "Too many existing binds",
        "11" => "Account not enabled for HTTP",
        "12" => "Message too long",
        "14" => "Invalid signature",
        "15" => "Invalid sender address",
        _ => "Unknown status",
    }
}

/// Statuses that may pass if the same SMS is sent again later: throttling, Vonage's internal
/// error, too many connections.
fn retryable(status: &str) -> bool {
    matches!(status, "1" | "5" | "10")
}

/// What the parts say: the first part's id when every part was accepted.
fn outcome(parts: &[Part]) -> Result<String, NotifyError> {
    let failed: Vec<&Part> = parts.iter().filter(|p| p.status != "0").collect();
    let Some(first_failure) = failed.first() else {
        return parts
            .first()
            .and_then(|p| p.message_id.clone())
            .filter(|id| !id.is_empty())
            .ok_or_else(|| NotifyError::Unreachable {
                provider: NAME,
                reason: "Vonage accepted the SMS without a message-id".to_owned(),
            });
    };
    let reason = format!(
        "status {} ({}): {}",
        first_failure.status,
        status_name(&first_failure.status),
        first_failure
            .error_text
            .as_deref()
            .unwrap_or("no error-text")
    );
    if failed.len() < parts.len() {
        // Some parts went out: sending again would repeat them.
        return Err(NotifyError::Rejected {
            provider: NAME,
            reason: format!(
                "only {} of {} parts were accepted; {reason}",
                parts.len() - failed.len(),
                parts.len()
            ),
        });
    }
    if failed.iter().all(|p| retryable(&p.status)) {
        Err(NotifyError::Unreachable {
            provider: NAME,
            reason,
        })
    } else {
        Err(NotifyError::Rejected {
            provider: NAME,
            reason,
        })
    }
}

/// What a non-2xx answer means. Vonage's newer APIs answer problem JSON (`title`, `detail`).
fn failure(status: reqwest::StatusCode, body: &[u8]) -> NotifyError {
    if matches!(status.as_u16(), 401 | 403) {
        return NotifyError::Rejected {
            provider: NAME,
            reason: format!(
                "Vonage refused our credentials (HTTP {}): check the API key and secret or \
                 signature secret",
                status.as_u16()
            ),
        };
    }
    let detail = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| {
            let field = |name: &str| v.get(name).and_then(Value::as_str).map(str::to_owned);
            field("detail")
                .or_else(|| field("title"))
                .or_else(|| field("error-text"))
        })
        .unwrap_or_else(|| "not Vonage's error format".to_owned());
    status_error(NAME, status, &detail)
}

#[async_trait]
impl SmsSender for VonageSms {
    fn provider(&self) -> &'static str {
        NAME
    }

    async fn send_sms(
        &self,
        to: &str,
        text: &str,
        at: DateTime<Utc>,
    ) -> Result<String, NotifyError> {
        let digits = e164_digits(NAME, to)?;
        check_text(NAME, text)?;
        let kind = match encoding(text) {
            Encoding::Gsm7 => "text",
            // Without it Vonage sends the text as GSM and the handset shows question marks.
            Encoding::Ucs2 => "unicode",
        };
        let mut form: Vec<(String, String)> = vec![
            ("from".into(), self.from.clone()),
            ("to".into(), digits.to_owned()),
            ("text".into(), text.to_owned()),
            ("type".into(), kind.to_owned()),
        ];
        if let Some(url) = &self.callback_url {
            form.push(("callback".into(), url.clone()));
            form.push(("status-report-req".into(), "1".into()));
        }
        let mut request = self
            .http
            .post(self.sms_url.clone())
            .header(ACCEPT, "application/json");
        match &self.auth {
            Auth::Basic(authorization) => {
                request = request.header(AUTHORIZATION, authorization.clone());
            }
            Auth::Signed { secret, method } => {
                form.push(("api_key".into(), self.api_key.clone()));
                form.push(("timestamp".into(), at.timestamp().to_string()));
                let sig = vonage_signature(&form, secret, *method);
                form.push(("sig".into(), sig));
            }
        }
        let response = request
            .form(&form)
            .send()
            .await
            .map_err(|e| transport_error(NAME, e))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| transport_error(NAME, e))?;
        if !status.is_success() {
            let error = failure(status, &body);
            tracing::warn!(provider = NAME, to = %masked(to), status = status.as_u16(),
                error = %error, "vonage refused the SMS");
            return Err(error);
        }
        let parts = serde_json::from_slice::<Value>(&body)
            .ok()
            .as_ref()
            .and_then(parts_of)
            .filter(|parts| !parts.is_empty())
            .ok_or_else(|| NotifyError::Unreachable {
                provider: NAME,
                reason: format!("Vonage's answer (HTTP {status}) could not be read"),
            })?;
        match outcome(&parts) {
            Ok(id) => {
                let ids: Vec<&str> = parts
                    .iter()
                    .filter_map(|p| p.message_id.as_deref())
                    .collect();
                tracing::info!(provider = NAME, to = %masked(to), message_id = %id,
                    parts = parts.len(), part_ids = %ids.join(","), "sms sent");
                Ok(id)
            }
            Err(error) => {
                tracing::warn!(provider = NAME, to = %masked(to), error = %error,
                    "vonage refused the SMS");
                Err(error)
            }
        }
    }
}

/// The string Vonage signs: every param but `sig`, sorted by name, as `&name=value`, with
/// `&` and `=` in values replaced by `_`.
fn signed_string(params: &[(String, String)]) -> String {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .filter(|(k, _)| k != "sig")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    sorted.sort_unstable();
    let mut s = String::new();
    for (name, value) in sorted {
        s.push('&');
        s.push_str(name);
        s.push('=');
        s.push_str(&value.replace(['&', '='], "_"));
    }
    s
}

fn hmac_hex<M: Mac + KeyInit>(secret: &str, message: &str) -> String {
    let mut mac =
        <M as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// `sig` for `params` (any `sig` among them is left out): lowercase hex of the HMAC keyed with
/// the signature secret over the signed string, or of MD5(signed string + secret) for
/// [`VonageSignatureMethod::Md5Hash`] (messaging.md §5.3). Requests must carry `timestamp`.
pub fn vonage_signature(
    params: &[(String, String)],
    secret: &str,
    method: VonageSignatureMethod,
) -> String {
    let s = signed_string(params);
    match method {
        VonageSignatureMethod::Md5Hash => {
            let mut md5 = Md5::new();
            md5.update(s.as_bytes());
            md5.update(secret.as_bytes());
            hex::encode(md5.finalize())
        }
        VonageSignatureMethod::HmacMd5 => hmac_hex::<Hmac<Md5>>(secret, &s),
        VonageSignatureMethod::HmacSha1 => hmac_hex::<Hmac<Sha1>>(secret, &s),
        VonageSignatureMethod::HmacSha256 => hmac_hex::<Hmac<Sha256>>(secret, &s),
        VonageSignatureMethod::HmacSha512 => hmac_hex::<Hmac<Sha512>>(secret, &s),
    }
}

/// Checks a signed delivery receipt: its `sig` (hex, either case) must be the signature of
/// every other param received, with the account's signature secret and method. Compared in
/// constant time. The receipt's `timestamp` (Unix seconds, when Vonage signed it) is the
/// caller's to check against replays.
pub fn verify_vonage_callback(
    params: &[(String, String)],
    secret: &str,
    method: VonageSignatureMethod,
) -> bool {
    let Some(given) = param(params, "sig") else {
        return false;
    };
    let expected = vonage_signature(params, secret, method);
    same(expected.as_bytes(), given.to_ascii_lowercase().as_bytes())
}

/// A JSON delivery receipt (an account set to POST JSON) as params: its top-level strings,
/// numbers and booleans as text, for [`verify_vonage_callback`] and [`parse_vonage_callback`].
/// `None` when the body is not a JSON object.
pub fn vonage_params_from_json(body: &[u8]) -> Option<Vec<(String, String)>> {
    let Value::Object(map) = serde_json::from_slice::<Value>(body).ok()? else {
        return None;
    };
    Some(
        map.into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                Value::Number(n) => Some((k, n.to_string())),
                Value::Bool(b) => Some((k, b.to_string())),
                _ => None,
            })
            .collect(),
    )
}

/// The part's `messageId` and where it stands, from a delivery receipt's params. Vonage's
/// statuses: `delivered`; `accepted` and `buffered` (with the network) are sent; `expired` is
/// undelivered; `failed` and `rejected` are failed; `unknown` is not recorded (`None`). A long
/// SMS has a receipt per part, each with its part's id; the sender returned the first part's.
pub fn parse_vonage_callback(params: &[(String, String)]) -> Option<(String, DeliveryStatus)> {
    let id = param(params, "messageId").or_else(|| param(params, "message-id"))?;
    let status = match param(params, "status")? {
        "delivered" => DeliveryStatus::Delivered,
        "accepted" | "buffered" => DeliveryStatus::Sent,
        "expired" => DeliveryStatus::Undelivered,
        "failed" | "rejected" => DeliveryStatus::Failed,
        _ => return None,
    };
    if id.is_empty() {
        return None;
    }
    Some((id.to_owned(), status))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn v7() -> Vec<(String, String)> {
        params(&[
            ("param1", "value1"),
            ("param2", "value2"),
            ("timestamp", "1234567890"),
        ])
    }

    #[test]
    fn v7_signatures() {
        assert_eq!(
            signed_string(&v7()),
            "&param1=value1&param2=value2&timestamp=1234567890"
        );
        assert_eq!(
            vonage_signature(&v7(), "signature_secret", VonageSignatureMethod::HmacSha256),
            "280c4320703dbc98bfa22db676655ed2acfbfe8792b062ff7622e67f1183c287"
        );
        assert_eq!(
            vonage_signature(&v7(), "signature_secret", VonageSignatureMethod::HmacMd5),
            "724c2bf6ca423c36e20631b11d1c5753"
        );
        assert_eq!(
            vonage_signature(&v7(), "signature_secret", VonageSignatureMethod::Md5Hash),
            "d72f75ac8cda9bbce891c4fa62bee6cd"
        );
        let escaped = params(&[
            ("param1", "value&1"),
            ("param2", "value=2"),
            ("timestamp", "1234567890"),
        ]);
        assert_eq!(
            vonage_signature(&escaped, "signature_secret", VonageSignatureMethod::HmacMd5),
            "2bbf0abafb2c55e5af6231513896a2ac"
        );
        // The SHA-1 and SHA-512 modes differ from each other and have the digest's length.
        let sha1 = vonage_signature(&v7(), "signature_secret", VonageSignatureMethod::HmacSha1);
        let sha512 = vonage_signature(&v7(), "signature_secret", VonageSignatureMethod::HmacSha512);
        assert_eq!((sha1.len(), sha512.len()), (40, 128));
    }

    #[test]
    fn v7_check() {
        let received = params(&[
            ("param", "value"),
            ("timestamp", "1234567890"),
            ("sig", "655a4d0b7f064dff438defc52b012cf5"),
        ]);
        assert!(verify_vonage_callback(
            &received,
            "signature_secret",
            VonageSignatureMethod::HmacMd5
        ));
        // Upper-case hex (the .NET SDK's) is the same signature.
        let upper = params(&[
            ("param", "value"),
            ("timestamp", "1234567890"),
            ("sig", "655A4D0B7F064DFF438DEFC52B012CF5"),
        ]);
        assert!(verify_vonage_callback(
            &upper,
            "signature_secret",
            VonageSignatureMethod::HmacMd5
        ));
        assert!(!verify_vonage_callback(
            &received,
            "other_secret",
            VonageSignatureMethod::HmacMd5
        ));
        assert!(!verify_vonage_callback(
            &received,
            "signature_secret",
            VonageSignatureMethod::HmacSha256
        ));
        let mut changed = received.clone();
        changed[0].1 = "valuf".into();
        assert!(!verify_vonage_callback(
            &changed,
            "signature_secret",
            VonageSignatureMethod::HmacMd5
        ));
        assert!(!verify_vonage_callback(
            &received[..2],
            "signature_secret",
            VonageSignatureMethod::HmacMd5
        ));
        let mut sha256 = v7();
        sha256.push((
            "sig".into(),
            "280c4320703dbc98bfa22db676655ed2acfbfe8792b062ff7622e67f1183c287".into(),
        ));
        assert!(verify_vonage_callback(
            &sha256,
            "signature_secret",
            VonageSignatureMethod::HmacSha256
        ));
    }

    #[test]
    fn receipts_parse() {
        let receipt = params(&[
            ("msisdn", "447700900000"),
            ("to", "Wayfare"),
            ("messageId", "0A0000000123ABCD1"),
            ("status", "delivered"),
            ("err-code", "0"),
        ]);
        assert_eq!(
            parse_vonage_callback(&receipt),
            Some(("0A0000000123ABCD1".to_owned(), DeliveryStatus::Delivered))
        );
        for (status, expected) in [
            ("accepted", Some(DeliveryStatus::Sent)),
            ("buffered", Some(DeliveryStatus::Sent)),
            ("expired", Some(DeliveryStatus::Undelivered)),
            ("failed", Some(DeliveryStatus::Failed)),
            ("rejected", Some(DeliveryStatus::Failed)),
            ("unknown", None),
        ] {
            let p = params(&[("messageId", "X"), ("status", status)]);
            assert_eq!(
                parse_vonage_callback(&p).map(|(_, s)| s),
                expected,
                "{status}"
            );
        }
        let json = br#"{"messageId":"0A01","status":"failed","err-code":6,"price":"0.0333","nested":{"x":1}}"#;
        let p = vonage_params_from_json(json).unwrap();
        assert!(p.contains(&("err-code".to_owned(), "6".to_owned())));
        assert_eq!(
            parse_vonage_callback(&p),
            Some(("0A01".to_owned(), DeliveryStatus::Failed))
        );
        assert_eq!(vonage_params_from_json(b"[1]"), None);
    }

    fn part(status: &str, id: Option<&str>) -> Part {
        Part {
            status: status.into(),
            message_id: id.map(str::to_owned),
            error_text: (status != "0").then(|| "text".to_owned()),
        }
    }

    #[test]
    fn outcomes() {
        assert_eq!(
            outcome(&[part("0", Some("a")), part("0", Some("b"))]).unwrap(),
            "a"
        );
        assert!(matches!(
            outcome(&[part("0", None)]),
            Err(NotifyError::Unreachable { .. })
        ));
        for status in ["1", "5", "10"] {
            assert!(
                matches!(
                    outcome(&[part(status, None)]),
                    Err(NotifyError::Unreachable { .. })
                ),
                "{status}"
            );
        }
        for status in [
            "2", "3", "4", "6", "7", "8", "9", "11", "12", "14", "15", "99",
        ] {
            assert!(
                matches!(
                    outcome(&[part(status, None)]),
                    Err(NotifyError::Rejected { .. })
                ),
                "{status}"
            );
        }
        // A part went out: not retried, even though the other was only throttled.
        assert!(matches!(
            outcome(&[part("0", Some("a")), part("1", None)]),
            Err(NotifyError::Rejected { reason, .. }) if reason.contains("1 of 2")
        ));
    }

    #[test]
    fn parts_read_strings_or_numbers() {
        let body = serde_json::json!({"message-count": "2", "messages": [
            {"status": "0", "message-id": "a", "to": "447700900000"},
            {"status": 3, "error-text": "Invalid to address"}
        ]});
        let parts = parts_of(&body).unwrap();
        assert_eq!(parts[0].message_id.as_deref(), Some("a"));
        assert_eq!(parts[1].status, "3");
        assert!(parts_of(&serde_json::json!({"messages": [{"to": "1"}]})).is_none());
    }

    #[test]
    fn debug_hides_secrets() {
        let mut config = VonageConfig::new("abcd1234", "SECRET-api", "Wayfare");
        assert!(!format!("{config:?}").contains("SECRET"));
        let sender = VonageSms::new(config.clone()).unwrap();
        assert!(!format!("{sender:?}").contains("SECRET"));
        assert_eq!(sender.provider(), "vonage");
        config.credentials = VonageCredentials::Signature {
            secret: "SECRET-sig".into(),
            method: VonageSignatureMethod::HmacSha256,
        };
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("SECRET") && shown.contains("HmacSha256"),
            "{shown}"
        );
        let sender = VonageSms::new(config).unwrap();
        assert!(!format!("{sender:?}").contains("SECRET"));
    }

    #[test]
    fn bad_configurations_are_refused() {
        let good = VonageConfig::new("abcd1234", "SECRET-api", "+447700900001");
        assert_eq!(VonageSms::new(good.clone()).unwrap().from, "447700900001");
        let refused = |c: VonageConfig| {
            let e = VonageSms::new(c).unwrap_err();
            assert!(!e.to_string().contains("SECRET"), "{e}");
        };
        let mut c = good.clone();
        c.api_key = "".into();
        refused(c);
        let mut c = good.clone();
        c.credentials = VonageCredentials::ApiSecret("".into());
        refused(c);
        let mut c = good.clone();
        c.callback_url = Some(format!("https://wayfare.example/{}", "x".repeat(100)));
        refused(c);
        let mut c = good.clone();
        c.callback_url = Some("wayfare.example/dlr".into());
        refused(c);
        let mut c = good;
        c.from = " ".into();
        refused(c);
    }
}
