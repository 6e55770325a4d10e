//! The event outbox: events are written in the same transaction as the change that raises them,
//! together with one queued delivery per subscribed webhook endpoint.

use crate::engine::ids::EventId;
use crate::engine::Result;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::SqliteConnection;

/// How long a delivery queued for a caller that delivers it itself ("send test", "resend") is
/// held from the dispatcher; if the caller dies first, the dispatcher delivers it after this.
pub const CALLER_HOLD_SECS: i64 = 60;

/// Event types of SPEC §5.
pub mod types {
    /// A session was created.
    pub const SESSION_CREATED: &str = "session.created";
    /// A payment was seen.
    pub const SESSION_DETECTED: &str = "session.detected";
    /// The confirmed total is short.
    pub const SESSION_UNDERPAID: &str = "session.underpaid";
    /// Paid in full.
    pub const SESSION_PAID: &str = "session.paid";
    /// Paid more than the amount.
    pub const SESSION_OVERPAID: &str = "session.overpaid";
    /// Paid in full after expiry, within grace.
    pub const SESSION_PAID_LATE: &str = "session.paid_late";
    /// A session passed its expiry with nothing sufficient received.
    pub const SESSION_EXPIRED: &str = "session.expired";
    /// A session was canceled.
    pub const SESSION_CANCELED: &str = "session.canceled";
    /// Funds arrived after the session was final.
    pub const SESSION_LATE_PAYMENT: &str = "session.late_payment";
    /// A paid session lost its payment in a reorg.
    pub const SESSION_REVERTED: &str = "session.reverted";
    /// "Send test event".
    pub const WEBHOOK_TEST: &str = "webhook.test";

    /// Every type, for validating endpoint filters.
    pub const ALL: [&str; 11] = [
        SESSION_CREATED,
        SESSION_DETECTED,
        SESSION_UNDERPAID,
        SESSION_PAID,
        SESSION_OVERPAID,
        SESSION_PAID_LATE,
        SESSION_EXPIRED,
        SESSION_CANCELED,
        SESSION_LATE_PAYMENT,
        SESSION_REVERTED,
        WEBHOOK_TEST,
    ];
}

#[derive(Serialize)]
struct EventBody<'a, T: Serialize> {
    id: &'a str,
    object: &'static str,
    #[serde(rename = "type")]
    kind: &'a str,
    created: i64,
    livemode: bool,
    data: EventData<'a, T>,
}

#[derive(Serialize)]
struct EventData<'a, T: Serialize> {
    object: &'a T,
}

/// Writes an event about `object` inside the caller's transaction and queues it for every
/// enabled endpoint subscribed to its type.
pub async fn record<T: Serialize>(
    conn: &mut SqliteConnection,
    kind: &str,
    session_id: Option<&str>,
    livemode: bool,
    object: &T,
    now: DateTime<Utc>,
) -> Result<EventId> {
    record_for(conn, kind, session_id, livemode, object, now, None).await
}

/// Like [`record`]; with `only_endpoint` the event is queued for that endpoint alone and held
/// for the caller to deliver at once (see [`CALLER_HOLD_SECS`]).
pub async fn record_for<T: Serialize>(
    conn: &mut SqliteConnection,
    kind: &str,
    session_id: Option<&str>,
    livemode: bool,
    object: &T,
    now: DateTime<Utc>,
    only_endpoint: Option<&str>,
) -> Result<EventId> {
    let id = EventId::generate();
    let body = serde_json::to_string(&EventBody {
        id: id.as_str(),
        object: "event",
        kind,
        created: now.timestamp(),
        livemode,
        data: EventData { object },
    })
    .map_err(|e| crate::engine::Error::Internal(e.to_string()))?;
    sqlx::query("INSERT INTO events (id, type, session_id, livemode, created, body) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(id.as_str())
        .bind(kind)
        .bind(session_id)
        .bind(livemode)
        .bind(now.timestamp())
        .bind(body)
        .execute(&mut *conn)
        .await?;
    let now_ms = now.timestamp_millis();
    match only_endpoint {
        Some(endpoint) => {
            sqlx::query("INSERT INTO deliveries (event_id, endpoint_id, status, next_attempt_at, created_at) VALUES (?, ?, 'pending', ?, ?)")
                .bind(id.as_str())
                .bind(endpoint)
                .bind((now + Duration::seconds(CALLER_HOLD_SECS)).timestamp_millis())
                .bind(now_ms)
                .execute(&mut *conn)
                .await?;
        }
        None => {
            sqlx::query(
                "INSERT INTO deliveries (event_id, endpoint_id, status, next_attempt_at, created_at) \
                 SELECT ?1, id, 'pending', ?2, ?2 FROM webhook_endpoints \
                 WHERE disabled_at IS NULL AND EXISTS (SELECT 1 FROM json_each(webhook_endpoints.events) WHERE value IN ('*', ?3))",
            )
            .bind(id.as_str())
            .bind(now_ms)
            .bind(kind)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(id)
}
