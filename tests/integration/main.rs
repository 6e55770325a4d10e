//! Integration tests: the real `chaintill` binary and library against the real Secret Service
//! (run inside `scripts/with-keyring.sh`, as `make test` does) and real SQLite files.

mod api;
mod api_fuzz;
mod bundle;
mod chain;
mod common;
mod config;
mod endings;
mod engine_lock;
mod keys;
mod ledger;
mod modes;
mod page;
mod pruned;
mod secrets;
mod sessions;
mod shutdown;
mod soak;
mod till;
#[cfg(feature = "desktop")]
mod updates;
mod upgrade;
mod wallet;
mod wallets;
mod webhooks;
