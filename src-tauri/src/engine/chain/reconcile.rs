//! Balance reconciliation: native coin that reaches a session address through a contract call
//! (an internal transfer) appears in no block's transaction list. Every so often the watcher
//! compares each recent native session's balance with what its recorded payments explain; an
//! unexplained rise is located by binary search over block heights, attributed to a transaction
//! with the node's call tracer where it has one, and recorded like any other payment.
//!
//! A round checks at most [`BATCH`] sessions, the stalest first, 16 balances at a time: one
//! `eth_getBalance` each (reported separately from the per-block calls), plus a few lookups only
//! when money actually arrived this way. With more sessions than a batch, each is re-checked
//! every few rounds instead of every round. It assumes no
//! funds leave a session address inside the window (the engine is watch-only).

use crate::engine::checkout::apply::{self, PaymentSeen};
use crate::engine::money::parse_atomic;
use crate::engine::{Error, Result, Service};
use alloy::eips::{BlockId, BlockNumberOrTag};
use alloy::providers::{DynProvider, Provider};
use alloy_primitives::{Address, U256};
use futures_util::StreamExt;

/// Sessions younger than this are reconciled (state it in the README).
pub const WINDOW_DAYS: i64 = 7;
/// Most sessions reconciled per round (the stalest first).
pub const BATCH: usize = 500;
/// Balance checks in flight at once.
const CONCURRENCY: usize = 16;
/// Most internal payments located for one address in one round.
const MAX_FINDS: usize = 16;

fn rpc(e: alloy::transports::TransportError) -> Error {
    Error::Internal(format!("RPC failed: {e}"))
}

async fn balance(p: &DynProvider, addr: Address, block: u64) -> Result<U256> {
    p.get_balance(addr)
        .block_id(BlockId::number(block))
        .await
        .map_err(rpc)
}

/// Sum of the session's recorded mined payments up to `block`.
async fn known(svc: &Service, session: &str, block: u64) -> Result<U256> {
    let amounts: Vec<String> = sqlx::query_scalar(
        "SELECT amount_atomic FROM payments WHERE session_id = ? AND block_number IS NOT NULL AND block_number <= ?",
    )
    .bind(session)
    .bind(block as i64)
    .fetch_all(svc.pool())
    .await?;
    amounts.iter().try_fold(
        U256::ZERO,
        |sum, a| Ok(sum.saturating_add(parse_atomic(a)?)),
    )
}

/// Unexplained funds at `block`: balance minus recorded payments (never negative).
async fn unexplained(
    svc: &Service,
    p: &DynProvider,
    session: &str,
    addr: Address,
    block: u64,
) -> Result<U256> {
    Ok(balance(p, addr, block)
        .await?
        .saturating_sub(known(svc, session, block).await?))
}

/// One round over the recent native sessions of `network_id`, up to block `upto`.
/// Returns the sessions that gained payments.
pub async fn run(
    svc: &Service,
    p: &DynProvider,
    network_id: &str,
    upto: u64,
) -> Result<(Vec<String>, usize)> {
    let since = (svc.now() - chrono::Duration::days(WINDOW_DAYS)).timestamp_millis();
    // The stalest sessions first, a bounded batch per round: the cost is amortised over rounds.
    let rows: Vec<(String, String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT id, address, reconciled_block, watch_from_block FROM checkout_sessions \
         WHERE network_id = ? AND asset_contract IS NULL AND created_at >= ? \
         AND (reconciled_block IS NULL OR reconciled_block < ?) \
         ORDER BY COALESCE(reconciled_block, -1), seq LIMIT ?",
    )
    .bind(network_id)
    .bind(since)
    .bind(upto as i64)
    .bind(BATCH as i64)
    .fetch_all(svc.pool())
    .await?;
    let calls = rows.len();
    // The common case, a balance fully explained, is checked concurrently.
    let checks = futures_util::stream::iter(rows.into_iter().map(
        |(id, address, reconciled, from)| async move {
            let addr = address.parse::<Address>().ok()?;
            let clean = unexplained(svc, p, &id, addr, upto)
                .await
                .map(|u| u.is_zero());
            Some((id, addr, reconciled, from, clean))
        },
    ))
    .buffer_unordered(CONCURRENCY)
    .collect::<Vec<_>>()
    .await;
    let mut touched = Vec::new();
    let mut clean_ids = Vec::new();
    let mut suspects = Vec::new();
    for (id, addr, reconciled, from, clean) in checks.into_iter().flatten() {
        if clean? {
            clean_ids.push(id);
        } else {
            suspects.push((id, addr, reconciled, from));
        }
    }
    mark_all(svc, &clean_ids, upto).await?;
    for (id, addr, reconciled, from) in suspects {
        let mut lo = reconciled.or(from).map_or(0, |b| b.max(0) as u64).min(upto);
        for _ in 0..MAX_FINDS {
            let base = unexplained(svc, p, &id, addr, lo).await?;
            if unexplained(svc, p, &id, addr, upto).await? <= base {
                break;
            }
            // The first block after `lo` where the unexplained amount rises.
            let (mut a, mut b) = (lo, upto);
            while b - a > 1 {
                let mid = a + (b - a) / 2;
                if unexplained(svc, p, &id, addr, mid).await? > base {
                    b = mid;
                } else {
                    a = mid;
                }
            }
            let amount = unexplained(svc, p, &id, addr, b)
                .await?
                .saturating_sub(unexplained(svc, p, &id, addr, b - 1).await?);
            record_internal(svc, p, network_id, &id, addr, b, amount).await?;
            touched.push(id.clone());
            lo = b;
        }
        mark_all(svc, std::slice::from_ref(&id), upto).await?;
    }
    touched.dedup();
    Ok((touched, calls))
}

async fn mark_all(svc: &Service, ids: &[String], block: u64) -> Result<()> {
    let mut tx = svc.begin_write().await?;
    for id in ids {
        sqlx::query("UPDATE checkout_sessions SET reconciled_block = ? WHERE id = ?")
            .bind(block as i64)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Records `amount` arriving at `addr` in block `number`, attributed to the transactions whose
/// call trace sends it there (or to the block itself when the node cannot trace).
async fn record_internal(
    svc: &Service,
    p: &DynProvider,
    network_id: &str,
    session: &str,
    addr: Address,
    number: u64,
    amount: U256,
) -> Result<()> {
    let block = p
        .get_block_by_number(BlockNumberOrTag::Number(number))
        .await
        .map_err(rpc)?
        .ok_or_else(|| Error::Internal(format!("the node has no block {number}")))?;
    let hash = format!("{:#x}", block.header.hash);
    let ts_ms = i64::try_from(block.header.timestamp)
        .unwrap_or(0)
        .saturating_mul(1000);
    let native = svc
        .config()
        .network(network_id)
        .map(super::scan::native_asset)
        .ok_or_else(|| Error::Internal(format!("network `{network_id}` is not configured")))?;
    let mut found = Vec::new();
    for tx in block.transactions.hashes() {
        let trace: std::result::Result<serde_json::Value, _> = p
            .raw_request(
                "debug_traceTransaction".into(),
                (tx, serde_json::json!({"tracer": "callTracer"})),
            )
            .await;
        let Ok(trace) = trace else { break }; // no debug API: fall back below
        let mut paid = U256::ZERO;
        let mut from = None;
        collect(&trace, addr, 0, &mut paid, &mut from);
        if !paid.is_zero() {
            found.push(PaymentSeen {
                session_id: session.to_string(),
                tx_hash: format!("{tx:#x}"),
                log_index: None,
                from: from.unwrap_or_default(),
                nonce: None,
                asset: native.clone(),
                block_number: number,
                block_hash: hash.clone(),
                block_timestamp_ms: ts_ms,
                amount: paid,
            });
        }
    }
    let traced: U256 = found
        .iter()
        .fold(U256::ZERO, |s, f| s.saturating_add(f.amount));
    if traced != amount {
        tracing::warn!(session, block = number, "internal transfer could not be traced to a transaction; recording it against the block");
        found = vec![PaymentSeen {
            session_id: session.to_string(),
            tx_hash: hash.clone(),
            log_index: None,
            from: String::new(),
            nonce: None,
            asset: native,
            block_number: number,
            block_hash: hash.clone(),
            block_timestamp_ms: ts_ms,
            amount,
        }];
    }
    tracing::info!(session, block = number, amount = %amount, "internal transfer found by balance reconciliation");
    apply::record_payments(svc, &found).await
}

/// Sums value sent to `addr` by internal calls (depth > 0) of a callTracer frame.
fn collect(
    frame: &serde_json::Value,
    addr: Address,
    depth: usize,
    paid: &mut U256,
    from: &mut Option<String>,
) {
    let to = frame["to"].as_str().and_then(|t| t.parse::<Address>().ok());
    let value = frame["value"]
        .as_str()
        .and_then(|v| U256::from_str_radix(v.trim_start_matches("0x"), 16).ok())
        .unwrap_or_default();
    if depth > 0 && to == Some(addr) && !value.is_zero() && frame["error"].is_null() {
        *paid = paid.saturating_add(value);
        if from.is_none() {
            *from = frame["from"]
                .as_str()
                .and_then(|f| f.parse::<Address>().ok())
                .map(|a| a.to_checksum(None));
        }
    }
    if let Some(calls) = frame["calls"].as_array() {
        for c in calls {
            collect(c, addr, depth + 1, paid, from);
        }
    }
}
