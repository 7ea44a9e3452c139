//! Notifications: e-mail and SMS behind one trait each, and the [`Notifier`] that sends a
//! message through the right channel and records it in the user's notification history.
//!
//! Messages that carry a secret (a sign-in code, a reset link) are recorded with the secret
//! masked: the database never holds a live code. The built-in [`LocalOutbox`] channel, the demo
//! default, delivers nothing; it keeps the last messages in memory for the admin's
//! "dev mailbox" page and for tests.

pub mod callbacks;
pub mod email;
mod http;
pub mod local;
pub mod metrics;
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

/// One message to one person, before its template is rendered.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    pub user_id: Option<String>,
    pub channel: Channel,
    /// An e-mail address or an E.164 phone number.
    pub destination: String,
    /// The template's event (`verify_code`, `booking_confirmed` …; [`templates::events`]).
    pub event: String,
    /// The recipient's language (`zh-CN`, `en` …).
    pub locale: String,
    /// The template's variables; `brand` and `support_email` are added by the [`Notifier`].
    pub vars: serde_json::Map<String, serde_json::Value>,
    /// Variables shown masked in the send log (a code, a reset link): the database never
    /// holds a live secret.
    pub secret_vars: Vec<String>,
    /// E-mail only (the PDF itinerary).
    pub attachments: Vec<Attachment>,
    /// This message's id in the send log. Sending again with the same id (a retry after the
    /// provider failed) counts another attempt on the same row; `None`: a new id.
    pub log_id: Option<String>,
}

impl OutgoingMessage {
    /// A message with string variables and nothing else set.
    pub fn new(
        channel: Channel,
        destination: &str,
        event: &str,
        locale: &str,
        vars: &[(&str, String)],
    ) -> OutgoingMessage {
        OutgoingMessage {
            user_id: None,
            channel,
            destination: destination.to_owned(),
            event: event.to_owned(),
            locale: locale.to_owned(),
            vars: vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
                .collect(),
            secret_vars: Vec::new(),
            attachments: Vec::new(),
            log_id: None,
        }
    }
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// The provider took it; its id there.
    Sent { provider_message_id: String },
    /// The recipient switched this kind of message off for this channel.
    Suppressed,
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
    #[error("the message template cannot be used: {0}")]
    Template(String),
    #[error(transparent)]
    Store(#[from] wayfare_store::StoreError),
}

/// Why a delivery callback was not applied.
#[derive(Debug, thiserror::Error)]
pub enum CallbackFailure {
    #[error(transparent)]
    Refused(#[from] callbacks::CallbackError),
    #[error(transparent)]
    Failed(#[from] NotifyError),
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

/// Renders messages from their templates, sends them through the configured channels,
/// honours the recipient's preferences, and keeps the send log and the counters.
#[derive(Clone)]
pub struct Notifier {
    store: Store,
    email: Arc<dyn EmailSender>,
    sms: Arc<dyn SmsSender>,
    /// Demo installations keep a copy of everything sent for the admin's mailbox page.
    mailbox: Option<Arc<LocalOutbox>>,
    brand: Arc<templates::Brand>,
    metrics: Arc<metrics::NotifyMetrics>,
    callbacks: Arc<callbacks::CallbackKeys>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("email", &self.email.provider())
            .field("sms", &self.sms.provider())
            .field("mailbox", &self.mailbox.is_some())
            .finish()
    }
}

impl Notifier {
    pub fn new(
        store: Store,
        email: Arc<dyn EmailSender>,
        sms: Arc<dyn SmsSender>,
        brand: templates::Brand,
    ) -> Notifier {
        Notifier {
            store,
            email,
            sms,
            mailbox: None,
            brand: Arc::new(brand),
            metrics: Arc::new(metrics::NotifyMetrics::default()),
            callbacks: Arc::new(callbacks::CallbackKeys::default()),
        }
    }

    /// Both channels local: nothing leaves the machine; the mailbox has everything.
    pub fn local(store: Store, brand: templates::Brand) -> Notifier {
        let outbox = Arc::new(LocalOutbox::new(500));
        Notifier::new(store, outbox.clone(), outbox.clone(), brand).with_mailbox(outbox)
    }

    /// Keeps a copy of every message sent in `mailbox` (demo installations).
    pub fn with_mailbox(mut self, mailbox: Arc<LocalOutbox>) -> Notifier {
        self.mailbox = Some(mailbox);
        self
    }

    /// The secrets delivery callbacks are checked with.
    pub fn with_callbacks(mut self, keys: callbacks::CallbackKeys) -> Notifier {
        self.callbacks = Arc::new(keys);
        self
    }

    /// A provider's delivery callback: checked, read, and applied to the send log (each
    /// report of a batch in order). Answers the last message of ours it was about.
    pub async fn callback(
        &self,
        provider: &str,
        cb: &callbacks::Callback<'_>,
        at: DateTime<Utc>,
    ) -> Result<Option<wayfare_store::notifications::NotificationRow>, CallbackFailure> {
        let mut last = None;
        for report in self.callbacks.read(provider, cb, at).await? {
            let error = report.error.as_deref();
            let mut row = self
                .delivery_report(
                    provider,
                    &report.provider_message_id,
                    report.status,
                    error,
                    at,
                )
                .await?;
            if row.is_none()
                && let Some(ours) = report
                    .our_message_id
                    .as_deref()
                    .filter(|o| *o != report.provider_message_id)
            {
                row = self
                    .delivery_report(provider, ours, report.status, error, at)
                    .await?;
            }
            if row.is_some() {
                last = row;
            }
        }
        Ok(last)
    }

    /// The demo mailbox, when kept.
    pub fn local_outbox(&self) -> Option<&Arc<LocalOutbox>> {
        self.mailbox.as_ref()
    }

    pub fn brand(&self) -> &templates::Brand {
        &self.brand
    }

    pub fn metrics(&self) -> &metrics::NotifyMetrics {
        &self.metrics
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The providers behind each channel, for the admin pages and delivery callbacks.
    pub fn providers(&self) -> (&'static str, &'static str) {
        (self.email.provider(), self.sms.provider())
    }

    /// The template in use for `event` on `channel` in `locale` (the language's newest saved
    /// version, else the shipped default) and its version (0 for the default).
    pub async fn template(
        &self,
        event: &str,
        channel: Channel,
        locale: &str,
    ) -> Result<(templates::TemplateSource, i32), NotifyError> {
        let language = templates::template_language(locale);
        if let Some(row) = self
            .store
            .current_template(event, channel.as_str(), language)
            .await?
        {
            return Ok((
                templates::TemplateSource {
                    subject: row.subject,
                    body: row.body,
                },
                row.version,
            ));
        }
        templates::default_template(event, channel, language)
            .map(|t| (t, 0))
            .ok_or_else(|| NotifyError::Template(format!("no template for {event}")))
    }

    /// `vars` with the brand's (`brand`, `support_email`), as every template gets them.
    pub fn with_brand_vars(
        &self,
        mut vars: serde_json::Map<String, serde_json::Value>,
    ) -> serde_json::Value {
        vars.insert("brand".into(), self.brand.name.clone().into());
        vars.insert(
            "support_email".into(),
            self.brand.support_email.clone().into(),
        );
        serde_json::Value::Object(vars)
    }

    /// Whether the recipient wants it: messages that must be sent always; otherwise the
    /// user's setting for the event's preference on this channel.
    async fn wanted(&self, m: &OutgoingMessage) -> Result<bool, NotifyError> {
        let Some(spec) = templates::event(&m.event) else {
            return Ok(true);
        };
        let (Some(user_id), Some(pref), false) = (&m.user_id, spec.preference, spec.mandatory)
        else {
            return Ok(true);
        };
        let Some(user) = self.store.user_by_id(user_id).await? else {
            return Ok(true);
        };
        let prefs: wayfare_domain::account::NotificationPrefs =
            serde_json::from_str(&user.notification_prefs).unwrap_or_default();
        let channel = match m.channel {
            Channel::Email => wayfare_domain::account::NotificationChannel::Email,
            Channel::Sms => wayfare_domain::account::NotificationChannel::Sms,
        };
        Ok(wayfare_domain::account::NotificationEvent::parse(pref)
            .is_none_or(|e| prefs.is_enabled(channel, e)))
    }

    /// Renders, sends and logs one message. A failed delivery is logged as failed and
    /// returned as an error (`Unreachable`: worth trying again with the same `log_id`;
    /// `Rejected`: not).
    pub async fn send(&self, m: OutgoingMessage, at: DateTime<Utc>) -> Result<Sent, NotifyError> {
        if !self.wanted(&m).await? {
            tracing::debug!(event = %m.event, channel = m.channel.as_str(), "suppressed by the recipient's preferences");
            return Ok(Sent::Suppressed);
        }
        let (source, version) = self.template(&m.event, m.channel, &m.locale).await?;
        let vars = self.with_brand_vars(m.vars.clone());
        let rendered = match templates::render(&m.event, m.channel, &source, &vars) {
            Ok(r) => r,
            // A saved template that no longer renders (validated on save, but the variables
            // an event gets can change): the shipped default rather than no message.
            Err(e) if version > 0 => {
                tracing::error!(event = %m.event, version, error = %e, "saved template failed; using the default");
                let language = templates::template_language(&m.locale);
                let default = templates::default_template(&m.event, m.channel, language)
                    .ok_or_else(|| NotifyError::Template(e.to_string()))?;
                templates::render(&m.event, m.channel, &default, &vars)
                    .map_err(|e| NotifyError::Template(e.to_string()))?
            }
            Err(e) => return Err(NotifyError::Template(e.to_string())),
        };
        let for_log = if m.secret_vars.is_empty() {
            rendered.clone()
        } else {
            let mut masked = vars.clone();
            for k in &m.secret_vars {
                masked[k.as_str()] = serde_json::Value::String("••••••".into());
            }
            templates::render(&m.event, m.channel, &source, &masked).unwrap_or_else(|_| {
                templates::Rendered {
                    subject: None,
                    text: "••••••".into(),
                }
            })
        };
        let provider = match m.channel {
            Channel::Email => self.email.provider(),
            Channel::Sms => self.sms.provider(),
        };
        let log_id = m
            .log_id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        self.store
            .queue_notification(wayfare_store::notifications::NewNotification {
                id: log_id.clone(),
                user_id: m.user_id.clone(),
                channel: m.channel.as_str().to_owned(),
                destination: m.destination.clone(),
                event: m.event.clone(),
                locale: m.locale.clone(),
                subject: for_log.subject.clone(),
                body: for_log.text.clone(),
                status: "queued".to_owned(),
                provider: provider.to_owned(),
                template_version: Some(version),
                now: at,
            })
            .await?;
        let result = match m.channel {
            Channel::Email => {
                let subject = rendered.subject.clone().unwrap_or_default();
                let email = Email {
                    to: m.destination.clone(),
                    html: Some(templates::email_html(
                        &self.brand,
                        &m.locale,
                        &subject,
                        &rendered.text,
                    )),
                    subject,
                    text: rendered.text.clone(),
                    attachments: m.attachments.clone(),
                    message_id: log_id.clone(),
                };
                let sent = self.email.send_email(&email, at).await;
                if let (Ok(_), Some(mailbox)) = (&sent, &self.mailbox)
                    && provider != "local"
                {
                    mailbox.keep_email(&email, at);
                }
                sent
            }
            Channel::Sms => {
                let sent = self.sms.send_sms(&m.destination, &rendered.text, at).await;
                if let (Ok(_), Some(mailbox)) = (&sent, &self.mailbox)
                    && provider != "local"
                {
                    mailbox.keep_sms(&m.destination, &rendered.text, at);
                }
                sent
            }
        };
        let outcome = match &result {
            Ok(id) => Ok(id.as_str()),
            Err(e) => Err(e.to_string()),
        };
        self.store
            .notification_attempted(
                &log_id,
                provider,
                outcome.as_ref().map_err(String::as_str).copied(),
                at,
            )
            .await?;
        self.metrics.count(
            m.channel.as_str(),
            provider,
            if result.is_ok() { "sent" } else { "failed" },
        );
        match result {
            Ok(provider_message_id) => Ok(Sent::Sent {
                provider_message_id,
            }),
            Err(e) => {
                tracing::warn!(channel = m.channel.as_str(), event = %m.event, error = %e, "notification not delivered");
                Err(e)
            }
        }
    }

    /// A provider's delivery report about a message it took: moves the send log on (never
    /// back) and counts it. `None` when no message of that provider has the id.
    pub async fn delivery_report(
        &self,
        provider: &str,
        provider_message_id: &str,
        status: wayfare_store::notifications::SendStatus,
        error: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Option<wayfare_store::notifications::NotificationRow>, NotifyError> {
        let row = self
            .store
            .notification_reported(provider, provider_message_id, status, error, at)
            .await?;
        if let Some((r, true)) = &row {
            self.metrics.count(&r.channel, provider, status.as_str());
        }
        Ok(row.map(|(r, _)| r))
    }
}
