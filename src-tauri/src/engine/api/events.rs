//! `/api/v1/events`: the event log, scoped to the key's mode, and resend.

use super::error::{ApiError, ErrorBody};
use super::guard::Caller;
use super::input::{int_param, json, query, PathId};
use super::{ok, ApiState};
use crate::engine::checkout::Page;
use crate::engine::events::{Event, EventQuery};
use crate::engine::webhooks::Attempt;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use utoipa::ToSchema;

/// Body of `POST /events/{id}/resend`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resend {
    /// Deliver to this endpoint only; every subscribed endpoint when absent.
    pub endpoint: Option<String>,
}

/// List events
///
/// Newest first, optionally of one type.
#[utoipa::path(get, operation_id = "listEvents", path = "/api/v1/events", tag = "Events",
    params(
        ("type" = Option<String>, Query, description = "An event type, e.g. session.paid"),
        ("limit" = Option<i64>, Query, description = "1 to 100, default 10"),
        ("startingAfter" = Option<String>, Query, description = "An event id: return older events"),
    ),
    responses(
        (status = 200, description = "A page of events", body = Page<Event>),
        (status = 400, description = "Invalid filter", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 403, description = "Restricted key", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<ApiState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let p = query(raw.as_deref(), &["type", "limit", "startingAfter"])?;
    let q = EventQuery {
        kind: p.get("type").cloned(),
        limit: int_param(&p, "limit")?,
        starting_after: p.get("startingAfter").cloned(),
    };
    ok(&st.svc.events_list(&q, caller.scope()).await?)
}

/// Retrieve an event
#[utoipa::path(get, operation_id = "getEvent", path = "/api/v1/events/{id}", tag = "Events",
    params(("id" = String, Path, description = "evt_…")),
    responses(
        (status = 200, description = "The event, as delivered", body = Event),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 403, description = "Restricted key", body = ErrorBody),
        (status = 404, description = "No such event (for this key's mode)", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn get(
    State(st): State<ApiState>,
    Extension(caller): Extension<Caller>,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    ok(&st.svc.events_get(&id, caller.scope()).await?)
}

/// Resend an event
///
/// Delivers the event again now, to one endpoint or to every endpoint of the key's mode
/// subscribed to its type, and returns the attempts.
#[utoipa::path(post, operation_id = "resendEvent", path = "/api/v1/events/{id}/resend", tag = "Events",
    request_body(content = Resend, description = "Optional"),
    params(("id" = String, Path, description = "evt_…"),
           ("Idempotency-Key" = Option<String>, Header, description = "Optional")),
    responses(
        (status = 200, description = "The attempts made", body = Page<Attempt>),
        (status = 400, description = "Invalid body", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 403, description = "Restricted key", body = ErrorBody),
        (status = 404, description = "No such event or endpoint", body = ErrorBody),
        (status = 409, description = "Already being delivered", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn resend(
    State(st): State<ApiState>,
    Extension(caller): Extension<Caller>,
    PathId(id): PathId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: Resend = json(&body)?;
    let scope = caller.scope();
    let event = st.svc.events_get(&id, scope).await?;
    let data = st
        .svc
        .events_resend(&event.id, req.endpoint.as_deref(), scope)
        .await?;
    ok(&Page {
        object: "list",
        data,
        has_more: false,
    })
}
