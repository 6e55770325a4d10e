//! The event outbox: events are written in the same transaction as the change that raises them,
//! together with one queued delivery per subscribed webhook endpoint that receives the event's
//! mode (a live endpoint receives live and test events, a test endpoint test events only).

use crate::engine::checkout::{page_limit, Page};
use crate::engine::config::Mode;
use crate::engine::ids::EventId;
use crate::engine::Result;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::{SqliteConnection, SqlitePool};

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
    /// Funds in another asset than the session's arrived (kept as an extra payment).
    pub const SESSION_UNEXPECTED_PAYMENT: &str = "session.unexpected_payment";
    /// A session moved back (a payment was replaced, dropped or reorged out).
    pub const SESSION_REVERTED: &str = "session.reverted";
    /// "Send test event".
    pub const WEBHOOK_TEST: &str = "webhook.test";

    /// Every type, for validating endpoint filters.
    pub const ALL: [&str; 12] = [
        SESSION_CREATED,
        SESSION_DETECTED,
        SESSION_UNDERPAID,
        SESSION_PAID,
        SESSION_OVERPAID,
        SESSION_PAID_LATE,
        SESSION_EXPIRED,
        SESSION_CANCELED,
        SESSION_LATE_PAYMENT,
        SESSION_UNEXPECTED_PAYMENT,
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

/// Like [`record`]; with `only_endpoint` the event is queued for that endpoint alone (the caller
/// has checked that it receives the event's mode) and held for the caller to deliver at once
/// (see [`CALLER_HOLD_SECS`]).
pub async fn record_for<T: Serialize>(
    conn: &mut SqliteConnection,
    kind: &str,
    session_id: Option<&str>,
    livemode: bool,
    object: &T,
    now: DateTime<Utc>,
    only_endpoint: Option<&str>,
) -> Result<EventId> {
    let subject = [Subject {
        session_id,
        livemode,
        object,
    }];
    let Some(endpoint) = only_endpoint else {
        return the_one(record_many(conn, kind, &subject, now).await?);
    };
    let id = the_one(insert(conn, kind, &subject, now).await?)?;
    sqlx::query("INSERT INTO deliveries (event_id, endpoint_id, status, next_attempt_at, created_at) VALUES (?, ?, 'pending', ?, ?)")
        .bind(id.as_str())
        .bind(endpoint)
        .bind((now + Duration::seconds(CALLER_HOLD_SECS)).timestamp_millis())
        .bind(now.timestamp_millis())
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

/// The id of the one event written for one subject.
fn the_one(ids: Vec<EventId>) -> Result<EventId> {
    ids.into_iter()
        .next()
        .ok_or_else(|| crate::engine::Error::Internal("no event was written".into()))
}

/// What one event is about.
pub struct Subject<'a, T: Serialize> {
    /// The session it concerns, if any.
    pub session_id: Option<&'a str>,
    /// Whether that is a live-mode object.
    pub livemode: bool,
    /// The object, as of now.
    pub object: &'a T,
}

/// Writes one event of type `kind` per subject (in two statements, however many) and queues
/// them for every enabled endpoint subscribed to `kind` that receives the event's mode (see
/// [`crate::engine::webhooks::receives`]). Returns the ids in order.
pub async fn record_many<T: Serialize>(
    conn: &mut SqliteConnection,
    kind: &str,
    subjects: &[Subject<'_, T>],
    now: DateTime<Utc>,
) -> Result<Vec<EventId>> {
    let ids = insert(conn, kind, subjects, now).await?;
    let id_list = serde_json::to_string(&ids.iter().map(EventId::as_str).collect::<Vec<_>>())
        .map_err(|e| crate::engine::Error::Internal(e.to_string()))?;
    sqlx::query(
        "INSERT INTO deliveries (event_id, endpoint_id, status, next_attempt_at, created_at) \
         SELECT ev.id, w.id, 'pending', ?1, ?1 FROM json_each(?2) e JOIN events ev ON ev.id = e.value, webhook_endpoints w \
         WHERE w.disabled_at IS NULL AND (w.livemode OR NOT ev.livemode) \
         AND EXISTS (SELECT 1 FROM json_each(w.events) WHERE value IN ('*', ?3))",
    )
    .bind(now.timestamp_millis())
    .bind(id_list)
    .bind(kind)
    .execute(&mut *conn)
    .await?;
    Ok(ids)
}

/// Inserts the events themselves, in one statement.
async fn insert<T: Serialize>(
    conn: &mut SqliteConnection,
    kind: &str,
    subjects: &[Subject<'_, T>],
    now: DateTime<Utc>,
) -> Result<Vec<EventId>> {
    let mut rows = Vec::with_capacity(subjects.len());
    for s in subjects {
        let id = EventId::generate();
        let body = serde_json::to_string(&EventBody {
            id: id.as_str(),
            object: "event",
            kind,
            created: now.timestamp(),
            livemode: s.livemode,
            data: EventData { object: s.object },
        })
        .map_err(|e| crate::engine::Error::Internal(e.to_string()))?;
        rows.push((id, s, body));
    }
    sqlx::QueryBuilder::new("INSERT INTO events (id, type, session_id, livemode, created, body) ")
        .push_values(&rows, |mut b, (id, s, body)| {
            b.push_bind(id.as_str())
                .push_bind(kind)
                .push_bind(s.session_id)
                .push_bind(s.livemode)
                .push_bind(now.timestamp())
                .push_bind(body.as_str());
        })
        .build()
        .execute(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(|(id, _, _)| id).collect())
}

/// An event as the API returns it: the stored JSON, exactly as delivered.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Event {
    /// `evt_…`, the same on every delivery attempt.
    pub id: String,
    /// Always `"event"`.
    pub object: String,
    /// One of [`types::ALL`].
    #[serde(rename = "type")]
    pub kind: String,
    /// Unix seconds.
    pub created: i64,
    /// Whether it concerns a live-mode object.
    pub livemode: bool,
    /// `{"object": <the checkout session or test payload>}`.
    pub data: StoredData,
}

/// The `data` of an event.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct StoredData {
    /// The full object at the time of the event.
    pub object: serde_json::Value,
}

/// Filters and cursor of an event list.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// Only events of this type.
    pub kind: Option<String>,
    /// Page size, 1 to 100 (default 10).
    pub limit: Option<i64>,
    /// Return events older than this id.
    pub starting_after: Option<String>,
}

fn parse_body(body: &str) -> Result<Event> {
    serde_json::from_str(body)
        .map_err(|e| crate::engine::Error::Internal(format!("stored event is unreadable: {e}")))
}

fn mode_matches(livemode: bool, scope: Option<Mode>) -> bool {
    scope.is_none_or(|m| livemode == (m == Mode::Live))
}

/// One event. An event of the other mode is reported as not found.
pub async fn get(pool: &SqlitePool, id: &str, scope: Option<Mode>) -> Result<Event> {
    let id = EventId::parse(id)?;
    let row: Option<(bool, String)> =
        sqlx::query_as("SELECT livemode, body FROM events WHERE id = ?")
            .bind(id.as_str())
            .fetch_optional(pool)
            .await?;
    match row {
        Some((livemode, body)) if mode_matches(livemode, scope) => parse_body(&body),
        _ => Err(crate::engine::Error::NotFound {
            kind: "event",
            id: id.to_string(),
        }),
    }
}

/// Events newest first, with an optional type filter and cursor.
pub async fn list(pool: &SqlitePool, q: &EventQuery, scope: Option<Mode>) -> Result<Page<Event>> {
    let limit = page_limit(q.limit)?;
    if let Some(k) = &q.kind {
        if !types::ALL.contains(&k.as_str()) {
            return Err(crate::engine::Error::invalid(
                "type",
                format!(
                    "unknown event type `{}` (one of: {})",
                    k.chars().take(40).collect::<String>(),
                    types::ALL.join(", ")
                ),
            ));
        }
    }
    let before: i64 = match &q.starting_after {
        None => i64::MAX,
        Some(cursor) => {
            let id = EventId::parse(cursor).map_err(|_| {
                crate::engine::Error::invalid("startingAfter", "startingAfter is not an event id")
            })?;
            sqlx::query_scalar("SELECT seq FROM events WHERE id = ?")
                .bind(id.as_str())
                .fetch_optional(pool)
                .await?
                .ok_or_else(|| {
                    crate::engine::Error::invalid("startingAfter", format!("no such event: {id}"))
                })?
        }
    };
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT body FROM events WHERE seq < ?1 AND (?2 IS NULL OR type = ?2) AND (?3 IS NULL OR livemode = ?3) \
         ORDER BY seq DESC LIMIT ?4",
    )
    .bind(before)
    .bind(&q.kind)
    .bind(scope.map(|m| m == Mode::Live))
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    let has_more = rows.len() as i64 > limit;
    let data = rows
        .iter()
        .take(limit as usize)
        .map(|(b,)| parse_body(b))
        .collect::<Result<Vec<_>>>()?;
    Ok(Page {
        object: "list",
        data,
        has_more,
    })
}
