//! What runs before every authenticated handler: the API key, its restriction, its rate limit,
//! the 64 KiB body limit and idempotency of POSTs.

use super::error::ApiError;
use super::idempotency;
use super::ApiState;
use crate::engine::config::Mode;
use crate::engine::idempotency::{self as answers, Answer, AnswerKey, Stored};
use crate::engine::keys::ApiKey;
use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The header a replayed answer carries.
pub const REPLAYED: &str = "idempotent-replayed";

/// The authenticated caller, for handlers.
#[derive(Clone)]
pub struct Caller(pub ApiKey);

impl Caller {
    /// The mode the caller is limited to.
    pub fn scope(&self) -> Option<Mode> {
        Some(self.0.mode)
    }
}

/// The middleware: answers errors itself, otherwise passes the request on with its [`Caller`].
pub async fn guard(State(st): State<ApiState>, req: Request, next: Next) -> Response {
    match guarded(st, req, next).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn guarded(st: ApiState, req: Request, next: Next) -> Result<Response, ApiError> {
    let key = authenticate(&st, req.headers()).await?;
    if key.restricted && !req.uri().path().starts_with("/api/v1/checkout_sessions") {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "permission_error",
            "restricted_key",
            "this API key is restricted to checkout sessions",
        ));
    }
    st.limiter
        .check(&key.id, Instant::now())
        .map_err(ApiError::rate_limited)?;
    let (mut parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let bytes = to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| too_large())?;
    let idem_key = if parts.method == Method::POST {
        parts
            .headers
            .get("idempotency-key")
            .map(|v| {
                let k = v.to_str().unwrap_or("\u{1}").to_string();
                idempotency::check_key(&k).map(|_| k)
            })
            .transpose()?
    } else {
        None
    };
    parts.extensions.insert(Caller(key.clone()));
    let Some(idem_key) = idem_key else {
        return Ok(next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await);
    };

    let answer_key = AnswerKey {
        api_key_id: key.id.clone(),
        request_hash: idempotency::request_hash(parts.method.as_str(), parts.uri.path(), &bytes),
        key: idem_key,
    };
    let now_ms = st.svc.now().timestamp_millis();
    let look = || answers::lookup(st.svc.pool(), &answer_key, now_ms);
    // Replays need no claim; a first request claims the key, then looks again (the answer may
    // have been stored between the two looks).
    if let Some(stored) = look().await? {
        return replay(stored, &answer_key.request_hash);
    }
    let _claim = st.inflight.claim(&key.id, &answer_key.key)?;
    if let Some(stored) = look().await? {
        return replay(stored, &answer_key.request_hash);
    }
    parts.extensions.insert(answer_key.clone());
    let res = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if !idempotency::storable(res.status()) || res.extensions().get::<AnswerKept>().is_some() {
        return Ok(res);
    }
    let (res_parts, res_body) = res.into_parts();
    let body = to_bytes(res_body, usize::MAX)
        .await
        .map_err(|e| crate::engine::Error::Internal(format!("response body: {e}")))?;
    let answer = Answer {
        key: &answer_key,
        status: res_parts.status.as_u16(),
        body: &body,
    };
    answers::store(&st.svc, &answer, now_ms).await?;
    Ok(Response::from_parts(res_parts, Body::from(body)))
}

/// Marks a response whose handler already stored it under the request's [`AnswerKey`]
/// (which the guard hands to handlers of POSTs with an `Idempotency-Key`).
#[derive(Clone, Copy)]
pub struct AnswerKept;

async fn authenticate(st: &ApiState, headers: &axum::http::HeaderMap) -> Result<ApiKey, ApiError> {
    let missing = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "api_key_missing",
            "send your API key as `Authorization: Bearer ck_test_…` (or ck_live_…)",
        )
    };
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(missing)?
        .to_str()
        .map_err(|_| missing())?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(missing)?
        .trim();
    Ok(st.svc.authenticate(token).await?)
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "invalid_request_error",
        "body_too_large",
        format!(
            "request bodies are limited to {} KiB",
            MAX_BODY_BYTES / 1024
        ),
    )
}

/// The stored answer again, or 422 when `hash` is another request than the stored one's.
fn replay(stored: Stored, hash: &str) -> Result<Response, ApiError> {
    if stored.request_hash != hash {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_error",
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request in the last 24 hours; use a new key",
        ));
    }
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut res = (status, Bytes::from(stored.body)).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(REPLAYED, HeaderValue::from_static("true"));
    Ok(res)
}
