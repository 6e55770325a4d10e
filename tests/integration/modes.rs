//! Endpoint modes (SPEC §5) against real receivers: a test key's endpoint is a test endpoint that
//! receives test events only and that only test keys reach; live endpoints (a live key's, the
//! CLI's) receive live and test events and only live keys see them.

use crate::api::Api;
use crate::webhooks::{receiver, spawn_dispatcher, status, until, Seen};
use chaintill::engine::webhooks;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const ENDPOINTS: &str = "/api/v1/webhook_endpoints";

/// The session ids of the `session.*` events a receiver got, sorted.
fn sessions_seen(seen: &Arc<Mutex<Vec<Seen>>>) -> Vec<String> {
    let mut ids: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| serde_json::from_slice::<Value>(&s.body).unwrap())
        .filter(|e| e["type"].as_str().unwrap().starts_with("session."))
        .map(|e| e["data"]["object"]["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

async fn add_endpoint(api: &Api, key: &str, url: &str) -> Value {
    let body = json!({"name": "orders", "url": url}).to_string();
    let (code, _, ep) = api
        .raw("POST", ENDPOINTS, Some(key), Some(&body), &[])
        .await;
    assert_eq!(code, 200, "{ep}");
    ep
}

async fn create_session(api: &Api, key: &str) -> String {
    let body = json!({"amount": {"value": "10.00"}}).to_string();
    let (code, _, s) = api
        .raw(
            "POST",
            "/api/v1/checkout_sessions",
            Some(key),
            Some(&body),
            &[],
        )
        .await;
    assert_eq!(code, 200, "{s}");
    s["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn test_endpoints_get_test_events_only_and_live_ones_get_both() {
    let api = Api::start(0, None).await;
    let _dispatcher = spawn_dispatcher(&api.svc);
    let (test_url, test_seen) = receiver(|_| status(200)).await;
    let (live_url, live_seen) = receiver(|_| status(200)).await;
    let (cli_url, cli_seen) = receiver(|_| status(200)).await;

    let test_ep = add_endpoint(&api, &api.test_key, &test_url).await;
    assert_eq!(test_ep["livemode"], false);
    let live_ep = add_endpoint(&api, &api.live_key, &live_url).await;
    assert_eq!(live_ep["livemode"], true);
    let cli = api
        .shop()
        .json(&["webhooks", "add", "--url", &cli_url, "--json"]);
    assert_eq!(cli["livemode"], true, "the CLI adds live endpoints: {cli}");

    // A test session (grouped creates write their events through the multi-row path) and a live
    // one, created without a node: both networks have fixed rates.
    let test_s = create_session(&api, &api.test_key).await;
    let live_s = create_session(&api, &api.live_key).await;
    until("the CLI's endpoint to receive both", || {
        (sessions_seen(&cli_seen).len() == 2).then_some(())
    })
    .await;
    until("the live endpoint to receive both", || {
        (sessions_seen(&live_seen).len() == 2).then_some(())
    })
    .await;
    until("the test endpoint to receive the test session", || {
        (!sessions_seen(&test_seen).is_empty()).then_some(())
    })
    .await;
    // A cancel is an event of its own (the single-row path).
    let (code, _, _) = api
        .raw(
            "POST",
            &format!("/api/v1/checkout_sessions/{live_s}/cancel"),
            Some(&api.live_key),
            None,
            &[],
        )
        .await;
    assert_eq!(code, 200);
    until("the live cancel to reach the live endpoints", || {
        (sessions_seen(&cli_seen).len() == 3 && sessions_seen(&live_seen).len() == 3).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sessions_seen(&test_seen), std::slice::from_ref(&test_s));
    let mut both = vec![test_s.clone(), live_s.clone(), live_s.clone()];
    both.sort();
    assert_eq!(sessions_seen(&live_seen), both);
    assert_eq!(sessions_seen(&cli_seen), both);
    assert_eq!(
        api.count("deliveries").await,
        7,
        "no live event was queued for the test endpoint"
    );
}

#[tokio::test]
async fn a_test_key_never_reaches_a_live_endpoint() {
    let api = Api::start(0, None).await;
    let _dispatcher = spawn_dispatcher(&api.svc);
    let (url, seen) = receiver(|_| status(200)).await;
    let test_ep = add_endpoint(&api, &api.test_key, &url).await;
    let live_ep = add_endpoint(&api, &api.live_key, &url).await;
    let cli = api
        .shop()
        .json(&["webhooks", "add", "--url", &url, "--json"]);
    let (test_id, live_id, cli_id) = (
        test_ep["id"].as_str().unwrap(),
        live_ep["id"].as_str().unwrap(),
        cli["id"].as_str().unwrap(),
    );
    let test = Some(api.test_key.as_str());
    let live = Some(api.live_key.as_str());
    let ids = |list: &Value| -> Vec<String> {
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect()
    };

    // Each key lists only its mode's endpoints.
    let (_, _, l) = api.raw("GET", ENDPOINTS, test, None, &[]).await;
    assert_eq!(ids(&l), [test_id]);
    let (_, _, l) = api.raw("GET", ENDPOINTS, live, None, &[]).await;
    assert_eq!(ids(&l), [cli_id, live_id]);

    // A live endpoint is a 404 to a test key on every route, and it stays as it was.
    for other in [live_id, cli_id] {
        for (method, path) in [
            ("GET", format!("{ENDPOINTS}/{other}")),
            ("GET", format!("{ENDPOINTS}/{other}/attempts")),
            ("POST", format!("{ENDPOINTS}/{other}/rotate_secret")),
            ("POST", format!("{ENDPOINTS}/{other}/test")),
            ("DELETE", format!("{ENDPOINTS}/{other}")),
        ] {
            let (code, _, e) = api.raw(method, &path, test, None, &[]).await;
            assert_eq!(
                (code, e["error"]["code"].as_str()),
                (404, Some("resource_missing")),
                "{method} {path}"
            );
        }
    }
    // And the test endpoint is a 404 to the live key.
    let (code, _, _) = api
        .raw("GET", &format!("{ENDPOINTS}/{test_id}"), live, None, &[])
        .await;
    assert_eq!(code, 404);
    let owner = webhooks::list(&api.svc, None).await.unwrap();
    assert_eq!(owner.len(), 3);
    assert!(owner.iter().all(|e| e.previous_secret_expires_at.is_none()));
    assert!(seen.lock().unwrap().is_empty(), "no test event was sent");

    // "Send test event": the event has the endpoint's mode, so the other mode never sees it.
    let (code, _, _) = api
        .raw(
            "POST",
            &format!("{ENDPOINTS}/{live_id}/test"),
            live,
            None,
            &[],
        )
        .await;
    assert_eq!(code, 200);
    let (code, _, _) = api
        .raw(
            "POST",
            &format!("{ENDPOINTS}/{test_id}/test"),
            test,
            None,
            &[],
        )
        .await;
    assert_eq!(code, 200);
    let (_, _, test_events) = api
        .raw("GET", "/api/v1/events?type=webhook.test", test, None, &[])
        .await;
    let test_events = test_events["data"].as_array().unwrap().clone();
    assert_eq!(test_events.len(), 1);
    assert_eq!(test_events[0]["livemode"], false);
    assert_eq!(test_events[0]["data"]["object"]["endpoint"], test_id);
    let (_, _, live_events) = api
        .raw("GET", "/api/v1/events?type=webhook.test", live, None, &[])
        .await;
    let live_events = live_events["data"].as_array().unwrap().clone();
    assert_eq!(live_events.len(), 1);
    assert_eq!(live_events[0]["data"]["object"]["endpoint"], live_id);
    let test_evt = test_events[0]["id"].as_str().unwrap();
    let live_evt = live_events[0]["id"].as_str().unwrap();

    // Resend: a test key cannot aim at a live endpoint, and "every subscriber" means its own.
    let to = |ep: &str| json!({"endpoint": ep}).to_string();
    let resend = format!("/api/v1/events/{test_evt}/resend");
    let (code, _, _) = api
        .raw("POST", &resend, test, Some(&to(live_id)), &[])
        .await;
    assert_eq!(code, 404);
    let (code, _, r) = api.raw("POST", &resend, test, None, &[]).await;
    assert_eq!(code, 200, "{r}");
    assert_eq!(ids_of_endpoints(&r), [test_id]);

    // The owner (CLI) may resend a test event to a live endpoint, never a live event to a test one.
    let (exit, line) = api
        .shop()
        .refused(&["webhooks", "resend", live_evt, "--endpoint", test_id], "");
    assert_eq!(exit, 2, "{line}");
    assert!(line.contains("test endpoint"), "{line}");
    webhooks::resend(&api.svc, test_evt, live_id, None)
        .await
        .unwrap();
    // A live event to every subscriber: the live endpoints only.
    let attempts = webhooks::resend_to_subscribers(&api.svc, live_evt, None)
        .await
        .unwrap();
    let mut reached: Vec<&str> = attempts.iter().map(|a| a.endpoint_id.as_str()).collect();
    reached.sort();
    let mut want = vec![live_id, cli_id];
    want.sort();
    assert_eq!(reached, want);

    // Deleting: the test key deletes its own endpoint; the live ones are still there.
    let (code, _, _) = api
        .raw("DELETE", &format!("{ENDPOINTS}/{test_id}"), test, None, &[])
        .await;
    assert_eq!(code, 200);
    assert_eq!(webhooks::list(&api.svc, None).await.unwrap().len(), 2);
}

fn ids_of_endpoints(attempts: &Value) -> Vec<String> {
    attempts["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["endpointId"].as_str().unwrap().to_string())
        .collect()
}
