//! How cost grows (`-- scaling`, with the per-block table and its 100,000 open sessions): the
//! webhook dispatcher with more endpoints, and the hosted page's event streams piling onto one
//! session while blocks come.

use super::{
    chain_service, cpu_per_block, delivered, figure, mine, ms, percentile, queue_events,
    start_dispatcher, start_receivers, start_watcher, thousands, wait_reconciled, Anvil,
};
use chaintill::engine::{webhooks, Service};
use futures_util::StreamExt;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Deliveries in each backlog of [`dispatcher`].
const DELIVERIES: usize = 10_000;

/// Webhook dispatcher throughput with 1, 10 and 100 endpoints, each its own local receiver
/// answering 200 at once: a backlog of 10,000 deliveries (10,000 / n events, each for every
/// endpoint), timed from the events' commit to the last delivery recorded.
pub async fn dispatcher() {
    println!(
        "Webhook dispatcher, a backlog of {} deliveries over n endpoints (local receivers)",
        thousands(DELIVERIES)
    );
    println!("| endpoints | deliveries/s |");
    println!("|-----------|--------------|");
    let name = |n: usize| {
        let s = if n == 1 { "" } else { "s" };
        format!("dispatcher throughput, {n} endpoint{s}")
    };
    for endpoints in [1, 10, 100] {
        let dir = tempfile::tempdir().expect("tempdir");
        let svc = Service::open(dir.path()).await.expect("open");
        let (urls, _arrivals) = start_receivers(endpoints);
        for url in &urls {
            webhooks::add(&svc, Some("bench"), url, None)
                .await
                .expect("endpoint");
        }
        let stop = start_dispatcher(&svc);
        let t = Instant::now();
        queue_events(&svc, DELIVERIES / endpoints).await;
        svc.outbox_changed();
        while delivered(&svc).await < DELIVERIES as i64 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let rate = DELIVERIES as f64 / t.elapsed().as_secs_f64();
        let _ = stop.send(());
        println!("| {endpoints:>9} | {rate:>12.0} |");
        let anchor = if endpoints == 1 { "-".into() } else { name(1) };
        figure(&name(endpoints), rate, "deliveries/s", "-", &anchor);
    }
}

/// Requests for one session's event stream in [`streams`].
const STREAM_REQUESTS: usize = 2_000;
/// Blocks in each measurement window, one a second.
const BLOCKS: u32 = 10;

/// Engine CPU per block and the API's p99 while one session's event stream (the hosted page's
/// `GET /checkout/{id}/events`) has been asked for 2,000 times, against none. The requests come
/// from 39 loopback addresses, so the per-address cap is not what limits them; the engine keeps
/// [`STREAMS_PER_SESSION`](chaintill::engine::api::page::STREAMS_PER_SESSION) per session and
/// answers 429 beyond, and loads the session once per change for all of its streams. The
/// accepted streams stay open (read) while blocks come, a watcher running.
pub async fn streams() {
    use alloy::providers::{Provider, ProviderBuilder};
    let anvil = Anvil::start(&[]);
    let rpc = format!("http://127.0.0.1:{}", anvil.1);
    let (_dir, svc) = chain_service(&rpc).await;
    let (stop_api, api_stopping) = tokio::sync::oneshot::channel::<()>();
    let (key, session, base) = super::serve_api(&svc, "1.00", async move {
        let _ = api_stopping.await;
    })
    .await;
    let watching = start_watcher(&svc, svc.config().networks[0].clone());
    let p = ProviderBuilder::new()
        .connect(&rpc)
        .await
        .expect("connect")
        .erased();
    wait_reconciled(&svc).await;
    let get = format!("{base}/api/v1/checkout_sessions/{}", session.id);

    let quiet = under_blocks(&svc, &p, &get, &key).await;
    let clients: Vec<reqwest::Client> = (2..=40u8)
        .map(|x| {
            reqwest::Client::builder()
                .local_address(IpAddr::from([127, 0, 0, x]))
                .build()
                .expect("client")
        })
        .collect();
    let events = format!("{base}/checkout/{}/events", session.id);
    let (held, refused, failed) = open_streams(&clients, &events).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let busy = under_blocks(&svc, &p, &get, &key).await;
    let accepted = held.len();
    drop(held);
    watching.stop().await;
    let _ = stop_api.send(());

    let n = thousands(STREAM_REQUESTS);
    println!(
        "Event streams: {n} requests for one session's stream from {} loopback addresses, {} at most per session and {} per address",
        clients.len(),
        chaintill::engine::api::page::STREAMS_PER_SESSION,
        chaintill::engine::api::page::STREAMS_PER_CLIENT,
    );
    println!(
        "accepted (200, held open) {accepted}, refused (429) {refused}, failed otherwise {failed}"
    );
    println!("| {BLOCKS} blocks, 1 s apart | engine CPU/block | API p99 (GET session) | page feed loads/block |");
    println!("|---|---|---|---|");
    println!(
        "| no streams | {:.2?} | {:.2?} | {:.1} |",
        quiet.cpu, quiet.p99, quiet.loads
    );
    println!(
        "| {n} stream requests | {:.2?} | {:.2?} | {:.1} |",
        busy.cpu, busy.p99, busy.loads
    );
    println!("(CPU as in the per-block table; the API is sampled every 10 ms over {BLOCKS} further blocks)");
    let cpu_none = "engine CPU per block, no streams";
    figure(cpu_none, ms(quiet.cpu), "ms", "-", "-");
    figure(
        &format!("engine CPU per block, {n} stream requests on one session"),
        ms(busy.cpu),
        "ms",
        "≤ 5 ms more than with none",
        cpu_none,
    );
    figure(
        &format!("streams accepted of {n}"),
        accepted as f64,
        "streams",
        "-",
        "-",
    );
    figure(
        &format!("stream requests refused (429) of {n}"),
        refused as f64,
        "requests",
        "-",
        "-",
    );
    figure(
        &format!("page feed loads per block, {n} stream requests on one session"),
        busy.loads,
        "loads/block",
        "-",
        "-",
    );
    let p99_none = "API p99, no streams";
    figure(p99_none, ms(quiet.p99), "ms", "-", "-");
    figure(
        &format!("API p99 with {n} stream requests"),
        ms(busy.p99),
        "ms",
        "-",
        p99_none,
    );
}

/// What [`under_blocks`] measured.
struct Window {
    /// This process's CPU time per block.
    cpu: Duration,
    /// `GET` of the session through the API, p99.
    p99: Duration,
    /// Loads of the session for its event streams, per block.
    loads: f64,
}

/// [`BLOCKS`] blocks one a second while this process's CPU time is counted, then as many while
/// the API is asked for the session at `url` every 10 ms.
async fn under_blocks(
    svc: &Service,
    p: &alloy::providers::DynProvider,
    url: &str,
    key: &str,
) -> Window {
    let gap = Duration::from_secs(1);
    let loads = svc.page_streams().loads();
    let cpu = cpu_per_block(p, BLOCKS, gap).await;
    let loads = (svc.page_streams().loads() - loads) as f64 / f64::from(BLOCKS);
    let client = reqwest::Client::new();
    let mining = std::sync::atomic::AtomicBool::new(true);
    let (_, mut samples) = tokio::join!(
        async {
            mine(p, BLOCKS, gap).await;
            mining.store(false, std::sync::atomic::Ordering::Relaxed);
        },
        async {
            let mut samples = Vec::new();
            while mining.load(std::sync::atomic::Ordering::Relaxed) {
                let t = Instant::now();
                let resp = client.get(url).bearer_auth(key).send().await;
                let body = resp
                    .and_then(reqwest::Response::error_for_status)
                    .expect("GET session")
                    .bytes()
                    .await;
                std::hint::black_box(body.expect("body"));
                samples.push(t.elapsed());
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            samples
        }
    );
    samples.sort();
    Window {
        cpu,
        p99: percentile(&samples, 0.99),
        loads,
    }
}

/// Asks for the event stream at `url` [`STREAM_REQUESTS`] times, 64 requests in flight, from
/// `clients` in turn. The accepted streams are read by the tasks returned (dropping them closes
/// the streams); also returns how many requests were refused with 429, and how many failed
/// otherwise.
async fn open_streams(
    clients: &[reqwest::Client],
    url: &str,
) -> (tokio::task::JoinSet<()>, usize, usize) {
    let answers: Vec<Result<reqwest::Response, Option<reqwest::StatusCode>>> =
        futures_util::stream::iter(0..STREAM_REQUESTS)
            .map(|i| async move {
                let resp = clients[i % clients.len()]
                    .get(url)
                    .send()
                    .await
                    .map_err(|_| None)?;
                match resp.status() {
                    reqwest::StatusCode::OK => Ok(resp),
                    status => {
                        let _ = resp.bytes().await; // the connection goes back to the pool
                        Err(Some(status))
                    }
                }
            })
            .buffer_unordered(64)
            .collect()
            .await;
    let mut held = tokio::task::JoinSet::new();
    let (mut refused, mut failed) = (0, 0);
    for answer in answers {
        match answer {
            Ok(mut stream) => {
                held.spawn(async move { while let Ok(Some(_)) = stream.chunk().await {} });
            }
            Err(Some(reqwest::StatusCode::TOO_MANY_REQUESTS)) => refused += 1,
            Err(_) => failed += 1,
        }
    }
    (held, refused, failed)
}
