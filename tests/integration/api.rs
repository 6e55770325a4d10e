//! The local HTTP API over real HTTP: every route and error path, each answer validated against
//! the served OpenAPI document; keys of each mode and restriction; idempotency incl. a real race;
//! limits; and a fuzzer.

use crate::common::Shop;
use crate::webhooks::{receiver, status};
use chaintill::engine::clock::ManualClock;
use chaintill::engine::config::Mode;
use chaintill::engine::Service;
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use std::sync::Arc;

/// A test network and a live one; fixed rates, so no node is needed to create sessions.
pub fn config(rate_limit: u32) -> String {
    format!(
        "[store]\nname = \"Corner Coffee\"\n\n[api]\nbind = \"127.0.0.1:0\"\npublic_url = \"http://shop.example:8787\"\n\
         rate_limit_per_second = {rate_limit}\n\n\
         [[networks]]\nid = \"local\"\nname = \"Local devnet\"\nchain_id = 31337\nrpc_urls = [\"http://127.0.0.1:9\"]\nmode = \"test\"\n\
         confirmations = 2\nnative = {{ symbol = \"ETH\", decimals = 18, display_decimals = 6, rate = {{ fixed = \"3000.00\" }} }}\n\
         tokens = [{{ symbol = \"USDC\", address = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\", decimals = 6, rate = {{ fixed = \"1.00\" }} }}]\n\n\
         [[networks]]\nid = \"ethereum\"\nname = \"Ethereum\"\nchain_id = 1\nrpc_urls = [\"http://127.0.0.1:9\"]\nmode = \"live\"\n\
         confirmations = 3\nnative = {{ symbol = \"ETH\", decimals = 18, display_decimals = 6, rate = {{ fixed = \"3000.00\" }} }}\n"
    )
}

/// A shop with the SPEC wallet, its API served in-process on a free port, and a key per kind.
pub struct Api {
    /// Keeps the data directory alive.
    _shop: Shop,
    pub svc: Service,
    pub base: String,
    pub http: reqwest::Client,
    pub spec: Value,
    pub test_key: String,
    pub live_key: String,
    pub restricted_key: String,
}

impl Api {
    pub async fn start(rate_limit: u32, clock: Option<ManualClock>) -> Self {
        Self::start_with(rate_limit, clock, true).await
    }

    /// [`Api::start`] with or without the SPEC wallet imported.
    pub async fn start_with(rate_limit: u32, clock: Option<ManualClock>, wallet: bool) -> Self {
        let shop = Shop::empty();
        std::fs::write(shop.path().join("chaintill.toml"), config(rate_limit)).unwrap();
        if wallet {
            shop.ok_stdin(&["wallet", "import"], crate::common::TEST_PHRASE);
        }
        let svc = match clock {
            Some(c) => Service::open_with_clock(shop.path(), Arc::new(c))
                .await
                .unwrap(),
            None => Service::open(shop.path()).await.unwrap(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(chaintill::engine::api::serve(
            svc.clone(),
            listener,
            std::future::pending(),
        ));
        let key = |mode, restricted| {
            let svc = svc.clone();
            async move {
                svc.keys_create(mode, None, restricted)
                    .await
                    .unwrap()
                    .1
                    .to_string()
            }
        };
        let (test_key, live_key, restricted_key) = (
            key(Mode::Test, false).await,
            key(Mode::Live, false).await,
            key(Mode::Test, true).await,
        );
        let http = reqwest::Client::new();
        let spec: Value = http
            .get(format!("{base}/api/v1/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Api {
            _shop: shop,
            svc,
            base,
            http,
            spec,
            test_key,
            live_key,
            restricted_key,
        }
    }

    /// Sends a request and checks the answer against the OpenAPI document (status documented,
    /// body valid against its schema). `body` is sent as is.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> (u16, HeaderMap, Value) {
        let mut req = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        for (h, v) in headers {
            req = req.header(*h, *v);
        }
        let res = req.send().await.unwrap();
        let code = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path}: {code} is not JSON: {text}"));
        check_against_spec(&self.spec, method, path, code, &body);
        (code, headers, body)
    }

    /// `raw` with the test key and a JSON body.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let text = body.map(|b| b.to_string());
        let (code, _, v) = self
            .raw(method, path, Some(&self.test_key), text.as_deref(), &[])
            .await;
        (code, v)
    }

    /// The shop's data directory (for running the CLI on it).
    pub fn shop(&self) -> &Shop {
        &self._shop
    }

    pub async fn count(&self, table: &str) -> i64 {
        crate::common::rows(&self.svc, table).await
    }
}

/// Validates an answer against the served document: the operation of `method` + the path
/// template matching `path` must document `code`, and the body must match its schema.
pub fn check_against_spec(spec: &Value, method: &str, path: &str, code: u16, body: &Value) {
    let path = path.split('?').next().unwrap();
    let Some((template, item)) = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(t, _)| template_matches(t, path))
    else {
        // Not an API route: only the error shape applies.
        assert_eq!(code, 404, "{method} {path}");
        return check_schema(
            spec,
            &json!({"$ref": "#/components/schemas/ErrorBody"}),
            body,
        );
    };
    let Some(op) = item.get(method.to_lowercase()) else {
        assert_eq!(
            code, 405,
            "{method} {path}: undocumented method answered {code}"
        );
        return check_schema(
            spec,
            &json!({"$ref": "#/components/schemas/ErrorBody"}),
            body,
        );
    };
    let response = op["responses"]
        .get(code.to_string())
        .unwrap_or_else(|| panic!("{method} {template}: status {code} is not documented: {body}"));
    if template.ends_with("openapi.json") {
        return;
    }
    let schema = &response["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{method} {template} {code}: no JSON schema documented"
    );
    check_schema(spec, schema, body);
}

fn template_matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(a, b)| (a.starts_with('{') && !b.is_empty()) || a == b)
}

fn check_schema(spec: &Value, schema: &Value, body: &Value) {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": spec["components"],
        "allOf": [schema],
    });
    let validator = jsonschema::validator_for(&root).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\nbody: {body:#}");
}

fn create_body(value: &str) -> Value {
    json!({"amount": {"value": value, "currency": "USD"}})
}

#[tokio::test]
async fn session_routes_answer_in_the_documented_shapes() {
    let api = Api::start(0, None).await;
    let (code, s) = api
        .call(
            "POST",
            "/api/v1/checkout_sessions",
            Some(json!({"amount": {"value": "50.00", "currency": "USD"}, "metadata": {"orderId": "001"},
                        "successUrl": "https://your-store.com/success"})),
        )
        .await;
    assert_eq!(code, 200, "{s}");
    let id = s["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("cs_"));
    assert_eq!(s["object"], "checkout_session");
    assert_eq!(s["status"], "pending");
    assert_eq!(s["livemode"], false);
    assert_eq!(
        s["checkoutUrl"],
        format!("http://shop.example:8787/checkout/{id}")
    );
    assert_eq!(
        s["network"],
        json!({"id": "local", "chainId": 31337, "name": "Local devnet"})
    );
    assert_eq!(s["address"], "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    assert_eq!(s["amount"]["value"], "0.016667");
    assert_eq!(s["amount"]["wei"], "16667000000000000");
    assert_eq!(s["fiat"], json!({"amount": "50.00", "currency": "USD"}));
    assert_eq!(s["metadata"], json!({"orderId": "001"}));
    assert_eq!(
        s["paymentUri"],
        "ethereum:0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266@31337?value=16667000000000000"
    );

    // A token session, the other defaults.
    let (code, t) = api
        .call(
            "POST",
            "/api/v1/checkout_sessions",
            Some(json!({"amount": {"value": "12.5"}, "asset": "USDC", "expiresInMinutes": 5})),
        )
        .await;
    assert_eq!(code, 200, "{t}");
    assert_eq!(t["amount"], json!({"atomic": "12500000", "value": "12.5"}));
    assert!(t["paymentUri"]
        .as_str()
        .unwrap()
        .contains("/transfer?address="));

    let (code, got) = api
        .call("GET", &format!("/api/v1/checkout_sessions/{id}"), None)
        .await;
    assert_eq!((code, &got["id"]), (200, &s["id"]));

    // Lists: newest first, limit, cursor, status filter.
    let (_, page) = api
        .call("GET", "/api/v1/checkout_sessions?limit=1", None)
        .await;
    assert_eq!(page["object"], "list");
    assert_eq!(page["hasMore"], true);
    assert_eq!(page["data"][0]["id"], t["id"]);
    let (_, next) = api
        .call(
            "GET",
            &format!(
                "/api/v1/checkout_sessions?limit=1&startingAfter={}",
                t["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(next["data"][0]["id"], s["id"]);
    assert_eq!(next["hasMore"], false);

    // Cancel, then cancel again: 409; a canceled filter finds it.
    let (code, c) = api
        .call(
            "POST",
            &format!("/api/v1/checkout_sessions/{id}/cancel"),
            None,
        )
        .await;
    assert_eq!((code, c["status"].as_str()), (200, Some("canceled")));
    let (code, e) = api
        .call(
            "POST",
            &format!("/api/v1/checkout_sessions/{id}/cancel"),
            None,
        )
        .await;
    assert_eq!(code, 409);
    assert_eq!(e["error"]["type"], "invalid_request_error");
    let (_, canceled) = api
        .call("GET", "/api/v1/checkout_sessions?status=canceled", None)
        .await;
    assert_eq!(canceled["data"].as_array().unwrap().len(), 1);
    let (code, e) = api
        .call("GET", "/api/v1/checkout_sessions?status=done", None)
        .await;
    assert_eq!((code, e["error"]["param"].as_str()), (400, Some("status")));

    // Not found: unknown, malformed, and a body on cancel.
    let (code, e) = api
        .call(
            "GET",
            "/api/v1/checkout_sessions/cs_01JD3Q8Z6W7N5K2M4P9R0T1V3X",
            None,
        )
        .await;
    assert_eq!(
        (code, e["error"]["code"].as_str()),
        (404, Some("resource_missing"))
    );
    for bad in ["nope", "%a0", "%ff%fe"] {
        let (code, e) = api
            .call("GET", &format!("/api/v1/checkout_sessions/{bad}"), None)
            .await;
        assert_eq!(
            (code, e["error"]["code"].as_str()),
            (404, Some("resource_missing")),
            "{bad}"
        );
    }
    let (code, e) = api
        .call(
            "POST",
            &format!(
                "/api/v1/checkout_sessions/{}/cancel",
                t["id"].as_str().unwrap()
            ),
            Some(json!({"x": 1})),
        )
        .await;
    assert_eq!((code, e["error"]["param"].as_str()), (400, Some("x")));

    // Events: the log of what happened, newest first, filterable, one by id.
    let (_, events) = api.call("GET", "/api/v1/events?limit=100", None).await;
    let types: Vec<&str> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["session.canceled", "session.created", "session.created"]
    );
    let (_, created) = api
        .call("GET", "/api/v1/events?type=session.created&limit=1", None)
        .await;
    assert_eq!(created["data"][0]["data"]["object"]["id"], t["id"]);
    assert_eq!(created["hasMore"], true);
    let evt = created["data"][0]["id"].as_str().unwrap();
    let (code, one) = api
        .call("GET", &format!("/api/v1/events/{evt}"), None)
        .await;
    assert_eq!((code, &one["id"]), (200, &created["data"][0]["id"]));
    let (code, e) = api
        .call("GET", "/api/v1/events?type=session.eaten", None)
        .await;
    assert_eq!((code, e["error"]["param"].as_str()), (400, Some("type")));

    // Unknown routes and methods answer in the error shape.
    let (code, e) = api.call("GET", "/api/v1/nothing", None).await;
    assert_eq!(
        (code, e["error"]["code"].as_str()),
        (404, Some("route_not_found"))
    );
    let (code, _) = api.call("DELETE", "/api/v1/checkout_sessions", None).await;
    assert_eq!(code, 405);
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_covers_every_route() {
    let api = Api::start(0, None).await;
    assert_eq!(api.spec["openapi"], "3.1.0");
    let routes = [
        ("post", "/api/v1/checkout_sessions"),
        ("get", "/api/v1/checkout_sessions"),
        ("get", "/api/v1/checkout_sessions/{id}"),
        ("post", "/api/v1/checkout_sessions/{id}/cancel"),
        ("post", "/api/v1/webhook_endpoints"),
        ("get", "/api/v1/webhook_endpoints"),
        ("get", "/api/v1/webhook_endpoints/{id}"),
        ("delete", "/api/v1/webhook_endpoints/{id}"),
        ("post", "/api/v1/webhook_endpoints/{id}/rotate_secret"),
        ("post", "/api/v1/webhook_endpoints/{id}/test"),
        ("get", "/api/v1/webhook_endpoints/{id}/attempts"),
        ("get", "/api/v1/events"),
        ("get", "/api/v1/events/{id}"),
        ("post", "/api/v1/events/{id}/resend"),
        ("get", "/api/v1/health"),
        ("get", "/api/v1/openapi.json"),
    ];
    for (m, p) in routes {
        assert!(
            api.spec["paths"][p][m].is_object(),
            "{m} {p} is not documented"
        );
    }
    let (code, h, _) = api.raw("GET", "/api/v1/health", None, None, &[]).await;
    assert_eq!(code, 200);
    assert_eq!(h["content-type"], "application/json");
    for name in [
        "CheckoutSession",
        "ErrorBody",
        "NewSession",
        "Endpoint",
        "Event",
        "Attempt",
        "Health",
    ] {
        assert!(
            api.spec["components"]["schemas"][name].is_object(),
            "schema {name} missing"
        );
    }
    assert_eq!(
        api.spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );

    // The check itself bites: a session without its id, or with a number for an amount, fails.
    let (_, s) = api
        .call(
            "POST",
            "/api/v1/checkout_sessions",
            Some(create_body("1.00")),
        )
        .await;
    let session = json!({"$ref": "#/components/schemas/CheckoutSession"});
    check_schema(&api.spec, &session, &s);
    for broken in [
        {
            let mut b = s.clone();
            b.as_object_mut().unwrap().remove("id");
            b
        },
        {
            let mut b = s.clone();
            b["amount"]["value"] = json!(1.5);
            b
        },
        {
            let mut b = s.clone();
            b["status"] = json!("settled");
            b
        },
    ] {
        let spec = api.spec.clone();
        let schema = session.clone();
        assert!(std::panic::catch_unwind(move || check_schema(&spec, &schema, &broken)).is_err());
    }
}

#[tokio::test]
async fn webhook_endpoint_routes_manage_test_and_log_deliveries() {
    let api = Api::start(0, None).await;
    let (url, seen) = receiver(|_| status(200)).await;
    let (code, ep) = api
        .call(
            "POST",
            "/api/v1/webhook_endpoints",
            Some(json!({"name": "Orders", "url": url, "events": ["session.paid", "webhook.test"]})),
        )
        .await;
    assert_eq!(code, 200, "{ep}");
    let id = ep["id"].as_str().unwrap().to_string();
    let secret = ep["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));

    let (_, got) = api
        .call("GET", &format!("/api/v1/webhook_endpoints/{id}"), None)
        .await;
    assert!(
        got.get("secret").is_none(),
        "the secret is shown once: {got}"
    );
    let listed = api.call("GET", "/api/v1/webhook_endpoints", None).await.1;
    assert_eq!(listed["data"][0]["id"], id.as_str());
    assert!(!listed.to_string().contains(&secret));

    let (code, attempt) = api
        .call(
            "POST",
            &format!("/api/v1/webhook_endpoints/{id}/test"),
            None,
        )
        .await;
    assert_eq!((code, attempt["httpStatus"].as_i64()), (200, Some(200)));
    assert_eq!(seen.lock().unwrap().len(), 1);
    let (_, log) = api
        .call(
            "GET",
            &format!("/api/v1/webhook_endpoints/{id}/attempts"),
            None,
        )
        .await;
    assert_eq!(log["data"][0]["id"], attempt["id"]);
    let (_, older) = api
        .call(
            "GET",
            &format!(
                "/api/v1/webhook_endpoints/{id}/attempts?startingAfter={}",
                attempt["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(older["data"].as_array().unwrap().len(), 0);

    // Resend the test event: to this endpoint, then to every subscriber.
    let evt = &api
        .call("GET", "/api/v1/events?type=webhook.test", None)
        .await
        .1["data"][0]["id"];
    let evt = evt.as_str().unwrap();
    let (code, r) = api
        .call(
            "POST",
            &format!("/api/v1/events/{evt}/resend"),
            Some(json!({"endpoint": id})),
        )
        .await;
    assert_eq!((code, r["data"].as_array().unwrap().len()), (200, 1));
    let (code, r) = api
        .call("POST", &format!("/api/v1/events/{evt}/resend"), None)
        .await;
    assert_eq!((code, r["data"].as_array().unwrap().len()), (200, 1));
    assert_eq!(seen.lock().unwrap().len(), 3);
    let bodies: Vec<Value> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| serde_json::from_slice(&s.body).unwrap())
        .collect();
    assert!(bodies.iter().all(|b| b["id"] == evt));

    let (code, rotated) = api
        .call(
            "POST",
            &format!("/api/v1/webhook_endpoints/{id}/rotate_secret"),
            None,
        )
        .await;
    assert_eq!(code, 200);
    assert_ne!(rotated["secret"], secret.as_str());
    assert!(rotated["previousSecretExpiresAt"].is_string());

    // Refusals: plain http to a public address, unknown event type, empty name.
    for (body, param) in [
        (
            json!({"name": "x", "url": "http://example.com/hook"}),
            "url",
        ),
        (
            json!({"name": "x", "url": url, "events": ["session.eaten"]}),
            "events",
        ),
        (json!({"name": " ", "url": url}), "name"),
        (json!({"url": url}), "name"),
    ] {
        let (code, e) = api
            .call("POST", "/api/v1/webhook_endpoints", Some(body.clone()))
            .await;
        assert_eq!(
            (code, e["error"]["param"].as_str()),
            (400, Some(param)),
            "{body}"
        );
    }

    let (code, d) = api
        .call("DELETE", &format!("/api/v1/webhook_endpoints/{id}"), None)
        .await;
    assert_eq!((code, &d["deleted"]), (200, &json!(true)));
    let (code, _) = api
        .call("GET", &format!("/api/v1/webhook_endpoints/{id}"), None)
        .await;
    assert_eq!(code, 404);
    let (code, _) = api
        .call(
            "POST",
            &format!("/api/v1/webhook_endpoints/{id}/test"),
            None,
        )
        .await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn keys_see_only_their_mode_and_restricted_keys_only_sessions() {
    let api = Api::start(0, None).await;
    let path = "/api/v1/checkout_sessions";
    let body = create_body("10.00").to_string();
    let (code, test_s, _) = (async {
        let (c, _, v) = api
            .raw("POST", path, Some(&api.test_key), Some(&body), &[])
            .await;
        (c, v, ())
    })
    .await;
    assert_eq!(code, 200);
    // A test key may not use a live network.
    let live_body = json!({"amount": {"value": "10.00"}, "network": "ethereum"}).to_string();
    let (code, _, e) = api
        .raw("POST", path, Some(&api.test_key), Some(&live_body), &[])
        .await;
    assert_eq!(
        (code, e["error"]["type"].as_str()),
        (403, Some("permission_error"))
    );
    // A live key creates live sessions (its default network is the live one) and sees only those.
    let (code, _, live_s) = api
        .raw("POST", path, Some(&api.live_key), Some(&body), &[])
        .await;
    assert_eq!((code, live_s["livemode"].as_bool()), (200, Some(true)));
    assert_eq!(live_s["network"]["id"], "ethereum");
    let test_id = test_s["id"].as_str().unwrap();
    let (code, _, _) = api
        .raw(
            "GET",
            &format!("{path}/{test_id}"),
            Some(&api.live_key),
            None,
            &[],
        )
        .await;
    assert_eq!(code, 404);
    let (_, _, live_list) = api.raw("GET", path, Some(&api.live_key), None, &[]).await;
    assert_eq!(live_list["data"].as_array().unwrap().len(), 1);
    let (_, _, live_events) = api
        .raw("GET", "/api/v1/events", Some(&api.live_key), None, &[])
        .await;
    assert!(live_events["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["livemode"] == true));
    let (_, _, test_events) = api
        .raw("GET", "/api/v1/events", Some(&api.test_key), None, &[])
        .await;
    let test_evt = test_events["data"][0]["id"].as_str().unwrap();
    let (code, _, _) = api
        .raw(
            "GET",
            &format!("/api/v1/events/{test_evt}"),
            Some(&api.live_key),
            None,
            &[],
        )
        .await;
    assert_eq!(code, 404);

    // Restricted: create, read and cancel sessions, nothing else.
    let r = Some(api.restricted_key.as_str());
    let (code, _, s) = api.raw("POST", path, r, Some(&body), &[]).await;
    assert_eq!(code, 200);
    let id = s["id"].as_str().unwrap();
    assert_eq!(
        api.raw("GET", &format!("{path}/{id}"), r, None, &[])
            .await
            .0,
        200
    );
    assert_eq!(api.raw("GET", path, r, None, &[]).await.0, 200);
    assert_eq!(
        api.raw("POST", &format!("{path}/{id}/cancel"), r, None, &[])
            .await
            .0,
        200
    );
    for (m, p) in [
        ("GET", "/api/v1/webhook_endpoints"),
        ("GET", "/api/v1/events"),
        ("POST", "/api/v1/webhook_endpoints"),
    ] {
        let (code, _, e) = api.raw(m, p, r, Some("{}"), &[]).await;
        assert_eq!(
            (code, e["error"]["code"].as_str()),
            (403, Some("restricted_key")),
            "{m} {p}"
        );
    }

    // Missing, malformed, unknown and revoked keys: 401.
    let (code, _, e) = api.raw("GET", path, None, None, &[]).await;
    assert_eq!(
        (code, e["error"]["type"].as_str()),
        (401, Some("authentication_error"))
    );
    let (code, _, _) = api
        .raw("GET", path, None, None, &[("authorization", "Basic abc")])
        .await;
    assert_eq!(code, 401);
    let (code, _, _) = api
        .raw(
            "GET",
            path,
            Some("ck_test_0123456789abcdef0123456789abcdef"),
            None,
            &[],
        )
        .await;
    assert_eq!(code, 401);
    let keys = api.svc.keys_list().await.unwrap();
    let restricted = keys.iter().find(|k| k.restricted).unwrap();
    api.svc.keys_revoke(&restricted.id).await.unwrap();
    let (code, _, e) = api.raw("GET", path, r, None, &[]).await;
    assert_eq!(code, 401);
    assert!(e["error"]["message"].as_str().unwrap().contains("revoked"));

    // Revoked by another process (the CLI) while the key is in use: refused within a second,
    // the life of the engine's key cache.
    let list = "/api/v1/checkout_sessions";
    let live = Some(api.live_key.as_str());
    assert_eq!(api.raw("GET", list, live, None, &[]).await.0, 200);
    let live_id = &keys.iter().find(|k| k.mode == Mode::Live).unwrap().id;
    api._shop.ok(&["keys", "revoke", live_id]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while api.raw("GET", list, live, None, &[]).await.0 != 401 {
        assert!(
            std::time::Instant::now() < deadline,
            "a key revoked by the CLI still works after 5 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn input_is_strict_and_bounded() {
    let api = Api::start(0, None).await;
    let path = "/api/v1/checkout_sessions";
    let cases = [
        (
            json!({"amount": {"value": "1.00"}, "colour": "red"}),
            "parameter_unknown",
            Some("colour"),
        ),
        (
            json!({"amount": {"value": "1.00", "cents": 100}}),
            "parameter_unknown",
            Some("amount.cents"),
        ),
        (
            json!({"amount": {"value": 1}}),
            "parameter_invalid",
            Some("amount.value"),
        ),
        // An array of the fields in order is still the wrong type for an object.
        (
            json!({"amount": ["1.00", "USD"]}),
            "parameter_invalid",
            Some("amount"),
        ),
        (
            json!({"amount": {"value": "1.00"}, "expiresInMinutes": "5"}),
            "parameter_invalid",
            Some("expiresInMinutes"),
        ),
        (
            json!({"amount": {"value": "1.00"}, "expiresInMinutes": 0}),
            "parameter_invalid",
            Some("expiresInMinutes"),
        ),
        (json!({"metadata": {}}), "parameter_missing", Some("amount")),
        (
            json!({"amount": {"value": "1.001"}}),
            "parameter_invalid",
            Some("amount.value"),
        ),
        (
            json!({"amount": {"value": "-1"}}),
            "parameter_invalid",
            Some("amount.value"),
        ),
        (
            json!({"amount": {"value": "0"}}),
            "parameter_invalid",
            Some("amount.value"),
        ),
        (
            json!({"amount": {"value": "1e3"}}),
            "parameter_invalid",
            Some("amount.value"),
        ),
        (
            json!({"amount": {"value": "1.00", "currency": "EUR"}}),
            "parameter_invalid",
            Some("amount.currency"),
        ),
        (
            json!({"amount": {"value": "1.00"}, "network": "moon"}),
            "parameter_invalid",
            Some("network"),
        ),
        (
            json!({"amount": {"value": "1.00"}, "asset": "DOGE"}),
            "parameter_invalid",
            Some("asset"),
        ),
        (
            json!({"amount": {"value": "1.00"}, "successUrl": "javascript:alert(1)"}),
            "parameter_invalid",
            Some("successUrl"),
        ),
        (
            json!({"amount": {"value": "1.00"}, "metadata": {"n": 1}}),
            "parameter_invalid",
            Some("metadata[n]"),
        ),
        (
            json!({"amount": {"value": "1.00"}, "metadata": {"k": "v".repeat(501)}}),
            "parameter_invalid",
            Some("metadata[k]"),
        ),
        (
            json!({"amount": {"value": "1.00"}, "metadata": {"k".repeat(41): "v"}}),
            "parameter_invalid",
            Some("metadata"),
        ),
        (
            json!({"amount": {"value": "1.00"}, "metadata": (0..51).map(|i| (format!("k{i}"), json!("v"))).collect::<serde_json::Map<_, _>>()}),
            "parameter_invalid",
            Some("metadata"),
        ),
    ];
    for (body, code, param) in cases {
        let (status, e) = api.call("POST", path, Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {e}");
        assert_eq!(e["error"]["code"].as_str(), Some(code), "{body}: {e}");
        assert_eq!(e["error"]["param"].as_str(), param, "{body}: {e}");
    }
    for raw in ["{\"amount\":", "[]", "\"text\"", "{} {}"] {
        let (status, _, e) = api
            .raw("POST", path, Some(&api.test_key), Some(raw), &[])
            .await;
        assert_eq!(status, 400, "{raw}: {e}");
    }
    // At the limits: 50 keys of 40 characters with 500-character values are fine.
    let full: serde_json::Map<String, Value> = (0..50)
        .map(|i| (format!("{i:0>40}"), json!("v".repeat(500))))
        .collect();
    let (status, s) = api
        .call(
            "POST",
            path,
            Some(json!({"amount": {"value": "1.00"}, "metadata": full})),
        )
        .await;
    assert_eq!(status, 200, "{s}");

    // Bodies over 64 KiB: 413, nothing created.
    let before = api.count("checkout_sessions").await;
    let big =
        json!({"amount": {"value": "1.00"}, "metadata": {"k": "x".repeat(70_000)}}).to_string();
    let (status, _, e) = api
        .raw("POST", path, Some(&api.test_key), Some(&big), &[])
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (413, Some("body_too_large"))
    );
    assert_eq!(api.count("checkout_sessions").await, before);

    // Query strings: unknown, repeated and out-of-range parameters.
    for q in [
        "limt=5",
        "limit=0",
        "limit=101",
        "limit=x",
        "limit=1&limit=2",
        "startingAfter=cs_nope",
    ] {
        let (status, e) = api.call("GET", &format!("{path}?{q}"), None).await;
        assert_eq!(status, 400, "{q}: {e}");
        assert!(e["error"]["param"].is_string(), "{q}: {e}");
    }
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let api = Api::start(5, None).await;
    let mut codes = vec![];
    let mut retry_after = None;
    for _ in 0..12 {
        let (code, h, _) = api
            .raw(
                "GET",
                "/api/v1/checkout_sessions",
                Some(&api.test_key),
                None,
                &[],
            )
            .await;
        if code == 429 {
            retry_after = h
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
        }
        codes.push(code);
    }
    assert!(
        codes.iter().filter(|c| **c == 200).count() >= 5,
        "{codes:?}"
    );
    assert!(codes.contains(&429), "{codes:?}");
    assert_eq!(retry_after.as_deref(), Some("1"));
    // Another key has its own budget.
    let (code, _, _) = api
        .raw(
            "GET",
            "/api/v1/checkout_sessions",
            Some(&api.live_key),
            None,
            &[],
        )
        .await;
    assert_eq!(code, 200);
}

#[tokio::test]
async fn idempotency_replays_refuses_reuse_and_survives_a_race() {
    let clock = ManualClock::new(chrono::Utc::now());
    let api = Api::start(0, Some(clock.clone())).await;
    let path = "/api/v1/checkout_sessions";
    let key = Some(api.test_key.as_str());
    let body =
        json!({"amount": {"value": "50.00", "currency": "USD"}, "metadata": {"orderId": "001"}})
            .to_string();
    let (c1, h1, s1) = api
        .raw(
            "POST",
            path,
            key,
            Some(&body),
            &[("Idempotency-Key", "order-001-v1")],
        )
        .await;
    assert_eq!(c1, 200);
    assert!(h1.get("idempotent-replayed").is_none());
    // Same request (other key order and spacing): the first answer again.
    let same =
        r#"{ "metadata": {"orderId": "001"}, "amount": {"currency": "USD", "value": "50.00"} }"#;
    let (c2, h2, s2) = api
        .raw(
            "POST",
            path,
            key,
            Some(same),
            &[("Idempotency-Key", "order-001-v1")],
        )
        .await;
    assert_eq!((c2, &s2), (200, &s1));
    assert_eq!(h2["idempotent-replayed"], "true");
    // Different body: 422.
    let other = create_body("51.00").to_string();
    let (c3, _, e) = api
        .raw(
            "POST",
            path,
            key,
            Some(&other),
            &[("Idempotency-Key", "order-001-v1")],
        )
        .await;
    assert_eq!(
        (c3, e["error"]["code"].as_str()),
        (422, Some("idempotency_key_reused"))
    );
    assert_eq!(e["error"]["type"], "idempotency_error");
    // Scoped per API key: the live key's "order-001-v1" is its own.
    let (c4, _, s4) = api
        .raw(
            "POST",
            path,
            Some(&api.live_key),
            Some(&body),
            &[("Idempotency-Key", "order-001-v1")],
        )
        .await;
    assert_eq!(c4, 200);
    assert_ne!(s4["id"], s1["id"]);
    // Validation failures are not stored: the corrected request may use the same key.
    let bad = json!({"amount": {"value": "oops"}}).to_string();
    let (c5, _, _) = api
        .raw(
            "POST",
            path,
            key,
            Some(&bad),
            &[("Idempotency-Key", "k-fix")],
        )
        .await;
    assert_eq!(c5, 400);
    let (c6, h6, _) = api
        .raw(
            "POST",
            path,
            key,
            Some(&body),
            &[("Idempotency-Key", "k-fix")],
        )
        .await;
    assert_eq!(c6, 200);
    assert!(h6.get("idempotent-replayed").is_none());
    // A 409 answer is stored too (the request ran): replayed on the cancel of a canceled session.
    let id = s1["id"].as_str().unwrap();
    api.raw("POST", &format!("{path}/{id}/cancel"), key, None, &[])
        .await;
    let (c7, _, _) = api
        .raw(
            "POST",
            &format!("{path}/{id}/cancel"),
            key,
            None,
            &[("Idempotency-Key", "c-1")],
        )
        .await;
    let (c8, h8, _) = api
        .raw(
            "POST",
            &format!("{path}/{id}/cancel"),
            key,
            None,
            &[("Idempotency-Key", "c-1")],
        )
        .await;
    assert_eq!((c7, c8), (409, 409));
    assert_eq!(h8["idempotent-replayed"], "true");
    // Key format.
    let long = "k".repeat(256);
    let (c9, _, e) = api
        .raw(
            "POST",
            path,
            key,
            Some(&body),
            &[("Idempotency-Key", &long)],
        )
        .await;
    assert_eq!(
        (c9, e["error"]["param"].as_str()),
        (400, Some("Idempotency-Key"))
    );

    // A real race: 16 requests with one key at once create exactly one session.
    let before = api.count("checkout_sessions").await;
    let race_body = create_body("7.00").to_string();
    let answers = futures_util::future::join_all((0..16).map(|_| {
        api.raw(
            "POST",
            path,
            key,
            Some(&race_body),
            &[("Idempotency-Key", "race-1")],
        )
    }))
    .await;
    assert_eq!(api.count("checkout_sessions").await, before + 1);
    let created: Vec<&Value> = answers
        .iter()
        .filter(|a| a.0 == 200)
        .map(|a| &a.2)
        .collect();
    assert!(!created.is_empty());
    assert!(created.iter().all(|s| s["id"] == created[0]["id"]));
    for (code, _, body) in &answers {
        assert!(
            *code == 200
                || (*code == 409 && body["error"]["code"] == "idempotency_request_in_progress"),
            "{code} {body}"
        );
    }

    // Many keys at once (their creates share transactions): each key keeps its own answer,
    // stored with its session.
    let api_ref = &api;
    let firsts = futures_util::future::join_all((0..32).map(|i| async move {
        let body = create_body(&format!("{}.00", i + 1)).to_string();
        let idem = format!("many-{i}");
        let (code, _, s) = api_ref
            .raw(
                "POST",
                path,
                key,
                Some(&body),
                &[("Idempotency-Key", &idem)],
            )
            .await;
        assert_eq!(code, 200, "{s}");
        (body, idem, s)
    }))
    .await;
    for (body, idem, first) in &firsts {
        let (code, h, again) = api
            .raw("POST", path, key, Some(body), &[("Idempotency-Key", idem)])
            .await;
        assert_eq!((code, again), (200, first.clone()));
        assert_eq!(h["idempotent-replayed"], "true");
    }

    // After 24 hours the key is free again.
    clock.advance(chrono::Duration::hours(25));
    let (c10, h10, s10) = api
        .raw(
            "POST",
            path,
            key,
            Some(&body),
            &[("Idempotency-Key", "order-001-v1")],
        )
        .await;
    assert_eq!(c10, 200);
    assert!(h10.get("idempotent-replayed").is_none());
    assert_ne!(s10["id"], s1["id"]);
}

#[tokio::test]
async fn a_refusal_that_can_change_is_503_with_retry_after_and_never_replayed() {
    let api = Api::start_with(0, None, false).await;
    let path = "/api/v1/checkout_sessions";
    let body = create_body("10.00").to_string();
    let idem = [("Idempotency-Key", "order-no-wallet-1")];
    let key = Some(api.test_key.as_str());
    // No wallet yet: 503 no_wallet with Retry-After, and the answer is not kept.
    for _ in 0..2 {
        let (code, h, e) = api.raw("POST", path, key, Some(&body), &idem).await;
        assert_eq!(
            (
                code,
                e["error"]["type"].as_str(),
                e["error"]["code"].as_str()
            ),
            (503, Some("api_error"), Some("no_wallet")),
            "{e}"
        );
        let retry: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(retry > 0);
        assert!(h.get("idempotent-replayed").is_none());
    }
    assert_eq!(api.count("idempotency_keys").await, 0);
    // Once the wallet is imported the same key creates the session: not a replay.
    api.svc
        .wallet_import(crate::common::TEST_PHRASE, "", 0)
        .await
        .unwrap();
    let (code, h, s) = api.raw("POST", path, key, Some(&body), &idem).await;
    assert_eq!(
        (code, s["object"].as_str()),
        (200, Some("checkout_session")),
        "{s}"
    );
    assert!(h.get("idempotent-replayed").is_none());
    let (code, h, again) = api.raw("POST", path, key, Some(&body), &idem).await;
    assert_eq!((code, &again), (200, &s));
    assert_eq!(h["idempotent-replayed"], "true");
}

/// A back-office developer's tools meet no surprise (issue 16, case 13): Redocly's linter
/// (recommended rules) finds no error, and openapi-typescript generates a client whose types
/// a strict TypeScript compile accepts for a real create and refuses for a wrong status.
#[tokio::test]
async fn the_openapi_document_lints_clean_and_generates_a_typed_client() {
    let api = Api::start(0, None).await;
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("openapi.json");
    std::fs::write(&doc, api.spec.to_string()).unwrap();
    let bin = |name: &str| format!("{}/node_modules/.bin/{name}", env!("CARGO_MANIFEST_DIR"));
    let run = |cmd: &mut std::process::Command| {
        let out = cmd
            .current_dir(dir.path())
            .env("REDOCLY_TELEMETRY", "off")
            .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
            .output()
            .expect("the npm tools (make test installs them)");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{cmd:?} failed:\n{text}");
        text
    };
    let lint = run(std::process::Command::new(bin("redocly")).args(["lint", "openapi.json"]));
    assert!(lint.contains("valid"), "{lint}");
    run(std::process::Command::new(bin("openapi-typescript")).args([
        "openapi.json",
        "-o",
        "api.d.ts",
    ]));
    std::fs::write(
        dir.path().join("client.ts"),
        r#"import type { operations, paths } from "./api";
type Create = paths["/api/v1/checkout_sessions"]["post"];
type Body = Create["requestBody"] extends { content: { "application/json": infer B } } ? B : never;
export const body: Body = { amount: { value: "50.00", currency: "USD" }, metadata: { orderId: "1001" } };
type Session = operations["getCheckoutSession"]["responses"][200]["content"]["application/json"];
export const paid: Session["status"] = "paid_late";
// @ts-expect-error: not a status
export const wrong: Session["status"] = "done";
export const due = (s: Session): string => s.amountDue.atomic;
"#,
    )
    .unwrap();
    run(std::process::Command::new(bin("tsc")).args([
        "--noEmit",
        "--strict",
        "--module",
        "esnext",
        "--moduleResolution",
        "bundler",
        "client.ts",
    ]));
}
