//! SendGrid's Event Webhook (`messaging.md` §1.3–1.4): a JSON array of events, signed with
//! ECDSA P-256 / SHA-256 over the `X-Twilio-Email-Event-Webhook-Timestamp` header followed by
//! the raw body, checked with the verification key SendGrid shows for the account (base64 DER
//! SubjectPublicKeyInfo).
//!
//! An event is matched to the send log by `sg_message_id`, whose part before the first `.` is
//! the `X-Message-Id` SendGrid answered when it took the message, with our own id (the
//! `wayfare_message_id` custom argument every event repeats) as the fallback.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair, ParsedPublicKey,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use serde_json::Value;
use wayfare_store::notifications::SendStatus;

use super::{CallbackError, DeliveryReport, TOLERANCE_SECS};
use crate::email::sendgrid::MESSAGE_ID_ARG;

/// The signature's header: base64 of a DER ECDSA signature.
pub const SIGNATURE_HEADER: &str = "x-twilio-email-event-webhook-signature";

/// The signing time's header: unix seconds as text.
pub const TIMESTAMP_HEADER: &str = "x-twilio-email-event-webhook-timestamp";

/// The DER SubjectPublicKeyInfo of a P-256 key up to its point: SEQUENCE { SEQUENCE {
/// id-ecPublicKey, prime256v1 }, BIT STRING (65 bytes, no unused bits) }.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// The Event Webhook's verification key.
#[derive(Clone)]
pub struct EventWebhookKey(ParsedPublicKey);

impl std::fmt::Debug for EventWebhookKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventWebhookKey(P-256)")
    }
}

impl EventWebhookKey {
    /// Reads the key as SendGrid shows it: base64 of the DER SubjectPublicKeyInfo, with or
    /// without PEM armour. The error says what is wrong, not the value.
    pub fn parse(text: &str) -> Result<EventWebhookKey, String> {
        let compact: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("-----"))
            .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
            .collect();
        if compact.is_empty() {
            return Err("is empty".into());
        }
        let der = STANDARD
            .decode(&compact)
            .map_err(|_| "is not base64".to_owned())?;
        let point = der
            .strip_prefix(&P256_SPKI_PREFIX[..])
            .filter(|p| p.len() == 65 && p[0] == 0x04)
            .ok_or_else(|| {
                "is not a P-256 public key (base64 DER SubjectPublicKeyInfo, `MFkw…`)".to_owned()
            })?;
        ParsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, point)
            .map(EventWebhookKey)
            .map_err(|_| "is not a point on the P-256 curve".to_owned())
    }

    /// Whether `signature` (base64 DER) is this key's signature of `timestamp` followed by
    /// `body`, the bytes exactly as received.
    pub fn verify(&self, timestamp: &str, body: &[u8], signature: &str) -> bool {
        let Ok(signature) = STANDARD.decode(signature.trim()) else {
            return false;
        };
        let mut signed = Vec::with_capacity(timestamp.len() + body.len());
        signed.extend_from_slice(timestamp.as_bytes());
        signed.extend_from_slice(body);
        self.0.verify_sig(&signed, &signature).is_ok()
    }
}

/// Signs `body` at `timestamp` as SendGrid does (base64 DER ECDSA P-256 / SHA-256), with a
/// PKCS#8 (DER) private key: for fake SendGrid servers and tests.
pub fn sign(pkcs8_der: &[u8], timestamp: &str, body: &[u8]) -> Result<String, String> {
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8_der)
        .map_err(|e| format!("not a P-256 PKCS#8 key: {e}"))?;
    let mut signed = timestamp.as_bytes().to_vec();
    signed.extend_from_slice(body);
    let signature = key
        .sign(&SystemRandom::new(), &signed)
        .map_err(|_| "signing failed".to_owned())?;
    Ok(STANDARD.encode(signature.as_ref()))
}

/// The public key of a PKCS#8 (DER) P-256 private key as SendGrid shows it (base64 DER
/// SubjectPublicKeyInfo): for fakes and tests.
pub fn public_key_of(pkcs8_der: &[u8]) -> Result<String, String> {
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8_der)
        .map_err(|e| format!("not a P-256 PKCS#8 key: {e}"))?;
    let mut spki = P256_SPKI_PREFIX.to_vec();
    spki.extend_from_slice(key.public_key().as_ref());
    Ok(STANDARD.encode(spki))
}

/// Checks a delivery of events and reads the ones about a status we keep.
pub(crate) fn read(
    key: &EventWebhookKey,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Vec<DeliveryReport>, CallbackError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(signature), Some(timestamp)) = (header(SIGNATURE_HEADER), header(TIMESTAMP_HEADER))
    else {
        return Err(CallbackError::BadSignature);
    };
    if !key.verify(timestamp, body, signature) {
        return Err(CallbackError::BadSignature);
    }
    let at = timestamp
        .trim()
        .parse::<i64>()
        .map_err(|_| CallbackError::Unreadable("timestamp".into()))?;
    if (now.timestamp() - at).abs() > TOLERANCE_SECS {
        return Err(CallbackError::Stale);
    }
    let events: Vec<Value> = serde_json::from_slice(body)
        .map_err(|e| CallbackError::Unreadable(format!("not a JSON array: {e}")))?;
    Ok(events.iter().filter_map(report).collect())
}

/// One event as a report: `None` for events about what we do not record (opens, clicks …)
/// and for events that name no message.
fn report(event: &Value) -> Option<DeliveryReport> {
    let text = |name: &str| event[name].as_str().filter(|s| !s.is_empty());
    let (status, error) = match text("event")? {
        // Taken, or held back for another try: still on its way.
        "processed" | "deferred" => (SendStatus::Sent, None),
        "delivered" => (SendStatus::Delivered, None),
        "bounce" => (
            SendStatus::Bounced,
            Some(text("reason").unwrap_or("bounced").to_owned()),
        ),
        // SendGrid will not send it (a suppressed address, an invalid message …).
        "dropped" => (
            SendStatus::Failed,
            Some(format!(
                "SendGrid dropped it: {}",
                text("reason").unwrap_or("no reason given")
            )),
        ),
        _ => return None,
    };
    let ours = text(MESSAGE_ID_ARG).map(str::to_owned);
    let provider_message_id = text("sg_message_id")
        .and_then(|id| id.split('.').next())
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .or_else(|| ours.clone())?;
    Some(DeliveryReport {
        provider_message_id,
        status,
        error,
        our_message_id: ours,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // messaging.md §1.4, V1 (from sendgrid-python's tests).
    const V1_KEY: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==";
    const V1_TIMESTAMP: &str = "1600112502";
    const V1_SIGNATURE: &str = "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=";
    const V1_BODY: &str = "[{\"email\":\"hello@world.com\",\"event\":\"dropped\",\"reason\":\"Bounced Address\",\"sg_event_id\":\"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA\",\"sg_message_id\":\"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0\",\"smtp-id\":\"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>\",\"timestamp\":1600112492}]\r\n";

    const TEST_KEY_PEM: &str = include_str!("../../tests/fixtures/sendgrid-webhook-key.pem");
    const TEST_PUBLIC_KEY: &str =
        include_str!("../../tests/fixtures/sendgrid-webhook-public-key.txt");

    fn pem_der(pem: &str) -> Vec<u8> {
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        STANDARD.decode(b64).unwrap()
    }

    fn headers(timestamp: &str, signature: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(SIGNATURE_HEADER, signature.parse().unwrap());
        h.insert(TIMESTAMP_HEADER, timestamp.parse().unwrap());
        h
    }

    #[test]
    fn vector_v1_verifies_and_its_negatives_do_not() {
        let key = EventWebhookKey::parse(V1_KEY).unwrap();
        assert!(key.verify(V1_TIMESTAMP, V1_BODY.as_bytes(), V1_SIGNATURE));
        // The same key with PEM armour, as sendgrid-python wraps it.
        let armoured = format!("-----BEGIN PUBLIC KEY-----\n{V1_KEY}\n-----END PUBLIC KEY-----\n");
        assert!(EventWebhookKey::parse(&armoured).unwrap().verify(
            V1_TIMESTAMP,
            V1_BODY.as_bytes(),
            V1_SIGNATURE
        ));
        // The same test's negative cases: another payload, another timestamp, another key.
        assert!(!key.verify(V1_TIMESTAMP, b"payload", V1_SIGNATURE));
        assert!(!key.verify("timestamp", V1_BODY.as_bytes(), V1_SIGNATURE));
        let other = EventWebhookKey::parse(TEST_PUBLIC_KEY).unwrap();
        assert!(!other.verify(V1_TIMESTAMP, V1_BODY.as_bytes(), V1_SIGNATURE));
        // The body without its final CRLF is another message.
        assert!(!key.verify(V1_TIMESTAMP, V1_BODY.trim_end().as_bytes(), V1_SIGNATURE));
        assert!(!key.verify(V1_TIMESTAMP, V1_BODY.as_bytes(), "not base64!"));
    }

    #[test]
    fn v1_reads_as_a_dropped_message_when_fresh_and_stale_otherwise() {
        let key = EventWebhookKey::parse(V1_KEY).unwrap();
        let h = headers(V1_TIMESTAMP, V1_SIGNATURE);
        let signed_at = DateTime::from_timestamp(1_600_112_502, 0).unwrap();
        let reports = read(&key, &h, V1_BODY.as_bytes(), signed_at).unwrap();
        assert_eq!(
            reports,
            vec![DeliveryReport {
                provider_message_id: "LRzXl_NHStOGhQ4kofSm_A".into(),
                status: SendStatus::Failed,
                error: Some("SendGrid dropped it: Bounced Address".into()),
                our_message_id: None,
            }]
        );
        let later = signed_at + chrono::Duration::seconds(TOLERANCE_SECS + 1);
        assert_eq!(
            read(&key, &h, V1_BODY.as_bytes(), later).unwrap_err(),
            CallbackError::Stale
        );
        let mut tampered = V1_BODY.as_bytes().to_vec();
        tampered[3] = b'E';
        assert_eq!(
            read(&key, &h, &tampered, signed_at).unwrap_err(),
            CallbackError::BadSignature
        );
        assert_eq!(
            read(&key, &HeaderMap::new(), V1_BODY.as_bytes(), signed_at).unwrap_err(),
            CallbackError::BadSignature
        );
    }

    #[test]
    fn our_signer_matches_the_fixture_key_and_events_map_to_statuses() {
        let private = pem_der(TEST_KEY_PEM);
        assert_eq!(public_key_of(&private).unwrap(), TEST_PUBLIC_KEY.trim());
        let key = EventWebhookKey::parse(TEST_PUBLIC_KEY).unwrap();
        let now = Utc::now();
        let ts = now.timestamp().to_string();
        let body = serde_json::json!([
            {"event": "processed", "sg_message_id": "AAA.filter1", "wayfare_message_id": "n-1"},
            {"event": "delivered", "sg_message_id": "AAA.filter1", "wayfare_message_id": "n-1"},
            {"event": "open", "sg_message_id": "AAA.filter1"},
            {"event": "deferred", "sg_message_id": "BBB.filter2", "response": "try later"},
            {"event": "bounce", "sg_message_id": "CCC.filter3", "reason": "550 5.1.1 no such user"},
            {"event": "bounce", "wayfare_message_id": "n-4"},
            {"event": "dropped"},
            {"event": "spamreport", "sg_message_id": "AAA.filter1"}
        ])
        .to_string();
        let signature = sign(&private, &ts, body.as_bytes()).unwrap();
        assert!(signature.starts_with("ME"), "DER: {signature}");
        let reports = read(&key, &headers(&ts, &signature), body.as_bytes(), now).unwrap();
        let got: Vec<(&str, SendStatus, Option<&str>)> = reports
            .iter()
            .map(|r| {
                (
                    r.provider_message_id.as_str(),
                    r.status,
                    r.our_message_id.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("AAA", SendStatus::Sent, Some("n-1")),
                ("AAA", SendStatus::Delivered, Some("n-1")),
                ("BBB", SendStatus::Sent, None),
                ("CCC", SendStatus::Bounced, None),
                ("n-4", SendStatus::Bounced, Some("n-4")),
            ]
        );
        assert_eq!(reports[3].error.as_deref(), Some("550 5.1.1 no such user"));
        // Signed by the V1 key's owner, not ours.
        let v1 = EventWebhookKey::parse(V1_KEY).unwrap();
        assert_eq!(
            read(&v1, &headers(&ts, &signature), body.as_bytes(), now).unwrap_err(),
            CallbackError::BadSignature
        );
        // Signed, but not an array of events.
        let object = br#"{"event":"delivered"}"#;
        let signature = sign(&private, &ts, object).unwrap();
        assert!(matches!(
            read(&key, &headers(&ts, &signature), object, now),
            Err(CallbackError::Unreadable(_))
        ));
    }

    #[test]
    fn bad_keys_are_refused_with_a_reason() {
        assert_eq!(EventWebhookKey::parse(" ").unwrap_err(), "is empty");
        assert_eq!(EventWebhookKey::parse("%%%").unwrap_err(), "is not base64");
        // An RSA key's SPKI, and a P-256 SPKI cut short.
        let rsa = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==";
        assert!(
            EventWebhookKey::parse(rsa)
                .unwrap_err()
                .contains("not a P-256")
        );
        let short = STANDARD.encode(&STANDARD.decode(V1_KEY).unwrap()[..60]);
        assert!(EventWebhookKey::parse(&short).is_err());
        // The right shape, but not a point on the curve.
        let mut bad = STANDARD.decode(V1_KEY).unwrap();
        bad[40] ^= 0x01;
        assert_eq!(
            EventWebhookKey::parse(&STANDARD.encode(bad)).unwrap_err(),
            "is not a point on the P-256 curve"
        );
        assert!(!format!("{:?}", EventWebhookKey::parse(V1_KEY).unwrap()).contains("MFkw"));
    }
}
