//! SQLite backup and restore through SQLite's online backup API: the copy is one consistent
//! snapshot even while the server keeps writing (WAL readers do not block writers).
//! PostgreSQL deployments use `pg_dump`/`pg_restore`; see [`pg_dump_hint`].
#![allow(unsafe_code)]

use std::ffi::CStr;
use std::path::{Path, PathBuf};

use libsqlite3_sys as ffi;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};

use crate::{DatabaseLocation, Store, StoreError, redact_url};

/// What a backup or restore copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    pub path: PathBuf,
    pub pages: i32,
    pub bytes: u64,
}

/// The command an operator runs instead, for a PostgreSQL database.
pub fn pg_dump_hint(url: &str, to: &Path) -> String {
    format!(
        "PostgreSQL is backed up with its own tools: pg_dump --format=custom --file={} '{}'  \
         (restore with: pg_restore --clean --if-exists --dbname='{}' {})",
        to.display(),
        redact_url(url),
        redact_url(url),
        to.display()
    )
}

fn backup_error(what: &str, code: i32, db: *mut ffi::sqlite3) -> StoreError {
    // SAFETY: `db` is a live handle held by the caller; sqlite3_errmsg returns a pointer owned
    // by SQLite that stays valid until the next call on that handle, and we copy it at once.
    let msg = unsafe {
        let p = ffi::sqlite3_errmsg(db);
        if p.is_null() {
            String::new()
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    };
    StoreError::Backup(format!("{what} (sqlite code {code}): {msg}"))
}

/// Copies every page of `src` into `dst` in one step, i.e. within one read transaction on `src`.
async fn copy_pages(
    src: &mut SqliteConnection,
    dst: &mut SqliteConnection,
) -> Result<i32, StoreError> {
    let mut src_handle = src
        .lock_handle()
        .await
        .map_err(|e| StoreError::Backup(e.to_string()))?;
    let mut dst_handle = dst
        .lock_handle()
        .await
        .map_err(|e| StoreError::Backup(e.to_string()))?;
    let src_db = src_handle.as_raw_handle().as_ptr();
    let dst_db = dst_handle.as_raw_handle().as_ptr();
    let main = c"main";
    // SAFETY: both handles are open connections locked for our exclusive use for the duration
    // of this block (the guards above live until the end of the function); the backup object is
    // finished before they are released, as the SQLite documentation requires.
    unsafe {
        let backup = ffi::sqlite3_backup_init(dst_db, main.as_ptr(), src_db, main.as_ptr());
        if backup.is_null() {
            return Err(backup_error(
                "backup_init",
                ffi::sqlite3_errcode(dst_db),
                dst_db,
            ));
        }
        let step = ffi::sqlite3_backup_step(backup, -1);
        let pages = ffi::sqlite3_backup_pagecount(backup);
        let finish = ffi::sqlite3_backup_finish(backup);
        if step != ffi::SQLITE_DONE {
            return Err(backup_error("backup_step", step, dst_db));
        }
        if finish != ffi::SQLITE_OK {
            return Err(backup_error("backup_finish", finish, dst_db));
        }
        Ok(pages)
    }
}

async fn open_file(
    path: &Path,
    create: bool,
    read_only: bool,
) -> Result<SqliteConnection, StoreError> {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create)
        .read_only(read_only)
        .busy_timeout(std::time::Duration::from_secs(10))
        .connect()
        .await
        .map_err(|e| StoreError::Backup(format!("cannot open {}: {e}", path.display())))
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Checks that `path` is an intact Wayfare SQLite database and returns its applied migrations.
async fn inspect_backup(path: &Path) -> Result<Vec<String>, StoreError> {
    if !path.is_file() {
        return Err(StoreError::Backup(format!(
            "{} is not a file",
            path.display()
        )));
    }
    let mut conn = open_file(path, false, true).await?;
    let integrity: (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| {
            StoreError::Backup(format!("{} is not a SQLite database: {e}", path.display()))
        })?;
    if integrity.0 != "ok" {
        return Err(StoreError::Backup(format!(
            "{} failed the integrity check: {}",
            path.display(),
            integrity.0
        )));
    }
    let versions: Vec<(String,)> =
        sqlx::query_as("SELECT version FROM seaql_migrations ORDER BY version")
            .fetch_all(&mut conn)
            .await
            .map_err(|_| {
                StoreError::Backup(format!(
                    "{} is not a Wayfare database (no migration table)",
                    path.display()
                ))
            })?;
    conn.close().await.ok();
    Ok(versions.into_iter().map(|v| v.0).collect())
}

impl Store {
    /// Writes a consistent copy of the live SQLite database to `to` (via a temporary file and an
    /// atomic rename, so `to` is never half-written).
    pub async fn backup_to(&self, to: &Path) -> Result<CopyReport, StoreError> {
        let DatabaseLocation::Sqlite(_) = self.location() else {
            return Err(StoreError::NotSqlite(
                "back up PostgreSQL with pg_dump".into(),
            ));
        };
        if let Some(parent) = to.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Backup(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let tmp = sidecar(to, ".partial");
        let _ = std::fs::remove_file(&tmp);
        let mut src = self
            .db()
            .get_sqlite_connection_pool()
            .acquire()
            .await
            .map_err(|e| StoreError::Backup(e.to_string()))?;
        let mut dst = open_file(&tmp, true, false).await?;
        let pages = copy_pages(&mut src, &mut dst).await;
        // The copy keeps the source's WAL flag; a backup file is better as one self-contained file.
        let closed = async {
            sqlx::query("PRAGMA journal_mode=DELETE")
                .execute(&mut dst)
                .await?;
            dst.close().await
        }
        .await;
        let pages = match (pages, closed) {
            (Ok(p), Ok(())) => p,
            (Err(e), _) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            (_, Err(e)) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(StoreError::Backup(e.to_string()));
            }
        };
        std::fs::rename(&tmp, to)
            .map_err(|e| StoreError::Backup(format!("cannot write {}: {e}", to.display())))?;
        let bytes = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
        Ok(CopyReport {
            path: to.to_owned(),
            pages,
            bytes,
        })
    }

    /// Replaces this SQLite database's contents with the backup at `from`, after checking that the
    /// backup is intact and not from a newer Wayfare. Run it with the server stopped.
    pub async fn restore_from(&self, from: &Path) -> Result<CopyReport, StoreError> {
        let DatabaseLocation::Sqlite(path) = self.location() else {
            return Err(StoreError::NotSqlite(
                "restore PostgreSQL with pg_restore".into(),
            ));
        };
        let applied = inspect_backup(from).await?;
        let known: Vec<String> = {
            use sea_orm_migration::MigratorTrait;
            crate::migration::Migrator::migrations()
                .iter()
                .map(|m| m.name().to_owned())
                .collect()
        };
        if let Some(unknown) = applied.iter().find(|v| !known.contains(v)) {
            return Err(StoreError::Backup(format!(
                "{} comes from a newer Wayfare (migration {unknown}); upgrade before restoring",
                from.display()
            )));
        }
        let mut src = open_file(from, false, true).await?;
        let mut dst = self
            .db()
            .get_sqlite_connection_pool()
            .acquire()
            .await
            .map_err(|e| StoreError::Backup(e.to_string()))?;
        let pages = copy_pages(&mut src, &mut dst).await?;
        src.close().await.ok();
        let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        Ok(CopyReport {
            path: path.clone(),
            pages,
            bytes,
        })
    }
}
