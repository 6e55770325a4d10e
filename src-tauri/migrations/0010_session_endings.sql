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

-- Addresses with history are never handed out (a phrase already used elsewhere, e.g. MetaMask's,
-- which derives on the same path): each network's watcher screens the indexes ahead of
-- allocation, and allocation skips every index a network found used.
CREATE TABLE address_screens (
    address_index INTEGER NOT NULL,
    network_id    TEXT    NOT NULL,
    used          INTEGER NOT NULL,   -- native balance or nonce non-zero when screened
    balance       TEXT    NOT NULL,   -- the native balance then, atomic units
    screened_at   INTEGER NOT NULL,
    PRIMARY KEY (address_index, network_id)
);

-- The session address's native balance when watching began: funds from before never count.
ALTER TABLE checkout_sessions ADD COLUMN start_balance TEXT;
