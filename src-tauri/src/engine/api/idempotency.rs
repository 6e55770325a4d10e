//! `Idempotency-Key` (SPEC §6) over HTTP: the header, the request's identity and the claims of
//! requests in flight. A repeat with the same request replays the stored answer; a different
//! request with the same key is 422; a repeat while the first is still running is 409. Only
//! final answers of requests that ran are stored (2xx, 404, 409), never validation failures nor
//! 5xx (a 503 refusal such as `no_wallet` ends when its cause does), so the key can be reused. The answers themselves: [`crate::engine::idempotency`].

use super::error::ApiError;
use axum::http::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// Longest accepted key.
pub const MAX_KEY_CHARS: usize = 255;

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
