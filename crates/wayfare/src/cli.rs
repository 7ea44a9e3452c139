//! Command-line interface.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{LogFormat, Overrides};

#[derive(Debug, Parser)]
#[command(
    name = "wayfare",
    version,
    about = "Wayfare: flight and hotel booking platform"
)]
pub struct Cli {
    /// Configuration file (default: ./wayfare.toml when present).
    #[arg(long, global = true, env = "WAYFARE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER:PASS@HOST/DB.
    #[arg(long = "database", global = true, value_name = "URL")]
    pub database: Option<String>,
    /// Address to listen on, e.g. 0.0.0.0:8080.
    #[arg(long, global = true, value_name = "ADDR:PORT")]
    pub bind: Option<String>,
    /// Log format.
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Run the background work without the web server: the notification outbox, the order
    /// sweeper and the expiry of holds (any number of these and of `serve` may share a
    /// database: each event is sent once).
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// Load data: `--demo` loads reference data, display rates and demo inventory (idempotent).
    Seed {
        #[arg(long)]
        demo: bool,
        /// Regenerate the built-in flight network at this many average daily departures
        /// (e.g. 100000 for the benchmark schedule); replaces the stored schedules.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=200_000))]
        flights_per_day: Option<u32>,
        /// Regenerate the built-in hotels, this many of them (e.g. 1000000 for the benchmarks);
        /// replaces the stored hotels.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::config::MAX_HOTELS)))]
        hotels: Option<u32>,
    },
    /// Print the effective configuration (secrets redacted).
    Config,
    /// Write a consistent copy of the SQLite database while it may be serving.
    Backup {
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Replace the SQLite database with a backup (stop the server first).
    Restore {
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
    },
    /// Benchmarks printing p50/p99 against a baseline measured in the same run.
    Bench {
        #[command(subcommand)]
        which: BenchTarget,
    },
    /// Payment operations.
    Payments {
        #[command(subcommand)]
        which: PaymentsCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum PaymentsCommand {
    /// Asks the providers about every payment left open (no answer, waiting for the customer,
    /// a capture that did not go through) and every pending refund, fixes our records from
    /// their answers, and prints what changed. Exits 1 when a record's amount differs from the
    /// provider's or a provider could not be asked.
    Reconcile {
        /// Only payments unchanged for at least this many seconds (0: all open ones).
        #[arg(long, default_value_t = 0)]
        older_than_secs: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchTarget {
    /// Flight search on a generated schedule (in a scratch database): index against SQL.
    Flights {
        #[arg(long, default_value_t = 100_000)]
        flights_per_day: u32,
        #[arg(long, default_value_t = 30)]
        days: u32,
        #[arg(long, default_value_t = 1000)]
        queries: usize,
        /// The scratch database the schedule is written to (replaced each run).
        #[arg(long, default_value = "sqlite://data/bench.db")]
        scratch: String,
        /// Also measure searches per second over HTTP with this many requests (0: skip).
        #[arg(long, default_value_t = 2000)]
        http_requests: usize,
    },
    /// Hotel search on generated hotels (in a scratch database): index against SQL.
    Hotels {
        #[arg(long, default_value_t = 1_000_000)]
        hotels: u32,
        /// Radius searches (and as many map boxes).
        #[arg(long, default_value_t = 2000)]
        queries: usize,
        /// Radius searches also answered by the SQL baseline (compared, then timed).
        #[arg(long, default_value_t = 200)]
        baseline_queries: usize,
        /// The scratch database the hotels are written to.
        #[arg(long, default_value = "sqlite://data/bench-hotels.db")]
        scratch: String,
        /// Keep the scratch database's hotels when it already holds that many.
        #[arg(long)]
        reuse: bool,
        /// Also measure searches per second over HTTP with this many requests (0: skip).
        #[arg(long, default_value_t = 4000)]
        http_requests: usize,
    },
    /// Whole orders over HTTP (create, then pay in the sandbox) by concurrent clients, and the
    /// hot-flight race through the orders API next to a `SELECT … FOR UPDATE` baseline; on
    /// SQLite and, with `--postgres`, on PostgreSQL.
    Booking {
        #[arg(long, default_value_t = 2000)]
        orders: usize,
        #[arg(long, default_value_t = 64)]
        clients: usize,
        #[arg(long, default_value_t = 256)]
        race_clients: usize,
        #[arg(long, default_value_t = 100)]
        race_seats: u16,
        /// Database connections of the app under test (16 served 64 clients best on 2 cores).
        #[arg(long, default_value_t = 16)]
        pool: u32,
        /// The SQLite scratch database (replaced each run).
        #[arg(long, default_value = "sqlite://data/bench-booking.db")]
        scratch: String,
        /// Also run on this PostgreSQL database (in a schema of its own, dropped after).
        #[arg(long)]
        postgres: Option<String>,
    },
    /// Airport autocomplete: the in-memory index against a SQL LIKE query.
    Airports {
        /// Number of queries.
        #[arg(long, default_value_t = 2000)]
        queries: usize,
    },
}

impl Cli {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            database_url: self.database.clone(),
            bind: self.bind.clone(),
            log_format: self.log_format,
        }
    }
}
