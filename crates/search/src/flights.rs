//! The flight index: every dated leg of the built-in schedules in memory, by origin and by
//! origin–destination, so a search never runs SQL. Connections respect minimum connection times
//! and the layover limit; two-stop searches only try middle airports that fly to the
//! destination and do not stray far from the great circle.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, Ordering};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use wayfare_domain::flight::codes::{AirlineCode, AirportCode};
use wayfare_domain::flight::connection::{
    ConnectionStatus, minimum_connection_minutes, same_city_airports,
};
use wayfare_domain::flight::geo::great_circle_km;
use wayfare_domain::flight::schedule::{CabinSeats, SchedulePattern, local_to_utc};
use wayfare_domain::flight::search::SliceQuery;

/// Where an airport is and which clock it keeps.
#[derive(Debug, Clone)]
pub struct IndexAirport {
    pub code: AirportCode,
    pub country: String,
    pub tz: Tz,
    pub lat: f64,
    pub lon: f64,
}

/// A dated flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leg {
    pub pattern: u32,
    pub origin: u16,
    pub destination: u16,
    /// Unix minutes (UTC).
    pub departs: i64,
    pub arrives: i64,
    /// The local departure date at the origin.
    pub date: NaiveDate,
}

/// What a leg's flight is, shared by all its dates.
#[derive(Debug, Clone)]
pub struct FlightInfo {
    pub carrier: AirlineCode,
    pub flight_number: u16,
    pub operating_carrier: AirlineCode,
    pub aircraft: String,
    pub seats: CabinSeats,
    pub distance_km: f64,
}

/// A way through one slice: leg ids in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Itinerary {
    pub legs: Vec<u32>,
}

/// Limits of a slice search.
#[derive(Debug, Clone)]
pub struct SliceOptions {
    pub max_connections: u8,
    pub max_layover_minutes: u16,
    pub allow_airport_change: bool,
    /// Connections only at these airports (empty: anywhere).
    pub layover_airports: Vec<AirportCode>,
    /// Stop collecting after this many itineraries (the slice's own cap).
    pub max_results: usize,
}

pub struct FlightIndex {
    airports: Vec<IndexAirport>,
    by_code: HashMap<AirportCode, u16>,
    flights: Vec<FlightInfo>,
    legs: Vec<Leg>,
    /// Seats sold per physical leg and cabin (a codeshare reads its operating leg's counts);
    /// atomic so bookings update it in place while searches read it.
    sold: Vec<[AtomicU16; 4]>,
    /// For a codeshare leg, the leg that physically flies (itself otherwise): both sell the same seats.
    operating_leg: Vec<u32>,
    /// Leg ids by origin, sorted by departure.
    by_origin: Vec<Vec<u32>>,
    /// Leg ids by (origin, destination), sorted by departure.
    by_route: HashMap<(u16, u16), Vec<u32>>,
    /// Airports with at least one flight to each airport.
    feeders: Vec<Vec<u16>>,
    /// Airports each airport has at least one flight to.
    served_from: Vec<Vec<u16>>,
    /// Minimum connection minutes per airport: [DD, DI, ID, II].
    mct: Vec<[u16; 4]>,
    first_date: NaiveDate,
    last_date: NaiveDate,
}

impl std::fmt::Debug for FlightIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlightIndex")
            .field("legs", &self.legs.len())
            .finish()
    }
}

fn unix_minutes(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(60)
}

/// Approximate bytes the index holds (for the benchmark report).
pub fn approx_bytes(index: &FlightIndex) -> usize {
    index.legs.len() * (std::mem::size_of::<Leg>() + 2 * 4)
        + index.flights.len() * (std::mem::size_of::<FlightInfo>() + 8)
        + index.by_route.len() * 48
}

impl FlightIndex {
    /// Expands `patterns` into dated legs for `first_date..=last_date` (local dates at origin).
    /// Patterns at airports not in `airports` are skipped.
    pub fn build(
        airports: Vec<IndexAirport>,
        patterns: &[SchedulePattern],
        first_date: NaiveDate,
        last_date: NaiveDate,
    ) -> FlightIndex {
        let by_code: HashMap<AirportCode, u16> = airports
            .iter()
            .enumerate()
            .map(|(i, a)| (a.code, i as u16))
            .collect();
        let mut flights = Vec::with_capacity(patterns.len());
        let mut legs = Vec::new();
        for p in patterns {
            let (Some(&o), Some(&d)) = (by_code.get(&p.origin), by_code.get(&p.destination)) else {
                continue;
            };
            let (ao, ad) = (&airports[o as usize], &airports[d as usize]);
            let pattern = flights.len() as u32;
            flights.push(FlightInfo {
                carrier: p.carrier,
                flight_number: p.flight_number,
                operating_carrier: p.operating_carrier.unwrap_or(p.carrier),
                aircraft: p.aircraft.clone(),
                seats: p.seats,
                distance_km: great_circle_km(ao.lat, ao.lon, ad.lat, ad.lon),
            });
            let mut date = first_date.max(p.valid_from);
            let end = last_date.min(p.valid_to);
            while date <= end {
                if p.days.operates_on(date) {
                    let departs = unix_minutes(local_to_utc(ao.tz, date, p.departure_local));
                    legs.push(Leg {
                        pattern,
                        origin: o,
                        destination: d,
                        departs,
                        arrives: departs + i64::from(p.block_minutes),
                        date,
                    });
                }
                date += Duration::days(1);
            }
        }
        legs.sort_unstable_by_key(|l| (l.origin, l.departs));
        let mut by_origin = vec![Vec::new(); airports.len()];
        let mut by_route: HashMap<(u16, u16), Vec<u32>> = HashMap::new();
        let mut feeders = vec![Vec::new(); airports.len()];
        for (i, l) in legs.iter().enumerate() {
            by_origin[l.origin as usize].push(i as u32);
            by_route
                .entry((l.origin, l.destination))
                .or_default()
                .push(i as u32);
        }
        // A codeshare is the same aircraft as the operating carrier's flight on the same route at
        // the same minute; find that leg so the two share one seat inventory.
        let operating_leg: Vec<u32> = legs
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let f = &flights[l.pattern as usize];
                if f.operating_carrier == f.carrier {
                    return i as u32;
                }
                by_route
                    .get(&(l.origin, l.destination))
                    .and_then(|list| {
                        let start =
                            list.partition_point(|&id| legs[id as usize].departs < l.departs);
                        list[start..]
                            .iter()
                            .take_while(|&&id| legs[id as usize].departs == l.departs)
                            .copied()
                            .find(|&id| {
                                flights[legs[id as usize].pattern as usize].carrier
                                    == f.operating_carrier
                            })
                    })
                    .unwrap_or(i as u32)
            })
            .collect();
        let mut served_from = vec![Vec::new(); airports.len()];
        for &(o, d) in by_route.keys() {
            feeders[d as usize].push(o);
            served_from[o as usize].push(d);
        }
        for f in feeders.iter_mut().chain(served_from.iter_mut()) {
            f.sort_unstable();
        }
        let mct = airports
            .iter()
            .map(|a| {
                let m = |arriving_international, departing_international| {
                    minimum_connection_minutes(
                        a.code,
                        ConnectionStatus {
                            arriving_international,
                            departing_international,
                        },
                    )
                };
                [
                    m(false, false),
                    m(false, true),
                    m(true, false),
                    m(true, true),
                ]
            })
            .collect();
        FlightIndex {
            airports,
            by_code,
            flights,
            sold: (0..legs.len()).map(|_| Default::default()).collect(),
            operating_leg,
            legs,
            by_origin,
            by_route,
            feeders,
            served_from,
            mct,
            first_date,
            last_date,
        }
    }

    pub fn leg(&self, id: u32) -> &Leg {
        &self.legs[id as usize]
    }

    pub fn flight(&self, leg: &Leg) -> &FlightInfo {
        &self.flights[leg.pattern as usize]
    }

    pub fn airport(&self, idx: u16) -> &IndexAirport {
        &self.airports[idx as usize]
    }

    pub fn airport_by_code(&self, code: AirportCode) -> Option<&IndexAirport> {
        self.by_code.get(&code).map(|&i| &self.airports[i as usize])
    }

    /// Seats sold on a leg, per cabin (economy, premium economy, business, first). Seats sold
    /// under a codeshare number and under the operating number come out of one inventory.
    pub fn sold(&self, id: u32) -> [u16; 4] {
        let s = &self.sold[self.operating_leg[id as usize] as usize];
        std::array::from_fn(|c| s[c].load(Ordering::Relaxed))
    }

    /// Records seats taken (`delta > 0`) or given back (`delta < 0`) on a leg's aircraft, after
    /// the store committed them; the count stays within 0..=u16::MAX.
    pub fn add_sold(&self, id: u32, cabin: usize, delta: i32) {
        let cell = &self.sold[self.operating_leg[id as usize] as usize][cabin];
        let _ = cell.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
            Some((i32::from(v) + delta).clamp(0, i32::from(u16::MAX)) as u16)
        });
    }

    /// Loads seat sales: `sold_of(carrier, number, date)` for every leg, summed per aircraft.
    pub fn apply_sales(
        &mut self,
        sold_of: impl Fn(AirlineCode, u16, NaiveDate) -> Option<[u16; 4]>,
    ) {
        let mut physical = vec![[0u16; 4]; self.legs.len()];
        for (i, l) in self.legs.iter().enumerate() {
            let f = &self.flights[l.pattern as usize];
            if let Some(s) = sold_of(f.carrier, f.flight_number, l.date) {
                let op = self.operating_leg[i] as usize;
                for c in 0..4 {
                    physical[op][c] = physical[op][c].saturating_add(s[c]);
                }
            }
        }
        for (cells, counts) in self.sold.iter_mut().zip(physical) {
            for (cell, n) in cells.iter_mut().zip(counts) {
                *cell.get_mut() = n;
            }
        }
    }

    /// The leg that physically flies `id` (itself unless `id` is a codeshare).
    pub fn operating_leg(&self, id: u32) -> u32 {
        self.operating_leg[id as usize]
    }

    pub fn leg_count(&self) -> usize {
        self.legs.len()
    }

    pub fn first_date(&self) -> NaiveDate {
        self.first_date
    }

    pub fn last_date(&self) -> NaiveDate {
        self.last_date
    }

    /// Finds a dated leg by flight and local departure date.
    pub fn find_leg(
        &self,
        carrier: AirlineCode,
        number: u16,
        date: NaiveDate,
        origin: AirportCode,
    ) -> Option<u32> {
        let o = *self.by_code.get(&origin)?;
        self.by_origin[o as usize].iter().copied().find(|&id| {
            let l = &self.legs[id as usize];
            let f = &self.flights[l.pattern as usize];
            l.date == date && f.carrier == carrier && f.flight_number == number
        })
    }

    /// Airports with direct flights from `origin`.
    pub fn destinations_from(&self, origin: AirportCode) -> Vec<AirportCode> {
        let Some(&o) = self.by_code.get(&origin) else {
            return Vec::new();
        };
        let mut v: Vec<AirportCode> = self.served_from[o as usize]
            .iter()
            .map(|&d| self.airports[d as usize].code)
            .collect();
        v.sort();
        v
    }

    /// Airports within `radius_km` of a point, nearest first, with their distance.
    pub fn airports_near(&self, lat: f64, lon: f64, radius_km: f64) -> Vec<(AirportCode, f64)> {
        let mut v: Vec<(AirportCode, f64)> = self
            .airports
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.by_origin[*i].is_empty())
            .map(|(_, a)| (a.code, great_circle_km(lat, lon, a.lat, a.lon)))
            .filter(|(_, d)| *d <= radius_km)
            .collect();
        v.sort_by(|a, b| a.1.total_cmp(&b.1));
        v
    }

    /// Legs on a route departing in `[from, to)` (unix minutes).
    fn route_legs(&self, o: u16, d: u16, from: i64, to: i64) -> &[u32] {
        let Some(list) = self.by_route.get(&(o, d)) else {
            return &[];
        };
        let start = list.partition_point(|&id| self.legs[id as usize].departs < from);
        let end = list.partition_point(|&id| self.legs[id as usize].departs < to);
        &list[start..end]
    }

    fn origin_legs(&self, o: u16, from: i64, to: i64) -> &[u32] {
        let list = &self.by_origin[o as usize];
        let start = list.partition_point(|&id| self.legs[id as usize].departs < from);
        let end = list.partition_point(|&id| self.legs[id as usize].departs < to);
        &list[start..end]
    }

    fn international(&self, leg: &Leg) -> bool {
        self.airports[leg.origin as usize].country
            != self.airports[leg.destination as usize].country
    }

    /// Earliest departure (unix minutes) of a connection after `arriving` at airport `at` onto
    /// a flight that is international or not.
    fn connect_after(&self, arriving: &Leg, departing_international: bool) -> i64 {
        arriving.arrives
            + i64::from(self.mct_at(
                arriving.destination,
                self.international(arriving),
                departing_international,
            ))
    }

    fn mct_at(
        &self,
        airport: u16,
        arriving_international: bool,
        departing_international: bool,
    ) -> u16 {
        self.mct[airport as usize]
            [usize::from(arriving_international) * 2 + usize::from(departing_international)]
    }

    fn distance(&self, a: u16, b: u16) -> f64 {
        let (x, y) = (&self.airports[a as usize], &self.airports[b as usize]);
        great_circle_km(x.lat, x.lon, y.lat, y.lon)
    }

    /// Every itinerary for one slice: direct, then up to `max_connections` stops.
    pub fn search_slice(&self, q: &SliceQuery, opts: &SliceOptions) -> Vec<Itinerary> {
        let (Some(&o), Some(&d)) = (
            self.by_code.get(&q.origin),
            self.by_code.get(&q.destination),
        ) else {
            return Vec::new();
        };
        let tz = self.airports[o as usize].tz;
        let day_start = unix_minutes(local_to_utc(tz, q.departure_date, NaiveTime::MIN));
        let day_end = unix_minutes(local_to_utc(
            tz,
            q.departure_date + Duration::days(1),
            NaiveTime::MIN,
        ));
        let max_layover = i64::from(opts.max_layover_minutes);
        let direct_km = self.distance(o, d).max(1.0);
        // Distances are memoized per query: many legs share the same airports.
        let memo = std::cell::RefCell::new(vec![f64::NAN; 2 * self.airports.len()]);
        let from_o = |a: u16| {
            let mut m = memo.borrow_mut();
            let v = &mut m[a as usize];
            if v.is_nan() {
                *v = self.distance(o, a);
            }
            *v
        };
        let to_d = |a: u16| {
            let mut m = memo.borrow_mut();
            let v = &mut m[self.airports.len() + a as usize];
            if v.is_nan() {
                *v = self.distance(a, d);
            }
            *v
        };
        // A connection may add at most this much distance (keeps the search near the great circle).
        let detour_limit = direct_km * 1.6 + 400.0;
        let layover_ok = |a: u16| {
            opts.layover_airports.is_empty()
                || opts
                    .layover_airports
                    .contains(&self.airports[a as usize].code)
        };
        let mut out = Vec::new();

        for &l1 in self.route_legs(o, d, day_start, day_end) {
            out.push(Itinerary { legs: vec![l1] });
        }
        if opts.max_connections == 0 {
            return out;
        }
        let feeds_d = &self.feeders[d as usize];
        // First stops: only airports the origin flies to, near the great circle, and (for one
        // stop without airport changes) flying on to the destination.
        for &x in &self.served_from[o as usize] {
            if out.len() >= opts.max_results {
                break;
            }
            if x == d || !layover_ok(x) {
                continue;
            }
            if opts.max_connections < 2
                && !opts.allow_airport_change
                && feeds_d.binary_search(&x).is_err()
            {
                continue;
            }
            let via_x = from_o(x);
            if via_x + to_d(x) > detour_limit {
                continue;
            }
            for &l1 in self.route_legs(o, x, day_start, day_end) {
                let leg1 = &self.legs[l1 as usize];
                // Where the next flight may leave from: the same airport, or another in the city.
                let mut continue_from: Vec<(u16, i64)> = vec![(x, 0)];
                if opts.allow_airport_change {
                    for (code, minutes) in same_city_airports(self.airports[x as usize].code) {
                        if let Some(&idx) = self.by_code.get(&code) {
                            continue_from.push((idx, i64::from(minutes)));
                        }
                    }
                }
                for &(x2, change) in &continue_from {
                    // One stop: x2 → d.
                    if feeds_d.binary_search(&x2).is_ok() {
                        let d_intl =
                            self.airports[x2 as usize].country != self.airports[d as usize].country;
                        let earliest = self.connect_after(leg1, d_intl).max(leg1.arrives + change);
                        for &l2 in self.route_legs(x2, d, earliest, leg1.arrives + max_layover + 1)
                        {
                            out.push(Itinerary { legs: vec![l1, l2] });
                        }
                    }
                    if opts.max_connections < 2 {
                        continue;
                    }
                    // Two stops: x2 → y → d, only through airports that fly to d.
                    // The loosest bound first (the shorter of domestic and international onward: at
                    // some hubs either is shorter); each candidate is checked exactly below.
                    let arriving_intl = self.international(leg1);
                    let loosest = self.mct_at(x2, arriving_intl, false).min(self.mct_at(
                        x2,
                        arriving_intl,
                        true,
                    ));
                    let earliest = leg1.arrives + i64::from(loosest).max(change);
                    for &l2 in self.origin_legs(x2, earliest, leg1.arrives + max_layover + 1) {
                        let leg2 = &self.legs[l2 as usize];
                        let y = leg2.destination;
                        if y == d
                            || y == o
                            || y == x
                            || y == x2
                            || !layover_ok(y)
                            || feeds_d.binary_search(&y).is_err()
                        {
                            continue;
                        }
                        if leg2.departs
                            < self
                                .connect_after(leg1, self.international(leg2))
                                .max(leg1.arrives + change)
                        {
                            continue;
                        }
                        // Cheap bound first: the last two legs are at least the straight line x2→d.
                        if via_x + to_d(y) > detour_limit
                            || via_x + self.distance(x2, y) + to_d(y) > detour_limit
                        {
                            continue;
                        }
                        let d_intl =
                            self.airports[y as usize].country != self.airports[d as usize].country;
                        let earliest3 = self.connect_after(leg2, d_intl);
                        for &l3 in self.route_legs(y, d, earliest3, leg2.arrives + max_layover + 1)
                        {
                            out.push(Itinerary {
                                legs: vec![l1, l2, l3],
                            });
                            if out.len() >= opts.max_results {
                                return out;
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// The local time of a leg's departure at its origin, as an offset time.
    pub fn local_departure(&self, leg: &Leg) -> DateTime<chrono::FixedOffset> {
        let tz = self.airports[leg.origin as usize].tz;
        Utc.timestamp_opt(leg.departs * 60, 0)
            .single()
            .unwrap_or_default()
            .with_timezone(&tz)
            .fixed_offset()
    }

    pub fn local_arrival(&self, leg: &Leg) -> DateTime<chrono::FixedOffset> {
        let tz = self.airports[leg.destination as usize].tz;
        Utc.timestamp_opt(leg.arrives * 60, 0)
            .single()
            .unwrap_or_default()
            .with_timezone(&tz)
            .fixed_offset()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wayfare_domain::flight::fare::Cabin;
    use wayfare_domain::flight::schedule::DaysOfWeek;

    fn ap(code: &str, country: &str, tz: Tz, lat: f64, lon: f64) -> IndexAirport {
        IndexAirport {
            code: AirportCode::parse(code).unwrap(),
            country: country.into(),
            tz,
            lat,
            lon,
        }
    }

    fn airports() -> Vec<IndexAirport> {
        use chrono_tz::{Asia, Europe};
        vec![
            ap("PVG", "CN", Asia::Shanghai, 31.1434, 121.8052),
            ap("SHA", "CN", Asia::Shanghai, 31.1979, 121.3363),
            ap("PEK", "CN", Asia::Shanghai, 40.0801, 116.5846),
            ap("PKX", "CN", Asia::Shanghai, 39.5092, 116.4106),
            ap("CAN", "CN", Asia::Shanghai, 23.3924, 113.2988),
            ap("LHR", "GB", Europe::London, 51.4706, -0.4619),
            ap("FRA", "DE", Europe::Berlin, 50.0333, 8.5706),
            ap("MAN", "GB", Europe::London, 53.3537, -2.2750),
            ap(
                "SYD",
                "AU",
                chrono_tz::Australia::Sydney,
                -33.9461,
                151.1772,
            ),
        ]
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn pat(
        carrier: &str,
        n: u16,
        o: &str,
        dst: &str,
        hh: u32,
        mm: u32,
        block: u16,
    ) -> SchedulePattern {
        SchedulePattern {
            carrier: AirlineCode::parse(carrier).unwrap(),
            flight_number: n,
            operating_carrier: None,
            origin: AirportCode::parse(o).unwrap(),
            destination: AirportCode::parse(dst).unwrap(),
            departure_local: NaiveTime::from_hms_opt(hh, mm, 0).unwrap(),
            block_minutes: block,
            days: DaysOfWeek::DAILY,
            valid_from: d(2026, 12, 1),
            valid_to: d(2026, 12, 31),
            aircraft: "359".into(),
            seats: CabinSeats {
                economy: 250,
                premium_economy: 24,
                business: 32,
                first: 0,
            },
        }
    }

    fn index() -> FlightIndex {
        let patterns = vec![
            pat("MU", 551, "PVG", "LHR", 13, 0, 780), // direct, lands 18:00 GMT
            pat("MU", 5101, "SHA", "PEK", 8, 0, 135), // domestic, lands 10:15
            pat("CA", 937, "PEK", "LHR", 13, 30, 660), // PEK connection: 195 min after 10:15 → OK
            pat("CA", 939, "PEK", "LHR", 11, 0, 660), // 45 min after arrival: below PEK's 60 DD→II? (DI = 120) → refused
            pat("MU", 5103, "PVG", "PEK", 7, 0, 140), // lands 09:20
            pat("CZ", 3101, "PKX", "LHR", 14, 0, 665), // reachable only by changing airport (PEK→PKX 180)
            pat("MU", 219, "PVG", "FRA", 12, 0, 760),  // lands 19:40 CET
            pat("LH", 900, "FRA", "MAN", 21, 30, 100), // FRA→MAN: 110 min after → OK (II 60)
            pat("LH", 902, "FRA", "LHR", 20, 0, 90),   // 20 min after: below MCT
            pat("BA", 1390, "LHR", "MAN", 20, 0, 60),
            pat("CZ", 301, "PVG", "SYD", 23, 0, 600),
        ];
        FlightIndex::build(airports(), &patterns, d(2026, 12, 1), d(2026, 12, 31))
    }

    fn q(o: &str, dst: &str, date: NaiveDate) -> SliceQuery {
        SliceQuery {
            origin: AirportCode::parse(o).unwrap(),
            destination: AirportCode::parse(dst).unwrap(),
            departure_date: date,
            departure_time: None,
            arrival_time: None,
        }
    }

    fn opts(max_connections: u8) -> SliceOptions {
        SliceOptions {
            max_connections,
            max_layover_minutes: 480,
            allow_airport_change: false,
            layover_airports: vec![],
            max_results: 1000,
        }
    }

    fn flights(index: &FlightIndex, its: &[Itinerary]) -> Vec<String> {
        let mut v: Vec<String> = its
            .iter()
            .map(|it| {
                it.legs
                    .iter()
                    .map(|&l| {
                        let f = index.flight(index.leg(l));
                        format!("{}{}", f.carrier, f.flight_number)
                    })
                    .collect::<Vec<_>>()
                    .join("+")
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn direct_flight_with_real_local_times() {
        let idx = index();
        let its = idx.search_slice(&q("PVG", "LHR", d(2026, 12, 10)), &opts(0));
        assert_eq!(flights(&idx, &its), vec!["MU551"]);
        let leg = idx.leg(its[0].legs[0]);
        assert_eq!(
            idx.local_departure(leg).to_rfc3339(),
            "2026-12-10T13:00:00+08:00"
        );
        assert_eq!(
            idx.local_arrival(leg).to_rfc3339(),
            "2026-12-10T18:00:00+00:00"
        );
        // A date without flights in the horizon finds nothing.
        assert!(
            idx.search_slice(&q("PVG", "LHR", d(2027, 1, 5)), &opts(2))
                .is_empty()
        );
    }

    #[test]
    fn connections_respect_minimum_connection_times() {
        let idx = index();
        let its = idx.search_slice(&q("SHA", "LHR", d(2026, 12, 10)), &opts(1));
        // CA937 leaves 195 min after arrival (PEK domestic→international needs 120): fine.
        // CA939 leaves 45 min after: refused.
        assert_eq!(flights(&idx, &its), vec!["MU5101+CA937"]);
        let its = idx.search_slice(&q("PVG", "MAN", d(2026, 12, 10)), &opts(1));
        assert_eq!(flights(&idx, &its), vec!["MU219+LH900", "MU551+BA1390"]);
        // No connections when direct only.
        assert!(
            idx.search_slice(&q("SHA", "LHR", d(2026, 12, 10)), &opts(0))
                .is_empty()
        );
    }

    #[test]
    fn two_stops_and_layover_limit() {
        let idx = index();
        let its = idx.search_slice(&q("SHA", "MAN", d(2026, 12, 10)), &opts(2));
        assert_eq!(flights(&idx, &its), vec!["MU5101+CA937+BA1390"]);
        // MAN only by one stop from SHA does not exist.
        assert!(
            idx.search_slice(&q("SHA", "MAN", d(2026, 12, 10)), &opts(1))
                .is_empty()
        );
        let mut short = opts(1);
        short.max_layover_minutes = 120;
        // SHA→PEK lands 10:15; CA937 at 13:30 is 195 min later: beyond a 2 h limit.
        assert!(
            idx.search_slice(&q("SHA", "LHR", d(2026, 12, 10)), &short)
                .is_empty()
        );
    }

    #[test]
    fn airport_change_only_when_allowed() {
        let idx = index();
        let without = idx.search_slice(&q("PVG", "LHR", d(2026, 12, 10)), &opts(1));
        assert!(!flights(&idx, &without).iter().any(|f| f.contains("CZ3101")));
        let mut o = opts(1);
        o.allow_airport_change = true;
        let with = idx.search_slice(&q("PVG", "LHR", d(2026, 12, 10)), &o);
        // PVG→PEK lands 09:20; PEK→PKX takes 180 min; CZ3101 leaves PKX at 14:00.
        assert!(
            flights(&idx, &with).contains(&"MU5103+CZ3101".to_owned()),
            "{:?}",
            flights(&idx, &with)
        );
    }

    #[test]
    fn overnight_flights_land_on_the_next_local_day() {
        let idx = index();
        let its = idx.search_slice(&q("PVG", "SYD", d(2026, 12, 10)), &opts(0));
        let leg = idx.leg(its[0].legs[0]);
        // 23:00 CST + 10 h = 09:00 UTC+8 next day = 12:00 AEDT (UTC+11).
        assert_eq!(
            idx.local_arrival(leg).to_rfc3339(),
            "2026-12-11T12:00:00+11:00"
        );
    }

    #[test]
    fn two_stop_connections_use_the_shorter_international_mct() {
        // At FRA an international arrival connects to an international departure in 45 min,
        // to a domestic one in 60. BA902 lands 10:30 CET; LH720 leaves 11:20 (50 min): valid.
        let patterns = vec![
            pat("BA", 902, "LHR", "FRA", 8, 0, 90),
            pat("LH", 720, "FRA", "PEK", 11, 20, 600), // lands 04:20 CST the next day
            pat("CA", 1501, "PEK", "SHA", 7, 0, 130),  // 160 min later (PEK ID = 120)
        ];
        let idx = FlightIndex::build(airports(), &patterns, d(2026, 12, 1), d(2026, 12, 31));
        let mut o = opts(2);
        o.max_layover_minutes = 600;
        let its = idx.search_slice(&q("LHR", "SHA", d(2026, 12, 10)), &o);
        assert_eq!(flights(&idx, &its), vec!["BA902+LH720+CA1501"]);
    }

    #[test]
    fn codeshares_share_the_operating_flights_seats() {
        let mut patterns = vec![pat("MU", 551, "PVG", "LHR", 13, 0, 780)];
        let mut code = pat("VS", 7011, "PVG", "LHR", 13, 0, 780);
        code.operating_carrier = Some(AirlineCode::parse("MU").unwrap());
        patterns.push(code);
        let mut idx = FlightIndex::build(airports(), &patterns, d(2026, 12, 1), d(2026, 12, 31));
        let date = d(2026, 12, 10);
        let pvg = AirportCode::parse("PVG").unwrap();
        let mu = idx
            .find_leg(AirlineCode::parse("MU").unwrap(), 551, date, pvg)
            .unwrap();
        let vs = idx
            .find_leg(AirlineCode::parse("VS").unwrap(), 7011, date, pvg)
            .unwrap();
        assert_eq!(idx.operating_leg(vs), mu);
        assert_eq!(idx.operating_leg(mu), mu);
        // 100 sold as MU551 and 50 as VS7011: 150 seats gone on the one aircraft.
        idx.apply_sales(|c, n, dt| match (c.as_str(), n, dt == date) {
            ("MU", 551, true) => Some([100, 0, 0, 0]),
            ("VS", 7011, true) => Some([50, 0, 0, 0]),
            _ => None,
        });
        assert_eq!(idx.sold(mu)[Cabin::Economy.index()], 150);
        assert_eq!(idx.sold(vs)[Cabin::Economy.index()], 150);
    }

    #[test]
    fn sales_reduce_availability() {
        let mut idx = index();
        let id = idx
            .find_leg(
                AirlineCode::parse("MU").unwrap(),
                551,
                d(2026, 12, 10),
                AirportCode::parse("PVG").unwrap(),
            )
            .unwrap();
        assert_eq!(idx.sold(id), [0; 4]);
        idx.apply_sales(|c, n, date| {
            (c.as_str() == "MU" && n == 551 && date == d(2026, 12, 10)).then_some([250, 0, 0, 0])
        });
        assert_eq!(idx.sold(id)[Cabin::Economy.index()], 250);
    }
}
