//! Payments: the [`PaymentProvider`] contract every payment connector implements, and the
//! built-in [`sandbox`] provider the demo and the tests use.
//!
//! The contract follows Stripe's PaymentIntents, the richest of the providers we connect to:
//!
//! - [`PaymentProvider::create_payment`] creates and confirms a payment. With
//!   [`Capture::Automatic`] the money is taken at once ([`PaymentStatus::Succeeded`]); with
//!   [`Capture::Manual`] it is only authorised ([`PaymentStatus::Authorized`]) and taken later by
//!   [`PaymentProvider::capture`] (all of it or less) or released by [`PaymentProvider::void`].
//! - A payment that needs the customer (3-D Secure, a wallet's approval page, a QR code) comes
//!   back as [`PaymentStatus::RequiresAction`] with a [`Payment::next_action_url`] to send them
//!   to; the answer comes back through [`PaymentProvider::complete_action`].
//! - [`PaymentProvider::refund`] refunds part or all of what was captured, as many times as
//!   needed, never more than captured minus refunded.
//!
//! **Declines are answers, not errors.** When the bank or the customer says no (a card declined,
//! insufficient funds, failed authentication), the call succeeds and returns the payment with
//! status [`PaymentStatus::Failed`] and a [`PaymentFailure`] (Stripe's `last_payment_error`), so
//! the caller records the failed attempt like any other and can show the reason. A
//! [`PaymentError`] means the request itself could not be carried out: a bad request, a wrong
//! state, an unknown id, a reused idempotency key, or a provider that is down or slow.
//!
//! **Every call that changes money carries an idempotency key** (Stripe's `Idempotency-Key`,
//! PayPal's `PayPal-Request-Id`). Retrying with the same key and the same request answers what
//! the first call did without doing it again, so a caller that timed out retries safely; the
//! same key with a different request is [`PaymentError::IdempotencyKeyReused`]. A request that
//! failed validation keeps nothing, so the key stays free.

pub mod alipay;
pub mod klarna;
pub mod metered;
pub mod paypal;
mod provider;
pub mod sandbox;
pub mod stripe;
pub mod webhook;
pub mod wechatpay;

pub use provider::{
    Capture, Clock, MAX_IDEMPOTENCY_KEY_LEN, Payment, PaymentError, PaymentFailure,
    PaymentProvider, PaymentRequest, PaymentStatus, Refund, RefundRequest, RefundStatus,
};
pub use sandbox::{SandboxProvider, SandboxWebhook, SandboxWebhooks, TEST_METHODS, sign_webhook};
pub use webhook::{WebhookError, WebhookEvent, WebhookRequest, WebhookSubject};
