//! Write turns: this process's writers take turns on an async lock and write in `BEGIN
//! IMMEDIATE` transactions, instead of contending inside SQLite, whose busy handler sleeps in
//! steps of milliseconds (which made every write wait behind a sleeping one under load).
//! Other processes (admin CLI commands) still meet SQLite's busy timeout.

use crate::engine::Result;
use sqlx::SqlitePool;
use std::sync::Arc;

/// The write lock of one process's pool.
#[derive(Clone, Default)]
pub struct Writer {
    lock: Arc<tokio::sync::Mutex<()>>,
}

/// This process's turn to write; see [`WriteTx`].
pub struct WriteTurn {
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

/// A write transaction (`BEGIN IMMEDIATE`) in a write turn. Never start one while holding
/// another.
pub struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    _turn: WriteTurn,
}

impl Writer {
    /// Waits for this process's write turn.
    pub async fn turn(&self) -> WriteTurn {
        WriteTurn {
            _guard: self.lock.clone().lock_owned().await,
        }
    }

    /// Starts a write transaction in a turn already taken.
    pub async fn begin_in(&self, pool: &SqlitePool, turn: WriteTurn) -> Result<WriteTx> {
        let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx { tx, _turn: turn })
    }

    /// Waits for a turn and starts a write transaction.
    pub async fn begin(&self, pool: &SqlitePool) -> Result<WriteTx> {
        let turn = self.turn().await;
        self.begin_in(pool, turn).await
    }
}

impl WriteTx {
    /// Commits, then lets the next writer in.
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::SqliteConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}
