//! Finding payments in one block: native transfers to watched addresses (successful receipts
//! only) and ERC-20 `Transfer` logs of the configured token contracts.

use super::Watched;
use crate::engine::checkout::apply::PaymentSeen;
use crate::engine::config::NetworkConfig;
use crate::engine::{Error, Result};
use alloy::consensus::Transaction as _;
use alloy::network::TransactionResponse;
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::{Block, Filter};
use alloy::sol_types::{SolCall, SolEvent};
use alloy_primitives::{Address, U256};
use std::collections::HashMap;

alloy::sol! {
    /// The ERC-20 transfer event.
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// The ERC-20 transfer call, to recognise token payments in the mempool.
    function transfer(address to, uint256 value) returns (bool);
}

/// A payment recognised in a pending transaction: (session, amount).
pub fn pending_payment(
    tx: &alloy::rpc::types::Transaction,
    watched: &HashMap<Address, Watched>,
) -> Option<(String, U256)> {
    let to = tx.to()?;
    if let Some(w) = watched.get(&to) {
        return (w.contract.is_none() && !tx.value().is_zero())
            .then(|| (w.session_id.clone(), tx.value()));
    }
    // A token transfer: `to` is the token contract, the recipient is in the calldata.
    let call = transferCall::abi_decode(tx.input()).ok()?;
    let w = watched.get(&call.to)?;
    (w.contract == Some(to) && !call.value.is_zero()).then(|| (w.session_id.clone(), call.value))
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

    for tx in block.transactions.txns() {
        let Some(to) = tx.to() else { continue };
        let Some(w) = watched.get(&to) else { continue };
        if w.contract.is_some() || tx.value().is_zero() {
            continue;
        }
        let receipt = p.get_transaction_receipt(tx.tx_hash()).await.map_err(rpc)?;
        if !receipt.as_ref().is_some_and(|r| r.status()) {
            continue; // reverted (or unknown): only successful transactions count
        }
        found.push(PaymentSeen {
            session_id: w.session_id.clone(),
            tx_hash: format!("{:#x}", tx.tx_hash()),
            log_index: None,
            from: tx.from().to_checksum(None),
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
            if w.contract != Some(log.address()) || t.value.is_zero() {
                continue;
            }
            let (Some(tx_hash), Some(index)) = (log.transaction_hash, log.log_index) else {
                continue;
            };
            found.push(PaymentSeen {
                session_id: w.session_id.clone(),
                tx_hash: format!("{tx_hash:#x}"),
                log_index: Some(index),
                from: t.from.to_checksum(None),
                block_number: number,
                block_hash: hash.clone(),
                block_timestamp_ms: ts_ms,
                amount: t.value,
            });
        }
    }
    Ok(found)
}
