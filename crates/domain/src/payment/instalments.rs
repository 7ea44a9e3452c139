//! Pay-in-N instalment plans: which plans an order may use, what they cost (a fee in basis points
//! of the order amount plus a fixed part), how the total splits into exact instalments and when
//! each falls due.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::money::{Currency, Money, mul_div_half_even};

/// The fewest and the most instalments a plan may have.
pub const MIN_COUNT: u8 = 2;
pub const MAX_COUNT: u8 = 24;
/// The highest fee in basis points a plan may charge (50 %).
pub const MAX_FEE_BPS: u32 = 5000;

/// One plan on offer: pay in `count` parts for a fee of `fee_bps` basis points of the order
/// amount plus `fee_fixed_minor` minor units of the order currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalmentOption {
    pub count: u8,
    #[serde(default)]
    pub fee_bps: u32,
    #[serde(default)]
    pub fee_fixed_minor: i64,
}

/// The plans on offer and, per currency, the smallest order amount that may use them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstalmentPolicy {
    pub options: Vec<InstalmentOption>,
    /// ISO currency code → minimum amount in minor units; instalments are offered only at or
    /// above it, and not at all in a currency not listed.
    pub min_amount_minor: BTreeMap<String, i64>,
}

impl Default for InstalmentPolicy {
    fn default() -> Self {
        let option = |count, fee_bps| InstalmentOption {
            count,
            fee_bps,
            fee_fixed_minor: 0,
        };
        let min_amount_minor = [
            ("EUR", 20_000),
            ("USD", 20_000),
            ("GBP", 20_000),
            ("CNY", 150_000),
            ("SEK", 200_000),
            ("NOK", 200_000),
            ("DKK", 150_000),
            ("AUD", 30_000),
        ]
        .into_iter()
        .map(|(c, m)| (c.to_owned(), m))
        .collect();
        InstalmentPolicy {
            options: vec![option(3, 0), option(6, 300), option(12, 600)],
            min_amount_minor,
        }
    }
}

/// A priced plan for one amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstalmentQuote {
    pub count: u8,
    /// The order amount.
    pub principal: Money,
    pub fee: Money,
    /// `principal + fee`, what the customer pays in all.
    pub total: Money,
    /// `count` parts summing exactly to `total`; the first carries the remainder, the rest are
    /// equal.
    pub instalments: Vec<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstalmentError {
    #[error("paying in {0} instalments is not offered")]
    CountNotOffered(u8),
    #[error("instalments start at {minimum}")]
    BelowMinimum { minimum: Money },
    #[error("instalments are not offered in {0}")]
    CurrencyNotOffered(Currency),
    #[error("amount is out of range")]
    Overflow,
    #[error("an instalment plan must have {MIN_COUNT} to {MAX_COUNT} payments, not {0}")]
    InvalidCount(u8),
    #[error("the plan in {0} instalments is configured twice")]
    DuplicateCount(u8),
    #[error("the fee of the plan in {count} instalments is negative")]
    NegativeFee { count: u8 },
    #[error(
        "the fee of the plan in {count} instalments is {bps} basis points, above {MAX_FEE_BPS}"
    )]
    FeeTooHigh { count: u8, bps: u32 },
    #[error("`{0}` is not a currency that can carry prices")]
    UnknownCurrency(String),
    #[error("the instalment minimum for {0} is negative")]
    NegativeMinimum(String),
}

impl InstalmentPolicy {
    /// Checks the configuration: counts in 2..=24 and distinct, fees not negative and at most
    /// 5000 basis points, minimums for real currencies and not negative.
    pub fn validate(&self) -> Result<(), InstalmentError> {
        let mut seen = Vec::with_capacity(self.options.len());
        for o in &self.options {
            if !(MIN_COUNT..=MAX_COUNT).contains(&o.count) {
                return Err(InstalmentError::InvalidCount(o.count));
            }
            if seen.contains(&o.count) {
                return Err(InstalmentError::DuplicateCount(o.count));
            }
            seen.push(o.count);
            if o.fee_fixed_minor < 0 {
                return Err(InstalmentError::NegativeFee { count: o.count });
            }
            if o.fee_bps > MAX_FEE_BPS {
                return Err(InstalmentError::FeeTooHigh {
                    count: o.count,
                    bps: o.fee_bps,
                });
            }
        }
        for (code, &min) in &self.min_amount_minor {
            if Currency::parse(code).is_err() {
                return Err(InstalmentError::UnknownCurrency(code.clone()));
            }
            if min < 0 {
                return Err(InstalmentError::NegativeMinimum(code.clone()));
            }
        }
        Ok(())
    }

    /// Every plan `amount` may use, in the configured order; none when the currency has no
    /// instalments or the amount is below its minimum.
    pub fn offers(&self, amount: Money) -> Vec<InstalmentQuote> {
        if self.check_amount(amount).is_err() {
            return Vec::new();
        }
        self.options
            .iter()
            .filter_map(|o| price(o, amount).ok())
            .collect()
    }

    /// The plan in `count` instalments for `amount`.
    pub fn quote(&self, amount: Money, count: u8) -> Result<InstalmentQuote, InstalmentError> {
        self.check_amount(amount)?;
        let option = self
            .options
            .iter()
            .find(|o| o.count == count)
            .ok_or(InstalmentError::CountNotOffered(count))?;
        price(option, amount)
    }

    fn check_amount(&self, amount: Money) -> Result<(), InstalmentError> {
        let currency = amount.currency();
        let &min = self
            .min_amount_minor
            .get(currency.code())
            .ok_or(InstalmentError::CurrencyNotOffered(currency))?;
        if amount.minor() < min {
            return Err(InstalmentError::BelowMinimum {
                minimum: Money::from_minor(min, currency),
            });
        }
        Ok(())
    }
}

/// Prices one plan: fee = half-even rounded `principal × bps / 10000` plus the fixed part.
fn price(option: &InstalmentOption, principal: Money) -> Result<InstalmentQuote, InstalmentError> {
    if option.count == 0 {
        return Err(InstalmentError::InvalidCount(0));
    }
    let currency = principal.currency();
    let fee_minor = mul_div_half_even(principal.minor(), i64::from(option.fee_bps), 10_000)
        .and_then(|p| p.checked_add(option.fee_fixed_minor))
        .ok_or(InstalmentError::Overflow)?;
    let fee = Money::from_minor(fee_minor, currency);
    let total = principal
        .checked_add(fee)
        .map_err(|_| InstalmentError::Overflow)?;
    Ok(InstalmentQuote {
        count: option.count,
        principal,
        fee,
        total,
        instalments: split(total, option.count),
    })
}

/// The part of a plan's `fee` that goes with `part` of the `whole` it was priced on (a plan
/// whose order is only partly confirmed keeps that share of its fee), rounded down so the
/// traveller never pays more than the proportion. Zero when `whole` is not positive.
pub fn fee_share(fee: Money, part_minor: i64, whole_minor: i64) -> Money {
    let minor = if whole_minor > 0 {
        i64::try_from(i128::from(fee.minor()) * i128::from(part_minor) / i128::from(whole_minor))
            .unwrap_or(0)
    } else {
        0
    };
    Money::from_minor(minor, fee.currency())
}

/// Splits `total` into `count` (at least 1) parts summing exactly to it: equal, the first one
/// carrying the remainder.
fn split(total: Money, count: u8) -> Vec<Money> {
    let n = i64::from(count.max(1));
    let base = total.minor().div_euclid(n);
    let remainder = total.minor().rem_euclid(n);
    (0..n)
        .map(|i| {
            let minor = if i == 0 { base + remainder } else { base };
            Money::from_minor(minor, total.currency())
        })
        .collect()
}

/// The due dates of `count` monthly payments, the first on `first`, the next ones on the same
/// day of the following months, or the month's last day when it is shorter (Jan 31 → Feb 28 →
/// Mar 31: each counted from `first`, never from the previous clamped date).
pub fn due_dates(first: NaiveDate, count: u8) -> Vec<NaiveDate> {
    (0..u32::from(count))
        .map_while(|i| first.checked_add_months(Months::new(i)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(minor: i64) -> Money {
        Money::from_minor(minor, Currency::EUR)
    }

    #[test]
    fn a_partly_kept_order_keeps_its_share_of_the_fee_rounded_down() {
        assert_eq!(fee_share(eur(1_854), 61_800, 61_800), eur(1_854));
        assert_eq!(fee_share(eur(1_854), 20_000, 61_800), eur(600));
        assert_eq!(fee_share(eur(1_000), 2, 3), eur(666)); // 666.67, never rounded up
        assert_eq!(fee_share(eur(1_854), 0, 61_800), eur(0));
        assert_eq!(fee_share(eur(1_854), 100, 0), eur(0));
        assert_eq!(fee_share(eur(0), 100, 200), eur(0));
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn flat(count: u8, fee_bps: u32, fee_fixed_minor: i64) -> InstalmentOption {
        InstalmentOption {
            count,
            fee_bps,
            fee_fixed_minor,
        }
    }

    #[test]
    fn default_policy_is_valid_and_as_configured() {
        let p = InstalmentPolicy::default();
        p.validate().unwrap();
        let counts: Vec<u8> = p.options.iter().map(|o| o.count).collect();
        assert_eq!(counts, [3, 6, 12]);
        assert_eq!(p.min_amount_minor["CNY"], 150_000);
        assert_eq!(p.min_amount_minor["AUD"], 30_000);
        assert_eq!(p.min_amount_minor.len(), 8);
    }

    #[test]
    fn splits_are_exact_and_only_the_first_differs() {
        for amount in 1..5000 {
            for count in 2..=12u8 {
                let total = eur(amount);
                let parts = split(total, count);
                assert_eq!(parts.len(), usize::from(count));
                assert_eq!(Money::sum(Currency::EUR, parts.clone()).unwrap(), total);
                let first = parts[0].minor();
                let rest = parts[1].minor();
                assert!(
                    parts[1..].iter().all(|p| p.minor() == rest),
                    "{amount}/{count}"
                );
                assert!(first >= rest);
                assert!(first - rest < i64::from(count));
            }
        }
    }

    #[test]
    fn quotes_add_up_for_many_amounts() {
        let policy = InstalmentPolicy {
            options: vec![flat(2, 0, 0), flat(7, 333, 99), flat(12, 600, 0)],
            min_amount_minor: [("EUR".to_owned(), 1)].into_iter().collect(),
        };
        for amount in 1..5000 {
            for q in policy.offers(eur(amount)) {
                assert_eq!(q.total, q.principal.checked_add(q.fee).unwrap());
                assert_eq!(
                    Money::sum(Currency::EUR, q.instalments.clone()).unwrap(),
                    q.total
                );
                assert_eq!(q.instalments.len(), usize::from(q.count));
            }
        }
    }

    #[test]
    fn example_quote() {
        let q = InstalmentPolicy::default().quote(eur(100_000), 6).unwrap();
        assert_eq!(q.fee, eur(3_000));
        assert_eq!(q.total, eur(103_000));
        assert_eq!(q.instalments[0], eur(17_170));
        assert!(q.instalments[1..].iter().all(|&m| m == eur(17_166)));
        let free = InstalmentPolicy::default().quote(eur(20_000), 3).unwrap();
        assert_eq!(free.fee, eur(0));
        assert_eq!(free.instalments, [eur(6_668), eur(6_666), eur(6_666)]);
    }

    #[test]
    fn fee_rounds_half_to_even() {
        let policy = |bps, fixed| InstalmentPolicy {
            options: vec![flat(3, bps, fixed)],
            min_amount_minor: [("EUR".to_owned(), 0)].into_iter().collect(),
        };
        let fee = |p: &InstalmentPolicy, minor| p.quote(eur(minor), 3).unwrap().fee.minor();
        let p = policy(5000, 0);
        // 50 % of an odd amount is always a half.
        assert_eq!(fee(&p, 1), 0); // 0.5 → 0
        assert_eq!(fee(&p, 3), 2); // 1.5 → 2
        assert_eq!(fee(&p, 5), 2); // 2.5 → 2
        assert_eq!(fee(&p, 7), 4); // 3.5 → 4
        let p = policy(250, 0);
        assert_eq!(fee(&p, 20), 0); // 0.5 → 0
        assert_eq!(fee(&p, 60), 2); // 1.5 → 2
        assert_eq!(fee(&p, 61), 2); // 1.525 → 2
        assert_eq!(fee(&p, 59), 1); // 1.475 → 1
        let p = policy(300, 50);
        assert_eq!(fee(&p, 150), 54); // 4.5 → 4, + 50
        assert_eq!(fee(&p, 250), 58); // 7.5 → 8, + 50
    }

    #[test]
    fn minimum_is_inclusive() {
        let p = InstalmentPolicy::default();
        assert_eq!(p.offers(eur(20_000)).len(), 3);
        assert!(p.offers(eur(19_999)).is_empty());
        assert_eq!(
            p.quote(eur(19_999), 3),
            Err(InstalmentError::BelowMinimum {
                minimum: eur(20_000)
            })
        );
        let cny = |m| Money::from_minor(m, Currency::CNY);
        assert!(p.quote(cny(150_000), 12).is_ok());
        assert_eq!(
            p.quote(cny(149_999), 12),
            Err(InstalmentError::BelowMinimum {
                minimum: cny(150_000)
            })
        );
    }

    #[test]
    fn refuses_counts_not_offered_and_currencies_without_instalments() {
        let p = InstalmentPolicy::default();
        assert_eq!(
            p.quote(eur(50_000), 4),
            Err(InstalmentError::CountNotOffered(4))
        );
        let hkd = Money::from_minor(10_000_000, Currency::HKD);
        assert_eq!(
            p.quote(hkd, 3),
            Err(InstalmentError::CurrencyNotOffered(Currency::HKD))
        );
        assert!(p.offers(hkd).is_empty());
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        let p = InstalmentPolicy {
            options: vec![flat(3, 100, 0), flat(4, 0, i64::MAX)],
            min_amount_minor: [("EUR".to_owned(), 0)].into_iter().collect(),
        };
        assert_eq!(p.quote(eur(i64::MAX), 3), Err(InstalmentError::Overflow));
        assert_eq!(p.quote(eur(1), 4), Err(InstalmentError::Overflow));
        assert!(p.offers(eur(i64::MAX)).is_empty());
    }

    #[test]
    fn zero_decimal_currencies_work_in_minor_units() {
        let p = InstalmentPolicy {
            options: vec![flat(3, 300, 0), flat(6, 150, 100)],
            min_amount_minor: [("JPY".to_owned(), 30_000), ("KRW".to_owned(), 300_000)]
                .into_iter()
                .collect(),
        };
        p.validate().unwrap();
        let jpy = |m| Money::from_minor(m, Currency::JPY);
        let q = p.quote(jpy(100_001), 3).unwrap();
        assert_eq!(q.fee, jpy(3_000)); // 3000.03 → 3000
        assert_eq!(q.total, jpy(103_001));
        assert_eq!(q.instalments, [jpy(34_335), jpy(34_333), jpy(34_333)]);
        let q = p.quote(jpy(30_000), 6).unwrap();
        assert_eq!(q.fee, jpy(550));
        assert_eq!(q.total.amount_string(), "30550");
        assert!(p.quote(jpy(29_999), 3).is_err());
        let krw = Currency::parse("KRW").unwrap();
        let q = p.quote(Money::from_minor(1_000_000, krw), 6).unwrap();
        assert_eq!(q.fee, Money::from_minor(15_100, krw));
    }

    #[test]
    fn validation_refuses_bad_configuration() {
        let with = |options| InstalmentPolicy {
            options,
            ..InstalmentPolicy::default()
        };
        assert_eq!(
            with(vec![flat(1, 0, 0)]).validate(),
            Err(InstalmentError::InvalidCount(1))
        );
        assert_eq!(
            with(vec![flat(25, 0, 0)]).validate(),
            Err(InstalmentError::InvalidCount(25))
        );
        assert!(with(vec![flat(2, 0, 0), flat(24, 0, 0)]).validate().is_ok());
        assert_eq!(
            with(vec![flat(3, 0, 0), flat(3, 100, 0)]).validate(),
            Err(InstalmentError::DuplicateCount(3))
        );
        assert_eq!(
            with(vec![flat(3, 0, -1)]).validate(),
            Err(InstalmentError::NegativeFee { count: 3 })
        );
        assert!(with(vec![flat(3, 5000, 0)]).validate().is_ok());
        assert_eq!(
            with(vec![flat(3, 5001, 0)]).validate(),
            Err(InstalmentError::FeeTooHigh {
                count: 3,
                bps: 5001
            })
        );
        let mut p = InstalmentPolicy::default();
        p.min_amount_minor.insert("XYZ".into(), 100);
        assert_eq!(
            p.validate(),
            Err(InstalmentError::UnknownCurrency("XYZ".into()))
        );
        let mut p = InstalmentPolicy::default();
        p.min_amount_minor.insert("JPY".into(), -1);
        assert_eq!(
            p.validate(),
            Err(InstalmentError::NegativeMinimum("JPY".into()))
        );
    }

    #[test]
    fn policy_reads_from_configuration() {
        let json = r#"{"options":[{"count":4,"fee_bps":120},{"count":10,"fee_bps":0,"fee_fixed_minor":500}],
                       "min_amount_minor":{"EUR":10000}}"#;
        let p: InstalmentPolicy = serde_json::from_str(json).unwrap();
        p.validate().unwrap();
        assert_eq!(p.options[0], flat(4, 120, 0));
        assert_eq!(p.options[1], flat(10, 0, 500));
        assert_eq!(p.offers(eur(10_000)).len(), 2);
        let back: InstalmentPolicy =
            serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn due_dates_clamp_from_the_original_day() {
        assert_eq!(
            due_dates(date(2027, 1, 31), 4),
            [
                date(2027, 1, 31),
                date(2027, 2, 28),
                date(2027, 3, 31),
                date(2027, 4, 30)
            ]
        );
        // Leap year.
        assert_eq!(
            due_dates(date(2028, 1, 31), 3),
            [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]
        );
        assert_eq!(
            due_dates(date(2028, 2, 29), 13).last().copied(),
            Some(date(2029, 2, 28))
        );
        // Across the year end, a day every month has.
        assert_eq!(
            due_dates(date(2026, 11, 15), 3),
            [date(2026, 11, 15), date(2026, 12, 15), date(2027, 1, 15)]
        );
        assert_eq!(due_dates(date(2026, 8, 30), 7)[6], date(2027, 2, 28));
        assert!(due_dates(date(2026, 1, 1), 0).is_empty());
        assert_eq!(due_dates(date(2026, 1, 1), 24).len(), 24);
    }
}
