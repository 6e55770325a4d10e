//! First-run setup as the window's wizard does it: a wallet created (words shown once, three
//! re-typed) or imported, the store, networks from presets or custom with their nodes tested
//! live, and the owner PIN; then `chaintill.toml` is written and the engine starts watching.
//! Settings add further networks the same way ([`add_network`]).

pub mod config_file;
pub mod presets;
pub mod settings;

use crate::engine::config::{Currency, NetworkId, PositiveDecimal, RpcUrl, Symbol};
use crate::engine::redact::{redacted, shown_url};
use crate::engine::wallet::WalletInfo;
use crate::engine::{owner, Error, Result};
use alloy::providers::{Provider, ProviderBuilder};
use config_file::{set, table};
use presets::Preset;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use toml_edit::{value, Array, ArrayOfTables, InlineTable, Table};
use ts_rs::TS;
use zeroize::Zeroizing;

/// How many words of a new phrase the owner re-types.
pub const WORDS_TO_CONFIRM: usize = 3;

/// Where first-run setup stands.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetupState {
    /// The wallet, once created or imported.
    pub wallet: Option<WalletInfo>,
    /// Setup finished (store, network and PIN saved): the till is ready to charge.
    pub configured: bool,
}

/// A new phrase to show once, and which words (1-based) the owner must re-type.
#[derive(Debug, Clone, Serialize, TS)]
pub struct NewPhrase {
    /// The 24 words.
    pub words: Vec<String>,
    /// Positions (1-based, ascending) to re-type.
    pub confirm: Vec<u32>,
}

/// A re-typed word.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct WordAnswer {
    /// 1-based position.
    pub index: u32,
    /// What was typed.
    pub word: String,
}

/// A phrase created but not yet confirmed: held in memory only, never stored until confirmed.
#[derive(Default)]
pub struct PendingPhrase(std::sync::Mutex<Option<(Zeroizing<String>, Vec<u32>)>>);

impl PendingPhrase {
    /// Makes a fresh phrase the pending one (replacing any earlier one) and returns it.
    pub fn generate(&self) -> Result<NewPhrase> {
        let phrase = crate::engine::wallet::generate()?;
        let words: Vec<String> = phrase.split(' ').map(str::to_string).collect();
        let mut positions: Vec<u32> = (1..=words.len() as u32).collect();
        positions.shuffle(&mut rand::thread_rng());
        let mut confirm: Vec<u32> = positions.into_iter().take(WORDS_TO_CONFIRM).collect();
        confirm.sort_unstable();
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some((phrase, confirm.clone()));
        Ok(NewPhrase { words, confirm })
    }

    /// The pending phrase if `answers` re-type exactly the asked words; it stays pending.
    pub fn confirmed(&self, answers: &[WordAnswer]) -> Result<Zeroizing<String>> {
        let guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let (phrase, confirm) = guard.as_ref().ok_or_else(|| {
            Error::Conflict("no new phrase is waiting to be confirmed: create one first".into())
        })?;
        let words: Vec<&str> = phrase.split(' ').collect();
        for index in confirm {
            let typed = answers.iter().find(|a| a.index == *index);
            let right = typed.is_some_and(|a| {
                a.word
                    .trim()
                    .eq_ignore_ascii_case(words[*index as usize - 1])
            });
            if !right {
                return Err(Error::invalid(
                    &format!("word-{index}"),
                    format!("word {index} is not the word shown at position {index}"),
                ));
            }
        }
        Ok(phrase.clone())
    }

    /// Forgets the pending phrase (after it was stored).
    pub fn clear(&self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// A live test of an RPC URL.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RpcCheck {
    /// The chain id the node answered.
    #[ts(type = "number")]
    pub chain_id: u64,
    /// Its head block.
    #[ts(type = "number")]
    pub head: u64,
    /// Whether that is the expected chain.
    pub matches: bool,
    /// The answer in words (never the URL's path or query).
    pub message: String,
}

/// Asks the node at `url` for its chain id and head; `param` names the field in errors.
pub async fn check_rpc(url: &str, expected_chain_id: u64, param: &str) -> Result<RpcCheck> {
    let url = RpcUrl::try_from(url.trim().to_string())
        .map_err(|m| Error::invalid(param, m))?
        .0
        .to_string();
    let shown = shown_url(&url);
    let fail = |what: String| Error::invalid(param, redacted(&what, &url));
    let answer = async {
        let p = ProviderBuilder::new()
            .connect(&url)
            .await
            .map_err(|e| fail(format!("{shown} did not answer: {e}")))?;
        let chain_id = p
            .get_chain_id()
            .await
            .map_err(|e| fail(format!("{shown}: eth_chainId failed: {e}")))?;
        let head = p
            .get_block_number()
            .await
            .map_err(|e| fail(format!("{shown}: eth_blockNumber failed: {e}")))?;
        Ok::<_, Error>((chain_id, head))
    };
    let (chain_id, head) = tokio::time::timeout(Duration::from_secs(10), answer)
        .await
        .map_err(|_| fail(format!("{shown} did not answer within 10 s")))??;
    let matches = chain_id == expected_chain_id;
    let message = if matches {
        format!("Connected to {shown}: chain {chain_id}, block {head}")
    } else {
        format!("{shown} is chain {chain_id}, not chain {expected_chain_id}: choose the matching network or another node")
    };
    Ok(RpcCheck {
        chain_id,
        head,
        matches,
        message,
    })
}

/// The network chosen in the wizard: a preset id, or `custom` with its own chain id, name,
/// native coin and a fixed rate.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetupNetwork {
    /// A preset id or `custom`.
    pub preset: String,
    /// The node (tested live before anything is written).
    pub rpc_url: String,
    /// Confirmations required before paid.
    pub confirmations: u32,
    /// Custom only: EIP-155 chain id.
    #[ts(type = "number | null")]
    pub chain_id: Option<u64>,
    /// Custom only: display name.
    pub name: Option<String>,
    /// Custom only: the native coin's symbol.
    pub native_symbol: Option<String>,
    /// Custom only: fiat per native coin (a decimal string).
    pub native_rate: Option<String>,
    /// Custom only: a test network.
    pub test: Option<bool>,
}

/// Everything the wizard saves at the end.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetupRequest {
    /// The shop's name.
    pub store_name: String,
    /// ISO 4217.
    pub currency: String,
    /// The networks to watch (one or more, each with its node).
    pub networks: Vec<SetupNetwork>,
    /// The owner PIN (6+ digits); stored only as an argon2id hash.
    pub pin: String,
}

/// The most networks one till watches from the wizard (more can be added later, one at a time).
pub const MAX_SETUP_NETWORKS: usize = 8;

/// The `[[networks]]` entry for `n` and its chain id, validated field by field (errors name
/// `<at>.<field>`, e.g. `networks.1.rpcUrl`).
fn network_table(n: &SetupNetwork, currency: &str, at: &str) -> Result<(Table, u64)> {
    let mut t = Table::new();
    if !(1..=1000).contains(&n.confirmations) {
        return Err(Error::invalid(
            &format!("{at}.confirmations"),
            "confirmations must be 1 to 1000",
        ));
    }
    let chain_id = match presets::find(&n.preset) {
        Some(p) => {
            if p.native_feed.is_some() && currency != "USD" {
                return Err(Error::invalid(
                    "currency",
                    format!(
                        "{}'s Chainlink rates are in USD; a {currency} shop needs a custom network with its own rate (or USD)",
                        p.name
                    ),
                ));
            }
            preset_entries(&mut t, p);
            p.chain_id
        }
        None if n.preset == "custom" => custom_entries(&mut t, n, at)?,
        None => {
            return Err(Error::invalid(
                &format!("{at}.preset"),
                format!("unknown network preset `{}`", n.preset),
            ))
        }
    };
    let mut urls = Array::new();
    urls.push(
        RpcUrl::try_from(n.rpc_url.trim().to_string())
            .map_err(|m| Error::invalid(&format!("{at}.rpcUrl"), m))?
            .0
            .as_str(),
    );
    t["rpc_urls"] = value(urls);
    t["confirmations"] = value(i64::from(n.confirmations));
    Ok((t, chain_id))
}

fn rate_table(feed: Option<presets::Feed>, fixed: &str) -> InlineTable {
    let mut rate = InlineTable::new();
    match feed {
        Some(f) => {
            rate.insert("chainlink", f.address.into());
            rate.insert("heartbeat_secs", i64::from(f.heartbeat_secs).into());
        }
        None => {
            rate.insert("fixed", fixed.into());
        }
    }
    rate
}

fn native_table(symbol: &str, rate: InlineTable) -> InlineTable {
    let mut native = InlineTable::new();
    native.insert("symbol", symbol.into());
    native.insert("decimals", 18.into());
    native.insert("display_decimals", 6.into());
    native.insert("rate", rate.into());
    native
}

fn preset_entries(t: &mut Table, p: &Preset) {
    t["id"] = value(p.id);
    t["name"] = value(p.name);
    t["chain_id"] = value(p.chain_id as i64);
    t["mode"] = value(if p.test { "test" } else { "live" });
    if let Some(url) = p.explorer_tx_url {
        t["explorer_tx_url"] = value(url);
    }
    t["native"] = value(native_table(
        p.native_symbol,
        rate_table(p.native_feed, p.fixed_native_rate),
    ));
    let mut tokens = Array::new();
    if let Some((usdc, feed)) = p.usdc {
        let mut token = InlineTable::new();
        token.insert("symbol", "USDC".into());
        token.insert("address", usdc.into());
        token.insert("decimals", 6.into());
        token.insert("rate", rate_table(feed, "1.00").into());
        tokens.push(token);
    }
    t["tokens"] = value(tokens);
}

fn custom_entries(t: &mut Table, n: &SetupNetwork, at: &str) -> Result<u64> {
    let field = |name: &str| format!("{at}.{name}");
    let chain_id = n
        .chain_id
        .filter(|c| *c >= 1 && *c <= i64::MAX as u64)
        .ok_or_else(|| Error::invalid(&field("chainId"), "a custom network needs its chain id"))?;
    let name = n.name.as_deref().map(str::trim).unwrap_or_default();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(Error::invalid(
            &field("name"),
            "a custom network needs a name of 1 to 60 characters",
        ));
    }
    let symbol = Symbol::try_from(n.native_symbol.clone().unwrap_or_default())
        .map_err(|m| Error::invalid(&field("nativeSymbol"), m))?;
    let rate = PositiveDecimal::try_from(n.native_rate.clone().unwrap_or_default())
        .map_err(|m| Error::invalid(&field("nativeRate"), m))?;
    let id = NetworkId::try_from(format!("chain-{chain_id}"))
        .map_err(|m| Error::invalid(&field("chainId"), m))?;
    t["id"] = value(id.0);
    t["name"] = value(name);
    t["chain_id"] = value(chain_id as i64);
    t["mode"] = value(if n.test.unwrap_or(true) {
        "test"
    } else {
        "live"
    });
    t["native"] = value(native_table(
        &symbol.0,
        rate_table(None, &rate.0.to_string()),
    ));
    t["tokens"] = value(Array::new());
    Ok(chain_id)
}

/// Validates `networks` (each on its own and together: no network twice), tests each node live
/// (concurrently), and returns their `[[networks]]` tables with their chain ids. `at(i)` names
/// network `i` in errors.
async fn checked_networks(
    networks: &[SetupNetwork],
    currency: &str,
    at: impl Fn(usize) -> String,
) -> Result<Vec<(Table, u64)>> {
    let mut tables = Vec::with_capacity(networks.len());
    let mut chains = Vec::with_capacity(networks.len());
    for (i, n) in networks.iter().enumerate() {
        let (t, chain_id) = network_table(n, currency, &at(i))?;
        if let Some(first) = chains.iter().position(|c| *c == chain_id) {
            let name = t.get("name").and_then(|v| v.as_str()).unwrap_or_default();
            return Err(Error::invalid(
                &format!("{}.preset", at(i)),
                format!(
                    "{name} (chain {chain_id}) is already network {} of this till",
                    first + 1
                ),
            ));
        }
        chains.push(chain_id);
        tables.push(t);
    }
    futures_util::future::try_join_all(networks.iter().zip(&chains).enumerate().map(
        |(i, (n, chain_id))| {
            let param = format!("{}.rpcUrl", at(i));
            async move {
                let check = check_rpc(&n.rpc_url, *chain_id, &param).await?;
                if check.matches {
                    Ok(())
                } else {
                    Err(Error::invalid(&param, check.message))
                }
            }
        },
    ))
    .await?;
    Ok(tables.into_iter().zip(chains).collect())
}

/// Validates the wizard's answers, tests every node, and writes `chaintill.toml` (store and the
/// chosen networks; the owner's other keys and comments stay). The caller stores the PIN and
/// applies the returned configuration.
pub async fn write_config(
    data_dir: &std::path::Path,
    req: &SetupRequest,
) -> Result<crate::engine::config::Config> {
    let name = settings::store_name(&req.store_name)?;
    Currency::try_from(req.currency.clone()).map_err(|m| Error::invalid("currency", m))?;
    owner::validate(&req.pin, "pin")?;
    if req.networks.is_empty() || req.networks.len() > MAX_SETUP_NETWORKS {
        return Err(Error::invalid(
            "networks",
            format!("choose 1 to {MAX_SETUP_NETWORKS} networks"),
        ));
    }
    let tables =
        checked_networks(&req.networks, &req.currency, |i| format!("networks.{i}")).await?;
    config_file::edit(data_dir, |doc| {
        set(&mut table(doc, "store")["name"], name);
        set(&mut table(doc, "store")["default_currency"], &req.currency);
        let mut networks = ArrayOfTables::new();
        for (t, _) in tables {
            networks.push(t);
        }
        doc["networks"] = toml_edit::Item::ArrayOfTables(networks);
        Ok(())
    })
}

/// Adds network `n` to a configured till (settings): validated as the wizard validates it (errors
/// name `network.<field>`), refused when the till already watches that chain, its node tested
/// live, then appended to `chaintill.toml` after the owner's own networks.
pub async fn add_network(
    data_dir: &std::path::Path,
    current: &crate::engine::config::Config,
    n: &SetupNetwork,
) -> Result<crate::engine::config::Config> {
    let currency = &current.store.default_currency.0;
    let (table, chain_id) =
        checked_networks(std::slice::from_ref(n), currency, |_| "network".into())
            .await?
            .remove(0);
    if let Some(existing) = current.networks.iter().find(|c| c.chain_id() == chain_id) {
        return Err(Error::invalid(
            "network.preset",
            format!(
                "this till already watches chain {chain_id} as {}",
                existing.display_name()
            ),
        ));
    }
    config_file::edit(data_dir, |doc| {
        match doc.get_mut("networks") {
            Some(toml_edit::Item::ArrayOfTables(networks)) => networks.push(table),
            None | Some(toml_edit::Item::None) => {
                let mut networks = ArrayOfTables::new();
                networks.push(table);
                doc["networks"] = toml_edit::Item::ArrayOfTables(networks);
            }
            Some(_) => {
                return Err(Error::invalid_general(
                    "`networks` in chaintill.toml is not a list of [[networks]] tables",
                ))
            }
        }
        Ok(())
    })
}

/// Removes network `id` from `chaintill.toml` (settings). The last network stays: a till needs
/// one. The caller checks that no session on it can still change.
pub fn remove_network(
    data_dir: &std::path::Path,
    current: &crate::engine::config::Config,
    id: &str,
) -> Result<crate::engine::config::Config> {
    if current.network(id).is_none() {
        return Err(Error::invalid(
            "network",
            format!("there is no network `{id}`"),
        ));
    }
    if current.networks.len() == 1 {
        return Err(Error::invalid(
            "network",
            "this is the till's only network: add another before removing it",
        ));
    }
    config_file::edit(data_dir, |doc| {
        let networks = doc
            .get_mut("networks")
            .and_then(|n| n.as_array_of_tables_mut())
            .ok_or_else(|| {
                Error::invalid_general(format!("there is no network `{id}` in the file"))
            })?;
        let before = networks.len();
        networks.retain(|t| t.get("id").and_then(|v| v.as_str()) != Some(id));
        if networks.len() == before {
            return Err(Error::invalid_general(format!(
                "there is no network `{id}` in the file"
            )));
        }
        Ok(())
    })
}
