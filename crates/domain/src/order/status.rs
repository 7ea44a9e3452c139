//! The order's state machine. Every change of state is one [`OrderEvent`]; [`OrderStatus::apply`]
//! says where it leads or refuses it. The store records each applied event (who, when, why)
//! as the order's timeline, so the timeline and the status never disagree.
//!
//! ```text
//!   held ──pay──▶ awaiting_payment ──paid──▶ paid ──confirmed──▶ confirmed
//!    │ ▲               │   │                  │
//!    │ └─payment failed┘   │                  └─supplier failed (payment voided/refunded)──▶ cancelled
//!    ├─hold expired────────┴──▶ expired
//!    └─cancelled──────────────▶ cancelled
//! ```
//!
//! A hold that expires while the payment is in flight moves to `expired` only once the payment
//! is known not to have been taken; the booking service makes sure it never charges an expired
//! hold (the payment is voided or refunded).

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Seats and rooms are held until the hold's expiry; nothing is paid.
    Held,
    /// A payment was started and its outcome is not known yet.
    AwaitingPayment,
    /// The money is taken; the suppliers have not all confirmed yet.
    Paid,
    /// Every item is ticketed or confirmed.
    Confirmed,
    /// The hold ran out before payment; its inventory is back on sale.
    Expired,
    /// Given up: by the traveller before paying, or after the suppliers failed (the payment
    /// then voided or refunded).
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Held,
        OrderStatus::AwaitingPayment,
        OrderStatus::Paid,
        OrderStatus::Confirmed,
        OrderStatus::Expired,
        OrderStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Held => "held",
            OrderStatus::AwaitingPayment => "awaiting_payment",
            OrderStatus::Paid => "paid",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Expired => "expired",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// No event leads anywhere from here (until the refund and change issues add some).
    pub fn is_final(self) -> bool {
        matches!(self, OrderStatus::Expired | OrderStatus::Cancelled)
    }

    /// The hold still matters: inventory is taken and not yet paid for.
    pub fn holds_inventory_unpaid(self) -> bool {
        matches!(self, OrderStatus::Held | OrderStatus::AwaitingPayment)
    }

    /// Where `event` leads from this status, or why it may not happen.
    pub fn apply(self, event: OrderEvent) -> Result<OrderStatus, IllegalTransition> {
        use OrderEvent as E;
        use OrderStatus as S;
        let to = match (self, event) {
            (S::Held, E::PaymentStarted) => S::AwaitingPayment,
            (S::AwaitingPayment, E::PaymentFailed) => S::Held,
            (S::AwaitingPayment, E::PaymentSucceeded) => S::Paid,
            (S::Paid, E::SuppliersConfirmed) => S::Confirmed,
            (S::Paid, E::SuppliersFailed) => S::Cancelled,
            (S::Held | S::AwaitingPayment, E::HoldExpired) => S::Expired,
            (S::Held, E::Cancelled) => S::Cancelled,
            (from, event) => return Err(IllegalTransition { from, event }),
        };
        Ok(to)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that happens to an order. `Created` starts the timeline (at `held`); the others
/// move it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderEvent {
    Created,
    PaymentStarted,
    PaymentFailed,
    PaymentSucceeded,
    SuppliersConfirmed,
    /// A supplier could not confirm after retries; the payment is given back.
    SuppliersFailed,
    HoldExpired,
    Cancelled,
}

impl OrderEvent {
    pub const ALL: [OrderEvent; 8] = [
        OrderEvent::Created,
        OrderEvent::PaymentStarted,
        OrderEvent::PaymentFailed,
        OrderEvent::PaymentSucceeded,
        OrderEvent::SuppliersConfirmed,
        OrderEvent::SuppliersFailed,
        OrderEvent::HoldExpired,
        OrderEvent::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderEvent::Created => "created",
            OrderEvent::PaymentStarted => "payment_started",
            OrderEvent::PaymentFailed => "payment_failed",
            OrderEvent::PaymentSucceeded => "payment_succeeded",
            OrderEvent::SuppliersConfirmed => "suppliers_confirmed",
            OrderEvent::SuppliersFailed => "suppliers_failed",
            OrderEvent::HoldExpired => "hold_expired",
            OrderEvent::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<OrderEvent> {
        OrderEvent::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// An event that may not happen in the order's current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an order that is {from} cannot take the event {event:?}")]
pub struct IllegalTransition {
    pub from: OrderStatus,
    pub event: OrderEvent,
}

/// One item (a flight order or a hotel booking) with its supplier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Inventory held at the supplier (or, for a supplier that cannot hold, price-checked).
    Held,
    /// Ticketed (flights) or confirmed by the hotel.
    Confirmed,
    /// The hold was given back (expired, cancelled or after a failure elsewhere).
    Released,
    /// The supplier refused to confirm after payment.
    Failed,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 4] = [
        ItemStatus::Held,
        ItemStatus::Confirmed,
        ItemStatus::Released,
        ItemStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Held => "held",
            ItemStatus::Confirmed => "confirmed",
            ItemStatus::Released => "released",
            ItemStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<ItemStatus> {
        ItemStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_happy_path() {
        let s = OrderStatus::Held;
        let s = s.apply(OrderEvent::PaymentStarted).unwrap();
        assert_eq!(s, OrderStatus::AwaitingPayment);
        let s = s.apply(OrderEvent::PaymentSucceeded).unwrap();
        assert_eq!(s, OrderStatus::Paid);
        assert_eq!(
            s.apply(OrderEvent::SuppliersConfirmed).unwrap(),
            OrderStatus::Confirmed
        );
    }

    #[test]
    fn a_failed_payment_returns_to_the_hold_and_can_be_retried() {
        let s = OrderStatus::AwaitingPayment
            .apply(OrderEvent::PaymentFailed)
            .unwrap();
        assert_eq!(s, OrderStatus::Held);
        assert!(s.apply(OrderEvent::PaymentStarted).is_ok());
    }

    #[test]
    fn only_unpaid_holds_expire() {
        for s in OrderStatus::ALL {
            let r = s.apply(OrderEvent::HoldExpired);
            assert_eq!(r.is_ok(), s.holds_inventory_unpaid(), "{s}");
        }
    }

    #[test]
    fn final_states_take_no_event() {
        for s in OrderStatus::ALL.into_iter().filter(|s| s.is_final()) {
            for e in OrderEvent::ALL {
                assert_eq!(s.apply(e), Err(IllegalTransition { from: s, event: e }));
            }
        }
    }

    #[test]
    fn a_confirmed_order_cannot_be_paid_or_expire_again() {
        for e in OrderEvent::ALL {
            assert!(OrderStatus::Confirmed.apply(e).is_err(), "{e:?}");
        }
        assert!(OrderStatus::Paid.apply(OrderEvent::HoldExpired).is_err());
        assert!(OrderStatus::Paid.apply(OrderEvent::Cancelled).is_err());
        assert!(
            OrderStatus::Held
                .apply(OrderEvent::PaymentSucceeded)
                .is_err()
        );
    }

    #[test]
    fn names_round_trip() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::String(s.as_str().into())
            );
        }
        for e in OrderEvent::ALL {
            assert_eq!(OrderEvent::parse(e.as_str()), Some(e));
        }
        for i in ItemStatus::ALL {
            assert_eq!(ItemStatus::parse(i.as_str()), Some(i));
        }
        assert_eq!(OrderStatus::parse("HELD"), None);
    }
}
