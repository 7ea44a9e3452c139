//! Stripe's JSON objects as they come over the wire, and how they become our [`Payment`] and
//! [`Refund`]. Only the fields we read are declared; unknown ones are ignored.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use wayfare_domain::{Currency, Money};

use crate::provider::{
    Capture, Payment, PaymentError, PaymentFailure, PaymentStatus, Refund, RefundStatus,
};

use super::NAME;

/// A PaymentIntent (payments.md §1.2). No `Debug`: it carries the client secret.
#[derive(Clone, Deserialize)]
pub(crate) struct PaymentIntentWire {
    pub id: String,
    pub amount: i64,
    #[serde(default)]
    pub amount_received: i64,
    pub currency: String,
    #[serde(default)]
    pub capture_method: Option<String>,
    pub status: String,
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub next_action: Option<NextActionWire>,
    #[serde(default)]
    pub last_payment_error: Option<LastPaymentErrorWire>,
    /// A charge id, or the charge itself when expanded.
    #[serde(default)]
    pub latest_charge: Option<Value>,
    /// A PaymentMethod id, or the object when expanded.
    #[serde(default)]
    pub payment_method: Option<Value>,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
    pub created: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct NextActionWire {
    #[serde(default)]
    pub redirect_to_url: Option<RedirectToUrlWire>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RedirectToUrlWire {
    #[serde(default)]
    pub url: Option<String>,
}

/// `last_payment_error`: why the latest attempt failed.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct LastPaymentErrorWire {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub decline_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub payment_method: Option<Value>,
}

/// A Charge: read for what was captured and refunded.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ChargeWire {
    pub amount: i64,
    #[serde(default)]
    pub amount_captured: Option<i64>,
    #[serde(default)]
    pub amount_refunded: i64,
    #[serde(default)]
    pub captured: bool,
    pub currency: String,
    #[serde(default)]
    pub payment_intent: Option<String>,
}

/// A Refund (payments.md §1.3).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RefundWire {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub payment_intent: Option<String>,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
    pub created: i64,
}

/// A SetupIntent (payments.md §1.4). No `Debug`: it carries the client secret.
#[derive(Clone, Deserialize)]
pub(crate) struct SetupIntentWire {
    pub id: String,
    #[serde(default)]
    pub client_secret: Option<String>,
    pub status: String,
    #[serde(default)]
    pub payment_method: Option<Value>,
}

/// The body of every error answer: `{"error": {...}}` (payments.md §1.5).
#[derive(Clone, Deserialize)]
pub(crate) struct ErrorBody {
    pub error: ApiErrorWire,
}

/// Stripe's error object. No `Debug`: a 401's message repeats part of the key.
#[derive(Clone, Deserialize)]
pub(crate) struct ApiErrorWire {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub decline_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub param: Option<String>,
    /// The PaymentIntent the error is about, when there is one (declines, wrong states).
    #[serde(default)]
    pub payment_intent: Option<Value>,
}

impl ApiErrorWire {
    /// The PaymentIntent in the error, if it is there and readable.
    pub(crate) fn payment_intent(&self) -> Option<PaymentIntentWire> {
        self.payment_intent
            .as_ref()
            .and_then(|v| PaymentIntentWire::deserialize(v).ok())
    }

    /// The failure the error describes (for declines).
    pub(crate) fn failure(&self) -> PaymentFailure {
        PaymentFailure {
            code: self
                .code
                .clone()
                .or_else(|| self.kind.clone())
                .unwrap_or_else(|| "card_declined".to_owned()),
            decline_code: self.decline_code.clone(),
            message: self.message.clone().unwrap_or_default(),
        }
    }
}

/// The id of a field that is either an id or an expanded object with an `id`.
pub(crate) fn id_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// Stripe's zero-decimal currencies (docs.stripe.com/currencies): amounts in whole units.
const ZERO_DECIMAL: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
];

/// How many decimals Stripe's `amount` has in `currency`. It is ISO 4217's exponent (which
/// [`Money::minor`] uses) except where Stripe differs: MGA is zero-decimal at Stripe (ISO: 2),
/// and ISK stays two-decimal "for backwards compatibility" (ISO: 0), amounts multiples of 100.
pub(crate) fn stripe_exponent(currency: Currency) -> u32 {
    let code = currency.code();
    if ZERO_DECIMAL.contains(&code) {
        0
    } else if code == "ISK" {
        2
    } else {
        currency.exponent()
    }
}

fn pow10(exp: u32) -> i64 {
    10_i64.pow(exp)
}

/// Our minor units as Stripe's `amount`. Refuses amounts Stripe cannot express (fractions of
/// a unit Stripe counts whole).
pub(crate) fn to_stripe_amount(money: Money) -> Result<i64, PaymentError> {
    let ours = money.currency().exponent();
    let theirs = stripe_exponent(money.currency());
    if theirs >= ours {
        money
            .minor()
            .checked_mul(pow10(theirs - ours))
            .ok_or_else(|| PaymentError::InvalidRequest(format!("{money} is too large")))
    } else {
        let factor = pow10(ours - theirs);
        if money.minor() % factor != 0 {
            return Err(PaymentError::InvalidRequest(format!(
                "Stripe takes {} in whole units only, not {money}",
                money.currency()
            )));
        }
        Ok(money.minor() / factor)
    }
}

/// Stripe's `amount` in `currency` as our [`Money`].
pub(crate) fn from_stripe_amount(amount: i64, currency: Currency) -> Result<Money, String> {
    let ours = currency.exponent();
    let theirs = stripe_exponent(currency);
    let minor = if theirs >= ours {
        let factor = pow10(theirs - ours);
        if amount % factor != 0 {
            return Err(format!(
                "{amount} in {currency} is a fraction of a minor unit"
            ));
        }
        amount / factor
    } else {
        amount
            .checked_mul(pow10(ours - theirs))
            .ok_or_else(|| format!("{amount} in {currency} is too large"))?
    };
    Ok(Money::from_minor(minor, currency))
}

/// Stripe's lowercase currency code as our [`Currency`].
pub(crate) fn currency_of(code: &str) -> Result<Currency, String> {
    Currency::parse(&code.to_ascii_uppercase()).map_err(|e| format!("currency `{code}`: {e}"))
}

/// Our currency as Stripe writes it: lowercase.
pub(crate) fn stripe_currency(currency: Currency) -> String {
    currency.code().to_ascii_lowercase()
}

fn timestamp(secs: i64) -> Result<DateTime<Utc>, String> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| format!("timestamp {secs} is out of range"))
}

/// Where a PaymentIntent stands, in our words.
///
/// `requires_payment_method` means a failed attempt when `last_payment_error` is set, and
/// otherwise an intent still waiting for the customer to give a method (Stripe.js flow), which
/// like `requires_confirmation` is [`PaymentStatus::RequiresAction`] without a URL.
pub(crate) fn payment_status(status: &str, has_error: bool) -> Result<PaymentStatus, String> {
    Ok(match status {
        "requires_payment_method" if has_error => PaymentStatus::Failed,
        "requires_payment_method" | "requires_confirmation" | "requires_action" => {
            PaymentStatus::RequiresAction
        }
        "processing" => PaymentStatus::Processing,
        "requires_capture" => PaymentStatus::Authorized,
        "succeeded" => PaymentStatus::Succeeded,
        "canceled" => PaymentStatus::Canceled,
        other => return Err(format!("unknown PaymentIntent status `{other}`")),
    })
}

/// Where a Refund stands, in our words; a status we do not know is treated as pending (look
/// again later) rather than guessed final.
pub(crate) fn refund_status(status: Option<&str>) -> RefundStatus {
    match status {
        Some("succeeded") => RefundStatus::Succeeded,
        Some("failed" | "canceled") => RefundStatus::Failed,
        _ => RefundStatus::Pending,
    }
}

/// What was refunded of what was captured, in Stripe's units. Stripe counts the amount
/// released by a partial capture as refunded on the charge (`amount_refunded` includes
/// `amount − amount_captured`), so that part is taken off. Needs `latest_charge` expanded;
/// an unexpanded charge (or none) counts as nothing refunded.
fn refunded_amount(pi: &PaymentIntentWire) -> i64 {
    let Some(charge) = pi
        .latest_charge
        .as_ref()
        .filter(|v| v.is_object())
        .and_then(|v| ChargeWire::deserialize(v).ok())
    else {
        return 0;
    };
    if !charge.captured {
        return 0;
    }
    let captured = charge.amount_captured.unwrap_or(pi.amount_received);
    let released = (charge.amount - captured).max(0);
    (charge.amount_refunded - released).clamp(0, captured)
}

/// A PaymentIntent as our [`Payment`]. An error says what could not be read.
pub(crate) fn to_payment(pi: &PaymentIntentWire) -> Result<Payment, String> {
    let currency = currency_of(&pi.currency)?;
    let money = |amount| from_stripe_amount(amount, currency);
    let status = payment_status(&pi.status, pi.last_payment_error.is_some())?;
    let failure = match (&status, &pi.last_payment_error) {
        (PaymentStatus::Failed, Some(e)) => Some(PaymentFailure {
            code: e
                .code
                .clone()
                .or_else(|| e.kind.clone())
                .unwrap_or_else(|| "payment_failed".to_owned()),
            decline_code: e.decline_code.clone(),
            message: e.message.clone().unwrap_or_default(),
        }),
        _ => None,
    };
    let next_action_url = match status {
        PaymentStatus::RequiresAction => pi
            .next_action
            .as_ref()
            .and_then(|a| a.redirect_to_url.as_ref())
            .and_then(|r| r.url.clone()),
        _ => None,
    };
    let capture = match pi.capture_method.as_deref() {
        Some("manual") => Capture::Manual,
        _ => Capture::Automatic,
    };
    // After a failed attempt Stripe clears `payment_method`; the error still names it.
    let payment_method = id_of(pi.payment_method.as_ref())
        .or_else(|| {
            pi.last_payment_error
                .as_ref()
                .and_then(|e| id_of(e.payment_method.as_ref()))
        })
        .unwrap_or_default();
    Ok(Payment {
        id: pi.id.clone(),
        provider: NAME.to_owned(),
        status,
        amount: money(pi.amount)?,
        amount_captured: money(pi.amount_received)?,
        amount_refunded: money(refunded_amount(pi))?,
        capture,
        payment_method,
        reference: pi.metadata.get("reference").cloned().unwrap_or_default(),
        failure,
        next_action_url,
        created_at: timestamp(pi.created)?,
    })
}

/// A Refund as our [`Refund`]: our reason is Stripe's `reason`, or the words we kept in
/// `metadata[reason]`.
pub(crate) fn to_refund(refund: &RefundWire) -> Result<Refund, String> {
    let currency = currency_of(&refund.currency)?;
    Ok(Refund {
        id: refund.id.clone(),
        payment_id: refund.payment_intent.clone().unwrap_or_default(),
        amount: from_stripe_amount(refund.amount, currency)?,
        status: refund_status(refund.status.as_deref()),
        reason: refund
            .reason
            .clone()
            .or_else(|| refund.metadata.get("reason").cloned())
            .unwrap_or_default(),
        created_at: timestamp(refund.created)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn intent(v: Value) -> PaymentIntentWire {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn payment_intent_statuses_map_to_ours() {
        let cases = [
            ("requires_capture", false, PaymentStatus::Authorized),
            ("requires_action", false, PaymentStatus::RequiresAction),
            (
                "requires_confirmation",
                false,
                PaymentStatus::RequiresAction,
            ),
            (
                "requires_payment_method",
                false,
                PaymentStatus::RequiresAction,
            ),
            ("requires_payment_method", true, PaymentStatus::Failed),
            ("processing", false, PaymentStatus::Processing),
            ("succeeded", false, PaymentStatus::Succeeded),
            ("canceled", false, PaymentStatus::Canceled),
            ("canceled", true, PaymentStatus::Canceled),
        ];
        for (stripe, has_error, ours) in cases {
            assert_eq!(payment_status(stripe, has_error), Ok(ours), "{stripe}");
        }
        assert!(payment_status("partially_funded", false).is_err());
    }

    #[test]
    fn refund_statuses_map_to_ours() {
        assert_eq!(refund_status(Some("succeeded")), RefundStatus::Succeeded);
        assert_eq!(refund_status(Some("pending")), RefundStatus::Pending);
        assert_eq!(
            refund_status(Some("requires_action")),
            RefundStatus::Pending
        );
        assert_eq!(refund_status(Some("failed")), RefundStatus::Failed);
        assert_eq!(refund_status(Some("canceled")), RefundStatus::Failed);
        assert_eq!(refund_status(None), RefundStatus::Pending);
    }

    #[test]
    fn amounts_follow_stripes_decimals() {
        let jpy = Money::from_minor(5_000, Currency::JPY);
        assert_eq!(to_stripe_amount(jpy), Ok(5_000));
        assert_eq!(from_stripe_amount(5_000, Currency::JPY), Ok(jpy));
        let cny = Money::from_minor(12_345, Currency::CNY);
        assert_eq!(to_stripe_amount(cny), Ok(12_345));
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(to_stripe_amount(Money::from_minor(5_120, kwd)), Ok(5_120));
        // ISK: ISO has no decimals, Stripe keeps two.
        let isk = Currency::parse("ISK").unwrap();
        assert_eq!(to_stripe_amount(Money::from_minor(500, isk)), Ok(50_000));
        assert_eq!(
            from_stripe_amount(50_000, isk),
            Ok(Money::from_minor(500, isk))
        );
        assert!(from_stripe_amount(50_050, isk).is_err());
        // MGA: ISO has two decimals, Stripe none.
        let mga = Currency::parse("MGA").unwrap();
        assert_eq!(to_stripe_amount(Money::from_minor(100_000, mga)), Ok(1_000));
        assert!(matches!(
            to_stripe_amount(Money::from_minor(100_050, mga)),
            Err(PaymentError::InvalidRequest(_))
        ));
        assert_eq!(
            from_stripe_amount(1_000, mga),
            Ok(Money::from_minor(100_000, mga))
        );
        assert_eq!(stripe_currency(Currency::CNY), "cny");
        assert_eq!(currency_of("jpy"), Ok(Currency::JPY));
        assert!(currency_of("zzz").is_err());
    }

    #[test]
    fn a_declined_intent_is_failed_with_stripes_reasons() {
        let pi = intent(json!({
            "id": "pi_1", "object": "payment_intent", "amount": 2000, "amount_received": 0,
            "currency": "eur", "capture_method": "automatic", "status": "requires_payment_method",
            "payment_method": null, "created": 1_700_000_000, "metadata": {"reference": "WF-1"},
            "last_payment_error": {
                "type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
                "message": "Your card has insufficient funds.",
                "payment_method": {"id": "pm_1", "object": "payment_method"}
            }
        }));
        let p = to_payment(&pi).unwrap();
        assert_eq!(p.status, PaymentStatus::Failed);
        assert_eq!(p.payment_method, "pm_1");
        assert_eq!(p.reference, "WF-1");
        assert_eq!(
            p.failure,
            Some(PaymentFailure {
                code: "card_declined".into(),
                decline_code: Some("insufficient_funds".into()),
                message: "Your card has insufficient funds.".into(),
            })
        );
        assert_eq!(p.created_at.timestamp(), 1_700_000_000);
    }

    #[test]
    fn requires_action_carries_the_redirect_url() {
        let pi = intent(json!({
            "id": "pi_2", "amount": 100, "currency": "usd", "status": "requires_action",
            "capture_method": "manual", "created": 1, "payment_method": "pm_3ds",
            "next_action": {"type": "redirect_to_url",
                "redirect_to_url": {"url": "https://hooks.stripe.com/3ds", "return_url": "x"}}
        }));
        let p = to_payment(&pi).unwrap();
        assert_eq!(p.status, PaymentStatus::RequiresAction);
        assert_eq!(p.capture, Capture::Manual);
        assert_eq!(
            p.next_action_url.as_deref(),
            Some("https://hooks.stripe.com/3ds")
        );
        assert_eq!(p.failure, None);
    }

    #[test]
    fn refunded_is_what_the_charge_refunded_of_the_captured_part() {
        // Authorised 15.00, captured 10.00: Stripe shows the released 5.00 as refunded on the
        // charge, then a real refund of 3.00 adds to it.
        let pi = intent(json!({
            "id": "pi_3", "amount": 1500, "amount_received": 1000, "currency": "usd",
            "status": "succeeded", "capture_method": "manual", "created": 1,
            "latest_charge": {"id": "ch_1", "object": "charge", "amount": 1500,
                "amount_captured": 1000, "amount_refunded": 800, "captured": true,
                "currency": "usd", "payment_intent": "pi_3"}
        }));
        let p = to_payment(&pi).unwrap();
        assert_eq!(p.amount.minor(), 1500);
        assert_eq!(p.amount_captured.minor(), 1000);
        assert_eq!(p.amount_refunded.minor(), 300);
        // Unexpanded charge: nothing known refunded.
        let mut unexpanded = pi.clone();
        unexpanded.latest_charge = Some(json!("ch_1"));
        assert_eq!(to_payment(&unexpanded).unwrap().amount_refunded.minor(), 0);
    }

    #[test]
    fn refunds_keep_our_reason_in_metadata() {
        let r: RefundWire = serde_json::from_value(json!({
            "id": "re_1", "object": "refund", "amount": 300, "currency": "cny",
            "status": "succeeded", "reason": null, "payment_intent": "pi_1",
            "metadata": {"reason": "schedule change"}, "created": 10
        }))
        .unwrap();
        let refund = to_refund(&r).unwrap();
        assert_eq!(refund.reason, "schedule change");
        assert_eq!(refund.amount, Money::from_minor(300, Currency::CNY));
        assert_eq!(refund.status, RefundStatus::Succeeded);
        assert_eq!(refund.payment_id, "pi_1");
    }
}
