//! E-mail over SMTP submission (`messaging.md` §8) with lettre: any relay that takes
//! authenticated submission (a company relay, Postfix, a provider's SMTP endpoint) instead of
//! an HTTP API.
//!
//! The message is written by lettre: `From` with the configured display name, `To`, the
//! subject and the display name RFC 2047-encoded when they are not ASCII, a plain-text and an
//! HTML part as `multipart/alternative` (plain text first), inside `multipart/mixed` with the
//! attachments when there are any, every body 7-bit (ASCII as it is, else quoted-printable or
//! base64) so no relay has to support 8BITMIME, our message id in `X-Wayfare-Message-Id`, and a `Message-ID` of
//! our own, `<{message_id}@{from domain}>`, which is the answer of a send.
//!
//! - Connections are pooled (lettre's pool: reused while the server answers `NOOP`, closed
//!   after a minute idle), so a burst of e-mails costs one TLS handshake and one AUTH.
//! - [`SmtpSecurity::StartTls`] refuses to go on when the server offers no STARTTLS (no
//!   downgrade: credentials and mail are never sent in the clear), and [`SmtpSecurity::Plain`]
//!   refuses credentials unless the server is on this machine.
//! - A permanent reply (5xx: a refused mailbox, `535` bad credentials) is
//!   [`NotifyError::Rejected`]; a transient reply (4xx), a connection that fails, times out or
//!   cannot be secured is [`NotifyError::Unreachable`]. Nothing is retried here.
//! - The password is never logged, never shown by `Debug`, and scrubbed from any server text
//!   that ends up in an error; the body of a message is never logged either (lettre is built
//!   without its `tracing` feature, which logs the whole conversation, AUTH included).

use std::fmt;
use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment as MimeAttachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::{AsyncSmtpTransportBuilder, Error as SmtpError};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{DEFAULT_TIMEOUT, EmailConfigError, Redacted, Sender, check_email, scrub};
use crate::{Email, EmailSender, NotifyError};

/// SMTP's [`EmailSender::provider`].
pub const NAME: &str = "smtp";

/// Submission with STARTTLS (RFC 6409).
pub const SUBMISSION_PORT: u16 = 587;

/// Submission over implicit TLS (RFC 8314).
pub const SUBMISSIONS_PORT: u16 = 465;

/// Plain SMTP, for relays on this machine or a private network.
pub const SMTP_PORT: u16 = 25;

/// The largest message, attachments included, counted as base64 makes it (a third more than
/// the raw bytes): most relays and mailbox providers refuse more than 25 MB.
pub const MAX_MESSAGE_BYTES: usize = 25_000_000;

/// The header carrying our message id, so bounces and the relay's logs can be matched to the
/// send log.
pub const MESSAGE_ID_HEADER: &str = "X-Wayfare-Message-Id";

/// How the connection to the server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// TLS from the first byte ("implicit TLS", `smtps`), usually on port 465.
    Tls,
    /// A plain connection upgraded with STARTTLS before anything else is said, usually on
    /// port 587. A server that does not offer STARTTLS is not sent credentials or mail.
    StartTls,
    /// No TLS at all: for a relay on this machine (a local Postfix) and for tests. Credentials
    /// are refused unless the host is a loopback address or `localhost`.
    Plain,
}

impl SmtpSecurity {
    /// The usual port of the mode: 465, 587 or 25. [`SmtpConfig::port`] is not changed with
    /// [`SmtpConfig::security`]: set both.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::Tls => SUBMISSIONS_PORT,
            SmtpSecurity::StartTls => SUBMISSION_PORT,
            SmtpSecurity::Plain => SMTP_PORT,
        }
    }
}

/// How to reach the SMTP server and whom mail is from. `Debug` never shows the password.
#[derive(Clone)]
pub struct SmtpConfig {
    /// The server's host name (checked against its certificate with TLS) or IP address.
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// Set with `password` to authenticate (AUTH PLAIN or LOGIN, whichever the server offers).
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender address, also the envelope sender (`MAIL FROM`).
    pub from_email: String,
    /// The name shown with the sender address; empty for none.
    pub from_name: String,
    /// The whole send, connecting included; also the limit of each read and write on the
    /// connection.
    pub timeout: Duration,
    /// The name sent with `EHLO`: a domain name or an IP address. `None` for this machine's
    /// host name.
    pub hello_name: Option<String>,
}

impl SmtpConfig {
    /// A configuration for submission with STARTTLS on port 587, without credentials, with
    /// the default timeout.
    pub fn new(
        host: impl Into<String>,
        from_email: impl Into<String>,
        from_name: impl Into<String>,
    ) -> SmtpConfig {
        SmtpConfig {
            host: host.into(),
            port: SUBMISSION_PORT,
            security: SmtpSecurity::StartTls,
            username: None,
            password: None,
            from_email: from_email.into(),
            from_name: from_name.into(),
            timeout: DEFAULT_TIMEOUT,
            hello_name: None,
        }
    }
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_deref().map(Redacted))
            .field("from_email", &self.from_email)
            .field("from_name", &self.from_name)
            .field("timeout", &self.timeout)
            .field("hello_name", &self.hello_name)
            .finish()
    }
}

/// Sends e-mail through an SMTP server over a pool of connections.
///
/// The pool is started by the first send, so the sender can be built outside a Tokio runtime
/// (lettre's pool spawns its cleanup task when it is created).
pub struct SmtpSender {
    builder: AsyncSmtpTransportBuilder,
    transport: OnceLock<AsyncSmtpTransport<Tokio1Executor>>,
    host: String,
    port: u16,
    security: SmtpSecurity,
    timeout: Duration,
    from: Sender,
    from_mailbox: Mailbox,
    /// The domain of the sender address: the right side of our `Message-ID`s.
    from_domain: String,
    /// Kept to scrub it from any text the server sends back.
    password: Option<String>,
}

impl fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSender")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("from", &self.from.email)
            .finish_non_exhaustive()
    }
}

impl Drop for SmtpSender {
    /// lettre's pool spawns a task on the Tokio runtime when it is dropped and panics without
    /// one. A sender dropped after its runtime has gone (at process exit) leaves its idle
    /// connections to the operating system instead.
    fn drop(&mut self) {
        if tokio::runtime::Handle::try_current().is_err()
            && let Some(transport) = self.transport.take()
        {
            std::mem::forget(transport);
        }
    }
}

impl SmtpSender {
    /// Checks `config` and prepares the transport (TLS settings included); nothing is
    /// connected or sent.
    pub fn new(config: SmtpConfig) -> Result<SmtpSender, EmailConfigError> {
        let error = |field, problem: &str| EmailConfigError {
            provider: NAME,
            field,
            problem: problem.to_owned(),
        };
        let host = config.host.trim();
        if !is_host(host) {
            return Err(error(
                "host",
                "must be a host name (letters, digits, hyphens, underscores, dots) or an IP address",
            ));
        }
        // An IPv6 address is connected to, and named to TLS, without its brackets.
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if config.port == 0 {
            return Err(error("port", "must not be 0"));
        }
        if config.timeout.is_zero() {
            return Err(error("timeout", "must be more than zero"));
        }
        let from = Sender::new(NAME, &config.from_email, &config.from_name)?;
        let address = from
            .email
            .parse()
            .map_err(|_| error("from_email", "is not an address lettre can send from"))?;
        let from_mailbox = Mailbox::new(Some(from.name.clone()).filter(|n| !n.is_empty()), address);
        let from_domain = from
            .email
            .rsplit_once('@')
            .map(|(_, domain)| domain.to_ascii_lowercase())
            .unwrap_or_default();

        let mut builder = match config.security {
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
            SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
            SmtpSecurity::Plain => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                host,
            )),
        }
        .map_err(|e| EmailConfigError {
            provider: NAME,
            field: "host",
            problem: format!("cannot be used with TLS: {e}"),
        })?
        .port(config.port)
        .timeout(Some(config.timeout));

        match (&config.username, &config.password) {
            (None, None) => {}
            (Some(username), Some(password)) => {
                if username.is_empty() {
                    return Err(error("username", "must not be empty"));
                }
                if password.is_empty() {
                    return Err(error("password", "must not be empty"));
                }
                if config.security == SmtpSecurity::Plain && !is_local(host) {
                    return Err(error(
                        "security",
                        "must be `Tls` or `StartTls` to send credentials to another machine",
                    ));
                }
                builder = builder
                    .credentials(Credentials::new(username.clone(), password.clone()))
                    .authentication(vec![Mechanism::Plain, Mechanism::Login]);
            }
            (Some(_), None) => return Err(error("password", "is needed with a username")),
            (None, Some(_)) => return Err(error("username", "is needed with a password")),
        }
        if let Some(name) = &config.hello_name {
            builder = builder.hello_name(client_id(name).ok_or_else(|| {
                error(
                    "hello_name",
                    "must be a domain name (letters, digits, hyphens, dots) or an IP address",
                )
            })?);
        }

        Ok(SmtpSender {
            builder,
            transport: OnceLock::new(),
            host: host.to_owned(),
            port: config.port,
            security: config.security,
            timeout: config.timeout,
            from,
            from_mailbox,
            from_domain,
            password: config.password,
        })
    }

    /// The pooled transport, created on the first send (inside the runtime).
    fn transport(&self) -> &AsyncSmtpTransport<Tokio1Executor> {
        self.transport.get_or_init(|| self.builder.clone().build())
    }

    /// The `Message-ID` of `email`: our id on the left of the sender's domain, so a retry of
    /// the same message carries the same `Message-ID` and receivers can tell it is one
    /// message. An id that cannot stand there (RFC 5322 `dot-atom-text` only) is replaced by a
    /// fresh UUID; `X-Wayfare-Message-Id` still carries it.
    fn message_id(&self, email: &Email) -> String {
        let id = &email.message_id;
        let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
        let dot_atom = !id.is_empty()
            && id.chars().all(|c| atext(c) || c == '.')
            && !id.starts_with('.')
            && !id.ends_with('.')
            && !id.contains("..");
        let left = if dot_atom {
            id.clone()
        } else {
            uuid::Uuid::now_v7().to_string()
        };
        format!("<{left}@{}>", self.from_domain)
    }

    /// The message for `email` and its `Message-ID`, or why it cannot be sent.
    fn message(&self, email: &Email, at: DateTime<Utc>) -> Result<(Message, String), NotifyError> {
        let checked = check_email(NAME, email, MAX_MESSAGE_BYTES)?;
        let rejected = |reason: String| NotifyError::Rejected {
            provider: NAME,
            reason,
        };
        let to = email
            .to
            .parse()
            .map_err(|e| rejected(format!("the recipient cannot be sent to: {e}")))?;
        let message_id = self.message_id(email);
        let builder = Message::builder()
            .from(self.from_mailbox.clone())
            .to(Mailbox::new(None, to))
            .subject(checked.subject)
            .date(at.into())
            .message_id(Some(message_id.clone()))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str(MESSAGE_ID_HEADER),
                email.message_id.clone(),
            ));

        // check_email has made sure there is text or HTML.
        let body = match (checked.text, checked.html) {
            (Some(text), Some(html)) => Body::Multi(MultiPart::alternative_plain_html(
                text.to_owned(),
                html.to_owned(),
            )),
            (Some(text), None) => Body::Single(SinglePart::plain(text.to_owned())),
            (None, Some(html)) => Body::Single(SinglePart::html(html.to_owned())),
            (None, None) => return Err(rejected("the e-mail has neither text nor HTML".into())),
        };
        let built = if email.attachments.is_empty() {
            match body {
                Body::Single(part) => builder.singlepart(part),
                Body::Multi(part) => builder.multipart(part),
            }
        } else {
            let mut mixed = match body {
                Body::Single(part) => MultiPart::mixed().singlepart(part),
                Body::Multi(part) => MultiPart::mixed().multipart(part),
            };
            for (i, a) in email.attachments.iter().enumerate() {
                let content_type = ContentType::parse(&a.content_type).map_err(|e| {
                    rejected(format!(
                        "attachment {} has an unusable MIME type: {e}",
                        i + 1
                    ))
                })?;
                mixed = mixed.singlepart(
                    MimeAttachment::new(a.filename.trim().to_owned())
                        .body(a.content.clone(), content_type),
                );
            }
            builder.multipart(mixed)
        };
        let message = built.map_err(|e| rejected(format!("the message cannot be written: {e}")))?;
        Ok((message, message_id))
    }

    /// A failed send as a [`NotifyError`], the server's text scrubbed of the password.
    fn error(&self, error: &SmtpError) -> NotifyError {
        let secrets = [self.password.as_deref().unwrap_or("")];
        if error.is_permanent() {
            return NotifyError::Rejected {
                provider: NAME,
                reason: scrub(&error.to_string(), &secrets),
            };
        }
        let reason = if error.is_timeout() {
            format!("{}:{} did not answer in time", self.host, self.port)
        } else if error.is_tls() {
            format!(
                "no TLS connection with {}:{}: {}",
                self.host,
                self.port,
                chain(error)
            )
        } else {
            // Transient replies (4xx), refused or broken connections, unreadable replies, and
            // what lettre refuses before sending (a server without STARTTLS in StartTls mode,
            // or without an AUTH mechanism we have): none is about the message itself.
            format!("{}:{}: {}", self.host, self.port, chain(error))
        };
        NotifyError::Unreachable {
            provider: NAME,
            reason: scrub(&reason, &secrets),
        }
    }
}

/// The content of an e-mail without its attachments: one part, or text and HTML as
/// `multipart/alternative`.
enum Body {
    Single(SinglePart),
    Multi(MultiPart),
}

/// An error and its sources, each once (lettre's `Display` already includes its source).
fn chain(error: &SmtpError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        let more = e.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = e.source();
    }
    text
}

/// Whether `host` can be connected to and checked against a certificate: an IP address
/// (IPv6 with or without brackets) or a host name of dot-separated labels (underscores
/// allowed, as in some container service names).
fn is_host(host: &str) -> bool {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok()
        || (host.len() <= 253 && host.split('.').all(label_ok))
}

/// Whether `host` is this machine: `localhost` or a loopback address.
fn is_local(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The `EHLO` name for `name`: an IP address, or a domain name of letters, digits and hyphens
/// in dot-separated labels (nothing that could end the command line).
fn client_id(name: &str) -> Option<ClientId> {
    let name = name.trim();
    match name
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        Ok(IpAddr::V4(ip)) => return Some(ClientId::Ipv4(ip)),
        Ok(IpAddr::V6(ip)) => return Some(ClientId::Ipv6(ip)),
        Err(_) => {}
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    (name.len() <= 253 && name.split('.').all(label_ok)).then(|| ClientId::Domain(name.to_owned()))
}

#[async_trait]
impl EmailSender for SmtpSender {
    fn provider(&self) -> &'static str {
        NAME
    }

    /// Sends `email` (connecting, securing and authenticating when no pooled connection is
    /// open); the answer is the message's `Message-ID`, angle brackets included, as it appears
    /// in the header and in relays' logs.
    async fn send_email(&self, email: &Email, at: DateTime<Utc>) -> Result<String, NotifyError> {
        let (message, message_id) = self.message(email, at)?;
        // lettre ends every message with CRLF and then sends `CRLF.CRLF`, which would add an
        // empty line to the end of the message (a blank line after a single text part). The
        // terminator's CRLF ends the last line by itself.
        let mut raw = message.formatted();
        if raw.ends_with(b"\r\n") {
            raw.truncate(raw.len() - 2);
        }
        let sent = tokio::time::timeout(
            self.timeout,
            self.transport().send_raw(message.envelope(), &raw),
        )
        .await;
        let reply = match sent {
            Ok(Ok(reply)) => reply,
            Ok(Err(e)) => {
                let error = self.error(&e);
                tracing::warn!(provider = NAME, message_id = %email.message_id,
                    code = ?e.status().map(|c| c.to_string()), error = %error,
                    "e-mail not accepted");
                return Err(error);
            }
            Err(_) => {
                let error = NotifyError::Unreachable {
                    provider: NAME,
                    reason: format!(
                        "{}:{} took longer than {:?} to take the message",
                        self.host, self.port, self.timeout
                    ),
                };
                tracing::warn!(provider = NAME, message_id = %email.message_id, error = %error,
                    "e-mail not accepted");
                return Err(error);
            }
        };
        let secrets = [self.password.as_deref().unwrap_or("")];
        tracing::info!(provider = NAME, message_id = %email.message_id,
            provider_id = %message_id, reply = %scrub(&reply.message().collect::<Vec<_>>().join(" "), &secrets),
            "e-mail accepted");
        Ok(message_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Attachment;

    fn config() -> SmtpConfig {
        let mut config = SmtpConfig::new("127.0.0.1", "noreply@wayfare.example", "途游 Wayfare");
        config.security = SmtpSecurity::Plain;
        config.port = 2525;
        config
    }

    fn written(sender: &SmtpSender, email: &Email) -> String {
        let (message, _) = sender.message(email, Utc::now()).unwrap();
        String::from_utf8(message.formatted()).unwrap()
    }

    #[test]
    fn defaults_are_submission_with_starttls() {
        let c = SmtpConfig::new("smtp.example.com", "a@example.com", "");
        assert_eq!((c.port, c.security), (587, SmtpSecurity::StartTls));
        assert_eq!(c.timeout, DEFAULT_TIMEOUT);
        assert!(c.username.is_none() && c.password.is_none() && c.hello_name.is_none());
        assert_eq!(SmtpSecurity::Tls.default_port(), 465);
        assert_eq!(SmtpSecurity::Plain.default_port(), 25);
    }

    #[test]
    fn every_mode_builds_without_a_runtime() {
        for security in [
            SmtpSecurity::Tls,
            SmtpSecurity::StartTls,
            SmtpSecurity::Plain,
        ] {
            let mut c = SmtpConfig::new("smtp.example.com", "a@example.com", "");
            c.security = security;
            c.port = security.default_port();
            c.username = Some("user".into());
            c.password = Some("pw".into());
            if security == SmtpSecurity::Plain {
                c.host = "localhost".into();
            }
            let sender = SmtpSender::new(c).unwrap();
            assert_eq!(sender.provider(), "smtp");
            drop(sender);
        }
    }

    #[test]
    fn bad_configurations_are_refused_without_showing_the_password() {
        let bad = |c: SmtpConfig| SmtpSender::new(c).unwrap_err();
        let mut c = config();
        c.host = " ".into();
        assert_eq!(bad(c).field, "host");
        let mut c = config();
        c.host = "smtp\r\nexample.com".into();
        assert_eq!(bad(c).field, "host");
        let mut c = config();
        c.host = "mail_relay".into();
        assert!(SmtpSender::new(c).is_ok());
        let mut c = config();
        c.port = 0;
        assert_eq!(bad(c).field, "port");
        let mut c = config();
        c.timeout = Duration::ZERO;
        assert_eq!(bad(c).field, "timeout");
        let mut c = config();
        c.from_email = "nobody".into();
        assert_eq!(bad(c).field, "from_email");
        let mut c = config();
        c.username = Some("u".into());
        assert_eq!(bad(c).field, "password");
        let mut c = config();
        c.password = Some("secret-pw".into());
        let e = bad(c);
        assert_eq!(e.field, "username");
        assert!(!e.to_string().contains("secret-pw"));
        let mut c = config();
        c.username = Some("u".into());
        c.password = Some(String::new());
        assert_eq!(bad(c).field, "password");
        let mut c = config();
        c.hello_name = Some("bad name\r\nRSET".into());
        assert_eq!(bad(c).field, "hello_name");
        let mut c = config();
        c.security = SmtpSecurity::Tls;
        c.host = "smtp.example.com:587".into();
        assert_eq!(bad(c).field, "host");
    }

    #[test]
    fn credentials_in_the_clear_only_to_this_machine() {
        let mut c = config();
        c.username = Some("u".into());
        c.password = Some("very-secret-pw".into());
        for host in ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"] {
            c.host = host.into();
            assert!(SmtpSender::new(c.clone()).is_ok(), "{host}");
        }
        c.host = "relay.example.com".into();
        let e = SmtpSender::new(c.clone()).unwrap_err();
        assert_eq!(e.field, "security");
        c.host = "10.0.0.5".into();
        assert_eq!(SmtpSender::new(c.clone()).unwrap_err().field, "security");
        c.security = SmtpSecurity::StartTls;
        assert!(SmtpSender::new(c).is_ok());
    }

    #[test]
    fn hello_names() {
        assert_eq!(
            client_id("mail.wayfare.example"),
            Some(ClientId::Domain("mail.wayfare.example".into()))
        );
        assert_eq!(
            client_id("[192.0.2.1]"),
            Some(ClientId::Ipv4("192.0.2.1".parse().unwrap()))
        );
        assert_eq!(
            client_id("::1"),
            Some(ClientId::Ipv6("::1".parse().unwrap()))
        );
        for bad in [
            "",
            "a b",
            "-x.example",
            "x..example",
            "x\r\n.example",
            "例子.com",
        ] {
            assert_eq!(client_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn debug_hides_the_password() {
        let mut c = config();
        c.username = Some("mailer".into());
        c.password = Some("very-secret-pw".into());
        let shown = format!("{c:?}");
        assert!(!shown.contains("very-secret-pw"), "{shown}");
        assert!(shown.contains("[redacted]") && shown.contains("mailer"));
        let sender = SmtpSender::new(c).unwrap();
        assert!(!format!("{sender:?}").contains("very-secret-pw"));
        assert!(format!("{:?}", config()).contains("password: None"));
    }

    #[test]
    fn message_ids_use_ours_where_it_fits() {
        let sender = SmtpSender::new(config()).unwrap();
        let mut email = Email::text("ann@example.com", "Hi", "Hello");
        email.message_id = "0197a0b1-2c3d-7e4f".into();
        assert_eq!(
            sender.message_id(&email),
            "<0197a0b1-2c3d-7e4f@wayfare.example>"
        );
        email.message_id = "has<angle>@brackets".into();
        let id = sender.message_id(&email);
        assert!(
            id.starts_with('<') && id.ends_with("@wayfare.example>"),
            "{id}"
        );
        assert!(!id.contains("angle"));
    }

    #[test]
    fn the_message_has_the_parts_in_order_and_our_headers() {
        let sender = SmtpSender::new(config()).unwrap();
        let mut email = Email::text("ann@example.com", "预订确认", "你好");
        email.html = Some("<p>你好</p>".into());
        email.message_id = "m-1".into();
        email.attachments.push(Attachment {
            filename: "ticket.pdf".into(),
            content_type: "application/pdf".into(),
            content: b"%PDF-1.4".to_vec(),
        });
        let text = written(&sender, &email);
        assert!(text.is_ascii(), "{text}");
        assert!(text.contains("\r\nX-Wayfare-Message-Id: m-1\r\n"), "{text}");
        assert!(
            text.contains("Message-ID: <m-1@wayfare.example>\r\n"),
            "{text}"
        );
        assert!(text.contains("To: ann@example.com\r\n"), "{text}");
        let mixed = text.find("multipart/mixed").unwrap();
        let alternative = text.find("multipart/alternative").unwrap();
        let plain = text.find("text/plain").unwrap();
        let html = text.find("text/html").unwrap();
        let pdf = text.find("application/pdf").unwrap();
        assert!(mixed < alternative && alternative < plain && plain < html && html < pdf);
        assert!(text.contains("filename=\"ticket.pdf\""), "{text}");

        // Text alone is one part; text and HTML without attachments are an alternative.
        let plain_only = written(&sender, &Email::text("ann@example.com", "Hi", "Hello"));
        assert!(!plain_only.contains("multipart/"), "{plain_only}");
        email.attachments.clear();
        let no_files = written(&sender, &email);
        assert!(
            no_files.contains("multipart/alternative") && !no_files.contains("multipart/mixed")
        );
    }

    #[test]
    fn refusals_before_sending() {
        let sender = SmtpSender::new(config()).unwrap();
        let mut email = Email::text("not an address", "Hi", "Hello");
        assert!(matches!(
            sender.message(&email, Utc::now()),
            Err(NotifyError::Rejected { .. })
        ));
        email.to = "ann@example.com".into();
        email.subject = "\r\n".into();
        assert!(matches!(
            sender.message(&email, Utc::now()),
            Err(NotifyError::Rejected { .. })
        ));
    }
}
