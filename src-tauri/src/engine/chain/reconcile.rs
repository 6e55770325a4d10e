//! Balance reconciliation: native coin that reaches a session address through a contract call
//! (an internal transfer) appears in no block's transaction list. Every so often the watcher
//! compares each recent session's native balance (token sessions too: native coin sent to them is
//! recorded, in its own asset) with what its recorded native payments explain; an unexplained rise
//! is located by binary search over block heights, attributed to a transaction with the node's
//! call tracer where it has one, and recorded like any other payment.
//!
//! Non-archive nodes keep state for only their last ~128 blocks. A block whose state is gone
//! (see [`rpc_error`]) narrows the search instead of failing it: a rise that happened before the
//! oldest kept state is recorded at the first block whose balance shows it, against the range it
//! is known to lie in, with the block's hash for its (unknown) transaction. Missing state is never
//! an error here, so it never makes the watcher leave the node.
//!
//! A round checks at most [`BATCH`] sessions, the stalest first, 16 balances at a time: one
//! `eth_getBalance` each (reported separately from the per-block calls), plus a few lookups only
//! when money actually arrived this way. With more sessions than a batch, each is re-checked
//! every few rounds instead of every round. It assumes no
//! funds leave a session address inside the window (the engine is watch-only).

use super::rpc_error;
use crate::engine::config::NativeAsset;
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

/// Sum of the session's recorded mined native payments up to `block` (a row without an asset,
/// from before assets were recorded, is in its session's asset).
async fn known(svc: &Service, session: &str, block: u64) -> Result<U256> {
    let amounts: Vec<String> = sqlx::query_scalar(
        "SELECT p.amount_atomic FROM payments p JOIN checkout_sessions s ON s.id = p.session_id \
         WHERE p.session_id = ? AND p.block_number IS NOT NULL AND p.block_number <= ? \
         AND p.asset_contract IS NULL AND (p.asset_symbol IS NOT NULL OR s.asset_contract IS NULL)",
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

/// A session to reconcile: id, address, reconciled block, watched-from block, starting balance.
type Candidate = (String, String, Option<i64>, Option<i64>, Option<String>);

/// One session's address, as reconciliation sees it.
struct Account<'a> {
    svc: &'a Service,
    p: &'a DynProvider,
    session: &'a str,
    addr: Address,
    /// Its balance when watching began: never a payment.
    start: U256,
}

impl Account<'_> {
    /// Native funds at `block` that no recorded payment explains (never negative), or `None`
    /// where the node no longer keeps that block's state.
    async fn unexplained(&self, block: u64) -> Result<Option<U256>> {
        let balance = match self
            .p
            .get_balance(self.addr)
            .block_id(BlockId::number(block))
            .await
        {
            Ok(b) => b,
            Err(e) if rpc_error::is_missing_state(&e) => return Ok(None),
            Err(e) => return Err(rpc(e)),
        };
        let known = known(self.svc, self.session, block).await?;
        Ok(Some(
            balance.saturating_sub(known).saturating_sub(self.start),
        ))
    }
}

/// An unexplained rise of `amount`, known to lie in blocks `(after, block]`: exactly in `block`
/// when `after` is `block - 1`.
struct Rise {
    after: u64,
    block: u64,
    amount: U256,
}

/// The first unexplained rise after block `lo`, where `top` is the unexplained amount at `upto`;
/// `None` when there is none.
async fn next_rise(acct: &Account<'_>, lo: u64, upto: u64, top: U256) -> Result<Option<Rise>> {
    // Where the node no longer keeps `lo`'s state, the previous round (or the session's
    // creation, on a fresh address) vouches that nothing was unexplained there.
    let base = acct.unexplained(lo).await?.unwrap_or(U256::ZERO);
    if top <= base {
        return Ok(None);
    }
    // `proven`: the newest block known to be without the rise. A block whose state is gone lies
    // below those the node keeps, so the search moves past it without counting it as proof.
    let (mut proven, mut proven_value) = (lo, base);
    let (mut a, mut b, mut b_value) = (lo, upto, top);
    while b - a > 1 {
        let mid = a + (b - a) / 2;
        match acct.unexplained(mid).await? {
            Some(u) if u > base => (b, b_value) = (mid, u),
            Some(u) => (a, proven, proven_value) = (mid, mid, u),
            None => a = mid,
        }
    }
    Ok(Some(Rise {
        after: proven,
        block: b,
        amount: b_value.saturating_sub(proven_value),
    }))
}

/// One round over the recent sessions of `network_id` (and every one that can still change),
/// up to block `upto`, timestamped `upto_time` (ms): a session's expiry waits until a round has
/// covered its deadline. Sessions at their deadline go first.
/// Returns the sessions that gained payments, and the balance checks made.
pub async fn run(
    svc: &Service,
    p: &DynProvider,
    network_id: &str,
    upto: u64,
    upto_time: Option<i64>,
) -> Result<(Vec<String>, usize)> {
    let native = svc
        .config()
        .networks
        .iter()
        .find(|n| n.id() == network_id)
        .map(|n| n.native.clone())
        .ok_or_else(|| Error::Internal(format!("network `{network_id}` is not configured")))?;
    let since = (svc.now() - chrono::Duration::days(WINDOW_DAYS)).timestamp_millis();
    // The stalest sessions first, a bounded batch per round: the cost is amortised over rounds.
    let rows: Vec<Candidate> = sqlx::query_as(
        "SELECT id, address, reconciled_block, watch_from_block, start_balance FROM checkout_sessions \
         WHERE network_id = ?1 AND (created_at >= ?2 OR status IN ('pending', 'detected', 'underpaid')) \
         AND (reconciled_block IS NULL OR reconciled_block < ?3) \
         ORDER BY (status IN ('pending', 'detected', 'underpaid') AND expires_at <= ?4) DESC, \
         COALESCE(reconciled_block, -1), seq LIMIT ?5",
    )
    .bind(network_id)
    .bind(since)
    .bind(upto as i64)
    .bind(upto_time.unwrap_or(i64::MIN))
    .bind(BATCH as i64)
    .fetch_all(svc.pool())
    .await?;
    let calls = rows.len();
    // The common case, a balance fully explained, is checked concurrently.
    let checks = futures_util::stream::iter(rows.into_iter().map(
        |(id, address, reconciled, from, start)| async move {
            let addr = address.parse::<Address>().ok()?;
            let start = match start {
                Some(s) => parse_atomic(&s),
                None => start_balance(svc, p, &id, addr, from).await,
            };
            let start = match start {
                Ok(s) => s,
                Err(e) => return Some((id, addr, reconciled, from, U256::ZERO, Err(e))),
            };
            let acct = Account {
                svc,
                p,
                session: &id,
                addr,
                start,
            };
            let top = acct.unexplained(upto).await;
            Some((id, addr, reconciled, from, start, top))
        },
    ))
    .buffer_unordered(CONCURRENCY)
    .collect::<Vec<_>>()
    .await;
    let mut touched = Vec::new();
    let mut clean_ids = Vec::new();
    let mut suspects = Vec::new();
    for (id, addr, reconciled, from, start, top) in checks.into_iter().flatten() {
        match top? {
            Some(t) if t.is_zero() => clean_ids.push(id),
            Some(_) => suspects.push((id, addr, reconciled, from, start)),
            None => {} // not even the newest state: left for a later round
        }
    }
    mark_all(svc, &clean_ids, upto, upto_time).await?;
    for (id, addr, reconciled, from, start) in suspects {
        let acct = Account {
            svc,
            p,
            session: &id,
            addr,
            start,
        };
        let mut lo = reconciled.or(from).map_or(0, |b| b.max(0) as u64).min(upto);
        let mut complete = true;
        for _ in 0..MAX_FINDS {
            let Some(top) = acct.unexplained(upto).await? else {
                complete = false;
                break;
            };
            let Some(rise) = next_rise(&acct, lo, upto, top).await? else {
                break;
            };
            record(&acct, &native, &rise).await?;
            touched.push(id.clone());
            lo = rise.block;
        }
        if complete {
            mark_all(svc, std::slice::from_ref(&id), upto, upto_time).await?;
        }
    }
    touched.dedup();
    Ok((touched, calls))
}

/// The native balance of a session address when watching began (the block the session was
/// created at), recorded once; a session whose address was screened before it was handed out
/// has it already. Where the node no longer keeps that block's state it cannot be known: 0, and
/// said so (screening ahead keeps this rare).
async fn start_balance(
    svc: &Service,
    p: &DynProvider,
    session: &str,
    addr: Address,
    from: Option<i64>,
) -> Result<U256> {
    let start = match from.and_then(|b| u64::try_from(b).ok()) {
        Some(block) => match p.get_balance(addr).block_id(BlockId::number(block)).await {
            Ok(b) => b,
            Err(e) if rpc_error::is_missing_state(&e) => {
                tracing::warn!(session, block, "the balance this session's address had when it was created is no longer known to the node; counting from 0");
                U256::ZERO
            }
            Err(e) => return Err(rpc(e)),
        },
        None => U256::ZERO,
    };
    svc.write_one(
        sqlx::query("UPDATE checkout_sessions SET start_balance = ? WHERE id = ?")
            .bind(start.to_string())
            .bind(session),
    )
    .await?;
    Ok(start)
}

async fn mark_all(svc: &Service, ids: &[String], block: u64, time: Option<i64>) -> Result<()> {
    let mut tx = svc.begin_write().await?;
    for id in ids {
        sqlx::query(
            "UPDATE checkout_sessions SET reconciled_block = ?, reconciled_time = ? WHERE id = ?",
        )
        .bind(block as i64)
        .bind(time)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A native payment located by reconciliation.
struct Arrival {
    /// The transaction; the block's hash when it is unknown.
    tx_hash: String,
    /// The sending contract; empty when unknown.
    from: String,
    amount: U256,
    /// `Some(after)` when the transaction is unknown: it arrived in blocks `(after, block]`.
    after: Option<u64>,
}

/// Records `rise` on the session in the network's native coin, attributed to the transactions
/// whose call trace sends it there when it is known to lie in one block and the node can trace
/// it, otherwise to the first block that shows it (its transaction unknown).
async fn record(acct: &Account<'_>, native: &NativeAsset, rise: &Rise) -> Result<()> {
    let (p, session, number) = (acct.p, acct.session, rise.block);
    let block = p
        .get_block_by_number(BlockNumberOrTag::Number(number))
        .await
        .map_err(rpc)?
        .ok_or_else(|| Error::Internal(format!("the node has no block {number}")))?;
    let hash = format!("{:#x}", block.header.hash);
    let ts_ms = i64::try_from(block.header.timestamp)
        .unwrap_or(0)
        .saturating_mul(1000);
    let exact = rise.after.saturating_add(1) == number;
    let mut found = Vec::new();
    if exact {
        for tx in block.transactions.hashes() {
            let Some((paid, from)) = traced_payment(p, tx, acct.addr).await? else {
                break; // no trace from this node: recorded against the block below
            };
            if !paid.is_zero() {
                found.push(Arrival {
                    tx_hash: format!("{tx:#x}"),
                    from,
                    amount: paid,
                    after: None,
                });
            }
        }
    }
    let traced = found
        .iter()
        .fold(U256::ZERO, |s, f| s.saturating_add(f.amount));
    if traced != rise.amount {
        if exact {
            tracing::warn!(session, block = number, "internal transfer could not be traced to a transaction; recording it against the block");
        } else {
            tracing::warn!(session, after = rise.after, block = number, "the node no longer keeps the state to locate this internal transfer; recording it against the first block that shows it");
        }
        found = vec![Arrival {
            tx_hash: hash.clone(),
            from: String::new(),
            amount: rise.amount,
            after: Some(rise.after),
        }];
    }
    tracing::info!(session, block = number, amount = %rise.amount, "internal transfer found by balance reconciliation");
    let svc = acct.svc;
    let now = svc.now().timestamp_millis();
    let mut tx = svc.begin_write().await?;
    for f in &found {
        let seen_at =
            crate::engine::checkout::apply::orphaned_first_seen(&mut tx, session, &f.tx_hash)
                .await?
                .map_or(now, |first| first.min(now));
        sqlx::query(
            "INSERT OR IGNORE INTO payments (session_id, tx_hash, log_index, from_address, block_number, block_hash, \
             amount_atomic, seen_at, block_timestamp, asset_symbol, asset_decimals, asset_contract, arrived_after_block) \
             VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
        )
        .bind(session)
        .bind(&f.tx_hash)
        .bind(&f.from)
        .bind(number as i64)
        .bind(&hash)
        .bind(f.amount.to_string())
        .bind(seen_at)
        .bind(ts_ms)
        .bind(&native.symbol)
        .bind(i64::from(native.decimals))
        .bind(f.after.map(|a| a as i64))
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("UPDATE checkout_sessions SET needs_settle = 1 WHERE id = ?")
        .bind(session)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Value that transaction `tx` sends to `addr` through internal calls (zero for none), and the
/// first contract sending it; `None` when the node cannot trace it (no debug API, or no state).
async fn traced_payment(
    p: &DynProvider,
    tx: alloy_primitives::B256,
    addr: Address,
) -> Result<Option<(U256, String)>> {
    let trace: serde_json::Value = match p
        .raw_request(
            "debug_traceTransaction".into(),
            (tx, serde_json::json!({"tracer": "callTracer"})),
        )
        .await
    {
        Ok(t) => t,
        Err(e) if e.as_error_resp().is_some() => return Ok(None), // the node refused: no trace
        Err(e) => return Err(rpc(e)),
    };
    let mut paid = U256::ZERO;
    let mut from = None;
    collect(&trace, addr, 0, &mut paid, &mut from);
    Ok(Some((paid, from.unwrap_or_default())))
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
