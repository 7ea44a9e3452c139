//! The built-in supplier's schedule: a deterministic, generated network over real airports and
//! airlines ([`network::generate`]).
//!
//! The model, in short:
//! - **Hubs** ([`network::HUBS`]): 32 major hubs (PEK, PVG, HKG, DXB, LHR, JFK, SYD …) and some
//!   secondary ones, each with its home carriers. A carrier is used only if it is in the input
//!   and its country is the hub's country.
//! - **Spokes**: airports with a known city population, one per metropolitan area, ranked within
//!   their country (cities in countries with a hub count more); their number grows with the
//!   square root of the requested flights per day.
//! - **Routes**: hub carriers fly hub–hub (domestic trunks, regional, long-haul) and hub–spoke
//!   (domestic, or international from their hub), always both directions, never shorter than
//!   150 km or longer than the carrier's fleet can fly. Every spoke is served from its nearest
//!   hub, and each hub carrier's best route is kept; the rest are the best by a gravity score
//!   (population × propensity to fly, product over distance), up to a route budget that grows
//!   with the target.
//! - **Frequencies**: weekly frequency = clamp(round(λ × score), 1, cap by distance), with λ
//!   found by bisection so that the average dated departures per day match the target. Seven a
//!   week or more are daily patterns plus one pattern on the remaining days of the week.
//! - **Times**: outbound from the hub spread over 06:00–22:30 local (long-haul chosen to arrive
//!   between 05:00 and 23:20), returns after the aircraft's turnaround within 06:00–23:00, the
//!   next morning if it arrives too late; minutes are multiples of 5. Local offsets are
//!   approximated from the country and longitude (no DST): only timing depends on them.
//! - **Aircraft** ([`aircraft`]): from the carrier's fleet by distance and demand, within range;
//!   block time = 25 min taxi + 1.04 × distance / cruise speed (±3 % east/westbound), rounded to 5.
//! - **Flight numbers**: unique per carrier, outbound odd and return the next even number;
//!   long-haul from 1, regional international from 201, domestic from 1001.
//! - **Codeshares**: a quarter of the international routes to a hub of an alliance partner are
//!   also sold under the partner's code (numbers from 7001), `operating_carrier` set. They are not
//!   counted in the flights per day.
//!
//! Everything random comes from a SplitMix64 seeded with the seed and the route, so the same
//! input gives the same schedule.

pub mod aircraft;
pub mod calendar;
pub mod network;
pub mod supplier;

pub use aircraft::{AIRCRAFT, AircraftType};
pub use network::{HUBS, HubDef, NetworkAirline, NetworkAirport, NetworkParams, generate};
