//! API keys: `ck_test_…` / `ck_live_…`, shown once, stored only as SHA-256 hashes.

use crate::engine::clock::{format_time, from_millis};
use crate::engine::config::Mode;
use crate::engine::ids::ApiKeyId;
use crate::engine::{Error, Result};
use rand::distributions::{Alphanumeric, DistString};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Random characters after the `ck_<mode>_` prefix (~190 bits).
const SECRET_CHARS: usize = 32;
/// Longest key name accepted.
const MAX_NAME: usize = 100;

/// An API key as it may be shown: never the key itself.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    /// `key_…`.
    pub id: String,
    /// The owner's label.
    pub name: String,
    /// Test keys see test objects only, live keys live ones.
    #[ts(type = "\"test\" | \"live\"")]
    pub mode: Mode,
    /// Restricted keys may only create, read and cancel sessions.
    pub restricted: bool,
    /// The key's last four characters, to recognise it.
    pub last4: String,
    /// Creation time.
    pub created_at: String,
    /// Revocation time, if revoked.
    pub revoked_at: Option<String>,
}

type KeyRow = (String, String, String, bool, String, i64, Option<i64>);
/// A key row followed by its stored hash.
type AuthRow = (
    String,
    String,
    String,
    bool,
    String,
    i64,
    Option<i64>,
    String,
);

impl ApiKey {
    fn from_row((id, name, mode, restricted, last4, created, revoked): KeyRow) -> Self {
        ApiKey {
            id,
            name,
            mode: if mode == "live" {
                Mode::Live
            } else {
                Mode::Test
            },
            restricted,
            last4,
            created_at: format_time(from_millis(created)),
            revoked_at: revoked.map(|r| format_time(from_millis(r))),
        }
    }
}

const COLUMNS: &str = "id, name, mode, restricted, last4, created_at, revoked_at";

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Creates a key; the returned secret is shown once and never stored.
pub async fn create(
    pool: &SqlitePool,
    mode: Mode,
    name: Option<&str>,
    restricted: bool,
) -> Result<(ApiKey, Zeroizing<String>)> {
    let name = name.unwrap_or("API key").trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(Error::invalid(
            "name",
            format!("name must be 1 to {MAX_NAME} characters"),
        ));
    }
    let secret = Zeroizing::new(format!(
        "ck_{}_{}",
        mode.as_str(),
        Alphanumeric.sample_string(&mut rand::thread_rng(), SECRET_CHARS)
    ));
    let id = ApiKeyId::generate();
    let last4 = secret[secret.len() - 4..].to_string();
    sqlx::query("INSERT INTO api_keys (id, name, mode, restricted, secret_hash, last4, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(id.as_str())
        .bind(name)
        .bind(mode.as_str())
        .bind(restricted)
        .bind(hash(&secret))
        .bind(&last4)
        .bind(chrono::Utc::now().timestamp_millis())
        .execute(pool)
        .await?;
    Ok((get(pool, id.as_str()).await?, secret))
}

/// One key by id.
pub async fn get(pool: &SqlitePool, id: &str) -> Result<ApiKey> {
    let id = ApiKeyId::parse(id)?;
    sqlx::query_as::<_, KeyRow>(&format!("SELECT {COLUMNS} FROM api_keys WHERE id = ?"))
        .bind(id.as_str())
        .fetch_optional(pool)
        .await?
        .map(ApiKey::from_row)
        .ok_or(Error::NotFound {
            kind: "api_key",
            id: id.to_string(),
        })
}

/// All keys, newest first.
pub async fn list(pool: &SqlitePool) -> Result<Vec<ApiKey>> {
    Ok(sqlx::query_as::<_, KeyRow>(&format!(
        "SELECT {COLUMNS} FROM api_keys ORDER BY created_at DESC, id DESC"
    ))
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(ApiKey::from_row)
    .collect())
}

/// Revokes a key; it stops working at once. Revoking twice is refused.
pub async fn revoke(pool: &SqlitePool, id: &str) -> Result<ApiKey> {
    let key = get(pool, id).await?;
    let done =
        sqlx::query("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
            .bind(chrono::Utc::now().timestamp_millis())
            .bind(&key.id)
            .execute(pool)
            .await?;
    if done.rows_affected() == 0 {
        return Err(Error::Conflict(format!(
            "key {} is already revoked",
            key.id
        )));
    }
    get(pool, &key.id).await
}

/// Finds the active key a bearer token belongs to, comparing hashes in constant time.
pub async fn authenticate(pool: &SqlitePool, token: &str) -> Result<ApiKey> {
    find(pool, &presented_hash(token)?).await
}

/// Like [`authenticate`], answering from `cache` when the key was found in the last
/// [`KeyCache::TTL`].
pub async fn authenticate_cached(
    pool: &SqlitePool,
    cache: &KeyCache,
    token: &str,
) -> Result<ApiKey> {
    let presented = presented_hash(token)?;
    if let Some(key) = cache.get(&presented) {
        return Ok(key);
    }
    let key = find(pool, &presented).await?;
    cache.put(presented, key.clone());
    Ok(key)
}

/// Active keys found recently, by the hash of their token, so that a busy client costs no
/// query per request. A key revoked through this process's service stops at once (the cache is
/// cleared); one revoked by another process (the CLI) stops within [`KeyCache::TTL`].
#[derive(Default)]
pub struct KeyCache(std::sync::Mutex<HashMap<String, (ApiKey, Instant)>>);

impl KeyCache {
    /// How long a found key is trusted without asking the database again.
    pub const TTL: Duration = Duration::from_secs(1);
    /// Most keys kept; beyond that the cache starts over.
    const MAX_ENTRIES: usize = 1024;

    fn get(&self, hash: &str) -> Option<ApiKey> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(hash)
            .filter(|(_, at)| at.elapsed() < Self::TTL)
            .map(|(key, _)| key.clone())
    }

    fn put(&self, hash: String, key: ApiKey) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= Self::MAX_ENTRIES {
            map.clear();
        }
        map.insert(hash, (key, Instant::now()));
    }

    /// Forgets every key (after a revocation).
    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// The hash of a well-formed token; anything else is refused before any lookup.
fn presented_hash(token: &str) -> Result<String> {
    let well_formed = (token.starts_with("ck_test_") || token.starts_with("ck_live_"))
        && token.len() == 8 + SECRET_CHARS;
    if well_formed {
        Ok(hash(token))
    } else {
        Err(invalid_key())
    }
}

fn invalid_key() -> Error {
    Error::Unauthorized("invalid API key".into())
}

/// The active key stored under `presented` (a token's hash).
async fn find(pool: &SqlitePool, presented: &str) -> Result<ApiKey> {
    let row: Option<AuthRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS}, secret_hash FROM api_keys WHERE secret_hash = ?"
    ))
    .bind(presented)
    .fetch_optional(pool)
    .await?;
    match row {
        Some((id, name, mode, restricted, last4, created, revoked, stored))
            if bool::from(stored.as_bytes().ct_eq(presented.as_bytes())) =>
        {
            if revoked.is_some() {
                return Err(Error::Unauthorized("this API key has been revoked".into()));
            }
            Ok(ApiKey::from_row((
                id, name, mode, restricted, last4, created, revoked,
            )))
        }
        _ => Err(invalid_key()),
    }
}
