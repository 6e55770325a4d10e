//! Totals for the owner and the bookkeeper: per day and asset, and an end-of-day summary, over
//! the sessions a filter selects. Asset amounts are summed as integers of atomic units; fiat as
//! integers of the currency's minor units. Nothing is a float.

use super::{SessionFilter, NEEDS_ATTENTION};
use crate::engine::checkout::settle::Status;
use crate::engine::money::{currency_minor_units, format_atomic, parse_atomic, Decimal};
use crate::engine::{Result, Service};
use alloy_primitives::U256;
use serde::Serialize;
use std::collections::BTreeMap;
use ts_rs::TS;

/// What one asset brought in.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AssetTotal {
    /// The network id.
    pub network: String,
    /// The asset's symbol.
    pub asset: String,
    /// Sessions created.
    pub sessions: u32,
    /// Of which count as paid (paid, overpaid, paid late).
    pub paid: u32,
    /// What arrived and counts, in the asset (a decimal string).
    pub received: String,
    /// The fiat amounts of the paid sessions, at the rates quoted when they were created.
    pub paid_fiat: String,
}

/// One day's totals.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DayTotals {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// Per network and asset.
    pub assets: Vec<AssetTotal>,
}

/// Totals over a filter's sessions: the end-of-day summary when the filter is one day.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// The fiat currency of `paidFiat` (the store's).
    pub currency: String,
    /// Sessions selected.
    pub sessions: u32,
    /// Of which count as paid.
    pub paid: u32,
    /// Of which can still change (pending, detected, underpaid).
    pub open: u32,
    /// Of which need the owner (see the ledger's attention filter).
    pub attention: u32,
    /// The fiat amounts of the paid sessions.
    pub paid_fiat: String,
    /// Per network and asset, over the whole range.
    pub assets: Vec<AssetTotal>,
    /// Per day (newest first), per network and asset.
    pub days: Vec<DayTotals>,
}

/// Sessions alike in day, asset, status and currency, counted in SQL; their amounts come as
/// comma-joined lists summed here as integers (one row per group, not per session: each row
/// is a hop from SQLite's worker thread).
#[derive(sqlx::FromRow)]
struct Group {
    day: i64,
    network_id: String,
    asset_symbol: String,
    asset_decimals: i64,
    status: String,
    fiat_currency: String,
    sessions: i64,
    attention: i64,
    received: String,
    fiat: String,
}

#[derive(Default)]
struct Sum {
    decimals: u32,
    sessions: u32,
    paid: u32,
    received: U256,
    paid_fiat: U256,
}

impl Sum {
    fn total(&self, (network, asset): &(String, String), minor: u32) -> AssetTotal {
        AssetTotal {
            network: network.clone(),
            asset: asset.clone(),
            sessions: self.sessions,
            paid: self.paid,
            received: format_atomic(self.received, self.decimals),
            paid_fiat: crate::engine::money::format_atomic_fixed(self.paid_fiat, minor),
        }
    }
}

/// Totals of the sessions matching `filter`.
pub async fn totals(svc: &Service, filter: &SessionFilter) -> Result<Totals> {
    let currency = svc.config().store.default_currency.0.clone();
    let minor = currency_minor_units(&currency).unwrap_or(2);
    let w = filter.to_where()?;
    let sql = format!(
        "SELECT s.created_at / 86400000 AS day, s.network_id, s.asset_symbol, s.asset_decimals, s.status, \
         s.fiat_currency, COUNT(*) AS sessions, SUM({NEEDS_ATTENTION}) AS attention, \
         group_concat(s.amount_received) AS received, group_concat(s.fiat_amount) AS fiat \
         FROM checkout_sessions s WHERE {} GROUP BY 1, 2, 3, 4, 5, 6",
        w.sql
    );
    let groups = w
        .bind(sqlx::query_as::<_, Group>(&sql))
        .fetch_all(svc.pool())
        .await?;
    let mut t = Totals {
        currency: currency.clone(),
        sessions: 0,
        paid: 0,
        open: 0,
        attention: 0,
        paid_fiat: String::new(),
        assets: Vec::new(),
        days: Vec::new(),
    };
    let mut all: BTreeMap<(String, String), Sum> = BTreeMap::new();
    let mut days: BTreeMap<i64, BTreeMap<(String, String), Sum>> = BTreeMap::new();
    let mut paid_fiat = U256::ZERO;
    for g in groups {
        let status = Status::parse(&g.status).unwrap_or(Status::Pending);
        let n = u32::try_from(g.sessions).unwrap_or(u32::MAX);
        let mut received = U256::ZERO;
        for a in g.received.split(',') {
            received += parse_atomic(a)?;
        }
        // Fiat in another currency (the store's changed since) is left out of the fiat sums.
        let mut fiat = U256::ZERO;
        if status.is_paid() && g.fiat_currency == currency {
            for f in g.fiat.split(',') {
                fiat += Decimal::parse(f)
                    .ok()
                    .and_then(|d| d.to_scaled(minor))
                    .unwrap_or_default();
            }
        }
        t.sessions += n;
        t.paid += if status.is_paid() { n } else { 0 };
        t.open += if status.is_open() { n } else { 0 };
        t.attention += u32::try_from(g.attention).unwrap_or(0);
        paid_fiat += fiat;
        let key = (g.network_id, g.asset_symbol);
        for sum in [
            all.entry(key.clone()).or_default(),
            days.entry(g.day).or_default().entry(key).or_default(),
        ] {
            sum.decimals = u32::try_from(g.asset_decimals).unwrap_or(18);
            sum.sessions += n;
            sum.paid += if status.is_paid() { n } else { 0 };
            sum.received += received;
            sum.paid_fiat += fiat;
        }
    }
    t.paid_fiat = crate::engine::money::format_atomic_fixed(paid_fiat, minor);
    t.assets = all.iter().map(|(k, s)| s.total(k, minor)).collect();
    t.days = days
        .iter()
        .rev()
        .map(|(day, assets)| DayTotals {
            day: chrono::DateTime::from_timestamp(day * 86_400, 0)
                .unwrap_or_default()
                .format("%Y-%m-%d")
                .to_string(),
            assets: assets.iter().map(|(k, s)| s.total(k, minor)).collect(),
        })
        .collect();
    Ok(t)
}
