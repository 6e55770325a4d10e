//! Balance reconciliation behind a non-archive node: a JSON-RPC proxy in front of anvil answers
//! state queries for blocks more than 128 behind the head with geth's "missing trie node" error
//! (anvil's `--prune-history` still answers them, so it cannot stand in for a pruned node).

use crate::chain::{
    config, deploy, forwardCall, mine, payer, provider, send, session, shop, wait_status, watch,
    wei, Anvil,
};
use alloy::network::TransactionBuilder;
use alloy::rpc::types::TransactionRequest;
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, U256};
use chaintill::engine::Service;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How many recent blocks' state the proxy keeps, as geth does by default.
const KEPT: u64 = 128;

/// A JSON-RPC proxy to a node on 127.0.0.1:0 that counts the requests it receives and, when
/// `pruned`, refuses state queries for blocks more than [`KEPT`] behind the head.
struct Proxy {
    url: String,
    requests: Arc<AtomicUsize>,
}

impl Proxy {
    async fn start(upstream: &str, pruned: bool) -> Self {
        let requests = Arc::new(AtomicUsize::new(0));
        let (client, upstream, counter) = (
            reqwest::Client::new(),
            upstream.to_string(),
            requests.clone(),
        );
        let app = axum::Router::new().fallback(move |body: axum::body::Bytes| {
            let (client, upstream, counter) = (client.clone(), upstream.clone(), counter.clone());
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                let call: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let answer = if pruned && state_is_gone(&client, &upstream, &call).await {
                    json!({
                        "jsonrpc": "2.0",
                        "id": call["id"],
                        "error": {
                            "code": -32000,
                            "message": "missing trie node 3c2f9a7be1d04c58f6a2e9b3d7c1f0e8a4b6d2c9e5f1a3b7d0c4e8f2a6b9d3c1 (path ) state 0x5e1f3a9c7b2d4e6f8a0c1b3d5e7f9a2c4b6d8e0f1a3c5b7d9e2f4a6c8b0d1e3f is not available"
                        }
                    })
                } else {
                    client
                        .post(&upstream)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .expect("upstream")
                        .json::<Value>()
                        .await
                        .expect("upstream JSON")
                };
                (
                    [("content-type", "application/json")],
                    answer.to_string(),
                )
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Proxy { url, requests }
    }
}

/// One JSON-RPC call to the node behind the proxy.
async fn upstream_call(
    client: &reqwest::Client,
    upstream: &str,
    method: &str,
    params: Value,
) -> Value {
    let v: Value = client
        .post(upstream)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        .send()
        .await
        .expect("upstream")
        .json()
        .await
        .expect("upstream JSON");
    v["result"].clone()
}

fn hex_number(v: &Value) -> Option<u64> {
    u64::from_str_radix(v.as_str()?.trim_start_matches("0x"), 16).ok()
}

/// The block a state query reads (`None` for the head and the tags near it).
async fn block_of(client: &reqwest::Client, upstream: &str, tag: &Value) -> Option<u64> {
    match tag {
        Value::String(s) if s == "earliest" => Some(0),
        Value::String(_) => hex_number(tag),
        Value::Object(o) => match (o.get("blockNumber"), o.get("blockHash")) {
            (Some(n), _) => hex_number(n),
            (None, Some(h)) => hex_number(
                &upstream_call(client, upstream, "eth_getBlockByHash", json!([h, false])).await
                    ["number"],
            ),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a pruned node would no longer have the state `call` reads.
async fn state_is_gone(client: &reqwest::Client, upstream: &str, call: &Value) -> bool {
    let params = &call["params"];
    let block = match call["method"].as_str().unwrap_or_default() {
        "eth_getBalance"
        | "eth_getCode"
        | "eth_getTransactionCount"
        | "eth_call"
        | "debug_traceCall" => block_of(client, upstream, &params[1]).await,
        "eth_getStorageAt" | "eth_getProof" => block_of(client, upstream, &params[2]).await,
        "debug_traceBlockByNumber" => block_of(client, upstream, &params[0]).await,
        "debug_traceBlockByHash" => {
            block_of(client, upstream, &json!({"blockHash": params[0]})).await
        }
        "debug_traceTransaction" => hex_number(
            &upstream_call(
                client,
                upstream,
                "eth_getTransactionByHash",
                json!([params[0]]),
            )
            .await["blockNumber"],
        ),
        _ => None,
    };
    let Some(block) = block else { return false };
    let head = hex_number(&upstream_call(client, upstream, "eth_blockNumber", json!([])).await)
        .expect("head");
    head.saturating_sub(block) > KEPT
}

/// Sends `wei` to `to` through the `Forwarder` contract (an internal transfer); returns the
/// receipt.
async fn forward(
    p: &alloy::providers::DynProvider,
    forwarder: Address,
    to: &str,
    wei: U256,
) -> alloy::rpc::types::TransactionReceipt {
    let call = forwardCall {
        to: to.parse().unwrap(),
    }
    .abi_encode();
    let receipt = send(
        p,
        TransactionRequest::default()
            .with_from(payer())
            .with_to(forwarder)
            .with_value(wei)
            .with_input(call),
    )
    .await;
    assert!(receipt.status());
    receipt
}

/// Records every health report that shows an error or another node than `expected`.
fn watch_health(svc: &Service, expected: &str) -> Arc<Mutex<Vec<String>>> {
    let bad: Arc<Mutex<Vec<String>>> = Arc::default();
    let (svc, expected, seen) = (svc.clone(), expected.to_string(), bad.clone());
    tokio::spawn(async move {
        loop {
            for s in svc.chain_status() {
                let other = s
                    .rpc_url
                    .as_deref()
                    .is_some_and(|u| u.trim_end_matches('/') != expected);
                if s.error.is_some() || other {
                    seen.lock().unwrap().push(format!("{s:?}"));
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    bad
}

/// The block a session was last reconciled at, once that is at least `block`.
async fn wait_reconciled(svc: &Service, session: &str, block: u64) -> u64 {
    for _ in 0..400 {
        let at: Option<i64> =
            sqlx::query_scalar("SELECT reconciled_block FROM checkout_sessions WHERE id = ?")
                .bind(session)
                .fetch_one(svc.pool())
                .await
                .unwrap();
        if let Some(at) = at
            .and_then(|b| u64::try_from(b).ok())
            .filter(|b| *b >= block)
        {
            return at;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "{session} not reconciled up to block {block}: {:?}",
        svc.chain_status()
    );
}

#[tokio::test]
async fn behind_a_pruned_node_internal_transfers_are_recorded_without_failing_over() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    let forwarder = deploy(&p, "Forwarder").await;
    let token = deploy(&p, "TestToken").await;
    let pruned = Proxy::start(&anvil.url, true).await;
    let backup = Proxy::start(&anvil.url, false).await;
    let tokens = format!("tokens = [{{ symbol = \"TUSD\", address = \"{token}\", decimals = 6, rate = {{ fixed = \"1.00\" }} }}]");
    let cfg = config(&pruned.url, &tokens, "").replace(
        &format!("rpc_urls = [\"{}\"]", pruned.url),
        &format!("rpc_urls = [\"{}\", \"{}\"]", pruned.url, backup.url),
    );
    let (_shop, svc) = shop(&cfg, None).await;
    let bad = watch_health(&svc, &pruned.url);

    // The engine runs (every session reconciled), then stops.
    let stop = watch(&svc);
    let old = session(&svc, "10.00", None).await;
    let recent = session(&svc, "11.00", None).await;
    let usdc = session(&svc, "12.50", Some("TUSD")).await;
    mine(&p, 1).await;
    let start = chain_head(&p).await;
    let reconciled = wait_reconciled(&svc, &old.id, start).await;
    let _ = stop.send(true);
    tokio::time::sleep(Duration::from_millis(200)).await;

    // While it is stopped: one payment that the node will have pruned the state of by the time
    // the engine looks, then two recent ones (one native coin to the token session).
    let old_receipt = forward(&p, forwarder, &old.address, wei(&old)).await;
    let old_block = old_receipt.block_number.unwrap();
    mine(&p, 200).await;
    let recent_receipt = forward(&p, forwarder, &recent.address, wei(&recent)).await;
    let stray = U256::from(10u64).pow(U256::from(15u64));
    let stray_receipt = forward(&p, forwarder, &usdc.address, stray).await;
    mine(&p, 2).await;

    let stop = watch(&svc);
    // Paid anyway: recorded at the first block whose balance shows it, its transaction unknown.
    let s = wait_status(&svc, &old.id, "paid").await;
    assert_eq!(s.payments.len(), 1, "{:?}", s.payments);
    let pay = &s.payments[0];
    assert_eq!(pay.amount.atomic, old.amount.atomic);
    assert_eq!(
        Some(&pay.tx_hash),
        pay.block_hash.as_ref(),
        "no transaction claimed"
    );
    assert_eq!(pay.from, "");
    let shown_at = pay.block_number.unwrap() as u64;
    let head = chain_head(&p).await;
    assert!(
        shown_at > old_block && head - shown_at <= KEPT,
        "at the oldest block the node still has state for: {shown_at} (paid in {old_block}, head {head})"
    );
    let (after, symbol, contract): (Option<i64>, Option<String>, Option<String>) =
        sqlx::query_as(
        "SELECT arrived_after_block, asset_symbol, asset_contract FROM payments WHERE session_id = ?",
    )
    .bind(&old.id)
    .fetch_one(svc.pool())
    .await
    .unwrap();
    // The narrowest range provable: after the block the last reconciliation vouched for.
    assert_eq!(after, Some(reconciled as i64));
    assert!(reconciled < old_block);
    assert_eq!((symbol.as_deref(), contract), (Some("ETH"), None));

    // A payment within the kept state is still attributed to its exact transaction.
    let s = wait_status(&svc, &recent.id, "paid").await;
    assert_eq!(s.payments.len(), 1);
    assert_eq!(
        s.payments[0].tx_hash,
        format!("{:#x}", recent_receipt.transaction_hash)
    );
    assert_eq!(s.payments[0].from, forwarder.to_checksum(None));

    // Native coin sent through a contract to a token session lands on it, in the native asset.
    let row = wait_payment_row(&svc, &usdc.id).await;
    assert_eq!(
        row,
        (
            format!("{:#x}", stray_receipt.transaction_hash),
            stray.to_string(),
            Some("ETH".to_string()),
            Some(18),
            None
        )
    );

    // The node was never reported failed nor left for the second URL.
    let health = &svc.chain_status()[0];
    assert!(health.connected && health.error.is_none(), "{health:?}");
    assert!(bad.lock().unwrap().is_empty(), "{:?}", bad.lock().unwrap());
    assert_eq!(backup.requests.load(Ordering::SeqCst), 0, "second URL used");
    assert!(pruned.requests.load(Ordering::SeqCst) > 0);
    let _ = stop.send(true);
}

async fn chain_head(p: &alloy::providers::DynProvider) -> u64 {
    use alloy::providers::Provider;
    p.get_block_number().await.unwrap()
}

type PaymentRow = (String, String, Option<String>, Option<i64>, Option<String>);

/// The session's first payment row (tx, amount, asset symbol, decimals, contract), once recorded.
async fn wait_payment_row(svc: &Service, session: &str) -> PaymentRow {
    for _ in 0..400 {
        let row: Option<PaymentRow> = sqlx::query_as(
            "SELECT tx_hash, amount_atomic, asset_symbol, asset_decimals, asset_contract FROM payments WHERE session_id = ? ORDER BY id LIMIT 1",
        )
        .bind(session)
        .fetch_optional(svc.pool())
        .await
        .unwrap();
        if let Some(r) = row {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no payment recorded on {session}");
}

/// A shop on `rpc` with anvil's own phrase, and the addresses of it that anvil funded (its first
/// ten).
async fn reused_phrase_shop(
    p: &alloy::providers::DynProvider,
    rpc: &str,
) -> (crate::common::Shop, Service, Vec<Address>) {
    let shop = crate::common::Shop::empty();
    std::fs::write(shop.path().join("chaintill.toml"), config(rpc, "", "")).unwrap();
    shop.ok_stdin(&["wallet", "import"], crate::common::TEST_PHRASE);
    let svc = Service::open(shop.path()).await.unwrap();
    let funded = alloy::providers::Provider::get_accounts(p).await.unwrap();
    (shop, svc, funded)
}

/// Issue 16, case 11: an owner imports a phrase already used elsewhere (here anvil's own: its
/// first ten addresses hold 10,000 ETH each, the first has sent transactions). Behind a node that
/// keeps only recent state, a session created while the engine is stopped and reconciled after
/// a long stop must not count those funds: no address with history is ever handed out, and the
/// session's starting balance is what was there before.
#[tokio::test]
async fn a_phrase_used_elsewhere_never_hands_out_an_address_with_history() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    mine(&p, 1).await;
    let pruned = Proxy::start(&anvil.url, true).await;
    let (shop, svc, funded) = reused_phrase_shop(&p, &pruned.url).await;
    assert_eq!(
        shop.json(&["wallet", "show", "--json"])["addresses"][0]["address"],
        funded[0].to_checksum(None)
    );

    // The engine runs a while (it screens the addresses ahead), then stops.
    let stop = watch(&svc);
    for _ in 0..400 {
        let used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM address_screens WHERE used = 1")
            .fetch_one(svc.pool())
            .await
            .unwrap();
        if used >= 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let _ = stop.send(true);
    tokio::time::sleep(Duration::from_millis(200)).await;

    // A sale while it is stopped; the node moves on far past the state it keeps.
    let s = session(&svc, "10.00", None).await;
    assert!(
        !funded.contains(&s.address.parse().unwrap()),
        "{} has history: it must not be handed out",
        s.address
    );
    mine(&p, 200).await;
    let stop = watch(&svc);
    let start = chain_head(&p).await;
    wait_reconciled(&svc, &s.id, start).await;
    let now = svc.sessions_get(&s.id, None).await.unwrap();
    assert_eq!(now.status.as_str(), "pending", "{:?}", now.payments);
    assert!(now.payments.is_empty(), "{:?}", now.payments);
    // Paid exactly: paid, not overpaid by money that was never the sale's.
    crate::chain::pay(&p, &s.address, wei(&s)).await;
    mine(&p, 3).await;
    let paid = wait_status(&svc, &s.id, "paid").await;
    assert_eq!(paid.amount_received.atomic, s.amount.atomic);
    let _ = stop.send(true);
}

/// Issue 16, case 11: the first sale right after the till starts watching (as after the
/// wizard) waits for its address to be screened instead of taking one with history.
#[tokio::test]
async fn the_first_sale_after_start_waits_for_a_screened_address() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    let (_shop, svc, funded) = reused_phrase_shop(&p, &anvil.url).await;
    let stop = watch(&svc);
    for _ in 0..400 {
        if svc.chain_status().iter().any(|c| c.connected) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let s = session(&svc, "10.00", None).await;
    let address: Address = s.address.parse().unwrap();
    assert!(!funded.contains(&address), "{address} has history");
    let _ = stop.send(true);
}
