//! SendGrid v3 Mail Send (`messaging.md` §1): `POST {api_base}/v3/mail/send` with
//! `Authorization: Bearer <API key>` and a JSON body; `202 Accepted` with the message id in
//! `X-Message-Id`.
//!
//! The body has one personalization (our one recipient), the configured sender, the subject,
//! the content parts in the order SendGrid demands (`text/plain`, then `text/html`), the
//! attachments base64-encoded, and our message id as the custom argument `wayfare_message_id`,
//! which SendGrid repeats in every Event Webhook event of the message.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use super::{
    DEFAULT_TIMEOUT, EmailConfigError, Redacted, Sender, accepted_id, body_text, check_email,
    check_secret, endpoint, http_client, not_accepted, parse_base, scrub, transport_error,
};
use crate::{Email, EmailSender, NotifyError};

/// SendGrid's [`EmailSender::provider`].
pub const NAME: &str = "sendgrid";

/// Where SendGrid's API lives.
pub const DEFAULT_API_BASE: &str = "https://api.sendgrid.com";

/// The API of EU regional subusers.
pub const EU_API_BASE: &str = "https://api.eu.sendgrid.com";

/// SendGrid's limit for a whole message, attachments included.
pub const MAX_MESSAGE_BYTES: usize = 30_000_000;

/// The name of the custom argument carrying our message id.
pub const MESSAGE_ID_ARG: &str = "wayfare_message_id";

/// How to reach SendGrid and whom mail is from. `Debug` never shows the API key.
#[derive(Clone)]
pub struct SendGridConfig {
    /// An API key with the Mail Send permission (`SG.…`).
    pub api_key: String,
    /// The sender address: a verified Sender Identity or an address of an authenticated domain.
    pub from_email: String,
    /// The name shown with the sender address; empty for none.
    pub from_name: String,
    /// [`DEFAULT_API_BASE`], [`EU_API_BASE`], or a fake server's address in tests.
    pub api_base: String,
    /// The whole request, connecting included.
    pub timeout: Duration,
}

impl SendGridConfig {
    /// A configuration with the default API base and timeout.
    pub fn new(
        api_key: impl Into<String>,
        from_email: impl Into<String>,
        from_name: impl Into<String>,
    ) -> SendGridConfig {
        SendGridConfig {
            api_key: api_key.into(),
            from_email: from_email.into(),
            from_name: from_name.into(),
            api_base: DEFAULT_API_BASE.to_owned(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl fmt::Debug for SendGridConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendGridConfig")
            .field("api_key", &Redacted(&self.api_key))
            .field("from_email", &self.from_email)
            .field("from_name", &self.from_name)
            .field("api_base", &self.api_base)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Sends e-mail through SendGrid. Cheap to clone (the HTTP client is shared).
#[derive(Clone)]
pub struct SendGridSender {
    http: reqwest::Client,
    url: Url,
    /// `Bearer SG.…`, marked sensitive so HTTP-level logging hides it.
    authorization: HeaderValue,
    /// Kept to scrub it from any text SendGrid sends back.
    api_key: String,
    from: Sender,
}

impl fmt::Debug for SendGridSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendGridSender")
            .field("url", &self.url.as_str())
            .field("from", &self.from.email)
            .finish_non_exhaustive()
    }
}

impl SendGridSender {
    /// Checks `config` and builds the sender; nothing is sent.
    pub fn new(config: SendGridConfig) -> Result<SendGridSender, EmailConfigError> {
        check_secret(NAME, "api_key", &config.api_key)?;
        let from = Sender::new(NAME, &config.from_email, &config.from_name)?;
        let base = parse_base(NAME, "api_base", &config.api_base)?;
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", config.api_key))
            .map_err(|_| EmailConfigError {
                provider: NAME,
                field: "api_key",
                problem: "cannot be sent in a header".into(),
            })?;
        authorization.set_sensitive(true);
        Ok(SendGridSender {
            http: http_client(NAME, config.timeout)?,
            url: endpoint(&base, &["v3", "mail", "send"]),
            authorization,
            api_key: config.api_key,
            from,
        })
    }

    /// The Mail Send body for `email`, or why it cannot be sent.
    fn request_body(&self, email: &Email) -> Result<Value, NotifyError> {
        let checked = check_email(NAME, email, MAX_MESSAGE_BYTES)?;
        let mut from = json!({ "email": self.from.email });
        if !self.from.name.is_empty() {
            from["name"] = json!(self.from.name);
        }
        let mut content = Vec::new();
        if let Some(text) = checked.text {
            content.push(json!({ "type": "text/plain", "value": text }));
        }
        if let Some(html) = checked.html {
            content.push(json!({ "type": "text/html", "value": html }));
        }
        let mut body = json!({
            "personalizations": [{ "to": [{ "email": email.to }] }],
            "from": from,
            "subject": checked.subject,
            "content": content,
            "custom_args": { MESSAGE_ID_ARG: email.message_id },
        });
        if !email.attachments.is_empty() {
            body["attachments"] = email
                .attachments
                .iter()
                .map(|a| {
                    json!({
                        "content": STANDARD.encode(&a.content),
                        "type": a.content_type,
                        "filename": a.filename.trim(),
                        "disposition": "attachment",
                    })
                })
                .collect();
        }
        Ok(body)
    }

    /// SendGrid's explanation of a refusal: its error messages (with the field each is
    /// about), else the body as text.
    fn reason(&self, status: StatusCode, body: &[u8]) -> String {
        let text = match serde_json::from_slice::<ErrorBody>(body) {
            Ok(errors) if !errors.errors.is_empty() => errors
                .errors
                .iter()
                .map(|e| match e.field.as_deref().filter(|f| !f.is_empty()) {
                    Some(field) => format!("{} ({field})", e.message.as_deref().unwrap_or("")),
                    None => e.message.clone().unwrap_or_default(),
                })
                .collect::<Vec<_>>()
                .join("; "),
            _ => body_text(body, status.canonical_reason().unwrap_or("no reason given")),
        };
        scrub(&text, &[&self.api_key])
    }
}

/// SendGrid's `ErrorResponse`.
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

#[derive(Deserialize)]
struct ErrorItem {
    message: Option<String>,
    field: Option<String>,
}

#[async_trait]
impl EmailSender for SendGridSender {
    fn provider(&self) -> &'static str {
        NAME
    }

    /// Sends `email`; the answer is SendGrid's `X-Message-Id`. A 2xx without that header
    /// (SendGrid's sandbox mode answers 200 without queuing) still counts as accepted, since
    /// sending again could deliver twice: the answer is then our own message id, which the
    /// Event Webhook carries as `wayfare_message_id` anyway.
    async fn send_email(&self, email: &Email, _at: DateTime<Utc>) -> Result<String, NotifyError> {
        let body =
            serde_json::to_vec(&self.request_body(email)?).map_err(|e| NotifyError::Rejected {
                provider: NAME,
                reason: format!("the request cannot be written: {e}"),
            })?;
        let response = self
            .http
            .post(self.url.clone())
            .header(AUTHORIZATION, self.authorization.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| transport_error(NAME, e))?;
        let status = response.status();
        let message_id = response
            .headers()
            .get("x-message-id")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        let answer = response
            .bytes()
            .await
            .map_err(|e| transport_error(NAME, e))?;
        if !status.is_success() {
            return Err(not_accepted(
                NAME,
                email,
                status,
                &self.reason(status, &answer),
            ));
        }
        Ok(accepted_id(
            NAME,
            email,
            status,
            message_id,
            "an X-Message-Id",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Attachment;

    fn sender() -> SendGridSender {
        SendGridSender::new(SendGridConfig::new(
            "SG.unit-test-key",
            "noreply@wayfare.example",
            "Wayfare",
        ))
        .unwrap()
    }

    #[test]
    fn the_body_has_sendgrid_shape() {
        let mut email = Email::text("ann@example.com", "预订确认", "你好");
        email.html = Some("<p>你好</p>".into());
        email.message_id = "m-1".into();
        email.attachments.push(Attachment {
            filename: "ticket.pdf".into(),
            content_type: "application/pdf".into(),
            content: b"%PDF-1.4".to_vec(),
        });
        assert_eq!(
            sender().request_body(&email).unwrap(),
            json!({
                "personalizations": [{"to": [{"email": "ann@example.com"}]}],
                "from": {"email": "noreply@wayfare.example", "name": "Wayfare"},
                "subject": "预订确认",
                "content": [
                    {"type": "text/plain", "value": "你好"},
                    {"type": "text/html", "value": "<p>你好</p>"},
                ],
                "custom_args": {"wayfare_message_id": "m-1"},
                "attachments": [{
                    "content": "JVBERi0xLjQ=",
                    "type": "application/pdf",
                    "filename": "ticket.pdf",
                    "disposition": "attachment",
                }],
            })
        );
    }

    #[test]
    fn html_only_and_no_name() {
        let mut config = SendGridConfig::new("SG.k", "noreply@wayfare.example", "");
        config.api_base = "http://127.0.0.1:1/".into();
        let sender = SendGridSender::new(config).unwrap();
        assert_eq!(sender.url.as_str(), "http://127.0.0.1:1/v3/mail/send");
        let mut email = Email::text("ann@example.com", "Hi", "");
        email.html = Some("<b>Hi</b>".into());
        let body = sender.request_body(&email).unwrap();
        assert_eq!(body["from"], json!({"email": "noreply@wayfare.example"}));
        assert_eq!(
            body["content"],
            json!([{"type": "text/html", "value": "<b>Hi</b>"}])
        );
        assert!(body.get("attachments").is_none());
    }

    #[test]
    fn bad_configurations_are_refused_without_showing_the_key() {
        let bad = |c: SendGridConfig| SendGridSender::new(c).unwrap_err();
        assert_eq!(bad(SendGridConfig::new("", "a@x.com", "")).field, "api_key");
        let e = bad(SendGridConfig::new("SG.secret with space", "a@x.com", ""));
        assert_eq!(e.field, "api_key");
        assert!(!e.to_string().contains("secret"));
        assert_eq!(
            bad(SendGridConfig::new("SG.k", "nobody", "")).field,
            "from_email"
        );
        assert_eq!(
            bad(SendGridConfig::new("SG.k", "a@x.com", "Line\nbreak")).field,
            "from_name"
        );
        let mut c = SendGridConfig::new("SG.k", "a@x.com", "");
        c.api_base = "sendgrid".into();
        assert_eq!(bad(c).field, "api_base");
        let mut c = SendGridConfig::new("SG.k", "a@x.com", "");
        c.timeout = Duration::ZERO;
        assert_eq!(bad(c).field, "timeout");
    }

    #[test]
    fn debug_hides_the_key() {
        let config = SendGridConfig::new("SG.very-secret-key", "a@x.com", "");
        assert!(!format!("{config:?}").contains("very-secret"));
        let sender = SendGridSender::new(config).unwrap();
        assert!(!format!("{sender:?}").contains("very-secret"));
    }

    #[test]
    fn reasons_list_sendgrid_errors_and_hide_the_key() {
        let s = sender();
        let body = br#"{"errors":[{"message":"Does not contain a valid address.","field":"personalizations.0.to.0.email","help":null},{"message":"bad key SG.unit-test-key","field":null}]}"#;
        assert_eq!(
            s.reason(StatusCode::BAD_REQUEST, body),
            "Does not contain a valid address. (personalizations.0.to.0.email); bad key [redacted]"
        );
        assert_eq!(s.reason(StatusCode::BAD_GATEWAY, b""), "Bad Gateway");
        assert_eq!(
            s.reason(StatusCode::BAD_GATEWAY, b"upstream down"),
            "upstream down"
        );
    }
}
