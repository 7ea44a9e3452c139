//! The sandbox's signed notifications: Stripe's scheme under our own header
//! (`Sandbox-Signature: t=…,v1=…`), and Stripe-like `payment_intent.*` event bodies.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde_json::json;
use sha2::Sha256;
use wayfare_domain::{Currency, Money};
use wayfare_store::sandbox_payments::SandboxPaymentRow;

use crate::provider::PaymentStatus;
use crate::webhook::{WebhookError, WebhookEvent, WebhookRequest, WebhookSubject};

use super::NAME;

/// The header the sandbox signs its notifications in.
pub const SIGNATURE_HEADER: &str = "Sandbox-Signature";

/// How far a signature's timestamp may be from the time the notification was received.
pub const TOLERANCE: Duration = Duration::from_secs(300);

type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256 over `"{t}.{body}"`. HMAC takes keys of any length, so `None` does not happen
/// in practice; callers treat it as "does not verify".
fn mac_over(secret: &[u8], t: i64, body: &[u8]) -> Option<HmacSha256> {
    let mut mac = HmacSha256::new_from_slice(secret).ok()?;
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// The [`SIGNATURE_HEADER`] value for `body` signed at `t` (Unix seconds):
/// `t={t},v1={hex HMAC-SHA256(secret, "{t}.{body}")}`.
pub fn sign_webhook(secret: &[u8], body: &[u8], t: i64) -> String {
    let v1 = mac_over(secret, t, body)
        .map(|mac| hex::encode(mac.finalize().into_bytes()))
        .unwrap_or_default();
    format!("t={t},v1={v1}")
}

/// Checks a [`SIGNATURE_HEADER`] value against the raw body: one of its `v1` values must be
/// the body's signature (compared in constant time), and its `t` within [`TOLERANCE`] of
/// `now` either way.
pub(crate) fn verify(
    header: &str,
    body: &[u8],
    secret: &[u8],
    now: DateTime<Utc>,
) -> Result<(), WebhookError> {
    let mut t = None;
    let mut v1 = Vec::new();
    for item in header.split(',') {
        match item.trim().split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => v1.push(value),
            _ => {}
        }
    }
    let t = t.ok_or(WebhookError::BadSignature)?;
    let mac = mac_over(secret, t, body).ok_or(WebhookError::BadSignature)?;
    let matches = v1.iter().any(|candidate| {
        hex::decode(candidate)
            .map(|bytes| mac.clone().verify_slice(&bytes).is_ok())
            .unwrap_or(false)
    });
    if !matches {
        return Err(WebhookError::BadSignature);
    }
    if now.timestamp().abs_diff(t) > TOLERANCE.as_secs() {
        return Err(WebhookError::Stale);
    }
    Ok(())
}

/// Stripe's event type for a payment now in `status`.
pub(crate) fn event_type(status: PaymentStatus) -> &'static str {
    match status {
        PaymentStatus::RequiresAction => "payment_intent.requires_action",
        PaymentStatus::Processing => "payment_intent.processing",
        PaymentStatus::Authorized => "payment_intent.amount_capturable_updated",
        PaymentStatus::Succeeded => "payment_intent.succeeded",
        PaymentStatus::Canceled => "payment_intent.canceled",
        PaymentStatus::Failed => "payment_intent.payment_failed",
    }
}

/// The payment an event is about, as its body carries it.
pub(crate) struct EventObject<'a> {
    pub id: &'a str,
    pub status: PaymentStatus,
    pub amount_minor: i64,
    pub amount_captured_minor: i64,
    /// ISO code, any case.
    pub currency: &'a str,
    pub reference: &'a str,
}

impl<'a> EventObject<'a> {
    /// `None` when the row's status is not one of ours.
    pub(crate) fn of_row(row: &'a SandboxPaymentRow) -> Option<EventObject<'a>> {
        Some(EventObject {
            id: &row.id,
            status: PaymentStatus::parse(&row.status)?,
            amount_minor: row.amount_minor,
            amount_captured_minor: row.amount_captured_minor,
            currency: &row.currency,
            reference: &row.reference,
        })
    }
}

/// `(event type, JSON body)` of event `event_id` about `object`, created at `created`.
pub(crate) fn event_body(
    event_id: &str,
    created: DateTime<Utc>,
    object: &EventObject<'_>,
) -> (&'static str, String) {
    let kind = event_type(object.status);
    let body = json!({
        "id": event_id,
        "object": "event",
        "type": kind,
        "created": created.timestamp(),
        "data": {"object": {
            "id": object.id,
            "object": "payment_intent",
            "status": object.status.as_str(),
            "amount": object.amount_minor,
            "amount_captured": object.amount_captured_minor,
            "currency": object.currency.to_ascii_lowercase(),
            "reference": object.reference,
        }},
    });
    (kind, body.to_string())
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
    object: PaymentWire,
}

#[derive(Deserialize)]
struct PaymentWire {
    id: String,
    status: PaymentStatus,
    amount: i64,
    amount_captured: i64,
    currency: String,
}

fn malformed(what: impl std::fmt::Display) -> WebhookError {
    WebhookError::Malformed(what.to_string())
}

/// Verifies `req` with `secret` (`None`: notifications are not configured) and reads it.
pub(crate) fn parse(
    req: &WebhookRequest<'_>,
    secret: Option<&[u8]>,
) -> Result<WebhookEvent, WebhookError> {
    let secret = secret.ok_or(WebhookError::Unsupported)?;
    let header = req
        .header(SIGNATURE_HEADER)
        .ok_or(WebhookError::MissingSignature)?;
    verify(header, req.body, secret, req.received_at)?;
    read_event(req.body)
}

/// Reads a verified body. The sandbox only sends `payment_intent.*` events.
fn read_event(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    let event: EventWire = serde_json::from_slice(body).map_err(malformed)?;
    let object = event.data.object;
    let currency = Currency::parse(&object.currency.to_ascii_uppercase()).map_err(malformed)?;
    Ok(WebhookEvent {
        provider: NAME.to_owned(),
        event_id: event.id,
        event_type: event.kind,
        subject: WebhookSubject::Payment {
            payment_id: object.id,
            status: object.status,
            amount: Some(Money::from_minor(object.amount, currency)),
            amount_captured: Some(Money::from_minor(object.amount_captured, currency)),
        },
        occurred_at: event
            .created
            .and_then(|secs| DateTime::from_timestamp(secs, 0)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"sandbox-secret";

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    #[test]
    fn signatures_verify_within_the_tolerance_only() {
        let body = br#"{"id":"evt_sbx_1"}"#;
        let header = sign_webhook(SECRET, body, 1_700_000_000);
        assert!(header.starts_with("t=1700000000,v1="));
        assert_eq!(header.len(), "t=1700000000,v1=".len() + 64);
        assert_eq!(verify(&header, body, SECRET, at(1_700_000_300)), Ok(()));
        assert_eq!(verify(&header, body, SECRET, at(1_699_999_700)), Ok(()));
        assert_eq!(
            verify(&header, body, SECRET, at(1_700_000_301)),
            Err(WebhookError::Stale)
        );
        assert_eq!(
            verify(&header, b"{}", SECRET, at(1_700_000_000)),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify(&header, body, b"other", at(1_700_000_000)),
            Err(WebhookError::BadSignature)
        );
        for bad in ["", "garbage", "v1=00", "t=soon,v1=00", "t=1700000000"] {
            assert_eq!(
                verify(bad, body, SECRET, at(1_700_000_000)),
                Err(WebhookError::BadSignature),
                "{bad}"
            );
        }
    }

    #[test]
    fn bodies_read_back_into_events() {
        let object = EventObject {
            id: "pi_sbx_1",
            status: PaymentStatus::Authorized,
            amount_minor: 5_000,
            amount_captured_minor: 0,
            currency: "EUR",
            reference: "WF-1",
        };
        let (kind, body) = event_body("evt_sbx_1", at(1_700_000_000), &object);
        assert_eq!(kind, "payment_intent.amount_capturable_updated");
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(value["data"]["object"]["currency"], "eur");
        assert_eq!(value["data"]["object"]["status"], "authorized");
        let event = read_event(body.as_bytes()).unwrap();
        assert_eq!(event.provider, "sandbox");
        assert_eq!(event.event_id, "evt_sbx_1");
        assert_eq!(event.event_type, kind);
        assert_eq!(event.occurred_at, Some(at(1_700_000_000)));
        assert_eq!(
            event.subject,
            WebhookSubject::Payment {
                payment_id: "pi_sbx_1".into(),
                status: PaymentStatus::Authorized,
                amount: Some(Money::from_minor(5_000, Currency::EUR)),
                amount_captured: Some(Money::from_minor(0, Currency::EUR)),
            }
        );
        assert!(matches!(
            read_event(b"not json"),
            Err(WebhookError::Malformed(_))
        ));
    }
}
