//! Stored answers for `Idempotency-Key` (SPEC §6): per API key, kept 24 hours. A session's
//! create stores its answer in the transaction that writes the session, so a retry after a crash
//! finds either both or neither; other requests store theirs after running.

use crate::engine::{Result, Service};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

/// How long an answer is kept.
pub const RETENTION_HOURS: i64 = 24;
const RETENTION_MS: i64 = RETENTION_HOURS * 3_600_000;

/// Where an answer is kept: the caller's API key, its `Idempotency-Key` and the identity of the
/// request (see `api::idempotency::request_hash`).
#[derive(Debug, Clone)]
pub struct AnswerKey {
    /// The API key's id.
    pub api_key_id: String,
    /// The `Idempotency-Key` header.
    pub key: String,
    /// Hash of the request that produced the answer.
    pub request_hash: String,
}

/// A stored answer.
pub struct Stored {
    /// Hash of the request that produced it.
    pub request_hash: String,
    /// Its HTTP status.
    pub status: u16,
    /// Its JSON body.
    pub body: Vec<u8>,
}

/// An answer to keep.
pub struct Answer<'a> {
    /// Where.
    pub key: &'a AnswerKey,
    /// Its HTTP status.
    pub status: u16,
    /// Its JSON body.
    pub body: &'a [u8],
}

/// The answer stored under `key` in the last 24 hours (whatever request produced it).
pub async fn lookup(pool: &SqlitePool, key: &AnswerKey, now_ms: i64) -> Result<Option<Stored>> {
    let since = now_ms - RETENTION_MS;
    let row: Option<(String, i64, Vec<u8>)> = sqlx::query_as(
        "SELECT request_hash, status, body FROM idempotency_keys WHERE api_key_id = ? AND idem_key = ? AND created_at > ?",
    )
    .bind(&key.api_key_id)
    .bind(&key.key)
    .bind(since)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(request_hash, status, body)| Stored {
        request_hash,
        status: u16::try_from(status).unwrap_or(500),
        body,
    }))
}

/// Keeps one answer in its own write turn.
pub async fn store(svc: &Service, answer: &Answer<'_>, now_ms: i64) -> Result<()> {
    svc.write_one(insert(std::slice::from_ref(answer), now_ms).build())
        .await?;
    Ok(())
}

/// Keeps answers inside the caller's transaction.
pub async fn store_in(
    conn: &mut SqliteConnection,
    answers: &[Answer<'_>],
    now_ms: i64,
) -> Result<()> {
    if !answers.is_empty() {
        insert(answers, now_ms).build().execute(conn).await?;
    }
    Ok(())
}

/// One statement for all `answers` (an expired answer under the same key is replaced).
fn insert<'a>(answers: &'a [Answer<'a>], now_ms: i64) -> QueryBuilder<'a, Sqlite> {
    let mut q = QueryBuilder::new(
        "INSERT OR REPLACE INTO idempotency_keys (api_key_id, idem_key, request_hash, status, body, created_at) ",
    );
    q.push_values(answers, |mut b, a| {
        b.push_bind(a.key.api_key_id.as_str())
            .push_bind(a.key.key.as_str())
            .push_bind(a.key.request_hash.as_str())
            .push_bind(i64::from(a.status))
            .push_bind(a.body)
            .push_bind(now_ms);
    });
    q
}

/// Deletes answers older than 24 hours.
pub async fn prune(svc: &Service, now_ms: i64) -> Result<u64> {
    let done = svc
        .write_one(
            sqlx::query("DELETE FROM idempotency_keys WHERE created_at <= ?")
                .bind(now_ms - RETENTION_MS),
        )
        .await?;
    Ok(done.rows_affected())
}
