//! The chain watcher: one task per configured network that follows the chain head itself
//! (WebSocket subscription or HTTP polling, `rpc_urls` tried in order with backoff), scans each
//! new block for payments to session addresses, and hands what it saw to the checkout layer.
//!
//! RPC calls per block do not grow with the number of open sessions: one block (with its
//! transactions), one `eth_getLogs` for all configured tokens, and a receipt only for a
//! transaction that pays a session address. Matching happens locally against an in-memory set.

mod mempool;
mod reconcile;
mod rpc_error;
mod scan;
mod screen;

pub use reconcile::BATCH as RECONCILE_BATCH;
pub use screen::await_screened;

use crate::engine::checkout::apply;
use crate::engine::config::NetworkConfig;
use crate::engine::redact::{redacted, shown_url};
use crate::engine::{Error, Result, Service};
use alloy::eips::BlockNumberOrTag;
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy_primitives::{Address, B256};
use futures_util::StreamExt;
use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::watch;

/// Blocks processed per step before the head is read again.
const BATCH: u64 = 200;
/// On a network's first start, how far behind the head scanning begins (so sessions created
/// before the first engine start are still found).
const FIRST_START_LOOKBACK: u64 = 1000;
/// Most transaction lookups per second for a node whose pending subscription gives hashes only
/// (a busy mempool must neither starve block processing nor exhaust a provider's quota).
const LOOKUPS_PER_SECOND: u32 = 20;
/// Lookups in flight at once.
const LOOKUPS_IN_FLIGHT: usize = 4;
/// Pending-transaction notifications held while the watcher is busy with a block: the client
/// library keeps 16 by default and silently drops the rest, which at 300 transactions a second is
/// any pause over ~50 ms, and a customer's payment among them is then only seen at inclusion.
/// This many is ~13 s of such a mempool (a few MB at most).
const PENDING_BUFFER: usize = 4096;
/// A balance reconciliation round under way: the sessions it found and the calls it made.
type ReconcileRound = tokio::task::JoinHandle<Result<(Vec<String>, usize)>>;

/// Mempool transactions kept to assemble new blocks from (see [`mempool::TxCache`]): ~27 s of a
/// 300-transactions-a-second mempool, a few MB at most; nothing for a node without the feed.
const SEEN_TXS: usize = 8192;
/// A block missing more of its transactions from the cache than this is fetched whole (the
/// missing ones are otherwise asked for at once, one small call each).
const MISSING_TXS_FETCHED: usize = 16;
/// On a mempool miss, the watched addresses are reloaded when this process committed something
/// since the last reload (a session created here), or at most this often (one created by
/// another process, e.g. the CLI): nearly every transaction of a busy mempool pays somebody else.
const WATCHED_REFRESH: Duration = Duration::from_secs(1);
/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What the health endpoint and the window show about one network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default, utoipa::ToSchema, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ChainStatus {
    /// Network id from the config.
    pub network: String,
    /// Configured chain id.
    #[ts(type = "number")]
    pub chain_id: u64,
    /// Whether a node is connected and answering.
    pub connected: bool,
    /// The node in use, as scheme://host:port only (see [`shown_url`]).
    pub rpc_url: Option<String>,
    /// Chain head as last seen.
    #[ts(type = "number | null")]
    pub head: Option<u64>,
    /// Last block fully processed.
    #[ts(type = "number | null")]
    pub processed: Option<u64>,
    /// Blocks behind the head.
    #[ts(type = "number | null")]
    pub lag: Option<u64>,
    /// The last error, if the watcher is not healthy.
    pub error: Option<String>,
    /// When this was last updated (RFC 3339).
    pub updated_at: Option<String>,
    /// When the watcher last had every block up to the head processed (RFC 3339): a till stops
    /// charging on a network whose watcher has been behind for more than a minute.
    pub caught_up_at: Option<String>,
}

/// A session address being watched.
#[derive(Debug, Clone)]
pub struct Watched {
    /// The session.
    pub session_id: String,
    /// The token contract it is paid in; `None` for the native coin.
    pub contract: Option<Address>,
}

/// How often a watcher polls and reconciles.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Head polling interval where there is no subscription.
    pub poll: Duration,
    /// How often balances are reconciled (internal transfers).
    pub reconcile_every: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            poll: Duration::from_millis(250),
            reconcile_every: Duration::from_secs(15),
        }
    }
}

/// Follows one network.
pub struct Watcher {
    svc: Service,
    network: NetworkConfig,
    timing: Timing,
    last_reconcile: Option<std::time::Instant>,
    /// The reconciliation round under way: it runs beside the head loop (see `step`).
    reconciling: Option<ReconcileRound>,
    /// The highest head the last step used: an announced head below it is not trusted.
    last_head: Option<u64>,
    /// Mempool transactions, to assemble new blocks from.
    seen_txs: mempool::TxCache,
    watched: HashMap<Address, Watched>,
    watched_seq: i64,
    watched_at: Option<std::time::Instant>,
    watched_version: u64,
    changes: watch::Receiver<u64>,
}

impl Watcher {
    /// A watcher for `network`.
    pub fn new(svc: Service, network: NetworkConfig, timing: Timing) -> Self {
        Self {
            changes: svc.watch_changes(),
            svc,
            network,
            timing,
            last_reconcile: None,
            reconciling: None,
            last_head: None,
            seen_txs: mempool::TxCache::new(SEEN_TXS),
            watched: HashMap::new(),
            watched_seq: 0,
            watched_at: None,
            watched_version: 0,
        }
    }

    fn report(&self, f: impl FnOnce(&mut ChainStatus)) {
        let id = self.network.id().to_string();
        let chain_id = self.network.chain_id();
        self.svc.update_chain_status(&id, |s| {
            s.network = id.clone();
            s.chain_id = chain_id;
            f(s);
            s.updated_at = Some(crate::engine::clock::format_time(self.svc.now()));
            if s.connected && s.lag == Some(0) {
                s.caught_up_at = s.updated_at.clone();
            }
        });
    }

    /// Runs until `shutdown` turns true: connects, checks the chain id, follows the head.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        let urls: Vec<String> = self
            .network
            .rpc_urls
            .get_ref()
            .iter()
            .map(|u| u.0.to_string())
            .collect();
        let mut index = 0;
        let mut backoff = Duration::from_secs(1);
        while !*shutdown.borrow() {
            let url = urls[index % urls.len()].clone();
            let shown = shown_url(&url);
            match self.connect(&url).await {
                Ok(provider) => {
                    backoff = Duration::from_secs(1);
                    self.report(|s| {
                        s.connected = true;
                        s.rpc_url = Some(shown.clone());
                        s.error = None;
                    });
                    tracing::info!(network = self.network.id(), rpc = %shown, "watching the chain");
                    let err = self.follow(&provider, &url, &mut shutdown).await;
                    // A round still under way talks to the node just left (or outlives shutdown).
                    self.stop_reconciling();
                    if *shutdown.borrow() {
                        break;
                    }
                    let msg = redacted(&err.to_string(), &url);
                    tracing::warn!(network = self.network.id(), rpc = %shown, error = %msg, "lost the node; failing over");
                    self.report(|s| {
                        s.connected = false;
                        s.error = Some(format!("{shown}: {msg}"));
                    });
                }
                Err(e) => {
                    let msg = redacted(&e.to_string(), &url);
                    tracing::warn!(network = self.network.id(), rpc = %shown, error = %msg, "cannot use this node");
                    self.report(|s| {
                        s.connected = false;
                        s.error = Some(msg.clone());
                    });
                }
            }
            index += 1;
            // Backoff once every URL has been tried.
            if index % urls.len() == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = shutdown.changed() => {}
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
        // No longer watching: nothing waits on this watcher (a new sale's address screening).
        self.report(|s| s.connected = false);
    }

    async fn connect(&self, url: &str) -> Result<DynProvider> {
        let shown = shown_url(url);
        let provider =
            tokio::time::timeout(Duration::from_secs(10), ProviderBuilder::new().connect(url))
                .await
                .map_err(|_| Error::Internal(format!("{shown}: no answer within 10 s")))?
                .map_err(|e| Error::Internal(format!("{shown}: cannot connect: {e}")))?
                .erased();
        let chain_id = provider
            .get_chain_id()
            .await
            .map_err(|e| Error::Internal(format!("{shown}: eth_chainId failed: {e}")))?;
        if chain_id != self.network.chain_id() {
            return Err(Error::Internal(format!(
                "{shown} is chain {chain_id}, but chaintill.toml says network `{}` is chain {}; not watching it through this node",
                self.network.id(),
                self.network.chain_id()
            )));
        }
        Ok(provider)
    }

    /// Follows the head until an error (returned) or shutdown.
    async fn follow(
        &mut self,
        p: &DynProvider,
        url: &str,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Error {
        let ws = url.starts_with("ws");
        let mut heads = if ws {
            match p.subscribe_blocks().await {
                Ok(sub) => Some(sub.into_stream()),
                Err(e) => {
                    tracing::info!(error = %e, "no head subscription; polling");
                    None
                }
            }
        } else {
            None
        };
        // Mempool detection where the node offers it (a subscription needs a WebSocket). Full
        // transactions are asked for and filtered locally; a node that sends hashes only gets
        // a bounded number of lookups (see `mempool::Lookups`).
        let mut pending = if ws {
            match p
                .subscribe::<_, serde_json::Value>(("newPendingTransactions", true))
                .channel_size(PENDING_BUFFER)
                .await
            {
                Ok(sub) => Some(sub.into_stream()),
                Err(e) => {
                    tracing::info!(error = %redacted(&e.to_string(), url), "no pending-transaction subscription; detecting at inclusion");
                    None
                }
            }
        } else {
            None
        };
        let mut lookups = mempool::Lookups::new(LOOKUPS_PER_SECOND, LOOKUPS_IN_FLIGHT);
        let screen_wanted = self.svc.screen_wanted();
        // The head the subscription just announced: the step needs no call to learn it.
        let mut announced: Option<u64> = None;
        loop {
            // Heads are served first, so mempool notifications that came before this block may
            // still be queued: take them now, so the block can be assembled from them.
            while let Some(Some(v)) = pending
                .as_mut()
                .and_then(|s| futures_util::FutureExt::now_or_never(s.next()))
            {
                self.on_pending_item(v, &mut lookups, p).await;
            }
            match self.step(p, announced).await {
                Ok(true) => {}
                Ok(false) => {
                    // More blocks to catch up on, or a reorg: the node says where the head is.
                    announced = None;
                    continue;
                }
                Err(e) => return e,
            }
            if *shutdown.borrow() {
                return Error::Internal("shutting down".into());
            }
            // Wait for the next head (subscription, or the poll interval), handling mempool
            // transactions as they come.
            let wait = if heads.is_some() {
                self.timing.poll * 20
            } else {
                self.timing.poll
            };
            let deadline = tokio::time::sleep(wait);
            tokio::pin!(deadline);
            announced = None;
            loop {
                tokio::select! {
                    biased;
                    _ = shutdown.changed() => break,
                    next = async { heads.as_mut()?.next().await }, if heads.is_some() => {
                        let Some(header) = next else {
                            return Error::Internal("the head subscription ended".into());
                        };
                        // Heads queued while the step ran: the newest counts.
                        let mut newest = header.number;
                        while let Some(Some(h)) = heads
                            .as_mut()
                            .and_then(|s| futures_util::FutureExt::now_or_never(s.next()))
                        {
                            newest = newest.max(h.number);
                        }
                        announced = Some(newest);
                        break;
                    }
                    _ = &mut deadline => break,
                    // A sale waits for its address to be screened: a step screens.
                    _ = screen_wanted.notified() => break,
                    found = lookups.next(), if !lookups.is_empty() => {
                        if let Some(tx) = found {
                            self.on_pending_tx(&tx).await;
                        }
                    }
                    item = async { pending.as_mut()?.next().await }, if pending.is_some() => match item {
                        Some(v) => self.on_pending_item(v, &mut lookups, p).await,
                        None => pending = None,
                    },
                }
            }
        }
    }

    /// One notification of the pending-transaction subscription: a whole transaction (kept for
    /// assembling blocks, and checked for payments) or a hash to look up within the budget.
    async fn on_pending_item(
        &mut self,
        v: serde_json::Value,
        lookups: &mut mempool::Lookups,
        p: &DynProvider,
    ) {
        match mempool::Item::parse(v) {
            Some(mempool::Item::Full(tx)) => {
                self.seen_txs.insert(&tx);
                self.on_pending_tx(&tx).await;
            }
            Some(mempool::Item::Hash(h)) => lookups.push(p, h),
            None => {}
        }
    }

    /// A transaction entered the mempool: if it pays a session, the session is `detected` now.
    /// Failures are logged only: the block scan finds the payment at inclusion anyway.
    async fn on_pending_tx(&mut self, tx: &alloy::rpc::types::Transaction) {
        if let Err(e) = self.record_pending(tx).await {
            tracing::debug!(error = %e, "pending transaction not handled");
        }
    }

    async fn record_pending(&mut self, tx: &alloy::rpc::types::Transaction) -> Result<()> {
        if tx.block_number.is_some() {
            return Ok(()); // already mined; the block scan has it
        }
        let mut found = scan::pending_payment(tx, &self.watched, &self.network);
        // Perhaps a session created since the last reload (see WATCHED_REFRESH).
        let stale = *self.changes.borrow() != self.watched_version
            || self
                .watched_at
                .is_none_or(|t| t.elapsed() >= WATCHED_REFRESH);
        if found.is_none() && stale {
            self.refresh_watched().await?;
            found = scan::pending_payment(tx, &self.watched, &self.network);
        }
        let Some(payment) = found else {
            return Ok(());
        };
        if apply::record_pending(&self.svc, &payment).await? {
            let head = apply::checkpoint(&self.svc, self.network.id())
                .await?
                .map(|(b, _)| b);
            apply::apply_settlement(&self.svc, &payment.session_id, head).await?;
        }
        Ok(())
    }

    async fn refresh_watched(&mut self) -> Result<()> {
        self.watched_at = Some(std::time::Instant::now());
        self.watched_version = *self.changes.borrow_and_update();
        let rows: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
            // `+network_id` keeps the planner on the rowid range: new sessions only, not all of them.
            "SELECT seq, id, address, asset_contract FROM checkout_sessions WHERE seq > ? AND +network_id = ? ORDER BY seq",
        )
        .bind(self.watched_seq)
        .bind(self.network.id())
        .fetch_all(self.svc.pool())
        .await?;
        for (seq, id, address, contract) in rows {
            self.watched_seq = seq;
            let (Ok(addr), contract) = (
                address.parse::<Address>(),
                contract.and_then(|c| c.parse::<Address>().ok()),
            ) else {
                continue;
            };
            self.watched.insert(
                addr,
                Watched {
                    session_id: id,
                    contract,
                },
            );
        }
        Ok(())
    }

    /// Processes up to `BATCH` new blocks and re-settles sessions. Returns whether it caught up.
    /// `announced` is the head number a subscription just gave (else the node is asked).
    async fn step(&mut self, p: &DynProvider, announced: Option<u64>) -> Result<bool> {
        let rpc =
            |e: alloy::transports::TransportError| Error::Internal(format!("RPC failed: {e}"));
        self.refresh_watched().await?;
        // An announced head below the one last seen is stale or from a reorg: ask the node.
        let head = match announced.filter(|n| self.last_head.is_none_or(|last| *n >= last)) {
            Some(n) => n,
            None => p.get_block_number().await.map_err(rpc)?,
        };
        self.last_head = Some(head);
        let id = self.network.id().to_string();
        let (mut next, mut parent) = match apply::checkpoint(&self.svc, &id).await? {
            Some((b, h)) => (b + 1, Some(h)),
            None => (head.saturating_sub(FIRST_START_LOOKBACK), None),
        };
        let last = head.min(next.saturating_add(BATCH - 1));
        let mut touched = Vec::new();
        let mempool = apply::mempool(&self.svc, &id).await?;
        while next <= last {
            let block = self.block(p, next).await?;
            let hash = format!("{:#x}", block.header.hash);
            if let Some(expected) = &parent {
                if format!("{:#x}", block.header.parent_hash) != *expected {
                    self.reorg(p, next - 1, head).await?;
                    return Ok(false);
                }
            }
            let found = scan::payments_in(p, &block, &self.watched, &self.network).await?;
            let gone = scan::gone_in(&block, &mempool, &found);
            let at = apply::BlockRef {
                number: next,
                hash: &hash,
                timestamp_ms: i64::try_from(block.header.timestamp)
                    .unwrap_or(i64::MAX / 1000)
                    .saturating_mul(1000),
            };
            touched.extend(apply::record_block(&self.svc, &id, at, head, &found, &gone).await?);
            parent = Some(hash);
            next += 1;
        }
        // A reconciliation round (hundreds of balance calls) runs beside the head loop, so it
        // holds up neither blocks nor the mempool; what it found is settled by the first step
        // after it ends (its payments are flagged `needs_settle` anyway), and its failure is the
        // node's failure, as when it ran here.
        if let Some(round) = self.reconciling.take_if(|r| r.is_finished()) {
            let (found, calls) = round
                .await
                .map_err(|e| Error::Internal(format!("balance reconciliation stopped: {e}")))??;
            tracing::debug!(network = %id, balance_calls = calls, found = found.len(), "balances reconciled");
            touched.extend(found);
        }
        // A session at its deadline is searched at once (expiry waits for the search).
        if last >= head
            && self.reconciling.is_none()
            && (self
                .last_reconcile
                .is_none_or(|t| t.elapsed() >= self.timing.reconcile_every)
                || apply::awaiting_search(&self.svc, &id).await?)
        {
            self.last_reconcile = Some(std::time::Instant::now());
            let (svc, p, network) = (self.svc.clone(), p.clone(), id.clone());
            // The time of block `last`, read now: the next step may record newer blocks.
            let upto_time = apply::last_block_time(&self.svc, &id).await?;
            self.reconciling = Some(tokio::spawn(async move {
                reconcile::run(&svc, &p, &network, last, upto_time).await
            }));
        }
        touched.extend(self.drop_unknown(p).await?);
        if last >= head {
            screen::run(&self.svc, p, &id).await?;
        }
        self.settle(p, head, touched).await?;
        // Expiry follows the chain: sessions expire by the time of the blocks processed.
        apply::expire_due(&self.svc, &id, head).await?;
        apply::set_head(&self.svc, &id, head).await?;
        let processed = last.min(head);
        self.report(|s| {
            s.head = Some(head);
            s.processed = Some(processed);
            s.lag = Some(head.saturating_sub(processed));
            s.connected = true;
            s.error = None;
        });
        Ok(last >= head)
    }

    /// Block `number` with its transactions: assembled from the hashes and the mempool
    /// transactions already seen when at most a few are missing (those are fetched one by one),
    /// else fetched whole.
    async fn block(&self, p: &DynProvider, number: u64) -> Result<alloy::rpc::types::Block> {
        use alloy::rpc::types::BlockTransactions;
        let rpc =
            |e: alloy::transports::TransportError| Error::Internal(format!("RPC failed: {e}"));
        let missing_block = || Error::Internal(format!("the node has no block {number} yet"));
        let full = || async {
            let raw: Option<serde_json::Value> = p
                .raw_request(
                    "eth_getBlockByNumber".into(),
                    (BlockNumberOrTag::Number(number), true),
                )
                .await
                .map_err(rpc)?;
            scan::block_of(raw.ok_or_else(missing_block)?)
        };
        if self.seen_txs.is_empty() {
            return full().await;
        }
        let mut block = p
            .get_block_by_number(BlockNumberOrTag::Number(number))
            .await
            .map_err(rpc)?
            .ok_or_else(missing_block)?;
        let hashes: Vec<B256> = block.transactions.hashes().collect();
        let missing = hashes
            .iter()
            .filter(|h| self.seen_txs.get(h).is_none())
            .count();
        if missing > MISSING_TXS_FETCHED {
            return full().await;
        }
        let fetched = futures_util::future::try_join_all(
            hashes
                .iter()
                .filter(|h| self.seen_txs.get(h).is_none())
                .map(|h| async move {
                    let raw: Option<serde_json::Value> = p
                        .raw_request("eth_getTransactionByHash".into(), (*h,))
                        .await?;
                    Ok::<_, alloy::transports::TransportError>(raw.map(scan::transaction_of))
                }),
        )
        .await
        .map_err(rpc)?;
        let mut fetched = fetched.into_iter();
        let mut txs = Vec::with_capacity(hashes.len());
        for h in &hashes {
            match self.seen_txs.get(h) {
                Some(tx) => txs.push(tx.clone()),
                None => match fetched.next().flatten() {
                    Some(Some(tx)) => txs.push(tx),
                    // A type this node's chain adds (see `scan::transaction_of`).
                    Some(None) => {}
                    // Gone again (a reorg under way): the whole block tells the truth.
                    None => return full().await,
                },
            }
        }
        block.transactions = BlockTransactions::Full(txs);
        Ok(block)
    }

    /// Re-settles the sessions that may have changed; before a session becomes paid, its
    /// payments' blocks are re-checked against the canonical chain.
    async fn settle(&mut self, p: &DynProvider, head: u64, mut ids: Vec<String>) -> Result<()> {
        ids.extend(apply::open_sessions(&self.svc, self.network.id()).await?);
        ids.sort();
        ids.dedup();
        for id in ids {
            let Some(plan) = apply::plan(&self.svc, &id, Some(head)).await? else {
                continue;
            };
            if plan.to.is_paid() && !plan.from.is_paid() {
                for (number, hash) in &plan.counted_blocks {
                    if canonical_hash(p, *number).await?.as_deref() != Some(hash.as_str()) {
                        self.reorg(p, number.saturating_sub(1), head).await?;
                        return Ok(());
                    }
                }
            }
            apply::apply_settlement(&self.svc, &id, Some(head)).await?;
        }
        Ok(())
    }

    /// Mempool payments of sessions past their deadline that the node no longer knows (dropped
    /// from its mempool), or knows mined in a block already processed (the block's verdict
    /// stands: a payment it made is on its own row), are removed (SPEC §4). Returns the sessions
    /// that lost one.
    async fn drop_unknown(&self, p: &DynProvider) -> Result<Vec<String>> {
        let overdue = apply::overdue_mempool(&self.svc, self.network.id()).await?;
        if overdue.is_empty() {
            return Ok(vec![]);
        }
        let processed = apply::checkpoint(&self.svc, self.network.id())
            .await?
            .map_or(0, |(b, _)| b);
        let mut gone = Vec::new();
        for r in overdue {
            let raw: Option<serde_json::Value> = p
                .raw_request("eth_getTransactionByHash".into(), (r.tx_hash.clone(),))
                .await
                .map_err(|e| Error::Internal(format!("RPC failed: {e}")))?;
            let mined_at = raw
                .as_ref()
                .and_then(|t| t.get("blockNumber"))
                .and_then(|b| b.as_str())
                .and_then(|b| u64::from_str_radix(b.trim_start_matches("0x"), 16).ok());
            match (raw.is_some(), mined_at) {
                (false, _) => gone.push(r),
                (true, Some(b)) if b <= processed => gone.push(apply::GoneFromMempool {
                    why: apply::Gone::Failed,
                    ..r
                }),
                _ => {} // still in the node's mempool, or in a block yet to be processed
            }
        }
        apply::drop_mempool(&self.svc, &gone).await
    }

    /// Stops the reconciliation round under way, if any; returns whether there was one.
    fn stop_reconciling(&mut self) -> bool {
        match self.reconciling.take() {
            Some(round) => {
                round.abort();
                true
            }
            None => false,
        }
    }

    /// Walks back from `from` to the newest block whose stored hash is still canonical, forgets
    /// everything above it and re-settles the sessions that lost payments.
    async fn reorg(&mut self, p: &DynProvider, from: u64, head: u64) -> Result<()> {
        // A round under way may be reading blocks that are leaving the chain: start over.
        if self.stop_reconciling() {
            self.last_reconcile = None;
        }
        let id = self.network.id().to_string();
        let mut n = from;
        let fork_hash = loop {
            let canonical = canonical_hash(p, n).await?;
            let stored = apply::stored_hash(&self.svc, &id, n).await?;
            match (stored, canonical) {
                (Some(s), Some(c)) if s == c => break c,
                (None, Some(c)) => break c, // beyond the kept window: trust the node from here
                _ if n == 0 => break canonical_hash(p, 0).await?.unwrap_or_default(),
                _ => n -= 1,
            }
        };
        tracing::warn!(network = %id, fork_point = n, "chain reorganisation detected");
        let touched = apply::orphan_after(&self.svc, &id, n, &fork_hash).await?;
        for s in touched {
            apply::apply_settlement(&self.svc, &s, Some(head)).await?;
        }
        Ok(())
    }
}

async fn canonical_hash(p: &DynProvider, number: u64) -> Result<Option<String>> {
    Ok(p.get_block_by_number(BlockNumberOrTag::Number(number))
        .await
        .map_err(|e| Error::Internal(format!("RPC failed: {e}")))?
        .map(|b| format!("{:#x}", b.header.hash)))
}

/// Starts a watcher for every configured network; they stop when `shutdown` turns true.
pub fn spawn_all(
    svc: &Service,
    timing: Timing,
    shutdown: watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    svc.config()
        .networks
        .iter()
        .map(|n| tokio::spawn(Watcher::new(svc.clone(), n.clone(), timing).run(shutdown.clone())))
        .collect()
}
