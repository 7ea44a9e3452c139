//! Amazon SES delivery events through Amazon SNS (`messaging.md` §2.4). SES publishes each
//! event to an SNS topic; SNS posts it to us in its envelope (`Type` `Notification`, with the
//! SES record as the JSON text in `Message`), after a `SubscriptionConfirmation` we confirm by
//! fetching its `SubscribeURL`.
//!
//! Nothing in an envelope is believed before its signature checks: `SignatureVersion` 1
//! (SHA1withRSA) or 2 (SHA256withRSA) over the string [`string_to_sign`] builds, with the public
//! key of the certificate at `SigningCertURL`, fetched only from an `https` URL on a host of
//! SNS's (`sns.<region>.amazonaws.com`, or `.com.cn`) and kept. The `TopicArn` must be the
//! configured one. SNS messages carry no expiry and SNS retries for a long time, so old
//! envelopes are not refused: replaying one cannot move a message's status back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, PublicKey};
use serde_json::{Map, Value};
use sha2::Digest;
use url::Url;
use wayfare_store::notifications::SendStatus;

use super::{CallbackError, DeliveryReport};
use crate::email::EmailConfigError;
use crate::email::ses::{MESSAGE_ID_TAG, NAME};
use crate::{CallbackFailure, NotifyError};

/// The envelope's fields SNS signs, in the order it signs them (each only when present).
const SIGNED_KEYS: [&str; 8] = [
    "Message",
    "MessageId",
    "Subject",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
];

/// A signing certificate is a few kilobytes; anything much larger is not one.
const MAX_CERTIFICATE_BYTES: usize = 64 * 1024;

/// Certificates kept (SNS signs with one per region at a time, changed rarely).
const MAX_CACHED_CERTIFICATES: usize = 32;

/// How SES's events reach us. `Debug` shows everything: nothing here is secret.
#[derive(Debug, Clone)]
pub struct SnsConfig {
    /// The topic SES publishes to, `arn:aws:sns:<region>:<account>:<name>`.
    pub topic_arn: String,
    /// Tests only: certificate and subscription URLs under this base (an `http(s)` URL on
    /// this machine) are accepted besides SNS's own. `None` in real use.
    pub test_url_base: Option<String>,
    /// Each fetch of a certificate or a `SubscribeURL`, connecting included.
    pub timeout: Duration,
}

impl SnsConfig {
    pub fn new(topic_arn: impl Into<String>) -> SnsConfig {
        SnsConfig {
            topic_arn: topic_arn.into(),
            test_url_base: None,
            timeout: Duration::from_secs(10),
        }
    }
}

/// What a checked envelope was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// A notification: its `Message` (for SES, the event record as JSON text).
    Notification(String),
    /// A subscription to the topic, now confirmed.
    SubscriptionConfirmed,
    /// The subscription ended (nothing to do).
    Unsubscribed,
}

/// Checks SNS envelopes for one topic; keeps the signing certificates' keys. Shared by all
/// requests.
pub struct SnsReceiver {
    topic_arn: String,
    test_base: Option<Url>,
    http: reqwest::Client,
    keys: Mutex<HashMap<String, Arc<PublicKey>>>,
}

impl std::fmt::Debug for SnsReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnsReceiver")
            .field("topic_arn", &self.topic_arn)
            .field("test_base", &self.test_base.as_ref().map(Url::as_str))
            .finish_non_exhaustive()
    }
}

fn config_error(field: &'static str, problem: impl Into<String>) -> EmailConfigError {
    EmailConfigError {
        provider: NAME,
        field,
        problem: problem.into(),
    }
}

/// Whether `arn` is an SNS topic's ARN: `arn:<partition>:sns:<region>:<12-digit account>:<name>`.
pub fn is_topic_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    let [arn_, partition, service, region, account, name] = parts.as_slice() else {
        return false;
    };
    *arn_ == "arn"
        && partition.starts_with("aws")
        && *service == "sns"
        && !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && (1..=256).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Whether `host` is one of SNS's: `^sns\.[a-zA-Z0-9\-]{3,}\.amazonaws\.com(\.cn)?$`.
pub fn is_sns_host(host: &str) -> bool {
    let Some(rest) = host.strip_prefix("sns.") else {
        return false;
    };
    rest.strip_suffix(".amazonaws.com.cn")
        .or_else(|| rest.strip_suffix(".amazonaws.com"))
        .is_some_and(|region| {
            region.len() >= 3
                && region
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// The text SNS signs: `key\nvalue\n` for each of [`SIGNED_KEYS`] the envelope has, in that
/// order.
pub fn string_to_sign(envelope: &Map<String, Value>) -> String {
    let mut text = String::new();
    for key in SIGNED_KEYS {
        if let Some(value) = envelope.get(key).and_then(Value::as_str) {
            text.push_str(key);
            text.push('\n');
            text.push_str(value);
            text.push('\n');
        }
    }
    text
}

/// Whether `signature` is `key`'s signature of `text` in `SignatureVersion` `version`
/// (`1`: SHA1withRSA, `2`: SHA256withRSA). `None` for another version.
pub fn verify(key: &PublicKey, version: &str, text: &str, signature: &[u8]) -> Option<bool> {
    let ok = match version {
        "1" => key.verify(
            Pkcs1v15Sign::new::<sha1::Sha1>(),
            &sha1::Sha1::digest(text.as_bytes()),
            signature,
        ),
        "2" => key.verify(
            Pkcs1v15Sign::new::<sha2::Sha256>(),
            &sha2::Sha256::digest(text.as_bytes()),
            signature,
        ),
        _ => return None,
    };
    Some(ok.is_ok())
}

/// One DER element at the start of `der`: its tag, its contents and what follows it.
fn der_element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    if tag & 0x1f == 0x1f {
        // High tag numbers appear nowhere on the way to the public key.
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        // 0x80 is BER's indefinite length, not DER.
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |len, &b| (len << 8) | usize::from(b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The SubjectPublicKeyInfo (DER, whole element) of an X.509 certificate (DER): the seventh
/// element of `tbsCertificate` when it starts with the `[0]` version, else the sixth (RFC 5280
/// §4.1: version, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo).
pub fn certificate_public_key_info(certificate: &[u8]) -> Option<&[u8]> {
    let (0x30, certificate, _) = der_element(certificate)? else {
        return None;
    };
    let (0x30, mut tbs, _) = der_element(certificate)? else {
        return None;
    };
    if tbs.first() == Some(&0xa0) {
        tbs = der_element(tbs)?.2;
    }
    // serialNumber, signature, issuer, validity, subject.
    for expected in [0x02, 0x30, 0x30, 0x30, 0x30] {
        let (tag, _, rest) = der_element(tbs)?;
        if tag != expected {
            return None;
        }
        tbs = rest;
    }
    let (0x30, _, rest) = der_element(tbs)? else {
        return None;
    };
    Some(&tbs[..tbs.len() - rest.len()])
}

/// The RSA public key of the first certificate in `pem`.
pub fn certificate_key(pem: &str) -> Result<PublicKey, String> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let start = pem.find(BEGIN).ok_or("no PEM certificate")? + BEGIN.len();
    let len = pem[start..].find(END).ok_or("no PEM certificate")?;
    let b64: String = pem[start..start + len]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = STANDARD
        .decode(b64)
        .map_err(|_| "the certificate is not base64")?;
    let spki = certificate_public_key_info(&der).ok_or("not an X.509 certificate")?;
    PublicKey::from_public_key_der(spki).map_err(|_| "the certificate's key is not RSA".to_owned())
}

/// A field of the envelope, as text.
fn field<'a>(envelope: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    envelope.get(name).and_then(Value::as_str)
}

impl SnsReceiver {
    /// Checks `config`; nothing is fetched.
    pub fn new(config: SnsConfig) -> Result<SnsReceiver, EmailConfigError> {
        let topic_arn = config.topic_arn.trim().to_owned();
        if !is_topic_arn(&topic_arn) {
            return Err(config_error(
                "sns_topic_arn",
                "is not an SNS topic ARN (`arn:aws:sns:<region>:<account>:<name>`)",
            ));
        }
        let test_base = match config.test_url_base.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(base) => {
                let url = crate::email::parse_base(NAME, "sns_test_url_base", base)?;
                let local = match url.host() {
                    Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                    Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                    Some(url::Host::Domain(d)) => d == "localhost",
                    None => false,
                };
                if !local {
                    return Err(config_error(
                        "sns_test_url_base",
                        "is for tests only and must be on this machine (127.0.0.1, [::1] or localhost)",
                    ));
                }
                Some(url)
            }
        };
        Ok(SnsReceiver {
            topic_arn,
            test_base,
            http: crate::email::http_client(NAME, config.timeout)?,
            keys: Mutex::new(HashMap::new()),
        })
    }

    pub fn topic_arn(&self) -> &str {
        &self.topic_arn
    }

    /// `raw` as a URL we may fetch `what` (`SigningCertURL`, `SubscribeURL`) from: `https` on
    /// a host of SNS's (a `.pem` path for a certificate), or under the test base.
    fn trusted_url(&self, raw: &str, what: &'static str) -> Result<Url, CallbackError> {
        let untrusted = || CallbackError::UntrustedUrl(what);
        let url = Url::parse(raw).map_err(|_| untrusted())?;
        let plain = url.username().is_empty() && url.password().is_none();
        if let Some(base) = &self.test_base
            && plain
            && url.scheme() == base.scheme()
            && url.host() == base.host()
            && url.port_or_known_default() == base.port_or_known_default()
            && url.path().starts_with(base.path())
        {
            return Ok(url);
        }
        let sns = plain
            && url.scheme() == "https"
            && url.port().is_none()
            && url.host_str().is_some_and(is_sns_host)
            && (what != "SigningCertURL" || url.path().ends_with(".pem"));
        if sns { Ok(url) } else { Err(untrusted()) }
    }

    /// The public key of the certificate at `url`: kept, else fetched.
    async fn signing_key(&self, url: &Url) -> Result<Arc<PublicKey>, CallbackFailure> {
        let cached = self
            .keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(url.as_str())
            .cloned();
        if let Some(key) = cached {
            return Ok(key);
        }
        let mut response = self
            .http
            .get(url.clone())
            .send()
            .await
            .map_err(|e| crate::http::transport_error(NAME, e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(NotifyError::Unreachable {
                provider: NAME,
                reason: format!("the SNS signing certificate: HTTP {}", status.as_u16()),
            }
            .into());
        }
        let mut pem = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| crate::http::transport_error(NAME, e))?
        {
            pem.extend_from_slice(&chunk);
            if pem.len() > MAX_CERTIFICATE_BYTES {
                return Err(CallbackError::Unreadable(
                    "the signing certificate is too large".into(),
                )
                .into());
            }
        }
        let key = certificate_key(&String::from_utf8_lossy(&pem))
            .map_err(|e| CallbackError::Unreadable(format!("the signing certificate: {e}")))?;
        let key = Arc::new(key);
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        if keys.len() >= MAX_CACHED_CERTIFICATES {
            keys.clear();
        }
        keys.insert(url.as_str().to_owned(), key.clone());
        Ok(key)
    }

    /// Checks an envelope (the POST body as received) and acts on it: a subscription is
    /// confirmed, a notification's message answered. A refusal is
    /// [`CallbackFailure::Refused`]; a certificate or `SubscribeURL` that cannot be fetched
    /// now is [`CallbackFailure::Failed`] (SNS tries again).
    pub async fn receive(&self, body: &[u8]) -> Result<Received, CallbackFailure> {
        let envelope: Map<String, Value> = serde_json::from_slice(body).map_err(|_| {
            CallbackError::Unreadable(
                "not an SNS message (raw message delivery must be off for the subscription)".into(),
            )
        })?;
        let kind =
            field(&envelope, "Type").ok_or_else(|| CallbackError::Unreadable("no Type".into()))?;
        if field(&envelope, "TopicArn") != Some(self.topic_arn.as_str()) {
            return Err(CallbackError::WrongTopic.into());
        }
        let version = field(&envelope, "SignatureVersion").unwrap_or("");
        let signature = field(&envelope, "Signature")
            .and_then(|s| STANDARD.decode(s).ok())
            .ok_or(CallbackError::BadSignature)?;
        let cert_url = self.trusted_url(
            field(&envelope, "SigningCertURL").unwrap_or(""),
            "SigningCertURL",
        )?;
        let key = self.signing_key(&cert_url).await?;
        match verify(&key, version, &string_to_sign(&envelope), &signature) {
            Some(true) => {}
            Some(false) => return Err(CallbackError::BadSignature.into()),
            None => {
                return Err(CallbackError::Unreadable(format!(
                    "SignatureVersion {version:?} is not 1 or 2"
                ))
                .into());
            }
        }
        match kind {
            "Notification" => Ok(Received::Notification(
                field(&envelope, "Message").unwrap_or("").to_owned(),
            )),
            "SubscriptionConfirmation" => {
                let url = self.trusted_url(
                    field(&envelope, "SubscribeURL").unwrap_or(""),
                    "SubscribeURL",
                )?;
                let response = self
                    .http
                    .get(url)
                    .send()
                    .await
                    .map_err(|e| crate::http::transport_error(NAME, e))?;
                let status = response.status();
                if !status.is_success() {
                    return Err(crate::http::status_error(
                        NAME,
                        status,
                        "the SNS subscription was not confirmed",
                    )
                    .into());
                }
                tracing::info!(topic = %self.topic_arn, "SNS subscription for SES events confirmed");
                Ok(Received::SubscriptionConfirmed)
            }
            "UnsubscribeConfirmation" => {
                tracing::warn!(topic = %self.topic_arn, "SNS subscription for SES events ended");
                Ok(Received::Unsubscribed)
            }
            other => Err(CallbackError::Unreadable(format!("Type {other:?}")).into()),
        }
    }
}

/// An SES event record (the `Message` of a notification) as a report: `None` for events about
/// what we do not record (sends, opens, clicks, delays …).
pub fn ses_report(message: &str) -> Result<Option<DeliveryReport>, CallbackError> {
    let event: Value = serde_json::from_str(message)
        .map_err(|_| CallbackError::Unreadable("the message is not an SES event".into()))?;
    // `eventType` with event publishing; `notificationType` for an identity's notifications.
    let kind = event["eventType"]
        .as_str()
        .or(event["notificationType"].as_str())
        .ok_or_else(|| CallbackError::Unreadable("the message is not an SES event".into()))?;
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    let (status, error) = match kind {
        "Delivery" => (SendStatus::Delivered, None),
        // A complaint comes from a recipient who had it.
        "Complaint" => (SendStatus::Delivered, None),
        "Bounce" => {
            let bounce = &event["bounce"];
            let recipient = &bounce["bouncedRecipients"][0];
            let detail = text(&recipient["diagnosticCode"])
                .or_else(|| text(&recipient["status"]))
                .unwrap_or_else(|| "no diagnostic".into());
            let kind = [&bounce["bounceType"], &bounce["bounceSubType"]]
                .into_iter()
                .filter_map(text)
                .collect::<Vec<_>>()
                .join("/");
            (
                SendStatus::Bounced,
                Some(format!("{kind} bounce: {detail}")),
            )
        }
        "Reject" => (
            SendStatus::Failed,
            Some(format!(
                "SES rejected it: {}",
                text(&event["reject"]["reason"]).unwrap_or_else(|| "no reason given".into())
            )),
        ),
        "Rendering Failure" => (
            SendStatus::Failed,
            Some(format!(
                "SES could not render it: {}",
                text(&event["failure"]["errorMessage"]).unwrap_or_default()
            )),
        ),
        _ => return Ok(None),
    };
    let mail = &event["mail"];
    let ours = text(&mail["tags"][MESSAGE_ID_TAG][0]);
    let Some(provider_message_id) = text(&mail["messageId"]).or_else(|| ours.clone()) else {
        return Err(CallbackError::Unreadable("no mail.messageId".into()));
    };
    Ok(Some(DeliveryReport {
        provider_message_id,
        status,
        error,
        our_message_id: ours,
    }))
}

#[cfg(test)]
mod tests {
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::traits::PublicKeyParts;
    use rsa::{PrivateKey, pkcs1v15};
    use serde_json::json;

    use super::*;

    const KEY_PEM: &str = include_str!("../../tests/fixtures/sns-signing-key.pem");
    const CERT_PEM: &str = include_str!("../../tests/fixtures/sns-signing-cert.pem");

    fn object(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn the_string_to_sign_of_a_notification() {
        let envelope = object(json!({
            "Type": "Notification",
            "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
            "TopicArn": "arn:aws:sns:us-west-2:123456789012:MyTopic",
            "Subject": "My First Message",
            "Message": "Hello world!",
            "Timestamp": "2012-05-02T00:54:06.655Z",
            "SignatureVersion": "1",
            "Signature": "EXAMPLEw6JRN…",
            "SigningCertURL": "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
            "UnsubscribeURL": "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-west-2:123456789012:MyTopic:c9135db0-26c4-47ec-8998-413945fb5a96"
        }));
        assert_eq!(
            string_to_sign(&envelope),
            "Message\nHello world!\nMessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\n\
             Subject\nMy First Message\nTimestamp\n2012-05-02T00:54:06.655Z\n\
             TopicArn\narn:aws:sns:us-west-2:123456789012:MyTopic\nType\nNotification\n"
        );
        // Without a subject (SES's notifications have none), or with a null one.
        let mut without = envelope.clone();
        without.insert("Subject".into(), Value::Null);
        assert_eq!(
            string_to_sign(&without),
            "Message\nHello world!\nMessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\n\
             Timestamp\n2012-05-02T00:54:06.655Z\n\
             TopicArn\narn:aws:sns:us-west-2:123456789012:MyTopic\nType\nNotification\n"
        );
    }

    #[test]
    fn the_string_to_sign_of_a_subscription_confirmation() {
        let envelope = object(json!({
            "Type": "SubscriptionConfirmation",
            "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
            "Token": "2336412f37f",
            "TopicArn": "arn:aws:sns:us-west-2:123456789012:MyTopic",
            "Message": "You have chosen to subscribe to the topic arn:aws:sns:us-west-2:123456789012:MyTopic.\nTo confirm the subscription, visit the SubscribeURL included in this message.",
            "SubscribeURL": "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:123456789012:MyTopic&Token=2336412f37f",
            "Timestamp": "2012-04-26T20:45:04.751Z",
            "SignatureVersion": "1",
            "Signature": "EXAMPLEpH+…",
            "SigningCertURL": "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem"
        }));
        assert_eq!(
            string_to_sign(&envelope),
            "Message\nYou have chosen to subscribe to the topic arn:aws:sns:us-west-2:123456789012:MyTopic.\n\
             To confirm the subscription, visit the SubscribeURL included in this message.\n\
             MessageId\n165545c9-2a5c-472c-8df2-7ff2be2b3b1b\n\
             SubscribeURL\nhttps://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:123456789012:MyTopic&Token=2336412f37f\n\
             Timestamp\n2012-04-26T20:45:04.751Z\nToken\n2336412f37f\n\
             TopicArn\narn:aws:sns:us-west-2:123456789012:MyTopic\nType\nSubscriptionConfirmation\n"
        );
    }

    #[test]
    fn the_fixture_certificate_holds_the_fixture_key() {
        let private = PrivateKey::from_pkcs8_pem(KEY_PEM).unwrap();
        let from_cert = certificate_key(CERT_PEM).unwrap();
        assert_eq!(from_cert, private.to_public_key());
        assert_eq!(from_cert.size(), 256);
        // Noise around the PEM block (a chain, comments) is ignored.
        let noisy = format!("issuer: test\n{CERT_PEM}\n-----BEGIN CERTIFICATE-----\nAAAA\n");
        assert_eq!(certificate_key(&noisy).unwrap(), from_cert);
    }

    #[test]
    fn broken_certificates_are_refused_without_panicking() {
        assert!(certificate_key("hello").is_err());
        let b64: String = CERT_PEM
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let der = STANDARD.decode(&b64).unwrap();
        // Every truncation of the DER, and every single-byte corruption of its first bytes
        // (the structure on the way to the key), fails cleanly or still finds a key.
        for cut in 0..der.len() {
            assert!(certificate_public_key_info(&der[..cut]).is_none(), "{cut}");
        }
        for i in 0..64 {
            let mut bad = der.clone();
            bad[i] ^= 0xff;
            let _ = certificate_public_key_info(&bad);
        }
        // A certificate without the version field (v1) still has its key found.
        let (_, cert, _) = der_element(&der).unwrap();
        let (_, tbs, after_tbs) = der_element(cert).unwrap();
        let (_, _, tbs_v1) = der_element(tbs).unwrap();
        assert_eq!(der_element(tbs).unwrap().0, 0xa0);
        let wrap = |tag: u8, content: &[u8]| {
            let mut out = vec![tag];
            let len = content.len();
            if len < 0x80 {
                out.push(len as u8);
            } else {
                out.extend([0x82, (len >> 8) as u8, len as u8]);
            }
            out.extend_from_slice(content);
            out
        };
        let mut cert_v1 = wrap(0x30, tbs_v1);
        cert_v1.extend_from_slice(after_tbs);
        let v1 = wrap(0x30, &cert_v1);
        assert_eq!(
            certificate_public_key_info(&v1),
            certificate_public_key_info(&der)
        );
        // An RSA public key that is not inside a certificate.
        let spki = certificate_public_key_info(&der).unwrap();
        assert!(certificate_public_key_info(spki).is_none());
    }

    fn sign(text: &str, version: &str) -> Vec<u8> {
        use rsa::signature::{SignatureEncoding, Signer};
        let private = PrivateKey::from_pkcs8_pem(KEY_PEM).unwrap();
        match version {
            "1" => pkcs1v15::SigningKey::<sha1::Sha1>::new(private)
                .sign(text.as_bytes())
                .to_vec(),
            _ => pkcs1v15::SigningKey::<sha2::Sha256>::new(private)
                .sign(text.as_bytes())
                .to_vec(),
        }
    }

    #[test]
    fn signatures_of_both_versions_verify_and_others_do_not() {
        let key = certificate_key(CERT_PEM).unwrap();
        let text = "Message\nhi\nType\nNotification\n";
        let v1 = sign(text, "1");
        let v2 = sign(text, "2");
        assert_eq!(verify(&key, "1", text, &v1), Some(true));
        assert_eq!(verify(&key, "2", text, &v2), Some(true));
        assert_eq!(verify(&key, "2", text, &v1), Some(false));
        assert_eq!(verify(&key, "1", text, &v2), Some(false));
        assert_eq!(verify(&key, "1", "Message\nho\n", &v1), Some(false));
        assert_eq!(verify(&key, "3", text, &v2), None);
        assert_eq!(verify(&key, "2", text, b"short"), Some(false));
    }

    #[test]
    fn sns_hosts_and_topic_arns() {
        for ok in [
            "sns.us-east-1.amazonaws.com",
            "sns.cn-north-1.amazonaws.com.cn",
            "sns.eu-west-3.amazonaws.com",
            "sns.abc.amazonaws.com",
        ] {
            assert!(is_sns_host(ok), "{ok}");
        }
        for bad in [
            "sns.amazonaws.com",
            "sns.ab.amazonaws.com",
            "sns.us-east-1.amazonaws.com.evil.com",
            "evil.sns.us-east-1.amazonaws.com",
            "sns.us_east.amazonaws.com",
            "sns.us.east.amazonaws.com",
            "sqs.us-east-1.amazonaws.com",
            "sns.us-east-1.amazonaws.co",
            "sns.us-east-1.amazonaws.com.",
        ] {
            assert!(!is_sns_host(bad), "{bad}");
        }
        assert!(is_topic_arn(
            "arn:aws:sns:us-east-1:123456789012:ses-events"
        ));
        assert!(is_topic_arn(
            "arn:aws-cn:sns:cn-north-1:123456789012:e.fifo"
        ));
        for bad in [
            "",
            "ses-events",
            "arn:aws:sqs:us-east-1:123456789012:q",
            "arn:aws:sns:us-east-1:1234:t",
            "arn:aws:sns:us-east-1:123456789012:",
            "arn:aws:sns:us-east-1:123456789012:a:b",
            "arn:aws:sns:us-east-1:123456789012:has space",
        ] {
            assert!(!is_topic_arn(bad), "{bad}");
        }
    }

    fn receiver(test_base: Option<&str>) -> SnsReceiver {
        let mut c = SnsConfig::new("arn:aws:sns:us-east-1:123456789012:ses-events");
        c.test_url_base = test_base.map(str::to_owned);
        SnsReceiver::new(c).unwrap()
    }

    #[test]
    fn only_sns_urls_are_trusted_unless_a_local_test_base_is_set() {
        let r = receiver(None);
        let cert = "SigningCertURL";
        let sub = "SubscribeURL";
        assert!(
            r.trusted_url(
                "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
                cert
            )
            .is_ok()
        );
        assert!(
            r.trusted_url(
                "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=x",
                sub
            )
            .is_ok()
        );
        for bad in [
            "http://sns.us-east-1.amazonaws.com/x.pem",
            "https://sns.us-east-1.amazonaws.com/x.txt",
            "https://sns.us-east-1.amazonaws.com:8443/x.pem",
            "https://user@sns.us-east-1.amazonaws.com/x.pem",
            "https://sns.us-east-1.amazonaws.com.evil.example/x.pem",
            "https://evil.example/sns.us-east-1.amazonaws.com/x.pem",
            "http://127.0.0.1:9/cert.pem",
            "not a url",
        ] {
            assert_eq!(
                r.trusted_url(bad, cert).unwrap_err(),
                CallbackError::UntrustedUrl(cert),
                "{bad}"
            );
        }
        let r = receiver(Some("http://127.0.0.1:9/sns/"));
        assert!(
            r.trusted_url("http://127.0.0.1:9/sns/cert.pem", cert)
                .is_ok()
        );
        assert!(
            r.trusted_url("http://127.0.0.1:9/sns/confirm?x=1", sub)
                .is_ok()
        );
        assert!(
            r.trusted_url("http://127.0.0.1:10/sns/cert.pem", cert)
                .is_err()
        );
        assert!(
            r.trusted_url("http://127.0.0.1:9/other/cert.pem", cert)
                .is_err()
        );
        assert!(
            r.trusted_url("https://127.0.0.1:9/sns/cert.pem", cert)
                .is_err()
        );
    }

    #[test]
    fn configurations_are_checked() {
        let bad = |arn: &str, base: Option<&str>| {
            let mut c = SnsConfig::new(arn);
            c.test_url_base = base.map(str::to_owned);
            SnsReceiver::new(c).unwrap_err()
        };
        assert_eq!(bad("my-topic", None).field, "sns_topic_arn");
        let arn = "arn:aws:sns:us-east-1:123456789012:ses-events";
        let e = bad(arn, Some("https://certs.example.com/"));
        assert_eq!(e.field, "sns_test_url_base");
        assert!(e.to_string().contains("tests only"), "{e}");
        assert_eq!(
            bad(arn, Some("ftp://127.0.0.1/")).field,
            "sns_test_url_base"
        );
        let mut c = SnsConfig::new(arn);
        c.test_url_base = Some("http://localhost:8080".into());
        assert!(SnsReceiver::new(c).is_ok());
    }

    #[tokio::test]
    async fn refusals_come_before_anything_is_fetched() {
        // The test base points where nothing listens: any fetch would fail as unreachable.
        let r = receiver(Some("http://127.0.0.1:1/"));
        let envelope = |topic: &str, cert: &str| {
            json!({"Type": "Notification", "MessageId": "m", "TopicArn": topic,
                "Message": "{}", "Timestamp": "2026-01-01T00:00:00.000Z",
                "SignatureVersion": "2", "Signature": "AAAA", "SigningCertURL": cert})
            .to_string()
        };
        let refused = |r: Result<Received, CallbackFailure>| match r {
            Err(CallbackFailure::Refused(e)) => e,
            other => panic!("{other:?}"),
        };
        let e = refused(
            r.receive(
                envelope(
                    "arn:aws:sns:us-east-1:123456789012:other",
                    "http://127.0.0.1:1/c.pem",
                )
                .as_bytes(),
            )
            .await,
        );
        assert_eq!(e, CallbackError::WrongTopic);
        let e = refused(
            r.receive(
                envelope(
                    r.topic_arn(),
                    "https://certs.evil.example/SimpleNotificationService-x.pem",
                )
                .as_bytes(),
            )
            .await,
        );
        assert_eq!(e, CallbackError::UntrustedUrl("SigningCertURL"));
        assert!(matches!(
            refused(r.receive(b"{\"notificationType\":\"Delivery\"}").await),
            CallbackError::Unreadable(_)
        ));
        assert!(matches!(
            refused(r.receive(b"not json").await),
            CallbackError::Unreadable(_)
        ));
        // A trusted URL where nothing answers: a failure to try again, not a refusal.
        assert!(matches!(
            r.receive(envelope(r.topic_arn(), "http://127.0.0.1:1/c.pem").as_bytes())
                .await,
            Err(CallbackFailure::Failed(NotifyError::Unreachable { .. }))
        ));
    }

    #[test]
    fn ses_events_map_to_statuses() {
        let report = |v: Value| ses_report(&v.to_string()).unwrap();
        let mail = json!({"messageId": "0100018f-ses", "tags": {"wayfare_message_id": ["n-1"]}});
        let r = report(json!({"eventType": "Delivery", "mail": mail,
            "delivery": {"smtpResponse": "250 ok"}}))
        .unwrap();
        assert_eq!(
            r,
            DeliveryReport {
                provider_message_id: "0100018f-ses".into(),
                status: SendStatus::Delivered,
                error: None,
                our_message_id: Some("n-1".into()),
            }
        );
        let r = report(json!({"eventType": "Bounce", "mail": mail, "bounce": {
            "bounceType": "Permanent", "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": "ann@example.com", "action": "failed",
                "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]}}))
        .unwrap();
        assert_eq!(r.status, SendStatus::Bounced);
        assert_eq!(
            r.error.as_deref(),
            Some("Permanent/General bounce: smtp; 550 5.1.1 user unknown")
        );
        let r = report(
            json!({"notificationType": "Bounce", "mail": {"messageId": "x"},
            "bounce": {"bounceType": "Transient"}}),
        )
        .unwrap();
        assert_eq!(
            (r.status, r.error.as_deref()),
            (SendStatus::Bounced, Some("Transient bounce: no diagnostic"))
        );
        let r = report(json!({"eventType": "Reject", "mail": mail,
            "reject": {"reason": "Bad content"}}))
        .unwrap();
        assert_eq!(
            (r.status, r.error.as_deref()),
            (SendStatus::Failed, Some("SES rejected it: Bad content"))
        );
        let r = report(json!({"eventType": "Complaint", "mail": mail})).unwrap();
        assert_eq!(r.status, SendStatus::Delivered);
        for ignored in ["Send", "Open", "Click", "DeliveryDelay", "Subscription"] {
            assert_eq!(report(json!({"eventType": ignored, "mail": mail})), None);
        }
        assert!(ses_report("hello").is_err());
        assert!(ses_report("{\"eventType\":\"Delivery\",\"mail\":{}}").is_err());
    }
}
