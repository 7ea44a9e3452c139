//! The pieces a browser needs for Stripe.js, where card data goes straight to Stripe and never
//! through our server: a PaymentIntent created without confirming (its `client_secret` lets
//! Stripe.js confirm it), and SetupIntents to save a card for later.

use std::fmt;

use reqwest::Method;
use wayfare_domain::Money;

use crate::provider::{Capture, Payment, PaymentError, check_idempotency_key};

use super::form::Form;
use super::wire::{PaymentIntentWire, SetupIntentWire, id_of, stripe_currency, to_stripe_amount};
use super::{EXPAND_CHARGE, StripeProvider, check_id, non_empty, reference_metadata, unreadable};

/// A payment the customer's browser will confirm with Stripe.js.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIntentRequest {
    /// More than zero.
    pub amount: Money,
    pub capture: Capture,
    /// Up to [`crate::MAX_IDEMPOTENCY_KEY_LEN`] characters, unique per payment attempt.
    pub idempotency_key: String,
    /// Our order reference, kept in `metadata[reference]`.
    pub reference: String,
    /// Shown on the customer's statement or receipt; empty sends none.
    pub description: String,
    /// Where Stripe sends the receipt (`receipt_email`).
    pub customer_email: Option<String>,
    /// Stripe's method types (`card`, `alipay` …); empty lets Stripe offer the methods
    /// enabled in the Dashboard (automatic payment methods).
    pub payment_method_types: Vec<String>,
}

/// A PaymentIntent waiting for the browser: the [`Payment`] (status
/// [`crate::PaymentStatus::RequiresAction`], no URL) and the `client_secret` to hand to
/// Stripe.js. The secret lets whoever holds it confirm this payment: give it only to the
/// customer's page; `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientIntent {
    /// The payment as Stripe has it now.
    pub payment: Payment,
    /// `pi_…_secret_…`, for Stripe.js's `confirmPayment` in the customer's browser.
    pub client_secret: String,
}

impl fmt::Debug for ClientIntent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientIntent")
            .field("payment", &self.payment)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}

/// Where a SetupIntent stands (Stripe's statuses; there is no capture).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetupIntentStatus {
    /// Waiting for the browser to give a card.
    RequiresPaymentMethod,
    /// A card was given; the browser has not confirmed yet.
    RequiresConfirmation,
    /// The customer must authenticate (3-D Secure) in the browser.
    RequiresAction,
    /// Stripe is still checking the method.
    Processing,
    /// Given up; make a new one to try again.
    Canceled,
    /// The card is saved: [`SetupIntent::payment_method`] is its `pm_…` id.
    Succeeded,
}

impl SetupIntentStatus {
    /// Stripe's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            SetupIntentStatus::RequiresPaymentMethod => "requires_payment_method",
            SetupIntentStatus::RequiresConfirmation => "requires_confirmation",
            SetupIntentStatus::RequiresAction => "requires_action",
            SetupIntentStatus::Processing => "processing",
            SetupIntentStatus::Canceled => "canceled",
            SetupIntentStatus::Succeeded => "succeeded",
        }
    }

    /// The status Stripe names `s`.
    pub fn parse(s: &str) -> Option<SetupIntentStatus> {
        Some(match s {
            "requires_payment_method" => SetupIntentStatus::RequiresPaymentMethod,
            "requires_confirmation" => SetupIntentStatus::RequiresConfirmation,
            "requires_action" => SetupIntentStatus::RequiresAction,
            "processing" => SetupIntentStatus::Processing,
            "canceled" => SetupIntentStatus::Canceled,
            "succeeded" => SetupIntentStatus::Succeeded,
            _ => return None,
        })
    }
}

/// A SetupIntent: saving a card for later payments, confirmed by Stripe.js in the browser.
/// `Debug` hides the client secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SetupIntent {
    /// `seti_…`.
    pub id: String,
    /// For Stripe.js only; see [`ClientIntent`].
    pub client_secret: String,
    /// Where the saving stands.
    pub status: SetupIntentStatus,
    /// The saved method (`pm_…`) once set.
    pub payment_method: Option<String>,
}

impl fmt::Debug for SetupIntent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetupIntent")
            .field("id", &self.id)
            .field("client_secret", &"[redacted]")
            .field("status", &self.status)
            .field("payment_method", &self.payment_method)
            .finish()
    }
}

fn to_setup_intent(wire: SetupIntentWire) -> Result<SetupIntent, PaymentError> {
    let status = SetupIntentStatus::parse(&wire.status)
        .ok_or_else(|| unreadable(format!("unknown SetupIntent status `{}`", wire.status)))?;
    Ok(SetupIntent {
        payment_method: id_of(wire.payment_method.as_ref()),
        client_secret: wire.client_secret.unwrap_or_default(),
        id: wire.id,
        status,
    })
}

/// `payment_method_types[i]` when given, else automatic payment methods.
fn method_types(form: Form, types: &[String]) -> Form {
    if types.is_empty() {
        form.map("automatic_payment_methods", &[("enabled", "true")])
    } else {
        let types: Vec<&str> = types.iter().map(String::as_str).collect();
        form.list("payment_method_types", &types)
    }
}

impl StripeProvider {
    /// Creates a PaymentIntent without confirming it, for the Stripe.js flow: the browser
    /// collects the card and confirms with the returned `client_secret`; follow it with
    /// [`crate::PaymentProvider::get_payment`] or the webhooks.
    pub async fn create_intent_for_client(
        &self,
        req: &ClientIntentRequest,
    ) -> Result<ClientIntent, PaymentError> {
        if req.amount.minor() <= 0 {
            return Err(PaymentError::InvalidRequest(
                "the amount must be more than zero".into(),
            ));
        }
        check_idempotency_key(&req.idempotency_key)?;
        let mut form = Form::new()
            .int("amount", to_stripe_amount(req.amount)?)
            .str("currency", &stripe_currency(req.amount.currency()))
            .str("capture_method", req.capture.as_str());
        form = method_types(form, &req.payment_method_types)
            .opt_str("description", non_empty(&req.description))
            .opt_str("receipt_email", req.customer_email.as_deref());
        form = reference_metadata(form, &req.reference).list("expand", EXPAND_CHARGE);
        let answer = self
            .send::<PaymentIntentWire>(
                Method::POST,
                &["v1", "payment_intents"],
                form,
                Some(&req.idempotency_key),
            )
            .await?;
        let pi = match answer {
            Ok(pi) => pi,
            Err(f) => return Err(f.into_error(&req.reference)),
        };
        let secret = pi
            .client_secret
            .clone()
            .ok_or_else(|| unreadable("the PaymentIntent has no client_secret"))?;
        let payment = Self::payment(&pi)?;
        tracing::info!(payment = %payment.id, status = %payment.status,
            amount = payment.amount.minor(), currency = %payment.amount.currency(),
            reference = %payment.reference, "stripe payment intent created for the browser");
        Ok(ClientIntent {
            payment,
            client_secret: secret,
        })
    }

    /// Creates a SetupIntent to save a card: for `customer` (a `cus_…` id) when given, limited
    /// to `payment_method_types` when not empty. Stripe.js confirms it with the client secret.
    pub async fn create_setup_intent(
        &self,
        customer: Option<&str>,
        payment_method_types: &[String],
        idempotency_key: &str,
    ) -> Result<SetupIntent, PaymentError> {
        check_idempotency_key(idempotency_key)?;
        let form = method_types(
            Form::new().opt_str("customer", customer),
            payment_method_types,
        );
        match self
            .send::<SetupIntentWire>(
                Method::POST,
                &["v1", "setup_intents"],
                form,
                Some(idempotency_key),
            )
            .await?
        {
            Ok(wire) => {
                let setup = to_setup_intent(wire)?;
                tracing::info!(setup_intent = %setup.id, status = setup.status.as_str(),
                    "stripe setup intent created");
                Ok(setup)
            }
            Err(f) => Err(f.into_error(customer.unwrap_or_default())),
        }
    }

    /// The SetupIntent as Stripe has it now (after the browser confirmed it).
    pub async fn retrieve_setup_intent(&self, id: &str) -> Result<SetupIntent, PaymentError> {
        check_id(id)?;
        match self
            .send::<SetupIntentWire>(Method::GET, &["v1", "setup_intents", id], Form::new(), None)
            .await?
        {
            Ok(wire) => to_setup_intent(wire),
            Err(f) => Err(f.into_error(id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_statuses_round_trip() {
        for s in [
            SetupIntentStatus::RequiresPaymentMethod,
            SetupIntentStatus::RequiresConfirmation,
            SetupIntentStatus::RequiresAction,
            SetupIntentStatus::Processing,
            SetupIntentStatus::Canceled,
            SetupIntentStatus::Succeeded,
        ] {
            assert_eq!(SetupIntentStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(SetupIntentStatus::parse("requires_capture"), None);
    }

    #[test]
    fn debug_hides_client_secrets() {
        let setup = SetupIntent {
            id: "seti_1".into(),
            client_secret: "seti_1_secret_abc".into(),
            status: SetupIntentStatus::RequiresPaymentMethod,
            payment_method: None,
        };
        assert!(!format!("{setup:?}").contains("secret_abc"));
    }
}
