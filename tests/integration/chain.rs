//! The chain watcher against real anvil nodes.

use crate::common::Shop;
use alloy::network::TransactionBuilder;
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::TransactionRequest;
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, Bytes, U256};
use chaintill::engine::checkout::NewSession;
use chaintill::engine::clock::ManualClock;
use chaintill::engine::{chain, Service};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

alloy::sol! {
    function mint(address to, uint256 value);
    function transfer(address to, uint256 value) returns (bool);
    function forward(address to);
    function set(int256 answer, uint256 updatedAt);
}

/// A real anvil node on a free port, killed on drop.
pub struct Anvil {
    child: Child,
    pub url: String,
}

impl Anvil {
    pub fn start(args: &[&str]) -> Self {
        let bin = concat!(env!("CARGO_MANIFEST_DIR"), "/node_modules/.bin/anvil");
        let mut child = Command::new(bin)
            .args(["--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("anvil (make test installs it with npm)");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let addr = loop {
            line.clear();
            assert!(out.read_line(&mut line).unwrap() > 0, "anvil exited");
            if let Some(a) = line.trim().strip_prefix("Listening on ") {
                break a.to_string();
            }
        };
        std::thread::spawn(move || for _ in out.lines() {});
        Anvil {
            child,
            url: format!("http://{addr}"),
        }
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Anvil's first funded account (unlocked on the node).
pub(crate) fn payer() -> Address {
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        .parse()
        .unwrap()
}

pub(crate) async fn provider(url: &str) -> DynProvider {
    ProviderBuilder::new().connect(url).await.unwrap().erased()
}

pub(crate) async fn send(
    p: &DynProvider,
    tx: TransactionRequest,
) -> alloy::rpc::types::TransactionReceipt {
    p.send_transaction(tx)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap()
}

pub(crate) async fn pay(p: &DynProvider, to: &str, wei: U256) {
    let tx = TransactionRequest::default()
        .with_from(payer())
        .with_to(to.parse().unwrap())
        .with_value(wei);
    assert!(send(p, tx).await.status());
}

pub(crate) async fn mine(p: &DynProvider, blocks: u64) {
    let _: serde_json::Value = p
        .raw_request("anvil_mine".into(), (format!("{blocks:#x}"),))
        .await
        .unwrap();
}

pub(crate) async fn deploy(p: &DynProvider, name: &str) -> Address {
    let all: serde_json::Value =
        serde_json::from_str(include_str!("../contracts/contracts.json")).unwrap();
    let code: Bytes = all["contracts"][name]["bytecode"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let r = send(
        p,
        TransactionRequest::default()
            .with_from(payer())
            .with_deploy_code(code),
    )
    .await;
    r.contract_address.unwrap()
}

pub(crate) fn config(rpc: &str, extra_network: &str, store: &str) -> String {
    format!(
        "[store]\n{store}\n[[networks]]\nid = \"local\"\nname = \"Local devnet\"\nchain_id = 31337\nrpc_urls = [\"{rpc}\"]\n\
         confirmations = 3\nnative = {{ symbol = \"ETH\", decimals = 18, display_decimals = 6, rate = {{ fixed = \"3000.00\" }} }}\n{extra_network}\n"
    )
}

/// A shop with a fresh random wallet (so its addresses are not anvil's funded accounts).
pub(crate) async fn shop(config_text: &str, clock: Option<ManualClock>) -> (Shop, Service) {
    let shop = Shop::empty();
    std::fs::write(shop.path().join("chaintill.toml"), config_text).unwrap();
    shop.ok(&["wallet", "create"]);
    let svc = match clock {
        Some(c) => Service::open_with_clock(shop.path(), Arc::new(c))
            .await
            .unwrap(),
        None => Service::open(shop.path()).await.unwrap(),
    };
    (shop, svc)
}

pub(crate) fn watch(svc: &Service) -> tokio::sync::watch::Sender<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    chain::spawn_all(
        svc,
        chain::Timing {
            poll: Duration::from_millis(50),
            reconcile_every: Duration::from_millis(100),
        },
        rx,
    );
    tx
}

pub(crate) async fn session(
    svc: &Service,
    value: &str,
    asset: Option<&str>,
) -> chaintill::engine::checkout::model::CheckoutSession {
    let req = NewSession {
        asset: asset.map(str::to_string),
        ..NewSession::for_amount(value)
    };
    svc.sessions_create(req, None).await.unwrap()
}

pub(crate) async fn wait_status(
    svc: &Service,
    id: &str,
    status: &str,
) -> chaintill::engine::checkout::model::CheckoutSession {
    wait_status_within(svc, id, status, Duration::from_secs(10)).await
}

pub(crate) async fn wait_status_within(
    svc: &Service,
    id: &str,
    status: &str,
    limit: Duration,
) -> chaintill::engine::checkout::model::CheckoutSession {
    for _ in 0..limit.as_millis() / 25 {
        let s = svc.sessions_get(id, None).await.unwrap();
        if s.status.as_str() == status {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let s = svc.sessions_get(id, None).await.unwrap();
    panic!(
        "session {id} stayed {} (wanted {status}); chain: {:?}",
        s.status.as_str(),
        svc.chain_status()
    );
}

/// Waits until the session has an event of `kind`.
pub(crate) async fn wait_event(svc: &Service, id: &str, kind: &str) -> Vec<String> {
    for _ in 0..400 {
        let types = event_types(svc, id).await;
        if types.iter().any(|t| t == kind) {
            return types;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no {kind} on {id}: {:?}", event_types(svc, id).await);
}

/// Waits until the watcher has processed at least `block` (over WebSocket it then also
/// follows the mempool).
pub(crate) async fn wait_processed(svc: &Service, block: u64) {
    for _ in 0..400 {
        if svc.chain_status().first().and_then(|c| c.processed) >= Some(block) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("block {block} never processed: {:?}", svc.chain_status());
}

pub(crate) async fn event_types(svc: &Service, id: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT type FROM events WHERE session_id = ? ORDER BY seq")
        .bind(id)
        .fetch_all(svc.pool())
        .await
        .unwrap()
}

pub(crate) fn wei(s: &chaintill::engine::checkout::model::CheckoutSession) -> U256 {
    s.amount.atomic.parse().unwrap()
}

#[tokio::test]
async fn native_payments_reach_every_paid_status() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    let (_shop, svc) = shop(&config(&anvil.url, "", ""), None).await;
    let stop = watch(&svc);

    // Exact payment: detected at 1 confirmation, paid at 3.
    let exact = session(&svc, "12.50", None).await;
    pay(&p, &exact.address, wei(&exact)).await;
    let s = wait_status(&svc, &exact.id, "detected").await;
    assert_eq!((s.confirmations, s.payments.len()), (1, 1));
    assert_eq!(s.payments[0].from, payer().to_checksum(None));
    mine(&p, 2).await;
    let s = wait_status(&svc, &exact.id, "paid").await;
    assert_eq!(s.confirmations, 3);
    assert_eq!(s.amount_received.atomic, s.amount.atomic);
    assert!(s.paid_at.is_some());
    assert_eq!(
        event_types(&svc, &exact.id).await,
        ["session.created", "session.detected", "session.paid"]
    );

    // Short, then topped up.
    let short = session(&svc, "20.00", None).await;
    pay(&p, &short.address, wei(&short) / U256::from(2)).await;
    wait_status(&svc, &short.id, "detected").await;
    mine(&p, 2).await;
    let s = wait_status(&svc, &short.id, "underpaid").await;
    assert_eq!(
        s.amount_received.atomic,
        (wei(&short) / U256::from(2)).to_string()
    );
    pay(
        &p,
        &short.address,
        wei(&short) - wei(&short) / U256::from(2),
    )
    .await;
    wait_status(&svc, &short.id, "detected").await;
    mine(&p, 2).await;
    wait_status(&svc, &short.id, "paid").await;
    assert_eq!(
        event_types(&svc, &short.id).await,
        [
            "session.created",
            "session.detected",
            "session.underpaid",
            "session.detected",
            "session.paid"
        ]
    );

    // Too much.
    let over = session(&svc, "5.00", None).await;
    pay(&p, &over.address, wei(&over) * U256::from(2)).await;
    mine(&p, 2).await;
    wait_status(&svc, &over.id, "overpaid").await;

    // After a paid session, more funds are recorded and flagged, never dropped.
    pay(&p, &exact.address, U256::from(1000u64)).await;
    // The event is written by the settlement, after the payment is recorded.
    wait_event(&svc, &exact.id, "session.late_payment").await;
    let s = svc.sessions_get(&exact.id, None).await.unwrap();
    assert_eq!((s.status.as_str(), s.payments.len()), ("paid", 2));
    assert_eq!(
        event_types(&svc, &exact.id).await.last().unwrap(),
        "session.late_payment"
    );

    let health = svc.chain_status();
    assert!(
        health[0].connected && health[0].head.is_some() && health[0].lag == Some(0),
        "{health:?}"
    );
    let _ = stop.send(true);
}

#[tokio::test]
async fn token_payments_count_and_reverted_transfers_do_not() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    let token = deploy(&p, "TestToken").await;
    let tokens = format!("tokens = [{{ symbol = \"TUSD\", address = \"{token}\", decimals = 6, rate = {{ fixed = \"1.00\" }} }}]");
    let (_shop, svc) = shop(&config(&anvil.url, &tokens, ""), None).await;
    let stop = watch(&svc);
    let s = session(&svc, "12.50", Some("TUSD")).await;
    assert_eq!(s.amount.atomic, "12500000");
    assert_eq!(
        s.asset.contract.as_deref(),
        Some(token.to_checksum(None).as_str())
    );
    let to: Address = s.address.parse().unwrap();

    // A transfer from an account with no tokens reverts on chain (gas set, so it is mined).
    let broke: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
        .parse()
        .unwrap();
    let call = transferCall {
        to,
        value: U256::from(12_500_000u64),
    }
    .abi_encode();
    let reverted = send(
        &p,
        TransactionRequest::default()
            .with_from(broke)
            .with_to(token)
            .with_input(call.clone())
            .with_gas_limit(100_000),
    )
    .await;
    assert!(!reverted.status());
    mine(&p, 3).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        svc.sessions_get(&s.id, None).await.unwrap().status.as_str(),
        "pending"
    );

    let mint_call = mintCall {
        to: payer(),
        value: U256::from(100_000_000u64),
    }
    .abi_encode();
    assert!(send(
        &p,
        TransactionRequest::default()
            .with_from(payer())
            .with_to(token)
            .with_input(mint_call)
    )
    .await
    .status());
    assert!(send(
        &p,
        TransactionRequest::default()
            .with_from(payer())
            .with_to(token)
            .with_input(call)
    )
    .await
    .status());
    wait_status(&svc, &s.id, "detected").await;
    mine(&p, 2).await;
    let paid = wait_status(&svc, &s.id, "paid").await;
    assert_eq!(paid.payments.len(), 1);
    assert!(paid.payments[0].log_index.is_some());
    assert_eq!(paid.amount_received.value, "12.5");
    let _ = stop.send(true);
}

#[tokio::test]
async fn a_reorg_removes_the_payment_and_the_session_moves_back() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    let (_shop, svc) = shop(&config(&anvil.url, "", ""), None).await;
    mine(&p, 3).await;
    let stop = watch(&svc);
    let s = session(&svc, "10.00", None).await;
    let snapshot: String = p.raw_request("evm_snapshot".into(), ()).await.unwrap();
    pay(&p, &s.address, wei(&s)).await;
    wait_status(&svc, &s.id, "detected").await;

    // The block with the payment leaves the canonical chain; a longer chain replaces it.
    let reverted: bool = p
        .raw_request("evm_revert".into(), (snapshot,))
        .await
        .unwrap();
    assert!(reverted);
    mine(&p, 3).await;
    let back = wait_status(&svc, &s.id, "pending").await;
    assert!(back.payments.is_empty());
    assert_eq!(back.amount_received.atomic, "0");
    let _ = stop.send(true);
}

#[tokio::test]
async fn payments_made_while_the_engine_was_closed_are_found_and_judged_by_block_time() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    let clock = ManualClock::new(chrono::Utc::now());
    let (_shop, svc) = shop(
        &config(
            &anvil.url,
            "",
            "expiry_minutes = 15\nlate_grace_minutes = 10",
        ),
        Some(clock.clone()),
    )
    .await;

    // The engine runs once (checkpoint written), then stops.
    let stop = watch(&svc);
    mine(&p, 1).await;
    for _ in 0..100 {
        if svc
            .chain_status()
            .first()
            .is_some_and(|c| c.processed.is_some())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let _ = stop.send(true);
    tokio::time::sleep(Duration::from_millis(200)).await;

    let on_time = session(&svc, "10.00", None).await;
    let late = session(&svc, "11.00", None).await;
    // While closed: one payment now (before expiry), one in a block 20 minutes later.
    pay(&p, &on_time.address, wei(&on_time)).await;
    let later = chrono::Utc::now().timestamp() as u64 + 20 * 60;
    let _: serde_json::Value = p
        .raw_request("evm_setNextBlockTimestamp".into(), (later,))
        .await
        .unwrap();
    pay(&p, &late.address, wei(&late)).await;
    mine(&p, 3).await;

    // The engine comes back an hour later: both are found; on time vs late by block time.
    clock.advance(chrono::Duration::minutes(60));
    let stop = watch(&svc);
    wait_status(&svc, &on_time.id, "paid").await;
    wait_status(&svc, &late.id, "paid_late").await;
    let _ = stop.send(true);
}

#[tokio::test]
async fn funds_after_cancel_or_after_grace_are_recorded_as_late_payments() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    let clock = ManualClock::new(chrono::Utc::now());
    let (_shop, svc) = shop(
        &config(&anvil.url, "", "expiry_minutes = 1\nlate_grace_minutes = 1"),
        Some(clock.clone()),
    )
    .await;
    let stop = watch(&svc);
    let canceled = session(&svc, "3.00", None).await;
    svc.sessions_cancel(&canceled.id, None).await.unwrap();
    pay(&p, &canceled.address, wei(&canceled)).await;
    mine(&p, 3).await;
    wait_event(&svc, &canceled.id, "session.late_payment").await;
    let s = svc.sessions_get(&canceled.id, None).await.unwrap();
    assert_eq!((s.status.as_str(), s.payments.len()), ("canceled", 1));
    assert_eq!(
        event_types(&svc, &canceled.id).await,
        [
            "session.created",
            "session.canceled",
            "session.late_payment"
        ]
    );
    let _ = stop.send(true);
}

#[tokio::test]
async fn a_node_on_another_chain_is_refused_with_a_clear_message() {
    let anvil = Anvil::start(&["--chain-id", "5"]);
    let (_shop, svc) = shop(&config(&anvil.url, "", ""), None).await;
    let stop = watch(&svc);
    let mut status = None;
    for _ in 0..200 {
        status = svc
            .chain_status()
            .into_iter()
            .next()
            .filter(|c| c.error.is_some());
        if status.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let status = status.expect("an error is reported");
    assert!(!status.connected);
    assert!(status
        .error
        .unwrap()
        .contains("is chain 5, but chaintill.toml says network `local` is chain 31337"));
    let _ = stop.send(true);
}

#[tokio::test]
async fn over_websocket_a_mempool_payment_is_detected_before_inclusion_and_counts_as_on_time() {
    // No automine: transactions wait in the mempool until the test mines.
    let anvil = Anvil::start(&["--no-mining"]);
    let p = provider(&anvil.url).await;
    let ws_url = anvil.url.replace("http://", "ws://");
    let clock = ManualClock::new(chrono::Utc::now());
    let (_shop, svc) = shop(
        &config(&ws_url, "", "expiry_minutes = 15\nlate_grace_minutes = 10"),
        Some(clock.clone()),
    )
    .await;
    let stop = watch(&svc);
    mine(&p, 1).await;
    // The watcher subscribes to pending transactions before it processes its first block:
    // once block 1 is processed, the mempool is being watched.
    wait_processed(&svc, 1).await;
    let s = session(&svc, "10.00", None).await;
    let tx = TransactionRequest::default()
        .with_from(payer())
        .with_to(s.address.parse().unwrap())
        .with_value(wei(&s));
    let pending = p.send_transaction(tx).await.unwrap();

    let detected = wait_status(&svc, &s.id, "detected").await;
    assert_eq!(detected.payments.len(), 1);
    assert_eq!(detected.payments[0].block_number, None);
    assert_eq!(detected.payments[0].confirmations, 0);
    assert_eq!(detected.confirmations, 0);
    assert_eq!(
        detected.payments[0].tx_hash,
        format!("{:#x}", pending.tx_hash())
    );

    // Mined 20 minutes later (after expiry): still on time, because it was seen before expiry.
    clock.advance(chrono::Duration::minutes(20));
    let later = chrono::Utc::now().timestamp() as u64 + 20 * 60;
    let _: serde_json::Value = p
        .raw_request("evm_setNextBlockTimestamp".into(), (later,))
        .await
        .unwrap();
    mine(&p, 3).await;
    let paid = wait_status(&svc, &s.id, "paid").await;
    assert_eq!(
        paid.payments.len(),
        1,
        "the mempool row gained its block, no duplicate"
    );
    assert!(paid.payments[0].block_number.is_some());
    assert_eq!(paid.payments[0].confirmations, 3);
    assert_eq!(
        event_types(&svc, &s.id).await,
        ["session.created", "session.detected", "session.paid"]
    );
    let _ = stop.send(true);
}

/// Sets the test feed's answer and update time.
async fn set_feed(p: &DynProvider, feed: Address, answer: i64, updated_at: u64) {
    let set = setCall {
        answer: alloy_primitives::I256::try_from(answer).unwrap(),
        updatedAt: U256::from(updated_at),
    }
    .abi_encode();
    let tx = TransactionRequest::default()
        .with_from(payer())
        .with_to(feed)
        .with_input(set);
    assert!(send(p, tx).await.status());
}

#[tokio::test]
async fn chainlink_rates_are_read_and_stale_ones_refused() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    let all: serde_json::Value =
        serde_json::from_str(include_str!("../contracts/contracts.json")).unwrap();
    let mut code = alloy_primitives::hex::decode(
        all["contracts"]["MockAggregator"]["bytecode"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    // Constructor arguments (uint8 decimals, int256 answer), ABI-encoded as two words.
    code.extend(U256::from(8u8).to_be_bytes::<32>());
    code.extend(U256::from(270_657_000_000u64).to_be_bytes::<32>());
    let feed = send(
        &p,
        TransactionRequest::default()
            .with_from(payer())
            .with_deploy_code(code),
    )
    .await
    .contract_address
    .unwrap();

    let with_rate =
        |rate: &str| config(&anvil.url, "", "").replace("rate = { fixed = \"3000.00\" }", rate);
    let (_shop, svc) = shop(
        &with_rate(&format!("rate = {{ chainlink = \"{feed}\" }}")),
        None,
    )
    .await;
    let s = session(&svc, "50.00", None).await;
    assert_eq!(s.rate, "2706.57");
    // 50.00 / 2706.57 = 0.0184737…, rounded up at 6 digits.
    assert_eq!(s.amount.value, "0.018474");

    // A feed last updated two hours ago is refused with the default heartbeat (an hour), and no
    // session is created; with a daily heartbeat (a stablecoin feed) it is fine.
    let now = || chrono::Utc::now().timestamp() as u64;
    set_feed(&p, feed, 270_657_000_000, now() - 7200).await;
    let req = NewSession::for_amount("50.00");
    let err = svc.sessions_create(req.clone(), None).await.unwrap_err();
    assert!(
        matches!(
            err,
            chaintill::engine::Error::Unavailable {
                cause: chaintill::engine::error::Cause::Rate,
                ..
            }
        ),
        "{err:?}"
    );
    let err = err.to_string();
    assert!(
        err.contains("stale")
            && err.contains("120 minutes ago")
            && err.contains("heartbeat_secs = 3600"),
        "{err}"
    );
    let (_daily_shop, daily) = shop(
        &with_rate(&format!(
            "rate = {{ chainlink = \"{feed}\", heartbeat_secs = 86400 }}"
        )),
        None,
    )
    .await;
    assert_eq!(session(&daily, "50.00", None).await.rate, "2706.57");

    // Over HTTP the stale feed is a 503 that the Idempotency-Key does not keep: once the feed is
    // fresh again, the same key creates the session.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(chaintill::engine::api::serve(
        svc.clone(),
        listener,
        std::future::pending(),
    ));
    let (_, key) = svc
        .keys_create(chaintill::engine::config::Mode::Test, None, false)
        .await
        .unwrap();
    let create = || {
        reqwest::Client::new()
            .post(format!("{base}/api/v1/checkout_sessions"))
            .bearer_auth(key.as_str())
            .header("Idempotency-Key", "order-stale-1")
            .json(&serde_json::json!({"amount": {"value": "50.00"}}))
            .send()
    };
    let res = create().await.unwrap();
    assert_eq!(res.status(), 503);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["type"], "api_error");
    assert_eq!(body["error"]["code"], "rate_unavailable");
    set_feed(&p, feed, 270_657_000_000, now()).await;
    let res = create().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("idempotent-replayed").is_none());
    let created: serde_json::Value = res.json().await.unwrap();
    assert_eq!(created["rate"], "2706.57");

    // A non-positive answer is refused too.
    set_feed(&p, feed, 0, now()).await;
    let err = svc
        .sessions_create(req, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("answered 0"), "{err}");
    assert_eq!(
        svc.sessions_list(&Default::default(), None)
            .await
            .unwrap()
            .data
            .len(),
        2
    );
}

#[tokio::test]
async fn a_native_payment_through_a_contract_is_found_by_balance_reconciliation() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    let forwarder = deploy(&p, "Forwarder").await;
    let (_shop, svc) = shop(&config(&anvil.url, "", ""), None).await;
    let stop = watch(&svc);
    let s = session(&svc, "10.00", None).await;
    let call = forwardCall {
        to: s.address.parse().unwrap(),
    }
    .abi_encode();
    let receipt = send(
        &p,
        TransactionRequest::default()
            .with_from(payer())
            .with_to(forwarder)
            .with_value(wei(&s))
            .with_input(call),
    )
    .await;
    assert!(receipt.status());
    mine(&p, 2).await;
    let paid = wait_status(&svc, &s.id, "paid").await;
    assert_eq!(paid.payments.len(), 1);
    // Attributed to the transaction by the node's call tracer, sent by the forwarding contract.
    assert_eq!(
        paid.payments[0].tx_hash,
        format!("{:#x}", receipt.transaction_hash)
    );
    assert_eq!(paid.payments[0].from, forwarder.to_checksum(None));
    assert_eq!(
        paid.payments[0].block_number,
        receipt.block_number.map(|b| b as i64)
    );
    let _ = stop.send(true);
}

/// A TCP relay in front of the node that can be cut and restored.
pub(crate) struct Relay {
    pub(crate) url: String,
    up: Arc<std::sync::atomic::AtomicBool>,
    conns: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Relay {
    pub(crate) async fn start(target: &str) -> Self {
        let target = target.trim_start_matches("http://").to_string();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let up = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let conns: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>> = Arc::default();
        let (up2, conns2) = (up.clone(), conns.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up2.load(std::sync::atomic::Ordering::SeqCst) {
                    continue; // refused: dropped at once
                }
                let target = target.clone();
                conns2.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                }));
            }
        });
        Relay { url, up, conns }
    }

    pub(crate) fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }

    pub(crate) fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test]
async fn the_node_cut_and_restored_misses_nothing_and_a_dead_url_fails_over() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    let relay = Relay::start(&anvil.url).await;
    // The first URL is dead; the watcher fails over to the relay.
    let cfg = config(&relay.url, "", "").replace(
        &format!("rpc_urls = [\"{}\"]", relay.url),
        &format!("rpc_urls = [\"http://127.0.0.1:9\", \"{}\"]", relay.url),
    );
    let (_shop, svc) = shop(&cfg, None).await;
    let stop = watch(&svc);
    let s = session(&svc, "10.00", None).await;
    let t = session(&svc, "11.00", None).await;
    pay(&p, &s.address, wei(&s)).await;
    wait_status(&svc, &s.id, "detected").await;
    let using = svc.chain_status()[0].rpc_url.clone().unwrap();
    assert_eq!(using.trim_end_matches('/'), relay.url);

    // The node becomes unreachable for a minute; payments and blocks keep coming meanwhile.
    relay.cut();
    let cut_at = std::time::Instant::now();
    pay(&p, &t.address, wei(&t)).await;
    mine(&p, 5).await;
    let mut saw_down = false;
    for _ in 0..400 {
        if svc.chain_status()[0].error.is_some() {
            saw_down = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(saw_down, "the outage is reported: {:?}", svc.chain_status());
    assert_eq!(
        svc.sessions_get(&t.id, None).await.unwrap().status.as_str(),
        "pending"
    );

    while cut_at.elapsed() < Duration::from_secs(60) {
        mine(&p, 1).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    assert_eq!(
        svc.sessions_get(&t.id, None).await.unwrap().status.as_str(),
        "pending",
        "nothing can be seen while the node is cut off"
    );

    // Restored: the watcher reconnects within its longest backoff (30 s) and catches up.
    relay.restore();
    wait_status_within(&svc, &s.id, "paid", Duration::from_secs(45)).await;
    wait_status_within(&svc, &t.id, "paid", Duration::from_secs(45)).await;
    let health = &svc.chain_status()[0];
    assert!(health.connected && health.error.is_none(), "{health:?}");
    let _ = stop.send(true);
}

#[tokio::test]
async fn a_paid_session_that_loses_its_payment_in_a_deep_reorg_is_reverted() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    let (_shop, svc) = shop(&config(&anvil.url, "", ""), None).await;
    mine(&p, 2).await;
    let stop = watch(&svc);
    let s = session(&svc, "10.00", None).await;
    let snapshot: String = p.raw_request("evm_snapshot".into(), ()).await.unwrap();
    pay(&p, &s.address, wei(&s)).await;
    mine(&p, 3).await;
    wait_status(&svc, &s.id, "paid").await;

    // A reorg deeper than the required confirmations takes the payment away.
    let reverted: bool = p
        .raw_request("evm_revert".into(), (snapshot,))
        .await
        .unwrap();
    assert!(reverted);
    mine(&p, 6).await;
    let back = wait_status(&svc, &s.id, "pending").await;
    assert!(back.payments.is_empty() && back.paid_at.is_none());
    let types = event_types(&svc, &s.id).await;
    assert_eq!(types.last().unwrap(), "session.reverted", "{types:?}");
    let _ = stop.send(true);
}
