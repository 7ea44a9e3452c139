//! The flight index: every dated leg of the built-in schedules in memory, by origin and by
//! origin–destination, so a search never runs SQL. Connections respect minimum connection times
//! and the layover limit; two-stop searches only try middle airports that fly to the
//! destination and do not stray far from the great circle.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::sync::atomic::{AtomicU16, Ordering};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use wayfare_domain::flight::codes::{AirlineCode, AirportCode};
use wayfare_domain::flight::connection::{
    ConnectionStatus, minimum_connection_minutes, same_city_airports,
};
use wayfare_domain::flight::fare::{Cabin, economy_base_major};
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
    /// A small number per country, per airport: international is a compare of two numbers.
    country_id: Vec<u16>,
    flights: Vec<FlightInfo>,
    /// Per flight: the economy base fare from its distance (see [`economy_base_major`]).
    economy_base: Vec<f64>,
    legs: Vec<Leg>,
    /// Seats sold per physical leg and cabin (a codeshare reads its operating leg's counts);
    /// atomic so bookings update it in place while searches read it.
    sold: Vec<[AtomicU16; 4]>,
    /// For a codeshare leg, the leg that physically flies (itself otherwise): both sell the same seats.
    operating_leg: Vec<u32>,
    /// Legs are sorted by (origin, departure): each origin's legs are the range `start..end`.
    by_origin: Vec<(u32, u32)>,
    /// Per (origin, destination): the range of `route_legs`/`route_departs` holding its legs,
    /// sorted by departure.
    by_route: HashMap<(u16, u16), (u32, u32), BuildHasherDefault<RouteHasher>>,
    /// Leg ids grouped by route (see `by_route`).
    route_legs: Vec<u32>,
    /// The departure (unix minutes) of each entry of `route_legs`, so the window search reads
    /// one contiguous array.
    route_departs: Vec<i64>,
    /// Airports with at least one flight to each airport.
    feeders: Vec<Vec<u16>>,
    /// Airports each airport has at least one flight to.
    served_from: Vec<Vec<u16>>,
    /// Minimum connection minutes per airport: [DD, DI, ID, II].
    mct: Vec<[u16; 4]>,
    first_date: NaiveDate,
    last_date: NaiveDate,
}

/// A fast hasher for the (origin, destination) pairs of `by_route` (FxHash's multiply-rotate).
#[derive(Default, Clone, Copy)]
struct RouteHasher(u64);

impl Hasher for RouteHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(u64::from(b));
        }
    }

    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }
}

impl RouteHasher {
    fn add(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Where a two-stop search may go on from a first stop: the airport (the stop itself or one in
/// its city), the extra transfer minutes, and the range of its usable legs to the destination.
type ContinueFrom = (u16, i64, Option<(u32, u32)>);

/// Per-query scratch space of [`FlightIndex::search_slice`], reused between queries on a
/// thread: entries are valid only when their generation is the current query's.
#[derive(Default)]
struct Scratch {
    generation: u32,
    /// Per airport, as a second stop: may it be one, its distance to the destination and its
    /// legs there.
    second: Vec<SecondStop>,
    /// Per airport y: the distance from the current first-stop airport to y, keyed by
    /// (generation, airport).
    hop: Vec<(u64, f64)>,
    /// Per airport the next flight may leave from: the second legs worth trying.
    seconds: Vec<Vec<SecondLeg>>,
}

#[derive(Default, Clone, Copy)]
struct SecondStop {
    generation: u32,
    ok: bool,
    to_d: f64,
    route: (u32, u32),
}

impl Scratch {
    fn begin(&mut self, airports: usize) {
        if self.second.len() < airports {
            self.second.resize(airports, SecondStop::default());
            self.hop.resize(airports, (0, 0.0));
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.second.fill(SecondStop::default());
            self.hop.fill((0, 0.0));
            self.generation = 1;
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
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
    index.legs.len() * (std::mem::size_of::<Leg>() + 8 + 4 + 4 + 8)
        + index.flights.len() * (std::mem::size_of::<FlightInfo>() + 8 + 8)
        + index.by_route.len() * 32
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
        let mut by_origin = vec![(0u32, 0u32); airports.len()];
        let mut start = 0usize;
        while start < legs.len() {
            let o = legs[start].origin;
            let end = start + legs[start..].partition_point(|l| l.origin == o);
            by_origin[o as usize] = (start as u32, end as u32);
            start = end;
        }
        // Each route's legs in leg order (which is departure order within an origin).
        let mut route_legs: Vec<u32> = (0..legs.len() as u32).collect();
        route_legs.sort_unstable_by_key(|&i| {
            let l = &legs[i as usize];
            (l.origin, l.destination, i)
        });
        let route_departs: Vec<i64> = route_legs
            .iter()
            .map(|&i| legs[i as usize].departs)
            .collect();
        let mut by_route: HashMap<(u16, u16), (u32, u32), BuildHasherDefault<RouteHasher>> =
            HashMap::default();
        let mut start = 0usize;
        while start < route_legs.len() {
            let first = &legs[route_legs[start] as usize];
            let key = (first.origin, first.destination);
            let end = start
                + route_legs[start..].partition_point(|&i| {
                    let l = &legs[i as usize];
                    (l.origin, l.destination) == key
                });
            by_route.insert(key, (start as u32, end as u32));
            start = end;
        }
        let mut feeders = vec![Vec::new(); airports.len()];
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
                    .and_then(|&(a, b)| {
                        let (a, b) = (a as usize, b as usize);
                        let list = &route_legs[a..b];
                        let start = route_departs[a..b].partition_point(|&t| t < l.departs);
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
        let mut countries: HashMap<&str, u16> = HashMap::new();
        let country_id: Vec<u16> = airports
            .iter()
            .map(|a| {
                let next = countries.len() as u16;
                *countries.entry(a.country.as_str()).or_insert(next)
            })
            .collect();
        let economy_base = flights
            .iter()
            .map(|f| economy_base_major(f.distance_km))
            .collect();
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
            country_id,
            flights,
            economy_base,
            sold: (0..legs.len()).map(|_| Default::default()).collect(),
            operating_leg,
            legs,
            by_origin,
            by_route,
            route_legs,
            route_departs,
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
        let (start, end) = self.by_origin[o as usize];
        (start..end).find(|&id| {
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
            .filter(|(i, _)| {
                let (start, end) = self.by_origin[*i];
                start < end
            })
            .map(|(_, a)| (a.code, great_circle_km(lat, lon, a.lat, a.lon)))
            .filter(|(_, d)| *d <= radius_km)
            .collect();
        v.sort_by(|a, b| a.1.total_cmp(&b.1));
        v
    }

    /// Legs on a route departing in `[from, to)` (unix minutes).
    fn route_legs(&self, o: u16, d: u16, from: i64, to: i64) -> &[u32] {
        match self.by_route.get(&(o, d)) {
            Some(&range) => self.route_window(range, from, to),
            None => &[],
        }
    }

    /// The legs of a route (its `by_route` range) departing in `[from, to)`.
    fn route_window(&self, route: (u32, u32), from: i64, to: i64) -> &[u32] {
        let (start, end) = self.route_window_range(route, from, to);
        &self.route_legs[start as usize..end as usize]
    }

    /// [`FlightIndex::route_window`] as a range of `route_legs`.
    fn route_window_range(&self, (start, end): (u32, u32), from: i64, to: i64) -> (u32, u32) {
        let departs = &self.route_departs[start as usize..end as usize];
        let first = departs.partition_point(|&t| t < from);
        // Windows are short (a day, a layover): walk rather than search again.
        let n = departs[first..].iter().take_while(|&&t| t < to).count();
        (start + first as u32, start + (first + n) as u32)
    }

    /// Leg ids from an origin departing in `[from, to)`.
    fn origin_window(&self, o: u16, from: i64, to: i64) -> Range<usize> {
        let (start, end) = self.by_origin[o as usize];
        let (start, end) = (start as usize, end as usize);
        let legs = &self.legs[start..end];
        let first = legs.partition_point(|l| l.departs < from);
        let last = first + legs[first..].partition_point(|l| l.departs < to);
        start + first..start + last
    }

    fn international(&self, leg: &Leg) -> bool {
        self.country_id[leg.origin as usize] != self.country_id[leg.destination as usize]
    }

    /// True when the leg's origin and destination are in different countries.
    pub fn is_international(&self, leg: &Leg) -> bool {
        self.international(leg)
    }

    /// The economy base fare of a leg's flight, in major units, from its great-circle distance:
    /// [`economy_base_major`] of [`FlightInfo::distance_km`], computed once per flight.
    pub fn economy_base(&self, leg: &Leg) -> f64 {
        self.economy_base[leg.pattern as usize]
    }

    /// Seats sold on a leg in one cabin (see [`FlightIndex::sold`]).
    pub fn sold_in(&self, id: u32, cabin: Cabin) -> u16 {
        self.sold[self.operating_leg[id as usize] as usize][cabin.index()].load(Ordering::Relaxed)
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
        let mut out = Vec::new();
        for &l1 in self.route_legs(o, d, day_start, day_end) {
            out.push(Itinerary { legs: vec![l1] });
        }
        if opts.max_connections == 0 {
            return out;
        }
        let search = Connections {
            index: self,
            o,
            d,
            day: (day_start, day_end),
            opts,
        };
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => search.run(&mut scratch, &mut out),
            Err(_) => search.run(&mut Scratch::default(), &mut out),
        });
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

/// The connecting part of one slice search.
struct Connections<'a> {
    index: &'a FlightIndex,
    o: u16,
    d: u16,
    /// The departure day at the origin, in unix minutes: `[start, end)`.
    day: (i64, i64),
    opts: &'a SliceOptions,
}

impl Connections<'_> {
    fn layover_ok(&self, a: u16) -> bool {
        self.opts.layover_airports.is_empty()
            || self
                .opts
                .layover_airports
                .contains(&self.index.airports[a as usize].code)
    }

    /// One stop, then (when allowed) two: the itineraries in the order they are found, stopping
    /// once `max_results` is reached (checked where the search always checked it).
    fn run(&self, scratch: &mut Scratch, out: &mut Vec<Itinerary>) {
        let ix = self.index;
        let (o, d) = (self.o, self.d);
        let opts = self.opts;
        let (day_start, day_end) = self.day;
        let max_layover = i64::from(opts.max_layover_minutes);
        let direct_km = ix.distance(o, d).max(1.0);
        // A connection may add at most this much distance (keeps the search near the great circle).
        let detour_limit = direct_km * 1.6 + 400.0;
        let feeds_d = &ix.feeders[d as usize];
        let country = &ix.country_id;
        scratch.begin(ix.airports.len());
        let generation = scratch.generation;
        let Scratch {
            second,
            hop,
            seconds,
            ..
        } = scratch;
        // Where the next flight may leave from (the first stop, or another airport in its
        // city), the extra minutes that takes, and the legs from there to the destination.
        let mut continue_from: Vec<ContinueFrom> = Vec::new();
        // First stops: only airports the origin flies to, near the great circle, and (for one
        // stop without airport changes) flying on to the destination.
        for &x in &ix.served_from[o as usize] {
            if out.len() >= opts.max_results {
                break;
            }
            if x == d || !self.layover_ok(x) {
                continue;
            }
            if opts.max_connections < 2
                && !opts.allow_airport_change
                && feeds_d.binary_search(&x).is_err()
            {
                continue;
            }
            let via_x = ix.distance(o, x);
            if via_x + ix.distance(x, d) > detour_limit {
                continue;
            }
            let legs_to_x = ix.route_legs(o, x, day_start, day_end);
            if legs_to_x.is_empty() {
                continue;
            }
            continue_from.clear();
            continue_from.push((x, 0, ix.by_route.get(&(x, d)).copied()));
            if opts.allow_airport_change {
                for (code, minutes) in same_city_airports(ix.airports[x as usize].code) {
                    if let Some(&idx) = ix.by_code.get(&code) {
                        continue_from.push((
                            idx,
                            i64::from(minutes),
                            ix.by_route.get(&(idx, d)).copied(),
                        ));
                    }
                }
            }
            let mct_x = ix.mct[x as usize];
            // Every l1 lands at x from o: all domestic or all international.
            let arriving_intl = country[o as usize] != country[x as usize];
            if opts.max_connections >= 2 {
                // The second legs worth trying from each x2, for all the l1 at once: what does
                // not depend on l1 is checked here, once; each l1 then takes the ones in its
                // connection window, in the same order as a scan of x2's departures would.
                let (mut first_arrival, mut last_arrival) = (i64::MAX, i64::MIN);
                for &l1 in legs_to_x {
                    let a = ix.legs[l1 as usize].arrives;
                    first_arrival = first_arrival.min(a);
                    last_arrival = last_arrival.max(a);
                }
                if seconds.len() < continue_from.len() {
                    seconds.resize_with(continue_from.len(), Vec::new);
                }
                for (&(x2, change, _), list) in continue_from.iter().zip(seconds.iter_mut()) {
                    list.clear();
                    let loosest =
                        ix.mct_at(x2, arriving_intl, false)
                            .min(ix.mct_at(x2, arriving_intl, true));
                    let from = first_arrival + i64::from(loosest).max(change);
                    let to = last_arrival + max_layover + 1;
                    let country_x2 = country[x2 as usize];
                    let hop_key = (u64::from(generation) << 16) | u64::from(x2);
                    for l2 in ix.origin_window(x2, from, to) {
                        let leg2 = &ix.legs[l2];
                        let y = leg2.destination;
                        if y == x || y == x2 {
                            continue;
                        }
                        let stop = &mut second[y as usize];
                        if stop.generation != generation {
                            let ok = y != d
                                && y != o
                                && self.layover_ok(y)
                                && feeds_d.binary_search(&y).is_ok();
                            *stop = SecondStop {
                                generation,
                                ok,
                                to_d: if ok { ix.distance(y, d) } else { 0.0 },
                                route: if ok {
                                    ix.by_route.get(&(y, d)).copied().unwrap_or((0, 0))
                                } else {
                                    (0, 0)
                                },
                            };
                        }
                        let stop = *stop;
                        if !stop.ok {
                            continue;
                        }
                        // Cheap bound first: the last two legs are at least the straight line x2→d.
                        if via_x + stop.to_d > detour_limit {
                            continue;
                        }
                        let h = &mut hop[y as usize];
                        if h.0 != hop_key {
                            *h = (hop_key, ix.distance(x2, y));
                        }
                        if via_x + h.1 + stop.to_d > detour_limit {
                            continue;
                        }
                        // leg2 leaves from x2, so it is international when y is abroad from x2.
                        let intl = country[y as usize] != country_x2;
                        let d_intl = country[y as usize] != country[d as usize];
                        let earliest3 = leg2.arrives + i64::from(ix.mct_at(y, intl, d_intl));
                        let last = ix.route_window_range(
                            stop.route,
                            earliest3,
                            leg2.arrives + max_layover + 1,
                        );
                        if last.0 < last.1 {
                            list.push(SecondLeg {
                                departs: leg2.departs,
                                id: l2 as u32,
                                intl,
                                last,
                            });
                        }
                    }
                }
            }
            for &l1 in legs_to_x {
                let leg1 = &ix.legs[l1 as usize];
                // `connect_after(leg1, departing_international)`: the MCT at x.
                let after = |departing_intl: bool| {
                    leg1.arrives
                        + i64::from(
                            mct_x[usize::from(arriving_intl) * 2 + usize::from(departing_intl)],
                        )
                };
                let latest = leg1.arrives + max_layover + 1;
                for (k, &(x2, change, to_d)) in continue_from.iter().enumerate() {
                    // One stop: x2 → d.
                    if let Some(route) = to_d {
                        let d_intl = country[x2 as usize] != country[d as usize];
                        let earliest = after(d_intl).max(leg1.arrives + change);
                        for &l2 in ix.route_window(route, earliest, latest) {
                            out.push(Itinerary { legs: vec![l1, l2] });
                        }
                    }
                    if opts.max_connections < 2 {
                        continue;
                    }
                    // Two stops: x2 → y → d, only through airports that fly to d.
                    // The loosest bound first (the shorter of domestic and international onward: at
                    // some hubs either is shorter); each candidate is checked exactly below.
                    let loosest =
                        ix.mct_at(x2, arriving_intl, false)
                            .min(ix.mct_at(x2, arriving_intl, true));
                    let earliest = leg1.arrives + i64::from(loosest).max(change);
                    let need_domestic = after(false).max(leg1.arrives + change);
                    let need_intl = after(true).max(leg1.arrives + change);
                    let list = &seconds[k];
                    let start = list.partition_point(|e| e.departs < earliest);
                    for e in &list[start..] {
                        if e.departs >= latest {
                            break;
                        }
                        if e.departs < if e.intl { need_intl } else { need_domestic } {
                            continue;
                        }
                        for &l3 in &ix.route_legs[e.last.0 as usize..e.last.1 as usize] {
                            out.push(Itinerary {
                                legs: vec![l1, e.id, l3],
                            });
                            if out.len() >= opts.max_results {
                                return;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A second leg x2 → y that some first leg may connect to, with the last legs y → d it
/// connects to in turn (a range of `route_legs`).
#[derive(Debug, Clone, Copy)]
struct SecondLeg {
    departs: i64,
    id: u32,
    intl: bool,
    last: (u32, u32),
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

    /// The slice search as first written (one lookup per step, no scratch space): the fast
    /// search must find the same itineraries in the same order.
    fn reference_search(idx: &FlightIndex, q: &SliceQuery, opts: &SliceOptions) -> Vec<Itinerary> {
        let (Some(&o), Some(&d)) = (idx.by_code.get(&q.origin), idx.by_code.get(&q.destination))
        else {
            return Vec::new();
        };
        let tz = idx.airports[o as usize].tz;
        let day_start = unix_minutes(local_to_utc(tz, q.departure_date, NaiveTime::MIN));
        let day_end = unix_minutes(local_to_utc(
            tz,
            q.departure_date + Duration::days(1),
            NaiveTime::MIN,
        ));
        let connect_after = |arriving: &Leg, departing_intl: bool| {
            arriving.arrives
                + i64::from(idx.mct_at(
                    arriving.destination,
                    idx.airports[arriving.origin as usize].country
                        != idx.airports[arriving.destination as usize].country,
                    departing_intl,
                ))
        };
        let intl = |l: &Leg| {
            idx.airports[l.origin as usize].country != idx.airports[l.destination as usize].country
        };
        let max_layover = i64::from(opts.max_layover_minutes);
        let direct_km = idx.distance(o, d).max(1.0);
        let from_o = |a: u16| idx.distance(o, a);
        let to_d = |a: u16| idx.distance(a, d);
        let detour_limit = direct_km * 1.6 + 400.0;
        let layover_ok = |a: u16| {
            opts.layover_airports.is_empty()
                || opts
                    .layover_airports
                    .contains(&idx.airports[a as usize].code)
        };
        let mut out = Vec::new();
        for &l1 in idx.route_legs(o, d, day_start, day_end) {
            out.push(Itinerary { legs: vec![l1] });
        }
        if opts.max_connections == 0 {
            return out;
        }
        let feeds_d = &idx.feeders[d as usize];
        for &x in &idx.served_from[o as usize] {
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
            for &l1 in idx.route_legs(o, x, day_start, day_end) {
                let leg1 = &idx.legs[l1 as usize];
                let mut continue_from: Vec<(u16, i64)> = vec![(x, 0)];
                if opts.allow_airport_change {
                    for (code, minutes) in same_city_airports(idx.airports[x as usize].code) {
                        if let Some(&i) = idx.by_code.get(&code) {
                            continue_from.push((i, i64::from(minutes)));
                        }
                    }
                }
                for &(x2, change) in &continue_from {
                    if feeds_d.binary_search(&x2).is_ok() {
                        let d_intl =
                            idx.airports[x2 as usize].country != idx.airports[d as usize].country;
                        let earliest = connect_after(leg1, d_intl).max(leg1.arrives + change);
                        for &l2 in idx.route_legs(x2, d, earliest, leg1.arrives + max_layover + 1) {
                            out.push(Itinerary { legs: vec![l1, l2] });
                        }
                    }
                    if opts.max_connections < 2 {
                        continue;
                    }
                    let arriving_intl = intl(leg1);
                    let loosest = idx.mct_at(x2, arriving_intl, false).min(idx.mct_at(
                        x2,
                        arriving_intl,
                        true,
                    ));
                    let earliest = leg1.arrives + i64::from(loosest).max(change);
                    let (a, b) = idx.by_origin[x2 as usize];
                    for l2 in a..b {
                        let leg2 = &idx.legs[l2 as usize];
                        if leg2.departs < earliest || leg2.departs > leg1.arrives + max_layover {
                            continue;
                        }
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
                        if leg2.departs < connect_after(leg1, intl(leg2)).max(leg1.arrives + change)
                        {
                            continue;
                        }
                        if via_x + to_d(y) > detour_limit
                            || via_x + idx.distance(x2, y) + to_d(y) > detour_limit
                        {
                            continue;
                        }
                        let d_intl =
                            idx.airports[y as usize].country != idx.airports[d as usize].country;
                        let earliest3 = connect_after(leg2, d_intl);
                        for &l3 in idx.route_legs(y, d, earliest3, leg2.arrives + max_layover + 1) {
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

    #[test]
    fn fast_search_matches_the_reference_search() {
        use chrono_tz::{America, Asia, Europe};
        // A small random network around real city pairs (for airport changes and hub MCTs).
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut rnd = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let named: &[(&str, &str, Tz, f64, f64)] = &[
            ("PEK", "CN", Asia::Shanghai, 40.08, 116.58),
            ("PKX", "CN", Asia::Shanghai, 39.51, 116.41),
            ("PVG", "CN", Asia::Shanghai, 31.14, 121.81),
            ("SHA", "CN", Asia::Shanghai, 31.20, 121.34),
            ("CAN", "CN", Asia::Shanghai, 23.39, 113.30),
            ("LHR", "GB", Europe::London, 51.47, -0.46),
            ("LGW", "GB", Europe::London, 51.15, -0.18),
            ("FRA", "DE", Europe::Berlin, 50.03, 8.57),
            ("JFK", "US", America::New_York, 40.64, -73.78),
            ("HND", "JP", Asia::Tokyo, 35.55, 139.78),
            ("NRT", "JP", Asia::Tokyo, 35.77, 140.39),
        ];
        let mut aps: Vec<IndexAirport> = named
            .iter()
            .map(|&(c, country, tz, lat, lon)| ap(c, country, tz, lat, lon))
            .collect();
        for i in 0..30u8 {
            let code = format!(
                "Q{}{}",
                char::from(b'A' + i / 26),
                char::from(b'A' + i % 26)
            );
            let (country, tz) = match i % 3 {
                0 => ("CN", Asia::Shanghai),
                1 => ("DE", Europe::Berlin),
                _ => ("JP", Asia::Tokyo),
            };
            let lat = 20.0 + rnd(3000) as f64 / 100.0;
            let lon = 100.0 + rnd(4000) as f64 / 100.0 - if i % 3 == 1 { 95.0 } else { 0.0 };
            aps.push(ap(&code, country, tz, lat, lon));
        }
        let codes: Vec<String> = aps.iter().map(|a| a.code.to_string()).collect();
        let mut patterns = Vec::new();
        for n in 0..900u16 {
            let o = rnd(codes.len() as u64) as usize;
            let mut dst = rnd(codes.len() as u64) as usize;
            if dst == o {
                dst = (dst + 1) % codes.len();
            }
            let mut p = pat(
                ["MU", "CA", "LH", "BA"][n as usize % 4],
                n + 1,
                &codes[o],
                &codes[dst],
                rnd(24) as u32,
                (rnd(12) * 5) as u32,
                60 + rnd(600) as u16,
            );
            if n % 7 == 0 {
                p.days = DaysOfWeek(0b101_0101);
            }
            patterns.push(p);
        }
        let idx = FlightIndex::build(aps.clone(), &patterns, d(2026, 12, 1), d(2026, 12, 31));
        let mut checked = 0;
        let mut found = 0;
        let mut two_stops = 0;
        for qn in 0..400u64 {
            let o = rnd(codes.len() as u64) as usize;
            let dst = rnd(codes.len() as u64) as usize;
            if o == dst {
                continue;
            }
            let date = d(2026, 12, 2 + (qn % 25) as u32);
            let mut opts = opts(1 + (qn % 2) as u8);
            opts.allow_airport_change = qn % 3 == 0;
            opts.max_layover_minutes = [480, 240, 1440][(qn % 5 % 3) as usize];
            if qn % 11 == 0 {
                opts.layover_airports = vec![aps[0].code, aps[2].code, aps[7].code, aps[12].code];
            }
            if qn % 4 == 1 {
                opts.max_results = 1 + rnd(40) as usize;
            }
            let query = q(&codes[o], &codes[dst], date);
            let want = reference_search(&idx, &query, &opts);
            let got = idx.search_slice(&query, &opts);
            assert_eq!(got, want, "{query:?} {opts:?}");
            checked += 1;
            found += got.len();
            two_stops += got.iter().filter(|it| it.legs.len() == 3).count();
        }
        assert!(
            checked > 300 && found > 1000 && two_stops > 200,
            "{checked} queries, {found} itineraries, {two_stops} with two stops"
        );
    }
}
