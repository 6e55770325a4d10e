//! `make bench`: measures the engine on this machine and prints a table. Nothing is asserted:
//! the figures go into the closing notes and the README.

use chaintill::engine::checkout::settle::{settle, Observed, Terms};
use chaintill::engine::checkout::NewSession;
use chaintill::engine::events;
use chaintill::engine::wallet::derive::AccountXpub;
use chaintill::engine::webhooks::{self, dispatcher::Dispatcher};
use chaintill::engine::Service;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// A crate root looks for its modules beside it; this one keeps them in bench/.
#[path = "bench/scaling.rs"]
mod scaling;

const PHRASE: &str = "test test test test test test test test test test test junk";

/// One figure for the report (`scripts/bench-report.py` takes the median over runs):
/// name, measured value, unit, target ("-" if none), and the name of the anchor figure
/// measured in the same run that it is compared with ("-" if none).
fn figure(name: &str, value: f64, unit: &str, target: &str, anchor: &str) {
    println!("FIGURE\t{name}\t{value}\t{unit}\t{target}\t{anchor}");
}

/// A duration in milliseconds, the unit of every time figure.
fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `n` with thousands separators, for figure names ("100,000").
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// A table row's p50, p99 and throughput (samples per second of their summed time).
struct Stats {
    p50: Duration,
    p99: Duration,
    rate: f64,
}

/// Prints a table row of `samples`; its figures are reported with [`Stats::report`].
fn row(name: &str, mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let total: Duration = samples.iter().sum();
    let stats = Stats {
        p50: percentile(&samples, 0.5),
        p99: percentile(&samples, 0.99),
        rate: samples.len() as f64 / total.as_secs_f64(),
    };
    println!(
        "| {name:<40} | {:>7} | {:>10.1?} | {:>10.1?} | {:>10.0}/s |",
        samples.len(),
        stats.p50,
        stats.p99,
        stats.rate
    );
    stats
}

impl Stats {
    /// Reports "<what> p50 <context>", "<what> p99 <context>" (with `p99_target`, "-" if none)
    /// and, given a `rate` unit, "<what> throughput <context>". With `vs`, the p50 and p99 are
    /// compared with the same figures of the row whose context is `vs`.
    fn report(
        &self,
        what: &str,
        context: &str,
        rate: Option<&str>,
        p99_target: &str,
        vs: Option<&str>,
    ) {
        let anchor = |metric: &str| vs.map_or("-".into(), |vs| format!("{what} {metric} {vs}"));
        figure(
            &format!("{what} p50 {context}"),
            ms(self.p50),
            "ms",
            "-",
            &anchor("p50"),
        );
        figure(
            &format!("{what} p99 {context}"),
            ms(self.p99),
            "ms",
            p99_target,
            &anchor("p99"),
        );
        if let Some(unit) = rate {
            figure(
                &format!("{what} throughput {context}"),
                self.rate,
                unit,
                "-",
                "-",
            );
        }
    }
}

/// `make bench` runs every section; `cargo run --release --example bench -- api` (or
/// `sessions`, `webhooks`, `chain`, `mempool`, `ledger`, `scaling`) runs one.
#[tokio::main]
async fn main() {
    let only = std::env::args().nth(1);
    let run = |name: &str| only.as_deref().is_none_or(|o| o == name);
    // First: its memory figures are then those of a process that has done nothing else.
    if run("chain") || run("scaling") {
        chain_rpc_per_block().await;
        println!();
    }
    if run("scaling") {
        scaling::dispatcher().await;
        println!();
        scaling::streams().await;
        println!();
    }
    if run("sessions") {
        sessions().await;
        println!();
    }
    if run("api") {
        api().await;
        println!();
    }
    if run("webhooks") {
        webhooks().await;
        println!();
    }
    if run("chain") {
        chain_detection().await;
    }
    if run("chain") || run("mempool") {
        println!();
        chain_mempool_flood().await;
    }
    if run("ledger") {
        println!();
        ledger().await;
    }
}

/// The owner's ledger at 100,000 sessions (10,000 with a payment, one day in ten underpaid):
/// the first page, a search by transaction hash and by order number, a status filter, the
/// attention filter, a day's totals; and the CSV export of all of them: its time and the
/// process's peak memory while it runs (it must stream).
async fn ledger() {
    use chaintill::engine::ledger::SessionFilter;
    const N: i64 = 100_000;
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = Service::open(dir.path()).await.expect("open");
    svc.wallet_import(PHRASE, "", 0)
        .await
        .expect("import (needs a Secret Service)");
    let template = svc
        .sessions_create(NewSession::for_amount("12.50"), None)
        .await
        .expect("template session");
    let day_ms: i64 = 86_400_000;
    let start = chrono::Utc::now().timestamp_millis() - 30 * day_ms;
    let seeding = Instant::now();
    // Copies of the template: one every ~26 s over 30 days, ids in creation order, an order
    // number each; every tenth paid with a payment, every 97th underpaid.
    sqlx::query(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {N}) \
         INSERT INTO checkout_sessions (id, livemode, network_id, network_name, chain_id, asset_symbol, asset_decimals, \
           asset_contract, address, address_index, amount_atomic, fiat_amount, fiat_currency, rate, payment_uri, \
           required_confirmations, tolerance_percent, late_grace_ms, metadata, success_url, status, confirmations, \
           amount_received, expires_at, created_at) \
         SELECT printf('cs_01N%023d', i), t.livemode, t.network_id, t.network_name, t.chain_id, t.asset_symbol, \
           t.asset_decimals, t.asset_contract, t.address, t.address_index + i, t.amount_atomic, t.fiat_amount, \
           t.fiat_currency, t.rate, t.payment_uri, t.required_confirmations, t.tolerance_percent, t.late_grace_ms, \
           json_object('orderId', 'A-' || i), NULL, \
           CASE WHEN i % 97 = 0 THEN 'underpaid' WHEN i % 10 = 0 THEN 'paid' ELSE 'expired' END, 3, \
           CASE WHEN i % 10 = 0 THEN t.amount_atomic ELSE '0' END, {start} + i * 25920 + 900000, {start} + i * 25920 \
         FROM n, checkout_sessions t WHERE t.id = ?"
    ))
    .bind(&template.id)
    .execute(svc.pool())
    .await
    .expect("seed sessions");
    sqlx::query(
        "INSERT INTO payments (session_id, tx_hash, log_index, from_address, block_number, block_hash, amount_atomic, seen_at, block_timestamp) \
         SELECT id, printf('0x%064x', seq), NULL, address, seq, printf('0x%064x', seq + 1), amount_atomic, created_at, created_at \
         FROM checkout_sessions WHERE status = 'paid'",
    )
    .execute(svc.pool())
    .await
    .expect("seed payments");
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(svc.pool())
        .await
        .expect("checkpoint");
    println!(
        "Ledger at {N} sessions (seeded in {:.1?})",
        seeding.elapsed()
    );
    println!(
        "| {:<40} | {:>7} | {:>10} | {:>10} | {:>12} |",
        "query", "n", "p50", "p99", "throughput"
    );
    println!(
        "|{:-<42}|{:-<9}|{:-<12}|{:-<12}|{:-<14}|",
        "", "", "", "", ""
    );
    let paid_seqs: Vec<i64> =
        sqlx::query_scalar("SELECT seq FROM checkout_sessions WHERE status = 'paid'")
            .fetch_all(svc.pool())
            .await
            .expect("seqs");
    let reps = 200;
    let time = |f: SessionFilter| {
        let svc = svc.clone();
        async move {
            let t = Instant::now();
            let page = svc.ledger_find(&f, 50, None).await.expect("find");
            std::hint::black_box(page);
            t.elapsed()
        }
    };
    let mut first = Vec::new();
    let mut by_tx = Vec::new();
    let mut by_order = Vec::new();
    let mut by_status = Vec::new();
    let mut attention = Vec::new();
    let mut totals = Vec::new();
    for k in 0..reps {
        first.push(time(SessionFilter::default()).await);
        let seq = paid_seqs[(k * 7919) % paid_seqs.len()];
        by_tx.push(
            time(SessionFilter {
                search: Some(format!("0x{seq:064x}")),
                ..SessionFilter::default()
            })
            .await,
        );
        by_order.push(
            time(SessionFilter {
                search: Some(format!("A-{}", (k * 6151) % N as usize + 1)),
                ..SessionFilter::default()
            })
            .await,
        );
        by_status.push(
            time(SessionFilter {
                status: Some(chaintill::engine::checkout::settle::Status::Underpaid),
                ..SessionFilter::default()
            })
            .await,
        );
        attention.push(
            time(SessionFilter {
                attention: true,
                ..SessionFilter::default()
            })
            .await,
        );
        let day = chrono::DateTime::from_timestamp_millis(start + (k as i64 % 30) * day_ms)
            .expect("day")
            .format("%Y-%m-%d")
            .to_string();
        let t = Instant::now();
        let sums = svc
            .ledger_totals(&SessionFilter {
                from: Some(day.clone()),
                to: Some(day),
                ..SessionFilter::default()
            })
            .await
            .expect("totals");
        std::hint::black_box(sums);
        totals.push(t.elapsed());
    }
    let context = format!("(ledger of {} sessions)", thousands(N as usize));
    for (name, what, samples) in [
        ("first page (50)", "first page of 50", first),
        ("search by tx hash", "search by transaction hash", by_tx),
        (
            "search by order number (metadata)",
            "search by order number",
            by_order,
        ),
        (
            "status filter (underpaid), first page",
            "status filter, first page",
            by_status,
        ),
        (
            "needs attention, first page",
            "needs-attention filter, first page",
            attention,
        ),
        ("a day's totals (~3,300 sessions)", "a day's totals", totals),
    ] {
        row(name, samples).report(what, &context, Some("queries/s"), "-", None);
    }
    // The export: peak resident memory is reset first (clear_refs 5), then read back.
    let peak = || -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .unwrap_or(0)
    };
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = peak();
    let t = Instant::now();
    let rows = svc
        .ledger_export(
            &SessionFilter::default(),
            &mut std::io::BufWriter::new(std::io::sink()),
        )
        .await
        .expect("export");
    let took = t.elapsed();
    let during = peak();
    println!(
        "CSV export of {rows} sessions: {took:.1?}; peak RSS {} MiB before, {} MiB during (it streams: memory does not grow with the rows)",
        before / 1024,
        during / 1024
    );
    let export = format!("CSV export of {} sessions", thousands(N as usize));
    figure(&export, ms(took), "ms", "-", "-");
    let before_name = "peak RSS before the CSV export";
    figure(before_name, before as f64 / 1024.0, "MiB", "-", "-");
    figure(
        &format!("peak RSS during the {export}"),
        during as f64 / 1024.0,
        "MiB",
        "-",
        before_name,
    );
}

async fn sessions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = Service::open(dir.path()).await.expect("open");
    svc.wallet_import(PHRASE, "", 0)
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

    // What the till's Enter costs in the engine (create + the view with its QR), the first time
    // in the process (cold code and caches) and after.
    let mut sales = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        svc.sale_create(NewSession::for_amount("12.50"))
            .await
            .expect("sale");
        sales.push(t.elapsed());
    }
    println!(
        "the till's create + QR view: first of the process {:.2?}, then {:.2?} and {:.2?}",
        sales[0], sales[1], sales[2]
    );
    let first = "till create + QR view, first of the process (in-process)";
    figure(first, ms(sales[0]), "ms", "-", "-");
    figure(
        "till create + QR view, 2nd and 3rd of the process, mean (in-process)",
        ms(sales[1] + sales[2]) / 2.0,
        "ms",
        "-",
        first,
    );
    let context = "(in-process, one at a time)";
    let ops = Some("ops/s");

    let mut samples = Vec::new();
    for i in 0..2000 {
        let req = NewSession::for_amount(format!("{}.{:02}", 1 + i % 90, i % 100));
        let t = Instant::now();
        svc.sessions_create(req, None).await.expect("create");
        samples.push(t.elapsed());
    }
    row("create session (quote+address+tx+event)", samples).report(
        "session create",
        context,
        ops,
        "-",
        None,
    );

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
    row("get session", samples).report("session get", context, ops, "-", None);

    let mut samples = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        svc.sessions_qr(&id, None).await.expect("qr");
        samples.push(t.elapsed());
    }
    row("get session + QR SVG", samples).report("session get + QR SVG", context, ops, "-", None);

    let m = bip39::Mnemonic::parse(PHRASE).expect("phrase");
    let xpub = AccountXpub::from_seed(&m.to_seed(""), 0).expect("xpub");
    let timed = |f: &dyn Fn(u32) -> alloy_primitives::Address| {
        (0..2000)
            .map(|i| {
                let t = Instant::now();
                std::hint::black_box(f(i));
                t.elapsed()
            })
            .collect::<Vec<_>>()
    };
    row(
        "derive address from the account xpub",
        timed(&|i| xpub.address(i).expect("derive")),
    )
    .report(
        "address derivation from the account xpub",
        context,
        ops,
        "-",
        None,
    );
    let chain = xpub.receive_chain().expect("receive chain");
    row(
        "derive address, receive chain reused",
        timed(&|i| chain.address(i).expect("derive")),
    )
    .report(
        "address derivation from the receive chain",
        context,
        ops,
        "-",
        None,
    );

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
            foreign: false,
        })
        .collect();
    let mut samples = Vec::new();
    for _ in 0..20000 {
        let t = Instant::now();
        std::hint::black_box(settle(&terms, &payments, Some(40), Some(now)));
        samples.push(t.elapsed());
    }
    row("settle() with 20 payments", samples).report(
        "settle() with 20 payments",
        context,
        ops,
        "-",
        None,
    );
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

/// `n` minimal receivers answering 200, each on its own port, together on one runtime thread,
/// counting arrivals.
fn start_receivers(n: usize) -> (Vec<String>, Arc<Mutex<Vec<Instant>>>) {
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
            let mut servers = tokio::task::JoinSet::new();
            for _ in 0..n {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                tx.send(listener.local_addr().expect("addr")).expect("send");
                let app = app.clone();
                servers.spawn(async move { axum::serve(listener, app).await });
            }
            while let Some(served) = servers.join_next().await {
                served.expect("join").expect("serve");
            }
        });
    });
    let urls = rx
        .iter()
        .take(n)
        .map(|a| format!("http://{a}/hook"))
        .collect();
    (urls, arrivals)
}

/// Runs the webhook dispatcher of `svc` until the returned sender is used (or dropped).
fn start_dispatcher(svc: &Service) -> tokio::sync::oneshot::Sender<()> {
    let (stop, stopping) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(Dispatcher::new(svc.clone()).run(async move {
        let _ = stopping.await;
    }));
    stop
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

/// What wrk measured.
struct Wrk {
    rps: f64,
    p50: Duration,
    p99: Duration,
    non_2xx: u64,
}

/// Runs wrk (if installed) against `url` with a Lua `script`.
fn wrk(url: &str, threads: u32, connections: u32, secs: u32, script: &str) -> Option<Wrk> {
    let path = std::env::temp_dir().join(format!("chaintill-wrk-{}.lua", std::process::id()));
    std::fs::write(&path, script).ok()?;
    let out = std::process::Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{secs}s"))
        .arg("--latency")
        .arg("-s")
        .arg(&path)
        .arg(url)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(|v| v.trim().to_string()))
    };
    let latency = |v: String| -> Option<Duration> {
        let (num, unit) = v.split_at(v.find(|c: char| c.is_ascii_alphabetic())?);
        let n: f64 = num.parse().ok()?;
        Some(Duration::from_secs_f64(match unit {
            "us" => n / 1e6,
            "ms" => n / 1e3,
            "s" => n,
            _ => return None,
        }))
    };
    Some(Wrk {
        rps: field("Requests/sec:")?.parse().ok()?,
        p50: latency(field("50%")?)?,
        p99: latency(field("99%")?)?,
        non_2xx: field("Non-2xx or 3xx responses:")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    })
}

/// Requests per second the receiver itself sustains, measured with wrk (if installed).
fn receiver_capacity(url: &str) -> Option<f64> {
    let script = "wrk.method = \"POST\"\nwrk.body = string.rep(\"x\", 1500)\nwrk.headers[\"Content-Type\"] = \"application/json\"\n";
    wrk(url, 1, 16, 5, script).map(|w| w.rps)
}

/// The local API against a minimal axum handler on the same machine, in the same run.
async fn api() {
    use axum::routing::get;
    println!("Local API (loopback, rate limit off; wrk 2 threads x 16 connections unless noted, 10 s per row)");
    let minimal = axum::Router::new().route(
        "/",
        get(|| async { ([("content-type", "application/json")], "{\"ok\":true}") }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let minimal_url = format!("http://{}/", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, minimal).await });

    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("chaintill.toml"),
        "[api]\nrate_limit_per_second = 0\n\n[[networks]]\nid = \"local\"\nchain_id = 31337\nrpc_urls = [\"http://127.0.0.1:9\"]\n\
         confirmations = 1\nnative = { symbol = \"ETH\", decimals = 18, display_decimals = 6, rate = { fixed = \"3000.00\" } }\n",
    )
    .expect("config");
    let svc = Service::open(dir.path()).await.expect("open");
    svc.wallet_import(PHRASE, "", 0).await.expect("import");
    let (key, session, base) = serve_api(&svc, "5.00", std::future::pending()).await;

    let auth = format!("wrk.headers[\"Authorization\"] = \"Bearer {key}\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n");
    let body = r#"{\"amount\":{\"value\":\"50.00\",\"currency\":\"USD\"},\"metadata\":{\"orderId\":\"001\"}}"#;
    let replay = format!("{auth}wrk.method = \"POST\"\nwrk.body = \"{body}\"\nwrk.headers[\"Idempotency-Key\"] = \"replayed-key\"\n");
    let fresh = format!(
        "{auth}local n = 0\nlocal tid = 0\nlocal threads = 0\n\
         setup = function(t) threads = threads + 1; t:set(\"tid\", threads) end\n\
         init = function() tid = wrk.thread:get(\"tid\") end\n\
         request = function() n = n + 1\n  wrk.headers[\"Idempotency-Key\"] = \"k-\" .. tid .. \"-\" .. n\n\
         return wrk.format(\"POST\", nil, nil, \"{body}\") end\n"
    );
    // Prime the replayed answer.
    let _ = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-X",
            "POST",
            "-H",
            &format!("Authorization: Bearer {key}"),
            "-H",
            "Idempotency-Key: replayed-key",
            "-d",
        ])
        .arg(body.replace("\\\"", "\""))
        .arg(format!("{base}/api/v1/checkout_sessions"))
        .status();

    println!();
    println!("| request | req/s | p50 | p99 | non-2xx | vs minimal axum |");
    println!("|---|---|---|---|---|---|");
    // Table label, URL, wrk script, connections; figure name and context, throughput target.
    let rows = [
        (
            "minimal axum handler (GET, 11-byte JSON)",
            minimal_url.clone(),
            String::new(),
            16,
            "minimal axum handler",
            "(same machine, 16 connections)",
            "-",
        ),
        (
            "GET /checkout_sessions/{id}",
            format!("{base}/api/v1/checkout_sessions/{}", session.id),
            auth.clone(),
            16,
            "session get",
            "(API, 16 connections)",
            "-",
        ),
        (
            "POST /checkout_sessions, idempotent replay",
            format!("{base}/api/v1/checkout_sessions"),
            replay,
            16,
            "idempotent replay",
            "(API, 16 connections)",
            "-",
        ),
        (
            "POST /checkout_sessions, new key each (creates)",
            format!("{base}/api/v1/checkout_sessions"),
            fresh.clone(),
            16,
            "session create",
            "(API, 16 connections)",
            "≥ 2,000 req/s",
        ),
        // More clients in flight make bigger group commits, not longer queues.
        (
            "creates again, 64 connections",
            format!("{base}/api/v1/checkout_sessions"),
            fresh,
            64,
            "session create",
            "(API, 64 connections)",
            "-",
        ),
    ];
    let mut baseline = None;
    for (name, url, script, connections, what, context, target) in rows {
        let Some(w) = tokio::task::spawn_blocking(move || wrk(&url, 2, connections, 10, &script))
            .await
            .expect("join")
        else {
            println!("| {name} | wrk not installed (apt-get install wrk) | | | | |");
            return;
        };
        let throughput = format!("{what} throughput {context}");
        // The first row is the anchor of the others.
        let (base_rps, base_name) = baseline.get_or_insert_with(|| (w.rps, throughput.clone()));
        println!(
            "| {name} | {:.0} | {:.2?} | {:.2?} | {} | {:.2} |",
            w.rps,
            w.p50,
            w.p99,
            w.non_2xx,
            w.rps / *base_rps
        );
        let anchor = if *base_name == throughput {
            "-"
        } else {
            base_name.as_str()
        };
        figure(&throughput, w.rps, "req/s", target, anchor);
        figure(&format!("{what} p50 {context}"), ms(w.p50), "ms", "-", "-");
        figure(&format!("{what} p99 {context}"), ms(w.p99), "ms", "-", "-");
        figure(
            &format!("{what} non-2xx responses {context}"),
            w.non_2xx as f64,
            "responses",
            "-",
            "-",
        );
    }
    let created: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM checkout_sessions")
        .fetch_one(svc.pool())
        .await
        .unwrap_or(0);
    println!("sessions in the database after the run: {created}");
}

async fn webhooks() {
    println!("Webhooks");
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = Service::open(dir.path()).await.expect("open");
    let (urls, arrivals) = start_receivers(1);
    let url = &urls[0];
    webhooks::add(&svc, Some("bench"), url, None)
        .await
        .expect("endpoint");
    let stop = start_dispatcher(&svc);

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
    row("event written -> attempt at receiver", samples).report(
        "webhook: event written → request at the receiver",
        "(one local receiver)",
        None,
        "-",
        None,
    );

    // Throughput: a backlog of events delivered to one local receiver.
    let n = 20_000;
    let start_count = delivered(&svc).await;
    let t = Instant::now();
    queue_events(&svc, n).await;
    svc.outbox_changed();
    while delivered(&svc).await < start_count + n as i64 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rate = n as f64 / t.elapsed().as_secs_f64();
    let _ = stop.send(());
    tokio::time::sleep(Duration::from_millis(200)).await;
    println!();
    println!(
        "sustained deliveries: {n} in {:.1?} = {rate:.0}/s",
        t.elapsed()
    );
    let capacity = "webhook receiver's own capacity (wrk, 16 connections)";
    match receiver_capacity(url) {
        Some(cap) => {
            println!(
                "receiver capacity (wrk, 16 connections): {cap:.0} req/s; deliveries/capacity = {:.2}",
                rate / cap
            );
            figure(capacity, cap, "req/s", "-", "-");
        }
        None => println!("receiver capacity: wrk not installed (apt-get install wrk)"),
    }
    figure(
        &format!(
            "webhook deliveries, a backlog of {} to one receiver",
            thousands(n)
        ),
        rate,
        "deliveries/s",
        "-",
        capacity,
    );

    // Memory: 100,000 deliveries queued for an endpoint that refuses connections.
    let dead_dir = tempfile::tempdir().expect("tempdir");
    let dead = Service::open(dead_dir.path()).await.expect("open");
    webhooks::add(&dead, Some("dead"), "http://127.0.0.1:9/", None)
        .await
        .expect("endpoint");
    let stop = start_dispatcher(&dead);
    let mut line = String::from("RSS with deliveries queued for a dead endpoint:");
    let mut queued = 0;
    let name = |n| {
        format!(
            "RSS with {} deliveries queued for a dead endpoint",
            thousands(n)
        )
    };
    for target in [1_000, 10_000, 100_000] {
        queue_events(&dead, target - queued).await;
        queued = target;
        dead.outbox_changed();
        tokio::time::sleep(Duration::from_secs(3)).await;
        let rss = rss_mib();
        line.push_str(&format!("  {target}: {rss:.1} MiB"));
        let anchor = if target == 1_000 {
            "-".into()
        } else {
            name(1_000)
        };
        figure(&name(target), rss, "MiB", "-", &anchor);
    }
    let _ = stop.send(());
    println!("{line}");
}

/// A real anvil node for the chain benchmarks.
struct Anvil(std::process::Child, u16);

impl Anvil {
    fn start(args: &[&str]) -> Self {
        use std::io::BufRead;
        let bin = concat!(env!("CARGO_MANIFEST_DIR"), "/node_modules/.bin/anvil");
        let mut child = std::process::Command::new(bin)
            .args(["--port", "0"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("anvil (npm install)");
        let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        let port = loop {
            line.clear();
            assert!(out.read_line(&mut line).expect("read") > 0, "anvil exited");
            if let Some(a) = line.trim().strip_prefix("Listening on 127.0.0.1:") {
                break a.parse().expect("port");
            }
        };
        std::thread::spawn(move || for _ in out.lines() {});
        Anvil(child, port)
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The API of `svc` on a free port until `stop` resolves, with a test key and one session of
/// `amount`: (key, session, base URL).
async fn serve_api(
    svc: &Service,
    amount: &str,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> (
    String,
    chaintill::engine::checkout::model::CheckoutSession,
    String,
) {
    let key = svc
        .keys_create(chaintill::engine::config::Mode::Test, None, false)
        .await
        .expect("key")
        .1
        .to_string();
    let session = svc
        .sessions_create(NewSession::for_amount(amount), None)
        .await
        .expect("session");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(chaintill::engine::api::serve(svc.clone(), listener, stop));
    (key, session, base)
}

fn chain_config(rpc: &str) -> String {
    format!(
        "[[networks]]\nid = \"local\"\nchain_id = 31337\nrpc_urls = [\"{rpc}\"]\nconfirmations = 3\n\
         native = {{ symbol = \"ETH\", decimals = 18, display_decimals = 6, rate = {{ fixed = \"3000.00\" }} }}\n"
    )
}

async fn chain_service(rpc: &str) -> (tempfile::TempDir, Service) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("chaintill.toml"), chain_config(rpc)).expect("config");
    let svc = Service::open(dir.path()).await.expect("open");
    // A wallet whose addresses are not anvil's funded accounts.
    svc.wallet_import("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about", "", 0)
        .await
        .expect("import (needs a Secret Service)");
    (dir, svc)
}

/// Detection latency: a block becomes available (our own head subscription sees it) → the
/// watcher has recorded the payment in it. 200 payments, 1 s blocks, over WebSocket.
async fn chain_detection() {
    use alloy::network::TransactionBuilder;
    use alloy::providers::{Provider, ProviderBuilder};
    use futures_util::StreamExt;
    println!("Chain watcher");
    let anvil = Anvil::start(&["--block-time", "1"]);
    let ws = format!("ws://127.0.0.1:{}", anvil.1);
    let (_dir, svc) = chain_service(&ws).await;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    chaintill::engine::chain::spawn_all(&svc, Default::default(), stop_rx);
    let p = ProviderBuilder::new()
        .connect(&ws)
        .await
        .expect("connect")
        .erased();
    let heads: Arc<Mutex<std::collections::HashMap<u64, Instant>>> = Arc::default();
    let mut sub = p.subscribe_blocks().await.expect("subscribe").into_stream();
    let h = heads.clone();
    tokio::spawn(async move {
        while let Some(head) = sub.next().await {
            h.lock().unwrap().insert(head.number, Instant::now());
        }
    });
    let payer = p.get_accounts().await.expect("accounts")[0];
    let mut samples = Vec::new();
    for _round in 0..10 {
        let mut sessions = Vec::new();
        for _ in 0..20 {
            let s = svc
                .sessions_create(NewSession::for_amount("1.00"), None)
                .await
                .expect("session");
            let tx = alloy::rpc::types::TransactionRequest::default()
                .with_from(payer)
                .with_to(s.address.parse().expect("address"))
                .with_value(s.amount.atomic.parse().expect("amount"));
            let _pending = p.send_transaction(tx).await.expect("send");
            sessions.push(s.id);
        }
        let mut pending: Vec<String> = sessions;
        while !pending.is_empty() {
            let mut still = Vec::new();
            for id in pending {
                let row: Option<i64> = sqlx::query_scalar("SELECT block_number FROM payments WHERE session_id = ? AND block_number IS NOT NULL")
                    .bind(&id)
                    .fetch_optional(svc.pool())
                    .await
                    .expect("query");
                match row.and_then(|b| heads.lock().unwrap().get(&(b as u64)).copied()) {
                    Some(at) => samples.push(at.elapsed()),
                    None => still.push(id),
                }
            }
            pending = still;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    let _ = stop_tx.send(true);
    println!(
        "| {:<40} | {:>7} | {:>10} | {:>10} | {:>12} |",
        "operation", "n", "p50", "p99", ""
    );
    println!(
        "|{:-<42}|{:-<9}|{:-<12}|{:-<12}|{:-<14}|",
        "", "", "", "", ""
    );
    row("block available -> payment recorded (ws)", samples).report(
        "block → payment recorded",
        "(WebSocket, 1 s blocks)",
        None,
        "-",
        None,
    );
    println!("(the bench polls the database every ~1 ms, so figures include up to that much)");
}

/// JSON-RPC calls per block, counted by a relay in front of the node, and process CPU per block
/// (measured in a second pass without the relay) and resident memory, with 10, 1,000, 10,000 and
/// 100,000 open sessions.
async fn chain_rpc_per_block() {
    use alloy::providers::{Provider, ProviderBuilder};
    let anvil = Anvil::start(&[]);
    let upstream = format!("http://127.0.0.1:{}", anvil.1);
    let counts: Arc<Mutex<std::collections::BTreeMap<String, u64>>> = Arc::default();
    let relay_url = start_counting_relay(upstream.clone(), counts.clone()).await;
    let p = ProviderBuilder::new()
        .connect(&upstream)
        .await
        .expect("connect")
        .erased();
    println!("Chain watcher per block (1,000 old underpaid sessions besides the open ones)");
    println!("| open sessions | calls/block (scan) | getBalance per reconciliation round (every 15 s) | engine CPU/block | RSS |");
    println!("|---------------|--------------------|--------------------------------------------------|------------------|-----|");
    let (_dir, svc) = chain_service(&relay_url).await;
    seed_old_underpaid(&svc, 1_000).await;
    settle_old_underpaid(&svc, &p).await;
    let (blocks, gap) = (20u32, Duration::from_millis(150));
    let mut open = 0;
    let mut by_method = Vec::new();
    let cpu_name = |n| format!("engine CPU per block at {} open sessions", thousands(n));
    let rss_name = |n| format!("engine RSS at {} open sessions", thousands(n));
    for target in [10usize, 1_000, 10_000, 100_000] {
        let seeding = Instant::now();
        open_sessions(&svc, target - open).await;
        let seeded = seeding.elapsed();
        open = target;
        // Pass 1, through the counting relay: RPC calls per block.
        let network = svc.config().networks[0].clone();
        forget_reconciliation(&svc).await;
        let watching = start_watcher(&svc, network.clone());
        wait_reconciled(&svc).await;
        counts.lock().unwrap().clear();
        mine(&p, blocks, gap).await;
        let total: u64 = counts.lock().unwrap().values().sum();
        by_method.push((target, counts.lock().unwrap().clone()));
        watching.stop().await;
        // Pass 2, straight to the node: CPU per block of this process (the engine alone).
        let mut direct = network;
        let url = chaintill::engine::config::RpcUrl::try_from(upstream.clone()).expect("url");
        direct.rpc_urls = toml::Spanned::new(0..0, vec![url]);
        forget_reconciliation(&svc).await;
        let watching = start_watcher(&svc, direct);
        wait_reconciled(&svc).await;
        // The reset above rewrote every session row; fold that WAL into the database now so
        // its checkpoint is not counted as per-block work.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(svc.pool())
            .await
            .expect("checkpoint");
        perf_ctl(target, "enable");
        let cpu = cpu_per_block(&p, blocks, gap).await;
        perf_ctl(target, "disable");
        watching.stop().await;
        let rss = rss_mib();
        let balance_calls = reconcile_probe(&svc).await;
        let calls = total as f64 / f64::from(blocks);
        println!(
            "| {target:>13} | {calls:>18.1} | {balance_calls:>48} | {cpu:>16.2?} | {rss:.0} MiB |",
        );
        if seeded > Duration::from_secs(1) {
            println!("({} sessions opened in {seeded:.1?})", thousands(target));
        }
        let n = thousands(target);
        figure(
            &format!("RPC calls per block at {n} open sessions"),
            calls,
            "calls/block",
            "-",
            "-",
        );
        figure(
            &format!("eth_getBalance per reconciliation round at {n} open sessions"),
            balance_calls as f64,
            "calls/round",
            "-",
            "-",
        );
        let anchor = |name: String| if target == 10 { "-".into() } else { name };
        figure(
            &cpu_name(target),
            ms(cpu),
            "ms",
            "≤ 5 ms",
            &anchor(cpu_name(10)),
        );
        figure(&rss_name(target), rss, "MiB", "-", &anchor(rss_name(10)));
    }
    for (target, calls) in by_method {
        println!("calls by method over the 20 blocks at {target}: {calls:?}");
    }
    println!(
        "(CPU: this process's on-CPU time over all threads (schedstat, ns), divided by the blocks mined; it includes the bench's own anvil_mine calls)"
    );
}

/// The watcher's timing in the per-block measurements: head polling every 100 ms, no
/// reconciliation besides the start-up round.
const WATCH_TIMING: chaintill::engine::chain::Timing = chaintill::engine::chain::Timing {
    poll: Duration::from_millis(100),
    reconcile_every: Duration::from_secs(3600),
};

/// A watcher running with [`WATCH_TIMING`].
struct Watching {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

/// Starts a watcher of `network` for `svc`.
fn start_watcher(svc: &Service, network: chaintill::engine::config::NetworkConfig) -> Watching {
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(
        chaintill::engine::chain::Watcher::new(svc.clone(), network, WATCH_TIMING).run(stopping),
    );
    Watching { stop, task }
}

impl Watching {
    /// Stops the watcher and waits until it has: it then reports its network disconnected, so
    /// new sessions do not wait for it to screen their addresses.
    async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Opens `n` more sessions through the service, 64 at a time: creates that arrive together
/// are group-committed, so this is many times faster than one after another.
async fn open_sessions(svc: &Service, n: usize) {
    use futures_util::StreamExt;
    futures_util::stream::iter(0..n)
        .map(|_| svc.sessions_create(NewSession::for_amount("1.00"), None))
        .buffer_unordered(64)
        .for_each(|created| {
            created.expect("session");
            std::future::ready(())
        })
        .await;
}

/// Mines `blocks` blocks with `anvil_mine`, `gap` apart, then gives the watcher 300 ms.
async fn mine(p: &alloy::providers::DynProvider, blocks: u32, gap: Duration) {
    use alloy::providers::Provider;
    for _ in 0..blocks {
        let _: serde_json::Value = p
            .raw_request("anvil_mine".into(), ("0x1",))
            .await
            .expect("mine");
        tokio::time::sleep(gap).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// This process's CPU time (all threads) per block while [`mine`] mines `blocks` blocks.
async fn cpu_per_block(p: &alloy::providers::DynProvider, blocks: u32, gap: Duration) -> Duration {
    let before = thread_cpu_times();
    mine(p, blocks, gap).await;
    cpu_since(&before) / blocks
}

/// Waits until a new watcher's start-up reconciliation round (one batch) is done: it is
/// reported separately, so the per-block figures leave it out.
async fn wait_reconciled(svc: &Service) {
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM checkout_sessions")
        .fetch_one(svc.pool())
        .await
        .expect("count");
    let expected = total.min(chaintill::engine::chain::RECONCILE_BATCH as i64);
    for _ in 0..600 {
        let done: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM checkout_sessions WHERE reconciled_block IS NOT NULL",
        )
        .fetch_one(svc.pool())
        .await
        .expect("count");
        if done >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// Marks every session unreconciled, so `wait_reconciled` can see a new watcher's first round end.
async fn forget_reconciliation(svc: &Service) {
    sqlx::query("UPDATE checkout_sessions SET reconciled_block = NULL")
        .execute(svc.pool())
        .await
        .expect("reset");
}

/// How many eth_getBalance calls one reconciliation round would make (sessions in the window).
async fn reconcile_probe(svc: &Service) -> i64 {
    let batch = chaintill::engine::chain::RECONCILE_BATCH as i64;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM checkout_sessions WHERE created_at >= ?")
        .bind((chrono::Utc::now() - chrono::Duration::days(7)).timestamp_millis())
        .fetch_one(svc.pool())
        .await
        .expect("count");
    n.min(batch)
}

/// With `PERF_CTL=<fifo>` (and `perf record --control fifo:<fifo> -D -1`), profiles only the
/// 10,000-session measurement window.
fn perf_ctl(target: usize, cmd: &str) {
    if let (Ok(path), 10_000) = (std::env::var("PERF_CTL"), target) {
        let _ = std::fs::write(path, format!("{cmd}\n"));
    }
}

/// CPU time (ns on CPU) of each live thread of this process, by thread id, from
/// /proc/self/task/*/schedstat (/proc/self/stat only counts 10 ms ticks).
fn thread_cpu_times() -> std::collections::HashMap<String, u64> {
    std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
        .map(|task| {
            let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
            let ns = stat
                .split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
            (task.file_name().to_string_lossy().into_owned(), ns)
        })
        .collect()
}

/// CPU time this process's threads spent since `before`, thread by thread: a thread that
/// exited meanwhile (an idle tokio blocking thread) drops out of the sum instead of making it
/// shrink below `before`, which is what made the 10,000-session row panic with "overflow when
/// subtracting durations"; a thread started meanwhile counts whole.
fn cpu_since(before: &std::collections::HashMap<String, u64>) -> Duration {
    let ns = thread_cpu_times()
        .into_iter()
        .map(|(tid, now)| now.saturating_sub(before.get(&tid).copied().unwrap_or(0)))
        .fold(0u64, u64::saturating_add);
    Duration::from_nanos(ns)
}

/// An HTTP relay to `upstream` that counts JSON-RPC methods.
async fn start_counting_relay(
    upstream: String,
    counts: Arc<Mutex<std::collections::BTreeMap<String, u64>>>,
) -> String {
    let client = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |body: axum::body::Bytes| {
        let (client, upstream, counts) = (client.clone(), upstream.clone(), counts.clone());
        async move {
            count_calls(&body, &counts);
            let resp = client
                .post(&upstream)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("upstream");
            let bytes = resp.bytes().await.expect("body");
            ([("content-type", "application/json")], bytes)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("relay") });
    url
}

/// Counts the JSON-RPC calls in one request (a call, or a batch of them) by method.
fn count_calls(body: &[u8], counts: &Mutex<std::collections::BTreeMap<String, u64>>) {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        let calls = match v {
            serde_json::Value::Array(a) => a,
            one => vec![one],
        };
        let mut c = counts.lock().unwrap();
        for call in calls {
            *c.entry(call["method"].as_str().unwrap_or("?").to_string())
                .or_default() += 1;
        }
    }
}

/// A WebSocket relay to `upstream` (ws://host:port) that counts the JSON-RPC methods its client
/// sends: the engine's own calls, told apart from whatever else the node is asked (the bench's
/// sends) or prints (anvil's log names the methods it runs internally too). Bytes are forwarded
/// as they come; the client's frames are also decoded to read the calls in them.
async fn start_counting_ws_relay(
    upstream: &str,
    counts: Arc<Mutex<std::collections::BTreeMap<String, u64>>>,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let target = upstream.trim_start_matches("ws://").to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("ws://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (target, counts) = (target.clone(), counts.clone());
            tokio::spawn(async move {
                let Ok(node) = tokio::net::TcpStream::connect(&target).await else {
                    return;
                };
                let _ = (client.set_nodelay(true), node.set_nodelay(true));
                let (mut from_client, mut to_client) = client.into_split();
                let (mut from_node, mut to_node) = node.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut from_node, &mut to_client).await;
                });
                let (mut buf, mut message, mut upgraded) = (Vec::new(), Vec::new(), false);
                let mut chunk = vec![0u8; 64 * 1024];
                loop {
                    let n = match from_client.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    if to_node.write_all(&chunk[..n]).await.is_err() {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if !upgraded {
                        // The HTTP upgrade request comes first, up to its blank line.
                        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                            continue;
                        };
                        buf.drain(..end + 4);
                        upgraded = true;
                    }
                    while let Some((fin, opcode, payload, used)) = ws_frame(&buf) {
                        buf.drain(..used);
                        // Text, binary and continuation frames; control frames (ping, close) apart.
                        if opcode <= 0x2 {
                            message.extend_from_slice(&payload);
                            if fin {
                                count_calls(&message, &counts);
                                message.clear();
                            }
                        }
                    }
                }
            });
        }
    });
    url
}

/// The WebSocket frame at the start of `buf` (RFC 6455 §5.2), once it is all there: FIN, opcode,
/// unmasked payload and the bytes it takes.
fn ws_frame(buf: &[u8]) -> Option<(bool, u8, Vec<u8>, usize)> {
    let (b0, b1) = (*buf.first()?, *buf.get(1)?);
    let (len, mut at) = match b1 & 0x7f {
        126 => (
            usize::from(u16::from_be_bytes([*buf.get(2)?, *buf.get(3)?])),
            4,
        ),
        127 => (
            usize::try_from(u64::from_be_bytes(buf.get(2..10)?.try_into().ok()?)).ok()?,
            10,
        ),
        n => (usize::from(n), 2),
    };
    let mut mask = [0u8; 4];
    if b1 & 0x80 != 0 {
        mask.copy_from_slice(buf.get(at..at + 4)?);
        at += 4;
    }
    let end = at.checked_add(len)?;
    let payload = buf.get(at..end)?;
    let data = payload
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ mask[i % 4])
        .collect();
    Some((b0 & 0x80 != 0, b0 & 0x0f, data, end))
}

/// `n` sessions underpaid long ago (a day past their expiry and grace): present in every row
/// of the per-block table. [`settle_old_underpaid`] has them settled `expired` before it; after
/// that no block should touch them again.
async fn seed_old_underpaid(svc: &Service, n: usize) {
    for i in 0..n {
        let s = svc
            .sessions_create(NewSession::for_amount("1.00"), None)
            .await
            .expect("session");
        let day_ago = chrono::Utc::now().timestamp_millis() - 86_400_000;
        let half = s.amount.atomic.parse::<u128>().expect("amount") / 2;
        sqlx::query("UPDATE checkout_sessions SET status = 'underpaid', expires_at = ?, created_at = ? WHERE id = ?")
            .bind(day_ago)
            .bind(day_ago - 900_000)
            .bind(&s.id)
            .execute(svc.pool())
            .await
            .expect("age");
        sqlx::query(
            "INSERT INTO payments (session_id, tx_hash, from_address, block_number, block_hash, amount_atomic, seen_at, block_timestamp, asset_symbol, asset_decimals) \
             VALUES (?, ?, '0x0000000000000000000000000000000000000001', 0, '0x00', ?, ?, ?, 'ETH', 18)",
        )
        .bind(&s.id)
        .bind(format!("0x{:064x}", i + 1))
        .bind(half.to_string())
        .bind(day_ago - 600_000)
        .bind(day_ago - 600_000)
        .execute(svc.pool())
        .await
        .expect("payment");
    }
}

/// Runs a watcher until the old underpaid sessions are settled (`expired`, at most ~45 s): they
/// are past their deadline, so its first rounds reconcile them back to back, 500 at a time,
/// which no row of the per-block table should count.
async fn settle_old_underpaid(svc: &Service, p: &alloy::providers::DynProvider) {
    let watching = start_watcher(svc, svc.config().networks[0].clone());
    for _ in 0..100 {
        let left: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM checkout_sessions WHERE status = 'underpaid'")
                .fetch_one(svc.pool())
                .await
                .expect("count");
        if left == 0 {
            break;
        }
        mine(p, 1, Duration::from_millis(150)).await;
    }
    watching.stop().await;
}

/// A mainnet-sized mempool: 300 pending transactions a second to other addresses while 10,000
/// sessions are open, over WebSocket. The engine's JSON-RPC calls are counted at its own
/// connection (a relay in front of the node), so neither the flood's sends nor anvil's log of
/// what it runs internally count as the engine's. Customers pay the same way with and without
/// the flood; reported: the engine's calls per second, broadcast → `detected` (from the mempool)
/// and block available → the payment recorded in that block.
async fn chain_mempool_flood() {
    use alloy::network::TransactionBuilder;
    use alloy::providers::{Provider, ProviderBuilder};
    use futures_util::StreamExt;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    println!(
        "Mempool flood (300 pending tx/s to other addresses, 10,000 open sessions, WebSocket)"
    );
    let anvil = Anvil::start(&["--block-time", "1", "--accounts", "20"]);
    let http = format!("http://127.0.0.1:{}", anvil.1);
    let ws = format!("ws://127.0.0.1:{}", anvil.1);
    let calls: Arc<Mutex<std::collections::BTreeMap<String, u64>>> = Arc::default();
    let relay = start_counting_ws_relay(&ws, calls.clone()).await;
    let (_dir, svc) = chain_service(&relay).await;
    open_sessions(&svc, 10_000).await;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    chaintill::engine::chain::spawn_all(&svc, Default::default(), stop_rx);
    let p = ProviderBuilder::new()
        .connect(&ws)
        .await
        .expect("connect")
        .erased();
    // When each block became available, from the bench's own head subscription.
    let heads: Arc<Mutex<std::collections::HashMap<u64, Instant>>> = Arc::default();
    let mut sub = p.subscribe_blocks().await.expect("subscribe").into_stream();
    let h = heads.clone();
    tokio::spawn(async move {
        while let Some(head) = sub.next().await {
            h.lock().unwrap().insert(head.number, Instant::now());
        }
    });
    let accounts = p.get_accounts().await.expect("accounts");
    tokio::time::sleep(Duration::from_secs(3)).await;
    // Reconciliation (a round of balance checks every 15 s, flood or not) is shown apart: a
    // window holds one round or two depending on where it starts.
    let engine_calls = |c: &std::collections::BTreeMap<String, u64>| -> u64 {
        c.iter()
            .filter(|(m, _)| *m != "eth_getBalance")
            .map(|(_, n)| n)
            .sum()
    };
    let balance_calls = |c: &std::collections::BTreeMap<String, u64>| -> u64 {
        c.get("eth_getBalance").copied().unwrap_or(0)
    };

    calls.lock().unwrap().clear();
    let quiet = customers_pay(&svc, &p, accounts[0], &heads, 30).await;
    let quiet_calls = calls.lock().unwrap().clone();

    // The flood: its own thread and runtime, one request per transaction (no fillers: the node
    // fills nonce and fees), so it neither runs on the engine's runtime nor adds filler calls.
    let flooding = Arc::new(AtomicBool::new(true));
    let sent = Arc::new(AtomicU64::new(0));
    let flood = {
        let (flooding, sent, senders) = (flooding.clone(), sent.clone(), accounts[2..].to_vec());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("rt");
            rt.block_on(async move {
                let p = ProviderBuilder::new()
                    .disable_recommended_fillers()
                    .connect(&http)
                    .await
                    .expect("connect")
                    .erased();
                let mut tick = tokio::time::interval(Duration::from_millis(10));
                let mut i = 0usize;
                while flooding.load(Ordering::Relaxed) {
                    tick.tick().await;
                    for _ in 0..3 {
                        let mut to = [0u8; 20];
                        to[..8].copy_from_slice(&(i as u64 + 1).to_be_bytes());
                        let tx = alloy::rpc::types::TransactionRequest::default()
                            .with_from(senders[i % senders.len()])
                            .with_to(alloy_primitives::Address::from(to))
                            .with_value(alloy_primitives::U256::from(1))
                            .with_gas_limit(21_000);
                        let (p, sent) = (p.clone(), sent.clone());
                        tokio::spawn(async move {
                            if p.send_transaction(tx).await.is_ok() {
                                sent.fetch_add(1, Ordering::Relaxed);
                            }
                        });
                        i += 1;
                    }
                }
            });
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    calls.lock().unwrap().clear();
    let sent0 = sent.load(Ordering::Relaxed);
    let flooded = customers_pay(&svc, &p, accounts[0], &heads, 30).await;
    let flood_rate = (sent.load(Ordering::Relaxed) - sent0) as f64 / flooded.elapsed.as_secs_f64();
    let flood_calls = calls.lock().unwrap().clone();
    flooding.store(false, Ordering::Relaxed);
    let _ = tokio::task::spawn_blocking(move || flood.join()).await;
    let _ = stop_tx.send(true);

    let quiet_rate = engine_calls(&quiet_calls) as f64 / quiet.elapsed.as_secs_f64();
    let flood_calls_rate = engine_calls(&flood_calls) as f64 / flooded.elapsed.as_secs_f64();
    println!(
        "engine RPC calls/s at its own connection (reconciliation apart): without a flood {quiet_rate:.1}; during a flood of {flood_rate:.0} tx/s {flood_calls_rate:.1}",
    );
    let (without, during) = ("without a flood", "during 300 tx/s flood");
    let calls_name = |when| format!("engine RPC calls per second {when} (reconciliation apart)");
    figure(&calls_name(without), quiet_rate, "calls/s", "-", "-");
    figure(
        &calls_name(during),
        flood_calls_rate,
        "calls/s",
        "-",
        &calls_name(without),
    );
    figure("mempool flood sent", flood_rate, "tx/s", "-", "-");
    println!(
        "reconciliation eth_getBalance in those windows ({:.0} s and {:.0} s; a round of up to {} every 15 s, flood or not): {} and {}",
        quiet.elapsed.as_secs_f64(),
        flooded.elapsed.as_secs_f64(),
        chaintill::engine::chain::RECONCILE_BATCH,
        balance_calls(&quiet_calls),
        balance_calls(&flood_calls)
    );
    println!("engine calls without a flood, by method: {quiet_calls:?}");
    println!("engine calls during the flood, by method: {flood_calls:?}");
    println!(
        "| {:<40} | {:>7} | {:>10} | {:>10} | {:>12} |",
        "operation", "n", "p50", "p99", ""
    );
    println!(
        "|{:-<42}|{:-<9}|{:-<12}|{:-<12}|{:-<14}|",
        "", "", "", "", ""
    );
    let missed = [
        (without, quiet.undetected, quiet.unrecorded),
        (during, flooded.undetected, flooded.unrecorded),
    ];
    // Table label, samples; figure name, context, compared with, p99 target.
    for (name, samples, what, context, vs, target) in [
        (
            "payment broadcast -> detected",
            quiet.detected,
            "payment broadcast → detected",
            without,
            None,
            "-",
        ),
        (
            "block available -> payment recorded",
            quiet.recorded,
            "block → payment recorded",
            without,
            None,
            "-",
        ),
        (
            "payment broadcast -> detected (flood)",
            flooded.detected,
            "payment broadcast → detected",
            during,
            Some(without),
            "-",
        ),
        (
            "block available -> payment recorded (flood)",
            flooded.recorded,
            "block → payment recorded",
            during,
            Some(without),
            "≤ 100 ms",
        ),
    ] {
        if !samples.is_empty() {
            row(name, samples).report(what, context, None, target, vs);
        }
    }
    for (when, undetected, unrecorded) in missed {
        if undetected + unrecorded > 0 {
            println!(
                "({when}: {undetected} payments not detected within 10 s, {unrecorded} not recorded in a block within 10 s)"
            );
        }
        let payments = |n: usize, what: &str| {
            figure(
                &format!("payments {what} within 10 s {when}"),
                n as f64,
                "payments",
                "-",
                "-",
            );
        };
        payments(undetected, "not detected");
        payments(unrecorded, "not recorded in a block");
    }
    println!("(the bench polls the database every ~1 ms, so figures include up to that much)");
}

/// What [`customers_pay`] measured.
struct Paid {
    /// The node has the transaction (its send returned) → the session is no longer `pending`.
    detected: Vec<Duration>,
    /// A block is available (the bench's own head subscription) → the payment in it is recorded
    /// with that block.
    recorded: Vec<Duration>,
    /// First session created → last payment recorded.
    elapsed: Duration,
    undetected: usize,
    unrecorded: usize,
}

/// `n` customers pay one after another, each 300 ms after the previous one was detected; the
/// bench reads the database every ~1 ms for both figures at once.
async fn customers_pay(
    svc: &Service,
    p: &alloy::providers::DynProvider,
    payer: alloy_primitives::Address,
    heads: &Mutex<std::collections::HashMap<u64, Instant>>,
    n: usize,
) -> Paid {
    use alloy::network::TransactionBuilder;
    use alloy::providers::Provider;
    let t0 = Instant::now();
    let (mut detected, mut recorded, mut undetected) = (Vec::new(), Vec::new(), 0);
    let mut unrecorded: std::collections::HashSet<String> = Default::default();
    let mut waiting: Option<(String, Instant)> = None;
    let (mut sent, mut next_send) = (0, Instant::now());
    let mut drain_until = None;
    loop {
        if waiting.is_none() && sent < n && Instant::now() >= next_send {
            let s = svc
                .sessions_create(NewSession::for_amount("1.00"), None)
                .await
                .expect("session");
            let tx = alloy::rpc::types::TransactionRequest::default()
                .with_from(payer)
                .with_to(s.address.parse().expect("address"))
                .with_value(s.amount.atomic.parse().expect("amount"));
            let _pending = p.send_transaction(tx).await.expect("send");
            // Timed from here: the node has it (the bench's own filler calls are not the engine's).
            waiting = Some((s.id.clone(), Instant::now()));
            unrecorded.insert(s.id);
            sent += 1;
        }
        if let Some((id, at)) = waiting.clone() {
            let status: String =
                sqlx::query_scalar("SELECT status FROM checkout_sessions WHERE id = ?")
                    .bind(&id)
                    .fetch_one(svc.pool())
                    .await
                    .expect("status");
            if status != "pending" {
                detected.push(at.elapsed());
                waiting = None;
                next_send = Instant::now() + Duration::from_millis(300);
            } else if at.elapsed() > Duration::from_secs(10) {
                undetected += 1;
                waiting = None;
            }
        }
        if !unrecorded.is_empty() {
            let mined: Vec<(String, i64)> = sqlx::query_as(
                "SELECT session_id, block_number FROM payments WHERE block_number IS NOT NULL",
            )
            .fetch_all(svc.pool())
            .await
            .expect("payments");
            for (id, block) in mined {
                if !unrecorded.contains(&id) {
                    continue;
                }
                let seen = heads.lock().unwrap().get(&(block as u64)).copied();
                if let Some(at) = seen {
                    recorded.push(at.elapsed());
                    unrecorded.remove(&id);
                }
            }
        }
        if sent == n && waiting.is_none() {
            let until =
                *drain_until.get_or_insert_with(|| Instant::now() + Duration::from_secs(10));
            if unrecorded.is_empty() || Instant::now() > until {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Paid {
        detected,
        recorded,
        elapsed: t0.elapsed(),
        undetected,
        unrecorded: unrecorded.len(),
    }
}
