//! Delivery callbacks: a provider tells us what became of a message it took. Each is checked
//! with the provider's own signature scheme before anything in it is believed, then read as
//! (the provider's message id, the send log's new status, an error).
//!
//! - Twilio: `X-Twilio-Signature` over the callback URL and the form parameters.
//! - Vonage: a signed delivery receipt (`sig` with the signature secret); unsigned receipts are
//!   refused, so signing must be on for the account.
//! - Plivo: `X-Plivo-Signature-V3` (or V2) over the URL, the parameters and the nonce.
//! - Mailgun: `hex(HMAC-SHA256(webhook signing key, timestamp + token))` in the JSON body.
//! - SendGrid ([`sendgrid`]): an ECDSA P-256 signature of the timestamp and the body of an
//!   array of events.
//! - SES ([`sns`]): events published to an SNS topic, in SNS's RSA-signed envelope.

pub mod sendgrid;
pub mod sns;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use hmac::{KeyInit, Mac};
use reqwest::header::HeaderMap;
use wayfare_store::notifications::SendStatus;

use crate::sms::vonage::VonageSignatureMethod;
use crate::sms::{DeliveryStatus, param, plivo, twilio, vonage};

/// The secrets callbacks are checked with; a provider without one has its callbacks refused.
#[derive(Clone, Default)]
pub struct CallbackKeys {
    pub twilio_auth_token: Option<String>,
    pub vonage_signature: Option<(String, VonageSignatureMethod)>,
    pub plivo_auth_token: Option<String>,
    pub mailgun_signing_key: Option<String>,
    /// The Event Webhook's verification key.
    pub sendgrid_event_key: Option<sendgrid::EventWebhookKey>,
    /// The SNS topic SES publishes its events to.
    pub ses_events: Option<Arc<sns::SnsReceiver>>,
}

impl std::fmt::Debug for CallbackKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackKeys")
            .field("twilio", &self.twilio_auth_token.is_some())
            .field("vonage", &self.vonage_signature.is_some())
            .field("plivo", &self.plivo_auth_token.is_some())
            .field("mailgun", &self.mailgun_signing_key.is_some())
            .field("sendgrid", &self.sendgrid_event_key.is_some())
            .field("ses", &self.ses_events.as_ref().map(|r| r.topic_arn()))
            .finish()
    }
}

/// One delivery report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    pub provider_message_id: String,
    pub status: SendStatus,
    pub error: Option<String>,
    /// Our id of the message, when the provider repeats it: tried when no message has the
    /// provider's id.
    pub our_message_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("callbacks from {0} are not accepted here")]
    NotConfigured(String),
    #[error("the callback's signature does not check")]
    BadSignature,
    #[error("the callback is too old")]
    Stale,
    #[error("the callback cannot be read: {0}")]
    Unreadable(String),
    #[error("the callback's {0} is not an address of the provider's")]
    UntrustedUrl(&'static str),
    #[error("the notification is from an SNS topic other than the configured one")]
    WrongTopic,
}

/// How far from now a signed timestamp (Mailgun's, SendGrid's) may be.
const TOLERANCE_SECS: i64 = 15 * 60;

/// One callback as received.
pub struct Callback<'a> {
    pub method: &'a str,
    /// The URL the provider called, as configured with it (signatures cover it).
    pub url: &'a str,
    pub headers: &'a HeaderMap,
    /// The query string's parameters (GET callbacks) — form bodies are read from `body`.
    pub query: &'a [(String, String)],
    pub body: &'a [u8],
}

fn sms_status(s: DeliveryStatus) -> SendStatus {
    match s {
        DeliveryStatus::Sent => SendStatus::Sent,
        DeliveryStatus::Delivered => SendStatus::Delivered,
        DeliveryStatus::Failed => SendStatus::Failed,
        // The network gave up on it: like a bounced e-mail.
        DeliveryStatus::Undelivered => SendStatus::Bounced,
    }
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

impl CallbackKeys {
    /// Checks and reads a callback from `provider` (`twilio`, `vonage`, `plivo`, `mailgun`,
    /// `sendgrid`, `ses`): its reports, none when it is about a status we do not record
    /// (queued, opened …) or is an SNS subscription's confirmation (confirmed here).
    pub async fn read(
        &self,
        provider: &str,
        cb: &Callback<'_>,
        now: DateTime<Utc>,
    ) -> Result<Vec<DeliveryReport>, crate::CallbackFailure> {
        if provider == crate::email::ses::NAME {
            let receiver = self
                .ses_events
                .as_ref()
                .ok_or_else(|| CallbackError::NotConfigured(provider.to_owned()))?;
            return Ok(match receiver.receive(cb.body).await? {
                sns::Received::Notification(message) => {
                    sns::ses_report(&message)?.into_iter().collect()
                }
                sns::Received::SubscriptionConfirmed | sns::Received::Unsubscribed => Vec::new(),
            });
        }
        Ok(self.read_signed(provider, cb, now)?)
    }

    /// The providers whose callbacks are checked with what they carry alone.
    fn read_signed(
        &self,
        provider: &str,
        cb: &Callback<'_>,
        now: DateTime<Utc>,
    ) -> Result<Vec<DeliveryReport>, CallbackError> {
        let not_configured = || CallbackError::NotConfigured(provider.to_owned());
        let report = match provider {
            twilio::NAME => {
                let token = self
                    .twilio_auth_token
                    .as_deref()
                    .ok_or_else(not_configured)?;
                let params = if cb.method == "GET" {
                    cb.query.to_vec()
                } else {
                    form(cb.body)
                };
                let signature = cb
                    .headers
                    .get(twilio::SIGNATURE_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .ok_or(CallbackError::BadSignature)?;
                if !twilio::verify_twilio_callback(token, cb.url, &params, signature) {
                    return Err(CallbackError::BadSignature);
                }
                Ok(
                    twilio::parse_twilio_callback(&params).map(|(id, s)| DeliveryReport {
                        provider_message_id: id,
                        status: sms_status(s),
                        error: param(&params, "ErrorCode").map(|c| format!("Twilio error {c}")),
                        our_message_id: None,
                    }),
                )
            }
            vonage::NAME => {
                let (secret, method) = self.vonage_signature.as_ref().ok_or_else(not_configured)?;
                let params = if cb.method == "GET" {
                    cb.query.to_vec()
                } else if cb.body.first() == Some(&b'{') {
                    vonage::vonage_params_from_json(cb.body)
                        .ok_or_else(|| CallbackError::Unreadable("not a JSON object".into()))?
                } else {
                    form(cb.body)
                };
                if !vonage::verify_vonage_callback(&params, secret, *method) {
                    return Err(CallbackError::BadSignature);
                }
                Ok(
                    vonage::parse_vonage_callback(&params).map(|(id, s)| DeliveryReport {
                        provider_message_id: id,
                        status: sms_status(s),
                        error: param(&params, "err-code")
                            .filter(|c| *c != "0")
                            .map(|c| format!("Vonage error {c}")),
                        our_message_id: None,
                    }),
                )
            }
            plivo::NAME => {
                let token = self
                    .plivo_auth_token
                    .as_deref()
                    .ok_or_else(not_configured)?;
                let params = if cb.method == "GET" {
                    cb.query.to_vec()
                } else {
                    form(cb.body)
                };
                if !plivo::verify_plivo_callback(token, cb.method, cb.url, &params, cb.headers) {
                    return Err(CallbackError::BadSignature);
                }
                Ok(
                    plivo::parse_plivo_callback(&params).map(|(id, s)| DeliveryReport {
                        provider_message_id: id,
                        status: sms_status(s),
                        error: param(&params, "ErrorCode")
                            .filter(|c| !c.is_empty() && *c != "000")
                            .map(|c| format!("Plivo error {c}")),
                        our_message_id: None,
                    }),
                )
            }
            crate::email::mailgun::NAME => {
                let key = self
                    .mailgun_signing_key
                    .as_deref()
                    .ok_or_else(not_configured)?;
                read_mailgun(key, cb.body, now)
            }
            crate::email::sendgrid::NAME => {
                let key = self
                    .sendgrid_event_key
                    .as_ref()
                    .ok_or_else(not_configured)?;
                return sendgrid::read(key, cb.headers, cb.body, now);
            }
            _ => Err(not_configured()),
        };
        report.map(|r| r.into_iter().collect())
    }
}

/// The Mailgun webhook signature: `hex(HMAC-SHA256(key, timestamp + token))`.
pub fn mailgun_signature(key: &str, timestamp: &str, token: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(timestamp.as_bytes());
    mac.update(token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn read_mailgun(
    key: &str,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<DeliveryReport>, CallbackError> {
    let v: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| CallbackError::Unreadable(format!("not JSON: {e}")))?;
    let sig = &v["signature"];
    let (Some(timestamp), Some(token), Some(signature)) = (
        sig["timestamp"].as_str(),
        sig["token"].as_str(),
        sig["signature"].as_str(),
    ) else {
        return Err(CallbackError::BadSignature);
    };
    let expected = mailgun_signature(key, timestamp, token);
    let given = signature.to_ascii_lowercase();
    if !wayfare_domain::account::constant_time_eq(expected.as_bytes(), given.as_bytes()) {
        return Err(CallbackError::BadSignature);
    }
    let at = timestamp
        .parse::<i64>()
        .map_err(|_| CallbackError::Unreadable("timestamp".into()))?;
    if (now.timestamp() - at).abs() > TOLERANCE_SECS {
        return Err(CallbackError::Stale);
    }
    let data = &v["event-data"];
    let status = match data["event"].as_str() {
        Some("delivered") => SendStatus::Delivered,
        Some("failed") if data["severity"].as_str() == Some("temporary") => return Ok(None),
        Some("failed") => SendStatus::Bounced,
        Some("complained") => return Ok(None),
        _ => return Ok(None),
    };
    // Our id, when the message carried it; else Mailgun's (without its angle brackets).
    let id = data["user-variables"][crate::email::mailgun::MESSAGE_ID_VARIABLE]
        .as_str()
        .map(str::to_owned)
        .or_else(|| {
            data["message"]["headers"]["message-id"]
                .as_str()
                .map(|m| m.trim_matches(['<', '>']).to_owned())
        })
        .ok_or_else(|| CallbackError::Unreadable("no message id".into()))?;
    let error = (status == SendStatus::Bounced).then(|| {
        data["delivery-status"]["message"]
            .as_str()
            .or(data["reason"].as_str())
            .unwrap_or("bounced")
            .to_owned()
    });
    Ok(Some(DeliveryReport {
        provider_message_id: id,
        status,
        error,
        our_message_id: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sendgrid_and_ses_callbacks_are_not_taken_until_configured() {
        let headers = HeaderMap::new();
        let cb = Callback {
            method: "POST",
            url: "https://x/cb",
            headers: &headers,
            query: &[],
            body: b"[]",
        };
        for provider in ["sendgrid", "ses", "nobody"] {
            let got = CallbackKeys::default()
                .read(provider, &cb, Utc::now())
                .await;
            assert!(
                matches!(
                    got,
                    Err(crate::CallbackFailure::Refused(CallbackError::NotConfigured(ref p))) if p == provider
                ),
                "{provider}: {got:?}"
            );
        }
        // Configured, SendGrid's unsigned events are refused as such.
        let keys = CallbackKeys {
            sendgrid_event_key: Some(
                sendgrid::EventWebhookKey::parse(include_str!(
                    "../tests/fixtures/sendgrid-webhook-public-key.txt"
                ))
                .unwrap(),
            ),
            ..CallbackKeys::default()
        };
        assert!(matches!(
            keys.read("sendgrid", &cb, Utc::now()).await,
            Err(crate::CallbackFailure::Refused(CallbackError::BadSignature))
        ));
    }

    #[test]
    fn mailgun_vector_v10() {
        assert_eq!(
            mailgun_signature(
                "key-test-signing",
                "1770920772",
                "e0b5477167110d68991efc6b9f89f0a11066af27834600e123"
            ),
            "49cd614df9f142c07a6706b685bb8ed64cbeb470166bd475692764a8c3456afb"
        );
    }

    fn mailgun_body(key: &str, ts: i64, event: &str) -> Vec<u8> {
        let token = "e0b5477167110d68991efc6b9f89f0a11066af27834600e123";
        serde_json::json!({
            "signature": {"timestamp": ts.to_string(), "token": token,
                "signature": mailgun_signature(key, &ts.to_string(), token)},
            "event-data": {"event": event, "severity": "permanent",
                "delivery-status": {"message": "mailbox unavailable"},
                "user-variables": {"wayfare_message_id": "n-1"},
                "message": {"headers": {"message-id": "<abc@mg.example>"}}}
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn mailgun_reports_are_checked_and_read() {
        let keys = CallbackKeys {
            mailgun_signing_key: Some("k".into()),
            ..CallbackKeys::default()
        };
        let now = Utc::now();
        let headers = HeaderMap::new();
        let cb = |body: &'static [u8]| Callback {
            method: "POST",
            url: "https://x/cb",
            headers: &headers,
            query: &[],
            body,
        };
        let body: &'static [u8] = mailgun_body("k", now.timestamp(), "delivered").leak();
        let r = keys
            .read_signed("mailgun", &cb(body), now)
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(r.provider_message_id, "n-1");
        assert_eq!(r.status, SendStatus::Delivered);
        let body: &'static [u8] = mailgun_body("k", now.timestamp(), "failed").leak();
        let r = keys
            .read_signed("mailgun", &cb(body), now)
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(r.status, SendStatus::Bounced);
        assert_eq!(r.error.as_deref(), Some("mailbox unavailable"));
        let body: &'static [u8] = mailgun_body("other", now.timestamp(), "delivered").leak();
        assert_eq!(
            keys.read_signed("mailgun", &cb(body), now).unwrap_err(),
            CallbackError::BadSignature
        );
        let body: &'static [u8] = mailgun_body("k", now.timestamp() - 3600, "delivered").leak();
        assert_eq!(
            keys.read_signed("mailgun", &cb(body), now).unwrap_err(),
            CallbackError::Stale
        );
        let body: &'static [u8] = mailgun_body("k", now.timestamp(), "opened").leak();
        assert_eq!(keys.read_signed("mailgun", &cb(body), now).unwrap(), vec![]);
        assert!(matches!(
            CallbackKeys::default().read_signed("mailgun", &cb(body), now),
            Err(CallbackError::NotConfigured(_))
        ));
    }
}
