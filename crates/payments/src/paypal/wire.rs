//! PayPal's JSON documents (Orders v2, Payments v2, OAuth2, errors, webhooks) and how they
//! read as our [`Payment`], statuses and [`Refund`]. Every field PayPal may leave out is
//! optional here; what we cannot do without is checked when mapping.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use wayfare_domain::{Currency, Money};

use super::amount::parse_amount;
use crate::provider::{Capture, Payment, PaymentFailure, PaymentStatus, RefundStatus};

/// `POST /v1/oauth2/token`'s answer.
#[derive(Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub expires_in: Option<i64>,
}

/// PayPal's error body: `{name, message, debug_id, details[]}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub debug_id: Option<String>,
    #[serde(default)]
    pub details: Vec<ErrorDetail>,
    /// OAuth errors (`{"error":"invalid_client", …}`) use this instead of `name`.
    #[serde(default)]
    pub error: Option<String>,
}

/// One `details[]` entry: the `issue` code is what we act on.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorDetail {
    #[serde(default)]
    pub issue: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// `{currency_code, value}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Amount {
    pub currency_code: String,
    pub value: String,
}

impl Amount {
    /// The amount as [`Money`], refusing unknown currencies and malformed values.
    pub fn to_money(&self) -> Result<Money, String> {
        let currency = Currency::parse(&self.currency_code)
            .map_err(|e| format!("currency `{}`: {e}", self.currency_code))?;
        parse_amount(&self.value, currency).map_err(|e| e.to_string())
    }
}

/// `{href, rel, method}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Link {
    pub href: String,
    pub rel: String,
}

/// `supplementary_data.related_ids`: the order a capture or authorisation belongs to.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RelatedIds {
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub authorization_id: Option<String>,
    #[serde(default)]
    pub capture_id: Option<String>,
}

/// `supplementary_data` of a capture, authorisation or refund.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SupplementaryData {
    #[serde(default)]
    pub related_ids: Option<RelatedIds>,
}

/// `status_details` of a capture or authorisation (`reason` such as `PENDING_REVIEW`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatusDetails {
    #[serde(default)]
    pub reason: Option<String>,
}

/// A capture, an authorisation or a refund: all share these fields.
#[derive(Debug, Clone, Deserialize)]
pub struct Transaction {
    pub id: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub amount: Option<Amount>,
    #[serde(default)]
    pub status_details: Option<StatusDetails>,
    #[serde(default)]
    pub supplementary_data: Option<SupplementaryData>,
    #[serde(default)]
    pub links: Vec<Link>,
    #[serde(default)]
    pub custom_id: Option<String>,
    #[serde(default)]
    pub note_to_payer: Option<String>,
    #[serde(default)]
    pub create_time: Option<String>,
}

impl Transaction {
    fn related(&self) -> Option<&RelatedIds> {
        self.supplementary_data.as_ref()?.related_ids.as_ref()
    }

    /// The order this capture or authorisation belongs to, when PayPal says.
    pub fn order_id(&self) -> Option<&str> {
        self.related()?.order_id.as_deref()
    }

    /// The capture a refund belongs to: `related_ids.capture_id`, or the id at the end of the
    /// `up` link (`…/v2/payments/captures/{id}`).
    pub fn capture_id(&self) -> Option<String> {
        if let Some(id) = self.related().and_then(|r| r.capture_id.clone()) {
            return Some(id);
        }
        link_id(&self.links, "up", "/captures/")
    }

    /// The authorisation a capture belongs to: `related_ids.authorization_id` or the `up` link.
    pub fn authorization_id(&self) -> Option<String> {
        if let Some(id) = self.related().and_then(|r| r.authorization_id.clone()) {
            return Some(id);
        }
        link_id(&self.links, "up", "/authorizations/")
    }
}

/// The last path segment of the `rel` link when its path contains `marker`.
fn link_id(links: &[Link], rel: &str, marker: &str) -> Option<String> {
    let link = links.iter().find(|l| l.rel == rel)?;
    let (_, rest) = link.href.split_once(marker)?;
    let id = rest.split(['/', '?']).next()?;
    (!id.is_empty()).then(|| id.to_owned())
}

/// `purchase_units[].payments`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UnitPayments {
    #[serde(default)]
    pub authorizations: Vec<Transaction>,
    #[serde(default)]
    pub captures: Vec<Transaction>,
    #[serde(default)]
    pub refunds: Vec<Transaction>,
}

/// One `purchase_units[]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PurchaseUnit {
    #[serde(default)]
    pub reference_id: Option<String>,
    #[serde(default)]
    pub custom_id: Option<String>,
    #[serde(default)]
    pub invoice_id: Option<String>,
    #[serde(default)]
    pub amount: Option<Amount>,
    #[serde(default)]
    pub payments: Option<UnitPayments>,
}

/// An order, as `GET /v2/checkout/orders/{id}` and the order POSTs answer it.
#[derive(Debug, Clone, Deserialize)]
pub struct Order {
    pub id: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub intent: Option<String>,
    #[serde(default)]
    pub purchase_units: Vec<PurchaseUnit>,
    #[serde(default)]
    pub links: Vec<Link>,
    #[serde(default)]
    pub create_time: Option<String>,
    #[serde(default)]
    pub payment_source: Option<serde_json::Map<String, Value>>,
}

impl Order {
    /// The first purchase unit: we always create exactly one.
    pub fn unit(&self) -> Option<&PurchaseUnit> {
        self.purchase_units.first()
    }

    fn payments(&self) -> Option<&UnitPayments> {
        self.unit()?.payments.as_ref()
    }

    /// Captures of the order (none before capture).
    pub fn captures(&self) -> &[Transaction] {
        self.payments().map_or(&[], |p| &p.captures)
    }

    /// Authorisations of the order (none unless intent AUTHORIZE and authorised).
    pub fn authorizations(&self) -> &[Transaction] {
        self.payments().map_or(&[], |p| &p.authorizations)
    }

    /// Refunds of the order's captures.
    pub fn refunds(&self) -> &[Transaction] {
        self.payments().map_or(&[], |p| &p.refunds)
    }

    /// Where the buyer approves: the `payer-action` link (orders created with
    /// `payment_source.paypal.experience_context`) or the classic `approve` link. payments.md
    /// leaves the rel name open, so both are taken.
    pub fn approval_url(&self) -> Option<&str> {
        ["payer-action", "approve"].iter().find_map(|rel| {
            self.links
                .iter()
                .find(|l| l.rel == *rel)
                .map(|l| l.href.as_str())
        })
    }

    /// Our capture mode from `intent`.
    pub fn capture_mode(&self) -> Option<Capture> {
        match self.intent.as_deref()? {
            "CAPTURE" => Some(Capture::Automatic),
            "AUTHORIZE" => Some(Capture::Manual),
            _ => None,
        }
    }
}

/// `POST /v1/notifications/verify-webhook-signature`'s answer.
#[derive(Deserialize)]
pub struct VerifyResponse {
    #[serde(default)]
    pub verification_status: String,
}

/// A webhook event body.
#[derive(Debug, Deserialize)]
pub struct EventBody {
    pub id: String,
    pub event_type: String,
    #[serde(default)]
    pub create_time: Option<String>,
    #[serde(default)]
    pub resource_type: Option<String>,
    #[serde(default)]
    pub resource: Value,
}

/// A capture counts as money taken in these statuses (refunds do not undo the capture).
pub fn capture_taken(status: &str) -> bool {
    matches!(status, "COMPLETED" | "PARTIALLY_REFUNDED" | "REFUNDED")
}

/// A refund counts against what is refundable in these statuses.
pub fn refund_counts(status: &str) -> bool {
    matches!(status, "COMPLETED" | "PENDING")
}

/// PayPal's refund status as ours (payments.md §2.3): `COMPLETED` succeeded, `PENDING` pending,
/// `FAILED` and `CANCELLED` failed; anything new is treated as pending (look again).
pub fn refund_status(status: &str) -> RefundStatus {
    match status {
        "COMPLETED" => RefundStatus::Succeeded,
        "FAILED" | "CANCELLED" => RefundStatus::Failed,
        _ => RefundStatus::Pending,
    }
}

fn failure(code: &str, message: &str) -> PaymentFailure {
    PaymentFailure {
        code: code.to_owned(),
        decline_code: None,
        message: message.to_owned(),
    }
}

/// Our status for an order (payments.md §2.3). Before the buyer approves, and after approval
/// until we capture or authorise, the order waits on [`PaymentProvider::complete_action`]:
/// `RequiresAction`. A `COMPLETED` order is read from its captures and authorisations, never
/// from the order status alone, since PayPal also completes orders whose payment was declined.
///
/// [`PaymentProvider::complete_action`]: crate::PaymentProvider::complete_action
pub fn order_status(order: &Order) -> (PaymentStatus, Option<PaymentFailure>) {
    match order.status.as_str() {
        "CREATED" | "SAVED" | "APPROVED" | "PAYER_ACTION_REQUIRED" => {
            (PaymentStatus::RequiresAction, None)
        }
        "VOIDED" => (PaymentStatus::Canceled, None),
        "COMPLETED" => completed_status(order.captures(), order.authorizations()),
        _ => (PaymentStatus::Processing, None),
    }
}

/// The status of a completed order from its captures and authorisations.
pub fn completed_status(
    captures: &[Transaction],
    authorizations: &[Transaction],
) -> (PaymentStatus, Option<PaymentFailure>) {
    if captures.iter().any(|c| capture_taken(&c.status)) {
        return (PaymentStatus::Succeeded, None);
    }
    if captures.iter().any(|c| c.status == "PENDING") {
        return (PaymentStatus::Processing, None);
    }
    let declined = captures
        .iter()
        .find(|c| matches!(c.status.as_str(), "DECLINED" | "FAILED"));
    if let Some(auth) = authorizations.last() {
        match auth.status.as_str() {
            "CREATED" => return (PaymentStatus::Authorized, None),
            "PENDING" => return (PaymentStatus::Processing, None),
            "VOIDED" | "EXPIRED" => return (PaymentStatus::Canceled, None),
            "DENIED" => {
                let reason = auth.status_details.as_ref().and_then(|d| d.reason.clone());
                return (
                    PaymentStatus::Failed,
                    Some(failure(
                        reason.as_deref().unwrap_or("AUTHORIZATION_DENIED"),
                        "PayPal denied the authorisation",
                    )),
                );
            }
            _ => {}
        }
    }
    match declined {
        Some(c) => {
            let reason = c.status_details.as_ref().and_then(|d| d.reason.clone());
            (
                PaymentStatus::Failed,
                Some(failure(
                    reason.as_deref().unwrap_or(&c.status),
                    "PayPal declined the payment",
                )),
            )
        }
        None => (PaymentStatus::Processing, None),
    }
}

/// Our status for a capture event's resource (`PAYMENT.CAPTURE.*`).
pub fn capture_event_status(status: &str) -> PaymentStatus {
    match status {
        s if capture_taken(s) => PaymentStatus::Succeeded,
        "DECLINED" | "FAILED" => PaymentStatus::Failed,
        _ => PaymentStatus::Processing,
    }
}

/// Our status for an authorisation event's resource (`PAYMENT.AUTHORIZATION.*`).
pub fn authorization_event_status(status: &str) -> PaymentStatus {
    match status {
        "CREATED" => PaymentStatus::Authorized,
        "CAPTURED" | "PARTIALLY_CAPTURED" => PaymentStatus::Succeeded,
        "VOIDED" | "EXPIRED" => PaymentStatus::Canceled,
        "DENIED" => PaymentStatus::Failed,
        _ => PaymentStatus::Processing,
    }
}

/// Parses PayPal's RFC 3339 timestamps.
pub fn parse_time(s: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The sum of the `amount`s of `items` that `counts`, in `currency`.
fn sum(
    items: &[Transaction],
    counts: fn(&str) -> bool,
    currency: Currency,
) -> Result<Money, String> {
    let mut total = Money::zero(currency);
    for t in items.iter().filter(|t| counts(&t.status)) {
        let Some(amount) = &t.amount else { continue };
        let m = amount.to_money()?;
        total = total
            .checked_add(m)
            .map_err(|e| format!("{} {}: {e}", t.id, amount.currency_code))?;
    }
    Ok(total)
}

/// The order as our [`Payment`]. `now` stands in for a missing `create_time`.
pub fn order_to_payment(
    order: &Order,
    provider: &str,
    now: DateTime<Utc>,
) -> Result<Payment, String> {
    let unit = order
        .unit()
        .ok_or_else(|| format!("order {} has no purchase unit", order.id))?;
    let amount = unit
        .amount
        .as_ref()
        .ok_or_else(|| format!("order {} has no amount", order.id))?
        .to_money()?;
    let capture = order
        .capture_mode()
        .ok_or_else(|| format!("order {} has intent {:?}", order.id, order.intent))?;
    let currency = amount.currency();
    let (status, failure) = order_status(order);
    let next_action_url = match status {
        PaymentStatus::RequiresAction => order.approval_url().map(str::to_owned),
        _ => None,
    };
    let payment_method = order
        .payment_source
        .as_ref()
        .and_then(|s| s.keys().next().cloned())
        .unwrap_or_else(|| super::PAYMENT_METHOD.to_owned());
    Ok(Payment {
        id: order.id.clone(),
        provider: provider.to_owned(),
        status,
        amount,
        amount_captured: sum(order.captures(), capture_taken, currency)?,
        amount_refunded: sum(order.refunds(), refund_counts, currency)?,
        capture,
        payment_method,
        reference: unit
            .custom_id
            .clone()
            .or_else(|| unit.reference_id.clone())
            .unwrap_or_default(),
        failure,
        next_action_url,
        created_at: parse_time(order.create_time.as_deref()).unwrap_or(now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn order(v: Value) -> Order {
        serde_json::from_value(v).unwrap()
    }

    fn unit(payments: Value) -> Value {
        json!([{ "reference_id": "WF-1", "custom_id": "WF-1",
                 "amount": { "currency_code": "USD", "value": "12.34" },
                 "payments": payments }])
    }

    #[test]
    fn orders_waiting_on_the_buyer_require_action() {
        for status in ["CREATED", "SAVED", "APPROVED", "PAYER_ACTION_REQUIRED"] {
            let o = order(json!({ "id": "O1", "status": status, "intent": "CAPTURE",
                "purchase_units": unit(json!({})),
                "links": [{ "href": "https://paypal.test/checkoutnow?token=O1", "rel": "payer-action" }] }));
            let p = order_to_payment(&o, "paypal", DateTime::<Utc>::UNIX_EPOCH).unwrap();
            assert_eq!(p.status, PaymentStatus::RequiresAction, "{status}");
            assert_eq!(
                p.next_action_url.as_deref(),
                Some("https://paypal.test/checkoutnow?token=O1")
            );
            assert_eq!(p.amount, Money::from_minor(1234, Currency::USD));
            assert_eq!(p.reference, "WF-1");
        }
        let o = order(json!({ "id": "O1", "status": "VOIDED", "intent": "CAPTURE",
            "purchase_units": unit(json!({})) }));
        assert_eq!(order_status(&o).0, PaymentStatus::Canceled);
    }

    #[test]
    fn completed_orders_read_their_captures_and_authorisations() {
        let cases = [
            (
                json!({ "captures": [{ "id": "C", "status": "COMPLETED" }] }),
                PaymentStatus::Succeeded,
            ),
            (
                json!({ "captures": [{ "id": "C", "status": "PARTIALLY_REFUNDED" }] }),
                PaymentStatus::Succeeded,
            ),
            (
                json!({ "captures": [{ "id": "C", "status": "REFUNDED" }] }),
                PaymentStatus::Succeeded,
            ),
            (
                json!({ "captures": [{ "id": "C", "status": "PENDING" }] }),
                PaymentStatus::Processing,
            ),
            (
                json!({ "captures": [{ "id": "C", "status": "DECLINED" }] }),
                PaymentStatus::Failed,
            ),
            (
                json!({ "captures": [{ "id": "C", "status": "FAILED" }] }),
                PaymentStatus::Failed,
            ),
            (
                json!({ "authorizations": [{ "id": "A", "status": "CREATED" }] }),
                PaymentStatus::Authorized,
            ),
            (
                json!({ "authorizations": [{ "id": "A", "status": "PENDING" }] }),
                PaymentStatus::Processing,
            ),
            (
                json!({ "authorizations": [{ "id": "A", "status": "VOIDED" }] }),
                PaymentStatus::Canceled,
            ),
            (
                json!({ "authorizations": [{ "id": "A", "status": "DENIED" }] }),
                PaymentStatus::Failed,
            ),
            (
                json!({ "authorizations": [{ "id": "A", "status": "PARTIALLY_CAPTURED" }],
                     "captures": [{ "id": "C", "status": "COMPLETED" }] }),
                PaymentStatus::Succeeded,
            ),
            (
                json!({ "authorizations": [{ "id": "A", "status": "CAPTURED" }],
                     "captures": [{ "id": "C", "status": "PENDING" }] }),
                PaymentStatus::Processing,
            ),
            (json!({}), PaymentStatus::Processing),
        ];
        for (payments, want) in cases {
            let o = order(
                json!({ "id": "O1", "status": "COMPLETED", "intent": "AUTHORIZE",
                "purchase_units": unit(payments.clone()) }),
            );
            let (status, failure) = order_status(&o);
            assert_eq!(status, want, "{payments}");
            assert_eq!(
                failure.is_some(),
                want == PaymentStatus::Failed,
                "{payments}"
            );
        }
    }

    #[test]
    fn declines_carry_the_reason() {
        let o = order(
            json!({ "id": "O1", "status": "COMPLETED", "intent": "CAPTURE",
            "purchase_units": unit(json!({ "captures": [{ "id": "C", "status": "DECLINED",
                "status_details": { "reason": "DECLINED_BY_RISK_FRAUD_FILTERS" } }] })) }),
        );
        let (_, failure) = order_status(&o);
        assert_eq!(failure.unwrap().code, "DECLINED_BY_RISK_FRAUD_FILTERS");
    }

    #[test]
    fn amounts_captured_and_refunded_are_summed_exactly() {
        let o = order(
            json!({ "id": "O1", "status": "COMPLETED", "intent": "CAPTURE",
            "purchase_units": unit(json!({
                "captures": [{ "id": "C", "status": "PARTIALLY_REFUNDED",
                               "amount": { "currency_code": "USD", "value": "12.34" } }],
                "refunds": [
                    { "id": "R1", "status": "COMPLETED", "amount": { "currency_code": "USD", "value": "1.10" } },
                    { "id": "R2", "status": "PENDING", "amount": { "currency_code": "USD", "value": "0.01" } },
                    { "id": "R3", "status": "FAILED", "amount": { "currency_code": "USD", "value": "5.00" } }
                ] })) }),
        );
        let p = order_to_payment(&o, "paypal", DateTime::<Utc>::UNIX_EPOCH).unwrap();
        assert_eq!(p.amount_captured.minor(), 1234);
        assert_eq!(p.amount_refunded.minor(), 111);
        assert_eq!(p.capture, Capture::Automatic);
        assert_eq!(p.next_action_url, None);
    }

    #[test]
    fn unreadable_orders_are_refused() {
        for bad in [
            json!({ "id": "O1", "status": "CREATED", "intent": "CAPTURE", "purchase_units": [] }),
            json!({ "id": "O1", "status": "CREATED", "intent": "SALE", "purchase_units": unit(json!({})) }),
            json!({ "id": "O1", "status": "CREATED", "intent": "CAPTURE", "purchase_units":
                [{ "amount": { "currency_code": "USD", "value": "-1.00" } }] }),
            json!({ "id": "O1", "status": "CREATED", "intent": "CAPTURE", "purchase_units":
                [{ "amount": { "currency_code": "ZZZ", "value": "1.00" } }] }),
        ] {
            assert!(
                order_to_payment(&order(bad.clone()), "paypal", Utc::now()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn refund_statuses_map_per_the_reference() {
        assert_eq!(refund_status("COMPLETED"), RefundStatus::Succeeded);
        assert_eq!(refund_status("PENDING"), RefundStatus::Pending);
        assert_eq!(refund_status("FAILED"), RefundStatus::Failed);
        assert_eq!(refund_status("CANCELLED"), RefundStatus::Failed);
        assert_eq!(capture_event_status("DECLINED"), PaymentStatus::Failed);
        assert_eq!(capture_event_status("COMPLETED"), PaymentStatus::Succeeded);
        assert_eq!(
            authorization_event_status("VOIDED"),
            PaymentStatus::Canceled
        );
        assert_eq!(
            authorization_event_status("CREATED"),
            PaymentStatus::Authorized
        );
    }

    #[test]
    fn refunds_find_their_capture_from_the_up_link() {
        let r: Transaction = serde_json::from_value(json!({ "id": "R1", "status": "COMPLETED",
            "links": [{ "href": "https://api.paypal.test/v2/payments/refunds/R1", "rel": "self" },
                      { "href": "https://api.paypal.test/v2/payments/captures/C9", "rel": "up" }] }))
        .unwrap();
        assert_eq!(r.capture_id().as_deref(), Some("C9"));
        assert_eq!(r.authorization_id(), None);
    }
}
