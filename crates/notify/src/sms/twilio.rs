//! Twilio Programmable Messaging (messaging.md §4): `POST /2010-04-01/Accounts/{AccountSid}/
//! Messages.json` with a form body, HTTP Basic auth with the Account SID and Auth Token (or an
//! API key's SID and secret); 201 answers the Message with its `sid`. Status callbacks are
//! signed with `X-Twilio-Signature` (HMAC-SHA1 keyed with the Auth Token).

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use serde::Deserialize;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use url::Url;

use super::{
    DEFAULT_TIMEOUT, DeliveryStatus, api_base, basic_authorization, callback_url, check_text,
    config_error, e164_digits, http_client, masked, param, required, same, sorted_params,
    split_authority, split_port, status_error, transport_error,
};
use crate::{NotifyError, SmsSender};

/// The provider's name in errors and the send log.
pub const NAME: &str = "twilio";

/// Where Twilio's REST API lives.
pub const DEFAULT_API_BASE: &str = "https://api.twilio.com";

/// The header Twilio signs its callbacks in.
pub const SIGNATURE_HEADER: &str = "x-twilio-signature";

/// How we prove who we are to Twilio. `Debug` hides the secrets.
#[derive(Clone, PartialEq, Eq)]
pub enum TwilioCredentials {
    /// The account's Auth Token, with the Account SID as user name.
    AuthToken(String),
    /// An API key (`SK…`) and its secret: can be revoked without touching the Auth Token.
    ApiKey { sid: String, secret: String },
}

impl fmt::Debug for TwilioCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TwilioCredentials::AuthToken(_) => f.write_str("AuthToken([redacted])"),
            TwilioCredentials::ApiKey { sid, .. } => f
                .debug_struct("ApiKey")
                .field("sid", sid)
                .field("secret", &"[redacted]")
                .finish(),
        }
    }
}

/// Who the SMS comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TwilioSender {
    /// `From`: one of the account's numbers (E.164), a short code or an alphanumeric sender id.
    From(String),
    /// `MessagingServiceSid` (`MG…`): Twilio picks the sender from the service's pool.
    MessagingService(String),
}

/// How to reach Twilio. `Debug` never shows the secrets.
#[derive(Debug, Clone)]
pub struct TwilioConfig {
    /// `AC…`: in the URL path, and the user name with [`TwilioCredentials::AuthToken`].
    pub account_sid: String,
    pub credentials: TwilioCredentials,
    pub sender: TwilioSender,
    /// Where Twilio posts status changes (`StatusCallback`); none asks for no callbacks.
    pub status_callback: Option<String>,
    /// [`DEFAULT_API_BASE`], or a fake server's address in tests.
    pub api_base: String,
    /// The whole request, connecting included.
    pub timeout: Duration,
}

impl TwilioConfig {
    /// Account SID and Auth Token, sending from `from`, without status callbacks.
    pub fn new(
        account_sid: impl Into<String>,
        auth_token: impl Into<String>,
        from: impl Into<String>,
    ) -> TwilioConfig {
        TwilioConfig {
            account_sid: account_sid.into(),
            credentials: TwilioCredentials::AuthToken(auth_token.into()),
            sender: TwilioSender::From(from.into()),
            status_callback: None,
            api_base: DEFAULT_API_BASE.to_owned(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// The Twilio [`SmsSender`]. Cheap to clone (the HTTP client is shared).
#[derive(Clone)]
pub struct TwilioSms {
    http: reqwest::Client,
    /// `…/2010-04-01/Accounts/{sid}/Messages.json`.
    messages_url: Url,
    /// Basic, marked sensitive.
    authorization: HeaderValue,
    sender: TwilioSender,
    status_callback: Option<String>,
}

impl fmt::Debug for TwilioSms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioSms")
            .field("messages_url", &self.messages_url.as_str())
            .field("sender", &self.sender)
            .field("status_callback", &self.status_callback)
            .finish_non_exhaustive()
    }
}

/// The created Message: only what we use.
#[derive(Deserialize)]
struct MessageWire {
    sid: String,
    #[serde(default)]
    status: Option<String>,
    /// A string in Twilio's answers ("2").
    #[serde(default)]
    num_segments: Option<serde_json::Value>,
}

/// Twilio's error body: the 2010 API's `{code, message, more_info, status}`, or RFC 9457's
/// `{type, title, status, code, detail}` from newer APIs.
#[derive(Deserialize, Default)]
struct ErrorWire {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    more_info: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    detail: Option<String>,
}

impl TwilioSms {
    /// A sender for `config`: checks every setting and builds the HTTP client.
    pub fn new(config: TwilioConfig) -> Result<TwilioSms, NotifyError> {
        required(NAME, "account_sid", &config.account_sid)?;
        if !config.account_sid.starts_with("AC")
            || !config
                .account_sid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric())
        {
            return Err(config_error(NAME, "account_sid must be an AC… SID"));
        }
        let authorization = match &config.credentials {
            TwilioCredentials::AuthToken(token) => {
                required(NAME, "auth_token", token)?;
                basic_authorization(NAME, &config.account_sid, token)?
            }
            TwilioCredentials::ApiKey { sid, secret } => {
                required(NAME, "api key sid", sid)?;
                required(NAME, "api key secret", secret)?;
                if !sid.starts_with("SK") || sid.contains(':') {
                    return Err(config_error(NAME, "the API key sid must be an SK… SID"));
                }
                basic_authorization(NAME, sid, secret)?
            }
        };
        match &config.sender {
            TwilioSender::From(from) => required(NAME, "from", from)?,
            TwilioSender::MessagingService(sid) => {
                required(NAME, "messaging service sid", sid)?;
                if !sid.starts_with("MG") {
                    return Err(config_error(NAME, "the messaging service sid must be MG…"));
                }
            }
        }
        if let Some(url) = &config.status_callback {
            callback_url(NAME, "status_callback", url)?;
        }
        let mut messages_url = api_base(NAME, &config.api_base)?;
        messages_url
            .path_segments_mut()
            .map_err(|_| config_error(NAME, "api_base cannot take a path"))?
            .pop_if_empty()
            .extend([
                "2010-04-01",
                "Accounts",
                config.account_sid.as_str(),
                "Messages.json",
            ]);
        Ok(TwilioSms {
            http: http_client(NAME, config.timeout)?,
            messages_url,
            authorization,
            sender: config.sender,
            status_callback: config.status_callback,
        })
    }
}

/// What a non-2xx answer means to the caller.
fn failure(status: reqwest::StatusCode, body: &[u8]) -> NotifyError {
    let error: Option<ErrorWire> = serde_json::from_slice(body).ok();
    let code = error.as_ref().and_then(|e| e.code);
    let code_text = code.map(|c| format!(" (error {c})")).unwrap_or_default();
    if matches!(status.as_u16(), 401 | 403) {
        // Our own words: nothing of what was sent comes back in the error.
        return NotifyError::Rejected {
            provider: NAME,
            reason: format!(
                "Twilio refused our credentials (HTTP {}){code_text}: check the account SID and \
                 the auth token or API key",
                status.as_u16()
            ),
        };
    }
    let detail = match &error {
        Some(e) => {
            let text = e
                .message
                .as_deref()
                .or(e.detail.as_deref())
                .or(e.title.as_deref())
                .unwrap_or("no message");
            match &e.more_info {
                Some(info) => format!("{text}{code_text} {info}"),
                None => format!("{text}{code_text}"),
            }
        }
        None => "not Twilio's error format".to_owned(),
    };
    status_error(NAME, status, &detail)
}

#[async_trait]
impl SmsSender for TwilioSms {
    fn provider(&self) -> &'static str {
        NAME
    }

    async fn send_sms(
        &self,
        to: &str,
        text: &str,
        _at: DateTime<Utc>,
    ) -> Result<String, NotifyError> {
        e164_digits(NAME, to)?;
        check_text(NAME, text)?;
        let mut form: Vec<(&str, &str)> = vec![("To", to)];
        match &self.sender {
            TwilioSender::From(from) => form.push(("From", from)),
            TwilioSender::MessagingService(sid) => form.push(("MessagingServiceSid", sid)),
        }
        form.push(("Body", text));
        if let Some(url) = &self.status_callback {
            form.push(("StatusCallback", url));
        }
        let response = self
            .http
            .post(self.messages_url.clone())
            .header(AUTHORIZATION, self.authorization.clone())
            .header(ACCEPT, "application/json")
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
                error = %error, "twilio refused the SMS");
            return Err(error);
        }
        let message: MessageWire =
            serde_json::from_slice(&body).map_err(|e| NotifyError::Unreachable {
                provider: NAME,
                reason: format!("Twilio's answer (HTTP {}) could not be read: {e}", status),
            })?;
        tracing::info!(provider = NAME, to = %masked(to), sid = %message.sid,
            status = message.status.as_deref().unwrap_or(""),
            segments = %message.num_segments.unwrap_or_default(), "sms sent");
        Ok(message.sid)
    }
}

type HmacSha1 = Hmac<Sha1>;

/// The HMAC of `url` followed by every param as `name + value`, names ascending and each
/// name's distinct values ascending.
fn signature_mac(auth_token: &str, url: &str, params: &[(String, String)]) -> HmacSha1 {
    let mut mac =
        HmacSha1::new_from_slice(auth_token.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(url.as_bytes());
    for (name, value) in sorted_params(params, true) {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// `X-Twilio-Signature` for a request to `url` (exactly as requested: scheme, host, port if
/// any, path, query) with form `params`: base64 of HMAC-SHA1 keyed with the Auth Token over
/// the URL followed by each param as `name + value`, names ascending and each name's values
/// ascending (messaging.md §4.3).
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    base64::engine::general_purpose::STANDARD.encode(
        signature_mac(auth_token, url, params)
            .finalize()
            .into_bytes(),
    )
}

/// `url` without its port, and with the scheme's default port when it has none: Twilio signs
/// one or the other depending on the product, so a check tries both (§4.3).
fn url_variants(url: &str) -> Vec<String> {
    let Some((scheme, authority, rest)) = split_authority(url) else {
        return vec![url.to_owned()];
    };
    let (host, port) = split_port(authority);
    let default_port = if scheme.eq_ignore_ascii_case("https") {
        "443"
    } else {
        "80"
    };
    let without = format!("{scheme}://{host}{rest}");
    let with = format!("{scheme}://{host}:{}{rest}", port.unwrap_or(default_port));
    vec![without, with]
}

/// Checks a form-encoded callback's `X-Twilio-Signature` against the URL Twilio requested
/// (the public URL, as configured in `StatusCallback`, not what a proxy forwarded) and every
/// param received (Twilio adds params without notice: never a fixed list). The URL is tried
/// with and without its port. Compared in constant time.
pub fn verify_twilio_callback(
    auth_token: &str,
    url: &str,
    params: &[(String, String)],
    signature: &str,
) -> bool {
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    url_variants(url).iter().any(|candidate| {
        signature_mac(auth_token, candidate, params)
            .verify_slice(&given)
            .is_ok()
    })
}

/// Checks a JSON-bodied callback: the URL carries `bodySHA256` (hex SHA-256 of the raw body),
/// which must match `body`, and the signature covers the URL alone (§4.3).
pub fn verify_twilio_json_callback(
    auth_token: &str,
    url: &str,
    body: &[u8],
    signature: &str,
) -> bool {
    let Some(query) = url
        .split_once('?')
        .map(|(_, q)| q.split('#').next().unwrap_or(q))
    else {
        return false;
    };
    let Some(expected) = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "bodySHA256")
        .map(|(_, v)| v.to_ascii_lowercase())
    else {
        return false;
    };
    let actual = hex::encode(Sha256::digest(body));
    same(actual.as_bytes(), expected.as_bytes())
        && verify_twilio_callback(auth_token, url, &[], signature)
}

/// The message's `sid` and where it stands, from a status callback's params
/// (`MessageSid`, `MessageStatus`; the older `SmsSid`, `SmsStatus`). `None` for statuses we do
/// not record (queued, sending, accepted, scheduled …) and for params that are not a status
/// callback.
pub fn parse_twilio_callback(params: &[(String, String)]) -> Option<(String, DeliveryStatus)> {
    let sid = param(params, "MessageSid").or_else(|| param(params, "SmsSid"))?;
    let status = param(params, "MessageStatus").or_else(|| param(params, "SmsStatus"))?;
    let status = match status {
        "sent" => DeliveryStatus::Sent,
        "delivered" | "read" => DeliveryStatus::Delivered,
        "failed" | "canceled" => DeliveryStatus::Failed,
        "undelivered" => DeliveryStatus::Undelivered,
        _ => return None,
    };
    if sid.is_empty() {
        return None;
    }
    Some((sid.to_owned(), status))
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

    /// V5's params.
    fn v5() -> Vec<(String, String)> {
        params(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ])
    }

    const V5_URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    #[test]
    fn v5_signature() {
        assert_eq!(
            twilio_signature("12345", V5_URL, &v5()),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        );
        assert!(verify_twilio_callback(
            "12345",
            V5_URL,
            &v5(),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        // The param order received does not matter.
        let mut shuffled = v5();
        shuffled.reverse();
        assert!(verify_twilio_callback(
            "12345",
            V5_URL,
            &shuffled,
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
    }

    #[test]
    fn v5_port_variants() {
        assert_eq!(
            twilio_signature(
                "12345",
                "https://mycompany.com:443/myapp.php?foo=1&bar=2",
                &v5()
            ),
            "kvajT1Ptam85bY51eRf/AJRuM3w="
        );
        assert_eq!(
            twilio_signature(
                "12345",
                "http://mycompany.com:80/myapp.php?foo=1&bar=2",
                &v5()
            ),
            "0ZXoZLH/DfblKGATFgpif+LLRf4="
        );
        assert_eq!(
            twilio_signature(
                "12345",
                "http://mycompany.com:1234/myapp.php?foo=1&bar=2",
                &v5()
            ),
            "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="
        );
        // Signed with the port, checked against the URL without it, and the other way round.
        assert!(verify_twilio_callback(
            "12345",
            V5_URL,
            &v5(),
            "kvajT1Ptam85bY51eRf/AJRuM3w="
        ));
        assert!(verify_twilio_callback(
            "12345",
            "https://mycompany.com:443/myapp.php?foo=1&bar=2",
            &v5(),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        assert!(verify_twilio_callback(
            "12345",
            "http://mycompany.com/myapp.php?foo=1&bar=2",
            &v5(),
            "0ZXoZLH/DfblKGATFgpif+LLRf4="
        ));
        assert!(verify_twilio_callback(
            "12345",
            "http://mycompany.com:1234/myapp.php?foo=1&bar=2",
            &v5(),
            "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="
        ));
    }

    #[test]
    fn v5_repeated_params() {
        let repeated = params(&[
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
        ]);
        assert_eq!(
            twilio_signature("12345", V5_URL, &repeated),
            "IK+Dwps556ElfBT0I3Rgjkr1wJU="
        );
        assert!(verify_twilio_callback(
            "12345",
            V5_URL,
            &repeated,
            "IK+Dwps556ElfBT0I3Rgjkr1wJU="
        ));
    }

    #[test]
    fn wrong_signatures_fail() {
        let sig = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
        assert!(!verify_twilio_callback("12346", V5_URL, &v5(), sig));
        let mut changed = v5();
        changed[2].1 = "1235".into();
        assert!(!verify_twilio_callback("12345", V5_URL, &changed, sig));
        let mut added = v5();
        added.push(("ErrorCode".into(), "30003".into()));
        assert!(!verify_twilio_callback("12345", V5_URL, &added, sig));
        assert!(!verify_twilio_callback(
            "12345",
            "https://mycompany.com/myapp.php?foo=1&bar=3",
            &v5(),
            sig
        ));
        assert!(!verify_twilio_callback("12345", V5_URL, &v5(), ""));
        assert!(!verify_twilio_callback(
            "12345",
            V5_URL,
            &v5(),
            "not base64!"
        ));
        assert!(!verify_twilio_callback(
            "12345",
            V5_URL,
            &v5(),
            "RSOYDt4T1cUTdK1PDd93"
        ));
    }

    #[test]
    fn v6_json_body() {
        let body = br#"{"property": "value", "boolean": true}"#;
        let hash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
        assert_eq!(hex::encode(Sha256::digest(body)), hash);
        let url = format!("{V5_URL}&bodySHA256={hash}");
        assert_eq!(
            twilio_signature("12345", &url, &[]),
            "a9nBmqA0ju/hNViExpshrM61xv4="
        );
        assert!(verify_twilio_json_callback(
            "12345",
            &url,
            body,
            "a9nBmqA0ju/hNViExpshrM61xv4="
        ));
        // Another body: the hash no longer matches.
        assert!(!verify_twilio_json_callback(
            "12345",
            &url,
            br#"{"property": "value", "boolean": false}"#,
            "a9nBmqA0ju/hNViExpshrM61xv4="
        ));
        // No hash in the URL: refused.
        assert!(!verify_twilio_json_callback(
            "12345",
            V5_URL,
            body,
            &twilio_signature("12345", V5_URL, &[])
        ));
    }

    #[test]
    fn callbacks_parse() {
        let p = params(&[
            ("MessageSid", "SM0123456789abcdef0123456789abcdef"),
            ("MessageStatus", "delivered"),
            ("AccountSid", "AC1"),
        ]);
        assert_eq!(
            parse_twilio_callback(&p),
            Some((
                "SM0123456789abcdef0123456789abcdef".to_owned(),
                DeliveryStatus::Delivered
            ))
        );
        for (status, expected) in [
            ("sent", Some(DeliveryStatus::Sent)),
            ("failed", Some(DeliveryStatus::Failed)),
            ("undelivered", Some(DeliveryStatus::Undelivered)),
            ("read", Some(DeliveryStatus::Delivered)),
            ("canceled", Some(DeliveryStatus::Failed)),
            ("queued", None),
            ("sending", None),
            ("accepted", None),
        ] {
            let p = params(&[("SmsSid", "SM1"), ("SmsStatus", status)]);
            assert_eq!(
                parse_twilio_callback(&p).map(|(_, s)| s),
                expected,
                "{status}"
            );
        }
        assert_eq!(
            parse_twilio_callback(&params(&[("MessageStatus", "sent")])),
            None
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let mut config = TwilioConfig::new(
            "AC00000000000000000000000000000001",
            "tok-SECRET-123",
            "+15005550006",
        );
        let shown = format!("{config:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        let sender = TwilioSms::new(config.clone()).unwrap();
        assert!(!format!("{sender:?}").contains("SECRET"));
        config.credentials = TwilioCredentials::ApiKey {
            sid: "SK0001".into(),
            secret: "key-SECRET-456".into(),
        };
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("SECRET") && shown.contains("SK0001"),
            "{shown}"
        );
        let sender = TwilioSms::new(config).unwrap();
        assert!(!format!("{sender:?}").contains("SECRET"));
        assert_eq!(sender.provider(), "twilio");
    }

    #[test]
    fn bad_configurations_are_refused_without_the_secret() {
        let good = TwilioConfig::new("AC0001", "tok-SECRET", "+15005550006");
        let refused = |c: TwilioConfig| {
            let e = TwilioSms::new(c).unwrap_err();
            assert!(!e.to_string().contains("SECRET"), "{e}");
            assert!(matches!(e, NotifyError::Rejected { .. }));
        };
        let mut c = good.clone();
        c.account_sid = "XX0001".into();
        refused(c);
        let mut c = good.clone();
        c.credentials = TwilioCredentials::AuthToken(" ".into());
        refused(c);
        let mut c = good.clone();
        c.credentials = TwilioCredentials::AuthToken("tok-SECRET\n".into());
        refused(c);
        let mut c = good.clone();
        c.credentials = TwilioCredentials::ApiKey {
            sid: "AC0001".into(),
            secret: "SECRET".into(),
        };
        refused(c);
        let mut c = good.clone();
        c.sender = TwilioSender::MessagingService("PN1".into());
        refused(c);
        let mut c = good.clone();
        c.status_callback = Some("/relative".into());
        refused(c);
        let mut c = good.clone();
        c.api_base = "ftp://api.twilio.com".into();
        refused(c);
        let mut c = good;
        c.sender = TwilioSender::From("".into());
        refused(c);
    }

    #[test]
    fn errors_map() {
        let e = failure(
            reqwest::StatusCode::BAD_REQUEST,
            br#"{"code":21211,"message":"The 'To' number +15005550001 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}"#,
        );
        assert!(
            matches!(&e, NotifyError::Rejected { reason, .. } if reason.contains("21211")),
            "{e}"
        );
        let e = failure(
            reqwest::StatusCode::UNAUTHORIZED,
            br#"{"code":20003,"message":"Authenticate","status":401}"#,
        );
        assert!(
            matches!(&e, NotifyError::Rejected { reason, .. } if reason.contains("20003")),
            "{e}"
        );
        let e = failure(
            reqwest::StatusCode::TOO_MANY_REQUESTS,
            br#"{"code":20429,"message":"Too Many Requests","status":429}"#,
        );
        assert!(matches!(e, NotifyError::Unreachable { .. }));
        let e = failure(
            reqwest::StatusCode::BAD_GATEWAY,
            b"<html>bad gateway</html>",
        );
        assert!(matches!(e, NotifyError::Unreachable { .. }));
        let e = failure(
            reqwest::StatusCode::UNPROCESSABLE_ENTITY,
            br#"{"type":"https://www.twilio.com/docs/errors/21602","title":"Body required","status":422,"code":21602,"detail":"Message body is required."}"#,
        );
        assert!(
            matches!(&e, NotifyError::Rejected { reason, .. } if reason.contains("Message body is required")),
            "{e}"
        );
    }
}
