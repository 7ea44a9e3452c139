//! Trip orders: the rules behind turning flight offers and hotel rates into a held, paid and
//! confirmed order. The order's state machine ([`status`]), its booking reference
//! ([`reference`]), the travellers' details as airlines and hotels need them
//! ([`traveller`]) and the price breakdown ([`price`]). No I/O: clocks and randomness come
//! from the caller.
//!
//! Every refusal has a stable Fluent key (`reason-…`, listed in [`REASON_KEYS`]).

pub mod price;
pub mod reference;
pub mod status;
pub mod traveller;

pub use price::{PriceBreakdown, PriceLine, PriceLineKind};
pub use reference::{BookingReference, REFERENCE_ALPHABET, REFERENCE_LEN};
pub use status::{IllegalTransition, ItemStatus, OrderEvent, OrderStatus};
pub use traveller::{
    PassengerKind, PassengerProblem, PassengerRules, TravellerInput, age_on, validate_passenger,
};

/// How long an order holds its seats and rooms unpaid, by default.
pub const DEFAULT_HOLD_MINUTES: i64 = 15;
/// Pre-trip reminders go out this long before departure or check-in.
pub const REMINDER_HOURS_BEFORE: i64 = 24;

/// Every reason key this module can return, for the web layer's translation test.
pub const REASON_KEYS: &[&str] = &[
    "reason-required",
    "reason-passport-name-too-long",
    "reason-passport-name-characters",
    "reason-passport-name-form",
    "reason-chinese-name-too-long",
    "reason-chinese-name-characters",
    "reason-chinese-name-form",
    "reason-born-in-future",
    "reason-passenger-too-old",
    "reason-passenger-too-young",
    "reason-passport-required",
    "reason-passport-number",
    "reason-passport-expired",
    "reason-passport-expires-soon",
    "reason-nationality",
    "reason-passenger-gender",
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn reason_keys_are_listed_once_and_produced() {
        let listed: BTreeSet<&str> = REASON_KEYS.iter().copied().collect();
        assert_eq!(listed.len(), REASON_KEYS.len());
        let produced: BTreeSet<&str> = PassengerProblem::examples()
            .iter()
            .map(|p| p.reason_key())
            .collect();
        assert_eq!(produced, listed);
    }
}
