//! Totals for the owner and the bookkeeper: per day and asset, and an end-of-day summary, over
//! the sessions a filter selects. Asset amounts are summed as integers of atomic units; fiat as
//! integers of the currency's minor units. Nothing is a float.

use super::{Arg, SessionFilter, NEEDS_ATTENTION};
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

#[derive(sqlx::FromRow)]
struct Row {
    day: String,
    network_id: String,
    asset_symbol: String,
    asset_decimals: i64,
    status: String,
    amount_received: String,
    fiat_amount: String,
    fiat_currency: String,
    attention: bool,
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
        "SELECT strftime('%Y-%m-%d', s.created_at / 1000, 'unixepoch') AS day, s.network_id, s.asset_symbol, \
         s.asset_decimals, s.status, s.amount_received, s.fiat_amount, s.fiat_currency, {NEEDS_ATTENTION} AS attention \
         FROM checkout_sessions s WHERE {}",
        w.sql
    );
    let mut q = sqlx::query_as::<_, Row>(&sql);
    for a in &w.args {
        q = match a {
            Arg::Text(t) => q.bind(t.as_str()),
            Arg::Int(i) => q.bind(*i),
        };
    }
    let rows = q.fetch_all(svc.pool()).await?;
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
    let mut days: BTreeMap<String, BTreeMap<(String, String), Sum>> = BTreeMap::new();
    let mut paid_fiat = U256::ZERO;
    for r in rows {
        let status = Status::parse(&r.status).unwrap_or(Status::Pending);
        let received = parse_atomic(&r.amount_received)?;
        // Fiat in another currency (the store's changed since) is left out of the fiat sums.
        let fiat = if status.is_paid() && r.fiat_currency == currency {
            Decimal::parse(&r.fiat_amount)
                .ok()
                .and_then(|d| d.to_scaled(minor))
                .unwrap_or_default()
        } else {
            U256::ZERO
        };
        t.sessions += 1;
        t.paid += u32::from(status.is_paid());
        t.open += u32::from(status.is_open());
        t.attention += u32::from(r.attention);
        paid_fiat += fiat;
        let key = (r.network_id, r.asset_symbol);
        for sum in [
            all.entry(key.clone()).or_default(),
            days.entry(r.day).or_default().entry(key).or_default(),
        ] {
            sum.decimals = u32::try_from(r.asset_decimals).unwrap_or(18);
            sum.sessions += 1;
            sum.paid += u32::from(status.is_paid());
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
            day: day.clone(),
            assets: assets.iter().map(|(k, s)| s.total(k, minor)).collect(),
        })
        .collect();
    Ok(t)
}
