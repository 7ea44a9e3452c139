//! Turns itineraries from the [`FlightIndex`] into priced offers of the built-in supplier: one
//! offer per fare brand, the party priced in the cheapest bucket where it fits on every leg.
//! Offer ids encode the flights, date, cabin, brand and party, so an offer can be re-priced
//! from its id alone.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use wayfare_domain::flight::codes::{AirlineCode, AirportCode};
use wayfare_domain::flight::fare::{Cabin, FareBrand, bucket_fare_from_base, open_bucket};
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

/// A priced slice: its per-adult base fare and the seats left at that price.
struct PricedSlice {
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
        let sold = u32::from(index.sold_in(id, cabin));
        let open = open_bucket(cabin, capacity, sold, party)?;
        let days = (leg.date - today).num_days();
        // The same fare as `bucket_fare(flight.distance_km, …)`, its distance part precomputed.
        sum += bucket_fare_from_base(index.economy_base(leg), cabin, open.bucket, days, currency)
            .minor();
        seats = seats.min(open.seats_at_price);
        if index.is_international(leg) {
            intl += 1;
        } else {
            dom += 1;
        }
    }
    if it.legs.len() > 1 {
        sum -= sum * CONNECTION_DISCOUNT_PERMILLE / 1000;
    }
    Some(PricedSlice {
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

/// Appends `n` in decimal, zero-padded to `width` digits.
fn push_number(s: &mut String, n: u32, width: usize) {
    let mut digits = [0u8; 10];
    let mut len = 0;
    let mut v = n;
    loop {
        digits[len] = b'0' + (v % 10) as u8;
        len += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for _ in len..width {
        s.push('0');
    }
    for &c in digits[..len].iter().rev() {
        s.push(char::from(c));
    }
}

/// Appends the date as chrono's `%Y%m%d` writes it.
fn push_ymd(s: &mut String, date: NaiveDate) {
    let year = date.year();
    if (0..=9999).contains(&year) {
        push_number(s, year as u32, 4);
        push_number(s, date.month(), 2);
        push_number(s, date.day(), 2);
    } else {
        use std::fmt::Write as _;
        let _ = write!(s, "{}", date.format("%Y%m%d"));
    }
}

/// Appends a leg's part of an offer id: `CA937-20261210-PEK`.
fn push_leg_key(s: &mut String, index: &FlightIndex, id: u32) {
    let leg = index.leg(id);
    let f = index.flight(leg);
    s.push_str(f.carrier.as_str());
    push_number(s, u32::from(f.flight_number), 0);
    s.push('-');
    push_ymd(s, leg.date);
    s.push('-');
    s.push_str(index.airport(leg.origin).code.as_str());
}

/// The slices part of an offer id: `CA937-20261210-PEK~BA10-20261211-LHR__…`.
fn offer_id_slices(index: &FlightIndex, slices: &[&Itinerary]) -> String {
    let mut s = String::with_capacity(slices.iter().map(|it| it.legs.len() * 22).sum());
    for (i, it) in slices.iter().enumerate() {
        if i > 0 {
            s.push_str("__");
        }
        for (j, &l) in it.legs.iter().enumerate() {
            if j > 0 {
                s.push('~');
            }
            push_leg_key(&mut s, index, l);
        }
    }
    s
}

/// Builds the offer id: `bi_<cabin>_<brand>_<adults>.<children>.<infants>_<slice>__<slice>`,
/// each slice `CA937-20261210-PEK~BA10-20261211-LHR` (`slices` from [`offer_id_slices`]).
fn offer_id(slices: &str, cabin: Cabin, brand: &str, p: Passengers) -> String {
    let mut s = String::with_capacity(32 + slices.len());
    s.push_str("bi_");
    s.push_str(cabin.as_str());
    s.push('_');
    s.push_str(brand);
    s.push('_');
    push_number(&mut s, u32::from(p.adults), 0);
    s.push('.');
    push_number(&mut s, u32::from(p.children), 0);
    s.push('.');
    push_number(&mut s, u32::from(p.infants), 0);
    s.push('_');
    s.push_str(slices);
    s
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
    let mut out_slices: Option<Vec<OfferSlice>> =
        Some(slices.iter().map(|it| offer_slice(index, it)).collect());
    let id_slices = offer_id_slices(index, slices);
    let chosen: Vec<&FareBrand> = FareBrand::for_cabin(cabin)
        .filter(|b| only_brand.is_none_or(|o| o == b.code))
        .collect();
    let last = chosen.len().saturating_sub(1);
    chosen
        .into_iter()
        .enumerate()
        .map(|(i, brand)| {
            let adult = brand.price(Money::from_minor(quick.adult_base_minor, currency));
            let (base, taxes) = party_price(&quick, brand, passengers, currency);
            // The last brand takes the slices; the others get copies.
            let slices = if i == last {
                out_slices.take().unwrap_or_default()
            } else {
                out_slices.clone().unwrap_or_default()
            };
            Offer {
                id: offer_id(&id_slices, cabin, brand.code, passengers),
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
                slices,
            }
        })
        .collect()
}
