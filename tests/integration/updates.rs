//! Signed updates (SPEC §9): the real tauri-plugin-updater, in a Tauri app on the mock runtime,
//! against a release feed served over real HTTP, with key pairs made by `tauri signer generate`
//! and packages signed by `tauri signer sign`, as `make release` does. The app under test runs
//! version 0.1.0.

use chaintill::desktop::updates::{self, UpdateOffer};
use serde_json::json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

/// The Tauri CLI the Makefile installs with the UI's packages.
fn tauri_cli() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/node_modules/.bin/tauri")
}

fn cli(args: &[&str]) -> String {
    let out = Command::new(tauri_cli())
        .args(args)
        .env("CI", "true")
        .output()
        .expect("the Tauri CLI runs (make deps installs it)");
    assert!(
        out.status.success(),
        "tauri {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A signing key pair, as a maintainer makes it offline.
struct Key {
    private: PathBuf,
    public: String,
}

fn generate_key(dir: &Path, name: &str) -> Key {
    let private = dir.join(name);
    cli(&[
        "signer",
        "generate",
        "--ci",
        "-p",
        "",
        "-w",
        private.to_str().unwrap(),
    ]);
    let public = std::fs::read_to_string(format!("{}.pub", private.display())).unwrap();
    Key {
        private,
        public: public.trim().to_string(),
    }
}

/// Signs `file` for `version` with `key`: the `.sig` text the feed carries.
fn sign(key: &Key, file: &Path, version: &str) -> String {
    cli(&[
        "signer",
        "sign",
        "-f",
        key.private.to_str().unwrap(),
        "-p",
        "",
        "--app-version",
        version,
        file.to_str().unwrap(),
    ]);
    std::fs::read_to_string(format!("{}.sig", file.display()))
        .unwrap()
        .trim()
        .to_string()
}

/// What the feed serves, by file name.
type Files = Arc<Mutex<HashMap<String, Vec<u8>>>>;

/// The release feed: `latest.json` and the packages, over HTTP on a free port.
struct Feed {
    files: Files,
    base: String,
}

impl Feed {
    fn start(rt: &tokio::runtime::Runtime) -> Feed {
        use axum::extract::{Path as UrlPath, State};
        use axum::http::StatusCode;
        let files: Files = Arc::default();
        let app = axum::Router::new()
            .route(
                "/{name}",
                axum::routing::get(
                    |State(files): State<Files>, UrlPath(name): UrlPath<String>| async move {
                        match files.lock().unwrap().get(&name) {
                            Some(body) => (StatusCode::OK, body.clone()),
                            None => (StatusCode::NOT_FOUND, Vec::new()),
                        }
                    },
                ),
            )
            .with_state(files.clone());
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        rt.spawn(async move { axum::serve(listener, app).await });
        Feed { files, base }
    }

    fn put(&self, name: &str, body: Vec<u8>) {
        self.files.lock().unwrap().insert(name.into(), body);
    }

    /// Publishes `latest.json` announcing `version` with the package `name` and `signature`
    /// for both Linux targets.
    fn announce(&self, version: &str, notes: &str, name: &str, signature: &str) {
        let entry = json!({ "url": format!("{}/{name}", self.base), "signature": signature });
        let manifest = json!({
            "version": version,
            "notes": notes,
            "pub_date": "2026-12-01T09:00:00Z",
            "platforms": { "linux-x86_64-deb": entry, "linux-x86_64-rpm": entry },
        });
        self.put("latest.json", manifest.to_string().into_bytes());
    }

    fn url(&self) -> url::Url {
        format!("{}/latest.json", self.base).parse().unwrap()
    }
}

/// A Tauri app (version 0.1.0) whose updater trusts `pubkey`. Plain HTTP is allowed for the
/// test's local feed only: the shipped configuration (`tauri.conf.json`) does not allow it.
fn app(pubkey: &str) -> tauri::App<tauri::test::MockRuntime> {
    let mut context = tauri::test::mock_context(tauri::test::noop_assets());
    context.config_mut().plugins.0.insert(
        "updater".into(),
        json!({
            "pubkey": pubkey,
            "endpoints": [],
            "requireSignedVersion": true,
            "dangerousInsecureTransportProtocol": true,
        }),
    );
    tauri::test::mock_builder()
        .plugin(tauri_plugin_updater::Builder::new().build())
        .build(context)
        .expect("the mock app builds")
}

struct World {
    rt: tokio::runtime::Runtime,
    feed: Feed,
    release: Key,
    other: Key,
    dir: tempfile::TempDir,
}

fn world() -> World {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let feed = Feed::start(&rt);
    let dir = tempfile::tempdir().unwrap();
    let release = generate_key(dir.path(), "release.key");
    let other = generate_key(dir.path(), "other.key");
    World {
        rt,
        feed,
        release,
        other,
        dir,
    }
}

impl World {
    /// A package file with `content`, signed for `version` by `key`; served as `name`.
    fn package(&self, name: &str, content: &[u8], key: &Key, version: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        self.feed.put(name, content.to_vec());
        sign(key, &path, version)
    }

    fn check(
        &self,
        app: &tauri::App<tauri::test::MockRuntime>,
    ) -> chaintill::engine::Result<Option<tauri_plugin_updater::Update>> {
        self.rt
            .block_on(updates::check(app.handle(), Some(&self.feed.url())))
    }
}

#[test]
fn a_newer_signed_release_is_offered_with_its_notes_and_verifies() {
    let w = world();
    let app = app(&w.release.public);
    let content = b"!<arch>\nchaintill 0.2.0 package".to_vec();
    let sig = w.package("chaintill_0.2.0_amd64.deb", &content, &w.release, "0.2.0");
    w.feed.announce(
        "0.2.0",
        "Receipts print faster.",
        "chaintill_0.2.0_amd64.deb",
        &sig,
    );

    let update = w.check(&app).unwrap().expect("0.2.0 is offered to 0.1.0");
    let offer = UpdateOffer::of(&update);
    assert_eq!(offer.version, "0.2.0");
    assert_eq!(offer.current_version, "0.1.0");
    assert_eq!(offer.notes, "Receipts print faster.");
    assert_eq!(offer.date.as_deref(), Some("2026-12-01T09:00:00+00:00"));
    let package = w.rt.block_on(updates::download(&update)).unwrap();
    assert_eq!(package, content);
}

#[test]
fn a_tampered_signature_a_tampered_package_or_another_key_is_refused() {
    let w = world();
    let app = app(&w.release.public);
    let content = b"!<arch>\nchaintill 0.2.0 package".to_vec();
    let good = w.package("good.deb", &content, &w.release, "0.2.0");
    let refused = |signature: &str, served: &str| {
        w.feed.announce("0.2.0", "", served, signature);
        let update = w
            .check(&app)
            .unwrap()
            .expect("offered: only the download checks");
        let e =
            w.rt.block_on(updates::download(&update))
                .expect_err("refused")
                .to_string();
        assert!(
            e.contains("does not match Chaintill's release key")
                && e.contains("nothing was installed"),
            "{e}"
        );
    };

    // One character of the signature changed (inside its base64 payload).
    let mut sig = good.clone().into_bytes();
    let i = sig.len() / 2;
    sig[i] = if sig[i] == b'A' { b'B' } else { b'A' };
    refused(std::str::from_utf8(&sig).unwrap(), "good.deb");

    // The package changed after signing.
    w.feed
        .put("changed.deb", b"!<arch>\nsomething else".to_vec());
    refused(&good, "changed.deb");

    // A package signed by a key the app does not trust.
    let foreign = w.package("foreign.deb", &content, &w.other, "0.2.0");
    refused(&foreign, "foreign.deb");

    // An old signed package announced as a newer version (a rollback through the feed).
    let old = w.package("old.deb", &content, &w.release, "0.1.5");
    w.feed.announce("0.2.0", "", "old.deb", &old);
    let update = w.check(&app).unwrap().unwrap();
    let e =
        w.rt.block_on(updates::download(&update))
            .unwrap_err()
            .to_string();
    assert!(e.contains("nothing was installed"), "{e}");
}

#[test]
fn an_older_or_equal_release_offers_nothing() {
    let w = world();
    let app = app(&w.release.public);
    for version in ["0.1.0", "0.0.9"] {
        let sig = w.package("p.deb", b"!<arch>\n", &w.release, version);
        w.feed.announce(version, "", "p.deb", &sig);
        assert!(
            w.check(&app).unwrap().is_none(),
            "{version} is not offered to 0.1.0"
        );
    }
}

/// The refusal's message (an `Update` cannot be printed, so no `unwrap_err`).
fn refusal(r: chaintill::engine::Result<Option<tauri_plugin_updater::Update>>) -> String {
    match r {
        Err(e) => e.to_string(),
        Ok(found) => panic!("not refused (found an update: {})", found.is_some()),
    }
}

#[test]
fn a_feed_that_cannot_be_reached_or_read_says_so() {
    let w = world();
    let app = app(&w.release.public);
    // Nothing published yet: 404.
    let e = refusal(w.check(&app));
    assert!(
        e.contains("the update feed answered without a release"),
        "{e}"
    );
    // Not a release manifest.
    w.feed.put("latest.json", b"{\"hello\": 1}".to_vec());
    let e = refusal(w.check(&app));
    assert!(
        e.contains("is not a release manifest (missing field `version`"),
        "{e}"
    );
    // Nobody listening.
    let closed: url::Url = "http://127.0.0.1:9/latest.json".parse().unwrap();
    let e = refusal(w.rt.block_on(updates::check(app.handle(), Some(&closed))));
    assert!(
        e.contains("the update feed cannot be reached") && e.contains("Connection refused"),
        "{e}"
    );
    assert!(
        !e.contains("latest.json"),
        "no feed URL in the message: {e}"
    );
}

#[test]
fn the_daily_check_is_due_once_a_day() {
    let dir = tempfile::tempdir().unwrap();
    let now = std::time::SystemTime::now();
    assert!(updates::daily_check_due(dir.path(), now), "never checked");
    updates::record_check(dir.path());
    assert!(!updates::daily_check_due(
        dir.path(),
        now + std::time::Duration::from_secs(23 * 3600)
    ));
    assert!(updates::daily_check_due(
        dir.path(),
        now + std::time::Duration::from_secs(24 * 3600 + 1)
    ));
}

#[test]
fn the_feed_make_release_writes_is_one_the_app_installs_from() {
    let w = world();
    let app = app(&w.release.public);
    let deb = b"!<arch>\nchaintill 0.3.0 deb".to_vec();
    w.package("chaintill_0.3.0_amd64.deb", &deb, &w.release, "0.3.0");
    let rpm = w.dir.path().join("chaintill-0.3.0-1.x86_64.rpm");
    std::fs::write(&rpm, b"rpm bytes").unwrap();
    sign(&w.release, &rpm, "0.3.0");
    let notes = w.dir.path().join("NOTES.md");
    std::fs::write(&notes, "Tips on the keypad.\n").unwrap();

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("node")
        .arg(root.join("scripts/release-feed.mjs"))
        .args([
            "--version",
            "0.3.0",
            "--base-url",
            "https://releases.test/0.3.0",
        ])
        .arg("--notes-file")
        .arg(&notes)
        .arg("--deb")
        .arg(w.dir.path().join("chaintill_0.3.0_amd64.deb"))
        .arg("--rpm")
        .arg(&rpm)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let feed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        feed["platforms"]["linux-x86_64-rpm"]["url"],
        "https://releases.test/0.3.0/chaintill-0.3.0-1.x86_64.rpm"
    );
    // Published on the test's feed (plain HTTP here) instead of https://releases.test.
    let text = feed
        .to_string()
        .replace("https://releases.test/0.3.0", &w.feed.base);
    w.feed.put("latest.json", text.into_bytes());

    let update = w.check(&app).unwrap().expect("0.3.0 is offered");
    assert_eq!(UpdateOffer::of(&update).notes, "Tips on the keypad.");
    assert_eq!(w.rt.block_on(updates::download(&update)).unwrap(), deb);

    // The writer refuses a feed the app would refuse, or a package nobody signed.
    let refused = |args: &[&str]| {
        let out = Command::new("node")
            .arg(root.join("scripts/release-feed.mjs"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let deb_path = w.dir.path().join("chaintill_0.3.0_amd64.deb");
    let deb_path = deb_path.to_str().unwrap();
    assert!(refused(&[
        "--version",
        "0.3.0",
        "--base-url",
        "http://x",
        "--deb",
        deb_path
    ])
    .contains("https://"));
    assert!(refused(&[
        "--version",
        "three",
        "--base-url",
        "https://x",
        "--deb",
        deb_path
    ])
    .contains("semantic version"));
    let unsigned = w.dir.path().join("unsigned.deb");
    std::fs::write(&unsigned, b"x").unwrap();
    assert!(refused(&[
        "--version",
        "0.3.0",
        "--base-url",
        "https://x",
        "--deb",
        unsigned.to_str().unwrap()
    ])
    .contains("unsigned.deb.sig is missing"));
}
