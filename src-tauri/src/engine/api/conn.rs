//! One client connection of the API and hosted page (SPEC §7: the public side bounds what one
//! client can cost): HTTP/1.1 whose request headers must arrive within [`HEADER_READ_TIMEOUT`]
//! of their first byte, closed after [`IDLE_TIMEOUT`] with no traffic either way (an event
//! stream's keep-alive every 15 s is traffic), and whose requests carry the client's address
//! ([`ConnectInfo`]).
//!
//! The header clock is ours, not hyper's: hyper's also runs while a kept-alive connection waits
//! for its next request, so an order system's pooled connection would be closed after 10 s
//! quiet, and its next request could meet the close half-way (a lost POST).

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Longest a client may take to send a request's headers.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection with no traffic either way for this long is closed (nginx's keep-alive default:
/// longer than most clients keep an idle pooled connection).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(75);

/// Serves `stream` from `remote` with `app` until the client leaves, stalls or idles, or
/// `stopping` turns true (then the request in progress is finished first).
pub async fn serve(
    stream: TcpStream,
    remote: SocketAddr,
    app: Router,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let activity = Activity::new();
    let io = TokioIo::new(Tracked {
        inner: stream,
        activity: activity.clone(),
    });
    let served = activity.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(remote));
        // The headers are in: the header clock stops until the next request begins.
        let serving = served.serving();
        let answer = tower::ServiceExt::oneshot(app.clone(), req.map(axum::body::Body::new));
        async move {
            let res = answer.await;
            drop(serving);
            res
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(None)
        .serve_connection(io, service);
    tokio::pin!(conn);
    loop {
        let Some(left) = activity.time_left() else {
            return; // dropped: closed
        };
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = stopping.wait_for(|s| *s) => break,
            _ = tokio::time::sleep(left) => {}
            // A request's headers began: their clock is now the nearer limit.
            _ = activity.0.headers_begun.notified() => {}
        }
    }
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

/// When a connection last moved a byte, and since when it has been reading a request's headers.
#[derive(Clone)]
struct Activity(Arc<Times>);

struct Times {
    start: Instant,
    /// Last byte either way, ms since `start`.
    last_ms: AtomicU64,
    /// When the first byte of headers not yet complete arrived, ms since `start` + 1; 0: none.
    reading_since: AtomicU64,
    /// Requests being served (their headers are in).
    serving: AtomicU64,
    /// Told when a request's headers begin (the watch then sleeps until their limit instead of
    /// the idle one: no periodic wake-ups, so idle connections cost nothing).
    headers_begun: tokio::sync::Notify,
}

/// A request being served; dropped when its answer is ready.
struct Serving(Activity);

impl Drop for Serving {
    fn drop(&mut self) {
        self.0 .0.serving.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Activity {
    fn new() -> Self {
        Self(Arc::new(Times {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
            reading_since: AtomicU64::new(0),
            serving: AtomicU64::new(0),
            headers_begun: tokio::sync::Notify::new(),
        }))
    }

    fn now_ms(&self) -> u64 {
        self.0.start.elapsed().as_millis() as u64
    }

    /// Bytes came in: if no request is being served, they begin one's headers.
    fn read(&self) {
        let now = self.now_ms();
        self.0.last_ms.store(now, Ordering::Relaxed);
        if self.0.serving.load(Ordering::Relaxed) == 0
            && self
                .0
                .reading_since
                .compare_exchange(0, now + 1, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.0.headers_begun.notify_one();
        }
    }

    fn wrote(&self) {
        self.0.last_ms.store(self.now_ms(), Ordering::Relaxed);
    }

    /// A request's headers are complete.
    fn serving(&self) -> Serving {
        self.0.serving.fetch_add(1, Ordering::Relaxed);
        self.0.reading_since.store(0, Ordering::Relaxed);
        Serving(self.clone())
    }

    /// How long until a limit is reached; `None` once one is.
    fn time_left(&self) -> Option<Duration> {
        let now = self.now_ms();
        let idle = now.saturating_sub(self.0.last_ms.load(Ordering::Relaxed));
        let mut left = (IDLE_TIMEOUT.as_millis() as u64).checked_sub(idle)?;
        let since = self.0.reading_since.load(Ordering::Relaxed);
        if since > 0 {
            let reading = now.saturating_sub(since - 1);
            left = left.min((HEADER_READ_TIMEOUT.as_millis() as u64).checked_sub(reading)?);
        }
        (left > 0).then(|| Duration::from_millis(left))
    }
}

/// A stream that records its traffic in an [`Activity`].
struct Tracked {
    inner: TcpStream,
    activity: Activity,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.read();
        }
        r
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote();
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
