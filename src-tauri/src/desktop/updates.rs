//! Signed updates (SPEC §9) through tauri-plugin-updater: the release feed (`latest.json`, its
//! `linux-x86_64-deb` and `linux-x86_64-rpm` entries) is checked at start at most once a day and
//! on "Check for updates"; a release installs only on the owner's confirmation, never while a sale
//! is open on this till, and only if signed by the key in `tauri.conf.json`.

use crate::engine::{Error, Result};
use serde::Serialize;
use std::path::Path;
use std::time::{Duration, SystemTime};
use tauri::{AppHandle, Runtime};
use tauri_plugin_updater::{Update, UpdaterExt};
use ts_rs::TS;

/// A release newer than this one, as the owner sees it before installing.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateOffer {
    /// The release's version.
    pub version: String,
    /// The version running now.
    pub current_version: String,
    /// The release notes ("" when the feed has none).
    pub notes: String,
    /// When it was published (RFC 3339), if the feed says.
    pub date: Option<String>,
}

impl UpdateOffer {
    /// What `update` offers.
    pub fn of(update: &Update) -> Self {
        UpdateOffer {
            version: update.version.clone(),
            current_version: update.current_version.clone(),
            notes: update.body.clone().unwrap_or_default(),
            date: update
                .date
                .and_then(|d| chrono::DateTime::from_timestamp(d.unix_timestamp(), 0))
                .map(|d| d.to_rfc3339()),
        }
    }
}

/// The feed's entry for this install: the `.deb` or the `.rpm` it came from (a build from source
/// reads the `.deb` entry, and cannot install it: see [`install`]).
pub fn target() -> &'static str {
    match tauri::utils::platform::bundle_type() {
        Some(tauri::utils::config::BundleType::Rpm) => "linux-x86_64-rpm",
        _ => "linux-x86_64-deb",
    }
}

/// Asks `feed` (the release feed built into the app when `None`) for a release newer than this
/// one. Nothing is downloaded.
pub async fn check<R: Runtime>(
    app: &AppHandle<R>,
    feed: Option<&url::Url>,
) -> Result<Option<Update>> {
    let mut builder = app
        .updater_builder()
        .target(target())
        .timeout(Duration::from_secs(30));
    if let Some(feed) = feed {
        builder = builder.endpoints(vec![feed.clone()]).map_err(refusal)?;
    }
    builder
        .build()
        .map_err(refusal)?
        .check()
        .await
        .map_err(refusal)
}

/// Downloads `update` and checks its signature against the app's release key: the package's
/// bytes, or a refusal saying why (nothing is written anywhere before this succeeds).
pub async fn download(update: &Update) -> Result<Vec<u8>> {
    update.download(|_, _| {}, || {}).await.map_err(refusal)
}

/// Installs the verified package (the system asks for an administrator's password) and restarts
/// into the new version.
pub fn install<R: Runtime>(app: &AppHandle<R>, update: &Update, package: &[u8]) -> Result<()> {
    if tauri::utils::platform::bundle_type().is_none() {
        return Err(Error::Conflict(
            "this copy of Chaintill was built from source, not installed from a package: build \
             the new version, or install its .deb or .rpm"
                .into(),
        ));
    }
    update.install(package).map_err(refusal)?;
    app.restart()
}

/// The plugin's error in words for the owner; a bad signature says plainly nothing was installed.
fn refusal(e: tauri_plugin_updater::Error) -> Error {
    use tauri_plugin_updater::Error as E;
    match e {
        E::Minisign(_)
        | E::SignatureUtf8(_)
        | E::Base64(_)
        | E::SignedVersionMismatch { .. }
        | E::MissingSignedVersion => Error::Conflict(format!(
            "the update's signature does not match Chaintill's release key, so it was refused \
             and nothing was installed ({e})"
        )),
        // Without the URL: a shop's own feed may carry a token in it.
        E::Reqwest(e) => unavailable(format!(
            "the update feed cannot be reached: {}",
            causes(&e.without_url())
        )),
        E::Network(_) => unavailable(format!("the update feed cannot be reached: {e}")),
        E::ReleaseNotFound => {
            unavailable("the update feed answered without a release (is its address right?)".into())
        }
        E::Serialization(e) => Error::Conflict(format!(
            "the update feed's answer is not a release manifest ({e})"
        )),
        other => Error::Conflict(format!("the update cannot be used: {other}")),
    }
}

/// The feed cannot be asked now; asking later may work.
fn unavailable(message: String) -> Error {
    Error::Unavailable {
        cause: crate::engine::error::Cause::Network,
        message,
    }
}

/// `e` and its causes, "error sending request: … : Connection refused".
fn causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let next = cause.to_string();
        if !text.contains(&next) {
            text = format!("{text}: {next}");
        }
        source = cause.source();
    }
    text
}

/// The file holding when the feed was last asked.
const LAST_CHECK_FILE: &str = "update-check";

/// Whether the start-up check is due: never asked, or asked a day ago or more.
pub fn daily_check_due(data_dir: &Path, now: SystemTime) -> bool {
    let last = std::fs::metadata(data_dir.join(LAST_CHECK_FILE)).and_then(|m| m.modified());
    match last {
        Ok(last) => now
            .duration_since(last)
            .is_ok_and(|d| d >= Duration::from_secs(24 * 3600)),
        Err(_) => true,
    }
}

/// Records that the feed was asked now.
pub fn record_check(data_dir: &Path) {
    if let Err(e) = crate::engine::private::write(&data_dir.join(LAST_CHECK_FILE), b"") {
        tracing::warn!(error = %e, "the time of the update check could not be recorded");
    }
}
