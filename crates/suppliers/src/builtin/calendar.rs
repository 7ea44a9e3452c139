//! Flexible dates and explore, answered from the built-in index.
//!
//! The calendar prices each departure day once per direction (7 outbound days, 7 return days)
//! and forms the 7×7 round-trip grid from those 14 cheapest fares in one pass, instead of 49
//! separate round-trip searches.

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use wayfare_domain::Money;
use wayfare_domain::flight::codes::AirportCode;
use wayfare_domain::flight::fare::Cabin;
use wayfare_domain::flight::search::{FlightSearch, Passengers};

use super::supplier::BuiltinFlights;

/// Days either side of the chosen date.
pub const FLEX_DAYS: i64 = 3;

/// What a calendar prices: a route, a party, a cabin and how many connections are acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarRoute {
    pub origin: AirportCode,
    pub destination: AirportCode,
    pub passengers: Passengers,
    pub cabin: Cabin,
    pub max_connections: u8,
}

impl CalendarRoute {
    fn reversed(self) -> CalendarRoute {
        CalendarRoute {
            origin: self.destination,
            destination: self.origin,
            ..self
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayPrice {
    pub date: NaiveDate,
    /// Cheapest total for the party, or `None` when nothing flies (or is left) that day.
    pub cheapest: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GridCell {
    pub departure_date: NaiveDate,
    pub return_date: NaiveDate,
    pub cheapest: Option<Money>,
}

/// A cheapest destination from an origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Destination {
    pub origin: AirportCode,
    pub destination: AirportCode,
    pub date: NaiveDate,
    pub cheapest: Money,
    pub stops: usize,
}

impl BuiltinFlights {
    /// The cheapest one-way total per day, `around` ± 3 days (days outside the schedule: None).
    pub fn cheapest_by_day(&self, route: CalendarRoute, around: NaiveDate) -> Vec<DayPrice> {
        let index = self.index();
        (-FLEX_DAYS..=FLEX_DAYS)
            .map(|offset| {
                let date = around + Duration::days(offset);
                let cheapest = if date < index.first_date() || date > index.last_date() {
                    None
                } else {
                    let search = FlightSearch::one_way(
                        route.origin,
                        route.destination,
                        date,
                        route.passengers,
                        route.cabin,
                        route.max_connections,
                    );
                    self.search_now(&search)
                        .into_iter()
                        .map(|o| o.price.total)
                        .min_by_key(|m| m.minor())
                };
                DayPrice { date, cheapest }
            })
            .collect()
    }

    /// The 7×7 round-trip grid: rows are departure days, columns return days; a cell is the
    /// cheapest outbound that day plus the cheapest return that day (None when the return is
    /// before the departure or either day has nothing).
    pub fn round_trip_grid(
        &self,
        route: CalendarRoute,
        depart: NaiveDate,
        ret: NaiveDate,
    ) -> Vec<GridCell> {
        let out = self.cheapest_by_day(route, depart);
        let back = self.cheapest_by_day(route.reversed(), ret);
        let mut cells = Vec::with_capacity(out.len() * back.len());
        for o in &out {
            for b in &back {
                let cheapest = match (o.cheapest, b.cheapest) {
                    (Some(x), Some(y)) if b.date >= o.date => x.checked_add(y).ok(),
                    _ => None,
                };
                cells.push(GridCell {
                    departure_date: o.date,
                    return_date: b.date,
                    cheapest,
                });
            }
        }
        cells
    }

    /// The cheapest destinations from `origins` over `from..=to`, cheapest first, optionally
    /// under a budget (minor units of the offer currency).
    pub fn explore(
        &self,
        origins: &[AirportCode],
        from: NaiveDate,
        to: NaiveDate,
        passengers: Passengers,
        budget_minor: Option<i64>,
        limit: usize,
    ) -> Vec<Destination> {
        let index = self.index();
        let from = from.max(index.first_date());
        let to = to.min(index.last_date());
        let mut best: std::collections::HashMap<AirportCode, Destination> =
            std::collections::HashMap::new();
        for &origin in origins {
            for dest in index.destinations_from(origin) {
                let mut date = from;
                while date <= to {
                    let search =
                        FlightSearch::one_way(origin, dest, date, passengers, Cabin::Economy, 0);
                    if let Some(o) = self
                        .search_now(&search)
                        .into_iter()
                        .min_by_key(|o| o.price.total.minor())
                    {
                        let price = o.price.total;
                        let better = best
                            .get(&dest)
                            .is_none_or(|b| price.minor() < b.cheapest.minor());
                        if better && budget_minor.is_none_or(|b| price.minor() <= b) {
                            best.insert(
                                dest,
                                Destination {
                                    origin,
                                    destination: dest,
                                    date,
                                    cheapest: price,
                                    stops: o.total_stops(),
                                },
                            );
                        }
                    }
                    date += Duration::days(1);
                }
            }
        }
        let mut list: Vec<Destination> = best
            .into_values()
            .filter(|d| !origins.contains(&d.destination))
            .collect();
        list.sort_by(|a, b| {
            a.cheapest
                .minor()
                .cmp(&b.cheapest.minor())
                .then(a.destination.cmp(&b.destination))
        });
        list.truncate(limit);
        list
    }
}
