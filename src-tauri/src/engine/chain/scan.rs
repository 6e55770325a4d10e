//! Finding payments in one block: native transfers to watched addresses (successful receipts
//! only) and `Transfer` logs of every configured token contract to watched addresses. Every
//! asset is recorded, whatever the session's own: funds in another asset become `extra`
//! payments on the session (settlement decides), never lost.

use super::Watched;
use crate::engine::checkout::apply::{
    GoneFromMempool, Mempool, PaidAsset, PaymentSeen, PendingPayment,
};
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

/// Mempool payments whose fate `block` settles: another transaction of theirs used the sender
/// nonce ("speed up" pays again under another hash; "cancel" pays nobody), or their own
/// transaction is in it without the payment (`found`): it failed (reverted, out of gas).
pub fn gone_in(block: &Block, mempool: &Mempool, found: &[PaymentSeen]) -> Vec<GoneFromMempool> {
    if mempool.is_empty() {
        return vec![];
    }
    let mut out = Vec::new();
    for tx in block.transactions.txns() {
        let key = (tx.from().to_checksum(None).to_ascii_lowercase(), tx.nonce());
        let hash = format!("{:#x}", tx.tx_hash());
        for p in mempool.by_nonce.get(&key).into_iter().flatten() {
            if p.tx_hash != hash {
                out.push(p.clone());
            }
        }
        for p in mempool.by_hash.get(&hash).into_iter().flatten() {
            let paid = found
                .iter()
                .any(|f| f.tx_hash == hash && f.session_id == p.session_id);
            if !paid {
                out.push(p.clone());
            }
        }
    }
    out
}

/// A transaction as the node sent it, or `None` for a type Ethereum does not have: an L2's own
/// (OP-stack deposits 0x7E, Arbitrum's system types 0x64–0x6A). Those never carry a customer's
/// transfer signed to a session address; value they bring to one shows up as a balance rise,
/// which reconciliation records.
pub fn transaction_of(raw: serde_json::Value) -> Option<alloy::rpc::types::Transaction> {
    serde_json::from_value(raw).ok()
}

/// A block with full transactions as the node sent it, without the transactions of types
/// Ethereum does not have (see [`transaction_of`]).
pub fn block_of(mut raw: serde_json::Value) -> Result<Block> {
    let txs = match raw.get_mut("transactions").map(serde_json::Value::take) {
        Some(serde_json::Value::Array(txs)) => txs,
        _ => Vec::new(),
    };
    if let Some(fields) = raw.as_object_mut() {
        fields.insert("transactions".into(), serde_json::Value::Array(Vec::new()));
    }
    let mut block: Block = serde_json::from_value(raw).map_err(|e| {
        Error::Internal(format!(
            "the node sent a block this watcher cannot read: {e}"
        ))
    })?;
    block.transactions = alloy::rpc::types::BlockTransactions::Full(
        txs.into_iter().filter_map(transaction_of).collect(),
    );
    Ok(block)
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
            // No receipt for a transaction of a block it served: a load-balanced provider's
            // other server is behind. Not "reverted": the block is read again.
            let receipt = p
                .get_transaction_receipt(tx.tx_hash())
                .await
                .map_err(rpc)?
                .ok_or_else(|| {
                    Error::Internal(format!(
                        "the node has no receipt yet for transaction {:#x} of block {number}",
                        tx.tx_hash()
                    ))
                })?;
            if !receipt.status() {
                continue; // reverted: only successful transactions count
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

#[cfg(test)]
mod l2_types {
    /// An OP-stack block: its first transaction is the L1-info deposit (type 0x7E) that alloy's
    /// Ethereum types cannot decode; the customer's transfer after it must still be read.
    #[test]
    fn blocks_with_an_l2_deposit_are_read_without_it() {
        let deposit = r#"{"blockHash":"0x1111111111111111111111111111111111111111111111111111111111111111","blockNumber":"0x1","from":"0xdeaddeaddeaddeaddeaddeaddeaddeaddead0001","gas":"0xf4240","gasPrice":"0x0","hash":"0x7777777777777777777777777777777777777777777777777777777777777777","input":"0x","nonce":"0x1","to":"0x4200000000000000000000000000000000000015","transactionIndex":"0x0","value":"0x0","type":"0x7e","v":"0x0","r":"0x0","s":"0x0","sourceHash":"0x8888888888888888888888888888888888888888888888888888888888888888","mint":"0x0","isSystemTx":false,"depositReceiptVersion":"0x1"}"#;
        let transfer = r#"{"blockHash":"0x1111111111111111111111111111111111111111111111111111111111111111","blockNumber":"0x1","from":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266","gas":"0x5208","gasPrice":"0x3b9aca00","maxFeePerGas":"0x3b9aca00","maxPriorityFeePerGas":"0x0","hash":"0x9999999999999999999999999999999999999999999999999999999999999999","input":"0x","nonce":"0x0","to":"0x70997970c51812dc3a010c7d01b50e0d17dc79c8","transactionIndex":"0x1","value":"0xde0b6b3a7640000","type":"0x2","accessList":[],"chainId":"0x2105","v":"0x0","yParity":"0x0","r":"0x1","s":"0x1"}"#;
        let block = format!(
            r#"{{"hash":"0x1111111111111111111111111111111111111111111111111111111111111111","parentHash":"0x2222222222222222222222222222222222222222222222222222222222222222","sha3Uncles":"0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347","miner":"0x4200000000000000000000000000000000000011","stateRoot":"0x3333333333333333333333333333333333333333333333333333333333333333","transactionsRoot":"0x4444444444444444444444444444444444444444444444444444444444444444","receiptsRoot":"0x5555555555555555555555555555555555555555555555555555555555555555","logsBloom":"0x{}","difficulty":"0x0","number":"0x1","gasLimit":"0x1c9c380","gasUsed":"0xb4ab","timestamp":"0x65f1b0a0","extraData":"0x","mixHash":"0x6666666666666666666666666666666666666666666666666666666666666666","nonce":"0x0000000000000000","baseFeePerGas":"0x3b9aca00","size":"0x365","uncles":[],"transactions":[{deposit},{transfer}]}}"#,
            "0".repeat(512)
        );
        let raw: serde_json::Value = serde_json::from_str(&block).unwrap();
        assert!(
            serde_json::from_value::<alloy::rpc::types::Block>(raw.clone()).is_err(),
            "alloy's Ethereum types refuse the deposit (why block_of exists)"
        );
        let read = super::block_of(raw).unwrap();
        let txs: Vec<_> = read.transactions.txns().collect();
        assert_eq!(txs.len(), 1);
        use alloy::consensus::Transaction as _;
        assert_eq!(
            txs[0].to(),
            Some(
                "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
                    .parse()
                    .unwrap()
            )
        );
        assert!(super::transaction_of(serde_json::from_str(deposit).unwrap()).is_none());
        assert!(super::transaction_of(serde_json::from_str(transfer).unwrap()).is_some());
    }
}

#[cfg(test)]
mod fuzz {
    //! The node's answers, whatever it sends (issue 16): blocks, transactions and mempool items
    //! of any shape — wrong types, huge numbers, missing fields, an L2's own types — are read or
    //! refused, never a panic. (`make fuzz` runs many more cases: `PROPTEST_CASES`.)
    use proptest::prelude::*;
    use serde_json::{json, Value};

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            "0x[0-9a-f]{0,70}".prop_map(Value::String),
            Just(json!(format!("0x{}", "f".repeat(80)))),
            ".{0,20}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map("[a-zA-Z]{1,16}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// A well-formed block and transaction to mutate (the shapes of the L2 test above).
    fn block() -> Value {
        json!({"hash": format!("0x{}", "11".repeat(32)), "parentHash": format!("0x{}", "22".repeat(32)),
               "sha3Uncles": format!("0x{}", "33".repeat(32)), "miner": format!("0x{}", "44".repeat(20)),
               "stateRoot": format!("0x{}", "55".repeat(32)), "transactionsRoot": format!("0x{}", "66".repeat(32)),
               "receiptsRoot": format!("0x{}", "77".repeat(32)), "logsBloom": format!("0x{}", "0".repeat(512)),
               "difficulty": "0x0", "number": "0x1", "gasLimit": "0x1c9c380", "gasUsed": "0x0",
               "timestamp": "0x65f1b0a0", "extraData": "0x", "mixHash": format!("0x{}", "88".repeat(32)),
               "nonce": "0x0000000000000000", "baseFeePerGas": "0x3b9aca00", "size": "0x365", "uncles": [],
               "transactions": [transaction(), {"type": "0x7e", "hash": format!("0x{}", "99".repeat(32))}]})
    }

    fn transaction() -> Value {
        json!({"blockHash": format!("0x{}", "11".repeat(32)), "blockNumber": "0x1",
               "from": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "gas": "0x5208", "gasPrice": "0x3b9aca00",
               "maxFeePerGas": "0x3b9aca00", "maxPriorityFeePerGas": "0x0", "hash": format!("0x{}", "aa".repeat(32)),
               "input": "0x", "nonce": "0x0", "to": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
               "transactionIndex": "0x0", "value": "0xde0b6b3a7640000", "type": "0x2", "accessList": [],
               "chainId": "0x7a69", "v": "0x0", "yParity": "0x0", "r": "0x1", "s": "0x1"})
    }

    /// `value` with the field at `path` (keys or array indexes, by position) set to `new`.
    fn mutate(mut value: Value, pick: &[usize], new: Value) -> Value {
        let mut at = &mut value;
        for (depth, p) in pick.iter().enumerate() {
            let next = match at {
                Value::Object(m) if !m.is_empty() => {
                    let key = m.keys().nth(p % m.len()).cloned().unwrap_or_default();
                    if depth + 1 == pick.len() {
                        m.insert(key, new);
                        return value;
                    }
                    m.get_mut(&key)
                }
                Value::Array(a) if !a.is_empty() => {
                    let n = a.len();
                    if depth + 1 == pick.len() {
                        a[p % n] = new;
                        return value;
                    }
                    a.get_mut(p % n)
                }
                _ => None,
            };
            match next {
                Some(n) => at = n,
                None => break,
            }
        }
        value
    }

    proptest! {
        #[test]
        fn any_json_as_a_block_or_transaction_never_panics(v in json_value()) {
            let _ = super::block_of(v.clone());
            let _ = super::transaction_of(v.clone());
            let _ = super::super::mempool::Item::parse(v);
        }

        #[test]
        fn a_block_with_any_field_of_any_shape_never_panics(
            pick in proptest::collection::vec(any::<usize>(), 1..4),
            new in json_value(),
        ) {
            let _ = super::block_of(mutate(block(), &pick, new.clone()));
            let tx = mutate(transaction(), &pick, new);
            let _ = super::transaction_of(tx.clone());
            let _ = super::super::mempool::Item::parse(tx);
        }
    }
}
