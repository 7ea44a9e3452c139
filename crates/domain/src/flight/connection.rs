//! Connection rules: minimum connection times (MCT) by airport and domestic/international
//! status, the longest layover offered, and the airport changes allowed within a city.
//!
//! Defaults follow the typical magnitudes OAG publishes (domestic from 30–60 min, international
//! up to 90 min); the per-airport table lists the large hubs where more time is needed. Airport
//! changes use OAG's published London figures where known.

use super::codes::AirportCode;

/// Connection status: was the arriving / departing leg international?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionStatus {
    pub arriving_international: bool,
    pub departing_international: bool,
}

/// (airport, domestic→domestic, domestic→international, international→domestic, international→international)
const HUB_MCT: &[(&str, u16, u16, u16, u16)] = &[
    ("PEK", 60, 120, 120, 90),
    ("PKX", 60, 120, 120, 90),
    ("PVG", 60, 120, 120, 90),
    ("SHA", 50, 90, 90, 90),
    ("CAN", 60, 120, 120, 90),
    ("SZX", 60, 120, 120, 90),
    ("CTU", 60, 120, 120, 90),
    ("TFU", 60, 120, 120, 90),
    ("HKG", 60, 60, 60, 60),
    ("TPE", 60, 70, 70, 70),
    ("NRT", 60, 90, 90, 60),
    ("HND", 45, 120, 120, 60),
    ("ICN", 60, 90, 90, 60),
    ("SIN", 60, 60, 60, 60),
    ("BKK", 55, 75, 75, 60),
    ("DXB", 75, 75, 75, 75),
    ("DOH", 60, 60, 60, 60),
    ("IST", 60, 75, 75, 60),
    ("LHR", 60, 90, 90, 90),
    ("CDG", 60, 90, 90, 90),
    ("FRA", 45, 60, 60, 45),
    ("AMS", 40, 50, 50, 50),
    ("MAD", 45, 60, 60, 60),
    ("JFK", 60, 90, 120, 90),
    ("LAX", 60, 90, 120, 90),
    ("SFO", 60, 90, 120, 90),
    ("ORD", 60, 90, 120, 90),
    ("YVR", 45, 75, 90, 75),
    ("SYD", 60, 90, 90, 90),
    ("MEL", 45, 90, 90, 90),
];

/// Default minutes when the airport has no entry: DD 45, DI 60, ID 90, II 60.
const DEFAULT_MCT: (u16, u16, u16, u16) = (45, 60, 90, 60);

/// Minimum minutes between the arrival and the next departure at `airport`.
pub fn minimum_connection_minutes(airport: AirportCode, status: ConnectionStatus) -> u16 {
    let (dd, di, id, ii) = HUB_MCT
        .iter()
        .find(|h| h.0 == airport.as_str())
        .map(|h| (h.1, h.2, h.3, h.4))
        .unwrap_or(DEFAULT_MCT);
    match (
        status.arriving_international,
        status.departing_international,
    ) {
        (false, false) => dd,
        (false, true) => di,
        (true, false) => id,
        (true, true) => ii,
    }
}

/// Airports in one city between which a connection may change airport, with the minimum
/// time that takes (ground transfer plus check-in again), in minutes.
const AIRPORT_CHANGES: &[(&str, &str, u16)] = &[
    ("PEK", "PKX", 180),
    ("PVG", "SHA", 180),
    ("HND", "NRT", 210),
    ("LHR", "LGW", 150),
    ("LHR", "LTN", 205),
    ("LHR", "LCY", 210),
    ("LGW", "STN", 210),
    ("CDG", "ORY", 180),
    ("JFK", "LGA", 180),
    ("JFK", "EWR", 210),
    ("ICN", "GMP", 150),
    ("KIX", "ITM", 150),
    ("TPE", "TSA", 120),
    ("DXB", "DWC", 180),
    ("IST", "SAW", 210),
];

/// Minutes needed to change from `from` to `to` within a city, if such a change is allowed.
pub fn airport_change_minutes(from: AirportCode, to: AirportCode) -> Option<u16> {
    AIRPORT_CHANGES.iter().find_map(|(a, b, m)| {
        let (a, b) = (*a, *b);
        ((a == from.as_str() && b == to.as_str()) || (b == from.as_str() && a == to.as_str()))
            .then_some(*m)
    })
}

/// Airports a connection at `at` may continue from when airport changes are allowed.
pub fn same_city_airports(at: AirportCode) -> impl Iterator<Item = (AirportCode, u16)> {
    AIRPORT_CHANGES.iter().filter_map(move |(a, b, m)| {
        let other = if *a == at.as_str() {
            b
        } else if *b == at.as_str() {
            a
        } else {
            return None;
        };
        AirportCode::parse(other).ok().map(|c| (c, *m))
    })
}

/// The longest layover offered by default, and the most a search may ask for.
pub const DEFAULT_MAX_LAYOVER_MINUTES: u16 = 8 * 60;
pub const MAX_LAYOVER_LIMIT_MINUTES: u16 = 24 * 60;

#[cfg(test)]
mod tests {
    use super::*;

    fn ap(s: &str) -> AirportCode {
        AirportCode::parse(s).unwrap()
    }

    #[test]
    fn international_connections_need_longer() {
        let dd = ConnectionStatus {
            arriving_international: false,
            departing_international: false,
        };
        let ii = ConnectionStatus {
            arriving_international: true,
            departing_international: true,
        };
        let id = ConnectionStatus {
            arriving_international: true,
            departing_international: false,
        };
        assert_eq!(minimum_connection_minutes(ap("PEK"), dd), 60);
        assert_eq!(minimum_connection_minutes(ap("PEK"), id), 120);
        assert_eq!(minimum_connection_minutes(ap("XXX"), dd), 45);
        assert_eq!(minimum_connection_minutes(ap("XXX"), ii), 60);
        assert!(
            minimum_connection_minutes(ap("LHR"), ii) > minimum_connection_minutes(ap("AMS"), ii)
        );
    }

    #[test]
    fn airport_changes_only_within_a_city() {
        assert_eq!(airport_change_minutes(ap("PVG"), ap("SHA")), Some(180));
        assert_eq!(airport_change_minutes(ap("SHA"), ap("PVG")), Some(180));
        assert_eq!(airport_change_minutes(ap("LHR"), ap("LGW")), Some(150));
        assert_eq!(airport_change_minutes(ap("PVG"), ap("PEK")), None);
        let london: Vec<_> = same_city_airports(ap("LHR"))
            .map(|(c, _)| c.to_string())
            .collect();
        assert_eq!(london, vec!["LGW", "LTN", "LCY"]);
    }
}
