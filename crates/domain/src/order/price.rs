//! An order's price breakdown: one line per item and kind (base fare or room price, taxes,
//! fees, discounts), all in the order's currency. The total is the sum of the lines; a
//! discount line is negative. Nothing here rounds: the lines are what the suppliers quoted.

use serde::{Deserialize, Serialize};

use crate::money::{Currency, Money, MoneyError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceLineKind {
    BaseFare,
    RoomPrice,
    Taxes,
    Fees,
    Discount,
}

impl PriceLineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PriceLineKind::BaseFare => "base_fare",
            PriceLineKind::RoomPrice => "room_price",
            PriceLineKind::Taxes => "taxes",
            PriceLineKind::Fees => "fees",
            PriceLineKind::Discount => "discount",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceLine {
    /// The item (position in the order) this line belongs to.
    pub item: usize,
    pub kind: PriceLineKind,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceBreakdown {
    pub currency: Currency,
    pub lines: Vec<PriceLine>,
}

impl PriceBreakdown {
    pub fn new(currency: Currency) -> PriceBreakdown {
        PriceBreakdown {
            currency,
            lines: Vec::new(),
        }
    }

    /// Adds a line; zero amounts are left out. A discount is stored negative whatever sign it
    /// is given; the other kinds must not be negative.
    pub fn push(
        &mut self,
        item: usize,
        kind: PriceLineKind,
        amount: Money,
    ) -> Result<(), MoneyError> {
        if amount.currency() != self.currency {
            return Err(MoneyError::CurrencyMismatch(
                self.currency,
                amount.currency(),
            ));
        }
        let minor = match kind {
            PriceLineKind::Discount => -amount.minor().checked_abs().ok_or(MoneyError::Overflow)?,
            _ if amount.is_negative() => {
                return Err(MoneyError::InvalidAmount(amount.minor().to_string()));
            }
            _ => amount.minor(),
        };
        if minor != 0 {
            self.lines.push(PriceLine {
                item,
                kind,
                amount: Money::from_minor(minor, self.currency),
            });
        }
        Ok(())
    }

    pub fn total(&self) -> Result<Money, MoneyError> {
        self.lines
            .iter()
            .try_fold(Money::zero(self.currency), |acc, l| {
                acc.checked_add(l.amount)
            })
    }

    /// The sum of one item's lines.
    pub fn item_total(&self, item: usize) -> Result<Money, MoneyError> {
        self.lines
            .iter()
            .filter(|l| l.item == item)
            .try_fold(Money::zero(self.currency), |acc, l| {
                acc.checked_add(l.amount)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::parse("CNY").unwrap())
    }

    #[test]
    fn totals_add_lines_and_subtract_discounts() {
        let mut b = PriceBreakdown::new(Currency::parse("CNY").unwrap());
        b.push(0, PriceLineKind::BaseFare, cny(450_000)).unwrap();
        b.push(0, PriceLineKind::Taxes, cny(62_300)).unwrap();
        b.push(1, PriceLineKind::RoomPrice, cny(300_000)).unwrap();
        b.push(1, PriceLineKind::Discount, cny(30_000)).unwrap();
        b.push(1, PriceLineKind::Fees, cny(0)).unwrap();
        assert_eq!(b.lines.len(), 4);
        assert_eq!(b.total().unwrap(), cny(782_300));
        assert_eq!(b.item_total(1).unwrap(), cny(270_000));
        assert_eq!(b.lines[3].amount, cny(-30_000));
    }

    #[test]
    fn other_currencies_and_negative_prices_are_refused() {
        let mut b = PriceBreakdown::new(Currency::parse("CNY").unwrap());
        let usd = Money::from_minor(100, Currency::parse("USD").unwrap());
        assert!(b.push(0, PriceLineKind::BaseFare, usd).is_err());
        assert!(b.push(0, PriceLineKind::Taxes, cny(-1)).is_err());
        assert!(b.lines.is_empty());
    }
}
