//! Logging: human-readable lines to stderr and to `chaintill.log` in the data directory.
//! Nothing secret is ever passed to a log macro; a test scans the log for the phrase. Libraries'
//! lines are not ours to word: every line, theirs too, loses the configured RPC URLs' secret
//! parts before it is written ([`crate::engine::redact::redact_known`]).

use std::path::Path;
use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter, Layer};

/// File name of the log inside the data directory.
pub const LOG_FILE: &str = "chaintill.log";

/// Where `chaintill.log` goes for `data_dir`: the OS log folder (`$XDG_STATE_HOME/chaintill`,
/// e.g. `~/.local/state/chaintill`) for the default data folder of an installed app, never beside
/// the binary; the data folder itself for one chosen with `--data-dir` (a shop or a test that
/// keeps several apart keeps their logs apart too).
pub fn log_dir(data_dir: &Path) -> std::path::PathBuf {
    let default = crate::engine::service::default_data_dir().ok();
    match directories::BaseDirs::new().and_then(|b| b.state_dir().map(|d| d.join("chaintill"))) {
        Some(state) if default.as_deref() == Some(data_dir) => state,
        _ => data_dir.to_path_buf(),
    }
}

/// Installs the global subscriber. `stderr_level` is the default for the terminal
/// (`CHAINTILL_LOG` overrides it); the file (in [`log_dir`]) always gets `info` and above.
pub fn init(data_dir: &Path, stderr_level: &str) {
    let stderr_filter =
        EnvFilter::try_from_env("CHAINTILL_LOG").unwrap_or_else(|_| EnvFilter::new(stderr_level));
    let stderr = fmt::layer()
        .with_writer(|| Redacting(std::io::stderr()))
        .with_target(false)
        .with_filter(stderr_filter);
    let dir = log_dir(data_dir);
    let file = crate::engine::private::create_dir(&dir)
        .and_then(|()| crate::engine::private::append(&dir.join(LOG_FILE)))
        .ok()
        .map(|f| {
            let f = std::sync::Arc::new(std::sync::Mutex::new(f));
            fmt::layer()
                .with_writer(move || Redacting(SharedFile(f.clone())))
                .with_ansi(false)
                .with_filter(EnvFilter::new("info"))
        });
    // A second init (tests, several commands in one process) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file)
        .try_init();
}

/// A writer that redacts each formatted line (the formatter writes an event in one call).
struct Redacting<W: std::io::Write>(W);

impl<W: std::io::Write> std::io::Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let line = crate::engine::redact::redact_known(&String::from_utf8_lossy(buf));
        self.0.write_all(line.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// The log file, shared by every event's writer.
struct SharedFile(std::sync::Arc<std::sync::Mutex<std::fs::File>>);

impl std::io::Write for SharedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).flush()
    }
}
