//! The dispatcher: one loop that claims due deliveries from the outbox, attempts them
//! concurrently (bounded overall and per endpoint), and records every attempt and the next step
//! of the retry schedule in one transaction. Everything lives in the database, so a restart or
//! a crash at any point resumes the schedule and loses nothing.

use super::{schedule, signing, Attempt};
use crate::engine::{Error, Result, Service};
use chrono::Duration as ChronoDuration;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// How much of a response body is kept in the log.
pub const RESPONSE_LOG_BYTES: usize = 4096;
/// A claimed delivery is leased for the timeout plus this margin; if the engine dies mid-attempt
/// the delivery becomes due again when the lease runs out (at-least-once).
const LEASE_MARGIN_SECS: i64 = 30;

/// Concurrency and polling limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Attempts in flight at once, all endpoints together.
    pub max_in_flight: usize,
    /// Attempts in flight at once to one endpoint, so one slow receiver cannot starve others.
    pub per_endpoint: usize,
    /// How often to look for due work written by other processes (the CLI) or due retries.
    pub idle_poll: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_in_flight: 64,
            per_endpoint: 16,
            idle_poll: Duration::from_millis(250),
        }
    }
}

/// One claimed delivery attempt.
#[derive(Debug, Clone)]
pub struct Job {
    delivery_id: i64,
    event_id: String,
    endpoint_id: String,
    attempt: u32,
}

/// Delivers the outbox.
#[derive(Clone)]
pub struct Dispatcher {
    svc: Service,
    client: reqwest::Client,
    limits: Limits,
}

impl Dispatcher {
    /// A dispatcher with default limits.
    pub fn new(svc: Service) -> Self {
        Self::with_limits(svc, Limits::default())
    }

    /// A dispatcher with explicit limits.
    pub fn with_limits(svc: Service, limits: Limits) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Chaintill/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .no_proxy()
            .pool_max_idle_per_host(limits.per_endpoint)
            .build()
            .unwrap_or_default();
        Self {
            svc,
            client,
            limits,
        }
    }

    fn lease_until(&self) -> i64 {
        let timeout = self.svc.config().webhooks.timeout_secs.get();
        (self.svc.now() + ChronoDuration::seconds(timeout + LEASE_MARGIN_SECS)).timestamp_millis()
    }

    /// Claims one specific pending delivery (for "send test" and "resend"), due or not.
    pub async fn claim_one(&self, delivery_id: i64) -> Result<Option<Job>> {
        let row = sqlx::query_as::<_, (i64, String, String, i64)>(
            "UPDATE deliveries SET next_attempt_at = ? WHERE id = ? AND status = 'pending' \
             RETURNING id, event_id, endpoint_id, attempts",
        )
        .bind(self.lease_until())
        .bind(delivery_id);
        let mut w = self.svc.begin_write().await?;
        let row = row.fetch_optional(&mut *w).await?;
        w.commit().await?;
        Ok(row.map(job))
    }

    /// Claims up to `max` due deliveries, at most `per_endpoint` for each endpoint not in `busy`.
    async fn claim_due(&self, max: usize, busy: &HashMap<String, usize>) -> Result<Vec<Job>> {
        let endpoints: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM webhook_endpoints WHERE disabled_at IS NULL ORDER BY seq",
        )
        .fetch_all(self.svc.pool())
        .await?;
        let now = self.svc.now().timestamp_millis();
        let lease = self.lease_until();
        let mut jobs = Vec::new();
        let mut w = self.svc.begin_write().await?;
        for ep in endpoints {
            let room = self
                .limits
                .per_endpoint
                .saturating_sub(*busy.get(&ep).unwrap_or(&0))
                .min(max - jobs.len());
            if room == 0 {
                continue;
            }
            let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
                "UPDATE deliveries SET next_attempt_at = ?1 WHERE id IN (\
                   SELECT id FROM deliveries WHERE endpoint_id = ?2 AND status = 'pending' AND next_attempt_at <= ?3 \
                   ORDER BY next_attempt_at, id LIMIT ?4) \
                 RETURNING id, event_id, endpoint_id, attempts",
            )
            .bind(lease)
            .bind(&ep)
            .bind(now)
            .bind(room as i64)
            .fetch_all(&mut *w)
            .await?;
            jobs.extend(rows.into_iter().map(job));
            if jobs.len() >= max {
                break;
            }
        }
        w.commit().await?;
        Ok(jobs)
    }

    /// Makes one attempt and records it with the next step of the schedule.
    pub async fn attempt(&self, job: Job) -> Result<Attempt> {
        let pool = self.svc.pool();
        let (url,): (String,) = sqlx::query_as("SELECT url FROM webhook_endpoints WHERE id = ?")
            .bind(&job.endpoint_id)
            .fetch_optional(pool)
            .await?
            .ok_or_else(|| Error::NotFound {
                kind: "webhook_endpoint",
                id: job.endpoint_id.clone(),
            })?;
        let body: String = sqlx::query_scalar("SELECT body FROM events WHERE id = ?")
            .bind(&job.event_id)
            .fetch_one(pool)
            .await?;
        let started_at = self.svc.now();
        let secrets =
            super::signing_secrets(pool, &job.endpoint_id, started_at.timestamp_millis()).await?;
        let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let h = signing::sign(
            &job.event_id,
            started_at.timestamp(),
            body.as_bytes(),
            &secret_refs,
        )
        .map_err(Error::Internal)?;
        let timeout = self.svc.config().webhooks.timeout_secs.get() as u64;

        let clock = Instant::now();
        let sent = self
            .client
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Webhook-Signature", &h.x_webhook_signature)
            .header("webhook-id", &h.webhook_id)
            .header("webhook-timestamp", &h.webhook_timestamp)
            .header("webhook-signature", &h.webhook_signature)
            .body(body)
            .timeout(Duration::from_secs(timeout))
            .send()
            .await;
        let outcome = match sent {
            Ok(resp) => read_response(resp).await,
            // The endpoint URL is left out: its query may hold the receiver's token.
            Err(e) => Outcome::failed(describe(&e.without_url(), timeout)),
        };
        let duration_ms = clock.elapsed().as_millis() as i64;
        self.record(job, started_at.timestamp_millis(), duration_ms, outcome)
            .await
    }

    async fn record(
        &self,
        job: Job,
        started_ms: i64,
        duration_ms: i64,
        o: Outcome,
    ) -> Result<Attempt> {
        let now = self.svc.now();
        let success = o.status.is_some_and(|s| (200..300).contains(&s));
        let gone = o.status == Some(410);
        let schedule = &self.svc.config().webhooks.retry_schedule_secs.0;
        let next_retry_at = if success || gone {
            None
        } else {
            schedule::delay_before(schedule, job.attempt + 1, &mut rand::thread_rng()).map(|d| {
                let wait = match o.retry_after {
                    Some(ra) if matches!(o.status, Some(429 | 503)) => d.max(ra),
                    _ => d,
                };
                (now + ChronoDuration::from_std(wait).unwrap_or_default()).timestamp_millis()
            })
        };
        let status = match (success, next_retry_at) {
            (true, _) => "succeeded",
            (false, Some(_)) => "pending",
            (false, None) => "failed",
        };
        let mut tx = self.svc.begin_write().await?;
        sqlx::query(
            "UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ? WHERE id = ?",
        )
        .bind(status)
        .bind(job.attempt as i64)
        .bind(next_retry_at)
        .bind(job.delivery_id)
        .execute(&mut *tx)
        .await?;
        if gone {
            sqlx::query("UPDATE webhook_endpoints SET disabled_at = ?, disabled_reason = ? WHERE id = ? AND disabled_at IS NULL")
                .bind(now.timestamp_millis())
                .bind("the receiver answered 410 Gone")
                .bind(&job.endpoint_id)
                .execute(&mut *tx)
                .await?;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO delivery_attempts (delivery_id, event_id, endpoint_id, attempt, started_at, duration_ms, http_status, error, response_body, next_retry_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(job.delivery_id)
        .bind(&job.event_id)
        .bind(&job.endpoint_id)
        .bind(job.attempt as i64)
        .bind(started_ms)
        .bind(duration_ms)
        .bind(o.status.map(i64::from))
        .bind(&o.error)
        .bind(&o.body)
        .bind(next_retry_at)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        if gone {
            tracing::warn!(endpoint = %job.endpoint_id, "webhook endpoint disabled: the receiver answered 410 Gone");
        } else if !success {
            tracing::info!(event = %job.event_id, endpoint = %job.endpoint_id, attempt = job.attempt, error = o.error.as_deref().unwrap_or(""), "webhook attempt failed");
        }
        Ok(Attempt {
            id,
            event_id: job.event_id,
            endpoint_id: job.endpoint_id,
            attempt: job.attempt as i64,
            started_at: started_ms,
            duration_ms,
            http_status: o.status.map(i64::from),
            error: o.error,
            response_body: o.body,
            next_retry_at,
        })
    }

    /// Runs until `shutdown` completes. Attempts still in flight then are abandoned; their
    /// leases run out and they are retried by the next engine (at-least-once).
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let permits = Arc::new(Semaphore::new(self.limits.max_in_flight));
        let busy: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let mut tasks = JoinSet::new();
        let outbox = self.svc.outbox_signal();
        tokio::pin!(shutdown);
        loop {
            let free = permits.available_permits();
            let mut claimed = 0;
            if free > 0 {
                let snapshot = busy.lock().unwrap_or_else(|p| p.into_inner()).clone();
                match self.claim_due(free, &snapshot).await {
                    Ok(jobs) => {
                        claimed = jobs.len();
                        for job in jobs {
                            let Ok(permit) = permits.clone().try_acquire_owned() else {
                                break;
                            };
                            *busy
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .entry(job.endpoint_id.clone())
                                .or_default() += 1;
                            let (me, busy) = (self.clone(), busy.clone());
                            tasks.spawn(async move {
                                let endpoint = job.endpoint_id.clone();
                                if let Err(e) = me.attempt(job).await {
                                    tracing::warn!(error = %e, "recording a webhook attempt failed");
                                }
                                if let Some(n) = busy.lock().unwrap_or_else(|p| p.into_inner()).get_mut(&endpoint) {
                                    *n = n.saturating_sub(1);
                                }
                                drop(permit);
                            });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "claiming webhook deliveries failed"),
                }
            }
            if claimed > 0 && claimed == free {
                // Saturated: wait for a slot.
                tokio::select! {
                    _ = &mut shutdown => break,
                    _ = tasks.join_next() => {}
                }
            } else if claimed == 0 {
                tokio::select! {
                    _ = &mut shutdown => break,
                    _ = outbox.notified() => {}
                    Some(_) = tasks.join_next() => {}
                    _ = tokio::time::sleep(self.limits.idle_poll) => {}
                }
            }
            while tasks.try_join_next().is_some() {}
        }
        tasks.abort_all();
    }
}

fn job((delivery_id, event_id, endpoint_id, attempts): (i64, String, String, i64)) -> Job {
    Job {
        delivery_id,
        event_id,
        endpoint_id,
        attempt: u32::try_from(attempts).unwrap_or(u32::MAX - 1) + 1,
    }
}

/// What one attempt came to.
struct Outcome {
    status: Option<u16>,
    error: Option<String>,
    body: String,
    retry_after: Option<Duration>,
}

impl Outcome {
    fn failed(error: String) -> Self {
        Self {
            status: None,
            error: Some(error),
            body: String::new(),
            retry_after: None,
        }
    }
}

async fn read_response(mut resp: reqwest::Response) -> Outcome {
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| schedule::retry_after(v, chrono::Utc::now()));
    let location = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // Only the first 4 KiB are kept; a body that fails to arrive does not change the verdict,
    // which the status line already gave.
    let mut body = Vec::new();
    while body.len() < RESPONSE_LOG_BYTES {
        match resp.chunk().await {
            Ok(Some(c)) => {
                body.extend_from_slice(&c[..c.len().min(RESPONSE_LOG_BYTES - body.len())])
            }
            Ok(None) | Err(_) => break,
        }
    }
    let error = if status.is_success() {
        None
    } else if status.is_redirection() {
        Some(format!(
            "redirect to {} not followed",
            location.as_deref().unwrap_or("(no Location)")
        ))
    } else {
        Some(format!("HTTP {}", status.as_u16()))
    };
    Outcome {
        status: Some(status.as_u16()),
        error,
        body: String::from_utf8_lossy(&body).into_owned(),
        retry_after,
    }
}

fn describe(e: &reqwest::Error, timeout: u64) -> String {
    if e.is_timeout() {
        format!("no response within {timeout} s")
    } else if e.is_connect() {
        let mut source: &dyn std::error::Error = e;
        while let Some(s) = source.source() {
            source = s;
        }
        format!("could not connect: {source}")
    } else {
        let mut msg = e.to_string();
        if let Some(s) = std::error::Error::source(e) {
            msg = format!("{msg}: {s}");
        }
        msg
    }
}
