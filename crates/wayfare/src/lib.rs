//! The `wayfare` program: configuration, choosing the database from its URL (once, here),
//! and the commands `serve`, `migrate`, `seed`, `config`, `backup`, `restore` and `bench`.

pub mod accounts;
pub mod app;
pub mod bench;
pub mod bench_booking;
pub mod bench_flights;
pub mod bench_hotels;
pub mod cli;
pub mod config;
pub mod flights;
pub mod hotel_suppliers;
pub mod hotels;
pub mod notify_connectors;
pub mod payment_connectors;
pub mod seed;

pub use app::{Application, StartupError};
pub use config::Config;
