//! Shared application state handed to every handler. No process-wide globals.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use wayfare_accounts::Accounts;
use wayfare_booking::Orders;
use wayfare_domain::{Currency, RateTable};
use wayfare_search::AirportIndex;
use wayfare_search::places::{PlaceAirport, PlaceIndex};
use wayfare_store::Store;
use wayfare_store::reference::ReferenceCounts;
use wayfare_suppliers::aggregate::FlightAggregator;
use wayfare_suppliers::builtin::hotel_supplier::BuiltinHotels;
use wayfare_suppliers::builtin::supplier::BuiltinFlights;
use wayfare_suppliers::duffel::webhook::WebhookReceiver;
use wayfare_suppliers::hotel_aggregate::HotelAggregator;

use crate::i18n::Locale;
use crate::metrics::Metrics;

/// What the web layer needs from the configuration.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub default_locale: Locale,
    pub default_currency: Currency,
    pub body_limit_bytes: usize,
    pub request_timeout: Duration,
    /// Send `Strict-Transport-Security` on every response (set when TLS terminates in front).
    pub hsts: bool,
    /// Trust `X-Forwarded-Proto: https` from a proxy: HSTS and Secure cookies follow it.
    pub trust_forwarded_proto: bool,
    /// Mark cookies `Secure` (only sent over HTTPS).
    pub secure_cookies: bool,
    /// Key for signing CSRF tokens; from configuration or generated once per installation.
    pub secret_key: Vec<u8>,
    /// Leaflet-style raster tiles (`https://tiles.example/{z}/{x}/{y}.png`) for hotel maps;
    /// without it maps are drawn as a plain plot of the pins, with no network needed.
    pub map_tiles_url: Option<String>,
    /// Stripe.js for tokenising cards in the browser, when Stripe is configured.
    pub stripe_js: Option<StripeJsConfig>,
    /// Klarna's JS SDK (`https://x.klarnacdn.net/kp/lib/v1/api.js`), when Klarna is configured.
    pub klarna_js_url: Option<String>,
    /// WeChat's web authorisation (the payer's openid for paying inside WeChat), when WeChat
    /// Pay is configured with the official account's secret.
    pub wechat_oauth: Option<wayfare_payments::wechatpay::oauth::WeChatOAuth>,
    /// Origins of the providers' pages the payment page sends travellers to (PayPal's approval,
    /// Alipay's cashier, WeChat Pay's H5 page and authorisation, a bank's check).
    pub payment_redirect_origins: Vec<String>,
    /// The fonts PDF itineraries embed (a CJK one when the machine has one).
    pub itinerary_fonts: wayfare_itinerary::Fonts,
}

/// Where the checkout loads Stripe.js from and the key it tokenises cards with.
#[derive(Debug, Clone)]
pub struct StripeJsConfig {
    /// `pk_test_…` / `pk_live_…` (public by design).
    pub publishable_key: String,
    /// `https://js.stripe.com/v3/`.
    pub js_url: String,
}

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

/// A handle on the app's state that does not keep it alive (for what the state itself owns).
#[derive(Clone)]
pub struct WeakAppState(std::sync::Weak<Inner>);

impl WeakAppState {
    pub fn upgrade(&self) -> Option<AppState> {
        self.0.upgrade().map(|inner| AppState { inner })
    }
}

struct Inner {
    store: Store,
    config: WebConfig,
    airports: AirportIndex,
    rates: RwLock<Arc<RateTable>>,
    reference_counts: ReferenceCounts,
    metrics: Metrics,
    flights: FlightCatalog,
    hotels: HotelCatalog,
    places: PlaceIndex,
    accounts: Accounts,
    orders: Orders,
}

/// The clock the app reads "now" from (tests pass a fixed one).
pub use wayfare_domain::Clock;

/// Flight suppliers and what searches are validated against.
pub struct FlightCatalog {
    aggregator: Arc<FlightAggregator>,
    builtin: Option<Arc<BuiltinFlights>>,
    last_date: NaiveDate,
    currency: Currency,
    clock: Clock,
    duffel_webhook: Option<WebhookReceiver>,
}

impl FlightCatalog {
    pub fn new(
        aggregator: FlightAggregator,
        builtin: Option<Arc<BuiltinFlights>>,
        last_date: NaiveDate,
        currency: Currency,
        clock: Clock,
    ) -> FlightCatalog {
        FlightCatalog {
            aggregator: Arc::new(aggregator),
            builtin,
            last_date,
            currency,
            clock,
            duffel_webhook: None,
        }
    }

    /// Receives Duffel's webhooks with `receiver` (its secret and the connector the orders
    /// were booked with).
    pub fn with_duffel_webhook(mut self, receiver: WebhookReceiver) -> FlightCatalog {
        self.duffel_webhook = Some(receiver);
        self
    }

    /// Where Duffel's webhooks are received, when a webhook secret is configured.
    pub fn duffel_webhook(&self) -> Option<&WebhookReceiver> {
        self.duffel_webhook.as_ref()
    }

    pub fn aggregator(&self) -> &FlightAggregator {
        &self.aggregator
    }

    /// The aggregator, shared (the booking service routes orders through it).
    pub fn shared_aggregator(&self) -> Arc<FlightAggregator> {
        self.aggregator.clone()
    }

    /// Our own supplier, which also answers price calendars and explore.
    pub fn builtin(&self) -> Option<&Arc<BuiltinFlights>> {
        self.builtin.as_ref()
    }

    /// The last departure date with schedules.
    pub fn last_date(&self) -> NaiveDate {
        self.last_date
    }

    /// The currency offers are priced in.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}

/// Hotel suppliers and what searches are validated against.
pub struct HotelCatalog {
    aggregator: Arc<HotelAggregator>,
    builtin: Option<Arc<BuiltinHotels>>,
    last_night: NaiveDate,
    clock: Clock,
}

impl HotelCatalog {
    pub fn new(
        aggregator: HotelAggregator,
        builtin: Option<Arc<BuiltinHotels>>,
        last_night: NaiveDate,
        clock: Clock,
    ) -> HotelCatalog {
        HotelCatalog {
            aggregator: Arc::new(aggregator),
            builtin,
            last_night,
            clock,
        }
    }

    /// Our own hotels, also behind the deals and chain pages.
    pub fn builtin(&self) -> Option<&Arc<BuiltinHotels>> {
        self.builtin.as_ref()
    }

    pub fn aggregator(&self) -> &HotelAggregator {
        &self.aggregator
    }

    /// The aggregator, shared (the booking service routes bookings through it).
    pub fn shared_aggregator(&self) -> Arc<HotelAggregator> {
        self.aggregator.clone()
    }

    /// The last night with rates loaded.
    pub fn last_night(&self) -> NaiveDate {
        self.last_night
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl AppState {
    /// Loads what the web layer keeps in memory (airport index, rates) from the store.
    pub async fn load(
        store: Store,
        config: WebConfig,
        flights: FlightCatalog,
        hotels: HotelCatalog,
        accounts: Accounts,
        orders: Orders,
    ) -> Result<AppState, wayfare_store::StoreError> {
        let cities = store.cities().await?;
        let population: std::collections::HashMap<i64, i64> =
            cities.iter().map(|c| (c.geonameid, c.population)).collect();
        let airport_rows = store.airports().await?;
        let places = PlaceIndex::build(
            &cities,
            airport_rows
                .iter()
                .filter(|a| a.city_geonameid.is_some())
                .map(|a| PlaceAirport {
                    iata: a.iata.clone(),
                    name: a.name.clone(),
                    city_en: a.city.clone(),
                    city_zh: a.city_zh.clone(),
                    country: a.country.clone(),
                    lat: a.lat,
                    lon: a.lon,
                    city_id: a.city_geonameid,
                })
                .collect(),
        )
        .map_err(|e| wayfare_store::StoreError::BundledData(e.to_string()))?;
        let airports = AirportIndex::build(airport_rows, |a| {
            a.city_geonameid.and_then(|id| population.get(&id).copied())
        });
        let rates = store.rate_table().await?;
        let reference_counts = store.reference_counts().await?;
        Ok(AppState {
            inner: Arc::new(Inner {
                store,
                config,
                airports,
                rates: RwLock::new(Arc::new(rates)),
                reference_counts,
                metrics: Metrics::new(),
                flights,
                hotels,
                places,
                accounts,
                orders,
            }),
        })
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn config(&self) -> &WebConfig {
        &self.inner.config
    }

    pub fn airports(&self) -> &AirportIndex {
        &self.inner.airports
    }

    pub fn reference_counts(&self) -> ReferenceCounts {
        self.inner.reference_counts
    }

    pub fn flights(&self) -> &FlightCatalog {
        &self.inner.flights
    }

    pub fn hotels(&self) -> &HotelCatalog {
        &self.inner.hotels
    }

    /// Accounts, sign-in and security.
    pub fn accounts(&self) -> &Accounts {
        &self.inner.accounts
    }

    /// Trip orders: create, pay, view.
    pub fn downgrade(&self) -> WeakAppState {
        WeakAppState(Arc::downgrade(&self.inner))
    }

    pub fn orders(&self) -> &Orders {
        &self.inner.orders
    }

    /// OpenID Connect providers to offer on the sign-in page: (id, display name).
    pub fn oidc_providers(&self) -> Vec<(String, String)> {
        self.inner.accounts.oidc_providers()
    }

    /// Cities, landmarks and airports for the hotel destination.
    pub fn places(&self) -> &PlaceIndex {
        &self.inner.places
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The current display rates (a snapshot; replaced whole when rates change).
    pub fn rates(&self) -> Arc<RateTable> {
        match self.inner.rates.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Re-reads the rates from the store (after an admin edit or a feed update).
    pub async fn reload_rates(&self) -> Result<(), wayfare_store::StoreError> {
        let table = Arc::new(self.inner.store.rate_table().await?);
        match self.inner.rates.write() {
            Ok(mut g) => *g = table,
            Err(poisoned) => *poisoned.into_inner() = table,
        }
        Ok(())
    }
}
