//! About this install (SPEC §9): version, where the data and the logs are, and the diagnostics a
//! shop pastes into a support request — with every secret removed.

use crate::engine::redact::shown_url;
use crate::engine::{store, Service};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// What the About panel shows.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct About {
    /// The app's version (the package's, and what `chaintill --version` prints).
    pub version: String,
    /// The version of the database schema this build writes.
    #[ts(type = "number")]
    pub database_version: i64,
    /// The data folder (configuration and database).
    pub data_dir: String,
    /// The folder `chaintill.log` is written to.
    pub log_dir: String,
}

/// The app's version, data folder and log folder.
pub fn about(svc: &Service) -> About {
    About {
        version: env!("CARGO_PKG_VERSION").to_string(),
        database_version: store::schema_version(),
        data_dir: svc.data_dir().display().to_string(),
        log_dir: crate::engine::logging::log_dir(svc.data_dir())
            .display()
            .to_string(),
    }
}

/// A plain-text report for a support request: version, operating system, the configuration with
/// every URL cut to scheme://host:port (providers put keys in paths and queries), and each
/// network's chain status. There is no phrase, key or webhook secret in the configuration to
/// begin with; URLs are the only secrets it can hold.
pub fn diagnostics(svc: &Service) -> String {
    let a = about(svc);
    let mut out = String::new();
    let _ = writeln!(out, "Chaintill {}", a.version);
    let _ = writeln!(out, "Database version: {}", a.database_version);
    let _ = writeln!(out, "Operating system: {}", operating_system());
    let _ = writeln!(out, "Data folder: {}", a.data_dir);
    let _ = writeln!(out, "Log folder: {}", a.log_dir);
    let _ = writeln!(out, "\n[chain status]");
    let statuses = svc.chain_status();
    for n in &svc.config().networks {
        let s = statuses.iter().find(|s| s.network == n.id());
        let _ = writeln!(
            out,
            "{} (chain {}): {}; head {}; processed {}{}",
            n.id(),
            n.chain_id(),
            if s.is_some_and(|s| s.connected) {
                "connected"
            } else {
                "not connected"
            },
            s.and_then(|s| s.head)
                .map_or("unknown".into(), |h| h.to_string()),
            s.and_then(|s| s.processed)
                .map_or("none".into(), |h| h.to_string()),
            s.and_then(|s| s.error.as_deref())
                .map(|e| format!("; error: {e}"))
                .unwrap_or_default(),
        );
    }
    let _ = writeln!(out, "\n[chaintill.toml, URLs cut to scheme://host:port]");
    out.push_str(&config_without_secrets(svc.data_dir()));
    out
}

/// The configuration file as TOML with every URL reduced to its shown form; a file that does not
/// parse is described, never copied (it may hold a URL the parser could not find).
fn config_without_secrets(data_dir: &Path) -> String {
    let path = data_dir.join(crate::engine::config::CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => return format!("(cannot read {}: {e})\n", path.display()),
    };
    match text.parse::<toml::Table>() {
        Ok(mut table) => {
            for (_, v) in table.iter_mut() {
                cut_urls(v);
            }
            toml::to_string(&table).unwrap_or_else(|e| format!("(cannot write it out: {e})\n"))
        }
        Err(_) => "(the file does not parse; not copied)\n".to_string(),
    }
}

/// Replaces every string that is a URL with its scheme://host:port.
fn cut_urls(v: &mut toml::Value) {
    match v {
        toml::Value::String(s) if s.contains("://") => *s = shown_url(s),
        toml::Value::Array(a) => a.iter_mut().for_each(cut_urls),
        toml::Value::Table(t) => t.iter_mut().for_each(|(_, v)| cut_urls(v)),
        _ => {}
    }
}

/// The distribution's name (`/etc/os-release`) and the kernel's release.
fn operating_system() -> String {
    let name = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| format!(", kernel {}", k.trim()))
        .unwrap_or_default();
    format!("{name} ({}{kernel})", std::env::consts::ARCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_url_in_the_config_loses_its_path_query_and_user() {
        let mut v: toml::Value = toml::from_str(
            "[api]\npublic_url = \"https://user:pw@shop.example/till?k=1\"\n\
             [[networks]]\nrpc_urls = [\"wss://base.g.alchemy.com/v2/SECRETKEY\", \"https://rpc.example:8545/abc\"]\n",
        )
        .unwrap();
        cut_urls(&mut v);
        let text = toml::to_string(&v).unwrap();
        for secret in ["SECRETKEY", "pw", "k=1", "/abc", "/till"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("wss://base.g.alchemy.com"));
        assert!(text.contains("https://rpc.example:8545"));
    }
}
