//! Screening addresses before they are handed out: an owner who imports a phrase already used
//! elsewhere (a MetaMask phrase: MetaMask derives on the same `m/44'/60'/0'/0/i` path) would
//! otherwise hand out addresses that hold money, and those funds would count as a sale's payment.
//! Each network's watcher checks the indexes ahead of allocation, as a wallet's gap scan does:
//! native balance and nonce at the head. An index with either non-zero is recorded as used, and
//! allocation skips it ([`crate::engine::wallet::allocate_addresses`]); a clean one is recorded
//! with its balance, the session's starting balance.

use crate::engine::{wallet, Error, Result, Service};
use alloy::providers::{DynProvider, Provider};
use futures_util::StreamExt;
use std::time::Duration;

/// Clean indexes kept screened ahead of allocation on each network.
pub const AHEAD: u32 = 20;
/// Most indexes checked in one round (a phrase with a long history is screened over rounds).
const MAX_PER_ROUND: u32 = 100;
/// Checks in flight at once.
const CONCURRENCY: usize = 8;
/// How long a new sale waits for its network's watcher to screen the next address.
const SCREEN_WAIT: Duration = Duration::from_secs(2);

/// Clean screened indexes of `network_id` not yet handed out.
async fn clean_ahead(svc: &Service, network_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM address_screens s, wallet w WHERE w.id = 1 AND s.network_id = ? \
         AND s.used = 0 AND s.address_index >= w.next_index",
    )
    .bind(network_id)
    .fetch_one(svc.pool())
    .await?)
}

/// Before a session on `network_id` takes an address: when none ahead is screened and the
/// network's watcher is connected, asks it to screen now and waits for it (at most
/// [`SCREEN_WAIT`]). With no node answering the sale goes ahead; its starting balance is then
/// read by reconciliation instead.
pub async fn await_screened(svc: &Service, network_id: &str) -> Result<()> {
    let connected = || {
        svc.chain_status()
            .iter()
            .any(|c| c.network == network_id && c.connected)
    };
    if !connected() || clean_ahead(svc, network_id).await? > 0 {
        return Ok(());
    }
    let mut screened = svc.screened().subscribe();
    let deadline = tokio::time::Instant::now() + SCREEN_WAIT;
    loop {
        svc.screen_wanted().notify_waiters();
        let _ = tokio::time::timeout_at(
            deadline.min(tokio::time::Instant::now() + Duration::from_millis(200)),
            screened.changed(),
        )
        .await;
        if clean_ahead(svc, network_id).await? > 0 {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline || !connected() {
            tracing::warn!(network = network_id, "no address screened in time; this sale's address is checked by reconciliation instead");
            return Ok(());
        }
    }
}

/// Screens the indexes ahead of allocation that this network has not seen yet; returns how
/// many were checked.
pub async fn run(svc: &Service, p: &DynProvider, network_id: &str) -> Result<usize> {
    let Some((next, chain)) = wallet::lookahead(svc.pool()).await? else {
        return Ok(0);
    };
    let screened: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT address_index, used FROM address_screens WHERE network_id = ? AND address_index >= ? \
         ORDER BY address_index",
    )
    .bind(network_id)
    .bind(i64::from(next))
    .fetch_all(svc.pool())
    .await?;
    let clean = screened.iter().filter(|(_, used)| *used == 0).count() as u32;
    if clean >= AHEAD {
        return Ok(0);
    }
    let known: std::collections::HashSet<i64> = screened.iter().map(|(i, _)| *i).collect();
    let todo: Vec<u32> = (next..next.saturating_add(MAX_PER_ROUND))
        .filter(|i| !known.contains(&i64::from(*i)))
        .take((AHEAD - clean) as usize)
        .collect();
    let rpc = |e: alloy::transports::TransportError| Error::Internal(format!("RPC failed: {e}"));
    let checks = futures_util::stream::iter(todo.into_iter().map(|index| {
        let address = chain.address(index);
        async move {
            let address = address?;
            let (balance, nonce) =
                tokio::try_join!(async { p.get_balance(address).await.map_err(rpc) }, async {
                    p.get_transaction_count(address).await.map_err(rpc)
                },)?;
            Ok::<_, Error>((index, balance, nonce))
        }
    }))
    .buffer_unordered(CONCURRENCY)
    .collect::<Vec<_>>()
    .await;
    let now = svc.now().timestamp_millis();
    let mut tx = svc.begin_write().await?;
    let mut checked = 0;
    for check in checks {
        let (index, balance, nonce) = check?;
        let used = !balance.is_zero() || nonce > 0;
        if used {
            tracing::warn!(network = network_id, index, "this wallet's address has history on chain (a phrase used elsewhere?): it will not be handed out");
        }
        sqlx::query(
            "INSERT OR IGNORE INTO address_screens (address_index, network_id, used, balance, screened_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(i64::from(index))
        .bind(network_id)
        .bind(used)
        .bind(balance.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        checked += 1;
    }
    tx.commit().await?;
    svc.screened().send_modify(|n| *n = n.wrapping_add(1));
    Ok(checked)
}
