//! Persistence for Wayfare: one schema and one migration source for SQLite (the embedded
//! default) and PostgreSQL (scale). The backend is picked once, from the URL, in [`Store::connect`];
//! dialect differences stay inside this crate.

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod entity;
pub mod flight_orders;
pub mod fx;
pub mod hotel_bookings;
pub mod hotels;
pub mod migration;
pub mod notifications;
pub mod orders;
pub mod outbox;
pub mod payments;
pub mod reference;
pub mod sandbox_payments;
pub mod schedules;
pub mod settings;
pub mod templates;
pub mod travellers;

use std::path::{Path, PathBuf};
use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
use sea_orm_migration::MigratorTrait;

pub use sea_orm;

/// Storage errors, small and matched on by callers.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL must start with sqlite:// or postgres:// (got `{0}`)")]
    InvalidUrl(String),
    #[error("cannot reach the database at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("this operation needs a SQLite database; {0}")]
    NotSqlite(String),
    #[error("backup failed: {0}")]
    Backup(String),
    #[error("bundled data is invalid: {0}")]
    BundledData(String),
    #[error("stored value is invalid: {0}")]
    Corrupt(String),
    /// A unique value is taken (`"email"`, `"phone"`, `"identity"`) or a per-user limit is
    /// reached (`"travellers"`); the field names which.
    #[error("{0} is already taken or at its limit")]
    Conflict(&'static str),
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Where the data lives, parsed from a URL once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseLocation {
    /// Accepts `sqlite://PATH`, `sqlite:PATH`, `postgres://…` and `postgresql://…`.
    pub fn parse(url: &str) -> Result<DatabaseLocation, StoreError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseLocation::Postgres(url.to_owned()));
        }
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or_else(|| StoreError::InvalidUrl(redact_url(url)))?;
        let path = rest.split('?').next().unwrap_or_default();
        if path.is_empty() || path == ":memory:" {
            return Err(StoreError::InvalidUrl(format!(
                "{url} (a SQLite database needs a file path)"
            )));
        }
        Ok(DatabaseLocation::Sqlite(PathBuf::from(path)))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseLocation::Sqlite(_) => Backend::Sqlite,
            DatabaseLocation::Postgres(_) => Backend::Postgres,
        }
    }
}

/// A time as both databases keep it (PostgreSQL stores microseconds): a row built in memory
/// then reads the same as the one read back.
pub fn stored_time(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    t.trunc_subsecs(6)
}

/// Hides the password in a URL so it can be printed or logged.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((userinfo, host)) = rest.split_once('@')
    {
        let user = userinfo.split(':').next().unwrap_or("");
        if userinfo.contains(':') {
            return format!("{scheme}://{user}:***@{host}");
        }
    }
    url.to_owned()
}

#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    pub busy_timeout: Duration,
    /// PostgreSQL only: the schema to use (created if missing). Tests get one each.
    pub pg_schema: Option<String>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            busy_timeout: Duration::from_secs(5),
            pg_schema: None,
        }
    }
}

/// Pool usage, for `/metrics` and `/readyz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// The handle every repository hangs off. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    location: DatabaseLocation,
    max_connections: u32,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .finish()
    }
}

impl Store {
    /// Connects to the database named by `url`, creating a SQLite file (and its folder) if missing.
    pub async fn connect(url: &str, opts: &StoreOptions) -> Result<Store, StoreError> {
        let location = DatabaseLocation::parse(url)?;
        let unreachable = |e: DbErr| StoreError::Unreachable {
            url: redact_url(url),
            reason: e.to_string(),
        };
        let db = match &location {
            DatabaseLocation::Sqlite(path) => {
                if let Some(parent) = path.parent()
                    && !parent.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(parent).map_err(|e| StoreError::Unreachable {
                        url: url.to_owned(),
                        reason: format!("cannot create folder {}: {e}", parent.display()),
                    })?;
                }
                let mut co = ConnectOptions::new(format!("sqlite://{}", path.display()));
                let busy = opts.busy_timeout;
                co.max_connections(opts.max_connections)
                    .min_connections(1)
                    .acquire_timeout(opts.acquire_timeout)
                    .sqlx_logging(false)
                    .map_sqlx_sqlite_opts(move |o| {
                        o.create_if_missing(true)
                            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                            .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                            .busy_timeout(busy)
                            .foreign_keys(true)
                    });
                Database::connect(co).await.map_err(unreachable)?
            }
            DatabaseLocation::Postgres(pg_url) => {
                if let Some(schema) = &opts.pg_schema {
                    // The schema must exist before connections that search it are opened.
                    let admin = Database::connect(pg_url.as_str())
                        .await
                        .map_err(unreachable)?;
                    admin
                        .execute_unprepared(&format!(
                            "CREATE SCHEMA IF NOT EXISTS {}",
                            quote_ident(schema)
                        ))
                        .await?;
                    admin.close().await?;
                }
                let mut co = ConnectOptions::new(pg_url.clone());
                co.max_connections(opts.max_connections)
                    .min_connections(1)
                    .acquire_timeout(opts.acquire_timeout)
                    .connect_timeout(opts.acquire_timeout)
                    .sqlx_logging(false);
                if let Some(schema) = &opts.pg_schema {
                    co.set_schema_search_path(schema.clone());
                }
                Database::connect(co).await.map_err(unreachable)?
            }
        };
        let store = Store {
            db,
            location,
            max_connections: opts.max_connections,
        };
        store.ping().await.map_err(|e| StoreError::Unreachable {
            url: redact_url(url),
            reason: e.to_string(),
        })?;
        Ok(store)
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn backend(&self) -> Backend {
        self.location.backend()
    }

    pub fn location(&self) -> &DatabaseLocation {
        &self.location
    }

    pub fn sqlite_path(&self) -> Option<&Path> {
        match &self.location {
            DatabaseLocation::Sqlite(p) => Some(p),
            DatabaseLocation::Postgres(_) => None,
        }
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        migration::Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// Names of migrations not yet applied.
    pub async fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        Ok(migration::Migrator::get_pending_migrations(&self.db)
            .await?
            .iter()
            .map(|m| m.name().to_owned())
            .collect())
    }

    /// A round trip to the database.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await?;
        Ok(())
    }

    pub fn pool_stats(&self) -> PoolStats {
        let (size, idle) = match self.db.get_database_backend() {
            DbBackend::Sqlite => {
                let p = self.db.get_sqlite_connection_pool();
                (p.size(), p.num_idle() as u32)
            }
            _ => {
                let p = self.db.get_postgres_connection_pool();
                (p.size(), p.num_idle() as u32)
            }
        };
        PoolStats {
            size,
            idle,
            max: self.max_connections,
        }
    }

    pub async fn close(self) -> Result<(), StoreError> {
        self.db.close().await?;
        Ok(())
    }
}

/// Quotes a PostgreSQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_database_urls() {
        assert_eq!(
            DatabaseLocation::parse("sqlite://data/wayfare.db").unwrap(),
            DatabaseLocation::Sqlite(PathBuf::from("data/wayfare.db"))
        );
        assert_eq!(
            DatabaseLocation::parse("sqlite:///tmp/x.db?mode=rwc").unwrap(),
            DatabaseLocation::Sqlite(PathBuf::from("/tmp/x.db"))
        );
        assert_eq!(
            DatabaseLocation::parse("postgres://u:p@localhost/db")
                .unwrap()
                .backend(),
            Backend::Postgres
        );
        assert!(DatabaseLocation::parse("mysql://localhost/db").is_err());
        assert!(DatabaseLocation::parse("sqlite://").is_err());
        assert!(DatabaseLocation::parse("sqlite::memory:").is_err());
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/wayfare"),
            "postgres://app:***@db:5432/wayfare"
        );
        assert_eq!(redact_url("postgres://db/wayfare"), "postgres://db/wayfare");
        assert_eq!(redact_url("sqlite://data/w.db"), "sqlite://data/w.db");
    }
}
