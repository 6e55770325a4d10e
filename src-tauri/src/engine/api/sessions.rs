//! `/api/v1/checkout_sessions`.

use super::error::{ApiError, ErrorBody};
use super::guard::{AnswerKept, Caller};
use super::input::{int_param, json, query, PathId};
use super::{ok, ApiState};
use crate::engine::checkout::model::CheckoutSession;
use crate::engine::checkout::{ListQuery, NewSession, Page};
use crate::engine::idempotency::AnswerKey;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::Extension;

/// Create a checkout session
///
/// Quotes the fiat amount in the asset at the current rate (fixed for the session's life),
/// allocates a fresh address and returns the session with its `checkoutUrl` and `paymentUri`.
#[utoipa::path(post, operation_id = "createCheckoutSession", path = "/api/v1/checkout_sessions", tag = "Checkout sessions",
    request_body = NewSession,
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 255 characters; a retry with the same key and body returns the first answer")),
    responses(
        (status = 200, description = "The new session", body = CheckoutSession),
        (status = 400, description = "Invalid request", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 403, description = "The key may not use this network", body = ErrorBody),
        (status = 409, description = "The same Idempotency-Key is in flight", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 422, description = "Idempotency-Key reused with a different body", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
        (status = 500, description = "Engine failure", body = ErrorBody),
        (status = 503, description = "Refused for now, never stored for the Idempotency-Key: `code` is `no_wallet`, `rate_unavailable` or `network_unavailable`; retry after `Retry-After` seconds",
            body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before retrying"))),
    ),
    security(("bearer" = [])))]
pub async fn create(
    State(st): State<ApiState>,
    Extension(caller): Extension<Caller>,
    answer_key: Option<Extension<AnswerKey>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: NewSession = json(&body)?;
    let keep = answer_key.map(|Extension(k)| k);
    let kept = keep.is_some();
    let mut res = ok(&st
        .svc
        .sessions_create_keeping(req, caller.scope(), keep)
        .await?)?;
    if kept {
        res.extensions_mut().insert(AnswerKept);
    }
    Ok(res)
}

/// Retrieve a checkout session
#[utoipa::path(get, operation_id = "getCheckoutSession", path = "/api/v1/checkout_sessions/{id}", tag = "Checkout sessions",
    params(("id" = String, Path, description = "cs_…")),
    responses(
        (status = 200, description = "The session", body = CheckoutSession),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 404, description = "No such session (for this key's mode)", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn get(
    State(st): State<ApiState>,
    Extension(caller): Extension<Caller>,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    ok(&st.svc.sessions_get(&id, caller.scope()).await?)
}

/// List checkout sessions
///
/// Newest first, optionally only one status.
#[utoipa::path(get, operation_id = "listCheckoutSessions", path = "/api/v1/checkout_sessions", tag = "Checkout sessions",
    params(
        ("status" = Option<String>, Query, description = "pending, detected, underpaid, paid, overpaid, paid_late, expired or canceled"),
        ("limit" = Option<i64>, Query, description = "1 to 100, default 10"),
        ("startingAfter" = Option<String>, Query, description = "A session id: return older sessions"),
    ),
    responses(
        (status = 200, description = "A page of sessions", body = Page<CheckoutSession>),
        (status = 400, description = "Invalid filter", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<ApiState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let p = query(raw.as_deref(), &["status", "limit", "startingAfter"])?;
    let q = ListQuery {
        status: p.get("status").cloned(),
        limit: int_param(&p, "limit")?,
        starting_after: p.get("startingAfter").cloned(),
    };
    ok(&st.svc.sessions_list(&q, caller.scope()).await?)
}

/// Cancel a checkout session
///
/// Only a pending session that has received nothing can be canceled.
#[utoipa::path(post, operation_id = "cancelCheckoutSession", path = "/api/v1/checkout_sessions/{id}/cancel", tag = "Checkout sessions",
    params(("id" = String, Path, description = "cs_…"),
           ("Idempotency-Key" = Option<String>, Header, description = "Optional")),
    responses(
        (status = 200, description = "The canceled session", body = CheckoutSession),
        (status = 400, description = "A body was sent", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody),
        (status = 409, description = "The session is not pending or has a payment", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn cancel(
    State(st): State<ApiState>,
    Extension(caller): Extension<Caller>,
    PathId(id): PathId,
    body: Bytes,
) -> Result<Response, ApiError> {
    json::<super::Empty>(&body)?;
    ok(&st.svc.sessions_cancel(&id, caller.scope()).await?)
}
