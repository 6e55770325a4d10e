//! `make bench`: measures the engine on this machine and prints a table. Nothing is asserted:
//! the figures go into the closing notes and the README.

use chaintill::engine::checkout::settle::{settle, Observed, Terms};
use chaintill::engine::checkout::{FiatInput, NewSession};
use chaintill::engine::wallet::derive::AccountXpub;
use chaintill::engine::Service;
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
