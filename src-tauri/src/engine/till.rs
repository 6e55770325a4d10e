//! What a till's window needs to know about the shop (built by [`crate::engine::Service::app_info`]).

use serde::Serialize;
use ts_rs::TS;

/// An asset a network accepts.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AssetInfo {
    /// Ticker, e.g. `ETH`, `USDC`.
    pub symbol: String,
    /// Its decimals.
    pub decimals: u32,
    /// The chain's own coin (not a token).
    pub native: bool,
}

/// A configured network and its assets.
#[derive(Debug, Clone, Serialize, TS)]
pub struct NetworkInfo {
    /// The network id sessions name.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Sessions on it are test objects.
    pub test: bool,
    /// Confirmations required before paid.
    pub confirmations: u32,
    /// The native coin first, then the tokens.
    pub assets: Vec<AssetInfo>,
}

/// The shop as the till shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// `store.name`.
    pub store_name: String,
    /// `store.default_currency`.
    pub currency: String,
    /// The currency's minor-unit digits (USD 2, JPY 0, BHD 3): what the amount entry allows.
    pub minor_units: u32,
    /// Configured networks.
    pub networks: Vec<NetworkInfo>,
    /// The app's version.
    pub version: String,
    /// Why the local API is off (its port could not be bound); sales still work.
    pub api_error: Option<String>,
    /// Where the local API listens.
    pub api_url: String,
    /// A sound when a sale is paid.
    pub sound: bool,
}
