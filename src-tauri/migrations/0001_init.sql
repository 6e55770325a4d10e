-- Chaintill schema v1. Times are integer milliseconds since the epoch unless named *_secs.
-- Amounts are decimal strings of atomic units (U256 does not fit an SQLite integer).

-- The one wallet: watch-only. The phrase is in the OS keychain under `keychain_account`.
CREATE TABLE wallet (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    keychain_account TEXT    NOT NULL,
    xpub             TEXT    NOT NULL,
    next_index       INTEGER NOT NULL DEFAULT 0 CHECK (next_index >= 0),
    created_at       INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id          TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    mode        TEXT    NOT NULL CHECK (mode IN ('test', 'live')),
    restricted  INTEGER NOT NULL CHECK (restricted IN (0, 1)),
    secret_hash TEXT    NOT NULL UNIQUE,      -- hex SHA-256 of the whole key
    last4       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE checkout_sessions (
    seq                    INTEGER PRIMARY KEY AUTOINCREMENT,  -- creation order, for cursors
    id                     TEXT    NOT NULL UNIQUE,
    livemode               INTEGER NOT NULL,
    network_id             TEXT    NOT NULL,
    network_name           TEXT    NOT NULL,
    chain_id               INTEGER NOT NULL,
    asset_symbol           TEXT    NOT NULL,
    asset_decimals         INTEGER NOT NULL,
    asset_contract         TEXT,                               -- NULL for the native coin
    address                TEXT    NOT NULL,
    address_index          INTEGER NOT NULL UNIQUE,            -- never reused
    amount_atomic          TEXT    NOT NULL,
    fiat_amount            TEXT    NOT NULL,
    fiat_currency          TEXT    NOT NULL,
    rate                   TEXT    NOT NULL,
    payment_uri            TEXT    NOT NULL,
    required_confirmations INTEGER NOT NULL,
    tolerance_percent      TEXT    NOT NULL,
    late_grace_ms          INTEGER NOT NULL,
    metadata               TEXT    NOT NULL DEFAULT '{}',
    success_url            TEXT,
    status                 TEXT    NOT NULL,
    confirmations          INTEGER NOT NULL DEFAULT 0,
    amount_received        TEXT    NOT NULL DEFAULT '0',
    expires_at             INTEGER NOT NULL,
    created_at             INTEGER NOT NULL,
    paid_at                INTEGER,
    canceled_at            INTEGER
);
CREATE INDEX checkout_sessions_status ON checkout_sessions (status, seq);
CREATE INDEX checkout_sessions_address ON checkout_sessions (address);

-- Payments seen for a session (filled by the chain watcher).
CREATE TABLE payments (
    id              INTEGER PRIMARY KEY,
    session_id      TEXT    NOT NULL REFERENCES checkout_sessions (id),
    tx_hash         TEXT    NOT NULL,
    log_index       INTEGER,                                   -- NULL for native payments
    from_address    TEXT    NOT NULL,
    block_number    INTEGER,
    block_hash      TEXT,
    amount_atomic   TEXT    NOT NULL,
    seen_at         INTEGER NOT NULL,
    block_timestamp INTEGER,
    UNIQUE (session_id, tx_hash, log_index)
);

-- The outbox: every event is written in the transaction of the change that raises it.
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    type       TEXT    NOT NULL,
    session_id TEXT,
    livemode   INTEGER NOT NULL,
    created    INTEGER NOT NULL,                               -- unix seconds
    body       TEXT    NOT NULL                                -- the event JSON, as delivered
);
CREATE INDEX events_type ON events (type, seq);
