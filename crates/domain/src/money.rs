//! Money as integer minor units of an ISO-4217 currency. Never floats.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An ISO-4217 currency, known to carry a definite number of minor-unit digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    pub const CNY: Currency = Currency(iso_currency::Currency::CNY);
    pub const USD: Currency = Currency(iso_currency::Currency::USD);
    pub const EUR: Currency = Currency(iso_currency::Currency::EUR);
    pub const GBP: Currency = Currency(iso_currency::Currency::GBP);
    pub const JPY: Currency = Currency(iso_currency::Currency::JPY);
    pub const HKD: Currency = Currency(iso_currency::Currency::HKD);

    /// Parses a three-letter code such as `CNY`. Case-sensitive as ISO-4217 is; currencies
    /// without minor units defined (e.g. XAU, XXX) are refused because they cannot carry prices.
    pub fn parse(code: &str) -> Result<Currency, MoneyError> {
        let c = iso_currency::Currency::from_code(code)
            .ok_or_else(|| MoneyError::UnknownCurrency(code.to_owned()))?;
        if c.exponent().is_none() {
            return Err(MoneyError::UnknownCurrency(code.to_owned()));
        }
        Ok(Currency(c))
    }

    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Number of minor-unit digits: 2 for CNY, 0 for JPY, 3 for KWD.
    pub fn exponent(self) -> u32 {
        u32::from(self.0.exponent().unwrap_or(0))
    }

    /// English name, e.g. "Yuan Renminbi".
    pub fn name(self) -> String {
        self.0.name().to_string()
    }

    /// A symbol for display, such as `¥` or `$`.
    pub fn symbol(self) -> String {
        self.0.symbol().to_string()
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency code `{0}`")]
    UnknownCurrency(String),
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(Currency, Currency),
    #[error("amount is out of range")]
    Overflow,
    #[error("`{0}` is not a valid amount")]
    InvalidAmount(String),
    #[error("{currency} has {max} decimal places, `{amount}` has more")]
    TooPrecise {
        amount: String,
        currency: Currency,
        max: u32,
    },
}

/// An amount of money: integer minor units (fen, cents) of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub const fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money { minor: 0, currency }
    }

    pub fn minor(self) -> i64 {
        self.minor
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    pub fn is_negative(self) -> bool {
        self.minor < 0
    }

    /// Adds two amounts of the same currency; different currencies are an error, never a guess.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, self.currency))
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_sub(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, self.currency))
    }

    pub fn checked_mul(self, factor: i64) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_mul(factor).ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, self.currency))
    }

    /// Sums amounts that must all be in `currency`.
    pub fn sum<I: IntoIterator<Item = Money>>(
        currency: Currency,
        items: I,
    ) -> Result<Money, MoneyError> {
        items
            .into_iter()
            .try_fold(Money::zero(currency), |acc, m| acc.checked_add(m))
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }

    /// The amount as an exact decimal in major units (12345 fen → 123.45).
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.minor, self.currency.exponent())
    }

    /// Builds an amount from an exact decimal in major units. Refuses more precision than the
    /// currency has; rounding is the caller's explicit decision (see [`Money::from_decimal_rounded`]).
    pub fn from_decimal(amount: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        let exp = currency.exponent();
        let normalized = amount.normalize();
        if normalized.scale() > exp {
            return Err(MoneyError::TooPrecise {
                amount: amount.to_string(),
                currency,
                max: exp,
            });
        }
        Self::from_decimal_rounded(amount, currency)
    }

    /// Builds an amount from a decimal, rounding half to even at the currency's precision.
    pub fn from_decimal_rounded(amount: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        let exp = currency.exponent();
        let rounded =
            amount.round_dp_with_strategy(exp, rust_decimal::RoundingStrategy::MidpointNearestEven);
        let scaled = rounded
            .checked_mul(Decimal::from(10i64.pow(exp)))
            .ok_or(MoneyError::Overflow)?;
        let minor: i64 = scaled
            .trunc()
            .try_into()
            .map_err(|_| MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, currency))
    }

    /// Parses a decimal string in major units, such as "1234.50".
    pub fn parse(amount: &str, currency: Currency) -> Result<Money, MoneyError> {
        let trimmed = amount.trim();
        let valid = !trimmed.is_empty()
            && trimmed
                .trim_start_matches('-')
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.')
            && trimmed.matches('.').count() <= 1
            && !trimmed.starts_with('.')
            && !trimmed.ends_with('.');
        if !valid {
            return Err(MoneyError::InvalidAmount(amount.to_owned()));
        }
        let d =
            Decimal::from_str(trimmed).map_err(|_| MoneyError::InvalidAmount(amount.to_owned()))?;
        Money::from_decimal(d, currency)
    }

    /// The amount as a plain decimal string with exactly the currency's digits: "1234.50", "800" (JPY).
    pub fn amount_string(self) -> String {
        let exp = self.currency.exponent();
        let mut d = self.to_decimal();
        d.rescale(exp);
        d.to_string()
    }

    /// A human display with grouping: "¥1,234.50". Locale-specific symbol placement is the
    /// web layer's business; this is a neutral default.
    pub fn display_grouped(self) -> String {
        let s = self.amount_string();
        let (neg, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest.to_owned()),
            None => (false, s),
        };
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i.to_owned(), Some(f.to_owned())),
            None => (s, None),
        };
        let mut grouped = String::with_capacity(int.len() + int.len() / 3);
        for (i, ch) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        let mut out = String::new();
        if neg {
            out.push('-');
        }
        out.push_str(&grouped);
        if let Some(f) = frac {
            out.push('.');
            out.push_str(&f);
        }
        out
    }
}

/// On the wire money is `{"amount": "1234.50", "currency": "CNY"}`: a decimal string in major
/// units, never a float.
impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Money", 2)?;
        st.serialize_field("amount", &self.amount_string())?;
        st.serialize_field("currency", self.currency.code())?;
        st.end()
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            amount: String,
            currency: Currency,
        }
        let w = Wire::deserialize(d)?;
        Money::parse(&w.amount, w.currency).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_string(), self.currency)
    }
}

/// `amount × num ÷ den` rounded half to even, computed in i128 so no intermediate overflows.
/// `None` when `den` is not positive or the result does not fit an i64.
pub(crate) fn mul_div_half_even(amount: i64, num: i64, den: i64) -> Option<i64> {
    if den <= 0 {
        return None;
    }
    let n = i128::from(amount) * i128::from(num);
    let d = i128::from(den);
    let (q, r) = (n.div_euclid(d), n.rem_euclid(d));
    let up = match (2 * r).cmp(&d) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Equal => q % 2 != 0,
        std::cmp::Ordering::Less => false,
    };
    i64::try_from(if up { q + 1 } else { q }).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    #[test]
    fn adding_different_currencies_is_refused() {
        let usd = Money::from_minor(100, Currency::USD);
        assert_eq!(
            cny(100).checked_add(usd),
            Err(MoneyError::CurrencyMismatch(Currency::CNY, Currency::USD))
        );
        assert!(cny(100).checked_sub(usd).is_err());
        assert!(Money::sum(Currency::CNY, [cny(1), usd]).is_err());
    }

    #[test]
    fn adds_and_detects_overflow() {
        assert_eq!(cny(150).checked_add(cny(250)).unwrap().minor(), 400);
        assert_eq!(cny(i64::MAX).checked_add(cny(1)), Err(MoneyError::Overflow));
        assert_eq!(cny(i64::MIN).checked_sub(cny(1)), Err(MoneyError::Overflow));
        assert_eq!(cny(i64::MAX).checked_mul(2), Err(MoneyError::Overflow));
    }

    #[test]
    fn amount_strings_follow_the_currency_exponent() {
        assert_eq!(cny(123450).amount_string(), "1234.50");
        assert_eq!(cny(5).amount_string(), "0.05");
        assert_eq!(cny(-5).amount_string(), "-0.05");
        assert_eq!(Money::from_minor(800, Currency::JPY).amount_string(), "800");
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(Money::from_minor(1234, kwd).amount_string(), "1.234");
    }

    #[test]
    fn parses_decimal_strings_strictly() {
        assert_eq!(Money::parse("1234.50", Currency::CNY).unwrap(), cny(123450));
        assert_eq!(Money::parse("7", Currency::CNY).unwrap(), cny(700));
        assert_eq!(Money::parse("-0.10", Currency::CNY).unwrap(), cny(-10));
        assert!(matches!(
            Money::parse("1.234", Currency::CNY),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(Money::parse("12.5", Currency::JPY).is_err());
        for bad in ["", "abc", "1e5", "1..2", ".5", "5.", "1,000", " - 1", "NaN"] {
            assert!(Money::parse(bad, Currency::CNY).is_err(), "{bad}");
        }
        // Trailing zeros beyond the exponent are exact, so they are accepted.
        assert_eq!(Money::parse("1.500", Currency::CNY).unwrap(), cny(150));
    }

    #[test]
    fn rounding_is_half_even() {
        let r = |s: &str| Money::from_decimal_rounded(s.parse().unwrap(), Currency::CNY).unwrap();
        assert_eq!(r("0.125").minor(), 12);
        assert_eq!(r("0.135").minor(), 14);
        assert_eq!(r("-0.125").minor(), -12);
        assert_eq!(r("2.675").minor(), 268);
    }

    #[test]
    fn grouped_display() {
        assert_eq!(cny(123456789).display_grouped(), "1,234,567.89");
        assert_eq!(cny(-100000).display_grouped(), "-1,000.00");
        assert_eq!(cny(99).display_grouped(), "0.99");
        assert_eq!(
            Money::from_minor(1000000, Currency::JPY).display_grouped(),
            "1,000,000"
        );
    }

    #[test]
    fn currency_codes() {
        assert_eq!(Currency::parse("CNY").unwrap().exponent(), 2);
        assert_eq!(Currency::parse("JPY").unwrap().exponent(), 0);
        assert!(Currency::parse("cny").is_err());
        assert!(Currency::parse("XXX").is_err());
        assert!(Currency::parse("ABC").is_err());
        let json = serde_json::to_string(&Currency::EUR).unwrap();
        assert_eq!(json, "\"EUR\"");
        assert!(serde_json::from_str::<Currency>("\"QQQ\"").is_err());
    }

    #[test]
    fn serializes_as_decimal_string_and_code() {
        let m = cny(123450);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"1234.50","currency":"CNY"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1.234","currency":"CNY"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":1.5,"currency":"CNY"}"#).is_err());
    }

    proptest! {
        #[test]
        fn amount_string_round_trips(minor in -1_000_000_000_000i64..1_000_000_000_000i64) {
            for c in [Currency::CNY, Currency::JPY, Currency::parse("KWD").unwrap()] {
                let m = Money::from_minor(minor, c);
                prop_assert_eq!(Money::parse(&m.amount_string(), c).unwrap(), m);
            }
        }

        #[test]
        fn addition_is_commutative_and_subtraction_inverts(a in -1_000_000_000i64..1_000_000_000, b in -1_000_000_000i64..1_000_000_000) {
            let (x, y) = (cny(a), cny(b));
            prop_assert_eq!(x.checked_add(y).unwrap(), y.checked_add(x).unwrap());
            prop_assert_eq!(x.checked_add(y).unwrap().checked_sub(y).unwrap(), x);
        }
    }
}
