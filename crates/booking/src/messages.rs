//! What the traveller is told about an order, by e-mail and SMS: `msg-<event>-subject`,
//! `msg-<event>-email` and `msg-<event>-sms` in the order's language.
//!
//! A message is an outbox event (`order_message`), written in the transaction of the move that
//! causes it (confirmed, failed) or by the reminder sweep, once per order and message — a
//! payment received or a refund processed once per payment or refund, with the write that
//! records the money taken or given back; the
//! outbox worker hands it to [`OrderMessages`], which sends each e-mail and SMS once (a retry
//! after one channel failed does not repeat the other). A provider that is down is retried
//! with backoff; an address a provider refuses is recorded as failed in the send log and not
//! retried. Either way the booking stands.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use wayfare_domain::payment::record::{PaymentRecordStatus, RefundRecordStatus};
use wayfare_notify::outbox::{Deliveries, EventHandler, HandleError, OutboxEvent};
use wayfare_notify::{Channel, NotifyError, OutgoingMessage, Sent};
use wayfare_store::orders::{OrderPaymentRow, OrderRefundRow};
use wayfare_store::outbox::NewEvent;

use crate::Orders;
use crate::error::BookingError;
use crate::view::OrderView;

/// The outbox kind of the messages about an order.
pub const ORDER_MESSAGE_EVENT: &str = "order_message";

/// The outbox event that tells an order's traveller `message` (`booking-confirmed` …).
pub(crate) fn order_message_event(order_id: &str, message: &str, now: DateTime<Utc>) -> NewEvent {
    NewEvent {
        kind: ORDER_MESSAGE_EVENT.to_owned(),
        subject_id: Some(order_id.to_owned()),
        dedupe_key: Some(format!("{message}:{order_id}")),
        payload: serde_json::json!({"order_id": order_id, "message": message}),
        available_at: now,
    }
}

/// The message of a payment on an order taken (captured or settled), once per payment.
pub(crate) const PAYMENT_RECEIVED: &str = "payment-received";
/// The message of a refund gone through, once per refund.
pub(crate) const REFUND_PROCESSED: &str = "refund-processed";

/// The outbox event telling the traveller that payment `payment_id` of the order was taken.
/// The amount and method are read from the payment when the message is made.
pub(crate) fn payment_received_event(
    order_id: &str,
    payment_id: &str,
    now: DateTime<Utc>,
) -> NewEvent {
    NewEvent {
        kind: ORDER_MESSAGE_EVENT.to_owned(),
        subject_id: Some(order_id.to_owned()),
        // By payment, not order: an order may be paid in parts.
        dedupe_key: Some(format!("{PAYMENT_RECEIVED}:{payment_id}")),
        payload: serde_json::json!({
            "order_id": order_id,
            "message": PAYMENT_RECEIVED,
            "payment_id": payment_id,
        }),
        available_at: now,
    }
}

/// The outbox event telling the traveller that refund `refund_id` went through.
pub(crate) fn refund_processed_event(
    order_id: &str,
    refund_id: &str,
    now: DateTime<Utc>,
) -> NewEvent {
    NewEvent {
        kind: ORDER_MESSAGE_EVENT.to_owned(),
        subject_id: Some(order_id.to_owned()),
        dedupe_key: Some(format!("{REFUND_PROCESSED}:{refund_id}")),
        payload: serde_json::json!({
            "order_id": order_id,
            "message": REFUND_PROCESSED,
            "refund_id": refund_id,
        }),
        available_at: now,
    }
}

/// The receipt to write with a payment record as it is now: one when money was taken (the
/// record is captured, in full or in part), none while it is only authorised or has failed.
pub(crate) fn receipt_events(row: &OrderPaymentRow, now: DateTime<Utc>) -> Vec<NewEvent> {
    let taken = PaymentRecordStatus::parse(&row.status).is_some_and(|s| s.is_captured())
        && row.captured_minor > 0;
    if taken {
        vec![payment_received_event(&row.order_id, &row.id, now)]
    } else {
        Vec::new()
    }
}

/// The message to write with a refund record as it is now: one once it succeeded.
pub(crate) fn refund_events(row: &OrderRefundRow, now: DateTime<Utc>) -> Vec<NewEvent> {
    if row.status == RefundRecordStatus::Succeeded.as_str() {
        vec![refund_processed_event(&row.order_id, &row.id, now)]
    } else {
        Vec::new()
    }
}

/// Stripe's test payment methods (the sandbox takes the same): the card's brand, in English
/// and Chinese, and last four digits.
const TEST_CARDS: &[(&str, &str, &str, &str)] = &[
    ("pm_card_visa", "Visa", "Visa 卡", "4242"),
    ("pm_card_mastercard", "Mastercard", "Mastercard 卡", "4444"),
    (
        "pm_card_amex",
        "American Express",
        "American Express 卡",
        "0005",
    ),
    (
        "pm_card_visa_debit",
        "Visa debit card",
        "Visa 借记卡",
        "5556",
    ),
    ("pm_card_authenticationRequired", "Visa", "Visa 卡", "3184"),
    (
        "pm_card_authenticationRequiredOnSetup",
        "Visa",
        "Visa 卡",
        "3155",
    ),
    ("pm_card_threeDSecure2Required", "Visa", "Visa 卡", "3220"),
];

/// How a payment's method reads in a message to the traveller (`zh`: in Chinese): the
/// wallet's name, the card's brand and last digits when known, and a plan's instalments.
/// Brand names and these few words live here rather than in the web crate's Fluent files,
/// which this crate cannot reach; the templates around them are the admins' to word.
pub(crate) fn method_label(
    provider: &str,
    payment_method: &str,
    instalments: Option<u8>,
    zh: bool,
) -> String {
    let pick = |en: &str, cn: &str| if zh { cn.to_owned() } else { en.to_owned() };
    let base = match provider {
        "alipay" => pick("Alipay", "支付宝"),
        "wechatpay" => pick("WeChat Pay", "微信支付"),
        "paypal" => "PayPal".to_owned(),
        "klarna" => "Klarna".to_owned(),
        // The card connectors (sandbox, stripe) and any other.
        _ => match TEST_CARDS.iter().find(|c| c.0 == payment_method) {
            Some((_, _, cn, last4)) if zh => format!("尾号 {last4} 的 {cn}"),
            Some((_, en, _, last4)) => format!("{en} ending in {last4}"),
            None => pick("your card", "银行卡"),
        },
    };
    match instalments {
        Some(n) if n > 1 && zh => format!("{base}（分 {n} 期）"),
        Some(n) if n > 1 => format!("{base}, in {n} instalments"),
        _ => base,
    }
}

/// Sends the messages of `order_message` events.
pub struct OrderMessages {
    orders: Orders,
}

#[async_trait::async_trait]
impl EventHandler for OrderMessages {
    async fn handle(&self, event: &OutboxEvent, out: &Deliveries) -> Result<(), HandleError> {
        let field = |k: &str| {
            event.payload[k]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| HandleError::Permanent(format!("the event has no {k}")))
        };
        let (order_id, message) = (field("order_id")?, field("message")?);
        let order = match self.orders.load_view(&order_id).await {
            Ok(o) => o,
            Err(BookingError::NotFound) => {
                return Err(HandleError::Permanent(format!("order {order_id} is gone")));
            }
            Err(e) => return Err(HandleError::Retry(e.to_string())),
        };
        let messages = self
            .orders
            .order_messages(&order, &message, &event.payload)
            .await
            .map_err(|e| HandleError::Retry(e.to_string()))?;
        // Every recipient is tried: one channel's provider being down must not hold back the
        // other. The first failure is answered after, so the event is retried for it alone.
        let mut failed = None;
        for mut m in messages {
            let key = format!("{}:{}", m.channel.as_str(), m.destination);
            m.log_id = Some(out.log_id(&key));
            let orders = &self.orders;
            let now = self.orders.now();
            let (order, order_id, message) = (&order, &order_id, &message);
            let sent = out.once(&key, || async move {
                // Made only when it is to be sent now (not for a retry that already sent it).
                if m.channel == Channel::Email && ITINERARY_MESSAGES.contains(&message.as_str()) {
                    match orders.itinerary_pdf(order).await {
                        Ok(pdf) => m.attachments.push(pdf),
                        // The message goes without it rather than not at all; the order page
                        // has it.
                        Err(e) => {
                            tracing::error!(order = %order_id, error = %e, "itinerary not attached")
                        }
                    }
                }
                match orders.inner.notifier.send(m, now).await {
                    Ok(Sent::Sent {
                        provider_message_id,
                    }) => Ok(Some(provider_message_id)),
                    Ok(Sent::Suppressed) => Ok(None),
                    Err(NotifyError::Rejected { provider, reason }) => {
                        // Recorded as failed in the send log; sending again cannot help.
                        tracing::warn!(order = %order_id, %message, provider, reason, "order message refused");
                        Ok(None)
                    }
                    Err(NotifyError::Template(reason)) => Err(HandleError::Permanent(reason)),
                    Err(e) => Err(HandleError::Retry(e.to_string())),
                }
            })
            .await;
            if let Err(e) = sent {
                failed.get_or_insert(e);
            }
        }
        failed.map_or(Ok(()), Err)
    }
}

impl Orders {
    /// The handler of `order_message` events, for the outbox worker.
    pub fn message_handler(&self) -> Arc<dyn EventHandler> {
        Arc::new(OrderMessages {
            orders: self.clone(),
        })
    }

    /// The e-mail and SMS telling the order's contact `message` (`booking-confirmed`,
    /// `booking-failed`, `booking-partly-failed`, `trip-reminder`, `flight-changed`,
    /// `payment-received` and `refund-processed` with the `payment_id` or `refund_id` whose
    /// amount and method they tell …), or,
    /// for `"audience": "agent"` in the event, the agent who made the order (e-mail only).
    /// The handler attaches the PDF itinerary to the e-mails of [`ITINERARY_MESSAGES`].
    pub(crate) async fn order_messages(
        &self,
        order: &OrderView,
        message: &str,
        payload: &serde_json::Value,
    ) -> Result<Vec<OutgoingMessage>, BookingError> {
        // Item titles in the language of the template the message is rendered from (zh-TW
        // gets the English templates, so English titles too).
        let zh = wayfare_notify::templates::template_language(&order.locale) == "zh-CN";
        let items: Vec<serde_json::Value> = order
            .items
            .iter()
            .map(|i| {
                let title = crate::view::item_title_of(i, zh);
                match (&i.confirmation, i.status) {
                    (Some(c), wayfare_domain::order::ItemStatus::Confirmed) => {
                        format!("{title} ({c})")
                    }
                    _ => title,
                }
                .into()
            })
            .collect();
        let link = format!(
            "{}/bookings/{}",
            self.inner.config.public_base_url.trim_end_matches('/'),
            order.id
        );
        let mut vars = serde_json::Map::new();
        vars.insert("reference".into(), order.reference.clone().into());
        vars.insert("total".into(), order.total_amount.to_string().into());
        vars.insert(
            "first_item".into(),
            items.first().cloned().unwrap_or_default(),
        );
        vars.insert("items".into(), items.into());
        vars.insert("link".into(), link.into());
        // A payment's or refund's own amount and method, as recorded.
        if let Some(id) = payload["payment_id"].as_str() {
            let p =
                order.payments.iter().find(|p| p.id == id).ok_or_else(|| {
                    BookingError::Internal(format!("payment {id} not on the order"))
                })?;
            let taken = if p.captured.minor() > 0 {
                p.captured
            } else {
                p.amount
            };
            vars.insert("amount".into(), taken.to_string().into());
            vars.insert(
                "method".into(),
                method_label(&p.provider, &p.payment_method, p.instalments, zh).into(),
            );
        }
        if let Some(id) = payload["refund_id"].as_str() {
            let r =
                order.refunds.iter().find(|r| r.id == id).ok_or_else(|| {
                    BookingError::Internal(format!("refund {id} not on the order"))
                })?;
            // Back to what paid: the card or wallet, not the plan.
            let method = order
                .payments
                .iter()
                .find(|p| p.id == r.payment_id)
                .map(|p| method_label(&p.provider, &p.payment_method, None, zh))
                .unwrap_or_else(|| method_label("", "", None, zh));
            vars.insert("amount".into(), r.amount.to_string().into());
            vars.insert("method".into(), method.into());
        }
        if let Some(change) = payload["change"].as_object() {
            for (k, v) in change {
                vars.insert(k.clone(), v.clone());
            }
        }
        let locale = if order.locale.is_empty() {
            "en"
        } else {
            order.locale.as_str()
        };
        let event = message.replace('-', "_");
        let message_of =
            |channel: Channel, to: &str, event: &str, user_id: Option<String>| OutgoingMessage {
                user_id,
                channel,
                destination: to.to_owned(),
                event: event.to_owned(),
                locale: locale.to_owned(),
                vars: vars.clone(),
                secret_vars: Vec::new(),
                attachments: Vec::new(),
                log_id: None,
            };
        if payload["audience"].as_str() == Some("agent") {
            let Some(agent_id) = &order.agent_id else {
                return Ok(Vec::new());
            };
            let Some(agent) = self.inner.store.user_by_id(agent_id).await? else {
                return Ok(Vec::new());
            };
            let Some(email) = agent.email.clone() else {
                return Ok(Vec::new());
            };
            let mut m = message_of(
                Channel::Email,
                &email,
                &format!("{event}_agent"),
                Some(agent_id.clone()),
            );
            let traveller = order
                .travellers
                .first()
                .map(|t| format!("{} {}", t.given_name, t.family_name))
                .unwrap_or_default();
            m.vars.insert("traveller".into(), traveller.into());
            m.vars.insert(
                "contact".into(),
                format!("{} {}", order.contact_email, order.contact_phone).into(),
            );
            if !agent.locale.is_empty() {
                m.locale = agent.locale.clone();
            }
            return Ok(vec![m]);
        }
        let email = message_of(
            Channel::Email,
            &order.contact_email,
            &event,
            order.user_id.clone(),
        );
        let sms = message_of(
            Channel::Sms,
            &order.contact_phone,
            &event,
            order.user_id.clone(),
        );
        // A receipt is for the records: by e-mail only (the booking's own SMS follows).
        if message == PAYMENT_RECEIVED {
            return Ok(vec![email]);
        }
        Ok(vec![email, sms])
    }
}

/// The messages that carry the PDF itinerary.
const ITINERARY_MESSAGES: [&str; 3] = [
    "booking-confirmed",
    "booking-partly-failed",
    "flight-changed",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_read_as_the_traveller_knows_them_in_both_languages() {
        assert_eq!(
            method_label("sandbox", "pm_card_visa", None, false),
            "Visa ending in 4242"
        );
        assert_eq!(
            method_label("stripe", "pm_card_visa", None, true),
            "尾号 4242 的 Visa 卡"
        );
        assert_eq!(
            method_label("stripe", "pm_card_amex", None, false),
            "American Express ending in 0005"
        );
        // A card we know nothing more of.
        assert_eq!(
            method_label("stripe", "pm_1PqRsT2eZvKYlo2C", None, false),
            "your card"
        );
        assert_eq!(method_label("stripe", "pm_1PqRsT", None, true), "银行卡");
        assert_eq!(method_label("alipay", "alipay_wap", None, false), "Alipay");
        assert_eq!(method_label("alipay", "alipay", None, true), "支付宝");
        assert_eq!(
            method_label("wechatpay", "wechatpay_native", None, false),
            "WeChat Pay"
        );
        assert_eq!(
            method_label("wechatpay", "wechatpay_jsapi:o1", None, true),
            "微信支付"
        );
        assert_eq!(method_label("paypal", "paypal", None, true), "PayPal");
        assert_eq!(method_label("klarna", "kl_tok", None, false), "Klarna");
        assert_eq!(
            method_label("sandbox", "pm_card_mastercard", Some(3), false),
            "Mastercard ending in 4444, in 3 instalments"
        );
        assert_eq!(
            method_label("sandbox", "pm_card_visa", Some(6), true),
            "尾号 4242 的 Visa 卡（分 6 期）"
        );
        assert_eq!(
            method_label("sandbox", "pm_card_visa", Some(1), false),
            "Visa ending in 4242"
        );
    }

    fn payment(status: &str, captured: i64) -> OrderPaymentRow {
        let now = Utc::now();
        OrderPaymentRow {
            id: "opy_1".into(),
            order_id: "ord_1".into(),
            provider: "sandbox".into(),
            provider_payment_id: Some("pi_1".into()),
            status: status.into(),
            payment_method: "pm_card_visa".into(),
            amount_minor: 10_000,
            captured_minor: captured,
            refunded_minor: 0,
            currency: "CNY".into(),
            failure_code: None,
            next_action_url: None,
            idempotency_key: "ord_1:k".into(),
            instalments: None,
            fee_minor: 0,
            payer_ip: None,
            checked_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_receipt_only_for_money_taken_once_per_payment() {
        let now = Utc::now();
        for (status, captured) in [
            ("processing", 0),
            ("requires_action", 0),
            ("requires_capture", 0),
            ("failed", 0),
            ("cancelled", 0),
        ] {
            assert!(
                receipt_events(&payment(status, captured), now).is_empty(),
                "{status}"
            );
        }
        for (status, captured) in [("succeeded", 10_000), ("partially_captured", 6_000)] {
            let events = receipt_events(&payment(status, captured), now);
            assert_eq!(events.len(), 1, "{status}");
            assert_eq!(
                events[0].dedupe_key.as_deref(),
                Some("payment-received:opy_1")
            );
            assert_eq!(events[0].subject_id.as_deref(), Some("ord_1"));
            assert_eq!(events[0].payload["message"], "payment-received");
            assert_eq!(events[0].payload["payment_id"], "opy_1");
        }
    }

    #[test]
    fn a_refund_is_told_once_it_went_through() {
        let now = Utc::now();
        let refund = |status: &str| OrderRefundRow {
            id: "orf_1".into(),
            order_id: "ord_1".into(),
            payment_id: "opy_1".into(),
            provider_refund_id: None,
            status: status.into(),
            amount_minor: 500,
            currency: "CNY".into(),
            reason: "r".into(),
            idempotency_key: None,
            failure_code: None,
            created_at: now,
            updated_at: Some(now),
        };
        for status in ["pending", "failed", "manual_review"] {
            assert!(refund_events(&refund(status), now).is_empty(), "{status}");
        }
        let events = refund_events(&refund("succeeded"), now);
        assert_eq!(events.len(), 1);
        assert_eq!(
            events[0].dedupe_key.as_deref(),
            Some("refund-processed:orf_1")
        );
        assert_eq!(events[0].payload["refund_id"], "orf_1");
    }
}
