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

/// Clean indexes kept screened ahead of allocation on each network.
pub const AHEAD: u32 = 20;
/// Most indexes checked in one round (a phrase with a long history is screened over rounds).
const MAX_PER_ROUND: u32 = 100;
/// Checks in flight at once.
const CONCURRENCY: usize = 8;

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
    Ok(checked)
}
