//! Configuration: documented defaults, then `wayfare.toml` (or `--config FILE`), then `WAYFARE_*`
//! environment variables (`WAYFARE_HTTP__BODY_LIMIT_BYTES` for nested keys), then `DATABASE_URL`,
//! then command-line flags. Unknown keys and wrong types are errors that name the key.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use wayfare_domain::Currency;
use wayfare_web::Locale;

/// A secret that never prints.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    #[default]
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `development` (default) or `production` (`WAYFARE_ENV=production`): production refuses
    /// demo accounts and generated encryption keys.
    pub env: Environment,
    /// Address and port to listen on.
    pub bind: SocketAddr,
    /// `sqlite://PATH` (default) or `postgres://USER:PASS@HOST/DB`.
    pub database_url: String,
    pub log_format: LogFormat,
    /// A tracing filter, e.g. `info` or `wayfare=debug,info`.
    pub log_level: String,
    /// Language when neither the visitor's choice nor Accept-Language decides.
    pub default_locale: String,
    /// Display currency when the visitor has not chosen one.
    pub default_currency: String,
    /// Load the demo data the first time the server starts on an empty database.
    pub seed_demo_on_first_start: bool,
    /// Key for signing tokens. Unset: one is generated once and kept in the database.
    pub secret_key: Option<Secret>,
    pub database: DatabaseConfig,
    pub http: HttpConfig,
    pub flights: FlightsConfig,
    pub hotels: HotelsConfig,
    pub accounts: AccountsSettings,
    pub booking: BookingConfig,
    pub payments: PaymentsConfig,
    pub notifications: NotificationsConfig,
    pub brand: BrandConfig,
}

/// `[brand]`: the name and colours travellers see in e-mails and on itineraries.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrandConfig {
    pub name: String,
    /// `#rgb` or `#rrggbb`: e-mail header bar, itinerary header.
    pub primary_color: String,
    /// `#rgb` or `#rrggbb`: the e-mail's button.
    pub accent_color: String,
    /// Shown in every e-mail's footer.
    pub support_email: String,
}

impl Default for BrandConfig {
    fn default() -> Self {
        BrandConfig {
            name: "Wayfare".into(),
            primary_color: "#0b5cad".into(),
            accent_color: "#e8590c".into(),
            support_email: "support@wayfare.example".into(),
        }
    }
}

/// `[payments]`: the providers' background work.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaymentsConfig {
    /// How long the sandbox provider waits before sending a late notification
    /// (`pm_card_sandboxLateWebhook`, and the one after `pm_card_sandboxTimeout`), 0–3600 s.
    pub sandbox_webhook_delay_secs: u32,
    /// Reconciliation asks the providers about payments left open (no answer, waiting for the
    /// customer, a capture that did not go through) once unchanged this long, 10–86400 s.
    pub reconcile_after_secs: u32,
    /// The built-in sandbox (test cards, no real money) takes payments too. On by default for
    /// the demo; production with a real connector must turn it off.
    pub sandbox: bool,
    /// Which methods are offered, first match per kind wins (`kind`, `provider`, `currencies`,
    /// `countries`, `min_amount_minor`). Empty: the defaults of
    /// `wayfare_domain::payment::methods::default_rules`. A rule naming a connector that is not
    /// configured offers nothing.
    pub methods: Vec<wayfare_domain::payment::methods::MethodRule>,
    /// Paying in instalments: the plans offered (`count`, `fee_bps`, `fee_fixed_minor`) and the
    /// smallest order per currency (`min_amount_minor.EUR = 30000`).
    pub instalments: wayfare_domain::payment::instalments::InstalmentPolicy,
    /// Each real connector is off until its section is given.
    pub stripe: Option<crate::payment_connectors::StripeSection>,
    pub paypal: Option<crate::payment_connectors::PayPalSection>,
    pub alipay: Option<crate::payment_connectors::AlipaySection>,
    pub wechatpay: Option<crate::payment_connectors::WeChatPaySection>,
    pub klarna: Option<crate::payment_connectors::KlarnaSection>,
}

impl Default for PaymentsConfig {
    fn default() -> Self {
        PaymentsConfig {
            sandbox_webhook_delay_secs: 5,
            reconcile_after_secs: 120,
            sandbox: true,
            methods: Vec::new(),
            instalments: wayfare_domain::payment::instalments::InstalmentPolicy::default(),
            stripe: None,
            paypal: None,
            alipay: None,
            wechatpay: None,
            klarna: None,
        }
    }
}

/// `[notifications]`: the outbox worker that sends what travellers are told.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotificationsConfig {
    /// Run the outbox worker in this process (every process may: each event is sent once).
    pub worker: bool,
    /// How often an idle worker looks for due events (50–60000 ms).
    pub poll_millis: u64,
    /// Attempts before an event is set aside as dead (1–50).
    pub max_attempts: u32,
    /// The wait after the first failure, doubled after each further one, at most
    /// `backoff_max_secs`.
    pub backoff_base_secs: u64,
    pub backoff_max_secs: u64,
    /// Keep a copy of every message sent for the admin's mailbox page (never in production).
    pub mailbox: bool,
    /// A CJK font for Chinese itineraries (.ttf, .otf or .ttc); unset: the system's fonts are
    /// searched, and without one Chinese itineraries are printed in English.
    pub itinerary_font: Option<PathBuf>,
    pub email: crate::notify_connectors::EmailSection,
    pub sms: crate::notify_connectors::SmsSection,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        let policy = wayfare_notify::outbox::RetryPolicy::default();
        NotificationsConfig {
            worker: true,
            poll_millis: 500,
            max_attempts: policy.max_attempts,
            backoff_base_secs: policy.base.as_secs(),
            backoff_max_secs: policy.max.as_secs(),
            mailbox: true,
            itinerary_font: None,
            email: Default::default(),
            sms: Default::default(),
        }
    }
}

impl NotificationsConfig {
    pub fn retry_policy(&self) -> wayfare_notify::outbox::RetryPolicy {
        wayfare_notify::outbox::RetryPolicy {
            max_attempts: self.max_attempts,
            base: std::time::Duration::from_secs(self.backoff_base_secs),
            max: std::time::Duration::from_secs(self.backoff_max_secs),
        }
    }
}

/// `[booking]`: trip orders.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BookingConfig {
    /// How long an unpaid order holds its seats and rooms (1–60 minutes).
    pub hold_minutes: u32,
}

impl Default for BookingConfig {
    fn default() -> Self {
        BookingConfig { hold_minutes: 15 }
    }
}

/// `[accounts]`: sign-in, sealing of personal data, demo accounts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountsSettings {
    /// Keys that seal personal data at rest (document numbers, payment tokens, TOTP secrets),
    /// each `<id>:<base64 of 32 bytes>`, the sealing key first; older keys still open what they
    /// sealed. Unset outside production: one is generated once and kept in the database.
    pub encryption_keys: Vec<Secret>,
    /// The address people reach the site at, for links in e-mails (`https://travel.example`).
    /// Unset: `http://<bind>`.
    pub public_base_url: Option<String>,
    /// Create one demo account per role on a first start with demo data (never in production).
    pub demo_accounts: bool,
    /// OpenID Connect providers offered on the sign-in page (`[[accounts.oidc]]`).
    pub oidc: Vec<OidcSettings>,
}

/// `[[accounts.oidc]]`: one OpenID Connect provider. Register
/// `<public_base_url>/auth/oidc/<id>/callback` as the redirect URI at the provider.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcSettings {
    /// Short name used in URLs (`google` → `/auth/oidc/google/start`).
    pub id: String,
    /// Shown on the sign-in button.
    pub display_name: String,
    /// The issuer URL, exactly as the provider's discovery document names it.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// Default `openid email profile`.
    #[serde(default = "wayfare_accounts::oidc::default_scopes")]
    pub scopes: Vec<String>,
}

impl Default for AccountsSettings {
    fn default() -> Self {
        AccountsSettings {
            encryption_keys: Vec::new(),
            public_base_url: None,
            demo_accounts: true,
            oidc: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlightsConfig {
    /// Average daily departures the demo network gets on a first start.
    pub demo_flights_per_day: u32,
    /// How many days ahead the generated schedules run.
    pub horizon_days: u32,
    /// The currency the built-in supplier prices in.
    pub currency: String,
    /// How long each supplier may take to answer a search before its results are left out.
    pub search_budget_ms: u64,
    /// Duffel (live airline content); off unless an access token is configured.
    pub duffel: Option<DuffelSettings>,
}

/// `[hotels]`. Prices of the built-in hotels are in each hotel's local currency (CNY in
/// mainland China); the web layer converts them for display.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HotelsConfig {
    /// Built-in hotels generated on a first start (and by `seed --demo` when there are none).
    pub demo_hotels: u32,
    /// How long each hotel supplier may take to answer a search before its results are left
    /// out.
    pub search_budget_ms: u64,
    /// Hotelbeds (APItude), off unless configured.
    pub hotelbeds: Option<HotelbedsSettings>,
    /// Raster tiles for hotel maps, Leaflet-style (`https://tile.example/{z}/{x}/{y}.png`);
    /// unset, maps are a plain plot of the pins that needs no network.
    pub map_tiles_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HotelbedsSettings {
    /// `WAYFARE_HOTELS__HOTELBEDS__API_KEY`; never printed.
    pub api_key: Secret,
    /// `WAYFARE_HOTELS__HOTELBEDS__SECRET`; never printed.
    pub secret: Secret,
    /// The test host by default; `https://api.hotelbeds.com` for production.
    #[serde(default = "default_hotelbeds_url")]
    pub base_url: String,
    /// The currency the account is priced in (Hotelbeds prices per contract).
    #[serde(default)]
    pub currency: Option<String>,
}

fn default_hotelbeds_url() -> String {
    "https://api.test.hotelbeds.com".to_owned()
}

/// The most hotels the generator is asked for (the benchmark uses a million).
pub const MAX_HOTELS: u32 = 2_000_000;

impl Default for HotelsConfig {
    fn default() -> Self {
        HotelsConfig {
            demo_hotels: 30_000,
            search_budget_ms: 3_000,
            hotelbeds: None,
            map_tiles_url: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DuffelSettings {
    /// `WAYFARE_FLIGHTS__DUFFEL__ACCESS_TOKEN`; never printed.
    pub access_token: Secret,
    #[serde(default = "default_duffel_url")]
    pub base_url: String,
    /// The secret Duffel gave when the webhook was created
    /// (`WAYFARE_FLIGHTS__DUFFEL__WEBHOOK_SECRET`); never printed. Without it
    /// `/api/v1/webhooks/duffel` answers 404 and airline changes arrive only by the feed.
    #[serde(default)]
    pub webhook_secret: Option<Secret>,
}

fn default_duffel_url() -> String {
    "https://api.duffel.com".to_owned()
}

impl Default for FlightsConfig {
    fn default() -> Self {
        FlightsConfig {
            demo_flights_per_day: 3_000,
            horizon_days: 75,
            currency: "CNY".to_owned(),
            search_budget_ms: 3_000,
            duffel: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    pub max_connections: u32,
    pub acquire_timeout_secs: u64,
    /// SQLite: how long a writer waits for the lock before failing.
    pub busy_timeout_ms: u64,
    /// PostgreSQL: the schema to use (created if missing); unset means `public`.
    pub schema: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    pub body_limit_bytes: usize,
    pub request_timeout_secs: u64,
    /// How long in-flight requests may take to finish after SIGTERM.
    pub shutdown_grace_secs: u64,
    /// Send HSTS on every response (TLS terminates in front of Wayfare).
    pub hsts: bool,
    /// Trust `X-Forwarded-Proto` from the reverse proxy.
    pub trust_forwarded_proto: bool,
    /// Mark cookies Secure.
    pub secure_cookies: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            env: Environment::Development,
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://data/wayfare.db".to_owned(),
            log_format: LogFormat::Text,
            log_level: "info".to_owned(),
            default_locale: "zh-CN".to_owned(),
            default_currency: "CNY".to_owned(),
            seed_demo_on_first_start: true,
            secret_key: None,
            accounts: AccountsSettings::default(),
            database: DatabaseConfig::default(),
            http: HttpConfig::default(),
            flights: FlightsConfig::default(),
            hotels: HotelsConfig::default(),
            booking: BookingConfig::default(),
            notifications: NotificationsConfig::default(),
            brand: BrandConfig::default(),
            payments: PaymentsConfig::default(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            max_connections: 10,
            acquire_timeout_secs: 5,
            busy_timeout_ms: 5_000,
            schema: None,
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            body_limit_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            shutdown_grace_secs: 30,
            hsts: false,
            trust_forwarded_proto: false,
            secure_cookies: false,
        }
    }
}

/// A configuration problem, reported as one line before exiting with code 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("configuration: {0}")]
    Invalid(String),
    #[error("configuration key `{key}`: {problem}")]
    BadValue { key: &'static str, problem: String },
}

/// Environment variables with the WAYFARE_ prefix that are not configuration keys.
const NOT_CONFIG_ENV: &[&str] = &["CONFIG", "TEST_DATABASE_URL", "TEST_KEEP_DB"];

/// Values given on the command line; they win over everything else.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub database_url: Option<String>,
    pub bind: Option<String>,
    pub log_format: Option<LogFormat>,
}

impl Config {
    /// Loads the layered configuration. `file`: an explicit file (must exist); otherwise
    /// `./wayfare.toml` if present.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(p) if !p.is_file() => return Err(ConfigError::MissingFile(p.to_owned())),
            Some(p) => fig = fig.merge(Toml::file_exact(p)),
            None if Path::new("wayfare.toml").is_file() => {
                fig = fig.merge(Toml::file_exact("wayfare.toml"))
            }
            None => {}
        }
        fig = fig.merge(Env::prefixed("WAYFARE_").split("__").ignore(NOT_CONFIG_ENV));
        if let Ok(url) = std::env::var("DATABASE_URL")
            && !url.is_empty()
            && std::env::var_os("WAYFARE_DATABASE_URL").is_none()
        {
            fig = fig.merge(("database_url", url));
        }
        if let Some(url) = &overrides.database_url {
            fig = fig.merge(("database_url", url.clone()));
        }
        if let Some(bind) = &overrides.bind {
            fig = fig.merge(("bind", bind.clone()));
        }
        if let Some(fmt) = overrides.log_format {
            fig = fig.merge(("log_format", fmt));
        }
        let config: Config = fig
            .extract()
            .map_err(|e| ConfigError::Invalid(one_line(&e)))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        wayfare_store::DatabaseLocation::parse(&self.database_url).map_err(|e| {
            ConfigError::BadValue {
                key: "database_url",
                problem: e.to_string(),
            }
        })?;
        self.locale()?;
        self.currency()?;
        if self.http.body_limit_bytes < 1024 {
            return Err(ConfigError::BadValue {
                key: "http.body_limit_bytes",
                problem: "must be at least 1024".into(),
            });
        }
        if self.http.request_timeout_secs == 0 {
            return Err(ConfigError::BadValue {
                key: "http.request_timeout_secs",
                problem: "must be at least 1".into(),
            });
        }
        Currency::parse(&self.flights.currency).map_err(|e| ConfigError::BadValue {
            key: "flights.currency",
            problem: e.to_string(),
        })?;
        if self.flights.horizon_days < 1 || self.flights.horizon_days > 361 {
            return Err(ConfigError::BadValue {
                key: "flights.horizon_days",
                problem: "must be from 1 to 361".into(),
            });
        }
        if self.hotels.demo_hotels > MAX_HOTELS {
            return Err(ConfigError::BadValue {
                key: "hotels.demo_hotels",
                problem: format!("must be at most {MAX_HOTELS}"),
            });
        }
        let n = &self.notifications;
        for (key, ok) in [
            (
                "notifications.poll_millis",
                (50..=60_000).contains(&n.poll_millis),
            ),
            (
                "notifications.max_attempts",
                (1..=50).contains(&n.max_attempts),
            ),
            (
                "notifications.backoff_base_secs",
                (1..=86_400).contains(&n.backoff_base_secs),
            ),
            (
                "notifications.backoff_max_secs",
                (n.backoff_base_secs..=7 * 86_400).contains(&n.backoff_max_secs),
            ),
        ] {
            if !ok {
                return Err(ConfigError::BadValue {
                    key,
                    problem: "is out of range (see the README's configuration table)".into(),
                });
            }
        }
        if !(1..=60).contains(&self.booking.hold_minutes) {
            return Err(ConfigError::BadValue {
                key: "booking.hold_minutes",
                problem: "must be from 1 to 60".into(),
            });
        }
        if self.payments.sandbox_webhook_delay_secs > 3600 {
            return Err(ConfigError::BadValue {
                key: "payments.sandbox_webhook_delay_secs",
                problem: "must be from 0 to 3600".into(),
            });
        }
        if !(10..=86_400).contains(&self.payments.reconcile_after_secs) {
            return Err(ConfigError::BadValue {
                key: "payments.reconcile_after_secs",
                problem: "must be from 10 to 86400".into(),
            });
        }
        crate::payment_connectors::validate(&self.payments)?;
        crate::notify_connectors::validate(&n.email, &n.sms)?;
        if self.env == Environment::Production {
            crate::notify_connectors::validate_production(&n.email)?;
        }
        for (key, colour) in [
            ("brand.primary_color", &self.brand.primary_color),
            ("brand.accent_color", &self.brand.accent_color),
        ] {
            let hex = colour.strip_prefix('#').unwrap_or("");
            if !(matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit())) {
                return Err(ConfigError::BadValue {
                    key,
                    problem: format!("`{colour}` is not a colour like #0b5cad"),
                });
            }
        }
        if self.brand.name.trim().is_empty() || self.brand.name.len() > 60 {
            return Err(ConfigError::BadValue {
                key: "brand.name",
                problem: "must be 1 to 60 characters".into(),
            });
        }
        if let Some(font) = &n.itinerary_font
            && !font.is_file()
        {
            return Err(ConfigError::BadValue {
                key: "notifications.itinerary_font",
                problem: format!("{} is not a file", font.display()),
            });
        }
        let real_connector = self.payments.stripe.is_some()
            || self.payments.paypal.is_some()
            || self.payments.alipay.is_some()
            || self.payments.wechatpay.is_some()
            || self.payments.klarna.is_some();
        if self.env == Environment::Production && self.payments.sandbox && real_connector {
            return Err(ConfigError::BadValue {
                key: "payments.sandbox",
                problem: "set it to false: in production real connectors take the payments, \
                          and the sandbox's test cards must not be offered"
                    .into(),
            });
        }
        if self.database.max_connections == 0 {
            return Err(ConfigError::BadValue {
                key: "database.max_connections",
                problem: "must be at least 1".into(),
            });
        }
        if let Some(k) = &self.secret_key
            && k.expose().len() < 32
        {
            return Err(ConfigError::BadValue {
                key: "secret_key",
                problem: "must be at least 32 characters".into(),
            });
        }
        if self.env == Environment::Production && self.accounts.encryption_keys.is_empty() {
            return Err(ConfigError::BadValue {
                key: "accounts.encryption_keys",
                problem: "production needs configured keys (`<id>:<base64 of 32 bytes>`)".into(),
            });
        }
        let keys: Vec<String> = self
            .accounts
            .encryption_keys
            .iter()
            .map(|k| k.expose().to_owned())
            .collect();
        if !keys.is_empty() {
            wayfare_accounts::Sealer::from_config(&keys).map_err(|e| ConfigError::BadValue {
                key: "accounts.encryption_keys",
                problem: e.to_string(),
            })?;
        }
        let mut oidc_ids = std::collections::HashSet::new();
        for p in &self.accounts.oidc {
            if p.id.is_empty()
                || p.id.len() > 32
                || !p
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                || !oidc_ids.insert(p.id.as_str())
            {
                return Err(ConfigError::BadValue {
                    key: "accounts.oidc.id",
                    problem: format!("`{}` must be unique, 1–32 of a–z, 0–9 and -", p.id),
                });
            }
            if !(p.issuer.starts_with("https://") || p.issuer.starts_with("http://")) {
                return Err(ConfigError::BadValue {
                    key: "accounts.oidc.issuer",
                    problem: format!("`{}` is not an http(s) URL", p.issuer),
                });
            }
        }
        if let Some(url) = &self.accounts.public_base_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::BadValue {
                key: "accounts.public_base_url",
                problem: "must start with http:// or https://".into(),
            });
        }
        if let Some(schema) = &self.database.schema
            && (schema.is_empty()
                || !schema
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            return Err(ConfigError::BadValue {
                key: "database.schema",
                problem: "use letters, digits and underscores".into(),
            });
        }
        tracing_subscriber::EnvFilter::try_new(&self.log_level).map_err(|e| {
            ConfigError::BadValue {
                key: "log_level",
                problem: e.to_string(),
            }
        })?;
        Ok(())
    }

    pub fn locale(&self) -> Result<Locale, ConfigError> {
        Locale::from_tag(&self.default_locale).ok_or_else(|| ConfigError::BadValue {
            key: "default_locale",
            problem: format!(
                "`{}` is not one of {}",
                self.default_locale,
                Locale::all()
                    .iter()
                    .map(|l| l.tag())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
    }

    pub fn currency(&self) -> Result<Currency, ConfigError> {
        Currency::parse(&self.default_currency).map_err(|e| ConfigError::BadValue {
            key: "default_currency",
            problem: e.to_string(),
        })
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.http.request_timeout_secs)
    }

    /// The effective configuration as TOML, secrets and database passwords redacted.
    pub fn to_redacted_toml(&self) -> String {
        let mut shown = self.clone();
        shown.database_url = wayfare_store::redact_url(&self.database_url);
        toml::to_string_pretty(&shown)
            .unwrap_or_else(|e| format!("# cannot print configuration: {e}\n"))
    }
}

/// figment errors can be several lines; keep the first and say where it came from.
fn one_line(e: &figment::Error) -> String {
    let mut s = e.to_string().replace('\n', " ");
    if let Some(key) = e.path.first() {
        let path = e.path.join(".");
        if !s.contains(key.as_str()) {
            s = format!("{path}: {s}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::Jail;

    fn load() -> Result<Config, ConfigError> {
        Config::load(None, &Overrides::default())
    }

    #[test]
    fn defaults_are_sqlite_on_localhost_8080_in_chinese() {
        Jail::expect_with(|_| {
            let c = load().map_err(|e| e.to_string())?;
            assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
            assert_eq!(c.database_url, "sqlite://data/wayfare.db");
            assert_eq!(c.default_locale, "zh-CN");
            Ok(())
        });
    }

    #[test]
    fn file_then_env_then_flags() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "wayfare.toml",
                "bind = \"0.0.0.0:9000\"\n[http]\nhsts = true\n",
            )?;
            let c = load().map_err(|e| e.to_string())?;
            assert_eq!(c.bind.port(), 9000);
            assert!(c.http.hsts);
            jail.set_env("WAYFARE_BIND", "127.0.0.1:9100");
            jail.set_env("WAYFARE_HTTP__BODY_LIMIT_BYTES", "4096");
            jail.set_env("DATABASE_URL", "postgres://u:p@localhost/w");
            jail.set_env("WAYFARE_TEST_DATABASE_URL", "ignored");
            let c = load().map_err(|e| e.to_string())?;
            assert_eq!(c.bind.port(), 9100);
            assert_eq!(c.http.body_limit_bytes, 4096);
            assert_eq!(c.database_url, "postgres://u:p@localhost/w");
            let o = Overrides {
                bind: Some("127.0.0.1:9200".into()),
                database_url: Some("sqlite://x.db".into()),
                log_format: None,
            };
            let c = Config::load(None, &o).map_err(|e| e.to_string())?;
            assert_eq!(c.bind.port(), 9200);
            assert_eq!(c.database_url, "sqlite://x.db");
            Ok(())
        });
    }

    #[test]
    fn bad_values_name_the_key() {
        Jail::expect_with(|jail| {
            jail.create_file("wayfare.toml", "bnid = \"0.0.0.0:9000\"\n")?;
            let e = load().unwrap_err().to_string();
            assert!(e.contains("bnid"), "{e}");
            jail.create_file("wayfare.toml", "[http]\nbody_limit_bytes = \"lots\"\n")?;
            let e = load().unwrap_err().to_string();
            assert!(e.contains("body_limit_bytes"), "{e}");
            jail.create_file("wayfare.toml", "default_currency = \"XYZ\"\n")?;
            let e = load().unwrap_err().to_string();
            assert!(e.contains("default_currency"), "{e}");
            jail.create_file("wayfare.toml", "database_url = \"mysql://x\"\n")?;
            let e = load().unwrap_err().to_string();
            assert!(e.contains("database_url"), "{e}");
            jail.create_file("wayfare.toml", "")?;
            jail.set_env("WAYFARE_BIND", "not-an-address");
            let e = load().unwrap_err().to_string();
            assert!(e.contains("bind"), "{e}");
            assert!(!e.contains('\n'));
            Ok(())
        });
    }

    #[test]
    fn secrets_never_print() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "wayfare.toml",
                "secret_key = \"0123456789abcdef0123456789abcdef-topsecret\"\ndatabase_url = \"postgres://app:hunter2@db/w\"\n",
            )?;
            let c = load().map_err(|e| e.to_string())?;
            let shown = c.to_redacted_toml();
            assert!(!shown.contains("topsecret"), "{shown}");
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(format!("{c:?}").contains("***"));
            Ok(())
        });
    }
}
