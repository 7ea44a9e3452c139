//! Build, bind, run until stopped: the server's life, shared by `main` and the test kit.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use base64::Engine;
use rand::RngCore;
use std::sync::Arc;
use tokio::net::TcpListener;
use wayfare_store::{Store, StoreError, StoreOptions, settings};

use chrono::Utc;
use wayfare_web::{AppState, Clock, WebConfig};

use crate::config::{Config, ConfigError};
use crate::seed;

/// Why the server could not start. All of these exit with code 2.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("database: {0}")]
    Database(#[from] StoreError),
    #[error(
        "demo accounts exist ({0}); production refuses to start with them: delete them or use a fresh database"
    )]
    DemoAccountsInProduction(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Connects to the configured database (SQLite or PostgreSQL, by URL) and applies migrations.
pub async fn open_store(config: &Config) -> Result<Store, StartupError> {
    let opts = StoreOptions {
        max_connections: config.database.max_connections,
        acquire_timeout: Duration::from_secs(config.database.acquire_timeout_secs),
        busy_timeout: Duration::from_millis(config.database.busy_timeout_ms),
        pg_schema: config.database.schema.clone(),
    };
    let store = Store::connect(&config.database_url, &opts).await?;
    store.migrate().await?;
    Ok(store)
}

/// The fonts itineraries embed: the configured CJK font, else one from the system's fonts;
/// without any, Chinese itineraries are printed in English (said once, here).
fn itinerary_fonts(config: &Config) -> Result<wayfare_itinerary::Fonts, ConfigError> {
    let fonts = wayfare_itinerary::Fonts::discover(config.notifications.itinerary_font.as_deref())
        .map_err(|e| ConfigError::BadValue {
            key: "notifications.itinerary_font",
            problem: e.to_string(),
        })?;
    match fonts.cjk_source() {
        Some(path) => tracing::info!(font = %path.display(), "itinerary CJK font"),
        None => tracing::warn!(
            "no CJK font found (set notifications.itinerary_font or install fonts-wqy-microhei); Chinese itineraries will be printed in English"
        ),
    }
    Ok(fonts)
}

/// The installation's signing key: configured, or generated once and kept in the database.
async fn secret_key(config: &Config, store: &Store) -> Result<Vec<u8>, StoreError> {
    if let Some(k) = &config.secret_key {
        return Ok(k.expose().as_bytes().to_vec());
    }
    let stored = store
        .setting_or_init(settings::SECRET_KEY, || {
            let mut key = [0u8; 32];
            rand::rng().fill_bytes(&mut key);
            base64::engine::general_purpose::STANDARD.encode(key)
        })
        .await?;
    Ok(stored.into_bytes())
}

/// A server that is bound and ready to run.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    /// The sandbox payment provider, whose notifications this process delivers to itself.
    sandbox: wayfare_payments::SandboxProvider,
    bound: SocketAddr,
    grace: Duration,
    /// The outbox worker of this process, when `notifications.worker` is on.
    outbox: Option<(wayfare_notify::outbox::OutboxWorker, Duration)>,
    /// Demo accounts made on this start (their passwords are printed once, after the address).
    new_demo_accounts: Vec<(&'static str, &'static str, wayfare_domain::account::Role)>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("addr", &self.local_addr())
            .finish()
    }
}

impl Application {
    /// Connects, migrates, loads base data (and demo data on a first start when configured),
    /// builds the router and binds the listener. Port 0 picks a free port.
    pub async fn build(config: &Config) -> Result<Application, StartupError> {
        Application::build_with_clock(config, Arc::new(Utc::now)).await
    }

    /// As [`Application::build`], reading "now" from `clock` (tests fix the date).
    pub async fn build_with_clock(
        config: &Config,
        clock: Clock,
    ) -> Result<Application, StartupError> {
        let store = open_store(config).await?;
        seed::ensure_base_data(&store).await?;
        if config.seed_demo_on_first_start
            && store.setting(settings::DEMO_SEEDED_AT).await?.is_none()
        {
            let report = seed::seed_demo(
                &store,
                config.flights.demo_flights_per_day,
                clock().date_naive(),
                config.flights.horizon_days,
                config.hotels.demo_hotels,
            )
            .await?;
            tracing::info!(?report, "demo data loaded on first start");
        }
        let mut new_demo_accounts = Vec::new();
        if config.seed_demo_on_first_start
            && config.accounts.demo_accounts
            && !crate::accounts::is_production(config)
            && store
                .setting(crate::accounts::DEMO_ACCOUNTS_SETTING)
                .await?
                .is_none()
        {
            new_demo_accounts = crate::accounts::ensure_demo_accounts(
                &store,
                &config.default_locale,
                &config.default_currency,
            )
            .await?;
        }
        if crate::accounts::is_production(config) {
            let live = crate::accounts::live_demo_accounts(&store).await?;
            if !live.is_empty() {
                return Err(StartupError::DemoAccountsInProduction(live.join(", ")));
            }
        }
        let flights = crate::flights::catalog(&store, config, clock.clone()).await?;
        let web = WebConfig {
            default_locale: config.locale()?,
            default_currency: config.currency()?,
            body_limit_bytes: config.http.body_limit_bytes,
            request_timeout: config.request_timeout(),
            hsts: config.http.hsts,
            trust_forwarded_proto: config.http.trust_forwarded_proto,
            secure_cookies: config.http.secure_cookies,
            secret_key: secret_key(config, &store).await?,
            map_tiles_url: config.hotels.map_tiles_url.clone(),
            stripe_js: None,
            klarna_js_url: None,
            wechat_oauth: None,
            payment_redirect_origins: Vec::new(),
            itinerary_fonts: itinerary_fonts(config)?,
        };
        let (hotels, _builtin_hotels) =
            crate::hotel_suppliers::catalog(&store, config, clock.clone()).await?;
        let listener =
            TcpListener::bind(config.bind)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: config.bind,
                    source,
                })?;
        let bound = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: config.bind,
            source,
        })?;
        let accounts =
            crate::accounts::service(config, &store, web.secret_key.clone(), clock.clone(), bound)
                .await?;
        let sandbox = wayfare_payments::SandboxProvider::with_webhooks(
            store.clone(),
            clock.clone(),
            wayfare_payments::sandbox::SandboxWebhooks {
                secret: sandbox_webhook_secret(&web.secret_key),
                delay: Duration::from_secs(u64::from(config.payments.sandbox_webhook_delay_secs)),
            },
        );
        // The real connectors that are configured, then the sandbox unless turned off.
        let connectors = crate::payment_connectors::build(
            &config.payments,
            &accounts.config().public_base_url,
            clock.clone(),
        )?;
        tracing::info!(connectors = ?connectors, sandbox = config.payments.sandbox, "payment connectors");
        let mut payments = connectors.providers;
        if config.payments.sandbox {
            payments.push(Arc::new(sandbox.clone()));
        }
        let mut web = web;
        web.stripe_js = connectors.stripe_js.map(|s| wayfare_web::StripeJsConfig {
            publishable_key: s.publishable_key,
            js_url: s.js_url,
        });
        web.klarna_js_url = connectors.klarna.as_ref().map(|k| k.1.clone());
        web.wechat_oauth = connectors.wechat_oauth;
        web.payment_redirect_origins = connectors.redirect_origins;
        let orders = wayfare_booking::Orders::new(wayfare_booking::OrdersParts {
            store: store.clone(),
            flights: flights.shared_aggregator(),
            hotels: hotels.shared_aggregator(),
            payments,
            notifier: accounts.notifier().clone(),
            sealer: accounts.sealer().clone(),
            clock: clock.clone(),
            config: wayfare_booking::OrdersConfig {
                hold: chrono::Duration::minutes(i64::from(config.booking.hold_minutes)),
                public_base_url: accounts.config().public_base_url.clone(),
                token_key: web.secret_key.clone(),
                reconcile_after: chrono::Duration::seconds(i64::from(
                    config.payments.reconcile_after_secs,
                )),
                payments: wayfare_booking::PaymentSettings {
                    methods: config.payments.methods.clone(),
                    instalments: config.payments.instalments.clone(),
                    klarna: connectors.klarna.map(|k| k.0),
                },
                ..wayfare_booking::OrdersConfig::default()
            },
        })
        .await?;
        // Account messages are delivered at once by the request that writes them; one that
        // fails is left to the workers, with their retry policy.
        let accounts = accounts.with_message_retry(config.notifications.retry_policy());
        let outbox = config.notifications.worker.then(|| {
            let owner = format!(
                "serve-{}-{}",
                std::process::id(),
                uuid::Uuid::now_v7().simple()
            );
            let worker =
                wayfare_notify::outbox::OutboxWorker::new(store.clone(), owner, clock.clone())
                    .with_policy(config.notifications.retry_policy())
                    .handle(
                        wayfare_booking::ORDER_MESSAGE_EVENT,
                        orders.message_handler(),
                    )
                    .handle(
                        wayfare_accounts::ACCOUNT_MESSAGE_EVENT,
                        accounts.message_handler(),
                    );
            (
                worker,
                Duration::from_millis(config.notifications.poll_millis),
            )
        });
        let state = AppState::load(store, web, flights, hotels, accounts, orders).await?;
        state.orders().set_itinerary_maker(Arc::new(
            wayfare_web::views::bookings::itinerary::StateItineraries::new(&state),
        ));
        let router = wayfare_web::router(state.clone());
        Ok(Application {
            listener,
            router,
            state,
            sandbox,
            bound,
            grace: Duration::from_secs(config.http.shutdown_grace_secs),
            outbox,
            new_demo_accounts,
        })
    }

    /// The demo accounts this start created (empty after the first start).
    pub fn new_demo_accounts(
        &self,
    ) -> &[(&'static str, &'static str, wayfare_domain::account::Role)] {
        &self.new_demo_accounts
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish (up to the grace
    /// period) and closes the database pool.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
        let app = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let server = axum::serve(self.listener, app).with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing in-flight requests");
            let _ = stopping_tx.send(());
        });
        let grace = self.grace;
        let deadline = async move {
            if stopping_rx.await.is_ok() {
                tokio::time::sleep(grace).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        let background = background_work(&self.state, self.outbox);
        let sandbox_webhooks = deliver_sandbox_webhooks_forever(self.sandbox, self.bound);
        let result = tokio::select! {
            r = server => r,
            () = background => Ok(()),
            () = sandbox_webhooks => Ok(()),
            () = deadline => {
                tracing::warn!(grace_secs = grace.as_secs(), "grace period over; dropping remaining connections");
                Ok(())
            }
        };
        let _ = self.state.store().clone().close().await;
        result
    }
}

impl Application {
    /// The background work without the web server (`wayfare worker`): the notification outbox,
    /// the order sweeper (expiry, reminders, reconciliation) and the expiry of supplier holds,
    /// until `shutdown` completes. (The sandbox's notifications go to a server's own port, so
    /// `serve` sends those.)
    pub async fn run_background_until(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        tokio::select! {
            () = shutdown => tracing::info!("worker stopping"),
            () = background_work(&self.state, self.outbox) => {}
        }
        let _ = self.state.store().clone().close().await;
    }
}

/// The work every `serve` and `worker` process does besides answering requests, for ever:
/// expiring supplier holds, the order sweeper and, when this process has one, the outbox
/// worker.
async fn background_work(
    state: &AppState,
    outbox: Option<(wayfare_notify::outbox::OutboxWorker, Duration)>,
) {
    let holds = crate::flights::expire_holds_forever(
        state.flights().builtin().cloned(),
        Duration::from_secs(60),
    );
    let hotel_holds = crate::hotel_suppliers::expire_holds_forever(
        state.hotels().builtin().cloned(),
        Duration::from_secs(60),
    );
    let sweeper = state.orders().clone().sweep_forever(Duration::from_secs(5));
    // Airlines' schedule changes from the suppliers' feeds, applied to the orders they touch.
    let schedule_changes = state
        .orders()
        .clone()
        .follow_schedule_changes_forever(Duration::from_secs(60));
    let outbox = async move {
        match outbox {
            Some((worker, idle)) => worker.run_until(idle, std::future::pending()).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = holds => {}
        () = hotel_holds => {}
        () = sweeper => {}
        () = schedule_changes => {}
        () = outbox => {}
    }
}

/// The sandbox's notification signing key, derived from the installation's secret.
pub fn sandbox_webhook_secret(secret_key: &[u8]) -> Vec<u8> {
    wayfare_domain::account::sha256_hex(
        &[b"wayfare sandbox webhooks\0".as_slice(), secret_key].concat(),
    )
    .into_bytes()
}

/// Sends the sandbox provider's due notifications to this server's own
/// `POST /api/v1/webhooks/sandbox` over HTTP, as a real provider would; an answer other than
/// 2xx is sent again later (after 5 s, 10 s … up to 5 min).
async fn deliver_sandbox_webhooks_forever(
    sandbox: wayfare_payments::SandboxProvider,
    bound: SocketAddr,
) {
    let host = if bound.ip().is_unspecified() {
        SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), bound.port())
    } else {
        bound
    };
    let url = format!("http://{host}/api/v1/webhooks/sandbox");
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "sandbox notifications disabled: no HTTP client");
            return std::future::pending().await;
        }
    };
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let due = match sandbox
            .claim_due_webhooks(50, Duration::from_secs(60))
            .await
        {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the sandbox's notifications");
                continue;
            }
        };
        for hook in due {
            let sent = client
                .post(&url)
                .header("content-type", "application/json")
                .header(wayfare_payments::sandbox::SIGNATURE_HEADER, &hook.signature)
                .body(hook.body.clone())
                .send()
                .await;
            let result = match sent {
                Ok(r) if r.status().is_success() => sandbox.webhook_delivered(&hook.id).await,
                Ok(r) => {
                    let status = r.status();
                    sandbox
                        .webhook_failed(
                            &hook.id,
                            &format!("answered {status}"),
                            Duration::from_secs(10),
                        )
                        .await
                }
                Err(e) => {
                    sandbox
                        .webhook_failed(&hook.id, &e.to_string(), Duration::from_secs(10))
                        .await
                }
            };
            if let Err(e) = result {
                tracing::warn!(error = %e, webhook = %hook.id, "sandbox notification state not saved");
            }
        }
    }
}

/// Runs `step` every `every` until the task is dropped, logging how many things it did
/// (`what`) and its failures; a failure waits for the next round.
pub(crate) async fn repeat_forever<F, Fut, E>(every: Duration, what: &'static str, mut step: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<usize, E>>,
    E: std::fmt::Display,
{
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match step().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(count = n, "{what}"),
            Err(e) => tracing::warn!(error = %e, "{what}: failed; trying again next round"),
        }
    }
}

/// Prints the demo accounts made on this start: the only time their passwords are shown.
pub fn print_demo_accounts(created: &[(&str, &str, wayfare_domain::account::Role)]) {
    if created.is_empty() {
        return;
    }
    use std::io::Write;
    // Written without `println!`: a closed stdout (a supervisor that only read the first
    // line) must not bring the server down.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "Demo accounts (for trying Wayfare only; never use them in production):"
    );
    for (email, password, role) in created {
        let _ = writeln!(
            out,
            "  {:<11} {email:<32} password: {password}",
            role.as_str()
        );
    }
    let _ = out.flush();
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
