//! Sorting hotel results. "Recommended" is a documented score, higher is better, from 0 to
//! 10,000 points:
//!
//! ```text
//! 40 × review    review   = (n × score + 20 × 7.0) / (n + 20) / 10, n = review count
//! 15 × stars     stars    = stars / 5, unrated 0.5
//! 25 × price     price    = median / (median + price), 0.5 at the result set's median
//! 15 × distance  distance = 2 / (2 + km), 1 at the centre, 0.5 at 2 km
//!  5 × deal      1 when a promotion applies
//! ```
//!
//! all times 100 and rounded. The review term is a Bayesian average: a hotel with few reviews
//! is pulled towards 7.0, so three 10/10 reviews do not beat a thousand at 9.2. Each term only
//! rises as the hotel gets better, cheaper or closer. Ties break by price, then id.

use std::cmp::{Ordering, Reverse};

use super::codes::coded_enum;
use super::property::{PropertyId, Reviews, StarRating};

coded_enum! {
    pub enum HotelSort ("sort") {
        Recommended = "recommended",
        /// Cheapest first.
        Price = "price",
        /// Nearest first.
        Distance = "distance",
        /// Best reviewed first (unreviewed last), more reviews first between equals.
        ReviewScore = "review_score",
        /// Most stars first (unrated last), cheapest first between equals.
        Stars = "stars",
    }
}

/// The score's review prior, in tenths (7.0), and how many reviews weigh as much as it.
pub const REVIEW_PRIOR_TENTHS: f64 = 70.0;
pub const REVIEW_PRIOR_WEIGHT: f64 = 20.0;

/// What ranking reads from one result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankFacts {
    pub id: PropertyId,
    /// The compared price (the same basis, e.g. the stay total, for every result).
    pub price_minor: i64,
    /// From the search's reference point.
    pub distance_km: f64,
    pub reviews: Reviews,
    pub stars: Option<StarRating>,
    pub deal: bool,
}

/// The recommended score, 0 to 10,000 (see the module docs). `median_price_minor` is the
/// median price of the result set ([`median_price`]). Pure arithmetic, no allocation.
pub fn recommended_score(f: &RankFacts, median_price_minor: i64) -> u32 {
    let n = f64::from(f.reviews.count);
    let review = match f.reviews.score {
        Some(s) if f.reviews.count > 0 => {
            (n * f64::from(s.tenths()) + REVIEW_PRIOR_WEIGHT * REVIEW_PRIOR_TENTHS)
                / (n + REVIEW_PRIOR_WEIGHT)
        }
        _ => REVIEW_PRIOR_TENTHS,
    } / 100.0;
    let stars = f.stars.map_or(0.5, |s| f64::from(s.get()) / 5.0);
    let median = median_price_minor.max(0) as f64;
    let price = f.price_minor.max(0) as f64;
    let value = if median + price > 0.0 {
        median / (median + price)
    } else {
        0.5
    };
    let distance = if f.distance_km.is_finite() {
        2.0 / (2.0 + f.distance_km.max(0.0))
    } else {
        0.0
    };
    let deal = if f.deal { 1.0 } else { 0.0 };
    let points = 40.0 * review + 15.0 * stars + 25.0 * value + 15.0 * distance + 5.0 * deal;
    (points * 100.0).round().clamp(0.0, 10_000.0) as u32
}

/// The (lower) median, reordering `prices` in place; `None` for an empty set.
pub fn median_price(prices: &mut [i64]) -> Option<i64> {
    if prices.is_empty() {
        return None;
    }
    let mid = (prices.len() - 1) / 2;
    Some(*prices.select_nth_unstable(mid).1)
}

fn tie(a: &RankFacts, b: &RankFacts) -> Ordering {
    a.price_minor
        .cmp(&b.price_minor)
        .then_with(|| a.id.cmp(&b.id))
}

/// Sorts results in place by `by`; `facts` reads a result's ranking facts.
pub fn sort<T>(items: &mut [T], by: HotelSort, facts: impl Fn(&T) -> RankFacts) {
    match by {
        HotelSort::Recommended => {
            let mut prices: Vec<i64> = items.iter().map(|i| facts(i).price_minor).collect();
            let median = median_price(&mut prices).unwrap_or(0);
            items.sort_by_cached_key(|i| {
                let f = facts(i);
                (Reverse(recommended_score(&f, median)), f.price_minor, f.id)
            });
        }
        HotelSort::Price => items.sort_by(|a, b| tie(&facts(a), &facts(b))),
        HotelSort::Distance => items.sort_by(|a, b| {
            let (a, b) = (facts(a), facts(b));
            a.distance_km
                .total_cmp(&b.distance_km)
                .then_with(|| tie(&a, &b))
        }),
        HotelSort::ReviewScore => items.sort_by(|a, b| {
            let (a, b) = (facts(a), facts(b));
            b.reviews
                .score
                .cmp(&a.reviews.score)
                .then(b.reviews.count.cmp(&a.reviews.count))
                .then_with(|| tie(&a, &b))
        }),
        HotelSort::Stars => items.sort_by(|a, b| {
            let (a, b) = (facts(a), facts(b));
            b.stars.cmp(&a.stars).then_with(|| tie(&a, &b))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hotel::property::ReviewScore;
    use proptest::prelude::*;

    fn facts(id: u64) -> RankFacts {
        RankFacts {
            id: PropertyId(id),
            price_minor: 50_000,
            distance_km: 2.0,
            reviews: Reviews {
                score: ReviewScore::from_tenths(85),
                count: 200,
            },
            stars: StarRating::new(4),
            deal: false,
        }
    }

    #[test]
    fn the_documented_formula() {
        // review (200×85 + 20×70)/220 = 83.636… → 0.83636; stars 0.8; price 0.5; distance 0.5.
        let s = recommended_score(&facts(1), 50_000);
        let want = 40.0 * (200.0 * 85.0 + 1400.0) / 220.0 / 100.0 + 15.0 * 0.8 + 12.5 + 7.5;
        assert_eq!(s, (want * 100.0_f64).round() as u32);
        // Everything best: 10 / 10 from very many, 5 stars, free, at the centre, a deal.
        let best = RankFacts {
            price_minor: 0,
            distance_km: 0.0,
            reviews: Reviews {
                score: ReviewScore::from_tenths(100),
                count: u32::MAX,
            },
            stars: StarRating::new(5),
            deal: true,
            ..facts(1)
        };
        assert_eq!(recommended_score(&best, 50_000), 10_000);
        // Empty result set or free rooms: the price term is neutral, not NaN.
        let f = RankFacts {
            price_minor: 0,
            ..facts(1)
        };
        assert!(recommended_score(&f, 0) > 0);
        let nan = RankFacts {
            distance_km: f64::NAN,
            ..facts(1)
        };
        assert!(recommended_score(&nan, 50_000) < recommended_score(&facts(1), 50_000));
    }

    #[test]
    fn few_perfect_reviews_do_not_beat_many_good_ones() {
        let few = RankFacts {
            reviews: Reviews {
                score: ReviewScore::from_tenths(100),
                count: 3,
            },
            ..facts(1)
        };
        let many = RankFacts {
            reviews: Reviews {
                score: ReviewScore::from_tenths(92),
                count: 1000,
            },
            ..facts(2)
        };
        assert!(recommended_score(&many, 50_000) > recommended_score(&few, 50_000));
    }

    #[test]
    fn medians() {
        assert_eq!(median_price(&mut []), None);
        assert_eq!(median_price(&mut [5]), Some(5));
        assert_eq!(median_price(&mut [9, 1, 5]), Some(5));
        assert_eq!(median_price(&mut [9, 1, 5, 7]), Some(5));
    }

    #[test]
    fn sorts_with_stable_ties() {
        let mut items = vec![
            RankFacts {
                price_minor: 300,
                distance_km: 1.0,
                stars: StarRating::new(3),
                ..facts(3)
            },
            RankFacts {
                price_minor: 100,
                distance_km: 5.0,
                stars: None,
                reviews: Reviews::default(),
                ..facts(1)
            },
            RankFacts {
                price_minor: 100,
                distance_km: 1.0,
                stars: StarRating::new(5),
                ..facts(2)
            },
        ];
        let ids = |v: &[RankFacts]| v.iter().map(|f| f.id.0).collect::<Vec<_>>();
        sort(&mut items, HotelSort::Price, |f| *f);
        assert_eq!(ids(&items), vec![1, 2, 3]);
        sort(&mut items, HotelSort::Distance, |f| *f);
        assert_eq!(ids(&items), vec![2, 3, 1]);
        sort(&mut items, HotelSort::Stars, |f| *f);
        assert_eq!(ids(&items), vec![2, 3, 1]);
        sort(&mut items, HotelSort::ReviewScore, |f| *f);
        assert_eq!(ids(&items), vec![2, 3, 1]);
        sort(&mut items, HotelSort::Recommended, |f| *f);
        assert_eq!(ids(&items), vec![2, 3, 1]);
        assert_eq!(
            HotelSort::parse("review_score"),
            Some(HotelSort::ReviewScore)
        );
        assert_eq!(HotelSort::parse("best"), None);
    }

    fn arb_facts() -> impl Strategy<Value = RankFacts> {
        (
            0i64..10_000_000,
            0.0f64..200.0,
            proptest::option::of(0u8..=100),
            0u32..100_000,
            proptest::option::of(1u8..=5),
            any::<bool>(),
        )
            .prop_map(|(price, km, score, count, stars, deal)| RankFacts {
                id: PropertyId(1),
                price_minor: price,
                distance_km: km,
                reviews: Reviews {
                    score: score.and_then(ReviewScore::from_tenths),
                    count,
                },
                stars: stars.and_then(StarRating::new),
                deal,
            })
    }

    proptest! {
        #[test]
        fn better_never_scores_lower(f in arb_facts(), median in 0i64..10_000_000, d in 1i64..1_000_000, km in 0.01f64..50.0) {
            let base = recommended_score(&f, median);
            prop_assert!(base <= 10_000);
            let cheaper = RankFacts { price_minor: (f.price_minor - d).max(0), ..f };
            prop_assert!(recommended_score(&cheaper, median) >= base);
            let closer = RankFacts { distance_km: (f.distance_km - km).max(0.0), ..f };
            prop_assert!(recommended_score(&closer, median) >= base);
            let deal = RankFacts { deal: true, ..f };
            prop_assert!(recommended_score(&deal, median) >= base);
            if let Some(s) = f.stars.filter(|s| s.get() < 5) {
                let more = RankFacts { stars: StarRating::new(s.get() + 1), ..f };
                prop_assert!(recommended_score(&more, median) >= base);
            }
            if let Some(s) = f.reviews.score.filter(|s| s.tenths() < 100) {
                let better = RankFacts {
                    reviews: Reviews { score: ReviewScore::from_tenths(s.tenths() + 1), ..f.reviews },
                    ..f
                };
                prop_assert!(recommended_score(&better, median) >= base);
                if s.tenths() as f64 >= REVIEW_PRIOR_TENTHS {
                    let more = RankFacts { reviews: Reviews { count: f.reviews.count + 10, ..f.reviews }, ..f };
                    prop_assert!(recommended_score(&more, median) >= base);
                }
            }
        }

        #[test]
        fn sorting_is_independent_of_input_order(mut v in proptest::collection::vec(arb_facts(), 0..30), seed in any::<u64>()) {
            for (i, f) in v.iter_mut().enumerate() {
                f.id = PropertyId(i as u64);
            }
            for by in HotelSort::ALL {
                let mut a = v.clone();
                let mut b = v.clone();
                // A deterministic shuffle.
                let len = b.len();
                if len > 1 {
                    for i in 0..len {
                        b.swap(i, (seed.wrapping_mul(i as u64 + 1) % len as u64) as usize);
                    }
                }
                sort(&mut a, *by, |f| *f);
                sort(&mut b, *by, |f| *f);
                prop_assert_eq!(a, b);
            }
        }
    }
}
