//! Where webhooks may go: `https://` anywhere; `http://` only to loopback, private LAN ranges
//! and `.local` names (a LAN order system). Plain `http://` to a public address is refused.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Longest endpoint URL accepted.
pub const MAX_URL: usize = 2048;

fn private_v4(ip: Ipv4Addr) -> bool {
    ip.is_loopback() || ip.is_private() || ip.is_link_local()
}

fn private_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
        || ip.to_ipv4_mapped().is_some_and(private_v4)
}

/// Checks an endpoint URL, returning it normalised or a one-line reason.
pub fn check(raw: &str) -> Result<url::Url, String> {
    if raw.len() > MAX_URL {
        return Err(format!("url is longer than {MAX_URL} characters"));
    }
    let u = url::Url::parse(raw).map_err(|e| format!("url `{raw}` is not a valid URL: {e}"))?;
    if !u.username().is_empty() || u.password().is_some() {
        return Err(
            "url must not contain credentials; authenticate with the signature instead".into(),
        );
    }
    let host = u.host().ok_or_else(|| format!("url `{raw}` has no host"))?;
    match u.scheme() {
        "https" => Ok(u),
        "http" => {
            let allowed = match host {
                url::Host::Ipv4(ip) => private_v4(ip),
                url::Host::Ipv6(ip) => private_v6(ip),
                url::Host::Domain(d) => {
                    let d = d.trim_end_matches('.').to_ascii_lowercase();
                    d == "localhost"
                        || d.ends_with(".localhost")
                        || d.ends_with(".local")
                        || d.parse::<IpAddr>().is_ok_and(|ip| match ip {
                            IpAddr::V4(v4) => private_v4(v4),
                            IpAddr::V6(v6) => private_v6(v6),
                        })
                }
            };
            if allowed {
                Ok(u)
            } else {
                Err(format!(
                    "http:// is only allowed to loopback, private LAN addresses and .local names; use https:// for `{}`",
                    u.host_str().unwrap_or_default()
                ))
            }
        }
        other => Err(format!(
            "url scheme `{other}` is not supported; use https:// (or http:// on a LAN)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn https_anywhere_http_only_on_the_lan() {
        for ok in [
            "https://shop.example.com/hooks",
            "http://127.0.0.1:9000/x",
            "http://localhost/x",
            "http://10.1.2.3/x",
            "http://172.16.0.9/x",
            "http://192.168.1.20:8080/orders",
            "http://169.254.1.1/x",
            "http://[::1]:8080/x",
            "http://[fd00::1]/x",
            "http://till.local/x",
        ] {
            assert!(check(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://shop.example.com/x",
            "http://8.8.8.8/x",
            "http://172.32.0.1/x",
            "http://[2001:db8::1]/x",
            "ftp://x.local/",
            "not a url",
            "https://user:pw@shop.example.com/",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
        assert!(check("http://8.8.8.8/x").unwrap_err().contains("https://"));
    }
}
