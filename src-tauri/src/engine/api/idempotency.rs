//! `Idempotency-Key` (SPEC §6): per API key, 24 hours. A repeat with the same request replays the
//! stored answer; a different request with the same key is 422; a repeat while the first is
//! still running is 409. Only answers of requests that ran are stored (2xx, 404, 409), never
//! validation failures, so a corrected request may reuse the key.

use super::error::ApiError;
use crate::engine::{Result, Service};
use axum::http::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// Longest accepted key.
pub const MAX_KEY_CHARS: usize = 255;
/// How long an answer is kept.
pub const RETENTION_HOURS: i64 = 24;

/// A stored answer.
pub struct Stored {
    /// Hash of the request that produced it.
    pub request_hash: String,
    /// Its HTTP status.
    pub status: u16,
    /// Its JSON body.
    pub body: Vec<u8>,
}

/// Checks the header value: 1 to 255 visible ASCII characters.
pub fn check_key(key: &str) -> std::result::Result<(), ApiError> {
    let ok = !key.is_empty()
        && key.len() <= MAX_KEY_CHARS
        && key.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "parameter_invalid",
            Some("Idempotency-Key".into()),
            format!("Idempotency-Key must be 1 to {MAX_KEY_CHARS} printable ASCII characters"),
        ))
    }
}

/// The identity of a request: method, path and body (JSON compared by value, so key order and
/// whitespace do not matter).
pub fn request_hash(method: &str, path: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    h.update([0]);
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => h.update(canonical(&v).to_string().as_bytes()),
        Err(_) => h.update(body),
    }
    hex::encode(h.finalize())
}

fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), canonical(&m[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// Whether an answer with this status is kept for replay.
pub fn storable(status: StatusCode) -> bool {
    status.is_success() || status == StatusCode::NOT_FOUND || status == StatusCode::CONFLICT
}

/// The stored answer for (`api_key_id`, `key`) younger than 24 hours.
pub async fn lookup(
    pool: &SqlitePool,
    api_key_id: &str,
    key: &str,
    now_ms: i64,
) -> Result<Option<Stored>> {
    let since = now_ms - RETENTION_HOURS * 3_600_000;
    let row: Option<(String, i64, Vec<u8>)> = sqlx::query_as(
        "SELECT request_hash, status, body FROM idempotency_keys WHERE api_key_id = ? AND idem_key = ? AND created_at > ?",
    )
    .bind(api_key_id)
    .bind(key)
    .bind(since)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(request_hash, status, body)| Stored {
        request_hash,
        status: u16::try_from(status).unwrap_or(500),
        body,
    }))
}

/// Keeps an answer (replacing an expired one under the same key).
pub async fn store(
    svc: &Service,
    api_key_id: &str,
    key: &str,
    answer: &Stored,
    now_ms: i64,
) -> Result<()> {
    svc.write_one(
        sqlx::query(
            "INSERT OR REPLACE INTO idempotency_keys (api_key_id, idem_key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(api_key_id)
        .bind(key)
        .bind(&answer.request_hash)
        .bind(i64::from(answer.status))
        .bind(&answer.body)
        .bind(now_ms),
    )
    .await?;
    Ok(())
}

/// Deletes answers older than 24 hours.
pub async fn prune(svc: &Service, now_ms: i64) -> Result<u64> {
    let done = svc
        .write_one(
            sqlx::query("DELETE FROM idempotency_keys WHERE created_at <= ?")
                .bind(now_ms - RETENTION_HOURS * 3_600_000),
        )
        .await?;
    Ok(done.rows_affected())
}

/// Requests in flight in this process, by (API key id, Idempotency-Key). One engine serves the
/// API per data directory, so this set sees every concurrent request.
#[derive(Clone, Default)]
pub struct InFlight(Arc<Mutex<HashSet<(String, String)>>>);

/// Holds a claimed key; releases it when dropped (also when the request is cancelled).
pub struct Claim {
    set: InFlight,
    slot: (String, String),
}

impl InFlight {
    /// Claims `(api_key_id, key)`, or answers 409 when a request with it is running.
    pub fn claim(&self, api_key_id: &str, key: &str) -> std::result::Result<Claim, ApiError> {
        let slot = (api_key_id.to_string(), key.to_string());
        let mut set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if !set.insert(slot.clone()) {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_error",
                "idempotency_request_in_progress",
                "a request with this Idempotency-Key is still being processed; retry shortly",
            ));
        }
        Ok(Claim {
            set: self.clone(),
            slot,
        })
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.set
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_json_different_spelling_is_the_same_request() {
        let a = request_hash("POST", "/x", br#"{"a":1,"b":{"c":2,"d":3}}"#);
        let b = request_hash("POST", "/x", b" {\"b\": {\"d\":3, \"c\":2}, \"a\":1}");
        assert_eq!(a, b);
        assert_ne!(
            a,
            request_hash("POST", "/x", br#"{"a":2,"b":{"c":2,"d":3}}"#)
        );
        assert_ne!(
            a,
            request_hash("POST", "/y", br#"{"a":1,"b":{"c":2,"d":3}}"#)
        );
    }

    #[test]
    fn a_key_is_claimed_once_until_released() {
        let f = InFlight::default();
        let c = f.claim("key_1", "k").unwrap();
        assert!(f.claim("key_1", "k").is_err());
        assert!(f.claim("key_2", "k").is_ok());
        drop(c);
        assert!(f.claim("key_1", "k").is_ok());
    }

    #[test]
    fn key_format() {
        assert!(check_key("order-001-v1").is_ok());
        assert!(check_key("").is_err());
        assert!(check_key(&"x".repeat(256)).is_err());
        assert!(check_key(&"x".repeat(255)).is_ok());
        assert!(check_key("é").is_err());
    }
}
