//! `make bench`: measures the engine on this machine and prints a table. Nothing is asserted:
//! the figures go into the closing notes and the README.

use chaintill::engine::checkout::settle::{settle, Observed, Terms};
use chaintill::engine::checkout::{FiatInput, NewSession};
use chaintill::engine::events;
use chaintill::engine::wallet::derive::AccountXpub;
use chaintill::engine::webhooks::{self, dispatcher::Dispatcher};
use chaintill::engine::Service;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PHRASE: &str = "test test test test test test test test test test test junk";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn row(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let total: Duration = samples.iter().sum();
    println!(
        "| {name:<40} | {:>7} | {:>10.1?} | {:>10.1?} | {:>10.0}/s |",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        samples.len() as f64 / total.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    sessions().await;
    println!();
    webhooks().await;
}

async fn sessions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = Service::open(dir.path()).await.expect("open");
    svc.wallet_import(PHRASE, "")
        .await
        .expect("import (needs a Secret Service)");

    println!(
        "| {:<40} | {:>7} | {:>10} | {:>10} | {:>12} |",
        "operation", "n", "p50", "p99", "throughput"
    );
    println!(
        "|{:-<42}|{:-<9}|{:-<12}|{:-<12}|{:-<14}|",
        "", "", "", "", ""
    );

    let mut samples = Vec::new();
    for i in 0..2000 {
        let req = NewSession {
            amount: FiatInput {
                value: format!("{}.{:02}", 1 + i % 90, i % 100),
                currency: None,
            },
            ..Default::default()
        };
        let t = Instant::now();
        svc.sessions_create(req, None).await.expect("create");
        samples.push(t.elapsed());
    }
    row("create session (quote+address+tx+event)", samples);

    let page = svc
        .sessions_list(&Default::default(), None)
        .await
        .expect("list");
    let id = page.data[0].id.clone();
    let mut samples = Vec::new();
    for _ in 0..5000 {
        let t = Instant::now();
        svc.sessions_get(&id, None).await.expect("get");
        samples.push(t.elapsed());
    }
    row("get session", samples);

    let mut samples = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        svc.sessions_qr(&id, None).await.expect("qr");
        samples.push(t.elapsed());
    }
    row("get session + QR SVG", samples);

    let m = bip39::Mnemonic::parse(PHRASE).expect("phrase");
    let xpub = AccountXpub::from_seed(&m.to_seed("")).expect("xpub");
    let mut samples = Vec::new();
    for i in 0..2000 {
        let t = Instant::now();
        xpub.address(i).expect("derive");
        samples.push(t.elapsed());
    }
    row("derive address from xpub", samples);

    let now = chrono::Utc::now();
    let terms = Terms {
        amount: alloy_primitives::U256::from(1_000_000u64),
        threshold: alloy_primitives::U256::from(1_000_000u64),
        required_confirmations: 3,
        expires_at: now,
        grace_ends_at: now,
        canceled_at: None,
    };
    let payments: Vec<Observed> = (0..20)
        .map(|i| Observed {
            amount: alloy_primitives::U256::from(60_000u64),
            block_number: Some(i),
            first_seen: now - chrono::Duration::seconds(100 - i as i64),
        })
        .collect();
    let mut samples = Vec::new();
    for _ in 0..20000 {
        let t = Instant::now();
        std::hint::black_box(settle(&terms, &payments, Some(40), now));
        samples.push(t.elapsed());
    }
    row("settle() with 20 payments", samples);
}

/// Resident memory of this process, from /proc (Linux).
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// A minimal receiver answering 200, on its own runtime thread, counting arrivals.
fn start_receiver() -> (String, Arc<Mutex<Vec<Instant>>>) {
    let arrivals: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let seen = arrivals.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("rt");
        rt.block_on(async move {
            let app = axum::Router::new().fallback(move || {
                let seen = seen.clone();
                async move {
                    seen.lock().unwrap().push(Instant::now());
                    "ok"
                }
            });
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(listener.local_addr().expect("addr")).expect("send");
            axum::serve(listener, app).await.expect("serve");
        });
    });
    let addr = rx.recv().expect("receiver address");
    (format!("http://{addr}/hook"), arrivals)
}

async fn queue_events(svc: &Service, n: usize) {
    let mut tx = svc.pool().begin().await.expect("tx");
    for _ in 0..n {
        events::record(
            &mut tx,
            "session.paid",
            None,
            false,
            &serde_json::json!({"id": "cs_bench", "object": "checkout_session"}),
            svc.now(),
        )
        .await
        .expect("record");
    }
    tx.commit().await.expect("commit");
}

async fn delivered(svc: &Service) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE status = 'succeeded'")
        .fetch_one(svc.pool())
        .await
        .expect("count")
}

/// Requests per second the receiver itself sustains, measured with wrk (if installed).
fn receiver_capacity(url: &str) -> Option<f64> {
    let script = std::env::temp_dir().join("chaintill-wrk-post.lua");
    std::fs::write(&script, "wrk.method = \"POST\"\nwrk.body = string.rep(\"x\", 1500)\nwrk.headers[\"Content-Type\"] = \"application/json\"\n").ok()?;
    let out = std::process::Command::new("wrk")
        .args(["-t1", "-c16", "-d5s", "-s"])
        .arg(&script)
        .arg(url)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
}

async fn webhooks() {
    println!("Webhooks");
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = Service::open(dir.path()).await.expect("open");
    let (url, arrivals) = start_receiver();
    webhooks::add(&svc, Some("bench"), &url, None)
        .await
        .expect("endpoint");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(Dispatcher::new(svc.clone()).run(async move {
        let _ = stop_rx.await;
    }));

    // Latency: event committed → request arrives at the receiver (an upper bound on
    // "first attempt started"), one event at a time.
    let mut samples = Vec::new();
    for _ in 0..500 {
        let before = arrivals.lock().unwrap().len();
        let t = Instant::now();
        queue_events(&svc, 1).await;
        svc.outbox_changed();
        let arrived = loop {
            if let Some(at) = arrivals.lock().unwrap().get(before).copied() {
                break at;
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        };
        samples.push(arrived - t);
    }
    println!(
        "| {:<40} | {:>7} | {:>10} | {:>10} | {:>12} |",
        "operation", "n", "p50", "p99", "throughput"
    );
    println!(
        "|{:-<42}|{:-<9}|{:-<12}|{:-<12}|{:-<14}|",
        "", "", "", "", ""
    );
    row("event written -> attempt at receiver", samples);

    // Throughput: a backlog of events delivered to one local receiver.
    let n = 20_000;
    queue_events(&svc, n).await;
    let start_count = delivered(&svc).await;
    let t = Instant::now();
    svc.outbox_changed();
    while delivered(&svc).await < start_count + n as i64 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rate = n as f64 / t.elapsed().as_secs_f64();
    let _ = stop_tx.send(());
    tokio::time::sleep(Duration::from_millis(200)).await;
    println!();
    println!(
        "sustained deliveries: {n} in {:.1?} = {rate:.0}/s",
        t.elapsed()
    );
    match receiver_capacity(&url) {
        Some(cap) => println!(
            "receiver capacity (wrk, 16 connections): {cap:.0} req/s; deliveries/capacity = {:.2}",
            rate / cap
        ),
        None => println!("receiver capacity: wrk not installed (apt-get install wrk)"),
    }

    // Memory: 100,000 deliveries queued for an endpoint that refuses connections.
    let dead_dir = tempfile::tempdir().expect("tempdir");
    let dead = Service::open(dead_dir.path()).await.expect("open");
    webhooks::add(&dead, Some("dead"), "http://127.0.0.1:9/", None)
        .await
        .expect("endpoint");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(Dispatcher::new(dead.clone()).run(async move {
        let _ = stop_rx.await;
    }));
    let mut line = String::from("RSS with deliveries queued for a dead endpoint:");
    let mut queued = 0;
    for target in [1_000, 10_000, 100_000] {
        queue_events(&dead, target - queued).await;
        queued = target;
        dead.outbox_changed();
        tokio::time::sleep(Duration::from_secs(3)).await;
        line.push_str(&format!("  {target}: {:.1} MiB", rss_mib()));
    }
    let _ = stop_tx.send(());
    println!("{line}");
}
