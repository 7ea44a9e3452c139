//! Amazon SES API v2 `SendEmail` (`messaging.md` §2): `POST {endpoint}/v2/email/outbound-emails`
//! (endpoint `https://email.{region}.amazonaws.com`), a JSON body, signed with AWS Signature
//! Version 4 ([`super::sigv4`], service `ses`); the answer is `{"MessageId": …}`.
//!
//! Every message is sent as `Content.Raw`: a MIME message built here (`mime`), whatever it
//! holds. One path for all mail means every message carries `X-Wayfare-Message-Id`, a UTF-8
//! subject is RFC 2047-encoded the same way whether or not there is an attachment, and
//! `Content.Simple`'s attachment fields, which our reference leaves partly open, are not
//! needed. Our message id also goes along as the message tag `wayfare_message_id` (when it is
//! made of the characters tags allow), which SES repeats in its delivery events.
//!
//! Requests are signed with the sender's clock (the system clock unless given one): AWS
//! refuses signatures more than a few minutes off. The `at` of a send only dates the message
//! (its `Date` header).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use super::mime::{RawMessage, raw_message};
use super::sigv4::{self, Credentials};
use super::{
    DEFAULT_TIMEOUT, EmailConfigError, Redacted, Sender, accepted_id, body_text, check_email,
    check_secret, endpoint, http_client, not_accepted, parse_base, scrub, transport_error,
};
use crate::{Email, EmailSender, NotifyError};

/// SES's [`EmailSender::provider`].
pub const NAME: &str = "ses";

/// The service name in SES's signatures (its `signingName`).
pub const SIGNING_SERVICE: &str = "ses";

/// SES v2's limit for a message, after base64 encoding.
pub const MAX_MESSAGE_BYTES: usize = 40_000_000;

/// The name of the message tag carrying our message id.
pub const MESSAGE_ID_TAG: &str = "wayfare_message_id";

/// Where the time of a signature comes from.
pub use wayfare_domain::Clock;

/// How to reach SES and whom mail is from. `Debug` never shows the secret access key or the
/// session token.
#[derive(Clone)]
pub struct SesConfig {
    /// `eu-west-1` …: where the sending identity is verified.
    pub region: String,
    /// The access key's id (`AKIA…`, or `ASIA…` for temporary credentials).
    pub access_key_id: String,
    pub secret_access_key: String,
    /// The session token of temporary credentials, sent as `X-Amz-Security-Token`.
    pub session_token: Option<String>,
    /// The sender address: a verified identity (the address or its domain) in `region`.
    pub from_email: String,
    /// The name shown with the sender address; empty for none.
    pub from_name: String,
    /// `None` for `https://email.{region}.amazonaws.com`; a fake server's address in tests,
    /// or a VPC endpoint.
    pub endpoint: Option<String>,
    /// The configuration set whose event destinations receive delivery events; `None` for
    /// the identity's default.
    pub configuration_set: Option<String>,
    /// The whole request, connecting included.
    pub timeout: Duration,
}

impl SesConfig {
    /// A configuration with long-term credentials, the region's endpoint, no configuration
    /// set and the default timeout.
    pub fn new(
        region: impl Into<String>,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        from_email: impl Into<String>,
        from_name: impl Into<String>,
    ) -> SesConfig {
        SesConfig {
            region: region.into(),
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
            from_email: from_email.into(),
            from_name: from_name.into(),
            endpoint: None,
            configuration_set: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl fmt::Debug for SesConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SesConfig")
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &Redacted(&self.secret_access_key))
            .field(
                "session_token",
                &self.session_token.as_deref().map(Redacted),
            )
            .field("from_email", &self.from_email)
            .field("from_name", &self.from_name)
            .field("endpoint", &self.endpoint)
            .field("configuration_set", &self.configuration_set)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Sends e-mail through Amazon SES. Cheap to clone (the HTTP client is shared).
#[derive(Clone)]
pub struct SesSender {
    http: reqwest::Client,
    url: Url,
    /// `host[:port]` as the HTTP client sends it in `Host`, which is signed.
    host: String,
    region: String,
    credentials: Credentials,
    from: Sender,
    configuration_set: Option<String>,
    clock: Clock,
}

impl fmt::Debug for SesSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SesSender")
            .field("url", &self.url.as_str())
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("from", &self.from.email)
            .finish_non_exhaustive()
    }
}

impl SesSender {
    /// Checks `config` and builds the sender, signing with the system clock; nothing is sent.
    pub fn new(config: SesConfig) -> Result<SesSender, EmailConfigError> {
        Self::with_clock(config, Arc::new(Utc::now))
    }

    /// As [`SesSender::new`], with the clock that times the signatures.
    pub fn with_clock(config: SesConfig, clock: Clock) -> Result<SesSender, EmailConfigError> {
        let bad = |field, problem: &str| EmailConfigError {
            provider: NAME,
            field,
            problem: problem.to_owned(),
        };
        let region = config.region.trim();
        if region.is_empty()
            || !region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(bad("region", "must be an AWS region such as `eu-west-1`"));
        }
        if config.access_key_id.len() < 16
            || !config
                .access_key_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric())
        {
            return Err(bad(
                "access_key_id",
                "must be an access key id: 16 or more letters and digits",
            ));
        }
        check_secret(NAME, "secret_access_key", &config.secret_access_key)?;
        if let Some(token) = &config.session_token {
            check_secret(NAME, "session_token", token)?;
        }
        let from = Sender::new(NAME, &config.from_email, &config.from_name)?;
        let base = match &config.endpoint {
            Some(endpoint) => parse_base(NAME, "endpoint", endpoint)?,
            None => parse_base(
                NAME,
                "region",
                &format!("https://email.{region}.amazonaws.com"),
            )?,
        };
        if let Some(set) = &config.configuration_set
            && (set.is_empty()
                || set.len() > 64
                || !set
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        {
            return Err(bad(
                "configuration_set",
                "must be 1 to 64 letters, digits, `-` or `_`",
            ));
        }
        let url = endpoint(&base, &["v2", "email", "outbound-emails"]);
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => return Err(bad("endpoint", "has no host")),
        };
        Ok(SesSender {
            http: http_client(NAME, config.timeout)?,
            url,
            host,
            region: region.to_owned(),
            credentials: Credentials {
                access_key_id: config.access_key_id,
                secret_access_key: config.secret_access_key,
                session_token: config.session_token,
            },
            from,
            configuration_set: config.configuration_set,
            clock,
        })
    }

    /// The `SendEmail` body for `email` dated `at`, or why it cannot be sent.
    fn request_body(&self, email: &Email, at: DateTime<Utc>) -> Result<Value, NotifyError> {
        let checked = check_email(NAME, email, MAX_MESSAGE_BYTES)?;
        let from = self.from.mailbox();
        let raw = raw_message(&RawMessage {
            from: &from,
            to: &email.to,
            subject: &checked.subject,
            date: at,
            message_id: &email.message_id,
            text: checked.text,
            html: checked.html,
            attachments: &email.attachments,
        });
        let mut body = json!({
            "FromEmailAddress": from,
            "Destination": { "ToAddresses": [email.to] },
            "Content": { "Raw": { "Data": STANDARD.encode(raw) } },
        });
        let id = &email.message_id;
        if id.len() <= 256
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            body["EmailTags"] = json!([{ "Name": MESSAGE_ID_TAG, "Value": id }]);
        }
        if let Some(set) = &self.configuration_set {
            body["ConfigurationSetName"] = json!(set);
        }
        Ok(body)
    }

    /// The signed headers of a request with `body`, signed now.
    fn signed_headers(&self, body: &[u8]) -> Result<HeaderMap, NotifyError> {
        let path = self.url.path();
        let signature = sigv4::sign(
            &sigv4::Request {
                method: "POST",
                path,
                query: "",
                headers: &[("content-type", "application/json"), ("host", &self.host)],
                body,
            },
            &self.credentials,
            &self.region,
            SIGNING_SERVICE,
            (self.clock)(),
        );
        let value = |v: &str, sensitive: bool| {
            let mut value = HeaderValue::from_str(v).map_err(|_| NotifyError::Rejected {
                provider: NAME,
                reason: "the signature cannot be sent in a header".into(),
            })?;
            value.set_sensitive(sensitive);
            Ok::<_, NotifyError>(value)
        };
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, value("application/json", false)?);
        headers.insert("x-amz-date", value(&signature.x_amz_date, false)?);
        if let Some(token) = &signature.security_token {
            headers.insert("x-amz-security-token", value(token, true)?);
        }
        headers.insert(AUTHORIZATION, value(&signature.authorization, true)?);
        Ok(headers)
    }

    /// SES's explanation of a refusal (rest-json errors): the type from `x-amzn-ErrorType`,
    /// else the body's `code` or `__type`, cut before any `:` and after any `#`; the
    /// message from the body's `message` or `Message`.
    fn reason(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> String {
        let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
        let kind = headers
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or(parsed.code)
            .or(parsed.kind)
            .map(|k| {
                let k = k.split(':').next().unwrap_or_default();
                k.rsplit('#').next().unwrap_or_default().trim().to_owned()
            })
            .filter(|k| !k.is_empty());
        let message = parsed.message.or(parsed.message_upper);
        let text = match (kind, message) {
            (Some(kind), Some(message)) => format!("{kind}: {message}"),
            (Some(kind), None) => kind,
            (None, Some(message)) => message,
            (None, None) => body_text(body, status.canonical_reason().unwrap_or("no reason given")),
        };
        let mut secrets = vec![self.credentials.secret_access_key.as_str()];
        secrets.extend(self.credentials.session_token.as_deref());
        scrub(&text, &secrets)
    }
}

/// A rest-json error body.
#[derive(Deserialize, Default)]
struct ErrorBody {
    code: Option<String>,
    #[serde(rename = "__type")]
    kind: Option<String>,
    message: Option<String>,
    #[serde(rename = "Message")]
    message_upper: Option<String>,
}

/// `SendEmail`'s answer.
#[derive(Deserialize)]
struct SendEmailResponse {
    #[serde(rename = "MessageId")]
    message_id: Option<String>,
}

#[async_trait]
impl EmailSender for SesSender {
    fn provider(&self) -> &'static str {
        NAME
    }

    /// Sends `email`; the answer is SES's `MessageId`. A 2xx without one still counts as
    /// accepted (sending again could deliver twice) and answers our own message id, which the
    /// delivery events carry as the `wayfare_message_id` tag.
    async fn send_email(&self, email: &Email, at: DateTime<Utc>) -> Result<String, NotifyError> {
        let body = serde_json::to_vec(&self.request_body(email, at)?).map_err(|e| {
            NotifyError::Rejected {
                provider: NAME,
                reason: format!("the request cannot be written: {e}"),
            }
        })?;
        let headers = self.signed_headers(&body)?;
        let response = self
            .http
            .post(self.url.clone())
            .headers(headers)
            .body(body)
            .send()
            .await
            .map_err(|e| transport_error(NAME, e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let answer = response
            .bytes()
            .await
            .map_err(|e| transport_error(NAME, e))?;
        if !status.is_success() {
            return Err(not_accepted(
                NAME,
                email,
                status,
                &self.reason(status, &headers, &answer),
            ));
        }
        let id = serde_json::from_slice::<SendEmailResponse>(&answer)
            .ok()
            .and_then(|r| r.message_id)
            .filter(|id| !id.trim().is_empty());
        Ok(accepted_id(NAME, email, status, id, "a MessageId"))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn config() -> SesConfig {
        SesConfig::new(
            "eu-west-1",
            "AKIAIOSFODNN7EXAMPLE",
            SECRET,
            "noreply@wayfare.example",
            "Wayfare",
        )
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 1, 8, 0, 0).unwrap()
    }

    fn sender(config: SesConfig) -> SesSender {
        SesSender::with_clock(config, Arc::new(at)).unwrap()
    }

    #[test]
    fn the_endpoint_follows_the_region() {
        let s = sender(config());
        assert_eq!(
            s.url.as_str(),
            "https://email.eu-west-1.amazonaws.com/v2/email/outbound-emails"
        );
        assert_eq!(s.host, "email.eu-west-1.amazonaws.com");
        let mut c = config();
        c.endpoint = Some("http://127.0.0.1:8443".into());
        let s = sender(c);
        assert_eq!(
            s.url.as_str(),
            "http://127.0.0.1:8443/v2/email/outbound-emails"
        );
        assert_eq!(s.host, "127.0.0.1:8443");
    }

    #[test]
    fn the_body_is_raw_mime_with_our_tag() {
        let mut c = config();
        c.configuration_set = Some("events".into());
        let s = sender(c);
        let mut email = Email::text("ann@example.com", "Hi", "Hello");
        email.message_id = "0197-abc".into();
        let body = s.request_body(&email, at()).unwrap();
        assert_eq!(
            body["FromEmailAddress"],
            "Wayfare <noreply@wayfare.example>"
        );
        assert_eq!(
            body["Destination"],
            json!({"ToAddresses": ["ann@example.com"]})
        );
        assert_eq!(
            body["EmailTags"],
            json!([{"Name": "wayfare_message_id", "Value": "0197-abc"}])
        );
        assert_eq!(body["ConfigurationSetName"], "events");
        let raw = STANDARD
            .decode(body["Content"]["Raw"]["Data"].as_str().unwrap())
            .unwrap();
        let raw = String::from_utf8(raw).unwrap();
        assert!(
            raw.starts_with("From: Wayfare <noreply@wayfare.example>\r\nTo: ann@example.com\r\n")
        );
        assert!(raw.contains("X-Wayfare-Message-Id: 0197-abc\r\n"));
        email.message_id = "has.dots".into();
        assert!(
            s.request_body(&email, at())
                .unwrap()
                .get("EmailTags")
                .is_none()
        );
    }

    #[test]
    fn requests_are_signed_for_ses_in_the_region() {
        let mut c = config();
        c.session_token = Some("session-token-value".into());
        let s = sender(c);
        let headers = s.signed_headers(b"{}").unwrap();
        assert_eq!(headers["x-amz-date"], "20250301T080000Z");
        assert_eq!(headers["x-amz-security-token"], "session-token-value");
        let authorization = headers[AUTHORIZATION].to_str().unwrap();
        assert!(authorization.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20250301/eu-west-1/ses/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="
        ));
        assert!(headers[AUTHORIZATION].is_sensitive());
    }

    #[test]
    fn error_types_are_read_the_rest_json_way() {
        let s = sender(config());
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amzn-errortype",
            HeaderValue::from_static("MessageRejected:http://internal.amazon.com/coral/"),
        );
        assert_eq!(
            s.reason(
                StatusCode::BAD_REQUEST,
                &headers,
                br#"{"message":"Email address is not verified."}"#
            ),
            "MessageRejected: Email address is not verified."
        );
        assert_eq!(
            s.reason(
                StatusCode::BAD_REQUEST,
                &HeaderMap::new(),
                br#"{"__type":"com.amazon#BadRequestException","Message":"bad"}"#
            ),
            "BadRequestException: bad"
        );
        assert_eq!(
            s.reason(
                StatusCode::FORBIDDEN,
                &HeaderMap::new(),
                format!("{{\"message\":\"key {SECRET}\"}}").as_bytes()
            ),
            "key [redacted]"
        );
    }

    #[test]
    fn bad_configurations_are_refused_without_showing_secrets() {
        let field = |c: SesConfig| SesSender::new(c).unwrap_err().field;
        let mut c = config();
        c.region = "EU West".into();
        assert_eq!(field(c), "region");
        let mut c = config();
        c.access_key_id = "short".into();
        assert_eq!(field(c), "access_key_id");
        let mut c = config();
        c.secret_access_key = String::new();
        assert_eq!(field(c), "secret_access_key");
        let mut c = config();
        c.session_token = Some("two words".into());
        let e = SesSender::new(c).unwrap_err();
        assert_eq!(e.field, "session_token");
        assert!(!e.to_string().contains("two words"));
        let mut c = config();
        c.configuration_set = Some("no spaces allowed".into());
        assert_eq!(field(c), "configuration_set");
        let mut c = config();
        c.endpoint = Some("email.example".into());
        assert_eq!(field(c), "endpoint");
    }

    #[test]
    fn debug_hides_secrets() {
        let mut c = config();
        c.session_token = Some("session-token-value".into());
        let shown = format!("{c:?} {:?}", sender(c.clone()));
        assert!(!shown.contains(SECRET));
        assert!(!shown.contains("session-token-value"));
        assert!(shown.contains("AKIAIOSFODNN7EXAMPLE"));
    }
}
