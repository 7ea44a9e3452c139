//! E-mail providers over their HTTP APIs (`../shared/providers/messaging.md` §1–3):
//! [`sendgrid`] (v3 Mail Send), [`ses`] (Amazon SES v2 `SendEmail`, signed with AWS Signature
//! Version 4 by [`sigv4`]) and [`mailgun`] (`/v3/{domain}/messages`). Each is an
//! [`EmailSender`](crate::EmailSender) built from its own configuration.
//!
//! What the three share lives here once: the sender's address, the checks on an
//! [`Email`] before anything leaves the machine (an e-mail the provider is bound to refuse is
//! [`NotifyError::Rejected`] without a request), the HTTP client, and how an HTTP answer maps to
//! [`NotifyError`]. MIME (the raw message SES sends, the form Mailgun takes) is built in `mime`.
//!
//! - A refusal (HTTP 4xx except 429) is [`NotifyError::Rejected`]: sending the same message
//!   again will not help. Rate limiting (429), the provider's failures (5xx), timeouts and
//!   connection errors are [`NotifyError::Unreachable`]: a later try may work.
//! - Nothing is retried here. None of the three providers takes an idempotency key for a send,
//!   so after a timeout the message may or may not have gone: whether to try again is the
//!   caller's decision.
//! - API keys and AWS secrets are never logged, never shown by `Debug`, and are scrubbed from
//!   any provider text that ends up in an error.

pub mod mailgun;
mod mime;
pub mod sendgrid;
pub mod ses;
pub mod sigv4;
pub mod smtp;

use std::fmt;
use std::time::Duration;

use url::Url;

pub(crate) use crate::http::{status_error, transport_error};
use crate::{Email, NotifyError};

pub use mailgun::{MailgunConfig, MailgunSender};
pub use sendgrid::{SendGridConfig, SendGridSender};
pub use ses::{SesConfig, SesSender};
pub use smtp::{SmtpConfig, SmtpSecurity, SmtpSender};

/// How long one send may take, connecting included, unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest provider text (an error message) passed on in a [`NotifyError`].
const MAX_REASON_CHARS: usize = 300;

/// A provider's configuration that cannot work: which provider, which field, and why. The
/// value of a secret field is never part of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{provider} configuration: `{field}` {problem}")]
pub struct EmailConfigError {
    /// `sendgrid`, `ses` or `mailgun`.
    pub provider: &'static str,
    /// The configuration field at fault.
    pub field: &'static str,
    /// What is wrong with it.
    pub problem: String,
}

impl EmailConfigError {
    fn new(provider: &'static str, field: &'static str, problem: impl Into<String>) -> Self {
        EmailConfigError {
            provider,
            field,
            problem: problem.into(),
        }
    }
}

/// Who the e-mail is from: a checked address and an optional display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sender {
    pub(crate) email: String,
    /// Empty for none.
    pub(crate) name: String,
}

impl Sender {
    /// Checks the configured `from_email` and `from_name`.
    pub(crate) fn new(
        provider: &'static str,
        email: &str,
        name: &str,
    ) -> Result<Sender, EmailConfigError> {
        let email = email.trim();
        if !is_address(email) {
            return Err(EmailConfigError::new(
                provider,
                "from_email",
                "is not an e-mail address (ASCII `local@domain`)",
            ));
        }
        let name = name.trim();
        if name.chars().any(char::is_control) || name.chars().count() > 100 {
            return Err(EmailConfigError::new(
                provider,
                "from_name",
                "must be at most 100 characters without line breaks or control characters",
            ));
        }
        Ok(Sender {
            email: email.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The `From` mailbox as a header value (`Name <addr>`, the name RFC 2047-encoded when it
    /// is not plain ASCII).
    pub(crate) fn mailbox(&self) -> String {
        mime::mailbox(&self.name, &self.email)
    }
}

/// An [`Email`] as checked for sending: the subject on one line, the parts that are present.
pub(crate) struct Checked<'a> {
    /// Line breaks folded to spaces, trimmed, never empty.
    pub(crate) subject: String,
    /// The plain-text part, when not empty.
    pub(crate) text: Option<&'a str>,
    /// The HTML part, when given and not empty.
    pub(crate) html: Option<&'a str>,
}

/// Checks `email` before it is sent through `provider`, whose messages may be at most
/// `max_bytes` once encoded: a recipient address the provider takes, a subject, a text or
/// HTML body, attachments with a name, a MIME type and some content, and our message id fit
/// for a header. What fails is [`NotifyError::Rejected`] and nothing is sent.
pub(crate) fn check_email<'a>(
    provider: &'static str,
    email: &'a Email,
    max_bytes: usize,
) -> Result<Checked<'a>, NotifyError> {
    let rejected = |reason: String| NotifyError::Rejected { provider, reason };
    if !is_address(&email.to) {
        return Err(rejected(
            "the recipient is not an e-mail address (ASCII `local@domain`)".into(),
        ));
    }
    let subject = email
        .subject
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if subject.is_empty() {
        return Err(rejected("the e-mail has no subject".into()));
    }
    let text = Some(email.text.as_str()).filter(|t| !t.trim().is_empty());
    let html = email.html.as_deref().filter(|h| !h.trim().is_empty());
    if text.is_none() && html.is_none() {
        return Err(rejected("the e-mail has neither text nor HTML".into()));
    }
    let id = &email.message_id;
    if id.is_empty() || id.len() > 200 || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(rejected(
            "the message id must be 1 to 200 printable ASCII characters".into(),
        ));
    }
    let mut size = subject.len() + email.text.len() + html.map_or(0, str::len);
    for (i, a) in email.attachments.iter().enumerate() {
        let name = a.filename.trim();
        if name.is_empty() || name.chars().count() > 255 || name.chars().any(char::is_control) {
            return Err(rejected(format!(
                "attachment {} needs a file name of 1 to 255 characters without control characters",
                i + 1
            )));
        }
        if !is_mime_type(&a.content_type) {
            return Err(rejected(format!(
                "attachment {} has no MIME type of the form `type/subtype`",
                i + 1
            )));
        }
        if a.content.is_empty() {
            return Err(rejected(format!("attachment {} is empty", i + 1)));
        }
        size += a.content.len();
    }
    // Everything travels base64-encoded (SendGrid's attachments, SES's raw message) or close
    // to it: a third more.
    if size / 3 * 4 > max_bytes {
        return Err(rejected(format!(
            "the e-mail is larger than {provider}'s limit of {} MB",
            max_bytes / 1_000_000
        )));
    }
    Ok(Checked {
        subject,
        text,
        html,
    })
}

/// An address every provider here takes: ASCII `local@domain`, the local part made of RFC 5322
/// atext and dots (no quoted forms), the domain of letters, digits and hyphens in dot-separated
/// labels. Internationalised addresses (SMTPUTF8) are refused: not all three deliver them.
pub(crate) fn is_address(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    !local.is_empty()
        && local.len() <= 64
        && address.len() <= 254
        && local.chars().all(atext)
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && domain.split('.').all(label_ok)
}

/// `type/subtype` made of RFC 2045 token characters.
fn is_mime_type(value: &str) -> bool {
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b))
    };
    matches!(value.split_once('/'), Some((t, s)) if token(t) && token(s))
}

/// Checks a secret (an API key, an AWS secret) that will go in a header: present, one line of
/// printable ASCII. The error never contains the value.
pub(crate) fn check_secret(
    provider: &'static str,
    field: &'static str,
    value: &str,
) -> Result<(), EmailConfigError> {
    if value.is_empty() {
        return Err(EmailConfigError::new(provider, field, "must not be empty"));
    }
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(EmailConfigError::new(
            provider,
            field,
            "must be printable ASCII without spaces",
        ));
    }
    Ok(())
}

/// Parses a configured base URL: `http` or `https`, no query or fragment. A path is kept as a
/// prefix of the API's paths.
pub(crate) fn parse_base(
    provider: &'static str,
    field: &'static str,
    value: &str,
) -> Result<Url, EmailConfigError> {
    let url = Url::parse(value.trim())
        .map_err(|e| EmailConfigError::new(provider, field, format!("is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https")
        || url.cannot_be_a_base()
        || url.host_str().is_none()
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(EmailConfigError::new(
            provider,
            field,
            "must be an http(s) URL without credentials, query or fragment",
        ));
    }
    Ok(url)
}

/// `base` with `segments` appended to its path (each segment percent-encoded).
pub(crate) fn endpoint(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

/// The HTTP client of one sender: the whole request within `timeout`, no redirects (an API
/// that redirects a POST is misconfigured, and a redirect must not carry our credentials
/// elsewhere).
pub(crate) fn http_client(
    provider: &'static str,
    timeout: Duration,
) -> Result<reqwest::Client, EmailConfigError> {
    if timeout.is_zero() {
        return Err(EmailConfigError::new(
            provider,
            "timeout",
            "must be more than zero",
        ));
    }
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("wayfare-notify/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| EmailConfigError::new(provider, "timeout", format!("no HTTP client: {e}")))
}

/// A provider's refusal of `email` (a non-2xx `status`, `reason` its scrubbed explanation),
/// logged with our message id.
pub(crate) fn not_accepted(
    provider: &'static str,
    email: &Email,
    status: reqwest::StatusCode,
    reason: &str,
) -> NotifyError {
    let error = status_error(provider, status, reason);
    tracing::warn!(provider, message_id = %email.message_id,
        status = status.as_u16(), error = %error, "e-mail not accepted");
    error
}

/// The id to answer for an accepted `email`: the provider's, or, when its 2xx answer carried
/// none (`missing` names what was looked for), our own message id — sending again could
/// deliver twice.
pub(crate) fn accepted_id(
    provider: &'static str,
    email: &Email,
    status: reqwest::StatusCode,
    id: Option<String>,
    missing: &str,
) -> String {
    let id = id.unwrap_or_else(|| {
        tracing::warn!(provider, message_id = %email.message_id,
            status = status.as_u16(), "e-mail accepted without {missing}");
        email.message_id.clone()
    });
    tracing::info!(provider, message_id = %email.message_id, provider_id = %id,
        "e-mail accepted");
    id
}

/// Provider text made safe to pass on: any of `secrets` replaced by `[redacted]` (some APIs
/// echo part of what they were sent), control characters dropped, cut to a few hundred
/// characters.
pub(crate) fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut text: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        text = text.replace(secret, "[redacted]");
    }
    if text.chars().count() > MAX_REASON_CHARS {
        text = text.chars().take(MAX_REASON_CHARS).collect::<String>() + "…";
    }
    text
}

/// The body of an error answer as text for a reason: `fallback` when it is empty.
pub(crate) fn body_text(body: &[u8], fallback: &str) -> String {
    let text = String::from_utf8_lossy(body);
    if text.trim().is_empty() {
        fallback.to_owned()
    } else {
        text.into_owned()
    }
}

/// `Debug` for a secret: whether it is set, never the value.
pub(crate) struct Redacted<'a>(pub(crate) &'a str);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("[empty]")
        } else {
            f.write_str("[redacted]")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Attachment;

    #[test]
    fn addresses() {
        for ok in [
            "ann@example.com",
            "a.b+tag@mail.example.co.uk",
            "x@localhost",
            "o'neil@example.com",
        ] {
            assert!(is_address(ok), "{ok}");
        }
        for bad in [
            "",
            "ann",
            "@example.com",
            "ann@",
            "ann@@example.com",
            "ann smith@example.com",
            "ann@exa mple.com",
            "ann@-example.com",
            ".ann@example.com",
            "a..b@example.com",
            "张@example.com",
            "ann@例子.com",
            "ann@example.com\r\nBcc: x@y.z",
            "Ann <ann@example.com>",
        ] {
            assert!(!is_address(bad), "{bad:?}");
        }
    }

    #[test]
    fn mime_types() {
        assert!(is_mime_type("application/pdf"));
        assert!(is_mime_type("application/vnd.ms-excel"));
        assert!(!is_mime_type("pdf"));
        assert!(!is_mime_type("application/"));
        assert!(!is_mime_type("text/plain; charset=utf-8"));
    }

    fn email() -> Email {
        Email::text("ann@example.com", "Booking\r\n confirmed ", "Hello")
    }

    #[test]
    fn checks_fold_the_subject_and_find_the_parts() {
        let e = email();
        let c = check_email("test", &e, 1_000_000).unwrap();
        assert_eq!(c.subject, "Booking confirmed");
        assert_eq!(c.text, Some("Hello"));
        assert_eq!(c.html, None);
    }

    #[test]
    fn checks_refuse_what_no_provider_takes() {
        let reason = |e: &Email| match check_email("test", e, 1_000_000) {
            Err(NotifyError::Rejected { reason, .. }) => reason,
            other => panic!("{:?}", other.map(|c| c.subject)),
        };
        let mut e = email();
        e.to = "not an address".into();
        assert!(reason(&e).contains("recipient"));
        let mut e = email();
        e.subject = " \r\n".into();
        assert!(reason(&e).contains("subject"));
        let mut e = email();
        e.text = " ".into();
        assert!(reason(&e).contains("neither"));
        e.html = Some("<p>hi</p>".into());
        assert!(check_email("test", &e, 1_000_000).is_ok());
        let mut e = email();
        e.message_id = "has space".into();
        assert!(reason(&e).contains("message id"));
        let mut e = email();
        e.attachments.push(Attachment {
            filename: "a.pdf".into(),
            content_type: "pdf".into(),
            content: vec![1],
        });
        assert!(reason(&e).contains("MIME type"));
        e.attachments[0].content_type = "application/pdf".into();
        e.attachments[0].content.clear();
        assert!(reason(&e).contains("empty"));
        e.attachments[0].content = vec![0; 900_000];
        assert!(reason(&e).contains("limit"));
    }

    #[test]
    fn scrub_hides_secrets_and_cuts() {
        assert_eq!(
            scrub("bad key SG.secret-value\n here", &["SG.secret-value", ""]),
            "bad key [redacted]  here"
        );
        assert_eq!(scrub(&"x".repeat(400), &[]).chars().count(), 301);
    }

    #[test]
    fn base_urls() {
        assert!(parse_base("p", "api_base", "https://api.example.com").is_ok());
        let url = parse_base("p", "api_base", "http://127.0.0.1:9/prefix/").unwrap();
        assert_eq!(
            endpoint(&url, &["v3", "a.b", "messages"]).as_str(),
            "http://127.0.0.1:9/prefix/v3/a.b/messages"
        );
        let url = parse_base("p", "api_base", "https://api.example.com").unwrap();
        assert_eq!(
            endpoint(&url, &["v3", "mail", "send"]).as_str(),
            "https://api.example.com/v3/mail/send"
        );
        for bad in [
            "ftp://x",
            "https://u:p@x.com",
            "https://x.com/?a=1",
            "not a url",
        ] {
            assert!(parse_base("p", "api_base", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn secrets_are_checked_without_being_shown() {
        let e = check_secret("p", "api_key", "has space inside").unwrap_err();
        assert!(!e.to_string().contains("space inside"));
        assert!(check_secret("p", "api_key", "").is_err());
        assert!(check_secret("p", "api_key", "key-123").is_ok());
        assert_eq!(format!("{:?}", Redacted("key-123")), "[redacted]");
    }
}
