//! The service layer every surface shares: the CLI, the desktop IPC commands and the HTTP API
//! all hold a `Service` and call the same functions through it.

use crate::engine::chain::ChainStatus;
use crate::engine::checkout::{self, model::CheckoutSession, ListQuery, NewSession, Page};
use crate::engine::clock::{Clock, SystemClock};
use crate::engine::config::{Config, Mode};
use crate::engine::idempotency::AnswerKey;
use crate::engine::keys::{self, ApiKey};
use crate::engine::wallet::{self, WalletInfo};
use crate::engine::{store, Error, Result};
use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zeroize::Zeroizing;

/// Everything one data directory holds, opened.
#[derive(Clone)]
pub struct Service {
    data_dir: PathBuf,
    config: Arc<Config>,
    pool: SqlitePool,
    clock: Arc<dyn Clock>,
    outbox: Arc<tokio::sync::Notify>,
    chain: Arc<std::sync::RwLock<BTreeMap<String, ChainStatus>>>,
    changes: Arc<tokio::sync::watch::Sender<u64>>,
    writer: store::Writer,
    create_queue: Arc<checkout::batch::Queue>,
    key_cache: Arc<keys::KeyCache>,
}

pub use store::{WriteTurn, WriteTx};

/// The default data directory: the OS's app-data folder for `chaintill`.
pub fn default_data_dir() -> Result<PathBuf> {
    directories::BaseDirs::new()
        .map(|b| b.data_dir().join("chaintill"))
        .ok_or_else(|| Error::Internal("cannot find the home directory; pass --data-dir".into()))
}

impl Service {
    /// Opens `data_dir` (creating it, its default config and its database as needed).
    pub async fn open(data_dir: &Path) -> Result<Self> {
        Self::open_with_clock(data_dir, Arc::new(SystemClock)).await
    }

    /// Like [`Service::open`] with an injected clock.
    pub async fn open_with_clock(data_dir: &Path, clock: Arc<dyn Clock>) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            Error::Internal(format!(
                "cannot create data directory {}: {e}",
                data_dir.display()
            ))
        })?;
        let config = Config::load_or_create(data_dir)?;
        let pool = store::open(data_dir).await?;
        Ok(Self {
            data_dir: data_dir.to_path_buf(),
            config: Arc::new(config),
            pool,
            clock,
            outbox: Arc::default(),
            chain: Arc::default(),
            changes: Arc::new(tokio::sync::watch::Sender::new(0)),
            writer: store::Writer::default(),
            create_queue: Arc::default(),
            key_cache: Arc::default(),
        })
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The configuration loaded at open.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The database pool.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Starts a write transaction; see [`store::Writer`]. Never call while holding another one.
    pub async fn begin_write(&self) -> Result<WriteTx> {
        self.writer.begin(&self.pool).await
    }

    /// Waits for this process's write turn.
    pub async fn write_turn(&self) -> WriteTurn {
        self.writer.turn().await
    }

    /// Starts a write transaction in a turn already taken.
    pub async fn begin_write_in(&self, turn: WriteTurn) -> Result<WriteTx> {
        self.writer.begin_in(&self.pool, turn).await
    }

    /// Sessions waiting to be written; see [`checkout::batch`].
    pub(crate) fn create_queue(&self) -> &checkout::batch::Queue {
        &self.create_queue
    }

    /// Runs one writing statement in its own write turn (see [`store::Writer`]).
    pub async fn write_one<'q>(
        &self,
        q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    ) -> Result<sqlx::sqlite::SqliteQueryResult> {
        let _turn = self.writer.turn().await;
        Ok(q.execute(&self.pool).await?)
    }

    /// The injected clock's now.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Wakes the webhook dispatcher of this process: call after committing events.
    /// (Events written by other processes are found by its polling.)
    pub fn outbox_changed(&self) {
        self.outbox.notify_one();
        self.sessions_changed();
    }

    /// Tells live views (the hosted page's event stream) that sessions may have changed:
    /// a commit of this process or a new block (confirmations grow without an event).
    pub fn sessions_changed(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// What live views wait on; see [`Service::sessions_changed`].
    pub fn watch_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// What the dispatcher waits on for new events.
    pub fn outbox_signal(&self) -> Arc<tokio::sync::Notify> {
        self.outbox.clone()
    }

    /// Updates the watcher status of one network.
    pub fn update_chain_status(&self, network: &str, f: impl FnOnce(&mut ChainStatus)) {
        {
            let mut map = self.chain.write().unwrap_or_else(|p| p.into_inner());
            f(map.entry(network.to_string()).or_default());
        }
        self.sessions_changed();
    }

    /// The watchers' status, one entry per network (empty until the engine runs).
    pub fn chain_status(&self) -> Vec<ChainStatus> {
        self.chain
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Creates the wallet; the phrase is returned to be shown once.
    pub async fn wallet_create(&self) -> Result<(WalletInfo, Zeroizing<String>)> {
        wallet::create(&self.pool, self.now().timestamp_millis()).await
    }

    /// Imports a phrase (and optional passphrase) into the keychain.
    pub async fn wallet_import(&self, phrase: &str, passphrase: &str) -> Result<WalletInfo> {
        wallet::import(
            &self.pool,
            phrase,
            passphrase,
            self.now().timestamp_millis(),
        )
        .await
    }

    /// The wallet's public state.
    pub async fn wallet_show(&self) -> Result<WalletInfo> {
        wallet::show(&self.pool).await
    }

    /// Creates an API key; the key is returned to be shown once.
    pub async fn keys_create(
        &self,
        mode: Mode,
        name: Option<&str>,
        restricted: bool,
    ) -> Result<(ApiKey, Zeroizing<String>)> {
        keys::create(&self.pool, mode, name, restricted).await
    }

    /// All API keys (never the keys themselves).
    pub async fn keys_list(&self) -> Result<Vec<ApiKey>> {
        keys::list(&self.pool).await
    }

    /// Revokes an API key.
    pub async fn keys_revoke(&self, id: &str) -> Result<ApiKey> {
        let key = keys::revoke(&self.pool, id).await;
        self.key_cache.clear();
        key
    }

    /// The active API key of a bearer token (see [`keys::KeyCache`] for how long a revoked key
    /// may still pass when another process revoked it).
    pub async fn authenticate(&self, token: &str) -> Result<ApiKey> {
        keys::authenticate_cached(&self.pool, &self.key_cache, token).await
    }

    /// Creates a checkout session.
    pub async fn sessions_create(
        &self,
        req: NewSession,
        scope: Option<Mode>,
    ) -> Result<CheckoutSession> {
        checkout::create(self, req, scope, None).await
    }

    /// Creates a checkout session and, in the same transaction, keeps its answer for replays
    /// of the request under `answer` (see [`crate::engine::idempotency`]).
    pub async fn sessions_create_keeping(
        &self,
        req: NewSession,
        scope: Option<Mode>,
        answer: Option<AnswerKey>,
    ) -> Result<CheckoutSession> {
        checkout::create(self, req, scope, answer).await
    }

    /// One checkout session.
    pub async fn sessions_get(&self, id: &str, scope: Option<Mode>) -> Result<CheckoutSession> {
        checkout::get(self, id, scope).await
    }

    /// A page of checkout sessions.
    pub async fn sessions_list(
        &self,
        q: &ListQuery,
        scope: Option<Mode>,
    ) -> Result<Page<CheckoutSession>> {
        checkout::list(self, q, scope).await
    }

    /// Cancels a checkout session with no payment.
    pub async fn sessions_cancel(&self, id: &str, scope: Option<Mode>) -> Result<CheckoutSession> {
        checkout::cancel(self, id, scope).await
    }

    /// The QR code (SVG) of a session's payment URI.
    pub async fn sessions_qr(&self, id: &str, scope: Option<Mode>) -> Result<String> {
        let s = self.sessions_get(id, scope).await?;
        checkout::uri::qr_svg(&s.payment_uri)
    }
}
