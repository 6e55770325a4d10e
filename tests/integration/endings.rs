//! Every session ends right (SPEC §4, "Every session ends"): payments seen in the mempool whose
//! fate is settled, sessions paid only in another asset, smart-wallet payments at the deadline,
//! reorgs that re-include a payment late, and fee-on-transfer tokens — on real anvil nodes.

use crate::chain::{
    config, deploy, event_types, mine, payer, provider, send, session, shop, wait_event,
    wait_processed, wait_status, watch, wei, Anvil,
};
use alloy::network::TransactionBuilder;
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::TransactionRequest;
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, U256};
use chaintill::engine::checkout::NewSession;
use chaintill::engine::clock::ManualClock;
use chaintill::engine::{chain, Service};
use std::time::Duration;

alloy::sol! {
    function mint(address to, uint256 value);
    function transfer(address to, uint256 value) returns (bool);
    function forward(address to);
}

/// Anvil's second account: unlocked, with ETH, and with no tokens.
fn broke() -> Address {
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
        .parse()
        .unwrap()
}

/// The next block is `minutes` after now (chain time: what expiry follows).
async fn next_block_in(p: &DynProvider, minutes: u64) {
    let at = chrono::Utc::now().timestamp() as u64 + minutes * 60;
    let _: serde_json::Value = p
        .raw_request("evm_setNextBlockTimestamp".into(), (at,))
        .await
        .unwrap();
}

/// A shop on `url` (15-minute expiry, 10 minutes' grace) whose clock the test moves.
async fn clocked_shop(url: &str) -> (ManualClock, crate::common::Shop, Service) {
    let clock = ManualClock::new(chrono::Utc::now());
    let (shop, svc) = shop(
        &config(url, "", "expiry_minutes = 15\nlate_grace_minutes = 10"),
        Some(clock.clone()),
    )
    .await;
    (clock, shop, svc)
}

/// A 10.00 sale that expires in a minute.
async fn one_minute_session(svc: &Service) -> chaintill::engine::checkout::model::CheckoutSession {
    svc.sessions_create(
        NewSession {
            expires_in_minutes: Some(1),
            ..NewSession::for_amount("10.00")
        },
        None,
    )
    .await
    .unwrap()
}

fn token_config(url: &str, token: Address, store: &str) -> String {
    let tokens = format!(
        "tokens = [{{ symbol = \"TUSD\", address = \"{token}\", decimals = 6, rate = {{ fixed = \"1.00\" }} }}]"
    );
    config(url, &tokens, store)
}

async fn send_call(p: &DynProvider, from: Address, to: Address, input: Vec<u8>) -> String {
    let tx = TransactionRequest::default()
        .with_from(from)
        .with_to(to)
        .with_input(input)
        .with_gas_limit(100_000);
    format!("{:#x}", p.send_transaction(tx).await.unwrap().tx_hash())
}

/// Case 1: a token transfer seen in the mempool that reverts once mined is removed from the
/// session (`session.reverted`), and the customer's real payment then pays it — not a false
/// `session.late_payment` on a session stuck in `detected`.
#[tokio::test]
async fn a_mempool_payment_that_reverts_is_removed_and_the_real_payment_pays() {
    let anvil = Anvil::start(&["--no-mining"]);
    let p = provider(&anvil.url).await;
    let ws = anvil.url.replace("http://", "ws://");
    let _: serde_json::Value = p
        .raw_request("evm_setAutomine".into(), (true,))
        .await
        .unwrap();
    let token = deploy(&p, "TestToken").await;
    let _: serde_json::Value = p
        .raw_request("evm_setAutomine".into(), (false,))
        .await
        .unwrap();
    let (_shop, svc) = shop(&token_config(&ws, token, ""), None).await;
    let stop = watch(&svc);
    mine(&p, 1).await;
    wait_processed(&svc, 2).await;
    let s = session(&svc, "12.50", Some("TUSD")).await;
    let to: Address = s.address.parse().unwrap();
    let pay_call = transferCall {
        to,
        value: U256::from(12_500_000u64),
    }
    .abi_encode();

    // From an account with no tokens: seen pending, then mined and reverted.
    send_call(&p, broke(), token, pay_call.clone()).await;
    wait_status(&svc, &s.id, "detected").await;
    mine(&p, 1).await;
    let back = wait_status(&svc, &s.id, "pending").await;
    assert!(back.payments.is_empty(), "{:?}", back.payments);
    assert_eq!(back.amount_due.atomic, "12500000");

    // The customer pays for real.
    let mint_call = mintCall {
        to: payer(),
        value: U256::from(100_000_000u64),
    }
    .abi_encode();
    send_call(&p, payer(), token, mint_call).await;
    send_call(&p, payer(), token, pay_call).await;
    mine(&p, 3).await;
    let paid = wait_status(&svc, &s.id, "paid").await;
    assert_eq!(paid.payments.len(), 1);
    assert!(!paid.payments[0].extra);
    let types = event_types(&svc, &s.id).await;
    assert_eq!(
        types,
        [
            "session.created",
            "session.detected",
            "session.reverted",
            "session.detected",
            "session.paid"
        ]
    );
    let _ = stop.send(true);
}

/// Case 1: a pending payment the node drops is removed once the deadline has passed, and the
/// session expires instead of staying `detected` forever.
#[tokio::test]
async fn a_dropped_mempool_payment_is_removed_at_the_deadline_and_the_session_expires() {
    let anvil = Anvil::start(&["--no-mining"]);
    let p = provider(&anvil.url).await;
    let ws = anvil.url.replace("http://", "ws://");
    let (clock, _shop, svc) = clocked_shop(&ws).await;
    let stop = watch(&svc);
    mine(&p, 1).await;
    wait_processed(&svc, 1).await;
    let s = session(&svc, "10.00", None).await;
    let tx = TransactionRequest::default()
        .with_from(payer())
        .with_to(s.address.parse().unwrap())
        .with_value(wei(&s));
    let hash = *p.send_transaction(tx).await.unwrap().tx_hash();
    wait_status(&svc, &s.id, "detected").await;

    let _: serde_json::Value = p
        .raw_request("anvil_dropTransaction".into(), (hash,))
        .await
        .unwrap();
    // Before the deadline an unknown transaction may still come back: it counts.
    mine(&p, 1).await;
    wait_processed(&svc, 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        svc.sessions_get(&s.id, None).await.unwrap().status.as_str(),
        "detected"
    );
    // After it, it is gone.
    clock.advance(chrono::Duration::minutes(16));
    next_block_in(&p, 16).await;
    mine(&p, 1).await;
    let expired = wait_status(&svc, &s.id, "expired").await;
    assert!(expired.payments.is_empty());
    assert_eq!(
        event_types(&svc, &s.id).await,
        ["session.created", "session.detected", "session.expired"]
    );
    let _ = stop.send(true);
}

/// Case 2: a session paid only in another asset expires at its deadline like one with none;
/// the foreign payment stays on it, flagged.
#[tokio::test]
async fn a_session_paid_only_in_another_asset_expires() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    let token = deploy(&p, "TestToken").await;
    let (_shop, svc) = shop(&token_config(&anvil.url, token, ""), None).await;
    let stop = watch(&svc);
    let s = one_minute_session(&svc).await;
    let wrong = mintCall {
        to: s.address.parse().unwrap(),
        value: U256::from(10_000_000u64),
    }
    .abi_encode();
    assert!(send(
        &p,
        TransactionRequest::default()
            .with_from(payer())
            .with_to(token)
            .with_input(wrong)
    )
    .await
    .status());
    wait_event(&svc, &s.id, "session.unexpected_payment").await;
    next_block_in(&p, 2).await;
    mine(&p, 1).await;
    let expired = wait_status(&svc, &s.id, "expired").await;
    assert_eq!(expired.payments.len(), 1);
    assert!(expired.payments[0].extra);
    assert_eq!(
        event_types(&svc, &s.id).await,
        [
            "session.created",
            "session.unexpected_payment",
            "session.expired"
        ]
    );
    let _ = stop.send(true);
}

/// Case 3: a smart-wallet payment (an internal transfer, which no block scan sees) mined just
/// before the deadline is `paid`, never `expired` first — even when the search for internal
/// transfers would otherwise run only much later.
#[tokio::test]
async fn a_smart_wallet_payment_just_before_the_deadline_is_paid_not_expired() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    let forwarder = deploy(&p, "Forwarder").await;
    let (_shop, svc) = shop(&config(&anvil.url, "", ""), None).await;
    let (stop, rx) = tokio::sync::watch::channel(false);
    chain::spawn_all(
        &svc,
        chain::Timing {
            poll: Duration::from_millis(50),
            reconcile_every: Duration::from_secs(3600),
        },
        rx,
    );
    mine(&p, 1).await;
    wait_processed(&svc, 2).await;
    let s = one_minute_session(&svc).await;
    let call = forwardCall {
        to: s.address.parse().unwrap(),
    }
    .abi_encode();
    assert!(send(
        &p,
        TransactionRequest::default()
            .with_from(payer())
            .with_to(forwarder)
            .with_value(wei(&s))
            .with_input(call),
    )
    .await
    .status());
    // The deadline passes on chain.
    next_block_in(&p, 2).await;
    mine(&p, 3).await;
    let paid = wait_status(&svc, &s.id, "paid").await;
    assert_eq!(paid.payments.len(), 1);
    let types = event_types(&svc, &s.id).await;
    assert!(!types.iter().any(|t| t == "session.expired"), "{types:?}");
    let _ = stop.send(true);
}

/// Case 4: a payment made in time, reorged out and included again after the deadline keeps
/// its first-seen time: `paid`, never `expired` or `paid_late`.
#[tokio::test]
async fn a_payment_reorged_out_and_included_again_late_keeps_its_first_seen_time() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    let (clock, _shop, svc) = clocked_shop(&anvil.url).await;
    mine(&p, 3).await;
    let stop = watch(&svc);
    wait_processed(&svc, 3).await;
    let s = session(&svc, "10.00", None).await;
    let snapshot: String = p.raw_request("evm_snapshot".into(), ()).await.unwrap();
    let tx = TransactionRequest::default()
        .with_from(payer())
        .with_to(s.address.parse().unwrap())
        .with_value(wei(&s));
    let receipt = send(&p, tx).await;
    wait_status(&svc, &s.id, "detected").await;
    let raw: alloy_primitives::Bytes = p
        .raw_request(
            "eth_getRawTransactionByHash".into(),
            (receipt.transaction_hash,),
        )
        .await
        .unwrap();

    // The block leaves the chain; the same transaction is included again 20 minutes later.
    let reverted: bool = p
        .raw_request("evm_revert".into(), (snapshot,))
        .await
        .unwrap();
    assert!(reverted);
    clock.advance(chrono::Duration::minutes(20));
    next_block_in(&p, 20).await;
    let _: serde_json::Value = p
        .raw_request("eth_sendRawTransaction".into(), (raw,))
        .await
        .unwrap();
    mine(&p, 3).await;
    let paid = wait_status(&svc, &s.id, "paid").await;
    assert_eq!(paid.payments.len(), 1);
    let types = event_types(&svc, &s.id).await;
    assert!(
        !types
            .iter()
            .any(|t| t == "session.expired" || t == "session.paid_late"),
        "{types:?}"
    );
    assert_eq!(types.last().map(String::as_str), Some("session.paid"));
    let _ = stop.send(true);
}

/// Case 5: a mined token payment counts what its `Transfer` log delivered, not what the pending
/// transfer call announced (a fee-on-transfer token keeps 1 %).
#[tokio::test]
async fn a_mined_token_payment_counts_what_its_transfer_log_delivered() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    let ws = anvil.url.replace("http://", "ws://");
    let token = deploy(&p, "FeeToken").await;
    let mint_call = mintCall {
        to: payer(),
        value: U256::from(100_000_000u64),
    }
    .abi_encode();
    send_call(&p, payer(), token, mint_call).await;
    let _: serde_json::Value = p
        .raw_request("evm_setAutomine".into(), (false,))
        .await
        .unwrap();
    let (_shop, svc) = shop(&token_config(&ws, token, ""), None).await;
    let stop = watch(&svc);
    mine(&p, 1).await;
    wait_processed(&svc, 3).await;
    let s = session(&svc, "12.50", Some("TUSD")).await;
    let call = transferCall {
        to: s.address.parse().unwrap(),
        value: U256::from(12_500_000u64),
    }
    .abi_encode();
    send_call(&p, payer(), token, call).await;
    let seen = wait_status(&svc, &s.id, "detected").await;
    assert_eq!(seen.payments[0].amount.atomic, "12500000", "as announced");
    mine(&p, 3).await;
    let short = wait_status(&svc, &s.id, "underpaid").await;
    assert_eq!(short.payments.len(), 1);
    assert_eq!(short.payments[0].amount.atomic, "12375000");
    assert_eq!(short.amount_received.atomic, "12375000");
    assert_eq!(short.amount_due.atomic, "125000");
    let _ = stop.send(true);
}

/// Case 6: every commit is synced to disk (an address allocation survives a power cut).
#[tokio::test]
async fn every_commit_reaches_the_disk() {
    let anvil = Anvil::start(&[]);
    let (_shop, svc) = shop(&config(&anvil.url, "", ""), None).await;
    let level: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(svc.pool())
        .await
        .unwrap();
    assert_eq!(level, 2, "synchronous = FULL");
}
