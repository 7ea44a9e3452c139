//! What an account's holder is told — one-time codes, the password-reset link, security notices
//! (`password_changed`, `second_factor_enabled` …) — as `account_message` outbox events.
//!
//! A code's or reset link's event is written in the transaction that stores the code or the
//! link's token, with the secret sealed (`account-message:<message id>:<destination>`), never in
//! clear. The request that wrote it delivers it at once ([`OutboxWorker::deliver_now`], under
//! the outbox's lease), so nobody waits for a worker's poll; if the provider is down, the
//! workers retry it with backoff, and [`AccountMessages`] sends each message once however often
//! the event is tried. Once sent, the sealed secret is removed from the event.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use wayfare_domain::account::Identifier;
use wayfare_notify::outbox::{
    Deliveries, EventHandler, HandleError, OutboxEvent, OutboxWorker, RetryPolicy,
};
use wayfare_notify::{Channel, NotifyError, OutgoingMessage, Sent};
use wayfare_store::outbox::NewEvent;

use crate::sealing::Sealer;
use crate::service::Accounts;

/// The outbox kind of the messages to an account's holder.
pub const ACCOUNT_MESSAGE_EVENT: &str = "account_message";

/// How long a new message is left to the request that wrote it before the workers may take it:
/// the request delivers it at once, so a worker polling meanwhile must not race it for the
/// lease and leave the request to answer before the message is out. A request that dies
/// before delivering delays its message by this much.
const DELIVER_NOW_GRACE: Duration = Duration::seconds(15);

/// A secret a message carries (a code, a reset link) and when it stops working.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MessageSecret<'a> {
    /// The template variable (`code`, `link`).
    pub name: &'a str,
    pub value: &'a str,
    pub expires_at: DateTime<Utc>,
}

/// One message to an account's holder.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AccountMessage<'a> {
    pub user_id: Option<&'a str>,
    pub to: &'a Identifier,
    /// The template's event (`login_code`, `password_reset`, `password_changed` …).
    pub template: &'a str,
    pub locale: &'a str,
    /// Template variables besides the secret and `minutes`.
    pub vars: &'a [(&'a str, String)],
    /// Sealed in the event; the template also gets `minutes`, the whole minutes it has left.
    pub secret: Option<MessageSecret<'a>>,
}

/// The event's payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Payload {
    /// Binds the sealed secret to this message.
    message_id: String,
    #[serde(default)]
    user_id: Option<String>,
    /// `email` or `sms`.
    channel: String,
    to: String,
    template: String,
    locale: String,
    #[serde(default)]
    vars: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    secret: Option<SealedSecret>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SealedSecret {
    name: String,
    /// `None` once the message is sent: the event can no longer give the secret away.
    sealed: Option<String>,
    expires_at: DateTime<Utc>,
}

fn seal_context(message_id: &str, to: &str) -> String {
    format!("account-message:{message_id}:{to}")
}

fn channel_of(to: &Identifier) -> Channel {
    match to {
        Identifier::Email(_) => Channel::Email,
        Identifier::Phone(_) => Channel::Sms,
    }
}

/// The whole minutes a secret expiring at `expires_at` has left at `now`, rounded up and at
/// least one (the message says "valid for N minutes"; a retry sent later says fewer).
pub(crate) fn minutes_left(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let secs = (expires_at - now).num_seconds();
    ((secs + 59) / 60).max(1)
}

/// The `account_message` event for `m`, due `available_at`, its secret sealed with `sealer`.
pub(crate) fn account_message_event(
    sealer: &Sealer,
    m: &AccountMessage<'_>,
    available_at: DateTime<Utc>,
) -> NewEvent {
    let message_id = uuid::Uuid::now_v7().simple().to_string();
    let to = m.to.as_str().to_owned();
    let secret = m.secret.map(|s| SealedSecret {
        name: s.name.to_owned(),
        sealed: Some(sealer.seal(s.value, &seal_context(&message_id, &to))),
        expires_at: s.expires_at,
    });
    let payload = Payload {
        message_id,
        user_id: m.user_id.map(str::to_owned),
        channel: channel_of(m.to).as_str().to_owned(),
        to,
        template: m.template.to_owned(),
        locale: m.locale.to_owned(),
        vars: m
            .vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
            .collect(),
        secret,
    };
    NewEvent {
        kind: ACCOUNT_MESSAGE_EVENT.to_owned(),
        subject_id: m.user_id.map(str::to_owned),
        dedupe_key: None,
        payload: serde_json::to_value(&payload).unwrap_or_default(),
        available_at,
    }
}

impl Payload {
    fn parse(value: &serde_json::Value) -> Result<Payload, HandleError> {
        serde_json::from_value(value.clone())
            .map_err(|e| HandleError::Permanent(format!("unreadable account message: {e}")))
    }

    fn channel(&self) -> Result<Channel, HandleError> {
        match self.channel.as_str() {
            "email" => Ok(Channel::Email),
            "sms" => Ok(Channel::Sms),
            other => Err(HandleError::Permanent(format!("unknown channel {other}"))),
        }
    }

    /// The message to send at `now`, its secret unsealed (and masked in the send log).
    fn outgoing(
        &self,
        channel: Channel,
        sealer: &Sealer,
        now: DateTime<Utc>,
    ) -> Result<OutgoingMessage, HandleError> {
        let mut vars = self.vars.clone();
        let mut secret_vars = Vec::new();
        if let Some(s) = &self.secret {
            let sealed = s.sealed.as_deref().ok_or_else(|| {
                HandleError::Permanent(format!("the message's {} was removed", s.name))
            })?;
            let value = sealer
                .open(sealed, &seal_context(&self.message_id, &self.to))
                .map_err(|e| HandleError::Permanent(format!("the message's {}: {e}", s.name)))?;
            vars.insert(s.name.clone(), value.into());
            vars.insert(
                "minutes".into(),
                minutes_left(s.expires_at, now).to_string().into(),
            );
            secret_vars.push(s.name.clone());
        }
        Ok(OutgoingMessage {
            user_id: self.user_id.clone(),
            channel,
            destination: self.to.clone(),
            event: self.template.clone(),
            locale: self.locale.clone(),
            vars,
            secret_vars,
            attachments: Vec::new(),
            log_id: None,
        })
    }

    /// The payload without its sealed secret; `None` when it has none left to remove.
    fn scrubbed(&self) -> Option<Payload> {
        let secret = self.secret.as_ref().filter(|s| s.sealed.is_some())?;
        Some(Payload {
            secret: Some(SealedSecret {
                sealed: None,
                ..secret.clone()
            }),
            ..self.clone()
        })
    }
}

/// Sends the messages of `account_message` events.
pub struct AccountMessages {
    accounts: Accounts,
}

impl AccountMessages {
    /// Removes the sealed secret from the event once it has done its work.
    ///
    /// Scrubbed rather than left to expire: until then (10 minutes for a code, 30 for a reset
    /// link) anyone holding a copy of the database (a backup) and the key ring could open it,
    /// and a sent message needs it no more. An unsent one keeps it — a dead event an admin
    /// retries must still be able to send it — until it expires, when it is scrubbed too.
    async fn scrub(&self, event: &OutboxEvent, payload: &Payload) -> Result<(), HandleError> {
        if let Some(clean) = payload.scrubbed() {
            let value = serde_json::to_value(&clean)
                .map_err(|e| HandleError::Retry(format!("account message: {e}")))?;
            self.accounts
                .store
                .replace_outbox_payload(&event.id, &value, self.accounts.now())
                .await?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl EventHandler for AccountMessages {
    async fn handle(&self, event: &OutboxEvent, out: &Deliveries) -> Result<(), HandleError> {
        let payload = Payload::parse(&event.payload)?;
        let channel = payload.channel()?;
        let key = format!("{}:{}", channel.as_str(), payload.to);
        let now = self.accounts.now();
        if let Some(secret) = &payload.secret
            && secret.expires_at <= now
            && !out.sent(&key).await?
        {
            // A code that no longer works is no use to anyone; they will have asked again.
            self.scrub(event, &payload).await?;
            return Err(HandleError::Permanent(format!(
                "the {} expired before it could be sent",
                secret.name
            )));
        }
        let log_id = out.log_id(&key);
        let (accounts, payload_ref) = (&self.accounts, &payload);
        out.once(&key, || async move {
            // Unsealed only when it is to be sent now (not for a retry that already sent it).
            let mut m = payload_ref.outgoing(channel, &accounts.sealer, now)?;
            m.log_id = Some(log_id);
            match accounts.notifier.send(m, now).await {
                Ok(Sent::Sent {
                    provider_message_id,
                }) => Ok(Some(provider_message_id)),
                Ok(Sent::Suppressed) => Ok(None),
                Err(NotifyError::Rejected { provider, reason }) => {
                    // Recorded as failed in the send log; sending again cannot help.
                    tracing::warn!(template = %payload_ref.template, provider, reason, "account message refused");
                    Ok(None)
                }
                Err(NotifyError::Template(reason)) => Err(HandleError::Permanent(reason)),
                Err(e) => Err(HandleError::Retry(e.to_string())),
            }
        })
        .await?;
        // Sent now or before, refused or suppressed: the secret has done its work.
        self.scrub(event, &payload).await
    }
}

impl Accounts {
    /// The handler of `account_message` events, for the outbox worker.
    pub fn message_handler(&self) -> Arc<dyn EventHandler> {
        Arc::new(AccountMessages {
            accounts: self.clone(),
        })
    }

    /// The retry policy of the outbox workers, which a message delivered at once and failing
    /// is left to (`notifications.max_attempts` …).
    pub fn with_message_retry(mut self, policy: RetryPolicy) -> Accounts {
        self.message_retry = policy;
        self
    }

    /// The event for `m`, left to this request for a moment ([`DELIVER_NOW_GRACE`]) so it can
    /// deliver it as soon as the transaction that records it commits.
    pub(crate) fn account_message(&self, m: &AccountMessage<'_>) -> NewEvent {
        account_message_event(&self.sealer, m, self.now() + DELIVER_NOW_GRACE)
    }

    /// Delivers the events `ids` (account messages this request just recorded) now, through
    /// the outbox worker's own path and lease. A failure is left to the workers' retries.
    pub(crate) async fn deliver_now(&self, ids: &[String]) {
        if ids.is_empty() {
            return;
        }
        let owner = format!("request-{}", uuid::Uuid::now_v7().simple());
        let worker = OutboxWorker::new(self.store.clone(), owner, self.clock.clone())
            .with_policy(self.message_retry)
            .handle(ACCOUNT_MESSAGE_EVENT, self.message_handler());
        for id in ids {
            match worker.deliver_now(id).await {
                Ok(Some(outcome)) => {
                    tracing::debug!(event = %id, ?outcome, "account message delivered at once");
                }
                Ok(None) => tracing::debug!(event = %id, "account message taken by a worker"),
                Err(e) => {
                    tracing::warn!(event = %id, error = %e, "account message left to the workers");
                }
            }
        }
    }

    /// Records `m` on its own (a notice no stored change goes with here) and delivers it at
    /// once. A failure is logged, never fatal to the flow: the change it reports is made.
    pub(crate) async fn tell(&self, m: &AccountMessage<'_>) {
        match self
            .store
            .enqueue_event_id(self.account_message(m), self.now())
            .await
        {
            Ok(id) => self.deliver_now(&id.into_iter().collect::<Vec<_>>()).await,
            Err(e) => {
                tracing::error!(template = m.template, error = %e, "account message not recorded");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sealer() -> Sealer {
        Sealer::from_config(&[Sealer::generate_key_entry("k1")]).unwrap()
    }

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap()
    }

    fn code_event(sealer: &Sealer, to: &Identifier) -> NewEvent {
        account_message_event(
            sealer,
            &AccountMessage {
                user_id: Some("u1"),
                to,
                template: "login_code",
                locale: "zh-CN",
                vars: &[("extra", "x".to_owned())],
                secret: Some(MessageSecret {
                    name: "code",
                    value: "493817",
                    expires_at: t0() + Duration::minutes(10),
                }),
            },
            t0(),
        )
    }

    #[test]
    fn minutes_left_round_up_and_never_reach_zero() {
        let exp = t0() + Duration::minutes(10);
        assert_eq!(minutes_left(exp, t0()), 10);
        assert_eq!(minutes_left(exp, t0() + Duration::milliseconds(300)), 10);
        assert_eq!(minutes_left(exp, t0() + Duration::seconds(61)), 9);
        assert_eq!(minutes_left(exp, t0() + Duration::seconds(599)), 1);
        assert_eq!(minutes_left(exp, exp + Duration::minutes(5)), 1);
    }

    #[test]
    fn the_event_holds_the_code_sealed_and_the_message_opens_it() {
        let s = sealer();
        let to = Identifier::parse("+8613800138000").unwrap();
        let e = code_event(&s, &to);
        assert_eq!(e.kind, ACCOUNT_MESSAGE_EVENT);
        assert_eq!(e.subject_id.as_deref(), Some("u1"));
        assert_eq!(e.available_at, t0());
        assert!(!e.payload.to_string().contains("493817"), "{}", e.payload);
        assert_eq!(e.payload["channel"], "sms");
        assert_eq!(e.payload["to"], "+8613800138000");
        let p = Payload::parse(&e.payload).unwrap();
        let m = p
            .outgoing(p.channel().unwrap(), &s, t0() + Duration::seconds(90))
            .unwrap();
        assert_eq!(m.channel, Channel::Sms);
        assert_eq!(m.destination, "+8613800138000");
        assert_eq!(
            (m.event.as_str(), m.locale.as_str()),
            ("login_code", "zh-CN")
        );
        assert_eq!(m.vars["code"], "493817");
        assert_eq!(m.vars["minutes"], "9");
        assert_eq!(m.vars["extra"], "x");
        assert_eq!(m.secret_vars, vec!["code".to_owned()]);
        assert_eq!(m.user_id.as_deref(), Some("u1"));
    }

    #[test]
    fn a_sealed_code_opens_only_for_its_own_message_and_not_once_scrubbed() {
        let s = sealer();
        let to = Identifier::parse("a@example.com").unwrap();
        let p = Payload::parse(&code_event(&s, &to).payload).unwrap();
        assert_eq!(p.channel().unwrap(), Channel::Email);
        // Copied into another message (or pointed at another address), it does not open.
        let mut other = p.clone();
        other.to = "mallory@example.com".into();
        assert!(matches!(
            other.outgoing(Channel::Email, &s, t0()),
            Err(HandleError::Permanent(_))
        ));
        // Nor under another key ring.
        assert!(p.outgoing(Channel::Email, &sealer(), t0()).is_err());
        // Scrubbed: the secret is gone for good, the rest stays.
        let clean = p.scrubbed().unwrap();
        let secret = clean.secret.as_ref().unwrap();
        assert_eq!(
            (secret.name.as_str(), secret.sealed.as_deref()),
            ("code", None)
        );
        assert_eq!(clean.to, p.to);
        assert!(clean.scrubbed().is_none(), "nothing left to scrub");
        assert!(matches!(
            clean.outgoing(Channel::Email, &s, t0()),
            Err(HandleError::Permanent(_))
        ));
    }

    #[test]
    fn a_notice_has_no_secret_and_unknown_payloads_are_permanent_failures() {
        let s = sealer();
        let to = Identifier::parse("a@example.com").unwrap();
        let e = account_message_event(
            &s,
            &AccountMessage {
                user_id: None,
                to: &to,
                template: "account_exists",
                locale: "en",
                vars: &[],
                secret: None,
            },
            t0(),
        );
        assert_eq!(e.subject_id, None);
        let p = Payload::parse(&e.payload).unwrap();
        assert!(p.scrubbed().is_none());
        let m = p.outgoing(Channel::Email, &s, t0()).unwrap();
        assert!(m.vars.is_empty() && m.secret_vars.is_empty());
        assert!(matches!(
            Payload::parse(&serde_json::json!({"order_id": "x"})),
            Err(HandleError::Permanent(_))
        ));
        let mut bad = p;
        bad.channel = "pigeon".into();
        assert!(matches!(bad.channel(), Err(HandleError::Permanent(_))));
    }
}
