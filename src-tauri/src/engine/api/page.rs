//! The hosted checkout page (SPEC §7): `/checkout/{id}` for the customer's screen, its QR code,
//! a live status stream (Server-Sent Events) and a JSON state for the polling fallback.
//! No auth (the id is unguessable); it shows only what is needed to pay, never metadata.

use super::ApiState;
use crate::engine::checkout::model::{AssetRef, CheckoutSession, NetworkRef};
use crate::engine::checkout::settle::Status;
use crate::engine::clock::format_time;
use crate::engine::{Error, Result};
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::stream::{self, Stream};
use serde::Serialize;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// How often a session's feed re-reads it even without a change signal (changes made by
/// another process, e.g. `chaintill sessions cancel`).
const STREAM_REFRESH: Duration = Duration::from_secs(5);
/// Shortest time between two reloads of one session's feed.
const STREAM_MIN_GAP: Duration = Duration::from_millis(250);

const PAGE: &str = include_str!("assets/checkout.html");
const SCRIPT: &str = include_str!("assets/checkout.js");
const STYLE: &str = include_str!("assets/checkout.css");
const ICON: &str = include_str!("assets/favicon.svg");
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The routes of the hosted page.
pub fn routes() -> Router<ApiState> {
    Router::new()
        .route(
            "/checkout/assets/checkout.js",
            get(|| async { asset(SCRIPT, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/checkout/assets/checkout.css",
            get(|| async { asset(STYLE, "text/css; charset=utf-8") }),
        )
        .route(
            "/checkout/assets/favicon.svg",
            get(|| async { asset(ICON, "image/svg+xml") }),
        )
        .route("/checkout/{id}", get(page))
        .route("/checkout/{id}/qr.svg", get(qr))
        .route("/checkout/{id}/state", get(state))
        .route("/checkout/{id}/events", get(events))
}

/// What the customer's page shows: no metadata, no internal fields.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct PublicSession {
    id: String,
    status: Status,
    store_name: String,
    livemode: bool,
    network: NetworkRef,
    asset: AssetRef,
    address: String,
    payment_uri: String,
    fiat: crate::engine::checkout::model::Fiat,
    amount: String,
    amount_received: String,
    amount_due: String,
    confirmations: u64,
    required_confirmations: u64,
    expires_at: String,
    success_url: Option<String>,
}

fn public(s: CheckoutSession, store_name: &str) -> Result<PublicSession> {
    let paid = s.status.is_paid();
    Ok(PublicSession {
        id: s.id,
        status: s.status,
        store_name: store_name.to_string(),
        livemode: s.livemode,
        network: s.network,
        address: s.address,
        payment_uri: s.payment_uri,
        fiat: s.fiat,
        amount: s.amount.value,
        amount_received: s.amount_received.value,
        amount_due: s.amount_due.value,
        asset: s.asset,
        confirmations: s.confirmations,
        required_confirmations: s.required_confirmations,
        expires_at: s.expires_at,
        success_url: s.success_url.filter(|_| paid),
    })
}

async fn load(st: &ApiState, id: &str) -> Result<PublicSession> {
    let s = st.svc.sessions_get(id, None).await?;
    public(s, &st.svc.config().store.name)
}

fn secure(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut res = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}

/// A plain page for an unknown or malformed id (and, logged, for an engine failure).
fn failure(e: Error) -> Response {
    let (status, title, text) = match e {
        Error::NotFound { .. } => (
            StatusCode::NOT_FOUND,
            "Checkout not found",
            "This checkout link is not valid. Do not send any funds; ask the shop for a new link.",
        ),
        other => {
            tracing::error!(error = %other, "hosted checkout page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The checkout could not be shown. Please try again in a moment.",
            )
        }
    };
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"icon\" href=\"assets/favicon.svg\"><link rel=\"stylesheet\" href=\"assets/checkout.css\"></head>\
         <body><main class=\"card\"><h1>{title}</h1><p>{text}</p></main></body></html>"
    );
    secure(
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
    )
}

/// The `{id}` of a page route; an id that is not even text gets the not-found page.
struct PageId(String);

impl<S: Send + Sync> FromRequestParts<S> for PageId {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| PageId(id))
            .map_err(|_| {
                failure(Error::NotFound {
                    kind: "checkout_session",
                    id: String::new(),
                })
            })
    }
}

/// HTML-escapes text for element content and quoted attributes.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON safe to embed in a `<script type="application/json">` element.
fn embedded_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn render(p: &PublicSession, now: chrono::DateTime<chrono::Utc>) -> String {
    let now = format_time(now);
    PAGE.replace("{{store}}", &esc(&p.store_name))
        .replace("{{id}}", &esc(&p.id))
        .replace(
            "{{fiat}}",
            &esc(&format!("{} {}", p.fiat.amount, p.fiat.currency)),
        )
        .replace("{{amount}}", &esc(&p.amount))
        .replace("{{symbol}}", &esc(&p.asset.symbol))
        .replace("{{address}}", &esc(&p.address))
        .replace("{{network}}", &esc(&p.network.name))
        .replace("{{chain_id}}", &p.network.chain_id.to_string())
        .replace("{{payment_uri}}", &esc(&p.payment_uri))
        .replace(
            "{{test_mode}}",
            if p.livemode {
                ""
            } else {
                "<p class=\"test\">Test mode: no real funds</p>"
            },
        )
        .replace("{{state}}", &embedded_json(p))
        .replace("{{server_now}}", &now)
}

async fn page(State(st): State<ApiState>, PageId(id): PageId) -> Response {
    match load(&st, &id).await {
        Ok(p) => secure(
            (
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                render(&p, st.svc.now()),
            )
                .into_response(),
        ),
        Err(e) => failure(e),
    }
}

async fn qr(State(st): State<ApiState>, PageId(id): PageId) -> Response {
    match st.svc.sessions_qr(&id, None).await {
        Ok(svg) => secure(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response()),
        Err(e) => failure(e),
    }
}

async fn state(State(st): State<ApiState>, PageId(id): PageId) -> Response {
    match load(&st, &id).await {
        Ok(p) => secure(
            (
                [(header::CONTENT_TYPE, "application/json")],
                serde_json::to_string(&p).unwrap_or_default(),
            )
                .into_response(),
        ),
        Err(e) => failure(e),
    }
}

async fn events(
    State(st): State<ApiState>,
    ClientAddr(client): ClientAddr,
    PageId(id): PageId,
) -> Response {
    let Some(permit) = st.streams.open(client, &id) else {
        return secure(
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "10")],
                "Too many live views of this checkout from here; the page checks every few seconds instead.",
            )
                .into_response(),
        );
    };
    let feed = match st.streams.feed(&st, &id).await {
        Ok(f) => f,
        Err(e) => return failure(e),
    };
    let sse = Sse::new(updates(feed, st.stopping.clone(), permit)).keep_alive(KeepAlive::default());
    secure(sse.into_response())
}

/// The session as its feed last loaded it, then each change.
fn updates(
    feed: watch::Receiver<Arc<String>>,
    stopping: watch::Receiver<bool>,
    permit: StreamPermit,
) -> impl Stream<Item = std::result::Result<Event, Infallible>> {
    stream::unfold(
        (feed, stopping, permit, true),
        |(mut feed, mut stopping, permit, first)| async move {
            if !first {
                tokio::select! {
                    changed = feed.changed() => changed.ok()?,
                    _ = stopping.wait_for(|s| *s) => return None,
                }
            }
            let json = feed.borrow_and_update().clone();
            let event = Event::default().event("session").data(json.as_str());
            Some((Ok(event), (feed, stopping, permit, false)))
        },
    )
}

/// The client's address, as the connection gave it (unspecified where there is none: a
/// request served in-process).
struct ClientAddr(IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip()),
        ))
    }
}

/// Open event streams per session.
pub const STREAMS_PER_SESSION: usize = 16;
/// Open event streams per client address (a tunnel's clients all share one: kept roomy).
pub const STREAMS_PER_CLIENT: usize = 64;

/// The hosted page's open event streams: counted per session and per client, and one feed per
/// session that loads it once per change for all of its streams (SPEC §7), so many viewers
/// cost about what one costs.
#[derive(Default)]
pub struct Streams {
    counts: Mutex<Counts>,
    feeds: Mutex<HashMap<String, Arc<watch::Sender<Arc<String>>>>>,
    loads: AtomicU64,
}

#[derive(Default)]
struct Counts {
    by_session: HashMap<String, usize>,
    by_client: HashMap<IpAddr, usize>,
}

/// One open stream's place in the counts, given back when the stream ends.
struct StreamPermit {
    streams: Arc<Streams>,
    client: IpAddr,
    session: String,
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let mut c = lock(&self.streams.counts);
        release(&mut c.by_session, &self.session);
        release(&mut c.by_client, &self.client);
    }
}

fn release<K: std::hash::Hash + Eq>(map: &mut HashMap<K, usize>, key: &K) {
    if let Some(n) = map.get_mut(key) {
        *n -= 1;
        if *n == 0 {
            map.remove(key);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Streams {
    /// Sessions loaded for the streams so far (a figure for tests and the benchmark).
    pub fn loads(&self) -> u64 {
        self.loads.load(Ordering::Relaxed)
    }

    /// Counts a new stream of `client` on `session`, or `None` beyond either cap.
    fn open(self: &Arc<Self>, client: IpAddr, session: &str) -> Option<StreamPermit> {
        let mut c = lock(&self.counts);
        let per_session = c.by_session.get(session).copied().unwrap_or(0);
        let per_client = c.by_client.get(&client).copied().unwrap_or(0);
        if per_session >= STREAMS_PER_SESSION || per_client >= STREAMS_PER_CLIENT {
            return None;
        }
        *c.by_session.entry(session.to_string()).or_default() += 1;
        *c.by_client.entry(client).or_default() += 1;
        Some(StreamPermit {
            streams: self.clone(),
            client,
            session: session.to_string(),
        })
    }

    /// The session as JSON for the page, counted.
    async fn load(&self, st: &ApiState, id: &str) -> Result<Arc<String>> {
        self.loads.fetch_add(1, Ordering::Relaxed);
        let p = load(st, id).await?;
        Ok(Arc::new(
            serde_json::to_string(&p).map_err(|e| Error::Internal(e.to_string()))?,
        ))
    }

    /// The feed of session `id`, started by its first stream.
    async fn feed(
        self: &Arc<Self>,
        st: &ApiState,
        id: &str,
    ) -> Result<watch::Receiver<Arc<String>>> {
        if let Some(tx) = lock(&self.feeds).get(id) {
            return Ok(tx.subscribe());
        }
        let first = self.load(st, id).await?;
        let mut feeds = lock(&self.feeds);
        if let Some(tx) = feeds.get(id) {
            return Ok(tx.subscribe()); // another stream started it meanwhile
        }
        let (tx, rx) = watch::channel(first);
        let tx = Arc::new(tx);
        feeds.insert(id.to_string(), tx.clone());
        tokio::spawn(self.clone().run_feed(st.clone(), id.to_string(), tx));
        Ok(rx)
    }

    /// Reloads the session after each change signal (or every [`STREAM_REFRESH`]: changes made
    /// by another process), at most every [`STREAM_MIN_GAP`], and tells its streams when it
    /// differs; ends with its last stream or the server.
    async fn run_feed(
        self: Arc<Self>,
        st: ApiState,
        id: String,
        tx: Arc<watch::Sender<Arc<String>>>,
    ) {
        let mut changes = st.svc.watch_changes();
        let mut stopping = st.stopping.clone();
        let mut loaded = tokio::time::Instant::now();
        loop {
            tokio::select! {
                _ = async {
                    let _ = tokio::time::timeout(STREAM_REFRESH, changes.changed()).await;
                    tokio::time::sleep_until(loaded + STREAM_MIN_GAP).await;
                } => {}
                _ = tx.closed() => {
                    let mut feeds = lock(&self.feeds);
                    if tx.receiver_count() == 0 {
                        feeds.remove(&id);
                        return;
                    }
                    continue; // a stream joined as the last one left
                }
                _ = stopping.wait_for(|s| *s) => {
                    lock(&self.feeds).remove(&id);
                    return;
                }
            }
            loaded = tokio::time::Instant::now();
            match self.load(&st, &id).await {
                Ok(json) => {
                    tx.send_if_modified(|current| {
                        let changed = **current != *json;
                        if changed {
                            *current = json;
                        }
                        changed
                    });
                }
                Err(e) => {
                    tracing::warn!(session = %id, error = %e, "checkout stream could not reload the session");
                    tokio::time::sleep(STREAM_REFRESH).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_script_breakouts() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let j = embedded_json(&serde_json::json!({"s": "</script><b>&"}));
        assert!(!j.contains('<') && !j.contains('>') && !j.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(back["s"], "</script><b>&");
    }
}
