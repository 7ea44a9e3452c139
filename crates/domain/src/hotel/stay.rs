//! A stay (check-in and check-out dates, hotel-local) and its price: nightly rates, the best
//! promotion, taxes and fees.
//!
//! Rounding: a percentage discount rounds half to even per night and room; taxes round half
//! to even once, on the discounted room total of the whole booking; fixed fees need none.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::mul_div_half_even;
use super::promotion::{Promotion, PromotionCode, PromotionKind};
use crate::money::{Money, MoneyError};

/// The longest stay that can be booked in one go.
pub const MAX_NIGHTS: u16 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StayError {
    #[error("check-out must be after check-in")]
    CheckOutNotAfterCheckIn,
    #[error("a stay is at most {MAX_NIGHTS} nights")]
    TooLong,
}

/// Check-in and check-out dates at the hotel: 1 to [`MAX_NIGHTS`] nights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Stay {
    check_in: NaiveDate,
    check_out: NaiveDate,
}

impl Stay {
    pub fn new(check_in: NaiveDate, check_out: NaiveDate) -> Result<Stay, StayError> {
        let nights = (check_out - check_in).num_days();
        if nights < 1 {
            return Err(StayError::CheckOutNotAfterCheckIn);
        }
        if nights > i64::from(MAX_NIGHTS) {
            return Err(StayError::TooLong);
        }
        Ok(Stay {
            check_in,
            check_out,
        })
    }

    pub fn check_in(self) -> NaiveDate {
        self.check_in
    }

    pub fn check_out(self) -> NaiveDate {
        self.check_out
    }

    pub fn nights(self) -> u16 {
        // At most MAX_NIGHTS by construction.
        (self.check_out - self.check_in).num_days() as u16
    }

    /// The date of night `i` (0 = the check-in date).
    pub fn night(self, i: usize) -> NaiveDate {
        self.check_in + Duration::days(i as i64)
    }

    /// The date of each night, check-in first.
    pub fn night_dates(self) -> impl Iterator<Item = NaiveDate> {
        (0..usize::from(self.nights())).map(move |i| self.night(i))
    }
}

/// What is added to the room price. Both parts may be zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct TaxesAndFees {
    /// Taxes and service charge as a share of the room price after discounts, in basis
    /// points (600 = 6 %).
    pub percent_bp: u32,
    /// A fixed amount per room and night (city tax, resort fee), in the rates' currency.
    pub per_room_night: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    #[error("the stay has {expected} nights but {got} prices were given")]
    NightCount { expected: usize, got: usize },
    #[error("a booking needs at least one room")]
    NoRooms,
    #[error("a nightly price is negative")]
    NegativePrice,
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// The promotion that priced a stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AppliedPromotion {
    /// Its position in the list given to [`price_stay`].
    pub index: usize,
    pub code: PromotionCode,
    pub kind: PromotionKind,
    /// Saved on the whole booking.
    pub discount: Money,
}

/// The price of a stay for some rooms of one rate plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StayPrice {
    pub rooms: u8,
    /// Per room, one per night, before the promotion.
    pub base_nightly: Vec<Money>,
    /// Per room, one per night, after the promotion.
    pub nightly: Vec<Money>,
    /// All rooms and nights before the promotion.
    pub subtotal: Money,
    pub discount: Money,
    pub taxes: Money,
    pub fees: Money,
    /// What the guest pays: subtotal − discount + taxes + fees.
    pub total: Money,
    /// What the guest would pay without the promotion; equals `total` when none applies.
    pub was_total: Money,
    pub promotion: Option<AppliedPromotion>,
}

impl StayPrice {
    /// A promotion lowers the price: the result is shown as a deal.
    pub fn is_deal(&self) -> bool {
        self.promotion.is_some()
    }

    /// The crossed-out price, for deals only.
    pub fn was(&self) -> Option<Money> {
        self.is_deal().then_some(self.was_total)
    }

    /// The room price after the promotion, before taxes and fees.
    pub fn room_total(&self) -> Money {
        Money::from_minor(
            self.subtotal.minor() - self.discount.minor(),
            self.subtotal.currency(),
        )
    }

    pub fn nights(&self) -> usize {
        self.nightly.len()
    }

    /// The total per room and night (taxes and fees included), half to even.
    pub fn average_nightly(&self) -> Money {
        let per = (self.nights() as i64).max(1) * i64::from(self.rooms.max(1));
        Money::from_minor(
            mul_div_half_even(self.total.minor(), 1, per).unwrap_or(0),
            self.total.currency(),
        )
    }
}

/// Prices `rooms` identical rooms for `stay`, given each night's price per room before
/// promotions (`nightly`, check-in night first), the property's taxes and fees, the
/// promotions attached to the rate plan and the hotel-local booking date.
///
/// Of the promotions that apply, the one saving the most wins (the first listed among equals);
/// promotions never combine.
pub fn price_stay(
    stay: Stay,
    nightly: &[Money],
    rooms: u8,
    taxes: &TaxesAndFees,
    promotions: &[Promotion],
    booked_on: NaiveDate,
) -> Result<StayPrice, PricingError> {
    let n = usize::from(stay.nights());
    if nightly.len() != n {
        return Err(PricingError::NightCount {
            expected: n,
            got: nightly.len(),
        });
    }
    if rooms == 0 {
        return Err(PricingError::NoRooms);
    }
    let currency = nightly[0].currency();
    let mut base = [0i64; MAX_NIGHTS as usize];
    for (slot, m) in base.iter_mut().zip(nightly) {
        if m.currency() != currency {
            return Err(MoneyError::CurrencyMismatch(currency, m.currency()).into());
        }
        if m.is_negative() {
            return Err(PricingError::NegativePrice);
        }
        *slot = m.minor();
    }
    let base = &base[..n];

    let mut best: Option<(usize, i64)> = None;
    let mut best_nights = [0i64; MAX_NIGHTS as usize];
    let mut scratch = [0i64; MAX_NIGHTS as usize];
    for (i, p) in promotions.iter().enumerate() {
        let saved = p.night_discounts(stay, base, booked_on, &mut scratch);
        if saved > 0 && best.is_none_or(|(_, s)| saved > s) {
            best = Some((i, saved));
            best_nights[..n].copy_from_slice(&scratch[..n]);
        }
    }

    let rooms_i = i64::from(rooms);
    let overflow = || PricingError::Money(MoneyError::Overflow);
    let per_room: i64 = base
        .iter()
        .try_fold(0i64, |a, p| a.checked_add(*p))
        .ok_or_else(overflow)?;
    let subtotal = per_room.checked_mul(rooms_i).ok_or_else(overflow)?;
    let discount = best
        .map_or(Some(0), |(_, saved)| saved.checked_mul(rooms_i))
        .ok_or_else(overflow)?;
    let tax_on = |amount: i64| {
        mul_div_half_even(amount, i64::from(taxes.percent_bp), 10_000).ok_or_else(overflow)
    };
    let taxes_minor = tax_on(subtotal - discount)?;
    let fees = match taxes.per_room_night {
        None => 0,
        Some(fee) => {
            if fee.currency() != currency {
                return Err(MoneyError::CurrencyMismatch(currency, fee.currency()).into());
            }
            fee.minor()
                .checked_mul(n as i64 * rooms_i)
                .ok_or_else(overflow)?
        }
    };
    let total = [subtotal - discount, taxes_minor, fees]
        .into_iter()
        .try_fold(0i64, i64::checked_add)
        .ok_or_else(overflow)?;
    let was_total = if discount == 0 {
        total
    } else {
        [subtotal, tax_on(subtotal)?, fees]
            .into_iter()
            .try_fold(0i64, i64::checked_add)
            .ok_or_else(overflow)?
    };

    let money = |minor: i64| Money::from_minor(minor, currency);
    Ok(StayPrice {
        rooms,
        base_nightly: nightly.to_vec(),
        nightly: base
            .iter()
            .zip(&best_nights[..n])
            .map(|(p, d)| money(p - d))
            .collect(),
        subtotal: money(subtotal),
        discount: money(discount),
        taxes: money(taxes_minor),
        fees: money(fees),
        total: money(total),
        was_total: money(was_total),
        promotion: best.map(|(index, _)| AppliedPromotion {
            index,
            code: promotions[index].code(),
            kind: promotions[index].kind(),
            discount: money(discount),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hotel::promotion::DateWindow;
    use crate::money::Currency;
    use proptest::prelude::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    fn money_nights(currency: Currency, minor: &[i64]) -> Vec<Money> {
        minor
            .iter()
            .map(|m| Money::from_minor(*m, currency))
            .collect()
    }

    fn promo(code: &str, kind: PromotionKind) -> Promotion {
        Promotion::new(PromotionCode::parse(code).unwrap(), kind).unwrap()
    }

    #[test]
    fn stays_are_one_to_thirty_nights() {
        assert_eq!(
            Stay::new(d(6, 1), d(6, 1)),
            Err(StayError::CheckOutNotAfterCheckIn)
        );
        assert_eq!(
            Stay::new(d(6, 2), d(6, 1)),
            Err(StayError::CheckOutNotAfterCheckIn)
        );
        assert_eq!(Stay::new(d(6, 1), d(7, 2)), Err(StayError::TooLong));
        let s = Stay::new(d(6, 1), d(7, 1)).unwrap();
        assert_eq!(s.nights(), 30);
        let s = Stay::new(d(2, 27), d(3, 2)).unwrap();
        assert_eq!(
            s.night_dates().collect::<Vec<_>>(),
            vec![d(2, 27), d(2, 28), d(3, 1)]
        );
    }

    #[test]
    fn a_plain_stay_adds_taxes_and_fees() {
        let stay = Stay::new(d(6, 1), d(6, 3)).unwrap();
        let taxes = TaxesAndFees {
            percent_bp: 600,
            per_room_night: Some(cny(1_000)),
        };
        let p = price_stay(stay, &[cny(50_000), cny(60_000)], 2, &taxes, &[], d(5, 1)).unwrap();
        assert_eq!(p.subtotal, cny(220_000));
        assert_eq!(p.discount, cny(0));
        assert_eq!(p.taxes, cny(13_200));
        assert_eq!(p.fees, cny(4_000));
        assert_eq!(p.total, cny(237_200));
        assert_eq!(p.was_total, p.total);
        assert!(!p.is_deal() && p.was().is_none());
        assert_eq!(p.nightly, p.base_nightly);
        assert_eq!(p.average_nightly(), cny(59_300));
        assert_eq!(p.room_total(), cny(220_000));
    }

    #[test]
    fn the_best_single_promotion_wins() {
        let stay = Stay::new(d(6, 1), d(6, 4)).unwrap();
        let nightly = [cny(30_000), cny(20_000), cny(25_000)];
        let promos = [
            promo("ten", PromotionKind::PercentOff { permille: 100 }),
            promo(
                "s3p2",
                PromotionKind::StayPay {
                    stay_nights: 3,
                    pay_nights: 2,
                },
            ),
            promo(
                "early",
                PromotionKind::EarlyBird {
                    min_days_before: 60,
                    permille: 400,
                },
            ),
        ];
        let taxes = TaxesAndFees {
            percent_bp: 1000,
            per_room_night: None,
        };
        // Booked 31 days ahead: 10 % saves 7,500, stay 3 pay 2 saves 20,000, early bird is closed.
        let p = price_stay(stay, &nightly, 1, &taxes, &promos, d(5, 1)).unwrap();
        let applied = p.promotion.unwrap();
        assert_eq!((applied.index, applied.code.as_str()), (1, "s3p2"));
        assert_eq!(p.discount, cny(20_000));
        assert_eq!(p.nightly, vec![cny(30_000), cny(0), cny(25_000)]);
        assert_eq!(p.taxes, cny(5_500));
        assert_eq!(p.total, cny(60_500));
        assert_eq!(p.was(), Some(cny(82_500)));
        assert!(p.is_deal());
        // Booked 61 days ahead the early bird's 40 % (30,000) wins.
        let p = price_stay(stay, &nightly, 1, &taxes, &promos, d(4, 1)).unwrap();
        assert_eq!(p.promotion.unwrap().code.as_str(), "early");
        assert_eq!(p.discount, cny(30_000));
        // Equal savings: the first listed wins.
        let twins = [
            promo("a", PromotionKind::PercentOff { permille: 100 }),
            promo("b", PromotionKind::PercentOff { permille: 100 }),
        ];
        let p = price_stay(stay, &nightly, 1, &taxes, &twins, d(5, 1)).unwrap();
        assert_eq!(p.promotion.unwrap().code.as_str(), "a");
    }

    #[test]
    fn a_promotion_outside_its_windows_is_no_deal() {
        let stay = Stay::new(d(6, 1), d(6, 2)).unwrap();
        let p = promo("summer", PromotionKind::PercentOff { permille: 200 })
            .with_stay_window(DateWindow::new(d(7, 1), d(8, 31)).unwrap());
        let price = price_stay(
            stay,
            &[cny(10_000)],
            1,
            &TaxesAndFees::default(),
            &[p],
            d(5, 1),
        )
        .unwrap();
        assert!(!price.is_deal());
        assert_eq!(price.total, cny(10_000));
    }

    #[test]
    fn bad_inputs_are_errors() {
        let stay = Stay::new(d(6, 1), d(6, 3)).unwrap();
        let t = TaxesAndFees::default();
        assert_eq!(
            price_stay(stay, &[cny(1)], 1, &t, &[], d(5, 1)),
            Err(PricingError::NightCount {
                expected: 2,
                got: 1
            })
        );
        assert_eq!(
            price_stay(stay, &[cny(1), cny(1)], 0, &t, &[], d(5, 1)),
            Err(PricingError::NoRooms)
        );
        assert_eq!(
            price_stay(stay, &[cny(1), cny(-1)], 1, &t, &[], d(5, 1)),
            Err(PricingError::NegativePrice)
        );
        let usd = Money::from_minor(1, Currency::USD);
        assert!(matches!(
            price_stay(stay, &[cny(1), usd], 1, &t, &[], d(5, 1)),
            Err(PricingError::Money(MoneyError::CurrencyMismatch(..)))
        ));
        let t = TaxesAndFees {
            percent_bp: 0,
            per_room_night: Some(usd),
        };
        assert!(price_stay(stay, &[cny(1), cny(1)], 1, &t, &[], d(5, 1)).is_err());
        let huge = cny(i64::MAX / 2);
        assert_eq!(
            price_stay(
                stay,
                &[huge, huge],
                8,
                &TaxesAndFees::default(),
                &[],
                d(5, 1)
            ),
            Err(PricingError::Money(MoneyError::Overflow))
        );
    }

    #[test]
    fn taxes_round_half_even_once() {
        let stay = Stay::new(d(6, 1), d(6, 2)).unwrap();
        let t = TaxesAndFees {
            percent_bp: 50,
            per_room_night: None,
        };
        // 0.5 % of 1.00 is 0.005 → 0.00; of 3.00, 0.015 → 0.02.
        let p = price_stay(stay, &[cny(100)], 1, &t, &[], d(5, 1)).unwrap();
        assert_eq!(p.taxes, cny(0));
        let p = price_stay(stay, &[cny(300)], 1, &t, &[], d(5, 1)).unwrap();
        assert_eq!(p.taxes, cny(2));
    }

    proptest! {
        #[test]
        fn totals_add_up_and_a_deal_is_never_dearer(
            prices in proptest::collection::vec(0i64..5_000_000, 1..=30),
            rooms in 1u8..=8,
            bp in 0u32..3_000,
            fee in 0i64..10_000,
            permille in 1u16..=999,
            ahead in 0i64..400,
        ) {
            let check_in = d(1, 1) + Duration::days(ahead);
            let stay = Stay::new(check_in, check_in + Duration::days(prices.len() as i64)).unwrap();
            let nightly = money_nights(Currency::CNY, &prices);
            let taxes = TaxesAndFees { percent_bp: bp, per_room_night: Some(cny(fee)) };
            let promos = [
                promo("pct", PromotionKind::PercentOff { permille }),
                promo("sp", PromotionKind::StayPay { stay_nights: 3, pay_nights: 2 }),
            ];
            let p = price_stay(stay, &nightly, rooms, &taxes, &promos, d(1, 1)).unwrap();
            prop_assert_eq!(
                p.total.minor(),
                p.subtotal.minor() - p.discount.minor() + p.taxes.minor() + p.fees.minor()
            );
            let nightly_sum: i64 = p.nightly.iter().map(|m| m.minor()).sum();
            prop_assert_eq!(nightly_sum * i64::from(rooms), p.room_total().minor());
            prop_assert!(p.total.minor() <= p.was_total.minor());
            prop_assert!(p.discount.minor() >= 0 && p.discount.minor() <= p.subtotal.minor());
            prop_assert_eq!(p.is_deal(), p.discount.minor() > 0);
            let plain = price_stay(stay, &nightly, rooms, &taxes, &[], d(1, 1)).unwrap();
            prop_assert_eq!(plain.total, p.was_total);
        }
    }
}
