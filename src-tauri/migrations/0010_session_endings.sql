-- Every session ends (SPEC §4).

-- Expiry waits for the internal-transfer search: the timestamp (ms) of the block up to which
-- balance reconciliation last covered the session's address.
ALTER TABLE checkout_sessions ADD COLUMN reconciled_time INTEGER;

-- A payment whose block left the canonical chain is removed from its session; when it was first
-- seen is kept here, so the chain including it again (later) does not make it late.
CREATE TABLE payments_orphaned (
    session_id TEXT    NOT NULL,
    tx_hash    TEXT    NOT NULL,
    first_seen INTEGER NOT NULL,
    PRIMARY KEY (session_id, tx_hash)
);
