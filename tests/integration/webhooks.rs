//! Webhook delivery to real HTTP receivers on 127.0.0.1:0.

use crate::common::{bin, Shop};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chaintill::engine::clock::ManualClock;
use chaintill::engine::events;
use chaintill::engine::webhooks::{
    self,
    dispatcher::{Dispatcher, Limits},
    signing,
};
use chaintill::engine::Service;
use std::io::{BufRead, BufReader};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the receiver saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub headers: HeaderMap,
    pub body: Bytes,
}

type Script = Arc<dyn Fn(usize) -> Response + Send + Sync>;

#[derive(Clone)]
struct Receiver {
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Script,
}

async fn handle(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    let n = {
        let mut seen = r.seen.lock().unwrap();
        seen.push(Seen { headers, body });
        seen.len()
    };
    (r.script)(n)
}

/// Starts a receiver that answers request `n` (1-based) with `script(n)`; returns its URL and log.
pub async fn receiver(
    script: impl Fn(usize) -> Response + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let app = axum::Router::new().fallback(handle).with_state(Receiver {
        seen: seen.clone(),
        script: Arc::new(script),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

pub fn status(code: u16) -> Response {
    StatusCode::from_u16(code).unwrap().into_response()
}

async fn shop_with_config(webhooks_toml: &str, clock: Option<ManualClock>) -> (Shop, Service) {
    let shop = Shop::empty();
    std::fs::write(
        shop.path().join("chaintill.toml"),
        format!("[webhooks]\n{webhooks_toml}\n"),
    )
    .unwrap();
    let svc = match clock {
        Some(c) => Service::open_with_clock(shop.path(), Arc::new(c))
            .await
            .unwrap(),
        None => Service::open(shop.path()).await.unwrap(),
    };
    (shop, svc)
}

/// Writes an event the way the checkout layer does and wakes the dispatcher.
async fn raise(svc: &Service, kind: &str) -> String {
    let mut tx = svc.pool().begin().await.unwrap();
    let id = events::record(
        &mut tx,
        kind,
        None,
        false,
        &serde_json::json!({"object": "checkout_session", "id": "cs_test"}),
        svc.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    svc.outbox_changed();
    id.to_string()
}

/// Runs a dispatcher for `svc` (polling every 20 ms) until the returned sender is dropped.
pub fn spawn_dispatcher(svc: &Service) -> tokio::sync::oneshot::Sender<()> {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let d = Dispatcher::with_limits(
        svc.clone(),
        Limits {
            idle_poll: Duration::from_millis(20),
            ..Limits::default()
        },
    );
    tokio::spawn(d.run(async move {
        let _ = rx.await;
    }));
    tx
}

/// Polls `f` every 20 ms until it returns a value (15 s at most).
pub async fn until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    for _ in 0..750 {
        if let Some(v) = f() {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn attempts(svc: &Service, endpoint: &str) -> Vec<webhooks::Attempt> {
    let mut a = webhooks::attempts(svc, endpoint, None, Some(100), None)
        .await
        .unwrap()
        .data;
    a.reverse();
    a
}

async fn wait_attempts(svc: &Service, endpoint: &str, n: usize) -> Vec<webhooks::Attempt> {
    for _ in 0..300 {
        let a = attempts(svc, endpoint).await;
        if a.len() >= n {
            return a;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "expected {n} attempts, got {:?}",
        attempts(svc, endpoint).await
    );
}

fn secs_between(a: i64, b: i64) -> f64 {
    (b - a) as f64 / 1000.0
}

#[tokio::test]
async fn failing_then_succeeding_follows_the_schedule_on_a_test_clock() {
    let clock = ManualClock::new(chrono::Utc::now());
    let (_shop, svc) = shop_with_config(
        "retry_schedule_secs = [0, 5, 300]\ntimeout_secs = 5",
        Some(clock.clone()),
    )
    .await;
    let (url, seen) = receiver(|n| if n < 3 { status(500) } else { status(204) }).await;
    let ep = webhooks::add(&svc, Some("orders"), &url, None)
        .await
        .unwrap();
    let stop = spawn_dispatcher(&svc);
    let event = raise(&svc, "session.paid").await;

    let a = wait_attempts(&svc, &ep.endpoint.id, 1).await;
    assert_eq!(
        (a[0].attempt, a[0].http_status, a[0].error.as_deref()),
        (1, Some(500), Some("HTTP 500"))
    );
    let wait = secs_between(a[0].started_at, a[0].next_retry_at.unwrap());
    assert!((4.0..=6.1).contains(&wait), "5 s ±20 %: {wait}");

    // Nothing more happens until the clock reaches the retry time.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(seen.lock().unwrap().len(), 1);
    clock.advance(chrono::Duration::seconds(7));
    let a = wait_attempts(&svc, &ep.endpoint.id, 2).await;
    assert_eq!((a[1].attempt, a[1].http_status), (2, Some(500)));
    let wait = secs_between(a[1].started_at, a[1].next_retry_at.unwrap());
    assert!((240.0..=360.1).contains(&wait), "300 s ±20 %: {wait}");

    clock.advance(chrono::Duration::seconds(361));
    let a = wait_attempts(&svc, &ep.endpoint.id, 3).await;
    assert_eq!(
        (
            a[2].attempt,
            a[2].http_status,
            a[2].error.clone(),
            a[2].next_retry_at
        ),
        (3, Some(204), None, None)
    );

    // Same event id on every attempt; a fresh timestamp each time; both schemes verify.
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    let stamps: Vec<String> = seen
        .iter()
        .map(|s| s.headers["webhook-timestamp"].to_str().unwrap().to_string())
        .collect();
    assert!(
        stamps[0] != stamps[1] && stamps[1] != stamps[2],
        "{stamps:?}"
    );
    for (s, stamp) in seen.iter().zip(&stamps) {
        assert_eq!(s.headers["webhook-id"], event.as_str());
        assert_eq!(s.headers["content-type"], "application/json");
        assert!(s.headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("Chaintill/"));
        let now = stamp.parse::<i64>().unwrap();
        signing::verify_x_signature(
            s.headers["x-webhook-signature"].to_str().unwrap(),
            &s.body,
            &ep.secret,
            now,
        )
        .unwrap();
        signing::verify_standard(
            &event,
            stamp,
            s.headers["webhook-signature"].to_str().unwrap(),
            &s.body,
            &ep.secret,
            now,
        )
        .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&s.body).unwrap();
        assert_eq!(body["id"], event.as_str());
        assert_eq!(body["type"], "session.paid");
    }
    // A delivery that succeeded is not sent again.
    clock.advance(chrono::Duration::hours(20));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(attempts(&svc, &ep.endpoint.id).await.len(), 3);
    let _ = stop.send(());
}

#[tokio::test]
async fn the_schedule_ends_in_failure_and_the_log_keeps_everything() {
    let clock = ManualClock::new(chrono::Utc::now());
    let (_shop, svc) = shop_with_config("retry_schedule_secs = [0, 1]", Some(clock.clone())).await;
    let (url, _seen) =
        receiver(|_| (StatusCode::INTERNAL_SERVER_ERROR, "x".repeat(10_000)).into_response()).await;
    let ep = webhooks::add(&svc, None, &url, None).await.unwrap();
    let stop = spawn_dispatcher(&svc);
    raise(&svc, "session.created").await;
    wait_attempts(&svc, &ep.endpoint.id, 1).await;
    clock.advance(chrono::Duration::seconds(2));
    let a = wait_attempts(&svc, &ep.endpoint.id, 2).await;
    assert_eq!(a[1].next_retry_at, None);
    assert_eq!(
        a[1].response_body.len(),
        4096,
        "first 4 KiB of the response"
    );
    let status: String = sqlx::query_scalar("SELECT status FROM deliveries")
        .fetch_one(svc.pool())
        .await
        .unwrap();
    assert_eq!(status, "failed");
    let _ = stop.send(());
}

#[tokio::test]
async fn slower_than_the_timeout_is_a_failure() {
    let (_shop, svc) =
        shop_with_config("retry_schedule_secs = [0, 600]\ntimeout_secs = 1", None).await;
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let app = axum::Router::new().fallback(|| async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        "late"
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let ep = webhooks::add(&svc, None, &url, None).await.unwrap();
    let a = webhooks::send_test(&svc, &ep.endpoint.id, None)
        .await
        .unwrap();
    assert_eq!(a.http_status, None);
    assert_eq!(a.error.as_deref(), Some("no response within 1 s"));
    assert!(
        a.duration_ms >= 1000 && a.duration_ms < 2900,
        "{}",
        a.duration_ms
    );
    assert!(a.next_retry_at.is_some());
    drop(seen);
}

#[tokio::test]
async fn gone_disables_the_endpoint() {
    let (_shop, svc) = shop_with_config("", None).await;
    let (url, seen) = receiver(|_| status(410)).await;
    let ep = webhooks::add(&svc, None, &url, None).await.unwrap();
    let a = webhooks::send_test(&svc, &ep.endpoint.id, None)
        .await
        .unwrap();
    assert_eq!((a.http_status, a.next_retry_at), (Some(410), None));
    let after = webhooks::get(&svc, &ep.endpoint.id, None).await.unwrap();
    assert_eq!(after.status, "disabled");
    assert!(after.disabled_reason.unwrap().contains("410"));
    // New events are no longer queued for it.
    raise(&svc, "session.created").await;
    let queued: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'")
            .fetch_one(svc.pool())
            .await
            .unwrap();
    assert_eq!(queued, 0);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let (_shop, svc) = shop_with_config("", None).await;
    let (target, target_seen) = receiver(|_| status(200)).await;
    let (url, _) =
        receiver(move |_| (StatusCode::FOUND, [("location", target.clone())]).into_response())
            .await;
    let ep = webhooks::add(&svc, None, &url, None).await.unwrap();
    let a = webhooks::send_test(&svc, &ep.endpoint.id, None)
        .await
        .unwrap();
    assert_eq!(a.http_status, Some(302));
    assert!(a
        .error
        .unwrap()
        .starts_with("redirect to http://127.0.0.1:"));
    assert!(a.next_retry_at.is_some());
    assert!(
        target_seen.lock().unwrap().is_empty(),
        "the redirect target was never called"
    );
}

#[tokio::test]
async fn retry_after_is_honoured_when_longer() {
    let (_shop, svc) = shop_with_config("retry_schedule_secs = [0, 5, 5]", None).await;
    let (url, _) = receiver(|n| {
        if n == 1 {
            (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "600")]).into_response()
        } else {
            (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "1")]).into_response()
        }
    })
    .await;
    let ep = webhooks::add(&svc, None, &url, None).await.unwrap();
    let a = webhooks::send_test(&svc, &ep.endpoint.id, None)
        .await
        .unwrap();
    let wait = secs_between(a.started_at, a.next_retry_at.unwrap());
    assert!(
        (599.0..=601.0).contains(&wait),
        "Retry-After: 600 wins over 5 s: {wait}"
    );
    // A shorter Retry-After does not shorten the schedule.
    let a = webhooks::send_test(&svc, &ep.endpoint.id, None)
        .await
        .unwrap();
    let wait = secs_between(a.started_at, a.next_retry_at.unwrap());
    assert!((3.9..=6.1).contains(&wait), "{wait}");
}

#[tokio::test]
async fn endpoint_rules_and_filters() {
    let (_shop, svc) = shop_with_config("", None).await;
    let e = webhooks::add(&svc, None, "http://8.8.8.8/x", None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("https://"), "{e}");
    let e = webhooks::add(
        &svc,
        None,
        "https://x.example",
        Some(vec!["session.nope".into()]),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("unknown event type"), "{e}");
    let (url, seen) = receiver(|_| status(200)).await;
    let paid_only = webhooks::add(&svc, None, &url, Some(vec!["session.paid".into()]))
        .await
        .unwrap();
    assert_eq!(paid_only.endpoint.events, vec!["session.paid"]);
    raise(&svc, "session.created").await;
    raise(&svc, "session.paid").await;
    let queued: Vec<String> =
        sqlx::query_scalar("SELECT e.type FROM deliveries d JOIN events e ON e.id = d.event_id")
            .fetch_all(svc.pool())
            .await
            .unwrap();
    assert_eq!(queued, vec!["session.paid"]);
    // Secrets never appear in lists or gets.
    let listed = serde_json::to_string(&webhooks::list(&svc, None).await.unwrap()).unwrap();
    assert!(!listed.contains(&paid_only.secret) && !listed.contains("whsec_"));
    // Removing cancels what was queued.
    webhooks::remove(&svc, &paid_only.endpoint.id, None)
        .await
        .unwrap();
    let pending: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'")
            .fetch_one(svc.pool())
            .await
            .unwrap();
    assert_eq!(pending, 0);
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn resend_delivers_any_event_again() {
    let (_shop, svc) = shop_with_config("", None).await;
    let (url, seen) = receiver(|_| status(200)).await;
    let ep = webhooks::add(&svc, None, &url, None).await.unwrap();
    let event = raise(&svc, "session.paid").await;
    let a = webhooks::resend(&svc, &event, &ep.endpoint.id, None)
        .await
        .unwrap();
    assert_eq!(a.http_status, Some(200));
    let a = webhooks::resend_to_subscribers(&svc, &event, None)
        .await
        .unwrap();
    assert_eq!(a.len(), 1);
    let seen = seen.lock().unwrap();
    assert!(
        seen.len() >= 2
            && seen
                .iter()
                .all(|s| s.headers["webhook-id"] == event.as_str())
    );
}

/// Starts `node tests/webhooks/receiver.mjs` verifying with `secrets`; returns it and its URL.
fn node_receiver(
    secrets: &[&str],
) -> (
    std::process::Child,
    BufReader<std::process::ChildStdout>,
    String,
) {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut child = std::process::Command::new("node")
        .arg(format!("{root}/tests/webhooks/receiver.mjs"))
        .current_dir(root)
        .env("SECRETS", secrets.join(","))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let port = serde_json::from_str::<serde_json::Value>(&line).unwrap()["port"]
        .as_u64()
        .unwrap();
    (child, out, format!("http://127.0.0.1:{port}/webhooks"))
}

#[tokio::test]
async fn the_standard_webhooks_library_and_a_stripe_style_verifier_accept_our_signatures_through_a_rotation(
) {
    let (_shop, svc) = shop_with_config("", None).await;
    let ep = webhooks::add(&svc, None, "http://127.0.0.1:9/", None)
        .await
        .unwrap();
    let old = ep.secret.clone();
    let (mut node, mut out, url) = node_receiver(&[&old]);
    sqlx::query("UPDATE webhook_endpoints SET url = ?")
        .bind(&url)
        .execute(svc.pool())
        .await
        .unwrap();

    let a = webhooks::send_test(&svc, &ep.endpoint.id, None)
        .await
        .unwrap();
    assert_eq!(a.http_status, Some(200), "{a:?}");
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let r: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(
        (r["standard"].clone(), r["stripe"].clone()),
        (serde_json::json!([true]), serde_json::json!([true])),
        "{line}"
    );
    node.kill().unwrap();

    // After a rotation both secrets verify, each on its own, during the overlap.
    let new = webhooks::rotate(&svc, &ep.endpoint.id, None)
        .await
        .unwrap()
        .secret;
    let (mut node, mut out, url) = node_receiver(&[&old, &new]);
    sqlx::query("UPDATE webhook_endpoints SET url = ?")
        .bind(&url)
        .execute(svc.pool())
        .await
        .unwrap();
    let a = webhooks::send_test(&svc, &ep.endpoint.id, None)
        .await
        .unwrap();
    assert_eq!(a.http_status, Some(200), "{a:?}");
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let r: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(r["standard"], serde_json::json!([true, true]), "{line}");
    assert_eq!(r["stripe"], serde_json::json!([true, true]), "{line}");
    node.kill().unwrap();
}

#[test]
fn the_engine_killed_mid_schedule_resumes_and_delivers_what_came_while_it_was_down() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let shop = Shop::with_test_wallet();
    std::fs::write(
        shop.path().join("chaintill.toml"),
        format!(
            "{}\n",
            chaintill::engine::config::DEFAULT_CONFIG.replace(
                "retry_schedule_secs = [0, 5, 300, 1800, 7200, 18000, 36000, 36000]",
                "retry_schedule_secs = [0, 2, 2]"
            )
        ),
    )
    .unwrap();
    let (url, seen) = rt.block_on(receiver(|n| if n == 1 { status(503) } else { status(200) }));
    let secret = shop.ok(&[
        "webhooks",
        "add",
        "--url",
        &url,
        "--events",
        "session.created",
    ]);
    assert!(secret.trim().starts_with("whsec_"));

    let mut engine = shop.serve();
    let first = shop.json(&["sessions", "create", "--amount", "1"]);
    rt.block_on(until("the first attempt", || {
        (seen.lock().unwrap().len() == 1).then_some(())
    }));
    // Once the failed attempt and its retry time are on disk, kill without a chance to clean up.
    // (Killed before that, the attempt's lease would run out first: at-least-once, later.)
    for _ in 0..750 {
        if crate::common::count(&shop, "delivery_attempts") == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(crate::common::count(&shop, "delivery_attempts"), 1);
    engine.kill().unwrap();
    engine.wait().unwrap();

    // While the engine is down: the retry falls due, and a new event is raised.
    let second = shop.json(&["sessions", "create", "--amount", "2"]);
    std::thread::sleep(Duration::from_millis(2600));
    assert_eq!(seen.lock().unwrap().len(), 1);

    let mut engine = shop.serve();
    rt.block_on(until("both events delivered", || {
        (seen.lock().unwrap().len() >= 3).then_some(())
    }));
    std::thread::sleep(Duration::from_millis(300));
    engine.kill().unwrap();
    engine.wait().unwrap();

    let bodies: Vec<serde_json::Value> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| serde_json::from_slice(&s.body).unwrap())
        .collect();
    let ids: Vec<&str> = bodies
        .iter()
        .map(|b| b["data"]["object"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids.len(),
        3,
        "one failed attempt, then each event once: {ids:?}"
    );
    assert_eq!(ids[0], first["id"].as_str().unwrap());
    assert!(
        ids[1..].contains(&first["id"].as_str().unwrap())
            && ids[1..].contains(&second["id"].as_str().unwrap())
    );
}

#[test]
fn webhooks_listen_verifies_what_the_engine_sends_and_rejects_forgeries() {
    let shop = Shop::empty();
    let secret = shop
        .ok(&["webhooks", "add", "--url", "http://127.0.0.1:9/"])
        .trim()
        .to_string();
    let mut listen = std::process::Command::new(bin())
        .args(["webhooks", "listen", "--port", "0", "--secret", &secret])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(listen.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    out.read_line(&mut line).unwrap();

    // Point the endpoint at the listener and send a test event through the engine's code path.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let svc = Service::open(shop.path()).await.unwrap();
        sqlx::query("UPDATE webhook_endpoints SET url = ?")
            .bind(format!("http://{addr}/"))
            .execute(svc.pool())
            .await
            .unwrap();
    });
    let ep = shop.json(&["webhooks", "list", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let printed = shop.ok(&["webhooks", "test", &ep]);
    assert!(printed.contains("HTTP 200"), "{printed}");
    let mut event_line = String::new();
    out.read_line(&mut event_line).unwrap();
    assert!(
        event_line.contains("--> webhook.test [evt_") && event_line.contains("signatures verified"),
        "{event_line}"
    );

    // A request signed with another secret is refused with 400 and reported.
    let forged = signing::sign(
        "evt_forged",
        chrono::Utc::now().timestamp(),
        b"{}",
        &[&signing::generate_secret()],
    )
    .unwrap();
    let status = rt.block_on(async {
        reqwest::Client::new()
            .post(format!("http://{addr}/"))
            .header("X-Webhook-Signature", forged.x_webhook_signature)
            .header("webhook-id", forged.webhook_id)
            .header("webhook-timestamp", forged.webhook_timestamp)
            .header("webhook-signature", forged.webhook_signature)
            .body("{}")
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status.as_u16(), 400);
    let mut rejected = String::new();
    loop {
        rejected.clear();
        out.read_line(&mut rejected).unwrap();
        if rejected.contains("rejected") || rejected.is_empty() {
            break;
        }
    }
    assert!(
        rejected.contains("rejected: X-Webhook-Signature"),
        "{rejected}"
    );
    listen.kill().unwrap();
    listen.wait().unwrap();
}
