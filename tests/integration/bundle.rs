//! The package configuration (issue 17): what `make package` builds from `tauri.conf.json` is
//! checked on every change, since the packages themselves are built outside `make test`.

use serde_json::Value;
use std::path::Path;

fn conf() -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(root.join("tauri.conf.json")).unwrap()).unwrap()
}

#[test]
fn the_bundle_builds_a_deb_and_an_rpm_that_bring_their_keychain_and_bus() {
    let c = conf();
    let b = &c["bundle"];
    assert_eq!(b["active"], true);
    let targets: Vec<&str> = b["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(targets, ["deb", "rpm"], "AppImage needs tools from GitHub");
    let depends = |kind: &str| -> Vec<String> {
        b["linux"][kind]["depends"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap().to_string())
            .collect()
    };
    // The Secret Service the phrase lives in, the session bus it is reached over, and the
    // D-Bus library the binary links.
    for d in ["gnome-keyring", "dbus-user-session", "libdbus-1-3"] {
        assert!(depends("deb").iter().any(|x| x == d), "the .deb lacks {d}");
    }
    for d in ["gnome-keyring", "dbus", "dbus-libs"] {
        assert!(depends("rpm").iter().any(|x| x == d), "the .rpm lacks {d}");
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for icon in b["icon"].as_array().unwrap() {
        assert!(
            root.join(icon.as_str().unwrap()).is_file(),
            "{icon} is missing"
        );
    }
}

#[test]
fn the_package_version_and_binary_are_the_ones_the_cli_reports() {
    let c = conf();
    assert_eq!(c["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(c["mainBinaryName"], "chaintill");
    let out = std::process::Command::new(crate::common::bin())
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        format!("chaintill {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn updates_are_signed_verified_and_fetched_over_https_only() {
    use base64::Engine as _;
    let c = conf();
    assert_eq!(c["bundle"]["createUpdaterArtifacts"], true);
    let u = &c["plugins"]["updater"];
    // A minisign public key (what `tauri signer generate` writes), never a private one.
    let key = base64::engine::general_purpose::STANDARD
        .decode(u["pubkey"].as_str().unwrap())
        .unwrap();
    let key = String::from_utf8(key).unwrap();
    assert!(
        key.starts_with("untrusted comment: minisign public key"),
        "{key}"
    );
    // A package signed for another version than the feed announces is refused.
    assert_eq!(u["requireSignedVersion"], true);
    let endpoints = u["endpoints"].as_array().unwrap();
    assert!(!endpoints.is_empty());
    for e in endpoints {
        assert!(e.as_str().unwrap().starts_with("https://"), "{e}");
    }
    for flag in [
        "dangerousInsecureTransportProtocol",
        "dangerousAcceptInvalidCerts",
        "dangerousAcceptInvalidHostnames",
    ] {
        assert!(u.get(flag).is_none(), "{flag} must not be set");
    }
}
