-- Chain watching: a checkpoint per network, recent block hashes for reorg detection, and a
-- flag so each payment that arrived after its session was final raises one late_payment event.

CREATE TABLE chain_state (
    network_id  TEXT    PRIMARY KEY,
    last_block  INTEGER NOT NULL,          -- last block fully processed
    last_hash   TEXT    NOT NULL,
    head        INTEGER NOT NULL,          -- chain head when last seen
    updated_at  INTEGER NOT NULL
);

CREATE TABLE chain_blocks (
    network_id TEXT    NOT NULL,
    number     INTEGER NOT NULL,
    hash       TEXT    NOT NULL,
    PRIMARY KEY (network_id, number)
);

ALTER TABLE payments ADD COLUMN late_notified INTEGER NOT NULL DEFAULT 0;
-- UNIQUE (session_id, tx_hash, log_index) lets NULL log indexes repeat; this one does not.
CREATE UNIQUE INDEX payments_once ON payments (session_id, tx_hash, COALESCE(log_index, -1));
CREATE INDEX payments_pending ON payments (seen_at) WHERE block_number IS NULL;
CREATE INDEX checkout_sessions_network ON checkout_sessions (network_id, status);

-- Balance reconciliation (native payments through contract calls): the last block at which the
-- address's balance was fully explained by its recorded payments, and where watching began.
ALTER TABLE checkout_sessions ADD COLUMN reconciled_block INTEGER;
ALTER TABLE checkout_sessions ADD COLUMN watch_from_block INTEGER;
-- Set in the transaction that records or removes a payment, cleared when the session is
-- re-settled: a crash between the two cannot leave a payment unsettled.
ALTER TABLE checkout_sessions ADD COLUMN needs_settle INTEGER NOT NULL DEFAULT 0;
-- What the watcher re-settles on every block, found without scanning every session.
CREATE INDEX checkout_sessions_unsettled ON checkout_sessions (network_id)
    WHERE needs_settle = 1 OR status IN ('detected', 'underpaid');
-- The expiry sweep looks at pending sessions past their expiry only.
CREATE INDEX checkout_sessions_expiry ON checkout_sessions (status, expires_at);
