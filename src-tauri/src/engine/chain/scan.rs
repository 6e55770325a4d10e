//! Finding payments in one block: native transfers to watched addresses (successful receipts
//! only) and `Transfer` logs of every configured token contract to watched addresses. Every
//! asset is recorded, whatever the session's own: funds in another asset become `extra`
//! payments on the session (settlement decides), never lost.

use super::Watched;
use crate::engine::checkout::apply::{PaidAsset, PaymentSeen, PendingPayment, Replaced};
use crate::engine::config::NetworkConfig;
use crate::engine::{Error, Result};
use alloy::consensus::Transaction as _;
use alloy::network::TransactionResponse;
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::{Block, Filter};
use alloy::sol_types::{SolCall, SolEvent};
use alloy_primitives::{Address, B256};
use std::collections::HashMap;

alloy::sol! {
    /// The ERC-20 transfer event.
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// The ERC-20 transfer call, to recognise token payments in the mempool.
    function transfer(address to, uint256 value) returns (bool);
}

/// The network's native coin as a payment asset.
pub fn native_asset(network: &NetworkConfig) -> PaidAsset {
    PaidAsset {
        symbol: network.native.symbol.clone(),
        decimals: network.native.decimals,
        contract: None,
    }
}

/// The configured token at `contract`, if any.
fn token_asset(network: &NetworkConfig, contract: Address) -> Option<PaidAsset> {
    network
        .tokens
        .iter()
        .find(|t| t.address == contract)
        .map(|t| PaidAsset {
            symbol: t.symbol.get_ref().0.clone(),
            decimals: t.decimals.get() as u32,
            contract: Some(contract),
        })
}

/// A payment to a watched address in a pending transaction: native value to it, or a
/// configured token's `transfer` to it.
pub fn pending_payment(
    tx: &alloy::rpc::types::Transaction,
    watched: &HashMap<Address, Watched>,
    network: &NetworkConfig,
) -> Option<PendingPayment> {
    let to = tx.to()?;
    let (session, asset, amount) = if let Some(w) = watched.get(&to) {
        (w, native_asset(network), tx.value())
    } else {
        // A token transfer: `to` is the token contract, the recipient is in the calldata.
        let call = transferCall::abi_decode(tx.input()).ok()?;
        (
            watched.get(&call.to)?,
            token_asset(network, to)?,
            call.value,
        )
    };
    (!amount.is_zero()).then(|| PendingPayment {
        session_id: session.session_id.clone(),
        tx_hash: format!("{:#x}", tx.tx_hash()),
        from: tx.from().to_checksum(None),
        nonce: tx.nonce(),
        asset,
        amount,
    })
}

/// Mempool payments whose sender nonce a transaction of `block` used, other than themselves:
/// replaced ("speed up" pays again under another hash; "cancel" pays nobody).
pub fn replaced_in(
    block: &Block,
    pending: &HashMap<(String, u64), Vec<Replaced>>,
) -> Vec<Replaced> {
    if pending.is_empty() {
        return vec![];
    }
    let mut out = Vec::new();
    for tx in block.transactions.txns() {
        let key = (tx.from().to_checksum(None).to_ascii_lowercase(), tx.nonce());
        let hash = format!("{:#x}", tx.tx_hash());
        for p in pending.get(&key).into_iter().flatten() {
            if p.tx_hash != hash {
                out.push(p.clone());
            }
        }
    }
    out
}

/// Payments to watched addresses in `block`.
pub async fn payments_in(
    p: &DynProvider,
    block: &Block,
    watched: &HashMap<Address, Watched>,
    network: &NetworkConfig,
) -> Result<Vec<PaymentSeen>> {
    let rpc = |e: alloy::transports::TransportError| Error::Internal(format!("RPC failed: {e}"));
    let number = block.header.number;
    let hash = format!("{:#x}", block.header.hash);
    let ts_ms = i64::try_from(block.header.timestamp)
        .unwrap_or(i64::MAX / 1000)
        .saturating_mul(1000);
    let mut found = Vec::new();
    let mut nonces: HashMap<B256, (u64, Address)> = HashMap::new();
    let known_chain = crate::engine::setup::presets::is_preset_chain(network.chain_id());

    for tx in block.transactions.txns() {
        nonces.insert(tx.tx_hash(), (tx.nonce(), tx.from()));
        let Some(to) = tx.to() else { continue };
        let Some(w) = watched.get(&to) else { continue };
        if tx.value().is_zero() {
            continue;
        }
        // On the presets' chains a plain transfer (no call data) to a session address cannot
        // fail once mined: the address is a key of ours with no code (only its key could delegate
        // code to it, EIP-7702) and inclusion already paid the 21,000 gas. Anything else, and
        // any transfer on a custom chain (whose rules may differ), may have failed: ask.
        if !(known_chain && tx.input().is_empty()) {
            let receipt = p.get_transaction_receipt(tx.tx_hash()).await.map_err(rpc)?;
            if !receipt.as_ref().is_some_and(|r| r.status()) {
                continue; // reverted (or unknown): only successful transactions count
            }
        }
        found.push(PaymentSeen {
            session_id: w.session_id.clone(),
            tx_hash: format!("{:#x}", tx.tx_hash()),
            log_index: None,
            from: tx.from().to_checksum(None),
            nonce: Some(tx.nonce()),
            asset: native_asset(network),
            block_number: number,
            block_hash: hash.clone(),
            block_timestamp_ms: ts_ms,
            amount: tx.value(),
        });
    }

    let tokens: Vec<Address> = network.tokens.iter().map(|t| t.address).collect();
    if !tokens.is_empty() {
        let filter = Filter::new()
            .at_block_hash(block.header.hash)
            .address(tokens)
            .event_signature(Transfer::SIGNATURE_HASH);
        for log in p.get_logs(&filter).await.map_err(rpc)? {
            if log.removed {
                continue;
            }
            let Ok(decoded) = log.log_decode::<Transfer>() else {
                tracing::warn!(tx = ?log.transaction_hash, "ignoring a malformed Transfer log");
                continue;
            };
            let t = &decoded.inner.data;
            let Some(w) = watched.get(&t.to) else {
                continue;
            };
            let Some(asset) = token_asset(network, log.address()) else {
                continue;
            };
            let (Some(tx_hash), Some(index)) = (log.transaction_hash, log.log_index) else {
                continue;
            };
            if t.value.is_zero() {
                continue;
            }
            // The nonce ties a mined token payment to the mempool payment it may replace; a
            // transfer made inside a contract call is another sender's transaction: no nonce.
            let nonce = nonces
                .get(&tx_hash)
                .filter(|(_, from)| *from == t.from)
                .map(|(n, _)| *n);
            found.push(PaymentSeen {
                session_id: w.session_id.clone(),
                tx_hash: format!("{tx_hash:#x}"),
                log_index: Some(index),
                from: t.from.to_checksum(None),
                nonce,
                asset,
                block_number: number,
                block_hash: hash.clone(),
                block_timestamp_ms: ts_ms,
                amount: t.value,
            });
        }
    }
    Ok(found)
}
