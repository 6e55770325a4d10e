//! Checkout sessions: creation with a fixed quote, reads, lists, cancel, and applying
//! settlement results together with the events they raise.

pub mod apply;
pub mod batch;
pub mod model;
pub mod settle;
pub mod uri;
pub mod view;

use crate::engine::config::{Mode, RateSource};
use crate::engine::events::{self, types};
use crate::engine::idempotency::AnswerKey;
use crate::engine::ids::SessionId;
use crate::engine::money::{quote_atomic, FiatAmount};
use crate::engine::{rates, Error, Result, Service};
use alloy_primitives::Address;
use chrono::Duration;
use model::{CheckoutSession, PaymentRow, SessionRow};
use serde::Deserialize;
use serde_json::{Map, Value};
use settle::Status;
use sqlx::SqliteConnection;

/// Metadata limits of SPEC §6.
const MAX_METADATA_KEYS: usize = 50;
const MAX_METADATA_KEY_CHARS: usize = 40;
const MAX_METADATA_VALUE_CHARS: usize = 500;
const MAX_SUCCESS_URL: usize = 2048;
/// Longest session lifetime a caller may ask for: one week.
const MAX_EXPIRES_MINUTES: i64 = 10_080;

/// A request to create a session (the API body, the CLI flags and the IPC call all map here).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewSession {
    /// The fiat amount to charge.
    #[serde(deserialize_with = "object")]
    pub amount: FiatInput,
    /// Network id; the first configured network (of the caller's mode) when absent.
    pub network: Option<String>,
    /// Asset symbol; the network's native coin when absent.
    pub asset: Option<String>,
    /// The merchant's own key/value strings (order id and the like).
    #[schema(value_type = Option<HashMap<String, String>>)]
    pub metadata: Option<Map<String, Value>>,
    /// Where the hosted page links after payment.
    pub success_url: Option<String>,
    /// Lifetime; `store.expiry_minutes` when absent.
    pub expires_in_minutes: Option<i64>,
}

impl NewSession {
    /// A session for `value` in the store's currency, everything else defaulted.
    pub fn for_amount(value: impl Into<String>) -> Self {
        Self {
            amount: FiatInput {
                value: value.into(),
                currency: None,
            },
            ..Self::default()
        }
    }
}

/// Deserializes a struct from an object only: serde's derive also builds one from an array of
/// its fields in order (`"amount": ["50.00"]`), which a strict API must refuse as a wrong type.
fn object<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Object<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Object<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            map: A,
        ) -> std::result::Result<T, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_map(Object(std::marker::PhantomData))
}

/// `{"value": "50.00", "currency": "USD"}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FiatInput {
    /// Positive decimal string.
    pub value: String,
    /// ISO 4217; the store's currency when absent.
    pub currency: Option<String>,
}

/// Filters and cursor of a session list.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Only sessions with this status.
    pub status: Option<String>,
    /// Page size, 1 to 100 (default 10).
    pub limit: Option<i64>,
    /// Return sessions older than this id.
    pub starting_after: Option<String>,
}

/// A page of a list.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// Always `"list"`.
    #[schema(value_type = String)]
    pub object: &'static str,
    /// Newest first.
    pub data: Vec<T>,
    /// Whether older items exist.
    pub has_more: bool,
}

/// Validates a page size.
pub fn page_limit(limit: Option<i64>) -> Result<i64> {
    match limit.unwrap_or(10) {
        l @ 1..=100 => Ok(l),
        other => Err(Error::invalid(
            "limit",
            format!("limit must be 1 to 100, not {other}"),
        )),
    }
}

fn validate_metadata(metadata: &Map<String, Value>) -> Result<()> {
    if metadata.len() > MAX_METADATA_KEYS {
        return Err(Error::invalid(
            "metadata",
            format!("metadata has more than {MAX_METADATA_KEYS} keys"),
        ));
    }
    for (k, v) in metadata {
        if k.is_empty() || k.chars().count() > MAX_METADATA_KEY_CHARS {
            return Err(Error::invalid(
                "metadata",
                format!("metadata keys must be 1 to {MAX_METADATA_KEY_CHARS} characters"),
            ));
        }
        match v {
            Value::String(s) if s.chars().count() <= MAX_METADATA_VALUE_CHARS => {}
            Value::String(_) => {
                return Err(Error::invalid(
                    &format!("metadata[{k}]"),
                    format!(
                        "metadata values must be at most {MAX_METADATA_VALUE_CHARS} characters"
                    ),
                ))
            }
            _ => {
                return Err(Error::invalid(
                    &format!("metadata[{k}]"),
                    "metadata values must be strings",
                ))
            }
        }
    }
    Ok(())
}

fn validate_success_url(u: &str) -> Result<()> {
    let ok = u.len() <= MAX_SUCCESS_URL
        && url::Url::parse(u)
            .is_ok_and(|p| matches!(p.scheme(), "http" | "https") && p.host().is_some());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "successUrl",
            "successUrl must be an http:// or https:// URL of at most 2048 characters",
        ))
    }
}

/// What a session is priced in, resolved from the config.
struct Pricing {
    symbol: String,
    decimals: u32,
    round_decimals: u32,
    contract: Option<Address>,
    rate: RateSource,
}

fn pricing(network: &crate::engine::config::NetworkConfig, asset: Option<&str>) -> Result<Pricing> {
    let native = &network.native;
    match asset {
        None => Ok(Pricing {
            symbol: native.symbol.clone(),
            decimals: native.decimals,
            round_decimals: native.display_decimals,
            contract: None,
            rate: native.rate.clone(),
        }),
        Some(s) if s == native.symbol => pricing(network, None),
        Some(s) => {
            let t = network
                .tokens
                .iter()
                .find(|t| t.symbol.get_ref().0 == s)
                .ok_or_else(|| {
                    let mut known: Vec<&str> = vec![&native.symbol];
                    known.extend(network.tokens.iter().map(|t| t.symbol.get_ref().0.as_str()));
                    Error::invalid(
                        "asset",
                        format!(
                            "unknown asset `{}` on network `{}` (known: {})",
                            truncated(s),
                            network.id(),
                            known.join(", ")
                        ),
                    )
                })?;
            let decimals = t.decimals.get() as u32;
            Ok(Pricing {
                symbol: s.to_string(),
                decimals,
                round_decimals: decimals,
                contract: Some(t.address),
                rate: t.rate.clone(),
            })
        }
    }
}

fn truncated(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Creates a session: validates, quotes, allocates a fresh address and writes the session and
/// its `session.created` event in one transaction (with the answer for `answer`'s
/// `Idempotency-Key`, when given). `scope` limits the caller to one mode.
pub async fn create(
    svc: &Service,
    req: NewSession,
    scope: Option<Mode>,
    answer: Option<AnswerKey>,
) -> Result<CheckoutSession> {
    let cfg = svc.config();
    let currency = req
        .amount
        .currency
        .as_deref()
        .unwrap_or(&cfg.store.default_currency.0);
    let fiat = FiatAmount::parse(&req.amount.value, currency, "amount.value")?;
    if currency != cfg.store.default_currency.0 {
        return Err(Error::invalid(
            "amount.currency",
            format!(
                "this store prices in {}; `{}` is not supported",
                cfg.store.default_currency.0,
                truncated(currency)
            ),
        ));
    }
    let network = match req.network.as_deref() {
        Some(id) => cfg.network(id).ok_or_else(|| {
            let known: Vec<&str> = cfg.networks.iter().map(|n| n.id()).collect();
            Error::invalid(
                "network",
                format!(
                    "unknown network `{}` (configured: {})",
                    truncated(id),
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    }
                ),
            )
        })?,
        None => cfg
            .networks
            .iter()
            .find(|n| scope.is_none_or(|m| n.mode == m))
            .ok_or_else(|| {
                Error::invalid(
                    "network",
                    "no network is configured for this mode; add one to chaintill.toml",
                )
            })?,
    };
    if let Some(m) = scope {
        if network.mode != m {
            return Err(Error::Forbidden(format!(
                "a {} key cannot use the {} network `{}`",
                m.as_str(),
                network.mode.as_str(),
                network.id()
            )));
        }
    }
    let price = pricing(network, req.asset.as_deref())?;
    let metadata = req.metadata.unwrap_or_default();
    validate_metadata(&metadata)?;
    if let Some(u) = &req.success_url {
        validate_success_url(u)?;
    }
    let minutes = req
        .expires_in_minutes
        .unwrap_or(cfg.store.expiry_minutes.get());
    if !(1..=MAX_EXPIRES_MINUTES).contains(&minutes) {
        return Err(Error::invalid(
            "expiresInMinutes",
            format!("expiresInMinutes must be 1 to {MAX_EXPIRES_MINUTES}"),
        ));
    }
    // Everything is validated before the rate is fetched (a Chainlink read is an RPC call).
    let rate = rates::current(network, &price.symbol, &price.rate, svc.now()).await?;
    let amount = quote_atomic(&fiat.value, &rate, price.decimals, price.round_decimals)?;
    if amount.is_zero() {
        return Err(Error::invalid(
            "amount.value",
            "amount is too small to quote",
        ));
    }

    // The address about to be handed out must have been screened (no history on chain).
    crate::engine::chain::await_screened(svc, network.id()).await?;
    let now = svc.now();
    batch::submit(
        svc,
        batch::Draft {
            id: SessionId::generate().to_string(),
            livemode: network.mode == Mode::Live,
            network_id: network.id().to_string(),
            network_name: network.display_name().to_string(),
            chain_id: network.chain_id(),
            asset_symbol: price.symbol,
            asset_decimals: price.decimals,
            asset_contract: price.contract,
            amount,
            fiat_amount: fiat.canonical(),
            fiat_currency: fiat.currency.clone(),
            rate: rate.as_str().to_string(),
            confirmations: network.confirmations.get(),
            tolerance_percent: cfg.store.underpaid_tolerance_percent.0.as_str().to_string(),
            late_grace_ms: cfg.store.late_grace_minutes.get() * 60_000,
            metadata: Value::Object(metadata).to_string(),
            success_url: req.success_url,
            expires_at: now + Duration::minutes(minutes),
            created_at: now,
            answer,
        },
    )
    .await
}

pub(crate) async fn row(conn: &mut SqliteConnection, id: &str) -> Result<Option<SessionRow>> {
    Ok(
        sqlx::query_as::<_, SessionRow>("SELECT * FROM checkout_sessions WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Sessions (`s`) with their network's chain head and their payments as JSON, so a session
/// loads in one statement: every statement is a round trip to SQLite's worker thread.
pub(crate) const SELECT_FULL: &str = "SELECT s.*, (SELECT head FROM chain_state c WHERE c.network_id = s.network_id) AS chain_head, \
     (SELECT json_group_array(json_object('tx_hash', tx_hash, 'log_index', log_index, 'from_address', from_address, \
             'block_number', block_number, 'block_hash', block_hash, 'amount_atomic', amount_atomic, \
             'seen_at', seen_at, 'block_timestamp', block_timestamp, 'late_notified', late_notified, \
             'asset_symbol', asset_symbol, 'asset_decimals', asset_decimals, 'asset_contract', asset_contract, \
             'extra', extra, 'nonce', nonce)) \
      FROM (SELECT * FROM payments p WHERE p.session_id = s.id ORDER BY seen_at, id)) AS payments_json \
     FROM checkout_sessions s";

/// One row of [`SELECT_FULL`].
#[derive(sqlx::FromRow)]
pub(crate) struct FullRow {
    #[sqlx(flatten)]
    row: SessionRow,
    chain_head: Option<i64>,
    payments_json: String,
}

impl FullRow {
    pub(crate) fn view(&self, svc: &Service) -> Result<CheckoutSession> {
        let payments: Vec<PaymentRow> = serde_json::from_str(&self.payments_json).map_err(|e| {
            Error::Storage(format!("payments of {} are unreadable: {e}", self.row.id))
        })?;
        let head = self.chain_head.and_then(|h| u64::try_from(h).ok());
        CheckoutSession::from_rows(&self.row, &payments, head, &svc.config().api.public_url.0)
    }
}

pub(crate) async fn payments(conn: &mut SqliteConnection, id: &str) -> Result<Vec<PaymentRow>> {
    Ok(sqlx::query_as::<_, PaymentRow>(
        "SELECT tx_hash, log_index, from_address, block_number, block_hash, amount_atomic, seen_at, block_timestamp, late_notified, \
         asset_symbol, asset_decimals, asset_contract, extra, nonce \
         FROM payments WHERE session_id = ? ORDER BY seen_at, id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?)
}

pub(crate) async fn load(
    conn: &mut SqliteConnection,
    svc: &Service,
    id: &SessionId,
) -> Result<CheckoutSession> {
    let found: Option<FullRow> = sqlx::query_as(&format!("{SELECT_FULL} WHERE s.id = ?"))
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    found
        .ok_or_else(|| Error::NotFound {
            kind: "checkout_session",
            id: id.to_string(),
        })?
        .view(svc)
}

/// Writes a session event (the outbox) inside the caller's transaction.
pub(crate) async fn raise(
    conn: &mut SqliteConnection,
    kind: &str,
    session: &CheckoutSession,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    events::record(
        conn,
        kind,
        Some(&session.id),
        session.livemode,
        session,
        now,
    )
    .await?;
    Ok(())
}

fn in_scope(session: &CheckoutSession, scope: Option<Mode>) -> bool {
    scope.is_none_or(|m| session.livemode == (m == Mode::Live))
}

/// One session. A session of the other mode is reported as not found.
pub async fn get(svc: &Service, id: &str, scope: Option<Mode>) -> Result<CheckoutSession> {
    let id = SessionId::parse(id)?;
    let mut conn = svc.pool().acquire().await?;
    let s = load(&mut conn, svc, &id).await?;
    if !in_scope(&s, scope) {
        return Err(Error::NotFound {
            kind: "checkout_session",
            id: id.to_string(),
        });
    }
    Ok(s)
}

/// The creation order (`seq`) of the session `cursor` names; `param` names it in errors.
pub(crate) async fn seq_of(conn: &mut SqliteConnection, cursor: &str, param: &str) -> Result<i64> {
    let id = SessionId::parse(cursor)
        .map_err(|_| Error::invalid(param, format!("{param} is not a session id")))?;
    sqlx::query_scalar("SELECT seq FROM checkout_sessions WHERE id = ?")
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::invalid(param, format!("no such session: {id}")))
}

/// Sessions newest first, with an optional status filter and cursor.
pub async fn list(
    svc: &Service,
    q: &ListQuery,
    scope: Option<Mode>,
) -> Result<Page<CheckoutSession>> {
    let limit = page_limit(q.limit)?;
    if let Some(s) = &q.status {
        if Status::parse(s).is_none() {
            let names: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
            return Err(Error::invalid(
                "status",
                format!(
                    "unknown status `{}` (one of: {})",
                    truncated(s),
                    names.join(", ")
                ),
            ));
        }
    }
    let mut conn = svc.pool().acquire().await?;
    let before = match &q.starting_after {
        None => i64::MAX,
        Some(cursor) => seq_of(&mut conn, cursor, "startingAfter").await?,
    };
    let livemode = scope.map(|m| m == Mode::Live);
    let rows: Vec<FullRow> = sqlx::query_as(&format!(
        "{SELECT_FULL} WHERE s.seq < ?1 AND (?2 IS NULL OR s.status = ?2) AND (?3 IS NULL OR s.livemode = ?3) \
         ORDER BY s.seq DESC LIMIT ?4"
    ))
    .bind(before)
    .bind(&q.status)
    .bind(livemode)
    .bind(limit + 1)
    .fetch_all(&mut *conn)
    .await?;
    let has_more = rows.len() as i64 > limit;
    let data = rows
        .iter()
        .take(limit as usize)
        .map(|r| r.view(svc))
        .collect::<Result<Vec<_>>>()?;
    Ok(Page {
        object: "list",
        data,
        has_more,
    })
}

/// Cancels a session that has received nothing; raises `session.canceled`.
pub async fn cancel(svc: &Service, id: &str, scope: Option<Mode>) -> Result<CheckoutSession> {
    let current = get(svc, id, scope).await?;
    let now = svc.now();
    let mut tx = svc.begin_write().await?;
    let done = sqlx::query(
        "UPDATE checkout_sessions SET status = 'canceled', canceled_at = ? \
         WHERE id = ? AND status = 'pending' AND NOT EXISTS (SELECT 1 FROM payments WHERE session_id = ?)",
    )
    .bind(now.timestamp_millis())
    .bind(&current.id)
    .bind(&current.id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::Conflict(format!(
            "session {} is {} and cannot be canceled; only a pending session with no payment can",
            current.id,
            current.status.as_str()
        )));
    }
    let sid = SessionId::parse(&current.id)?;
    let session = load(&mut tx, svc, &sid).await?;
    raise(&mut tx, types::SESSION_CANCELED, &session, now).await?;
    tx.commit().await?;
    svc.outbox_changed();
    tracing::info!(session = %session.id, "session canceled");
    Ok(session)
}

pub use apply::expire_due;
