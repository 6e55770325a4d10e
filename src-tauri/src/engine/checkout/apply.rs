//! Turning the watcher's observations into session state: record payments and block hashes,
//! drop payments of orphaned blocks, and re-settle sessions, writing each status change and the
//! events it raises in one transaction.

use super::model::PaymentRow;
use super::settle::{settle, Settlement, Status};
use super::{load, payments, raise, row};
use crate::engine::events::types;
use crate::engine::ids::SessionId;
use crate::engine::{Result, Service};
use alloy_primitives::{Address, U256};
use chrono::{DateTime, Utc};

/// The asset a payment was made in (it may differ from its session's: then it is `extra`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidAsset {
    /// Symbol from the config.
    pub symbol: String,
    /// Decimals of its atomic unit.
    pub decimals: u32,
    /// Token contract; `None` for the native coin.
    pub contract: Option<Address>,
}

impl PaidAsset {
    fn contract_text(&self) -> Option<String> {
        self.contract.map(|c| c.to_checksum(None))
    }
}

/// A payment found in a canonical block.
#[derive(Debug, Clone)]
pub struct PaymentSeen {
    /// The session whose address received it.
    pub session_id: String,
    /// Transaction hash, 0x-hex.
    pub tx_hash: String,
    /// Log index for token transfers; `None` for native payments.
    pub log_index: Option<u64>,
    /// Sender (EIP-55).
    pub from: String,
    /// The transaction's sender nonce, where known (a replaced mempool payment is found by it).
    pub nonce: Option<u64>,
    /// What was paid.
    pub asset: PaidAsset,
    /// Block number.
    pub block_number: u64,
    /// Block hash, 0x-hex.
    pub block_hash: String,
    /// Block time, ms.
    pub block_timestamp_ms: i64,
    /// Atomic units received.
    pub amount: U256,
}

/// Inserts payments (a mempool row gains its block); returns the sessions that gained one.
///
/// A mined payment that replaced a mempool payment of the same session (same sender and nonce:
/// a wallet's "speed up") takes that payment's place and keeps its first-seen time.
async fn insert_payments(
    tx: &mut sqlx::SqliteConnection,
    found: &[PaymentSeen],
    now: i64,
) -> Result<Vec<String>> {
    let mut touched = Vec::new();
    for p in found {
        // A payment first seen in the mempool keeps its row (and first-seen time) and gains its
        // block, with the amount the block delivered (its `Transfer` log is the truth: a
        // fee-on-transfer token delivers less than the transfer call announced).
        let mined = sqlx::query(
            "UPDATE payments SET log_index = ?1, block_number = ?2, block_hash = ?3, block_timestamp = ?4, amount_atomic = ?5 \
             WHERE rowid = (SELECT rowid FROM payments WHERE session_id = ?6 AND tx_hash = ?7 AND block_number IS NULL \
             ORDER BY log_index IS ?1 DESC LIMIT 1)",
        )
        .bind(p.log_index.map(|i| i as i64))
        .bind(p.block_number as i64)
        .bind(&p.block_hash)
        .bind(p.block_timestamp_ms)
        .bind(p.amount.to_string())
        .bind(&p.session_id)
        .bind(&p.tx_hash)
        .execute(&mut *tx)
        .await?;
        if mined.rows_affected() > 0 {
            touched.push(p.session_id.clone());
            continue;
        }
        let replaced = match p.nonce {
            Some(nonce) => replace_pending(tx, &p.session_id, &p.from, nonce, &p.tx_hash).await?,
            None => None,
        };
        let orphaned = orphaned_first_seen(tx, &p.session_id, &p.tx_hash).await?;
        let seen_at = [replaced, orphaned]
            .into_iter()
            .flatten()
            .fold(now, i64::min);
        let inserted = sqlx::query(
            "INSERT OR IGNORE INTO payments (session_id, tx_hash, log_index, from_address, block_number, block_hash, amount_atomic, seen_at, block_timestamp, \
             asset_symbol, asset_decimals, asset_contract, nonce) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&p.session_id)
        .bind(&p.tx_hash)
        .bind(p.log_index.map(|i| i as i64))
        .bind(&p.from)
        .bind(p.block_number as i64)
        .bind(&p.block_hash)
        .bind(p.amount.to_string())
        .bind(seen_at)
        .bind(p.block_timestamp_ms)
        .bind(&p.asset.symbol)
        .bind(p.asset.decimals as i64)
        .bind(p.asset.contract_text())
        .bind(p.nonce.map(|n| n as i64))
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() > 0 {
            touched.push(p.session_id.clone());
        }
    }
    mark_unsettled(tx, &touched).await?;
    Ok(touched)
}

/// Removes the mempool payments of `session` from `from` with `nonce` other than `tx_hash`
/// (replaced by it); returns their earliest first-seen time.
async fn replace_pending(
    tx: &mut sqlx::SqliteConnection,
    session: &str,
    from: &str,
    nonce: u64,
    tx_hash: &str,
) -> Result<Option<i64>> {
    let seen: Vec<i64> = sqlx::query_scalar(
        "DELETE FROM payments WHERE session_id = ? AND from_address = ? AND nonce = ? \
         AND block_number IS NULL AND tx_hash != ? RETURNING seen_at",
    )
    .bind(session)
    .bind(from)
    .bind(nonce as i64)
    .bind(tx_hash)
    .fetch_all(&mut *tx)
    .await?;
    if !seen.is_empty() {
        tracing::info!(
            session,
            replacement = tx_hash,
            "a mempool payment was replaced by its sender (same nonce)"
        );
    }
    Ok(seen.into_iter().min())
}

/// When a reorg took `tx_hash` off `session`, the time it had been first seen (see
/// [`orphan_after`]): the chain including it again keeps that time.
pub(crate) async fn orphaned_first_seen(
    tx: &mut sqlx::SqliteConnection,
    session: &str,
    tx_hash: &str,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT first_seen FROM payments_orphaned WHERE session_id = ? AND tx_hash = ?",
    )
    .bind(session)
    .bind(tx_hash)
    .fetch_optional(&mut *tx)
    .await?)
}

/// Removes mempool payments whose fate is known (replaced, mined without paying, or unknown to
/// the node after the deadline); returns the sessions that lost one.
async fn remove_mempool(
    tx: &mut sqlx::SqliteConnection,
    gone: &[GoneFromMempool],
) -> Result<Vec<String>> {
    let mut touched = Vec::new();
    for r in gone {
        let removed = sqlx::query(
            "DELETE FROM payments WHERE session_id = ? AND tx_hash = ? AND block_number IS NULL",
        )
        .bind(&r.session_id)
        .bind(&r.tx_hash)
        .execute(&mut *tx)
        .await?;
        if removed.rows_affected() > 0 {
            tracing::info!(session = %r.session_id, tx = %r.tx_hash, why = r.why.as_str(), "a mempool payment was removed");
            mark_unsettled(&mut *tx, std::slice::from_ref(&r.session_id)).await?;
            touched.push(r.session_id.clone());
        }
    }
    Ok(touched)
}

/// Flags sessions to re-settle, in the caller's transaction.
async fn mark_unsettled(tx: &mut sqlx::SqliteConnection, ids: &[String]) -> Result<()> {
    for id in ids {
        sqlx::query("UPDATE checkout_sessions SET needs_settle = 1 WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// A mempool payment whose fate is known: it no longer counts (SPEC §4, "Every session ends").
#[derive(Debug, Clone)]
pub struct GoneFromMempool {
    /// The session it was recorded on.
    pub session_id: String,
    /// The transaction.
    pub tx_hash: String,
    /// Why it is gone.
    pub why: Gone,
}

/// Why a mempool payment no longer counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gone {
    /// Another transaction of the same sender and nonce was mined ("speed up", "cancel").
    Replaced,
    /// Mined without paying the session (reverted, out of gas).
    Failed,
    /// Unknown to the node once the session's deadline passed (dropped from its mempool).
    Dropped,
}

impl Gone {
    fn as_str(self) -> &'static str {
        match self {
            Gone::Replaced => "replaced by its sender (same nonce)",
            Gone::Failed => "mined without paying (failed)",
            Gone::Dropped => "unknown to the node after the deadline (dropped)",
        }
    }
}

/// A processed block as the watcher hands it over.
#[derive(Debug, Clone, Copy)]
pub struct BlockRef<'a> {
    /// Block number.
    pub number: u64,
    /// Block hash, 0x-hex.
    pub hash: &'a str,
    /// Block timestamp, ms.
    pub timestamp_ms: i64,
}

/// A processed block, recorded with its payments, the mempool payments it settled (replaced, or
/// mined without paying) and the network checkpoint (with the block's time: expiry follows it) in one transaction.
pub async fn record_block(
    svc: &Service,
    network_id: &str,
    block: BlockRef<'_>,
    head: u64,
    found: &[PaymentSeen],
    gone: &[GoneFromMempool],
) -> Result<Vec<String>> {
    let BlockRef { number, hash, .. } = block;
    let now = svc.now().timestamp_millis();
    let mut tx = svc.begin_write().await?;
    let mut touched = insert_payments(&mut tx, found, now).await?;
    touched.extend(remove_mempool(&mut tx, gone).await?);
    sqlx::query("INSERT OR REPLACE INTO chain_blocks (network_id, number, hash) VALUES (?, ?, ?)")
        .bind(network_id)
        .bind(number as i64)
        .bind(hash)
        .execute(&mut *tx)
        .await?;
    // Keep a bounded window of hashes: enough to find any realistic fork point.
    sqlx::query("DELETE FROM chain_blocks WHERE network_id = ? AND number < ?")
        .bind(network_id)
        .bind(number as i64 - 256)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO chain_state (network_id, last_block, last_hash, head, updated_at, last_block_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (network_id) DO UPDATE SET last_block = ?2, last_hash = ?3, head = MAX(head, ?4), updated_at = ?5, \
         last_block_time = MAX(COALESCE(last_block_time, ?6), ?6)",
    )
    .bind(network_id)
    .bind(number as i64)
    .bind(hash)
    .bind(head as i64)
    .bind(now)
    .bind(block.timestamp_ms)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    touched.sort();
    touched.dedup();
    Ok(touched)
}

/// A payment seen in the mempool, before inclusion: the session becomes `detected` at once.
/// A replacement of a mempool payment already recorded (same sender and nonce) takes its place
/// and keeps its first-seen time. Returns whether anything changed.
pub async fn record_pending(svc: &Service, p: &PendingPayment) -> Result<bool> {
    let now = svc.now().timestamp_millis();
    let mut tx = svc.begin_write().await?;
    let first = replace_pending(&mut tx, &p.session_id, &p.from, p.nonce, &p.tx_hash).await?;
    let orphaned = orphaned_first_seen(&mut tx, &p.session_id, &p.tx_hash).await?;
    // Not when its block was processed first (a late notification): the mined row has it.
    let done = sqlx::query(
        "INSERT OR IGNORE INTO payments (session_id, tx_hash, log_index, from_address, block_number, block_hash, amount_atomic, seen_at, block_timestamp, \
         asset_symbol, asset_decimals, asset_contract, nonce) \
         SELECT ?1, ?2, NULL, ?3, NULL, NULL, ?4, ?5, NULL, ?6, ?7, ?8, ?9 \
         WHERE NOT EXISTS (SELECT 1 FROM payments WHERE session_id = ?1 AND tx_hash = ?2)",
    )
    .bind(&p.session_id)
    .bind(&p.tx_hash)
    .bind(&p.from)
    .bind(p.amount.to_string())
    .bind([first, orphaned].into_iter().flatten().fold(now, i64::min))
    .bind(&p.asset.symbol)
    .bind(p.asset.decimals as i64)
    .bind(p.asset.contract_text())
    .bind(p.nonce as i64)
    .execute(&mut *tx)
    .await?;
    let changed = done.rows_affected() > 0 || first.is_some();
    if changed {
        mark_unsettled(&mut tx, std::slice::from_ref(&p.session_id)).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// A payment in a pending transaction.
#[derive(Debug, Clone)]
pub struct PendingPayment {
    /// The session whose address it pays.
    pub session_id: String,
    /// Transaction hash, 0x-hex.
    pub tx_hash: String,
    /// Sender (EIP-55).
    pub from: String,
    /// Sender nonce.
    pub nonce: u64,
    /// What is paid.
    pub asset: PaidAsset,
    /// Atomic units.
    pub amount: U256,
}

/// The mempool payments of a network, as a block is checked against them.
#[derive(Debug, Default)]
pub struct Mempool {
    /// (sender lowercase, nonce) → payments: a block that uses the nonce for another
    /// transaction replaced them.
    pub by_nonce: std::collections::HashMap<(String, u64), Vec<GoneFromMempool>>,
    /// Transaction hash → payments: a block that includes the transaction without the payment
    /// (reverted) settles them.
    pub by_hash: std::collections::HashMap<String, Vec<GoneFromMempool>>,
}

impl Mempool {
    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }
}

/// The network's mempool payments (recorded, not yet in a processed block).
pub async fn mempool(svc: &Service, network_id: &str) -> Result<Mempool> {
    let rows: Vec<(String, String, String, Option<i64>)> = sqlx::query_as(
        // Driven by the partial index of mempool payments.
        "SELECT p.session_id, p.tx_hash, p.from_address, p.nonce FROM payments p \
         WHERE p.block_number IS NULL AND p.seen_at > -1 \
         AND EXISTS (SELECT 1 FROM checkout_sessions s WHERE s.id = p.session_id AND s.network_id = ?)",
    )
    .bind(network_id)
    .fetch_all(svc.pool())
    .await?;
    let mut m = Mempool::default();
    for (session_id, tx_hash, from, nonce) in rows {
        let tx_hash = tx_hash.to_ascii_lowercase();
        let gone = |why| GoneFromMempool {
            session_id: session_id.clone(),
            tx_hash: tx_hash.clone(),
            why,
        };
        if let Some(nonce) = nonce.and_then(|n| u64::try_from(n).ok()) {
            m.by_nonce
                .entry((from.to_ascii_lowercase(), nonce))
                .or_default()
                .push(gone(Gone::Replaced));
        }
        m.by_hash
            .entry(tx_hash.clone())
            .or_default()
            .push(gone(Gone::Failed));
    }
    Ok(m)
}

/// Mempool payments whose session's deadline its chain has passed (`expiresAt`, + grace once
/// something was mined for it): each must now be known to the node or go (SPEC §4).
pub async fn overdue_mempool(svc: &Service, network_id: &str) -> Result<Vec<GoneFromMempool>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        // CROSS JOIN keeps SQLite on the partial index of mempool payments: joined the other
        // way it read every session of the network on every block (56 ms a block at 100,000).
        "SELECT p.session_id, p.tx_hash FROM payments p \
         CROSS JOIN checkout_sessions s ON s.id = p.session_id \
         CROSS JOIN chain_state c ON c.network_id = s.network_id \
         WHERE p.block_number IS NULL AND p.seen_at > -1 AND s.network_id = ? \
         AND c.last_block_time >= s.expires_at + CASE WHEN EXISTS \
             (SELECT 1 FROM payments m WHERE m.session_id = s.id AND m.block_number IS NOT NULL) \
             THEN s.late_grace_ms ELSE 0 END",
    )
    .bind(network_id)
    .fetch_all(svc.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(session_id, tx_hash)| GoneFromMempool {
            session_id,
            tx_hash,
            why: Gone::Dropped,
        })
        .collect())
}

/// Removes mempool payments whose fate is known outside a block; returns the sessions that
/// lost one (to re-settle).
pub async fn drop_mempool(svc: &Service, gone: &[GoneFromMempool]) -> Result<Vec<String>> {
    let mut tx = svc.begin_write().await?;
    let touched = remove_mempool(&mut tx, gone).await?;
    tx.commit().await?;
    Ok(touched)
}

/// The stored hash of a block, if it is in the recent window.
pub async fn stored_hash(svc: &Service, network_id: &str, number: u64) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT hash FROM chain_blocks WHERE network_id = ? AND number = ?")
            .bind(network_id)
            .bind(number as i64)
            .fetch_optional(svc.pool())
            .await?,
    )
}

/// The network's checkpoint: last processed block and its hash.
pub async fn checkpoint(svc: &Service, network_id: &str) -> Result<Option<(u64, String)>> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT last_block, last_hash FROM chain_state WHERE network_id = ?")
            .bind(network_id)
            .fetch_optional(svc.pool())
            .await?;
    Ok(row.map(|(b, h)| (b as u64, h)))
}

/// Forgets the network's checkpoint: its watcher next starts near the chain's head.
pub async fn forget_checkpoint(svc: &Service, network_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM chain_state WHERE network_id = ?")
        .bind(network_id)
        .execute(svc.pool())
        .await?;
    Ok(())
}

/// Forgets every block above `fork_point` and the payments in them (they left the canonical
/// chain), remembering when each was first seen; returns the sessions that lost payments.
pub async fn orphan_after(
    svc: &Service,
    network_id: &str,
    fork_point: u64,
    fork_hash: &str,
) -> Result<Vec<String>> {
    let mut tx = svc.begin_write().await?;
    // Kept: when each was first seen (SPEC §4: included again, it keeps that time).
    sqlx::query(
        "INSERT INTO payments_orphaned (session_id, tx_hash, first_seen) \
         SELECT session_id, tx_hash, MIN(seen_at, COALESCE(block_timestamp, seen_at)) FROM payments \
         WHERE block_number > ?1 AND session_id IN (SELECT id FROM checkout_sessions WHERE network_id = ?2) \
         ON CONFLICT (session_id, tx_hash) DO UPDATE SET first_seen = MIN(first_seen, excluded.first_seen)",
    )
    .bind(fork_point as i64)
    .bind(network_id)
    .execute(&mut *tx)
    .await?;
    let sessions: Vec<String> = sqlx::query_scalar(
        "DELETE FROM payments WHERE block_number > ? AND session_id IN (SELECT id FROM checkout_sessions WHERE network_id = ?) RETURNING session_id",
    )
    .bind(fork_point as i64)
    .bind(network_id)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM chain_blocks WHERE network_id = ? AND number > ?")
        .bind(network_id)
        .bind(fork_point as i64)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE checkout_sessions SET reconciled_block = ?1, reconciled_time = NULL WHERE network_id = ?2 AND reconciled_block > ?1")
        .bind(fork_point as i64)
        .bind(network_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE chain_state SET last_block = ?, last_hash = ?, updated_at = ? WHERE network_id = ?",
    )
    .bind(fork_point as i64)
    .bind(fork_hash)
    .bind(svc.now().timestamp_millis())
    .bind(network_id)
    .execute(&mut *tx)
    .await?;
    mark_unsettled(&mut tx, &sessions).await?;
    tx.commit().await?;
    if !sessions.is_empty() {
        tracing::warn!(
            network = network_id,
            fork_point,
            sessions = sessions.len(),
            "reorg: payments in orphaned blocks removed"
        );
    }
    let mut s = sessions;
    s.sort();
    s.dedup();
    Ok(s)
}

/// Records the chain head (shown in confirmations and health).
pub async fn set_head(svc: &Service, network_id: &str, head: u64) -> Result<()> {
    svc.write_one(
        sqlx::query("UPDATE chain_state SET head = ?, updated_at = ? WHERE network_id = ?")
            .bind(head as i64)
            .bind(svc.now().timestamp_millis())
            .bind(network_id),
    )
    .await?;
    Ok(())
}

/// Sessions on a network whose status may change with the next block.
pub async fn open_sessions(svc: &Service, network_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        // Runs on every step: the partial index holds only these sessions. Without ANALYZE
        // statistics SQLite rates it no better than `checkout_sessions_network_expiry`
        // (network_id, status, expires_at) and took that one, reading every session of the
        // network, and its row for `needs_settle`, on every block. The condition must stay the
        // index's own (migration 0003), or SQLite refuses the query.
        "SELECT id FROM checkout_sessions INDEXED BY checkout_sessions_unsettled \
         WHERE network_id = ? AND (needs_settle = 1 OR status IN ('detected', 'underpaid'))",
    )
    .bind(network_id)
    .fetch_all(svc.pool())
    .await?)
}

/// How many sessions on a network a customer can still pay (waiting, seen, underpaid) or that
/// are not yet settled.
pub async fn payable_count(svc: &Service, network_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM checkout_sessions WHERE network_id = ? \
         AND (needs_settle = 1 OR status IN ('pending', 'detected', 'underpaid'))",
    )
    .bind(network_id)
    .fetch_one(svc.pool())
    .await?)
}

/// What re-settling a session would do, computed before anything is written, so the watcher
/// can re-check the payments' blocks against the canonical chain before calling it paid.
pub struct Plan {
    /// The session.
    pub session_id: String,
    /// Its status now.
    pub from: Status,
    /// Its status after.
    pub to: Status,
    /// Blocks (number, hash) of the payments that make up the amount.
    pub counted_blocks: Vec<(u64, String)>,
}

/// The timestamp (ms) of the last block the network's watcher processed.
pub async fn last_block_time(svc: &Service, network_id: &str) -> Result<Option<i64>> {
    let mut conn = svc.pool().acquire().await?;
    Ok(chain_time(&mut conn, network_id)
        .await?
        .map(|t| t.timestamp_millis()))
}

/// The timestamp of the last block the network's watcher processed: what expiry is judged by.
async fn chain_time(
    conn: &mut sqlx::SqliteConnection,
    network_id: &str,
) -> Result<Option<DateTime<Utc>>> {
    let t: Option<Option<i64>> =
        sqlx::query_scalar("SELECT last_block_time FROM chain_state WHERE network_id = ?")
            .bind(network_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(t.flatten().map(crate::engine::clock::from_millis))
}

/// A session, its payments and their settlement at `head` and its network's chain time.
async fn settled(
    conn: &mut sqlx::SqliteConnection,
    session_id: &str,
    head: Option<u64>,
) -> Result<Option<(super::model::SessionRow, Vec<PaymentRow>, Settlement)>> {
    let Some(r) = row(&mut *conn, session_id).await? else {
        return Ok(None);
    };
    let pays = payments(&mut *conn, session_id).await?;
    let observed: Vec<_> = pays.iter().map(|p| p.observed(&r)).collect::<Result<_>>()?;
    // Expiry waits for every way a payment can arrive: the block scan (the chain time) and
    // the internal-transfer search (the time its search of this address reached).
    let time = chain_time(&mut *conn, &r.network_id)
        .await?
        .min(r.reconciled_time.map(crate::engine::clock::from_millis));
    let s = settle(&r.terms()?, &observed, head, time);
    Ok(Some((r, pays, s)))
}

/// Computes the settlement of one session at `head`.
pub async fn plan(svc: &Service, session_id: &str, head: Option<u64>) -> Result<Option<Plan>> {
    let mut conn = svc.pool().acquire().await?;
    let Some((r, pays, s)) = settled(&mut conn, session_id, head).await? else {
        return Ok(None);
    };
    let counted_blocks = s
        .counted
        .iter()
        .filter_map(|i| Some((pays[*i].block_number? as u64, pays[*i].block_hash.clone()?)))
        .collect();
    Ok(Some(Plan {
        session_id: session_id.to_string(),
        from: r.status(),
        to: s.status,
        counted_blocks,
    }))
}

fn event_for(status: Status) -> Option<&'static str> {
    Some(match status {
        Status::Detected => types::SESSION_DETECTED,
        Status::Underpaid => types::SESSION_UNDERPAID,
        Status::Paid => types::SESSION_PAID,
        Status::Overpaid => types::SESSION_OVERPAID,
        Status::PaidLate => types::SESSION_PAID_LATE,
        Status::Expired => types::SESSION_EXPIRED,
        Status::Canceled => types::SESSION_CANCELED,
        Status::Pending => return None,
    })
}

/// Whether `old → new` is a move back (SPEC §4: raises `session.reverted`): a session that saw a
/// payment back to `pending`, or a paid one no longer paid.
fn moved_back(old: Status, new: Status) -> bool {
    new == Status::Pending && matches!(old, Status::Detected | Status::Underpaid)
        || old.is_paid() && !new.is_paid()
}

/// Re-settles one session at `head` (and its network's chain time) and writes the result with
/// its events in one transaction: `session.reverted` on a move back, the new status's event,
/// and once per extra payment, when it is mined, `session.unexpected_payment` (another asset)
/// or `session.late_payment` (after the session was final or beyond its amount).
/// Returns whether anything changed.
pub async fn apply_settlement(svc: &Service, session_id: &str, head: Option<u64>) -> Result<bool> {
    let now = svc.now();
    let mut tx = svc.begin_write().await?;
    // Clearing the re-settle flag is the first write: it takes the write lock, so what is read
    // below cannot go stale, and it commits with the result.
    sqlx::query("UPDATE checkout_sessions SET needs_settle = 0 WHERE id = ?")
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    let Some((r, pays, s)) = settled(&mut tx, session_id, head).await? else {
        return Ok(false);
    };
    let received = pays
        .iter()
        .filter(|p| !p.is_foreign(&r))
        .map(|p| crate::engine::money::parse_atomic(&p.amount_atomic))
        .try_fold(U256::ZERO, |a, p| p.map(|p| a.saturating_add(p)))?;
    let old = r.status();
    let extra_now: Vec<bool> = (0..pays.len()).map(|i| s.extra.contains(&i)).collect();
    let flags_changed: Vec<usize> = (0..pays.len())
        .filter(|&i| (pays[i].extra != 0) != extra_now[i])
        .collect();
    let newly_extra: Vec<&PaymentRow> = s
        .extra
        .iter()
        .map(|i| &pays[*i])
        // A pending payment is told once it is mined: the node may drop it, and an event for
        // money that never arrives is a false one.
        .filter(|p| p.late_notified == 0 && p.block_number.is_some())
        .collect();
    let changed = s.status != old
        || s.confirmations as i64 != r.confirmations
        || received.to_string() != r.amount_received
        || !newly_extra.is_empty()
        || !flags_changed.is_empty();
    if !changed {
        tx.commit().await?;
        return Ok(false);
    }
    let paid_at = match (old.is_paid(), s.status.is_paid()) {
        (false, true) => Some(now.timestamp_millis()),
        (true, true) => r.paid_at,
        _ => None,
    };
    sqlx::query("UPDATE checkout_sessions SET status = ?, confirmations = ?, amount_received = ?, paid_at = ? WHERE id = ?")
        .bind(s.status.as_str())
        .bind(s.confirmations as i64)
        .bind(received.to_string())
        .bind(paid_at)
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    for &i in &flags_changed {
        let p = &pays[i];
        sqlx::query(
            "UPDATE payments SET extra = ? WHERE session_id = ? AND tx_hash = ? AND log_index IS ?",
        )
        .bind(i64::from(extra_now[i]))
        .bind(session_id)
        .bind(&p.tx_hash)
        .bind(p.log_index)
        .execute(&mut *tx)
        .await?;
    }
    for p in &newly_extra {
        sqlx::query("UPDATE payments SET late_notified = 1 WHERE session_id = ? AND tx_hash = ? AND log_index IS ?")
            .bind(session_id)
            .bind(&p.tx_hash)
            .bind(p.log_index)
            .execute(&mut *tx)
            .await?;
    }
    let session = load(&mut tx, svc, &SessionId::parse(session_id)?).await?;
    if s.status != old {
        if moved_back(old, s.status) {
            raise(&mut tx, types::SESSION_REVERTED, &session, now).await?;
        }
        if let Some(kind) = event_for(s.status) {
            raise(&mut tx, kind, &session, now).await?;
        }
    }
    for p in &newly_extra {
        let kind = if p.is_foreign(&r) {
            types::SESSION_UNEXPECTED_PAYMENT
        } else {
            types::SESSION_LATE_PAYMENT
        };
        raise(&mut tx, kind, &session, now).await?;
    }
    tx.commit().await?;
    svc.outbox_changed();
    if s.status != old {
        tracing::info!(
            session = session_id,
            from = old.as_str(),
            to = s.status.as_str(),
            confirmations = s.confirmations,
            "session status changed"
        );
    }
    Ok(true)
}

/// Re-settles the network's waiting sessions whose expiry its chain has reached (the last
/// processed block is timestamped at or after `expiresAt`): those with no payment, or only
/// payments in another asset, become `expired` (SPEC §4) once the internal-transfer search has
/// covered the deadline too. Sessions with payments of their own asset expire through settlement.
pub async fn expire_due(svc: &Service, network_id: &str, head: u64) -> Result<usize> {
    let due: Vec<String> = sqlx::query_scalar(
        "SELECT s.id FROM checkout_sessions s JOIN chain_state c ON c.network_id = s.network_id \
         WHERE s.network_id = ?1 AND s.status = 'pending' AND s.expires_at <= c.last_block_time \
         AND s.reconciled_time >= s.expires_at",
    )
    .bind(network_id)
    .fetch_all(svc.pool())
    .await?;
    let mut changed = 0;
    for id in due {
        if apply_settlement(svc, &id, Some(head)).await? {
            changed += 1;
        }
    }
    Ok(changed)
}

/// Whether a session of the network that can still change has reached a deadline on chain
/// (its expiry, or the end of its grace) that the internal-transfer search has not yet
/// covered: the watcher searches at once instead of at its usual pace, so the session ends on
/// time.
pub async fn awaiting_search(svc: &Service, network_id: &str) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT EXISTS (SELECT 1 FROM checkout_sessions s JOIN chain_state c ON c.network_id = s.network_id \
         WHERE s.network_id = ?1 AND s.status IN ('pending', 'detected', 'underpaid') \
         AND s.expires_at <= c.last_block_time AND ( \
             COALESCE(s.reconciled_time, 0) < s.expires_at \
             OR s.expires_at + s.late_grace_ms <= c.last_block_time \
                AND COALESCE(s.reconciled_time, 0) < s.expires_at + s.late_grace_ms))",
    )
    .bind(network_id)
    .fetch_one(svc.pool())
    .await?
        != 0)
}
