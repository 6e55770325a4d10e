//! IPC commands: each is one call into the service layer plus the mapping of its error.
//! Their argument and result types are generated as TypeScript (`ui/src/lib/gen/ipc.ts`).

use super::AppState;
use crate::engine::chain::ChainStatus;
use crate::engine::checkout::view::{SaleSummary, SaleView};
use crate::engine::checkout::NewSession;
use crate::engine::setup::presets::NetworkPreset;
use crate::engine::setup::settings::Settings;
use crate::engine::setup::{
    NewPhrase, RpcCheck, SetupNetwork, SetupRequest, SetupState, WordAnswer,
};
use crate::engine::wallet::WalletInfo;
use crate::engine::{AppInfo, Error};
use serde::Serialize;
use tauri::{Emitter, Manager, State};
use ts_rs::TS;

/// An error as the UI receives it: `code` for code to switch on, `message` for people, `param`
/// naming the field at fault, and `retryAfterSecs` when trying again later may work.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IpcError {
    code: String,
    message: String,
    param: Option<String>,
    #[ts(type = "number | null")]
    retry_after_secs: Option<u64>,
}

impl From<Error> for IpcError {
    fn from(e: Error) -> Self {
        let code = match &e {
            Error::InvalidInput { .. } => "invalid_input",
            Error::NotFound { .. } => "not_found",
            Error::Conflict(_) => "conflict",
            Error::NoWallet => "no_wallet",
            Error::Unavailable { cause, .. } => cause.code(),
            Error::Keychain(_) => "keychain",
            Error::Config { .. } => "config",
            Error::PinRefused { wrong: true, .. } => "pin_wrong",
            Error::PinRefused { wrong: false, .. } => "pin_wait",
            Error::Locked => "locked",
            Error::Unauthorized(_) | Error::Forbidden(_) => "forbidden",
            Error::AlreadyRunning(_)
            | Error::NewerData(_)
            | Error::Storage(_)
            | Error::Internal(_) => "internal",
        };
        let param = match &e {
            Error::InvalidInput { param, .. } => param.clone(),
            _ => None,
        };
        let retry_after_secs = match &e {
            Error::PinRefused {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            Error::Unavailable { cause, .. } => Some(cause.retry_after_secs()),
            _ => None,
        };
        IpcError {
            code: code.into(),
            message: e.to_string(),
            param,
            retry_after_secs,
        }
    }
}

type IpcResult<T> = Result<T, IpcError>;

/// Opens `folder` in the system's file manager.
pub fn open_folder(app: &tauri::AppHandle, folder: &str) -> IpcResult<()> {
    use tauri_plugin_opener::OpenerExt;
    app.opener()
        .open_path(folder, None::<&str>)
        .map_err(|e| IpcError::from(Error::Internal(format!("cannot open {folder}: {e}"))))
}

/// The event the customer display follows: the cashier put another sale on screen.
pub const CURRENT_SALE_CHANGED: &str = "current-sale-changed";

/// The shop's name, currency, networks and window preferences.
#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> IpcResult<AppInfo> {
    Ok(state.svc.app_info().await?)
}

/// The chain watchers' status: connection, head, lag, last error.
#[tauri::command]
pub fn chain_status(state: State<'_, AppState>) -> Vec<ChainStatus> {
    state.svc.chain_status()
}

/// The wallet's public state, or none yet.
#[tauri::command]
pub async fn wallet_status(state: State<'_, AppState>) -> IpcResult<Option<WalletInfo>> {
    Ok(state.svc.setup_state().await?.wallet)
}

/// Where first-run setup stands.
#[tauri::command]
pub async fn setup_state(state: State<'_, AppState>) -> IpcResult<SetupState> {
    Ok(state.svc.setup_state().await?)
}

/// The wizard's network presets.
#[tauri::command]
pub fn setup_presets() -> Vec<NetworkPreset> {
    crate::engine::setup::presets::PRESETS
        .iter()
        .map(NetworkPreset::from)
        .collect()
}

/// A new phrase, shown once; stored only once re-typed ([`wallet_confirm`]).
#[tauri::command]
pub async fn wallet_generate(state: State<'_, AppState>) -> IpcResult<NewPhrase> {
    Ok(state.svc.wallet_generate().await?)
}

/// Stores the new phrase once the asked words are re-typed.
#[tauri::command]
pub async fn wallet_confirm(
    state: State<'_, AppState>,
    answers: Vec<WordAnswer>,
    account: u32,
) -> IpcResult<WalletInfo> {
    Ok(state.svc.wallet_confirm(&answers, account).await?)
}

/// Imports an existing phrase as this till's account.
#[tauri::command]
pub async fn wallet_import(
    state: State<'_, AppState>,
    phrase: String,
    passphrase: String,
    account: u32,
) -> IpcResult<WalletInfo> {
    let phrase = zeroize::Zeroizing::new(phrase);
    let passphrase = zeroize::Zeroizing::new(passphrase);
    state.svc.ensure_setup_open().await?;
    Ok(state
        .svc
        .wallet_import(&phrase, &passphrase, account)
        .await?)
}

/// Tests an RPC URL live against the chain id it must have: in the wizard, or behind the PIN
/// (settings' "Add a network").
#[tauri::command]
pub async fn rpc_test(
    state: State<'_, AppState>,
    url: String,
    chain_id: u64,
) -> IpcResult<RpcCheck> {
    if state.svc.ensure_setup_open().await.is_err() {
        state.owner.require()?;
    }
    Ok(state.svc.rpc_check(&url, chain_id).await?)
}

/// Saves the wizard's answers; the engine starts watching at once.
#[tauri::command]
pub async fn setup_finish(state: State<'_, AppState>, req: SetupRequest) -> IpcResult<AppInfo> {
    state.svc.setup_finish(&req).await?;
    Ok(state.svc.app_info().await?)
}

/// Opens the owner functions with the PIN.
#[tauri::command]
pub async fn pin_unlock(state: State<'_, AppState>, pin: String) -> IpcResult<()> {
    let pin = zeroize::Zeroizing::new(pin);
    state.svc.pin_verify(&pin).await?;
    state.owner.unlock();
    Ok(())
}

/// Closes the owner functions (back to the cashier).
#[tauri::command]
pub fn lock(state: State<'_, AppState>) {
    state.owner.lock();
}

/// Whether the owner functions are open.
#[tauri::command]
pub fn owner_unlocked(state: State<'_, AppState>) -> bool {
    state.owner.is_unlocked()
}

/// The owner's settings (needs the PIN).
#[tauri::command]
pub async fn settings_get(state: State<'_, AppState>) -> IpcResult<Settings> {
    state.owner.require()?;
    Ok(state.svc.settings_get().await?)
}

/// Saves the owner's settings (needs the PIN); applied at once.
#[tauri::command]
pub async fn settings_save(state: State<'_, AppState>, settings: Settings) -> IpcResult<Settings> {
    state.owner.require()?;
    Ok(state.svc.settings_save(&settings).await?)
}

/// Adds a network to the till (needs the PIN): its node tested live, then watched at once.
#[tauri::command]
pub async fn settings_add_network(
    state: State<'_, AppState>,
    network: SetupNetwork,
) -> IpcResult<Settings> {
    state.owner.require()?;
    Ok(state.svc.settings_add_network(&network).await?)
}

/// Removes a network from the till (needs the PIN); refused while one of its sales is open.
#[tauri::command]
pub async fn settings_remove_network(
    state: State<'_, AppState>,
    network: String,
) -> IpcResult<Settings> {
    state.owner.require()?;
    Ok(state.svc.settings_remove_network(&network).await?)
}

/// Creates a session for the amount the cashier typed.
#[tauri::command]
pub async fn create_session(
    state: State<'_, AppState>,
    amount: String,
    network: Option<String>,
    asset: Option<String>,
) -> IpcResult<SaleView> {
    let req = NewSession {
        network,
        asset,
        ..NewSession::for_amount(amount)
    };
    Ok(state.svc.sale_create(req).await?)
}

/// A session's current state as the till shows it.
#[tauri::command]
pub async fn get_session(state: State<'_, AppState>, id: String) -> IpcResult<SaleView> {
    Ok(state.svc.sale_view(&id).await?)
}

/// Cancels a session that has received nothing.
#[tauri::command]
pub async fn cancel_session(state: State<'_, AppState>, id: String) -> IpcResult<SaleView> {
    Ok(state.svc.sale_cancel(&id).await?)
}

/// The till's last sales, newest first.
#[tauri::command]
pub async fn recent_sales(state: State<'_, AppState>, limit: u32) -> IpcResult<Vec<SaleSummary>> {
    Ok(state.svc.recent_sales(limit).await?)
}

/// The cashier put `id` (or nothing) on screen; the customer display follows.
#[tauri::command]
pub fn set_current_sale(app: tauri::AppHandle, state: State<'_, AppState>, id: Option<String>) {
    *state.current_sale.lock().unwrap_or_else(|p| p.into_inner()) = id;
    if let Err(e) = app.emit(CURRENT_SALE_CHANGED, ()) {
        tracing::warn!(error = %e, "the customer display could not be told about the sale");
    }
}

/// The sale on the cashier's screen, for the customer display.
#[tauri::command]
pub async fn current_sale(state: State<'_, AppState>) -> IpcResult<Option<SaleView>> {
    match state.current_sale_id() {
        Some(id) => Ok(Some(state.svc.sale_view(&id).await?)),
        None => Ok(None),
    }
}

/// Opens (or brings forward) the customer display window.
#[tauri::command]
pub async fn open_customer_display(app: tauri::AppHandle) -> IpcResult<()> {
    if let Some(w) = app.get_webview_window(super::CUSTOMER_WINDOW) {
        let _ = w.set_focus();
        return Ok(());
    }
    tauri::WebviewWindowBuilder::new(
        &app,
        super::CUSTOMER_WINDOW,
        tauri::WebviewUrl::App("index.html#customer".into()),
    )
    .title("Chaintill — customer display")
    .inner_size(800.0, 600.0)
    .build()
    .map_err(|e| {
        IpcError::from(Error::Internal(format!(
            "cannot open the customer display: {e}"
        )))
    })?;
    Ok(())
}
