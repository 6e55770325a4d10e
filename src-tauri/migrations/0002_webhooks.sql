-- Webhook endpoints, the delivery queue (one row per event × endpoint, the schedule's state)
-- and the log of every attempt.

CREATE TABLE webhook_endpoints (
    seq                     INTEGER PRIMARY KEY AUTOINCREMENT,
    id                      TEXT    NOT NULL UNIQUE,
    name                    TEXT    NOT NULL,
    url                     TEXT    NOT NULL,
    events                  TEXT    NOT NULL,            -- JSON array: ["*"] or event types
    secret                  TEXT    NOT NULL,            -- whsec_…, needed to sign
    previous_secret         TEXT,                        -- still signs until previous_expires_at
    previous_expires_at     INTEGER,
    disabled_at             INTEGER,
    disabled_reason         TEXT,
    created_at              INTEGER NOT NULL
);

CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    event_id        TEXT    NOT NULL REFERENCES events (id),
    endpoint_id     TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'canceled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,                             -- due time, or the lease of an attempt in flight
    created_at      INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (endpoint_id, next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX deliveries_event ON deliveries (event_id);

CREATE TABLE delivery_attempts (
    id            INTEGER PRIMARY KEY,
    delivery_id   INTEGER NOT NULL REFERENCES deliveries (id),
    event_id      TEXT    NOT NULL,
    endpoint_id   TEXT    NOT NULL,
    attempt       INTEGER NOT NULL,
    started_at    INTEGER NOT NULL,
    duration_ms   INTEGER NOT NULL,
    http_status   INTEGER,
    error         TEXT,
    response_body TEXT    NOT NULL DEFAULT '',           -- first 4 KiB
    next_retry_at INTEGER
);
CREATE INDEX delivery_attempts_endpoint ON delivery_attempts (endpoint_id, id);
CREATE INDEX delivery_attempts_event ON delivery_attempts (event_id, id);
