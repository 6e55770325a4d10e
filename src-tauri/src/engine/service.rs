//! The service layer every surface shares: the CLI, the desktop IPC commands and the HTTP API
//! all hold a `Service` and call the same functions through it.

use crate::engine::chain::ChainStatus;
use crate::engine::checkout::view::{SaleSummary, SaleView};
use crate::engine::checkout::{self, model::CheckoutSession, ListQuery, NewSession, Page};
use crate::engine::clock::{Clock, SystemClock};
use crate::engine::config::{Config, Mode};
use crate::engine::idempotency::AnswerKey;
use crate::engine::keys::{self, ApiKey};
use crate::engine::ledger::history::SessionDetail;
use crate::engine::ledger::totals::Totals;
use crate::engine::ledger::{self, LedgerPage, SessionFilter};
use crate::engine::setup::settings::{self, Settings};
use crate::engine::setup::{
    self, NewPhrase, PendingPhrase, RpcCheck, SetupNetwork, SetupRequest, SetupState, WordAnswer,
};
use crate::engine::simulate::{self, SimulatedAmount};
use crate::engine::till::{AppInfo, AssetInfo, NetworkInfo};
use crate::engine::wallet::{self, WalletInfo};
use crate::engine::{events, owner, store, webhooks, Error, Result};
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
    config: Arc<std::sync::RwLock<Arc<Config>>>,
    config_version: Arc<tokio::sync::watch::Sender<u64>>,
    /// Serialises edits of the config file (read, change, validate, write).
    config_edit: Arc<tokio::sync::Mutex<()>>,
    api_error: Arc<std::sync::Mutex<Option<String>>>,
    pending_phrase: Arc<PendingPhrase>,
    pool: SqlitePool,
    clock: Arc<dyn Clock>,
    outbox: Arc<tokio::sync::Notify>,
    chain: Arc<std::sync::RwLock<BTreeMap<String, ChainStatus>>>,
    changes: Arc<tokio::sync::watch::Sender<u64>>,
    writer: store::Writer,
    create_queue: Arc<checkout::batch::Queue>,
    key_cache: Arc<keys::KeyCache>,
    page_streams: Arc<crate::engine::api::page::Streams>,
    /// Creation asks the watchers to screen addresses now; they say when they have.
    screen_wanted: Arc<tokio::sync::Notify>,
    screened: Arc<tokio::sync::watch::Sender<u64>>,
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
        crate::engine::private::create_dir(data_dir).map_err(|e| {
            Error::Internal(format!(
                "cannot create data directory {}: {e}",
                data_dir.display()
            ))
        })?;
        let config = Config::load_or_create(data_dir)?;
        register_rpc_urls(&config);
        let pool = store::open(data_dir).await?;
        Ok(Self {
            data_dir: data_dir.to_path_buf(),
            config: Arc::new(std::sync::RwLock::new(Arc::new(config))),
            config_version: Arc::new(tokio::sync::watch::Sender::new(0)),
            config_edit: Arc::default(),
            api_error: Arc::default(),
            pending_phrase: Arc::default(),
            pool,
            clock,
            outbox: Arc::default(),
            chain: Arc::default(),
            changes: Arc::new(tokio::sync::watch::Sender::new(0)),
            writer: store::Writer::default(),
            create_queue: Arc::default(),
            key_cache: Arc::default(),
            page_streams: Arc::default(),
            screen_wanted: Arc::default(),
            screened: Arc::new(tokio::sync::watch::Sender::new(0)),
        })
    }

    /// What a watcher waits on for a request to screen addresses now (see `chain::screen`).
    pub fn screen_wanted(&self) -> Arc<tokio::sync::Notify> {
        self.screen_wanted.clone()
    }

    /// Bumped each time a watcher has screened addresses.
    pub fn screened(&self) -> &tokio::sync::watch::Sender<u64> {
        &self.screened
    }

    /// The hosted page's open event streams (one feed per session for all its viewers).
    pub fn page_streams(&self) -> &Arc<crate::engine::api::page::Streams> {
        &self.page_streams
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The configuration in force (loaded at open, replaced by saved settings).
    pub fn config(&self) -> Arc<Config> {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Puts a validated configuration in force: the engine's run loop restarts the chain
    /// watchers (and rebinds the API if its address changed); live views refresh.
    pub fn apply_config(&self, config: Config) {
        register_rpc_urls(&config);
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(config);
        self.config_version.send_modify(|n| *n = n.wrapping_add(1));
        self.sessions_changed();
    }

    /// What the engine's run loop waits on to apply a new configuration.
    pub fn watch_config(&self) -> tokio::sync::watch::Receiver<u64> {
        self.config_version.subscribe()
    }

    /// Why the local API is off, if it is (its address could not be bound).
    pub fn api_error(&self) -> Option<String> {
        self.api_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Records why the local API is off (`None`: it serves).
    pub fn set_api_error(&self, error: Option<String>) {
        *self.api_error.lock().unwrap_or_else(|p| p.into_inner()) = error;
        self.sessions_changed();
    }

    /// Forgets the status of networks no longer configured.
    pub fn retain_chain_status(&self, networks: &[&str]) {
        self.chain
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|id, _| networks.contains(&id.as_str()));
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
        let changed = {
            let mut map = self.chain.write().unwrap_or_else(|p| p.into_inner());
            let status = map.entry(network.to_string()).or_default();
            let before = status.clone();
            f(status);
            // The watcher reports after every step; live views wake only when something they
            // show moved (head, connection, error), not for the time stamp alone.
            ChainStatus {
                updated_at: before.updated_at.clone(),
                caught_up_at: before.caught_up_at.clone(),
                ..status.clone()
            } != before
        };
        if changed {
            self.sessions_changed();
        }
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

    /// Creates the wallet as BIP44 `account`; the phrase is returned to be shown once.
    pub async fn wallet_create(&self, account: u32) -> Result<(WalletInfo, Zeroizing<String>)> {
        wallet::create(&self.pool, account, self.now().timestamp_millis()).await
    }

    /// Imports a phrase (and optional passphrase) into the keychain as BIP44 `account` (another
    /// till on the same phrase takes the next account, so no address is ever handed out twice).
    pub async fn wallet_import(
        &self,
        phrase: &str,
        passphrase: &str,
        account: u32,
    ) -> Result<WalletInfo> {
        wallet::import(
            &self.pool,
            phrase,
            passphrase,
            account,
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

    /// Where first-run setup stands.
    pub async fn setup_state(&self) -> Result<SetupState> {
        let wallet = match self.wallet_show().await {
            Ok(w) => Some(w),
            Err(Error::NoWallet) => None,
            Err(e) => return Err(e),
        };
        Ok(SetupState {
            wallet,
            configured: owner::pin_is_set(&self.pool).await?,
        })
    }

    /// Refuses once setup has set the owner PIN: from then on the wizard's commands (setup,
    /// wallet) are closed to the window, so no script in it can reset the PIN or re-point the
    /// till (SPEC §10). Settings behind the PIN change what setup chose.
    pub async fn ensure_setup_open(&self) -> Result<()> {
        if owner::pin_is_set(&self.pool).await? {
            return Err(Error::Forbidden(
                "setup is finished: the wizard's commands are closed; the owner changes settings behind the PIN".into(),
            ));
        }
        Ok(())
    }

    /// A new phrase for the wizard, shown once; stored only by [`Service::wallet_confirm`].
    pub async fn wallet_generate(&self) -> Result<NewPhrase> {
        self.ensure_setup_open().await?;
        if let Some(w) = self.setup_state().await?.wallet {
            return Err(Error::Conflict(format!(
                "a wallet already exists (xpub {}…)",
                &w.xpub.chars().take(16).collect::<String>()
            )));
        }
        self.pending_phrase.generate()
    }

    /// Stores the phrase of [`Service::wallet_generate`] as BIP44 `account` once `answers`
    /// re-type the words asked for.
    pub async fn wallet_confirm(&self, answers: &[WordAnswer], account: u32) -> Result<WalletInfo> {
        self.ensure_setup_open().await?;
        let phrase = self.pending_phrase.confirmed(answers)?;
        let info = self.wallet_import(&phrase, "", account).await?;
        self.pending_phrase.clear();
        Ok(info)
    }

    /// Asks the node at `url` for its chain id and head (the wizard's "Test").
    pub async fn rpc_check(&self, url: &str, chain_id: u64) -> Result<RpcCheck> {
        setup::check_rpc(url, chain_id, "rpcUrl").await
    }

    /// Saves the wizard's answers (config file and owner PIN) and applies them: the engine
    /// starts watching the chosen network without a restart.
    pub async fn setup_finish(&self, req: &SetupRequest) -> Result<()> {
        self.ensure_setup_open().await?;
        self.wallet_show().await.map_err(|e| match e {
            Error::NoWallet => Error::Conflict("create or import the wallet first".into()),
            other => other,
        })?;
        let config = setup::write_config(&self.data_dir, req).await?;
        owner::set_pin(&self.pool, &req.pin, true).await?;
        self.apply_config(config);
        tracing::info!("setup finished; watching the chosen networks");
        Ok(())
    }

    /// Checks the owner PIN (with a growing delay after wrong guesses).
    pub async fn pin_verify(&self, pin: &str) -> Result<()> {
        owner::verify(&self.pool, pin, self.now().timestamp_millis()).await
    }

    /// The owner's settings.
    pub async fn settings_get(&self) -> Result<Settings> {
        Ok(Settings::of(
            &self.config(),
            owner::sound(&self.pool).await?,
        ))
    }

    /// Validates and saves the owner's settings, then applies them without a restart.
    pub async fn settings_save(&self, s: &Settings) -> Result<Settings> {
        let _edit = self.config_edit.lock().await;
        let config = settings::save(&self.data_dir, &self.config(), s)?;
        owner::set_sound(&self.pool, s.sound).await?;
        self.apply_config(config);
        self.settings_get().await
    }

    /// Adds a network (its node tested live) and starts watching it without a restart.
    pub async fn settings_add_network(&self, n: &SetupNetwork) -> Result<Settings> {
        let _edit = self.config_edit.lock().await;
        let config = setup::add_network(&self.data_dir, &self.config(), n).await?;
        // A network removed earlier and added again starts from the chain's head, not from
        // where it stopped (possibly millions of blocks behind). Nothing watches it yet.
        let current = self.config();
        for added in config
            .networks
            .iter()
            .filter(|c| current.network(c.id()).is_none())
        {
            crate::engine::checkout::apply::forget_checkpoint(self, added.id()).await?;
        }
        self.apply_config(config);
        tracing::info!("network added; watching it");
        self.settings_get().await
    }

    /// Stops watching network `id` and removes it from `chaintill.toml`; refused while a session
    /// on it can still change (waiting, seen, underpaid, or not yet settled), or when it is the
    /// till's only network. Its sessions stay in the ledger.
    pub async fn settings_remove_network(&self, id: &str) -> Result<Settings> {
        let _edit = self.config_edit.lock().await;
        let open = crate::engine::checkout::apply::payable_count(self, id).await?;
        if open > 0 {
            return Err(Error::invalid(
                "network",
                format!(
                    "{open} sale(s) on this network can still be paid: wait until they end (or cancel them) before removing it"
                ),
            ));
        }
        let config = setup::remove_network(&self.data_dir, &self.config(), id)?;
        self.apply_config(config);
        tracing::info!(network = %id, "network removed; no longer watched");
        self.settings_get().await
    }

    /// What the till needs to know about the shop.
    pub async fn app_info(&self) -> Result<AppInfo> {
        let cfg = self.config();
        let currency = cfg.store.default_currency.0.clone();
        Ok(AppInfo {
            store_name: cfg.store.name.clone(),
            minor_units: crate::engine::money::currency_minor_units(&currency).unwrap_or(2),
            currency,
            networks: cfg
                .networks
                .iter()
                .map(|n| NetworkInfo {
                    id: n.id().to_string(),
                    name: n.display_name().to_string(),
                    test: n.mode == Mode::Test,
                    confirmations: n.confirmations.get() as u32,
                    assets: std::iter::once(AssetInfo {
                        symbol: n.native.symbol.clone(),
                        decimals: n.native.decimals,
                        native: true,
                    })
                    .chain(n.tokens.iter().map(|t| AssetInfo {
                        symbol: t.symbol.get_ref().0.clone(),
                        decimals: t.decimals.get() as u32,
                        native: false,
                    }))
                    .collect(),
                })
                .collect(),
            version: env!("CARGO_PKG_VERSION").into(),
            api_error: self.api_error(),
            api_url: format!("http://{}/api/v1", cfg.api.bind),
            sound: owner::sound(&self.pool).await?,
        })
    }

    /// Creates a session for the till and returns it as the till shows it.
    pub async fn sale_create(&self, req: NewSession) -> Result<SaleView> {
        SaleView::of(self.sessions_create(req, None).await?)
    }

    /// A session as the till shows it.
    pub async fn sale_view(&self, id: &str) -> Result<SaleView> {
        SaleView::of(self.sessions_get(id, None).await?)
    }

    /// Cancels a session from the till.
    pub async fn sale_cancel(&self, id: &str) -> Result<SaleView> {
        SaleView::of(self.sessions_cancel(id, None).await?)
    }

    /// The last `limit` sales (1 to 20), newest first.
    pub async fn recent_sales(&self, limit: u32) -> Result<Vec<SaleSummary>> {
        let q = ListQuery {
            limit: Some(i64::from(limit.clamp(1, 20))),
            ..ListQuery::default()
        };
        Ok(self
            .sessions_list(&q, None)
            .await?
            .data
            .iter()
            .map(SaleSummary::from)
            .collect())
    }

    /// Registers a live webhook endpoint for the owner; the secret is shown once.
    pub async fn webhooks_add(
        &self,
        name: Option<&str>,
        url: &str,
        events: Option<Vec<String>>,
    ) -> Result<webhooks::NewSecret> {
        webhooks::add(self, name, url, events).await
    }

    /// Registers an endpoint of `mode` (an API key's); the secret is shown once.
    pub async fn webhooks_add_in(
        &self,
        mode: Mode,
        name: Option<&str>,
        url: &str,
        events: Option<Vec<String>>,
    ) -> Result<webhooks::NewSecret> {
        webhooks::add_in(self, mode, name, url, events).await
    }

    /// The webhook endpoints visible in `scope`, newest first.
    pub async fn webhooks_list(&self, scope: Option<Mode>) -> Result<Vec<webhooks::Endpoint>> {
        webhooks::list(self, scope).await
    }

    /// One webhook endpoint.
    pub async fn webhooks_get(&self, id: &str, scope: Option<Mode>) -> Result<webhooks::Endpoint> {
        webhooks::get(self, id, scope).await
    }

    /// Removes a webhook endpoint.
    pub async fn webhooks_remove(
        &self,
        id: &str,
        scope: Option<Mode>,
    ) -> Result<webhooks::Endpoint> {
        webhooks::remove(self, id, scope).await
    }

    /// Disables or re-enables a webhook endpoint.
    pub async fn webhooks_set_enabled(
        &self,
        id: &str,
        enabled: bool,
        scope: Option<Mode>,
    ) -> Result<webhooks::Endpoint> {
        webhooks::set_enabled(self, id, enabled, scope).await
    }

    /// A new signing secret, shown once; the old one signs 24 hours more.
    pub async fn webhooks_rotate(
        &self,
        id: &str,
        scope: Option<Mode>,
    ) -> Result<webhooks::NewSecret> {
        webhooks::rotate(self, id, scope).await
    }

    /// Sends a `webhook.test` event to an endpoint now.
    pub async fn webhooks_test(&self, id: &str, scope: Option<Mode>) -> Result<webhooks::Attempt> {
        webhooks::send_test(self, id, scope).await
    }

    /// An endpoint's delivery log, newest first.
    pub async fn webhooks_attempts(
        &self,
        id: &str,
        scope: Option<Mode>,
        limit: Option<i64>,
        before: Option<i64>,
    ) -> Result<Page<webhooks::Attempt>> {
        webhooks::attempts(self, id, scope, limit, before).await
    }

    /// Delivers an event again now: to `endpoint`, or to every endpoint subscribed to it.
    pub async fn events_resend(
        &self,
        event_id: &str,
        endpoint: Option<&str>,
        scope: Option<Mode>,
    ) -> Result<Vec<webhooks::Attempt>> {
        match endpoint {
            Some(ep) => Ok(vec![webhooks::resend(self, event_id, ep, scope).await?]),
            None => webhooks::resend_to_subscribers(self, event_id, scope).await,
        }
    }

    /// One event.
    pub async fn events_get(&self, id: &str, scope: Option<Mode>) -> Result<events::Event> {
        events::get(&self.pool, id, scope).await
    }

    /// A page of events.
    pub async fn events_list(
        &self,
        q: &events::EventQuery,
        scope: Option<Mode>,
    ) -> Result<Page<events::Event>> {
        events::list(&self.pool, q, scope).await
    }

    /// The owner's ledger: sessions matching `filter`, newest first.
    pub async fn ledger_find(
        &self,
        filter: &SessionFilter,
        limit: i64,
        starting_after: Option<&str>,
    ) -> Result<LedgerPage> {
        ledger::find(self, filter, limit, starting_after).await
    }

    /// Totals of the sessions matching `filter` (per day and asset, and the summary).
    pub async fn ledger_totals(&self, filter: &SessionFilter) -> Result<Totals> {
        ledger::totals::totals(self, filter).await
    }

    /// Everything about one session: its rules, timeline, deliveries and explorer links.
    pub async fn ledger_detail(&self, id: &str) -> Result<SessionDetail> {
        ledger::history::detail(self, id).await
    }

    /// Writes the CSV export of SPEC §8 of the sessions matching `filter`; returns the rows.
    pub async fn ledger_export(
        &self,
        filter: &SessionFilter,
        out: &mut impl std::io::Write,
    ) -> Result<u64> {
        ledger::export::write_csv(self, filter, out).await
    }

    /// Test mode: pays an open test session from the devnet's funded account.
    pub async fn simulate_payment(&self, id: &str, how: SimulatedAmount) -> Result<String> {
        simulate::pay(self, id, how).await
    }
}

/// Makes every log line (a library's too) drop the secret parts of the configured RPC URLs.
fn register_rpc_urls(config: &Config) {
    crate::engine::redact::register_urls(
        config
            .networks
            .iter()
            .flat_map(|n| n.rpc_urls.get_ref().iter().map(|u| u.0.as_str())),
    );
}
