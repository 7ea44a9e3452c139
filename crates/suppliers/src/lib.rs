//! Supplier connectors. A [`FlightSupplier`] searches, re-prices, books, reads and cancels; the
//! built-in supplier answers from our own schedules, Duffel over its HTTP API, and the
//! [`aggregate`] module fans a search out to every enabled supplier. A [`HotelSupplier`]
//! searches stays, checks a rate, books and cancels the same way.

pub mod aggregate;
pub mod builtin;
pub mod duffel;
pub mod flight;
pub mod hotel;
pub mod hotel_aggregate;
pub mod hotelbeds;

pub use flight::{
    CancellationQuote, FlightOnDate, FlightSupplier, OrderMode, OrderRequest, PassengerDetails,
    PassengerType, ScheduleChange, ScheduleChangePage, SupplierError, SupplierOrder,
    SupplierOrderStatus,
};
pub use hotel::{
    HotelBooking, HotelBookingRequest, HotelOffer, HotelPin, HotelRate, HotelResults, HotelSummary,
    HotelSupplier,
};
