//! Filters, sorting and de-duplication of offers, the same for every supplier.
//!
//! "Best" is a documented score, lower is better:
//! `price / cheapest price + duration / shortest duration + 0.25 × stops`,
//! so an offer twice the cheapest price costs as much as one twice the shortest duration, and
//! each stop weighs a quarter of either.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::offer::{Offer, OfferSlice};
use super::search::{FlightSearch, SliceQuery, SortBy};

/// True when every segment of the slice is marketed by an allowed carrier and none by an
/// excluded one, and the slice's local times fall in its windows.
pub fn slice_passes(slice: &OfferSlice, q: &SliceQuery, search: &FlightSearch) -> bool {
    let carriers_ok = slice.segments.iter().all(|s| {
        (search.airlines.is_empty() || search.airlines.contains(&s.marketing_carrier))
            && !search.exclude_airlines.contains(&s.marketing_carrier)
    });
    if !carriers_ok {
        return false;
    }
    if let (Some(w), Some(dep)) = (q.departure_time, slice.departing_at())
        && !w.contains(dep.time())
    {
        return false;
    }
    if let (Some(w), Some(arr)) = (q.arrival_time, slice.arriving_at())
        && !w.contains(arr.time())
    {
        return false;
    }
    if !search.layover_airports.is_empty() {
        let stops_ok = slice
            .segments
            .iter()
            .skip(1)
            .all(|s| search.layover_airports.contains(&s.origin));
        if !stops_ok {
            return false;
        }
    }
    slice.stops() <= usize::from(search.max_connections)
}

/// True when the whole offer passes the search's filters.
pub fn offer_passes(offer: &Offer, search: &FlightSearch) -> bool {
    if offer.slices.len() != search.slices.len() {
        return false;
    }
    if !offer
        .slices
        .iter()
        .zip(&search.slices)
        .all(|(s, q)| slice_passes(s, q, search))
    {
        return false;
    }
    let total = offer.price.total.minor();
    if search.min_price_minor.is_some_and(|m| total < m)
        || search.max_price_minor.is_some_and(|m| total > m)
    {
        return false;
    }
    if let Some(max) = search.max_duration_minutes
        && offer
            .slices
            .iter()
            .any(|s| s.duration_minutes > i64::from(max))
    {
        return false;
    }
    offer.available_seats > 0
}

/// Keeps one offer per itinerary (same flights, cabin and brand): the cheaper.
pub fn dedupe(offers: Vec<Offer>) -> Vec<Offer> {
    let mut best: HashMap<String, Offer> = HashMap::with_capacity(offers.len());
    for o in offers {
        let key = o.itinerary_key();
        match best.get(&key) {
            Some(existing) if existing.price.total.minor() <= o.price.total.minor() => {}
            _ => {
                best.insert(key, o);
            }
        }
    }
    best.into_values().collect()
}

fn best_score(o: &Offer, cheapest: i64, shortest: i64) -> f64 {
    o.price.total.minor() as f64 / cheapest.max(1) as f64
        + o.total_duration_minutes() as f64 / shortest.max(1) as f64
        + 0.25 * o.total_stops() as f64
}

/// Sorts in place; ties break by price, then id, so results are stable.
pub fn sort(offers: &mut [Offer], by: SortBy) {
    let cheapest = offers
        .iter()
        .map(|o| o.price.total.minor())
        .min()
        .unwrap_or(1);
    let shortest = offers
        .iter()
        .map(Offer::total_duration_minutes)
        .min()
        .unwrap_or(1);
    let tie = |a: &Offer, b: &Offer| {
        a.price
            .total
            .minor()
            .cmp(&b.price.total.minor())
            .then_with(|| a.id.cmp(&b.id))
    };
    match by {
        SortBy::Price => offers.sort_by(tie),
        SortBy::Duration => offers.sort_by(|a, b| {
            a.total_duration_minutes()
                .cmp(&b.total_duration_minutes())
                .then_with(|| tie(a, b))
        }),
        SortBy::Departure => offers.sort_by(|a, b| {
            a.slices[0]
                .departing_at()
                .cmp(&b.slices[0].departing_at())
                .then_with(|| tie(a, b))
        }),
        SortBy::Arrival => offers.sort_by(|a, b| {
            a.slices[0]
                .arriving_at()
                .cmp(&b.slices[0].arriving_at())
                .then_with(|| tie(a, b))
        }),
        SortBy::Best => offers.sort_by(|a, b| {
            best_score(a, cheapest, shortest)
                .partial_cmp(&best_score(b, cheapest, shortest))
                .unwrap_or(Ordering::Equal)
                .then_with(|| tie(a, b))
        }),
    }
}

/// Filter, de-duplicate, sort and cap.
pub fn finish(offers: Vec<Offer>, search: &FlightSearch) -> Vec<Offer> {
    let mut kept = dedupe(
        offers
            .into_iter()
            .filter(|o| offer_passes(o, search))
            .collect(),
    );
    sort(&mut kept, search.sort);
    kept.truncate(search.limit);
    kept
}
