//! Group commit of new sessions. Creates that arrive while another write holds this process's
//! write turn queue up; the next turn writes all of them in one transaction with a fixed number
//! of statements (allocate n addresses, insert n sessions, n events, their deliveries), so under
//! load the serial part of a create shrinks with the queue instead of growing with it.

use super::model::{CheckoutSession, SessionRow};
use super::uri;
use crate::engine::events::{self, types, Subject};
use crate::engine::idempotency::{self, Answer, AnswerKey};
use crate::engine::{wallet, Error, Result, Service};
use alloy_primitives::{Address, U256};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::oneshot;

/// Most sessions written in one transaction (26 bound values each).
const MAX_BATCH: usize = 64;

/// A validated and quoted session that only lacks its address.
pub(super) struct Draft {
    pub id: String,
    pub livemode: bool,
    pub network_id: String,
    pub network_name: String,
    pub chain_id: u64,
    pub asset_symbol: String,
    pub asset_decimals: u32,
    pub asset_contract: Option<Address>,
    pub amount: U256,
    pub fiat_amount: String,
    pub fiat_currency: String,
    pub rate: String,
    pub confirmations: i64,
    pub tolerance_percent: String,
    pub late_grace_ms: i64,
    pub metadata: String,
    pub success_url: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// Keep the answer (200 and the session) for replays under this key.
    pub answer: Option<AnswerKey>,
}

struct Queued {
    draft: Draft,
    reply: oneshot::Sender<Result<CheckoutSession>>,
}

/// Drafts waiting for a write turn.
#[derive(Default)]
pub struct Queue(Mutex<Vec<Queued>>);

impl Queue {
    fn push(&self, q: Queued) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(q);
    }

    fn take(&self) -> Vec<Queued> {
        let mut v = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = v.len().min(MAX_BATCH);
        v.drain(..n).collect()
    }
}

/// Writes `draft` (with whatever else is queued) and returns the session.
pub(super) async fn submit(svc: &Service, draft: Draft) -> Result<CheckoutSession> {
    let (reply, answer) = oneshot::channel();
    svc.create_queue().push(Queued { draft, reply });
    let svc = svc.clone();
    // Each queued draft has one task taking a turn, so the queue always drains; the task is
    // spawned so that a caller going away cannot cut short a batch that holds other callers'.
    tokio::spawn(async move {
        let turn = svc.write_turn().await;
        let batch = svc.create_queue().take();
        if batch.is_empty() {
            return; // an earlier turn wrote this task's draft
        }
        let (drafts, replies): (Vec<Draft>, Vec<_>) =
            batch.into_iter().map(|q| (q.draft, q.reply)).unzip();
        match write(&svc, turn, &drafts).await {
            Ok(sessions) => {
                svc.outbox_changed();
                for (session, reply) in sessions.into_iter().zip(replies) {
                    tracing::info!(session = %session.id, address = %session.address, amount = %session.amount.value, asset = %session.asset.symbol, "session created");
                    let _ = reply.send(Ok(session));
                }
            }
            Err(e) => {
                for reply in replies {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    });
    answer
        .await
        .map_err(|_| Error::Internal("the session was not written: its batch stopped".into()))?
}

/// One transaction for all `drafts`; the sessions in the same order.
async fn write(
    svc: &Service,
    turn: crate::engine::store::WriteTurn,
    drafts: &[Draft],
) -> Result<Vec<CheckoutSession>> {
    let mut tx = svc.begin_write_in(turn).await?;
    let n = u32::try_from(drafts.len()).map_err(|e| Error::Internal(e.to_string()))?;
    let addresses = wallet::allocate_addresses(&mut tx, n).await?;
    let rows: Vec<(&Draft, u32, Address, String)> = drafts
        .iter()
        .zip(addresses)
        .map(|(d, (index, address))| {
            let uri = uri::payment_uri(address, d.chain_id, d.amount, d.asset_contract);
            (d, index, address, uri)
        })
        .collect();
    let mut inserted: HashMap<String, SessionRow> = sqlx::QueryBuilder::new(
        "INSERT INTO checkout_sessions (id, livemode, network_id, network_name, chain_id, asset_symbol, asset_decimals, \
         asset_contract, address, address_index, amount_atomic, fiat_amount, fiat_currency, rate, payment_uri, \
         required_confirmations, tolerance_percent, late_grace_ms, metadata, success_url, status, expires_at, created_at, \
         watch_from_block, start_balance) ",
    )
    .push_values(&rows, |mut b, (d, index, address, uri)| {
        b.push_bind(d.id.as_str())
            .push_bind(d.livemode)
            .push_bind(d.network_id.as_str())
            .push_bind(d.network_name.as_str())
            .push_bind(d.chain_id as i64)
            .push_bind(d.asset_symbol.as_str())
            .push_bind(i64::from(d.asset_decimals))
            .push_bind(d.asset_contract.map(|c| c.to_checksum(None)))
            .push_bind(address.to_checksum(None))
            .push_bind(i64::from(*index))
            .push_bind(d.amount.to_string())
            .push_bind(d.fiat_amount.as_str())
            .push_bind(d.fiat_currency.as_str())
            .push_bind(d.rate.as_str())
            .push_bind(uri.as_str())
            .push_bind(d.confirmations)
            .push_bind(d.tolerance_percent.as_str())
            .push_bind(d.late_grace_ms)
            .push_bind(d.metadata.as_str())
            .push_bind(d.success_url.as_deref())
            .push("'pending'")
            .push_bind(d.expires_at.timestamp_millis())
            .push_bind(d.created_at.timestamp_millis())
            .push("(SELECT last_block FROM chain_state WHERE network_id = ")
            .push_bind_unseparated(d.network_id.as_str())
            .push_unseparated(")")
            // Screened ahead (see `chain::screen`): its balance then; else reconciliation
            // reads it at `watch_from_block`.
            .push("(SELECT balance FROM address_screens WHERE address_index = ")
            .push_bind_unseparated(i64::from(*index))
            .push_unseparated(" AND network_id = ")
            .push_bind_unseparated(d.network_id.as_str())
            .push_unseparated(")");
    })
    .push(" RETURNING *")
    .build_query_as::<SessionRow>()
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| (r.id.clone(), r))
    .collect();
    let public_url = &svc.config().api.public_url.0;
    let sessions = drafts
        .iter()
        .map(|d| {
            let row = inserted
                .remove(&d.id)
                .ok_or_else(|| Error::Internal(format!("session {} was not inserted", d.id)))?;
            // A new session has no payments, so the chain head does not matter to its view.
            CheckoutSession::from_rows(&row, &[], None, public_url)
        })
        .collect::<Result<Vec<_>>>()?;
    let subjects: Vec<Subject<CheckoutSession>> = sessions
        .iter()
        .map(|s| Subject {
            session_id: Some(&s.id),
            livemode: s.livemode,
            object: s,
        })
        .collect();
    // One time for the batch's events: its latest creation time (a batch spans milliseconds).
    let now = drafts
        .iter()
        .map(|d| d.created_at)
        .max()
        .unwrap_or_else(|| svc.now());
    events::record_many(&mut tx, types::SESSION_CREATED, &subjects, now).await?;
    let mut bodies = Vec::new();
    for (d, s) in drafts.iter().zip(&sessions) {
        if let Some(key) = &d.answer {
            bodies.push((
                key,
                serde_json::to_vec(s).map_err(|e| Error::Internal(e.to_string()))?,
            ));
        }
    }
    let answers: Vec<Answer> = bodies
        .iter()
        .map(|(key, body)| Answer {
            key,
            status: 200,
            body,
        })
        .collect();
    idempotency::store_in(&mut tx, &answers, now.timestamp_millis()).await?;
    tx.commit().await?;
    Ok(sessions)
}
