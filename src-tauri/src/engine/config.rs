//! `chaintill.toml`: loading, defaults and validation. Every refusal names file, line and reason.

use crate::engine::money::{currency_minor_units, Decimal};
use crate::engine::redact;
use crate::engine::{Error, Result};
use alloy_primitives::Address;
use serde::Deserialize;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// File name of the configuration inside the data directory.
pub const CONFIG_FILE: &str = "chaintill.toml";

/// The file written on first start: every key with its default, and the local devnet network.
pub const DEFAULT_CONFIG: &str = r#"# Chaintill configuration. No secrets belong here: the recovery phrase lives in the OS keychain.

[store]
name = "My Shop"
default_currency = "USD"          # ISO 4217
expiry_minutes = 15               # session lifetime
late_grace_minutes = 10           # paid_late window after expiry
underpaid_tolerance_percent = "0" # a payment short by at most this much still counts as paid

[api]
bind = "127.0.0.1:8787"           # LAN use means an explicit non-loopback address
public_url = "http://127.0.0.1:8787"  # base of checkoutUrl: a LAN address or a tunnel URL
rate_limit_per_second = 100       # per API key; 0 disables

[webhooks]
retry_schedule_secs = [0, 5, 300, 1800, 7200, 18000, 36000, 36000]
timeout_secs = 15

[updates]
check_at_start = true             # once a day at most, never during a sale

[[networks]]
id = "local"
name = "Local devnet"
chain_id = 31337
rpc_urls = ["ws://127.0.0.1:8545"]
mode = "test"
confirmations = 3
native = { symbol = "ETH", decimals = 18, display_decimals = 6, rate = { fixed = "3000.00" } }
tokens = []
"#;

/// An integer that must lie in `MIN..=MAX`; refused at parse time with the key's line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "i64")]
pub struct Bounded<const MIN: i64, const MAX: i64>(i64);

impl<const MIN: i64, const MAX: i64> Bounded<MIN, MAX> {
    /// The value.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl<const MIN: i64, const MAX: i64> TryFrom<i64> for Bounded<MIN, MAX> {
    type Error = String;
    fn try_from(v: i64) -> std::result::Result<Self, String> {
        if (MIN..=MAX).contains(&v) {
            Ok(Self(v))
        } else {
            Err(format!("{v} is out of range {MIN}..={MAX}"))
        }
    }
}

/// A decimal from a TOML string (`"3000.00"`): strings, because money is never a float.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct ConfigDecimal(pub Decimal);

impl TryFrom<String> for ConfigDecimal {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        Decimal::parse(&s)
            .map(Self)
            .map_err(|e| format!("decimal `{s}` {e}"))
    }
}

/// An ISO 4217 currency code we know the minor units of.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Currency(pub String);

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        match currency_minor_units(&s) {
            Some(_) => Ok(Self(s)),
            None => Err(format!("unknown ISO 4217 currency `{s}`")),
        }
    }
}

/// A node URL: ws, wss, http or https.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct RpcUrl(pub url::Url);

impl TryFrom<String> for RpcUrl {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        // Errors never echo the URL itself: its path or query may hold a provider's key.
        let u = url::Url::parse(&s).map_err(|e| format!("this RPC URL is not a URL: {e}"))?;
        match u.scheme() {
            "ws" | "wss" | "http" | "https" if u.host().is_some() => Ok(Self(u)),
            _ => Err(format!(
                "RPC URL {} must be ws://, wss://, http:// or https:// with a host",
                redact::shown_url(&s)
            )),
        }
    }
}

/// `[store]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// Shown on receipts and the hosted checkout page.
    pub name: String,
    /// The currency amounts and rates are in.
    pub default_currency: Currency,
    /// Session lifetime.
    pub expiry_minutes: Bounded<1, 10080>,
    /// How long after expiry a full payment still counts (as `paid_late`).
    pub late_grace_minutes: Bounded<0, 10080>,
    /// A payment short by at most this percentage still counts as paid.
    pub underpaid_tolerance_percent: Percent,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            name: "My Shop".into(),
            default_currency: Currency("USD".into()),
            expiry_minutes: Bounded(15),
            late_grace_minutes: Bounded(10),
            underpaid_tolerance_percent: Percent(Decimal::parse("0").expect("literal")),
        }
    }
}

/// A percentage below 100, as a decimal string.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Percent(pub Decimal);

impl TryFrom<String> for Percent {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        let d = Decimal::parse(&s).map_err(|e| format!("percentage `{s}` {e}"))?;
        let hundred = Decimal::parse("100").expect("literal");
        let s2 = d.scale();
        if d.to_scaled(s2) >= hundred.to_scaled(s2) {
            return Err(format!("percentage `{s}` must be below 100"));
        }
        Ok(Self(d))
    }
}

/// `[api]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    /// Listen address of the local API and hosted checkout page.
    pub bind: SocketAddr,
    /// Base URL of `checkoutUrl`.
    pub public_url: PublicUrl,
    /// Requests per second per API key; 0 disables the limit.
    pub rate_limit_per_second: Bounded<0, 1_000_000>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8787)),
            public_url: PublicUrl("http://127.0.0.1:8787".into()),
            rate_limit_per_second: Bounded(100),
        }
    }
}

/// An http(s) base URL, kept without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct PublicUrl(pub String);

impl TryFrom<String> for PublicUrl {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        let u = url::Url::parse(&s).map_err(|e| format!("public_url `{s}`: {e}"))?;
        if !matches!(u.scheme(), "http" | "https") || u.host().is_none() {
            return Err(format!(
                "public_url `{s}` must be an http:// or https:// URL"
            ));
        }
        Ok(Self(s.trim_end_matches('/').to_string()))
    }
}

/// `[webhooks]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhooksConfig {
    /// Delays between attempts, each measured from the previous failure.
    pub retry_schedule_secs: RetrySchedule,
    /// An attempt fails if no 2xx arrives within this many seconds.
    pub timeout_secs: Bounded<1, 300>,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        Self {
            retry_schedule_secs: RetrySchedule(vec![0, 5, 300, 1800, 7200, 18000, 36000, 36000]),
            timeout_secs: Bounded(15),
        }
    }
}

/// `[updates]`: where the desktop app looks for signed releases (SPEC §9). Whatever the feed,
/// a release installs only if signed by the key built into the app.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UpdatesConfig {
    /// Check once a day at start (never while a sale is open); "Check for updates" always works.
    pub check_at_start: bool,
    /// Another `latest.json` than the release feed built into the app (a shop's own mirror).
    pub feed_url: Option<FeedUrl>,
}

impl Default for UpdatesConfig {
    fn default() -> Self {
        Self {
            check_at_start: true,
            feed_url: None,
        }
    }
}

/// An https:// URL of a release feed (the updater refuses anything else).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct FeedUrl(pub url::Url);

impl TryFrom<String> for FeedUrl {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        let u = url::Url::parse(&s).map_err(|e| format!("feed_url is not a URL: {e}"))?;
        if u.scheme() != "https" || u.host().is_none() {
            return Err(format!(
                "feed_url {} must be an https:// URL",
                redact::shown_url(&s)
            ));
        }
        Ok(Self(u))
    }
}

/// A non-empty list of delays in seconds, each at most a week.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Vec<u64>")]
pub struct RetrySchedule(pub Vec<u64>);

impl TryFrom<Vec<u64>> for RetrySchedule {
    type Error = String;
    fn try_from(v: Vec<u64>) -> std::result::Result<Self, String> {
        if v.is_empty() || v.len() > 50 {
            return Err("retry_schedule_secs needs 1 to 50 delays".into());
        }
        if let Some(d) = v.iter().find(|d| **d > 604_800) {
            return Err(format!("retry delay {d} s is longer than a week"));
        }
        Ok(Self(v))
    }
}

/// Whether a network's sessions are test or live objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Test objects (`livemode: false`), seen by `ck_test_` keys.
    Test,
    /// Live objects, seen by `ck_live_` keys.
    Live,
}

impl Mode {
    /// `"test"` or `"live"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Test => "test",
            Mode::Live => "live",
        }
    }
}

/// A Chainlink feed's heartbeat when `heartbeat_secs` is not given (SPEC §2).
pub const DEFAULT_HEARTBEAT_SECS: i64 = 3600;
/// The longest heartbeat accepted: a week.
pub const MAX_HEARTBEAT_SECS: i64 = 7 * 24 * 3600;

/// Where an asset's fiat rate comes from: `{ fixed = "…" }` or
/// `{ chainlink = "0x…", heartbeat_secs = N }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawRate")]
pub enum RateSource {
    /// A fixed rate, fiat per whole unit.
    Fixed(PositiveDecimal),
    /// A Chainlink AggregatorV3 feed on the same chain.
    Chainlink {
        /// The feed contract.
        feed: Address,
        /// The feed updates at least this often (seconds); an older answer is stale.
        heartbeat_secs: i64,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRate {
    fixed: Option<PositiveDecimal>,
    chainlink: Option<Address>,
    heartbeat_secs: Option<Bounded<1, MAX_HEARTBEAT_SECS>>,
}

impl TryFrom<RawRate> for RateSource {
    type Error = String;
    fn try_from(r: RawRate) -> std::result::Result<Self, String> {
        match (r.fixed, r.chainlink, r.heartbeat_secs) {
            (Some(fixed), None, None) => Ok(RateSource::Fixed(fixed)),
            (None, Some(feed), heartbeat) => Ok(RateSource::Chainlink {
                feed,
                heartbeat_secs: heartbeat.map_or(DEFAULT_HEARTBEAT_SECS, Bounded::get),
            }),
            (Some(_), None, Some(_)) => {
                Err("heartbeat_secs belongs to a chainlink rate, not a fixed one".into())
            }
            _ => Err(
                "a rate is either { fixed = \"…\" } or { chainlink = \"0x…\", heartbeat_secs = N }"
                    .into(),
            ),
        }
    }
}

/// A decimal greater than zero.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct PositiveDecimal(pub Decimal);

impl TryFrom<String> for PositiveDecimal {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        let ConfigDecimal(d) = ConfigDecimal::try_from(s.clone())?;
        if d.is_zero() {
            return Err(format!("rate `{s}` must be greater than zero"));
        }
        Ok(Self(d))
    }
}

/// The chain's own coin.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, try_from = "RawNative")]
pub struct NativeAsset {
    /// Ticker, e.g. `ETH`.
    pub symbol: String,
    /// On-chain decimals (18 for ETH).
    pub decimals: u32,
    /// Quotes are rounded up to this many digits.
    pub display_decimals: u32,
    /// Fiat per whole coin.
    pub rate: RateSource,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNative {
    symbol: Symbol,
    #[serde(default = "eighteen")]
    decimals: Bounded<0, 36>,
    #[serde(default = "six")]
    display_decimals: Bounded<0, 36>,
    rate: RateSource,
}

fn eighteen() -> Bounded<0, 36> {
    Bounded(18)
}
fn six() -> Bounded<0, 36> {
    Bounded(6)
}

impl TryFrom<RawNative> for NativeAsset {
    type Error = String;
    fn try_from(r: RawNative) -> std::result::Result<Self, String> {
        if r.display_decimals.get() > r.decimals.get() {
            return Err(format!(
                "display_decimals ({}) cannot exceed decimals ({})",
                r.display_decimals.get(),
                r.decimals.get()
            ));
        }
        Ok(Self {
            symbol: r.symbol.0,
            decimals: r.decimals.get() as u32,
            display_decimals: r.display_decimals.get() as u32,
            rate: r.rate,
        })
    }
}

/// An asset ticker: 1 to 11 letters, digits or dots.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Symbol(pub String);

impl TryFrom<String> for Symbol {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        let ok = (1..=11).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.');
        if ok {
            Ok(Self(s))
        } else {
            Err(format!("symbol `{s}` must be 1 to 11 letters or digits"))
        }
    }
}

/// An ERC-20 token accepted on a network.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenAsset {
    /// Ticker, e.g. `USDC`.
    pub symbol: Spanned<Symbol>,
    /// The token contract.
    pub address: Address,
    /// The token's decimals.
    pub decimals: Bounded<0, 36>,
    /// Fiat per whole token.
    pub rate: RateSource,
}

/// One `[[networks]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// Sessions name their network by this id.
    pub id: Spanned<NetworkId>,
    /// Display name; the id when absent.
    pub name: Option<String>,
    /// Checked against the node's `eth_chainId` at start.
    pub chain_id: Bounded<1, { i64::MAX }>,
    /// Nodes, tried in order.
    pub rpc_urls: Spanned<Vec<RpcUrl>>,
    /// Test or live.
    #[serde(default = "test_mode")]
    pub mode: Mode,
    /// Confirmations required before `paid`.
    pub confirmations: Bounded<1, 1000>,
    /// Block explorer link for a transaction, with `{hash}`.
    pub explorer_tx_url: Option<String>,
    /// The chain's coin.
    pub native: NativeAsset,
    /// Accepted ERC-20 tokens.
    #[serde(default)]
    pub tokens: Vec<TokenAsset>,
}

fn test_mode() -> Mode {
    Mode::Test
}

/// A network id: lowercase letters, digits and dashes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct NetworkId(pub String);

impl TryFrom<String> for NetworkId {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        let ok = (1..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(s))
        } else {
            Err(format!(
                "network id `{s}` must be 1 to 32 lowercase letters, digits, - or _"
            ))
        }
    }
}

impl NetworkConfig {
    /// The network's id.
    pub fn id(&self) -> &str {
        &self.id.get_ref().0
    }

    /// The display name.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(self.id())
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id.get() as u64
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[store]`.
    #[serde(default)]
    pub store: StoreConfig,
    /// `[api]`.
    #[serde(default)]
    pub api: ApiConfig,
    /// `[webhooks]`.
    #[serde(default)]
    pub webhooks: WebhooksConfig,
    /// `[[networks]]`.
    #[serde(default)]
    pub networks: Vec<NetworkConfig>,
    /// `[updates]`.
    #[serde(default)]
    pub updates: UpdatesConfig,
}

impl Config {
    /// Loads `chaintill.toml` from `data_dir`, writing the default file first if there is none.
    pub fn load_or_create(data_dir: &Path) -> Result<Self> {
        let path = data_dir.join(CONFIG_FILE);
        if !path.exists() {
            crate::engine::private::write(&path, DEFAULT_CONFIG.as_bytes()).map_err(|e| {
                Error::Config {
                    path: path.clone(),
                    line: 0,
                    message: format!("cannot write the default configuration: {e}"),
                }
            })?;
        }
        if let Err(e) = crate::engine::private::tighten(&path) {
            tracing::warn!(path = %path.display(), error = %e, "cannot make the configuration owner-only");
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::Config {
            path: path.clone(),
            line: 0,
            message: format!("cannot read: {e}"),
        })?;
        Self::parse(&text, &path)
    }

    /// Parses and validates configuration text; `path` is only used in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let at = |span: Option<std::ops::Range<usize>>, message: String| Error::Config {
            path: PathBuf::from(path),
            line: span.map_or(1, |s| line_of(text, s.start)),
            message,
        };
        let config: Config = toml::from_str(text).map_err(|e| {
            // The parser's own message only (its display quotes the line, which may be an RPC
            // URL with a key); for some faults, a lone carriage return among them, it is empty.
            let message = match e.message().trim() {
                "" => "this is not valid TOML here (a stray control character, such as a lone carriage return?)".to_string(),
                m => m.to_string(),
            };
            // Name the key when the fault is on a `key = value` line (the key is never secret).
            let message = match e.span().and_then(|s| key_on_line(text, s.start)) {
                Some(key) if !message.contains(key) => format!("`{key}`: {message}"),
                _ => message,
            };
            at(e.span(), message)
        })?;
        let mut ids = HashSet::new();
        for n in &config.networks {
            if !ids.insert(n.id()) {
                return Err(at(
                    Some(n.id.span()),
                    format!("duplicate network id `{}`", n.id()),
                ));
            }
            if n.rpc_urls.get_ref().is_empty() {
                return Err(at(
                    Some(n.rpc_urls.span()),
                    format!("network `{}` needs at least one RPC URL", n.id()),
                ));
            }
            let mut symbols = HashSet::from([n.native.symbol.as_str()]);
            for t in &n.tokens {
                if !symbols.insert(t.symbol.get_ref().0.as_str()) {
                    return Err(at(
                        Some(t.symbol.span()),
                        format!(
                            "duplicate asset symbol `{}` on network `{}`",
                            t.symbol.get_ref().0,
                            n.id()
                        ),
                    ));
                }
            }
        }
        Ok(config)
    }

    /// The network with this id.
    pub fn network(&self, id: &str) -> Option<&NetworkConfig> {
        self.networks.iter().find(|n| n.id() == id)
    }
}

/// The bare key of the `key = value` line holding `offset`, if it is one.
fn key_on_line(text: &str, offset: usize) -> Option<&str> {
    let start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next()?;
    let key = line.split_once('=')?.0.trim();
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    bare.then_some(key)
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::parse(text, Path::new("chaintill.toml"))
    }

    fn err_of(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn default_file_parses_with_every_default() {
        let c = parse(DEFAULT_CONFIG).unwrap();
        assert_eq!(c.store.expiry_minutes.get(), 15);
        assert_eq!(c.store.late_grace_minutes.get(), 10);
        assert_eq!(c.api.bind.to_string(), "127.0.0.1:8787");
        assert_eq!(c.webhooks.retry_schedule_secs.0.len(), 8);
        assert_eq!(c.networks[0].chain_id(), 31337);
        assert_eq!(c.networks[0].native.display_decimals, 6);
        // An empty file is valid too: every key is optional.
        let empty = parse("").unwrap();
        assert_eq!(empty.store.default_currency.0, "USD");
        assert_eq!(empty.webhooks.timeout_secs.get(), 15);
    }

    #[test]
    fn errors_name_the_line_and_reason() {
        let e = err_of("[store]\nname = \"x\"\nexpiry_minutes = 0\n");
        assert!(e.starts_with("chaintill.toml:3:"), "{e}");
        assert!(e.contains("out of range"), "{e}");

        let e = err_of("[store]\ndefault_currency = \"XXX\"\n");
        assert!(
            e.starts_with("chaintill.toml:2:") && e.contains("XXX"),
            "{e}"
        );

        let e = err_of("[store]\nbogus = 1\n");
        assert!(
            e.starts_with("chaintill.toml:2:") && e.contains("bogus"),
            "{e}"
        );

        let e = err_of("[store\n");
        assert!(e.starts_with("chaintill.toml:1:"), "{e}");

        let e = err_of("[store]\nunderpaid_tolerance_percent = 0.5\n");
        assert!(e.starts_with("chaintill.toml:2:"), "{e}");

        let e = err_of("[updates]\nfeed_url = \"http://mirror.example/latest.json\"\n");
        assert!(
            e.starts_with("chaintill.toml:2:") && e.contains("must be an https:// URL"),
            "{e}"
        );

        // A wrong type names its key (the parser's message alone does not).
        let e = err_of("[api]\nrate_limit_per_second = \"many\"\n");
        assert!(
            e.starts_with("chaintill.toml:2: `rate_limit_per_second`: invalid type"),
            "{e}"
        );
    }

    #[test]
    fn network_validation() {
        let net = |extra: &str| {
            format!(
                "[[networks]]\nid = \"local\"\nchain_id = 1\nrpc_urls = [\"http://x\"]\nconfirmations = 1\n\
                 native = {{ symbol = \"ETH\", rate = {{ fixed = \"1\" }} }}\n{extra}"
            )
        };
        assert!(parse(&net("")).is_ok());
        let twice = format!("{}\n{}", net(""), net(""));
        let e = err_of(&twice);
        assert!(
            e.contains("duplicate network id") && e.starts_with("chaintill.toml:9:"),
            "{e}"
        );
        let e = err_of(&net("").replace("http://x", "ftp://x"));
        assert!(
            e.contains("ftp://x") && e.starts_with("chaintill.toml:4:"),
            "{e}"
        );
        let e = err_of(&net("").replace("http://x", "ftp://x/v2/SECRETKEY?key=SECRET2"));
        assert!(e.contains("ftp://x") && !e.contains("SECRET"), "{e}");
        let e = err_of(&net("").replace("http://x", "http://[::1/v2/SECRETKEY"));
        assert!(
            e.starts_with("chaintill.toml:4:") && !e.contains("SECRET"),
            "{e}"
        );
        let e = err_of(&net("").replace("\"1\"", "\"0\""));
        assert!(e.contains("greater than zero"), "{e}");
        let e = err_of(&net("").replace("symbol = \"ETH\"", "symbol = \"ETH\", decimals = 2"));
        assert!(e.contains("display_decimals"), "{e}");
        let e = err_of(&net("").replace("rpc_urls = [\"http://x\"]", "rpc_urls = []"));
        assert!(e.contains("at least one RPC URL"), "{e}");
        let e = err_of(&net(
            "tokens = [{ symbol = \"ETH\", address = \"0x0000000000000000000000000000000000000001\", decimals = 6, rate = { fixed = \"1\" } }]",
        ));
        assert!(e.contains("duplicate asset symbol"), "{e}");
        let e = err_of(&net("").replace("id = \"local\"", "id = \"Local Net\""));
        assert!(e.contains("network id"), "{e}");
    }

    #[test]
    fn chainlink_heartbeat_defaults_to_an_hour_and_is_bounded_to_a_week() {
        let feed = "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419";
        let with = |rate: &str| {
            format!(
                "[[networks]]\nid = \"eth\"\nchain_id = 1\nrpc_urls = [\"http://x\"]\nconfirmations = 1\n\
                 native = {{ symbol = \"ETH\", rate = {rate} }}\n"
            )
        };
        let rate = |text: &str| parse(text).unwrap().networks[0].native.rate.clone();
        let parsed_feed: Address = feed.parse().unwrap();
        assert_eq!(
            rate(&with(&format!("{{ chainlink = \"{feed}\" }}"))),
            RateSource::Chainlink {
                feed: parsed_feed,
                heartbeat_secs: 3600
            }
        );
        assert_eq!(
            rate(&with(&format!(
                "{{ chainlink = \"{feed}\", heartbeat_secs = 86400 }}"
            ))),
            RateSource::Chainlink {
                feed: parsed_feed,
                heartbeat_secs: 86400
            }
        );
        for (bad, why) in [
            (
                format!("{{ chainlink = \"{feed}\", heartbeat_secs = 0 }}"),
                "0 is out of range 1..=604800",
            ),
            (
                format!("{{ chainlink = \"{feed}\", heartbeat_secs = 604801 }}"),
                "out of range",
            ),
            (
                "{ fixed = \"1\", heartbeat_secs = 60 }".to_string(),
                "heartbeat_secs belongs to a chainlink rate",
            ),
            (
                format!("{{ fixed = \"1\", chainlink = \"{feed}\" }}"),
                "either",
            ),
            ("{ }".to_string(), "either"),
            (
                format!("{{ chainlink = \"{feed}\", heartbeat = 60 }}"),
                "heartbeat",
            ),
        ] {
            let e = err_of(&with(&bad));
            assert!(
                e.starts_with("chaintill.toml:6:") && e.contains(why),
                "{bad}: {e}"
            );
        }
    }
}
