//! Webhook endpoints (add, list, get, remove, rotate, test), the delivery log and resend.
//! Delivery itself is the dispatcher's job.
//!
//! Every endpoint has a mode (SPEC §5): a test endpoint receives test events only, a live one
//! live and test events. Functions taking a `scope` see only endpoints of that mode (an API key's
//! mode; another mode's endpoint is not found); `None` is the owner (CLI, window), who sees all.

pub mod dispatcher;
pub mod listen;
pub mod schedule;
pub mod signing;
pub mod url_policy;

use crate::engine::checkout::Page;
use crate::engine::clock::{format_time, from_millis};
use crate::engine::config::Mode;
use crate::engine::events::{self, types};
use crate::engine::ids::{EndpointId, EventId};
use crate::engine::redact;
use crate::engine::{Error, Result, Service};
use chrono::Duration;
use serde::Serialize;
use sqlx::SqlitePool;

/// How long the previous secret keeps signing after a rotation.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;
/// Longest endpoint name.
const MAX_NAME: usize = 100;

/// An endpoint as shown: the secret only in [`NewSecret`], on creation and rotation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    /// `we_…`.
    pub id: String,
    /// Always `"webhook_endpoint"`.
    #[schema(value_type = String)]
    #[ts(type = "\"webhook_endpoint\"")]
    pub object: &'static str,
    /// The owner's label.
    pub name: String,
    /// Where events are POSTed.
    pub url: String,
    /// `["*"]` or event types.
    pub events: Vec<String>,
    /// `false` for a test endpoint (test events only, seen by test keys), `true` for a live one
    /// (live and test events, seen by live keys).
    pub livemode: bool,
    /// `enabled` or `disabled`.
    #[schema(value_type = String)]
    #[ts(type = "\"enabled\" | \"disabled\"")]
    pub status: &'static str,
    /// Why it was disabled (e.g. the receiver answered 410 Gone).
    pub disabled_reason: Option<String>,
    /// Until when the previous secret still signs, after a rotation.
    pub previous_secret_expires_at: Option<String>,
    /// Creation time.
    pub created_at: String,
}

/// An endpoint with its secret, returned once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct NewSecret {
    /// The endpoint.
    #[serde(flatten)]
    pub endpoint: Endpoint,
    /// `whsec_…`: shown now and never again.
    pub secret: String,
}

/// One logged delivery attempt.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    /// `att_<n>`: the attempt's id, the cursor of the delivery log.
    #[serde(serialize_with = "ser_attempt_id")]
    #[schema(value_type = String)]
    #[ts(type = "string")]
    pub id: i64,
    /// The event delivered.
    pub event_id: String,
    /// The endpoint.
    pub endpoint_id: String,
    /// 1 for the first attempt of a delivery.
    #[ts(type = "number")]
    pub attempt: i64,
    /// Start time (ms), shown as RFC 3339.
    #[serde(serialize_with = "ser_time")]
    #[schema(value_type = String)]
    #[ts(type = "string")]
    pub started_at: i64,
    /// How long it took.
    #[ts(type = "number")]
    pub duration_ms: i64,
    /// HTTP status, if a response arrived.
    #[ts(type = "number | null")]
    pub http_status: Option<i64>,
    /// What went wrong, if no 2xx arrived.
    pub error: Option<String>,
    /// First 4 KiB of the response body.
    pub response_body: String,
    /// When the next attempt is due (ms), if one is scheduled.
    #[serde(serialize_with = "ser_opt_time")]
    #[schema(value_type = Option<String>)]
    #[ts(type = "string | null")]
    pub next_retry_at: Option<i64>,
}

/// Prefix of an attempt id.
pub const ATTEMPT_PREFIX: &str = "att_";

fn ser_attempt_id<S: serde::Serializer>(v: &i64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{ATTEMPT_PREFIX}{v}"))
}

/// Parses an `att_<n>` cursor.
pub fn parse_attempt_id(s: &str) -> Result<i64> {
    s.strip_prefix(ATTEMPT_PREFIX)
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            Error::invalid(
                "startingAfter",
                "startingAfter is not an attempt id (att_…)",
            )
        })
}

fn ser_time<S: serde::Serializer>(v: &i64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&format_time(from_millis(*v)))
}

fn ser_opt_time<S: serde::Serializer>(
    v: &Option<i64>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(t) => s.serialize_str(&format_time(from_millis(*t))),
        None => s.serialize_none(),
    }
}

#[derive(sqlx::FromRow)]
struct EndpointRow {
    id: String,
    name: String,
    url: String,
    events: String,
    livemode: bool,
    previous_expires_at: Option<i64>,
    disabled_at: Option<i64>,
    disabled_reason: Option<String>,
    created_at: i64,
}

const COLUMNS: &str =
    "id, name, url, events, livemode, previous_expires_at, disabled_at, disabled_reason, created_at";

/// Whether an endpoint of this mode is visible in `scope` (`None`: the owner sees every one).
fn in_scope(livemode: bool, scope: Option<Mode>) -> bool {
    scope.is_none_or(|m| livemode == (m == Mode::Live))
}

/// Whether an endpoint of mode `endpoint_live` receives an event of mode `event_live`: a live
/// endpoint receives both, a test endpoint test events only.
pub fn receives(endpoint_live: bool, event_live: bool) -> bool {
    endpoint_live || !event_live
}

impl EndpointRow {
    fn view(self, now_ms: i64) -> Endpoint {
        Endpoint {
            id: self.id,
            object: "webhook_endpoint",
            name: self.name,
            url: self.url,
            events: serde_json::from_str(&self.events).unwrap_or_default(),
            livemode: self.livemode,
            status: if self.disabled_at.is_some() {
                "disabled"
            } else {
                "enabled"
            },
            disabled_reason: self.disabled_reason,
            previous_secret_expires_at: self
                .previous_expires_at
                .filter(|t| *t > now_ms)
                .map(|t| format_time(from_millis(t))),
            created_at: format_time(from_millis(self.created_at)),
        }
    }
}

/// Validates an event filter: `["*"]` (the default) or known event types.
pub fn check_filter(events: Option<Vec<String>>) -> Result<Vec<String>> {
    let list = events.unwrap_or_else(|| vec!["*".into()]);
    if list.is_empty() {
        return Err(Error::invalid(
            "events",
            "events must list at least one event type, or \"*\"",
        ));
    }
    for e in &list {
        if e != "*" && !types::ALL.contains(&e.as_str()) {
            return Err(Error::invalid(
                "events",
                format!(
                    "unknown event type `{}` (known: *, {})",
                    e.chars().take(60).collect::<String>(),
                    types::ALL.join(", ")
                ),
            ));
        }
    }
    if list.iter().any(|e| e == "*") {
        return Ok(vec!["*".into()]);
    }
    Ok(list)
}

/// Registers a live endpoint for the owner (the CLI, the window); the secret is shown once.
pub async fn add(
    svc: &Service,
    name: Option<&str>,
    url: &str,
    events: Option<Vec<String>>,
) -> Result<NewSecret> {
    add_in(svc, Mode::Live, name, url, events).await
}

/// Registers an endpoint of `mode` (an API key's); the returned secret is shown once.
pub async fn add_in(
    svc: &Service,
    mode: Mode,
    name: Option<&str>,
    url: &str,
    events: Option<Vec<String>>,
) -> Result<NewSecret> {
    let url = url_policy::check(url).map_err(|m| Error::invalid("url", m))?;
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| url.host_str().unwrap_or("endpoint"))
        .to_string();
    if name.chars().count() > MAX_NAME {
        return Err(Error::invalid(
            "name",
            format!("name must be at most {MAX_NAME} characters"),
        ));
    }
    let events = check_filter(events)?;
    let id = EndpointId::generate();
    let secret = signing::generate_secret();
    let events_json = serde_json::to_string(&events).map_err(|e| Error::Internal(e.to_string()))?;
    let insert = sqlx::query("INSERT INTO webhook_endpoints (id, name, url, events, livemode, secret, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(id.as_str())
        .bind(&name)
        .bind(url.as_str())
        .bind(events_json)
        .bind(mode == Mode::Live)
        .bind(&secret)
        .bind(svc.now().timestamp_millis());
    svc.write_one(insert).await?;
    tracing::info!(endpoint = %id, url = %redact::endpoint_url(&url), mode = mode.as_str(), "webhook endpoint added");
    Ok(NewSecret {
        endpoint: get(svc, id.as_str(), None).await?,
        secret,
    })
}

/// One endpoint; one of another mode than `scope` is not found.
pub async fn get(svc: &Service, id: &str, scope: Option<Mode>) -> Result<Endpoint> {
    let id = EndpointId::parse(id)?;
    sqlx::query_as::<_, EndpointRow>(&format!(
        "SELECT {COLUMNS} FROM webhook_endpoints WHERE id = ?"
    ))
    .bind(id.as_str())
    .fetch_optional(svc.pool())
    .await?
    .filter(|r| in_scope(r.livemode, scope))
    .map(|r| r.view(svc.now().timestamp_millis()))
    .ok_or(Error::NotFound {
        kind: "webhook_endpoint",
        id: id.to_string(),
    })
}

/// The endpoints visible in `scope`, newest first.
pub async fn list(svc: &Service, scope: Option<Mode>) -> Result<Vec<Endpoint>> {
    let now = svc.now().timestamp_millis();
    Ok(sqlx::query_as::<_, EndpointRow>(&format!(
        "SELECT {COLUMNS} FROM webhook_endpoints WHERE ?1 IS NULL OR livemode = ?1 ORDER BY seq DESC"
    ))
    .bind(scope.map(|m| m == Mode::Live))
    .fetch_all(svc.pool())
    .await?
    .into_iter()
    .map(|r| r.view(now))
    .collect())
}

/// Disables (`enabled = false`) or re-enables an endpoint. A disabled endpoint gets no new
/// deliveries and its queued ones wait; enabling it lets them go out again.
pub async fn set_enabled(
    svc: &Service,
    id: &str,
    enabled: bool,
    scope: Option<Mode>,
) -> Result<Endpoint> {
    let ep = get(svc, id, scope).await?;
    let q = if enabled {
        sqlx::query(
            "UPDATE webhook_endpoints SET disabled_at = NULL, disabled_reason = NULL WHERE id = ?",
        )
        .bind(&ep.id)
    } else {
        sqlx::query("UPDATE webhook_endpoints SET disabled_at = ?, disabled_reason = 'disabled by the owner' WHERE id = ? AND disabled_at IS NULL")
            .bind(svc.now().timestamp_millis())
            .bind(&ep.id)
    };
    svc.write_one(q).await?;
    svc.outbox_changed();
    get(svc, &ep.id, scope).await
}

/// Removes an endpoint; its queued deliveries are canceled (the attempt log is kept).
pub async fn remove(svc: &Service, id: &str, scope: Option<Mode>) -> Result<Endpoint> {
    let ep = get(svc, id, scope).await?;
    let mut tx = svc.begin_write().await?;
    sqlx::query("UPDATE deliveries SET status = 'canceled', next_attempt_at = NULL WHERE endpoint_id = ? AND status = 'pending'")
        .bind(&ep.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM webhook_endpoints WHERE id = ?")
        .bind(&ep.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(endpoint = %ep.id, "webhook endpoint removed");
    Ok(ep)
}

/// Rotates the secret: the new one is returned once; the old one signs for 24 more hours.
pub async fn rotate(svc: &Service, id: &str, scope: Option<Mode>) -> Result<NewSecret> {
    let ep = get(svc, id, scope).await?;
    let secret = signing::generate_secret();
    let until = (svc.now() + Duration::hours(ROTATION_OVERLAP_HOURS)).timestamp_millis();
    svc.write_one(
        sqlx::query("UPDATE webhook_endpoints SET previous_secret = secret, previous_expires_at = ?, secret = ? WHERE id = ?")
            .bind(until)
            .bind(&secret)
            .bind(&ep.id),
    )
    .await?;
    tracing::info!(endpoint = %ep.id, "webhook secret rotated");
    Ok(NewSecret {
        endpoint: get(svc, &ep.id, None).await?,
        secret,
    })
}

/// The secrets that sign for an endpoint now: the current one, then the previous one during
/// the rotation overlap.
pub async fn signing_secrets(
    pool: &SqlitePool,
    endpoint_id: &str,
    now_ms: i64,
) -> Result<Vec<String>> {
    let row: Option<(String, Option<String>, Option<i64>)> = sqlx::query_as(
        "SELECT secret, previous_secret, previous_expires_at FROM webhook_endpoints WHERE id = ?",
    )
    .bind(endpoint_id)
    .fetch_optional(pool)
    .await?;
    let (current, previous, until) = row.ok_or(Error::NotFound {
        kind: "webhook_endpoint",
        id: endpoint_id.to_string(),
    })?;
    let mut out = vec![current];
    if let (Some(p), Some(u)) = (previous, until) {
        if u > now_ms {
            out.push(p);
        }
    }
    Ok(out)
}

/// Queues a `webhook.test` event for one endpoint and delivers it now. Returns the attempt.
/// The event has the endpoint's mode, so only keys that see the endpoint see the event.
pub async fn send_test(svc: &Service, id: &str, scope: Option<Mode>) -> Result<Attempt> {
    let ep = get(svc, id, scope).await?;
    let now = svc.now();
    let payload = serde_json::json!({
        "object": "webhook_test",
        "endpoint": ep.id,
        "message": "A test event from Chaintill: your endpoint received and can verify it.",
    });
    let mut tx = svc.begin_write().await?;
    let event = events::record_for(
        &mut tx,
        types::WEBHOOK_TEST,
        None,
        ep.livemode,
        &payload,
        now,
        Some(&ep.id),
    )
    .await?;
    tx.commit().await?;
    deliver_now(svc, event.as_str(), &ep.id).await
}

/// An event's type and mode; one of another mode than `scope` is not found.
async fn event_kind(svc: &Service, event: &EventId, scope: Option<Mode>) -> Result<(String, bool)> {
    let row: Option<(String, bool)> =
        sqlx::query_as("SELECT type, livemode FROM events WHERE id = ?")
            .bind(event.as_str())
            .fetch_optional(svc.pool())
            .await?;
    row.filter(|(_, live)| in_scope(*live, scope))
        .ok_or(Error::NotFound {
            kind: "event",
            id: event.to_string(),
        })
}

/// Delivers `event_id` to `endpoint_id` now (a new delivery, with its own schedule on failure).
/// Both must be visible in `scope`; a live event is never sent to a test endpoint.
pub async fn resend(
    svc: &Service,
    event_id: &str,
    endpoint_id: &str,
    scope: Option<Mode>,
) -> Result<Attempt> {
    let event = EventId::parse(event_id)?;
    let (_, live) = event_kind(svc, &event, scope).await?;
    let ep = get(svc, endpoint_id, scope).await?;
    if !receives(ep.livemode, live) {
        return Err(Error::invalid(
            "endpoint",
            format!(
                "{} is a test endpoint: it receives test events only, and {event} is a live event",
                ep.id
            ),
        ));
    }
    deliver_again(svc, &event, &ep).await
}

/// Queues `event` for `ep` again and delivers it now.
async fn deliver_again(svc: &Service, event: &EventId, ep: &Endpoint) -> Result<Attempt> {
    svc.write_one(
        sqlx::query("INSERT INTO deliveries (event_id, endpoint_id, status, next_attempt_at, created_at) VALUES (?, ?, 'pending', ?, ?)")
            .bind(event.as_str())
            .bind(&ep.id)
            .bind(held_for_caller(svc))
            .bind(svc.now().timestamp_millis()),
    )
    .await?;
    deliver_now(svc, event.as_str(), &ep.id).await
}

/// Resends an event to every enabled endpoint in `scope` that subscribes to its type and
/// receives its mode.
pub async fn resend_to_subscribers(
    svc: &Service,
    event_id: &str,
    scope: Option<Mode>,
) -> Result<Vec<Attempt>> {
    let event = EventId::parse(event_id)?;
    let (kind, live) = event_kind(svc, &event, scope).await?;
    let mut out = vec![];
    for ep in list(svc, scope).await? {
        let subscribed = ep.events.iter().any(|e| e == "*" || *e == kind);
        if ep.status == "enabled" && subscribed && receives(ep.livemode, live) {
            out.push(deliver_again(svc, &event, &ep).await?);
        }
    }
    if out.is_empty() {
        return Err(Error::Conflict(format!(
            "no enabled endpoint subscribes to {kind}"
        )));
    }
    Ok(out)
}

/// A delivery the caller is about to attempt itself is due only after a hold, so the engine's
/// dispatcher leaves it alone, yet still delivers it if the caller dies first.
fn held_for_caller(svc: &Service) -> i64 {
    (svc.now() + Duration::seconds(events::CALLER_HOLD_SECS)).timestamp_millis()
}

async fn deliver_now(svc: &Service, event_id: &str, endpoint_id: &str) -> Result<Attempt> {
    let delivery: i64 = sqlx::query_scalar(
        "SELECT id FROM deliveries WHERE event_id = ? AND endpoint_id = ? AND status = 'pending' ORDER BY id DESC LIMIT 1",
    )
    .bind(event_id)
    .bind(endpoint_id)
    .fetch_one(svc.pool())
    .await?;
    let d = dispatcher::Dispatcher::new(svc.clone());
    let job = d
        .claim_one(delivery)
        .await?
        .ok_or_else(|| Error::Conflict("the engine is already delivering this event".into()))?;
    d.attempt(job).await
}

/// The delivery log of an endpoint, newest first.
pub async fn attempts(
    svc: &Service,
    endpoint_id: &str,
    scope: Option<Mode>,
    limit: Option<i64>,
    before: Option<i64>,
) -> Result<Page<Attempt>> {
    let ep = get(svc, endpoint_id, scope).await?;
    let limit = crate::engine::checkout::page_limit(limit)?;
    let rows: Vec<Attempt> = sqlx::query_as(
        "SELECT id, event_id, endpoint_id, attempt, started_at, duration_ms, http_status, error, response_body, next_retry_at \
         FROM delivery_attempts WHERE endpoint_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
    )
    .bind(&ep.id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit + 1)
    .fetch_all(svc.pool())
    .await?;
    let has_more = rows.len() as i64 > limit;
    Ok(Page {
        object: "list",
        data: rows.into_iter().take(limit as usize).collect(),
        has_more,
    })
}
