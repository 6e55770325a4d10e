//! IPC commands: thin wrappers over the service layer, with serde models the UI shares.

use super::AppState;
use crate::engine::checkout::model::CheckoutSession;
use crate::engine::checkout::{uri, NewSession};
use crate::engine::wallet::WalletInfo;
use crate::engine::Error;
use serde::Serialize;
use tauri::State;

/// An error as the UI receives it: a message for people and a code for code.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IpcError {
    code: &'static str,
    message: String,
    param: Option<String>,
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
            Error::Unauthorized(_) | Error::Forbidden(_) => "forbidden",
            Error::AlreadyRunning(_) | Error::Storage(_) | Error::Internal(_) => "internal",
        };
        let param = match &e {
            Error::InvalidInput { param, .. } => param.clone(),
            _ => None,
        };
        IpcError {
            code,
            message: e.to_string(),
            param,
        }
    }
}

type IpcResult<T> = Result<T, IpcError>;

/// What the cashier screen needs to know about the shop.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    store_name: String,
    currency: String,
    networks: Vec<NetworkInfo>,
    version: &'static str,
    /// Why the local API is off, if its port could not be bound (sales still work).
    api_error: Option<String>,
    /// Where the local API listens.
    api_url: String,
}

/// A configured network and its assets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkInfo {
    id: String,
    name: String,
    test: bool,
    assets: Vec<String>,
}

/// The shop's name, currency and networks.
#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    let cfg = state.svc.config();
    AppInfo {
        store_name: cfg.store.name.clone(),
        currency: cfg.store.default_currency.0.clone(),
        networks: cfg
            .networks
            .iter()
            .map(|n| NetworkInfo {
                id: n.id().to_string(),
                name: n.display_name().to_string(),
                test: n.mode == crate::engine::config::Mode::Test,
                assets: std::iter::once(n.native.symbol.clone())
                    .chain(n.tokens.iter().map(|t| t.symbol.get_ref().0.clone()))
                    .collect(),
            })
            .collect(),
        version: env!("CARGO_PKG_VERSION"),
        api_error: state
            .api_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone(),
        api_url: format!("http://{}/api/v1", cfg.api.bind),
    }
}

/// The chain watchers' status: connection, head, lag, last error.
#[tauri::command]
pub fn chain_status(state: State<'_, AppState>) -> Vec<crate::engine::chain::ChainStatus> {
    state.svc.chain_status()
}

/// The wallet's public state, or why there is none.
#[tauri::command]
pub async fn wallet_status(state: State<'_, AppState>) -> IpcResult<Option<WalletInfo>> {
    match state.svc.wallet_show().await {
        Ok(w) => Ok(Some(w)),
        Err(Error::NoWallet) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A session and its QR code.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    session: CheckoutSession,
    qr_svg: String,
}

fn view(session: CheckoutSession) -> IpcResult<SessionView> {
    let qr_svg = uri::qr_svg(&session.payment_uri)?;
    Ok(SessionView { session, qr_svg })
}

/// Creates a session for the amount the cashier typed.
#[tauri::command]
pub async fn create_session(
    state: State<'_, AppState>,
    amount: String,
    network: Option<String>,
    asset: Option<String>,
) -> IpcResult<SessionView> {
    let req = NewSession {
        network,
        asset,
        ..NewSession::for_amount(amount)
    };
    view(state.svc.sessions_create(req, None).await?)
}

/// A session's current state and QR code.
#[tauri::command]
pub async fn get_session(state: State<'_, AppState>, id: String) -> IpcResult<SessionView> {
    view(state.svc.sessions_get(&id, None).await?)
}

/// Cancels a session that has received nothing.
#[tauri::command]
pub async fn cancel_session(state: State<'_, AppState>, id: String) -> IpcResult<SessionView> {
    view(state.svc.sessions_cancel(&id, None).await?)
}
