//! What can go wrong with an order, in words the web layer turns into a localized 4xx (or a
//! 5xx only when something of ours or a supplier's is down). Each variant names its stable
//! code (`BookingError::code`).

use wayfare_domain::Money;
use wayfare_domain::order::OrderStatus;
use wayfare_store::StoreError;
use wayfare_suppliers::flight::SupplierError;

#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    /// A field is wrong: `field` is a JSON path such as `passengers[1].born_on`.
    #[error("{field}: {reason}")]
    Invalid {
        field: String,
        reason: &'static str,
        arg: Option<(&'static str, i64)>,
    },
    /// No such order, or not one this caller may see (the same answer, so ids cannot be probed).
    #[error("order not found")]
    NotFound,
    /// The offer or rate is gone (expired, or the flight no longer sold).
    #[error("item {item} is no longer available")]
    OfferUnavailable { item: usize },
    /// The price is not what the caller accepted.
    #[error("the price is now {total}")]
    PriceChanged { total: Money },
    #[error("item {item} is sold out")]
    SoldOut { item: usize },
    /// The hold ran out; its seats and rooms are back on sale.
    #[error("the hold expired")]
    HoldExpired,
    /// The order cannot be paid in its current status.
    #[error("an order that is {status} cannot be paid")]
    NotPayable { status: OrderStatus },
    /// Another payment of this order is under way.
    #[error("a payment is already in progress")]
    PaymentInProgress,
    #[error("the payment was declined: {code}")]
    PaymentDeclined {
        code: String,
        decline_code: Option<String>,
    },
    #[error("payment provider {0} is not available")]
    UnknownProvider(String),
    #[error("the payment provider is unavailable")]
    PaymentUnavailable,
    #[error("{supplier} is unavailable")]
    SupplierUnavailable { supplier: String },
    /// The supplier refused the booking for a reason the traveller can act on.
    #[error("the supplier refused: {message}")]
    SupplierRejected { item: usize, message: String },
    /// Paid, but no supplier confirmed: the payment was voided or refunded.
    #[error("order {reference} could not be confirmed; the payment was given back")]
    ConfirmationFailed { reference: String },
    /// The same `Idempotency-Key` was used for a different request.
    #[error("idempotency key reused")]
    IdempotencyMismatch,
    /// The first request with this `Idempotency-Key` is still running.
    #[error("request in progress")]
    RequestInProgress,
    /// A payment is not in a status that allows this (capturing one not authorised, voiding
    /// one captured).
    #[error("the payment is {status}, which does not allow this")]
    PaymentState { status: String },
    /// Nothing (or less than asked) is left to refund.
    #[error("nothing more can be refunded")]
    RefundNotAllowed,
    /// A provider's notification failed verification; nothing changed.
    #[error("the notification was rejected: {0}")]
    WebhookRejected(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

impl BookingError {
    pub fn invalid(field: impl Into<String>, reason: &'static str) -> BookingError {
        BookingError::Invalid {
            field: field.into(),
            reason,
            arg: None,
        }
    }

    /// The stable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            BookingError::Invalid { .. } => "validation_failed",
            BookingError::NotFound => "not_found",
            BookingError::OfferUnavailable { .. } => "offer_unavailable",
            BookingError::PriceChanged { .. } => "price_changed",
            BookingError::SoldOut { .. } => "sold_out",
            BookingError::HoldExpired => "hold_expired",
            BookingError::NotPayable { .. } => "order_not_payable",
            BookingError::PaymentInProgress => "payment_in_progress",
            BookingError::PaymentDeclined { .. } => "payment_declined",
            BookingError::UnknownProvider(_) => "validation_failed",
            BookingError::PaymentUnavailable => "payment_unavailable",
            BookingError::SupplierUnavailable { .. } => "supplier_unavailable",
            BookingError::SupplierRejected { .. } => "supplier_rejected",
            BookingError::ConfirmationFailed { .. } => "confirmation_failed",
            BookingError::IdempotencyMismatch => "idempotency_key_reused",
            BookingError::RequestInProgress => "request_in_progress",
            BookingError::PaymentState { .. } => "payment_state",
            BookingError::RefundNotAllowed => "refund_not_allowed",
            BookingError::WebhookRejected(_) => "webhook_rejected",
            BookingError::Store(_) | BookingError::Internal(_) => "internal",
        }
    }

    /// A supplier's refusal while holding or pricing item `item`.
    pub(crate) fn from_supplier(item: usize, e: SupplierError) -> BookingError {
        match e {
            SupplierError::OfferExpired(_) | SupplierError::NotFound(_) => {
                BookingError::OfferUnavailable { item }
            }
            SupplierError::NoSeats => BookingError::SoldOut { item },
            SupplierError::PriceChanged { new_total } => {
                BookingError::PriceChanged { total: new_total }
            }
            SupplierError::Rejected { message, .. } => {
                BookingError::SupplierRejected { item, message }
            }
            SupplierError::Timeout { supplier }
            | SupplierError::Unavailable { supplier, .. }
            | SupplierError::RateLimited { supplier }
            | SupplierError::Authentication { supplier }
            | SupplierError::Protocol { supplier, .. }
            | SupplierError::Unsupported { supplier, .. } => {
                BookingError::SupplierUnavailable { supplier }
            }
        }
    }
}

/// Whether trying again may help.
pub(crate) fn retryable(e: &SupplierError) -> bool {
    matches!(
        e,
        SupplierError::Timeout { .. }
            | SupplierError::Unavailable { .. }
            | SupplierError::RateLimited { .. }
            | SupplierError::Protocol { .. }
    )
}
