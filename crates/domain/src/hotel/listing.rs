//! What the built-in supplier sells at one property — its room types with their allotment,
//! the rate plans on each with a base nightly price, and its promotions — and the demand rule
//! that turns a base price into the price of one night (season, holidays and weekday).

use chrono::{Datelike, NaiveDate, Weekday};

use super::promotion::Promotion;
use super::property::Property;
use super::rate::RatePlan;
use super::room::RoomType;

/// Everything sold at one property.
#[derive(Debug, Clone, PartialEq)]
pub struct HotelListing {
    pub property: Property,
    pub rooms: Vec<ListedRoom>,
    pub promotions: Vec<Promotion>,
    pub demand: DemandProfile,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListedRoom {
    pub room: RoomType,
    /// Rooms of this type in the hotel: each night's inventory before sales.
    pub allotment: u16,
    pub plans: Vec<ListedPlan>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListedPlan {
    pub plan: RatePlan,
    /// A plain night's price per room in minor units of the plan's currency, before season,
    /// holiday and weekday factors, promotions and taxes.
    pub base_nightly_minor: i64,
}

/// How demand moves through the year at a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DemandProfile {
    /// Summer is December–February.
    pub southern_hemisphere: bool,
    /// Leisure hotels fill at weekends; business hotels empty then.
    pub leisure: bool,
    /// Chinese public holidays (Spring Festival, May Day, Golden Week) move prices.
    pub chinese_holidays: bool,
}

/// Per-mille factor of the month's season, northern hemisphere (January first).
const MONTH_PERMILLE: [i64; 12] = [
    880, 900, 960, 1_000, 1_040, 1_100, 1_200, 1_220, 1_040, 1_060, 940, 1_080,
];

/// Spring Festival week (the eve through the sixth day), May Day and National Day Golden Week,
/// 2026–2028, as the State Council publishes them (first and last day off).
const CHINESE_HOLIDAYS: [(NaiveDate, NaiveDate); 9] = [
    (ymd(2026, 2, 15), ymd(2026, 2, 23)),
    (ymd(2026, 5, 1), ymd(2026, 5, 5)),
    (ymd(2026, 10, 1), ymd(2026, 10, 8)),
    (ymd(2027, 2, 5), ymd(2027, 2, 12)),
    (ymd(2027, 5, 1), ymd(2027, 5, 5)),
    (ymd(2027, 10, 1), ymd(2027, 10, 7)),
    (ymd(2028, 1, 25), ymd(2028, 2, 1)),
    (ymd(2028, 5, 1), ymd(2028, 5, 5)),
    (ymd(2028, 10, 1), ymd(2028, 10, 7)),
];

const fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => panic!("invalid holiday date"),
    }
}

impl DemandProfile {
    /// The night's demand factor in per mille: season × holiday × weekday.
    pub fn factor_permille(self, night: NaiveDate) -> i64 {
        let month = night.month0() as usize;
        let season = if self.southern_hemisphere {
            MONTH_PERMILLE[(month + 6) % 12]
        } else {
            MONTH_PERMILLE[month]
        };
        let holiday = if self.chinese_holidays
            && CHINESE_HOLIDAYS
                .iter()
                .any(|&(from, to)| (from..=to).contains(&night))
        {
            1_350
        } else {
            1_000
        };
        let weekend = matches!(night.weekday(), Weekday::Fri | Weekday::Sat);
        let weekday = match (self.leisure, weekend) {
            (true, true) => 1_150,
            (true, false) => 960,
            (false, true) => 880,
            (false, false) => 1_040,
        };
        season * holiday / 1_000 * weekday / 1_000
    }

    /// The price of one night from a base price, rounded to whole currency units (`unit` minor
    /// units, 100 for CNY), half up; never below one unit.
    pub fn nightly_minor(self, base_minor: i64, night: NaiveDate, unit: i64) -> i64 {
        let unit = unit.max(1);
        let raw = i128::from(base_minor) * i128::from(self.factor_permille(night)) / 1_000;
        let rounded = (raw + i128::from(unit) / 2) / i128::from(unit) * i128::from(unit);
        i64::try_from(rounded).unwrap_or(i64::MAX).max(unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn summer_is_dearer_than_winter_in_each_hemisphere() {
        let north = DemandProfile::default();
        let south = DemandProfile {
            southern_hemisphere: true,
            ..north
        };
        // Both Wednesdays.
        let (july, january) = (d(2027, 7, 14), d(2027, 1, 13));
        assert!(north.factor_permille(july) > north.factor_permille(january));
        assert!(south.factor_permille(january) > south.factor_permille(july));
    }

    #[test]
    fn weekends_rise_for_leisure_and_fall_for_business() {
        let (wed, sat) = (d(2027, 3, 10), d(2027, 3, 13));
        let leisure = DemandProfile {
            leisure: true,
            ..Default::default()
        };
        let business = DemandProfile::default();
        assert!(leisure.factor_permille(sat) > leisure.factor_permille(wed));
        assert!(business.factor_permille(sat) < business.factor_permille(wed));
    }

    #[test]
    fn golden_week_costs_more_only_where_chinese_holidays_apply() {
        let cn = DemandProfile {
            chinese_holidays: true,
            ..Default::default()
        };
        let abroad = DemandProfile::default();
        let (golden, after) = (d(2027, 10, 6), d(2027, 10, 13));
        assert_eq!(golden.weekday(), after.weekday());
        assert!(cn.factor_permille(golden) > cn.factor_permille(after) * 12 / 10);
        assert_eq!(
            abroad.factor_permille(golden),
            abroad.factor_permille(after)
        );
    }

    #[test]
    fn nightly_prices_are_whole_units_and_positive() {
        let p = DemandProfile::default();
        for day in 0..400 {
            let night = d(2026, 11, 1) + chrono::Duration::days(day);
            let n = p.nightly_minor(58_800, night, 100);
            assert_eq!(n % 100, 0);
            assert!((40_000..=90_000).contains(&n), "{night}: {n}");
        }
        assert_eq!(p.nightly_minor(1, d(2027, 1, 13), 100), 100);
    }
}
