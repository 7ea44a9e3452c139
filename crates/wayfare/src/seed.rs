//! Base data every installation needs (airports, airlines, cities, display rates) and the demo
//! data `wayfare seed --demo` adds (the flight network, the built-in hotels). Both are idempotent:
//! running them again changes nothing.

use chrono::{NaiveDate, Utc};
use wayfare_store::fx::{demo_rates, demo_rates_as_of};
use wayfare_store::reference::{BundledReference, ReferenceCounts};
use wayfare_store::{Store, StoreError, settings};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub reference: ReferenceCounts,
    pub exchange_rates: usize,
    pub flight_schedules: u64,
    pub hotels: u64,
}

/// Loads the bundled reference data and display rates where they are missing.
pub async fn ensure_base_data(store: &Store) -> Result<(), StoreError> {
    let counts = store.reference_counts().await?;
    if counts.airports == 0 || counts.airlines == 0 || counts.cities == 0 {
        let data = BundledReference::load()?;
        let loaded = store.load_reference(&data).await?;
        tracing::info!(?loaded, "reference data loaded");
    }
    if store.exchange_rates().await?.is_empty() {
        store
            .put_exchange_rates(&demo_rates(demo_rates_as_of()), false)
            .await?;
    }
    Ok(())
}

/// Loads (or refreshes) the bundled reference data and the demo data. Exchange rates an
/// admin has edited are kept; schedules and hotels are generated only when there are none
/// (`hotels` of them).
pub async fn seed_demo(
    store: &Store,
    flights_per_day: u32,
    today: NaiveDate,
    horizon_days: u32,
    hotels: u32,
) -> Result<SeedReport, StoreError> {
    let data = BundledReference::load()?;
    let reference = store.load_reference(&data).await?;
    let rates = demo_rates(demo_rates_as_of());
    store.put_exchange_rates(&rates, false).await?;
    if store.schedule_count().await? == 0 {
        let n =
            crate::flights::generate_schedules(store, flights_per_day, today, horizon_days).await?;
        tracing::info!(schedules = n, flights_per_day, "flight network generated");
    }
    if store.hotel_count().await? == 0 && hotels > 0 {
        let n = crate::hotels::generate_hotels_into(store, hotels, today).await?;
        tracing::info!(hotels = n, "built-in hotels generated");
    }
    if store.setting(settings::DEMO_SEEDED_AT).await?.is_none() {
        store
            .set_setting(settings::DEMO_SEEDED_AT, &Utc::now().to_rfc3339())
            .await?;
    }
    Ok(SeedReport {
        reference,
        exchange_rates: store.exchange_rates().await?.len(),
        flight_schedules: store.schedule_count().await?,
        hotels: store.hotel_count().await?,
    })
}
