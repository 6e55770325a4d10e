//! A launch that cannot start says why, in a window (SPEC §9): started from the desktop menu,
//! the owner never sees stderr. The window names what is wrong and what to do about it, with the
//! log folder one click away; nothing of the till starts.

use crate::engine::{logging, Error};
use serde::Serialize;
use std::path::Path;
use tauri::State;
use ts_rs::TS;

/// The label of the launch-failure window (see `src-tauri/capabilities/launch-failure.json`).
pub const WINDOW: &str = "launch-failure";

/// What the launch-failure window shows.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LaunchFailure {
    /// What is wrong, in one line.
    pub title: String,
    /// The engine's own message (the config file and line, the other engine, the keychain's answer).
    pub detail: String,
    /// What the owner does about it.
    pub remedy: String,
    /// The folder holding `chaintill.log`.
    pub log_dir: String,
}

impl LaunchFailure {
    /// Explains `e`, the reason the till on `data_dir` cannot start.
    pub fn explain(e: &Error, data_dir: &Path) -> Self {
        let (title, remedy) = match e {
            Error::Config { .. } => (
                "The settings file has a mistake".to_string(),
                "Correct the line named above (or move the file away to run the setup again), \
                 then start Chaintill again. No payment or setting was changed."
                    .to_string(),
            ),
            Error::AlreadyRunning(_) => (
                "Chaintill is already running on this data folder".to_string(),
                "Switch to the Chaintill window that is already open, or stop `chaintill serve` \
                 first. Two engines on one data folder would watch the same payments twice."
                    .to_string(),
            ),
            Error::Keychain(_) => (
                "The system keychain cannot be reached".to_string(),
                "Chaintill keeps the recovery phrase in the system keychain (the Secret Service: \
                 GNOME Keyring, KWallet or KeePassXC). Log in to a desktop session where one runs \
                 and is unlocked (on Debian: `sudo apt install gnome-keyring`), then start \
                 Chaintill again."
                    .to_string(),
            ),
            Error::NewerData(_) => (
                "This data folder belongs to a newer version of Chaintill".to_string(),
                "Install that version (or a later one) again. This version left the data folder \
                 exactly as it was."
                    .to_string(),
            ),
            _ => (
                "Chaintill could not start".to_string(),
                "The log folder has the details; send them with a support request.".to_string(),
            ),
        };
        LaunchFailure {
            title,
            detail: e.to_string(),
            remedy,
            log_dir: logging::log_dir(data_dir).display().to_string(),
        }
    }
}

/// Why the app could not start.
#[tauri::command]
pub fn launch_failure(failure: State<'_, LaunchFailure>) -> LaunchFailure {
    failure.inner().clone()
}

/// Opens the log folder in the system's file manager.
#[tauri::command]
pub fn launch_failure_open_logs(
    app: tauri::AppHandle,
    failure: State<'_, LaunchFailure>,
) -> Result<(), super::commands::IpcError> {
    super::commands::open_folder(&app, &failure.log_dir)
}

/// Shows `failure` in its own window until the owner closes it.
pub fn show(mut context: tauri::Context, failure: LaunchFailure) -> crate::engine::Result<()> {
    // Not the till's window: this one loads the failure page and gets only its two commands.
    context.config_mut().app.windows.clear();
    tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .manage(failure)
        .invoke_handler(tauri::generate_handler![
            launch_failure,
            launch_failure_open_logs
        ])
        .setup(|app| {
            tauri::WebviewWindowBuilder::new(
                app,
                WINDOW,
                tauri::WebviewUrl::App("index.html#launch-failure".into()),
            )
            .title("Chaintill could not start")
            .inner_size(720.0, 520.0)
            .build()?;
            Ok(())
        })
        .run(context)
        .map_err(|e| Error::Internal(format!("the window failed: {e}")))
}
