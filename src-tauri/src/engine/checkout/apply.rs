//! Turning the watcher's observations into session state: record payments and block hashes,
//! drop payments of orphaned blocks, and re-settle sessions, writing each status change and the
//! events it raises in one transaction.

use super::model::PaymentRow;
use super::settle::{settle, Status};
use super::{load, payments, raise, row};
use crate::engine::events::types;
use crate::engine::ids::SessionId;
use crate::engine::{Result, Service};
use alloy_primitives::U256;
use chrono::{DateTime, Utc};

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
async fn insert_payments(
    tx: &mut sqlx::SqliteConnection,
    found: &[PaymentSeen],
    now: i64,
) -> Result<Vec<String>> {
    let mut touched = Vec::new();
    for p in found {
        // A payment first seen in the mempool keeps its row (and first-seen time) and gains its block.
        let mined = sqlx::query(
            "UPDATE payments SET log_index = ?, block_number = ?, block_hash = ?, block_timestamp = ? \
             WHERE session_id = ? AND tx_hash = ? AND block_number IS NULL",
        )
        .bind(p.log_index.map(|i| i as i64))
        .bind(p.block_number as i64)
        .bind(&p.block_hash)
        .bind(p.block_timestamp_ms)
        .bind(&p.session_id)
        .bind(&p.tx_hash)
        .execute(&mut *tx)
        .await?;
        if mined.rows_affected() > 0 {
            touched.push(p.session_id.clone());
            continue;
        }
        let inserted = sqlx::query(
            "INSERT OR IGNORE INTO payments (session_id, tx_hash, log_index, from_address, block_number, block_hash, amount_atomic, seen_at, block_timestamp) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&p.session_id)
        .bind(&p.tx_hash)
        .bind(p.log_index.map(|i| i as i64))
        .bind(&p.from)
        .bind(p.block_number as i64)
        .bind(&p.block_hash)
        .bind(p.amount.to_string())
        .bind(now)
        .bind(p.block_timestamp_ms)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() > 0 {
            touched.push(p.session_id.clone());
        }
    }
    mark_unsettled(tx, &touched).await?;
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

/// A processed block, recorded with its payments and the network checkpoint in one transaction.
pub async fn record_block(
    svc: &Service,
    network_id: &str,
    number: u64,
    hash: &str,
    head: u64,
    found: &[PaymentSeen],
) -> Result<Vec<String>> {
    let now = svc.now().timestamp_millis();
    let mut tx = svc.begin_write().await?;
    let mut touched = insert_payments(&mut tx, found, now).await?;
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
        "INSERT INTO chain_state (network_id, last_block, last_hash, head, updated_at) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (network_id) DO UPDATE SET last_block = ?2, last_hash = ?3, head = MAX(head, ?4), updated_at = ?5",
    )
    .bind(network_id)
    .bind(number as i64)
    .bind(hash)
    .bind(head as i64)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    touched.dedup();
    Ok(touched)
}

/// A payment seen in the mempool, before inclusion: the session becomes `detected` at once.
pub async fn record_pending(
    svc: &Service,
    session_id: &str,
    tx_hash: &str,
    from: &str,
    amount: U256,
) -> Result<bool> {
    let mut tx = svc.begin_write().await?;
    let done = sqlx::query(
        "INSERT OR IGNORE INTO payments (session_id, tx_hash, log_index, from_address, block_number, block_hash, amount_atomic, seen_at, block_timestamp) \
         VALUES (?, ?, NULL, ?, NULL, NULL, ?, ?, NULL)",
    )
    .bind(session_id)
    .bind(tx_hash)
    .bind(from)
    .bind(amount.to_string())
    .bind(svc.now().timestamp_millis())
    .execute(&mut *tx)
    .await?;
    let added = done.rows_affected() > 0;
    if added {
        mark_unsettled(&mut tx, &[session_id.to_string()]).await?;
    }
    tx.commit().await?;
    Ok(added)
}

/// Forgets mempool payments on a network that were never mined within `max_age` (dropped or
/// replaced); returns the sessions concerned.
pub async fn prune_pending(
    svc: &Service,
    network_id: &str,
    max_age: chrono::Duration,
) -> Result<Vec<String>> {
    let mut tx = svc.begin_write().await?;
    let mut ids: Vec<String> = sqlx::query_scalar(
        // Driven by the partial index of mempool payments; `IN (SELECT … network)` would list
        // every session of the network on every block.
        "DELETE FROM payments WHERE block_number IS NULL AND seen_at < ?1 \
         AND EXISTS (SELECT 1 FROM checkout_sessions s WHERE s.id = payments.session_id AND s.network_id = ?2) \
         RETURNING session_id",
    )
    .bind((svc.now() - max_age).timestamp_millis())
    .bind(network_id)
    .fetch_all(&mut *tx)
    .await?;
    ids.sort();
    ids.dedup();
    mark_unsettled(&mut tx, &ids).await?;
    tx.commit().await?;
    Ok(ids)
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

/// Forgets every block above `fork_point` and the payments in them (they left the canonical
/// chain); returns the sessions that lost payments.
pub async fn orphan_after(
    svc: &Service,
    network_id: &str,
    fork_point: u64,
    fork_hash: &str,
) -> Result<Vec<String>> {
    let mut tx = svc.begin_write().await?;
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
    sqlx::query("UPDATE checkout_sessions SET reconciled_block = ?1 WHERE network_id = ?2 AND reconciled_block > ?1")
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
        "SELECT id FROM checkout_sessions WHERE network_id = ? AND (needs_settle = 1 OR status IN ('detected', 'underpaid'))",
    )
    .bind(network_id)
    .fetch_all(svc.pool())
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

/// Computes the settlement of one session at `head`.
pub async fn plan(
    svc: &Service,
    session_id: &str,
    head: Option<u64>,
    now: DateTime<Utc>,
) -> Result<Option<Plan>> {
    let mut conn = svc.pool().acquire().await?;
    let Some(r) = row(&mut conn, session_id).await? else {
        return Ok(None);
    };
    let pays = payments(&mut conn, session_id).await?;
    let observed: Vec<_> = pays
        .iter()
        .map(PaymentRow::observed)
        .collect::<Result<_>>()?;
    let s = settle(&r.terms()?, &observed, head, now);
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

/// Re-settles one session at `head` and writes the result with its events in one transaction:
/// the new status's event, `session.reverted` when a paid session lost its payment, and
/// `session.late_payment` once for each payment that arrived after the session was final.
/// Returns whether anything changed.
pub async fn apply_settlement(
    svc: &Service,
    session_id: &str,
    head: Option<u64>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mut tx = svc.begin_write().await?;
    // Clearing the re-settle flag is the first write: it takes the write lock, so what is read
    // below cannot go stale, and it commits with the result.
    sqlx::query("UPDATE checkout_sessions SET needs_settle = 0 WHERE id = ?")
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    let Some(r) = row(&mut tx, session_id).await? else {
        return Ok(false);
    };
    let pays: Vec<PaymentRow> = payments(&mut tx, session_id).await?;
    let observed: Vec<_> = pays
        .iter()
        .map(PaymentRow::observed)
        .collect::<Result<_>>()?;
    let s = settle(&r.terms()?, &observed, head, now);
    let received = observed
        .iter()
        .fold(U256::ZERO, |a, p| a.saturating_add(p.amount));
    let old = r.status();
    let newly_late: Vec<&PaymentRow> = s
        .extra
        .iter()
        .map(|i| &pays[*i])
        .filter(|p| p.late_notified == 0)
        .collect();
    let changed = s.status != old
        || s.confirmations as i64 != r.confirmations
        || received.to_string() != r.amount_received
        || !newly_late.is_empty();
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
    for p in &newly_late {
        sqlx::query("UPDATE payments SET late_notified = 1 WHERE session_id = ? AND tx_hash = ? AND log_index IS ?")
            .bind(session_id)
            .bind(&p.tx_hash)
            .bind(p.log_index)
            .execute(&mut *tx)
            .await?;
    }
    let session = load(&mut tx, svc, &SessionId::parse(session_id)?).await?;
    if s.status != old {
        if old.is_paid() && !s.status.is_paid() {
            raise(&mut tx, types::SESSION_REVERTED, &session, now).await?;
        }
        if let Some(kind) = event_for(s.status) {
            raise(&mut tx, kind, &session, now).await?;
        }
    }
    for _ in &newly_late {
        raise(&mut tx, types::SESSION_LATE_PAYMENT, &session, now).await?;
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

/// Moves sessions with no payment past their expiry to `expired` (raising `session.expired`).
pub async fn expire_due(svc: &Service) -> Result<usize> {
    let now = svc.now();
    let due: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM checkout_sessions WHERE status = 'pending' AND expires_at < ? \
         AND NOT EXISTS (SELECT 1 FROM payments WHERE session_id = checkout_sessions.id)",
    )
    .bind(now.timestamp_millis())
    .fetch_all(svc.pool())
    .await?;
    let mut changed = 0;
    for id in due {
        // With no payment, settlement does not depend on the chain head.
        if apply_settlement(svc, &id, None, now).await? {
            changed += 1;
        }
    }
    Ok(changed)
}
