//! Duffel's webhooks (`shared/providers/travel.md` §1.11): the `X-Duffel-Signature` check over
//! the raw body, the event envelope, and the airline-initiated change an
//! `order.airline_initiated_change_detected` event announces (v2 events carry no `changes`: the
//! order's changes are listed and the one named picked).
//!
//! The signature is `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. Duffel
//! documents no window for `t`; refusing signatures older (or newer) than a few minutes is our
//! policy, against replays.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;
use wayfare_domain::account::constant_time_eq;

use super::DuffelSupplier;
use super::transform::our_id;
use crate::flight::{ScheduleChange, SupplierError};

/// The header Duffel signs its events in (lowercase, as HTTP libraries hand header names).
pub const SIGNATURE_HEADER: &str = "x-duffel-signature";
/// The event announcing an airline-initiated change to an order.
pub const AIRLINE_INITIATED_CHANGE_DETECTED: &str = "order.airline_initiated_change_detected";

/// How far the signature's time may be from ours.
pub fn default_tolerance() -> Duration {
    Duration::minutes(5)
}

/// The webhook endpoint's secret (given once when the webhook is created). Never printed.
#[derive(Clone)]
pub struct WebhookSecret(Vec<u8>);

impl WebhookSecret {
    pub fn new(secret: impl Into<Vec<u8>>) -> WebhookSecret {
        WebhookSecret(secret.into())
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

/// What receiving Duffel's webhooks takes: the endpoint's secret and the connector the
/// announced changes are read with.
#[derive(Clone, Debug)]
pub struct WebhookReceiver {
    pub secret: WebhookSecret,
    pub supplier: Arc<DuffelSupplier>,
}

/// Why an event is not taken as Duffel's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("no X-Duffel-Signature header")]
    MissingSignature,
    #[error("the X-Duffel-Signature header is not t=<time>,v1=<hex>")]
    MalformedSignature,
    #[error("the signature does not match the body")]
    SignatureMismatch,
    #[error("the signature was made {seconds} s from now, beyond the tolerance")]
    Stale { seconds: i64 },
    #[error("the event cannot be read: {0}")]
    Unreadable(String),
}

/// HMAC-SHA256 over the parts, one after the other.
fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

/// The `X-Duffel-Signature` value for `body` sent at `timestamp` (what Duffel sends; for fakes
/// and tests).
pub fn sign(secret: &WebhookSecret, timestamp: i64, body: &[u8]) -> String {
    let t = timestamp.to_string();
    let mac = hmac_sha256(&secret.0, &[t.as_bytes(), b".", body]);
    format!("t={t},v1={}", hex::encode(mac))
}

/// Checks that `body` is what Duffel signed in `header`, no further than `tolerance` from
/// `now`. The comparison takes the same time wherever the signatures differ.
pub fn verify_signature(
    secret: &WebhookSecret,
    header: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Result<(), WebhookError> {
    let header = header.ok_or(WebhookError::MissingSignature)?.trim();
    let (t, v1) = header
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v1="))
        .ok_or(WebhookError::MalformedSignature)?;
    let timestamp: i64 = t.parse().map_err(|_| WebhookError::MalformedSignature)?;
    if v1.is_empty() || !v1.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(WebhookError::MalformedSignature);
    }
    let expected = hex::encode(hmac_sha256(&secret.0, &[t.as_bytes(), b".", body]));
    if !constant_time_eq(expected.as_bytes(), v1.to_ascii_lowercase().as_bytes()) {
        return Err(WebhookError::SignatureMismatch);
    }
    let seconds = now.timestamp().saturating_sub(timestamp);
    if seconds.saturating_abs() > tolerance.num_seconds() {
        return Err(WebhookError::Stale { seconds });
    }
    Ok(())
}

/// A webhook event (the envelope; `object` as sent).
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// `wev_…`: the same event delivered again has the same id.
    pub id: String,
    /// `order.created`, `order.airline_initiated_change_detected` …
    pub kind: String,
    pub api_version: Option<String>,
    pub live_mode: bool,
    pub idempotency_key: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    /// `data.object`.
    pub object: serde_json::Value,
}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    live_mode: bool,
    #[serde(default)]
    idempotency_key: Option<String>,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    data: Option<EnvelopeData>,
}

#[derive(Deserialize)]
struct EnvelopeData {
    #[serde(default)]
    object: serde_json::Value,
}

/// Reads the event envelope (after [`verify_signature`]).
pub fn parse_event(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    let e: Envelope =
        serde_json::from_slice(body).map_err(|e| WebhookError::Unreadable(e.to_string()))?;
    Ok(WebhookEvent {
        id: e.id,
        kind: e.kind,
        api_version: e.api_version,
        live_mode: e.live_mode,
        idempotency_key: e.idempotency_key,
        created_at: e.created_at,
        object: e.data.map(|d| d.object).unwrap_or(serde_json::Value::Null),
    })
}

/// The order and change an `order.airline_initiated_change_detected` event announces, in our
/// ids (`duffel:ord_…`, `duffel:aic_…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeNotice {
    pub order_id: String,
    /// `None` when the event does not name it: every change of the order is read.
    pub change_id: Option<String>,
}

impl WebhookEvent {
    /// For an airline-initiated change event: the order and the change. v2 sends the order as
    /// `data.object` with the change as `aic_id`; the change itself (with `order_id`) is read
    /// too, and v1 names the change in `idempotency_key`.
    pub fn airline_initiated_change(&self) -> Option<ChangeNotice> {
        if self.kind != AIRLINE_INITIATED_CHANGE_DETECTED {
            return None;
        }
        let field = |k: &str| self.object.get(k).and_then(|v| v.as_str());
        let id = field("id");
        let (order, change) = match id {
            Some(aic) if aic.starts_with("aic_") => (field("order_id"), Some(aic)),
            _ => (
                id.or(field("order_id")),
                field("aic_id").or(self
                    .idempotency_key
                    .as_deref()
                    .filter(|k| k.starts_with("aic_"))),
            ),
        };
        let valid = |s: &&str| super::transform::duffel_id(s).is_some();
        Some(ChangeNotice {
            order_id: our_id(order.filter(valid)?),
            change_id: change.filter(valid).map(our_id),
        })
    }
}

impl DuffelSupplier {
    /// The changes a webhook announced, as they stand now: the one it names, or every change
    /// of the order when it names none.
    pub async fn announced_changes(
        &self,
        notice: &ChangeNotice,
    ) -> Result<Vec<ScheduleChange>, SupplierError> {
        let all = self.airline_initiated_changes(&notice.order_id).await?;
        Ok(match &notice.change_id {
            Some(id) => all.into_iter().filter(|c| &c.id == id).collect(),
            None => all,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Ruby SDK's test vector (§1.11).
    const RB_BODY: &str = r#"{"created_at":"2022-01-08T18:44:56.129339Z","data":{"changes":{},"object":{}},"id":"eve_0000AFEsrBKZAcKgGtZCnQ","live_mode":false,"object":"order","type":"order.updated"}"#;
    const RB_HEADER: &str =
        "t=1641667496,v1=691f25ffb1f206c0fda5bb7b1a9d60fafe42c5f42819d44a06a7cfe09486f102";

    fn rb_now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_641_667_496 + 10, 0).unwrap()
    }

    #[test]
    fn hmac_known_answers() {
        // RFC 4231 test cases 2 and 6 (a key longer than the block).
        assert_eq!(
            hex::encode(hmac_sha256(
                b"Jefe",
                &[b"what do ya want ", b"for nothing?"]
            )),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex::encode(hmac_sha256(
                &[0xaa; 131],
                &[b"Test Using Larger Than Block-Size Key - Hash Key First"]
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn the_sdk_vector_verifies_and_signs_the_same() {
        let secret = WebhookSecret::new("a_secret");
        assert_eq!(
            verify_signature(
                &secret,
                Some(RB_HEADER),
                RB_BODY.as_bytes(),
                rb_now(),
                default_tolerance()
            ),
            Ok(())
        );
        assert_eq!(sign(&secret, 1_641_667_496, RB_BODY.as_bytes()), RB_HEADER);
        // Upper-case hex is the same signature.
        let upper = RB_HEADER.replace("v1=691f", "v1=691F");
        assert!(
            verify_signature(
                &secret,
                Some(&upper),
                RB_BODY.as_bytes(),
                rb_now(),
                default_tolerance()
            )
            .is_ok()
        );
    }

    #[test]
    fn a_wrong_secret_body_or_time_does_not_verify() {
        let secret = WebhookSecret::new("a_secret");
        let check = |secret: &WebhookSecret, header: Option<&str>, body: &str, now| {
            verify_signature(secret, header, body.as_bytes(), now, default_tolerance())
        };
        assert_eq!(
            check(
                &WebhookSecret::new("another"),
                Some(RB_HEADER),
                RB_BODY,
                rb_now()
            ),
            Err(WebhookError::SignatureMismatch)
        );
        let tampered = RB_BODY.replace("false", "true");
        assert_eq!(
            check(&secret, Some(RB_HEADER), &tampered, rb_now()),
            Err(WebhookError::SignatureMismatch)
        );
        // The time is signed: moving it breaks the signature.
        let moved = RB_HEADER.replace("t=1641667496", "t=1641667497");
        assert_eq!(
            check(&secret, Some(&moved), RB_BODY, rb_now()),
            Err(WebhookError::SignatureMismatch)
        );
        // Genuine but more than five minutes old, or from the future.
        let late = rb_now() + Duration::minutes(5);
        assert_eq!(
            check(&secret, Some(RB_HEADER), RB_BODY, late),
            Err(WebhookError::Stale { seconds: 310 })
        );
        let early = rb_now() - Duration::minutes(6);
        assert!(matches!(
            check(&secret, Some(RB_HEADER), RB_BODY, early),
            Err(WebhookError::Stale { .. })
        ));
        let edge = DateTime::from_timestamp(1_641_667_496 + 300, 0).unwrap();
        assert_eq!(check(&secret, Some(RB_HEADER), RB_BODY, edge), Ok(()));
        for bad in [
            "",
            "v1=691f",
            "t=1641667496",
            "t=soon,v1=691f",
            "t=1641667496,v1=",
            "t=1641667496,v1=zz",
            "t=1641667496;v1=691f",
        ] {
            assert_eq!(
                check(&secret, Some(bad), RB_BODY, rb_now()),
                Err(WebhookError::MalformedSignature),
                "{bad:?}"
            );
        }
        assert_eq!(
            check(&secret, None, RB_BODY, rb_now()),
            Err(WebhookError::MissingSignature)
        );
    }

    #[test]
    fn events_and_the_change_they_announce() {
        let v2 = br#"{"id":"wev_0000A4tQSmKyqOrcySrGbo","api_version":"v2",
            "type":"order.airline_initiated_change_detected",
            "data":{"object":{"id":"ord_0000AbC","aic_id":"aic_0000XyZ"}},
            "live_mode":false,"idempotency_key":"aic_0000XyZ",
            "created_at":"2026-01-11T09:00:00.000000Z","identity_organisation_id":"org_1"}"#;
        let e = parse_event(v2).unwrap();
        assert_eq!(e.id, "wev_0000A4tQSmKyqOrcySrGbo");
        assert_eq!(e.kind, AIRLINE_INITIATED_CHANGE_DETECTED);
        assert!(!e.live_mode);
        assert_eq!(
            e.airline_initiated_change(),
            Some(ChangeNotice {
                order_id: "duffel:ord_0000AbC".into(),
                change_id: Some("duffel:aic_0000XyZ".into()),
            })
        );
        // The change itself as the object; or an order with no change named.
        let aic = br#"{"id":"wev_1","type":"order.airline_initiated_change_detected",
            "data":{"object":{"id":"aic_0000XyZ","order_id":"ord_0000AbC"}}}"#;
        assert_eq!(
            parse_event(aic).unwrap().airline_initiated_change(),
            Some(ChangeNotice {
                order_id: "duffel:ord_0000AbC".into(),
                change_id: Some("duffel:aic_0000XyZ".into()),
            })
        );
        let bare = br#"{"id":"wev_2","type":"order.airline_initiated_change_detected",
            "data":{"object":{"id":"ord_0000AbC"}}}"#;
        assert_eq!(
            parse_event(bare)
                .unwrap()
                .airline_initiated_change()
                .unwrap()
                .change_id,
            None
        );
        // Other events announce no change; ids that cannot be Duffel's are not followed.
        let created = br#"{"id":"wev_3","type":"order.created","data":{"object":{"id":"ord_1"}}}"#;
        assert_eq!(
            parse_event(created).unwrap().airline_initiated_change(),
            None
        );
        let odd = br#"{"id":"wev_4","type":"order.airline_initiated_change_detected",
            "data":{"object":{"id":"../../air/payments"}}}"#;
        assert_eq!(parse_event(odd).unwrap().airline_initiated_change(), None);
        assert!(matches!(
            parse_event(b"not json"),
            Err(WebhookError::Unreadable(_))
        ));
        assert!(matches!(
            parse_event(br#"{"type":"order.created"}"#),
            Err(WebhookError::Unreadable(_))
        ));
    }

    #[test]
    fn the_secret_never_prints() {
        assert!(!format!("{:?}", WebhookSecret::new("whsec_s3cr3t")).contains("s3cr3t"));
    }
}
