//! The owner's ledger: every session found by filters and one search box, paged newest first;
//! totals; each session's history; the CSV export. Read-only over the store.

pub mod export;
pub mod history;
pub mod totals;

use crate::engine::checkout::model::CheckoutSession;
use crate::engine::checkout::settle::Status;
use crate::engine::checkout::{self, FullRow};
use crate::engine::ids::SessionId;
use crate::engine::{Error, Result, Service};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which sessions to show. Every field is optional; they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionFilter {
    /// One status.
    pub status: Option<Status>,
    /// Only sessions that need the owner: underpaid, overpaid, paid late, expired with funds
    /// received, or with extra payments.
    #[serde(default)]
    pub attention: bool,
    /// Created on or after this day (UTC, `YYYY-MM-DD`).
    pub from: Option<String>,
    /// Created on or before this day (UTC, `YYYY-MM-DD`).
    pub to: Option<String>,
    /// One network id.
    pub network: Option<String>,
    /// One asset symbol.
    pub asset: Option<String>,
    /// Live (`true`) or test (`false`) sessions only.
    pub livemode: Option<bool>,
    /// A session id, address, transaction hash or metadata value.
    pub search: Option<String>,
}

/// The SQL of a filter: a `WHERE` clause over `s` (a session row) and its parameters.
struct Where {
    sql: String,
    args: Vec<Arg>,
}

enum Arg {
    Text(String),
    Int(i64),
}

/// Sessions that need the owner (see [`SessionFilter::attention`]).
const NEEDS_ATTENTION: &str = "(s.status IN ('underpaid', 'overpaid', 'paid_late') \
     OR (s.status = 'expired' AND s.amount_received <> '0') \
     OR EXISTS (SELECT 1 FROM payments x WHERE x.session_id = s.id AND x.extra = 1))";

fn day(param: &str, s: &str) -> Result<i64> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| Error::invalid(param, format!("`{s}` is not a day as YYYY-MM-DD")))?;
    Ok(d.and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        .timestamp_millis())
}

impl Where {
    /// Binds the filter's parameters, in order, to `q` (whose SQL holds `self.sql`).
    fn bind<'q, O>(
        &'q self,
        mut q: sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>>,
    ) -> sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>> {
        for a in &self.args {
            q = match a {
                Arg::Text(t) => q.bind(t.as_str()),
                Arg::Int(i) => q.bind(*i),
            };
        }
        q
    }
}

impl SessionFilter {
    fn to_where(&self) -> Result<Where> {
        let mut sql = String::from("1 = 1");
        let mut args = Vec::new();
        if let Some(s) = self.status {
            sql.push_str(" AND s.status = ?");
            args.push(Arg::Text(s.as_str().into()));
        }
        if self.attention {
            sql.push_str(" AND ");
            sql.push_str(NEEDS_ATTENTION);
        }
        let from = self.from.as_deref().map(|f| day("from", f)).transpose()?;
        let to = self.to.as_deref().map(|t| day("to", t)).transpose()?;
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(Error::invalid("to", "the range ends before it starts"));
            }
        }
        if let Some(f) = from {
            sql.push_str(" AND s.created_at >= ?");
            args.push(Arg::Int(f));
        }
        if let Some(t) = to {
            sql.push_str(" AND s.created_at < ?");
            args.push(Arg::Int(t + 86_400_000));
        }
        if let Some(n) = &self.network {
            sql.push_str(" AND s.network_id = ?");
            args.push(Arg::Text(n.clone()));
        }
        if let Some(a) = &self.asset {
            sql.push_str(" AND s.asset_symbol = ?");
            args.push(Arg::Text(a.clone()));
        }
        if let Some(live) = self.livemode {
            sql.push_str(" AND s.livemode = ?");
            args.push(Arg::Int(i64::from(live)));
        }
        if let Some(term) = self
            .search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let (clause, arg) = search_clause(term);
            sql.push_str(" AND ");
            sql.push_str(clause);
            args.push(Arg::Text(arg));
        }
        Ok(Where { sql, args })
    }
}

/// What a search term is, by its shape: each kind is answered by an index.
fn search_clause(term: &str) -> (&'static str, String) {
    let hex = |n: usize| {
        term.len() == n + 2
            && term.starts_with("0x")
            && term[2..].bytes().all(|b| b.is_ascii_hexdigit())
    };
    if SessionId::parse(term).is_ok() {
        ("s.id = ?", term.to_string())
    } else if hex(64) {
        (
            "s.id IN (SELECT session_id FROM payments WHERE tx_hash = ?)",
            term.to_lowercase(),
        )
    } else if hex(40) {
        let address = term
            .parse::<alloy_primitives::Address>()
            .map(|a| a.to_checksum(None))
            .unwrap_or_else(|_| term.to_string());
        ("s.address = ?", address)
    } else {
        // A metadata value (an order number, a customer reference), exactly.
        (
            "s.id IN (SELECT session_id FROM session_metadata WHERE value = ?)",
            term.to_string(),
        )
    }
}

/// A page of the ledger.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LedgerPage {
    /// Newest first.
    pub sessions: Vec<CheckoutSession>,
    /// Whether older sessions match too (ask again with the last id as `startingAfter`).
    pub has_more: bool,
}

/// Sessions matching `filter`, newest first, `limit` (1..=100) at a time after the session
/// `starting_after`.
pub async fn find(
    svc: &Service,
    filter: &SessionFilter,
    limit: i64,
    starting_after: Option<&str>,
) -> Result<LedgerPage> {
    let limit = checkout::page_limit(Some(limit))?;
    let w = filter.to_where()?;
    let mut conn = svc.pool().acquire().await?;
    let before = match starting_after {
        None => i64::MAX,
        Some(cursor) => checkout::seq_of(&mut conn, cursor, "startingAfter").await?,
    };
    let sql = format!(
        "{} WHERE s.seq < ? AND {} ORDER BY s.seq DESC LIMIT ?",
        checkout::SELECT_FULL,
        w.sql
    );
    let rows = w
        .bind(sqlx::query_as::<_, FullRow>(&sql).bind(before))
        .bind(limit + 1)
        .fetch_all(&mut *conn)
        .await?;
    let has_more = rows.len() as i64 > limit;
    Ok(LedgerPage {
        sessions: rows
            .iter()
            .take(limit as usize)
            .map(|r| r.view(svc))
            .collect::<Result<_>>()?,
        has_more,
    })
}

/// Every session matching `filter`, newest first, a page at a time (for exports).
pub(crate) async fn each_page(
    svc: &Service,
    filter: &SessionFilter,
    mut f: impl FnMut(&[CheckoutSession]) -> Result<()>,
) -> Result<()> {
    let mut after: Option<String> = None;
    loop {
        let page = find(svc, filter, 100, after.as_deref()).await?;
        f(&page.sessions)?;
        match (page.has_more, page.sessions.last()) {
            (true, Some(last)) => after = Some(last.id.clone()),
            _ => return Ok(()),
        }
    }
}
