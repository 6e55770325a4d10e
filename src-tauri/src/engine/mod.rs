//! The headless engine: configuration, storage, wallet, checkout and the service layer.

pub mod api;
pub mod chain;
pub mod checkout;
pub mod clock;
pub mod config;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod ids;
pub mod keys;
pub mod lock;
pub mod logging;
pub mod money;
pub mod rates;
pub mod redact;
pub mod service;
pub mod store;
pub mod wallet;
pub mod webhooks;

pub use error::{Error, Result};
pub use service::Service;

/// Runs the engine for `svc` until `shutdown` completes: the webhook dispatcher, a chain
/// watcher per network (which also expires sessions, by chain time) and, given a `listener`
/// (see [`api::bind`]), the local API and hosted page. Without one (its port could not be
/// bound) everything else still runs: sales are still watched and webhooks still delivered.
pub async fn run_until_shutdown(
    svc: &Service,
    listener: Option<tokio::net::TcpListener>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let dispatcher = webhooks::dispatcher::Dispatcher::new(svc.clone());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let watchers = chain::spawn_all(svc, chain::Timing::default(), stop_rx.clone());
    let mut stop_dispatcher = stop_rx.clone();
    let dispatching = tokio::spawn(dispatcher.run(async move {
        let _ = stop_dispatcher.wait_for(|s| *s).await;
    }));
    let mut stop_api = stop_rx.clone();
    let serving = listener.map(|listener| {
        tokio::spawn(api::serve(svc.clone(), listener, async move {
            let _ = stop_api.wait_for(|s| *s).await;
        }))
    });
    shutdown.await;
    let _ = stop_tx.send(true);
    let _ = dispatching.await;
    if let Some(serving) = serving {
        let _ = serving.await;
    }
    for w in watchers {
        let _ = w.await;
    }
}
