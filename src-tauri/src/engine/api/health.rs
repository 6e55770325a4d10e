//! `GET /api/v1/health`: no auth; version and each network's watcher state.

use super::{ok, ApiState};
use crate::engine::api::error::ApiError;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

/// The engine's health.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// Always `"health"`.
    #[schema(value_type = String)]
    pub object: &'static str,
    /// `ok` when every network's node answers, else `degraded`.
    #[schema(value_type = String)]
    pub status: &'static str,
    /// The engine's version.
    pub version: String,
    /// One entry per configured network.
    pub networks: Vec<NetworkHealth>,
}

/// One network's watcher.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkHealth {
    /// Network id from the config.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Chain id.
    pub chain_id: u64,
    /// `test` or `live`.
    #[schema(value_type = String)]
    pub mode: &'static str,
    /// Whether a node is connected and answering.
    pub connected: bool,
    /// The node in use, as scheme://host:port only (paths and queries may hold provider keys).
    pub rpc: Option<String>,
    /// Chain head as last seen.
    pub head: Option<u64>,
    /// Last block fully processed.
    pub processed: Option<u64>,
    /// Blocks behind the head.
    pub lag: Option<u64>,
    /// Why the network is not healthy, as a stable summary (`no node is answering`, `the node
    /// is on another chain`): this page needs no key, and node errors can name hosts.
    pub error: Option<String>,
    /// When the watcher last reported (RFC 3339).
    pub updated_at: Option<String>,
}

/// Engine health
///
/// No API key needed. Per network: head block, processed block, lag and RPC status.
#[utoipa::path(get, operation_id = "getHealth", path = "/api/v1/health", tag = "Health",
    responses((status = 200, description = "Health", body = Health)))]
pub async fn health(State(st): State<ApiState>) -> Result<Response, ApiError> {
    let statuses = st.svc.chain_status();
    let networks: Vec<NetworkHealth> = st
        .svc
        .config()
        .networks
        .iter()
        .map(|n| {
            let s = statuses.iter().find(|s| s.network == n.id());
            NetworkHealth {
                id: n.id().to_string(),
                name: n.display_name().to_string(),
                chain_id: n.chain_id(),
                mode: n.mode.as_str(),
                connected: s.is_some_and(|s| s.connected),
                rpc: s.and_then(|s| s.rpc_url.clone()),
                head: s.and_then(|s| s.head),
                processed: s.and_then(|s| s.processed),
                lag: s.and_then(|s| s.lag),
                error: s.and_then(public_error),
                updated_at: s.and_then(|s| s.updated_at.clone()),
            }
        })
        .collect();
    ok(&Health {
        object: "health",
        status: if networks.iter().all(|n| n.connected) {
            "ok"
        } else {
            "degraded"
        },
        version: env!("CARGO_PKG_VERSION").to_string(),
        networks,
    })
}

/// A watcher's error as the unauthenticated health page may show it: one of a few fixed
/// phrases, never the node's own text.
fn public_error(s: &crate::engine::chain::ChainStatus) -> Option<String> {
    let error = s.error.as_deref()?;
    Some(
        if error.contains("is chain") {
            "the node is on another chain"
        } else if s.connected {
            "the node answered with an error"
        } else {
            "no node is answering"
        }
        .to_string(),
    )
}
