//! Provider notifications (webhooks): what a connector makes of a request it received, after
//! checking that the provider sent it.
//!
//! A connector verifies the signature over the **raw bytes** of the body before reading
//! anything from it, and answers a [`WebhookError`] for anything it cannot verify; the caller
//! (`POST /api/v1/webhooks/{provider}`) then answers 400 and changes nothing. A verified
//! notification becomes a [`WebhookEvent`]: the provider's event id (to drop repeats), the
//! payment or refund it is about, and the state the provider says it is in. The caller checks
//! the amount and currency against its own record and that the event does not move a payment
//! backwards (notifications may come out of order).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use wayfare_domain::Money;

use crate::provider::{PaymentStatus, RefundStatus};

/// A request as it reached our webhook endpoint.
#[derive(Debug, Clone)]
pub struct WebhookRequest<'a> {
    /// Header names in lower case, values as received.
    pub headers: &'a [(String, String)],
    /// The body exactly as received.
    pub body: &'a [u8],
    /// When it was received (signature timestamps are checked against it).
    pub received_at: DateTime<Utc>,
}

impl WebhookRequest<'_> {
    /// The first value of header `name` (given in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What a verified notification is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WebhookSubject {
    /// A payment's state changed (authorised, captured, failed, voided …).
    Payment {
        /// The provider's payment id, as [`crate::Payment::id`] has it.
        payment_id: String,
        status: PaymentStatus,
        /// The payment's amount, when the notification carries it.
        amount: Option<Money>,
        /// What has been captured so far, when the notification carries it.
        amount_captured: Option<Money>,
    },
    /// A refund's state changed.
    Refund {
        refund_id: String,
        payment_id: String,
        status: RefundStatus,
        amount: Option<Money>,
    },
    /// A verified event of a kind we do not act on (kept for the log).
    Other,
}

/// A notification whose signature was verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// [`crate::PaymentProvider::name`] of the provider that sent it.
    pub provider: String,
    /// The provider's id for this event (Stripe `evt_…`, PayPal `WH-…`, Alipay `notify_id`,
    /// WeChat Pay `id`), used to drop repeats.
    pub event_id: String,
    /// The provider's name for the event (`payment_intent.succeeded`,
    /// `PAYMENT.CAPTURE.COMPLETED`, `TRADE_SUCCESS`, `TRANSACTION.SUCCESS` …).
    pub event_type: String,
    pub subject: WebhookSubject,
    /// When the provider says the event happened, if it says.
    pub occurred_at: Option<DateTime<Utc>>,
}

/// Why a notification was not accepted. Each is answered 400 and logged; nothing changes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The signature header (or field) is missing.
    #[error("the notification carries no signature")]
    MissingSignature,
    /// The signature does not match the body.
    #[error("the notification's signature does not verify")]
    BadSignature,
    /// Signed too long ago (or in the future) for the provider's tolerance: a replay.
    #[error("the notification's timestamp is outside the tolerance")]
    Stale,
    /// Verified but not understood.
    #[error("the notification could not be read: {0}")]
    Malformed(String),
    /// The connector takes no notifications, or is not configured to verify them.
    #[error("this provider's notifications are not accepted here")]
    Unsupported,
    /// Verifying needs the provider (PayPal's verify call, WeChat Pay's certificates) and it
    /// could not be reached; the provider will send it again.
    #[error("the notification could not be verified now: {0}")]
    Unavailable(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_found_whatever_their_case() {
        let headers = vec![("stripe-signature".to_owned(), "t=1,v1=ab".to_owned())];
        let req = WebhookRequest {
            headers: &headers,
            body: b"{}",
            received_at: DateTime::<Utc>::UNIX_EPOCH,
        };
        assert_eq!(req.header("Stripe-Signature"), Some("t=1,v1=ab"));
        assert_eq!(req.header("paypal-transmission-id"), None);
    }
}
