//! The event outbox: events are written in the same transaction as the change that raises them;
//! the webhook dispatcher reads them from here.

use crate::engine::ids::EventId;
use crate::engine::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::SqliteConnection;

/// Event types of SPEC §5.
pub mod types {
    /// A session was created.
    pub const SESSION_CREATED: &str = "session.created";
    /// A session was canceled.
    pub const SESSION_CANCELED: &str = "session.canceled";
    /// A session passed its expiry with nothing sufficient received.
    pub const SESSION_EXPIRED: &str = "session.expired";
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

/// Writes an event about `object` (a checkout session) inside the caller's transaction.
pub async fn record<T: Serialize>(
    conn: &mut SqliteConnection,
    kind: &str,
    session_id: Option<&str>,
    livemode: bool,
    object: &T,
    now: DateTime<Utc>,
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
        .execute(conn)
        .await?;
    Ok(id)
}
