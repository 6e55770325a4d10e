//! Test mode's "simulate payment": on a test network whose node has a funded, unlocked account
//! (a local devnet: anvil, hardhat), pay an open session with a real transaction — exactly, short
//! or over — so an owner can rehearse a sale and its webhooks without real money.

use crate::engine::config::Mode;
use crate::engine::money::parse_atomic;
use crate::engine::redact::redacted;
use crate::engine::{Error, Result, Service};
use alloy::network::TransactionBuilder;
use alloy::providers::{Provider, ProviderBuilder};
use alloy::rpc::types::TransactionRequest;
use alloy_primitives::{Address, Bytes, U256};
use serde::Deserialize;
use ts_rs::TS;

/// How much the simulated customer pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum SimulatedAmount {
    /// Exactly what is due.
    Exact,
    /// Half of what is due.
    Short,
    /// What is due and a tenth more.
    Over,
}

/// Pays session `id` from the node's first unlocked account; returns the transaction hash.
pub async fn pay(svc: &Service, id: &str, how: SimulatedAmount) -> Result<String> {
    let s = svc.sessions_get(id, None).await?;
    let config = svc.config();
    let network = config.network(&s.network.id).ok_or_else(|| {
        Error::Conflict(format!(
            "network `{}` is no longer configured",
            s.network.id
        ))
    })?;
    if s.livemode || network.mode != Mode::Test {
        return Err(Error::Forbidden(
            "payments can only be simulated on a test network".into(),
        ));
    }
    if !s.status.is_open() {
        return Err(Error::Conflict(format!(
            "session {} is {}: only an open session can be paid",
            s.id,
            s.status.as_str()
        )));
    }
    let due = parse_atomic(&s.amount_due.atomic)?;
    let value = match how {
        SimulatedAmount::Exact => due,
        SimulatedAmount::Short => (due / U256::from(2)).max(U256::from(1)),
        SimulatedAmount::Over => due + (due / U256::from(10)).max(U256::from(1)),
    };
    let url = network
        .rpc_urls
        .get_ref()
        .first()
        .map(|u| u.0.to_string())
        .ok_or_else(|| Error::Conflict("the network has no RPC URL".into()))?;
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        Error::unavailable(
            crate::engine::error::Cause::Network,
            redacted(&format!("{what}: {e}"), &url),
        )
    };
    let p = ProviderBuilder::new()
        .connect(&url)
        .await
        .map_err(|e| fail("cannot reach the node", &e))?;
    let from = *p
        .get_accounts()
        .await
        .map_err(|e| fail("the node lists no accounts", &e))?
        .first()
        .ok_or_else(|| {
            Error::Conflict(
                "this node has no funded, unlocked account to pay from (simulate works on a local devnet)".into(),
            )
        })?;
    let to: Address = s
        .address
        .parse()
        .map_err(|_| Error::Storage(format!("session {} has an unreadable address", s.id)))?;
    let tx = match &s.asset.contract {
        None => TransactionRequest::default()
            .with_from(from)
            .with_to(to)
            .with_value(value),
        Some(token) => {
            // ERC-20 transfer(address,uint256).
            let mut data = vec![0xa9, 0x05, 0x9c, 0xbb];
            data.extend_from_slice(&[0u8; 12]);
            data.extend_from_slice(to.as_slice());
            data.extend_from_slice(&value.to_be_bytes::<32>());
            TransactionRequest::default()
                .with_from(from)
                .with_to(token.parse().map_err(|_| {
                    Error::Storage(format!("session {} has an unreadable token contract", s.id))
                })?)
                .with_input(Bytes::from(data))
        }
    };
    let pending = p
        .send_transaction(tx)
        .await
        .map_err(|e| fail("the node refused the payment", &e))?;
    let hash = format!("{:#x}", pending.tx_hash());
    tracing::info!(session = %s.id, tx = %hash, ?how, "simulated payment sent");
    Ok(hash)
}
