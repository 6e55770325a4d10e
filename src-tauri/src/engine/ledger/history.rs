//! One session as the owner looks into it: every event it raised (its timeline, with times),
//! each event's webhook deliveries and their attempts, and explorer links for its payments.

use crate::engine::checkout::view::SaleView;
use crate::engine::clock::{format_time, from_millis};
use crate::engine::{Result, Service};
use serde::Serialize;
use ts_rs::TS;

/// One delivery of an event to an endpoint, as the delivery log shows it.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryLine {
    /// The endpoint.
    pub endpoint_id: String,
    /// Its name.
    pub endpoint_name: String,
    /// `pending`, `succeeded`, `failed` or `canceled`.
    pub status: String,
    /// Attempts made.
    #[ts(type = "number")]
    pub attempts: i64,
    /// The last attempt's HTTP status, if a response arrived.
    #[ts(type = "number | null")]
    pub last_http_status: Option<i64>,
    /// The last attempt's error, if no 2xx arrived.
    pub last_error: Option<String>,
    /// When the next attempt is due (ISO 8601), if one is scheduled.
    #[sqlx(skip)]
    pub next_attempt_at: Option<String>,
    #[serde(skip)]
    #[ts(skip)]
    next_attempt_ms: Option<i64>,
}

/// One status change or other event of the session.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    /// `evt_…` (resend takes it).
    pub event_id: String,
    /// `session.paid`, …
    pub kind: String,
    /// When it was raised (ISO 8601).
    pub at: String,
    /// Its webhook deliveries.
    pub deliveries: Vec<DeliveryLine>,
}

/// A payment's link on the network's block explorer.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExplorerLink {
    /// The transaction.
    pub tx_hash: String,
    /// Where to see it (https only).
    pub url: String,
}

/// Everything about one session.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SessionDetail {
    /// The session and its rules.
    pub sale: SaleView,
    /// Its events, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// Explorer links of its payments (none when the network has no explorer configured).
    pub explorer: Vec<ExplorerLink>,
}

/// The detail of session `id`.
pub async fn detail(svc: &Service, id: &str) -> Result<SessionDetail> {
    let sale = SaleView::of(svc.sessions_get(id, None).await?)?;
    let events: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT id, type, created FROM events WHERE session_id = ? ORDER BY seq")
            .bind(&sale.session.id)
            .fetch_all(svc.pool())
            .await?;
    let mut timeline = Vec::with_capacity(events.len());
    for (event_id, kind, created) in events {
        let mut deliveries: Vec<DeliveryLine> = sqlx::query_as(
            "SELECT d.endpoint_id, COALESCE(e.name, d.endpoint_id) AS endpoint_name, d.status, d.attempts, \
             a.http_status AS last_http_status, a.error AS last_error, \
             CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS next_attempt_ms \
             FROM deliveries d LEFT JOIN webhook_endpoints e ON e.id = d.endpoint_id \
             LEFT JOIN delivery_attempts a ON a.id = (SELECT MAX(id) FROM delivery_attempts WHERE delivery_id = d.id) \
             WHERE d.event_id = ? ORDER BY d.id",
        )
        .bind(&event_id)
        .fetch_all(svc.pool())
        .await?;
        for d in &mut deliveries {
            d.next_attempt_at = d.next_attempt_ms.map(|t| format_time(from_millis(t)));
        }
        timeline.push(TimelineEntry {
            event_id,
            kind,
            at: format_time(from_millis(created * 1000)),
            deliveries,
        });
    }
    let template = svc
        .config()
        .network(&sale.session.network.id)
        .and_then(|n| n.explorer_tx_url.clone())
        .filter(|t| t.starts_with("https://") && t.contains("{hash}"));
    let explorer = match template {
        Some(t) => sale
            .session
            .payments
            .iter()
            .map(|p| ExplorerLink {
                tx_hash: p.tx_hash.clone(),
                url: t.replace("{hash}", &p.tx_hash),
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(SessionDetail {
        sale,
        timeline,
        explorer,
    })
}
