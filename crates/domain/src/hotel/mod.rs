//! Hotels: properties, room types, rate plans with tiered cancellation, promotions and the
//! price of a stay, which rooms hold which guests, the search request with its validation, the
//! recommended ranking and map clusters. Pure: dates, clocks and availability are passed in.
//!
//! Amounts are [`Money`](crate::money::Money) in integer minor units. Shares are integers too:
//! discounts and cancellation charges in per mille, taxes in basis points, every product
//! rounded half to even at the currency's minor unit (see each function for where).

mod codes;

pub mod cancellation;
pub mod cluster;
pub mod geo;
pub mod listing;
pub mod occupancy;
pub mod promotion;
pub mod property;
pub mod ranking;
pub mod rate;
pub mod room;
pub mod search;
pub mod stay;

pub use cancellation::{CancellationCharge, CancellationPolicy, CancellationTier};
pub use codes::{SHORT_CODE_MAX, ShortCode};
pub use geo::{BoundingBox, GeoPoint};
pub use listing::{DemandProfile, HotelListing, ListedPlan, ListedRoom};
pub use occupancy::{OccupancyRules, Party, RoomCapacity, RoomRequest};
pub use promotion::{DateWindow, Promotion, PromotionCode, PromotionKind};
pub use property::{
    Amenities, Amenity, BrandCode, ChainCode, LocalizedText, Property, PropertyId, ReviewScore,
    Reviews, StarRating, Theme, Themes,
};
pub use rate::{Board, Payment, RatePlan, RatePlanCode};
pub use room::{Bed, BedType, RoomFacilities, RoomFacility, RoomType, RoomTypeCode};
pub use search::{HotelMapSearch, HotelSearch, HotelSearchBody, HotelSearchContext};
pub use stay::{Stay, StayPrice, TaxesAndFees, price_stay};

pub(crate) use crate::money::mul_div_half_even;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn half_even_rounding() {
        assert_eq!(mul_div_half_even(5, 1, 2), Some(2));
        assert_eq!(mul_div_half_even(15, 1, 2), Some(8));
        assert_eq!(mul_div_half_even(25, 1, 10), Some(2));
        assert_eq!(mul_div_half_even(35, 1, 10), Some(4));
        assert_eq!(mul_div_half_even(-5, 1, 2), Some(-2));
        assert_eq!(mul_div_half_even(-15, 1, 2), Some(-8));
        assert_eq!(mul_div_half_even(10_001, 333, 1000), Some(3_330));
        assert_eq!(mul_div_half_even(i64::MAX, 1000, 1000), Some(i64::MAX));
        assert_eq!(mul_div_half_even(i64::MAX, 2, 1), None);
        assert_eq!(mul_div_half_even(1, 1, 0), None);
    }

    /// Every code a client may show has a name in every language (the web crate's locale test
    /// checks the languages agree; this checks none of our codes is missing).
    #[test]
    fn every_code_has_a_name_in_the_hotel_locales() {
        let mut wanted: Vec<String> = Vec::new();
        let mut add = |prefix: &str, codes: &mut dyn Iterator<Item = &'static str>| {
            wanted.extend(codes.map(|c| format!("{prefix}{c}")));
        };
        add(
            "hotels-amenity-",
            &mut Amenity::ALL.iter().map(|a| a.as_str()),
        );
        add("hotels-theme-", &mut Theme::ALL.iter().map(|t| t.as_str()));
        add("hotels-bed-", &mut BedType::ALL.iter().map(|b| b.as_str()));
        add(
            "hotels-facility-",
            &mut RoomFacility::ALL.iter().map(|f| f.as_str()),
        );
        add("hotels-board-", &mut Board::ALL.iter().map(|b| b.as_str()));
        add(
            "hotels-payment-",
            &mut Payment::ALL.iter().map(|p| p.as_str()),
        );
        add(
            "hotels-sort-",
            &mut ranking::HotelSort::ALL.iter().map(|s| s.as_str()),
        );
        add(
            "hotels-price-basis-",
            &mut search::PriceBasis::ALL.iter().map(|b| b.as_str()),
        );
        add(
            "hotels-promo-",
            &mut [
                PromotionKind::PercentOff { permille: 1 },
                PromotionKind::EarlyBird {
                    min_days_before: 1,
                    permille: 1,
                },
                PromotionKind::LastMinute {
                    max_days_before: 1,
                    permille: 1,
                },
                PromotionKind::StayPay {
                    stay_nights: 2,
                    pay_nights: 1,
                },
            ]
            .into_iter()
            .map(PromotionKind::as_str),
        );
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/locales");
        for lang in ["en", "zh-CN"] {
            let text = std::fs::read_to_string(root.join(lang).join("hotels.ftl")).unwrap();
            let ids: std::collections::HashSet<&str> = text
                .lines()
                .filter_map(|l| l.split_once(" = ").map(|(k, _)| k))
                .collect();
            let missing: Vec<_> = wanted
                .iter()
                .filter(|k| !ids.contains(k.as_str()))
                .collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
        }
    }

    proptest! {
        #[test]
        fn half_even_is_within_half_a_unit(a in -1_000_000_000_000i64..1_000_000_000_000, num in 0i64..100_000, den in 1i64..100_000) {
            let r = mul_div_half_even(a, num, den).unwrap();
            let exact = i128::from(a) * i128::from(num);
            let err = (i128::from(r) * i128::from(den) - exact).abs();
            prop_assert!(2 * err <= i128::from(den));
        }
    }
}
