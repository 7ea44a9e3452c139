//! Promotions that make a rate a "deal": percent off, early bird, last minute and stay N pay M,
//! each valid for a window of booking dates and a window of stay nights.
//!
//! Rules, the same for every kind:
//! - the booking date must fall in the booking window and the stay must have at least
//!   `min_nights` nights;
//! - only nights inside the stay window are discounted; a promotion none of whose nights are
//!   inside does not apply;
//! - early bird and last minute count whole days from the booking date (hotel-local) to the
//!   check-in date.
//!
//! Only one promotion applies to a stay: the one that saves the most (see
//! [`super::stay::price_stay`]), as the big OTAs do, so discounts never stack.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::codes::short_code;
use super::mul_div_half_even;
use super::stay::{MAX_NIGHTS, Stay};

short_code!(
    /// A promotion's id within its property, such as `spring_sale`.
    PromotionCode,
    "promotion code"
);

/// The largest percentage discount, per mille: 100 % off is not a promotion but a data error.
pub const MAX_DISCOUNT_PERMILLE: u16 = 999;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PromotionKind {
    /// Every eligible night costs `permille`/1000 less.
    PercentOff { permille: u16 },
    /// Percent off when booked at least `min_days_before` days before check-in.
    EarlyBird { min_days_before: u16, permille: u16 },
    /// Percent off when booked at most `max_days_before` days before check-in (0 = same day).
    LastMinute { max_days_before: u16, permille: u16 },
    /// For every `stay_nights` eligible nights the guest pays `pay_nights`: the cheapest
    /// eligible nights are free, the later night first between equal prices.
    StayPay { stay_nights: u8, pay_nights: u8 },
}

impl PromotionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PromotionKind::PercentOff { .. } => "percent_off",
            PromotionKind::EarlyBird { .. } => "early_bird",
            PromotionKind::LastMinute { .. } => "last_minute",
            PromotionKind::StayPay { .. } => "stay_pay",
        }
    }

    fn check(self) -> Result<(), PromotionError> {
        let permille_ok = |p: u16| (1..=MAX_DISCOUNT_PERMILLE).contains(&p);
        match self {
            PromotionKind::PercentOff { permille }
            | PromotionKind::EarlyBird { permille, .. }
            | PromotionKind::LastMinute { permille, .. } => {
                if permille_ok(permille) {
                    Ok(())
                } else {
                    Err(PromotionError::Permille)
                }
            }
            PromotionKind::StayPay {
                stay_nights,
                pay_nights,
            } => {
                if pay_nights >= 1
                    && pay_nights < stay_nights
                    && u16::from(stay_nights) <= MAX_NIGHTS
                {
                    Ok(())
                } else {
                    Err(PromotionError::StayPay)
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PromotionError {
    #[error("a discount must be from 1 to {MAX_DISCOUNT_PERMILLE} per mille")]
    Permille,
    #[error("stay N pay M needs 1 ≤ M < N ≤ 30")]
    StayPay,
}

/// Dates from `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DateWindow {
    from: NaiveDate,
    to: NaiveDate,
}

impl DateWindow {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Option<DateWindow> {
        (from <= to).then_some(DateWindow { from, to })
    }

    pub fn from(self) -> NaiveDate {
        self.from
    }

    pub fn to(self) -> NaiveDate {
        self.to
    }

    pub fn contains(self, d: NaiveDate) -> bool {
        d >= self.from && d <= self.to
    }
}

/// A promotion of one property, for the rate plans it is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Promotion {
    code: PromotionCode,
    kind: PromotionKind,
    booking: Option<DateWindow>,
    stay: Option<DateWindow>,
    min_nights: u8,
}

impl Promotion {
    /// A promotion open for any booking date and any night; narrow it with the `with_` methods.
    pub fn new(code: PromotionCode, kind: PromotionKind) -> Result<Promotion, PromotionError> {
        kind.check()?;
        Ok(Promotion {
            code,
            kind,
            booking: None,
            stay: None,
            min_nights: 1,
        })
    }

    #[must_use]
    pub fn with_booking_window(mut self, w: DateWindow) -> Promotion {
        self.booking = Some(w);
        self
    }

    #[must_use]
    pub fn with_stay_window(mut self, w: DateWindow) -> Promotion {
        self.stay = Some(w);
        self
    }

    #[must_use]
    pub fn with_min_nights(mut self, n: u8) -> Promotion {
        self.min_nights = n.max(1);
        self
    }

    pub fn code(&self) -> PromotionCode {
        self.code
    }

    pub fn kind(&self) -> PromotionKind {
        self.kind
    }

    pub fn booking_window(&self) -> Option<DateWindow> {
        self.booking
    }

    pub fn stay_window(&self) -> Option<DateWindow> {
        self.stay
    }

    pub fn min_nights(&self) -> u8 {
        self.min_nights
    }

    /// Whether the booking date, the stay length and the days before check-in allow this
    /// promotion (the stay window is checked night by night in [`Self::night_discounts`]).
    pub fn open_for(&self, stay: Stay, booked_on: NaiveDate) -> bool {
        if self.booking.is_some_and(|w| !w.contains(booked_on)) {
            return false;
        }
        if stay.nights() < u16::from(self.min_nights) {
            return false;
        }
        let days_before = (stay.check_in() - booked_on).num_days();
        match self.kind {
            PromotionKind::EarlyBird {
                min_days_before, ..
            } => days_before >= i64::from(min_days_before),
            PromotionKind::LastMinute {
                max_days_before, ..
            } => (0..=i64::from(max_days_before)).contains(&days_before),
            PromotionKind::PercentOff { .. } | PromotionKind::StayPay { .. } => true,
        }
    }

    /// Writes the discount per room for each night into `out` (one per night of `nightly`,
    /// which holds the per-room price of each night in minor units) and returns their sum;
    /// 0 when the promotion does not apply. Percentages round half to even per night.
    /// Does not allocate.
    ///
    /// # Panics
    /// If `nightly` and `out` are shorter than the stay.
    pub fn night_discounts(
        &self,
        stay: Stay,
        nightly: &[i64],
        booked_on: NaiveDate,
        out: &mut [i64],
    ) -> i64 {
        let n = usize::from(stay.nights());
        let (nightly, out) = (&nightly[..n], &mut out[..n]);
        out.fill(0);
        if !self.open_for(stay, booked_on) {
            return 0;
        }
        let eligible = |i: usize| self.stay.is_none_or(|w| w.contains(stay.night(i)));
        match self.kind {
            PromotionKind::PercentOff { permille }
            | PromotionKind::EarlyBird { permille, .. }
            | PromotionKind::LastMinute { permille, .. } => {
                for (i, (price, d)) in nightly.iter().zip(out.iter_mut()).enumerate() {
                    if eligible(i) {
                        *d = mul_div_half_even(*price, i64::from(permille), 1000).unwrap_or(0);
                    }
                }
            }
            PromotionKind::StayPay {
                stay_nights,
                pay_nights,
            } => {
                let mut nights = [(0i64, 0usize); MAX_NIGHTS as usize];
                let mut count = 0;
                for (i, price) in nightly.iter().enumerate() {
                    if eligible(i) {
                        nights[count] = (*price, i);
                        count += 1;
                    }
                }
                let free = count / usize::from(stay_nights) * usize::from(stay_nights - pay_nights);
                let nights = &mut nights[..count];
                // Cheapest first; between equal prices the later night is the free one.
                nights.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
                for &(price, i) in &nights[..free] {
                    out[i] = price;
                }
            }
        }
        out.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn promo(kind: PromotionKind) -> Promotion {
        Promotion::new(PromotionCode::parse("p").unwrap(), kind).unwrap()
    }

    fn discounts(p: &Promotion, stay: Stay, nightly: &[i64], booked: NaiveDate) -> Vec<i64> {
        let mut out = vec![-1; nightly.len()];
        let sum = p.night_discounts(stay, nightly, booked, &mut out);
        assert_eq!(sum, out.iter().sum::<i64>());
        out
    }

    #[test]
    fn kinds_are_checked() {
        let code = PromotionCode::parse("x").unwrap();
        for bad in [
            PromotionKind::PercentOff { permille: 0 },
            PromotionKind::PercentOff { permille: 1000 },
            PromotionKind::EarlyBird {
                min_days_before: 30,
                permille: 0,
            },
            PromotionKind::StayPay {
                stay_nights: 3,
                pay_nights: 3,
            },
            PromotionKind::StayPay {
                stay_nights: 3,
                pay_nights: 0,
            },
            PromotionKind::StayPay {
                stay_nights: 31,
                pay_nights: 30,
            },
        ] {
            assert!(Promotion::new(code, bad).is_err(), "{bad:?}");
        }
        assert!(DateWindow::new(d(5, 2), d(5, 1)).is_none());
        let json = serde_json::to_string(&PromotionKind::StayPay {
            stay_nights: 4,
            pay_nights: 3,
        })
        .unwrap();
        assert_eq!(
            json,
            r#"{"kind":"stay_pay","stay_nights":4,"pay_nights":3}"#
        );
    }

    #[test]
    fn percent_off_rounds_each_night_half_even() {
        let stay = Stay::new(d(6, 1), d(6, 4)).unwrap();
        let p = promo(PromotionKind::PercentOff { permille: 150 });
        // 15 % of 10.10 is 1.515 → 1.52; of 10.30, 1.545 → 1.54; of 9.99, 1.4985 → 1.50.
        assert_eq!(
            discounts(&p, stay, &[1010, 1030, 999], d(5, 1)),
            vec![152, 154, 150]
        );
    }

    #[test]
    fn windows_limit_booking_dates_and_nights() {
        let stay = Stay::new(d(6, 1), d(6, 4)).unwrap();
        let nightly = [10_000, 10_000, 10_000];
        let p = promo(PromotionKind::PercentOff { permille: 100 })
            .with_booking_window(DateWindow::new(d(5, 1), d(5, 31)).unwrap());
        assert_eq!(
            discounts(&p, stay, &nightly, d(5, 31)),
            vec![1000, 1000, 1000]
        );
        assert_eq!(discounts(&p, stay, &nightly, d(6, 1)), vec![0, 0, 0]);
        assert_eq!(discounts(&p, stay, &nightly, d(4, 30)), vec![0, 0, 0]);
        // Only the nights of 2 and 3 June are in the stay window.
        let p = promo(PromotionKind::PercentOff { permille: 100 })
            .with_stay_window(DateWindow::new(d(6, 2), d(6, 10)).unwrap());
        assert_eq!(discounts(&p, stay, &nightly, d(5, 1)), vec![0, 1000, 1000]);
        let p = p.with_min_nights(4);
        assert_eq!(discounts(&p, stay, &nightly, d(5, 1)), vec![0, 0, 0]);
    }

    #[test]
    fn early_bird_and_last_minute_count_days_to_check_in() {
        let stay = Stay::new(d(6, 30), d(7, 1)).unwrap();
        let eb = promo(PromotionKind::EarlyBird {
            min_days_before: 30,
            permille: 200,
        });
        assert_eq!(discounts(&eb, stay, &[50_000], d(5, 31)), vec![10_000]);
        assert_eq!(discounts(&eb, stay, &[50_000], d(6, 1)), vec![0]);
        let lm = promo(PromotionKind::LastMinute {
            max_days_before: 1,
            permille: 100,
        });
        assert_eq!(discounts(&lm, stay, &[50_000], d(6, 30)), vec![5_000]);
        assert_eq!(discounts(&lm, stay, &[50_000], d(6, 29)), vec![5_000]);
        assert_eq!(discounts(&lm, stay, &[50_000], d(6, 28)), vec![0]);
        // Booked after check-in day (a data error upstream): no last-minute discount.
        assert_eq!(discounts(&lm, stay, &[50_000], d(7, 1)), vec![0]);
    }

    #[test]
    fn stay_pay_frees_the_cheapest_eligible_nights() {
        let p = promo(PromotionKind::StayPay {
            stay_nights: 3,
            pay_nights: 2,
        });
        let two = Stay::new(d(6, 1), d(6, 3)).unwrap();
        assert_eq!(discounts(&p, two, &[100, 100], d(5, 1)), vec![0, 0]);
        let three = Stay::new(d(6, 1), d(6, 4)).unwrap();
        assert_eq!(
            discounts(&p, three, &[300, 200, 250], d(5, 1)),
            vec![0, 200, 0]
        );
        // Equal prices: the last night is free.
        assert_eq!(
            discounts(&p, three, &[100, 100, 100], d(5, 1)),
            vec![0, 0, 100]
        );
        // Seven nights hold two blocks of three: two nights free.
        let seven = Stay::new(d(6, 1), d(6, 8)).unwrap();
        assert_eq!(
            discounts(&p, seven, &[5, 1, 7, 2, 9, 9, 9], d(5, 1)),
            vec![0, 1, 0, 2, 0, 0, 0]
        );
        // Only eligible nights count towards a block.
        let p = p.with_stay_window(DateWindow::new(d(6, 2), d(6, 30)).unwrap());
        assert_eq!(
            discounts(&p, three, &[100, 100, 100], d(5, 1)),
            vec![0, 0, 0]
        );
    }
}
