//! Supplier connectors. A [`FlightSupplier`] searches, re-prices, books, reads and cancels; the
//! built-in supplier answers from our own schedules, Duffel over its HTTP API, and the
//! [`aggregate`] module fans a search out to every enabled supplier.

pub mod aggregate;
pub mod builtin;
pub mod duffel;
pub mod flight;

pub use flight::{
    CancellationQuote, FlightSupplier, OrderMode, OrderRequest, PassengerDetails, PassengerType,
    ScheduleChange, ScheduleChangePage, SupplierError, SupplierOrder, SupplierOrderStatus,
};
