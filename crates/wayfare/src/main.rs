//! `wayfare`: run `wayfare --help` for the commands.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;
use wayfare::app::{self, Application, StartupError};
use wayfare::cli::{BenchTarget, Cli, Command, PaymentsCommand};
use wayfare::config::{Config, LogFormat};
use wayfare::{bench, seed};

/// mimalloc for the whole process: glibc's malloc took a fifth of the server's CPU time under
/// load (`wayfare bench booking`, README), mostly contention and consolidation between the
/// runtime's threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code for bad configuration, an unreachable database or an unusable address.
const EXIT_CONFIG: u8 = 2;

fn init_logging(config: &Config) {
    let filter =
        EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new(&config.log_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
        LogFormat::Text => builder.compact().init(),
    }
}

fn fail(code: u8, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("wayfare: {message}");
    ExitCode::from(code)
}

fn startup_failure(e: StartupError) -> ExitCode {
    fail(EXIT_CONFIG, e)
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref(), &cli.overrides()) {
        Ok(c) => c,
        Err(e) => return fail(EXIT_CONFIG, e),
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            init_logging(&config);
            let app = match Application::build(&config).await {
                Ok(a) => a,
                Err(e) => return startup_failure(e),
            };
            let addr = app.local_addr();
            println!(
                "Wayfare is running at http://{addr}  (database: {})",
                wayfare_store::redact_url(&config.database_url)
            );
            app::print_demo_accounts(app.new_demo_accounts());
            tracing::info!(%addr, "listening");
            match app.run_until(app::shutdown_signal()).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(1, format!("server error: {e}")),
            }
        }
        Command::Worker => {
            init_logging(&config);
            // The service as the server builds it, on a port of its own that serves nothing.
            let mut local = config.clone();
            local.bind = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            local.seed_demo_on_first_start = false;
            local.notifications.worker = true;
            let app = match Application::build(&local).await {
                Ok(a) => a,
                Err(e) => return startup_failure(e),
            };
            println!(
                "Wayfare worker running (database: {})",
                wayfare_store::redact_url(&config.database_url)
            );
            app.run_background_until(app::shutdown_signal()).await;
            ExitCode::SUCCESS
        }
        Command::Migrate => {
            init_logging(&config);
            match app::open_store(&config).await {
                Ok(_) => {
                    println!("migrations applied");
                    ExitCode::SUCCESS
                }
                Err(e) => startup_failure(e),
            }
        }
        Command::Seed {
            demo,
            flights_per_day,
            hotels,
        } => {
            init_logging(&config);
            let store = match app::open_store(&config).await {
                Ok(s) => s,
                Err(e) => return startup_failure(e),
            };
            let today = chrono::Utc::now().date_naive();
            if let Some(n) = flights_per_day {
                if let Err(e) = seed::ensure_base_data(&store).await {
                    return fail(1, e);
                }
                match wayfare::flights::generate_schedules(
                    &store,
                    n,
                    today,
                    config.flights.horizon_days,
                )
                .await
                {
                    Ok(count) => println!(
                        "flight network regenerated: {count} schedules at {n} flights per day"
                    ),
                    Err(e) => return fail(1, e),
                }
            }
            if let Some(n) = hotels {
                if let Err(e) = seed::ensure_base_data(&store).await {
                    return fail(1, e);
                }
                let started = std::time::Instant::now();
                match wayfare::hotels::generate_hotels_into(&store, n, today).await {
                    Ok(count) => println!(
                        "built-in hotels regenerated: {count} hotels in {:.1} s",
                        started.elapsed().as_secs_f64()
                    ),
                    Err(e) => return fail(1, e),
                }
            }
            if demo && config.accounts.demo_accounts {
                if wayfare::accounts::is_production(&config) {
                    return fail(
                        EXIT_CONFIG,
                        "demo accounts are never created in production (WAYFARE_ENV=production)",
                    );
                }
                match wayfare::accounts::ensure_demo_accounts(
                    &store,
                    &config.default_locale,
                    &config.default_currency,
                )
                .await
                {
                    Ok(created) => app::print_demo_accounts(&created),
                    Err(e) => return fail(1, e),
                }
            }
            let result = if demo {
                seed::seed_demo(&store, config.flights.demo_flights_per_day, today, config.flights.horizon_days, config.hotels.demo_hotels).await.map(|r| {
                    println!(
                        "demo data loaded: {} airports, {} airlines, {} cities, {} exchange rates, {} flight schedules, {} hotels",
                        r.reference.airports, r.reference.airlines, r.reference.cities, r.exchange_rates, r.flight_schedules, r.hotels
                    )
                })
            } else if flights_per_day.is_some() || hotels.is_some() {
                Ok(())
            } else {
                seed::ensure_base_data(&store)
                    .await
                    .map(|()| println!("base data present (use --demo for demo data)"))
            };
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(1, e),
            }
        }
        Command::Config => {
            print!("{}", config.to_redacted_toml());
            ExitCode::SUCCESS
        }
        Command::Backup { to } => {
            let store = match app::open_store(&config).await {
                Ok(s) => s,
                Err(e) => return startup_failure(e),
            };
            if store.backend() == wayfare_store::Backend::Postgres {
                return fail(
                    EXIT_CONFIG,
                    wayfare_store::backup::pg_dump_hint(&config.database_url, &to),
                );
            }
            match store.backup_to(&to).await {
                Ok(r) => {
                    println!(
                        "backup written to {} ({} pages, {} bytes)",
                        r.path.display(),
                        r.pages,
                        r.bytes
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(1, e),
            }
        }
        Command::Restore { from } => {
            let store = match app::open_store(&config).await {
                Ok(s) => s,
                Err(e) => return startup_failure(e),
            };
            if store.backend() == wayfare_store::Backend::Postgres {
                return fail(
                    EXIT_CONFIG,
                    wayfare_store::backup::pg_dump_hint(&config.database_url, &from),
                );
            }
            match store.restore_from(&from).await {
                Ok(r) => {
                    // A backup from an older release may need the newer migrations.
                    if let Err(e) = store.migrate().await {
                        return fail(1, e);
                    }
                    println!(
                        "restored {} from {} ({} pages)",
                        r.path.display(),
                        from.display(),
                        r.pages
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(1, e),
            }
        }
        Command::Payments {
            which: PaymentsCommand::Reconcile { older_than_secs },
        } => {
            // The service as the server builds it, on a port of its own so a running server
            // is not disturbed.
            let mut local = config.clone();
            local.bind = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            local.seed_demo_on_first_start = false;
            let app = match Application::build(&local).await {
                Ok(a) => a,
                Err(e) => return startup_failure(e),
            };
            let report = match app
                .state()
                .orders()
                .reconcile(chrono::Duration::seconds(i64::from(older_than_secs)))
                .await
            {
                Ok(r) => r,
                Err(e) => return fail(1, e),
            };
            println!("checked {} payments and refunds", report.checked);
            for f in &report.fixed {
                println!(
                    "fixed {} (order {}): {} -> {}",
                    f.id, f.order_reference, f.from, f.to
                );
            }
            for m in &report.mismatches {
                println!("MISMATCH {m}");
            }
            for e in &report.errors {
                println!("ERROR {e}");
            }
            if report.mismatches.is_empty() && report.errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Command::Bench { which } => {
            let store = match app::open_store(&config).await {
                Ok(s) => s,
                Err(e) => return startup_failure(e),
            };
            let result = match which {
                BenchTarget::Booking {
                    orders,
                    clients,
                    race_clients,
                    race_seats,
                    pool,
                    scratch,
                    postgres,
                } => {
                    let urls: Vec<String> = std::iter::once(scratch).chain(postgres).collect();
                    match wayfare::bench_booking::booking(
                        &urls,
                        orders,
                        clients,
                        race_clients,
                        race_seats,
                        pool,
                    )
                    .await
                    {
                        Ok(r) => Ok(r),
                        Err(e) => return startup_failure(e),
                    }
                }
                BenchTarget::Airports { queries } => bench::airports(&store, queries)
                    .await
                    .map(|r| r.to_string()),
                BenchTarget::Hotels {
                    hotels,
                    queries,
                    baseline_queries,
                    scratch,
                    reuse,
                    http_requests,
                } => {
                    let report = wayfare::bench_hotels::hotels(
                        &scratch,
                        hotels,
                        queries,
                        baseline_queries,
                        reuse,
                    )
                    .await;
                    match report {
                        Ok(report) if http_requests > 0 => {
                            // The bench's index is gone by now; the app loads its own.
                            println!("{report}");
                            match wayfare::bench_hotels::http(&scratch, http_requests, 16).await {
                                Ok(h) => Ok(h.to_string()),
                                Err(e) => return startup_failure(e),
                            }
                        }
                        other => other.map(|r| r.to_string()),
                    }
                }
                BenchTarget::Flights {
                    flights_per_day,
                    days,
                    queries,
                    scratch,
                    http_requests,
                } => {
                    match wayfare::bench_flights::flights(&scratch, flights_per_day, days, queries)
                        .await
                    {
                        Ok(report) if http_requests > 0 => {
                            match wayfare::bench_flights::http(&scratch, days, http_requests, 16)
                                .await
                            {
                                Ok(h) => Ok(format!("{report}\n{h}")),
                                Err(e) => return startup_failure(e),
                            }
                        }
                        other => other.map(|r| r.to_string()),
                    }
                }
            };
            match result {
                Ok(report) => {
                    println!("{report}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(1, e),
            }
        }
    }
}
