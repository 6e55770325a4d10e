//! The wizard's network presets. Chain ids, USDC contracts and Chainlink feeds are copied from
//! `shared/PRESETS.md` (checked against Circle's and Chainlink's own lists): a wrong contract
//! means customer payments go undetected, so they are never typed from memory.

use serde::Serialize;
use ts_rs::TS;

/// A Chainlink AggregatorV3 feed and how often it beats at least.
#[derive(Debug, Clone, Copy)]
pub struct Feed {
    /// The aggregator proxy.
    pub address: &'static str,
    /// Longest time between answers (`heartbeat_secs`).
    pub heartbeat_secs: u32,
}

/// One preset network as the wizard writes it into `chaintill.toml`.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    /// The `setup-network` value and the network id written.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Test networks are `mode = "test"`.
    pub test: bool,
    /// The native coin's symbol (18 decimals on every preset).
    pub native_symbol: &'static str,
    /// Native/USD feed; `None` prices the coin at [`Preset::fixed_native_rate`].
    pub native_feed: Option<Feed>,
    /// Used when there is no feed (the local devnet).
    pub fixed_native_rate: &'static str,
    /// Native USDC (6 decimals) and its USD feed (`None`: fixed at 1.00).
    pub usdc: Option<(&'static str, Option<Feed>)>,
    /// Default confirmations.
    pub confirmations: u32,
    /// Typical block time in milliseconds (for "about N s" in the wizard).
    pub block_ms: u32,
    /// A public endpoint to start with; the owner's provider URL is better.
    pub suggested_rpc_url: &'static str,
    /// Explorer link for a transaction.
    pub explorer_tx_url: Option<&'static str>,
}

const fn feed(address: &'static str, heartbeat_secs: u32) -> Option<Feed> {
    Some(Feed {
        address,
        heartbeat_secs,
    })
}

/// Every preset, in the wizard's order (the custom choice is not a preset).
pub const PRESETS: &[Preset] = &[
    Preset {
        id: "ethereum",
        name: "Ethereum",
        chain_id: 1,
        test: false,
        native_symbol: "ETH",
        native_feed: feed("0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419", 3600),
        fixed_native_rate: "",
        usdc: Some((
            "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
            feed("0x8fFfFfd4AfB6115b954Bd326cbe7B4BA576818f6", 86400),
        )),
        confirmations: 3,
        block_ms: 12_000,
        suggested_rpc_url: "https://ethereum-rpc.publicnode.com",
        explorer_tx_url: Some("https://etherscan.io/tx/{hash}"),
    },
    Preset {
        id: "base",
        name: "Base",
        chain_id: 8453,
        test: false,
        native_symbol: "ETH",
        native_feed: feed("0x71041dddad3595F9CEd3DcCFBe3D1F4b0a16Bb70", 1200),
        fixed_native_rate: "",
        usdc: Some((
            "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
            feed("0x7e860098F58bBFC8648a4311b374B1D669a2bc6B", 86400),
        )),
        confirmations: 10,
        block_ms: 2_000,
        suggested_rpc_url: "https://mainnet.base.org",
        explorer_tx_url: Some("https://basescan.org/tx/{hash}"),
    },
    Preset {
        id: "arbitrum",
        name: "Arbitrum One",
        chain_id: 42161,
        test: false,
        native_symbol: "ETH",
        native_feed: feed("0x639Fe6ab55C921f74e7fac1ee960C0B6293ba612", 86400),
        fixed_native_rate: "",
        usdc: Some((
            "0xaf88d065e77c8cC2239327C5EDb3A432268e5831",
            feed("0x50834F3163758fcC1Df9973b6e91f0F0F0434aD3", 86400),
        )),
        confirmations: 10,
        block_ms: 250,
        suggested_rpc_url: "https://arb1.arbitrum.io/rpc",
        explorer_tx_url: Some("https://arbiscan.io/tx/{hash}"),
    },
    Preset {
        id: "optimism",
        name: "OP Mainnet",
        chain_id: 10,
        test: false,
        native_symbol: "ETH",
        native_feed: feed("0x13e3Ee699D1909E989722E753853AE30b17e08c5", 1200),
        fixed_native_rate: "",
        usdc: Some((
            "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85",
            feed("0x16a9FA2FDa030272Ce99B29CF780dFA30361E0f3", 86400),
        )),
        confirmations: 10,
        block_ms: 2_000,
        suggested_rpc_url: "https://mainnet.optimism.io",
        explorer_tx_url: Some("https://optimistic.etherscan.io/tx/{hash}"),
    },
    Preset {
        id: "polygon",
        name: "Polygon PoS",
        chain_id: 137,
        test: false,
        native_symbol: "POL",
        // "MATIC / USD", which prices POL; no heartbeat was found: a day.
        native_feed: feed("0xAB594600376Ec9fD91F8e885dADF0CE036862dE0", 86400),
        fixed_native_rate: "",
        usdc: Some((
            "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359",
            feed("0xfE4A8cc5b5B2366C1B58Bea3858e81843581b2F7", 86400),
        )),
        confirmations: 64,
        block_ms: 2_000,
        suggested_rpc_url: "https://polygon-rpc.com",
        explorer_tx_url: Some("https://polygonscan.com/tx/{hash}"),
    },
    Preset {
        id: "sepolia",
        name: "Sepolia (test)",
        chain_id: 11155111,
        test: true,
        native_symbol: "ETH",
        native_feed: feed("0x694AA1769357215DE4FAC081bf1f309aDC325306", 3600),
        fixed_native_rate: "",
        usdc: Some(("0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238", None)),
        confirmations: 3,
        block_ms: 12_000,
        suggested_rpc_url: "https://ethereum-sepolia-rpc.publicnode.com",
        explorer_tx_url: Some("https://sepolia.etherscan.io/tx/{hash}"),
    },
    Preset {
        id: "base-sepolia",
        name: "Base Sepolia (test)",
        chain_id: 84532,
        test: true,
        native_symbol: "ETH",
        native_feed: feed("0x4aDC67696bA383F43DD60A9e78F2C97Fbbfc7cb1", 3600),
        fixed_native_rate: "",
        usdc: Some(("0x036CbD53842c5426634e7929541eC2318f3dCF7e", None)),
        confirmations: 5,
        block_ms: 2_000,
        suggested_rpc_url: "https://sepolia.base.org",
        explorer_tx_url: Some("https://sepolia.basescan.org/tx/{hash}"),
    },
    Preset {
        id: "local",
        name: "Local devnet",
        chain_id: 31337,
        test: true,
        native_symbol: "ETH",
        native_feed: None,
        fixed_native_rate: "3000.00",
        usdc: None,
        confirmations: 3,
        block_ms: 1_000,
        suggested_rpc_url: "ws://127.0.0.1:8545",
        explorer_tx_url: None,
    },
];

/// The preset with this id.
pub fn find(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

/// Whether `chain_id` is one of the presets' chains (all execute value transfers exactly as
/// Ethereum does; a custom chain may not).
pub fn is_preset_chain(chain_id: u64) -> bool {
    PRESETS.iter().any(|p| p.chain_id == chain_id)
}

/// A preset as the wizard shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPreset {
    /// `ethereum`, `base`, …, `local`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// EIP-155 chain id.
    #[ts(type = "number")]
    pub chain_id: u64,
    /// A test network.
    pub test: bool,
    /// The native coin.
    pub native_symbol: String,
    /// The native USDC contract, when the network has one.
    pub usdc: Option<String>,
    /// Default confirmations.
    pub confirmations: u32,
    /// Typical block time, for "about N s" next to the confirmations.
    pub block_seconds: f64,
    /// A public endpoint to start with (the owner's own provider URL is better).
    pub suggested_rpc_url: String,
}

impl From<&Preset> for NetworkPreset {
    fn from(p: &Preset) -> Self {
        NetworkPreset {
            id: p.id.into(),
            name: p.name.into(),
            chain_id: p.chain_id,
            test: p.test,
            native_symbol: p.native_symbol.into(),
            usdc: p.usdc.map(|(a, _)| a.into()),
            confirmations: p.confirmations,
            block_seconds: f64::from(p.block_ms) / 1000.0,
            suggested_rpc_url: p.suggested_rpc_url.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::Address;

    #[test]
    fn every_address_is_eip55_and_ids_are_unique() {
        let mut ids = std::collections::HashSet::new();
        for p in PRESETS {
            assert!(ids.insert(p.id), "duplicate preset {}", p.id);
            let mut addresses: Vec<&str> = p.native_feed.iter().map(|f| f.address).collect();
            if let Some((usdc, f)) = p.usdc {
                addresses.push(usdc);
                addresses.extend(f.map(|f| f.address));
            }
            for a in addresses {
                // Parsing with the checksum catches a mistyped character.
                Address::parse_checksummed(a, None)
                    .unwrap_or_else(|e| panic!("{}: {a} is not EIP-55: {e}", p.id));
            }
        }
    }
}
