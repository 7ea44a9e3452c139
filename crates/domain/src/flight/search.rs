//! A flight search as the traveller asks it, and its validation. Every refusal names the field
//! (`slices[1].departure_date`) and a reason key the web layer translates.

use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;

use super::codes::{AirlineCode, AirportCode};
use super::connection::{DEFAULT_MAX_LAYOVER_MINUTES, MAX_LAYOVER_LIMIT_MINUTES};
use super::fare::Cabin;

pub const MAX_SLICES: usize = 6;
pub const MAX_SEATS: u8 = 9;

/// The request body of `POST /api/v1/flights/search`, as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchBody {
    pub slices: Vec<SliceBody>,
    #[serde(default)]
    pub passengers: Option<PassengersBody>,
    #[serde(default)]
    pub cabin_class: Option<String>,
    #[serde(default)]
    pub max_connections: Option<u8>,
    /// Only these marketing carriers.
    #[serde(default)]
    pub airlines: Vec<String>,
    /// Never these carriers.
    #[serde(default)]
    pub exclude_airlines: Vec<String>,
    /// Price range for the whole party, in the offer currency, as decimal strings.
    #[serde(default)]
    pub min_price: Option<String>,
    #[serde(default)]
    pub max_price: Option<String>,
    #[serde(default)]
    pub max_duration_minutes: Option<u32>,
    /// Connections only at these airports.
    #[serde(default)]
    pub layover_airports: Vec<String>,
    #[serde(default)]
    pub max_layover_minutes: Option<u16>,
    /// Allow changing airport within a city on a connection (PEK↔PKX, PVG↔SHA …).
    #[serde(default)]
    pub allow_airport_change: bool,
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SliceBody {
    pub origin: String,
    pub destination: String,
    pub departure_date: String,
    #[serde(default)]
    pub departure_time: Option<TimeWindowBody>,
    #[serde(default)]
    pub arrival_time: Option<TimeWindowBody>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeWindowBody {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassengersBody {
    #[serde(default = "one")]
    pub adults: u8,
    #[serde(default)]
    pub children: u8,
    #[serde(default)]
    pub infants: u8,
}

fn one() -> u8 {
    1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Passengers {
    pub adults: u8,
    pub children: u8,
    /// On an adult's lap: no seat.
    pub infants: u8,
}

impl Passengers {
    pub fn seats(self) -> u32 {
        u32::from(self.adults) + u32::from(self.children)
    }
}

/// Local departure or arrival times accepted, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    pub from: NaiveTime,
    pub to: NaiveTime,
}

impl TimeWindow {
    pub fn contains(&self, t: NaiveTime) -> bool {
        if self.from <= self.to {
            t >= self.from && t <= self.to
        } else {
            // A window over midnight, e.g. 22:00–06:00.
            t >= self.from || t <= self.to
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SliceQuery {
    pub origin: AirportCode,
    pub destination: AirportCode,
    pub departure_date: NaiveDate,
    pub departure_time: Option<TimeWindow>,
    pub arrival_time: Option<TimeWindow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Best,
    Price,
    Duration,
    Departure,
    Arrival,
}

impl SortBy {
    pub fn parse(s: &str) -> Option<SortBy> {
        match s {
            "best" => Some(SortBy::Best),
            "price" => Some(SortBy::Price),
            "duration" => Some(SortBy::Duration),
            "departure" => Some(SortBy::Departure),
            "arrival" => Some(SortBy::Arrival),
            _ => None,
        }
    }
}

/// A validated search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlightSearch {
    pub slices: Vec<SliceQuery>,
    pub passengers: Passengers,
    pub cabin: Cabin,
    pub max_connections: u8,
    pub airlines: Vec<AirlineCode>,
    pub exclude_airlines: Vec<AirlineCode>,
    /// Minor units of the offer currency.
    pub min_price_minor: Option<i64>,
    pub max_price_minor: Option<i64>,
    pub max_duration_minutes: Option<u32>,
    pub layover_airports: Vec<AirportCode>,
    pub max_layover_minutes: u16,
    pub allow_airport_change: bool,
    pub sort: SortBy,
    pub limit: usize,
}

/// Default and largest number of offers returned (the big flight APIs cap at a few hundred).
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 500;

/// A refused field: the path and a Fluent reason key, with an optional numeric argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub reason: &'static str,
    pub arg: Option<(&'static str, i64)>,
}

fn err(field: impl Into<String>, reason: &'static str) -> FieldError {
    FieldError {
        field: field.into(),
        reason,
        arg: None,
    }
}

/// What validation needs to know about the world.
pub trait SearchContext {
    fn airport_known(&self, code: AirportCode) -> bool;
    /// Today's date at the airport (a departure date is local to its origin).
    fn local_today(&self, code: AirportCode) -> NaiveDate;
    /// The last date with schedules.
    fn last_date(&self) -> NaiveDate;
    /// Decimal places of the offer currency (for price filters).
    fn currency_exponent(&self) -> u32;
}

fn parse_time(field: String, s: &str) -> Result<NaiveTime, FieldError> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| err(field, "reason-invalid-time"))
}

fn parse_price(field: &str, s: &str, exponent: u32) -> Result<i64, FieldError> {
    let d: rust_decimal::Decimal = s
        .trim()
        .parse()
        .map_err(|_| err(field, "reason-not-a-number"))?;
    if d.is_sign_negative() {
        return Err(err(field, "reason-not-a-number"));
    }
    let scaled = d * rust_decimal::Decimal::from(10i64.pow(exponent));
    i64::try_from(scaled.trunc()).map_err(|_| err(field, "reason-out-of-range"))
}

impl FlightSearch {
    /// Validates a request body. The first problem found is returned.
    pub fn validate(
        body: &SearchBody,
        ctx: &dyn SearchContext,
    ) -> Result<FlightSearch, FieldError> {
        if body.slices.is_empty() || body.slices.len() > MAX_SLICES {
            return Err(FieldError {
                field: "slices".into(),
                reason: "reason-slice-count",
                arg: Some(("max", MAX_SLICES as i64)),
            });
        }
        let mut slices = Vec::with_capacity(body.slices.len());
        for (i, s) in body.slices.iter().enumerate() {
            let f = |name: &str| format!("slices[{i}].{name}");
            let origin = AirportCode::parse(&s.origin)
                .ok()
                .filter(|c| ctx.airport_known(*c))
                .ok_or_else(|| err(f("origin"), "reason-unknown-airport"))?;
            let destination = AirportCode::parse(&s.destination)
                .ok()
                .filter(|c| ctx.airport_known(*c))
                .ok_or_else(|| err(f("destination"), "reason-unknown-airport"))?;
            if origin == destination {
                return Err(err(f("destination"), "reason-same-origin-destination"));
            }
            let date = NaiveDate::parse_from_str(s.departure_date.trim(), "%Y-%m-%d")
                .map_err(|_| err(f("departure_date"), "reason-invalid-date"))?;
            if date < ctx.local_today(origin) {
                return Err(err(f("departure_date"), "reason-date-in-past"));
            }
            if date > ctx.last_date() {
                return Err(err(f("departure_date"), "reason-date-beyond-horizon"));
            }
            if let Some(prev) = slices.last().map(|p: &SliceQuery| p.departure_date)
                && date < prev
            {
                return Err(err(f("departure_date"), "reason-date-before-previous"));
            }
            let departure_time = s
                .departure_time
                .as_ref()
                .map(|w| -> Result<TimeWindow, FieldError> {
                    Ok(TimeWindow {
                        from: parse_time(f("departure_time.from"), &w.from)?,
                        to: parse_time(f("departure_time.to"), &w.to)?,
                    })
                })
                .transpose()?;
            let arrival_time = s
                .arrival_time
                .as_ref()
                .map(|w| -> Result<TimeWindow, FieldError> {
                    Ok(TimeWindow {
                        from: parse_time(f("arrival_time.from"), &w.from)?,
                        to: parse_time(f("arrival_time.to"), &w.to)?,
                    })
                })
                .transpose()?;
            slices.push(SliceQuery {
                origin,
                destination,
                departure_date: date,
                departure_time,
                arrival_time,
            });
        }
        let p = body.passengers.unwrap_or(PassengersBody {
            adults: 1,
            children: 0,
            infants: 0,
        });
        if p.adults == 0 {
            return Err(err("passengers.adults", "reason-adult-required"));
        }
        if p.infants > p.adults {
            return Err(err("passengers.infants", "reason-infants-exceed-adults"));
        }
        let passengers = Passengers {
            adults: p.adults,
            children: p.children,
            infants: p.infants,
        };
        if passengers.seats() + u32::from(p.infants) > u32::from(MAX_SEATS) {
            return Err(FieldError {
                field: "passengers".into(),
                reason: "reason-too-many-passengers",
                arg: Some(("max", i64::from(MAX_SEATS))),
            });
        }
        let cabin = match body.cabin_class.as_deref() {
            None => Cabin::Economy,
            Some(c) => Cabin::parse(c).ok_or_else(|| err("cabin_class", "reason-unknown-cabin"))?,
        };
        let max_connections = body.max_connections.unwrap_or(1);
        if max_connections > 2 {
            return Err(FieldError {
                field: "max_connections".into(),
                reason: "reason-max-connections",
                arg: Some(("max", 2)),
            });
        }
        let carriers = |field: &str, list: &[String]| -> Result<Vec<AirlineCode>, FieldError> {
            list.iter()
                .map(|c| AirlineCode::parse(c).map_err(|_| err(field, "reason-unknown-airline")))
                .collect()
        };
        let airlines = carriers("airlines", &body.airlines)?;
        let exclude_airlines = carriers("exclude_airlines", &body.exclude_airlines)?;
        let layover_airports = body
            .layover_airports
            .iter()
            .map(|c| {
                AirportCode::parse(c)
                    .ok()
                    .filter(|a| ctx.airport_known(*a))
                    .ok_or_else(|| err("layover_airports", "reason-unknown-airport"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let exp = ctx.currency_exponent();
        let min_price_minor = body
            .min_price
            .as_deref()
            .map(|s| parse_price("min_price", s, exp))
            .transpose()?;
        let max_price_minor = body
            .max_price
            .as_deref()
            .map(|s| parse_price("max_price", s, exp))
            .transpose()?;
        if let (Some(lo), Some(hi)) = (min_price_minor, max_price_minor)
            && lo > hi
        {
            return Err(err("max_price", "reason-range-inverted"));
        }
        let max_layover_minutes = body
            .max_layover_minutes
            .unwrap_or(DEFAULT_MAX_LAYOVER_MINUTES);
        if max_layover_minutes == 0 || max_layover_minutes > MAX_LAYOVER_LIMIT_MINUTES {
            return Err(FieldError {
                field: "max_layover_minutes".into(),
                reason: "reason-limit-range",
                arg: Some(("max", i64::from(MAX_LAYOVER_LIMIT_MINUTES))),
            });
        }
        let sort = match body.sort.as_deref() {
            None => SortBy::Best,
            Some(s) => SortBy::parse(s).ok_or_else(|| err("sort", "reason-unknown-sort"))?,
        };
        let limit = body.limit.map(|l| l as usize).unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(FieldError {
                field: "limit".into(),
                reason: "reason-limit-range",
                arg: Some(("max", MAX_LIMIT as i64)),
            });
        }
        Ok(FlightSearch {
            slices,
            passengers,
            cabin,
            max_connections,
            airlines,
            exclude_airlines,
            min_price_minor,
            max_price_minor,
            max_duration_minutes: body.max_duration_minutes,
            layover_airports,
            max_layover_minutes,
            allow_airport_change: body.allow_airport_change,
            sort,
            limit,
        })
    }

    /// A one-way search with no filters: the shape calendars, explore and benchmarks ask.
    pub fn one_way(
        origin: AirportCode,
        destination: AirportCode,
        date: NaiveDate,
        passengers: Passengers,
        cabin: Cabin,
        max_connections: u8,
    ) -> FlightSearch {
        FlightSearch {
            slices: vec![SliceQuery {
                origin,
                destination,
                departure_date: date,
                departure_time: None,
                arrival_time: None,
            }],
            passengers,
            cabin,
            max_connections,
            airlines: vec![],
            exclude_airlines: vec![],
            min_price_minor: None,
            max_price_minor: None,
            max_duration_minutes: None,
            layover_airports: vec![],
            max_layover_minutes: DEFAULT_MAX_LAYOVER_MINUTES,
            allow_airport_change: false,
            sort: SortBy::Price,
            limit: DEFAULT_LIMIT,
        }
    }

    /// Two slices, the second flying the first back.
    pub fn is_round_trip(&self) -> bool {
        self.slices.len() == 2
            && self.slices[0].origin == self.slices[1].destination
            && self.slices[0].destination == self.slices[1].origin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Ctx;
    impl SearchContext for Ctx {
        fn airport_known(&self, code: AirportCode) -> bool {
            ["PVG", "LHR", "PEK", "SHA", "JFK"].contains(&code.as_str())
        }
        fn local_today(&self, _: AirportCode) -> NaiveDate {
            NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
        }
        fn last_date(&self) -> NaiveDate {
            NaiveDate::from_ymd_opt(2027, 1, 22).unwrap()
        }
        fn currency_exponent(&self) -> u32 {
            2
        }
    }

    fn slice(o: &str, d: &str, date: &str) -> SliceBody {
        SliceBody {
            origin: o.into(),
            destination: d.into(),
            departure_date: date.into(),
            ..Default::default()
        }
    }

    fn body(slices: Vec<SliceBody>) -> SearchBody {
        SearchBody {
            slices,
            ..Default::default()
        }
    }

    fn refusal(b: SearchBody) -> (String, &'static str) {
        let e = FlightSearch::validate(&b, &Ctx).unwrap_err();
        (e.field, e.reason)
    }

    #[test]
    fn a_plain_one_way_gets_defaults() {
        let s =
            FlightSearch::validate(&body(vec![slice("pvg", "LHR", "2026-12-10")]), &Ctx).unwrap();
        assert_eq!(s.slices[0].origin.as_str(), "PVG");
        assert_eq!(
            s.passengers,
            Passengers {
                adults: 1,
                children: 0,
                infants: 0
            }
        );
        assert_eq!(
            (s.cabin, s.max_connections, s.sort, s.limit),
            (Cabin::Economy, 1, SortBy::Best, 50)
        );
        assert!(!s.is_round_trip());
        let rt = FlightSearch::validate(
            &body(vec![
                slice("PVG", "LHR", "2026-12-10"),
                slice("LHR", "PVG", "2026-12-17"),
            ]),
            &Ctx,
        )
        .unwrap();
        assert!(rt.is_round_trip());
    }

    #[test]
    fn every_bad_field_is_named() {
        assert_eq!(
            refusal(body(vec![])),
            ("slices".into(), "reason-slice-count")
        );
        assert_eq!(
            refusal(body(vec![slice("XXX", "LHR", "2026-12-10")])),
            ("slices[0].origin".into(), "reason-unknown-airport")
        );
        assert_eq!(
            refusal(body(vec![slice("PVG", "PV", "2026-12-10")])),
            ("slices[0].destination".into(), "reason-unknown-airport")
        );
        assert_eq!(
            refusal(body(vec![slice("PVG", "pvg", "2026-12-10")])),
            (
                "slices[0].destination".into(),
                "reason-same-origin-destination"
            )
        );
        assert_eq!(
            refusal(body(vec![slice("PVG", "LHR", "10/12/2026")])),
            ("slices[0].departure_date".into(), "reason-invalid-date")
        );
        assert_eq!(
            refusal(body(vec![slice("PVG", "LHR", "2026-02-30")])),
            ("slices[0].departure_date".into(), "reason-invalid-date")
        );
        assert_eq!(
            refusal(body(vec![slice("PVG", "LHR", "2026-11-23")])),
            ("slices[0].departure_date".into(), "reason-date-in-past")
        );
        assert_eq!(
            refusal(body(vec![slice("PVG", "LHR", "2027-06-01")])),
            (
                "slices[0].departure_date".into(),
                "reason-date-beyond-horizon"
            )
        );
        assert_eq!(
            refusal(body(vec![
                slice("PVG", "LHR", "2026-12-10"),
                slice("LHR", "PVG", "2026-12-09")
            ])),
            (
                "slices[1].departure_date".into(),
                "reason-date-before-previous"
            )
        );
        let seven = (0..7).map(|_| slice("PVG", "LHR", "2026-12-10")).collect();
        assert_eq!(
            refusal(body(seven)),
            ("slices".into(), "reason-slice-count")
        );
        let mut b = body(vec![slice("PVG", "LHR", "2026-12-10")]);
        b.passengers = Some(PassengersBody {
            adults: 1,
            children: 0,
            infants: 2,
        });
        assert_eq!(
            refusal(b.clone()),
            ("passengers.infants".into(), "reason-infants-exceed-adults")
        );
        b.passengers = Some(PassengersBody {
            adults: 6,
            children: 4,
            infants: 0,
        });
        assert_eq!(
            refusal(b.clone()),
            ("passengers".into(), "reason-too-many-passengers")
        );
        b.passengers = Some(PassengersBody {
            adults: 0,
            children: 2,
            infants: 0,
        });
        assert_eq!(
            refusal(b.clone()),
            ("passengers.adults".into(), "reason-adult-required")
        );
        b.passengers = None;
        b.cabin_class = Some("luxury".into());
        assert_eq!(
            refusal(b.clone()),
            ("cabin_class".into(), "reason-unknown-cabin")
        );
        b.cabin_class = None;
        b.max_connections = Some(3);
        assert_eq!(
            refusal(b.clone()),
            ("max_connections".into(), "reason-max-connections")
        );
        b.max_connections = None;
        b.min_price = Some("900".into());
        b.max_price = Some("100".into());
        assert_eq!(
            refusal(b.clone()),
            ("max_price".into(), "reason-range-inverted")
        );
        b.min_price = None;
        b.max_price = Some("-1".into());
        assert_eq!(
            refusal(b.clone()),
            ("max_price".into(), "reason-not-a-number")
        );
        b.max_price = None;
        b.sort = Some("cheapest".into());
        assert_eq!(refusal(b.clone()), ("sort".into(), "reason-unknown-sort"));
        b.sort = None;
        b.airlines = vec!["C".into()];
        assert_eq!(
            refusal(b.clone()),
            ("airlines".into(), "reason-unknown-airline")
        );
        b.airlines = vec![];
        b.slices[0].departure_time = Some(TimeWindowBody {
            from: "25:00".into(),
            to: "10:00".into(),
        });
        assert_eq!(
            refusal(b.clone()),
            (
                "slices[0].departure_time.from".into(),
                "reason-invalid-time"
            )
        );
    }

    #[test]
    fn time_windows_may_cross_midnight() {
        let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
        let night = TimeWindow {
            from: t(22),
            to: t(6),
        };
        assert!(night.contains(t(23)) && night.contains(t(5)) && !night.contains(t(12)));
        let day = TimeWindow {
            from: t(8),
            to: t(12),
        };
        assert!(day.contains(t(8)) && day.contains(t(12)) && !day.contains(t(13)));
    }
}
