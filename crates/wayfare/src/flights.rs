//! Wires the flight suppliers: generates the built-in network into the store when asked,
//! builds the in-memory index from the stored schedules, and assembles the aggregator.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Duration as Days, NaiveDate, Utc};
use wayfare_domain::Currency;
use wayfare_domain::flight::codes::{AirlineCode, AirportCode};
use wayfare_search::flights::{FlightIndex, IndexAirport};
use wayfare_store::{Store, StoreError};
use wayfare_suppliers::aggregate::FlightAggregator;
use wayfare_suppliers::builtin::supplier::BuiltinFlights;
use wayfare_suppliers::builtin::{NetworkAirline, NetworkAirport, NetworkParams, generate};
use wayfare_suppliers::duffel::webhook::{WebhookReceiver, WebhookSecret};
use wayfare_suppliers::duffel::{DuffelConfig, DuffelSupplier};
use wayfare_web::{Clock, FlightCatalog};

use crate::config::Config;

/// Generates the built-in network (`flights_per_day` average departures, from yesterday to
/// `horizon_days` ahead) and replaces the stored schedules with it. Deterministic for a date.
pub async fn generate_schedules(
    store: &Store,
    flights_per_day: u32,
    today: NaiveDate,
    horizon_days: u32,
) -> Result<u64, StoreError> {
    let population: HashMap<i64, i64> = store
        .cities()
        .await?
        .into_iter()
        .map(|c| (c.geonameid, c.population))
        .collect();
    let airports: Vec<NetworkAirport> = store
        .airports()
        .await?
        .into_iter()
        .filter_map(|a| {
            Some(NetworkAirport {
                code: AirportCode::parse(&a.iata).ok()?,
                country: a.country,
                lat: a.lat,
                lon: a.lon,
                city_population: a
                    .city_geonameid
                    .and_then(|id| population.get(&id).copied())
                    .unwrap_or(0),
            })
        })
        .collect();
    let airlines: Vec<NetworkAirline> = store
        .airlines()
        .await?
        .into_iter()
        .filter_map(|a| {
            Some(NetworkAirline {
                code: AirlineCode::parse(&a.iata).ok()?,
                country_name: a.country.unwrap_or_default(),
                alliance: a.alliance,
            })
        })
        .collect();
    let params = NetworkParams {
        flights_per_day,
        valid_from: today - Days::days(1),
        valid_to: today + Days::days(i64::from(horizon_days)),
        seed: 20_261_124,
    };
    let patterns = generate(&airports, &airlines, &params);
    store.replace_schedules(&patterns).await
}

/// Builds the flight index over the stored schedules, from yesterday to the last scheduled day.
pub async fn build_index(store: &Store, today: NaiveDate) -> Result<FlightIndex, StoreError> {
    let airports: Vec<IndexAirport> = store
        .airports()
        .await?
        .into_iter()
        .filter_map(|a| {
            Some(IndexAirport {
                code: AirportCode::parse(&a.iata).ok()?,
                country: a.country,
                tz: a.tz.parse().ok()?,
                lat: a.lat,
                lon: a.lon,
            })
        })
        .collect();
    let patterns = store.schedules().await?;
    let last = patterns.iter().map(|p| p.valid_to).max().unwrap_or(today);
    let mut index = FlightIndex::build(airports, &patterns, today - Days::days(1), last);
    let sales = store.seat_sales().await?;
    index.apply_sales(|c, n, d| sales.get(&(c, n, d)).copied());
    Ok(index)
}

/// The flight catalogue the web layer searches: the built-in supplier now; more as configured.
pub async fn catalog(
    store: &Store,
    config: &Config,
    clock: Clock,
) -> Result<FlightCatalog, StoreError> {
    let now: DateTime<Utc> = clock();
    let index = build_index(store, now.date_naive()).await?;
    let last_date = index.last_date().max(now.date_naive());
    let currency = Currency::parse(&config.flights.currency).unwrap_or(Currency::CNY);
    let builtin =
        Arc::new(BuiltinFlights::new(index, currency, clock.clone()).with_store(store.clone()));
    // Booked flights the current schedules moved or dropped become schedule changes.
    match builtin.detect_schedule_changes().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(changes = n, "schedule changes detected on booked flights"),
        Err(e) => tracing::error!(error = %e, "schedule-change detection failed"),
    }
    let budget = Duration::from_millis(config.flights.search_budget_ms);
    let mut aggregator = FlightAggregator::new().with(builtin.clone(), budget);
    let mut duffel_webhook = None;
    if let Some(duffel) = &config.flights.duffel {
        let mut dc = DuffelConfig::new(duffel.access_token.expose());
        dc.base_url = duffel.base_url.trim_end_matches('/').to_owned();
        dc.clock = clock.clone();
        match DuffelSupplier::new(dc) {
            Ok(s) => {
                let s = Arc::new(s);
                aggregator = aggregator.with(s.clone(), budget);
                if let Some(secret) = &duffel.webhook_secret {
                    duffel_webhook = Some(WebhookReceiver {
                        secret: WebhookSecret::new(secret.expose()),
                        supplier: s,
                    });
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "Duffel is configured but could not be set up; searching without it")
            }
        }
    }
    let catalog = FlightCatalog::new(aggregator, Some(builtin), last_date, currency, clock);
    Ok(match duffel_webhook {
        Some(receiver) => catalog.with_duffel_webhook(receiver),
        None => catalog,
    })
}

/// Expires unpaid built-in holds every `every`, giving their seats back, until the app stops.
pub async fn expire_holds_forever(builtin: Option<Arc<BuiltinFlights>>, every: Duration) {
    let Some(builtin) = builtin else {
        return std::future::pending().await;
    };
    crate::app::repeat_forever(every, "unpaid flight holds expired", || {
        builtin.expire_holds()
    })
    .await
}
