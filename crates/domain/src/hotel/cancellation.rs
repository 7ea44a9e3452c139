//! Cancellation policies: non-refundable, or tiers counted back from the check-in instant
//! ("free until 48 h before, then one night, from 24 h before half the stay"). Refunds compute
//! the hotel's fee from these, so every boundary is stated:
//!
//! - a tier starts exactly `hours_before` hours before check-in and applies until the next tier
//!   starts; the last tier also applies after check-in (late cancellation and no-show);
//! - cancelling strictly before the first tier starts is free; at that instant it is not;
//! - the fee never exceeds what the booking costs, and never goes below zero.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::mul_div_half_even;
use super::stay::StayPrice;
use crate::money::{Currency, Money, MoneyError};

/// The earliest a tier may start: a year (leap) before check-in.
pub const MAX_HOURS_BEFORE: u32 = 366 * 24;

/// What cancelling costs while a tier applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancellationCharge {
    /// A fixed amount per room booked.
    Amount(Money),
    /// The first `n` nights: their share of the total (taxes and fees included, in proportion
    /// to the nightly prices), or the whole total when the stay has no more than `n` nights.
    Nights(u8),
    /// A share of the total, per mille (1000 = all of it), rounded half to even.
    Percent { permille: u16 },
}

/// From `hours_before` hours before check-in on, cancelling costs `charge`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancellationTier {
    pub hours_before: u32,
    pub charge: CancellationCharge,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CancellationError {
    #[error("a refundable policy needs at least one tier")]
    NoTiers,
    #[error("two tiers start {0} hours before check-in")]
    DuplicateStart(u32),
    #[error("a tier may start at most {MAX_HOURS_BEFORE} hours before check-in")]
    TooEarly,
    #[error("a tier that charges nothing is no tier")]
    FreeTier,
    #[error("a percentage above 100")]
    PercentAbove100,
    #[error("a negative amount")]
    NegativeAmount,
    #[error("tier amounts in different currencies")]
    MixedCurrencies,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    NonRefundable,
    /// Non-empty, earliest start (largest `hours_before`) first.
    Tiered(Vec<CancellationTier>),
}

/// A rate plan's cancellation policy. Built only through its constructors, so it always holds
/// a valid list of tiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PolicyWire", into = "PolicyWire")]
pub struct CancellationPolicy(Kind);

/// What a booking cost, which is what a cancellation fee is computed from.
#[derive(Debug, Clone, Copy)]
pub struct BookedStay<'a> {
    /// Per room, one per night, after any promotion (what each night was sold for).
    pub nightly: &'a [Money],
    pub rooms: u8,
    /// Everything the guest pays, taxes and fees included.
    pub total: Money,
}

impl<'a> From<&'a StayPrice> for BookedStay<'a> {
    fn from(p: &'a StayPrice) -> BookedStay<'a> {
        BookedStay {
            nightly: &p.nightly,
            rooms: p.rooms,
            total: p.total,
        }
    }
}

impl CancellationPolicy {
    pub fn non_refundable() -> CancellationPolicy {
        CancellationPolicy(Kind::NonRefundable)
    }

    /// Tiers in any order; each must charge something and start at a distinct time.
    pub fn tiered(
        mut tiers: Vec<CancellationTier>,
    ) -> Result<CancellationPolicy, CancellationError> {
        if tiers.is_empty() {
            return Err(CancellationError::NoTiers);
        }
        let mut currency: Option<Currency> = None;
        for t in &tiers {
            if t.hours_before > MAX_HOURS_BEFORE {
                return Err(CancellationError::TooEarly);
            }
            match t.charge {
                CancellationCharge::Amount(m) => {
                    if m.is_negative() {
                        return Err(CancellationError::NegativeAmount);
                    }
                    if m.minor() == 0 {
                        return Err(CancellationError::FreeTier);
                    }
                    if currency.is_some_and(|c| c != m.currency()) {
                        return Err(CancellationError::MixedCurrencies);
                    }
                    currency = Some(m.currency());
                }
                CancellationCharge::Nights(0) | CancellationCharge::Percent { permille: 0 } => {
                    return Err(CancellationError::FreeTier);
                }
                CancellationCharge::Percent { permille } if permille > 1000 => {
                    return Err(CancellationError::PercentAbove100);
                }
                CancellationCharge::Nights(_) | CancellationCharge::Percent { .. } => {}
            }
        }
        tiers.sort_by_key(|t| std::cmp::Reverse(t.hours_before));
        if let Some(w) = tiers
            .windows(2)
            .find(|w| w[0].hours_before == w[1].hours_before)
        {
            return Err(CancellationError::DuplicateStart(w[0].hours_before));
        }
        Ok(CancellationPolicy(Kind::Tiered(tiers)))
    }

    /// The common single-tier policy: free until `hours_before` hours before check-in, then
    /// `charge`.
    pub fn free_until(
        hours_before: u32,
        charge: CancellationCharge,
    ) -> Result<CancellationPolicy, CancellationError> {
        CancellationPolicy::tiered(vec![CancellationTier {
            hours_before,
            charge,
        }])
    }

    pub fn is_refundable(&self) -> bool {
        matches!(self.0, Kind::Tiered(_))
    }

    /// Earliest start first; empty for a non-refundable policy.
    pub fn tiers(&self) -> &[CancellationTier] {
        match &self.0 {
            Kind::NonRefundable => &[],
            Kind::Tiered(t) => t,
        }
    }

    /// The first instant cancelling costs something: it is free strictly before. `None` when
    /// it is never free (non-refundable).
    pub fn free_cancellation_until(&self, check_in_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.tiers()
            .first()
            .map(|t| tier_start(check_in_at, t.hours_before))
    }

    /// Whether cancelling at `now` costs nothing.
    pub fn is_free_at(&self, now: DateTime<Utc>, check_in_at: DateTime<Utc>) -> bool {
        self.free_cancellation_until(check_in_at)
            .is_some_and(|until| now < until)
    }

    /// The charge that applies at `now`; `None` while cancelling is free. Non-refundable is
    /// all of it.
    pub fn charge_at(
        &self,
        now: DateTime<Utc>,
        check_in_at: DateTime<Utc>,
    ) -> Option<CancellationCharge> {
        match &self.0 {
            Kind::NonRefundable => Some(CancellationCharge::Percent { permille: 1000 }),
            Kind::Tiered(tiers) => tiers
                .iter()
                .rev()
                .find(|t| now >= tier_start(check_in_at, t.hours_before))
                .map(|t| t.charge),
        }
    }

    /// When each charge starts, earliest first, for showing the policy.
    pub fn schedule(
        &self,
        check_in_at: DateTime<Utc>,
    ) -> impl Iterator<Item = (DateTime<Utc>, CancellationCharge)> + '_ {
        self.tiers()
            .iter()
            .map(move |t| (tier_start(check_in_at, t.hours_before), t.charge))
    }

    /// The fee for cancelling at `now`, in the booking's currency: from zero to the total.
    /// A tier amount or nightly price in another currency is an error, never a conversion.
    pub fn fee_at(
        &self,
        now: DateTime<Utc>,
        check_in_at: DateTime<Utc>,
        stay: BookedStay<'_>,
    ) -> Result<Money, MoneyError> {
        let currency = stay.total.currency();
        if let Some(m) = stay.nightly.iter().find(|m| m.currency() != currency) {
            return Err(MoneyError::CurrencyMismatch(currency, m.currency()));
        }
        let total = stay.total.minor().max(0);
        let fee = match self.charge_at(now, check_in_at) {
            None => 0,
            Some(charge) => charge_amount(charge, stay, total)?,
        };
        Ok(Money::from_minor(fee.clamp(0, total), currency))
    }
}

fn tier_start(check_in_at: DateTime<Utc>, hours_before: u32) -> DateTime<Utc> {
    check_in_at - Duration::hours(i64::from(hours_before))
}

fn charge_amount(
    charge: CancellationCharge,
    stay: BookedStay<'_>,
    total: i64,
) -> Result<i64, MoneyError> {
    let currency = stay.total.currency();
    match charge {
        CancellationCharge::Amount(m) => {
            if m.currency() != currency {
                return Err(MoneyError::CurrencyMismatch(currency, m.currency()));
            }
            // Saturating: the result is capped at the total anyway.
            Ok(m.minor().saturating_mul(i64::from(stay.rooms.max(1))))
        }
        CancellationCharge::Percent { permille } => {
            mul_div_half_even(total, i64::from(permille), 1000).ok_or(MoneyError::Overflow)
        }
        CancellationCharge::Nights(n) => {
            let n = usize::from(n);
            if n >= stay.nightly.len() {
                return Ok(total);
            }
            let sum = |nights: &[Money]| -> i64 { nights.iter().map(|m| m.minor().max(0)).sum() };
            let (first, all) = (sum(&stay.nightly[..n]), sum(stay.nightly));
            if all == 0 {
                // Every night free: the total is taxes and fees, shared equally by night.
                mul_div_half_even(total, n as i64, stay.nightly.len() as i64)
            } else {
                mul_div_half_even(total, first, all)
            }
            .ok_or(MoneyError::Overflow)
        }
    }
}

/// `{"kind": "non_refundable"}` or `{"kind": "tiered", "tiers": [...]}`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum PolicyWire {
    NonRefundable,
    Tiered { tiers: Vec<CancellationTier> },
}

impl TryFrom<PolicyWire> for CancellationPolicy {
    type Error = CancellationError;
    fn try_from(w: PolicyWire) -> Result<Self, Self::Error> {
        match w {
            PolicyWire::NonRefundable => Ok(CancellationPolicy::non_refundable()),
            PolicyWire::Tiered { tiers } => CancellationPolicy::tiered(tiers),
        }
    }
}

impl From<CancellationPolicy> for PolicyWire {
    fn from(p: CancellationPolicy) -> PolicyWire {
        match p.0 {
            Kind::NonRefundable => PolicyWire::NonRefundable,
            Kind::Tiered(tiers) => PolicyWire::Tiered { tiers },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    fn check_in() -> DateTime<Utc> {
        // 14:00 in Shanghai on 10 December 2026.
        Utc.with_ymd_and_hms(2026, 12, 10, 6, 0, 0).unwrap()
    }

    fn hours(h: i64) -> DateTime<Utc> {
        check_in() - Duration::hours(h)
    }

    fn tier(hours_before: u32, charge: CancellationCharge) -> CancellationTier {
        CancellationTier {
            hours_before,
            charge,
        }
    }

    /// Two rooms, three nights at 300, 200 and 500 per room; total 2,200 with taxes.
    fn booking(nightly: &[Money]) -> BookedStay<'_> {
        BookedStay {
            nightly,
            rooms: 2,
            total: cny(220_000),
        }
    }

    const NIGHTS: [Money; 3] = [
        Money::from_minor(30_000, Currency::CNY),
        Money::from_minor(20_000, Currency::CNY),
        Money::from_minor(50_000, Currency::CNY),
    ];

    #[test]
    fn free_until_the_deadline_exactly() {
        let p = CancellationPolicy::free_until(48, CancellationCharge::Nights(1)).unwrap();
        let deadline = hours(48);
        assert_eq!(p.free_cancellation_until(check_in()), Some(deadline));
        let one_second = Duration::seconds(1);
        assert!(p.is_free_at(deadline - one_second, check_in()));
        assert!(!p.is_free_at(deadline, check_in()));
        let b = booking(&NIGHTS);
        assert_eq!(
            p.fee_at(deadline - one_second, check_in(), b).unwrap(),
            cny(0)
        );
        // The first night is 300 of 1,000 in room prices: 30 % of the 2,200 total.
        assert_eq!(p.fee_at(deadline, check_in(), b).unwrap(), cny(66_000));
        // Still one night after check-in (no-show).
        assert_eq!(p.fee_at(hours(-30), check_in(), b).unwrap(), cny(66_000));
        assert!(p.is_refundable());
    }

    #[test]
    fn several_tiers_apply_in_turn() {
        let p = CancellationPolicy::tiered(vec![
            tier(24, CancellationCharge::Percent { permille: 500 }),
            tier(72, CancellationCharge::Amount(cny(10_000))),
            tier(0, CancellationCharge::Percent { permille: 1000 }),
        ])
        .unwrap();
        assert_eq!(
            p.tiers().iter().map(|t| t.hours_before).collect::<Vec<_>>(),
            vec![72, 24, 0],
            "earliest start first"
        );
        let b = booking(&NIGHTS);
        let fee = |h| p.fee_at(hours(h), check_in(), b).unwrap();
        assert_eq!(fee(100), cny(0));
        assert_eq!(fee(73), cny(0));
        // 100 per room, two rooms.
        assert_eq!(fee(72), cny(20_000));
        assert_eq!(fee(25), cny(20_000));
        assert_eq!(fee(24), cny(110_000));
        assert_eq!(fee(1), cny(110_000));
        assert_eq!(fee(0), cny(220_000));
        assert_eq!(fee(-5), cny(220_000));
        let schedule: Vec<_> = p.schedule(check_in()).collect();
        assert_eq!(schedule.len(), 3);
        assert_eq!(schedule[0].0, hours(72));
        assert_eq!(
            p.charge_at(hours(30), check_in()),
            Some(CancellationCharge::Amount(cny(10_000)))
        );
        assert_eq!(p.charge_at(hours(80), check_in()), None);
    }

    #[test]
    fn nights_beyond_the_stay_cost_the_total() {
        let p = CancellationPolicy::free_until(24, CancellationCharge::Nights(3)).unwrap();
        let b = booking(&NIGHTS);
        assert_eq!(p.fee_at(hours(0), check_in(), b).unwrap(), cny(220_000));
        let p = CancellationPolicy::free_until(24, CancellationCharge::Nights(9)).unwrap();
        assert_eq!(p.fee_at(hours(0), check_in(), b).unwrap(), cny(220_000));
        let p = CancellationPolicy::free_until(24, CancellationCharge::Nights(2)).unwrap();
        // 500 of 1,000: half of 2,200.
        assert_eq!(p.fee_at(hours(0), check_in(), b).unwrap(), cny(110_000));
        // All nights free (a promotion): the total left is fees, shared by night.
        let free = [cny(0), cny(0), cny(0)];
        let b = BookedStay {
            nightly: &free,
            rooms: 1,
            total: cny(3_000),
        };
        let p = CancellationPolicy::free_until(24, CancellationCharge::Nights(1)).unwrap();
        assert_eq!(p.fee_at(hours(0), check_in(), b).unwrap(), cny(1_000));
    }

    #[test]
    fn percentages_round_half_even_and_amounts_are_capped() {
        let one = [cny(1)];
        let stay = |total| BookedStay {
            nightly: &one,
            rooms: 1,
            total: cny(total),
        };
        let half = CancellationPolicy::free_until(0, CancellationCharge::Percent { permille: 500 })
            .unwrap();
        // Half of 0.05 is 0.025 → 0.02; half of 0.07 is 0.035 → 0.04.
        assert_eq!(half.fee_at(hours(0), check_in(), stay(5)).unwrap(), cny(2));
        assert_eq!(half.fee_at(hours(0), check_in(), stay(7)).unwrap(), cny(4));
        let big =
            CancellationPolicy::free_until(0, CancellationCharge::Amount(cny(1_000_000))).unwrap();
        assert_eq!(
            big.fee_at(hours(0), check_in(), stay(5_000)).unwrap(),
            cny(5_000)
        );
        let huge =
            CancellationPolicy::free_until(0, CancellationCharge::Amount(cny(i64::MAX))).unwrap();
        assert_eq!(
            huge.fee_at(hours(0), check_in(), booking(&NIGHTS)).unwrap(),
            cny(220_000)
        );
    }

    #[test]
    fn non_refundable_costs_everything_always() {
        let p = CancellationPolicy::non_refundable();
        let b = booking(&NIGHTS);
        assert!(!p.is_refundable());
        assert_eq!(p.free_cancellation_until(check_in()), None);
        assert!(!p.is_free_at(hours(1000), check_in()));
        assert_eq!(p.fee_at(hours(1000), check_in(), b).unwrap(), cny(220_000));
        assert!(p.tiers().is_empty());
    }

    #[test]
    fn currencies_must_match() {
        let p = CancellationPolicy::free_until(
            0,
            CancellationCharge::Amount(Money::from_minor(100, Currency::USD)),
        )
        .unwrap();
        assert!(matches!(
            p.fee_at(hours(0), check_in(), booking(&NIGHTS)),
            Err(MoneyError::CurrencyMismatch(..))
        ));
        // Checked even while free, so a bad booking is noticed early.
        let ok = CancellationPolicy::free_until(0, CancellationCharge::Nights(1)).unwrap();
        let mixed = [cny(1), Money::from_minor(1, Currency::USD)];
        assert!(ok.fee_at(hours(10), check_in(), booking(&mixed)).is_err());
    }

    #[test]
    fn bad_tiers_are_refused() {
        use CancellationCharge::*;
        let cases = [
            (vec![], CancellationError::NoTiers),
            (vec![tier(24, Nights(0))], CancellationError::FreeTier),
            (
                vec![tier(24, Percent { permille: 0 })],
                CancellationError::FreeTier,
            ),
            (vec![tier(24, Amount(cny(0)))], CancellationError::FreeTier),
            (
                vec![tier(24, Amount(cny(-1)))],
                CancellationError::NegativeAmount,
            ),
            (
                vec![tier(24, Percent { permille: 1001 })],
                CancellationError::PercentAbove100,
            ),
            (
                vec![tier(24, Nights(1)), tier(24, Nights(2))],
                CancellationError::DuplicateStart(24),
            ),
            (
                vec![
                    tier(48, Amount(cny(1))),
                    tier(24, Amount(Money::from_minor(1, Currency::USD))),
                ],
                CancellationError::MixedCurrencies,
            ),
            (
                vec![tier(MAX_HOURS_BEFORE + 1, Nights(1))],
                CancellationError::TooEarly,
            ),
        ];
        for (tiers, want) in cases {
            assert_eq!(CancellationPolicy::tiered(tiers), Err(want));
        }
    }

    #[test]
    fn serializes_and_validates_on_the_way_in() {
        let p = CancellationPolicy::tiered(vec![
            tier(48, CancellationCharge::Nights(1)),
            tier(0, CancellationCharge::Percent { permille: 1000 }),
        ])
        .unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"tiered","tiers":[{"hours_before":48,"charge":{"nights":1}},{"hours_before":0,"charge":{"percent":{"permille":1000}}}]}"#
        );
        assert_eq!(
            serde_json::from_str::<CancellationPolicy>(&json).unwrap(),
            p
        );
        let nr = serde_json::to_string(&CancellationPolicy::non_refundable()).unwrap();
        assert_eq!(nr, r#"{"kind":"non_refundable"}"#);
        assert!(
            serde_json::from_str::<CancellationPolicy>(r#"{"kind":"tiered","tiers":[]}"#).is_err()
        );
    }

    fn charge() -> impl Strategy<Value = CancellationCharge> {
        prop_oneof![
            (1i64..1_000_000).prop_map(|m| CancellationCharge::Amount(cny(m))),
            (1u8..40).prop_map(CancellationCharge::Nights),
            (1u16..=1000).prop_map(|permille| CancellationCharge::Percent { permille }),
        ]
    }

    proptest! {
        #[test]
        fn fee_is_zero_before_the_deadline_and_never_above_the_total(
            tiers in proptest::collection::vec((0u32..500, charge()), 1..5),
            nightly in proptest::collection::vec(0i64..1_000_000, 1..=30),
            rooms in 1u8..=8,
            extra in 0i64..100_000,
            at in -200i64..600,
        ) {
            let tiers: Vec<_> = tiers.into_iter().map(|(h, c)| tier(h, c)).collect();
            let Ok(p) = CancellationPolicy::tiered(tiers) else { return Ok(()) };
            let nightly: Vec<Money> = nightly.into_iter().map(cny).collect();
            let total = nightly.iter().map(|m| m.minor()).sum::<i64>() * i64::from(rooms) + extra;
            let b = BookedStay { nightly: &nightly, rooms, total: cny(total) };
            let now = hours(at);
            let fee = p.fee_at(now, check_in(), b).unwrap().minor();
            prop_assert!((0..=total).contains(&fee));
            let until = p.free_cancellation_until(check_in()).unwrap();
            if now < until {
                prop_assert_eq!(fee, 0);
            }
            prop_assert_eq!(p.is_free_at(now, check_in()), now < until);
        }

        #[test]
        fn rising_percent_tiers_give_a_rising_fee(
            steps in proptest::collection::btree_map(0u32..400, 1u16..=1000, 1..6),
            total in 0i64..10_000_000,
            a in -50i64..500,
            b in -50i64..500,
        ) {
            // Later tiers (fewer hours before) charge at least as much as earlier ones.
            let mut permilles: Vec<u16> = steps.values().copied().collect();
            permilles.sort_unstable_by(|x, y| y.cmp(x));
            let tiers = steps
                .keys()
                .zip(permilles)
                .map(|(h, permille)| tier(*h, CancellationCharge::Percent { permille }))
                .collect();
            let p = CancellationPolicy::tiered(tiers).unwrap();
            let one = [cny(total)];
            let stay = BookedStay { nightly: &one, rooms: 1, total: cny(total) };
            let (earlier, later) = (a.max(b), a.min(b));
            let fee = |h| p.fee_at(hours(h), check_in(), stay).unwrap();
            prop_assert!(fee(earlier).minor() <= fee(later).minor());
        }
    }
}
