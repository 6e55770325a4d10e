//! `/api/v1/webhook_endpoints`, scoped to the key's mode (SPEC §5): an endpoint added with a test
//! key is a test endpoint (test events only), one added with a live key a live endpoint (live and
//! test events); each key sees and changes only its mode's endpoints, the others are a 404.

use super::error::{ApiError, ErrorBody};
use super::guard::Caller;
use super::input::{int_param, json, query, PathId};
use super::{ok, ApiState};
use crate::engine::checkout::Page;
use crate::engine::webhooks::{self, Attempt, Endpoint, NewSecret};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::Extension;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Body of `POST /webhook_endpoints`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    /// A label for the owner.
    pub name: String,
    /// `https://…`, or `http://` to loopback, a private LAN address or a `.local` name.
    pub url: String,
    /// `["*"]` (default) or event types.
    pub events: Option<Vec<String>>,
}

/// The answer to a delete.
#[derive(Debug, Serialize, ToSchema)]
pub struct Deleted {
    /// The deleted endpoint's id.
    pub id: String,
    /// Always `"webhook_endpoint"`.
    #[schema(value_type = String)]
    pub object: &'static str,
    /// Always `true`.
    pub deleted: bool,
}

/// Create a webhook endpoint
///
/// The answer carries the signing `secret`: it is shown this once. The endpoint takes the key's
/// mode (`livemode`): a test key's receives test events only; a live key's live and test events.
#[utoipa::path(post, operation_id = "createWebhookEndpoint", path = "/api/v1/webhook_endpoints", tag = "Webhook endpoints",
    request_body = NewEndpoint,
    params(("Idempotency-Key" = Option<String>, Header, description = "Optional")),
    responses(
        (status = 200, description = "The endpoint with its secret", body = NewSecret),
        (status = 400, description = "Invalid request (e.g. plain http to a public address)", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 403, description = "Restricted key", body = ErrorBody),
        (status = 409, description = "The same Idempotency-Key is in flight", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 422, description = "Idempotency-Key reused with a different body", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn create(
    State(st): State<ApiState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: NewEndpoint = json(&body)?;
    if req.name.trim().is_empty() {
        return Err(ApiError::invalid(
            "parameter_invalid",
            Some("name".into()),
            "name must not be empty",
        ));
    }
    let ep = st
        .svc
        .webhooks_add_in(caller.0.mode, Some(&req.name), &req.url, req.events);
    ok(&ep.await?)
}

/// List webhook endpoints
#[utoipa::path(get, operation_id = "listWebhookEndpoints", path = "/api/v1/webhook_endpoints", tag = "Webhook endpoints",
    responses(
        (status = 200, description = "Every endpoint of the key's mode, newest first", body = Page<Endpoint>),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 403, description = "Restricted key", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<ApiState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    query(raw.as_deref(), &[])?;
    let data = st.svc.webhooks_list(caller.scope()).await?;
    ok(&Page {
        object: "list",
        data,
        has_more: false,
    })
}

/// Retrieve a webhook endpoint
#[utoipa::path(get, operation_id = "getWebhookEndpoint", path = "/api/v1/webhook_endpoints/{id}", tag = "Webhook endpoints",
    params(("id" = String, Path, description = "we_…")),
    responses(
        (status = 200, description = "The endpoint (never its secret)", body = Endpoint),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 403, description = "Restricted key", body = ErrorBody),
        (status = 404, description = "No such endpoint (for this key's mode)", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn get(
    State(st): State<ApiState>,
    Extension(caller): Extension<Caller>,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    ok(&st.svc.webhooks_get(&id, caller.scope()).await?)
}

/// Delete a webhook endpoint
///
/// Its pending deliveries are canceled.
#[utoipa::path(delete, operation_id = "deleteWebhookEndpoint", path = "/api/v1/webhook_endpoints/{id}", tag = "Webhook endpoints",
    params(("id" = String, Path, description = "we_…")),
    responses(
        (status = 200, description = "Deleted", body = Deleted),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 403, description = "Restricted key", body = ErrorBody),
        (status = 404, description = "No such endpoint (for this key's mode)", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn delete(
    State(st): State<ApiState>,
    Extension(caller): Extension<Caller>,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let ep = st.svc.webhooks_remove(&id, caller.scope()).await?;
    ok(&Deleted {
        id: ep.id,
        object: "webhook_endpoint",
        deleted: true,
    })
}

/// Rotate an endpoint's signing secret
///
/// Returns the new secret once; the previous one keeps signing for 24 hours.
#[utoipa::path(post, operation_id = "rotateWebhookEndpointSecret", path = "/api/v1/webhook_endpoints/{id}/rotate_secret", tag = "Webhook endpoints",
    params(("id" = String, Path, description = "we_…"),
           ("Idempotency-Key" = Option<String>, Header, description = "Optional")),
    responses(
        (status = 200, description = "The endpoint with its new secret", body = NewSecret),
        (status = 400, description = "A body was sent", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 403, description = "Restricted key", body = ErrorBody),
        (status = 404, description = "No such endpoint (for this key's mode)", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn rotate(
    State(st): State<ApiState>,
    Extension(caller): Extension<Caller>,
    PathId(id): PathId,
    body: Bytes,
) -> Result<Response, ApiError> {
    json::<super::Empty>(&body)?;
    ok(&st.svc.webhooks_rotate(&id, caller.scope()).await?)
}

/// Send a test event
///
/// Delivers a `webhook.test` event to this endpoint now and returns the attempt.
#[utoipa::path(post, operation_id = "testWebhookEndpoint", path = "/api/v1/webhook_endpoints/{id}/test", tag = "Webhook endpoints",
    params(("id" = String, Path, description = "we_…"),
           ("Idempotency-Key" = Option<String>, Header, description = "Optional")),
    responses(
        (status = 200, description = "The delivery attempt", body = Attempt),
        (status = 400, description = "A body was sent", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 403, description = "Restricted key", body = ErrorBody),
        (status = 404, description = "No such endpoint (for this key's mode)", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn test(
    State(st): State<ApiState>,
    Extension(caller): Extension<Caller>,
    PathId(id): PathId,
    body: Bytes,
) -> Result<Response, ApiError> {
    json::<super::Empty>(&body)?;
    ok(&st.svc.webhooks_test(&id, caller.scope()).await?)
}

/// The delivery log of an endpoint
///
/// Every attempt, newest first: time, attempt number, HTTP status or error, duration, the first
/// 4 KiB of the response and the next retry.
#[utoipa::path(get, operation_id = "listWebhookAttempts", path = "/api/v1/webhook_endpoints/{id}/attempts", tag = "Webhook endpoints",
    params(("id" = String, Path, description = "we_…"),
        ("limit" = Option<i64>, Query, description = "1 to 100, default 10"),
        ("startingAfter" = Option<String>, Query, description = "An attempt id (att_…): return older attempts")),
    responses(
        (status = 200, description = "A page of attempts", body = Page<Attempt>),
        (status = 400, description = "Invalid query", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 403, description = "Restricted key", body = ErrorBody),
        (status = 404, description = "No such endpoint (for this key's mode)", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn attempts(
    State(st): State<ApiState>,
    Extension(caller): Extension<Caller>,
    PathId(id): PathId,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let p = query(raw.as_deref(), &["limit", "startingAfter"])?;
    let before = p
        .get("startingAfter")
        .map(|c| webhooks::parse_attempt_id(c))
        .transpose()?;
    let limit = int_param(&p, "limit")?;
    ok(&st
        .svc
        .webhooks_attempts(&id, caller.scope(), limit, before)
        .await?)
}
