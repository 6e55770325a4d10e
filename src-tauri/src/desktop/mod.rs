//! The Tauri shell: opens the window and exposes the service layer through IPC commands.

mod commands;

use crate::engine::{lock, run_until_shutdown, Error, Result, Service};
use std::path::Path;

/// Shared state of every IPC command.
pub struct AppState {
    /// The same service the CLI and API use.
    pub svc: Service,
    _lock: lock::EngineLock,
}

/// Opens the desktop window on `data_dir` and runs until it is closed.
pub fn run(data_dir: &Path) -> Result<()> {
    let svc = tauri::async_runtime::block_on(Service::open(data_dir))?;
    let engine_lock = lock::acquire(data_dir, "the Chaintill window")?;
    let background = svc.clone();
    tauri::Builder::default()
        .manage(AppState {
            svc,
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
        .setup(move |_app| {
            tauri::async_runtime::spawn(async move {
                run_until_shutdown(&background, std::future::pending()).await;
            });
            Ok(())
        })
        .run(tauri::generate_context!("tauri.conf.json"))
        .map_err(|e| Error::Internal(format!("the window failed: {e}")))
}
