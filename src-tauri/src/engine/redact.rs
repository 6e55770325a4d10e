//! How URLs that may carry secrets are shown, in one place every caller uses. RPC URLs count as
//! secrets (SPEC §10: providers put API keys in their paths and queries), so errors and logs show
//! only `scheme://host:port`. Webhook endpoint URLs are the owner's and shown to the owner, but
//! logs leave out what receivers often put tokens in: the user info, query and fragment.

use url::{Position, Url};

/// What stands in for a removed secret part of a URL.
const REMOVED: &str = "…";
/// Parts of a URL shorter than this are not searched for on their own (a path of `/`, a query of
/// `a=1`): they could match innocent text, and carry no key.
const MIN_SECRET_CHARS: usize = 4;

/// An RPC URL as it may be shown or logged: `scheme://host[:port]` only.
pub fn shown_url(url: &str) -> String {
    Url::parse(url)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?;
            Some(match u.port() {
                Some(port) => format!("{}://{host}:{port}", u.scheme()),
                None => format!("{}://{host}", u.scheme()),
            })
        })
        .unwrap_or_else(|| "(invalid URL)".into())
}

/// `text` (an error message, typically from the HTTP or RPC client) with no trace of `url`'s
/// secret parts: the URL as written or as a parser normalises it becomes its shown form, and its
/// path, query, fragment and user info never appear on their own either.
pub fn redacted(text: &str, url: &str) -> String {
    let shown = shown_url(url);
    let mut out = text.replace(url, &shown);
    let Ok(parsed) = Url::parse(url) else {
        return out;
    };
    out = out.replace(parsed.as_str(), &shown);
    let mut secrets: Vec<&str> = vec![
        &parsed[Position::BeforePath..],
        &parsed[Position::BeforeQuery..],
        parsed.path(),
        parsed.query().unwrap_or(""),
        parsed.fragment().unwrap_or(""),
        parsed.username(),
        parsed.password().unwrap_or(""),
    ];
    secrets.retain(|s| s.len() >= MIN_SECRET_CHARS);
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for s in secrets {
        out = out.replace(s, REMOVED);
    }
    out
}

/// A webhook endpoint URL for logs: `scheme://host[:port]/path`, without user info, query or
/// fragment (where receivers put their tokens).
pub fn endpoint_url(url: &Url) -> String {
    format!("{}{}", shown_url(url.as_str()), url.path())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpc_urls_are_shown_without_paths_or_queries() {
        let key_url = "https://eth-mainnet.g.alchemy.com/v2/SECRETKEY?x=1";
        assert_eq!(shown_url(key_url), "https://eth-mainnet.g.alchemy.com");
        assert_eq!(shown_url("ws://127.0.0.1:8545"), "ws://127.0.0.1:8545");
        assert_eq!(shown_url("not a url"), "(invalid URL)");
        let msg = format!("error sending request for url ({key_url})");
        assert_eq!(
            redacted(&msg, key_url),
            "error sending request for url (https://eth-mainnet.g.alchemy.com)"
        );
    }

    #[test]
    fn no_part_of_a_secret_url_survives_redaction() {
        let url = "http://user:PASSWORD1@127.0.0.1:9/v2/SECRETKEY?key=SECRET2#FRAGMENT";
        for text in [
            url.to_string(),
            "http://user:PASSWORD1@127.0.0.1:9/v2/SECRETKEY?key=SECRET2".into(),
            "HTTP 404 for /v2/SECRETKEY".into(),
            "bad query key=SECRET2".into(),
            "auth PASSWORD1 refused".into(),
            "anchor FRAGMENT".into(),
        ] {
            let out = redacted(&text, url);
            for secret in ["SECRETKEY", "SECRET2", "PASSWORD1", "FRAGMENT"] {
                assert!(!out.contains(secret), "{text} -> {out}");
            }
        }
        // Short, common parts are left alone.
        assert_eq!(redacted("GET / a=1", "http://h/?a=1"), "GET / a=1");
    }

    #[test]
    fn endpoint_urls_are_logged_without_query_or_user_info() {
        let u = Url::parse("https://bob:pw@orders.example.com:8443/hooks/chaintill?token=T0K#x")
            .unwrap();
        assert_eq!(
            endpoint_url(&u),
            "https://orders.example.com:8443/hooks/chaintill"
        );
    }
}

/// The RPC URLs of the configuration in force: every log line, ours or a library's (a WebSocket
/// client's reconnect message), passes through [`redact_known`] before it is written.
static KNOWN_URLS: std::sync::RwLock<Vec<String>> = std::sync::RwLock::new(Vec::new());

/// Registers the secret URLs (RPC URLs) that log output must never show.
pub fn register_urls<'a>(urls: impl IntoIterator<Item = &'a str>) {
    let mut known = KNOWN_URLS.write().unwrap_or_else(|p| p.into_inner());
    for url in urls {
        if !known.iter().any(|k| k == url) {
            known.push(url.to_string());
        }
    }
}

/// `text` with every registered URL's secret parts removed (see [`redacted`]).
pub fn redact_known(text: &str) -> String {
    let known = KNOWN_URLS.read().unwrap_or_else(|p| p.into_inner());
    known
        .iter()
        .fold(text.to_string(), |out, url| redacted(&out, url))
}

#[cfg(test)]
mod known_urls {
    #[test]
    fn a_library_line_loses_a_registered_urls_key() {
        super::register_urls(["wss://base.example.com/v2/secretkey123"]);
        let line = "reconnecting to wss://base.example.com/v2/secretkey123 failed";
        let out = super::redact_known(line);
        assert!(!out.contains("secretkey123"), "{out}");
        assert!(out.contains("wss://base.example.com"), "{out}");
    }
}
