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
use wayfare_notify::{Channel, NotifyError, OutgoingMessage, Sent};
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
    /// `booking-failed`, `booking-partly-failed`, `trip-reminder`, `flight-changed` …), or,
    /// for `"audience": "agent"` in the event, the agent who made the order (e-mail only).
    /// The handler attaches the PDF itinerary to the e-mails of [`ITINERARY_MESSAGES`].
    pub(crate) async fn order_messages(
        &self,
        order: &OrderView,
        message: &str,
        payload: &serde_json::Value,
    ) -> Result<Vec<OutgoingMessage>, BookingError> {
        let zh = order.locale.starts_with("zh");
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
        Ok(vec![email, sms])
    }
}

/// The messages that carry the PDF itinerary.
const ITINERARY_MESSAGES: [&str; 3] = [
    "booking-confirmed",
    "booking-partly-failed",
    "flight-changed",
];
