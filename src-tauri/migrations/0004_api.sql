-- Stored answers of idempotent POSTs: one row per (API key, Idempotency-Key), kept 24 hours.
CREATE TABLE idempotency_keys (
    api_key_id   TEXT    NOT NULL,
    idem_key     TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,                           -- method, path and canonical body
    status       INTEGER NOT NULL,
    body         BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (api_key_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
