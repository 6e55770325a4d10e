//! RPC URLs are secrets (SPEC §10): providers put API keys in their paths and queries. Every
//! error path that involves a node — a dead URL over HTTP and WebSocket, a node on another chain,
//! a rate feed through a dead node or a node that answers with an error — is provoked with URLs
//! carrying keys, and the engine's log, the API's answers and the CLI's output are searched for
//! them. Webhook endpoint URLs are logged without their query (where receivers keep tokens).

use crate::chain::Anvil;
use crate::common::Shop;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::time::Duration;

/// The parts of the URLs below that must never be shown.
const SECRETS: [&str; 3] = ["SECRETKEY", "SECRET2", "HOOKSECRET"];
/// Where a provider would put its keys.
const KEYED: &str = "/v2/SECRETKEY?key=SECRET2";

fn assert_clean(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} shows {s}: {text}");
    }
}

/// A node provider in front of anvil: answers JSON-RPC only at `KEYED` (401 elsewhere).
async fn keyed_node(anvil: &str) -> String {
    async fn forward(State(anvil): State<String>, uri: Uri, body: Bytes) -> Response {
        if uri.path_and_query().map(|p| p.as_str()) != Some(KEYED) {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        let answer = reqwest::Client::new()
            .post(&anvil)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await;
        match answer {
            Ok(r) => (
                [("content-type", "application/json")],
                r.bytes().await.unwrap_or_default(),
            )
                .into_response(),
            Err(_) => StatusCode::BAD_GATEWAY.into_response(),
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .fallback(forward)
        .with_state(anvil.to_string());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("{base}{KEYED}")
}

/// The engine process, killed however the test ends (a leaked engine would keep the files and
/// locks its parent handed down).
struct Engine(std::process::Child);

impl Drop for Engine {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback port nothing listens on.
fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn network(id: &str, chain_id: u64, rpc_urls: &[&str], rate: &str) -> String {
    let urls: Vec<String> = rpc_urls.iter().map(|u| format!("\"{u}\"")).collect();
    format!(
        "[[networks]]\nid = \"{id}\"\nchain_id = {chain_id}\nrpc_urls = [{}]\nmode = \"test\"\nconfirmations = 1\n\
         native = {{ symbol = \"ETH\", decimals = 18, display_decimals = 6, rate = {rate} }}\n\n",
        urls.join(", ")
    )
}

#[tokio::test]
async fn rpc_and_webhook_url_secrets_never_reach_logs_answers_or_cli_output() {
    let anvil = Anvil::start(&[]);
    let node = keyed_node(&anvil.url).await;
    let port = dead_port();
    let dead_http = format!("http://127.0.0.1:{port}{KEYED}");
    let dead_ws = format!("ws://127.0.0.1:{port}{KEYED}");
    let no_contract = "{ chainlink = \"0x00000000000000000000000000000000000000a1\" }";
    let fixed = "{ fixed = \"3000.00\" }";
    let config = format!(
        "[api]\nbind = \"127.0.0.1:0\"\n\n{}{}{}{}",
        // Fails over past two dead nodes to the keyed one.
        network("local", 31337, &[&dead_http, &dead_ws, &node], fixed),
        // Its node answers, the feed is no contract: rate_unavailable.
        network("nofeed", 31337, &[&node], no_contract),
        // No node answers: network_unavailable.
        network("dead", 31337, &[&dead_ws, &dead_http], no_contract),
        // The node is on another chain.
        network("other", 1, &[&node], fixed),
    );
    let shop = Shop::empty();
    std::fs::write(shop.path().join("chaintill.toml"), config).unwrap();
    shop.ok_stdin(&["wallet", "import"], crate::common::TEST_PHRASE);
    let key = shop
        .ok(&["keys", "create", "--mode", "test"])
        .trim()
        .to_string();
    let (engine, base) = shop.serve_api();
    let engine = Engine(engine);
    let http = reqwest::Client::new();

    // Health: the keyed node is in use (shown as scheme://host:port), the others' errors named.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let health = loop {
        let h: Value = http
            .get(format!("{base}/api/v1/health"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let by_id = |id: &str| {
            h["networks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|n| n["id"] == id)
                .unwrap()
                .clone()
        };
        if by_id("local")["connected"] == true
            && by_id("dead")["error"].is_string()
            && by_id("other")["error"].is_string()
        {
            break h;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the watchers never settled: {h}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let text = health.to_string();
    assert_clean("health", &text);
    // The page needs no key: a stable summary, never a node's own error text.
    let error_of = |id: &str| {
        health["networks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == id)
            .unwrap()["error"]
            .clone()
    };
    assert_eq!(error_of("other"), "the node is on another chain", "{text}");
    assert_eq!(error_of("dead"), "no node is answering", "{text}");

    // API refusals of creates that read a rate through those nodes.
    let create = |network: &str| {
        http.post(format!("{base}/api/v1/checkout_sessions"))
            .bearer_auth(&key)
            .json(&json!({"amount": {"value": "5.00"}, "network": network}))
            .send()
    };
    for (network, code) in [
        ("nofeed", "rate_unavailable"),
        ("dead", "network_unavailable"),
    ] {
        let res = create(network).await.unwrap();
        assert_eq!(res.status(), 503, "{network}");
        let body = res.text().await.unwrap();
        assert_clean(network, &body);
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"]["code"], code, "{body}");
    }

    // The CLI: the same creates, refused in one clean line with the "try later" status.
    for network in ["nofeed", "dead"] {
        let out = shop.run(
            &[
                "sessions",
                "create",
                "--amount",
                "5.00",
                "--network",
                network,
            ],
            "",
        );
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(75), "{all}");
        assert!(all.contains("rate on `"), "{all}");
        assert_clean("sessions create", &all);
    }

    // A webhook endpoint whose URL carries a token in its query: a failing delivery is logged,
    // the token never is.
    let hook = format!("http://127.0.0.1:{port}/hooks/chaintill?token=HOOKSECRET");
    let ep = shop.json(&["webhooks", "add", "--url", &hook, "--json"]);
    let ep_id = ep["id"].as_str().unwrap();
    let out = shop.run(&["webhooks", "test", ep_id], "");
    assert!(!out.status.success());
    assert_clean(
        "webhooks test",
        &format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    );
    let res = create("local").await.unwrap();
    assert_eq!(res.status(), 200);
    let log_path = shop.path().join("chaintill.log");
    // The engine's dispatcher fails to deliver session.created and logs it.
    for _ in 0..100 {
        if std::fs::read_to_string(&log_path)
            .unwrap_or_default()
            .matches("webhook attempt failed")
            .count()
            >= 2
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(engine);

    let log = std::fs::read_to_string(&log_path).unwrap();
    assert_clean("chaintill.log", &log);
    // The files that hold secrets are the owner's only; so is the folder.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(shop.path()), 0o700, "the data folder");
        for f in shop.files() {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with("chaintill.") {
                assert_eq!(mode(&f), 0o600, "{name} is {:o}", mode(&f));
            }
        }
    }
    // The error paths did run and were logged, with the shown forms.
    for expected in [
        "cannot use this node",
        "is chain 31337",
        "watching the chain",
        "webhook attempt failed",
        "/hooks/chaintill",
    ] {
        assert!(log.contains(expected), "the log lacks {expected:?}:\n{log}");
    }
}

/// SPEC §10: the data folder a first start creates is the owner's only (0700), and so are the
/// files in it that hold secrets (0600): the config (RPC URLs with provider keys), the database
/// (webhook secrets) and its WAL, and the log. A config an older version wrote openly is
/// tightened at start.
#[test]
fn a_new_data_folder_and_its_files_are_the_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("new").join("shop");
    let run = |args: &[&str]| crate::common::ok_in(&dir, args, "");
    run(&["keys", "create", "--mode", "test"]);
    assert_eq!(mode(&dir), 0o700, "the data folder");
    for name in ["chaintill.toml", "chaintill.db"] {
        assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("chaintill.db") || name == "chaintill.log" {
            assert_eq!(mode(&path), 0o600, "{name}");
        }
    }
    // Written openly by hand (or by an older version): tightened at the next start.
    std::fs::set_permissions(
        dir.join("chaintill.toml"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    run(&["keys", "list"]);
    assert_eq!(mode(&dir.join("chaintill.toml")), 0o600);
}
