//! The headless engine: configuration, storage, wallet, checkout and the service layer.

pub mod checkout;
pub mod clock;
pub mod config;
pub mod error;
pub mod events;
pub mod ids;
pub mod keys;
pub mod lock;
pub mod logging;
pub mod money;
pub mod service;
pub mod store;
pub mod wallet;

pub use error::{Error, Result};
pub use service::Service;

/// Runs the engine's background work for `svc` until `shutdown` completes: for now the expiry
/// sweep (the chain watcher and webhook dispatcher join here).
pub async fn run_until_shutdown(svc: &Service, shutdown: impl std::future::Future<Output = ()>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tick.tick() => {
                if let Err(e) = checkout::expire_due(svc).await {
                    tracing::warn!(error = %e, "expiry sweep failed");
                }
            }
        }
    }
}
