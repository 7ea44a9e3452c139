//! Display exchange rates and conversions. Rates are quoted against one reference currency
//! ("units of `quote` per one unit of the reference"); a conversion between two other currencies
//! goes through the reference as a cross rate. Results round half to even and carry the rate used.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::money::{Currency, Money, MoneyError};

/// Decimal places kept in a cross rate.
pub const CROSS_RATE_SCALE: u32 = 10;

/// One stored rate: 1 `base` = `rate` `quote`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExchangeRate {
    pub base: Currency,
    pub quote: Currency,
    pub rate: Decimal,
    pub source: String,
    pub as_of: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FxError {
    #[error("no exchange rate for {0}")]
    NoRate(Currency),
    #[error("exchange rate for {0} must be positive")]
    NonPositiveRate(Currency),
    #[error("rate for {quote} is quoted against {base}, the table's reference is {reference}")]
    WrongBase {
        base: Currency,
        quote: Currency,
        reference: Currency,
    },
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// The result of a conversion and the rate(s) it used, so a price shown in another currency can
/// always say where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversion {
    pub from: Money,
    pub to: Money,
    /// Effective rate: 1 unit of `from.currency` = `rate` units of `to.currency`.
    pub rate: Decimal,
    /// The stored rates behind the effective rate (none when converting to the same currency).
    pub rates_used: Vec<ExchangeRate>,
}

/// All current rates against one reference currency.
#[derive(Debug, Clone)]
pub struct RateTable {
    reference: Currency,
    rates: BTreeMap<Currency, ExchangeRate>,
}

impl RateTable {
    pub fn new(reference: Currency, rates: Vec<ExchangeRate>) -> Result<RateTable, FxError> {
        let mut map = BTreeMap::new();
        for r in rates {
            if r.base != reference {
                return Err(FxError::WrongBase {
                    base: r.base,
                    quote: r.quote,
                    reference,
                });
            }
            if r.rate <= Decimal::ZERO {
                return Err(FxError::NonPositiveRate(r.quote));
            }
            map.insert(r.quote, r);
        }
        Ok(RateTable {
            reference,
            rates: map,
        })
    }

    pub fn reference(&self) -> Currency {
        self.reference
    }

    /// Currencies that can be converted (the reference plus every quoted one).
    pub fn currencies(&self) -> Vec<Currency> {
        let mut v: Vec<Currency> = self.rates.keys().copied().collect();
        if !v.contains(&self.reference) {
            v.push(self.reference);
        }
        v.sort_by_key(|c| c.code());
        v
    }

    pub fn rates(&self) -> impl Iterator<Item = &ExchangeRate> {
        self.rates.values()
    }

    pub fn supports(&self, c: Currency) -> bool {
        c == self.reference || self.rates.contains_key(&c)
    }

    /// Units of `c` per one unit of the reference, and the stored rate if any.
    fn leg(&self, c: Currency) -> Result<(Decimal, Option<&ExchangeRate>), FxError> {
        if c == self.reference {
            return Ok((Decimal::ONE, None));
        }
        self.rates
            .get(&c)
            .map(|r| (r.rate, Some(r)))
            .ok_or(FxError::NoRate(c))
    }

    /// Effective rate from `from` to `to`.
    pub fn rate(&self, from: Currency, to: Currency) -> Result<Decimal, FxError> {
        Ok(self.rate_with_sources(from, to)?.0)
    }

    fn rate_with_sources(
        &self,
        from: Currency,
        to: Currency,
    ) -> Result<(Decimal, Vec<ExchangeRate>), FxError> {
        if from == to {
            return Ok((Decimal::ONE, Vec::new()));
        }
        let (from_rate, from_src) = self.leg(from)?;
        let (to_rate, to_src) = self.leg(to)?;
        let rate = (to_rate / from_rate)
            .round_dp_with_strategy(CROSS_RATE_SCALE, RoundingStrategy::MidpointNearestEven)
            .normalize();
        let used = from_src.into_iter().chain(to_src).cloned().collect();
        Ok((rate, used))
    }

    /// Converts `amount` into `to`, rounding half to even at `to`'s precision.
    pub fn convert(&self, amount: Money, to: Currency) -> Result<Conversion, FxError> {
        let (rate, rates_used) = self.rate_with_sources(amount.currency(), to)?;
        let value = amount
            .to_decimal()
            .checked_mul(rate)
            .ok_or(MoneyError::Overflow)?;
        let converted = Money::from_decimal_rounded(value, to)?;
        Ok(Conversion {
            from: amount,
            to: converted,
            rate,
            rates_used,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn rate(quote: &str, r: &str) -> ExchangeRate {
        ExchangeRate {
            base: Currency::USD,
            quote: Currency::parse(quote).unwrap(),
            rate: r.parse().unwrap(),
            source: "test".into(),
            as_of: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
        }
    }

    fn table() -> RateTable {
        RateTable::new(
            Currency::USD,
            vec![rate("CNY", "7.25"), rate("JPY", "150"), rate("EUR", "0.92")],
        )
        .unwrap()
    }

    #[test]
    fn converts_from_reference_and_says_which_rate() {
        let c = table()
            .convert(Money::from_minor(10_000, Currency::USD), Currency::CNY)
            .unwrap();
        assert_eq!(c.to, Money::from_minor(72_500, Currency::CNY));
        assert_eq!(c.rate, "7.25".parse::<Decimal>().unwrap());
        assert_eq!(c.rates_used.len(), 1);
        assert_eq!(c.rates_used[0].quote, Currency::CNY);
    }

    #[test]
    fn cross_rates_go_through_the_reference() {
        let c = table()
            .convert(Money::from_minor(100_000, Currency::JPY), Currency::CNY)
            .unwrap();
        // 100000 JPY / 150 * 7.25 = 4833.333… CNY
        assert_eq!(c.to, Money::from_minor(483_333, Currency::CNY));
        assert_eq!(c.rates_used.len(), 2);
    }

    #[test]
    fn rounds_half_to_even_at_target_precision() {
        let t = RateTable::new(Currency::USD, vec![rate("JPY", "100.5")]).unwrap();
        // 0.01 USD → 1.005 JPY → 1 (even); 0.03 USD → 3.015 → 3
        assert_eq!(
            t.convert(Money::from_minor(1, Currency::USD), Currency::JPY)
                .unwrap()
                .to
                .minor(),
            1
        );
        let t2 = RateTable::new(Currency::USD, vec![rate("JPY", "150")]).unwrap();
        // 0.01 USD = 1.5 JPY → 2 (half to even), 0.05 USD = 7.5 → 8, 0.03 = 4.5 → 4
        assert_eq!(
            t2.convert(Money::from_minor(1, Currency::USD), Currency::JPY)
                .unwrap()
                .to
                .minor(),
            2
        );
        assert_eq!(
            t2.convert(Money::from_minor(3, Currency::USD), Currency::JPY)
                .unwrap()
                .to
                .minor(),
            4
        );
        assert_eq!(
            t2.convert(Money::from_minor(5, Currency::USD), Currency::JPY)
                .unwrap()
                .to
                .minor(),
            8
        );
    }

    #[test]
    fn same_currency_is_identity_and_unknown_is_an_error() {
        let m = Money::from_minor(12_345, Currency::CNY);
        let c = table().convert(m, Currency::CNY).unwrap();
        assert_eq!(c.to, m);
        assert!(c.rates_used.is_empty());
        assert_eq!(
            table().convert(m, Currency::GBP),
            Err(FxError::NoRate(Currency::GBP))
        );
    }

    #[test]
    fn refuses_bad_tables() {
        assert!(RateTable::new(Currency::USD, vec![rate("CNY", "0")]).is_err());
        let mut r = rate("CNY", "7");
        r.base = Currency::EUR;
        assert!(RateTable::new(Currency::USD, vec![r]).is_err());
    }
}
