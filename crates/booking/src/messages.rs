//! What the traveller is told about an order, by e-mail and SMS, through the notification
//! trait: `msg-<event>-subject`, `msg-<event>-email` and `msg-<event>-sms` in the order's
//! language. A message that cannot be sent is logged and noted on the timeline; it never undoes
//! the booking.

use wayfare_notify::{Channel, OutgoingMessage};

use crate::Orders;
use crate::view::OrderView;

impl Orders {
    /// Sends `event` (`booking-confirmed`, `booking-failed`, `booking-partly-failed`,
    /// `trip-reminder`) about the order to its contact e-mail and phone.
    pub(crate) async fn send_order_message(&self, order: &OrderView, event: &str) {
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
            if let Err(e) = self.inner.notifier.send(message, self.now()).await {
                tracing::warn!(order = %order.id, event, channel = channel.as_str(), error = %e, "order message not sent");
            }
        }
    }
}
