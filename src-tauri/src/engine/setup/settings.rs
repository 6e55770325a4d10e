//! The owner's settings: what the window shows and saves, applied to `chaintill.toml` through
//! the same validation types as loading it, each error naming its field.

use super::config_file::{self, set, table};
use crate::engine::config::{Bounded, Config, Currency, Mode, Percent, PublicUrl, RpcUrl};
use crate::engine::redact::shown_url;
use crate::engine::{Error, Result};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::Path;
use toml_edit::{Array, DocumentMut};
use ts_rs::TS;

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
                })
                .collect(),
        }
    }
}

/// Validates `s` field by field (errors name the field as the window does), writes it into the
/// config file of `data_dir` and returns the new configuration.
pub fn save(data_dir: &Path, current: &Config, s: &Settings) -> Result<Config> {
    let name = s.store_name.trim();
    if name.is_empty() || name.chars().count() > MAX_STORE_NAME {
        return Err(Error::invalid(
            "storeName",
            format!("the store name needs 1 to {MAX_STORE_NAME} characters"),
        ));
    }
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
        }
        Ok(())
    })
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
