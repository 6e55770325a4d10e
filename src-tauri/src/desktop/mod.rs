//! The Tauri shell: opens the windows and exposes the service layer through IPC commands.

mod bindings;
mod commands;
mod dashboard;
mod launch_failure;
pub mod updates;

use crate::engine::{lock, run_until_shutdown, Error, Result, Service};
use launch_failure::LaunchFailure;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// The label of the customer display window (see `src-tauri/capabilities/customer.json`).
pub const CUSTOMER_WINDOW: &str = "customer";

/// Whether the owner functions (settings, dashboard) are open in this window session.
#[derive(Default)]
pub struct OwnerGate(AtomicBool);

impl OwnerGate {
    /// Opens them (after the PIN was verified).
    pub fn unlock(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Closes them.
    pub fn lock(&self) {
        self.0.store(false, Ordering::SeqCst);
    }

    /// Whether they are open.
    pub fn is_unlocked(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Refuses unless they are open.
    pub fn require(&self) -> Result<()> {
        if self.is_unlocked() {
            Ok(())
        } else {
            Err(Error::Locked)
        }
    }
}

/// Shared state of every IPC command.
pub struct AppState {
    /// The same service the CLI and API use.
    pub svc: Service,
    /// The owner functions' lock.
    pub owner: OwnerGate,
    /// The sale on the cashier's screen (the customer display shows it).
    pub current_sale: Mutex<Option<String>>,
    /// The newer release the last update check found.
    pub update: tokio::sync::Mutex<Option<tauri_plugin_updater::Update>>,
    _lock: lock::EngineLock,
}

impl AppState {
    /// The id of the sale on the cashier's screen, if any.
    pub fn current_sale_id(&self) -> Option<String> {
        self.current_sale
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Refuses while the sale on the cashier's screen can still change (pending, detected,
    /// underpaid): an update never interrupts a sale.
    pub async fn refuse_during_sale(&self) -> Result<()> {
        match self.current_sale_id() {
            Some(id) if self.svc.sale_view(&id).await.is_ok_and(|v| v.open) => {
                Err(Error::Conflict(
                    "a sale is open on the till: finish or cancel it first, then update".into(),
                ))
            }
            _ => Ok(()),
        }
    }

    /// Asks the release feed (the shop's `feed_url`, else the app's own) and keeps what it
    /// offers for settings; the time of the check is recorded for the daily one.
    pub async fn check_for_update(
        &self,
        app: &tauri::AppHandle,
    ) -> Result<Option<updates::UpdateOffer>> {
        let config = self.svc.config();
        let found = updates::check(app, config.updates.feed_url.as_ref().map(|f| &f.0)).await?;
        updates::record_check(self.svc.data_dir());
        let offer = found.as_ref().map(updates::UpdateOffer::of);
        *self.update.lock().await = found;
        Ok(offer)
    }
}

/// Opens the desktop window on `data_dir` and runs until it is closed; when the till cannot
/// start, a window saying why instead (and the error once it is closed).
pub fn run(data_dir: &Path) -> Result<()> {
    let context = tauri::generate_context!("tauri.conf.json");
    let (svc, engine_lock) = match start(data_dir) {
        Ok(started) => started,
        Err(e) => {
            tracing::error!(error = %e, "the till cannot start");
            launch_failure::show(context, LaunchFailure::explain(&e, data_dir))?;
            return Err(e);
        }
    };
    let background = svc.clone();
    // Closing the window stops the engine (within its bound) before the process exits.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (stopped_tx, stopped_rx) = std::sync::mpsc::channel::<()>();
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(AppState {
            svc,
            owner: OwnerGate::default(),
            current_sale: Mutex::new(None),
            update: tokio::sync::Mutex::new(None),
            _lock: engine_lock,
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::chain_status,
            commands::wallet_status,
            commands::setup_state,
            commands::setup_presets,
            commands::wallet_generate,
            commands::wallet_confirm,
            commands::wallet_import,
            commands::rpc_test,
            commands::setup_finish,
            commands::pin_unlock,
            commands::lock,
            commands::owner_unlocked,
            commands::settings_get,
            commands::settings_save,
            commands::settings_add_network,
            commands::settings_remove_network,
            commands::create_session,
            commands::get_session,
            commands::cancel_session,
            commands::recent_sales,
            commands::set_current_sale,
            commands::current_sale,
            commands::open_customer_display,
            dashboard::ledger_find,
            dashboard::ledger_totals,
            dashboard::session_detail,
            dashboard::export_csv,
            dashboard::open_explorer,
            dashboard::simulate_payment,
            dashboard::webhooks_list,
            dashboard::webhooks_add,
            dashboard::webhooks_test,
            dashboard::webhooks_attempts,
            dashboard::webhooks_rotate,
            dashboard::webhooks_set_enabled,
            dashboard::webhooks_remove,
            dashboard::events_resend,
            dashboard::keys_create,
            dashboard::keys_list,
            dashboard::keys_revoke,
            dashboard::about,
            dashboard::diagnostics,
            dashboard::open_log_folder,
            dashboard::update_offer,
            dashboard::update_check,
            dashboard::update_install,
        ])
        .setup(move |app| {
            tauri::async_runtime::spawn(daily_update_check(app.handle().clone()));
            tauri::async_runtime::spawn(forward_changes(
                app.handle().clone(),
                background.watch_changes(),
            ));
            let mut stop_rx = stop_rx.clone();
            tauri::async_runtime::spawn(async move {
                // A port that cannot be bound turns the API off, not the till: the engine
                // records why (shown in the window's header) and keeps watching.
                run_until_shutdown(&background, None, async move {
                    let _ = stop_rx.wait_for(|s| *s).await;
                })
                .await;
                let _ = stopped_tx.send(());
            });
            Ok(())
        })
        .build(context)
        .map_err(|e| Error::Internal(format!("the window failed: {e}")))?;
    app.run(move |_, event| {
        if let tauri::RunEvent::Exit = event {
            let _ = stop_tx.send(true);
            // The engine bounds its own stop; this only keeps a wedged one from holding the exit.
            let _ = stopped_rx
                .recv_timeout(crate::engine::STOP_WITHIN + std::time::Duration::from_millis(300));
        }
    });
    Ok(())
}

/// Everything the till needs before its window opens: the engine on `data_dir` (a valid
/// config, a database this version can read), the data folder's engine lock, and a keychain
/// that answers.
fn start(data_dir: &Path) -> Result<(Service, lock::EngineLock)> {
    let svc = tauri::async_runtime::block_on(Service::open(data_dir))?;
    let engine_lock = lock::acquire(data_dir, "the Chaintill window")?;
    crate::engine::wallet::keychain::reachable()?;
    Ok((svc, engine_lock))
}

/// The update check at start, at most once a day (and again each day the till stays open), never
/// while a sale is open; what it finds waits in settings for the owner.
async fn daily_update_check(app: tauri::AppHandle) {
    use tauri::Manager;
    // Not in the way of the till's own start.
    tokio::time::sleep(std::time::Duration::from_secs(30)).await;
    loop {
        let state = app.state::<AppState>();
        if state.svc.config().updates.check_at_start
            && updates::daily_check_due(state.svc.data_dir(), std::time::SystemTime::now())
            && state.refuse_during_sale().await.is_ok()
        {
            match state.check_for_update(&app).await {
                Ok(found) => {
                    if let Some(offer) = found {
                        tracing::info!(version = %offer.version, "a newer Chaintill is available (settings)");
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the update check failed; it runs again in an hour")
                }
            }
        }
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}

/// The window's event for "sessions or chain status may have changed" (a commit of the
/// engine, a new block, a connection lost or restored, a saved setting).
pub const SESSIONS_CHANGED: &str = "sessions-changed";

/// Tells the windows when sessions or chain status may have changed, so the open sale and the
/// chain line refresh at once instead of on a timer. At most ten events a second: changes in
/// between fold into the next one.
async fn forward_changes(app: tauri::AppHandle, mut changes: tokio::sync::watch::Receiver<u64>) {
    use tauri::Emitter;
    while changes.changed().await.is_ok() {
        if let Err(e) = app.emit(SESSIONS_CHANGED, ()) {
            tracing::warn!(error = %e, "the window could not be told about a change");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
