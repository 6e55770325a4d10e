//! The checkout session object exactly as SPEC §4 shows it, and its storage row.

use crate::engine::checkout::settle::{Observed, Status, Terms};
use crate::engine::clock::{format_time, from_millis};
use crate::engine::money::{format_atomic, paid_threshold, parse_atomic, Decimal};
use crate::engine::{Error, Result};
use chrono::Duration;
use serde::Serialize;
use serde_json::{Map, Value};
use ts_rs::TS;

/// A stored session row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub livemode: bool,
    pub network_id: String,
    pub network_name: String,
    pub chain_id: i64,
    pub asset_symbol: String,
    pub asset_decimals: i64,
    pub asset_contract: Option<String>,
    pub address: String,
    pub address_index: i64,
    pub amount_atomic: String,
    pub fiat_amount: String,
    pub fiat_currency: String,
    pub rate: String,
    pub payment_uri: String,
    pub required_confirmations: i64,
    pub tolerance_percent: String,
    pub late_grace_ms: i64,
    pub metadata: String,
    pub success_url: Option<String>,
    pub status: String,
    pub confirmations: i64,
    pub amount_received: String,
    pub expires_at: i64,
    pub created_at: i64,
    pub paid_at: Option<i64>,
    pub canceled_at: Option<i64>,
    /// The block time (ms) up to which the internal-transfer search covered the address.
    pub reconciled_time: Option<i64>,
}

/// A stored payment row.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct PaymentRow {
    pub tx_hash: String,
    pub log_index: Option<i64>,
    pub from_address: String,
    pub block_number: Option<i64>,
    pub block_hash: Option<String>,
    pub amount_atomic: String,
    pub seen_at: i64,
    pub block_timestamp: Option<i64>,
    pub late_notified: i64,
    pub asset_symbol: Option<String>,
    pub asset_decimals: Option<i64>,
    pub asset_contract: Option<String>,
    pub extra: i64,
    pub nonce: Option<i64>,
}

impl PaymentRow {
    /// Whether it was paid in another asset than `session`'s (compared by contract; `NULL` is
    /// the native coin). Rows from before assets were recorded are in the session's asset.
    pub fn is_foreign(&self, session: &SessionRow) -> bool {
        self.asset_symbol.is_some() && !same_contract(&self.asset_contract, &session.asset_contract)
    }

    /// The settlement view: first seen is the earlier of seen-at and block time, so a payment
    /// found after a restart is judged by its block time, never by when the engine noticed it.
    pub fn observed(&self, session: &SessionRow) -> Result<Observed> {
        let seen = self
            .block_timestamp
            .map_or(self.seen_at, |b| b.min(self.seen_at));
        Ok(Observed {
            amount: parse_atomic(&self.amount_atomic)?,
            block_number: self.block_number.and_then(|b| u64::try_from(b).ok()),
            first_seen: from_millis(seen),
            foreign: self.is_foreign(session),
        })
    }
}

fn same_contract(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

impl SessionRow {
    /// The settlement terms fixed at creation.
    pub fn terms(&self) -> Result<Terms> {
        let amount = parse_atomic(&self.amount_atomic)?;
        let tolerance = Decimal::parse(&self.tolerance_percent)
            .map_err(|e| Error::Storage(format!("bad stored tolerance: {e}")))?;
        let expires_at = from_millis(self.expires_at);
        Ok(Terms {
            amount,
            threshold: paid_threshold(amount, &tolerance),
            required_confirmations: u64::try_from(self.required_confirmations).unwrap_or(1),
            expires_at,
            grace_ends_at: expires_at + Duration::milliseconds(self.late_grace_ms),
            canceled_at: self.canceled_at.map(from_millis),
        })
    }

    /// The stored status.
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Pending)
    }
}

/// `{atomic, value}` (+ `wei`/`eth` for native-asset amounts).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema, TS)]
pub struct AssetAmount {
    /// Atomic units, decimal string.
    pub atomic: String,
    /// Whole units, decimal string.
    pub value: String,
    /// Same as `atomic`, native-asset sessions only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub wei: Option<String>,
    /// Same as `value`, native-asset sessions only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub eth: Option<String>,
}

/// `network` of a session.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct NetworkRef {
    pub id: String,
    #[ts(type = "number")]
    pub chain_id: u64,
    pub name: String,
}

/// `asset` of a session.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, TS)]
pub struct AssetRef {
    pub symbol: String,
    pub decimals: u32,
    /// The token contract, `null` for the native coin.
    pub contract: Option<String>,
}

/// `fiat` of a session.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, TS)]
pub struct Fiat {
    pub amount: String,
    pub currency: String,
}

/// One entry of `payments[]`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct PaymentView {
    pub tx_hash: String,
    #[ts(type = "number | null")]
    pub log_index: Option<i64>,
    pub from: String,
    #[ts(type = "number | null")]
    pub block_number: Option<i64>,
    pub block_hash: Option<String>,
    /// The asset paid (may differ from the session's: then `extra`).
    pub asset: AssetRef,
    /// In the payment's own asset.
    pub amount: AssetAmount,
    /// Does not count towards the amount (another asset, beyond a completed amount, after the
    /// session was final): kept for the owner to refund or keep.
    pub extra: bool,
    #[ts(type = "number")]
    pub confirmations: u64,
    pub seen_at: String,
    pub block_timestamp: Option<String>,
}

/// The checkout session object of SPEC §4.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutSession {
    pub id: String,
    #[schema(value_type = String)]
    #[ts(type = "\"checkout_session\"")]
    pub object: &'static str,
    pub status: Status,
    pub livemode: bool,
    pub checkout_url: String,
    pub network: NetworkRef,
    pub asset: AssetRef,
    pub address: String,
    pub amount: AssetAmount,
    pub amount_received: AssetAmount,
    /// What is still needed to count as paid: amount minus counted payments, never below 0.
    pub amount_due: AssetAmount,
    pub fiat: Fiat,
    pub rate: String,
    /// EIP-681 request for `amountDue` (what every QR encodes).
    pub payment_uri: String,
    #[ts(type = "number")]
    pub confirmations: u64,
    #[ts(type = "number")]
    pub required_confirmations: u64,
    pub payments: Vec<PaymentView>,
    #[schema(value_type = HashMap<String, String>)]
    #[ts(type = "Record<string, string>")]
    pub metadata: Map<String, Value>,
    pub success_url: Option<String>,
    pub expires_at: String,
    pub created_at: String,
    pub paid_at: Option<String>,
}

impl CheckoutSession {
    /// Builds the object from storage; `public_url` is the base of `checkoutUrl`.
    pub fn from_rows(
        row: &SessionRow,
        payments: &[PaymentRow],
        head: Option<u64>,
        public_url: &str,
    ) -> Result<Self> {
        let decimals = u32::try_from(row.asset_decimals).unwrap_or(18);
        let native = row.asset_contract.is_none();
        let session_asset = AssetRef {
            symbol: row.asset_symbol.clone(),
            decimals,
            contract: row.asset_contract.clone(),
        };
        let total = parse_atomic(&row.amount_atomic)?;
        let mut counted = alloy_primitives::U256::ZERO;
        for p in payments
            .iter()
            .filter(|p| p.extra == 0 && !p.is_foreign(row))
        {
            counted = counted.saturating_add(parse_atomic(&p.amount_atomic)?);
        }
        let due = total.saturating_sub(counted);
        let payments = payments
            .iter()
            .map(|p| {
                let asset = match &p.asset_symbol {
                    Some(symbol) => AssetRef {
                        symbol: symbol.clone(),
                        decimals: p
                            .asset_decimals
                            .and_then(|d| u32::try_from(d).ok())
                            .unwrap_or(decimals),
                        contract: p.asset_contract.clone(),
                    },
                    None => session_asset.clone(),
                };
                Ok(PaymentView {
                    tx_hash: p.tx_hash.clone(),
                    log_index: p.log_index,
                    from: p.from_address.clone(),
                    block_number: p.block_number,
                    block_hash: p.block_hash.clone(),
                    amount: asset_amount(&p.amount_atomic, asset.decimals, false)?,
                    asset,
                    extra: p.extra != 0 || p.is_foreign(row),
                    confirmations: p.observed(row)?.confirmations(head),
                    seen_at: format_time(from_millis(p.seen_at)),
                    block_timestamp: p.block_timestamp.map(|t| format_time(from_millis(t))),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(CheckoutSession {
            id: row.id.clone(),
            object: "checkout_session",
            status: row.status(),
            livemode: row.livemode,
            checkout_url: format!("{public_url}/checkout/{}", row.id),
            network: NetworkRef {
                id: row.network_id.clone(),
                chain_id: u64::try_from(row.chain_id).unwrap_or_default(),
                name: row.network_name.clone(),
            },
            payment_uri: payment_uri_for(row, due)?,
            asset: session_asset,
            address: row.address.clone(),
            amount: asset_amount(&row.amount_atomic, decimals, native)?,
            amount_received: asset_amount(&row.amount_received, decimals, false)?,
            amount_due: asset_amount(&due.to_string(), decimals, false)?,
            fiat: Fiat {
                amount: row.fiat_amount.clone(),
                currency: row.fiat_currency.clone(),
            },
            rate: row.rate.clone(),
            confirmations: u64::try_from(row.confirmations).unwrap_or_default(),
            required_confirmations: u64::try_from(row.required_confirmations).unwrap_or(1),
            payments,
            metadata: serde_json::from_str(&row.metadata).unwrap_or_default(),
            success_url: row.success_url.clone(),
            expires_at: format_time(from_millis(row.expires_at)),
            created_at: format_time(from_millis(row.created_at)),
            paid_at: row.paid_at.map(|t| format_time(from_millis(t))),
        })
    }
}

/// `{atomic, value}` of an atomic amount with `decimals` (+ `wei`/`eth` when `with_native`).
fn asset_amount(atomic: &str, decimals: u32, with_native: bool) -> Result<AssetAmount> {
    let value = format_atomic(parse_atomic(atomic)?, decimals);
    Ok(AssetAmount {
        atomic: atomic.to_string(),
        wei: with_native.then(|| atomic.to_string()),
        eth: with_native.then(|| value.clone()),
        value,
    })
}

/// The EIP-681 request for `due` to the session's address.
fn payment_uri_for(row: &SessionRow, due: alloy_primitives::U256) -> Result<String> {
    let bad = |what: &str| Error::Storage(format!("session {} has an unreadable {what}", row.id));
    let address = row.address.parse().map_err(|_| bad("address"))?;
    let token = match &row.asset_contract {
        Some(c) => Some(c.parse().map_err(|_| bad("token contract"))?),
        None => None,
    };
    let chain_id = u64::try_from(row.chain_id).map_err(|_| bad("chain id"))?;
    Ok(super::uri::payment_uri(address, chain_id, due, token))
}
