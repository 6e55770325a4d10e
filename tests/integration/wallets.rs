//! The payment cases real wallets and shops produce, on a real anvil node: restarts and node
//! outages across expiry, a wallet's "speed up" and "cancel", the wrong coin, an underpayment
//! that is topped up or never completed.

use crate::chain::{
    config, deploy, event_types, mine, pay, payer, provider, send, session, shop, wait_event,
    wait_processed, wait_status, watch, wei, Anvil, Relay,
};
use alloy::network::TransactionBuilder;
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::TransactionRequest;
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, U256};
use chaintill::engine::checkout::model::CheckoutSession;
use chaintill::engine::clock::ManualClock;
use chaintill::engine::{run_until_shutdown, Service};
use std::time::Duration;

alloy::sol! {
    function mint(address to, uint256 value);
    function transfer(address to, uint256 value) returns (bool);
}

/// The whole engine as `serve` and the window run it (watchers, dispatcher, and the API on
/// `api.bind`); stopped when the returned sender is used or dropped.
pub(crate) fn engine(svc: &Service) -> tokio::sync::oneshot::Sender<()> {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let svc = svc.clone();
    tokio::spawn(async move {
        run_until_shutdown(&svc, None, async {
            let _ = rx.await;
        })
        .await
    });
    tx
}

/// Lets the next block carry `secs` from now as its timestamp.
async fn next_block_in(p: &DynProvider, secs: i64) {
    let t = chrono::Utc::now().timestamp() + secs;
    let _: serde_json::Value = p
        .raw_request("evm_setNextBlockTimestamp".into(), (t,))
        .await
        .unwrap();
}

async fn get(svc: &Service, id: &str) -> CheckoutSession {
    svc.sessions_get(id, None).await.unwrap()
}

#[tokio::test]
async fn a_payment_mined_in_time_while_the_engine_was_stopped_is_never_expired_after_restart() {
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
    let stop = engine(&svc);
    mine(&p, 1).await;
    wait_processed(&svc, 1).await;
    let _ = stop.send(());
    tokio::time::sleep(Duration::from_millis(300)).await;

    // While the engine is stopped: paid at once, then the chain runs past the deadline.
    let s = session(&svc, "10.00", None).await;
    let waiting = session(&svc, "12.00", None).await;
    pay(&p, &s.address, wei(&s)).await;
    next_block_in(&p, 20 * 60).await;
    mine(&p, 3).await;

    // It restarts an hour later (by its clock): the payment is found before anything expires.
    clock.advance(chrono::Duration::minutes(60));
    let _stop = engine(&svc);
    wait_status(&svc, &s.id, "paid").await;
    assert_eq!(
        event_types(&svc, &s.id).await,
        ["session.created", "session.paid"]
    );
    // The unpaid one expires, by the chain's time.
    wait_status(&svc, &waiting.id, "expired").await;
}

#[tokio::test]
async fn sessions_wait_while_their_node_is_cut_off_and_expire_by_chain_time_after() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    let relay = Relay::start(&anvil.url).await;
    let clock = ManualClock::new(chrono::Utc::now());
    let (_shop, svc) = shop(
        &config(&relay.url, "", "expiry_minutes = 1\nlate_grace_minutes = 1"),
        Some(clock.clone()),
    )
    .await;
    let _stop = engine(&svc);
    mine(&p, 1).await;
    wait_processed(&svc, 1).await;
    let paid = session(&svc, "10.00", None).await;
    let unpaid = session(&svc, "11.00", None).await;

    relay.cut();
    // Paid in time while the node is out of reach; the chain goes on past the deadline.
    pay(&p, &paid.address, wei(&paid)).await;
    next_block_in(&p, 5 * 60).await;
    mine(&p, 3).await;
    clock.advance(chrono::Duration::minutes(10));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // The engine cannot see the chain: nothing expires on its clock.
    assert_eq!(get(&svc, &paid.id).await.status.as_str(), "pending");
    assert_eq!(get(&svc, &unpaid.id).await.status.as_str(), "pending");

    relay.restore();
    wait_status(&svc, &paid.id, "paid").await;
    wait_status(&svc, &unpaid.id, "expired").await;
    assert_eq!(
        event_types(&svc, &paid.id).await,
        ["session.created", "session.paid"]
    );
    assert_eq!(
        event_types(&svc, &unpaid.id).await,
        ["session.created", "session.expired"]
    );
}

/// A transaction from anvil's first account with an explicit nonce and fees.
fn with_fees(to: Address, value: U256, nonce: u64, gwei: u128) -> TransactionRequest {
    TransactionRequest::default()
        .with_from(payer())
        .with_to(to)
        .with_value(value)
        .with_nonce(nonce)
        .with_gas_limit(21_000)
        .with_max_fee_per_gas(gwei * 1_000_000_000)
        .with_max_priority_fee_per_gas(gwei * 1_000_000_000 / 2)
}

/// A no-automine anvil and a shop watching it over WebSocket (so the mempool is seen).
async fn mempool_shop(clock: &ManualClock) -> (Anvil, DynProvider, crate::common::Shop, Service) {
    let anvil = Anvil::start(&["--no-mining"]);
    let p = provider(&anvil.url).await;
    let ws = anvil.url.replace("http://", "ws://");
    let (shop, svc) = shop(
        &config(&ws, "", "expiry_minutes = 15\nlate_grace_minutes = 10"),
        Some(clock.clone()),
    )
    .await;
    (anvil, p, shop, svc)
}

#[tokio::test]
async fn a_sped_up_payment_replaces_the_first_keeps_its_first_seen_time_and_counts_once() {
    let clock = ManualClock::new(chrono::Utc::now());
    let (_anvil, p, _shop, svc) = mempool_shop(&clock).await;
    let _stop = watch(&svc);
    mine(&p, 1).await;
    wait_processed(&svc, 1).await;
    let s = session(&svc, "10.00", None).await;
    let to: Address = s.address.parse().unwrap();
    let nonce = p.get_transaction_count(payer()).await.unwrap();
    let slow = *p
        .send_transaction(with_fees(to, wei(&s), nonce, 2))
        .await
        .unwrap()
        .tx_hash();
    let detected = wait_status(&svc, &s.id, "detected").await;
    let first_seen = detected.payments[0].seen_at.clone();

    // "Speed up": same nonce, higher fee, seen 20 minutes later — after expiry.
    clock.advance(chrono::Duration::minutes(20));
    let fast = *p
        .send_transaction(with_fees(to, wei(&s), nonce, 5))
        .await
        .unwrap()
        .tx_hash();
    assert_ne!(slow, fast);
    for _ in 0..200 {
        let now = get(&svc, &s.id).await;
        if now
            .payments
            .iter()
            .any(|x| x.tx_hash == format!("{fast:#x}"))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let replaced = get(&svc, &s.id).await;
    assert_eq!(replaced.payments.len(), 1, "{:?}", replaced.payments);
    assert_eq!(replaced.payments[0].seen_at, first_seen);

    next_block_in(&p, 20 * 60).await;
    mine(&p, 3).await;
    let paid = wait_status(&svc, &s.id, "paid").await;
    assert_eq!(paid.payments.len(), 1);
    assert_eq!(paid.payments[0].tx_hash, format!("{fast:#x}"));
    assert_eq!(paid.payments[0].seen_at, first_seen);
    assert!(!paid.payments[0].extra);
    assert_eq!(
        event_types(&svc, &s.id).await,
        ["session.created", "session.detected", "session.paid"]
    );
}

#[tokio::test]
async fn a_sped_up_payment_first_seen_only_when_mined_replaces_the_mempool_one() {
    // The replacement never reaches our node's mempool view: it appears in a block.
    let clock = ManualClock::new(chrono::Utc::now());
    let (_anvil, p, _shop, svc) = mempool_shop(&clock).await;
    let stop = watch(&svc);
    mine(&p, 1).await;
    wait_processed(&svc, 1).await;
    let s = session(&svc, "10.00", None).await;
    let to: Address = s.address.parse().unwrap();
    let nonce = p.get_transaction_count(payer()).await.unwrap();
    let _sent = p
        .send_transaction(with_fees(to, wei(&s), nonce, 2))
        .await
        .unwrap();
    let detected = wait_status(&svc, &s.id, "detected").await;
    let first_seen = detected.payments[0].seen_at.clone();
    let _ = stop.send(true);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let fast = *p
        .send_transaction(with_fees(to, wei(&s), nonce, 5))
        .await
        .unwrap()
        .tx_hash();
    mine(&p, 3).await;
    let _stop = watch(&svc);
    let paid = wait_status(&svc, &s.id, "paid").await;
    assert_eq!(paid.payments.len(), 1, "{:?}", paid.payments);
    assert_eq!(paid.payments[0].tx_hash, format!("{fast:#x}"));
    assert_eq!(paid.payments[0].seen_at, first_seen);
}

#[tokio::test]
async fn a_canceled_payment_returns_the_session_to_pending_with_session_reverted() {
    let clock = ManualClock::new(chrono::Utc::now());
    let (_anvil, p, _shop, svc) = mempool_shop(&clock).await;
    let _stop = watch(&svc);
    mine(&p, 1).await;
    wait_processed(&svc, 1).await;
    let s = session(&svc, "10.00", None).await;
    let nonce = p.get_transaction_count(payer()).await.unwrap();
    let _sent = p
        .send_transaction(with_fees(s.address.parse().unwrap(), wei(&s), nonce, 2))
        .await
        .unwrap();
    wait_status(&svc, &s.id, "detected").await;
    // "Cancel": the same nonce spent on a zero-value transaction to oneself.
    let _sent = p
        .send_transaction(with_fees(payer(), U256::ZERO, nonce, 5))
        .await
        .unwrap();
    mine(&p, 1).await;
    let back = wait_status(&svc, &s.id, "pending").await;
    assert!(back.payments.is_empty());
    assert_eq!(back.amount_due.atomic, back.amount.atomic);
    assert_eq!(
        event_types(&svc, &s.id).await,
        ["session.created", "session.detected", "session.reverted"]
    );
}

#[tokio::test]
async fn a_mempool_payment_neither_mined_nor_replaced_is_kept_however_long_it_waits() {
    let clock = ManualClock::new(chrono::Utc::now());
    let (_anvil, p, _shop, svc) = mempool_shop(&clock).await;
    let _stop = watch(&svc);
    mine(&p, 1).await;
    wait_processed(&svc, 1).await;
    let s = session(&svc, "10.00", None).await;
    let nonce = p.get_transaction_count(payer()).await.unwrap();
    let _sent = p
        .send_transaction(with_fees(s.address.parse().unwrap(), wei(&s), nonce, 2))
        .await
        .unwrap();
    wait_status(&svc, &s.id, "detected").await;
    // The node drops it from its mempool, blocks go by (another sender's transaction) and an
    // hour passes: its nonce is still open, so the payment stays.
    clock.advance(chrono::Duration::minutes(60));
    let other: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
        .parse()
        .unwrap();
    let _: serde_json::Value = p
        .raw_request(
            "anvil_dropTransaction".into(),
            (detected_hash(&svc, &s.id).await,),
        )
        .await
        .unwrap();
    let _sent = p
        .send_transaction(
            TransactionRequest::default()
                .with_from(other)
                .with_to(payer())
                .with_value(U256::from(1)),
        )
        .await
        .unwrap();
    mine(&p, 2).await;
    wait_processed(&svc, 3).await;
    let kept = get(&svc, &s.id).await;
    assert_eq!(kept.status.as_str(), "detected");
    assert_eq!(kept.payments.len(), 1);
}

async fn detected_hash(svc: &Service, id: &str) -> String {
    get(svc, id).await.payments[0].tx_hash.clone()
}

#[tokio::test]
async fn funds_in_another_asset_are_kept_as_extra_payments_with_session_unexpected_payment() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    let token = deploy(&p, "TestToken").await;
    let tokens = format!("tokens = [{{ symbol = \"TUSD\", address = \"{token}\", decimals = 6, rate = {{ fixed = \"1.00\" }} }}]");
    let (_shop, svc) = shop(&config(&anvil.url, &tokens, ""), None).await;
    let _stop = watch(&svc);
    let usd = session(&svc, "12.50", Some("TUSD")).await;
    let eth = session(&svc, "30.00", None).await;

    // ETH to the token session's address; TUSD to the ETH session's address.
    pay(&p, &usd.address, U256::from(10u64).pow(U256::from(16))).await;
    let call = |to: &str, value: u64| {
        TransactionRequest::default()
            .with_from(payer())
            .with_to(token)
            .with_input(
                mintCall {
                    to: to.parse().unwrap(),
                    value: U256::from(value),
                }
                .abi_encode(),
            )
    };
    assert!(send(&p, call(&eth.address, 5_000_000)).await.status());
    mine(&p, 3).await;
    wait_event(&svc, &usd.id, "session.unexpected_payment").await;
    wait_event(&svc, &eth.id, "session.unexpected_payment").await;
    let u = get(&svc, &usd.id).await;
    assert_eq!(u.status.as_str(), "pending");
    assert_eq!(u.payments.len(), 1);
    assert!(u.payments[0].extra);
    assert_eq!(u.payments[0].asset.symbol, "ETH");
    assert_eq!(u.payments[0].asset.contract, None);
    assert_eq!(u.payments[0].amount.value, "0.01");
    assert_eq!(u.amount_received.atomic, "0");
    assert_eq!(u.amount_due.atomic, u.amount.atomic);
    let e = get(&svc, &eth.id).await;
    assert_eq!(e.status.as_str(), "pending");
    assert!(e.payments[0].extra);
    assert_eq!(e.payments[0].asset.symbol, "TUSD");
    assert_eq!(e.payments[0].amount.value, "5");

    // The right asset still completes the token session; the ETH stays extra.
    assert!(send(&p, call(&usd.address, 12_500_000)).await.status());
    mine(&p, 2).await;
    let paid = wait_status(&svc, &usd.id, "paid").await;
    assert_eq!(paid.payments.len(), 2);
    assert_eq!(paid.payments.iter().filter(|x| x.extra).count(), 1);
    assert_eq!(paid.amount_received.value, "12.5");
    assert_eq!(
        event_types(&svc, &usd.id).await,
        [
            "session.created",
            "session.unexpected_payment",
            "session.paid"
        ]
    );
}

#[tokio::test]
async fn after_an_underpayment_the_payment_uri_asks_for_the_rest_and_a_top_up_completes_it() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    let (_shop, svc) = shop(&config(&anvil.url, "", ""), None).await;
    let _stop = watch(&svc);
    let s = session(&svc, "30.00", None).await; // 0.01 ETH at 3000
    assert_eq!(s.amount_due.atomic, s.amount.atomic);
    assert!(s
        .payment_uri
        .ends_with(&format!("?value={}", s.amount.atomic)));
    let part = U256::from(6_000_000_000_000_000u64);
    pay(&p, &s.address, part).await;
    mine(&p, 2).await;
    let short = wait_status(&svc, &s.id, "underpaid").await;
    let rest = wei(&s) - part;
    assert_eq!(short.amount_due.atomic, rest.to_string());
    assert_eq!(short.amount_due.value, "0.004");
    assert_eq!(
        short.payment_uri,
        format!("ethereum:{}@31337?value={rest}", s.address)
    );
    // The QR every surface shows encodes exactly that URI.
    assert_eq!(
        svc.sessions_qr(&s.id, None).await.unwrap(),
        chaintill::engine::checkout::uri::qr_svg(&short.payment_uri).unwrap()
    );
    pay(&p, &s.address, rest).await;
    mine(&p, 2).await;
    let paid = wait_status(&svc, &s.id, "paid").await;
    assert_eq!(paid.amount_due.atomic, "0");
    assert_eq!(paid.amount_received.atomic, s.amount.atomic);
}

#[tokio::test]
async fn an_underpaid_session_still_short_at_the_end_of_grace_expires_and_keeps_its_payments() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    // The engine's clock moves with the chain's (as they do outside a test).
    let clock = ManualClock::new(chrono::Utc::now());
    let (_shop, svc) = shop(
        &config(&anvil.url, "", "expiry_minutes = 1\nlate_grace_minutes = 1"),
        Some(clock.clone()),
    )
    .await;
    let _stop = engine(&svc);
    let s = session(&svc, "30.00", None).await;
    pay(&p, &s.address, U256::from(6_000_000_000_000_000u64)).await;
    mine(&p, 2).await;
    wait_status(&svc, &s.id, "underpaid").await;
    // Past expiry but within grace: still underpaid (a top-up may still come).
    next_block_in(&p, 90).await;
    mine(&p, 1).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(get(&svc, &s.id).await.status.as_str(), "underpaid");
    // The chain passes the end of grace: expired, with the payment kept (a refund is due).
    next_block_in(&p, 150).await;
    mine(&p, 1).await;
    let expired = wait_status(&svc, &s.id, "expired").await;
    assert_eq!(expired.payments.len(), 1);
    assert_eq!(expired.amount_received.value, "0.006");
    // Funds after that are extra, with session.late_payment; the status stays expired.
    next_block_in(&p, 200).await;
    clock.advance(chrono::Duration::seconds(200));
    pay(&p, &s.address, U256::from(4_000_000_000_000_000u64)).await;
    mine(&p, 3).await;
    let mut types = wait_event(&svc, &s.id, "session.late_payment").await;
    types.retain(|t| t != "session.detected"); // seen or not, depending on timing
    assert_eq!(
        types,
        [
            "session.created",
            "session.underpaid",
            "session.expired",
            "session.late_payment"
        ]
    );
    let after = get(&svc, &s.id).await;
    assert_eq!(after.status.as_str(), "expired");
    assert_eq!(after.payments.len(), 2);
    assert!(after.payments[1].extra && !after.payments[0].extra);
}
