//! The headless engine: configuration, storage, wallet, checkout and the service layer.

pub mod about;
pub mod api;
pub mod chain;
pub mod checkout;
pub mod clock;
pub mod config;
pub mod error;
pub mod events;
#[cfg(test)]
mod fuzz;
pub mod idempotency;
pub mod ids;
pub mod keys;
pub mod ledger;
pub mod lock;
pub mod logging;
pub mod money;
pub mod owner;
pub mod private;
pub mod rates;
pub mod redact;
pub mod service;
pub mod setup;
pub mod simulate;
pub mod store;
pub mod till;
pub mod wallet;
pub mod webhooks;

pub use error::{Error, Result};
pub use service::Service;
pub use till::AppInfo;

/// Runs the engine for `svc` until `shutdown` completes: the webhook dispatcher, a chain
/// watcher per network (which also expires sessions, by chain time) and the local API and
/// hosted page — on `listener` if given, else on `api.bind`. If that address cannot be bound,
/// everything else still runs (sales are still watched, webhooks delivered) and
/// [`Service::api_error`] says why. A configuration put in force by [`Service::apply_config`]
/// restarts the watchers (they resume from their checkpoints) and, if the API's address or
/// rate limit changed, the API.
pub async fn run_until_shutdown(
    svc: &Service,
    listener: Option<tokio::net::TcpListener>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let dispatcher = webhooks::dispatcher::Dispatcher::new(svc.clone());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut stop_dispatcher = stop_rx.clone();
    let dispatching = tokio::spawn(dispatcher.run(async move {
        let _ = stop_dispatcher.wait_for(|s| *s).await;
    }));
    let mut config_changes = svc.watch_config();
    let mut config = svc.config();
    let mut watchers = Watchers::start(svc);
    let mut api = Api::start(svc, listener).await;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            changed = config_changes.changed() => {
                if changed.is_err() {
                    break;
                }
                let new = svc.config();
                let deadline = tokio::time::Instant::now() + STOP_WITHIN;
                watchers.stop_by(deadline).await;
                watchers = Watchers::start(svc);
                if new.api.bind != config.api.bind
                    || new.api.rate_limit_per_second != config.api.rate_limit_per_second
                {
                    api.stop_by(deadline).await;
                    api = Api::start(svc, None).await;
                }
                config = new;
            }
        }
    }
    // Everything stops at once and within the bound, whatever the node, the receivers or the
    // clients are doing: what is still running then is aborted. Nothing is lost: each write is
    // one transaction, a delivery in flight is still due, and a block is processed again from
    // the checkpoint at the next start.
    let deadline = tokio::time::Instant::now() + STOP_WITHIN;
    let _ = stop_tx.send(true);
    tokio::join!(
        finish(dispatching, deadline),
        api.stop_by(deadline),
        watchers.stop_by(deadline)
    );
}

/// How long stopping may take (SPEC: every shutdown ends within 2 s; the rest is the process's).
pub const STOP_WITHIN: std::time::Duration = std::time::Duration::from_millis(1500);

/// Waits for `task` until `deadline`, then aborts it.
async fn finish<T>(task: tokio::task::JoinHandle<T>, deadline: tokio::time::Instant) {
    let abort = task.abort_handle();
    if tokio::time::timeout_at(deadline, task).await.is_err() {
        abort.abort();
        tracing::info!("a task still busy at shutdown was stopped; it resumes at the next start");
    }
}

/// The chain watchers of one configuration.
struct Watchers {
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Watchers {
    fn start(svc: &Service) -> Self {
        let (stop, stop_rx) = tokio::sync::watch::channel(false);
        let config = svc.config();
        let ids: Vec<&str> = config.networks.iter().map(|n| n.id()).collect();
        svc.retain_chain_status(&ids);
        let tasks = chain::spawn_all(svc, chain::Timing::default(), stop_rx);
        Watchers { stop, tasks }
    }

    /// Stops them, aborting any still busy at `deadline` (a node that does not answer).
    async fn stop_by(self, deadline: tokio::time::Instant) {
        let _ = self.stop.send(true);
        futures_util::future::join_all(self.tasks.into_iter().map(|t| finish(t, deadline))).await;
    }
}

/// The local API and hosted page, while they serve.
struct Api {
    stop: tokio::sync::watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Api {
    async fn start(svc: &Service, listener: Option<tokio::net::TcpListener>) -> Self {
        let (stop, mut stop_rx) = tokio::sync::watch::channel(false);
        let listener = match listener {
            Some(l) => Ok(l),
            None => api::bind(svc.config().api.bind).await,
        };
        let task = match listener {
            Ok(listener) => {
                svc.set_api_error(None);
                Some(tokio::spawn(api::serve(
                    svc.clone(),
                    listener,
                    async move {
                        let _ = stop_rx.wait_for(|s| *s).await;
                    },
                )))
            }
            Err(e) => {
                tracing::error!(error = %e, "the local API is off; sales are still watched");
                svc.set_api_error(Some(e.to_string()));
                None
            }
        };
        Api { stop, task }
    }

    /// Stops serving, closing connections still open at `deadline` (event streams, slow
    /// clients).
    async fn stop_by(self, deadline: tokio::time::Instant) {
        let _ = self.stop.send(true);
        if let Some(t) = self.task {
            finish(t, deadline).await;
        }
    }
}
