//! Flexible dates (`GET /api/v1/flights/calendar`) and explore (`GET /api/v1/flights/explore`).

use axum::Json;
use axum::extract::State;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wayfare_domain::Money;
use wayfare_domain::flight::codes::AirportCode;
use wayfare_domain::flight::fare::Cabin;
use wayfare_domain::flight::search::{MAX_SEATS, Passengers};
use wayfare_suppliers::builtin::calendar::CalendarRoute;

use crate::api::types::{ErrorBody, MoneyJson};
use crate::error::{ErrorCode, WebError};
use crate::extract::ApiQuery;
use crate::middleware::RequestContext;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct CalendarQuery {
    origin: String,
    destination: String,
    /// The chosen outbound date; the calendar covers ±3 days.
    departure_date: String,
    /// With a return date the answer is the 7×7 round-trip grid.
    return_date: Option<String>,
    adults: Option<u8>,
    children: Option<u8>,
    infants: Option<u8>,
    cabin_class: Option<String>,
    max_connections: Option<u8>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayPriceJson {
    pub date: String,
    pub cheapest: Option<MoneyJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GridCellJson {
    pub departure_date: String,
    pub return_date: String,
    pub cheapest: Option<MoneyJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarResponse {
    /// One-way: the 7 days around the chosen date.
    pub days: Vec<DayPriceJson>,
    /// Round trip: 49 cells, departure days by return days.
    pub grid: Vec<GridCellJson>,
}

fn airport(state: &AppState, field: &str, code: &str) -> Result<AirportCode, WebError> {
    AirportCode::parse(code)
        .ok()
        .filter(|c| state.airports().get(c.as_str()).is_some())
        .ok_or_else(|| WebError::invalid_field(field, "reason-unknown-airport"))
}

fn date(field: &str, s: &str) -> Result<NaiveDate, WebError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| WebError::invalid_field(field, "reason-invalid-date"))
}

fn passengers(
    adults: Option<u8>,
    children: Option<u8>,
    infants: Option<u8>,
) -> Result<Passengers, WebError> {
    let p = Passengers {
        adults: adults.unwrap_or(1),
        children: children.unwrap_or(0),
        infants: infants.unwrap_or(0),
    };
    if p.adults == 0 {
        return Err(WebError::invalid_field("adults", "reason-adult-required"));
    }
    if p.infants > p.adults {
        return Err(WebError::invalid_field(
            "infants",
            "reason-infants-exceed-adults",
        ));
    }
    if p.seats() + u32::from(p.infants) > u32::from(MAX_SEATS) {
        return Err(
            WebError::invalid_field("adults", "reason-too-many-passengers")
                .arg("max", i64::from(MAX_SEATS)),
        );
    }
    Ok(p)
}

fn money(m: Option<Money>) -> Option<MoneyJson> {
    m.map(MoneyJson::from)
}

/// Cheapest prices around the chosen dates.
#[utoipa::path(get, path = "/flights/calendar", tag = "flights", params(CalendarQuery),
    responses(
        (status = 200, description = "7 days (one-way) or a 7×7 grid (round trip)", body = CalendarResponse),
        (status = 422, description = "Invalid airport, date or party", body = ErrorBody),
    ))]
pub async fn calendar(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<CalendarQuery>,
) -> Result<Json<CalendarResponse>, WebError> {
    let origin = airport(&state, "origin", &q.origin)?;
    let destination = airport(&state, "destination", &q.destination)?;
    if origin == destination {
        return Err(WebError::invalid_field(
            "destination",
            "reason-same-origin-destination",
        ));
    }
    let depart = date("departure_date", &q.departure_date)?;
    let ret = q
        .return_date
        .as_deref()
        .map(|r| date("return_date", r))
        .transpose()?;
    if ret.is_some_and(|r| r < depart) {
        return Err(WebError::invalid_field(
            "return_date",
            "reason-date-before-previous",
        ));
    }
    let flights = state.flights();
    let today = flights.now().date_naive();
    for (field, d) in [("departure_date", Some(depart)), ("return_date", ret)] {
        if let Some(d) = d {
            if d < today {
                return Err(WebError::invalid_field(field, "reason-date-in-past"));
            }
            if d > flights.last_date() {
                return Err(WebError::invalid_field(field, "reason-date-beyond-horizon"));
            }
        }
    }
    let party = passengers(q.adults, q.children, q.infants)?;
    let cabin = match q.cabin_class.as_deref() {
        None => Cabin::Economy,
        Some(c) => Cabin::parse(c)
            .ok_or_else(|| WebError::invalid_field("cabin_class", "reason-unknown-cabin"))?,
    };
    let max_connections = q.max_connections.unwrap_or(1);
    if max_connections > 2 {
        return Err(
            WebError::invalid_field("max_connections", "reason-max-connections").arg("max", 2),
        );
    }
    let Some(builtin) = flights.builtin().cloned() else {
        return Ok(Json(CalendarResponse {
            days: vec![],
            grid: vec![],
        }));
    };
    let route = CalendarRoute {
        origin,
        destination,
        passengers: party,
        cabin,
        max_connections,
    };
    let (days, grid) = tokio::task::spawn_blocking(move || match ret {
        None => (builtin.cheapest_by_day(route, depart), Vec::new()),
        Some(r) => (Vec::new(), builtin.round_trip_grid(route, depart, r)),
    })
    .await
    .map_err(WebError::internal)?;
    let today_ok = |d: NaiveDate| d >= today;
    Ok(Json(CalendarResponse {
        days: days
            .into_iter()
            .map(|d| DayPriceJson {
                date: d.date.to_string(),
                cheapest: if today_ok(d.date) {
                    money(d.cheapest)
                } else {
                    None
                },
            })
            .collect(),
        grid: grid
            .into_iter()
            .map(|c| GridCellJson {
                departure_date: c.departure_date.to_string(),
                return_date: c.return_date.to_string(),
                cheapest: if today_ok(c.departure_date) {
                    money(c.cheapest)
                } else {
                    None
                },
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ExploreQuery {
    /// Start from this airport (or give `lat`/`lon`).
    origin: Option<String>,
    /// The traveller's position (browser geolocation).
    lat: Option<f64>,
    lon: Option<f64>,
    /// Radius for nearby airports, km (default 150, at most 500).
    radius_km: Option<f64>,
    /// First and last departure dates (default: the next 14 days).
    from: Option<String>,
    to: Option<String>,
    /// Whole-party budget in the offer currency.
    budget: Option<String>,
    adults: Option<u8>,
    limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NearbyAirportJson {
    pub iata: String,
    pub display_name: String,
    pub distance_km: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DestinationJson {
    pub origin: String,
    pub destination: String,
    pub display_name: String,
    pub city: String,
    pub country: String,
    pub date: String,
    pub cheapest: MoneyJson,
    pub stops: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExploreResponse {
    pub origins: Vec<NearbyAirportJson>,
    pub destinations: Vec<DestinationJson>,
}

/// Cheapest destinations from where you are.
#[utoipa::path(get, path = "/flights/explore", tag = "flights", params(ExploreQuery),
    responses(
        (status = 200, description = "Nearby origin airports and the cheapest destinations, cheapest first", body = ExploreResponse),
        (status = 422, description = "Invalid position, airport, dates or budget", body = ErrorBody),
    ))]
pub async fn explore(
    State(state): State<AppState>,
    ctx: RequestContext,
    ApiQuery(q): ApiQuery<ExploreQuery>,
) -> Result<Json<ExploreResponse>, WebError> {
    let flights = state.flights();
    let Some(builtin) = flights.builtin().cloned() else {
        return Ok(Json(ExploreResponse {
            origins: vec![],
            destinations: vec![],
        }));
    };
    let index = builtin.index();
    let radius = q.radius_km.unwrap_or(150.0);
    if !(1.0..=500.0).contains(&radius) {
        return Err(WebError::invalid_field("radius_km", "reason-limit-range").arg("max", 500));
    }
    let origins: Vec<(AirportCode, f64)> = match (&q.origin, q.lat, q.lon) {
        (Some(code), _, _) => vec![(airport(&state, "origin", code)?, 0.0)],
        (None, Some(lat), Some(lon)) => {
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                return Err(WebError::invalid_field("lat", "reason-out-of-range"));
            }
            index
                .airports_near(lat, lon, radius)
                .into_iter()
                .take(5)
                .collect()
        }
        _ => return Err(WebError::invalid_field("origin", "reason-required")),
    };
    let today = flights.now().date_naive();
    let from = q
        .from
        .as_deref()
        .map(|d| date("from", d))
        .transpose()?
        .unwrap_or(today + Duration::days(1));
    let to =
        q.to.as_deref()
            .map(|d| date("to", d))
            .transpose()?
            .unwrap_or(from + Duration::days(13));
    if from < today {
        return Err(WebError::invalid_field("from", "reason-date-in-past"));
    }
    if to < from {
        return Err(WebError::invalid_field("to", "reason-range-inverted"));
    }
    if (to - from).num_days() > 30 {
        return Err(WebError::invalid_field("to", "reason-limit-range").arg("max", 31));
    }
    let budget_minor = q
        .budget
        .as_deref()
        .map(|b| {
            Money::parse(b, flights.currency())
                .map(|m| m.minor())
                .map_err(|_| WebError::invalid_field("budget", "reason-not-a-number"))
        })
        .transpose()?;
    let party = passengers(q.adults, None, None)?;
    let limit = q.limit.unwrap_or(30);
    if limit == 0 || limit > 100 {
        return Err(WebError::invalid_field("limit", "reason-limit-range").arg("max", 100));
    }
    let codes: Vec<AirportCode> = origins.iter().map(|o| o.0).collect();
    let found = tokio::task::spawn_blocking(move || {
        builtin.explore(&codes, from, to, party, budget_minor, limit)
    })
    .await
    .map_err(|e| WebError::new(ErrorCode::Internal).detail("join", e.to_string().into()))?;
    let chinese = ctx.locale.is_chinese();
    let name = |code: AirportCode| {
        state
            .airports()
            .get(code.as_str())
            .map(|a| (a.display_name(chinese), a.city.clone(), a.country.clone()))
            .unwrap_or_else(|| (code.to_string(), String::new(), String::new()))
    };
    Ok(Json(ExploreResponse {
        origins: origins
            .iter()
            .map(|(c, d)| NearbyAirportJson {
                iata: c.to_string(),
                display_name: name(*c).0,
                distance_km: (d * 10.0).round() / 10.0,
            })
            .collect(),
        destinations: found
            .into_iter()
            .map(|d| {
                let (display_name, city, country) = name(d.destination);
                DestinationJson {
                    origin: d.origin.to_string(),
                    destination: d.destination.to_string(),
                    display_name,
                    city,
                    country,
                    date: d.date.to_string(),
                    cheapest: d.cheapest.into(),
                    stops: d.stops,
                }
            })
            .collect(),
    }))
}
