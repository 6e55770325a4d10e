//! The OS keychain (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows),
//! service `chaintill`. Holds the recovery phrase and nothing else.

use crate::engine::{Error, Result};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

/// The keychain service name every Chaintill secret is stored under.
pub const SERVICE: &str = "chaintill";

/// What is stored in the keychain for one wallet.
#[derive(Serialize, Deserialize)]
pub struct StoredPhrase {
    /// The BIP39 words, space separated.
    pub phrase: String,
    /// The optional BIP39 passphrase ("" when none).
    pub passphrase: String,
}

impl Drop for StoredPhrase {
    fn drop(&mut self) {
        self.phrase.zeroize();
        self.passphrase.zeroize();
    }
}

/// Whether a wallet's keychain entry can be found, without reading the phrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case", tag = "state", content = "detail")]
pub enum KeychainStatus {
    /// The entry exists.
    Present,
    /// The entry is gone: the phrase must be re-imported to move funds.
    Missing,
    /// The keychain could not be asked (locked, no Secret Service running, ...).
    Unavailable(String),
}

fn entry(account: &str) -> Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, account).map_err(|e| Error::Keychain(describe(&e)))
}

/// Describes a keyring error without ever including secret material.
fn describe(e: &keyring::Error) -> String {
    match e {
        keyring::Error::NoEntry => "no entry for this wallet".into(),
        keyring::Error::NoStorageAccess(inner) | keyring::Error::PlatformFailure(inner) => {
            format!("the OS keychain is not available ({inner})")
        }
        other => format!("the OS keychain refused: {other}"),
    }
}

/// Stores the phrase under `account`.
pub fn store(account: &str, secret: &StoredPhrase) -> Result<()> {
    let json =
        Zeroizing::new(serde_json::to_string(secret).map_err(|e| Error::Internal(e.to_string()))?);
    entry(account)?
        .set_password(&json)
        .map_err(|e| Error::Keychain(describe(&e)))
}

/// Reads the phrase stored under `account`.
pub fn load(account: &str) -> Result<StoredPhrase> {
    let json = Zeroizing::new(
        entry(account)?
            .get_password()
            .map_err(|e| Error::Keychain(describe(&e)))?,
    );
    serde_json::from_str(&json)
        .map_err(|_| Error::Keychain("the stored entry is not a Chaintill wallet".into()))
}

/// Removes the entry under `account` (used to undo a wallet creation that failed half way).
pub fn remove(account: &str) -> Result<()> {
    entry(account)?
        .delete_credential()
        .map_err(|e| Error::Keychain(describe(&e)))
}

/// Whether the keychain answers at all (an entry that does not exist is an answer): the app
/// refuses to start without one, since the phrase could be neither kept nor used.
pub fn reachable() -> Result<()> {
    match status("reachability-check") {
        KeychainStatus::Present | KeychainStatus::Missing => Ok(()),
        KeychainStatus::Unavailable(why) => Err(Error::Keychain(why)),
    }
}

/// Checks the entry exists without reading the phrase.
pub fn status(account: &str) -> KeychainStatus {
    match entry(account).map(|e| e.get_attributes()) {
        Ok(Ok(_)) => KeychainStatus::Present,
        Ok(Err(keyring::Error::NoEntry)) => KeychainStatus::Missing,
        Ok(Err(e)) => KeychainStatus::Unavailable(describe(&e)),
        Err(e) => KeychainStatus::Unavailable(e.to_string()),
    }
}
