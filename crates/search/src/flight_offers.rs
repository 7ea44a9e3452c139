//! Turns itineraries from the [`FlightIndex`] into priced offers of the built-in supplier: one
//! offer per fare brand, the party priced in the cheapest bucket where it fits on every leg.
//! Offer ids encode the flights, date, cabin, brand and party, so an offer can be re-priced
//! from its id alone.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use wayfare_domain::flight::codes::{AirlineCode, AirportCode};
use wayfare_domain::flight::fare::{Cabin, FareBrand, bucket_fare, open_bucket};
use wayfare_domain::flight::offer::{Offer, OfferPrice, OfferSlice, Segment};
use wayfare_domain::flight::search::Passengers;
use wayfare_domain::{Currency, Money};

use crate::flights::{FlightIndex, Itinerary};

pub const SUPPLIER: &str = "builtin";
/// How long an offer's price is held.
pub const OFFER_TTL_MINUTES: i64 = 30;
/// A connection is priced as the sum of its legs less this share (per mille): a through fare.
const CONNECTION_DISCOUNT_PERMILLE: i64 = 150;

/// Per-segment taxes and charges per seated passenger, in the fare currency's major units.
fn segment_taxes_major(international: bool) -> i64 {
    if international { 320 } else { 80 }
}

/// What an itinerary (or a combination of them) costs, without building an offer: the per-adult
/// base before the brand factor, the seats left at that price, and taxes per seated passenger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuickPrice {
    pub adult_base_minor: i64,
    pub seats: u32,
    pub taxes_per_seat_minor: i64,
}

impl QuickPrice {
    /// The price of flying several slices together.
    pub fn combine(parts: &[QuickPrice]) -> QuickPrice {
        QuickPrice {
            adult_base_minor: parts.iter().map(|p| p.adult_base_minor).sum(),
            seats: parts.iter().map(|p| p.seats).min().unwrap_or(0),
            taxes_per_seat_minor: parts.iter().map(|p| p.taxes_per_seat_minor).sum(),
        }
    }
}

/// Prices one itinerary for the party in the cabin; `None` when the party does not fit.
pub fn quick_price(
    index: &FlightIndex,
    it: &Itinerary,
    cabin: Cabin,
    passengers: Passengers,
    today: NaiveDate,
    currency: Currency,
) -> Option<QuickPrice> {
    let p = price_slice(index, it, cabin, passengers.seats(), today, currency)?;
    Some(QuickPrice {
        adult_base_minor: p.adult_base_minor,
        seats: p.seats_at_price,
        taxes_per_seat_minor: taxes_per_seat(&p, currency),
    })
}

fn taxes_per_seat(p: &PricedSlice, currency: Currency) -> i64 {
    let unit = 10i64.pow(currency.exponent());
    (i64::from(p.international_segments) * segment_taxes_major(true)
        + i64::from(p.domestic_segments) * segment_taxes_major(false))
        * unit
}

/// The party's (base, taxes) in a brand: adults pay the brand fare, children 75 %, infants on a
/// lap 10 % and no seat taxes.
pub fn party_price(
    q: &QuickPrice,
    brand: &FareBrand,
    passengers: Passengers,
    currency: Currency,
) -> (i64, i64) {
    let unit = 10i64.pow(currency.exponent());
    let adult = brand
        .price(Money::from_minor(q.adult_base_minor, currency))
        .minor();
    let child = adult * 75 / 100 / unit * unit;
    let infant = adult / 10 / unit * unit;
    let base = adult * i64::from(passengers.adults)
        + child * i64::from(passengers.children)
        + infant * i64::from(passengers.infants);
    (base, q.taxes_per_seat_minor * i64::from(passengers.seats()))
}

/// A priced slice: legs with their per-adult base fare and the seats left at that price.
struct PricedSlice {
    legs: Vec<u32>,
    adult_base_minor: i64,
    seats_at_price: u32,
    international_segments: u32,
    domestic_segments: u32,
}

fn price_slice(
    index: &FlightIndex,
    it: &Itinerary,
    cabin: Cabin,
    party: u32,
    today: NaiveDate,
    currency: Currency,
) -> Option<PricedSlice> {
    let mut sum = 0i64;
    let mut seats = u32::MAX;
    let (mut intl, mut dom) = (0, 0);
    for &id in &it.legs {
        let leg = index.leg(id);
        let flight = index.flight(leg);
        let capacity = u32::from(flight.seats.get(cabin));
        let sold = u32::from(index.sold(id)[cabin.index()]);
        let open = open_bucket(cabin, capacity, sold, party)?;
        let days = (leg.date - today).num_days();
        sum += bucket_fare(flight.distance_km, cabin, open.bucket, days, currency).minor();
        seats = seats.min(open.seats_at_price);
        if index.airport(leg.origin).country == index.airport(leg.destination).country {
            dom += 1;
        } else {
            intl += 1;
        }
    }
    if it.legs.len() > 1 {
        sum -= sum * CONNECTION_DISCOUNT_PERMILLE / 1000;
    }
    Some(PricedSlice {
        legs: it.legs.clone(),
        adult_base_minor: sum,
        seats_at_price: seats,
        international_segments: intl,
        domestic_segments: dom,
    })
}

fn segment(index: &FlightIndex, id: u32) -> Segment {
    let leg = index.leg(id);
    let f = index.flight(leg);
    Segment {
        origin: index.airport(leg.origin).code,
        destination: index.airport(leg.destination).code,
        departing_at: index.local_departure(leg),
        arriving_at: index.local_arrival(leg),
        marketing_carrier: f.carrier,
        flight_number: f.flight_number,
        operating_carrier: f.operating_carrier,
        aircraft: f.aircraft.clone(),
        duration_minutes: leg.arrives - leg.departs,
    }
}

fn leg_key(index: &FlightIndex, id: u32) -> String {
    let leg = index.leg(id);
    let f = index.flight(leg);
    format!(
        "{}{}-{}-{}",
        f.carrier,
        f.flight_number,
        leg.date.format("%Y%m%d"),
        index.airport(leg.origin).code
    )
}

/// Builds the offer id: `bi_<cabin>_<brand>_<adults>.<children>.<infants>_<slice>__<slice>`,
/// each slice `CA937-20261210-PEK~BA10-20261211-LHR`.
fn offer_id(
    index: &FlightIndex,
    slices: &[&PricedSlice],
    cabin: Cabin,
    brand: &str,
    p: Passengers,
) -> String {
    let slices: Vec<String> = slices
        .iter()
        .map(|s| {
            s.legs
                .iter()
                .map(|&l| leg_key(index, l))
                .collect::<Vec<_>>()
                .join("~")
        })
        .collect();
    format!(
        "bi_{}_{}_{}.{}.{}_{}",
        cabin.as_str(),
        brand,
        p.adults,
        p.children,
        p.infants,
        slices.join("__")
    )
}

/// The parts of a built-in offer id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferKey {
    pub cabin: Cabin,
    pub brand: String,
    pub passengers: Passengers,
    /// Per slice: (carrier, number, local date, origin).
    pub slices: Vec<Vec<(AirlineCode, u16, NaiveDate, AirportCode)>>,
}

/// Reads an offer id made by this module.
pub fn parse_offer_id(id: &str) -> Option<OfferKey> {
    let rest = id.strip_prefix("bi_")?;
    // The cabin may itself contain '_' (premium_economy).
    let cabin = Cabin::ALL
        .into_iter()
        .find(|c| rest.starts_with(&format!("{}_", c.as_str())))?;
    let rest = &rest[cabin.as_str().len() + 1..];
    let (brand, rest) = rest.split_once('_')?;
    let (party, rest) = rest.split_once('_')?;
    let mut p = party.split('.').map(|n| n.parse::<u8>().ok());
    let passengers = Passengers {
        adults: p.next()??,
        children: p.next()??,
        infants: p.next()??,
    };
    let slices = rest
        .split("__")
        .map(|s| {
            s.split('~')
                .map(|leg| {
                    let mut parts = leg.split('-');
                    let flight = parts.next()?;
                    let date = NaiveDate::parse_from_str(parts.next()?, "%Y%m%d").ok()?;
                    let origin = AirportCode::parse(parts.next()?).ok()?;
                    let carrier = AirlineCode::parse(flight.get(..2)?).ok()?;
                    let number = flight.get(2..)?.parse().ok()?;
                    Some((carrier, number, date, origin))
                })
                .collect::<Option<Vec<_>>>()
        })
        .collect::<Option<Vec<_>>>()?;
    Some(OfferKey {
        cabin,
        brand: brand.to_owned(),
        passengers,
        slices,
    })
}

/// The slice an itinerary flies, with local times, as offers show it.
pub fn offer_slice(index: &FlightIndex, it: &Itinerary) -> OfferSlice {
    let segments: Vec<Segment> = it.legs.iter().map(|&l| segment(index, l)).collect();
    let first = index.leg(it.legs[0]);
    let last = index.leg(*it.legs.last().unwrap_or(&it.legs[0]));
    OfferSlice {
        origin: index.airport(first.origin).code,
        destination: index.airport(last.destination).code,
        duration_minutes: last.arrives - first.departs,
        segments,
    }
}

/// Prices one combination of slice itineraries in every brand of the cabin.
pub fn offers_for(
    index: &FlightIndex,
    slices: &[&Itinerary],
    cabin: Cabin,
    passengers: Passengers,
    now: DateTime<Utc>,
    currency: Currency,
    only_brand: Option<&str>,
) -> Vec<Offer> {
    let party = passengers.seats();
    let today = now.date_naive();
    let priced: Option<Vec<PricedSlice>> = slices
        .iter()
        .map(|it| price_slice(index, it, cabin, party, today, currency))
        .collect();
    let Some(priced) = priced else {
        return Vec::new();
    };
    let quick = QuickPrice::combine(
        &priced
            .iter()
            .map(|p| QuickPrice {
                adult_base_minor: p.adult_base_minor,
                seats: p.seats_at_price,
                taxes_per_seat_minor: taxes_per_seat(p, currency),
            })
            .collect::<Vec<_>>(),
    );
    let seats = quick.seats.min(9);
    let out_slices: Vec<OfferSlice> = slices.iter().map(|it| offer_slice(index, it)).collect();
    let priced_refs: Vec<&PricedSlice> = priced.iter().collect();
    FareBrand::for_cabin(cabin)
        .filter(|b| only_brand.is_none_or(|o| o == b.code))
        .map(|brand| {
            let adult = brand.price(Money::from_minor(quick.adult_base_minor, currency));
            let (base, taxes) = party_price(&quick, brand, passengers, currency);
            Offer {
                id: offer_id(index, &priced_refs, cabin, brand.code, passengers),
                supplier: SUPPLIER.to_owned(),
                expires_at: now + Duration::minutes(OFFER_TTL_MINUTES),
                cabin,
                fare_brand: brand.code.to_owned(),
                baggage: brand.baggage,
                conditions: brand.conditions(adult),
                price: OfferPrice {
                    base: Money::from_minor(base, currency),
                    taxes: Money::from_minor(taxes, currency),
                    total: Money::from_minor(base + taxes, currency),
                },
                available_seats: seats,
                slices: out_slices.clone(),
            }
        })
        .collect()
}
