//! `chaintill webhooks listen`: a local receiver that verifies both signature schemes (and the
//! timestamp) and prints each event, like `stripe listen`.

use super::signing;
use crate::engine::{Error, Result};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Router;
use std::io::Write;
use std::sync::Arc;

/// Why a request was refused, or the event's type and id.
pub fn check(
    headers: &HeaderMap,
    body: &[u8],
    secret: &str,
    now: i64,
) -> std::result::Result<(String, String), String> {
    let h = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| format!("missing {name} header"))
    };
    signing::verify_x_signature(h("x-webhook-signature")?, body, secret, now)
        .map_err(|e| format!("X-Webhook-Signature: {e}"))?;
    let id = h("webhook-id")?;
    signing::verify_standard(
        id,
        h("webhook-timestamp")?,
        h("webhook-signature")?,
        body,
        secret,
        now,
    )
    .map_err(|e| format!("webhook-signature: {e}"))?;
    let event: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    if event["id"] != id {
        return Err("webhook-id differs from the event's id".into());
    }
    Ok((
        event["type"].as_str().unwrap_or("?").to_string(),
        id.to_string(),
    ))
}

async fn receive(
    State(secret): State<Arc<String>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let now = chrono::Utc::now();
    let stamp = now.format("%Y-%m-%d %H:%M:%S");
    let mut out = std::io::stdout().lock();
    match check(&headers, &body, &secret, now.timestamp()) {
        Ok((kind, id)) => {
            let pretty = serde_json::from_slice::<serde_json::Value>(&body)
                .and_then(|v| serde_json::to_string_pretty(&v))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{stamp}  --> {kind} [{id}]  signatures verified\n{pretty}"
            );
            let _ = out.flush();
            (StatusCode::OK, "ok".into())
        }
        Err(why) => {
            let _ = writeln!(out, "{stamp}  xx  rejected: {why}");
            let _ = out.flush();
            (StatusCode::BAD_REQUEST, why)
        }
    }
}

/// Listens on `127.0.0.1:port` until interrupted.
pub async fn listen(
    port: u16,
    secret: &str,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    signing::decoded_key(secret).map_err(|m| Error::invalid("secret", m))?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| Error::invalid("port", format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let addr = listener.local_addr()?;
    println!("Listening on http://{addr}/ and verifying both signature schemes (Ctrl-C to stop).");
    println!("Register it with: chaintill webhooks add --url http://{addr}/");
    let _ = std::io::stdout().flush();
    let app = Router::new()
        .fallback(receive)
        .with_state(Arc::new(secret.to_string()));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| Error::Internal(e.to_string()))
}
