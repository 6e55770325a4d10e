//! The local HTTP API (`/api/v1`, SPEC §6) and the hosted checkout page (`/checkout/{id}`,
//! SPEC §7): thin axum handlers over the service layer the CLI and the window use.

mod conn;
pub mod error;
mod events;
mod guard;
mod health;
pub mod idempotency;
mod input;
mod limit;
pub mod openapi;
pub mod page;
mod sessions;
mod webhooks;

use crate::engine::{Error, Result, Service};
use axum::body::Bytes;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Router};
use error::ApiError;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// What every handler shares.
#[derive(Clone)]
pub struct ApiState(Arc<Inner>);

/// The shared parts.
pub struct Inner {
    svc: Service,
    limiter: limit::RateLimiter,
    inflight: idempotency::InFlight,
    openapi: Bytes,
    /// Turns true when the server shuts down, so endless event streams end and let it.
    stopping: tokio::sync::watch::Receiver<bool>,
    /// The hosted page's open event streams.
    streams: Arc<page::Streams>,
}

impl std::ops::Deref for ApiState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// A POST body that must be empty or `{}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {}

/// A 200 JSON answer.
fn ok<T: Serialize>(value: &T) -> std::result::Result<Response, ApiError> {
    let body = serde_json::to_vec(value).map_err(|e| Error::Internal(e.to_string()))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
}

/// The whole HTTP surface for `svc`; its event streams end when `stopping` turns true.
pub fn router(svc: Service, stopping: tokio::sync::watch::Receiver<bool>) -> Router {
    let st = ApiState(Arc::new(Inner {
        stopping,
        limiter: limit::RateLimiter::new(svc.config().api.rate_limit_per_second.get() as u64),
        inflight: idempotency::InFlight::default(),
        openapi: openapi::document(),
        streams: svc.page_streams().clone(),
        svc,
    }));
    let authed = Router::new()
        .route(
            "/api/v1/checkout_sessions",
            post(sessions::create).get(sessions::list),
        )
        .route("/api/v1/checkout_sessions/{id}", get(sessions::get))
        .route(
            "/api/v1/checkout_sessions/{id}/cancel",
            post(sessions::cancel),
        )
        .route(
            "/api/v1/webhook_endpoints",
            post(webhooks::create).get(webhooks::list),
        )
        .route(
            "/api/v1/webhook_endpoints/{id}",
            get(webhooks::get).delete(webhooks::delete),
        )
        .route(
            "/api/v1/webhook_endpoints/{id}/rotate_secret",
            post(webhooks::rotate),
        )
        .route("/api/v1/webhook_endpoints/{id}/test", post(webhooks::test))
        .route(
            "/api/v1/webhook_endpoints/{id}/attempts",
            get(webhooks::attempts),
        )
        .route("/api/v1/events", get(events::list))
        .route("/api/v1/events/{id}", get(events::get))
        .route("/api/v1/events/{id}/resend", post(events::resend))
        .route_layer(middleware::from_fn_with_state(st.clone(), guard::guard));
    Router::new()
        .merge(authed)
        .route("/api/v1/health", get(health::health))
        .route("/api/v1/openapi.json", get(openapi::openapi_json))
        .merge(page::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(st)
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        "route_not_found",
        "no such route; see /api/v1/openapi.json",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "invalid_request_error",
        "method_not_allowed",
        "this route does not take that method; see /api/v1/openapi.json",
    )
}

/// Binds `addr`, naming the config key when that fails.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| {
        Error::Internal(format!(
            "cannot listen on {addr} (api.bind in chaintill.toml): {e}"
        ))
    })
}

/// Serves the API and hosted page on `listener` until `shutdown`; prunes stored idempotent
/// answers hourly.
pub async fn serve(
    svc: Service,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let pruning = {
        let svc = svc.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                tick.tick().await;
                if let Err(e) =
                    crate::engine::idempotency::prune(&svc, svc.now().timestamp_millis()).await
                {
                    tracing::warn!(error = %e, "pruning idempotency keys failed");
                }
            }
        })
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let app = router(svc, stop_rx.clone());
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, typically: let connections close, then go on.
                    tracing::warn!(error = %e, "the API could not accept a connection");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        tokio::spawn(conn::serve(stream, remote, app.clone(), stop_rx.clone()));
    }
    // Event streams end and each connection finishes the request it is serving.
    let _ = stop_tx.send(true);
    pruning.abort();
}
