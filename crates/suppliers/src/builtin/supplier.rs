//! The built-in flight supplier: answers from the in-memory [`FlightIndex`] built from our own
//! schedules, prices with the domain's fare rule and re-prices an offer from its id.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use wayfare_domain::Currency;
use wayfare_domain::flight::fare::{Cabin, FareBrand};
use wayfare_domain::flight::offer::Offer;
use wayfare_domain::flight::ranking::slice_passes;
use wayfare_domain::flight::search::FlightSearch;
use wayfare_search::flight_offers::{SUPPLIER, offers_for, parse_offer_id};
use wayfare_search::flights::{FlightIndex, Itinerary, SliceOptions};

use crate::flight::{
    CancellationQuote, FlightSupplier, OrderRequest, ScheduleChangePage, SupplierError,
    SupplierOrder,
};

/// Itineraries collected per slice before pricing.
const MAX_ITINERARIES_PER_SLICE: usize = 3_000;

/// The clock, passed in so tests control "now".
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

pub struct BuiltinFlights {
    index: RwLock<Arc<FlightIndex>>,
    currency: Currency,
    clock: Clock,
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
        }
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

    fn cheapest_brand(cabin: Cabin) -> &'static str {
        FareBrand::for_cabin(cabin)
            .next()
            .map(|b| b.code)
            .unwrap_or("standard")
    }

    /// Offers for a search, synchronously (the supplier trait wraps this).
    pub fn search_now(&self, search: &FlightSearch) -> Vec<Offer> {
        let index = self.index();
        let now = (self.clock)();
        let opts = SliceOptions {
            max_connections: search.max_connections,
            max_layover_minutes: search.max_layover_minutes,
            allow_airport_change: search.allow_airport_change,
            layover_airports: search.layover_airports.clone(),
            max_results: MAX_ITINERARIES_PER_SLICE,
        };
        let cheapest = Self::cheapest_brand(search.cabin);
        let keep = per_slice_keep(search.slices.len());
        let mut per_slice: Vec<Vec<Itinerary>> = Vec::with_capacity(search.slices.len());
        for q in &search.slices {
            // Price each itinerary alone in the cheapest brand: it drops full flights and
            // itineraries outside the slice's filters, and ranks the rest for combination.
            let mut ranked: Vec<(i64, i64, Itinerary)> = index
                .search_slice(q, &opts)
                .into_iter()
                .filter_map(|it| {
                    let offer = offers_for(
                        &index,
                        &[&it],
                        search.cabin,
                        search.passengers,
                        now,
                        self.currency,
                        Some(cheapest),
                    )
                    .into_iter()
                    .next()?;
                    let slice = offer.slices.first()?;
                    slice_passes(slice, q, search)
                        .then(|| (offer.price.total.minor(), slice.duration_minutes, it))
                })
                .collect();
            if ranked.len() > keep {
                // Half the places to the cheapest, half to the fastest.
                let mut by_price = ranked.clone();
                by_price.sort_by_key(|r| (r.0, r.1));
                ranked.sort_by_key(|r| (r.1, r.0));
                let mut chosen: Vec<Itinerary> = by_price
                    .into_iter()
                    .take(keep / 2 + keep % 2)
                    .map(|r| r.2)
                    .collect();
                for r in ranked {
                    if chosen.len() >= keep {
                        break;
                    }
                    if !chosen.contains(&r.2) {
                        chosen.push(r.2);
                    }
                }
                per_slice.push(chosen);
            } else {
                per_slice.push(ranked.into_iter().map(|r| r.2).collect());
            }
            if per_slice.last().is_some_and(Vec::is_empty) {
                return Vec::new();
            }
        }
        let mut offers = Vec::new();
        let mut combo: Vec<usize> = vec![0; per_slice.len()];
        loop {
            let chosen: Vec<&Itinerary> = combo
                .iter()
                .enumerate()
                .map(|(s, &i)| &per_slice[s][i])
                .collect();
            if connects(&index, &chosen) {
                offers.extend(offers_for(
                    &index,
                    &chosen,
                    search.cabin,
                    search.passengers,
                    now,
                    self.currency,
                    None,
                ));
            }
            // Next combination (odometer order).
            let mut s = per_slice.len();
            loop {
                if s == 0 {
                    return offers;
                }
                s -= 1;
                combo[s] += 1;
                if combo[s] < per_slice[s].len() {
                    break;
                }
                combo[s] = 0;
            }
        }
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

/// Later slices must leave after earlier ones arrive.
fn connects(index: &FlightIndex, slices: &[&Itinerary]) -> bool {
    slices.windows(2).all(|w| {
        let arrives = index
            .leg(*w[0].legs.last().unwrap_or(&w[0].legs[0]))
            .arrives;
        let departs = index.leg(w[1].legs[0]).departs;
        departs >= arrives + 60
    })
}

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

    // Booking against our own inventory lands with the booking flow (holds, seat sales, PNRs).
    async fn create_order(&self, _request: &OrderRequest) -> Result<SupplierOrder, SupplierError> {
        Err(SupplierError::Unsupported {
            supplier: SUPPLIER.into(),
            operation: "create_order",
        })
    }

    async fn get_order(&self, _order_id: &str) -> Result<SupplierOrder, SupplierError> {
        Err(SupplierError::Unsupported {
            supplier: SUPPLIER.into(),
            operation: "get_order",
        })
    }

    async fn quote_cancellation(
        &self,
        _order_id: &str,
    ) -> Result<CancellationQuote, SupplierError> {
        Err(SupplierError::Unsupported {
            supplier: SUPPLIER.into(),
            operation: "quote_cancellation",
        })
    }

    async fn confirm_cancellation(
        &self,
        _quote_id: &str,
    ) -> Result<CancellationQuote, SupplierError> {
        Err(SupplierError::Unsupported {
            supplier: SUPPLIER.into(),
            operation: "confirm_cancellation",
        })
    }

    async fn schedule_changes(
        &self,
        _cursor: Option<&str>,
    ) -> Result<ScheduleChangePage, SupplierError> {
        Err(SupplierError::Unsupported {
            supplier: SUPPLIER.into(),
            operation: "schedule_changes",
        })
    }
}
