//! The soak (issue 16): a seeded, fault-injecting run against the real parts — anvil with 1 s
//! blocks behind a TCP relay the test cuts, `chaintill serve` (SIGKILLed and restarted), and a
//! webhook receiver that verifies both signature schemes and fails on a schedule. An order system
//! creates sessions through the API with Idempotency-Keys and retries every error; customers pay
//! native and token: exact, short then topped up, over, late, never, in the wrong asset, through a
//! contract, sped up, reverted then paid, dropped by the node then paid, or the order is
//! canceled. Reorgs (1 to 3 blocks, deeper than the 2 confirmations) take blocks with payments
//! off the chain; their transactions come back as a node's pool would bring them back. At the
//! end it prints a table and fails on any breach of SPEC §10.
//!
//! `make test` runs `SOAK_SESSIONS` = 40 with 2 SIGKILLs; `make soak` 300 with 12
//! (`SOAK_SESSIONS`, `SOAK_KILLS`, `SOAK_SEED` set them).

use crate::chain::{deploy, Anvil, Relay};
use crate::common::Shop;
use alloy::network::TransactionBuilder;
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::TransactionRequest;
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, U256};
use axum::body::Bytes;
use axum::http::HeaderMap;
use chaintill::engine::webhooks::signing;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

alloy::sol! {
    function mint(address to, uint256 value);
    function transfer(address to, uint256 value) returns (bool);
    function forward(address to);
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What a customer does with a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Exact,
    ExactToken,
    ShortThenTopUp,
    Over,
    OverToken,
    Late,
    Never,
    WrongAsset,
    Contract,
    SpedUp,
    CanceledThenPaid,
    RevertedThenPaid,
    DroppedThenPaid,
    Canceled,
}

const KINDS: [Kind; 14] = [
    Kind::Exact,
    Kind::ExactToken,
    Kind::ShortThenTopUp,
    Kind::Over,
    Kind::OverToken,
    Kind::Late,
    Kind::Never,
    Kind::WrongAsset,
    Kind::Contract,
    Kind::SpedUp,
    Kind::CanceledThenPaid,
    Kind::RevertedThenPaid,
    Kind::DroppedThenPaid,
    Kind::Canceled,
];

impl Kind {
    fn token(self) -> bool {
        matches!(
            self,
            Kind::ExactToken | Kind::OverToken | Kind::RevertedThenPaid
        )
    }

    /// The expiry of sessions that must end within the soak: 1 minute for those whose end is
    /// their deadline; 2 for a dropped payment, which leaves its session at the deadline (+
    /// grace) while its customer, queued behind the others' paused blocks, pays in time.
    fn expiry_minutes(self) -> Option<u32> {
        match self {
            Kind::Late | Kind::Never | Kind::WrongAsset => Some(1),
            Kind::DroppedThenPaid => Some(2),
            _ => None,
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Kind::Exact
            | Kind::ExactToken
            | Kind::ShortThenTopUp
            | Kind::Contract
            | Kind::SpedUp
            | Kind::CanceledThenPaid
            | Kind::RevertedThenPaid
            | Kind::DroppedThenPaid => "paid",
            Kind::Over | Kind::OverToken => "overpaid",
            Kind::Late => "paid_late",
            Kind::Never | Kind::WrongAsset => "expired",
            Kind::Canceled => "canceled",
        }
    }
}

/// How the webhook receiver answers now.
#[derive(Clone, Copy)]
#[repr(u8)]
enum Mode {
    Ok = 0,
    Error500 = 1,
    TooMany = 2,
    Slow = 3,
    Down = 4,
}

/// The receiver's findings.
#[derive(Default)]
struct Received {
    /// Event id → type, for every request whose both signatures verified.
    events: HashMap<String, String>,
    bad_signatures: usize,
    requests: usize,
}

async fn start_receiver(
    secret: Arc<Mutex<String>>,
    mode: Arc<AtomicU8>,
    received: Arc<Mutex<Received>>,
) -> String {
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
        let (secret, mode, received) = (secret.clone(), mode.clone(), received.clone());
        async move {
            let secret = secret.lock().unwrap().clone();
            let now = chrono::Utc::now().timestamp();
            let h = |n: &str| {
                headers
                    .get(n)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string()
            };
            let verified =
                signing::verify_x_signature(&h("x-webhook-signature"), &body, &secret, now)
                    .and_then(|()| {
                        signing::verify_standard(
                            &h("webhook-id"),
                            &h("webhook-timestamp"),
                            &h("webhook-signature"),
                            &body,
                            &secret,
                            now,
                        )
                    });
            let event: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let m = mode.load(Ordering::SeqCst);
            {
                let mut r = received.lock().unwrap();
                r.requests += 1;
                match verified {
                    Ok(()) if m == Mode::Ok as u8 => {
                        r.events.insert(
                            event["id"].as_str().unwrap_or("").to_string(),
                            event["type"].as_str().unwrap_or("").to_string(),
                        );
                    }
                    Ok(()) => {}
                    Err(_) => r.bad_signatures += 1,
                }
            }
            let code = match m {
                0 => 200,
                1 => 500,
                2 => 429,
                3 => {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    200
                }
                _ => 503,
            };
            axum::http::StatusCode::from_u16(code).unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// The engine under test, restartable; killed when the soak ends.
struct Engine {
    shop: Arc<Shop>,
    child: Mutex<Option<std::process::Child>>,
}

impl Engine {
    fn start(&self) {
        let (child, _) = self.shop.serve_api();
        *self.child.lock().unwrap() = Some(child);
    }

    fn kill(&self) {
        if let Some(mut c) = self.child.lock().unwrap().take() {
            let _ = c.kill(); // SIGKILL: no chance to clean up
            let _ = c.wait();
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What the order system saw from the API.
#[derive(Default)]
struct ApiLog {
    answers: BTreeMap<u16, usize>,
    transport_errors: usize,
}

/// POSTs until a final answer (2xx or 4xx), retrying connection errors, 409 and 5xx.
async fn post(
    http: &reqwest::Client,
    url: &str,
    key: &str,
    idem: &str,
    body: &Value,
    log: &Mutex<ApiLog>,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(Instant::now() < deadline, "no answer for {url} in 120 s");
        let res = http
            .post(url)
            .bearer_auth(key)
            .header("Idempotency-Key", idem)
            .json(body)
            .timeout(Duration::from_secs(10))
            .send()
            .await;
        match res {
            Ok(r) => {
                let code = r.status().as_u16();
                *log.lock().unwrap().answers.entry(code).or_default() += 1;
                if r.status().is_success() {
                    return r.json().await.unwrap();
                }
                assert!(
                    code == 409 || code >= 500,
                    "{url} refused: {code} {}",
                    r.text().await.unwrap_or_default()
                );
            }
            Err(_) => log.lock().unwrap().transport_errors += 1,
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// One customer payment as the chain took it.
struct Transfer {
    session: String,
    tx_hash: String,
}

struct Chain {
    p: DynProvider,
    token: Address,
    forwarder: Address,
    accounts: Vec<Address>,
    transfers: Mutex<Vec<Transfer>>,
    /// One sender at a time per account while its transaction enters the pool (nonces).
    senders: HashMap<Address, tokio::sync::Mutex<()>>,
    /// Every send holds it shared; a reorg or a dropped transaction (block production paused)
    /// holds it alone: anvil forgets a reorged block's transactions, and a transaction sent
    /// meanwhile could be evicted with them (its sender's funds not yet back).
    gate: tokio::sync::RwLock<()>,
    /// Transactions the reorgs took off the chain (each sent again).
    reorged: std::sync::atomic::AtomicUsize,
}

impl Chain {
    /// Sends and waits for the receipt; records a successful transfer to `session`.
    async fn send(&self, session: &str, tx: TransactionRequest) -> bool {
        let from = tx.from.unwrap_or_default();
        let pending = {
            let _open = self.gate.read().await;
            match self.senders.get(&from) {
                Some(sender) => {
                    let _turn = sender.lock().await;
                    self.p.send_transaction(tx).await
                }
                None => self.p.send_transaction(tx).await, // a customer's own account
            }
        };
        match pending {
            Ok(pending) => self.receipt(session, pending).await,
            Err(e) => {
                eprintln!("soak: a transaction for {session} was refused: {e}");
                false
            }
        }
    }

    /// Waits for `pending`'s receipt; records a successful transfer to `session`.
    async fn receipt(
        &self,
        session: &str,
        pending: alloy::providers::PendingTransactionBuilder<alloy::network::Ethereum>,
    ) -> bool {
        // A transaction that never comes back is the harness's fault: say which, never hang.
        let receipt = match pending
            .with_timeout(Some(Duration::from_secs(120)))
            .get_receipt()
            .await
        {
            Ok(r) => r,
            Err(e) => {
                eprintln!("soak: no receipt for a transaction of {session}: {e}");
                return false;
            }
        };
        if receipt.status() {
            self.transfers.lock().unwrap().push(Transfer {
                session: session.to_string(),
                tx_hash: format!("{:#x}", receipt.transaction_hash),
            });
        }
        receipt.status()
    }

    /// A new account of the customer's own (random, funded by `payer`, impersonated on anvil):
    /// a wallet that sets its nonces itself shares them with nobody.
    async fn own_account(&self, payer: Address) -> Address {
        let own = Address::from(rand::random::<[u8; 20]>());
        let fund = self.native(payer, own, U256::from(10u64).pow(U256::from(18u64)));
        let funded = {
            let _open = self.gate.read().await;
            let _turn = self.senders[&payer].lock().await;
            self.p.send_transaction(fund).await.unwrap()
        };
        assert!(funded.get_receipt().await.unwrap().status());
        let _: Value = self
            .p
            .raw_request("anvil_impersonateAccount".into(), (own,))
            .await
            .unwrap();
        own
    }

    /// Sends `first` with a low fee, then `second` with the same nonce (0, from the customer's
    /// own account) and a higher one; waits until one of them is mined and records it as a
    /// transfer if it pays `to`. Whether the one mined pays `to`.
    async fn replace(
        &self,
        session: &str,
        to: Address,
        first: TransactionRequest,
        second: TransactionRequest,
    ) -> bool {
        let from = first.from.unwrap_or_default();
        let fee = |tx: TransactionRequest, max: u128, tip: u128| {
            tx.with_nonce(0)
                .with_max_fee_per_gas(max)
                .with_max_priority_fee_per_gas(tip)
                .with_gas_limit(21_000)
        };
        {
            let _open = self.gate.read().await;
            // The second is refused if the first was already mined (its nonce is used).
            if let Err(e) = self
                .p
                .send_transaction(fee(first, 30_000_000_000, 1_000_000))
                .await
            {
                eprintln!("soak: the first of {from}'s two transactions was refused: {e}");
            }
            if let Err(e) = self
                .p
                .send_transaction(fee(second, 90_000_000_000, 2_000_000_000))
                .await
            {
                eprintln!("soak: the second of {from}'s two transactions was refused: {e}");
            }
        }
        let (tx_hash, paid_to) = mined_with_nonce(&self.p, from, 0).await;
        let pays = paid_to == Some(to);
        if pays {
            self.transfers.lock().unwrap().push(Transfer {
                session: session.to_string(),
                tx_hash,
            });
        }
        pays
    }

    /// Pauses (`false`) or resumes (`true`) anvil's one-second blocks. Anvil stamps each block
    /// one second after the last, so a pause would leave its clock behind; a real chain's next
    /// block after a stall carries the time it is made, and so does this one's.
    async fn mining(&self, on: bool) {
        if on {
            let last = self
                .p
                .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
                .await
                .unwrap()
                .unwrap()
                .header
                .timestamp;
            let now = chrono::Utc::now().timestamp() as u64;
            let _: Value = self
                .p
                .raw_request("evm_setNextBlockTimestamp".into(), (now.max(last + 1),))
                .await
                .unwrap();
        }
        let _: Value = self
            .p
            .raw_request("evm_setIntervalMining".into(), (u64::from(on),))
            .await
            .unwrap();
    }

    /// Sends `tx` while no block is made, holds it in the pool for `seen` (the engine sees it
    /// pending), then the node drops it: it is never mined.
    async fn dropped(&self, tx: TransactionRequest, seen: Duration) {
        let _alone = self.gate.write().await;
        self.mining(false).await;
        let hash = match self.p.send_transaction(tx).await {
            Ok(pending) => Some(*pending.tx_hash()),
            Err(e) => {
                eprintln!("soak: a transaction to be dropped was refused: {e}");
                None
            }
        };
        tokio::time::sleep(seen).await;
        if let Some(hash) = hash {
            let _: Value = self
                .p
                .raw_request("anvil_dropTransaction".into(), (hash,))
                .await
                .unwrap();
        }
        self.mining(true).await;
    }

    /// A reorg of `depth` blocks: the chain replaces its last blocks with empty ones, and their
    /// transactions come back into the pool (as a node's own pool brings them back) to be mined
    /// again, block by block, in their order. Anvil forgets them, and evicts pending
    /// transactions whose sender's funding left with the reorged blocks (as geth does): those
    /// are sent again too, as a wallet rebroadcasts. Returns how many could not be.
    async fn reorg(&self, depth: u64) -> usize {
        let _alone = self.gate.write().await;
        self.mining(false).await;
        let head = self.p.get_block_number().await.unwrap();
        let mut orphaned = Vec::new();
        for n in head + 1 - depth.min(head)..=head {
            let block = self.p.get_block_by_number(n.into()).full().await.unwrap();
            let mut txs = Vec::new();
            for tx in block.unwrap().transactions.txns() {
                txs.push(self.with_raw(tx.clone()).await);
            }
            orphaned.push(txs);
        }
        let pending = self.pending().await;
        let _: Value = self
            .p
            .raw_request("anvil_reorg".into(), (depth, Vec::<Value>::new()))
            .await
            .unwrap();
        let count = orphaned.iter().map(Vec::len).sum();
        self.reorged.fetch_add(count, Ordering::SeqCst);
        let mut lost = 0;
        // Block by block, each mined before the next is sent: a customer's own account is
        // funded in an earlier block than it pays from, and a node checks the balance on entry.
        for txs in orphaned.into_iter().chain([pending]) {
            for (tx, raw) in &txs {
                if !self.send_again(tx, raw.clone()).await {
                    lost += 1;
                }
            }
            let _: Value = self.p.raw_request("evm_mine".into(), ()).await.unwrap();
        }
        self.mining(true).await;
        lost
    }

    /// The pool's pending transactions, each with its signed bytes where it has them.
    async fn pending(
        &self,
    ) -> Vec<(
        alloy::rpc::types::Transaction,
        Option<alloy_primitives::Bytes>,
    )> {
        let pool: Value = self
            .p
            .raw_request("txpool_content".into(), ())
            .await
            .unwrap();
        let mut txs: Vec<alloy::rpc::types::Transaction> = pool["pending"]
            .as_object()
            .into_iter()
            .flat_map(|senders| senders.values())
            .filter_map(|by_nonce| by_nonce.as_object())
            .flat_map(|by_nonce| by_nonce.values())
            .filter_map(|t| serde_json::from_value(t.clone()).ok())
            .collect();
        txs.sort_by_key(|t| {
            use alloy::consensus::Transaction as _;
            use alloy::network::TransactionResponse;
            (t.from(), t.nonce())
        });
        let mut out = Vec::new();
        for tx in txs {
            out.push(self.with_raw(tx).await);
        }
        out
    }

    /// `tx` with its signed bytes if a dev account signed it (an impersonated account's carry
    /// no real signature: those are sent again by their fields).
    async fn with_raw(
        &self,
        tx: alloy::rpc::types::Transaction,
    ) -> (
        alloy::rpc::types::Transaction,
        Option<alloy_primitives::Bytes>,
    ) {
        use alloy::network::TransactionResponse;
        let raw = if self.accounts.contains(&tx.from()) {
            self.p
                .raw_request("eth_getRawTransactionByHash".into(), (tx.tx_hash(),))
                .await
                .unwrap()
        } else {
            None
        };
        (tx, raw)
    }

    /// Sends `tx` again (same hash); whether the pool has it now.
    async fn send_again(
        &self,
        tx: &alloy::rpc::types::Transaction,
        raw: Option<alloy_primitives::Bytes>,
    ) -> bool {
        use alloy::consensus::Transaction as _;
        use alloy::network::TransactionResponse;
        let sent: Result<Value, _> = match raw {
            Some(raw) => {
                self.p
                    .raw_request("eth_sendRawTransaction".into(), (raw,))
                    .await
            }
            None => {
                let fields = json!({
                    "from": tx.from(), "to": tx.to(), "value": tx.value(),
                    "input": tx.input(), "nonce": format!("{:#x}", tx.nonce()),
                    "gas": format!("{:#x}", tx.gas_limit()),
                    "maxFeePerGas": format!("{:#x}", alloy::consensus::Transaction::max_fee_per_gas(tx)),
                    "maxPriorityFeePerGas":
                        format!("{:#x}", tx.max_priority_fee_per_gas().unwrap_or(0)),
                    "type": "0x2",
                });
                self.p
                    .raw_request("eth_sendTransaction".into(), (fields,))
                    .await
            }
        };
        let mined = || async {
            matches!(
                self.p.get_transaction_receipt(tx.tx_hash()).await,
                Ok(Some(_))
            )
        };
        match sent {
            Ok(_) => true,
            // Still in the pool (it was not evicted), or mined with an earlier re-mined block.
            Err(e) if e.to_string().contains("already") => true,
            Err(_) if mined().await => true,
            Err(e) => {
                eprintln!(
                    "soak: {:#x} was not taken again after the reorg: {e}",
                    tx.tx_hash()
                );
                false
            }
        }
    }

    fn native(&self, from: Address, to: Address, wei: U256) -> TransactionRequest {
        TransactionRequest::default()
            .with_from(from)
            .with_to(to)
            .with_value(wei)
    }

    fn token_transfer(&self, from: Address, to: Address, amount: U256) -> TransactionRequest {
        TransactionRequest::default()
            .with_from(from)
            .with_to(self.token)
            .with_input(transferCall { to, value: amount }.abi_encode())
            .with_gas_limit(100_000)
    }
}

/// Pays session `s` as `kind` does; `created` is when it was created.
async fn customer(chain: Arc<Chain>, kind: Kind, s: Value, payer: Address, created: Instant) {
    let id = s["id"].as_str().unwrap().to_string();
    let to: Address = s["address"].as_str().unwrap().parse().unwrap();
    let amount: U256 = s["amount"]["atomic"].as_str().unwrap().parse().unwrap();
    let half = amount / U256::from(2);
    let c = &chain;
    match kind {
        Kind::Exact => assert!(c.send(&id, c.native(payer, to, amount)).await),
        Kind::ExactToken => assert!(c.send(&id, c.token_transfer(payer, to, amount)).await),
        Kind::ShortThenTopUp => {
            assert!(c.send(&id, c.native(payer, to, half)).await);
            tokio::time::sleep(Duration::from_secs(3)).await;
            assert!(c.send(&id, c.native(payer, to, amount - half)).await);
        }
        Kind::Over => assert!(c.send(&id, c.native(payer, to, amount + half)).await),
        Kind::OverToken => assert!(
            c.send(&id, c.token_transfer(payer, to, amount + half))
                .await
        ),
        Kind::Late => {
            // After its 1-minute expiry, within the grace.
            tokio::time::sleep_until((created + Duration::from_secs(70)).into()).await;
            assert!(c.send(&id, c.native(payer, to, amount)).await);
        }
        Kind::Never | Kind::Canceled => {}
        Kind::WrongAsset => {
            let tokens = U256::from(5_000_000u64);
            assert!(c.send(&id, c.token_transfer(payer, to, tokens)).await);
        }
        Kind::Contract => {
            let tx = TransactionRequest::default()
                .with_from(payer)
                .with_to(c.forwarder)
                .with_value(amount)
                .with_input(forwardCall { to }.abi_encode());
            assert!(c.send(&id, tx).await);
        }
        Kind::SpedUp => {
            // The wallet's "speed up": the same payment again, same nonce, higher fee. One of
            // the two pays.
            let own = c.own_account(payer).await;
            let first = c.native(own, to, amount);
            assert!(c.replace(&id, to, first.clone(), first).await);
        }
        Kind::CanceledThenPaid => {
            // The wallet's "cancel": the same nonce to itself with no value and a higher fee;
            // then the customer pays for real (unless the payment was mined first: it stands).
            let own = c.own_account(payer).await;
            let cancel = c.native(own, own, U256::ZERO);
            if !c.replace(&id, to, c.native(own, to, amount), cancel).await {
                tokio::time::sleep(Duration::from_secs(2)).await;
                assert!(c.send(&id, c.native(own, to, amount)).await);
            }
        }
        Kind::RevertedThenPaid => {
            // From an account with no tokens: mined, reverted, then the real payment.
            let broke = *c.accounts.last().unwrap();
            assert!(!c.send(&id, c.token_transfer(broke, to, amount)).await);
            assert!(c.send(&id, c.token_transfer(payer, to, amount)).await);
        }
        Kind::DroppedThenPaid => {
            // Seen pending, dropped by the node (never mined), then paid from another wallet:
            // the retry is the payment, never `extra`.
            let own = c.own_account(payer).await;
            c.dropped(c.native(own, to, amount), Duration::from_secs(2))
                .await;
            tokio::time::sleep(Duration::from_secs(1)).await;
            assert!(c.send(&id, c.native(payer, to, amount)).await);
        }
    }
}

/// The mined transaction of `from` with `nonce` (waiting up to a minute): its hash and recipient.
/// Looked for again until found: a reorg can take it off the chain between the count and the
/// search, to be mined again a moment later.
async fn mined_with_nonce(p: &DynProvider, from: Address, nonce: u64) -> (String, Option<Address>) {
    use alloy::consensus::Transaction as _;
    use alloy::network::TransactionResponse;
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if p.get_transaction_count(from).await.unwrap() > nonce {
            let head = p.get_block_number().await.unwrap();
            for n in (head.saturating_sub(120)..=head).rev() {
                let Some(block) = p.get_block_by_number(n.into()).full().await.unwrap() else {
                    continue; // the head moved back under us (a reorg)
                };
                for tx in block.transactions.txns() {
                    if tx.from() == from && tx.nonce() == nonce {
                        return (format!("{:#x}", tx.tx_hash()), tx.to());
                    }
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pool: Value = p
        .raw_request("txpool_inspect".into(), ())
        .await
        .unwrap_or_default();
    panic!(
        "no transaction of {from} with nonce {nonce} mined within a minute (head {}; pending in \
         the pool: {})",
        p.get_block_number().await.unwrap(),
        pool["pending"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn soak_every_session_ends_right_under_faults() {
    let sessions = env_or("SOAK_SESSIONS", 40) as usize;
    let kills = env_or("SOAK_KILLS", 2) as usize;
    let seed = env_or("SOAK_SEED", 1);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let started = Instant::now();

    // The chain: 1 s blocks; the engine reaches it through a relay the test cuts.
    let anvil = Anvil::start(&["--block-time", "1"]);
    let p = crate::chain::provider(&anvil.url).await;
    let relay = Relay::start(&anvil.url).await;
    let token = deploy(&p, "TestToken").await;
    let forwarder = deploy(&p, "Forwarder").await;
    let accounts: Vec<Address> = p.get_accounts().await.unwrap();
    for a in &accounts[1..accounts.len() - 1] {
        let tx = TransactionRequest::default()
            .with_from(accounts[0])
            .with_to(token)
            .with_input(
                mintCall {
                    to: *a,
                    value: U256::from(10u64).pow(U256::from(15u64)),
                }
                .abi_encode(),
            );
        p.send_transaction(tx)
            .await
            .unwrap()
            .get_receipt()
            .await
            .unwrap();
    }

    // The shop: a fixed port (the order system finds the engine again after each restart) and
    // a short retry schedule, so the end is not hours away.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ws = relay.url.replace("http://", "ws://");
    let config = format!(
        "[store]\nexpiry_minutes = 30\nlate_grace_minutes = 2\n\n[api]\nbind = \"127.0.0.1:{port}\"\nrate_limit_per_second = 0\n\n\
         [webhooks]\nretry_schedule_secs = [0, 1, 1, 2, 2, 3, 3, 3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]\ntimeout_secs = 2\n\n\
         [[networks]]\nid = \"local\"\nname = \"Local devnet\"\nchain_id = 31337\nrpc_urls = [\"{ws}\"]\nconfirmations = 2\n\
         native = {{ symbol = \"ETH\", decimals = 18, display_decimals = 6, rate = {{ fixed = \"3000.00\" }} }}\n\
         tokens = [{{ symbol = \"TUSD\", address = \"{token}\", decimals = 6, rate = {{ fixed = \"1.00\" }} }}]\n"
    );
    let shop = Arc::new(Shop::empty());
    std::fs::write(shop.path().join("chaintill.toml"), config).unwrap();
    shop.ok(&["wallet", "create"]);
    let key = shop
        .ok(&["keys", "create", "--mode", "test"])
        .trim()
        .to_string();
    let mode = Arc::new(AtomicU8::new(Mode::Ok as u8));
    let received: Arc<Mutex<Received>> = Arc::default();
    let secret: Arc<Mutex<String>> = Arc::default();
    let hook = start_receiver(secret.clone(), mode.clone(), received.clone()).await;
    let added = shop.ok(&["webhooks", "add", "--url", &hook]);
    *secret.lock().unwrap() = added
        .split_whitespace()
        .find(|w| w.starts_with("whsec_"))
        .unwrap()
        .to_string();
    let engine = Arc::new(Engine {
        shop: shop.clone(),
        child: Mutex::new(None),
    });
    engine.start();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let api_log: Arc<Mutex<ApiLog>> = Arc::default();
    let chain = Arc::new(Chain {
        p: p.clone(),
        token,
        forwarder,
        accounts: accounts.clone(),
        transfers: Mutex::default(),
        senders: accounts.iter().map(|a| (*a, Default::default())).collect(),
        gate: Default::default(),
        reorged: Default::default(),
    });

    // Faults, on a seeded schedule, while the sales run.
    let faults_until = Instant::now() + Duration::from_secs(75);
    let injected: Arc<Mutex<BTreeMap<&'static str, usize>>> = Arc::default();
    let lost_in_reorgs: Arc<Mutex<usize>> = Arc::default();
    let fault_seed = rng.gen::<u64>();
    let faults = {
        let (engine, mode, injected) = (engine.clone(), mode.clone(), injected.clone());
        let (chain, lost) = (chain.clone(), lost_in_reorgs.clone());
        let relay = Arc::new(relay);
        let relay2 = relay.clone();
        let task = tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(fault_seed);
            let kill_every = 70.0 / (kills.max(1) as f64);
            let mut next_kill =
                Instant::now() + Duration::from_secs_f64(kill_every * rng.gen_range(0.3..1.0));
            let mut killed = 0;
            let mut cuts = 0;
            let mut reorgs = 0;
            while Instant::now() < faults_until {
                let bump = |k: &'static str| *injected.lock().unwrap().entry(k).or_default() += 1;
                if killed < kills && Instant::now() >= next_kill {
                    engine.kill();
                    bump("engine SIGKILLed");
                    tokio::time::sleep(Duration::from_millis(rng.gen_range(300..2500))).await;
                    engine.start();
                    killed += 1;
                    next_kill = Instant::now()
                        + Duration::from_secs_f64(kill_every * rng.gen_range(0.5..1.2));
                }
                let m = match rng.gen_range(0..10) {
                    0..=4 => Mode::Ok,
                    5 => Mode::Error500,
                    6 => Mode::TooMany,
                    7 => Mode::Slow,
                    _ => Mode::Down,
                };
                mode.store(m as u8, Ordering::SeqCst);
                bump(match m {
                    Mode::Ok => "receiver ok",
                    Mode::Error500 => "receiver 500",
                    Mode::TooMany => "receiver 429",
                    Mode::Slow => "receiver slow (timeout)",
                    Mode::Down => "receiver down (503)",
                });
                if reorgs < 4 && rng.gen_bool(0.2) {
                    let depth = rng.gen_range(1..=3);
                    *lost.lock().unwrap() += chain.reorg(depth).await;
                    bump(match depth {
                        1 => "reorg, 1 block",
                        2 => "reorg, 2 blocks",
                        _ => "reorg, 3 blocks (deeper than the confirmations)",
                    });
                    reorgs += 1;
                }
                if cuts < 3 && rng.gen_bool(0.15) {
                    relay2.cut();
                    bump("RPC cut");
                    tokio::time::sleep(Duration::from_millis(rng.gen_range(1000..5000))).await;
                    relay2.restore();
                    cuts += 1;
                } else {
                    tokio::time::sleep(Duration::from_millis(rng.gen_range(1500..4000))).await;
                }
            }
            if reorgs == 0 {
                *lost.lock().unwrap() += chain.reorg(2).await;
                bump_now(&injected, "reorg, 2 blocks");
            }
            while killed < kills {
                engine.kill();
                bump_now(&injected, "engine SIGKILLed");
                tokio::time::sleep(Duration::from_millis(800)).await;
                engine.start();
                killed += 1;
            }
            mode.store(Mode::Ok as u8, Ordering::SeqCst);
            relay2.restore();
        });
        (task, relay)
    };

    // The order system creates the sessions (retrying through every fault); customers pay.
    // Every kind at least once, then at random.
    let kinds: Vec<Kind> = (0..sessions)
        .map(|i| {
            KINDS[if i < KINDS.len() {
                i
            } else {
                rng.gen_range(0..KINDS.len())
            }]
        })
        .collect();
    // Orders come in over 40 s, so the engine's deaths meet them half-way.
    let pace = Duration::from_secs(40) / sessions.max(1) as u32;
    let created: Arc<Mutex<Vec<(Kind, Value)>>> = Arc::default();
    let mut customers = Vec::new();
    let payers = &accounts[1..accounts.len() - 1];
    for (i, kind) in kinds.iter().copied().enumerate() {
        let mut body = json!({"amount": {"value": format!("{}.{:02}", rng.gen_range(1..40), rng.gen_range(0..100))},
                              "metadata": {"orderId": format!("soak-{seed}-{i}")}});
        if kind.token() {
            body["asset"] = json!("TUSD");
        }
        if let Some(minutes) = kind.expiry_minutes() {
            body["expiresInMinutes"] = json!(minutes);
        }
        tokio::time::sleep(pace).await;
        let url = format!("{base}/api/v1/checkout_sessions");
        let s = post(
            &http,
            &url,
            &key,
            &format!("soak-{seed}-{i}"),
            &body,
            &api_log,
        )
        .await;
        let at = Instant::now();
        created.lock().unwrap().push((kind, s.clone()));
        if kind == Kind::Canceled {
            let url = format!(
                "{base}/api/v1/checkout_sessions/{}/cancel",
                s["id"].as_str().unwrap()
            );
            post(
                &http,
                &url,
                &key,
                &format!("soak-cancel-{seed}-{i}"),
                &json!({}),
                &api_log,
            )
            .await;
            continue;
        }
        let payer = payers[i % payers.len()];
        let delay = Duration::from_millis(rng.gen_range(0..15_000));
        let chain = chain.clone();
        customers.push(tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            customer(chain, kind, s, payer, at).await;
        }));
    }
    for c in customers {
        c.await.unwrap();
    }
    let (fault_task, _relay) = faults;
    fault_task.await.unwrap();

    // Everything settles: each session reaches the status its payments and times demand, with
    // extra payments only where a customer sent them (the wrong asset); a dropped payment
    // leaves its session once the deadline has passed.
    let svc = chaintill::engine::Service::open(shop.path()).await.unwrap();
    let created = created.lock().unwrap().clone();
    let deadline = Instant::now() + Duration::from_secs(240);
    let (mut wrong, mut false_extra): (Vec<String>, Vec<String>);
    loop {
        (wrong, false_extra) = (Vec::new(), Vec::new());
        for (kind, s) in &created {
            let now = svc
                .sessions_get(s["id"].as_str().unwrap(), None)
                .await
                .unwrap();
            if now.status.as_str() != kind.expected() {
                wrong.push(format!(
                    "{kind:?} {} is {} (want {})",
                    now.id,
                    now.status.as_str(),
                    kind.expected()
                ));
            }
            let extra = now.payments.iter().filter(|p| p.extra).count();
            if extra != usize::from(*kind == Kind::WrongAsset) {
                false_extra.push(format!("{kind:?} {} has {extra} extra payments", now.id));
            }
        }
        if wrong.is_empty() && false_extra.is_empty() || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // Every on-chain transfer to a session address is on its session (and each is still on the
    // chain after the reorgs).
    let mut missing = Vec::new();
    let transfers: Vec<(String, String)> = chain
        .transfers
        .lock()
        .unwrap()
        .iter()
        .map(|t| (t.session.clone(), t.tx_hash.clone()))
        .collect();
    for (session, tx_hash) in transfers {
        let on_chain = p
            .get_transaction_receipt(tx_hash.parse().unwrap())
            .await
            .unwrap()
            .is_some_and(|r| r.status());
        if !on_chain {
            missing.push(format!("{tx_hash} of {session} is no longer on the chain"));
            continue;
        }
        let s = svc.sessions_get(&session, None).await.unwrap();
        if !s.payments.iter().any(|p| p.tx_hash == tx_hash) {
            missing.push(format!("{tx_hash} not on {session}"));
        }
    }
    // No late or unexpected payment raised where no customer sent one (only the wrong asset's).
    let flagged: Vec<(String, String)> = sqlx::query_as(
        "SELECT session_id, type FROM events \
         WHERE type IN ('session.late_payment', 'session.unexpected_payment')",
    )
    .fetch_all(svc.pool())
    .await
    .unwrap();
    let false_flags: Vec<String> = flagged
        .into_iter()
        .filter(|(session, kind)| {
            !(kind == "session.unexpected_payment"
                && created
                    .iter()
                    .any(|(k, s)| *k == Kind::WrongAsset && s["id"] == session.as_str()))
        })
        .map(|(session, kind)| format!("{kind} on {session}"))
        .collect();

    // Every raised event reached the receiver with valid signatures, and no other did.
    let events: Vec<String> = sqlx::query_scalar("SELECT id FROM events")
        .fetch_all(svc.pool())
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    let undelivered = loop {
        let got = received
            .lock()
            .unwrap()
            .events
            .keys()
            .cloned()
            .collect::<HashSet<_>>();
        let left: Vec<&String> = events.iter().filter(|e| !got.contains(*e)).collect();
        if left.is_empty() || Instant::now() > deadline {
            break left.len();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let all_events: Vec<String> = sqlx::query_scalar("SELECT id FROM events")
        .fetch_all(svc.pool())
        .await
        .unwrap();
    let known: HashSet<&String> = all_events.iter().collect();
    let (unknown_events, bad_signatures, requests, received_count) = {
        let r = received.lock().unwrap();
        (
            r.events.keys().filter(|e| !known.contains(e)).count(),
            r.bad_signatures,
            r.requests,
            r.events.len(),
        )
    };
    let sessions_in_db = crate::common::rows(&svc, "checkout_sessions").await;
    let api = api_log.lock().unwrap();
    let server_errors: usize = api
        .answers
        .iter()
        .filter(|(c, _)| **c >= 500 && **c != 503)
        .map(|(_, n)| n)
        .sum();

    // The table.
    let mut by_kind: BTreeMap<Kind, (usize, usize)> = BTreeMap::new();
    for (kind, s) in &created {
        let e = by_kind.entry(*kind).or_default();
        e.0 += 1;
        if !wrong.iter().any(|w| w.contains(s["id"].as_str().unwrap())) {
            e.1 += 1;
        }
    }
    println!(
        "\nsoak (seed {seed}, {sessions} sessions, {:.0} s)",
        started.elapsed().as_secs_f64()
    );
    println!("| customer | sessions | ended right | expected |\n| --- | --- | --- | --- |");
    for (kind, (n, ok)) in &by_kind {
        println!("| {kind:?} | {n} | {ok} | {} |", kind.expected());
    }
    println!("| fault | times |\n| --- | --- |");
    for (f, n) in injected.lock().unwrap().iter() {
        println!("| {f} | {n} |");
    }
    println!(
        "| transactions reorged off the chain, sent again | {} |",
        chain.reorged.load(Ordering::SeqCst)
    );
    println!("| check | breaches |\n| --- | --- |");
    let checks = [
        ("session with the wrong status", wrong.len()),
        ("on-chain transfer not on its session", missing.len()),
        (
            "transaction not taken again after a reorg (harness)",
            *lost_in_reorgs.lock().unwrap(),
        ),
        ("extra payment no customer sent", false_extra.len()),
        (
            "late or unexpected payment event no customer caused",
            false_flags.len(),
        ),
        ("event raised, not delivered", undelivered),
        ("event received that was never raised", unknown_events),
        ("request with a bad signature", bad_signatures),
        (
            "duplicate sessions",
            (sessions_in_db as usize).saturating_sub(sessions),
        ),
        ("API 5xx other than 503", server_errors),
    ];
    for (name, n) in &checks {
        println!("| {name} | {n} |");
    }
    println!(
        "webhook requests {requests}, events delivered {received_count}/{}; API answers {:?}, connection errors {}",
        all_events.len(),
        api.answers,
        api.transport_errors
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(missing.is_empty(), "{missing:#?}");
    assert!(false_extra.is_empty(), "{false_extra:#?}");
    assert!(false_flags.is_empty(), "{false_flags:#?}");
    assert_eq!(sessions_in_db as usize, sessions, "duplicate sessions");
    for (name, n) in checks {
        assert_eq!(n, 0, "{name}");
    }
    drop(anvil);
}

fn bump_now(injected: &Mutex<BTreeMap<&'static str, usize>>, k: &'static str) {
    *injected.lock().unwrap().entry(k).or_default() += 1;
}
