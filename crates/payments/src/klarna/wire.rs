//! Klarna's wire types and the mapping between them and ours: the cart (one `digital` order
//! line for the trip, payments.md §5.4), the Payments API answers and the Order Management
//! order, capture and refund.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use wayfare_domain::{Currency, Money};

use crate::provider::{Capture, Payment, PaymentFailure, PaymentStatus};

/// The greatest `unit_price` and `total_amount` of an order line (§5.4).
pub(crate) const MAX_LINE_AMOUNT: i64 = 100_000_000;

/// The greatest `tax_rate` (two implied decimals: 10000 is 100%).
pub(crate) const MAX_TAX_RATE: u32 = 10_000;

/// The tax included in `total` at `tax_rate` (two implied decimals), rounded half up:
/// `total − total × 10000 / (10000 + tax_rate)`, which Klarna checks within ±1.
pub(crate) fn included_tax(total: i64, tax_rate: u32) -> i64 {
    let rate = i128::from(tax_rate);
    let divisor = 10_000 + rate;
    let tax = (i128::from(total) * rate * 2 + divisor) / (2 * divisor);
    i64::try_from(tax).unwrap_or(0)
}

/// What a session and the order placed from it must agree on: country, currency, amounts
/// and the single order line. `name` is the line's name (the trip's description).
pub(crate) struct Cart<'a> {
    pub country: &'a str,
    pub locale: &'a str,
    pub amount: Money,
    pub tax_rate: u32,
    pub name: &'a str,
    pub reference: &'a str,
}

impl Cart<'_> {
    /// The cart fields of a session or an order body.
    pub fn to_json(&self) -> Value {
        let total = self.amount.minor();
        let tax = included_tax(total, self.tax_rate);
        json!({
            "purchase_country": self.country,
            "purchase_currency": self.amount.currency().code(),
            "locale": self.locale,
            "order_amount": total,
            "order_tax_amount": tax,
            "order_lines": [{
                "type": "digital",
                "reference": self.reference,
                "name": self.name,
                "quantity": 1,
                "unit_price": total,
                "tax_rate": self.tax_rate,
                "total_amount": total,
                "total_discount_amount": 0,
                "total_tax_amount": tax,
            }],
        })
    }
}

/// `POST /payments/v1/sessions` → 200.
#[derive(Debug, Deserialize)]
pub(crate) struct SessionCreated {
    pub session_id: String,
    pub client_token: String,
    #[serde(default)]
    pub payment_method_categories: Vec<PaymentMethodCategory>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PaymentMethodCategory {
    pub identifier: String,
}

/// `POST /payments/v1/authorizations/{token}/order` → 200.
#[derive(Debug, Deserialize)]
pub(crate) struct OrderCreated {
    pub order_id: String,
    #[serde(default)]
    pub fraud_status: Option<String>,
    #[serde(default)]
    pub authorized_payment_method: Option<MethodType>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct MethodType {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

/// `GET /ordermanagement/v1/orders/{id}`: the fields we read.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OmOrder {
    pub order_id: String,
    pub status: String,
    #[serde(default)]
    pub fraud_status: Option<String>,
    pub purchase_currency: String,
    pub order_amount: i64,
    #[serde(default)]
    pub captured_amount: i64,
    #[serde(default)]
    pub refunded_amount: i64,
    #[serde(default)]
    pub remaining_authorized_amount: i64,
    #[serde(default)]
    pub merchant_reference1: Option<String>,
    #[serde(default)]
    pub merchant_data: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub initial_payment_method: Option<MethodType>,
    #[serde(default)]
    pub captures: Vec<OmCapture>,
    #[serde(default)]
    pub refunds: Vec<OmRefund>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OmCapture {
    pub captured_amount: i64,
    #[serde(default)]
    pub reference: Option<String>,
}

/// An OM refund, in the order's `refunds[]` or from `GET …/refunds/{refund_id}`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OmRefund {
    pub refund_id: String,
    pub refunded_amount: i64,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub refunded_at: Option<String>,
}

/// What we keep in the order's `merchant_data` (a pass-through string): the capture mode,
/// which Order Management does not report.
pub(crate) fn merchant_data(capture: Capture) -> String {
    json!({ "wayfare_capture": capture.as_str() }).to_string()
}

pub(crate) fn parse_time(s: Option<&str>) -> Option<DateTime<Utc>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// The payment method as we record it: `klarna`, or `klarna:<type>` (e.g. `klarna:invoice`).
pub(crate) fn method_name(method: Option<&MethodType>) -> String {
    match method.and_then(|m| m.kind.as_deref()) {
        Some(kind) if !kind.is_empty() => format!("klarna:{}", kind.to_ascii_lowercase()),
        _ => "klarna".to_owned(),
    }
}

pub(crate) fn fraud_rejected() -> PaymentFailure {
    PaymentFailure {
        code: "klarna_fraud_rejected".into(),
        decline_code: None,
        message: "Klarna did not accept the purchase.".into(),
    }
}

impl OmOrder {
    pub fn currency(&self) -> Result<Currency, String> {
        Currency::parse(&self.purchase_currency).map_err(|e| e.to_string())
    }

    /// Our status for the order: fraud review first (`PENDING` → processing, `REJECTED` →
    /// failed), then the order status.
    pub fn payment_status(&self) -> Result<PaymentStatus, String> {
        match self.fraud_status.as_deref() {
            Some("PENDING") => return Ok(PaymentStatus::Processing),
            Some("REJECTED") => return Ok(PaymentStatus::Failed),
            _ => {}
        }
        Ok(match self.status.as_str() {
            "AUTHORIZED" => PaymentStatus::Authorized,
            "PART_CAPTURED" | "CAPTURED" => PaymentStatus::Succeeded,
            "CANCELLED" | "EXPIRED" => PaymentStatus::Canceled,
            "CLOSED" if self.captured_amount > 0 => PaymentStatus::Succeeded,
            "CLOSED" => PaymentStatus::Canceled,
            other => return Err(format!("unknown order status `{other}`")),
        })
    }

    /// The order's state as one word: its status, or `FRAUD_<status>` while fraud review has
    /// not accepted it (Klarna keeps such an order `AUTHORIZED`).
    pub fn state_name(&self) -> String {
        match self.fraud_status.as_deref() {
            Some(f) if f != "ACCEPTED" => format!("FRAUD_{f}"),
            _ => self.status.clone(),
        }
    }

    pub fn capture_mode(&self) -> Capture {
        self.merchant_data
            .as_deref()
            .and_then(|d| serde_json::from_str::<Value>(d).ok())
            .and_then(|d| d["wayfare_capture"].as_str().and_then(Capture::parse))
            .unwrap_or(Capture::Manual)
    }

    pub fn to_payment(&self, provider: &str, now: DateTime<Utc>) -> Result<Payment, String> {
        let currency = self.currency()?;
        let status = self.payment_status()?;
        let money = |minor| Money::from_minor(minor, currency);
        Ok(Payment {
            id: self.order_id.clone(),
            provider: provider.to_owned(),
            status,
            amount: money(self.order_amount),
            amount_captured: money(self.captured_amount),
            amount_refunded: money(self.refunded_amount),
            capture: self.capture_mode(),
            payment_method: method_name(self.initial_payment_method.as_ref()),
            reference: self.merchant_reference1.clone().unwrap_or_default(),
            failure: (status == PaymentStatus::Failed).then(fraud_rejected),
            next_action_url: None,
            created_at: parse_time(self.created_at.as_deref()).unwrap_or(now),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn included_tax_follows_klarnas_formula() {
        // payments.md §5.4: 6000 at 25% carries 1200.
        assert_eq!(included_tax(6000, 2500), 1200);
        assert_eq!(included_tax(12_345, 0), 0);
        // 1000 at 19%: 1000 − 1000×10000/11900 = 159.66 → 160.
        assert_eq!(included_tax(1000, 1900), 160);
    }

    #[test]
    fn the_cart_is_one_consistent_digital_line() {
        let cart = Cart {
            country: "SE",
            locale: "sv-SE",
            amount: Money::from_minor(6000, Currency::parse("SEK").unwrap()),
            tax_rate: 2500,
            name: "Flight ARN-CPH",
            reference: "WF-1",
        }
        .to_json();
        assert_eq!(cart["order_amount"], 6000);
        assert_eq!(cart["order_tax_amount"], 1200);
        assert_eq!(cart["purchase_currency"], "SEK");
        assert_eq!(cart["order_lines"][0]["type"], "digital");
        assert_eq!(cart["order_lines"][0]["total_tax_amount"], 1200);
    }

    #[test]
    fn fraud_review_comes_before_the_order_status() {
        let order: OmOrder = serde_json::from_value(json!({
            "order_id": "o1", "status": "AUTHORIZED", "fraud_status": "PENDING",
            "purchase_currency": "EUR", "order_amount": 100,
        }))
        .unwrap();
        assert_eq!(order.payment_status(), Ok(PaymentStatus::Processing));
        assert_eq!(order.state_name(), "FRAUD_PENDING");
        assert_eq!(order.capture_mode(), Capture::Manual);
    }
}
