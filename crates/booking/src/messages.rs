//! What the traveller is told about an order, by e-mail and SMS: `msg-<event>-subject`,
//! `msg-<event>-email` and `msg-<event>-sms` in the order's language.
//!
//! A message is an outbox event (`order_message`), written in the transaction of the move that
//! causes it (confirmed, failed) or by the reminder sweep, once per order and message; the
//! outbox worker hands it to [`OrderMessages`], which sends each e-mail and SMS once (a retry
//! after one channel failed does not repeat the other). A provider that is down is retried
//! with backoff; an address a provider refuses is recorded as failed in the send log and not
//! retried. Either way the booking stands.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use wayfare_notify::outbox::{Deliveries, EventHandler, HandleError, OutboxEvent};
use wayfare_notify::{Channel, NotifyError, OutgoingMessage};
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
        for m in self.orders.order_messages(&order, &message) {
            let key = format!("{}:{}", m.channel.as_str(), m.destination);
            let notifier = &self.orders.inner.notifier;
            let now = self.orders.now();
            let (order_id, message) = (&order_id, &message);
            out.once(&key, || async move {
                match notifier.send(m, now).await {
                    Ok(()) => Ok(None),
                    Err(NotifyError::Rejected { provider, reason }) => {
                        // Recorded as failed in the send log; sending again cannot help.
                        tracing::warn!(order = %order_id, %message, provider, reason, "order message refused");
                        Ok(None)
                    }
                    Err(e) => Err(HandleError::Retry(e.to_string())),
                }
            })
            .await?;
        }
        Ok(())
    }
}

impl Orders {
    /// The handler of `order_message` events, for the outbox worker.
    pub fn message_handler(&self) -> Arc<dyn EventHandler> {
        Arc::new(OrderMessages {
            orders: self.clone(),
        })
    }

    /// The e-mail and SMS telling the order's contact `event` (`booking-confirmed`,
    /// `booking-failed`, `booking-partly-failed`, `trip-reminder`).
    pub(crate) fn order_messages(&self, order: &OrderView, event: &str) -> Vec<OutgoingMessage> {
        let zh = order.locale.starts_with("zh");
        let items: Vec<String> = order
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
            })
            .collect();
        let link = format!(
            "{}/bookings/{}",
            self.inner.config.public_base_url.trim_end_matches('/'),
            order.id
        );
        let args: Vec<(&str, String)> = vec![
            ("reference", order.reference.clone()),
            ("total", order.total_amount.to_string()),
            ("items", items.join("\n")),
            ("first_item", items.first().cloned().unwrap_or_default()),
            ("link", link),
        ];
        let locale = if order.locale.is_empty() {
            "en"
        } else {
            order.locale.as_str()
        };
        let key = event.replace('_', "-");
        let mut out = Vec::new();
        for (channel, to) in [
            (Channel::Email, &order.contact_email),
            (Channel::Sms, &order.contact_phone),
        ] {
            let body =
                (self.inner.translate)(locale, &format!("msg-{key}-{}", channel.as_str()), &args);
            let subject = (channel == Channel::Email)
                .then(|| (self.inner.translate)(locale, &format!("msg-{key}-subject"), &args));
            let message = OutgoingMessage {
                user_id: order.user_id.clone(),
                channel,
                destination: to.clone(),
                event: event.replace('-', "_"),
                locale: locale.to_owned(),
                subject,
                body,
                body_for_history: None,
            };
            out.push(message);
        }
        out
    }
}
