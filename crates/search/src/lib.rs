//! In-memory search indexes, built from the store at start-up. The query path never touches SQL.
//! Airports by code, city or name; flights (dated legs and connections); places (cities,
//! landmarks, airports) for the hotel destination; hotels.

pub mod airports;
pub mod flight_offers;
pub mod flights;
pub mod hotels;
pub mod places;
mod text;

pub use airports::{AirportIndex, AirportMatch, MatchKind};
