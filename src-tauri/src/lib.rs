//! Chaintill: a point-of-sale for crypto payments that watches the chain itself.
//!
//! `engine` is headless (no Tauri anywhere below it); `desktop` is the Tauri shell and
//! `cli` the admin commands. All three call the same service layer in `engine::service`.

pub mod cli;
#[cfg(feature = "desktop")]
pub mod desktop;
pub mod engine;
