//! The owner's settings: what the window shows and saves, applied to `chaintill.toml` through
//! the same validation types as loading it, each error naming its field.

use super::config_file::{self, set, table};
use crate::engine::config::{
    Bounded, Config, Currency, Mode, Percent, PositiveDecimal, PublicUrl, RateSource, RpcUrl,
    DEFAULT_HEARTBEAT_SECS, MAX_HEARTBEAT_SECS,
};
use crate::engine::redact::shown_url;
use crate::engine::{Error, Result};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::Path;
use toml_edit::{Array, DocumentMut, InlineTable, Item};
use ts_rs::TS;

/// How one asset is priced: a fixed rate, or a Chainlink feed on the same chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssetSettings {
    /// Ticker (not editable).
    pub symbol: String,
    /// The token contract, `null` for the native coin (not editable).
    pub contract: Option<String>,
    /// Fiat (the store's currency) per whole unit, a decimal string; `null` when a feed prices it.
    pub fixed_rate: Option<String>,
    /// The Chainlink AggregatorV3 feed; `null` for a fixed rate.
    pub chainlink_feed: Option<String>,
    /// The feed's heartbeat: an older answer is refused as stale.
    pub heartbeat_secs: Option<u32>,
}

impl AssetSettings {
    fn of(symbol: &str, contract: Option<String>, rate: &RateSource) -> Self {
        let (fixed_rate, chainlink_feed, heartbeat_secs) = match rate {
            RateSource::Fixed(d) => (Some(d.0.to_string()), None, None),
            RateSource::Chainlink {
                feed,
                heartbeat_secs,
            } => (
                None,
                Some(feed.to_checksum(None)),
                u32::try_from(*heartbeat_secs).ok(),
            ),
        };
        AssetSettings {
            symbol: symbol.to_string(),
            contract,
            fixed_rate,
            chainlink_feed,
            heartbeat_secs,
        }
    }

    /// The `rate = { … }` of the file, validated with the loader's types (errors name `param`).
    fn rate(&self, param: &str) -> Result<InlineTable> {
        let bad = |m: String| Error::invalid(param, m);
        let mut rate = InlineTable::new();
        match (&self.fixed_rate, &self.chainlink_feed) {
            (Some(fixed), None) => {
                let fixed = fixed.trim().to_string();
                PositiveDecimal::try_from(fixed.clone()).map_err(bad)?;
                rate.insert("fixed", fixed.into());
            }
            (None, Some(feed)) => {
                let feed: alloy_primitives::Address = feed.trim().parse().map_err(|_| {
                    bad(format!(
                        "`{feed}` is not a contract address (0x and 40 hex digits)"
                    ))
                })?;
                let heartbeat = self.heartbeat_secs.unwrap_or(DEFAULT_HEARTBEAT_SECS as u32);
                Bounded::<1, MAX_HEARTBEAT_SECS>::try_from(i64::from(heartbeat)).map_err(bad)?;
                rate.insert("chainlink", feed.to_checksum(None).into());
                rate.insert("heartbeat_secs", i64::from(heartbeat).into());
            }
            _ => {
                return Err(bad(
                    "give either a fixed rate or a Chainlink feed, not both or neither".into(),
                ))
            }
        }
        Ok(rate)
    }
}

/// One network's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NetworkSettings {
    /// The network id (not editable: sessions name it).
    pub id: String,
    /// Display name.
    pub name: String,
    /// EIP-155 chain id.
    #[ts(type = "number")]
    pub chain_id: u64,
    /// Test or live.
    #[ts(type = "\"test\" | \"live\"")]
    pub mode: Mode,
    /// The first node, shown as scheme://host only (its path or query may carry an API key).
    pub rpc_shown: String,
    /// A new RPC URL replacing the configured ones; `null` keeps them.
    pub rpc_url: Option<String>,
    /// Confirmations required before paid.
    pub confirmations: u32,
    /// The native coin first, then the tokens, with their rates.
    pub assets: Vec<AssetSettings>,
}

/// Everything the settings screen edits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// `store.name`.
    pub store_name: String,
    /// `store.default_currency`.
    pub currency: String,
    /// `store.expiry_minutes`.
    pub expiry_minutes: u32,
    /// `store.late_grace_minutes`.
    pub late_grace_minutes: u32,
    /// `store.underpaid_tolerance_percent`, a decimal string.
    pub underpaid_tolerance_percent: String,
    /// `api.bind`.
    pub api_bind: String,
    /// `api.public_url`.
    pub public_url: String,
    /// A sound when a sale is paid (kept in the database, not the file).
    pub sound: bool,
    /// `[[networks]]`, in file order.
    pub networks: Vec<NetworkSettings>,
}

/// Longest store name.
const MAX_STORE_NAME: usize = 100;

/// The store name as saved (trimmed), or why it cannot be (`storeName`).
pub fn store_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_STORE_NAME {
        return Err(Error::invalid(
            "storeName",
            format!("the store name needs 1 to {MAX_STORE_NAME} characters"),
        ));
    }
    Ok(name)
}

impl Settings {
    /// The settings of `config` (and the sound preference).
    pub fn of(config: &Config, sound: bool) -> Self {
        Settings {
            store_name: config.store.name.clone(),
            currency: config.store.default_currency.0.clone(),
            expiry_minutes: config.store.expiry_minutes.get() as u32,
            late_grace_minutes: config.store.late_grace_minutes.get() as u32,
            underpaid_tolerance_percent: config.store.underpaid_tolerance_percent.0.to_string(),
            api_bind: config.api.bind.to_string(),
            public_url: config.api.public_url.0.clone(),
            sound,
            networks: config
                .networks
                .iter()
                .map(|n| NetworkSettings {
                    id: n.id().to_string(),
                    name: n.display_name().to_string(),
                    chain_id: n.chain_id(),
                    mode: n.mode,
                    rpc_shown: n
                        .rpc_urls
                        .get_ref()
                        .first()
                        .map(|u| shown_url(u.0.as_str()))
                        .unwrap_or_default(),
                    rpc_url: None,
                    confirmations: n.confirmations.get() as u32,
                    assets: std::iter::once(AssetSettings::of(
                        &n.native.symbol,
                        None,
                        &n.native.rate,
                    ))
                    .chain(n.tokens.iter().map(|t| {
                        AssetSettings::of(
                            &t.symbol.get_ref().0,
                            Some(t.address.to_checksum(None)),
                            &t.rate,
                        )
                    }))
                    .collect(),
                })
                .collect(),
        }
    }
}

/// Validates `s` field by field (errors name the field as the window does), writes it into the
/// config file of `data_dir` and returns the new configuration.
pub fn save(data_dir: &Path, current: &Config, s: &Settings) -> Result<Config> {
    let name = store_name(&s.store_name)?;
    let field = |param: &str, r: std::result::Result<(), String>| {
        r.map_err(|message| Error::invalid(param, message))
    };
    field("currency", Currency::try_from(s.currency.clone()).map(drop))?;
    field(
        "expiryMinutes",
        Bounded::<1, 10080>::try_from(i64::from(s.expiry_minutes)).map(drop),
    )?;
    field(
        "lateGraceMinutes",
        Bounded::<0, 10080>::try_from(i64::from(s.late_grace_minutes)).map(drop),
    )?;
    field(
        "underpaidTolerancePercent",
        Percent::try_from(s.underpaid_tolerance_percent.clone()).map(drop),
    )?;
    field(
        "apiBind",
        s.api_bind.parse::<SocketAddr>().map(drop).map_err(|_| {
            format!(
                "`{}` is not an address:port such as 127.0.0.1:8787",
                s.api_bind
            )
        }),
    )?;
    field(
        "publicUrl",
        PublicUrl::try_from(s.public_url.clone()).map(drop),
    )?;
    for (i, n) in s.networks.iter().enumerate() {
        if current.network(&n.id).is_none() {
            return Err(Error::invalid(
                &format!("networks.{i}.id"),
                format!("there is no network `{}`", n.id),
            ));
        }
        field(
            &format!("networks.{i}.confirmations"),
            Bounded::<1, 1000>::try_from(i64::from(n.confirmations)).map(drop),
        )?;
        if let Some(url) = &n.rpc_url {
            field(
                &format!("networks.{i}.rpcUrl"),
                RpcUrl::try_from(url.trim().to_string()).map(drop),
            )?;
        }
        for (j, a) in n.assets.iter().enumerate() {
            a.rate(&format!("networks.{i}.assets.{j}.rate"))?;
        }
    }
    config_file::edit(data_dir, |doc| {
        set(&mut table(doc, "store")["name"], name);
        set(&mut table(doc, "store")["default_currency"], &s.currency);
        set(
            &mut doc["store"]["expiry_minutes"],
            i64::from(s.expiry_minutes),
        );
        set(
            &mut doc["store"]["late_grace_minutes"],
            i64::from(s.late_grace_minutes),
        );
        set(
            &mut doc["store"]["underpaid_tolerance_percent"],
            &s.underpaid_tolerance_percent,
        );
        set(&mut table(doc, "api")["bind"], &s.api_bind);
        set(&mut table(doc, "api")["public_url"], &s.public_url);
        for n in &s.networks {
            let table = network_table(doc, &n.id)?;
            set(&mut table["confirmations"], i64::from(n.confirmations));
            if let Some(url) = &n.rpc_url {
                let mut urls = Array::new();
                urls.push(url.trim());
                set(&mut table["rpc_urls"], urls);
            }
            for a in &n.assets {
                set_rate(table, a, a.rate("rate")?)?;
            }
        }
        Ok(())
    })
}

/// Sets the `rate` of asset `a` in a network table: in `native`, or in the `tokens` entry with
/// its symbol (inline tables or `[[networks.tokens]]` alike).
fn set_rate(table: &mut toml_edit::Table, a: &AssetSettings, rate: InlineTable) -> Result<()> {
    use toml_edit::TableLike;
    let missing =
        || Error::invalid_general(format!("there is no asset `{}` in the file", a.symbol));
    let same =
        |t: &dyn TableLike| t.get("symbol").and_then(|v| v.as_str()) == Some(a.symbol.as_str());
    let entry: Option<&mut dyn TableLike> = if a.contract.is_none() {
        table.get_mut("native").and_then(|i| i.as_table_like_mut())
    } else {
        match table.get_mut("tokens") {
            Some(Item::Value(toml_edit::Value::Array(arr))) => arr
                .iter_mut()
                .filter_map(|v| v.as_inline_table_mut())
                .map(|t| t as &mut dyn TableLike)
                .find(|t| same(&**t)),
            Some(Item::ArrayOfTables(arr)) => arr
                .iter_mut()
                .map(|t| t as &mut dyn TableLike)
                .find(|t| same(&**t)),
            _ => None,
        }
    };
    entry
        .ok_or_else(missing)?
        .insert("rate", toml_edit::value(rate));
    Ok(())
}

/// The `[[networks]]` table whose `id` is `id`.
fn network_table<'d>(doc: &'d mut DocumentMut, id: &str) -> Result<&'d mut toml_edit::Table> {
    doc.get_mut("networks")
        .and_then(|n| n.as_array_of_tables_mut())
        .and_then(|tables| {
            tables
                .iter_mut()
                .find(|t| t.get("id").and_then(|v| v.as_str()) == Some(id))
        })
        .ok_or_else(|| Error::invalid_general(format!("there is no network `{id}` in the file")))
}
