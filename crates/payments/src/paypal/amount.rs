//! PayPal's amounts: decimal strings in major units (`"12.34"`, `"1500"`), converted exactly to
//! and from our integer minor units. No floats anywhere.

use wayfare_domain::{Currency, Money};

/// Why an amount cannot be sent to PayPal or read from it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// PayPal amounts are never negative (refunds and captures are positive amounts).
    #[error("a PayPal amount cannot be negative")]
    Negative,
    /// PayPal takes this currency in whole units only, and the amount has a fraction.
    #[error("PayPal takes {0} in whole units only")]
    NotWhole(Currency),
    /// Not a plain decimal with at most the currency's digits.
    #[error("`{0}` is not an amount PayPal would send")]
    Invalid(String),
    /// Too large for 64-bit minor units.
    #[error("the amount is out of range")]
    Overflow,
}

/// How many decimals PayPal takes for a currency: the ISO 4217 exponent, except HUF and TWD,
/// which PayPal documents as "does not support decimals" although ISO gives them two (JPY has
/// none either way). Source: PayPal's currency-codes reference, as quoted by third parties;
/// payments.md does not list it.
pub fn paypal_decimals(currency: Currency) -> u32 {
    match currency.code() {
        "HUF" | "TWD" | "JPY" => 0,
        _ => currency.exponent(),
    }
}

fn pow10(exp: u32) -> i64 {
    10i64.pow(exp)
}

/// The `value` PayPal expects for `money`: exactly [`paypal_decimals`] digits after the point
/// (`"12.34"`, `"0.05"`, `"1500"` for JPY, `"1.234"` for KWD, `"1200"` for HUF 1200.00).
pub fn format_amount(money: Money) -> Result<String, AmountError> {
    let minor = money.minor();
    if minor < 0 {
        return Err(AmountError::Negative);
    }
    let currency = money.currency();
    let iso = currency.exponent();
    let decimals = paypal_decimals(currency);
    // Minor units per PayPal unit of the last digit: 1, or 100 for HUF/TWD.
    let step = pow10(iso.saturating_sub(decimals));
    if minor % step != 0 {
        return Err(AmountError::NotWhole(currency));
    }
    let units = minor / step;
    if decimals == 0 {
        return Ok(units.to_string());
    }
    let scale = pow10(decimals);
    Ok(format!(
        "{}.{:0width$}",
        units / scale,
        units % scale,
        width = decimals as usize
    ))
}

/// Reads a PayPal `value` in `currency`: digits, then optionally a point and at most the
/// currency's ISO digits (`"10"`, `"10.5"` and `"10.50"` are all 1050 cents). Signs, spaces,
/// exponents, empty parts and too many digits are refused.
pub fn parse_amount(value: &str, currency: Currency) -> Result<Money, AmountError> {
    let invalid = || AmountError::Invalid(value.chars().take(40).collect());
    let (whole, fraction) = match value.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (value, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) {
        return Err(invalid());
    }
    let iso = currency.exponent();
    let fraction = fraction.unwrap_or("");
    if !fraction.is_empty() && !all_digits(fraction) {
        return Err(invalid());
    }
    if value.ends_with('.') || fraction.len() > iso as usize {
        return Err(invalid());
    }
    let mut minor: i64 = 0;
    for b in whole.bytes() {
        minor = minor
            .checked_mul(10)
            .and_then(|m| m.checked_add(i64::from(b - b'0')))
            .ok_or(AmountError::Overflow)?;
    }
    minor = minor.checked_mul(pow10(iso)).ok_or(AmountError::Overflow)?;
    let mut frac_minor: i64 = 0;
    for b in fraction.bytes() {
        frac_minor = frac_minor * 10 + i64::from(b - b'0');
    }
    frac_minor *= pow10(iso - fraction.len() as u32);
    let minor = minor.checked_add(frac_minor).ok_or(AmountError::Overflow)?;
    Ok(Money::from_minor(minor, currency))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    #[test]
    fn formats_with_the_currency_digits() {
        let cases = [
            (1234, "USD", "12.34"),
            (5, "USD", "0.05"),
            (0, "EUR", "0.00"),
            (100, "GBP", "1.00"),
            (1500, "JPY", "1500"),
            (1, "JPY", "1"),
            (1234, "KWD", "1.234"),
            (1, "BHD", "0.001"),
            (120_000, "HUF", "1200"),
            (9_900, "TWD", "99"),
            (5, "CLP", "5"),
            (123_456_789, "CNY", "1234567.89"),
        ];
        for (minor, code, want) in cases {
            let m = Money::from_minor(minor, cur(code));
            assert_eq!(format_amount(m).unwrap(), want, "{code} {minor}");
            assert_eq!(parse_amount(want, cur(code)).unwrap(), m, "{code} {want}");
        }
    }

    #[test]
    fn every_currency_round_trips() {
        for code in [
            "USD", "EUR", "JPY", "KWD", "BHD", "JOD", "OMR", "TND", "HUF", "TWD", "KRW", "VND",
            "ISK", "CLP", "CNY", "HKD", "AUD", "CAD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK",
            "MXN", "BRL", "ILS", "NZD", "SGD", "THB", "PHP", "MYR", "INR",
        ] {
            let c = cur(code);
            let step = 10i64.pow(c.exponent() - paypal_decimals(c));
            for minor in [0, 1, 7, 99, 100, 1001, 123_456, i64::MAX / 1000] {
                let m = Money::from_minor(minor * step, c);
                let s = format_amount(m).unwrap();
                assert_eq!(parse_amount(&s, c).unwrap(), m, "{code} {s}");
                let digits = s.split_once('.').map_or(0, |(_, f)| f.len());
                assert_eq!(digits as u32, paypal_decimals(c), "{code} {s}");
            }
        }
    }

    #[test]
    fn negative_and_fractional_whole_unit_amounts_are_refused() {
        assert_eq!(
            format_amount(Money::from_minor(-1, Currency::USD)),
            Err(AmountError::Negative)
        );
        assert_eq!(
            format_amount(Money::from_minor(120_050, cur("HUF"))),
            Err(AmountError::NotWhole(cur("HUF")))
        );
    }

    #[test]
    fn shorter_fractions_are_read_exactly() {
        assert_eq!(parse_amount("10.5", Currency::USD).unwrap().minor(), 1050);
        assert_eq!(parse_amount("10", Currency::USD).unwrap().minor(), 1000);
        assert_eq!(parse_amount("007", Currency::JPY).unwrap().minor(), 7);
        assert_eq!(
            parse_amount("1200.00", cur("HUF")).unwrap().minor(),
            120_000
        );
    }

    #[test]
    fn garbage_is_refused() {
        for bad in [
            "", ".", "1.", ".5", "-1.00", "+1.00", " 1.00", "1.00 ", "1,00", "1.2.3", "1e3", "abc",
            "12.345", "NaN", "١٢", "0x10", "1_000",
        ] {
            assert!(
                matches!(
                    parse_amount(bad, Currency::USD),
                    Err(AmountError::Invalid(_))
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            parse_amount("1.5", Currency::JPY),
            Err(AmountError::Invalid(_))
        ));
        assert_eq!(
            parse_amount("99999999999999999999", Currency::USD),
            Err(AmountError::Overflow)
        );
        assert_eq!(
            parse_amount("92233720368547758.08", Currency::USD),
            Err(AmountError::Overflow)
        );
    }
}
