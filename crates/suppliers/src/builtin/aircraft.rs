//! Aircraft types the network generator assigns: IATA type code, a usable range, a block
//! cruise speed and a typical seat map per cabin, plus which types each hub carrier flies.
//!
//! Ranges are what the type flies with a full load and reserves (somewhat under the
//! brochure figure), so a route is only given a type whose `range_km` covers its
//! great-circle distance.

use wayfare_domain::flight::schedule::CabinSeats;

/// Rough size class, used to pick a type for a route's demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BodyClass {
    Turboprop,
    RegionalJet,
    Narrowbody,
    Widebody,
    VeryLarge,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AircraftType {
    /// IATA aircraft type code, e.g. `359`.
    pub code: &'static str,
    pub name: &'static str,
    pub class: BodyClass,
    /// The longest route the type is given, in km.
    pub range_km: f64,
    /// Average speed between take-off and landing, in km/h.
    pub cruise_kmh: f64,
    /// Minimum time on the ground between an arrival and the next departure.
    pub turnaround_minutes: u16,
    pub seats: CabinSeats,
}

const fn seats(first: u16, business: u16, premium_economy: u16, economy: u16) -> CabinSeats {
    CabinSeats {
        economy,
        premium_economy,
        business,
        first,
    }
}

/// Every type the generator uses, smallest first.
pub const AIRCRAFT: &[AircraftType] = &[
    AircraftType {
        code: "AT7",
        name: "ATR 72",
        class: BodyClass::Turboprop,
        range_km: 1_400.0,
        cruise_kmh: 480.0,
        turnaround_minutes: 25,
        seats: seats(0, 0, 0, 70),
    },
    AircraftType {
        code: "E90",
        name: "Embraer 190",
        class: BodyClass::RegionalJet,
        range_km: 4_000.0,
        cruise_kmh: 760.0,
        turnaround_minutes: 30,
        seats: seats(0, 0, 0, 100),
    },
    AircraftType {
        code: "320",
        name: "Airbus A320",
        class: BodyClass::Narrowbody,
        range_km: 5_700.0,
        cruise_kmh: 800.0,
        turnaround_minutes: 40,
        seats: seats(0, 8, 0, 150),
    },
    AircraftType {
        code: "32N",
        name: "Airbus A320neo",
        class: BodyClass::Narrowbody,
        range_km: 6_300.0,
        cruise_kmh: 800.0,
        turnaround_minutes: 40,
        seats: seats(0, 8, 0, 156),
    },
    AircraftType {
        code: "738",
        name: "Boeing 737-800",
        class: BodyClass::Narrowbody,
        range_km: 5_300.0,
        cruise_kmh: 800.0,
        turnaround_minutes: 40,
        seats: seats(0, 12, 0, 150),
    },
    AircraftType {
        code: "7M8",
        name: "Boeing 737 MAX 8",
        class: BodyClass::Narrowbody,
        range_km: 6_300.0,
        cruise_kmh: 800.0,
        turnaround_minutes: 40,
        seats: seats(0, 12, 0, 162),
    },
    AircraftType {
        code: "321",
        name: "Airbus A321",
        class: BodyClass::Narrowbody,
        range_km: 5_500.0,
        cruise_kmh: 800.0,
        turnaround_minutes: 45,
        seats: seats(0, 12, 0, 178),
    },
    AircraftType {
        code: "32Q",
        name: "Airbus A321neo LR",
        class: BodyClass::Narrowbody,
        range_km: 7_400.0,
        cruise_kmh: 800.0,
        turnaround_minutes: 45,
        seats: seats(0, 16, 0, 160),
    },
    AircraftType {
        code: "333",
        name: "Airbus A330-300",
        class: BodyClass::Widebody,
        range_km: 11_300.0,
        cruise_kmh: 830.0,
        turnaround_minutes: 75,
        seats: seats(0, 30, 0, 270),
    },
    AircraftType {
        code: "789",
        name: "Boeing 787-9",
        class: BodyClass::Widebody,
        range_km: 14_000.0,
        cruise_kmh: 850.0,
        turnaround_minutes: 90,
        seats: seats(0, 30, 28, 230),
    },
    AircraftType {
        code: "359",
        name: "Airbus A350-900",
        class: BodyClass::Widebody,
        range_km: 15_300.0,
        cruise_kmh: 850.0,
        turnaround_minutes: 90,
        seats: seats(0, 32, 24, 250),
    },
    AircraftType {
        code: "77W",
        name: "Boeing 777-300ER",
        class: BodyClass::VeryLarge,
        range_km: 13_600.0,
        cruise_kmh: 850.0,
        turnaround_minutes: 100,
        seats: seats(8, 42, 24, 280),
    },
    AircraftType {
        code: "388",
        name: "Airbus A380-800",
        class: BodyClass::VeryLarge,
        range_km: 14_800.0,
        cruise_kmh: 850.0,
        turnaround_minutes: 120,
        seats: seats(14, 76, 44, 360),
    },
];

/// Minutes from off-block to take-off plus landing to on-block.
pub const TAXI_MINUTES: f64 = 25.0;
/// Airways are longer than the great circle.
pub const ROUTING_FACTOR: f64 = 1.04;
/// Climb, descent and approach, beyond the cruise time.
pub const CLIMB_APPROACH_MINUTES: f64 = 15.0;
/// Ground speed gained eastbound and lost westbound (jet streams), as a fraction.
pub const WIND_FACTOR: f64 = 0.03;

/// The longest route any type can fly.
pub fn max_range_km() -> f64 {
    AIRCRAFT.iter().map(|a| a.range_km).fold(0.0, f64::max)
}

pub fn by_code(code: &str) -> Option<&'static AircraftType> {
    AIRCRAFT.iter().find(|a| a.code == code)
}

impl AircraftType {
    /// Block time: taxi, climb and approach, plus the airway distance at cruise speed, a little faster eastbound
    /// than westbound, rounded to 5 minutes. Monotone in distance for a given type and direction.
    pub fn block_minutes(&self, distance_km: f64, eastbound: bool) -> u16 {
        let wind = if eastbound {
            1.0 + WIND_FACTOR
        } else {
            1.0 - WIND_FACTOR
        };
        let airborne = distance_km.max(0.0) * ROUTING_FACTOR / (self.cruise_kmh * wind) * 60.0;
        let total = ((TAXI_MINUTES + CLIMB_APPROACH_MINUTES + airborne) / 5.0).round() * 5.0;
        total.clamp(5.0, f64::from(u16::MAX)) as u16
    }

    pub fn total_seats(&self) -> u32 {
        u32::from(self.seats.economy)
            + u32::from(self.seats.premium_economy)
            + u32::from(self.seats.business)
            + u32::from(self.seats.first)
    }
}

/// The types a hub carrier flies (real fleets, simplified to the types above). Carriers not in
/// the table fly the generic fleet: everything but the A380.
pub fn fleet(carrier: &str) -> &'static [&'static str] {
    match carrier {
        // China
        "CA" => &["320", "321", "738", "333", "789", "359", "77W"],
        "MU" => &["320", "32N", "321", "738", "333", "789", "359", "77W"],
        "CZ" => &[
            "320", "32N", "321", "738", "7M8", "333", "789", "359", "77W",
        ],
        "FM" => &["738", "333"],
        "ZH" => &["320", "738", "7M8", "333"],
        "3U" => &["320", "32N", "321", "333", "359"],
        "HU" => &["738", "7M8", "333", "789"],
        "MF" => &["738", "7M8", "789"],
        "SC" => &["738", "7M8"],
        "8L" => &["738", "7M8"],
        // Greater China, Japan, Korea
        "CX" => &["320", "321", "333", "359", "77W"],
        "CI" => &["738", "321", "333", "359", "77W"],
        "BR" => &["321", "333", "789", "77W"],
        "JL" => &["E90", "738", "789", "359", "77W"],
        "NH" => &["AT7", "320", "321", "738", "789", "77W", "388"],
        "KE" => &["738", "333", "789", "77W", "388"],
        "OZ" => &["321", "333", "359", "388"],
        // South-East and South Asia
        "SQ" => &["7M8", "789", "359", "77W", "388"],
        "TG" => &["320", "333", "789", "359", "77W"],
        "MH" => &["AT7", "738", "333", "359"],
        "GA" => &["738", "333", "77W"],
        "PR" => &["321", "333", "359"],
        "VN" => &["321", "789", "359"],
        "AI" => &["320", "32N", "321", "789", "77W"],
        "6E" => &["AT7", "320", "32N", "321", "32Q"],
        // Middle East and Africa
        "EK" => &["77W", "388"],
        "QR" => &["320", "321", "789", "359", "77W", "388"],
        "EY" => &["321", "789", "77W", "388"],
        "SV" => &["320", "333", "789", "77W"],
        "MS" => &["320", "738", "333", "789"],
        "TK" => &["320", "321", "738", "7M8", "333", "789", "359", "77W"],
        "ET" => &["AT7", "738", "789", "359", "77W"],
        "SA" => &["320", "333", "359"],
        "KQ" => &["E90", "738", "789"],
        // Europe
        "BA" => &["E90", "320", "32N", "321", "789", "359", "77W", "388"],
        "VS" => &["333", "789", "359"],
        "AF" => &["E90", "320", "321", "789", "359", "77W"],
        "LH" => &["E90", "320", "32N", "321", "333", "359", "388"],
        "KL" => &["E90", "738", "333", "789", "77W"],
        "IB" => &["AT7", "320", "32N", "321", "32Q", "333", "359"],
        "LX" => &["320", "321", "333", "77W"],
        "AY" => &["AT7", "320", "321", "333", "359"],
        "OS" => &["E90", "320", "789"],
        "SK" => &["AT7", "320", "32N", "333"],
        "TP" => &["E90", "320", "321", "32Q", "333"],
        "EI" => &["320", "32Q", "333"],
        "LO" => &["E90", "738", "7M8", "789"],
        "SN" => &["320", "333"],
        // Americas and Oceania
        "AA" => &["E90", "321", "32Q", "738", "7M8", "789", "77W"],
        "DL" => &["E90", "320", "321", "738", "333", "359"],
        "UA" => &["E90", "320", "738", "7M8", "789", "77W"],
        "B6" => &["E90", "320", "321", "32Q"],
        "AS" => &["E90", "738", "7M8"],
        "AC" => &["E90", "320", "7M8", "333", "789", "77W"],
        "AM" => &["E90", "738", "7M8", "789"],
        "JJ" => &["320", "321", "789", "77W"],
        "AV" => &["320", "789"],
        "CM" => &["738", "7M8"],
        "AR" => &["738", "333"],
        "QF" => &["AT7", "738", "333", "789", "388"],
        "VA" => &["AT7", "738", "7M8"],
        "NZ" => &["AT7", "320", "789", "77W"],
        _ => &[
            "AT7", "E90", "320", "32N", "738", "7M8", "321", "333", "789", "359", "77W",
        ],
    }
}

/// What a route needs, for [`choose`].
#[derive(Debug, Clone, Copy)]
pub struct RouteDemand {
    pub distance_km: f64,
    /// Departures per day in one direction (weekly frequency / 7).
    pub daily: f64,
    /// A busy trunk between two hubs, where large aircraft are common.
    pub trunk: bool,
    /// Both ends are major hubs.
    pub major_pair: bool,
}

/// Picks a type from the carrier's fleet that can fly the distance, sized to the demand.
/// `pick` breaks ties between equally suitable types. `None` when no type in the fleet has the
/// range.
pub fn choose(carrier: &str, demand: RouteDemand, pick: u64) -> Option<&'static AircraftType> {
    let d = demand.distance_km;
    let able: Vec<&'static AircraftType> = fleet(carrier)
        .iter()
        .filter_map(|c| by_code(c))
        .filter(|a| a.range_km >= d)
        .collect();
    if able.is_empty() {
        return None;
    }
    let of = |classes: &[BodyClass]| -> Vec<&'static AircraftType> {
        able.iter()
            .copied()
            .filter(|a| classes.contains(&a.class))
            .collect()
    };
    let choose_from = |v: &[&'static AircraftType]| v[(pick % v.len() as u64) as usize];
    use BodyClass::*;
    // In order of preference; the first class group with a type in the fleet wins.
    let preference: &[&[BodyClass]] = if d <= 600.0 && demand.daily < 2.0 && !demand.trunk {
        &[
            &[Turboprop],
            &[RegionalJet],
            &[Narrowbody],
            &[Widebody],
            &[VeryLarge],
        ]
    } else if d <= 2_000.0 && demand.daily < 1.0 && !demand.trunk {
        &[
            &[RegionalJet],
            &[Narrowbody],
            &[Turboprop],
            &[Widebody],
            &[VeryLarge],
        ]
    } else if d <= 4_500.0 {
        &[&[Narrowbody], &[RegionalJet], &[Widebody], &[VeryLarge]]
    } else if d <= 6_300.0 && demand.daily < 1.5 && !demand.major_pair {
        &[&[Narrowbody], &[Widebody], &[VeryLarge]]
    } else if demand.daily >= 2.0 || (demand.major_pair && d >= 9_000.0 && demand.daily >= 1.0) {
        &[&[VeryLarge], &[Widebody], &[Narrowbody]]
    } else {
        &[&[Widebody], &[VeryLarge], &[Narrowbody]]
    };
    for (rank, group) in preference.iter().enumerate() {
        let mut v = of(group);
        if v.is_empty() {
            continue;
        }
        // A short route flown with bigger aircraft than it needs gets the smallest of them.
        if rank > 0 && d <= 4_500.0 && group.iter().any(|c| *c >= Widebody) {
            let smallest = v.iter().map(|a| a.total_seats()).min().unwrap_or(0);
            v.retain(|a| a.total_seats() == smallest);
        }
        // Busy narrowbody routes get the bigger narrowbodies.
        if group.contains(&Narrowbody) && demand.daily >= 8.0 {
            let big: Vec<_> = v
                .iter()
                .copied()
                .filter(|a| a.total_seats() >= 170)
                .collect();
            if !big.is_empty() {
                v = big;
            }
        }
        return Some(choose_from(&v));
    }
    Some(choose_from(&able))
}

/// A widebody from the carrier's fleet for a share of the frequencies on a busy trunk, if it
/// has one that can fly the distance.
pub fn trunk_widebody(carrier: &str, distance_km: f64, pick: u64) -> Option<&'static AircraftType> {
    let v: Vec<&'static AircraftType> = fleet(carrier)
        .iter()
        .filter_map(|c| by_code(c))
        .filter(|a| {
            matches!(a.class, BodyClass::Widebody | BodyClass::VeryLarge) && a.code != "388"
        })
        .filter(|a| a.range_km >= distance_km)
        .collect();
    if v.is_empty() {
        None
    } else {
        Some(v[(pick % v.len() as u64) as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fleet_type_exists() {
        for carrier in ["CA", "EK", "B6", "ZZ", "QF", "NH"] {
            for code in fleet(carrier) {
                assert!(by_code(code).is_some(), "{carrier} {code}");
            }
        }
        assert!(AIRCRAFT.iter().all(|a| a.total_seats() > 0));
        assert_eq!(max_range_km(), 15_300.0);
    }

    #[test]
    fn block_times() {
        let a320 = by_code("320").unwrap();
        // PEK–SHA, ~1,080 km: about an hour and three quarters.
        let b = a320.block_minutes(1_080.0, true);
        assert!((95..=120).contains(&b), "{b}");
        assert_eq!(b % 5, 0);
        // Westbound is slower.
        assert!(a320.block_minutes(3_000.0, false) > a320.block_minutes(3_000.0, true));
        let a359 = by_code("359").unwrap();
        let b = a359.block_minutes(9_200.0, false);
        assert!((660..=780).contains(&b), "{b}");
        let mut last = 0;
        for km in (0..15_000).step_by(37) {
            let b = a359.block_minutes(f64::from(km), true);
            assert!(b >= last);
            last = b;
        }
    }

    #[test]
    fn choice_respects_range_and_size() {
        let demand = |distance_km, daily| RouteDemand {
            distance_km,
            daily,
            trunk: false,
            major_pair: false,
        };
        let a = choose("EK", demand(3_400.0, 3.0), 0).unwrap();
        assert!(a.range_km >= 3_400.0 && a.class >= BodyClass::Widebody);
        assert!(choose("VA", demand(9_000.0, 1.0), 0).is_none());
        assert_eq!(choose("QF", demand(400.0, 0.5), 0).unwrap().code, "AT7");
        for pick in 0..10 {
            let a = choose("CA", demand(8_000.0, 1.0), pick).unwrap();
            assert!(a.range_km >= 8_000.0 && a.class >= BodyClass::Widebody);
        }
        let a = choose("CA", demand(1_100.0, 10.0), 1).unwrap();
        assert_eq!(a.class, BodyClass::Narrowbody);
        assert!(a.total_seats() >= 170);
    }
}
