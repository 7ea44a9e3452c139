//! The e-mail and SMS providers' configuration (`[notifications.email]`,
//! `[notifications.sms]`) and their construction, with the secrets their delivery callbacks
//! are checked with.
//!
//! `provider = "local"` (the default) sends nothing: messages land in the demo mailbox. Each
//! real provider needs its own section; secrets are [`Secret`]s (never printed), best given as
//! environment variables, e.g. `WAYFARE_NOTIFICATIONS__EMAIL__SENDGRID__API_KEY`.
//!
//! Delivery callbacks arrive at `{public_base_url}/api/v1/webhooks/notifications/{provider}`;
//! Twilio, Vonage and Plivo are told that URL with each message; Mailgun's and SendGrid's are
//! set in their dashboards (with Mailgun's webhook signing key, SendGrid's verification key
//! here), SES's is an HTTPS subscription of the SNS topic its events go to (the topic's ARN
//! here). A provider without its key here has its callbacks answered 404.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use wayfare_notify::callbacks::CallbackKeys;
use wayfare_notify::callbacks::sendgrid::EventWebhookKey;
use wayfare_notify::callbacks::sns::{SnsConfig, SnsReceiver};
use wayfare_notify::email::mailgun::{MailgunConfig, MailgunSender};
use wayfare_notify::email::sendgrid::{SendGridConfig, SendGridSender};
use wayfare_notify::email::ses::{SesConfig, SesSender};
use wayfare_notify::email::smtp::{SmtpConfig, SmtpSecurity, SmtpSender};
use wayfare_notify::sms::plivo::{PlivoConfig, PlivoSms};
use wayfare_notify::sms::twilio::{TwilioConfig, TwilioCredentials, TwilioSender, TwilioSms};
use wayfare_notify::sms::vonage::{
    VonageConfig, VonageCredentials, VonageSignatureMethod, VonageSms,
};
use wayfare_notify::{EmailSender, LocalOutbox, SmsSender};

use crate::config::{ConfigError, Secret};
use crate::payment_connectors::lenient;

/// Where delivery callbacks are received, below the public base URL.
pub const CALLBACK_PATH: &str = "/api/v1/webhooks/notifications";

const PLACEHOLDER_BASE_URL: &str = "https://wayfare.invalid";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailProvider {
    #[default]
    Local,
    Smtp,
    SendGrid,
    Ses,
    Mailgun,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsProvider {
    #[default]
    Local,
    Twilio,
    Vonage,
    Plivo,
}

/// `[notifications.email]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailSection {
    pub provider: EmailProvider,
    /// The sender address.
    pub from_email: String,
    /// The name shown with it; empty: the brand's name.
    pub from_name: String,
    /// Each send, connecting included (1–600 s).
    pub timeout_secs: u64,
    pub smtp: Option<SmtpSection>,
    pub sendgrid: Option<SendGridSection>,
    pub ses: Option<SesSection>,
    pub mailgun: Option<MailgunSection>,
}

impl Default for EmailSection {
    fn default() -> Self {
        EmailSection {
            provider: EmailProvider::Local,
            from_email: "no-reply@wayfare.example".into(),
            from_name: String::new(),
            timeout_secs: 30,
            smtp: None,
            sendgrid: None,
            ses: None,
            mailgun: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecuritySetting {
    /// STARTTLS, required (port 587).
    #[default]
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No TLS: a relay on this machine only.
    Plain,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSection {
    pub host: String,
    /// Default: the security mode's usual port (587, 465 or 25).
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub security: SmtpSecuritySetting,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub username: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_secret")]
    pub password: Option<Secret>,
    #[serde(default)]
    pub hello_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendGridSection {
    #[serde(deserialize_with = "lenient::secret")]
    pub api_key: Secret,
    /// Default `https://api.sendgrid.com` (EU: `https://api.eu.sendgrid.com`).
    #[serde(default = "default_sendgrid_base")]
    pub api_base: String,
    /// The Event Webhook's verification key (Mail Settings → Signed Event Webhook: base64,
    /// `MFkw…`); unset, SendGrid's delivery events are refused.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub event_webhook_public_key: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SesSection {
    pub region: String,
    pub access_key_id: String,
    #[serde(deserialize_with = "lenient::secret")]
    pub secret_access_key: Secret,
    #[serde(default, deserialize_with = "lenient::opt_secret")]
    pub session_token: Option<Secret>,
    /// Default `https://email.{region}.amazonaws.com`.
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub configuration_set: Option<String>,
    /// The SNS topic the configuration set's event destination publishes to
    /// (`arn:aws:sns:…`); unset, SES's delivery events are refused.
    #[serde(default)]
    pub sns_topic_arn: Option<String>,
    /// Tests only: signing certificates and subscription URLs are also fetched under this base
    /// on this machine (a fake SNS). Refused in production.
    #[serde(default)]
    pub sns_test_url_base: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailgunSection {
    #[serde(deserialize_with = "lenient::secret")]
    pub api_key: Secret,
    pub domain: String,
    /// Default `https://api.mailgun.net` (EU: `https://api.eu.mailgun.net`).
    #[serde(default = "default_mailgun_base")]
    pub api_base: String,
    /// The webhook signing key; unset, Mailgun's delivery webhooks are refused.
    #[serde(default, deserialize_with = "lenient::opt_secret")]
    pub webhook_signing_key: Option<Secret>,
}

/// `[notifications.sms]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsSection {
    pub provider: SmsProvider,
    /// Each send, connecting included (1–600 s).
    pub timeout_secs: u64,
    pub twilio: Option<TwilioSection>,
    pub vonage: Option<VonageSection>,
    pub plivo: Option<PlivoSection>,
}

impl Default for SmsSection {
    fn default() -> Self {
        SmsSection {
            provider: SmsProvider::Local,
            timeout_secs: 15,
            twilio: None,
            vonage: None,
            plivo: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwilioSection {
    pub account_sid: String,
    /// Also checks the status callbacks.
    #[serde(deserialize_with = "lenient::secret")]
    pub auth_token: Secret,
    /// A number (E.164), short code or sender id; or `messaging_service_sid`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub from: Option<String>,
    #[serde(default)]
    pub messaging_service_sid: Option<String>,
    #[serde(default = "default_twilio_base")]
    pub api_base: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VonageSection {
    #[serde(deserialize_with = "lenient::string")]
    pub api_key: String,
    /// Basic auth on sends. One of `api_secret` and `signature_secret` is needed.
    #[serde(default, deserialize_with = "lenient::opt_secret")]
    pub api_secret: Option<Secret>,
    /// Signs sends and checks delivery receipts (signing must be on for the account).
    #[serde(default, deserialize_with = "lenient::opt_secret")]
    pub signature_secret: Option<Secret>,
    /// `md5hash`, `md5`, `sha1`, `sha256` (default) or `sha512`.
    #[serde(default = "default_vonage_method")]
    pub signature_method: String,
    #[serde(deserialize_with = "lenient::string")]
    pub from: String,
    #[serde(default = "default_vonage_base")]
    pub api_base: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlivoSection {
    pub auth_id: String,
    /// Also checks the delivery callbacks.
    #[serde(deserialize_with = "lenient::secret")]
    pub auth_token: Secret,
    #[serde(deserialize_with = "lenient::string")]
    pub src: String,
    #[serde(default = "default_plivo_base")]
    pub api_base: String,
}

fn default_sendgrid_base() -> String {
    wayfare_notify::email::sendgrid::DEFAULT_API_BASE.into()
}
fn default_mailgun_base() -> String {
    wayfare_notify::email::mailgun::DEFAULT_API_BASE.into()
}
fn default_twilio_base() -> String {
    wayfare_notify::sms::twilio::DEFAULT_API_BASE.into()
}
fn default_vonage_base() -> String {
    wayfare_notify::sms::vonage::DEFAULT_API_BASE.into()
}
fn default_plivo_base() -> String {
    wayfare_notify::sms::plivo::DEFAULT_API_BASE.into()
}
fn default_vonage_method() -> String {
    "sha256".into()
}

/// The configured channels.
pub struct Channels {
    pub email: Arc<dyn EmailSender>,
    pub sms: Arc<dyn SmsSender>,
    /// The built-in channel, when one of the two is local.
    pub local: Option<Arc<LocalOutbox>>,
    pub callbacks: CallbackKeys,
}

fn bad(key: &'static str, problem: impl std::fmt::Display) -> ConfigError {
    ConfigError::BadValue {
        key,
        problem: problem.to_string(),
    }
}

fn timeout(secs: u64, key: &'static str) -> Result<Duration, ConfigError> {
    crate::payment_connectors::check_timeout(key, secs)?;
    Ok(Duration::from_secs(secs))
}

fn vonage_method(s: &str) -> Result<VonageSignatureMethod, ConfigError> {
    Ok(match s {
        "md5hash" => VonageSignatureMethod::Md5Hash,
        "md5" => VonageSignatureMethod::HmacMd5,
        "sha1" => VonageSignatureMethod::HmacSha1,
        "sha256" => VonageSignatureMethod::HmacSha256,
        "sha512" => VonageSignatureMethod::HmacSha512,
        other => {
            return Err(bad(
                "notifications.sms.vonage.signature_method",
                format!("`{other}` is not md5hash, md5, sha1, sha256 or sha512"),
            ));
        }
    })
}

/// Builds the channels; `brand_name` is the sender's name when none is configured.
pub fn build(
    email: &EmailSection,
    sms: &SmsSection,
    brand_name: &str,
    public_base_url: &str,
) -> Result<Channels, ConfigError> {
    let callback = |provider: &str| {
        format!(
            "{}{CALLBACK_PATH}/{provider}",
            public_base_url.trim_end_matches('/')
        )
    };
    let from_name = if email.from_name.is_empty() {
        brand_name.to_owned()
    } else {
        email.from_name.clone()
    };
    let mut local: Option<Arc<LocalOutbox>> = None;
    let mut local_outbox = || {
        local
            .get_or_insert_with(|| Arc::new(LocalOutbox::new(500)))
            .clone()
    };
    let mut callbacks = CallbackKeys::default();
    let email_timeout = timeout(email.timeout_secs, "notifications.email.timeout_secs")?;
    let missing = |key: &'static str| bad(key, "the provider is chosen but its section is missing");
    let email_sender: Arc<dyn EmailSender> = match email.provider {
        EmailProvider::Local => local_outbox(),
        EmailProvider::Smtp => {
            let s = email
                .smtp
                .as_ref()
                .ok_or_else(|| missing("notifications.email.smtp"))?;
            let mut c = SmtpConfig::new(&s.host, &email.from_email, &from_name);
            c.security = match s.security {
                SmtpSecuritySetting::StartTls => SmtpSecurity::StartTls,
                SmtpSecuritySetting::Tls => SmtpSecurity::Tls,
                SmtpSecuritySetting::Plain => SmtpSecurity::Plain,
            };
            c.port = s.port.unwrap_or(c.security.default_port());
            c.username = s.username.clone();
            c.password = s.password.as_ref().map(|p| p.expose().to_owned());
            c.hello_name = s.hello_name.clone();
            c.timeout = email_timeout;
            Arc::new(SmtpSender::new(c).map_err(|e| bad("notifications.email.smtp", e))?)
        }
        EmailProvider::SendGrid => {
            let s = email
                .sendgrid
                .as_ref()
                .ok_or_else(|| missing("notifications.email.sendgrid"))?;
            let mut c = SendGridConfig::new(s.api_key.expose(), &email.from_email, &from_name);
            c.api_base = s.api_base.trim_end_matches('/').to_owned();
            c.timeout = email_timeout;
            if let Some(key) = s.event_webhook_public_key.as_deref() {
                callbacks.sendgrid_event_key = Some(EventWebhookKey::parse(key).map_err(|e| {
                    bad("notifications.email.sendgrid.event_webhook_public_key", e)
                })?);
            }
            Arc::new(SendGridSender::new(c).map_err(|e| bad("notifications.email.sendgrid", e))?)
        }
        EmailProvider::Ses => {
            let s = email
                .ses
                .as_ref()
                .ok_or_else(|| missing("notifications.email.ses"))?;
            let mut c = SesConfig::new(
                &s.region,
                &s.access_key_id,
                s.secret_access_key.expose(),
                &email.from_email,
                &from_name,
            );
            c.session_token = s.session_token.as_ref().map(|t| t.expose().to_owned());
            c.endpoint = s.endpoint.clone();
            c.configuration_set = s.configuration_set.clone();
            c.timeout = email_timeout;
            if let Some(arn) = s.sns_topic_arn.as_deref() {
                let mut sns = SnsConfig::new(arn);
                sns.test_url_base = s.sns_test_url_base.clone();
                sns.timeout = email_timeout;
                callbacks.ses_events = Some(Arc::new(
                    SnsReceiver::new(sns).map_err(|e| bad("notifications.email.ses", e))?,
                ));
            } else if s.sns_test_url_base.is_some() {
                return Err(bad(
                    "notifications.email.ses.sns_test_url_base",
                    "is only used with `sns_topic_arn`",
                ));
            }
            Arc::new(SesSender::new(c).map_err(|e| bad("notifications.email.ses", e))?)
        }
        EmailProvider::Mailgun => {
            let s = email
                .mailgun
                .as_ref()
                .ok_or_else(|| missing("notifications.email.mailgun"))?;
            let mut c =
                MailgunConfig::new(s.api_key.expose(), &s.domain, &email.from_email, &from_name);
            c.api_base = s.api_base.trim_end_matches('/').to_owned();
            c.timeout = email_timeout;
            callbacks.mailgun_signing_key = s
                .webhook_signing_key
                .as_ref()
                .map(|k| k.expose().to_owned());
            Arc::new(MailgunSender::new(c).map_err(|e| bad("notifications.email.mailgun", e))?)
        }
    };
    let sms_timeout = timeout(sms.timeout_secs, "notifications.sms.timeout_secs")?;
    let sms_sender: Arc<dyn SmsSender> = match sms.provider {
        SmsProvider::Local => local_outbox(),
        SmsProvider::Twilio => {
            let s = sms
                .twilio
                .as_ref()
                .ok_or_else(|| missing("notifications.sms.twilio"))?;
            let sender = match (&s.from, &s.messaging_service_sid) {
                (Some(from), None) => TwilioSender::From(from.clone()),
                (None, Some(sid)) => TwilioSender::MessagingService(sid.clone()),
                _ => {
                    return Err(bad(
                        "notifications.sms.twilio",
                        "give exactly one of `from` and `messaging_service_sid`",
                    ));
                }
            };
            let c = TwilioConfig {
                account_sid: s.account_sid.clone(),
                credentials: TwilioCredentials::AuthToken(s.auth_token.expose().to_owned()),
                sender,
                status_callback: Some(callback("twilio")),
                api_base: s.api_base.trim_end_matches('/').to_owned(),
                timeout: sms_timeout,
            };
            callbacks.twilio_auth_token = Some(s.auth_token.expose().to_owned());
            Arc::new(TwilioSms::new(c).map_err(|e| bad("notifications.sms.twilio", e))?)
        }
        SmsProvider::Vonage => {
            let s = sms
                .vonage
                .as_ref()
                .ok_or_else(|| missing("notifications.sms.vonage"))?;
            let method = vonage_method(&s.signature_method)?;
            let credentials = match (&s.signature_secret, &s.api_secret) {
                (Some(secret), _) => VonageCredentials::Signature {
                    secret: secret.expose().to_owned(),
                    method,
                },
                (None, Some(secret)) => VonageCredentials::ApiSecret(secret.expose().to_owned()),
                (None, None) => {
                    return Err(bad(
                        "notifications.sms.vonage",
                        "give `api_secret` or `signature_secret`",
                    ));
                }
            };
            let c = VonageConfig {
                api_key: s.api_key.clone(),
                credentials,
                from: s.from.clone(),
                callback_url: Some(callback("vonage")),
                api_base: s.api_base.trim_end_matches('/').to_owned(),
                timeout: sms_timeout,
            };
            callbacks.vonage_signature = s
                .signature_secret
                .as_ref()
                .map(|k| (k.expose().to_owned(), method));
            Arc::new(VonageSms::new(c).map_err(|e| bad("notifications.sms.vonage", e))?)
        }
        SmsProvider::Plivo => {
            let s = sms
                .plivo
                .as_ref()
                .ok_or_else(|| missing("notifications.sms.plivo"))?;
            let mut c = PlivoConfig::new(&s.auth_id, s.auth_token.expose(), &s.src);
            c.callback_url = Some(callback("plivo"));
            c.api_base = s.api_base.trim_end_matches('/').to_owned();
            c.timeout = sms_timeout;
            callbacks.plivo_auth_token = Some(s.auth_token.expose().to_owned());
            Arc::new(PlivoSms::new(c).map_err(|e| bad("notifications.sms.plivo", e))?)
        }
    };
    Ok(Channels {
        email: email_sender,
        sms: sms_sender,
        local,
        callbacks,
    })
}

/// Checks the sections as `build` would, without a public base URL.
pub fn validate(email: &EmailSection, sms: &SmsSection) -> Result<(), ConfigError> {
    build(email, sms, "Wayfare", PLACEHOLDER_BASE_URL).map(|_| ())
}

/// What production refuses on top of [`validate`]: the fake SNS of the tests.
pub fn validate_production(email: &EmailSection) -> Result<(), ConfigError> {
    if email
        .ses
        .as_ref()
        .is_some_and(|s| s.sns_test_url_base.is_some())
    {
        return Err(bad(
            "notifications.email.ses.sns_test_url_base",
            "is for tests only: remove it in production",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SendGrid's example verification key (messaging.md §1.4, V1).
    const SENDGRID_KEY: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==";
    const TOPIC: &str = "arn:aws:sns:eu-west-1:123456789012:wayfare-ses-events";

    fn email(toml_text: &str) -> EmailSection {
        toml::from_str(toml_text).unwrap()
    }

    fn problem(email: &EmailSection) -> (&'static str, String) {
        match build(
            email,
            &SmsSection::default(),
            "Wayfare",
            PLACEHOLDER_BASE_URL,
        ) {
            Err(ConfigError::BadValue { key, problem }) => (key, problem),
            Err(other) => panic!("{other}"),
            Ok(_) => panic!("accepted"),
        }
    }

    fn callbacks(email: &EmailSection) -> CallbackKeys {
        build(
            email,
            &SmsSection::default(),
            "Wayfare",
            PLACEHOLDER_BASE_URL,
        )
        .unwrap()
        .callbacks
    }

    #[test]
    fn sendgrid_events_need_a_valid_verification_key() {
        let without = email("provider = \"sendgrid\"\n[sendgrid]\napi_key = \"SG.k\"\n");
        assert!(callbacks(&without).sendgrid_event_key.is_none());
        let with = email(&format!(
            "provider = \"sendgrid\"\n[sendgrid]\napi_key = \"SG.k\"\n\
             event_webhook_public_key = \"{SENDGRID_KEY}\"\n"
        ));
        assert!(callbacks(&with).sendgrid_event_key.is_some());
        let bad = email(
            "provider = \"sendgrid\"\n[sendgrid]\napi_key = \"SG.k\"\n\
             event_webhook_public_key = \"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\"\n",
        );
        let (key, why) = problem(&bad);
        assert_eq!(key, "notifications.email.sendgrid.event_webhook_public_key");
        assert!(why.contains("P-256"), "{why}");
    }

    fn ses(extra: &str) -> EmailSection {
        email(&format!(
            "provider = \"ses\"\n[ses]\nregion = \"eu-west-1\"\naccess_key_id = \"AKIAIOSFODNN7EXAMPLE\"\n\
             secret_access_key = \"s3cret\"\n{extra}"
        ))
    }

    #[test]
    fn ses_events_need_a_topic_and_the_test_base_stays_local() {
        assert!(callbacks(&ses("")).ses_events.is_none());
        let with = ses(&format!("sns_topic_arn = \"{TOPIC}\"\n"));
        let keys = callbacks(&with);
        assert_eq!(keys.ses_events.as_ref().unwrap().topic_arn(), TOPIC);
        assert!(validate_production(&with).is_ok());

        let (key, why) = problem(&ses("sns_topic_arn = \"wayfare-ses-events\"\n"));
        assert_eq!(key, "notifications.email.ses");
        assert!(why.contains("sns_topic_arn"), "{why}");

        let remote = ses(&format!(
            "sns_topic_arn = \"{TOPIC}\"\nsns_test_url_base = \"https://certs.example.com/\"\n"
        ));
        assert!(problem(&remote).1.contains("tests only"));
        let (key, _) = problem(&ses("sns_test_url_base = \"http://127.0.0.1:9/\"\n"));
        assert_eq!(key, "notifications.email.ses.sns_test_url_base");

        let local = ses(&format!(
            "sns_topic_arn = \"{TOPIC}\"\nsns_test_url_base = \"http://127.0.0.1:9/sns/\"\n"
        ));
        assert!(callbacks(&local).ses_events.is_some());
        match validate_production(&local) {
            Err(ConfigError::BadValue { key, .. }) => {
                assert_eq!(key, "notifications.email.ses.sns_test_url_base");
            }
            other => panic!("{other:?}"),
        }
    }
}
