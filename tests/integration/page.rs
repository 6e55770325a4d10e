//! The hosted checkout page over real HTTP: what it shows and never shows, its QR code, and its
//! live stream. (The page in a real browser, paid on anvil: tests/e2e/checkout-page.test.mjs.)

use crate::api::Api;
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::time::Duration;

async fn create(api: &Api) -> Value {
    let body = json!({"amount": {"value": "50.00"}, "metadata": {"orderId": "secret-order-77"},
                      "successUrl": "https://your-store.com/success?o=77"});
    let (code, s) = api
        .call("POST", "/api/v1/checkout_sessions", Some(body))
        .await;
    assert_eq!(code, 200);
    s
}

#[tokio::test]
async fn the_page_shows_what_is_needed_to_pay_and_never_metadata() {
    let api = Api::start(0, None).await;
    let s = create(&api).await;
    let id = s["id"].as_str().unwrap();
    let res = api
        .http
        .get(format!("{}/checkout/{id}", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    let html = res.text().await.unwrap();
    for shown in [
        "Corner Coffee",
        "50.00 USD",
        "0.016667",
        "ETH",
        "Local devnet",
        s["address"].as_str().unwrap(),
        "qr.svg",
        "Copy address",
    ] {
        assert!(html.contains(shown), "page lacks {shown}");
    }
    assert!(
        !html.contains("secret-order-77"),
        "metadata leaked into the page"
    );
    assert!(
        !html.contains("your-store.com"),
        "the success link is only for a paid session"
    );

    let state: Value = api
        .http
        .get(format!("{}/checkout/{id}/state", api.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["status"], "pending");
    assert_eq!(state["amountDue"], "0.016667");
    assert!(state.get("metadata").is_none() && !state.to_string().contains("secret-order-77"));

    let qr = api
        .http
        .get(format!("{}/checkout/{id}/qr.svg", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert!(qr.text().await.unwrap().contains("<svg"));

    for path in [
        "/checkout/cs_01JD3Q8Z6W7N5K2M4P9R0T1V3X",
        "/checkout/nope",
        "/checkout/nope/qr.svg",
        "/checkout/nope/events",
        "/checkout/%a0",
    ] {
        let res = api
            .http
            .get(format!("{}{path}", api.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{path}");
        assert!(res.text().await.unwrap().contains("not valid"), "{path}");
    }
    let js = api
        .http
        .get(format!("{}/checkout/assets/checkout.js", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        js.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
}

#[tokio::test]
async fn the_event_stream_sends_the_state_then_each_change() {
    let api = Api::start(0, None).await;
    let s = create(&api).await;
    let id = s["id"].as_str().unwrap();
    let res = api
        .http
        .get(format!("{}/checkout/{id}/events", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut stream = res.bytes_stream();
    let mut buf = String::new();
    let first = next_event(&mut stream, &mut buf).await;
    assert_eq!(first["status"], "pending");
    assert!(!first.to_string().contains("secret-order-77"));
    cancel(&api, id).await;
    let second = next_event(&mut stream, &mut buf).await;
    assert_eq!(second["status"], "canceled");
}

/// Cancels session `id` through the API.
async fn cancel(api: &Api, id: &str) {
    let url = format!("/api/v1/checkout_sessions/{id}/cancel");
    assert_eq!(api.call("POST", &url, None).await.0, 200);
}

/// Reads Server-Sent Events until the next `session` event; returns its data.
async fn next_event(
    stream: &mut (impl futures_util::Stream<Item = reqwest::Result<axum::body::Bytes>> + Unpin),
    buf: &mut String,
) -> Value {
    loop {
        if let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            if let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) {
                assert!(frame.contains("event: session"), "{frame}");
                return serde_json::from_str(data).unwrap();
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("an event within 10 s")
            .expect("stream open")
            .unwrap();
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

#[tokio::test]
async fn the_engine_stops_on_sigterm_while_a_customer_page_is_streaming() {
    let shop = crate::common::Shop::with_test_wallet();
    let (mut engine, base) = shop.serve_api();
    let s = shop.json(&["sessions", "create", "--amount", "2.00"]);
    let id = s["id"].as_str().unwrap();
    let res = reqwest::get(format!("{base}/checkout/{id}/events"))
        .await
        .unwrap();
    let mut stream = res.bytes_stream();
    let mut buf = String::new();
    assert_eq!(next_event(&mut stream, &mut buf).await["status"], "pending");

    let term = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(engine.id().to_string())
        .status()
        .unwrap();
    assert!(term.success());
    for _ in 0..200 {
        if let Some(status) = engine.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            // The stream was ended by the server, not cut.
            assert!(stream.next().await.is_none());
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = engine.kill();
    panic!("`chaintill serve` did not stop within 10 s of SIGTERM with an event stream open");
}

/// SPEC §7 (issue 16, case 10): a session's change is read once and fanned out to all its
/// streams; streams per session and per client are capped (429 beyond, with Retry-After).
#[tokio::test]
async fn many_viewers_cost_one_load_per_change_and_streams_are_capped() {
    use chaintill::engine::api::page::{STREAMS_PER_CLIENT, STREAMS_PER_SESSION};
    let api = Api::start(0, None).await;
    let s = create(&api).await;
    let id = s["id"].as_str().unwrap();
    let open = |id: String| {
        let (http, base) = (api.http.clone(), api.base.clone());
        async move {
            http.get(format!("{base}/checkout/{id}/events"))
                .send()
                .await
                .unwrap()
        }
    };
    let mut streams = Vec::new();
    for _ in 0..STREAMS_PER_SESSION {
        let res = open(id.to_string()).await;
        assert_eq!(res.status(), 200);
        let mut stream = res.bytes_stream();
        let mut buf = String::new();
        assert_eq!(next_event(&mut stream, &mut buf).await["status"], "pending");
        streams.push((stream, buf));
    }
    let over = open(id.to_string()).await;
    assert_eq!(over.status(), 429);
    assert!(over.headers().contains_key("retry-after"));
    // All of them were served by one load; a change is read once for all of them.
    let before = api.svc.page_streams().loads();
    assert!(
        before <= 2,
        "{before} loads for {STREAMS_PER_SESSION} viewers"
    );
    cancel(&api, id).await;
    for (stream, buf) in &mut streams {
        assert_eq!(next_event(stream, buf).await["status"], "canceled");
    }
    let after = api.svc.page_streams().loads();
    assert!(
        after - before <= 3,
        "{} loads for one change seen by {STREAMS_PER_SESSION} viewers",
        after - before
    );
    // A stream that ends gives its place back.
    streams.pop();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(open(id.to_string()).await.status(), 200);
    drop(streams);

    // Per client: one address opens at most STREAMS_PER_CLIENT, over any sessions.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut held = Vec::new();
    while held.len() < STREAMS_PER_CLIENT {
        let other = create(&api).await;
        for _ in 0..STREAMS_PER_SESSION.min(STREAMS_PER_CLIENT - held.len()) {
            let res = open(other["id"].as_str().unwrap().to_string()).await;
            assert_eq!(res.status(), 200, "stream {}", held.len() + 1);
            held.push(res);
        }
    }
    let other = create(&api).await;
    assert_eq!(
        open(other["id"].as_str().unwrap().to_string())
            .await
            .status(),
        429
    );
}

/// SPEC §7 (issue 16, case 10): a client that sends half a request is cut off after 10 s; a
/// kept-alive connection between requests is not (an order system's pool); a connection that
/// sends nothing at all is closed once idle.
#[tokio::test]
async fn half_requests_and_idle_connections_are_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let api = Api::start(0, None).await;
    let addr = api.base.trim_start_matches("http://").to_string();
    let closed_within = |mut conn: tokio::net::TcpStream, limit: Duration| async move {
        let mut buf = [0u8; 1024];
        let started = std::time::Instant::now();
        loop {
            match tokio::time::timeout(limit.saturating_sub(started.elapsed()), conn.read(&mut buf))
                .await
            {
                Err(_) => return None,
                Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
                Ok(Ok(_)) => {} // a 408 before the close is fine
            }
        }
    };
    let mut half = tokio::net::TcpStream::connect(&addr).await.unwrap();
    half.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut kept = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let request = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
    assert!(answered(&mut kept, request).await);
    let (half, silent, kept_ok) = tokio::join!(
        closed_within(half, Duration::from_secs(20)),
        closed_within(silent, Duration::from_secs(90)),
        async {
            // Quiet for 15 s between two requests: still served.
            tokio::time::sleep(Duration::from_secs(15)).await;
            answered(&mut kept, request).await
        }
    );
    let half = half.expect("half a request still open 20 s later");
    assert!(half >= Duration::from_secs(9), "closed after {half:?}");
    assert!(kept_ok, "a kept-alive connection was cut between requests");
    let silent = silent.expect("a silent connection still open 90 s later");
    assert!(silent >= Duration::from_secs(70), "closed after {silent:?}");
    // The server still serves.
    assert_eq!(api.call("GET", "/api/v1/health", None).await.0, 200);
}

/// Sends `request` on `conn`; whether a 200 came back.
async fn answered(conn: &mut tokio::net::TcpStream, request: &[u8]) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    conn.write_all(request).await.unwrap();
    let mut buf = vec![0u8; 8192];
    let n = conn.read(&mut buf).await.unwrap();
    String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200")
}
