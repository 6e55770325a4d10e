//! A session as a till shows it: the session, its QR, and the rules a screen must not work out
//! for itself (is it still open, does it count as paid, what is over, what must go back).

use super::model::{AssetAmount, AssetRef, CheckoutSession, Fiat};
use super::settle::Status;
use super::uri;
use crate::engine::money::{format_atomic, parse_atomic};
use crate::engine::Result;
use alloy_primitives::U256;
use serde::Serialize;
use ts_rs::TS;

/// Funds that do not count towards the amount, summed per asset.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ExtraFunds {
    /// The asset they came in.
    pub asset: AssetRef,
    /// Their total, in that asset.
    pub amount: AssetAmount,
}

/// A session as the cashier screen and the customer display show it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SaleView {
    /// The session (SPEC §4).
    pub session: CheckoutSession,
    /// SVG QR code of `session.paymentUri` (which asks for `amountDue`).
    pub qr_svg: String,
    /// The session can still change on its own (pending, detected, underpaid).
    pub open: bool,
    /// The sale counts as paid (paid, overpaid, paid late).
    pub paid: bool,
    /// Overpaid: how much more than the amount arrived, for the owner to handle.
    pub overage: Option<AssetAmount>,
    /// Final with counted funds that must go back (expired short, or canceled).
    pub refund_due: Option<AssetAmount>,
    /// Extra payments (another asset, beyond the amount, after the end), per asset.
    pub extras: Vec<ExtraFunds>,
}

/// One line of the till's "last sales" strip.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SaleSummary {
    /// The session id.
    pub id: String,
    /// Its status.
    pub status: Status,
    /// The amount charged.
    pub fiat: Fiat,
    /// The asset amount asked for.
    pub amount: AssetAmount,
    /// The asset's symbol.
    pub asset: String,
    /// Created (ISO 8601).
    pub created_at: String,
    /// Live or test.
    pub livemode: bool,
    /// How many extra payments it has.
    pub extras: u32,
}

impl SaleView {
    /// Reads the rules off `session` and renders its QR.
    pub fn of(session: CheckoutSession) -> Result<Self> {
        let qr_svg = uri::qr_svg(&session.payment_uri)?;
        let status = session.status;
        let amount = parse_atomic(&session.amount.atomic)?;
        let received = parse_atomic(&session.amount_received.atomic)?;
        let decimals = session.asset.decimals;
        let overage = (status == Status::Overpaid && received > amount)
            .then(|| plain(received - amount, decimals));
        let refund_due = (matches!(status, Status::Expired | Status::Canceled)
            && received > U256::ZERO)
            .then(|| plain(received, decimals));
        let mut extras: Vec<(AssetRef, U256)> = Vec::new();
        for p in session.payments.iter().filter(|p| p.extra) {
            let value = parse_atomic(&p.amount.atomic)?;
            match extras.iter_mut().find(|(a, _)| *a == p.asset) {
                Some((_, sum)) => *sum = sum.saturating_add(value),
                None => extras.push((p.asset.clone(), value)),
            }
        }
        Ok(SaleView {
            open: status.is_open(),
            paid: status.is_paid(),
            overage,
            refund_due,
            extras: extras
                .into_iter()
                .map(|(asset, sum)| ExtraFunds {
                    amount: plain(sum, asset.decimals),
                    asset,
                })
                .collect(),
            qr_svg,
            session,
        })
    }
}

impl From<&CheckoutSession> for SaleSummary {
    fn from(s: &CheckoutSession) -> Self {
        SaleSummary {
            id: s.id.clone(),
            status: s.status,
            fiat: s.fiat.clone(),
            amount: s.amount.clone(),
            asset: s.asset.symbol.clone(),
            created_at: s.created_at.clone(),
            livemode: s.livemode,
            extras: s.payments.iter().filter(|p| p.extra).count() as u32,
        }
    }
}

fn plain(atomic: U256, decimals: u32) -> AssetAmount {
    AssetAmount {
        atomic: atomic.to_string(),
        value: format_atomic(atomic, decimals),
        wei: None,
        eth: None,
    }
}
