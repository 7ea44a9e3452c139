//! Mailgun (`messaging.md` §3): `POST {api_base}/v3/{domain}/messages` with HTTP Basic
//! `api:<API key>` and a `multipart/form-data` body (`from`, `to`, `subject`, `text`, `html`,
//! one `attachment` file part per attachment); the answer is
//! `{"id": "<…@domain>", "message": "Queued. Thank you."}`.
//!
//! Our message id goes along twice: as the header `h:X-Wayfare-Message-Id` (in the delivered
//! message) and as the variable `v:wayfare_message_id` (in every webhook event's
//! `user-variables`). The id Mailgun answers is returned without its angle brackets, the form
//! its webhooks use.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde::Deserialize;
use url::Url;

use super::mime::FormData;
use super::{
    DEFAULT_TIMEOUT, EmailConfigError, Redacted, Sender, accepted_id, body_text, check_email,
    check_secret, endpoint, http_client, not_accepted, parse_base, scrub, transport_error,
};
use crate::{Email, EmailSender, NotifyError};

/// Mailgun's [`EmailSender::provider`].
pub const NAME: &str = "mailgun";

/// Mailgun's US region.
pub const DEFAULT_API_BASE: &str = "https://api.mailgun.net";

/// Mailgun's EU region (domains and keys are per region).
pub const EU_API_BASE: &str = "https://api.eu.mailgun.net";

/// Mailgun's limit for a whole message.
pub const MAX_MESSAGE_BYTES: usize = 25_000_000;

/// The header carrying our message id in the delivered message.
pub const MESSAGE_ID_HEADER: &str = "X-Wayfare-Message-Id";

/// The custom variable carrying our message id in webhook events.
pub const MESSAGE_ID_VARIABLE: &str = "wayfare_message_id";

/// How to reach Mailgun and whom mail is from. `Debug` never shows the API key.
#[derive(Clone)]
pub struct MailgunConfig {
    /// The account's API key or a Domain Sending Key of `domain`.
    pub api_key: String,
    /// The sending domain as set up in Mailgun: `mg.wayfare.example`.
    pub domain: String,
    /// The sender address, normally at `domain`.
    pub from_email: String,
    /// The name shown with the sender address; empty for none.
    pub from_name: String,
    /// [`DEFAULT_API_BASE`] (US), [`EU_API_BASE`], or a fake server's address in tests.
    pub api_base: String,
    /// The whole request, connecting included.
    pub timeout: Duration,
}

impl MailgunConfig {
    /// A configuration for the US region with the default timeout.
    pub fn new(
        api_key: impl Into<String>,
        domain: impl Into<String>,
        from_email: impl Into<String>,
        from_name: impl Into<String>,
    ) -> MailgunConfig {
        MailgunConfig {
            api_key: api_key.into(),
            domain: domain.into(),
            from_email: from_email.into(),
            from_name: from_name.into(),
            api_base: DEFAULT_API_BASE.to_owned(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl fmt::Debug for MailgunConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailgunConfig")
            .field("api_key", &Redacted(&self.api_key))
            .field("domain", &self.domain)
            .field("from_email", &self.from_email)
            .field("from_name", &self.from_name)
            .field("api_base", &self.api_base)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Sends e-mail through Mailgun. Cheap to clone (the HTTP client is shared).
#[derive(Clone)]
pub struct MailgunSender {
    http: reqwest::Client,
    url: Url,
    /// `Basic base64(api:key)`, marked sensitive so HTTP-level logging hides it.
    authorization: HeaderValue,
    /// Kept to scrub it from any text Mailgun sends back.
    api_key: String,
    from: Sender,
}

impl fmt::Debug for MailgunSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailgunSender")
            .field("url", &self.url.as_str())
            .field("from", &self.from.email)
            .finish_non_exhaustive()
    }
}

impl MailgunSender {
    /// Checks `config` and builds the sender; nothing is sent.
    pub fn new(config: MailgunConfig) -> Result<MailgunSender, EmailConfigError> {
        check_secret(NAME, "api_key", &config.api_key)?;
        let domain = config.domain.trim().to_ascii_lowercase();
        if !super::is_address(&format!("x@{domain}")) || !domain.contains('.') {
            return Err(EmailConfigError {
                provider: NAME,
                field: "domain",
                problem: "must be a domain name such as `mg.example.com`".into(),
            });
        }
        let from = Sender::new(NAME, &config.from_email, &config.from_name)?;
        let base = parse_base(NAME, "api_base", &config.api_base)?;
        let credentials = STANDARD.encode(format!("api:{}", config.api_key));
        let mut authorization =
            HeaderValue::from_str(&format!("Basic {credentials}")).map_err(|_| {
                EmailConfigError {
                    provider: NAME,
                    field: "api_key",
                    problem: "cannot be sent in a header".into(),
                }
            })?;
        authorization.set_sensitive(true);
        Ok(MailgunSender {
            http: http_client(NAME, config.timeout)?,
            url: endpoint(&base, &["v3", &domain, "messages"]),
            authorization,
            api_key: config.api_key,
            from,
        })
    }

    /// The form for `email` (its `Content-Type` and body), or why it cannot be sent.
    fn form(&self, email: &Email) -> Result<(String, Vec<u8>), NotifyError> {
        let checked = check_email(NAME, email, MAX_MESSAGE_BYTES)?;
        let mut form = FormData::new()
            .text("from", &self.from.mailbox())
            .text("to", &email.to)
            .text("subject", &checked.subject);
        if let Some(text) = checked.text {
            form = form.text("text", text);
        }
        if let Some(html) = checked.html {
            form = form.text("html", html);
        }
        form = form
            .text(&format!("h:{MESSAGE_ID_HEADER}"), &email.message_id)
            .text(&format!("v:{MESSAGE_ID_VARIABLE}"), &email.message_id);
        for a in &email.attachments {
            form = form.file("attachment", a.filename.trim(), &a.content_type, &a.content);
        }
        Ok(form.finish())
    }

    /// Mailgun's explanation of a refusal: the JSON `message`, else the body as text
    /// (`Forbidden` for a wrong key).
    fn reason(&self, status: StatusCode, body: &[u8]) -> String {
        let text = match serde_json::from_slice::<Answer>(body) {
            Ok(Answer {
                message: Some(message),
                ..
            }) if !message.trim().is_empty() => message,
            _ => body_text(body, status.canonical_reason().unwrap_or("no reason given")),
        };
        scrub(&text, &[&self.api_key])
    }
}

/// Mailgun's answer, to a send or in an error.
#[derive(Deserialize)]
struct Answer {
    id: Option<String>,
    message: Option<String>,
}

#[async_trait]
impl EmailSender for MailgunSender {
    fn provider(&self) -> &'static str {
        NAME
    }

    /// Sends `email`; the answer is Mailgun's message id without angle brackets. A 2xx
    /// without one still counts as accepted (sending again could deliver twice) and answers
    /// our own message id, which the webhooks carry as `wayfare_message_id`.
    async fn send_email(&self, email: &Email, _at: DateTime<Utc>) -> Result<String, NotifyError> {
        let (content_type, body) = self.form(email)?;
        let response = self
            .http
            .post(self.url.clone())
            .header(AUTHORIZATION, self.authorization.clone())
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .map_err(|e| transport_error(NAME, e))?;
        let status = response.status();
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
        let id = serde_json::from_slice::<Answer>(&answer)
            .ok()
            .and_then(|a| a.id)
            .map(|id| {
                id.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
            .filter(|id| !id.is_empty());
        Ok(accepted_id(NAME, email, status, id, "an id"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Attachment;

    fn config() -> MailgunConfig {
        MailgunConfig::new(
            "key-unit-test",
            "mg.wayfare.example",
            "noreply@mg.wayfare.example",
            "Wayfare",
        )
    }

    #[test]
    fn urls_per_region_and_domain() {
        let s = MailgunSender::new(config()).unwrap();
        assert_eq!(
            s.url.as_str(),
            "https://api.mailgun.net/v3/mg.wayfare.example/messages"
        );
        let mut c = config();
        c.api_base = EU_API_BASE.into();
        c.domain = " MG.Wayfare.Example ".into();
        let s = MailgunSender::new(c).unwrap();
        assert_eq!(
            s.url.as_str(),
            "https://api.eu.mailgun.net/v3/mg.wayfare.example/messages"
        );
        assert_eq!(
            s.authorization.to_str().unwrap(),
            format!("Basic {}", STANDARD.encode("api:key-unit-test"))
        );
        assert!(s.authorization.is_sensitive());
    }

    #[test]
    fn the_form_has_every_field() {
        let s = MailgunSender::new(config()).unwrap();
        let mut email = Email::text("ann@example.com", "预订确认", "你好");
        email.html = Some("<p>你好</p>".into());
        email.message_id = "m-1".into();
        email.attachments.push(Attachment {
            filename: "ticket.pdf".into(),
            content_type: "application/pdf".into(),
            content: b"%PDF-1.4".to_vec(),
        });
        let (content_type, body) = s.form(&email).unwrap();
        assert!(content_type.starts_with("multipart/form-data; boundary="));
        let body = String::from_utf8(body).unwrap();
        for needle in [
            "name=\"from\"\r\n\r\nWayfare <noreply@mg.wayfare.example>\r\n",
            "name=\"to\"\r\n\r\nann@example.com\r\n",
            "name=\"subject\"\r\n\r\n预订确认\r\n",
            "name=\"text\"\r\n\r\n你好\r\n",
            "name=\"html\"\r\n\r\n<p>你好</p>\r\n",
            "name=\"h:X-Wayfare-Message-Id\"\r\n\r\nm-1\r\n",
            "name=\"v:wayfare_message_id\"\r\n\r\nm-1\r\n",
            "name=\"attachment\"; filename=\"ticket.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n",
        ] {
            assert!(body.contains(needle), "{needle} not in {body}");
        }
    }

    #[test]
    fn bad_configurations_are_refused_without_showing_the_key() {
        let field = |c: MailgunConfig| MailgunSender::new(c).unwrap_err().field;
        let mut c = config();
        c.api_key = "key with spaces".into();
        let e = MailgunSender::new(c).unwrap_err();
        assert_eq!(e.field, "api_key");
        assert!(!e.to_string().contains("with spaces"));
        let mut c = config();
        c.domain = "localhost".into();
        assert_eq!(field(c), "domain");
        let mut c = config();
        c.domain = "mg.example.com/../x".into();
        assert_eq!(field(c), "domain");
        let mut c = config();
        c.from_email = "Wayfare <noreply@x.com>".into();
        assert_eq!(field(c), "from_email");
    }

    #[test]
    fn reasons_and_debug_hide_the_key() {
        let s = MailgunSender::new(config()).unwrap();
        assert_eq!(
            s.reason(StatusCode::BAD_REQUEST, br#"{"message":"'to' parameter is not a valid address. please check documentation"}"#),
            "'to' parameter is not a valid address. please check documentation"
        );
        assert_eq!(
            s.reason(StatusCode::UNAUTHORIZED, b"Forbidden"),
            "Forbidden"
        );
        assert_eq!(
            s.reason(StatusCode::UNAUTHORIZED, b"bad key-unit-test"),
            "bad [redacted]"
        );
        let shown = format!("{:?} {s:?}", config());
        assert!(!shown.contains("key-unit-test"));
    }
}
