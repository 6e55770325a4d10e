//! Fiat rates for quotes: a fixed rate from the config, or a Chainlink AggregatorV3 feed read
//! on the network itself. A stale or nonsensical feed is refused; a quote never silently uses it.

use crate::engine::config::{NetworkConfig, RateSource};
use crate::engine::error::Cause;
use crate::engine::money::{format_atomic, Decimal};
use crate::engine::redact::{redacted, shown_url};
use crate::engine::{Error, Result};
use alloy::providers::{Provider, ProviderBuilder};
use alloy_primitives::{Address, U256};
use chrono::{DateTime, Utc};
use std::time::Duration;

alloy::sol! {
    #[sol(rpc)]
    interface AggregatorV3 {
        function decimals() external view returns (uint8);
        function latestRoundData() external view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
    }
}

/// The rate (fiat per whole unit of `symbol`) to quote with now.
pub async fn current(
    network: &NetworkConfig,
    symbol: &str,
    source: &RateSource,
    now: DateTime<Utc>,
) -> Result<Decimal> {
    match source {
        RateSource::Fixed(d) => Ok(d.0.clone()),
        RateSource::Chainlink {
            feed,
            heartbeat_secs,
        } => chainlink(network, symbol, *feed, *heartbeat_secs, now).await,
    }
}

async fn chainlink(
    network: &NetworkConfig,
    symbol: &str,
    feed: Address,
    heartbeat_secs: i64,
    now: DateTime<Utc>,
) -> Result<Decimal> {
    let refused = |cause: Cause, why: String| {
        Error::unavailable(
            cause,
            format!(
                "the {symbol} rate on `{}` is unavailable: {why}",
                network.id()
            ),
        )
    };
    let unavailable = |why: String| refused(Cause::Rate, why);
    // Whether the last failure was the node's (unreachable) rather than the feed's.
    let mut node_failed = true;
    let mut last_error = String::from("no RPC URL configured");
    for url in network.rpc_urls.get_ref() {
        let shown = shown_url(url.0.as_str());
        let connected = tokio::time::timeout(
            Duration::from_secs(5),
            ProviderBuilder::new().connect(url.0.as_str()),
        )
        .await;
        let provider = match connected {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => {
                last_error = format!("{shown}: {}", redacted(&e.to_string(), url.0.as_str()));
                continue;
            }
            Err(_) => {
                last_error = format!("{shown}: no answer within 5 s");
                continue;
            }
        };
        let agg = AggregatorV3::new(feed, provider.erased());
        let read = async {
            let decimals = agg.decimals().call().await?;
            let round = agg.latestRoundData().call().await?;
            Ok::<_, alloy::contract::Error>((decimals, round))
        };
        let (decimals, round) = match tokio::time::timeout(Duration::from_secs(10), read).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                node_failed = !answered(&e);
                last_error = format!(
                    "feed {feed} could not be read: {}",
                    redacted(&e.to_string(), url.0.as_str())
                );
                continue;
            }
            Err(_) => {
                node_failed = true;
                last_error = format!("feed {feed} did not answer within 10 s");
                continue;
            }
        };
        if round.answer.is_negative() || round.answer.is_zero() {
            return Err(unavailable(format!(
                "feed {feed} answered {}",
                round.answer
            )));
        }
        let updated = i64::try_from(round.updatedAt).unwrap_or(i64::MAX);
        let age = now.timestamp() - updated;
        if age > heartbeat_secs {
            return Err(unavailable(format!(
                "feed {feed} is stale: last updated {} ago, beyond its heartbeat of {} \
                 (heartbeat_secs = {heartbeat_secs}); not quoting with a stale rate",
                span(age),
                span(heartbeat_secs)
            )));
        }
        if decimals > 36 {
            return Err(unavailable(format!(
                "feed {feed} reports {decimals} decimals"
            )));
        }
        let answer =
            U256::try_from(round.answer).map_err(|_| unavailable("answer out of range".into()))?;
        let text = format_atomic(answer, u32::from(decimals));
        return Decimal::parse(&text).map_err(|e| unavailable(format!("answer {text} {e}")));
    }
    let cause = if node_failed {
        Cause::Network
    } else {
        Cause::Rate
    };
    Err(refused(cause, last_error))
}

/// A number of seconds as people read it: seconds up to two minutes, then minutes.
fn span(secs: i64) -> String {
    if secs < 120 {
        format!("{secs} s")
    } else {
        format!("{} minutes", secs / 60)
    }
}

/// Whether a failed contract call got an answer from the node (the feed reverted, or is no
/// contract), as opposed to the node not being reachable.
fn answered(e: &alloy::contract::Error) -> bool {
    match e {
        alloy::contract::Error::TransportError(t) => t.is_error_resp(),
        _ => true,
    }
}
