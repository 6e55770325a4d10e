//! Sessions through the CLI and the service layer, on real SQLite files.

use crate::common::{bin, count, rows, Shop};
use chaintill::engine::checkout::{apply, NewSession};
use chaintill::engine::clock::ManualClock;
use chaintill::engine::Service;
use std::collections::HashSet;
use std::sync::Arc;

#[test]
fn create_returns_the_spec_shape_with_a_rounded_up_quote() {
    let shop = Shop::with_test_wallet();
    let s = shop.json(&[
        "sessions",
        "create",
        "--amount",
        "50.00",
        "--metadata",
        "orderId=001",
        "--success-url",
        "https://shop.example/ok",
    ]);
    assert!(s["id"].as_str().unwrap().starts_with("cs_"));
    assert_eq!(s["id"].as_str().unwrap().len(), 29);
    assert_eq!(s["object"], "checkout_session");
    assert_eq!(s["status"], "pending");
    assert_eq!(s["livemode"], false);
    assert_eq!(
        s["checkoutUrl"],
        format!(
            "http://127.0.0.1:8787/checkout/{}",
            s["id"].as_str().unwrap()
        )
    );
    assert_eq!(
        s["network"],
        serde_json::json!({"id": "local", "chainId": 31337, "name": "Local devnet"})
    );
    assert_eq!(
        s["asset"],
        serde_json::json!({"symbol": "ETH", "decimals": 18, "contract": null})
    );
    assert_eq!(s["address"], "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    // 50.00 / 3000.00 = 0.0166666… rounded up at 6 digits.
    assert_eq!(
        s["amount"],
        serde_json::json!({"atomic": "16667000000000000", "value": "0.016667", "wei": "16667000000000000", "eth": "0.016667"})
    );
    assert_eq!(
        s["amountReceived"],
        serde_json::json!({"atomic": "0", "value": "0"})
    );
    assert_eq!(
        s["fiat"],
        serde_json::json!({"amount": "50.00", "currency": "USD"})
    );
    assert_eq!(s["rate"], "3000.00");
    assert_eq!(
        s["paymentUri"],
        "ethereum:0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266@31337?value=16667000000000000"
    );
    assert_eq!(s["confirmations"], 0);
    assert_eq!(s["requiredConfirmations"], 3);
    assert_eq!(s["payments"], serde_json::json!([]));
    assert_eq!(s["metadata"], serde_json::json!({"orderId": "001"}));
    assert_eq!(s["successUrl"], "https://shop.example/ok");
    assert!(s["paidAt"].is_null());
    let created = chrono::DateTime::parse_from_rfc3339(s["createdAt"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(s["expiresAt"].as_str().unwrap()).unwrap();
    assert_eq!(expires - created, chrono::Duration::minutes(15));
    assert!(s["createdAt"].as_str().unwrap().ends_with('Z'));

    // `show --json` returns the same object, and the second session gets the next address.
    assert_eq!(
        shop.json(&["sessions", "show", s["id"].as_str().unwrap(), "--json"]),
        s
    );
    let s2 = shop.json(&["sessions", "create", "--amount", "1"]);
    assert_eq!(s2["address"], "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    assert_eq!(s2["fiat"]["amount"], "1.00");
    // Creation raised `session.created` in the outbox.
    assert_eq!(count(&shop, "events"), 2);
}

#[test]
fn bad_input_is_refused_in_one_line_and_creates_nothing() {
    let shop = Shop::with_test_wallet();
    let cases: &[(&[&str], &str)] = &[
        (&["--amount", "-5"], "negative"),
        (&["--amount", "0"], "greater than zero"),
        (&["--amount", "12.345"], "more than 2 decimal places"),
        (&["--amount", "1e3"], "plain decimal"),
        (&["--amount", "abc"], "plain decimal"),
        (
            &["--amount", "5", "--network", "mainnet"],
            "unknown network `mainnet`",
        ),
        (
            &["--amount", "5", "--asset", "DOGE"],
            "unknown asset `DOGE`",
        ),
        (&["--amount", "5", "--currency", "EUR"], "prices in USD"),
        (&["--amount", "5", "--currency", "ZZZ"], "unknown currency"),
        (&["--amount", "5", "--metadata", "novalue"], "KEY=VALUE"),
        (&["--amount", "5", "--success-url", "ftp://x"], "successUrl"),
        (
            &["--amount", "5", "--expires-in-minutes", "0"],
            "expiresInMinutes",
        ),
    ];
    for (args, expected) in cases {
        let mut full = vec!["sessions", "create"];
        full.extend_from_slice(args);
        let (code, line) = shop.refused(&full, "");
        assert_eq!(code, 2, "{args:?}: {line}");
        assert!(
            line.contains(expected),
            "{args:?}: expected `{expected}` in `{line}`"
        );
    }
    assert_eq!(count(&shop, "checkout_sessions"), 0);
    assert_eq!(count(&shop, "events"), 0);
    // No address index was burnt by the refusals.
    assert_eq!(shop.json(&["wallet", "show", "--json"])["nextIndex"], 0);
    let (code, line) = shop.refused(&["sessions", "show", "cs_nope"], "");
    assert_eq!(code, 3);
    assert!(line.contains("no such checkout_session"), "{line}");
    let (code, _) = shop.refused(&["sessions", "list", "--status", "bogus"], "");
    assert_eq!(code, 2);
    let (code, _) = shop.refused(&["sessions", "list", "--limit", "0"], "");
    assert_eq!(code, 2);
}

#[test]
fn sessions_need_a_wallet() {
    let shop = Shop::empty();
    let (code, line) = shop.refused(&["sessions", "create", "--amount", "5"], "");
    assert_eq!(code, 4);
    assert!(line.contains("no wallet yet"), "{line}");
    assert_eq!(count(&shop, "checkout_sessions"), 0);
}

#[test]
fn cancel_only_a_pending_session_and_raise_the_event() {
    let shop = Shop::with_test_wallet();
    let s = shop.json(&["sessions", "create", "--amount", "5"]);
    let id = s["id"].as_str().unwrap();
    let c = shop.json(&["sessions", "cancel", id, "--json"]);
    assert_eq!(c["status"], "canceled");
    let (code, line) = shop.refused(&["sessions", "cancel", id], "");
    assert_eq!(code, 4);
    assert!(line.contains("is canceled"), "{line}");
    assert_eq!(count(&shop, "events"), 2);
}

#[test]
fn list_is_newest_first_with_cursor_and_filter() {
    let shop = Shop::with_test_wallet();
    let ids: Vec<String> = (1..=5)
        .map(|i| {
            shop.json(&["sessions", "create", "--amount", &i.to_string()])["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    shop.ok(&["sessions", "cancel", &ids[1]]);
    let page = shop.json(&["sessions", "list", "--limit", "2", "--json"]);
    assert_eq!(page["object"], "list");
    assert_eq!(page["hasMore"], true);
    let got: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, vec![ids[4].as_str(), ids[3].as_str()]);
    let next = shop.json(&[
        "sessions",
        "list",
        "--limit",
        "2",
        "--starting-after",
        &ids[3],
        "--json",
    ]);
    let got: Vec<&str> = next["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, vec![ids[2].as_str(), ids[1].as_str()]);
    let last = shop.json(&[
        "sessions",
        "list",
        "--limit",
        "2",
        "--starting-after",
        &ids[1],
        "--json",
    ]);
    assert_eq!(last["hasMore"], false);
    assert_eq!(last["data"].as_array().unwrap().len(), 1);
    let canceled = shop.json(&["sessions", "list", "--status", "canceled", "--json"]);
    assert_eq!(canceled["data"].as_array().unwrap().len(), 1);
    assert_eq!(canceled["data"][0]["id"], ids[1].as_str());
}

#[test]
fn concurrent_processes_never_share_an_address_index() {
    let shop = Shop::with_test_wallet();
    let children: Vec<_> = (0..8)
        .map(|i| {
            std::process::Command::new(bin())
                .arg("--data-dir")
                .arg(shop.path())
                .args(["sessions", "create", "--amount", &format!("{}.00", i + 1)])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut addresses = HashSet::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            addresses.insert(s["address"].as_str().unwrap().to_string()),
            "address reused"
        );
    }
    assert_eq!(addresses.len(), 8);
    assert_eq!(shop.json(&["wallet", "show", "--json"])["nextIndex"], 8);
}

#[tokio::test]
async fn sessions_expire_by_the_chain_time_of_their_network_not_the_clock() {
    let shop = Shop::with_test_wallet();
    let clock = ManualClock::new(chrono::Utc::now());
    let svc = Service::open_with_clock(shop.path(), Arc::new(clock.clone()))
        .await
        .unwrap();
    let req = |v: &str| NewSession::for_amount(v);
    let short = svc
        .sessions_create(
            NewSession {
                expires_in_minutes: Some(1),
                ..req("2.00")
            },
            None,
        )
        .await
        .unwrap();
    let long = svc.sessions_create(req("3.00"), None).await.unwrap();
    let network = short.network.id.clone();
    let expire = || chaintill::engine::checkout::expire_due(&svc, &network, 2);
    // No block processed yet: nothing expires, however late the clock says it is.
    clock.advance(chrono::Duration::minutes(2));
    assert_eq!(expire().await.unwrap(), 0);
    let deadline = chrono::DateTime::parse_from_rfc3339(&short.expires_at)
        .unwrap()
        .timestamp_millis();
    let block = |number: u64, timestamp_ms: i64| {
        let svc = svc.clone();
        let network = network.clone();
        async move {
            let hash = format!("{number:#066x}");
            let at = apply::BlockRef {
                number,
                hash: &hash,
                timestamp_ms,
            };
            apply::record_block(&svc, &network, at, number, &[], &[])
                .await
                .unwrap();
        }
    };
    // A block a second before the deadline (a node catching up): still nothing.
    block(1, deadline - 1000).await;
    assert_eq!(expire().await.unwrap(), 0);
    // A block timestamped exactly at the deadline: the block scan has covered it, the search
    // for internal transfers (a smart wallet's payment) not yet, so it waits.
    block(2, deadline).await;
    assert_eq!(expire().await.unwrap(), 0);
    // Once the search has covered the deadline's block, it expires.
    sqlx::query("UPDATE checkout_sessions SET reconciled_time = ?")
        .bind(deadline)
        .execute(svc.pool())
        .await
        .unwrap();
    assert_eq!(expire().await.unwrap(), 1);
    assert_eq!(
        svc.sessions_get(&short.id, None)
            .await
            .unwrap()
            .status
            .as_str(),
        "expired"
    );
    assert_eq!(
        svc.sessions_get(&long.id, None)
            .await
            .unwrap()
            .status
            .as_str(),
        "pending"
    );
    let types: Vec<String> = sqlx::query_scalar("SELECT type FROM events ORDER BY seq")
        .fetch_all(svc.pool())
        .await
        .unwrap();
    assert_eq!(
        types,
        vec!["session.created", "session.created", "session.expired"]
    );
    // The event carries the full session as it is after the change.
    let body: String = sqlx::query_scalar("SELECT body FROM events WHERE type = 'session.expired'")
        .fetch_one(svc.pool())
        .await
        .unwrap();
    let event: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(event["id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!(event["object"], "event");
    assert_eq!(event["livemode"], false);
    assert_eq!(event["data"]["object"]["id"], short.id.as_str());
    assert_eq!(event["data"]["object"]["status"], "expired");
    // Running again changes nothing.
    assert_eq!(expire().await.unwrap(), 0);
}

#[tokio::test]
async fn a_key_scope_keeps_modes_apart() {
    use chaintill::engine::config::Mode;
    let shop = Shop::with_test_wallet();
    let svc = Service::open(shop.path()).await.unwrap();
    let req = NewSession::for_amount("5");
    // The default config has only a test network: a live scope finds none.
    let err = svc
        .sessions_create(req.clone(), Some(Mode::Live))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no network"), "{err}");
    let err = svc
        .sessions_create(
            NewSession {
                network: Some("local".into()),
                ..req.clone()
            },
            Some(Mode::Live),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, chaintill::engine::Error::Forbidden(_)),
        "{err}"
    );
    let s = svc.sessions_create(req, Some(Mode::Test)).await.unwrap();
    assert!(svc.sessions_get(&s.id, Some(Mode::Live)).await.is_err());
    assert_eq!(
        svc.sessions_list(&Default::default(), Some(Mode::Live))
            .await
            .unwrap()
            .data
            .len(),
        0
    );
    assert_eq!(
        svc.sessions_list(&Default::default(), Some(Mode::Test))
            .await
            .unwrap()
            .data
            .len(),
        1
    );
}

/// Creates that arrive together are written in shared transactions (group commit); each caller
/// still gets its own session, with its own address, event and deliveries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_are_batched_without_crossing_wires() {
    let shop = Shop::with_test_wallet();
    let svc = Service::open(shop.path()).await.unwrap();
    let hook = |name: &'static str, events: Option<Vec<String>>| {
        let svc = svc.clone();
        async move {
            chaintill::engine::webhooks::add(&svc, Some(name), "https://shop.example/hook", events)
                .await
                .unwrap()
        }
    };
    hook("all", None).await;
    hook("paid-only", Some(vec!["session.paid".into()])).await;

    let n = 150; // more than one batch holds
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let svc = svc.clone();
            tokio::spawn(async move {
                let mut metadata = serde_json::Map::new();
                metadata.insert("n".into(), i.to_string().into());
                let req = NewSession {
                    metadata: Some(metadata),
                    ..NewSession::for_amount(format!("{}.00", i + 1))
                };
                (i, svc.sessions_create(req, None).await.unwrap())
            })
        })
        .collect();
    let mut ids = HashSet::new();
    let mut addresses = HashSet::new();
    for t in tasks {
        let (i, s) = t.await.unwrap();
        assert_eq!(
            s.metadata["n"],
            i.to_string(),
            "a caller got another's session"
        );
        let stored = svc.sessions_get(&s.id, None).await.unwrap();
        assert_eq!(
            serde_json::to_value(&stored).unwrap(),
            serde_json::to_value(&s).unwrap()
        );
        assert!(ids.insert(s.id.clone()));
        assert!(addresses.insert(s.address.clone()), "address reused");
    }
    let indexes: Vec<i64> =
        sqlx::query_scalar("SELECT address_index FROM checkout_sessions ORDER BY address_index")
            .fetch_all(svc.pool())
            .await
            .unwrap();
    assert_eq!(indexes, (0..n).collect::<Vec<i64>>());
    let first: String =
        sqlx::query_scalar("SELECT address FROM checkout_sessions WHERE address_index = 1")
            .fetch_one(svc.pool())
            .await
            .unwrap();
    assert_eq!(first, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    let events: Vec<String> =
        sqlx::query_scalar("SELECT session_id FROM events WHERE type = 'session.created'")
            .fetch_all(svc.pool())
            .await
            .unwrap();
    assert_eq!(events.into_iter().collect::<HashSet<_>>(), ids);
    assert_eq!(rows(&svc, "events").await, n);
    // One delivery per event for the endpoint taking every type, none for the other.
    assert_eq!(rows(&svc, "deliveries").await, n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_batch_fails_each_of_its_callers_and_writes_nothing() {
    let shop = Shop::empty();
    let svc = Service::open(shop.path()).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let svc = svc.clone();
            tokio::spawn(
                async move { svc.sessions_create(NewSession::for_amount("5"), None).await },
            )
        })
        .collect();
    for t in tasks {
        let err = t.await.unwrap().unwrap_err();
        assert!(err.to_string().contains("no wallet yet"), "{err}");
    }
    assert_eq!(rows(&svc, "checkout_sessions").await, 0);
    assert_eq!(rows(&svc, "events").await, 0);
}
