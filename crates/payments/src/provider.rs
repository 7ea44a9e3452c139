//! The payment provider contract and the values it speaks in.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use wayfare_domain::Money;

/// The time source: the system clock in production, a fixed or stepped one in tests.
pub use wayfare_domain::Clock;

/// The longest idempotency key accepted (Stripe's limit).
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// When the money is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capture {
    /// Charged when the payment is confirmed.
    Automatic,
    /// Only authorised when confirmed; [`PaymentProvider::capture`] takes it later (Stripe's
    /// `capture_method=manual`).
    Manual,
}

impl Capture {
    /// The snake_case name, as serialised and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Capture::Automatic => "automatic",
            Capture::Manual => "manual",
        }
    }

    /// The value named by [`Capture::as_str`].
    pub fn parse(s: &str) -> Option<Capture> {
        Some(match s {
            "automatic" => Capture::Automatic,
            "manual" => Capture::Manual,
            _ => return None,
        })
    }
}

/// Where a payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// The customer must act first (3-D Secure, a wallet approval): send them to
    /// [`Payment::next_action_url`], then call [`PaymentProvider::complete_action`] (or wait for
    /// the provider's notification).
    RequiresAction,
    /// The provider has the payment but has not decided yet (asynchronous methods, pending
    /// captures): look again later, or wait for the provider's notification (the sandbox's
    /// `pm_card_sandboxLateWebhook`).
    Processing,
    /// Authorised and waiting for [`PaymentProvider::capture`] or [`PaymentProvider::void`]
    /// (Stripe's `requires_capture`).
    Authorized,
    /// The money was taken ([`Payment::amount_captured`]); refunds do not change this status.
    Succeeded,
    /// Voided before capture; nothing was taken.
    Canceled,
    /// Declined or not authenticated; [`Payment::failure`] says why. Final: pay again with a
    /// new payment.
    Failed,
}

impl PaymentStatus {
    /// The snake_case name, as serialised and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::RequiresAction => "requires_action",
            PaymentStatus::Processing => "processing",
            PaymentStatus::Authorized => "authorized",
            PaymentStatus::Succeeded => "succeeded",
            PaymentStatus::Canceled => "canceled",
            PaymentStatus::Failed => "failed",
        }
    }

    /// The status named by [`PaymentStatus::as_str`].
    pub fn parse(s: &str) -> Option<PaymentStatus> {
        Some(match s {
            "requires_action" => PaymentStatus::RequiresAction,
            "processing" => PaymentStatus::Processing,
            "authorized" => PaymentStatus::Authorized,
            "succeeded" => PaymentStatus::Succeeded,
            "canceled" => PaymentStatus::Canceled,
            "failed" => PaymentStatus::Failed,
            _ => return None,
        })
    }

    /// True when nothing will change the status any more (refunds do not).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            PaymentStatus::Succeeded | PaymentStatus::Canceled | PaymentStatus::Failed
        )
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a payment failed, in Stripe's words: `code` such as `card_declined`, `expired_card` or
/// `payment_intent_authentication_failure`; for card declines the issuer's `decline_code` such
/// as `generic_decline` or `insufficient_funds`; and a message fit to show the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentFailure {
    pub code: String,
    pub decline_code: Option<String>,
    pub message: String,
}

/// A payment to make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRequest {
    /// More than zero.
    pub amount: Money,
    /// The provider's payment method: a Stripe `pm_…` id, a wallet's name; for the sandbox one
    /// of [`crate::TEST_METHODS`].
    pub payment_method: String,
    pub capture: Capture,
    /// Up to [`MAX_IDEMPOTENCY_KEY_LEN`] characters, unique per payment attempt.
    pub idempotency_key: String,
    /// Our order reference, kept with the payment for reconciliation.
    pub reference: String,
    /// Shown on the customer's statement or receipt where the provider supports it.
    pub description: String,
    pub customer_email: Option<String>,
    /// Where the customer comes back to after a redirect (3-D Secure, a wallet); connectors that
    /// redirect need it. The sandbox's authentication page is ours, so it ignores it.
    pub return_url: Option<String>,
    /// Pay in this many monthly instalments (3, 6 or 12), `amount` including the plan's fee.
    /// The card's plan (Stripe's `payment_method_options[card][installments]`, the sandbox's
    /// saved-card plan) is collected by the provider; a provider without plans refuses it.
    /// `None`: one payment.
    #[serde(default)]
    pub instalments: Option<u8>,
    /// The payer's IP address, as the payer's browser reached us. WeChat Pay's H5 orders
    /// require it (`scene_info.payer_client_ip`) and refuse to pay from another network;
    /// the other connectors do not send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_ip: Option<String>,
}

/// A payment as the provider has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// The provider's id (`pi_…` at Stripe, `pi_sbx_…` in the sandbox).
    pub id: String,
    /// [`PaymentProvider::name`] of the provider holding it.
    pub provider: String,
    pub status: PaymentStatus,
    /// The amount asked for (authorised, when authorised).
    pub amount: Money,
    /// What was taken: zero until captured, then all or part of `amount`.
    pub amount_captured: Money,
    /// The sum of the refunds made.
    pub amount_refunded: Money,
    pub capture: Capture,
    pub payment_method: String,
    /// Our order reference given at creation.
    pub reference: String,
    /// Set when `status` is [`PaymentStatus::Failed`].
    pub failure: Option<PaymentFailure>,
    /// Set when `status` is [`PaymentStatus::RequiresAction`]: where to send the customer.
    /// Absolute for real providers; the sandbox's is relative (`/payments/sandbox/authenticate/{id}`).
    pub next_action_url: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Payment {
    /// What can still be captured: the whole amount while authorised, else nothing.
    pub fn amount_capturable(&self) -> Money {
        if self.status == PaymentStatus::Authorized {
            self.amount
        } else {
            Money::zero(self.amount.currency())
        }
    }

    /// What can still be refunded: captured minus refunded.
    pub fn amount_refundable(&self) -> Money {
        Money::from_minor(
            (self.amount_captured.minor() - self.amount_refunded.minor()).max(0),
            self.amount.currency(),
        )
    }
}

/// A refund to make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequest {
    pub payment_id: String,
    /// In the payment's currency; `None` refunds everything not yet refunded.
    pub amount: Option<Money>,
    /// Why, for the records (Stripe's `duplicate`, `fraudulent`, `requested_by_customer`, or
    /// our own words).
    pub reason: String,
    /// Up to [`MAX_IDEMPOTENCY_KEY_LEN`] characters, unique per refund.
    pub idempotency_key: String,
}

/// Where a refund stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    Succeeded,
    /// Accepted but not settled; some providers take days. Look again with
    /// [`PaymentProvider::get_refund`]. The sandbox's refunds succeed at once.
    Pending,
    Failed,
}

impl RefundStatus {
    /// The snake_case name, as serialised and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Succeeded => "succeeded",
            RefundStatus::Pending => "pending",
            RefundStatus::Failed => "failed",
        }
    }

    /// The status named by [`RefundStatus::as_str`].
    pub fn parse(s: &str) -> Option<RefundStatus> {
        Some(match s {
            "succeeded" => RefundStatus::Succeeded,
            "pending" => RefundStatus::Pending,
            "failed" => RefundStatus::Failed,
            _ => return None,
        })
    }
}

impl fmt::Display for RefundStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refund as the provider has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// The provider's id (`re_…` at Stripe, `re_sbx_…` in the sandbox).
    pub id: String,
    pub payment_id: String,
    pub amount: Money,
    pub status: RefundStatus,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

/// A request the provider could not carry out. Declines are not errors: they come back as a
/// [`Payment`] with status [`PaymentStatus::Failed`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// The idempotency key was used before for a different request (Stripe's
    /// `idempotency_error`). Nothing was done.
    #[error("the idempotency key was already used for a different request")]
    IdempotencyKeyReused,
    /// No payment or refund with this id.
    #[error("payment or refund {0} not found")]
    NotFound(String),
    /// The request cannot be valid: amount not above zero, unknown payment method, currency
    /// other than the payment's, capture above the authorised amount, refund above what is
    /// left, missing or too long idempotency key. Nothing was done.
    #[error("invalid payment request: {0}")]
    InvalidRequest(String),
    /// The payment's status does not allow the operation: capturing a failed payment, voiding a
    /// captured one, refunding one not captured. Nothing was done.
    #[error("the payment is {status}, which does not allow this")]
    InvalidState { status: PaymentStatus },
    /// The provider is down or failed inside; nothing is known to have been done. Retry later
    /// with the same idempotency key.
    #[error("the payment provider is unavailable: {0}")]
    Unavailable(String),
    /// No answer in time: the request may or may not have been carried out. Retry with the
    /// same idempotency key to find out.
    #[error("the payment provider did not answer in time")]
    Timeout,
}

/// A payment provider: the sandbox, and later Stripe, PayPal, Alipay and WeChat Pay.
///
/// Operations that move money take an idempotency key: the same key with the same request
/// answers what the first call did (the payment or refund as it is now) without doing it
/// again; the same key with a different request is [`PaymentError::IdempotencyKeyReused`].
#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync {
    /// A short stable name: `sandbox`, `stripe`.
    fn name(&self) -> &'static str;

    /// Creates and confirms a payment for `amount` with the given method.
    /// [`Capture::Automatic`] charges now; [`Capture::Manual`] only authorises (captured
    /// later). A decline is `Ok` with status [`PaymentStatus::Failed`] and the failure; a
    /// method that needs the customer is `Ok` with [`PaymentStatus::RequiresAction`].
    async fn create_payment(&self, req: &PaymentRequest) -> Result<Payment, PaymentError>;

    /// The payment as the provider has it now.
    async fn get_payment(&self, id: &str) -> Result<Payment, PaymentError>;

    /// After a [`PaymentStatus::RequiresAction`] payment: the customer's answer (sandbox:
    /// approve or fail). Approved, the payment goes on as it would have without the action
    /// (succeeded or authorised); refused, it fails with
    /// `payment_intent_authentication_failure`. Giving the same answer again returns the
    /// payment; the other answer is [`PaymentError::InvalidState`].
    async fn complete_action(&self, id: &str, approved: bool) -> Result<Payment, PaymentError>;

    /// Takes an authorised payment: all of it (`None`) or `amount` of it, the rest being
    /// released. Only from [`PaymentStatus::Authorized`]; one capture per payment.
    async fn capture(
        &self,
        id: &str,
        amount: Option<Money>,
        idempotency_key: &str,
    ) -> Result<Payment, PaymentError>;

    /// Releases an authorisation that was not captured (Stripe cancel), or abandons a payment
    /// waiting for the customer. A captured payment is refunded instead.
    async fn void(&self, id: &str, idempotency_key: &str) -> Result<Payment, PaymentError>;

    /// Refunds part or all of a captured payment; never more than captured minus refunded.
    async fn refund(&self, req: &RefundRequest) -> Result<Refund, PaymentError>;

    /// The refund as the provider has it now (to follow a [`RefundStatus::Pending`] one).
    async fn get_refund(&self, id: &str) -> Result<Refund, PaymentError>;

    /// Verifies a notification the provider sent to `POST /api/v1/webhooks/{name}` and reads
    /// it. The signature is checked over the raw body before anything else; see
    /// [`crate::webhook`]. Providers without notifications keep this default.
    async fn parse_webhook(
        &self,
        _req: &crate::webhook::WebhookRequest<'_>,
    ) -> Result<crate::webhook::WebhookEvent, crate::webhook::WebhookError> {
        Err(crate::webhook::WebhookError::Unsupported)
    }
}

/// Refuses an amount in another currency than the payment's, or not above zero.
pub(crate) fn check_amount(
    amount: Money,
    payment: &Payment,
    what: &str,
) -> Result<(), PaymentError> {
    if amount.currency() != payment.amount.currency() {
        return Err(PaymentError::InvalidRequest(format!(
            "the {what} is in {}, the payment in {}",
            amount.currency(),
            payment.amount.currency()
        )));
    }
    if amount.minor() <= 0 {
        return Err(PaymentError::InvalidRequest(format!(
            "the {what} must be more than zero"
        )));
    }
    Ok(())
}

/// A provider-side number derived from an idempotency key (Alipay's `out_trade_no`, WeChat
/// Pay's `out_refund_no` …): `prefix` and the first `hex_digits` hex digits of the key's
/// SHA-256, so a retry with the same key names the same trade or refund.
pub(crate) fn number_for_key(prefix: &str, key: &str, hex_digits: usize) -> String {
    use sha2::Digest;
    let digest = hex::encode(sha2::Sha256::digest(key.as_bytes()));
    format!("{prefix}{}", &digest[..hex_digits.min(digest.len())])
}

/// Checks an idempotency key is present and not too long.
pub(crate) fn check_idempotency_key(key: &str) -> Result<(), PaymentError> {
    if key.trim().is_empty() {
        return Err(PaymentError::InvalidRequest(
            "an idempotency key is required".into(),
        ));
    }
    if key.chars().count() > MAX_IDEMPOTENCY_KEY_LEN {
        return Err(PaymentError::InvalidRequest(format!(
            "the idempotency key is longer than {MAX_IDEMPOTENCY_KEY_LEN} characters"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wayfare_domain::Currency;

    #[test]
    fn statuses_round_trip_in_snake_case() {
        for s in [
            PaymentStatus::RequiresAction,
            PaymentStatus::Processing,
            PaymentStatus::Authorized,
            PaymentStatus::Succeeded,
            PaymentStatus::Canceled,
            PaymentStatus::Failed,
        ] {
            assert_eq!(PaymentStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::String(s.as_str().into())
            );
        }
        assert_eq!(PaymentStatus::parse("requires_capture"), None);
        for s in [
            RefundStatus::Succeeded,
            RefundStatus::Pending,
            RefundStatus::Failed,
        ] {
            assert_eq!(RefundStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::String(s.as_str().into())
            );
        }
        for c in [Capture::Automatic, Capture::Manual] {
            assert_eq!(Capture::parse(c.as_str()), Some(c));
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                serde_json::Value::String(c.as_str().into())
            );
        }
    }

    #[test]
    fn refundable_and_capturable_amounts() {
        let m = |minor| Money::from_minor(minor, Currency::EUR);
        let mut p = Payment {
            id: "pi_x".into(),
            provider: "sandbox".into(),
            status: PaymentStatus::Authorized,
            amount: m(10_000),
            amount_captured: m(0),
            amount_refunded: m(0),
            capture: Capture::Manual,
            payment_method: "pm_card_visa".into(),
            reference: "WF-1".into(),
            failure: None,
            next_action_url: None,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
        };
        assert_eq!(p.amount_capturable(), m(10_000));
        assert_eq!(p.amount_refundable(), m(0));
        p.status = PaymentStatus::Succeeded;
        p.amount_captured = m(8_000);
        p.amount_refunded = m(3_000);
        assert_eq!(p.amount_capturable(), m(0));
        assert_eq!(p.amount_refundable(), m(5_000));
    }

    #[test]
    fn idempotency_keys_must_be_present_and_short() {
        assert!(check_idempotency_key("order-1:pay").is_ok());
        assert!(matches!(
            check_idempotency_key("  "),
            Err(PaymentError::InvalidRequest(_))
        ));
        assert!(check_idempotency_key(&"k".repeat(255)).is_ok());
        assert!(matches!(
            check_idempotency_key(&"k".repeat(256)),
            Err(PaymentError::InvalidRequest(_))
        ));
    }
}
