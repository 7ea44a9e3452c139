//! Notifications: e-mail and SMS behind one trait each, and the [`Notifier`] that sends a
//! message through the right channel and records it in the user's notification history.
//!
//! Messages that carry a secret (a sign-in code, a reset link) are recorded with the secret
//! masked: the database never holds a live code. The built-in [`LocalOutbox`] channel, the demo
//! default, delivers nothing; it keeps the last messages in memory for the admin's
//! "dev mailbox" page and for tests.

pub mod email;
mod http;
pub mod local;
pub mod outbox;
pub mod sms;
pub mod templates;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use wayfare_store::Store;

pub use local::{DeliveredMessage, LocalOutbox};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

/// One message to one person.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    pub user_id: Option<String>,
    pub channel: Channel,
    /// An e-mail address or an E.164 phone number.
    pub destination: String,
    /// What happened, e.g. `verify_code`, `password_reset`, `booking_confirmed`.
    pub event: String,
    pub locale: String,
    /// E-mail only.
    pub subject: Option<String>,
    pub body: String,
    /// The body as kept in the history when `body` carries a secret.
    pub body_for_history: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("{provider} refused the message: {reason}")]
    Rejected {
        provider: &'static str,
        reason: String,
    },
    #[error("{provider} could not be reached: {reason}")]
    Unreachable {
        provider: &'static str,
        reason: String,
    },
    #[error(transparent)]
    Store(#[from] wayfare_store::StoreError),
}

/// A file sent with an e-mail (the PDF itinerary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    /// `application/pdf` …
    pub content_type: String,
    pub content: Vec<u8>,
}

/// One e-mail to one address: a plain-text part, optionally an HTML part and attachments. The
/// sender (`From`) is the provider's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    /// Our id of the message: sent along where the provider takes custom data (a header, a
    /// custom argument, a tag), so delivery callbacks can be matched to the send log.
    pub message_id: String,
}

impl Email {
    /// A plain-text e-mail without attachments.
    pub fn text(to: &str, subject: &str, text: &str) -> Email {
        Email {
            to: to.to_owned(),
            subject: subject.to_owned(),
            text: text.to_owned(),
            html: None,
            attachments: Vec::new(),
            message_id: uuid::Uuid::now_v7().to_string(),
        }
    }
}

/// Sends e-mail. Returns the provider's message id.
#[async_trait::async_trait]
pub trait EmailSender: Send + Sync {
    fn provider(&self) -> &'static str;
    async fn send_email(&self, email: &Email, at: DateTime<Utc>) -> Result<String, NotifyError>;
}

/// Sends SMS to E.164 numbers. Returns the provider's message id.
#[async_trait::async_trait]
pub trait SmsSender: Send + Sync {
    fn provider(&self) -> &'static str;
    async fn send_sms(
        &self,
        to: &str,
        text: &str,
        at: DateTime<Utc>,
    ) -> Result<String, NotifyError>;
}

/// Sends through the configured channels and records every message.
#[derive(Clone)]
pub struct Notifier {
    store: Store,
    email: Arc<dyn EmailSender>,
    sms: Arc<dyn SmsSender>,
    local: Option<Arc<LocalOutbox>>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("email", &self.email.provider())
            .field("sms", &self.sms.provider())
            .finish()
    }
}

impl Notifier {
    pub fn new(store: Store, email: Arc<dyn EmailSender>, sms: Arc<dyn SmsSender>) -> Notifier {
        Notifier {
            store,
            email,
            sms,
            local: None,
        }
    }

    /// Both channels local: nothing leaves the machine.
    pub fn local(store: Store) -> Notifier {
        let outbox = Arc::new(LocalOutbox::new(500));
        Notifier {
            store,
            email: outbox.clone(),
            sms: outbox.clone(),
            local: Some(outbox),
        }
    }

    /// The local outbox, when a channel is local (dev mailbox, tests).
    pub fn local_outbox(&self) -> Option<&Arc<LocalOutbox>> {
        self.local.as_ref()
    }

    /// Sends and records. A failed delivery is recorded as failed and returned as an error.
    pub async fn send(&self, m: OutgoingMessage, at: DateTime<Utc>) -> Result<(), NotifyError> {
        let result = match m.channel {
            Channel::Email => {
                let email =
                    Email::text(&m.destination, m.subject.as_deref().unwrap_or(""), &m.body);
                self.email.send_email(&email, at).await
            }
            Channel::Sms => self.sms.send_sms(&m.destination, &m.body, at).await,
        };
        let status = if result.is_ok() { "sent" } else { "failed" };
        if let Err(e) = &result {
            tracing::warn!(channel = m.channel.as_str(), event = %m.event, error = %e, "notification not delivered");
        }
        self.store
            .record_notification(wayfare_store::notifications::NewNotification {
                id: uuid::Uuid::now_v7().to_string(),
                user_id: m.user_id.clone(),
                channel: m.channel.as_str().to_owned(),
                destination: m.destination.clone(),
                event: m.event.clone(),
                locale: m.locale.clone(),
                subject: m.subject.clone(),
                body: m.body_for_history.clone().unwrap_or_else(|| m.body.clone()),
                status: status.to_owned(),
                now: at,
            })
            .await?;
        result.map(|_| ())
    }
}
