//! A fuzzer for the API: random and mutated requests over real HTTP. Never a 5xx, never a
//! panic, and nothing created or changed by a rejected request.

use crate::api::Api;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::String),
        prop_oneof![
            Just("50.00"),
            Just("0.01"),
            Just("1e9"),
            Just("-0"),
            Just("99999999999999999999.99"),
            Just("")
        ]
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("amount".to_string()),
                    Just("value".to_string()),
                    Just("currency".to_string()),
                    Just("metadata".to_string()),
                    Just("network".to_string()),
                    Just("asset".to_string()),
                    Just("successUrl".to_string()),
                    Just("expiresInMinutes".to_string()),
                    Just("url".to_string()),
                    Just("name".to_string()),
                    Just("events".to_string()),
                    Just("endpoint".to_string()),
                    "[a-zA-Z]{1,8}",
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A valid create body with one field replaced by something random.
fn mutated_create() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            Just(vec!["amount"]), Just(vec!["amount", "value"]), Just(vec!["amount", "currency"]),
            Just(vec!["metadata"]), Just(vec!["metadata", "orderId"]), Just(vec!["network"]),
            Just(vec!["asset"]), Just(vec!["successUrl"]), Just(vec!["expiresInMinutes"]), Just(vec!["extra"]),
        ],
        any_json(),
    )
        .prop_map(|(path, v)| {
            let mut body = json!({"amount": {"value": "5.00", "currency": "USD"}, "metadata": {"orderId": "1"}});
            let mut at = &mut body;
            for (i, k) in path.iter().enumerate() {
                if i + 1 == path.len() {
                    at[*k] = v.clone();
                } else {
                    at = &mut at[*k];
                }
            }
            body
        })
}

#[derive(Debug, Clone)]
struct Request {
    method: &'static str,
    path: String,
    body: Option<Vec<u8>>,
    auth: u8,
    idem: Option<String>,
}

fn request() -> impl Strategy<Value = Request> {
    let paths = prop_oneof![
        Just("/api/v1/checkout_sessions".to_string()),
        "[a-zA-Z0-9_%]{0,30}".prop_map(|id| format!("/api/v1/checkout_sessions/{id}")),
        "[a-zA-Z0-9_]{0,30}".prop_map(|id| format!("/api/v1/checkout_sessions/{id}/cancel")),
        "[a-zA-Z=&%0-9_]{0,30}".prop_map(|q| format!("/api/v1/checkout_sessions?{q}")),
        Just("/api/v1/webhook_endpoints".to_string()),
        "[a-zA-Z0-9_]{0,30}".prop_map(|id| format!("/api/v1/webhook_endpoints/{id}")),
        "[a-zA-Z0-9_]{0,30}".prop_map(|id| format!("/api/v1/webhook_endpoints/{id}/test")),
        "[a-zA-Z=&%0-9_]{0,30}".prop_map(|q| format!("/api/v1/events?{q}")),
        "[a-zA-Z0-9_]{0,30}".prop_map(|id| format!("/api/v1/events/{id}/resend")),
        "[a-z/]{0,20}".prop_map(|p| format!("/api/v1/{p}")),
        "[a-zA-Z0-9_]{0,30}".prop_map(|id| format!("/checkout/{id}")),
        "[a-zA-Z0-9_]{0,30}".prop_map(|id| format!("/checkout/{id}/qr.svg")),
    ];
    let bodies = prop_oneof![
        Just(None),
        prop::collection::vec(any::<u8>(), 0..200).prop_map(Some),
        any_json().prop_map(|v| Some(v.to_string().into_bytes())),
        mutated_create().prop_map(|v| Some(v.to_string().into_bytes())),
    ];
    (
        prop_oneof![Just("GET"), Just("POST"), Just("DELETE"), Just("PUT")],
        paths,
        bodies,
        0u8..4,
        proptest::option::of("[ -~]{0,40}"),
    )
        .prop_map(|(method, path, body, auth, idem)| Request {
            method,
            path,
            body,
            auth,
            idem,
        })
}

#[test]
fn malformed_requests_never_cause_a_5xx_and_create_nothing() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let api = rt.block_on(Api::start(0, None));
    let counts = |api: &Api| {
        rt.block_on(async {
            (
                api.count("checkout_sessions").await,
                api.count("webhook_endpoints").await,
                api.count("events").await,
            )
        })
    };
    let mut runner = TestRunner::new(Config {
        cases: std::env::var("FUZZ_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(400),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&request(), |r| {
            let before = counts(&api);
            let (code, text) = rt.block_on(async {
                let mut req = api
                    .http
                    .request(r.method.parse().unwrap(), format!("{}{}", api.base, r.path));
                req = match r.auth {
                    0 => req,
                    1 => req.bearer_auth(&api.test_key),
                    2 => req.bearer_auth(&api.restricted_key),
                    _ => req.header("authorization", "Bearer ck_test_garbage"),
                };
                if let Some(k) = &r.idem {
                    req = req.header("idempotency-key", k.as_str());
                }
                if let Some(b) = &r.body {
                    req = req.body(b.clone());
                }
                let res = req.send().await.unwrap();
                (res.status().as_u16(), res.text().await.unwrap_or_default())
            });
            prop_assert!(code < 500, "{r:?} → {code}: {text}");
            if r.path.starts_with("/api/") {
                let body: Value = serde_json::from_str(&text)
                    .map_err(|_| TestCaseError::fail(format!("{r:?}: not JSON: {text}")))?;
                if code >= 400 {
                    prop_assert!(body["error"]["message"].is_string(), "{r:?}: {text}");
                }
            }
            if code >= 400 {
                prop_assert_eq!(
                    counts(&api),
                    before,
                    "{:?} was refused ({}) but changed something",
                    r,
                    code
                );
            }
            Ok(())
        })
        .unwrap();
}
