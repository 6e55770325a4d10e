//! The mempool feed: what a `newPendingTransactions` subscription delivers, and a budget for
//! the lookups a hash-only node forces on us. A busy mempool (hundreds of transactions a
//! second, nearly all paying somebody else) must neither starve block processing nor exhaust
//! a provider's quota; a payment skipped here is still found when its block is scanned.

use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::Transaction;
use alloy_primitives::B256;
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// One notification of the pending-transaction subscription.
pub enum Item {
    /// The whole transaction (nodes that honour `newPendingTransactions, true`): filtered locally.
    Full(Box<Transaction>),
    /// Only its hash: it must be looked up.
    Hash(B256),
}

impl Item {
    /// Reads a notification; `None` for anything else (a malformed answer is ignored).
    pub fn parse(v: serde_json::Value) -> Option<Self> {
        match v {
            serde_json::Value::String(s) => s.parse().ok().map(Item::Hash),
            obj @ serde_json::Value::Object(_) => serde_json::from_value(obj)
                .ok()
                .map(|t| Item::Full(Box::new(t))),
            _ => None,
        }
    }
}

type Lookup = Pin<Box<dyn Future<Output = Option<Transaction>> + Send>>;

/// Transaction lookups by hash, at most `per_second` started per second and `max_in_flight`
/// at once; the rest are skipped (and counted).
pub struct Lookups {
    in_flight: FuturesUnordered<Lookup>,
    max_in_flight: usize,
    per_second: u32,
    window: Instant,
    used: u32,
    skipped: u64,
}

impl Lookups {
    /// A budget of `per_second` lookups, `max_in_flight` at once.
    pub fn new(per_second: u32, max_in_flight: usize) -> Self {
        Self {
            in_flight: FuturesUnordered::new(),
            max_in_flight,
            per_second,
            window: Instant::now(),
            used: 0,
            skipped: 0,
        }
    }

    /// Whether no lookup is in flight.
    pub fn is_empty(&self) -> bool {
        self.in_flight.is_empty()
    }

    /// Starts a lookup of `hash` if the budget allows it.
    pub fn push(&mut self, p: &DynProvider, hash: B256) {
        if self.window.elapsed() >= Duration::from_secs(1) {
            if self.skipped > 0 {
                tracing::debug!(
                    skipped = self.skipped,
                    "mempool lookups over budget; those payments are found at inclusion"
                );
            }
            self.window = Instant::now();
            self.used = 0;
            self.skipped = 0;
        }
        if self.used >= self.per_second || self.in_flight.len() >= self.max_in_flight {
            self.skipped += 1;
            return;
        }
        self.used += 1;
        let p = p.clone();
        self.in_flight.push(Box::pin(async move {
            p.get_transaction_by_hash(hash).await.ok().flatten()
        }));
    }

    /// The next finished lookup's transaction (`None` if it was not found or failed).
    pub async fn next(&mut self) -> Option<Transaction> {
        self.in_flight.next().await.flatten()
    }
}

/// Transactions seen in the mempool, by hash, so a new block's transactions can be taken from
/// here instead of fetching the whole block with every transaction again: under a busy
/// mempool a full block is the slowest answer a node gives (~70 ms for 300 transactions from a
/// loaded anvil, against a few ms for the hashes alone). A hash names one exact transaction, so
/// a cached one is the mined one. Bounded: the oldest are forgotten first.
pub struct TxCache {
    txs: std::collections::HashMap<B256, Transaction>,
    order: std::collections::VecDeque<B256>,
    capacity: usize,
}

impl TxCache {
    /// A cache of at most `capacity` transactions.
    pub fn new(capacity: usize) -> Self {
        Self {
            txs: std::collections::HashMap::new(),
            order: std::collections::VecDeque::new(),
            capacity,
        }
    }

    /// Whether nothing was seen (the node sends no full pending transactions).
    pub fn is_empty(&self) -> bool {
        self.txs.is_empty()
    }

    /// Remembers `tx`.
    pub fn insert(&mut self, tx: &Transaction) {
        use alloy::network::TransactionResponse;
        let hash = tx.tx_hash();
        if self.txs.insert(hash, tx.clone()).is_none() {
            self.order.push_back(hash);
        }
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.txs.remove(&old);
            }
        }
    }

    /// The transaction with this hash, if seen.
    pub fn get(&self, hash: &B256) -> Option<&Transaction> {
        self.txs.get(hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_are_hashes_or_whole_transactions() {
        let h = format!("{:#x}", B256::repeat_byte(0xab));
        assert!(
            matches!(Item::parse(serde_json::json!(h)), Some(Item::Hash(x)) if x == B256::repeat_byte(0xab))
        );
        assert!(Item::parse(serde_json::json!(42)).is_none());
        assert!(Item::parse(serde_json::json!({"not": "a tx"})).is_none());
        assert!(Item::parse(serde_json::json!("0xzz")).is_none());
    }
}
