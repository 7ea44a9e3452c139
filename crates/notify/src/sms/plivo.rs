//! Plivo Message API (messaging.md §6): `POST /v1/Account/{auth_id}/Message/` with a JSON body,
//! HTTP Basic auth with the Auth ID and Auth Token; 202 answers `message_uuid` (an array, one
//! per destination). Status callbacks are signed with `X-Plivo-Signature-V3` (HMAC-SHA256 over
//! the URL, the params and a nonce) or, on older setups, `X-Plivo-Signature-V2` (URL and nonce
//! only).

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::{Value, json};
use sha2::Sha256;
use url::Url;

use super::{
    DEFAULT_TIMEOUT, DeliveryStatus, api_base, basic_authorization, callback_url, check_text,
    config_error, e164_digits, http_client, masked, param, required, sorted_params, status_error,
    transport_error,
};
use crate::{NotifyError, SmsSender};

/// The provider's name in errors and the send log.
pub const NAME: &str = "plivo";

/// Where Plivo's API lives.
pub const DEFAULT_API_BASE: &str = "https://api.plivo.com";

/// How to reach Plivo. `Debug` never shows the Auth Token.
#[derive(Clone)]
pub struct PlivoConfig {
    /// `MA…` or `SA…`: in the URL path and the Basic auth user name.
    pub auth_id: String,
    /// The Basic auth password; also what callbacks are signed with.
    pub auth_token: String,
    /// The sender (`src`): one of the account's numbers or an alphanumeric sender id.
    pub src: String,
    /// Where Plivo posts status changes (`url`, with `method` POST); none asks for none.
    pub callback_url: Option<String>,
    /// [`DEFAULT_API_BASE`], or a fake server's address in tests.
    pub api_base: String,
    /// The whole request, connecting included.
    pub timeout: Duration,
}

impl PlivoConfig {
    /// Auth ID and token, sending from `src`, without status callbacks.
    pub fn new(
        auth_id: impl Into<String>,
        auth_token: impl Into<String>,
        src: impl Into<String>,
    ) -> PlivoConfig {
        PlivoConfig {
            auth_id: auth_id.into(),
            auth_token: auth_token.into(),
            src: src.into(),
            callback_url: None,
            api_base: DEFAULT_API_BASE.to_owned(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl fmt::Debug for PlivoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlivoConfig")
            .field("auth_id", &self.auth_id)
            .field("auth_token", &"[redacted]")
            .field("src", &self.src)
            .field("callback_url", &self.callback_url)
            .field("api_base", &self.api_base)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The Plivo [`SmsSender`]. Cheap to clone (the HTTP client is shared).
#[derive(Clone)]
pub struct PlivoSms {
    http: reqwest::Client,
    /// `…/v1/Account/{auth_id}/Message/`.
    message_url: Url,
    /// Basic, marked sensitive.
    authorization: HeaderValue,
    src: String,
    callback_url: Option<String>,
}

impl fmt::Debug for PlivoSms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlivoSms")
            .field("message_url", &self.message_url.as_str())
            .field("src", &self.src)
            .field("callback_url", &self.callback_url)
            .finish_non_exhaustive()
    }
}

impl PlivoSms {
    /// A sender for `config`: checks every setting and builds the HTTP client.
    pub fn new(config: PlivoConfig) -> Result<PlivoSms, NotifyError> {
        required(NAME, "auth_id", &config.auth_id)?;
        if !config.auth_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(config_error(NAME, "auth_id must be letters and digits"));
        }
        required(NAME, "auth_token", &config.auth_token)?;
        required(NAME, "src", &config.src)?;
        if config.src.contains('<') {
            return Err(config_error(NAME, "src must be a single sender"));
        }
        if let Some(url) = &config.callback_url {
            callback_url(NAME, "callback_url", url)?;
        }
        let mut message_url = api_base(NAME, &config.api_base)?;
        message_url
            .path_segments_mut()
            .map_err(|_| config_error(NAME, "api_base cannot take a path"))?
            .pop_if_empty()
            // The empty segment gives the trailing slash Plivo's paths have.
            .extend(["v1", "Account", config.auth_id.as_str(), "Message", ""]);
        Ok(PlivoSms {
            http: http_client(NAME, config.timeout)?,
            message_url,
            authorization: basic_authorization(NAME, &config.auth_id, &config.auth_token)?,
            src: config.src,
            callback_url: config.callback_url,
        })
    }
}

/// What a non-2xx answer means. Plivo's error body is `{"api_id": …, "error": …}`, the error
/// a string or an object of messages.
fn failure(status: reqwest::StatusCode, body: &[u8]) -> NotifyError {
    if matches!(status.as_u16(), 401 | 403) {
        return NotifyError::Rejected {
            provider: NAME,
            reason: format!(
                "Plivo refused our credentials (HTTP {}): check the auth ID and auth token",
                status.as_u16()
            ),
        };
    }
    let detail = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| match v.get("error")? {
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        })
        .unwrap_or_else(|| "not Plivo's error format".to_owned());
    status_error(NAME, status, &detail)
}

#[async_trait]
impl SmsSender for PlivoSms {
    fn provider(&self) -> &'static str {
        NAME
    }

    async fn send_sms(
        &self,
        to: &str,
        text: &str,
        _at: DateTime<Utc>,
    ) -> Result<String, NotifyError> {
        let digits = e164_digits(NAME, to)?;
        check_text(NAME, text)?;
        let mut body = json!({ "src": self.src, "dst": digits, "text": text });
        if let Some(url) = &self.callback_url {
            body["url"] = json!(url);
            body["method"] = json!("POST");
        }
        let response = self
            .http
            .post(self.message_url.clone())
            .header(AUTHORIZATION, self.authorization.clone())
            .header(ACCEPT, "application/json")
            .json(&body)
            .send()
            .await
            .map_err(|e| transport_error(NAME, e))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| transport_error(NAME, e))?;
        if !status.is_success() {
            let error = failure(status, &bytes);
            tracing::warn!(provider = NAME, to = %masked(to), status = status.as_u16(),
                error = %error, "plivo refused the SMS");
            return Err(error);
        }
        let uuid = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| {
                v.get("message_uuid")?
                    .as_array()?
                    .first()?
                    .as_str()
                    .map(str::to_owned)
            })
            .filter(|id| !id.is_empty())
            .ok_or_else(|| NotifyError::Unreachable {
                provider: NAME,
                reason: format!("Plivo's answer (HTTP {status}) has no message_uuid"),
            })?;
        tracing::info!(provider = NAME, to = %masked(to), message_uuid = %uuid, "sms sent");
        Ok(uuid)
    }
}

type HmacSha256 = Hmac<Sha256>;

fn hmac_base64(auth_token: &str, parts: &[&[u8]]) -> String {
    let mut mac =
        HmacSha256::new_from_slice(auth_token.as_bytes()).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// `url` without query and fragment: `scheme://host/path`.
fn base_url(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

/// The decoded query of `url`, in order.
fn query_params(url: &str) -> Vec<(String, String)> {
    let Some((_, rest)) = url.split_once('?') else {
        return Vec::new();
    };
    let query = rest.split('#').next().unwrap_or(rest);
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// `k=v&k=v…`, names ascending and each name's values ascending.
fn sorted_query(params: &[(String, String)]) -> String {
    sorted_params(params, false)
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// What V3 signs before `.nonce` (messaging.md §6.3, PL-py `signature_v3.py`):
/// - GET (or a POST without params): the base URL, then `?` and the params (the URL's query
///   merged over the callback's params) sorted as `k=v&…`, when there are any;
/// - POST with params: the base URL, `?`, the URL's sorted query and `.` when it has one, then
///   the POST params sorted as `kv` concatenated.
fn v3_signed_string(method: &str, url: &str, params: &[(String, String)]) -> String {
    let base = base_url(url);
    let query = query_params(url);
    if method.eq_ignore_ascii_case("GET") || params.is_empty() {
        let mut merged: Vec<(String, String)> = if method.eq_ignore_ascii_case("GET") {
            params
                .iter()
                .filter(|(k, _)| !query.iter().any(|(q, _)| q == k))
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        merged.extend(query);
        let q = sorted_query(&merged);
        return if q.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{q}")
        };
    }
    let q = sorted_query(&query);
    let mut s = if q.is_empty() {
        format!("{base}?")
    } else {
        format!("{base}?{q}.")
    };
    for (k, v) in sorted_params(params, false) {
        s.push_str(k);
        s.push_str(v);
    }
    s
}

/// `X-Plivo-Signature-V2` for a callback to `url` with `nonce`
/// (`X-Plivo-Signature-V2-Nonce`): base64 of HMAC-SHA256 keyed with the Auth Token over the URL
/// without its query, followed by the nonce. It does not cover the params.
pub fn plivo_signature_v2(auth_token: &str, url: &str, nonce: &str) -> String {
    hmac_base64(auth_token, &[base_url(url).as_bytes(), nonce.as_bytes()])
}

/// `X-Plivo-Signature-V3` for a callback made with `method` (`GET` or `POST`) to `url` with
/// `params` (the form params of a POST; for a GET, params besides the URL's query, usually
/// none) and `nonce` (`X-Plivo-Signature-V3-Nonce`): base64 of HMAC-SHA256 keyed with the Auth
/// Token over the signed string, `.` and the nonce.
pub fn plivo_signature_v3(
    auth_token: &str,
    method: &str,
    url: &str,
    params: &[(String, String)],
    nonce: &str,
) -> String {
    let s = v3_signed_string(method, url, params);
    hmac_base64(auth_token, &[s.as_bytes(), b".", nonce.as_bytes()])
}

/// One of the comma-separated `signatures` is `expected`, compared in constant time.
fn any_matches(expected: &str, signatures: &str) -> bool {
    let engine = base64::engine::general_purpose::STANDARD;
    let Ok(expected) = engine.decode(expected) else {
        return false;
    };
    signatures
        .split(',')
        .filter_map(|s| engine.decode(s.trim()).ok())
        .fold(false, |found, given| found | super::same(&expected, &given))
}

/// Checks `X-Plivo-Signature-V2` (which may list several signatures, comma-separated).
pub fn verify_plivo_callback_v2(auth_token: &str, url: &str, nonce: &str, signature: &str) -> bool {
    any_matches(&plivo_signature_v2(auth_token, url, nonce), signature)
}

/// Checks `X-Plivo-Signature-V3` (which may list several signatures, comma-separated): the
/// URL Plivo requested (as configured), the method, every param received and the nonce.
pub fn verify_plivo_callback_v3(
    auth_token: &str,
    method: &str,
    url: &str,
    params: &[(String, String)],
    nonce: &str,
    signature: &str,
) -> bool {
    any_matches(
        &plivo_signature_v3(auth_token, method, url, params, nonce),
        signature,
    )
}

/// Checks a callback by its headers. V3 when `X-Plivo-Signature-V3` (or the main account's
/// `X-Plivo-Signature-Ma-V3`) is there, and then only V3: V2 does not cover the params, so
/// a request carrying V3 is never let through on V2. Otherwise V2 (or `-Ma-V2`), which is what
/// Plivo's messaging pages describe. `auth_token` is the token of the account the header is
/// for: a subaccount's for the plain headers, the main account's for `-Ma-`.
pub fn verify_plivo_callback(
    auth_token: &str,
    method: &str,
    url: &str,
    params: &[(String, String)],
    headers: &HeaderMap,
) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let v3 = ["x-plivo-signature-v3", "x-plivo-signature-ma-v3"];
    if v3.iter().any(|h| header(h).is_some()) {
        let Some(nonce) = header("x-plivo-signature-v3-nonce") else {
            return false;
        };
        return v3.iter().filter_map(|h| header(h)).any(|signature| {
            verify_plivo_callback_v3(auth_token, method, url, params, nonce, signature)
        });
    }
    let Some(nonce) = header("x-plivo-signature-v2-nonce") else {
        return false;
    };
    ["x-plivo-signature-v2", "x-plivo-signature-ma-v2"]
        .iter()
        .filter_map(|h| header(h))
        .any(|signature| verify_plivo_callback_v2(auth_token, url, nonce, signature))
}

/// The message's `MessageUUID` and where it stands, from a status callback's params
/// (`Status`: `sent`, `delivered`, `failed`, `undelivered`; WhatsApp's `read` counts as
/// delivered). `None` for `queued` and anything else we do not record.
pub fn parse_plivo_callback(params: &[(String, String)]) -> Option<(String, DeliveryStatus)> {
    let id = param(params, "MessageUUID")?;
    let status = match param(params, "Status")? {
        "sent" => DeliveryStatus::Sent,
        "delivered" | "read" => DeliveryStatus::Delivered,
        "failed" => DeliveryStatus::Failed,
        "undelivered" => DeliveryStatus::Undelivered,
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

    fn v9() -> Vec<(String, String)> {
        params(&[
            ("MessageUUID", "5b40a428-bfc7-4daf-9d06-726c558bf3b8"),
            ("Status", "delivered"),
            ("To", "14155550100"),
        ])
    }

    #[test]
    fn v8_signature_v2() {
        assert_eq!(
            plivo_signature_v2("my_auth_token", "https://answer.url", "12345"),
            "ehV3IKhLysWBxC1sy8INm0qGoQYdYsHwuoKjsX7FsXc="
        );
        assert!(verify_plivo_callback_v2(
            "my_auth_token",
            "https://answer.url",
            "12345",
            "ehV3IKhLysWBxC1sy8INm0qGoQYdYsHwuoKjsX7FsXc="
        ));
        // The query is not signed in V2.
        assert!(verify_plivo_callback_v2(
            "my_auth_token",
            "https://answer.url?x=1",
            "12345",
            "ehV3IKhLysWBxC1sy8INm0qGoQYdYsHwuoKjsX7FsXc="
        ));
        assert!(!verify_plivo_callback_v2(
            "my_auth_token",
            "https://answer.url",
            "12346",
            "ehV3IKhLysWBxC1sy8INm0qGoQYdYsHwuoKjsX7FsXc="
        ));
    }

    #[test]
    fn v9_signature_v3() {
        let url = "https://example.com/plivo/status?b=2&a=1";
        assert_eq!(
            v3_signed_string("POST", url, &v9()),
            "https://example.com/plivo/status?a=1&b=2.MessageUUID5b40a428-bfc7-4daf-9d06-\
             726c558bf3b8StatusdeliveredTo14155550100"
        );
        assert_eq!(
            plivo_signature_v3("my_auth_token", "POST", url, &v9(), "12345"),
            "Nvgy00GlFAKYIIA6nyffihgCPeWUiCRd2fBeGygzfNI="
        );
        let plain = "https://example.com/plivo/status";
        assert_eq!(
            plivo_signature_v3("my_auth_token", "POST", plain, &v9(), "12345"),
            "6zriUknwl5jGXhb/cWO/az2Ay9obLOuWKyGUIpkTro0="
        );
        assert!(verify_plivo_callback_v3(
            "my_auth_token",
            "POST",
            url,
            &v9(),
            "12345",
            "Nvgy00GlFAKYIIA6nyffihgCPeWUiCRd2fBeGygzfNI="
        ));
        // Several signatures in the header: any may match.
        assert!(verify_plivo_callback_v3(
            "my_auth_token",
            "POST",
            plain,
            &v9(),
            "12345",
            "AAAA, 6zriUknwl5jGXhb/cWO/az2Ay9obLOuWKyGUIpkTro0="
        ));
        let mut changed = v9();
        changed[1].1 = "failed".into();
        assert!(!verify_plivo_callback_v3(
            "my_auth_token",
            "POST",
            url,
            &changed,
            "12345",
            "Nvgy00GlFAKYIIA6nyffihgCPeWUiCRd2fBeGygzfNI="
        ));
        assert!(!verify_plivo_callback_v3(
            "other",
            "POST",
            url,
            &v9(),
            "12345",
            "Nvgy00GlFAKYIIA6nyffihgCPeWUiCRd2fBeGygzfNI="
        ));
    }

    #[test]
    fn v3_get_and_empty_post() {
        let url = "https://example.com/s?b=2&a=1";
        assert_eq!(
            v3_signed_string("GET", url, &[]),
            "https://example.com/s?a=1&b=2"
        );
        assert_eq!(
            v3_signed_string(
                "GET",
                "https://example.com/s?b=2",
                &params(&[("c", "3"), ("b", "9")])
            ),
            "https://example.com/s?b=2&c=3"
        );
        assert_eq!(
            v3_signed_string("GET", "https://example.com/s", &[]),
            "https://example.com/s"
        );
        assert_eq!(
            v3_signed_string("POST", url, &[]),
            "https://example.com/s?a=1&b=2"
        );
        assert_eq!(
            v3_signed_string("POST", "https://example.com/s", &params(&[("x", "1")])),
            "https://example.com/s?x1"
        );
        assert_eq!(
            v3_signed_string(
                "POST",
                "https://example.com/s",
                &params(&[("x", "2"), ("x", "1")])
            ),
            "https://example.com/s?x1x2"
        );
    }

    #[test]
    fn headers_choose_the_version() {
        let token = "my_auth_token";
        let url = "https://example.com/plivo/status";
        let v3 = plivo_signature_v3(token, "POST", url, &v9(), "n3");
        let v2 = plivo_signature_v2(token, url, "n2");
        let headers = |pairs: &[(&'static str, &str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(*k, v.parse().unwrap());
            }
            h
        };
        let both = headers(&[
            ("x-plivo-signature-v3", &v3),
            ("x-plivo-signature-v3-nonce", "n3"),
            ("x-plivo-signature-v2", &v2),
            ("x-plivo-signature-v2-nonce", "n2"),
        ]);
        assert!(verify_plivo_callback(token, "POST", url, &v9(), &both));
        let mut tampered = v9();
        tampered[1].1 = "failed".into();
        // V2 would pass (it does not sign params); V3 is there, so it decides.
        assert!(!verify_plivo_callback(token, "POST", url, &tampered, &both));
        let only_v2 = headers(&[
            ("x-plivo-signature-v2", &v2),
            ("x-plivo-signature-v2-nonce", "n2"),
        ]);
        assert!(verify_plivo_callback(token, "POST", url, &v9(), &only_v2));
        let main_account = headers(&[
            ("x-plivo-signature-ma-v3", &v3),
            ("x-plivo-signature-v3-nonce", "n3"),
        ]);
        assert!(verify_plivo_callback(
            token,
            "POST",
            url,
            &v9(),
            &main_account
        ));
        let no_nonce = headers(&[("x-plivo-signature-v3", &v3)]);
        assert!(!verify_plivo_callback(token, "POST", url, &v9(), &no_nonce));
        assert!(!verify_plivo_callback(
            token,
            "POST",
            url,
            &v9(),
            &HeaderMap::new()
        ));
    }

    #[test]
    fn callbacks_parse() {
        assert_eq!(
            parse_plivo_callback(&v9()),
            Some((
                "5b40a428-bfc7-4daf-9d06-726c558bf3b8".to_owned(),
                DeliveryStatus::Delivered
            ))
        );
        for (status, expected) in [
            ("sent", Some(DeliveryStatus::Sent)),
            ("failed", Some(DeliveryStatus::Failed)),
            ("undelivered", Some(DeliveryStatus::Undelivered)),
            ("read", Some(DeliveryStatus::Delivered)),
            ("queued", None),
        ] {
            let p = params(&[("MessageUUID", "u"), ("Status", status)]);
            assert_eq!(
                parse_plivo_callback(&p).map(|(_, s)| s),
                expected,
                "{status}"
            );
        }
        assert_eq!(parse_plivo_callback(&params(&[("Status", "sent")])), None);
    }

    #[test]
    fn debug_hides_the_token() {
        let config = PlivoConfig::new("MAXXXXXXXXXXXXXXXXXX", "SECRET-token", "14155550100");
        assert!(!format!("{config:?}").contains("SECRET"));
        let sender = PlivoSms::new(config).unwrap();
        assert!(!format!("{sender:?}").contains("SECRET"));
        assert!(
            sender
                .message_url
                .as_str()
                .ends_with("/v1/Account/MAXXXXXXXXXXXXXXXXXX/Message/")
        );
        assert_eq!(sender.provider(), "plivo");
    }

    #[test]
    fn bad_configurations_are_refused() {
        let good = PlivoConfig::new("MAXXXXXXXXXXXXXXXXXX", "SECRET-token", "14155550100");
        let refused = |c: PlivoConfig| {
            let e = PlivoSms::new(c).unwrap_err();
            assert!(!e.to_string().contains("SECRET"), "{e}");
        };
        let mut c = good.clone();
        c.auth_id = "MA/../x".into();
        refused(c);
        let mut c = good.clone();
        c.auth_token = "".into();
        refused(c);
        let mut c = good.clone();
        c.src = "1<2".into();
        refused(c);
        let mut c = good;
        c.callback_url = Some("not a url".into());
        refused(c);
    }

    #[test]
    fn errors_map() {
        use reqwest::StatusCode;
        let e = failure(
            StatusCode::BAD_REQUEST,
            br#"{"api_id":"x","error":"invalid destination number"}"#,
        );
        assert!(
            matches!(&e, NotifyError::Rejected { reason, .. } if reason.contains("invalid destination")),
            "{e}"
        );
        let e = failure(
            StatusCode::BAD_REQUEST,
            br#"{"api_id":"x","error":{"dst":["required"]}}"#,
        );
        assert!(matches!(&e, NotifyError::Rejected { reason, .. } if reason.contains("dst")));
        assert!(matches!(
            failure(StatusCode::UNAUTHORIZED, b"{}"),
            NotifyError::Rejected { .. }
        ));
        assert!(matches!(
            failure(StatusCode::TOO_MANY_REQUESTS, b""),
            NotifyError::Unreachable { .. }
        ));
        assert!(matches!(
            failure(StatusCode::SERVICE_UNAVAILABLE, b""),
            NotifyError::Unreachable { .. }
        ));
    }
}
