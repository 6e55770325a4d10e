//! SQLite storage: one pool per process, WAL mode, migrations embedded in the binary.
//!
//! Several processes (the engine, admin CLI commands) may open the same data directory; SQLite's
//! locking plus a busy timeout serialises their writes.

mod write;

pub use write::{WriteTurn, WriteTx, Writer};

use crate::engine::{Error, Result};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::Path;
use std::time::Duration;

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "chaintill.db";

/// Opens (creating if needed) the database in `data_dir` and brings its schema up to date.
pub async fn open(data_dir: &Path) -> Result<SqlitePool> {
    // Owner-only before SQLite opens it: its WAL and shared memory inherit the mode.
    let file = data_dir.join(DB_FILE);
    crate::engine::private::touch(&file)
        .and_then(|()| {
            ["-wal", "-shm"].iter().try_for_each(|s| {
                crate::engine::private::tighten(&data_dir.join(format!("{DB_FILE}{s}")))
            })
        })
        .map_err(|e| {
            crate::engine::Error::Storage(format!("cannot create {}: {e}", file.display()))
        })?;
    let options = SqliteConnectOptions::new()
        .filename(data_dir.join(DB_FILE))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // Every commit reaches the disk before it returns: with NORMAL, a power cut can roll back
        // a committed address allocation, and the index is then handed out twice (SPEC §10).
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        // A ping is a round trip to the connection's worker thread; a local file needs none.
        .test_before_acquire(false)
        .connect_with(options)
        .await?;
    if let Err(e) = migrate(&pool, data_dir).await {
        pool.close().await;
        return Err(e);
    }
    Ok(pool)
}

/// The schema this build knows: the migrations embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("src-tauri/migrations");

/// The database version this build writes (its newest migration).
pub fn schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// File name of the copy kept while an upgrade migrates the database.
pub const UPGRADE_COPY: &str = "chaintill.db.before-upgrade";

/// Brings the schema up to date (SPEC §9, safe upgrades). A database written by a newer build
/// is refused untouched. An older one is copied first (`VACUUM INTO`, a consistent copy with
/// the WAL folded in); the copy is removed once every migration succeeded, and put back in
/// place if one fails, so a failed upgrade leaves the data as the previous version left it.
async fn migrate(pool: &SqlitePool, data_dir: &Path) -> Result<()> {
    let applied: Vec<i64> = match sqlx::query_scalar(
        "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
    )
    .fetch_all(pool)
    .await
    {
        Ok(v) => v,
        Err(sqlx::Error::Database(e)) if e.message().contains("no such table") => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let known = schema_version();
    if let Some(newer) = applied
        .iter()
        .find(|v| !MIGRATOR.iter().any(|m| m.version == **v))
    {
        return Err(Error::NewerData(format!(
            "{} was written by a newer version of Chaintill (database version {newer}; this is \
             version {} with database version {known}). Nothing was changed: install that \
             version or a later one, or open another data folder.",
            data_dir.display(),
            env!("CARGO_PKG_VERSION"),
        )));
    }
    let pending = MIGRATOR
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .count();
    if applied.is_empty() || pending == 0 {
        return Ok(MIGRATOR.run(pool).await?); // a new database, or one up to date
    }
    let copy = data_dir.join(UPGRADE_COPY);
    // VACUUM INTO writes only into a missing or empty file: an empty owner-only one keeps the
    // copy (webhook secrets) private from its first byte.
    let _ = std::fs::remove_file(&copy);
    crate::engine::private::touch(&copy)?;
    sqlx::query("VACUUM INTO ?")
        .bind(copy.to_string_lossy().into_owned())
        .execute(pool)
        .await?;
    tracing::info!(
        from = applied.last().copied().unwrap_or(0),
        to = known,
        copy = %copy.display(),
        "upgrading the database"
    );
    match MIGRATOR.run(pool).await {
        Ok(()) => {
            std::fs::remove_file(&copy)?;
            Ok(())
        }
        Err(e) => {
            pool.close().await;
            let file = data_dir.join(DB_FILE);
            for s in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(data_dir.join(format!("{DB_FILE}{s}")));
            }
            let restored = std::fs::copy(&copy, &file);
            Err(Error::Storage(match restored {
                Ok(_) => format!(
                    "upgrading the database to version {known} failed ({e}); it was put back \
                     as it was before the upgrade (a copy stays at {})",
                    copy.display()
                ),
                Err(r) => format!(
                    "upgrading the database to version {known} failed ({e}) and putting it back \
                     failed too ({r}): the database before the upgrade is at {}",
                    copy.display()
                ),
            }))
        }
    }
}
