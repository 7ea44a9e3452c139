//! Rate plans (board, payment, member-only, cancellation) and the daily calendars behind them:
//! rooms left per room type and price per night per rate plan.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::cancellation::CancellationPolicy;
use super::codes::{coded_enum, short_code};
use super::promotion::PromotionCode;
use super::property::LocalizedText;
use super::room::RoomTypeCode;
use super::stay::Stay;
use crate::money::{Currency, Money};

short_code!(
    /// A rate plan within one property, such as `bar_flex` or `member_bb`.
    RatePlanCode,
    "rate plan code"
);

coded_enum! {
    /// Meals included in the rate.
    pub enum Board ("board") {
        RoomOnly = "room_only",
        Breakfast = "breakfast",
        HalfBoard = "half_board",
        FullBoard = "full_board",
        AllInclusive = "all_inclusive",
    }
}

impl Board {
    pub fn includes_breakfast(self) -> bool {
        self != Board::RoomOnly
    }
}

coded_enum! {
    /// When the guest pays.
    pub enum Payment ("payment") {
        /// Charged at booking by Wayfare.
        PayNow = "pay_now",
        /// Paid to the hotel at the stay; the booking only guarantees the room.
        PayAtHotel = "pay_at_hotel",
    }
}

/// How one room type is sold: meals, payment, who may book it and the cancellation terms.
#[derive(Debug, Clone, PartialEq)]
pub struct RatePlan {
    pub code: RatePlanCode,
    pub room_type: RoomTypeCode,
    pub name: LocalizedText,
    pub board: Board,
    pub payment: Payment,
    /// Only signed-in members see and book it (the "member rate").
    pub member_only: bool,
    pub cancellation: CancellationPolicy,
    /// Every price of the plan is in this currency.
    pub currency: Currency,
    /// Promotions that may price it (the best single one applies).
    pub promotions: Vec<PromotionCode>,
}

/// One value per consecutive date from `first` on: rooms left for a room type, or the price of
/// a rate plan. Dense and date-indexed, so a stay is one slice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailySeries<T> {
    first: NaiveDate,
    values: Vec<T>,
}

impl<T: Copy> DailySeries<T> {
    pub fn new(first: NaiveDate, values: Vec<T>) -> DailySeries<T> {
        DailySeries { first, values }
    }

    pub fn first(&self) -> NaiveDate {
        self.first
    }

    /// The day after the last value.
    pub fn end(&self) -> NaiveDate {
        self.first + chrono::Duration::days(self.values.len() as i64)
    }

    pub fn get(&self, date: NaiveDate) -> Option<T> {
        let i = usize::try_from((date - self.first).num_days()).ok()?;
        self.values.get(i).copied()
    }

    /// The values for each night of the stay; `None` when the series does not cover it.
    pub fn nights(&self, stay: Stay) -> Option<&[T]> {
        let start = usize::try_from((stay.check_in() - self.first).num_days()).ok()?;
        self.values.get(start..start + usize::from(stay.nights()))
    }
}

/// Rooms of a type left for every night of the stay: the smallest nightly count (0 when the
/// calendar does not cover the stay).
pub fn rooms_left(inventory: &DailySeries<u16>, stay: Stay) -> u16 {
    inventory
        .nights(stay)
        .and_then(|n| n.iter().copied().min())
        .unwrap_or(0)
}

/// The per-room price of each night of the stay, from a calendar of minor units where `None`
/// means the plan is closed that night; `None` unless every night is open.
pub fn nightly_prices(
    prices: &DailySeries<Option<i64>>,
    currency: Currency,
    stay: Stay,
) -> Option<Vec<Money>> {
    prices
        .nights(stay)?
        .iter()
        .map(|p| p.map(|minor| Money::from_minor(minor, currency)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, day).unwrap()
    }

    #[test]
    fn boards_and_payments() {
        assert!(!Board::RoomOnly.includes_breakfast());
        assert!(Board::Breakfast.includes_breakfast() && Board::AllInclusive.includes_breakfast());
        assert_eq!(Payment::parse("pay_at_hotel"), Some(Payment::PayAtHotel));
        assert_eq!(Board::parse("bb"), None);
    }

    #[test]
    fn calendars_cover_stays_or_not() {
        let inv = DailySeries::new(d(1), vec![5, 3, 0, 7]);
        assert_eq!(inv.end(), d(5));
        assert_eq!(inv.get(d(2)), Some(3));
        assert_eq!(inv.get(d(5)), None);
        assert_eq!(inv.get(d(1) - chrono::Duration::days(1)), None);
        assert_eq!(rooms_left(&inv, Stay::new(d(1), d(3)).unwrap()), 3);
        assert_eq!(rooms_left(&inv, Stay::new(d(1), d(4)).unwrap()), 0);
        // The check-out day's inventory does not matter.
        assert_eq!(rooms_left(&inv, Stay::new(d(4), d(5)).unwrap()), 7);
        assert_eq!(rooms_left(&inv, Stay::new(d(4), d(6)).unwrap()), 0);
        assert_eq!(
            rooms_left(
                &inv,
                Stay::new(d(1) - chrono::Duration::days(1), d(2)).unwrap()
            ),
            0
        );

        let prices = DailySeries::new(d(1), vec![Some(100), Some(120), None]);
        assert_eq!(
            nightly_prices(&prices, Currency::CNY, Stay::new(d(1), d(3)).unwrap()),
            Some(vec![
                Money::from_minor(100, Currency::CNY),
                Money::from_minor(120, Currency::CNY)
            ])
        );
        assert_eq!(
            nightly_prices(&prices, Currency::CNY, Stay::new(d(2), d(4)).unwrap()),
            None
        );
        assert_eq!(
            nightly_prices(&prices, Currency::CNY, Stay::new(d(3), d(5)).unwrap()),
            None
        );
    }
}
