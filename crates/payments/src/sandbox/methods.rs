//! The sandbox's payment methods: Stripe's test PaymentMethods (payments.md §1.8), two of our
//! own that make the provider fail, and one that settles later, by notification.

/// A method's outcome when a payment is confirmed with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Behaviour {
    /// Charged (automatic capture) or authorised (manual capture).
    Succeed,
    /// Declined: `Failed` with Stripe's error `code` and, for card declines, `decline_code`.
    Decline {
        code: &'static str,
        decline_code: Option<&'static str>,
        message: &'static str,
    },
    /// 3-D Secure: `RequiresAction` until the customer answers.
    Authenticate,
    /// An outage: the call fails with `Unavailable` and nothing is kept.
    Unavailable,
    /// Charged like [`Behaviour::Succeed`], but the answer is lost: the call fails with
    /// `Timeout` and a retry with the same key finds the payment.
    Timeout,
    /// Asynchronous, like a bank transfer: `Processing` at first, settled (authorised or
    /// charged) when its notification is handed out for delivery.
    LateWebhook,
}

/// Stripe's message for a generic card decline.
const DECLINED: &str = "Your card was declined.";

/// Stripe's `last_payment_error.code` when 3-D Secure fails.
pub(crate) const AUTHENTICATION_FAILURE_CODE: &str = "payment_intent_authentication_failure";

/// Stripe's message when 3-D Secure fails.
pub(crate) const AUTHENTICATION_FAILURE_MESSAGE: &str = "We are unable to authenticate your payment method. Please choose a different payment method and try again.";

const fn card_declined(decline_code: &'static str, message: &'static str) -> Behaviour {
    Behaviour::Decline {
        code: "card_declined",
        decline_code: Some(decline_code),
        message,
    }
}

const fn error(code: &'static str, message: &'static str) -> Behaviour {
    Behaviour::Decline {
        code,
        decline_code: None,
        message,
    }
}

/// The sandbox's payment methods and what each does, for documentation and the demo's method
/// picker: `(name, what happens)`. Every other name is refused with `InvalidRequest`.
pub const TEST_METHODS: &[(&str, &str)] = &[
    ("pm_card_visa", "Visa 4242 4242 4242 4242: succeeds"),
    (
        "pm_card_mastercard",
        "Mastercard 5555 5555 5555 4444: succeeds",
    ),
    (
        "pm_card_amex",
        "American Express 3782 822463 10005: succeeds",
    ),
    (
        "pm_card_visa_debit",
        "Visa debit 4000 0566 5566 5556: succeeds",
    ),
    (
        "pm_card_chargeDeclined",
        "4000 0000 0000 0002: fails with card_declined / generic_decline",
    ),
    (
        "pm_card_visa_chargeDeclined",
        "the same as pm_card_chargeDeclined: fails with card_declined / generic_decline",
    ),
    (
        "pm_card_chargeDeclinedInsufficientFunds",
        "4000 0000 0000 9995: fails with card_declined / insufficient_funds",
    ),
    (
        "pm_card_visa_chargeDeclinedInsufficientFunds",
        "the same as pm_card_chargeDeclinedInsufficientFunds: fails with card_declined / insufficient_funds",
    ),
    (
        "pm_card_chargeDeclinedLostCard",
        "4000 0000 0000 9987: fails with card_declined / lost_card",
    ),
    (
        "pm_card_chargeDeclinedStolenCard",
        "4000 0000 0000 9979: fails with card_declined / stolen_card",
    ),
    (
        "pm_card_chargeDeclinedExpiredCard",
        "4000 0000 0000 0069: fails with expired_card",
    ),
    (
        "pm_card_chargeDeclinedIncorrectCvc",
        "4000 0000 0000 0127: fails with incorrect_cvc",
    ),
    (
        "pm_card_chargeDeclinedProcessingError",
        "4000 0000 0000 0119: fails with processing_error",
    ),
    (
        "pm_card_chargeCustomerFail",
        "4000 0000 0000 0341: attaches to a customer at Stripe, but charges fail with card_declined / generic_decline",
    ),
    (
        "pm_card_authenticationRequired",
        "4000 0027 6000 3184: always asks for 3-D Secure: requires_action with next_action_url \
         /payments/sandbox/authenticate/{id}; approved, it succeeds (or is authorised with manual \
         capture); refused, it fails with payment_intent_authentication_failure",
    ),
    (
        "pm_card_authenticationRequiredOnSetup",
        "4000 0025 0000 3155: asks for 3-D Secure on a payment like pm_card_authenticationRequired \
         (at Stripe later off-session charges of a saved card succeed; the sandbox saves no cards)",
    ),
    (
        "pm_card_threeDSecure2Required",
        "4000 0000 0000 3220: asks for 3-D Secure 2, as pm_card_authenticationRequired",
    ),
    (
        "pm_card_sandboxUnavailable",
        "sandbox only: the provider is down; creating the payment fails with \
         PaymentError::Unavailable and nothing is kept",
    ),
    (
        "pm_card_sandboxTimeout",
        "sandbox only: the payment succeeds as with pm_card_visa but the answer is lost: \
         PaymentError::Timeout; retrying with the same idempotency key returns the payment; \
         with notifications configured, one is still sent after their delay \
         (payment_intent.succeeded, or amount_capturable_updated with manual capture)",
    ),
    (
        "pm_card_sandboxLateWebhook",
        "sandbox only: asynchronous, like a bank transfer: the payment answers processing; with \
         notifications configured it settles (succeeded, or authorized with manual capture) when \
         its notification goes out after their delay, otherwise it stays processing",
    ),
];

/// What each name in [`TEST_METHODS`] does; a unit test keeps the two lists the same.
const BEHAVIOURS: &[(&str, Behaviour)] = &[
    ("pm_card_visa", Behaviour::Succeed),
    ("pm_card_mastercard", Behaviour::Succeed),
    ("pm_card_amex", Behaviour::Succeed),
    ("pm_card_visa_debit", Behaviour::Succeed),
    (
        "pm_card_chargeDeclined",
        card_declined("generic_decline", DECLINED),
    ),
    (
        "pm_card_visa_chargeDeclined",
        card_declined("generic_decline", DECLINED),
    ),
    (
        "pm_card_chargeDeclinedInsufficientFunds",
        card_declined("insufficient_funds", "Your card has insufficient funds."),
    ),
    (
        "pm_card_visa_chargeDeclinedInsufficientFunds",
        card_declined("insufficient_funds", "Your card has insufficient funds."),
    ),
    (
        "pm_card_chargeDeclinedLostCard",
        card_declined("lost_card", DECLINED),
    ),
    (
        "pm_card_chargeDeclinedStolenCard",
        card_declined("stolen_card", DECLINED),
    ),
    (
        "pm_card_chargeDeclinedExpiredCard",
        error("expired_card", "Your card has expired."),
    ),
    (
        "pm_card_chargeDeclinedIncorrectCvc",
        error("incorrect_cvc", "Your card's security code is incorrect."),
    ),
    (
        "pm_card_chargeDeclinedProcessingError",
        error(
            "processing_error",
            "An error occurred while processing your card. Try again in a little bit.",
        ),
    ),
    (
        "pm_card_chargeCustomerFail",
        card_declined("generic_decline", DECLINED),
    ),
    ("pm_card_authenticationRequired", Behaviour::Authenticate),
    (
        "pm_card_authenticationRequiredOnSetup",
        Behaviour::Authenticate,
    ),
    ("pm_card_threeDSecure2Required", Behaviour::Authenticate),
    ("pm_card_sandboxUnavailable", Behaviour::Unavailable),
    ("pm_card_sandboxTimeout", Behaviour::Timeout),
    ("pm_card_sandboxLateWebhook", Behaviour::LateWebhook),
];

/// What a payment method does, or `None` when the sandbox does not know it.
pub(crate) fn behaviour(method: &str) -> Option<Behaviour> {
    BEHAVIOURS
        .iter()
        .find(|(name, _)| *name == method)
        .map(|(_, b)| *b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_method_has_a_behaviour_and_back() {
        let documented: Vec<&str> = TEST_METHODS.iter().map(|(n, _)| *n).collect();
        let known: Vec<&str> = BEHAVIOURS.iter().map(|(n, _)| *n).collect();
        assert_eq!(documented, known);
        let mut unique = documented.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), documented.len(), "a method is listed twice");
    }

    #[test]
    fn follows_stripes_test_methods() {
        for ok in [
            "pm_card_visa",
            "pm_card_mastercard",
            "pm_card_amex",
            "pm_card_visa_debit",
        ] {
            assert_eq!(behaviour(ok), Some(Behaviour::Succeed), "{ok}");
        }
        let decline = |m: &str| match behaviour(m) {
            Some(Behaviour::Decline {
                code, decline_code, ..
            }) => Some((code, decline_code)),
            _ => None,
        };
        assert_eq!(
            decline("pm_card_chargeDeclined"),
            Some(("card_declined", Some("generic_decline")))
        );
        assert_eq!(
            decline("pm_card_chargeDeclinedInsufficientFunds"),
            Some(("card_declined", Some("insufficient_funds")))
        );
        assert_eq!(
            decline("pm_card_chargeDeclinedLostCard"),
            Some(("card_declined", Some("lost_card")))
        );
        assert_eq!(
            decline("pm_card_chargeDeclinedStolenCard"),
            Some(("card_declined", Some("stolen_card")))
        );
        assert_eq!(
            decline("pm_card_chargeDeclinedExpiredCard"),
            Some(("expired_card", None))
        );
        assert_eq!(
            decline("pm_card_chargeDeclinedIncorrectCvc"),
            Some(("incorrect_cvc", None))
        );
        assert_eq!(
            decline("pm_card_chargeDeclinedProcessingError"),
            Some(("processing_error", None))
        );
        for three_ds in [
            "pm_card_authenticationRequired",
            "pm_card_threeDSecure2Required",
        ] {
            assert_eq!(behaviour(three_ds), Some(Behaviour::Authenticate));
        }
        assert_eq!(behaviour("pm_card_visa "), None);
        assert_eq!(behaviour("PM_CARD_VISA"), None);
        assert_eq!(behaviour("tok_visa"), None);
    }
}
