//! In-memory search indexes, built from the store at start-up. The query path never touches SQL.
//! Now: airports by code, city or name in Chinese or English. Flights and hotels join later.

pub mod airports;
pub mod flight_offers;
pub mod flights;
mod text;

pub use airports::{AirportIndex, AirportMatch, MatchKind};
