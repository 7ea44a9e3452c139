//! Wires the hotel suppliers: builds the in-memory hotel index from the stored hotels and
//! their room sales, and assembles the aggregator the web layer searches.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDate};
use wayfare_domain::Currency;
use wayfare_domain::hotel::{PropertyId, RoomTypeCode};
use wayfare_search::hotels::{HotelIndex, RoomNightSales};
use wayfare_store::{Store, StoreError};
use wayfare_suppliers::builtin::hotel_supplier::BuiltinHotels;
use wayfare_suppliers::hotel_aggregate::HotelAggregator;
use wayfare_suppliers::hotelbeds::{HotelbedsClient, HotelbedsConfig, HotelbedsSupplier};
use wayfare_web::{Clock, HotelCatalog};

use crate::config::Config;

/// Nights ahead that hotels sell.
pub const HOTEL_HORIZON_DAYS: i64 = 180;

/// The hotel index over the stored hotels, for nights from yesterday (a late arrival's
/// check-in date, somewhere) to the horizon.
pub async fn build_index(store: &Store, today: NaiveDate) -> Result<HotelIndex, StoreError> {
    let listings = store.hotel_listings().await?;
    let sales = store.hotel_room_sales().await?;
    let sales = sales
        .into_iter()
        .filter_map(|((hotel, room, night), sold)| {
            Some(RoomNightSales {
                property: PropertyId(u64::try_from(hotel).ok()?),
                room: RoomTypeCode::parse(&room)?,
                night,
                sold,
            })
        })
        .collect::<Vec<_>>();
    Ok(HotelIndex::build(
        listings,
        sales,
        today - Duration::days(1),
        today + Duration::days(HOTEL_HORIZON_DAYS),
    ))
}

/// The hotel catalogue: the built-in supplier over our own hotels, and more as configured.
pub async fn catalog(
    store: &Store,
    config: &Config,
    clock: Clock,
) -> Result<(HotelCatalog, Arc<BuiltinHotels>), StoreError> {
    let today = clock().date_naive();
    let index = build_index(store, today).await?;
    index.set_exchange_rates(store.rate_table().await?);
    let last_night = index.last_night();
    let builtin = Arc::new(BuiltinHotels::new(index, clock.clone()).with_store(store.clone()));
    let budget = StdDuration::from_millis(config.hotels.search_budget_ms);
    let mut aggregator = HotelAggregator::new().with(builtin.clone(), budget);
    if let Some(hb) = &config.hotels.hotelbeds {
        let mut hc = HotelbedsConfig::new(hb.api_key.expose(), hb.secret.expose());
        hc.base_url = hb.base_url.trim_end_matches('/').to_owned();
        match HotelbedsClient::with_clock(hc, clock.clone()) {
            Ok(client) => {
                let mut supplier = HotelbedsSupplier::with_clock(client, clock.clone());
                if let Some(c) = hb.currency.as_deref().and_then(|c| Currency::parse(c).ok()) {
                    supplier = supplier.with_pricing_currency(c);
                }
                aggregator = aggregator.with(Arc::new(supplier), budget);
            }
            Err(e) => {
                tracing::error!(error = %e, "Hotelbeds is configured but could not be set up; searching without it")
            }
        }
    }
    Ok((
        HotelCatalog::new(aggregator, Some(builtin.clone()), last_night, clock),
        builtin,
    ))
}

/// Expires the built-in hotels' unconfirmed holds every `every`, giving their rooms back, until
/// the app stops.
pub async fn expire_holds_forever(builtin: Option<Arc<BuiltinHotels>>, every: StdDuration) {
    let Some(builtin) = builtin else {
        return std::future::pending().await;
    };
    crate::app::repeat_forever(every, "unconfirmed hotel holds expired", || {
        builtin.expire_holds()
    })
    .await
}
