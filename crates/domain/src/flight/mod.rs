//! Flights: codes, cabins, fare brands and their conditions, fare buckets and pricing,
//! schedules in local airport time, connection rules and the search request. Pure: times and
//! prices are computed from what is passed in.

pub mod codes;
pub mod connection;
pub mod fare;
pub mod geo;
pub mod offer;
pub mod ranking;
pub mod refund;
pub mod schedule;
pub mod search;

pub use codes::{AirlineCode, AirportCode, CodeError};
pub use fare::{Baggage, Cabin, FareBrand, FareConditions, NoShowRule, PenaltyRule};
pub use offer::{Offer, OfferPrice, OfferSlice, Segment};
pub use refund::{FlightRefund, RefundBasis, flight_refund};
pub use schedule::{DaysOfWeek, LegTimes, SchedulePattern};
