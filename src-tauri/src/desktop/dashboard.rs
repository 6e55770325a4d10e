//! IPC commands of the owner's dashboard: each needs the PIN (the [`super::OwnerGate`]) and is
//! one call into the service layer.

use super::commands::IpcError;
use super::updates::{self, UpdateOffer};
use super::AppState;
use crate::engine::config::Mode;
use crate::engine::keys::ApiKey;
use crate::engine::ledger::history::SessionDetail;
use crate::engine::ledger::totals::Totals;
use crate::engine::ledger::{LedgerPage, SessionFilter};
use crate::engine::simulate::SimulatedAmount;
use crate::engine::webhooks::{Attempt, Endpoint, NewSecret};
use crate::engine::Error;
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

type IpcResult<T> = Result<T, IpcError>;

/// A page of the payments table.
#[tauri::command]
pub async fn ledger_find(
    state: State<'_, AppState>,
    filter: SessionFilter,
    limit: i64,
    starting_after: Option<String>,
) -> IpcResult<LedgerPage> {
    state.owner.require()?;
    Ok(state
        .svc
        .ledger_find(&filter, limit, starting_after.as_deref())
        .await?)
}

/// Totals per day and asset, and the summary, of the filtered sessions.
#[tauri::command]
pub async fn ledger_totals(state: State<'_, AppState>, filter: SessionFilter) -> IpcResult<Totals> {
    state.owner.require()?;
    Ok(state.svc.ledger_totals(&filter).await?)
}

/// One session: timeline, payments, deliveries, explorer links.
#[tauri::command]
pub async fn session_detail(state: State<'_, AppState>, id: String) -> IpcResult<SessionDetail> {
    state.owner.require()?;
    Ok(state.svc.ledger_detail(&id).await?)
}

/// Asks where to save, then writes the CSV export of the filtered sessions (SPEC §8, the same
/// bytes as `chaintill sessions export`). `None` when the owner closed the dialog.
#[tauri::command]
pub async fn export_csv(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    filter: SessionFilter,
) -> IpcResult<Option<u64>> {
    use tauri_plugin_dialog::DialogExt;
    state.owner.require()?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter("CSV", &["csv"])
        .set_file_name("chaintill-sessions.csv")
        .save_file(move |path| {
            let _ = tx.send(path);
        });
    let Some(path) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let path = path
        .into_path()
        .map_err(|e| IpcError::from(Error::Internal(format!("cannot save there: {e}"))))?;
    let file = std::fs::File::create(&path).map_err(|e| {
        IpcError::from(Error::Internal(format!(
            "cannot write {}: {e}",
            path.display()
        )))
    })?;
    let rows = state
        .svc
        .ledger_export(&filter, &mut std::io::BufWriter::new(file))
        .await?;
    Ok(Some(rows))
}

/// Opens a payment's explorer page in the system browser (only links the engine made).
#[tauri::command]
pub async fn open_explorer(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    session_id: String,
    tx_hash: String,
) -> IpcResult<()> {
    use tauri_plugin_opener::OpenerExt;
    state.owner.require()?;
    let detail = state.svc.ledger_detail(&session_id).await?;
    let link = detail
        .explorer
        .into_iter()
        .find(|l| l.tx_hash == tx_hash)
        .ok_or_else(|| {
            IpcError::from(Error::invalid(
                "txHash",
                "no explorer link for this payment",
            ))
        })?;
    app.opener()
        .open_url(link.url, None::<&str>)
        .map_err(|e| IpcError::from(Error::Internal(format!("cannot open the browser: {e}"))))
}

/// Test mode: pays an open test session from the devnet's funded account.
#[tauri::command]
pub async fn simulate_payment(
    state: State<'_, AppState>,
    id: String,
    how: SimulatedAmount,
) -> IpcResult<String> {
    state.owner.require()?;
    Ok(state.svc.simulate_payment(&id, how).await?)
}

/// The webhook endpoints (the owner's are live: they receive live and test events).
#[tauri::command]
pub async fn webhooks_list(state: State<'_, AppState>) -> IpcResult<Vec<Endpoint>> {
    state.owner.require()?;
    Ok(state.svc.webhooks_list(None).await?)
}

/// Adds an endpoint; its secret is in the answer once.
#[tauri::command]
pub async fn webhooks_add(
    state: State<'_, AppState>,
    name: String,
    url: String,
    events: Option<Vec<String>>,
) -> IpcResult<NewSecret> {
    state.owner.require()?;
    Ok(state.svc.webhooks_add(Some(&name), &url, events).await?)
}

/// Sends a `webhook.test` event now.
#[tauri::command]
pub async fn webhooks_test(state: State<'_, AppState>, id: String) -> IpcResult<Attempt> {
    state.owner.require()?;
    Ok(state.svc.webhooks_test(&id, None).await?)
}

/// The newest 50 attempts of an endpoint.
#[tauri::command]
pub async fn webhooks_attempts(state: State<'_, AppState>, id: String) -> IpcResult<Vec<Attempt>> {
    state.owner.require()?;
    Ok(state
        .svc
        .webhooks_attempts(&id, None, Some(50), None)
        .await?
        .data)
}

/// A new secret, in the answer once; the old one signs 24 hours more.
#[tauri::command]
pub async fn webhooks_rotate(state: State<'_, AppState>, id: String) -> IpcResult<NewSecret> {
    state.owner.require()?;
    Ok(state.svc.webhooks_rotate(&id, None).await?)
}

/// Disables or enables an endpoint.
#[tauri::command]
pub async fn webhooks_set_enabled(
    state: State<'_, AppState>,
    id: String,
    enabled: bool,
) -> IpcResult<Endpoint> {
    state.owner.require()?;
    Ok(state.svc.webhooks_set_enabled(&id, enabled, None).await?)
}

/// Removes an endpoint.
#[tauri::command]
pub async fn webhooks_remove(state: State<'_, AppState>, id: String) -> IpcResult<Endpoint> {
    state.owner.require()?;
    Ok(state.svc.webhooks_remove(&id, None).await?)
}

/// Delivers an event again now (to one endpoint, or to every subscribed one).
#[tauri::command]
pub async fn events_resend(
    state: State<'_, AppState>,
    event_id: String,
    endpoint: Option<String>,
) -> IpcResult<Vec<Attempt>> {
    state.owner.require()?;
    Ok(state
        .svc
        .events_resend(&event_id, endpoint.as_deref(), None)
        .await?)
}

/// A new API key and, once, the key itself.
#[derive(Debug, Serialize, TS)]
pub struct CreatedKey {
    /// What may be shown later.
    pub key: ApiKey,
    /// `ck_test_…` / `ck_live_…`: shown now and never again.
    pub secret: String,
}

/// Creates an API key; the key itself is in the answer once.
#[tauri::command]
pub async fn keys_create(
    state: State<'_, AppState>,
    live: bool,
    name: Option<String>,
    restricted: bool,
) -> IpcResult<CreatedKey> {
    state.owner.require()?;
    let mode = if live { Mode::Live } else { Mode::Test };
    let (key, secret) = state
        .svc
        .keys_create(mode, name.as_deref(), restricted)
        .await?;
    Ok(CreatedKey {
        key,
        secret: secret.to_string(),
    })
}

/// Every API key (never the keys themselves).
#[tauri::command]
pub async fn keys_list(state: State<'_, AppState>) -> IpcResult<Vec<ApiKey>> {
    state.owner.require()?;
    Ok(state.svc.keys_list().await?)
}

/// Revokes an API key.
#[tauri::command]
pub async fn keys_revoke(state: State<'_, AppState>, id: String) -> IpcResult<ApiKey> {
    state.owner.require()?;
    Ok(state.svc.keys_revoke(&id).await?)
}

/// Version, data folder and log folder (SPEC §9, About).
#[tauri::command]
pub fn about(state: State<'_, AppState>) -> IpcResult<crate::engine::about::About> {
    state.owner.require()?;
    Ok(crate::engine::about::about(&state.svc))
}

/// The support report: version, OS, configuration without secrets, chain status.
#[tauri::command]
pub fn diagnostics(state: State<'_, AppState>) -> IpcResult<String> {
    state.owner.require()?;
    Ok(crate::engine::about::diagnostics(&state.svc))
}

/// Opens the log folder About shows in the system's file manager.
#[tauri::command]
pub fn open_log_folder(app: tauri::AppHandle, state: State<'_, AppState>) -> IpcResult<()> {
    state.owner.require()?;
    super::commands::open_folder(&app, &crate::engine::about::about(&state.svc).log_dir)
}

/// The newer release the last check found (no network), if any.
#[tauri::command]
pub async fn update_offer(state: State<'_, AppState>) -> IpcResult<Option<UpdateOffer>> {
    state.owner.require()?;
    Ok(state.update.lock().await.as_ref().map(UpdateOffer::of))
}

/// Asks the release feed now (refused while a sale is open).
#[tauri::command]
pub async fn update_check(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> IpcResult<Option<UpdateOffer>> {
    state.owner.require()?;
    state.refuse_during_sale().await?;
    Ok(state.check_for_update(&app).await?)
}

/// Downloads the offered release, checks its signature, installs it and restarts into it
/// (refused while a sale is open, before and after the download).
#[tauri::command]
pub async fn update_install(app: tauri::AppHandle, state: State<'_, AppState>) -> IpcResult<()> {
    state.owner.require()?;
    state.refuse_during_sale().await?;
    let update =
        state.update.lock().await.clone().ok_or_else(|| {
            Error::Conflict("no update is offered: check for updates first".into())
        })?;
    let package = updates::download(&update).await?;
    state.refuse_during_sale().await?;
    Ok(updates::install(&app, &update, &package)?)
}
