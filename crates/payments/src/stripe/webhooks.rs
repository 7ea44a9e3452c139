//! Stripe's signed notifications (payments.md §1.7): the `Stripe-Signature` check over the raw
//! body, then the event read into a [`WebhookEvent`].
//!
//! Event kinds we act on:
//! - `payment_intent.succeeded|amount_capturable_updated|payment_failed|canceled|processing|
//!   requires_action`: [`WebhookSubject::Payment`] with the intent's status, amount and
//!   captured amount (`amount_received`).
//! - `refund.created|updated|failed` and `charge.refund.updated`: [`WebhookSubject::Refund`]
//!   (the event's object is the refund).
//! - `charge.refunded`: its object is the charge, which says how much was refunded in total but
//!   not which refund changed, so it becomes [`WebhookSubject::Payment`] (status succeeded,
//!   the charge's amount and captured amount): the caller reads the payment and its refunds
//!   again. The `refund.*` events carry each refund.
//! - anything else is [`WebhookSubject::Other`].

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;

use crate::provider::PaymentStatus;
use crate::webhook::{WebhookError, WebhookEvent, WebhookRequest, WebhookSubject};

use super::NAME;
use super::wire::{
    ChargeWire, PaymentIntentWire, RefundWire, currency_of, from_stripe_amount, to_payment,
    to_refund,
};

/// The header Stripe signs notifications in.
pub const SIGNATURE_HEADER: &str = "stripe-signature";

type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256 over `"{timestamp}.{body}"`. HMAC takes keys of any length, so `None` does not
/// happen in practice; callers treat it as "does not verify".
fn mac_over(secret: &str, timestamp: i64, body: &[u8]) -> Option<HmacSha256> {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// The `v1` signature of `body` sent at `timestamp` (Unix seconds): lowercase hex of
/// HMAC-SHA256 over `"{timestamp}.{body}"` keyed with the whole `whsec_…` secret.
pub fn sign_payload(secret: &str, timestamp: i64, body: &[u8]) -> String {
    mac_over(secret, timestamp, body)
        .map(|mac| hex::encode(mac.finalize().into_bytes()))
        .unwrap_or_default()
}

/// The parts of a `Stripe-Signature` header: `t` and every `v1` (other schemes ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
struct SignatureHeader {
    timestamp: i64,
    v1: Vec<String>,
}

fn parse_header(header: &str) -> Option<SignatureHeader> {
    let mut timestamp = None;
    let mut v1 = Vec::new();
    for item in header.split(',') {
        let Some((key, value)) = item.trim().split_once('=') else {
            continue;
        };
        match key {
            "t" => timestamp = value.parse::<i64>().ok(),
            "v1" => v1.push(value.to_owned()),
            _ => {}
        }
    }
    match timestamp {
        Some(timestamp) if !v1.is_empty() => Some(SignatureHeader { timestamp, v1 }),
        _ => None,
    }
}

/// Checks a `Stripe-Signature` header against the raw body: one of its `v1` values must be
/// the body's signature (compared in constant time), and its `t` within `tolerance` of `now`
/// either way (stricter than Stripe's SDKs, which let future timestamps through).
pub fn verify_signature(
    header: &str,
    body: &[u8],
    secret: &str,
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Result<(), WebhookError> {
    let parsed = parse_header(header).ok_or(WebhookError::BadSignature)?;
    let mac = mac_over(secret, parsed.timestamp, body).ok_or(WebhookError::BadSignature)?;
    let matches = parsed.v1.iter().any(|candidate| {
        hex::decode(candidate)
            .map(|bytes| mac.clone().verify_slice(&bytes).is_ok())
            .unwrap_or(false)
    });
    if !matches {
        return Err(WebhookError::BadSignature);
    }
    let age = now.timestamp().abs_diff(parsed.timestamp);
    if age > tolerance.as_secs() {
        return Err(WebhookError::Stale);
    }
    Ok(())
}

#[derive(Deserialize)]
struct EventWire {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    created: Option<i64>,
    data: EventDataWire,
}

#[derive(Deserialize)]
struct EventDataWire {
    object: Value,
}

/// Verifies `req` with `secret` and reads the event.
pub(crate) fn parse(
    req: &WebhookRequest<'_>,
    secret: Option<&str>,
    tolerance: Duration,
) -> Result<WebhookEvent, WebhookError> {
    let secret = secret.ok_or(WebhookError::Unsupported)?;
    let header = req
        .header(SIGNATURE_HEADER)
        .ok_or(WebhookError::MissingSignature)?;
    verify_signature(header, req.body, secret, req.received_at, tolerance)?;
    read_event(req.body)
}

fn malformed(what: impl std::fmt::Display) -> WebhookError {
    WebhookError::Malformed(what.to_string())
}

/// Reads a verified event body.
fn read_event(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    let event: EventWire = serde_json::from_slice(body).map_err(malformed)?;
    let subject = match event.kind.as_str() {
        "payment_intent.succeeded"
        | "payment_intent.amount_capturable_updated"
        | "payment_intent.payment_failed"
        | "payment_intent.canceled"
        | "payment_intent.processing"
        | "payment_intent.requires_action" => {
            let pi = PaymentIntentWire::deserialize(&event.data.object).map_err(malformed)?;
            let payment = to_payment(&pi).map_err(malformed)?;
            WebhookSubject::Payment {
                payment_id: payment.id,
                status: payment.status,
                amount: Some(payment.amount),
                amount_captured: Some(payment.amount_captured),
            }
        }
        "refund.created" | "refund.updated" | "refund.failed" | "charge.refund.updated" => {
            let wire = RefundWire::deserialize(&event.data.object).map_err(malformed)?;
            let refund = to_refund(&wire).map_err(malformed)?;
            if refund.payment_id.is_empty() {
                // A refund of a charge made without a PaymentIntent: not one of ours.
                WebhookSubject::Other
            } else {
                WebhookSubject::Refund {
                    refund_id: refund.id,
                    payment_id: refund.payment_id,
                    status: refund.status,
                    amount: Some(refund.amount),
                }
            }
        }
        "charge.refunded" => {
            let charge = ChargeWire::deserialize(&event.data.object).map_err(malformed)?;
            match charge.payment_intent.clone() {
                Some(payment_id) => {
                    let currency = currency_of(&charge.currency).map_err(malformed)?;
                    let money = |a| from_stripe_amount(a, currency).map_err(malformed);
                    WebhookSubject::Payment {
                        payment_id,
                        status: PaymentStatus::Succeeded,
                        amount: Some(money(charge.amount)?),
                        amount_captured: Some(money(
                            charge.amount_captured.unwrap_or(charge.amount),
                        )?),
                    }
                }
                None => WebhookSubject::Other,
            }
        }
        _ => WebhookSubject::Other,
    };
    Ok(WebhookEvent {
        provider: NAME.to_owned(),
        event_id: event.id,
        event_type: event.kind,
        subject,
        occurred_at: event
            .created
            .and_then(|secs| DateTime::from_timestamp(secs, 0)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::RefundStatus;
    use chrono::TimeZone;
    use wayfare_domain::{Currency, Money};

    const DOC_SECRET: &str = "whsec_test_secret";
    const DOC_PAYLOAD: &str = "{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\",\n  \"data\": { \"object\": { \"id\": \"rdr_123\", \"object\": \"terminal.reader\" } }\n}";
    const DOC_SIGNATURE: &str = "3bfab77baf5f7b6991a46c9b53b6547d7afc56148b10468fcad9f35c1992ffbd";
    const TOLERANCE: Duration = Duration::from_secs(300);

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).unwrap()
    }

    #[test]
    fn the_documented_vector_signs_and_verifies() {
        assert_eq!(
            sign_payload(DOC_SECRET, 1_700_000_000, DOC_PAYLOAD.as_bytes()),
            DOC_SIGNATURE
        );
        let header = format!("t=1700000000,v1={DOC_SIGNATURE}");
        assert_eq!(
            verify_signature(
                &header,
                DOC_PAYLOAD.as_bytes(),
                DOC_SECRET,
                at(1_700_000_100),
                TOLERANCE
            ),
            Ok(())
        );
    }

    #[test]
    fn headers_are_read_like_stripes_sdk() {
        assert_eq!(
            parse_header("t=12,v1=aa,v0=bb,v1=cc,foo"),
            Some(SignatureHeader {
                timestamp: 12,
                v1: vec!["aa".into(), "cc".into()]
            })
        );
        assert_eq!(parse_header("t=12,v0=bb"), None);
        assert_eq!(parse_header("v1=aa"), None);
        assert_eq!(parse_header("t=soon,v1=aa"), None);
        assert_eq!(parse_header(""), None);
    }

    #[test]
    fn bad_signatures_and_old_or_future_timestamps_are_refused() {
        let body = DOC_PAYLOAD.as_bytes();
        let good = format!("t=1700000000,v1={DOC_SIGNATURE}");
        let verify = |header: &str, body: &[u8], now| {
            verify_signature(header, body, DOC_SECRET, at(now), TOLERANCE)
        };
        assert_eq!(
            verify(&good, b"{}", 1_700_000_000),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_signature(&good, body, "whsec_other", at(1_700_000_000), TOLERANCE),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify("t=1700000000,v1=zz", body, 1_700_000_000),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify("garbage", body, 1_700_000_000),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(verify(&good, body, 1_700_000_301), Err(WebhookError::Stale));
        assert_eq!(verify(&good, body, 1_699_999_699), Err(WebhookError::Stale));
        assert_eq!(verify(&good, body, 1_700_000_300), Ok(()));
        let rotated = format!(
            "t=1700000000,v1={},v1={DOC_SIGNATURE},v0=00",
            "ab".repeat(32)
        );
        assert_eq!(verify(&rotated, body, 1_700_000_000), Ok(()));
    }

    #[test]
    fn payment_intent_events_become_payment_subjects() {
        let body = serde_json::json!({
            "id": "evt_1", "object": "event", "type": "payment_intent.amount_capturable_updated",
            "created": 1_700_000_050,
            "data": {"object": {"id": "pi_1", "object": "payment_intent", "amount": 5000,
                "amount_received": 0, "currency": "jpy", "status": "requires_capture",
                "capture_method": "manual", "created": 1_700_000_000}}
        })
        .to_string();
        let event = read_event(body.as_bytes()).unwrap();
        assert_eq!(event.event_id, "evt_1");
        assert_eq!(event.provider, "stripe");
        assert_eq!(event.occurred_at, Some(at(1_700_000_050)));
        assert_eq!(
            event.subject,
            WebhookSubject::Payment {
                payment_id: "pi_1".into(),
                status: PaymentStatus::Authorized,
                amount: Some(Money::from_minor(5000, Currency::JPY)),
                amount_captured: Some(Money::from_minor(0, Currency::JPY)),
            }
        );
    }

    #[test]
    fn refund_and_charge_events() {
        let refund = serde_json::json!({
            "id": "evt_2", "type": "refund.updated", "created": 5,
            "data": {"object": {"id": "re_1", "object": "refund", "amount": 300,
                "currency": "eur", "status": "failed", "payment_intent": "pi_1", "created": 4}}
        })
        .to_string();
        assert_eq!(
            read_event(refund.as_bytes()).unwrap().subject,
            WebhookSubject::Refund {
                refund_id: "re_1".into(),
                payment_id: "pi_1".into(),
                status: RefundStatus::Failed,
                amount: Some(Money::from_minor(300, Currency::EUR)),
            }
        );
        let charge = serde_json::json!({
            "id": "evt_3", "type": "charge.refunded",
            "data": {"object": {"id": "ch_1", "object": "charge", "amount": 1000,
                "amount_captured": 1000, "amount_refunded": 1000, "captured": true,
                "currency": "eur", "payment_intent": "pi_1"}}
        })
        .to_string();
        let event = read_event(charge.as_bytes()).unwrap();
        assert_eq!(event.occurred_at, None);
        assert!(matches!(
            event.subject,
            WebhookSubject::Payment {
                status: PaymentStatus::Succeeded,
                ..
            }
        ));
        let other = r#"{"id":"evt_4","type":"customer.created","data":{"object":{}}}"#;
        assert_eq!(
            read_event(other.as_bytes()).unwrap().subject,
            WebhookSubject::Other
        );
        assert!(matches!(
            read_event(b"not json"),
            Err(WebhookError::Malformed(_))
        ));
        let broken =
            r#"{"id":"evt_5","type":"payment_intent.succeeded","data":{"object":{"id":"pi"}}}"#;
        assert!(matches!(
            read_event(broken.as_bytes()),
            Err(WebhookError::Malformed(_))
        ));
    }
}
