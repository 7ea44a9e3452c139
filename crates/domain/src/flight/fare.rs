//! Cabins, fare brands with baggage and structured conditions, nested fare buckets and the
//! built-in fare rule. The conditions here are what refund and change fees are computed from.

use serde::{Deserialize, Serialize};

use crate::money::{Currency, Money};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cabin {
    Economy,
    PremiumEconomy,
    Business,
    First,
}

impl Cabin {
    pub const ALL: [Cabin; 4] = [
        Cabin::Economy,
        Cabin::PremiumEconomy,
        Cabin::Business,
        Cabin::First,
    ];

    pub fn parse(s: &str) -> Option<Cabin> {
        match s {
            "economy" => Some(Cabin::Economy),
            "premium_economy" => Some(Cabin::PremiumEconomy),
            "business" => Some(Cabin::Business),
            "first" => Some(Cabin::First),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Cabin::Economy => "economy",
            Cabin::PremiumEconomy => "premium_economy",
            Cabin::Business => "business",
            Cabin::First => "first",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// How much more than economy a seat in this cabin costs, in per mille.
    fn price_factor_permille(self) -> i64 {
        match self {
            Cabin::Economy => 1000,
            Cabin::PremiumEconomy => 1800,
            Cabin::Business => 4000,
            Cabin::First => 7000,
        }
    }
}

/// Bags included per passenger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baggage {
    pub checked_pieces: u8,
    pub checked_kg: u8,
    pub carry_on_pieces: u8,
    pub carry_on_kg: u8,
}

/// What happens when the traveller does not turn up for a flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum NoShowRule {
    /// The whole ticket value is lost.
    ForfeitFare,
    /// Only government taxes are returned.
    RefundTaxesOnly,
    /// The refund or change penalty applies plus this extra charge.
    ExtraPenalty { amount: Money },
}

/// How a brand treats a refund or a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PenaltyRule {
    NotAllowed,
    /// Allowed for a penalty of this share of the base fare (per mille), at least `min_minor`
    /// in the fare's currency.
    Percent {
        permille: i64,
        min_minor: i64,
    },
}

impl PenaltyRule {
    fn amount(self, base: Money) -> Option<Money> {
        match self {
            PenaltyRule::NotAllowed => None,
            PenaltyRule::Percent {
                permille,
                min_minor,
            } => {
                let p =
                    (base.minor() * permille / 1000).max(if permille == 0 { 0 } else { min_minor });
                Some(Money::from_minor(
                    round_to_unit(p, base.currency()),
                    base.currency(),
                ))
            }
        }
    }
}

/// Rounds to whole currency units (penalties are published in whole units).
fn round_to_unit(minor: i64, currency: Currency) -> i64 {
    let unit = 10i64.pow(currency.exponent());
    (minor + unit / 2) / unit * unit
}

/// The conditions of one fare, with amounts: what the refund/change engine reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FareConditions {
    pub refundable: bool,
    /// Penalty for a refund before departure (per passenger); `None` when not refundable.
    pub refund_penalty: Option<Money>,
    pub changeable: bool,
    /// Penalty for a change before departure (per passenger), plus any fare difference.
    pub change_penalty: Option<Money>,
    /// Refunds and changes close this many hours before departure.
    pub cutoff_hours: u16,
    pub no_show: NoShowRule,
}

/// A fare brand: a named bundle of price, bags and conditions within a cabin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FareBrand {
    /// Stable code: `basic`, `standard`, `flex`.
    pub code: &'static str,
    pub cabin: Cabin,
    price_factor_permille: i64,
    pub baggage: Baggage,
    refund: PenaltyRule,
    change: PenaltyRule,
    pub cutoff_hours: u16,
    no_show_permille: Option<i64>,
    forfeit_on_no_show: bool,
}

const fn bags(checked_pieces: u8, checked_kg: u8, carry_on_kg: u8) -> Baggage {
    Baggage {
        checked_pieces,
        checked_kg,
        carry_on_pieces: 1,
        carry_on_kg,
    }
}

/// The built-in supplier's brands, cheapest first within each cabin.
pub const BRANDS: &[FareBrand] = &[
    FareBrand {
        code: "basic",
        cabin: Cabin::Economy,
        price_factor_permille: 1000,
        baggage: bags(0, 0, 7),
        refund: PenaltyRule::NotAllowed,
        change: PenaltyRule::NotAllowed,
        cutoff_hours: 0,
        no_show_permille: None,
        forfeit_on_no_show: true,
    },
    FareBrand {
        code: "standard",
        cabin: Cabin::Economy,
        price_factor_permille: 1180,
        baggage: bags(1, 23, 7),
        refund: PenaltyRule::Percent {
            permille: 300,
            min_minor: 20_000,
        },
        change: PenaltyRule::Percent {
            permille: 150,
            min_minor: 10_000,
        },
        cutoff_hours: 2,
        no_show_permille: Some(100),
        forfeit_on_no_show: false,
    },
    FareBrand {
        code: "flex",
        cabin: Cabin::Economy,
        price_factor_permille: 1550,
        baggage: bags(2, 23, 10),
        refund: PenaltyRule::Percent {
            permille: 50,
            min_minor: 5_000,
        },
        change: PenaltyRule::Percent {
            permille: 0,
            min_minor: 0,
        },
        cutoff_hours: 0,
        no_show_permille: Some(50),
        forfeit_on_no_show: false,
    },
    FareBrand {
        code: "standard",
        cabin: Cabin::PremiumEconomy,
        price_factor_permille: 1000,
        baggage: bags(2, 23, 10),
        refund: PenaltyRule::Percent {
            permille: 200,
            min_minor: 30_000,
        },
        change: PenaltyRule::Percent {
            permille: 100,
            min_minor: 20_000,
        },
        cutoff_hours: 2,
        no_show_permille: Some(100),
        forfeit_on_no_show: false,
    },
    FareBrand {
        code: "flex",
        cabin: Cabin::PremiumEconomy,
        price_factor_permille: 1300,
        baggage: bags(2, 23, 10),
        refund: PenaltyRule::Percent {
            permille: 0,
            min_minor: 0,
        },
        change: PenaltyRule::Percent {
            permille: 0,
            min_minor: 0,
        },
        cutoff_hours: 0,
        no_show_permille: Some(50),
        forfeit_on_no_show: false,
    },
    FareBrand {
        code: "standard",
        cabin: Cabin::Business,
        price_factor_permille: 1000,
        baggage: bags(2, 32, 14),
        refund: PenaltyRule::Percent {
            permille: 150,
            min_minor: 50_000,
        },
        change: PenaltyRule::Percent {
            permille: 50,
            min_minor: 30_000,
        },
        cutoff_hours: 1,
        no_show_permille: Some(100),
        forfeit_on_no_show: false,
    },
    FareBrand {
        code: "flex",
        cabin: Cabin::Business,
        price_factor_permille: 1300,
        baggage: bags(3, 32, 14),
        refund: PenaltyRule::Percent {
            permille: 0,
            min_minor: 0,
        },
        change: PenaltyRule::Percent {
            permille: 0,
            min_minor: 0,
        },
        cutoff_hours: 0,
        no_show_permille: None,
        forfeit_on_no_show: false,
    },
    FareBrand {
        code: "flex",
        cabin: Cabin::First,
        price_factor_permille: 1000,
        baggage: bags(3, 32, 14),
        refund: PenaltyRule::Percent {
            permille: 0,
            min_minor: 0,
        },
        change: PenaltyRule::Percent {
            permille: 0,
            min_minor: 0,
        },
        cutoff_hours: 0,
        no_show_permille: None,
        forfeit_on_no_show: false,
    },
];

impl FareBrand {
    pub fn for_cabin(cabin: Cabin) -> impl Iterator<Item = &'static FareBrand> {
        BRANDS.iter().filter(move |b| b.cabin == cabin)
    }

    pub fn find(cabin: Cabin, code: &str) -> Option<&'static FareBrand> {
        BRANDS.iter().find(|b| b.cabin == cabin && b.code == code)
    }

    /// The brand's price from the cabin's bucket fare.
    pub fn price(&self, bucket_fare: Money) -> Money {
        Money::from_minor(
            round_to_unit(
                bucket_fare.minor() * self.price_factor_permille / 1000,
                bucket_fare.currency(),
            ),
            bucket_fare.currency(),
        )
    }

    /// The conditions with amounts, for a per-passenger base fare.
    pub fn conditions(&self, base: Money) -> FareConditions {
        let refund_penalty = self.refund.amount(base);
        let change_penalty = self.change.amount(base);
        let no_show = if self.forfeit_on_no_show {
            NoShowRule::ForfeitFare
        } else {
            match self.no_show_permille {
                Some(p) => NoShowRule::ExtraPenalty {
                    amount: Money::from_minor(
                        round_to_unit(base.minor() * p / 1000, base.currency()),
                        base.currency(),
                    ),
                },
                None => NoShowRule::RefundTaxesOnly,
            }
        };
        FareConditions {
            refundable: refund_penalty.is_some(),
            refund_penalty,
            changeable: change_penalty.is_some(),
            change_penalty,
            cutoff_hours: self.cutoff_hours,
            no_show,
        }
    }
}

/// One price level of a cabin: the `share` (per mille of the cabin's seats) sold at
/// `factor` (per mille of the cabin's base fare). Buckets are nested: cheaper ones sell first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub code: char,
    pub share_permille: u32,
    pub factor_permille: i64,
}

const ECONOMY_BUCKETS: &[Bucket] = &[
    Bucket {
        code: 'L',
        share_permille: 250,
        factor_permille: 1000,
    },
    Bucket {
        code: 'K',
        share_permille: 200,
        factor_permille: 1250,
    },
    Bucket {
        code: 'H',
        share_permille: 200,
        factor_permille: 1600,
    },
    Bucket {
        code: 'M',
        share_permille: 150,
        factor_permille: 2000,
    },
    Bucket {
        code: 'B',
        share_permille: 120,
        factor_permille: 2600,
    },
    Bucket {
        code: 'Y',
        share_permille: 80,
        factor_permille: 3400,
    },
];
const PREMIUM_BUCKETS: &[Bucket] = &[
    Bucket {
        code: 'E',
        share_permille: 400,
        factor_permille: 1000,
    },
    Bucket {
        code: 'T',
        share_permille: 350,
        factor_permille: 1300,
    },
    Bucket {
        code: 'W',
        share_permille: 250,
        factor_permille: 1700,
    },
];
const BUSINESS_BUCKETS: &[Bucket] = &[
    Bucket {
        code: 'I',
        share_permille: 350,
        factor_permille: 1000,
    },
    Bucket {
        code: 'D',
        share_permille: 350,
        factor_permille: 1300,
    },
    Bucket {
        code: 'J',
        share_permille: 300,
        factor_permille: 1700,
    },
];
const FIRST_BUCKETS: &[Bucket] = &[
    Bucket {
        code: 'A',
        share_permille: 500,
        factor_permille: 1000,
    },
    Bucket {
        code: 'F',
        share_permille: 500,
        factor_permille: 1400,
    },
];

pub fn buckets(cabin: Cabin) -> &'static [Bucket] {
    match cabin {
        Cabin::Economy => ECONOMY_BUCKETS,
        Cabin::PremiumEconomy => PREMIUM_BUCKETS,
        Cabin::Business => BUSINESS_BUCKETS,
        Cabin::First => FIRST_BUCKETS,
    }
}

/// The bucket a party of `party` seats books into, and how many seats are left at that price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketAvailability {
    pub bucket: Bucket,
    /// Seats still sellable at this bucket's price (the party fits).
    pub seats_at_price: u32,
}

/// Finds the cheapest bucket with room for the whole party, given the cabin's seats and how
/// many are sold. `None`: the party does not fit.
pub fn open_bucket(
    cabin: Cabin,
    capacity: u32,
    sold: u32,
    party: u32,
) -> Option<BucketAvailability> {
    if party == 0 || sold + party > capacity {
        return None;
    }
    let mut cumulative = 0u32;
    let list = buckets(cabin);
    for (i, b) in list.iter().enumerate() {
        cumulative = if i + 1 == list.len() {
            capacity
        } else {
            cumulative + (capacity * b.share_permille).div_ceil(1000)
        }
        .min(capacity);
        if cumulative >= sold + party {
            return Some(BucketAvailability {
                bucket: *b,
                seats_at_price: cumulative - sold,
            });
        }
    }
    None
}

/// The built-in fare rule: an economy base from great-circle distance (tapered), times the
/// cabin factor, the bucket factor and an advance-purchase factor. In `currency`'s minor units.
pub fn bucket_fare(
    distance_km: f64,
    cabin: Cabin,
    bucket: Bucket,
    days_before_departure: i64,
    currency: Currency,
) -> Money {
    bucket_fare_from_base(
        economy_base_major(distance_km),
        cabin,
        bucket,
        days_before_departure,
        currency,
    )
}

/// The distance part of [`bucket_fare`]: the economy base in major units, which a caller pricing
/// the same flight many times may compute once.
pub fn economy_base_major(distance_km: f64) -> f64 {
    let km = distance_km.max(100.0);
    // 250 + 672·(km/1000)^0.85 in major units: ~970 for 1,100 km, ~4,700 for 9,200 km (CNY).
    250.0 + 672.0 * (km / 1000.0).powf(0.85)
}

/// [`bucket_fare`] from the economy base [`economy_base_major`] gives for the distance.
pub fn bucket_fare_from_base(
    economy_base: f64,
    cabin: Cabin,
    bucket: Bucket,
    days_before_departure: i64,
    currency: Currency,
) -> Money {
    let advance_permille: i64 = match days_before_departure {
        d if d >= 60 => 900,
        30..=59 => 1000,
        14..=29 => 1100,
        7..=13 => 1250,
        3..=6 => 1450,
        _ => 1700,
    };
    let unit = 10i64.pow(currency.exponent()) as f64;
    let base_minor = (economy_base * unit).round() as i64;
    let minor = base_minor * cabin.price_factor_permille() / 1000 * bucket.factor_permille / 1000
        * advance_permille
        / 1000;
    Money::from_minor(round_to_unit(minor, currency), currency)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cny(major: i64) -> Money {
        Money::from_minor(major * 100, Currency::CNY)
    }

    #[test]
    fn nested_buckets_sell_cheapest_first_and_fit_the_whole_party() {
        // 100 economy seats: L 25, K 20 (45), H 20 (65), M 15 (80), B 12 (92), Y 8 (100).
        let a = open_bucket(Cabin::Economy, 100, 0, 1).unwrap();
        assert_eq!((a.bucket.code, a.seats_at_price), ('L', 25));
        let a = open_bucket(Cabin::Economy, 100, 24, 1).unwrap();
        assert_eq!((a.bucket.code, a.seats_at_price), ('L', 1));
        // Two travellers no longer fit in L: both go to K.
        let a = open_bucket(Cabin::Economy, 100, 24, 2).unwrap();
        assert_eq!((a.bucket.code, a.seats_at_price), ('K', 21));
        let a = open_bucket(Cabin::Economy, 100, 99, 1).unwrap();
        assert_eq!((a.bucket.code, a.seats_at_price), ('Y', 1));
        assert!(open_bucket(Cabin::Economy, 100, 100, 1).is_none());
        assert!(open_bucket(Cabin::Economy, 100, 95, 6).is_none());
        assert!(open_bucket(Cabin::Business, 0, 0, 1).is_none());
        assert!(open_bucket(Cabin::Economy, 100, 0, 0).is_none());
    }

    #[test]
    fn fares_grow_with_distance_cabin_bucket_and_lateness() {
        let l = buckets(Cabin::Economy)[0];
        let y = buckets(Cabin::Economy)[5];
        let short = bucket_fare(1_080.0, Cabin::Economy, l, 30, Currency::CNY);
        let long = bucket_fare(9_200.0, Cabin::Economy, l, 30, Currency::CNY);
        assert!(short.minor() > 80_000 && short.minor() < 120_000, "{short}");
        assert!(long.minor() > 400_000 && long.minor() < 550_000, "{long}");
        let biz = bucket_fare(
            9_200.0,
            Cabin::Business,
            buckets(Cabin::Business)[0],
            30,
            Currency::CNY,
        );
        assert!(biz.minor() > long.minor() * 3);
        assert!(
            bucket_fare(9_200.0, Cabin::Economy, y, 30, Currency::CNY).minor() > long.minor() * 3
        );
        assert!(bucket_fare(9_200.0, Cabin::Economy, l, 1, Currency::CNY).minor() > long.minor());
        assert!(bucket_fare(9_200.0, Cabin::Economy, l, 90, Currency::CNY).minor() < long.minor());
        // Whole currency units.
        assert_eq!(long.minor() % 100, 0);
    }

    #[test]
    fn brand_conditions_are_structured_amounts() {
        let base = cny(2_000);
        let basic = FareBrand::find(Cabin::Economy, "basic")
            .unwrap()
            .conditions(base);
        assert!(!basic.refundable && basic.refund_penalty.is_none() && !basic.changeable);
        assert_eq!(basic.no_show, NoShowRule::ForfeitFare);
        let standard = FareBrand::find(Cabin::Economy, "standard")
            .unwrap()
            .conditions(base);
        assert_eq!(standard.refund_penalty, Some(cny(600)));
        assert_eq!(standard.change_penalty, Some(cny(300)));
        assert_eq!(standard.cutoff_hours, 2);
        assert_eq!(
            standard.no_show,
            NoShowRule::ExtraPenalty { amount: cny(200) }
        );
        // The minimum applies to cheap fares.
        let cheap = FareBrand::find(Cabin::Economy, "standard")
            .unwrap()
            .conditions(cny(300));
        assert_eq!(cheap.refund_penalty, Some(cny(200)));
        let flex = FareBrand::find(Cabin::Economy, "flex")
            .unwrap()
            .conditions(base);
        assert_eq!(flex.change_penalty, Some(cny(0)));
        assert!(flex.changeable && flex.refundable);
        assert!(FareBrand::find(Cabin::First, "basic").is_none());
        assert_eq!(FareBrand::for_cabin(Cabin::Economy).count(), 3);
    }

    #[test]
    fn brand_prices_round_to_whole_units() {
        let p = FareBrand::find(Cabin::Economy, "standard")
            .unwrap()
            .price(Money::from_minor(123_456, Currency::CNY));
        assert_eq!(p.minor() % 100, 0);
        assert_eq!(p.minor(), 145_700);
    }
}
