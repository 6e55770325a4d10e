//! The Tauri shell: opens the window and exposes the service layer through IPC commands.

mod commands;

use crate::engine::{lock, run_until_shutdown, Error, Result, Service};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Shared state of every IPC command.
pub struct AppState {
    /// The same service the CLI and API use.
    pub svc: Service,
    /// Why the local API is off (e.g. `api.bind` is taken), for the window to show; the rest
    /// of the engine runs regardless.
    pub api_error: Arc<Mutex<Option<String>>>,
    _lock: lock::EngineLock,
}

/// Opens the desktop window on `data_dir` and runs until it is closed.
pub fn run(data_dir: &Path) -> Result<()> {
    let svc = tauri::async_runtime::block_on(Service::open(data_dir))?;
    let engine_lock = lock::acquire(data_dir, "the Chaintill window")?;
    let background = svc.clone();
    let api_error = Arc::new(Mutex::new(None));
    let report = api_error.clone();
    tauri::Builder::default()
        .manage(AppState {
            svc,
            api_error,
            _lock: engine_lock,
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::wallet_status,
            commands::chain_status,
            commands::create_session,
            commands::get_session,
            commands::cancel_session,
        ])
        .setup(move |app| {
            tauri::async_runtime::spawn(forward_changes(
                app.handle().clone(),
                background.watch_changes(),
            ));
            tauri::async_runtime::spawn(async move {
                let listener = match crate::engine::api::bind(background.config().api.bind).await
                {
                    Ok(listener) => Some(listener),
                    Err(e) => {
                        tracing::error!(error = %e, "the local API is off; sales are still watched");
                        *report.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
                        None
                    }
                };
                run_until_shutdown(&background, listener, std::future::pending()).await
            });
            Ok(())
        })
        .run(tauri::generate_context!("tauri.conf.json"))
        .map_err(|e| Error::Internal(format!("the window failed: {e}")))
}

/// The window's event for "sessions or chain status may have changed" (a commit of the
/// engine, a new block, a connection lost or restored).
pub const SESSIONS_CHANGED: &str = "sessions-changed";

/// Tells the window when sessions or chain status may have changed, so the open sale and the
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
