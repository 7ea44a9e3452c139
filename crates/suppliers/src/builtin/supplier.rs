//! The built-in flight supplier: answers from the in-memory [`FlightIndex`] built from our own
//! schedules, prices with the domain's fare rule and re-prices an offer from its id.

use std::sync::{Arc, RwLock};

use wayfare_domain::flight::fare::FareBrand;
use wayfare_domain::flight::offer::Offer;
use wayfare_domain::flight::ranking::slice_passes;
use wayfare_domain::flight::search::{FlightSearch, SortBy};
use wayfare_domain::{Currency, Money};
use wayfare_search::flight_offers::{
    QuickPrice, SUPPLIER, offer_slice, offers_for, parse_offer_id, party_price, quick_price,
};
use wayfare_search::flights::{FlightIndex, Itinerary, SliceOptions};
use wayfare_store::Store;

use crate::flight::{
    CancellationQuote, FlightSupplier, OrderRequest, ScheduleChangePage, SupplierError,
    SupplierOrder,
};

/// Itineraries collected per slice before pricing.
const MAX_ITINERARIES_PER_SLICE: usize = 3_000;

/// The clock, passed in so tests control "now".
pub use wayfare_domain::Clock;

pub struct BuiltinFlights {
    index: RwLock<Arc<FlightIndex>>,
    currency: Currency,
    pub(crate) clock: Clock,
    /// Where orders, seat sales and schedule changes are kept; without it the supplier only
    /// searches and prices (benchmarks).
    store: Option<Store>,
}

impl std::fmt::Debug for BuiltinFlights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuiltinFlights").finish_non_exhaustive()
    }
}

/// How many itineraries of each slice go into combinations for a multi-slice search.
fn per_slice_keep(slices: usize) -> usize {
    match slices {
        1 => MAX_ITINERARIES_PER_SLICE,
        2 => 40,
        3 => 14,
        4 => 8,
        _ => 5,
    }
}

impl BuiltinFlights {
    pub fn new(index: FlightIndex, currency: Currency, clock: Clock) -> BuiltinFlights {
        BuiltinFlights {
            index: RwLock::new(Arc::new(index)),
            currency,
            clock,
            store: None,
        }
    }

    /// Books against `store`: orders, seat sales, cancellations and schedule changes live there.
    pub fn with_store(mut self, store: Store) -> BuiltinFlights {
        self.store = Some(store);
        self
    }

    pub(crate) fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    /// The current index (a snapshot; replaced whole by [`BuiltinFlights::replace_index`]).
    pub fn index(&self) -> Arc<FlightIndex> {
        match self.index.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    pub fn replace_index(&self, index: FlightIndex) {
        let new = Arc::new(index);
        match self.index.write() {
            Ok(mut g) => *g = new,
            Err(p) => *p.into_inner() = new,
        }
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Offers for a search, synchronously (the supplier trait wraps this).
    ///
    /// Itineraries and their combinations are priced with plain integers first; full offers
    /// (segments, ids, conditions) are built only for the `limit` best by the search's order,
    /// plus the cheapest and the shortest, which "best" is measured against.
    pub fn search_now(&self, search: &FlightSearch) -> Vec<Offer> {
        let index = self.index();
        let now = (self.clock)();
        let today = now.date_naive();
        let opts = SliceOptions {
            max_connections: search.max_connections,
            max_layover_minutes: search.max_layover_minutes,
            allow_airport_change: search.allow_airport_change,
            layover_airports: search.layover_airports.clone(),
            max_results: MAX_ITINERARIES_PER_SLICE,
        };
        let keep = per_slice_keep(search.slices.len());
        let carrier_filter = !search.airlines.is_empty() || !search.exclude_airlines.is_empty();
        let mut per_slice: Vec<Vec<Candidate>> = Vec::with_capacity(search.slices.len());
        for q in &search.slices {
            let check = carrier_filter || q.departure_time.is_some() || q.arrival_time.is_some();
            let mut ranked: Vec<Candidate> = index
                .search_slice(q, &opts)
                .into_iter()
                .filter_map(|it| {
                    let price = quick_price(
                        &index,
                        &it,
                        search.cabin,
                        search.passengers,
                        today,
                        self.currency,
                    )?;
                    if check && !slice_passes(&offer_slice(&index, &it), q, search) {
                        return None;
                    }
                    let first = index.leg(it.legs[0]);
                    let last = index.leg(*it.legs.last()?);
                    Some(Candidate {
                        price,
                        duration: last.arrives - first.departs,
                        departs: first.departs,
                        arrives: last.arrives,
                        stops: it.legs.len() - 1,
                        it,
                    })
                })
                .collect();
            if ranked.len() > keep {
                // Half the places to the cheapest, half to the fastest.
                let cost = |c: &Candidate| c.price.adult_base_minor + c.price.taxes_per_seat_minor;
                ranked.sort_by_key(|c| (cost(c), c.duration));
                let mut fastest: Vec<Candidate> = ranked.split_off(keep / 2 + keep % 2);
                fastest.sort_by_key(|c| (c.duration, cost(c)));
                ranked.extend(fastest.into_iter().take(keep - ranked.len()));
            }
            if ranked.is_empty() {
                return Vec::new();
            }
            per_slice.push(ranked);
        }

        // Every connecting combination, in every brand, as plain numbers.
        let brands: Vec<&'static FareBrand> = FareBrand::for_cabin(search.cabin).collect();
        let mut combos: Vec<Vec<usize>> = Vec::new();
        let mut light: Vec<Light> = Vec::new();
        let mut combo: Vec<usize> = vec![0; per_slice.len()];
        loop {
            let chosen: Vec<&Candidate> = combo
                .iter()
                .enumerate()
                .map(|(s, &i)| &per_slice[s][i])
                .collect();
            if chosen.windows(2).all(|w| w[1].departs >= w[0].arrives + 60) {
                let quick =
                    QuickPrice::combine(&chosen.iter().map(|c| c.price).collect::<Vec<_>>());
                let too_long = search
                    .max_duration_minutes
                    .is_some_and(|m| chosen.iter().any(|c| c.duration > i64::from(m)));
                if quick.seats > 0 && !too_long {
                    let id = combos.len();
                    combos.push(combo.clone());
                    for (b, brand) in brands.iter().enumerate() {
                        let (base, taxes) =
                            party_price(&quick, brand, search.passengers, self.currency);
                        let total = base + taxes;
                        if search.min_price_minor.is_some_and(|m| total < m)
                            || search.max_price_minor.is_some_and(|m| total > m)
                        {
                            continue;
                        }
                        light.push(Light {
                            combo: id,
                            brand: b,
                            total,
                            duration: chosen.iter().map(|c| c.duration).sum(),
                            departs: chosen[0].departs,
                            arrives: chosen[0].arrives,
                            stops: chosen.iter().map(|c| c.stops).sum(),
                        });
                    }
                }
            }
            // Next combination (odometer order).
            let mut s = per_slice.len();
            let done = loop {
                if s == 0 {
                    break true;
                }
                s -= 1;
                combo[s] += 1;
                if combo[s] < per_slice[s].len() {
                    break false;
                }
                combo[s] = 0;
            };
            if done {
                break;
            }
        }
        if light.is_empty() {
            return Vec::new();
        }

        // The best `limit` by the requested order, plus the cheapest and the shortest.
        let cheapest = light.iter().map(|l| l.total).min().unwrap_or(1).max(1) as f64;
        let shortest = light.iter().map(|l| l.duration).min().unwrap_or(1).max(1) as f64;
        let key = |l: &Light| -> (f64, i64) {
            let primary = match search.sort {
                SortBy::Price => l.total as f64,
                SortBy::Duration => l.duration as f64,
                SortBy::Departure => l.departs as f64,
                SortBy::Arrival => l.arrives as f64,
                SortBy::Best => {
                    l.total as f64 / cheapest + l.duration as f64 / shortest + 0.25 * l.stops as f64
                }
            };
            (primary, l.total)
        };
        let by_key = |a: &Light, b: &Light| {
            let (ka, kb) = (key(a), key(b));
            ka.0.total_cmp(&kb.0).then(ka.1.cmp(&kb.1))
        };
        let take = (search.limit + SELECTION_MARGIN).min(light.len());
        let cheapest_i = light
            .iter()
            .enumerate()
            .min_by_key(|(_, l)| (l.total, l.duration))
            .map(|(i, _)| i);
        let shortest_i = light
            .iter()
            .enumerate()
            .min_by_key(|(_, l)| (l.duration, l.total))
            .map(|(i, _)| i);
        let extra: Vec<Light> = [cheapest_i, shortest_i]
            .into_iter()
            .flatten()
            .map(|i| light[i])
            .collect();
        if light.len() > take {
            light.select_nth_unstable_by(take - 1, by_key);
            light.truncate(take);
        }
        for e in extra {
            if !light
                .iter()
                .any(|l| l.combo == e.combo && l.brand == e.brand)
            {
                light.push(e);
            }
        }

        // Build each chosen combination once and keep the brands chosen for it.
        let mut wanted: std::collections::BTreeMap<usize, Vec<&'static str>> =
            std::collections::BTreeMap::new();
        for l in &light {
            wanted
                .entry(l.combo)
                .or_default()
                .push(brands[l.brand].code);
        }
        let mut offers = Vec::with_capacity(light.len());
        for (combo, codes) in wanted {
            let its: Vec<&Itinerary> = combos[combo]
                .iter()
                .enumerate()
                .map(|(s, &i)| &per_slice[s][i].it)
                .collect();
            let only = (codes.len() == 1).then_some(codes[0]);
            offers.extend(
                offers_for(
                    &index,
                    &its,
                    search.cabin,
                    search.passengers,
                    now,
                    self.currency,
                    only,
                )
                .into_iter()
                .filter(|o| codes.contains(&o.fare_brand.as_str())),
            );
        }
        offers
    }

    /// The offer with today's price and seats, from its id.
    pub fn price_now(&self, offer_id: &str) -> Result<Offer, SupplierError> {
        let key =
            parse_offer_id(offer_id).ok_or_else(|| SupplierError::NotFound(offer_id.to_owned()))?;
        let index = self.index();
        let mut slices = Vec::with_capacity(key.slices.len());
        for legs in &key.slices {
            let ids = legs
                .iter()
                .map(|&(carrier, number, date, origin)| {
                    index.find_leg(carrier, number, date, origin)
                })
                .collect::<Option<Vec<u32>>>()
                .ok_or_else(|| SupplierError::OfferExpired(offer_id.to_owned()))?;
            slices.push(Itinerary { legs: ids });
        }
        let refs: Vec<&Itinerary> = slices.iter().collect();
        let now = (self.clock)();
        if index.leg(refs[0].legs[0]).departs * 60 <= now.timestamp() {
            return Err(SupplierError::OfferExpired(offer_id.to_owned()));
        }
        offers_for(
            &index,
            &refs,
            key.cabin,
            key.passengers,
            now,
            self.currency,
            Some(&key.brand),
        )
        .into_iter()
        .next()
        .ok_or(SupplierError::NoSeats)
    }
}

/// One itinerary of a slice with what ranking needs.
struct Candidate {
    it: Itinerary,
    price: QuickPrice,
    duration: i64,
    departs: i64,
    arrives: i64,
    stops: usize,
}

/// A combination in one brand, priced but not yet built into an offer.
#[derive(Debug, Clone, Copy)]
struct Light {
    combo: usize,
    brand: usize,
    total: i64,
    duration: i64,
    departs: i64,
    arrives: i64,
    stops: usize,
}

/// Offers built beyond the limit so that ties at the boundary sort as the aggregator sorts them.
const SELECTION_MARGIN: usize = 20;

#[async_trait::async_trait]
impl FlightSupplier for BuiltinFlights {
    fn name(&self) -> &'static str {
        SUPPLIER
    }

    async fn search(&self, search: &FlightSearch) -> Result<Vec<Offer>, SupplierError> {
        Ok(self.search_now(search))
    }

    async fn price(&self, offer_id: &str) -> Result<Offer, SupplierError> {
        self.price_now(offer_id)
    }

    async fn create_order(&self, request: &OrderRequest) -> Result<SupplierOrder, SupplierError> {
        self.create_order_now(request).await
    }

    async fn pay_order(
        &self,
        order_id: &str,
        payment: Money,
        _idempotency_key: &str,
    ) -> Result<SupplierOrder, SupplierError> {
        // Paying is a conditional update from held to confirmed: a retry finds it confirmed.
        self.pay_order_now(order_id, payment).await
    }

    async fn get_order(&self, order_id: &str) -> Result<SupplierOrder, SupplierError> {
        self.get_order_now(order_id).await
    }

    async fn quote_cancellation(&self, order_id: &str) -> Result<CancellationQuote, SupplierError> {
        self.quote_cancellation_now(order_id).await
    }

    async fn confirm_cancellation(
        &self,
        quote_id: &str,
    ) -> Result<CancellationQuote, SupplierError> {
        self.confirm_cancellation_now(quote_id).await
    }

    async fn schedule_changes(
        &self,
        cursor: Option<&str>,
    ) -> Result<ScheduleChangePage, SupplierError> {
        self.schedule_changes_now(cursor).await
    }
}
