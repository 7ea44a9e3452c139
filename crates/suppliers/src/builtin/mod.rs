//! The built-in supplier: its schedule is a deterministic, generated network over real airports
//! and airlines ([`network::generate`]), searched through [`supplier`] and [`calendar`].
//!
//! The network model, in short:
//! - **Hubs** ([`network::HUBS`]): the 32 major hubs of the issue (PEK, PVG, HKG, DXB, LHR, JFK,
//!   SYD …) and ~50 secondary ones (CKG, DEL, MUC, ATL, GRU …), each with its home carriers. A
//!   carrier is used only if it is in the input and its country is the hub's country.
//! - **Spokes**: airports with a known city population, one per metropolitan area (a list of
//!   main airports picks SVO over BKA), ranked within their country, with countries that have a
//!   hub counting more; `1.5 × flights_per_day ^ 0.6` of them.
//! - **Routes**: hub carriers fly hub–hub (domestic trunks, regional, long-haul) and hub–spoke
//!   (domestic, or international from their own hub), always both directions, 150 km or more
//!   and within their fleet's range. Candidates are scored by gravity (city population ×
//!   propensity to fly, product over distance^0.7, ^0.3 beyond 4,000 km with a region
//!   affinity such as Europe–North America), weighted for trunks, then each hub's traffic is
//!   shared among its routes (an origin-constrained gravity model that grows with the square
//!   root of the hub's market), so a hub with many domestic spokes does not swamp the others.
//!   Every spoke is served from its nearest hub and each hub carrier keeps its best route; the
//!   rest are taken best first up to a budget that grows with the target. Long-haul (≥ 4,000
//!   km) is a separate pool with 12 % of the departures, taken round the hub carriers so a
//!   small network still has its intercontinental routes.
//! - **Frequencies**: weekly = clamp(round(λ × score), 1, a cap by distance), λ found by
//!   bisection so that the average dated departures per day match the target (more routes are
//!   added when the caps bind). Seven a week or more become daily patterns plus one pattern on
//!   the remaining days of the week.
//! - **Times**: outbound from the hub spread over 06:00–22:30 local (long-haul chosen to arrive
//!   between 05:00 and 23:20), returns after the aircraft's turnaround within 06:00–23:00, the
//!   next morning if it lands too late; multiples of 5 minutes. Local offsets are approximated
//!   from the country and longitude (no DST): only the timing of returns depends on them.
//! - **Aircraft** ([`aircraft`]): from the carrier's fleet by distance and demand, within range;
//!   block = 25 min taxi + 15 min climb and approach + 1.04 × distance / cruise speed (±3 %
//!   east/westbound), rounded to 5 minutes.
//! - **Flight numbers**: unique per carrier, outbound odd and its return the next even number;
//!   long-haul from 1, regional international from 201, domestic from 1001.
//! - **Codeshares**: a quarter of the international routes to a hub of an alliance partner are
//!   also sold under the partner's code (numbers from 7001) with `operating_carrier` set. They
//!   are not counted in the flights per day.
//!
//! Everything random comes from a SplitMix64 seeded with the seed and the route, so the same
//! input gives the same schedule.

pub mod aircraft;
pub mod calendar;
pub mod hotel_bookings;
pub mod hotel_supplier;
pub mod hotels;
pub mod network;
pub mod orders;
pub mod simulation;
pub mod supplier;

pub use aircraft::{AIRCRAFT, AircraftType};
pub use network::{HUBS, HubDef, NetworkAirline, NetworkAirport, NetworkParams, generate};
