//! Logging: human-readable lines to stderr and to `chaintill.log` in the data directory.
//! Nothing secret is ever passed to a log macro; a test scans the log for the phrase.

use std::path::Path;
use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter, Layer};

/// File name of the log inside the data directory.
pub const LOG_FILE: &str = "chaintill.log";

/// Installs the global subscriber. `stderr_level` is the default for the terminal
/// (`CHAINTILL_LOG` overrides it); the file always gets `info` and above.
pub fn init(data_dir: &Path, stderr_level: &str) {
    let stderr_filter =
        EnvFilter::try_from_env("CHAINTILL_LOG").unwrap_or_else(|_| EnvFilter::new(stderr_level));
    let stderr = fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_filter(stderr_filter);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data_dir.join(LOG_FILE))
        .ok()
        .map(|f| {
            fmt::layer()
                .with_writer(std::sync::Mutex::new(f))
                .with_ansi(false)
                .with_filter(EnvFilter::new("info"))
        });
    // A second init (tests, several commands in one process) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file)
        .try_init();
}
