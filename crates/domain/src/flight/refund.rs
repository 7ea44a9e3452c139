//! What cancelling a ticketed flight order returns, from the fare's structured conditions: the
//! rule the supplier quotes with and the later refund work computes fees from.
//!
//! - Before the cut-off (`cutoff_hours` before the first departure): a refundable fare returns
//!   the total less the refund penalty per seated passenger (never more than the base fare);
//!   a non-refundable fare returns the taxes only.
//! - From the cut-off on, and after departure, the traveller is a no-show: `ForfeitFare` returns
//!   nothing, `RefundTaxesOnly` the taxes, `ExtraPenalty` what a refund would return less the
//!   extra charge per seated passenger (taxes only for a non-refundable fare).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::fare::{FareConditions, NoShowRule};
use super::offer::OfferPrice;
use crate::money::Money;

/// Which rule a refund was computed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundBasis {
    /// Cancelled before the cut-off of a refundable fare.
    Refundable,
    /// Cancelled before the cut-off of a non-refundable fare.
    NonRefundable,
    /// Cancelled after the cut-off or after departure.
    NoShow,
}

/// The money side of cancelling a paid flight order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlightRefund {
    pub refund: Money,
    /// What the traveller loses: `total - refund`.
    pub retained: Money,
    pub basis: RefundBasis,
}

/// The refund for cancelling at `now` an order of `price` for `seated` passengers (adults and
/// children; lap infants hold no seat and pay no penalty) whose first flight leaves at
/// `first_departure`.
pub fn flight_refund(
    conditions: &FareConditions,
    price: &OfferPrice,
    seated: u32,
    now: DateTime<Utc>,
    first_departure: DateTime<Utc>,
) -> FlightRefund {
    let currency = price.total.currency();
    let cutoff = first_departure - Duration::hours(i64::from(conditions.cutoff_hours));
    let seated = i64::from(seated);
    let taxes = price.taxes.minor().clamp(0, price.total.minor());
    let base = price.total.minor() - taxes;
    // The base fare returned after `per_passenger` is kept for each seated passenger.
    let base_less = |per_passenger: i64| (base - per_passenger.saturating_mul(seated)).max(0);
    let (refund, basis) = if now < cutoff {
        match conditions.refund_penalty {
            Some(p) if conditions.refundable => {
                (base_less(p.minor()) + taxes, RefundBasis::Refundable)
            }
            _ => (taxes, RefundBasis::NonRefundable),
        }
    } else {
        let refund = match conditions.no_show {
            NoShowRule::ForfeitFare => 0,
            NoShowRule::RefundTaxesOnly => taxes,
            NoShowRule::ExtraPenalty { amount } => match conditions.refund_penalty {
                Some(p) if conditions.refundable => {
                    base_less(p.minor().saturating_add(amount.minor())) + taxes
                }
                _ => taxes,
            },
        };
        (refund, RefundBasis::NoShow)
    };
    FlightRefund {
        refund: Money::from_minor(refund, currency),
        retained: Money::from_minor(price.total.minor() - refund, currency),
        basis,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::money::Currency;

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    fn price(base: i64, taxes: i64) -> OfferPrice {
        OfferPrice {
            base: cny(base),
            taxes: cny(taxes),
            total: cny(base + taxes),
        }
    }

    fn conditions(refund_penalty: Option<i64>, no_show: NoShowRule) -> FareConditions {
        FareConditions {
            refundable: refund_penalty.is_some(),
            refund_penalty: refund_penalty.map(cny),
            changeable: true,
            change_penalty: Some(cny(10_000)),
            cutoff_hours: 2,
            no_show,
        }
    }

    fn departure() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 10, 12, 0, 0).unwrap()
    }

    #[test]
    fn refundable_fare_keeps_the_penalty_per_seated_passenger() {
        let r = flight_refund(
            &conditions(Some(20_000), NoShowRule::RefundTaxesOnly),
            &price(300_000, 40_000),
            2,
            departure() - Duration::days(3),
            departure(),
        );
        assert_eq!(r.refund, cny(300_000 - 40_000 + 40_000));
        assert_eq!(r.retained, cny(40_000));
        assert_eq!(r.basis, RefundBasis::Refundable);
    }

    #[test]
    fn penalty_never_exceeds_the_base_fare() {
        let r = flight_refund(
            &conditions(Some(500_000), NoShowRule::RefundTaxesOnly),
            &price(300_000, 40_000),
            1,
            departure() - Duration::days(3),
            departure(),
        );
        assert_eq!(r.refund, cny(40_000));
        assert_eq!(r.retained, cny(300_000));
    }

    #[test]
    fn non_refundable_fare_returns_taxes_only() {
        let r = flight_refund(
            &conditions(None, NoShowRule::ForfeitFare),
            &price(100_000, 15_000),
            1,
            departure() - Duration::days(30),
            departure(),
        );
        assert_eq!(r.refund, cny(15_000));
        assert_eq!(r.basis, RefundBasis::NonRefundable);
    }

    #[test]
    fn the_cutoff_instant_itself_is_a_no_show() {
        let c = conditions(Some(20_000), NoShowRule::ForfeitFare);
        let p = price(300_000, 40_000);
        let just_before = flight_refund(
            &c,
            &p,
            1,
            departure() - Duration::hours(2) - Duration::seconds(1),
            departure(),
        );
        assert_eq!(just_before.basis, RefundBasis::Refundable);
        let at = flight_refund(&c, &p, 1, departure() - Duration::hours(2), departure());
        assert_eq!(at.basis, RefundBasis::NoShow);
        assert_eq!(at.refund, cny(0));
        assert_eq!(at.retained, p.total);
    }

    #[test]
    fn no_show_rules_after_departure() {
        let p = price(300_000, 40_000);
        let after = departure() + Duration::hours(1);
        let taxes_only = flight_refund(
            &conditions(Some(20_000), NoShowRule::RefundTaxesOnly),
            &p,
            1,
            after,
            departure(),
        );
        assert_eq!(taxes_only.refund, cny(40_000));
        let extra = flight_refund(
            &conditions(
                Some(20_000),
                NoShowRule::ExtraPenalty {
                    amount: cny(30_000),
                },
            ),
            &p,
            2,
            after,
            departure(),
        );
        // 300,000 − 2 × (20,000 + 30,000) + 40,000 taxes.
        assert_eq!(extra.refund, cny(240_000));
        assert_eq!(extra.basis, RefundBasis::NoShow);
        let extra_non_refundable = flight_refund(
            &conditions(
                None,
                NoShowRule::ExtraPenalty {
                    amount: cny(30_000),
                },
            ),
            &p,
            1,
            after,
            departure(),
        );
        assert_eq!(extra_non_refundable.refund, cny(40_000));
    }

    #[test]
    fn refund_and_retained_always_add_up_and_stay_in_range() {
        for penalty in [None, Some(0), Some(5_000), Some(1_000_000)] {
            for rule in [
                NoShowRule::ForfeitFare,
                NoShowRule::RefundTaxesOnly,
                NoShowRule::ExtraPenalty { amount: cny(7_000) },
            ] {
                for hours in [-5, 0, 1, 2, 3, 100] {
                    for seated in [0, 1, 9] {
                        let p = price(123_400, 5_600);
                        let r = flight_refund(
                            &conditions(penalty, rule),
                            &p,
                            seated,
                            departure() - Duration::hours(hours),
                            departure(),
                        );
                        assert_eq!(r.refund.minor() + r.retained.minor(), p.total.minor());
                        assert!((0..=p.total.minor()).contains(&r.refund.minor()));
                    }
                }
            }
        }
    }
}
