//! Wayfare's pure domain: value types and rules with no I/O, no async and no framework types.
//! Clocks and randomness are passed in by callers.

pub mod account;
pub mod flight;
pub mod fx;
pub mod hotel;
pub mod money;
pub mod order;
pub mod payment;
pub mod reference;

pub use fx::{Conversion, ExchangeRate, FxError, RateTable};
pub use money::{Currency, Money, MoneyError};

/// Where services read the time from: `Utc::now` in production, a fixed or moving clock in
/// tests. (Domain logic itself takes times as arguments.)
pub type Clock = std::sync::Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>;
