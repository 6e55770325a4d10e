//! SQLite storage: one pool per process, WAL mode, migrations embedded in the binary.
//!
//! Several processes (the engine, admin CLI commands) may open the same data directory; SQLite's
//! locking plus a busy timeout serialises their writes.

mod write;

pub use write::{WriteTurn, WriteTx, Writer};

use crate::engine::Result;
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
    sqlx::migrate!("src-tauri/migrations").run(&pool).await?;
    Ok(pool)
}
